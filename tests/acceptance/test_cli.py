"""The CLI as users and scripts see it: exit codes, one-line errors, nothing lost."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ARCLERK, ROOT, Workspace, bank_notification, invoice, make_workspace

pytestmark = pytest.mark.acceptance


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = make_workspace(tmp_path)
    (tmp_path / "good.json").write_text(json.dumps([
        invoice("INV-2026-0001", "C1", "ap@c1.example", "1000.00", "2026-11-01", "2026-12-01"),
    ]))  # fmt: skip
    w.cli("import", "good.json")
    return w


def _one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stderr


def test_help_lists_the_commands() -> None:
    """`python -m daemon --help` lists every contract command."""
    out = subprocess.run([*ARCLERK, "--help"], capture_output=True, text=True, check=True).stdout
    for cmd in ("import", "run", "parse", "invoice", "payment", "rules"):
        assert cmd in out


def test_malformed_json_is_refused_and_nothing_lost(ws: Workspace) -> None:
    """Broken JSON gets a one-line error with its position; the ledger is untouched."""
    (ws.root / "bad.json").write_text('[{"number": "INV-9",]')
    err = _one_line_error(ws.cli("import", "bad.json", check=False))
    assert "bad.json:1:" in err
    assert "invalid JSON" in err
    assert list(ws.invoices()) == ["INV-2026-0001"]


def test_invalid_rows_name_item_and_field(ws: Workspace) -> None:
    """Every invalid field is reported with its item and path; nothing is imported."""
    bad = invoice("INV-2026-0002", "C2", "not-an-email", "10.00", "2026-11-01", "2026-10-01")
    bad["lines"][0]["quantity"] = "two"
    (ws.root / "bad.json").write_text(json.dumps([
        invoice("INV-2026-0003", "C3", "ap@c3.example", "5.00", "2026-11-01", "2026-12-01"), bad]))  # fmt: skip
    err = _one_line_error(ws.cli("import", "bad.json", check=False))
    assert "item 2 (INV-2026-0002): customer.email" in err
    assert "item 2 (INV-2026-0002): lines.0.quantity" in err
    assert "nothing stored" in err
    assert list(ws.invoices()) == ["INV-2026-0001"]


def test_reimport_same_is_noop_and_changed_is_an_error(ws: Workspace) -> None:
    """Same content again changes nothing; different content names the invoice."""
    assert "0 invoice(s), 1 unchanged" in ws.cli("import", "good.json").stdout
    changed = invoice("INV-2026-0001", "C1", "ap@c1.example", "1.00", "2026-11-01", "2026-12-01")
    (ws.root / "changed.json").write_text(json.dumps([changed]))
    err = _one_line_error(ws.cli("import", "changed.json", check=False))
    assert "INV-2026-0001" in err
    assert "different content" in err
    assert ws.invoices()["INV-2026-0001"]["total"] == "1190.00"


def test_csv_import_groups_lines(ws: Workspace) -> None:
    """CSV rows of one invoice number become one invoice with several lines."""
    (ws.root / "inv.csv").write_text(
        "number,customer_id,customer_name,customer_email,currency,issue_date,due_date,"
        "description,quantity,unit_price,tax_rate\n"
        "INV-2026-0050,C9,Nine Ltd,ap@nine.example,EUR,2026-11-01,2026-12-01,Work,2,100.00,0.19\n"
        "INV-2026-0050,C9,Nine Ltd,ap@nine.example,EUR,2026-11-01,2026-12-01,Book,1,10.00,0.07\n"
    )
    ws.cli("import", "inv.csv")
    assert ws.invoices()["INV-2026-0050"]["total"] == "248.70"


def test_csv_errors_name_row_and_field(ws: Workspace) -> None:
    """A bad CSV cell is reported with its line number and column."""
    (ws.root / "inv.csv").write_text(
        "number,customer_id,customer_name,customer_email,currency,issue_date,due_date,"
        "description,quantity,unit_price\n"
        "INV-7,C9,Nine Ltd,ap@nine.example,EUR,2026-11-31,2026-12-01,Work,2,abc\n"
    )
    err = _one_line_error(ws.cli("import", "inv.csv", check=False))
    assert "inv.csv:2 (INV-7): issue_date" in err
    assert "inv.csv:2 (INV-7): lines.0.unit_price" in err


def test_broken_config_is_one_clear_line(tmp_path: Path) -> None:
    """A config with an invalid value fails with exit 1 and names the key."""
    (tmp_path / "config.yaml").write_text(
        "mail:\n  inbox:\n    maildir: a\n    imap: {host: h, username: u}\n"
    )
    proc = Workspace(tmp_path).cli("invoice", "list", "--json", check=False)
    err = _one_line_error(proc)
    assert len(err.strip().splitlines()) == 1
    assert "mail.inbox" in err


def test_rules_check_reports_file_line_key(ws: Workspace) -> None:
    """`rules check` exits 1 with file:line:key for each problem, 0 for a good file."""
    (ws.root / "rules.yaml").write_text("dunning:\n  promise_grace_days: -1\n")
    proc = ws.cli("rules", "check", "rules.yaml", check=False)
    assert proc.returncode == 1
    assert "rules.yaml:2: dunning.promise_grace_days" in proc.stderr
    (ws.root / "ok.yaml").write_text("dunning:\n  promise_grace_days: 3\n")
    assert ws.cli("rules", "check", "ok.yaml").returncode == 0


def test_invalid_rules_stop_the_daemon_with_a_reason(ws: Workspace) -> None:
    """A daemon pointed at invalid rules refuses to start, saying why."""
    (ws.root / "rules.yaml").write_text("dunning:\n  ladder: 5\n")
    with (ws.root / "config.yaml").open("a") as f:
        f.write("rules: rules.yaml\n")
    err = _one_line_error(ws.cli("run", "--once", "--now", "2026-11-01", check=False))
    assert "invalid rules" in err
    assert "rules.yaml:2" in err


def test_parse_json_contract(ws: Workspace) -> None:
    """`parse --json` gives the contract's keys and resolves sloppy references."""
    (ws.root / "n.eml").write_text(bank_notification("1,190.00", "inv 2026-1", msgid="<p@b>"))
    out = ws.json("parse", "n.eml", "--json")
    assert out["kind"] == "payment_confirmation"
    assert out["authenticated"] is True
    assert out["invoice_refs"] == ["INV-2026-0001"]
    assert out["payments"][0]["amount"] == "1190.00"
    assert out["payments"][0]["invoice_refs"] == ["INV-2026-0001"]
    for key in ("intent", "promised_date", "bounce", "text"):
        assert key in out


