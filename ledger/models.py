"""Domain values: statuses, invoices with their lines and totals, payments.

Records are frozen; money is Decimal; datetimes are tz-aware (naive ones are refused).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal

from ledger.money import round_money


class InvoiceStatus(enum.StrEnum):
    DRAFT = "draft"  #: imported, not yet mailed; mailed on or after its issue date
    SENT = "sent"  #: delivered to the customer, nothing paid yet
    PARTIALLY_PAID = "partially_paid"  #: some payment allocated, an amount still open
    PAID = "paid"  #: nothing left open
    DISPUTED = "disputed"  #: the customer contests it; dunning stops until resolved
    PROMISED = "promised"  #: the customer promised to pay by a date; dunning paused
    WRITTEN_OFF = "written_off"  #: the open amount was given up
    VOID = "void"  #: cancelled; never chased


#: statuses in which an invoice still expects money
OPEN_STATUSES = frozenset(
    {InvoiceStatus.SENT, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.DISPUTED,
     InvoiceStatus.PROMISED, InvoiceStatus.DRAFT}
)  # fmt: skip


class PaymentStatus(enum.StrEnum):
    APPLIED = "applied"  #: fully allocated to invoices
    PARTIALLY_APPLIED = "partially_applied"  #: allocated in part, the rest unapplied
    UNAPPLIED = "unapplied"  #: recorded, not allocated
    REVIEW = "review"  #: waits for a human to decide where it goes


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  #: waiting to be sent (or to be retried at next_attempt_at)
    SENT = "sent"  #: accepted by the transport
    FAILED = "failed"  #: refused permanently; the admin must look


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    email: str
    language: str = "en"
    timezone: str = "UTC"
    address: str = ""
    aliases: tuple[str, ...] = ()  #: other names the customer pays under
    ibans: tuple[str, ...] = ()  #: accounts it pays from (compact IBANs)
    segment: str = ""  #: picks the dunning ladder (rules: dunning.segments)
    country: str = ""  #: ISO 3166 alpha-2, for public holidays
    account_manager: str = ""  #: copied on ladder steps that ask for it


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal = Decimal(0)

    def net(self, currency: str) -> Decimal:
        return round_money(self.quantity * self.unit_price, currency)


@dataclass(frozen=True)
class TaxBucket:
    rate: Decimal
    net: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Totals:
    net: Decimal
    tax: Decimal
    total: Decimal
    buckets: tuple[TaxBucket, ...]


def compute_totals(lines: tuple[Line, ...] | list[Line], currency: str) -> Totals:
    """Totals per tax rate: line nets are rounded, tax is computed once per rate.

    Computing tax per rate (not per line) is what EU invoicing rules expect and keeps
    the printed per-rate figures consistent with the grand total.
    """
    by_rate: dict[Decimal, Decimal] = {}
    for line in lines:
        by_rate[line.tax_rate] = by_rate.get(line.tax_rate, Decimal(0)) + line.net(currency)
    buckets = tuple(
        TaxBucket(rate, net, round_money(net * rate, currency))
        for rate, net in sorted(by_rate.items())
    )
    net = sum((b.net for b in buckets), Decimal(0))
    tax = sum((b.tax for b in buckets), Decimal(0))
    return Totals(
        round_money(net, currency),
        round_money(tax, currency),
        round_money(net + tax, currency),
        buckets,
    )


@dataclass(frozen=True)
class Invoice:
    id: int
    number: str
    customer: Customer
    currency: str
    issue_date: dt.date
    due_date: dt.date
    lines: tuple[Line, ...]
    status: InvoiceStatus
    total: Decimal
    open_amount: Decimal
    payment_terms: str = ""
    promised_until: dt.date | None = None
    thread_message_id: str | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def totals(self) -> Totals:
        return compute_totals(self.lines, self.currency)
