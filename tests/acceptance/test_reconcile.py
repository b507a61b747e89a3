"""Reconciliation as an accountant drives it, through the CLI over Maildir: fee
shortfalls, IBAN payers, overpayment credit used on the next invoice, twins held for
review, `review assign / accept / reject`, `payment unapply` — every step audited."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Workspace, bank_notification, invoice, make_workspace

pytestmark = pytest.mark.acceptance
NOW = "2026-12-02T09:00:00+00:00"
IBAN = "DE89 3704 0044 0532 0130 00"


def _payments(ws: Workspace) -> dict[str, dict[str, Any]]:
    return {p["source"]: p for p in ws.json("payment", "list", "--json")}


def _reviews(ws: Workspace) -> list[dict[str, Any]]:
    return ws.json("review", "list", "--json")  # type: ignore[no-any-return]


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = make_workspace(tmp_path)
    gamma = invoice("INV-2026-0301", "C3", "ap@gamma.example", "50.00", "2026-11-01", "2026-12-01",
                    name="Gamma SARL", status="sent")  # fmt: skip
    gamma["customer"]["ibans"] = [IBAN]
    (tmp_path / "invoices.json").write_text(json.dumps([
        invoice("INV-2026-0101", "C1", "ap@acme.example", "1000.00", "2026-11-01", "2026-12-01",
                name="Acme Widgets Limited", status="sent"),
        invoice("INV-2026-0102", "C1", "ap@acme.example", "200.00", "2026-11-01", "2026-12-01",
                name="Acme Widgets Limited", status="sent"),
        invoice("INV-2026-0201", "C2", "ap@beta.example", "100.00", "2026-11-01", "2026-12-01",
                name="Beta GmbH", status="sent"),
        invoice("INV-2026-0202", "C2", "ap@beta.example", "100.00", "2026-11-05", "2026-12-05",
                name="Beta GmbH", status="sent"),
        gamma,
    ]))  # fmt: skip
    w.cli("import", "invoices.json")
    w.deliver(
        bank_notification(
            "1189.50", "INV-2026-0101", msgid="<fee@bank>", payer="ACME WIDGETS LTD", txn="T1"
        )
    )
    w.deliver(
        bank_notification("119.00", "thank you", msgid="<twin@bank>", payer="BETA GMBH", txn="T2")
    )
    w.deliver(bank_notification("59.50", "order 4411", msgid="<iban@bank>", payer="G. SARL PARIS",
                                txn="T3") + f"IBAN: {IBAN}\n")  # fmt: skip
    w.deliver(
        bank_notification(
            "300.00", "INV-2026-0102", msgid="<over@bank>", payer="ACME WIDGETS LTD", txn="T4"
        )
    )
    w.cli("run", "--once", "--now", NOW)
    return w


def test_clear_cases_are_applied_with_their_rule_and_evidence(ws: Workspace) -> None:
    """Fee shortfall written off, IBAN payer matched by amount, overpayment kept as credit."""
    inv = ws.invoices()
    assert {n: inv[n]["status"] for n in inv} == {
        "INV-2026-0101": "paid", "INV-2026-0102": "paid", "INV-2026-0201": "sent", "INV-2026-0202": "sent", "INV-2026-0301": "paid"}  # fmt: skip
    pays = _payments(ws)
    assert pays["<fee@bank>"]["allocations"][0]["written_off"] == "0.50"
    assert pays["<fee@bank>"]["decision"]["rule"] == "matching.reference.tolerance"
    assert pays["<iban@bank>"]["decision"]["rule"] == "matching.payer.amount"
    assert "IBAN" in pays["<iban@bank>"]["decision"]["reason"]
    over = pays["<over@bank>"]
    assert (over["status"], over["credit"], over["customer_id"]) == (
        "partially_applied",
        "62.00",
        "C1",
    )
    shown = ws.json("invoice", "show", "INV-2026-0101")
    alloc = shown["allocations"][0]
    assert (alloc["rule"], alloc["written_off"], alloc["confidence"]) == (
        "matching.reference.tolerance",
        "0.50",
        "0.95",
    )
    assert "<fee@bank>" in alloc["evidence"]


def test_twins_wait_for_review_and_assign_applies_by_hand(ws: Workspace) -> None:
    """Two open invoices of 119.00 and no reference: never guessed; `review assign` pays
    the one the accountant names, and the item is closed with the reason."""
    items = [r for r in _reviews(ws) if r["payment_id"]]
    assert len(items) == 1
    assert "2 open invoices of 119.00" in items[0]["reason"]
    out = ws.cli("review", "assign", str(items[0]["id"]), "INV-2026-0202", "--note", "per phone call",
                 "--now", NOW).stdout  # fmt: skip
    assert "INV-2026-0202 119.00" in out
    assert ws.invoices()["INV-2026-0202"]["status"] == "paid"
    assert ws.invoices()["INV-2026-0201"]["status"] == "sent"
    assert _reviews(ws) == []
    again = ws.cli("review", "assign", str(items[0]["id"]), "INV-2026-0201", check=False)
    assert again.returncode == 1
    assert "already assigned" in again.stderr
    assert "Traceback" not in again.stderr


def test_unapply_reopens_and_asks_again(ws: Workspace) -> None:
    """`payment unapply` undoes an allocation with a reason: the invoice reopens, the
    allocation stays visible as reversed, a review item asks where the money belongs;
    `review reject` closes that item and the payment stays unapplied."""
    pid = _payments(ws)["<iban@bank>"]["id"]
    out = ws.cli(
        "payment", "unapply", pid, "--reason", "paid by a different company", "--now", NOW
    ).stdout
    assert "INV-2026-0301" in out
    assert ws.invoices()["INV-2026-0301"]["status"] == "sent"
    pay = _payments(ws)["<iban@bank>"]
    assert pay["allocations"] == []
    assert pay["reversed_allocations"][0]["reversed"]["reason"] == "paid by a different company"
    item = next(r for r in _reviews(ws) if r["payment_id"] == int(pid))
    ws.cli("review", "reject", str(item["id"]), "--reason", "refund agreed", "--now", NOW)
    assert _payments(ws)["<iban@bank>"]["status"] == "unapplied"
    kinds = [e["kind"] for e in ws.json("invoice", "show", "INV-2026-0301")["events"]]
    assert "payment_unapplied" in kinds


def test_credit_pays_the_next_invoice(ws: Workspace, tmp_path: Path) -> None:
    """The 62.00 overpayment pays most of Acme's next invoice (59.50) on import."""
    (tmp_path / "next.json").write_text(json.dumps([
        invoice("INV-2026-0103", "C1", "ap@acme.example", "50.00", "2026-12-02", "2027-01-01",
                name="Acme Widgets Limited")]))  # fmt: skip
    ws.cli("import", "next.json")
    assert ws.invoices()["INV-2026-0103"]["open_amount"] == "0.00"
    over = _payments(ws)["<over@bank>"]
    assert over["credit"] == "2.50"
    assert [a["invoice"] for a in over["allocations"]] == ["INV-2026-0102", "INV-2026-0103"]
    assert over["allocations"][1]["source"] == "credit"


