"""Jinja2 rendering of mail bodies and the invoice PDF (WeasyPrint).

Templates are looked up first in the admin's template folder (if configured), then in
the built-in `outbox/templates`: any template can be overridden by a file of its name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from ledger.models import Invoice
from ledger.money import round_money
from ledger.refs import creditor_reference

BUILTIN = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class Seller:
    """Branding and payment details printed on every invoice and mail."""

    name: str
    address: str
    iban: str
    bank_name: str
    bic: str = ""
    vat_id: str = ""
    colour: str = "#1f4e79"
    logo: Path | None = None


#: languages with their own templates (`<name>.<lang>.txt/html`); others get English
LANGUAGES = ("en", "de", "fr")


def _money(currency: str, lang: str = "en") -> Callable[[Decimal], str]:
    def fmt(amount: Decimal) -> str:
        plain = f"{round_money(amount, currency):,}"  # 1,190.00
        if lang == "de":  # 1.190,00 EUR
            return (
                plain.replace(",", "\x00").replace(".", ",").replace("\x00", ".") + f" {currency}"
            )
        if lang == "fr":  # 1 190,00 EUR (narrow no-break space between thousands)
            return plain.replace(",", "\u202f").replace(".", ",") + f" {currency}"
        return f"{currency} {plain}"

    return fmt


def _date(lang: str) -> Callable[[dt.date], str]:
    def fmt(day: dt.date) -> str:
        if lang == "de":
            return day.strftime("%d.%m.%Y")
        if lang == "fr":
            return day.strftime("%d/%m/%Y")
        return day.isoformat()

    return fmt


def _pct(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


#: the invoice PDF's wording per language (money and dates are formatted per language too)
PDF_LABELS: dict[str, dict[str, str]] = {
    "en": {"invoice": "Invoice", "number": "Invoice number", "issued": "Issue date",
           "due": "Due date", "customer_no": "Customer no.", "bill_to": "Bill to",
           "description": "Description", "quantity": "Quantity", "unit_price": "Unit price",
           "tax": "Tax", "amount": "Amount", "net_total": "Net total", "tax_on": "Tax {rate} on {net}",
           "total_due": "Total due", "payment": "Payment", "terms": "Terms",
           "please_pay": "Please pay {total} by {due} to:", "reference": "Payment reference",
           "rf": "creditor reference (ISO 11649)", "vat_id": "VAT ID", "page": "page",
           "of": "of", "statement": "Statement of account", "as_of": "as of",
           "open": "Open", "total_open": "Total open", "days_overdue": "Days overdue",
           "fee_for": "charges for"},
    "de": {"invoice": "Rechnung", "number": "Rechnungsnummer", "issued": "Rechnungsdatum",
           "due": "Fällig am", "customer_no": "Kundennummer", "bill_to": "Rechnungsempfänger",
           "description": "Beschreibung", "quantity": "Menge", "unit_price": "Einzelpreis",
           "tax": "USt.", "amount": "Betrag", "net_total": "Nettobetrag",
           "tax_on": "USt. {rate} auf {net}", "total_due": "Gesamtbetrag", "payment": "Zahlung",
           "terms": "Zahlungsbedingungen", "please_pay": "Bitte überweisen Sie {total} bis zum {due} an:",
           "reference": "Verwendungszweck", "rf": "strukturierte Referenz (ISO 11649)",
           "vat_id": "USt-IdNr.", "page": "Seite", "of": "von",
           "statement": "Kontoauszug (offene Posten)", "as_of": "Stand", "open": "Offen",
           "total_open": "Summe offen", "days_overdue": "Tage überfällig", "fee_for": "Gebühren zu"},
    "fr": {"invoice": "Facture", "number": "Numéro de facture", "issued": "Date d'émission",
           "due": "Date d'échéance", "customer_no": "N° client", "bill_to": "Facturé à",
           "description": "Désignation", "quantity": "Quantité", "unit_price": "Prix unitaire",
           "tax": "TVA", "amount": "Montant", "net_total": "Total HT",
           "tax_on": "TVA {rate} sur {net}", "total_due": "Total TTC", "payment": "Paiement",
           "terms": "Conditions", "please_pay": "Merci de régler {total} avant le {due} à :",
           "reference": "Référence de paiement", "rf": "référence créancier (ISO 11649)",
           "vat_id": "N° TVA", "page": "page", "of": "sur", "statement": "Relevé de compte",
           "as_of": "au", "open": "Reste dû", "total_open": "Total dû",
           "days_overdue": "Jours de retard", "fee_for": "frais pour"},
}  # fmt: skip


def _rf(number: str) -> str:
    ref = creditor_reference(number)
    return " ".join(ref[i : i + 4] for i in range(0, len(ref), 4)) if ref else ""


class Renderer:
    def __init__(self, seller: Seller, override_dir: Path | None = None) -> None:
        self.seller = seller
        loaders: list[jinja2.BaseLoader] = []
        if override_dir is not None:
            loaders.append(jinja2.FileSystemLoader(str(override_dir)))
        loaders.append(jinja2.FileSystemLoader(str(BUILTIN)))
        loader = jinja2.ChoiceLoader(loaders)
        self.html_env = jinja2.Environment(
            loader=loader, undefined=jinja2.StrictUndefined, autoescape=True
        )
        # Plain-text parts are not HTML: escaping would put &amp; into customers' mail.
        self.text_env = jinja2.Environment(  # noqa: S701 - text/plain parts, never HTML
            loader=loader, undefined=jinja2.StrictUndefined, keep_trailing_newline=True
        )
        for env in (self.html_env, self.text_env):
            env.filters["decimal"] = Decimal  # amounts travel as strings, never floats
            # the ISO 11649 reference a bank can carry in its structured field, printed in
            # groups of four as the standard asks ("RF73 INV2 0260 042")
            env.filters["rf"] = _rf

    def context(
        self, inv: Invoice | None, *, lang: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """Template variables; `lang` (default: the customer's) picks wording and formats."""
        cur = inv.currency if inv else "EUR"
        lang = lang or (inv.customer.language.lower()[:2] if inv else "en")
        lang = lang if lang in LANGUAGES else "en"
        return {"inv": inv, "seller": self.seller, "money": _money(cur, lang), "pct": _pct,
                "d": _date(lang), "lang": lang, "charges": None, **extra}  # fmt: skip

    def _pick(self, env: jinja2.Environment, template: str, ext: str, lang: str) -> jinja2.Template:
        """`<template>.<lang>.<ext>` for the customer's language, else `<template>.<ext>`."""
        if lang != "en":
            try:
                return env.get_template(f"{template}.{lang}.{ext}")
            except jinja2.TemplateNotFound:
                pass
        return env.get_template(f"{template}.{ext}")

    def text(self, template: str, ctx: dict[str, Any]) -> str:
        return self._pick(self.text_env, template, "txt", ctx.get("lang", "en")).render(ctx)

    def html(self, template: str, ctx: dict[str, Any]) -> str | None:
        lang = ctx.get("lang", "en")
        try:
            tpl = self._pick(self.html_env, template, "html", lang)
        except jinja2.TemplateNotFound:
            return None
        if lang != "en" and not (tpl.name or "").endswith(f".{lang}.html"):
            # A text part in the customer's language beside an English HTML part would
            # say two things: without a translated HTML template, send text only.
            try:
                self.text_env.get_template(f"{template}.{lang}.txt")
                return None
            except jinja2.TemplateNotFound:
                pass
        return tpl.render(ctx)

    def invoice_pdf(self, inv: Invoice) -> bytes:
        ctx = self.context(inv, totals=inv.totals, logo_uri=self._logo_uri())
        ctx["L"] = PDF_LABELS[ctx["lang"]]
        return self._pdf("invoice_pdf.html", ctx)

    def _pdf(self, template: str, ctx: dict[str, Any]) -> bytes:
        import weasyprint  # heavy import; only the outbox worker needs it

        markup = self.html_env.get_template(template).render(ctx)
        pdf = weasyprint.HTML(string=markup, base_url=str(BUILTIN)).write_pdf()
        assert isinstance(pdf, bytes)
        return pdf

    def _logo_uri(self) -> str | None:
        logo = self.seller.logo
        return logo.resolve().as_uri() if logo and logo.exists() else None

    def statement_pdf(self, customer_inv: Invoice, items: list[dict[str, Any]],
                      today: dt.date) -> bytes:  # fmt: skip
        """A statement of account: the customer's open invoices (fee invoices included,
        each with the invoice it charges for), their open amounts and days overdue, and
        the total, in the customer's language. `items`: dicts with an `inv` (Invoice)."""
        ctx = self.context(customer_inv, logo_uri=self._logo_uri(), today=today)
        ctx["L"] = PDF_LABELS[ctx["lang"]]
        rows = sorted((it["inv"] for it in items), key=lambda i: (i.due_date, i.number))
        ctx["rows"] = [{"inv": i, "overdue": max(0, (today - i.due_date).days)} for i in rows]
        by_currency: dict[str, Decimal] = {}
        for i in rows:
            by_currency[i.currency] = by_currency.get(i.currency, Decimal(0)) + i.open_amount
        ctx["totals_open"] = [
            (c, _money(c, ctx["lang"])(v)) for c, v in sorted(by_currency.items())
        ]
        return self._pdf("statement_pdf.html", ctx)
