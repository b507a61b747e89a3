"""A simulated 75 days (1 Nov 2026 to 14 Jan 2027) of a dozen invoices, one `arclerk run
--once --now` per day, customers and the bank answering the daemon's real messages
through Maildir."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from email.message import EmailMessage

import pytest

from tests.helpers import Workspace, bank_notification, invoice, make_workspace, reply

pytestmark = pytest.mark.acceptance

CUSTOMERS = {k: (f"C{k}", f"ap@{k.lower()}-corp.example") for k in "ABCDEFGHIJKL"}
AMOUNT = "1000.00"  # +19% tax = 1190.00


def dsn(original: EmailMessage, rcpt: str) -> str:
    return f"""From: Mail Delivery System <MAILER-DAEMON@mx.example.com>
To: billing@example.com
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-{rcpt}@mx.example.com>
Date: Mon, 02 Nov 2026 09:30:00 +0000
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

This is the mail system. Your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; {rcpt}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown

--B
Content-Type: text/rfc822-headers

From: billing@example.com
To: {rcpt}
Subject: {original["Subject"]}
Message-ID: {original["Message-ID"]}

--B--
"""


def out_of_office(original: EmailMessage, sender: str) -> str:
    return (
        f"From: {sender}\nTo: billing@example.com\nSubject: Out of Office: {original['Subject']}\n"
        f"Message-ID: <ooo-1@f-corp.example>\nDate: Mon, 02 Nov 2026 09:40:00 +0000\n"
        f"In-Reply-To: {original['Message-ID']}\nAuto-Submitted: auto-replied\n\n"
        "I am out of the office until November 9th with limited access to email.\n"
    )


def remittance_mail() -> bytes:
    """K's accounts payable mails a remittance-advice PDF (a German table with a PO
    column), from its own authenticated domain."""
    from tests.corpus.build import mail, pdf, table

    advice = pdf("<h2>Zahlungsavis</h2><p>Zahler: CK Ltd · Währung: EUR</p>" + table(
        ["Belegnr.", "Bestellnr.", "Zahlbetrag"],
        [["INV-2026-0011", "PO-88123", "1.190,00"]], num_from=2))  # fmt: skip
    return mail(CUSTOMERS["K"][1], "Zahlungsavis", "Anbei unser Zahlungsavis.",
                attachments=[("zahlungsavis.pdf", "application/pdf", advice)],
                date="Thu, 03 Dec 2026 07:00:00 +0000", msgid="<avis-k@k-corp.example>")  # fmt: skip


def camt054_mail() -> bytes:
    """The bank's camt.054 credit notification: L's transfer, and a debit that is not a
    payment."""
    from tests.corpus.build import camt054, mail

    data = camt054([("CRDT", "1190.00", "EUR", "CL Ltd", "Invoice INV-2026-0012"),
                    ("DBIT", "75.00", "EUR", "Office Rent Ltd", "Rent December")])  # fmt: skip
    return mail("statements@bank.example", "camt.054 Gutschriftsanzeige", "Anbei die Buchungen.",
                attachments=[("camt054.xml", "application/xml", data)],
                date="Thu, 03 Dec 2026 06:00:00 +0000", msgid="<camt-1@bank.example>")  # fmt: skip


@pytest.fixture(scope="module")
def life(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = make_workspace(tmp_path_factory.mktemp("life"))
    data = [invoice(f"INV-2026-{i:04d}", cid, addr, AMOUNT, "2026-11-01", "2026-12-01")
            for i, (cid, addr) in enumerate(CUSTOMERS.values(), 1)]  # fmt: skip
    (ws.root / "invoices.json").write_text(json.dumps(data))
    ws.cli("import", "invoices.json")

    def first_mail_to(addr: str) -> EmailMessage:
        return next(m for m in ws.sent() if m["To"] == addr)

    def last_mail_to(addr: str) -> EmailMessage:
        return [m for m in ws.sent() if m["To"] == addr][-1]

    day = dt.date(2026, 11, 1)
    while day <= dt.date(2027, 1, 14):
        if day == dt.date(2026, 11, 2):
            ws.deliver(dsn(first_mail_to(CUSTOMERS["E"][1]), CUSTOMERS["E"][1]))
            ws.deliver(out_of_office(first_mail_to(CUSTOMERS["F"][1]), CUSTOMERS["F"][1]))
        if day == dt.date(2026, 11, 10):
            ws.deliver(reply(first_mail_to(CUSTOMERS["G"][1]), CUSTOMERS["G"][1],
                             "Hi, we can't find the invoice in our system. Could you send us "
                             "a copy of the invoice please?", msgid="<g1@g-corp.example>",
                             date="Tue, 10 Nov 2026 08:00:00 +0000"))  # fmt: skip
        if day == dt.date(2026, 12, 2):
            paid_a = bank_notification("1,190.00", "INV-2026-0001", msgid="<n-a@bank.example>",
                                       payer="CA LTD", txn="TXA")  # fmt: skip
            ws.deliver(paid_a)
            ws.deliver(paid_a)  # the very same notification delivered twice
            ws.deliver(bank_notification("1.190,00", "inv 2026 10", msgid="<n-j1@bank.example>",
                                         payer="CJ LTD", txn="TXJ"))  # fmt: skip
            ws.deliver(bank_notification("1190.00", "INV-2026-0010", msgid="<n-j2@bank.example>",
                                         payer="CJ LTD", txn="TXJ"))  # fmt: skip
            ws.deliver(bank_notification("1,190.00", "INV-2026-0008", msgid="<spoof@bank.example>",
                                         payer="CH LTD", authenticated=False))  # fmt: skip
            ws.deliver(bank_notification("500.00", "INV-2026-0009", msgid="<n-i@bank.example>",
                                         payer="CI LTD", txn="TXI"))  # fmt: skip
        if day == dt.date(2026, 12, 3):
            ws.deliver(remittance_mail())
            ws.deliver(camt054_mail())
        if day == dt.date(2026, 12, 5):
            ws.deliver(reply(last_mail_to(CUSTOMERS["C"][1]), CUSTOMERS["C"][1],
                             "We dispute this invoice: the hours billed are wrong, we never "
                             "agreed to this amount.", msgid="<c1@c-corp.example>"))  # fmt: skip
            ws.deliver(reply(last_mail_to(CUSTOMERS["D"][1]), CUSTOMERS["D"][1],
                             "Sorry for the delay. We will pay on December 20th.",
                             msgid="<d1@d-corp.example>"))  # fmt: skip
        ws.cli("run", "--once", "--now", f"{day.isoformat()}T09:00:00+00:00")
        day += dt.timedelta(days=1)
    return ws


def _mails_about(ws: Workspace, number: str, to: str | None = None) -> list[EmailMessage]:
    return [
        m for m in ws.sent() if m["X-Arclerk-Invoice"] == number and (to is None or m["To"] == to)
    ]


def _steps(ws: Workspace, number: str) -> list[tuple[str, str]]:
    return [(r["step"], r["sent_at"][:10]) for r in ws.invoices()[number]["reminders"]]


def test_each_invoice_sent_once_with_pdf(life: Workspace) -> None:
    """Every invoice was mailed exactly once, as a PDF attachment, with the contract headers."""
    mails = [m for m in life.sent() if str(m["Subject"]).startswith("Invoice ")]
    assert sorted(m["X-Arclerk-Invoice"] for m in mails) == [
        f"INV-2026-{i:04d}" for i in range(1, 13)
    ]
    for m in mails:
        assert m["Auto-Submitted"] == "auto-generated"
        assert m["X-Arclerk-Invoice"] in m["Subject"]
        pdfs = [p for p in m.iter_attachments() if p.get_content_type() == "application/pdf"]
        assert len(pdfs) == 1
        assert pdfs[0].get_content().startswith(b"%PDF")


def test_unpaid_invoice_escalates_through_the_ladder(life: Workspace) -> None:
    """An invoice nobody answers gets first, second and final reminders at +3, +14, +30 days."""
    assert _steps(life, "INV-2026-0002") == [
        ("first", "2026-12-04"),
        ("second", "2026-12-15"),
        ("final", "2026-12-31"),
    ]
    subjects = [str(m["Subject"]) for m in _mails_about(life, "INV-2026-0002")]
    assert subjects[1].startswith("Reminder")
    assert subjects[2].startswith("Second reminder")
    assert subjects[3].startswith("Final notice")


def test_reminders_thread_on_the_invoice_mail(life: Workspace) -> None:
    """Reminders carry In-Reply-To/References pointing at the invoice email."""
    mails = _mails_about(life, "INV-2026-0002")
    invoice_id = mails[0]["Message-ID"]
    for m in mails[1:]:
        assert m["In-Reply-To"] == invoice_id
        assert invoice_id in m["References"]


def test_payment_stops_reminders_and_duplicates_count_once(life: Workspace) -> None:
    """A paid invoice gets no reminder; the same notification read twice is one payment."""
    inv = life.invoices()
    assert inv["INV-2026-0001"]["status"] == "paid"
    assert inv["INV-2026-0001"]["reminders"] == []
    assert inv["INV-2026-0010"]["status"] == "paid"
    assert inv["INV-2026-0010"]["open_amount"] == "0.00"
    payments = life.json("payment", "list", "--json")
    by_invoice = Counter(a["invoice"] for p in payments for a in p["allocations"])
    assert by_invoice["INV-2026-0001"] == 1
    assert by_invoice["INV-2026-0010"] == 1
    a = next(p for p in payments if p["allocations"][0]["invoice"] == "INV-2026-0001")
    assert a["amount"] == "1190.00"
    assert a["status"] == "applied"
    assert a["source"] == "<n-a@bank.example>"


def test_dispute_stops_dunning(life: Workspace) -> None:
    """After the customer disputes, no more reminders and the invoice is disputed."""
    inv = life.invoices()["INV-2026-0003"]
    assert inv["status"] == "disputed"
    assert [s for s, _ in _steps(life, "INV-2026-0003")] == ["first"]


def test_broken_promise_pauses_then_resumes(life: Workspace) -> None:
    """A promise for Dec 20 pauses reminders; two days' grace later the ladder resumes."""
    steps = _steps(life, "INV-2026-0004")
    assert steps[0] == ("first", "2026-12-04")
    assert steps[1] == ("second", "2026-12-22")
    assert steps[2] == ("final", "2026-12-31")
    assert life.invoices()["INV-2026-0004"]["status"] == "sent"


