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
