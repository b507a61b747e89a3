"""The IMAP inbox (imapclient; blocking, so the daemon runs it off the event loop).

- TLS by default (implicit or STARTTLS, certificates checked); plaintext only to loopback.
- Bookkeeping by (mailbox, UIDVALIDITY:UID) plus Message-ID + sha256 (in the pipeline).
- Fetch with BODY.PEEK[] (never sets \\Seen); effects are committed before the message is
  moved: MOVE where offered, else COPY + \\Deleted + UID EXPUNGE of exactly those UIDs;
  never a plain EXPUNGE (it would purge what other clients marked deleted).
- IDLE, renewed well inside RFC 2177's 29 minutes; without IDLE, polling at most every 60 s.
  Every cycle also runs a full UID SEARCH, the safety net for a missed notification.
- A UIDVALIDITY change makes every UID look new: the (Message-ID, sha256) key stops
  double effects, and the messages are simply moved.
- Every network operation has a timeout; any failure drops the connection and surfaces
  as TransientError, so the next cycle reconnects (with backoff in the daemon).
"""

from __future__ import annotations

import contextlib
import imaplib
import socket
import ssl
import time
from collections.abc import Callable

import structlog
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from daemon.config import ImapConfig
from daemon.sources import Dest, Incoming
from ledger.errors import PermanentError, TransientError

log = structlog.get_logger("arclerk.imap")

NETWORK_ERRORS = (IMAPClientError, imaplib.IMAP4.error, imaplib.IMAP4.abort, OSError,
                  socket.timeout, ssl.SSLError, EOFError)  # fmt: skip
POLL_MAX_SECONDS = 60.0


