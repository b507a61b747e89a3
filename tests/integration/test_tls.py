"""TLS is on by default and certificates are checked: a server whose certificate we were
told to trust works; the same server without that trust is refused, with a plain reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BILLING, BILLING_PASSWORD
from tests.helpers import Workspace, bank_notification, invoice
from tests.servers import Dovecot, self_signed_cert

ENV = {"ARCLERK_MAIL__INBOX__IMAP__PASSWORD": BILLING_PASSWORD}


@pytest.fixture
def tls_dovecot(tmp_path: Path) -> Iterator[tuple[Dovecot, Path]]:
    cert, key = self_signed_cert(tmp_path)
    server = Dovecot({BILLING: BILLING_PASSWORD}, tls_cert=cert, tls_key=key).start()
    yield server, cert
    server.stop()


def _config(ws_root: Path, port: int, ca_line: str) -> Workspace:
    (ws_root / "config.yaml").write_text(f"""\
database: {{url: "sqlite:///arclerk.db"}}
mail:
  address: billing@example.com
  authserv_id: mx.example.com
  inbox:
    imap: {{host: 127.0.0.1, port: {port}, tls: starttls, username: {BILLING}, timeout: 20{ca_line}}}
  outbox: {{maildir: mail/sent}}
""")
    return Workspace(ws_root)


def test_starttls_with_trusted_certificate_reads_mail(
    tmp_path: Path, tls_dovecot: tuple[Dovecot, Path]
) -> None:
    """STARTTLS against a certificate we trust (ca_file): the message is read and moved."""
    server, cert = tls_dovecot
    ws = _config(tmp_path, server.port, f", ca_file: {cert}")
    (tmp_path / "inv.json").write_text(json.dumps([
        invoice("INV-1", "C1", "ap@c1.example", "100.00", "2026-11-01", "2026-12-01")]))  # fmt: skip
    ws.cli("import", "inv.json")
    server.append(BILLING, bank_notification("119.00", "INV-1", msgid="<tls@bank.example>"))
    ws.cli("run", "--once", "--now", "2026-11-02T09:00:00Z", env=ENV)
    assert ws.invoices()["INV-1"]["status"] == "paid"
    assert server.count(BILLING, "INBOX") == 0


def test_untrusted_certificate_is_refused(
    tmp_path: Path, tls_dovecot: tuple[Dovecot, Path]
) -> None:
    """Without trusting the self-signed certificate, doctor fails on IMAP and says why."""
    server, _ = tls_dovecot
    ws = _config(tmp_path, server.port, "")
    proc = ws.cli("doctor", env=ENV, check=False)
    assert proc.returncode == 1
    line = next(ln for ln in proc.stdout.splitlines() if " imap " in ln)
    assert line.startswith("FAIL")
    assert "CERTIFICATE_VERIFY_FAILED" in line or "certificate verify failed" in line
