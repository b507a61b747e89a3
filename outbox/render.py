"""Jinja2 rendering of mail bodies and the invoice PDF (WeasyPrint).

Templates are looked up first in the admin's template folder (if configured), then in
the built-in `outbox/templates`: any template can be overridden by a file of its name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from ledger.models import Invoice
from ledger.money import round_money

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


def _money(currency: str) -> Callable[[Decimal], str]:
    def fmt(amount: Decimal) -> str:
        return f"{currency} {round_money(amount, currency):,}"

    return fmt


def _pct(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


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

    def context(self, inv: Invoice | None, **extra: Any) -> dict[str, Any]:
        cur = inv.currency if inv else "EUR"
        return {"inv": inv, "seller": self.seller, "money": _money(cur), "pct": _pct,
                "lang": inv.customer.language if inv else "en", **extra}  # fmt: skip

    def text(self, template: str, ctx: dict[str, Any]) -> str:
        return self.text_env.get_template(f"{template}.txt").render(ctx)

    def html(self, template: str, ctx: dict[str, Any]) -> str | None:
        try:
            tpl = self.html_env.get_template(f"{template}.html")
        except jinja2.TemplateNotFound:
            return None
        return tpl.render(ctx)

    def invoice_pdf(self, inv: Invoice) -> bytes:
        import weasyprint  # heavy import; only the outbox worker needs it

        logo = self.seller.logo
        ctx = self.context(inv, totals=inv.totals,
                           logo_uri=logo.resolve().as_uri() if logo and logo.exists() else None)  # fmt: skip
        markup = self.html_env.get_template("invoice_pdf.html").render(ctx)
        pdf = weasyprint.HTML(string=markup, base_url=str(BUILTIN)).write_pdf()
        assert isinstance(pdf, bytes)
        return pdf