class ImapSource:
    def __init__(self, cfg: ImapConfig) -> None:
        self.cfg = cfg
        self.mailbox = f"imap://{cfg.username}@{cfg.host}:{cfg.port}/{cfg.folder}"
        self.client: IMAPClient | None = None
        self.uidvalidity: int | None = None
        self.can_move = False
        self.can_idle = False
        self.can_uidplus = False
        self._queue: list[int] = []
        self._moves: dict[Dest, list[int]] = {}

    # -- connection ---------------------------------------------------------------------

    def _folder_for(self, dest: Dest) -> str:
        return {Dest.PROCESSED: self.cfg.processed_folder, Dest.REVIEW: self.cfg.review_folder,
                Dest.BOUNCE: self.cfg.bounce_folder}[dest]  # fmt: skip

    @retry(retry=retry_if_exception_type(TransientError), stop=stop_after_attempt(3),
           wait=wait_exponential(multiplier=0.5, max=4), reraise=True)  # fmt: skip
    def connect(self) -> IMAPClient:
        """Log in, make sure our folders exist, select the inbox folder."""
        if self.client is not None:
            return self.client
        cfg = self.cfg
        ctx = ssl.create_default_context(cafile=cfg.ca_file) if cfg.tls != "none" else None
        try:
            client = IMAPClient(cfg.host, port=cfg.port, ssl=cfg.tls == "implicit",
                                ssl_context=ctx, timeout=cfg.timeout)  # fmt: skip
            if cfg.tls == "starttls":
                client.starttls(ctx)
            client.login(cfg.username, cfg.password.get_secret_value())
        except imaplib.IMAP4.error as exc:
            if "auth" in str(exc).lower() or "login" in str(exc).lower():
                raise PermanentError(
                    f"IMAP login to {cfg.host} as {cfg.username} refused: {exc}"
                ) from exc
            raise TransientError(f"IMAP connection to {cfg.host}:{cfg.port} failed: {exc}") from exc
        except NETWORK_ERRORS as exc:
            raise TransientError(f"IMAP connection to {cfg.host}:{cfg.port} failed: {exc}") from exc
        try:
            caps = set(client.capabilities())
            self.can_move = b"MOVE" in caps
            self.can_idle = b"IDLE" in caps and cfg.idle
            self.can_uidplus = b"UIDPLUS" in caps
            for folder in (cfg.processed_folder, cfg.review_folder, cfg.bounce_folder):
                if not client.folder_exists(folder):
                    client.create_folder(folder)
            info = client.select_folder(cfg.folder)
        except NETWORK_ERRORS as exc:
            _close_quietly(client)
            raise TransientError(f"IMAP set-up on {cfg.host} failed: {exc}") from exc
        validity = int(info[b"UIDVALIDITY"])
        if self.uidvalidity is not None and validity != self.uidvalidity:
            log.warning("imap_uidvalidity_changed", old=self.uidvalidity, new=validity,
                        mailbox=self.mailbox)  # fmt: skip
        self.uidvalidity = validity
        self.client = client
        log.info("imap_connected", mailbox=self.mailbox, move=self.can_move, idle=self.can_idle)
        return client

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.logout()
            except NETWORK_ERRORS:
                _close_quietly(self.client)
        self.client = None
        self._queue.clear()

    def _drop(self, exc: BaseException, what: str) -> TransientError:
        if self.client is not None:
            _close_quietly(self.client)
        self.client = None
        self._queue.clear()
        return TransientError(f"IMAP {what} failed on {self.cfg.host}: {exc}")

    # -- reading ------------------------------------------------------------------------

    def batch(self) -> list[Incoming]:
        client = self.connect()
        try:
            if not self._queue:
                # The full UID SEARCH every cycle is the safety net under IDLE.
                self._queue = sorted(int(u) for u in client.search(["NOT", "DELETED"]))
                if not self._queue:
                    return []
            take, self._queue = (
                self._queue[: self.cfg.batch_size],
                self._queue[self.cfg.batch_size :],
            )
            fetched = client.fetch(take, ["BODY.PEEK[]"])
        except NETWORK_ERRORS as exc:
            raise self._drop(exc, "fetch") from exc
        out = []
        for uid in take:
            data = fetched.get(uid)
            if not data or b"BODY[]" not in data:
                continue  # expunged or moved by someone else meanwhile
            out.append(Incoming(f"{self.uidvalidity}:{uid}", bytes(data[b"BODY[]"]), uid))
        return out

    def done(self, item: Incoming, dest: Dest) -> None:
        assert isinstance(item.handle, int)
        self._moves.setdefault(dest, []).append(item.handle)

    def flush(self) -> None:
        """Move every handled message out of the inbox folder (effects already committed)."""
        if not self._moves:
            return
        client = self.connect()
        moves, self._moves = self._moves, {}
        try:
            for dest, uids in moves.items():
                folder = self._folder_for(dest)
                if self.can_move:
                    client.move(uids, folder)
                else:
                    client.copy(uids, folder)
                    client.add_flags(uids, [b"\\Deleted"], silent=True)
                    if self.can_uidplus:
                        client.uid_expunge(uids)
                    else:
                        # No UIDPLUS: a plain EXPUNGE could purge other clients' deletions.
                        # The copies are safe in `folder`; the \\Deleted originals are skipped
                        # by our search and left for the server's own expunge.
                        log.warning("imap_no_uidplus_left_deleted", count=len(uids))
        except NETWORK_ERRORS as exc:
            # The effects are committed; the messages come back next cycle as duplicates
            # (no second effect) and are moved then.
            raise self._drop(exc, "move") from exc

    def wait(self, seconds: float, stopping: Callable[[], bool]) -> None:
        """Block until new mail, `seconds` pass, or `stopping()` says so."""
        deadline = time.monotonic() + seconds
        try:
            client = self.connect()
            if not self.can_idle:
                end = min(deadline, time.monotonic() + POLL_MAX_SECONDS)
                while time.monotonic() < end and not stopping():
                    time.sleep(0.5)
                return
            while time.monotonic() < deadline and not stopping():
                renew_at = time.monotonic() + self.cfg.idle_renew_seconds
                client.idle()
                try:
                    while time.monotonic() < min(deadline, renew_at) and not stopping():
                        responses = client.idle_check(timeout=1.0)
                        if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                            return
                finally:
                    client.idle_done()
        except NETWORK_ERRORS as exc:
            raise self._drop(exc, "IDLE") from exc


def _close_quietly(client: IMAPClient) -> None:
    # The connection is being thrown away; whatever closing it raises does not matter.
    with contextlib.suppress(Exception):
        client.shutdown()
