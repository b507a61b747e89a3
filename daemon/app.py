"""Wiring: config -> store, rules, pipeline, mailer; and the cycle the daemon repeats.

One cycle = read the inbox (each message committed, then moved) -> dunning tick ->
flush the outbox. `run --once` is exactly one cycle; `run` repeats it until a signal.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import signal
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog

from daemon import faults
from daemon.config import Config
from daemon.imap_source import ImapSource
from daemon.locks import InboxLock
from daemon.pdfsandbox import PdfSandbox
from daemon.pipeline import Context, Pipeline
from daemon.scheduler import digest, tick
from daemon.sources import Dest, MaildirSource, Source
from ledger.errors import ArclerkError, ConfigError, TransientError
from ledger.store import Store
from outbox.render import Renderer, Seller
from outbox.transports import MaildirTransport, SmtpSettings, SmtpTransport, Transport
from outbox.worker import Mailer
from parsers import dkim
from rules.loader import RulesError, load
from rules.schema import Rules

log = structlog.get_logger("arclerk")


def pdf_sandbox(cfg: Config) -> PdfSandbox | None:
    """The child process PDFs are read in, under the configured limits."""
    p = cfg.parsing
    return PdfSandbox(p.pdf_timeout_seconds, p.pdf_memory_mb) if p.pdf_sandbox else None


def dkim_verifier(cfg: Config) -> Callable[[bytes], tuple[str, ...]] | None:
    """Our own DKIM check (real DNS lookups), when the config asks for it."""
    return dkim.verified_domains if cfg.mail.dkim_verify else None


def load_rules(cfg: Config) -> Rules:
    try:
        return load(cfg.rules)
    except RulesError as exc:
        raise ConfigError(f"invalid rules: {exc.problems[0]}"
                          + (f" (and {len(exc.problems) - 1} more; run `arclerk rules check`)"
                             if len(exc.problems) > 1 else "")) from exc  # fmt: skip


def open_store(cfg: Config) -> Store:
    store = Store(cfg.database.url)
    store.migrate()
    return store


def make_transport(cfg: Config) -> Transport:
    out = cfg.mail.outbox
    if out.maildir is not None:
        return MaildirTransport(out.maildir)
    assert out.smtp is not None
    s = out.smtp
    return SmtpTransport(SmtpSettings(s.host, s.port, s.tls, s.username,
                                      s.password.get_secret_value() or None, s.timeout,
                                      s.ca_file))  # fmt: skip


@dataclass
class CycleStats:
    inbound: int = 0
    duplicates: int = 0
    reviews: int = 0
    queued: int = 0
    sent: int = 0
    errors: list[str] = field(default_factory=list)


class App:
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.rules = load_rules(cfg)
        self.store = open_store(cfg)
        seller = Seller(cfg.seller.name, cfg.seller.address, cfg.seller.iban,
                        cfg.seller.bank_name, cfg.seller.bic, cfg.seller.vat_id,
                        cfg.seller.colour, cfg.seller.logo)  # fmt: skip
        self.domain = cfg.mail.address.rsplit("@", 1)[-1]
        self.renderer = Renderer(seller, cfg.templates)
        self.transport = make_transport(cfg)
        smtp = cfg.mail.outbox.smtp
        self.mailer = Mailer(self.store, self.renderer, self.transport, cfg.mail.address,
                             cfg.mail.admin or cfg.mail.address,
                             lease_seconds=cfg.daemon.outbox_lease_seconds,
                             rate_per_minute=smtp.rate_per_minute if smtp else 0,
                             webhook_secret=cfg.mail.webhook_secret.get_secret_value(),
                             fault=faults.point)  # fmt: skip
        self.source: Source
        if cfg.mail.inbox.imap is not None:
            self.source = ImapSource(cfg.mail.inbox.imap)
        else:
            assert cfg.mail.inbox.maildir is not None
            self.source = MaildirSource(cfg.mail.inbox.maildir)
        self.inbox_lock = InboxLock(self.store, self.source.mailbox)
        self.pdf = pdf_sandbox(cfg)
        self.stopping = False
        self.inbox_failures = 0

    def pipeline(self) -> Pipeline:
        return Pipeline(self.store, Context(self.rules, self.cfg.mail.authserv_id, self.domain,
                                            self.cfg.mail.admin, self.pdf,
                                            dkim_verifier(self.cfg)))  # fmt: skip

    def read_inbox(self, now: dt.datetime, stats: CycleStats) -> None:
        """Process every message in the inbox, each committed before it is moved."""
        if not self.inbox_lock.acquire():
            return  # another instance reads this mailbox; we take over if it dies
        pipeline = self.pipeline()
        try:
            while not self.stopping:
                batch = self.source.batch()
                if not batch:
                    break
                outcomes = pipeline.process_batch(
                    [(item.raw, item.source_key) for item in batch], self.source.mailbox, now
                )
                for item, outcome in zip(batch, outcomes, strict=True):
                    dest = (Dest.BOUNCE if outcome.kind == "bounce"
                            else Dest.REVIEW if outcome.review else Dest.PROCESSED)  # fmt: skip
                    self.source.done(item, dest)
                    stats.inbound += 1
                    stats.duplicates += outcome.duplicate
                    stats.reviews += outcome.review
                    log.info("message_processed", inbound_id=outcome.inbound_id,
                             source_key=item.source_key, kind=outcome.kind,
                             outcome=outcome.summary)  # fmt: skip
                self.source.flush()
            self.inbox_failures = 0
        except ArclerkError as exc:
            # Never let the inbox stop the rest of the cycle: mail still goes out.
            self.inbox_failures += 1
            stats.errors.append(str(exc))
            level = log.warning if isinstance(exc, TransientError) else log.error
            level("inbox_unavailable", error=str(exc), failures=self.inbox_failures)

    async def cycle(self, now: dt.datetime) -> CycleStats:
        stats = CycleStats()
        await asyncio.to_thread(self.read_inbox, now, stats)
        if not self.stopping:
            stats.queued = await asyncio.to_thread(tick, self.store, self.rules, now, self.domain)
            if await asyncio.to_thread(digest, self.store, self.rules, now, self.cfg.mail.admin,
                                       self.domain):  # fmt: skip
                stats.queued += 1
        stats.sent = await self.mailer.flush(now)
        log.info("cycle_done", now=now.isoformat(), inbound=stats.inbound,
                 duplicates=stats.duplicates, reviews=stats.reviews, queued=stats.queued,
                 sent=stats.sent)  # fmt: skip
        return stats

    def reload_rules(self) -> None:
        try:
            self.rules = load_rules(self.cfg)
            log.info("rules_reloaded")
        except ConfigError as exc:
            log.error("rules_reload_refused", error=str(exc), keeping="last good rules")

    async def run_forever(self) -> None:
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()
        signals_seen = 0

        def on_stop() -> None:
            nonlocal signals_seen
            signals_seen += 1
            self.stopping = True
            wake.set()
            if signals_seen > 1:
                log.warning("second_signal_abort")
                raise SystemExit(130)
            log.info("stopping", drain_seconds=self.cfg.daemon.drain_seconds)

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, on_stop)
        loop.add_signal_handler(signal.SIGHUP, self.reload_rules)
        log.info("daemon_started", inbox=str(self.cfg.mail.inbox.maildir))
        try:
            while not self.stopping:
                cycle = asyncio.ensure_future(self.cycle(dt.datetime.now(dt.UTC)))
                stop = asyncio.ensure_future(wake.wait())
                await asyncio.wait({cycle, stop}, return_when=asyncio.FIRST_COMPLETED)
                stop.cancel()
                if not cycle.done():
                    # A stop was asked for mid-cycle: let in-flight work finish (every
                    # message and mail is its own transaction) up to the drain deadline.
                    try:
                        await asyncio.wait_for(asyncio.shield(cycle),
                                               self.cfg.daemon.drain_seconds)  # fmt: skip
                    except TimeoutError:
                        cycle.cancel()
                        log.warning("drain_deadline_passed",
                                    drain_seconds=self.cfg.daemon.drain_seconds)  # fmt: skip
                        continue
                if cycle.cancelled():
                    continue
                if (exc := cycle.exception()) is not None:
                    # The supervisor survives a bad cycle; the next one starts afresh.
                    log.error("cycle_failed", error=f"{type(exc).__name__}: {exc}")
                if self.stopping:
                    break
                await self._pause(wake)
        finally:
            await self._shutdown()
            log.info("daemon_stopped")

    async def _pause(self, wake: asyncio.Event) -> None:
        """Between cycles: IDLE on the inbox (IMAP) or sleep; back off while it fails."""
        seconds = self.cfg.daemon.poll_seconds
        if self.inbox_failures:
            seconds = min(300.0, seconds * 2 ** min(self.inbox_failures, 5))
            log.info("inbox_backoff", seconds=seconds)
        elif isinstance(self.source, ImapSource) and self.inbox_lock.held:
            try:
                await asyncio.to_thread(self.source.wait, seconds, lambda: self.stopping)
            except TransientError as exc:
                self.inbox_failures += 1
                log.warning("imap_idle_failed", error=str(exc))
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), seconds)

    async def run_once(self, now: dt.datetime) -> CycleStats:
        try:
            return await self.cycle(now)
        finally:
            await self._shutdown()

    async def _shutdown(self) -> None:
        await self.transport.close()
        await asyncio.to_thread(self.source.close)
        with contextlib.suppress(ArclerkError):
            self.mailer.release()
        self.inbox_lock.release()
        if self.pdf is not None:
            self.pdf.close()
        self.store.dispose()