def test_bounced_address_gets_no_more_mail(life: Workspace) -> None:
    """After a permanent bounce, nothing more goes to that address."""
    assert len([m for m in life.sent() if m["To"] == CUSTOMERS["E"][1]]) == 1
    reviews = life.json("review", "list", "--json")
    assert any("bounced" in r["reason"] for r in reviews)


def test_auto_reply_is_not_answered(life: Workspace) -> None:
    """An out-of-office gets no answer: only the invoice and the ladder go to that customer."""
    to_f = [m for m in life.sent() if m["To"] == CUSTOMERS["F"][1]]
    assert len(to_f) == 4
    assert all(m["In-Reply-To"] != "<ooo-1@f-corp.example>" for m in to_f)


def test_copy_sent_once_on_request(life: Workspace) -> None:
    """A copy request gets exactly one copy, with the PDF, as an auto-reply to the request."""
    copies = [m for m in life.sent() if str(m["Subject"]).startswith("Copy of invoice")]
    assert len(copies) == 1
    c = copies[0]
    assert c["To"] == CUSTOMERS["G"][1]
    assert c["X-Arclerk-Invoice"] == "INV-2026-0007"
    assert c["Auto-Submitted"] == "auto-replied"
    assert c["In-Reply-To"] == "<g1@g-corp.example>"
    assert any(p.get_content_type() == "application/pdf" for p in c.iter_attachments())


