"""The rules file's schema. Unknown keys are errors (a typo must not be ignored)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Step(_Strict):
    name: str = Field(min_length=1, pattern=r"^[a-z0-9_]+$")
    days_after_due: int = Field(ge=-60, le=365)
    template: str = Field(min_length=1, pattern=r"^[a-z0-9_]+$")
    tone: Literal["friendly", "firm", "final"] = "friendly"
    #: how days_after_due is counted: calendar days, or business days of the customer's
    #: country (weekends and public holidays skipped)
    unit: Literal["calendar_days", "business_days"] = "calendar_days"
    #: a fixed fee charged with this step, on a separate fee invoice (never by editing
    #: the issued invoice)
    fee: Decimal | None = Field(default=None, gt=0)
    #: copies of this step's mail: addresses, or `account_manager` for the customer's
    #: account manager (import field `customer.account_manager`)
    cc: tuple[str, ...] = ()
    attach_invoice: bool = False  # the invoice PDF goes with this step's mail
    #: a statement of account PDF (every open invoice of the customer, fee invoices
    #: included) goes with this step's mail
    attach_statement: bool = False

    @field_validator("cc")
    @classmethod
    def _cc(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for a in v:
            if a != "account_manager" and not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", a):
                raise ValueError(f"cc: {a!r} is neither an address nor account_manager")
        return v


def _check_ladder(ladder: tuple[Step, ...]) -> None:
    names = [s.name for s in ladder]
    if len(set(names)) != len(names):
        raise ValueError("ladder step names must be unique")
    days = [s.days_after_due for s in ladder]
    if days != sorted(days):
        raise ValueError("ladder steps must be in order of days_after_due")


class LadderOverride(_Strict):
    """A ladder of its own for a segment of customers or for one customer."""

    ladder: tuple[Step, ...] = Field(min_length=0)

    @model_validator(mode="after")
    def _ordered(self) -> LadderOverride:
        _check_ladder(self.ladder)
        return self


class Calendar(_Strict):
    #: a step that falls on a weekend or public holiday moves to the next business day
    business_days: bool = False
    #: ISO 3166 country for holidays when the customer has none ("" = weekends only)
    default_country: str = Field(default="", pattern=r"^([A-Za-z]{2})?$")


class SendWindow(_Strict):
    """Reminders go out between these customer-local times, spread by invoice."""

    start: dt.time = dt.time(9)
    end: dt.time = dt.time(17)

    @model_validator(mode="after")
    def _span(self) -> SendWindow:
        if self.start >= self.end:
            raise ValueError("send_window.start must be before send_window.end")
        return self


class RateFrom(_Strict):
    from_: dt.date = Field(alias="from")
    rate: Decimal = Field(ge=-5, le=50)


class Interest(_Strict):
    """Statutory late-payment interest (rules/interest.py), charged with the final notice
    on a separate fee invoice."""

    preset: Literal["none", "eu_late_payment", "de_bgb_b2b", "de_bgb_b2c", "uk_late_payment"] = (
        "none"
    )
    #: reference rates by half-year, replacing the preset's built-in table
    rates: tuple[RateFrom, ...] = ()
    fixed_compensation: bool = True  # the preset's flat sum (EUR 40, GBP 40/70/100)


class Handoff(_Strict):
    """After the final notice, the case goes to a collections agency: by email (with the
    invoice and a statement of account attached), by webhook (a JSON POST), or both."""

    after_days: int = Field(default=14, ge=0, le=365)
    email: str | None = Field(default=None, pattern=r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
    #: https://… (http:// only to a loopback host)
    webhook: str | None = None

    @field_validator("webhook")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if not re.match(r"^https://[^\s/]+", v) and not re.match(
            r"^http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$)", v
        ):
            raise ValueError("must be an https:// URL (http:// only to a loopback host)")
        return v

    @model_validator(mode="after")
    def _somewhere(self) -> Handoff:
        if not self.email and not self.webhook:
            raise ValueError("handoff needs an email, a webhook, or both")
        return self

    @property
    def target(self) -> str:
        return ", ".join(t for t in (self.email, self.webhook) if t)


class Dunning(_Strict):
    ladder: tuple[Step, ...] = Field(min_length=0)
    #: ladders per customer segment (`customer.segment` in the import) and per customer id;
    #: the most specific wins: customer -> segment -> the default `ladder`
    segments: dict[str, LadderOverride] = {}
    customers: dict[str, LadderOverride] = {}
    calendar: Calendar = Calendar()
    send_window: SendWindow | None = None  # None: reminders go out in the first cycle of their day
    interest: Interest = Interest()
    handoff: Handoff | None = None  # None: the ladder simply ends
    #: a customer with several reminders due at once gets one mail listing them all (a
    #: statement); each invoice still advances its own ladder
    one_mail_per_customer: bool = False
    min_days_between_reminders: int = Field(default=7, ge=0, le=90)
    promise_grace_days: int = Field(default=2, ge=0, le=60)
    promise_default_days: int = Field(default=7, ge=1, le=90)
    promise_max_days: int = Field(default=60, ge=1, le=365)

    @model_validator(mode="after")
    def _ordered(self) -> Dunning:
        _check_ladder(self.ladder)
        return self


class PaymentSender(_Strict):
    """A sender allowed to evidence payments, and how it must prove who it is."""

    sender: str = Field(min_length=1)  # an address or a domain ("bank.example")
    #: any: whatever our server or DKIM verified; dmarc / dkim / spf: that method passed
    require: Literal["any", "dmarc", "dkim", "spf"] = "any"


class Trust(_Strict):
    #: addresses or domains (plain strings: any authentication), or {sender, require}
    payment_senders: tuple[str | PaymentSender, ...] = ()
    remittance_advice: Literal["authenticated", "review"] = "authenticated"

    @property
    def senders(self) -> tuple[PaymentSender, ...]:
        return tuple(PaymentSender(sender=s) if isinstance(s, str) else s
                     for s in self.payment_senders)  # fmt: skip


class RemittanceTemplate(_Strict):
    """An odd remittance layout of one payer: which header names its invoice column and
    which its paid amount (regular expressions, case-insensitive), and its decimal mark."""

    senders: tuple[str, ...] = Field(min_length=1)  # addresses or domains
    ref_header: str | None = None
    amount_header: str | None = None
    decimal: Literal[",", "."] | None = None

    @field_validator("ref_header", "amount_header")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"bad regular expression: {exc}") from None
        return v


class Remittance(_Strict):
    templates: tuple[RemittanceTemplate, ...] = ()


class Tolerance(_Strict):
    """A shortfall up to the smaller of the two limits still pays the invoice."""

    absolute: Decimal = Field(default=Decimal("1.00"), ge=0)
    percent: Decimal = Field(default=Decimal("0.5"), ge=0, le=10)
    shortfall: Literal["write_off", "leave_open"] = "write_off"


class DiscountTerm(_Strict):
    """Early-payment discount: `percent` off when paid within `within_days` of issue."""

    percent: Decimal = Field(gt=0, le=50)
    within_days: int = Field(ge=0, le=365)


class Combination(_Strict):
    """Subset sum over one payer's open invoices (no reference on the payment)."""

    max_invoices: int = Field(default=5, ge=2, le=10)
    max_steps: int = Field(default=200_000, ge=1_000, le=10_000_000)


