"""Transports: where a composed message goes. Maildir (embedded default) and SMTP.

A transport raises TransientError for what may work later (4xx, network, timeouts) and
PermanentError for what will not (5xx); the queue turns those into rows, not loops.
"""

from __future__ import annotations

import asyncio
import mailbox
import ssl
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Protocol

import aiosmtplib
import structlog
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from ledger.errors import PermanentError, ServerUnavailable, TransientError

log = structlog.get_logger("arclerk.smtp")


class Transport(Protocol):
    async def send(self, msg: Message, sender: str, recipients: list[str]) -> None: ...

    async def close(self) -> None: ...


class MaildirTransport:
    """Delivers into a Maildir (atomically: tmp/ then new/) — the embedded default."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.box = mailbox.Maildir(str(path), create=True)

    async def send(self, msg: Message, sender: str, recipients: list[str]) -> None:
        data = msg.as_bytes()
        try:
            await asyncio.to_thread(self.box.add, data)
        except OSError as exc:
            raise TransientError(f"cannot write to Maildir {self.path}: {exc}") from exc

    async def close(self) -> None:
        return None


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: str  # implicit | starttls | none
    username: str | None
    password: str | None
    timeout: float = 60.0
    ca_file: str | None = None


class LoginRefused(ServerUnavailable):
    """The server refused our credentials."""


def _worth_a_quick_retry(exc: BaseException) -> bool:
    return isinstance(exc, ServerUnavailable) and not isinstance(exc, LoginRefused)


class SmtpTransport:
    """aiosmtplib, TLS with certificate checks by default; one connection per batch."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.s = settings
        self.client: aiosmtplib.SMTP | None = None

    @retry(retry=retry_if_exception(_worth_a_quick_retry), stop=stop_after_attempt(3),
           wait=wait_exponential(multiplier=0.5, max=4), reraise=True)  # fmt: skip
    async def _connect(self) -> aiosmtplib.SMTP:
        """Connect (TLS as configured, never a silent plaintext fallback) and log in.

        Every failure here is ServerUnavailable: whatever the reply code, the message
        itself was never offered, so it must wait (a refused login is fixed by the admin,
        not by failing the customer's mail). A short in-process retry covers a passing
        refusal; a refused login is not retried in a loop."""
        if self.client is not None and self.client.is_connected:
            return self.client
        ctx = ssl.create_default_context(cafile=self.s.ca_file) if self.s.tls != "none" else None
        client = aiosmtplib.SMTP(
            hostname=self.s.host, port=self.s.port, timeout=self.s.timeout,
            use_tls=self.s.tls == "implicit", start_tls=self.s.tls == "starttls",
            tls_context=ctx,
        )  # fmt: skip
        try:
            await client.connect()
            if self.s.username:
                await client.login(self.s.username, self.s.password or "")
        except aiosmtplib.SMTPAuthenticationError as exc:
            client.close()
            raise LoginRefused(
                f"SMTP login to {self.s.host} as {self.s.username} refused: {exc.code} {exc.message}"
            ) from exc
        except aiosmtplib.SMTPResponseException as exc:
            client.close()
            raise ServerUnavailable(f"SMTP {exc.code} at connect: {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            client.close()
            raise ServerUnavailable(
                f"cannot connect to SMTP {self.s.host}:{self.s.port}: {exc}"
            ) from exc
        self.client = client
        return client

    async def send(self, msg: Message, sender: str, recipients: list[str]) -> None:
        """Reply codes decide: 4xx and network trouble are TransientError (retried later as
        a row), 5xx PermanentError (failed, for the admin to see)."""
        client = await self._connect()
        try:
            errors, _ = await client.send_message(msg, sender=sender, recipients=recipients)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            await self._drop()
            codes = [r.code for r in exc.recipients]
            text = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
            if all(400 <= c < 500 for c in codes):
                raise TransientError(f"SMTP deferred every recipient: {text}") from exc
            raise PermanentError(f"SMTP refused every recipient: {text}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            await self._drop()
            if 400 <= exc.code < 500:
                raise TransientError(f"SMTP {exc.code}: {exc.message}") from exc
            raise PermanentError(f"SMTP {exc.code}: {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # A cut connection, possibly after the server took the message: retrying may
            # duplicate it, with the same Message-ID — the one unavoidable duplicate.
            await self._drop()
            raise TransientError(f"SMTP connection problem: {exc}") from exc
        # `errors` holds recipients refused while others were accepted. We send one
        # recipient per row, so this can only be a CC: the mail went out; log the rest.
        if errors:
            log.warning("smtp_some_recipients_refused",
                        refused={r: e.code for r, e in errors.items()})  # fmt: skip

    async def _drop(self) -> None:
        if self.client is not None:
            try:
                self.client.close()
            finally:
                self.client = None

    async def close(self) -> None:
        if self.client is not None and self.client.is_connected:
            try:
                await self.client.quit()
            except (aiosmtplib.SMTPException, OSError):
                self.client.close()
        self.client = None