def test_bad_review_commands_say_what_is_wrong(ws: Workspace) -> None:
    """Unknown items, unknown invoices and missing reasons: one line, exit 1 or 2."""
    for args, needle in ((("review", "accept", "999"), "no such item"),
                         (("payment", "unapply", "999", "--reason", "x"), "no such payment")):  # fmt: skip
        proc = ws.cli(*args, check=False)
        assert proc.returncode == 1
        assert needle in proc.stderr
    item = next(r for r in _reviews(ws) if r["payment_id"])
    proc = ws.cli("review", "assign", str(item["id"]), "INV-NOPE", check=False)
    assert proc.returncode == 1
    assert "INV-NOPE: no such invoice" in proc.stderr
    assert ws.cli("payment", "unapply", "1", check=False).returncode == 2  # --reason missing


def test_receipts_and_the_daily_digest(tmp_path: Path) -> None:
    """With receipts on: a thank-you for the invoice paid in full, a statement of what
    remains for the one paid in part; the admin gets one digest a day listing what waits."""
    w = make_workspace(tmp_path)
    w.config.write_text(w.config.read_text().replace(
        "  address: billing@example.com\n",
        "  address: billing@example.com\n  admin: boss@example.com\n") + "rules: rules.yaml\n")  # fmt: skip
    (tmp_path / "rules.yaml").write_text("receipts:\n  paid_in_full: true\n  part_payment: true\n")
    (tmp_path / "inv.json").write_text(json.dumps([
        invoice("INV-2026-0401", "C4", "ap@delta.example", "100.00", "2026-11-01", "2026-12-01", status="sent"),
        invoice("INV-2026-0402", "C4", "ap@delta.example", "200.00", "2026-11-01", "2026-12-01", status="sent"),
    ]))  # fmt: skip
    w.cli("import", "inv.json")
    w.deliver(bank_notification("119.00", "INV-2026-0401", msgid="<full@bank>", txn="F1"))
    w.deliver(bank_notification("100.00", "INV-2026-0402", msgid="<part@bank>", txn="F2"))
    w.deliver(bank_notification("5.00", "no idea", msgid="<odd@bank>", payer="NOBODY", txn="F3"))
    w.cli("run", "--once", "--now", NOW)
    w.cli("run", "--once", "--now", "2026-12-02T15:00:00+00:00")  # the same day: no second digest
    sent = {m["Subject"]: m for m in w.sent()}
    receipt = sent["Thank you: invoice INV-2026-0401 is paid"]
    assert receipt["To"] == "ap@delta.example"
    assert "EUR 119.00" in receipt.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    statement = (
        sent["Payment received for invoice INV-2026-0402"].get_body(("plain",)).get_content()
    )  # type: ignore[union-attr]
    assert "still open       EUR 138.00" in statement
    digests = [
        m for m in w.sent() if m["To"] == "boss@example.com" and "wait for review" in m["Subject"]
    ]
    assert len(digests) == 1
    assert "payment 3 of 5.00 EUR" in digests[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
