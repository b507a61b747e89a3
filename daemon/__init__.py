"""The process: CLI, config, wiring, the supervised loop, inbox sources, the inbound
pipeline, the scheduler and logging. All of arclerk's I/O lives here and in the
outbox transports and the ledger store."""
