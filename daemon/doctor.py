"""`arclerk doctor`: check config, database, rules, IMAP and SMTP, and say in plain words
what is wrong. Never sends mail and never changes the mailbox (folders aside: it reports
missing ones, it does not create them)."""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass

import aiosmtplib
from imapclient import IMAPClient

from daemon.config import Config, ImapConfig, SmtpConfig
from daemon.imap_source import NETWORK_ERRORS
from ledger.errors import ArclerkError
from ledger.store import Store, redact
from rules.loader import RulesError, load


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _run(name: str, fn: Callable[[], str]) -> Check:
    try:
        return Check(name, True, fn())
    except (ArclerkError, RulesError) as exc:
        return Check(name, False, str(exc).splitlines()[0])
    except (*NETWORK_ERRORS, aiosmtplib.SMTPException, TimeoutError) as exc:
        return Check(name, False, f"{type(exc).__name__}: {exc}")


def check_database(cfg: Config) -> str:
    store = Store(cfg.database.url)
    try:
        current, head = store.current_revision(), store.head_revision()
    except Exception as exc:
        raise ArclerkError(f"cannot reach {redact(cfg.database.url)}: {exc}") from exc
    finally:
        store.dispose()
    if current is None:
        return (
            f"{redact(cfg.database.url)} reachable; schema not created yet (any command creates it)"
        )
    state = "up to date" if current == head else f"at {current}, will migrate to {head}"
    return f"{redact(cfg.database.url)} reachable, schema {state}"


def check_rules(cfg: Config) -> str:
    r = load(cfg.rules)
    ladder = ", ".join(f"{s.name} +{s.days_after_due}d" for s in r.dunning.ladder)
    return f"{cfg.rules or 'built-in rules'} valid; ladder: {ladder}"


def check_imap(imap: ImapConfig) -> str:
    ctx = ssl.create_default_context(cafile=imap.ca_file) if imap.tls != "none" else None
    client = IMAPClient(imap.host, port=imap.port, ssl=imap.tls == "implicit", ssl_context=ctx,
                        timeout=imap.timeout)  # fmt: skip
    try:
        if imap.tls == "starttls":
            client.starttls(ctx)
        try:
            client.login(imap.username, imap.password.get_secret_value())
        except imaplib.IMAP4.error as exc:
            raise ArclerkError(f"login as {imap.username} refused: {exc}") from exc
        caps = set(client.capabilities())
        if not client.folder_exists(imap.folder):
            raise ArclerkError(f"folder {imap.folder!r} does not exist")
        missing = [f for f in (imap.processed_folder, imap.review_folder, imap.bounce_folder)
                   if not client.folder_exists(f)]  # fmt: skip
        have = [c for c in (b"IDLE", b"MOVE", b"UIDPLUS") if c in caps]
        note = f"; will create {', '.join(missing)}" if missing else ""
        return (f"{imap.host}:{imap.port} ({imap.tls}) login ok, {imap.folder} found, "
                f"{' '.join(c.decode() for c in have) or 'no IDLE/MOVE/UIDPLUS'}{note}")  # fmt: skip
    finally:
        # Closing a connection that already failed must not hide why it failed.
        with contextlib.suppress(Exception):
            client.logout()


async def _smtp(smtp: SmtpConfig) -> str:
    ctx = ssl.create_default_context(cafile=smtp.ca_file) if smtp.tls != "none" else None
    client = aiosmtplib.SMTP(hostname=smtp.host, port=smtp.port, timeout=smtp.timeout,
                             use_tls=smtp.tls == "implicit", start_tls=smtp.tls == "starttls",
                             tls_context=ctx)  # fmt: skip
    await client.connect()
    try:
        tls = "TLS" if client.get_transport_info("sslcontext") or smtp.tls != "none" else "no TLS"
        if smtp.username:
            try:
                await client.login(smtp.username, smtp.password.get_secret_value())
            except aiosmtplib.SMTPAuthenticationError as exc:
                raise ArclerkError(
                    f"login as {smtp.username} refused: {exc.code} {exc.message}"
                ) from exc
        auth = f"AUTH as {smtp.username} ok" if smtp.username else "no AUTH configured"
        return f"{smtp.host}:{smtp.port} EHLO ok, {tls}, {auth}"
    finally:
        await client.quit()


def checks(cfg: Config) -> list[Check]:
    out = [Check("config", True, "loaded"), _run("database", lambda: check_database(cfg)),
           _run("rules", lambda: check_rules(cfg))]  # fmt: skip
    inbox, outbox = cfg.mail.inbox, cfg.mail.outbox
    if inbox.imap is not None:
        imap = inbox.imap
        out.append(_run("imap", lambda: check_imap(imap)))
    else:
        out.append(Check("inbox", True, f"Maildir {inbox.maildir}"))
    if outbox.smtp is not None:
        smtp = outbox.smtp
        out.append(_run("smtp", lambda: asyncio.run(_smtp(smtp))))
    else:
        out.append(Check("outbox", True, f"Maildir {outbox.maildir}"))
    if not cfg.mail.authserv_id:
        out.append(Check("trust", False, "mail.authserv_id is not set: no payment notification "
                         "will ever be trusted (set it to your border MTA's authserv-id)"))  # fmt: skip
    return out