def test_spoofed_notification_not_trusted(life: Workspace) -> None:
    """An unauthenticated 'bank' mail changes nothing; the invoice keeps being chased."""
    inv = life.invoices()["INV-2026-0008"]
    assert inv["status"] == "sent"
    assert inv["open_amount"] == "1190.00"
    assert len(inv["reminders"]) == 3
    assert all(
        p["source"] != "<spoof@bank.example>" for p in life.json("payment", "list", "--json")
    )


def test_partial_payment_leaves_the_rest_open(life: Workspace) -> None:
    """A partial payment is applied; the rest stays open and is chased."""
    inv = life.invoices()["INV-2026-0009"]
    assert inv["status"] == "partially_paid"
    assert inv["open_amount"] == "690.00"
    last = _mails_about(life, "INV-2026-0009")[-1]
    assert "690.00" in last.get_body(("plain",)).get_content()


def test_remittance_pdf_and_camt054_pay_their_invoices(life: Workspace) -> None:
    """K's remittance PDF and the bank's camt.054 each pay their invoice in full before
    the first reminder; the camt debit and the PO numbers create nothing."""
    inv = life.invoices()
    for number in ("INV-2026-0011", "INV-2026-0012"):
        assert inv[number]["status"] == "paid", number
        assert inv[number]["open_amount"] == "0.00"
        assert inv[number]["reminders"] == []
    payments = life.json("payment", "list", "--json")
    ours = [p for p in payments
            if any(a["invoice"] in ("INV-2026-0011", "INV-2026-0012") for a in p["allocations"])]  # fmt: skip
    assert sorted((p["source"], p["amount"]) for p in ours) == [
        ("<avis-k@k-corp.example>", "1190.00"), ("<camt-1@bank.example>", "1190.00")]  # fmt: skip
    assert not any(p["amount"] == "75.00" for p in payments)


def test_never_two_mails_about_one_invoice_on_one_day(life: Workspace) -> None:
    """No invoice gets two customer mails on the same day."""
    per_day = Counter((m["X-Arclerk-Invoice"], str(m["Date"])[:16]) for m in life.sent())
    assert max(per_day.values()) == 1


def test_inbox_left_empty(life: Workspace) -> None:
    """Every delivered message was processed and moved out of new/."""
    assert life.inbox_new() == []
