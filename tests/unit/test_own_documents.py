"""arclerk's own PDFs coming back (a customer forwards our invoice or statement) are
never read as remittance advices: they say what is owed, not what was paid."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

from outbox.render import Renderer
from parsers import parse, remittance
from rules.classify import Kind, SenderInfo, classify
from rules.loader import load
from tests.unit.test_templates_i18n import SELLER, inv


def test_own_invoice_and_statement_pdfs_are_not_advices() -> None:
    """Our invoice and statement PDFs (Creator "arclerk") yield no payment."""
    r = Renderer(SELLER)
    for data in (r.invoice_pdf(inv("de")),
                 r.statement_pdf(inv("en"), [{"inv": inv("en")}], dt.date(2026, 12, 15))):  # fmt: skip
        got = remittance.read("x.pdf", data)
        assert got.own
        assert got.payments == []


def test_customer_forwarding_our_invoice_is_a_reply() -> None:
    """A customer sending our invoice back with a question is a customer reply about it,
    with no payment and no unreadable-attachment review."""
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "ap@m.example", "billing@example.com", "INV-2026-0007"
    m["Authentication-Results"] = "mx.example.com; dmarc=pass header.from=m.example"
    m.set_content("Is the VAT on the attached invoice correct? It looks wrong to us.")
    m.add_attachment(Renderer(SELLER).invoice_pdf(inv("en")), maintype="application",
                     subtype="pdf", filename="INV-2026-0007.pdf")  # fmt: skip
    facts = parse(m.as_bytes())
    assert facts.payments == ()
    assert facts.unreadable == ()
    v = classify(facts, SenderInfo(is_customer=True, in_thread=False), load(None), "mx.example.com")
    assert (v.kind, v.intent) == (Kind.CUSTOMER_REPLY, "dispute")