class Matching(_Strict):
    auto_apply_confidence: Decimal = Field(default=Decimal("0.90"), ge=0, le=1)
    tolerance: Tolerance = Tolerance()
    discounts: tuple[DiscountTerm, ...] = ()
    combination: Combination = Combination()
    #: money paid beyond what is owed: kept as the customer's credit (used on its next
    #: invoice) or held for a refund by a human
    overpayment: Literal["credit", "refund"] = "credit"
    #: a payment naming only invoices already settled: credit (as above) or review
    already_paid: Literal["credit", "review"] = "credit"


class Review(_Strict):
    """The admin's daily digest of what waits for review (needs `mail.admin`)."""

    digest: bool = True
    digest_hour_utc: int = Field(default=7, ge=0, le=23)


class Receipts(_Strict):
    """Mail the customer when its payment is applied: a thank-you when an invoice is paid
    in full, a statement of what remains when paid in part."""

    paid_in_full: bool = False
    part_payment: bool = False


class Invoicing(_Strict):
    number_pattern: str = "INV-{year}-{seq:04d}"

    @field_validator("number_pattern")
    @classmethod
    def _pattern(cls, v: str) -> str:
        try:
            v.format(year=2026, seq=1)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"only {{year}} and {{seq}} may appear: {exc}") from None
        if "{seq" not in v:
            raise ValueError("must contain {seq}")
        return v


Intent = Literal["dispute", "promise_to_pay", "claims_paid", "copy_request", "statement_request"]


class Classification(_Strict):
    intents: dict[Intent, tuple[str, ...]]

    @field_validator("intents")
    @classmethod
    def _regexes(cls, v: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for intent, phrases in v.items():
            for i, p in enumerate(phrases):
                if p.startswith("re:"):
                    try:
                        re.compile(p[3:])
                    except re.error as exc:
                        raise ValueError(f"{intent}[{i}]: bad regular expression: {exc}") from None
        return v


class Rules(_Strict):
    version: Literal[1] = 1
    invoicing: Invoicing
    dunning: Dunning
    trust: Trust
    matching: Matching
    classification: Classification
    review: Review = Review()
    receipts: Receipts = Receipts()
    remittance: Remittance = Remittance()
