"""The admin's dunning tools through the CLI: `explain`, `forecast` (which sends
nothing), `invoice resolve` after a dispute, and an out-of-office return date holding the
next step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import Workspace, bank_notification, invoice, make_workspace, pdf_text, reply

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


CHARGES_RULES = """\
dunning:
  ladder:
    - {name: first, days_after_due: 3, template: reminder_first, tone: friendly}
    - {name: second, days_after_due: 14, template: reminder_second, tone: firm, fee: "5.00"}
    - {name: final, days_after_due: 30, template: final_notice, tone: final}
  interest:
    preset: de_bgb_b2b
    rates: [{from: 2026-07-01, rate: "2.00"}]
  handoff: {after_days: 7, email: collections@agency.example}
"""


def test_fees_and_interest_go_on_fee_invoices_then_the_case_is_handed_off(tmp_path: Path) -> None:
    """A German B2B customer: the second reminder charges a 5.00 fee, the final notice
    statutory interest (§ 288 Abs. 2 BGB: 2.00 + 9 = 11% on 1,190.00 for 30 days = 10.76)
    and the EUR 40 flat fee, each on a separate fee invoice; the issued invoice is never
    edited; a week after the final notice the case goes to the agency, with the invoice
    and a statement of account (in the customer's language) listing all three."""
    w = make_workspace(tmp_path)
    w.config.write_text(w.config.read_text() + "rules: rules.yaml\n")
    (tmp_path / "rules.yaml").write_text(CHARGES_RULES)
    inv = invoice(INV, "C1", "ap@c1.example", "1000.00", "2026-11-01", "2026-12-01", status="sent")
    inv["customer"]["language"] = "de"
    (tmp_path / "inv.json").write_text(json.dumps([inv]))
    w.cli("import", "inv.json")
    for day in ("2026-12-04", "2026-12-15"):
        w.cli("run", "--once", "--now", f"{day}T09:00:00+00:00")
    book = w.invoices()
    assert book[f"{INV}-F1"]["total"] == "5.00"
    second = next(m for m in w.sent() if m["Subject"] == f"2. Mahnung: Rechnung {INV}")
    text = second.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"gesonderten Rechnung {INV}-F1" in text
    assert "Mahngebühr                     5,00 EUR" in text
    assert any(
        m["Subject"].startswith(f"Rechnung {INV}-F1") for m in w.sent()
    )  # the fee invoice itself, with its PDF
    w.cli("run", "--once", "--now", "2026-12-31T09:00:00+00:00")
    book = w.invoices()
    assert book[f"{INV}-F2"]["total"] == "50.76"
    assert book[INV]["total"] == "1190.00"  # never edited
    final = next(m for m in w.sent() if m["Subject"] == f"Letzte Mahnung: Rechnung {INV}")
    text = final.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Verzugszinsen                  10,76 EUR (2026-12-02 bis 2026-12-31)" in text
    assert "Verzugspauschale               40,00 EUR" in text
    assert "§ 288 Abs. 2 BGB" in text
    w.cli("run", "--once", "--now", "2027-01-06T09:00:00+00:00")
    assert not any(m["To"] == "collections@agency.example" for m in w.sent())
    w.cli("run", "--once", "--now", "2027-01-07T09:00:00+00:00")
    handoff = [m for m in w.sent() if m["To"] == "collections@agency.example"]
    assert len(handoff) == 1
    assert handoff[0]["Subject"] == f"Collection case: invoice {INV} (C1 Ltd)"
    files = {p.get_filename(): p.get_content() for p in handoff[0].iter_attachments()}
    assert sorted(files) == [f"{INV}.pdf", "statement-C1-2027-01-07.pdf"]
    statement = pdf_text(files["statement-C1-2027-01-07.pdf"])
    # the statement of account lists the invoice and both fee invoices, in German
    assert "Kontoauszug" in statement
    assert all(n in statement for n in (INV, f"{INV}-F1", f"{INV}-F2"))
    assert "1.245,76 €" in statement or "1.245,76 EUR" in statement
    assert "hand-off" in handoff[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    w.cli("run", "--once", "--now", "2027-02-07T09:00:00+00:00")
    assert len([m for m in w.sent() if m["To"] == "collections@agency.example"]) == 1
    assert "handed off" in w.json("explain", INV, "--json")["next"]["reason"]


def test_three_overdue_invoices_of_one_customer_get_one_reminder(tmp_path: Path) -> None:
    """With `one_mail_per_customer`, a customer whose three reminders fall due together
    gets one statement naming all three; each invoice still records its own step; another
    customer with one invoice gets its usual reminder."""
    w = make_workspace(tmp_path)
    w.config.write_text(w.config.read_text() + "rules: rules.yaml\n")
    (tmp_path / "rules.yaml").write_text("dunning:\n  one_mail_per_customer: true\n")
    (tmp_path / "inv.json").write_text(json.dumps(
        [invoice(f"INV-2026-000{i}", "C1", "ap@c1.example", f"{i}00.00", "2026-11-01", "2026-12-01",
                 status="sent") for i in (1, 2, 3)]
        + [invoice("INV-2026-0009", "C2", "ap@c2.example", "50.00", "2026-11-01", "2026-12-01", status="sent")]))  # fmt: skip
    w.cli("import", "inv.json")
    w.cli("run", "--once", "--now", "2026-12-04T09:00:00+00:00")
    to_c1 = [m for m in w.sent() if m["To"] == "ap@c1.example"]
    assert len(to_c1) == 1
    assert to_c1[0]["Subject"] == "Statement: 3 overdue invoices"
    body = to_c1[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    for n in ("INV-2026-0001", "INV-2026-0002", "INV-2026-0003"):
        assert n in body
    assert "Total open: EUR 714.00" in body  # 119 + 238 + 357
    to_c2 = [m["Subject"] for m in w.sent() if m["To"] == "ap@c2.example"]
    assert to_c2 == ["Reminder: invoice INV-2026-0009 is overdue"]
    book = w.invoices()
    assert all(
        [r["step"] for r in book[f"INV-2026-000{i}"]["reminders"]] == ["first"] for i in (1, 2, 3)
    )
    w.cli("run", "--once", "--now", "2026-12-04T15:00:00+00:00")  # nothing doubles
    assert len([m for m in w.sent() if m["To"] == "ap@c1.example"]) == 1


def test_a_statement_of_account_on_request(ws: Workspace, tmp_path: Path) -> None:
    """ "Please send us a statement of account": one mail listing every open invoice of
    the customer, answering theirs; no ladder step is spent on it."""
    (tmp_path / "more.json").write_text(json.dumps([
        invoice("INV-2026-0002", "C1", "ap@c1.example", "200.00", "2026-11-05", "2026-12-05", status="sent")]))  # fmt: skip
    ws.cli("import", "more.json")
    ws.deliver("From: Ann <ap@c1.example>\nTo: billing@example.com\nMessage-ID: <st1@c1.example>\n"
               "Date: Wed, 02 Dec 2026 08:00:00 +0000\nSubject: Our account\n\n"
               "Hello, could you please send us a statement of account for our records?\n")  # fmt: skip
    ws.cli("run", "--once", "--now", "2026-12-02T09:00:00+00:00")
    sent = [m for m in ws.sent() if m["To"] == "ap@c1.example"]
    assert [m["Subject"] for m in sent] == ["Statement of account: 2 open invoices"]
    assert sent[0]["In-Reply-To"] == "<st1@c1.example>"
    assert sent[0]["Auto-Submitted"] == "auto-replied"
    body = sent[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "INV-2026-0001" in body
    assert "INV-2026-0002" in body
    assert all(i["reminders"] == [] for i in ws.invoices().values())


def test_a_step_copies_the_account_manager_and_attaches_the_invoice(tmp_path: Path) -> None:
    """A step's CC goes to the account manager and a fixed address; its attachments are
    the invoice PDF and a statement of account."""
    w = make_workspace(tmp_path)
    w.config.write_text(w.config.read_text() + "rules: rules.yaml\n")
    (tmp_path / "rules.yaml").write_text(
        "dunning:\n  ladder:\n"
        "    - {name: first, days_after_due: 3, template: reminder_first}\n"
        "    - {name: second, days_after_due: 14, template: reminder_second, tone: firm,\n"
        "       cc: [account_manager, legal@example.com], attach_invoice: true,\n"
        "       attach_statement: true}\n")  # fmt: skip
    inv = invoice(INV, "C1", "ap@c1.example", "100.00", "2026-11-01", "2026-12-01", status="sent")
    inv["customer"]["account_manager"] = "am@example.com"
    (tmp_path / "inv.json").write_text(json.dumps([inv]))
    w.cli("import", "inv.json")
    for day in ("2026-12-04", "2026-12-15"):
        w.cli("run", "--once", "--now", f"{day}T09:00:00+00:00")
    first, second = w.sent()
    assert (first["Cc"], list(first.iter_attachments())) == (None, [])
    assert second["Cc"] == "am@example.com, legal@example.com"
    assert [p.get_filename() for p in second.iter_attachments()] == [
        f"{INV}.pdf", "statement-C1-2026-12-15.pdf"]  # fmt: skip
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "dunning:\n  ladder:\n    - {name: a, days_after_due: 1, template: x, cc: [nobody]}\n"
    )
    proc = w.cli("rules", "check", str(bad), check=False)
    assert proc.returncode == 1
    assert "neither an address nor account_manager" in proc.stderr
