"""Which open invoices a payment pays. Pure, ordered, and conservative: a payment is
never applied to the wrong invoice, so anything unclear returns a review reason.

Order (first that decides wins):
  1. reference: the payment names invoices (exact or tolerant reference);
  2. amount within payer: the identified payer has exactly one open invoice of that amount.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class OpenInvoice:
    id: int
    number: str
    customer_id: str
    currency: str
    open_amount: Decimal
    due_date: dt.date


@dataclass(frozen=True)
class Allocation:
    invoice_id: int
    number: str
    amount: Decimal


@dataclass(frozen=True)
class Match:
    allocations: tuple[Allocation, ...]
    rule: str
    confidence: Decimal
    review: str | None  # why a human must look (the allocations are then only a proposal)
    unapplied: Decimal = Decimal(0)


def _review(why: str) -> Match:
    return Match((), "none", Decimal(0), why)


_SUFFIXES = re.compile(
    r"\b(LIMITED|LTD|GMBH|AG|KG|SARL|SAS|SA|SRL|SPA|BV|NV|INC|LLC|LLP|PLC|CORP|CORPORATION|"
    r"CO|COMPANY|OY|AB|AS|APS)\b"
)


def normalize_name(name: str) -> str:
    """'ACME WIDGETS LTD.' and 'Acme Widgets Limited' both become 'ACME WIDGETS'."""
    upper = re.sub(r"[^\w\s]", " ", name.upper())
    return " ".join(_SUFFIXES.sub(" ", upper).split())


def same_payer(payer: str, customer_name: str) -> bool:
    a, b = normalize_name(payer), normalize_name(customer_name)
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 6 and long_.startswith(short)  # banks truncate names


def match(
    amount: Decimal,
    currency: str,
    referenced: list[OpenInvoice],
    referenced_closed: list[str],
    payer_open: list[OpenInvoice] | None,
) -> Match:
    """Decide how `amount` is allocated.

    referenced: open invoices the payment names; referenced_closed: numbers it names that
    are already settled; payer_open: open invoices of the identified payer (None when the
    payer is unknown).
    """
    if referenced:
        wrong = [i.number for i in referenced if i.currency != currency]
        if wrong:
            return _review(f"currency {currency} differs from invoice(s) {', '.join(wrong)}")
        total_open = sum((i.open_amount for i in referenced), Decimal(0))
        if len(referenced) == 1:
            inv = referenced[0]
            if amount <= inv.open_amount:
                return Match((Allocation(inv.id, inv.number, amount),), "reference",
                             Decimal("0.99"), None)  # fmt: skip
            return Match((Allocation(inv.id, inv.number, inv.open_amount),), "reference",
                         Decimal("0.99"),
                         f"overpayment: {amount} for {inv.number} with {inv.open_amount} open",
                         amount - inv.open_amount)  # fmt: skip
        if amount == total_open:
            allocs = tuple(Allocation(i.id, i.number, i.open_amount) for i in referenced)
            return Match(allocs, "reference_multi", Decimal("0.97"), None)
        return _review(f"{amount} does not equal the {total_open} open on "
                       f"{', '.join(i.number for i in referenced)}")  # fmt: skip
    if referenced_closed:
        return _review(f"payment names {', '.join(referenced_closed)}, already settled")
    if payer_open is None:
        return _review("no invoice reference and the payer is not a known customer")
    same = [i for i in payer_open if i.currency == currency and i.open_amount == amount]
    if len(same) == 1:
        inv = same[0]
        return Match((Allocation(inv.id, inv.number, amount),), "payer_amount",
                     Decimal("0.92"), None)  # fmt: skip
    if len(same) > 1:
        return _review(f"{len(same)} open invoices of this payer have the amount {amount}")
    return _review(f"no open invoice of this payer has the amount {amount} {currency}")
