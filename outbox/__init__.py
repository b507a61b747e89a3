"""Everything outgoing: templates, the invoice PDF, MIME composition, the transactional
outbox queue and the transports. Never decides *whether* to send: rules/ does that."""