def test_corrupt_email_becomes_review_and_leaves_inbox(ws: Workspace) -> None:
    """A message that cannot be understood is a review item; the inbox is emptied."""
    ws.deliver(b"\x00\x01 this is not an email \xff" * 20)
    ws.cli("run", "--once", "--now", "2026-11-01T09:00:00Z")
    assert ws.inbox_new() == []
    assert len(ws.json("review", "list", "--json")) == 1


def test_daemon_mails_and_stops_cleanly_on_sigterm(ws: Workspace) -> None:
    """`arclerk run` mails due invoices, then exits 0 on SIGTERM."""
    proc = ws.spawn("run")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not ws.sent():
            time.sleep(0.2)
        assert len(ws.sent()) == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    assert b"daemon_stopped" in err


def test_make_run_example_data_imports() -> None:
    """The example invoices used by `make run` are valid."""
    proc = subprocess.run([sys.executable, "-c",
                           "from pathlib import Path; from ledger.importer import load_file;"
                           "print(len(load_file(Path('examples/invoices.json'))))"],
                          cwd=ROOT, capture_output=True, text=True, check=True)  # fmt: skip
    assert int(proc.stdout) == 5


def test_sighup_with_invalid_rules_keeps_the_last_good_ones(ws: Workspace) -> None:
    """SIGHUP reloads the rules; an invalid file is refused and the daemon keeps running."""
    (ws.root / "rules.yaml").write_text("dunning:\n  promise_grace_days: 3\n")
    with (ws.root / "config.yaml").open("a") as f:
        f.write("rules: rules.yaml\ndaemon:\n  poll_seconds: 0.5\n")
    proc = ws.spawn("run")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not ws.sent():
            time.sleep(0.2)
        (ws.root / "rules.yaml").write_text("dunning:\n  promise_grace_days: [broken\n")
        proc.send_signal(signal.SIGHUP)
        time.sleep(1.5)
        assert proc.poll() is None, "the daemon died on an invalid rules reload"
        ws.deliver(b"\x00 not mail")  # it still reads the inbox after the refused reload
        while time.monotonic() < deadline and ws.inbox_new():
            time.sleep(0.2)
        assert ws.inbox_new() == []
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert b"rules_reload_refused" in err
    assert b"last good rules" in err
