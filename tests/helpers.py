"""Test helpers: a workspace with config and Maildirs, and the arclerk CLI as a subprocess."""

from __future__ import annotations

import email
import json
import mailbox
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ARCLERK = [sys.executable, "-m", "daemon"]


@dataclass
class Workspace:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config.yaml"

    def cli(
        self, *args: str, check: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, **(env or {})}
        full_env.pop("ARCLERK_CONFIG", None)
        proc = subprocess.run(
            [*ARCLERK, "--config", str(self.config), *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            env=full_env,
            timeout=120,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"arclerk {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}"
            )
        return proc

    def spawn(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        """Start `arclerk --config ... ARGS` in the background (e.g. the long-running daemon)."""
        full_env = {**os.environ, **(env or {})}
        full_env.pop("ARCLERK_CONFIG", None)
        return subprocess.Popen([*ARCLERK, "--config", str(self.config), *args], cwd=self.root,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env)  # fmt: skip

    def json(self, *args: str) -> Any:
        return json.loads(self.cli(*args).stdout)

    def invoices(self) -> dict[str, dict[str, Any]]:
        return {r["number"]: r for r in self.json("invoice", "list", "--json")}

    def deliver(self, raw: bytes | str) -> None:
        """Drop a message into the inbox Maildir, as an MTA would."""
        (self.root / "mail").mkdir(exist_ok=True)
        box = mailbox.Maildir(str(self.root / "mail" / "inbox"), create=True)
        box.add(raw.encode() if isinstance(raw, str) else raw)

    def sent(self) -> list[EmailMessage]:
        folder = self.root / "mail" / "sent"
        out = []
        for sub in ("new", "cur"):
            d = folder / sub
            if d.exists():
                for f in sorted(d.iterdir()):
                    msg = email.message_from_bytes(f.read_bytes(), policy=policy.default)
                    assert isinstance(msg, EmailMessage)
                    out.append(msg)
        return out

    def inbox_new(self) -> list[str]:
        d = self.root / "mail" / "inbox" / "new"
        return sorted(os.listdir(d)) if d.exists() else []


def make_workspace(tmp: Path, extra_config: str = "") -> Workspace:
    (tmp / "config.yaml").write_text(textwrap.dedent("""\
        database:
          url: sqlite:///arclerk.db
        mail:
          address: billing@example.com
          authserv_id: mx.example.com
          inbox:
            maildir: mail/inbox
          outbox:
            maildir: mail/sent
        """) + extra_config)  # fmt: skip
    return Workspace(tmp)


def real_mail_config(imap_port: int, smtp_port: int, password: str, db_url: str = "sqlite:///arclerk.db",
                     extra: str = "") -> str:  # fmt: skip
    """Config for the real servers of tests/servers.py (plaintext: loopback only)."""
    return textwrap.dedent(f"""\
        database:
          url: {db_url}
        mail:
          address: billing@example.com
          authserv_id: mx.example.com
          inbox:
            imap:
              host: 127.0.0.1
              port: {imap_port}
              tls: none
              username: billing@example.com
              folder: INBOX
              timeout: 20
          outbox:
            smtp:
              host: 127.0.0.1
              port: {smtp_port}
              tls: none
              timeout: 20
              rate_per_minute: 0
        daemon:
          poll_seconds: 1
        """) + extra  # fmt: skip


def invoice(number: str, cid: str, email_addr: str, amount: str, issue: str, due: str,
            *, rate: str = "0.19", name: str | None = None, status: str = "draft") -> dict[str, Any]:  # fmt: skip
    return {
        "number": number,
        "customer": {"id": cid, "name": name or f"{cid} Ltd", "email": email_addr},
        "currency": "EUR", "issue_date": issue, "due_date": due, "status": status,
        "lines": [{"description": "Consulting", "quantity": "1", "unit_price": amount,
                   "tax_rate": rate}],
    }  # fmt: skip


def bank_notification(amount: str, reference: str, *, msgid: str, payer: str = "ACME LTD",
                      authenticated: bool = True, date: str = "Wed, 02 Dec 2026 08:00:00 +0000",
                      txn: str | None = None, authserv: str = "mx.example.com") -> str:  # fmt: skip
    auth = (f"Authentication-Results: {authserv}; dkim=pass header.d=bank.example; "
            "spf=pass smtp.mailfrom=bank.example; dmarc=pass header.from=bank.example\n"
            if authenticated else "")  # fmt: skip
    return (
        f"{auth}From: Example Bank <notifications@bank.example>\n"
        "To: billing@example.com\n"
        f"Subject: Payment received: EUR {amount}\n"
        f"Message-ID: {msgid}\n"
        f"Date: {date}\n"
        "Auto-Submitted: auto-generated\n"
        "\n"
        "An incoming transfer has been credited to your account.\n\n"
        f"Amount: EUR {amount}\n"
        f"Payer: {payer}\n"
        f"Reference: {reference}\n" + (f"Transaction ID: {txn}\n" if txn else "")
    )


def reply(to_msg: EmailMessage, sender: str, body: str, *, msgid: str,
          date: str = "Sat, 05 Dec 2026 10:00:00 +0000", extra_headers: str = "") -> str:  # fmt: skip
    quoted = "\n".join("> " + ln for ln in to_msg.get_body(("plain",)).get_content().splitlines())  # type: ignore[union-attr]
    return (
        f"From: {sender}\nTo: billing@example.com\n"
        f"Subject: Re: {to_msg['Subject']}\n"
        f"Message-ID: {msgid}\nDate: {date}\n"
        f"In-Reply-To: {to_msg['Message-ID']}\nReferences: {to_msg['Message-ID']}\n"
        f"{extra_headers}"
        "Content-Type: text/plain; charset=utf-8\n\n"
        f"{body}\n\nOn Tue, 1 Dec 2026, Example Services Ltd <billing@example.com> wrote:\n{quoted}\n"
    )


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF (pypdfium2), for tests that read what we render."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()
