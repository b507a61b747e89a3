"""The admin's dunning tools through the CLI: `explain`, `forecast` (which sends
nothing), `invoice resolve` after a dispute, and an out-of-office return date holding the
next step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import Workspace, bank_notification, invoice, make_workspace, reply

pytestmark = pytest.mark.acceptance
INV = "INV-2026-0001"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = make_workspace(tmp_path)
    (tmp_path / "inv.json").write_text(json.dumps([
        invoice(INV, "C1", "ap@c1.example", "100.00", "2026-11-01", "2026-12-01", status="sent")]))  # fmt: skip
    w.cli("import", "inv.json")
    return w


def test_forecast_lists_the_ladder_and_sends_nothing(ws: Workspace) -> None:
    """Due 1 Dec, default ladder: first +3 (4 Dec), second +14 (15 Dec), final +30 (31 Dec)."""
    plan = ws.json("forecast", "--days", "40", "--now", "2026-12-02T09:00:00+00:00", "--json")
    assert [(d["date"], [m["step"] for m in d["mails"]]) for d in plan] == [
        ("2026-12-04", ["first"]), ("2026-12-15", ["second"]), ("2026-12-31", ["final"])]  # fmt: skip
    assert ws.sent() == []
    assert ws.invoices()[INV]["reminders"] == []


def test_explain_says_why_the_last_mail_went_and_when_the_next_goes(ws: Workspace) -> None:
    ws.cli("run", "--once", "--now", "2026-12-04T09:00:00+00:00")
    data = ws.json("explain", INV, "--now", "2026-12-05T09:00:00+00:00", "--json")
    assert (data["last_mail"]["kind"], data["last_mail"]["step"]) == ("reminder", "first")
    assert "step first" in data["last_mail"]["why"]["cause"]
    assert data["ladder"]["source"] == "dunning.ladder"
    assert data["next"]["action"] == "none"
    assert data["next"]["when"] == "2026-12-15T00:00:00+00:00"
    assert "second" in data["next"]["reason"]
    text = ws.cli("explain", INV, "--now", "2026-12-05T09:00:00+00:00").stdout
    assert "next: nothing before 2026-12-15" in text
    missing = ws.cli("explain", "INV-9999", check=False)
    assert missing.returncode == 1
    assert "no such invoice" in missing.stderr


def test_a_resolved_dispute_resumes_the_ladder(ws: Workspace) -> None:
    ws.cli("run", "--once", "--now", "2026-12-04T09:00:00+00:00")
    reminder = ws.sent()[-1]
    ws.deliver(reply(reminder, "ap@c1.example", "The amount is wrong, we dispute this invoice.",
                     msgid="<d1@c1.example>"))  # fmt: skip
    ws.cli("run", "--once", "--now", "2026-12-05T09:00:00+00:00")
    assert ws.invoices()[INV]["status"] == "disputed"
    ws.cli("run", "--once", "--now", "2026-12-16T09:00:00+00:00")
    assert len(ws.invoices()[INV]["reminders"]) == 1  # no reminder while disputed
    not_needed = ws.cli(
        "invoice", "resolve", INV, "--note", "x", "--now", "2026-12-16T10:00:00+00:00"
    )
    assert "dispute resolved, now sent" in not_needed.stdout
    again = ws.cli("invoice", "resolve", INV, "--note", "x", check=False)
    assert again.returncode == 1
    assert "is not disputed" in again.stderr
    ws.cli("run", "--once", "--now", "2026-12-17T09:00:00+00:00")
    inv = ws.invoices()[INV]
    assert [r["step"] for r in inv["reminders"]] == ["first", "second"]
    kinds = [e["kind"] for e in ws.json("invoice", "show", INV)["events"]]
    assert "status_changed" in kinds


def test_an_out_of_office_holds_the_next_step_until_the_return_date(ws: Workspace) -> None:
    ws.cli("run", "--once", "--now", "2026-12-04T09:00:00+00:00")
    ws.deliver(
        "From: Ann <ap@c1.example>\nTo: billing@example.com\nMessage-ID: <ooo1@c1.example>\n"
        "Date: Sat, 05 Dec 2026 10:00:00 +0000\n"
        f"Subject: Out of Office: Re: Reminder: invoice {INV} is overdue\n"
        "Auto-Submitted: auto-replied\n\n"
        "I am out of the office until December 20th and will reply when I am back.\n"
    )  # fmt: skip
    ws.cli("run", "--once", "--now", "2026-12-05T11:00:00+00:00")
    ws.cli("run", "--once", "--now", "2026-12-15T09:00:00+00:00")
    assert len(ws.invoices()[INV]["reminders"]) == 1  # second step held
    assert "away until 2026-12-21" in ws.json("explain", INV, "--now", "2026-12-15T09:00:00+00:00",
                                              "--json")["next"]["reason"]  # fmt: skip
    ws.cli("run", "--once", "--now", "2026-12-21T09:00:00+00:00")
    assert [r["step"] for r in ws.invoices()[INV]["reminders"]] == ["first", "second"]
    assert not any(
        m["To"] == "ap@c1.example" and "Out of Office" in (m["Subject"] or "") for m in ws.sent()
    )


def test_no_reminder_while_a_payment_for_the_invoice_waits_for_review(ws: Workspace) -> None:
    """A payment naming the invoice but in the wrong currency waits for a human; the
    customer is not reminded meanwhile. Once the item is rejected, the ladder resumes."""
    raw = bank_notification("119.00", INV, msgid="<usd@bank.example>", txn="U1").replace(
        "EUR 119.00", "USD 119.00")  # fmt: skip
    ws.deliver(raw)
    ws.cli("run", "--once", "--now", "2026-12-02T09:00:00+00:00")
    ws.cli("run", "--once", "--now", "2026-12-04T09:00:00+00:00")
    assert ws.invoices()[INV]["reminders"] == []
    why = ws.json("explain", INV, "--now", "2026-12-04T09:00:00+00:00", "--json")["next"]["reason"]
    assert "waits for review" in why
    item = ws.json("review", "list", "--json")[0]
    ws.cli("review", "reject", str(item["id"]), "--reason", "refunded to the customer",
           "--now", "2026-12-04T10:00:00+00:00")  # fmt: skip
    ws.cli("run", "--once", "--now", "2026-12-05T09:00:00+00:00")
    assert [r["step"] for r in ws.invoices()[INV]["reminders"]] == ["first"]
