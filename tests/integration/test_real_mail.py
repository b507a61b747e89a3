"""arclerk against a real Dovecot (IMAP) and a real SMTP server (aiosmtpd with faults):
commit before move, exactly-once effects, retries as rows, duplicates only with the same
Message-ID where a cut connection or a kill made one unavoidable."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import BILLING, BILLING_PASSWORD
from tests.helpers import Workspace, bank_notification, invoice, real_mail_config
from tests.servers import Dovecot, SmtpServer, wait_for

ENV = {"ARCLERK_MAIL__INBOX__IMAP__PASSWORD": BILLING_PASSWORD}
DAY1 = "2026-11-01T09:00:00+00:00"


class Real(Workspace):
    dovecot: Dovecot
    smtp: SmtpServer

    def run_once(self, now: str = DAY1, env: dict[str, str] | None = None,
                 check: bool = True) -> subprocess.CompletedProcess[str]:  # fmt: skip
        return self.cli("run", "--once", "--now", now, env={**ENV, **(env or {})}, check=check)


@pytest.fixture
def real(tmp_path: Path, dovecot: Dovecot, smtp_server: SmtpServer) -> Real:
    ws = Real(tmp_path)
    ws.dovecot, ws.smtp = dovecot, smtp_server
    (tmp_path / "config.yaml").write_text(
        real_mail_config(dovecot.port, smtp_server.port, BILLING_PASSWORD)
    )
    (tmp_path / "inv.json").write_text(json.dumps([
        invoice(f"INV-2026-{i:04d}", f"C{i}", f"ap@c{i}.example", "1000.00", "2026-11-01", "2026-12-01")
        for i in range(1, 4)
    ]))  # fmt: skip
    ws.cli("import", "inv.json")
    return ws


def test_imap_message_is_committed_then_moved(real: Real) -> None:
    """A bank notification over IMAP is applied, then moved to Processed; INBOX ends empty."""
    real.dovecot.append(
        BILLING, bank_notification("1,190.00", "INV-2026-0001", msgid="<p1@bank.example>")
    )
    proc = real.run_once()
    assert real.dovecot.count(BILLING, "INBOX") == 0
    assert real.dovecot.count(BILLING, "Processed") == 1
    assert real.invoices()["INV-2026-0001"]["status"] == "paid"
    assert BILLING_PASSWORD not in proc.stderr + proc.stdout


def test_review_and_bounce_folders(real: Real) -> None:
    """A message for a human goes to Review, a delivery report to Bounces."""
    real.dovecot.append(BILLING, b"Subject: ???\r\nFrom: someone@unknown.example\r\n\r\nhello\r\n")
    real.dovecot.append(BILLING, (
        "From: MAILER-DAEMON@mx.example.com\r\nTo: billing@example.com\r\nSubject: Undelivered Mail\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
        "--B\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; ap@c2.example\r\nAction: failed\r\n"
        "Status: 5.1.1\r\n\r\n--B--\r\n"))  # fmt: skip
    real.run_once()
    assert real.dovecot.count(BILLING, "INBOX") == 0
    assert real.dovecot.count(BILLING, "Review") == 1
    assert real.dovecot.count(BILLING, "Bounces") == 1


def test_same_notification_delivered_twice_is_one_payment(real: Real) -> None:
    """Two copies of one notification in the INBOX make one payment; both leave the INBOX."""
    raw = bank_notification("500.00", "INV-2026-0002", msgid="<twice@bank.example>")
    real.dovecot.append(BILLING, raw)
    real.dovecot.append(BILLING, raw)
    real.run_once()
    payments = real.json("payment", "list", "--json")
    assert len(payments) == 1
    assert real.invoices()["INV-2026-0002"]["open_amount"] == "690.00"
    assert real.dovecot.count(BILLING, "INBOX") == 0


def test_uidvalidity_change_causes_no_double_effects(real: Real) -> None:
    """After the INBOX is recreated (new UIDVALIDITY) and the same mail reappears, nothing
    is applied twice; the message is simply moved again."""
    raw = bank_notification("100.00", "INV-2026-0003", msgid="<uv@bank.example>")
    real.dovecot.append(BILLING, raw)
    real.run_once()
    with real.dovecot.client(BILLING) as c:
        c.select_folder("Processed")
        c.move(c.search("ALL"), "Archive") if c.folder_exists("Archive") else None
        c.create_folder("Archive") if not c.folder_exists("Archive") else None
    # Recreate INBOX content under a new UIDVALIDITY: Dovecot bumps it on delete/recreate
    # of a non-INBOX folder, so we use a separate folder as the configured inbox.
    with real.dovecot.client(BILLING) as c:
        c.create_folder("Bank")
        c.append("Bank", raw.encode())
        first = c.select_folder("Bank")[b"UIDVALIDITY"]
        c.close_folder()
        c.delete_folder("Bank")
        c.create_folder("Bank")
        c.append("Bank", raw.encode())
        second = c.select_folder("Bank")[b"UIDVALIDITY"]
    assert first != second
    cfg = (real.root / "config.yaml").read_text().replace("folder: INBOX", "folder: Bank")
    (real.root / "config.yaml").write_text(cfg)
    real.run_once()
    assert len(real.json("payment", "list", "--json")) == 1
    assert real.invoices()["INV-2026-0003"]["open_amount"] == "1090.00"
    assert real.dovecot.count(BILLING, "Bank") == 0


def _outbox_status(real: Real) -> Counter[str]:
    import sqlite3

    with sqlite3.connect(real.root / "arclerk.db") as db:
        return Counter(r[0] for r in db.execute("SELECT status FROM outbox"))


def test_smtp_451_is_retried_later_as_a_row(real: Real) -> None:
    """A 451 on DATA leaves the mail pending with a later attempt; the next cycle sends it."""
    real.smtp.faults.data_451 = 1
    real.run_once()
    assert len(real.smtp.received) == 2
    assert _outbox_status(real)["pending"] == 1
    real.run_once("2026-11-01T09:30:00+00:00")
    ids = real.smtp.message_ids()
    assert len(ids) == 3
    assert len(set(ids)) == 3
    assert _outbox_status(real) == Counter({"sent": 3})


def test_smtp_550_fails_for_the_admin_to_see(real: Real) -> None:
    """A 5xx refusal marks the mail failed and opens a review item; no retry loop."""
    real.smtp.faults.data_550 = 1
    real.run_once()
    real.run_once("2026-11-02T09:00:00+00:00")
    assert _outbox_status(real) == Counter({"sent": 2, "failed": 1})
    reviews = real.json("review", "list", "--json")
    assert any("550" in r["reason"] for r in reviews)


def test_cut_after_accept_duplicates_with_the_same_message_id(real: Real) -> None:
    """A connection cut after the server took the mail leads to one resend, same Message-ID."""
    real.smtp.faults.cut_after_accept = 1
    real.run_once()
    real.run_once("2026-11-01T09:30:00+00:00")
    ids = Counter(real.smtp.message_ids())
    assert len(ids) == 3
    assert sorted(ids.values()) == [1, 1, 2]
    assert _outbox_status(real) == Counter({"sent": 3})


def test_421_at_connect_is_retried_in_process(real: Real) -> None:
    """A 421 greeting is retried right away (tenacity); the mail still goes out this cycle."""
    real.smtp.faults.refuse_connect_421 = 1
    real.run_once()
    assert len(real.smtp.received) == 3


def test_kill_after_smtp_accept_resends_once_with_same_id(real: Real) -> None:
    """SIGKILL between the server's 250 and our commit: the restart resends that mail once,
    with the same Message-ID; nothing is lost."""
    proc = real.run_once(env={"ARCLERK_FAULT": "after_smtp_accept"}, check=False)
    assert proc.returncode == -signal.SIGKILL
    assert len(real.smtp.received) == 1
    real.run_once()
    ids = Counter(real.smtp.message_ids())
    assert len(ids) == 3
    assert max(ids.values()) == 2
    assert _outbox_status(real) == Counter({"sent": 3})


def test_kill_after_enqueue_sends_each_mail_once(real: Real) -> None:
    """SIGKILL after the tick queued the mails, before any was sent: the restart sends each
    exactly once (the queue survived; nothing is queued twice)."""
    proc = real.run_once(env={"ARCLERK_FAULT": "after_enqueue"}, check=False)
    assert proc.returncode == -signal.SIGKILL
    assert real.smtp.received == []
    real.run_once()
    ids = Counter(real.smtp.message_ids())
    assert len(ids) == 3
    assert max(ids.values()) == 1


@pytest.mark.parametrize("point", ["before_inbound_commit", "after_inbound_commit"])
def test_kill_around_the_inbound_commit(real: Real, point: str) -> None:
    """SIGKILL just before or just after a message's commit: after a restart the payment
    exists exactly once and the INBOX is empty."""
    real.dovecot.append(
        BILLING, bank_notification("1,190.00", "INV-2026-0001", msgid="<k@bank.example>")
    )
    proc = real.run_once(env={"ARCLERK_FAULT": point}, check=False)
    assert proc.returncode == -signal.SIGKILL
    assert real.dovecot.count(BILLING, "INBOX") == 1
    real.run_once()
    assert len(real.json("payment", "list", "--json")) == 1
    assert real.invoices()["INV-2026-0001"]["status"] == "paid"
    assert real.dovecot.count(BILLING, "INBOX") == 0


def test_long_running_daemon_picks_up_live_mail_and_stops(real: Real) -> None:
    """`arclerk run` over IMAP IDLE applies mail that arrives while it waits; SIGTERM ends it."""
    proc = real.spawn("run", env=ENV)
    try:
        wait_for(lambda: len(real.smtp.received) == 3, 60, "the three invoice mails")
        time.sleep(1.0)  # it is idling now
        real.dovecot.append(
            BILLING, bank_notification("1,190.00", "INV-2026-0002", msgid="<live@bank.example>")
        )
        wait_for(lambda: real.dovecot.count(BILLING, "Processed") == 1, 60, "the live message")
        assert real.invoices()["INV-2026-0002"]["status"] == "paid"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert real.dovecot.count(BILLING, "INBOX") == 0
    assert BILLING_PASSWORD.encode() not in err
    assert dt.datetime.now(dt.UTC)  # the daemon ran on the real clock


def test_doctor_checks_real_servers(real: Real) -> None:
    """`doctor` logs in to IMAP and SMTP and reports each part ok."""
    out = real.cli("doctor", env=ENV).stdout
    for part in ("database", "rules", "imap", "smtp"):
        assert any(line.startswith("ok") and f" {part} " in line for line in out.splitlines()), out
    assert "IDLE" in out
    assert "MOVE" in out


def test_doctor_says_what_is_wrong(real: Real) -> None:
    """A wrong IMAP password is a plain FAIL line, exit 1, and the password is not shown."""
    proc = real.cli(
        "doctor", env={"ARCLERK_MAIL__INBOX__IMAP__PASSWORD": "wrong-pass-123"}, check=False
    )
    assert proc.returncode == 1
    fail = [ln for ln in proc.stdout.splitlines() if ln.startswith("FAIL")]
    assert len(fail) == 1
    assert "imap" in fail[0]
    assert "refused" in fail[0]
    assert "wrong-pass-123" not in proc.stdout + proc.stderr


def test_refused_smtp_login_keeps_mail_waiting(tmp_path: Path, dovecot: Dovecot) -> None:
    """A wrong SMTP password fails no customer mail: it all waits (pending) until the
    admin fixes the login, then goes out; doctor names the problem meanwhile."""
    server = SmtpServer(password="right-pw").start()
    try:
        ws = Real(tmp_path)
        ws.dovecot, ws.smtp = dovecot, server
        cfg = real_mail_config(dovecot.port, server.port, BILLING_PASSWORD).replace(
            "      rate_per_minute: 0\n",
            "      rate_per_minute: 0\n      username: billing@example.com\n",
        )
        (tmp_path / "config.yaml").write_text(cfg)
        (tmp_path / "inv.json").write_text(json.dumps([
            invoice("INV-2026-0001", "C1", "ap@c1.example", "10.00", "2026-11-01", "2026-12-01")]))  # fmt: skip
        ws.cli("import", "inv.json")
        bad = {"ARCLERK_MAIL__OUTBOX__SMTP__PASSWORD": "wrong-pw"}
        proc = ws.run_once(env=bad)
        assert b"smtp_unavailable" in proc.stderr.encode()
        assert _outbox_status(ws) == Counter({"pending": 1})
        doctor = ws.cli("doctor", env={**ENV, **bad}, check=False)
        assert doctor.returncode == 1
        assert any(ln.startswith("FAIL") and " smtp " in ln for ln in doctor.stdout.splitlines())
        ws.run_once(
            "2026-11-01T10:00:00+00:00", env={"ARCLERK_MAIL__OUTBOX__SMTP__PASSWORD": "right-pw"}
        )
        assert _outbox_status(ws) == Counter({"sent": 1})
        assert len(server.received) == 1
    finally:
        server.stop()
