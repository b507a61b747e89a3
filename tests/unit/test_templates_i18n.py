"""Customer mail in the customer's language: every template renders in English, German
and French (StrictUndefined: a missing variable is an error), money and dates are written
the local way, and a language without its own templates gets English."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ledger.models import Customer, Invoice, InvoiceStatus, Line
from outbox.render import Renderer, Seller
from outbox.worker import SUBJECTS_BY_LANG
from tests.helpers import pdf_text

SELLER = Seller(name="Example Services Ltd", address="1 Road\nTown", iban="DE89370400440532013000",
                bank_name="Example Bank", bic="COBADEFFXXX")  # fmt: skip
TEMPLATES = ["invoice", "copy", "reminder_first", "reminder_second", "final_notice", "receipt",
             "part_payment"]  # fmt: skip


def inv(lang: str) -> Invoice:
    return Invoice(
        id=1, number="INV-2026-0007", customer=Customer("C1", "Müller GmbH", "ap@m.example", lang),
        currency="EUR", issue_date=dt.date(2026, 11, 1), due_date=dt.date(2026, 12, 1),
        lines=(Line("Beratung", Decimal(1), Decimal("1000.00"), Decimal("0.19")),),
        status=InvoiceStatus.SENT, total=Decimal("1190.00"), open_amount=Decimal("690.00"),
    )  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "de", "fr"])
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_renders_in_every_language(lang: str, template: str) -> None:
    r = Renderer(SELLER)
    ctx = r.context(inv(lang), subject="s", paid=Decimal("500.00"))
    text = r.text(template, ctx)
    html = r.html(template, ctx)
    assert "INV-2026-0007" in text
    assert html is not None
    assert "INV-2026-0007" in html
    assert all(template_key in SUBJECTS_BY_LANG[lang] for template_key in ("friendly", "firm", "final", "invoice", "copy", "receipt", "part_payment"))  # fmt: skip


def test_language_specific_wording_money_and_dates() -> None:
    r = Renderer(SELLER)
    de = r.text("reminder_first", r.context(inv("de")))
    assert "690,00 EUR" in de
    assert "01.12.2026" in de
    assert "Verwendungszweck INV-2026-0007" in de
    fr = r.text("reminder_first", r.context(inv("fr")))
    assert "690,00 EUR" in fr
    assert "01/12/2026" in fr
    en = r.text("reminder_first", r.context(inv("en")))
    assert "EUR 690.00" in en
    big = r.context(inv("de"))["money"](Decimal("1234567.5"))
    assert big == "1.234.567,50 EUR"
    assert r.context(inv("fr"))["money"](Decimal("1234567.5")) == "1\u202f234\u202f567,50 EUR"
    # a language arclerk has no templates for: English, consistently in both parts
    es = r.context(inv("es"), subject="s")
    assert es["lang"] == "en"
    assert "friendly reminder" in r.text("reminder_first", es)
    html = r.html("reminder_first", es)
    assert html is not None
    assert "friendly reminder" in html


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", ["Invoice", "Total due", "1,190.00", "Payment reference", "RF48 INV2 0260 007"]),
     ("de", ["Rechnung", "Gesamtbetrag", "1.190,00", "Verwendungszweck", "01.12.2026", "RF48 INV2 0260 007"]),
     ("fr", ["Facture", "Total TTC", "1 190,00", "Référence de paiement", "01/12/2026", "RF48 INV2 0260 007"])],
)  # fmt: skip
def test_invoice_pdf_in_the_customers_language(lang: str, words: list[str]) -> None:
    """The invoice PDF speaks the customer's language, formats money and dates the local
    way, and prints the ISO 11649 creditor reference that resolves to the invoice."""
    from ledger.refs import creditor_reference
    from parsers.refs import candidates

    assert creditor_reference("INV-2026-0007") == "RF48INV20260007"
    text = " ".join(pdf_text(Renderer(SELLER).invoice_pdf(inv(lang))).split())
    for w in words:
        assert " ".join(w.split()) in text.replace("\u202f", " ").replace("\xa0", " "), w
    assert "INV20260007" in candidates(text)


def test_statement_pdf_lists_open_invoices_with_the_total() -> None:
    """A statement of account lists each open invoice with its open amount and days
    overdue, and the total open."""
    r = Renderer(SELLER)
    other = Invoice(
        id=2, number="INV-2026-0009", customer=inv("en").customer, currency="EUR",
        issue_date=dt.date(2026, 11, 5), due_date=dt.date(2026, 12, 5), lines=(),
        status=InvoiceStatus.SENT, total=Decimal("310.00"), open_amount=Decimal("310.00"),
    )  # fmt: skip
    text = pdf_text(r.statement_pdf(inv("en"), [{"inv": inv("en")}, {"inv": other}],
                                     dt.date(2026, 12, 15)))  # fmt: skip
    assert "Statement of account" in text
    assert "INV-2026-0007" in text
    assert "INV-2026-0009" in text
    assert "1,000.00" in text  # 690.00 + 310.00 open
