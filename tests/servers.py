"""Real servers for the tests: Dovecot (IMAP) and aiosmtpd (SMTP with scripted faults).

Both listen on free loopback ports with their own state under a temp dir. Nothing here
skips: a server that cannot start fails the test that needs it.
"""

from __future__ import annotations

import email
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from imapclient import IMAPClient


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


DOVECOT_CONF = """\
base_dir = {dir}/run
instance_name = arclerk-test-{port}
listen = 127.0.0.1
protocols = imap
{ssl}
disable_plaintext_auth = no
log_path = {dir}/dovecot.log
mail_location = maildir:{dir}/mail/%u
mail_uid = nobody
mail_gid = nogroup
first_valid_uid = 1
default_login_user = nobody
default_internal_user = nobody
{extra}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={dir}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@dataclass
class Dovecot:
    """A private Dovecot on a free loopback port; users are `name: password`."""

    users: dict[str, str]
    extra: str = ""
    port: int = 0
    dir: Path = field(default_factory=Path)
    tls_cert: Path | None = None  # with tls_key: STARTTLS required on the port
    tls_key: Path | None = None

    def start(self) -> Dovecot:
        if shutil.which("dovecot") is None:
            raise RuntimeError("dovecot is not installed (make test installs dovecot-imapd)")
        # Dovecot's unprivileged processes (nobody) must reach these files: pytest's own
        # tmp dirs are 0700, so use a world-traversable dir of our own.
        self.dir = Path(tempfile.mkdtemp(prefix="arclerk-dovecot-"))
        self.dir.chmod(0o755)
        self.port = free_port()
        (self.dir / "run").mkdir(parents=True, exist_ok=True)
        (self.dir / "mail").mkdir(exist_ok=True)
        (self.dir / "users").write_text(
            "".join(f"{u}:{{PLAIN}}{p}\n" for u, p in self.users.items())
        )
        ssl = "ssl = no"
        if self.tls_cert and self.tls_key:
            ssl = f"ssl = required\nssl_cert = <{self.tls_cert}\nssl_key = <{self.tls_key}"
        (self.dir / "dovecot.conf").write_text(
            DOVECOT_CONF.format(dir=self.dir, port=self.port, extra=self.extra, ssl=ssl)
        )
        shutil.chown(self.dir / "mail", "nobody", "nogroup")
        subprocess.run(["dovecot", "-c", str(self.dir / "dovecot.conf")], check=True, timeout=30)
        _wait_port(self.port)
        return self

    def stop(self) -> None:
        subprocess.run(
            ["doveadm", "-c", str(self.dir / "dovecot.conf"), "stop"], timeout=30, check=False
        )
        shutil.rmtree(self.dir, ignore_errors=True)

    def client(self, user: str) -> IMAPClient:
        c = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=30)
        c.login(user, self.users[user])
        return c

    def append(self, user: str, raw: bytes | str, folder: str = "INBOX") -> None:
        with self.client(user) as c:
            c.append(folder, raw.encode() if isinstance(raw, str) else raw)

    def count(self, user: str, folder: str = "INBOX") -> int:
        with self.client(user) as c:
            if not c.folder_exists(folder):
                return 0
            return int(c.folder_status(folder, ["MESSAGES"])[b"MESSAGES"])

    def messages(self, user: str, folder: str) -> list[EmailMessage]:
        with self.client(user) as c:
            if not c.folder_exists(folder):
                return []
            c.select_folder(folder, readonly=True)
            uids = c.search("ALL")
            out = []
            for _, data in sorted(c.fetch(uids, ["BODY.PEEK[]"]).items()):
                msg = email.message_from_bytes(data[b"BODY[]"], policy=policy.default)
                assert isinstance(msg, EmailMessage)
                out.append(msg)
            return out


@dataclass
class Faults:
    """What the SMTP server does wrong next; each counter is consumed as it fires."""

    refuse_connect_421: int = 0
    data_451: int = 0
    data_550: int = 0
    cut_after_accept: int = 0
    rcpt_550: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, name: str) -> bool:
        with self.lock:
            n = getattr(self, name)
            if n > 0:
                setattr(self, name, n - 1)
                return True
            return False


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, srv: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:  # fmt: skip
        if address.lower() in self.server.faults.rcpt_550:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, srv: SMTP, session: Session, envelope: Envelope) -> str:
        faults = self.server.faults
        if faults.take("data_451"):
            return "451 4.3.0 please try again later"
        if faults.take("data_550"):
            return "550 5.7.1 message refused"
        raw = envelope.original_content or b""
        with self.server.lock:
            self.server.received.append((list(envelope.rcpt_tos), raw))
        if faults.take("cut_after_accept"):
            # The message is stored, but the client never hears 250: it must retry.
            assert srv.transport is not None
            srv.transport.close()
        return "250 2.0.0 queued"


class _FaultySMTP(SMTP):
    async def _handle_client(self) -> None:
        faults: Faults = self.event_handler.server.faults
        if faults.take("refuse_connect_421"):
            await self.push("421 4.3.2 service not available, closing channel")
            assert self.transport is not None
            self.transport.close()
            return
        await super()._handle_client()


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _FaultySMTP(self.handler, **self.SMTP_kwargs)


class SmtpServer:
    """aiosmtpd on a free loopback port, recording what it accepted. With `password`, it
    requires AUTH (plaintext allowed: loopback only) and accepts only that password."""

    def __init__(self, password: str | None = None) -> None:
        self.faults = Faults()
        self.received: list[tuple[list[str], bytes]] = []
        self.lock = threading.Lock()
        self.port = free_port()
        kwargs: dict[str, Any] = {}
        if password is not None:

            def authenticator(server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                              auth_data: Any) -> AuthResult:  # fmt: skip
                ok = (
                    isinstance(auth_data, LoginPassword) and auth_data.password == password.encode()
                )
                return AuthResult(success=ok, handled=False)

            kwargs = {
                "authenticator": authenticator,
                "auth_required": True,
                "auth_require_tls": False,
            }
        self.controller = _Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, **kwargs
        )

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            raws = [raw for _, raw in self.received]
        out = []
        for raw in raws:
            msg = email.message_from_bytes(raw, policy=policy.default)
            assert isinstance(msg, EmailMessage)
            out.append(msg)
        return out

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages()]


def wait_for(predicate: Any, timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (subjectAltName IP) and its key, made with openssl."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key
