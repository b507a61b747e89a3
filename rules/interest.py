"""Statutory late-payment interest and fixed compensation, with presets that cite their
law. Pure: Decimal money, dates in, amounts out.

Interest is simple, on the amount open, from the day after the due date up to and
including `as_of`, day count actual/365, at the reference rate of each half-year plus the
preset's margin; the total is rounded half-up to the currency's minor unit once, at the
end. Reference rates change twice a year: the built-in tables below end with the last
values known when this was written — keep them current in the rules
(`dunning.interest.rates`), which replace the built-in table of the chosen preset.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ledger.money import round_money

D = Decimal


@dataclass(frozen=True)
class Preset:
    law: str
    reference: str  # what the base rate is
    margin: Decimal  # percentage points over it
    rates: tuple[tuple[dt.date, Decimal], ...]  # (half-year start, reference rate %)

    def fixed_compensation(self, amount: Decimal, currency: str) -> tuple[Decimal, str]:
        return D(0), ""


@dataclass(frozen=True)
class _FlatEUR40(Preset):
    def fixed_compensation(self, amount: Decimal, currency: str) -> tuple[Decimal, str]:
        if currency != "EUR":  # the amount the law names is in euro
            return D(0), "fixed compensation is set in EUR; not applied to other currencies"
        return D("40.00"), "EUR 40 fixed compensation"


@dataclass(frozen=True)
class _UKFixedSums(Preset):
    def fixed_compensation(self, amount: Decimal, currency: str) -> tuple[Decimal, str]:
        if currency != "GBP":
            return D(0), "fixed sums are set in GBP; not applied to other currencies"
        if amount < 1000:
            return D("40.00"), "GBP 40 fixed sum (debt under GBP 1,000)"
        if amount < 10000:
            return D("70.00"), "GBP 70 fixed sum (debt GBP 1,000 to 9,999.99)"
        return D("100.00"), "GBP 100 fixed sum (debt GBP 10,000 or more)"


def _t(*pairs: tuple[str, str]) -> tuple[tuple[dt.date, Decimal], ...]:
    return tuple((dt.date.fromisoformat(d), D(r)) for d, r in pairs)


# ECB main refinancing operations rate in force on the first calendar day of each half-year.
_ECB = _t(("2023-01-01", "2.50"), ("2023-07-01", "4.00"), ("2024-01-01", "4.50"),
          ("2024-07-01", "4.25"), ("2025-01-01", "3.15"), ("2025-07-01", "2.15"))  # fmt: skip
# Basiszinssatz (§ 247 BGB), Deutsche Bundesbank.
_BASIS = _t(("2023-01-01", "1.62"), ("2023-07-01", "3.12"), ("2024-01-01", "3.62"),
            ("2024-07-01", "3.37"), ("2025-01-01", "2.27"), ("2025-07-01", "1.27"))  # fmt: skip
# Bank of England base rate on 31 December / 30 June, for the following half-year.
_BOE = _t(("2023-01-01", "3.50"), ("2023-07-01", "5.00"), ("2024-01-01", "5.25"),
          ("2024-07-01", "5.25"), ("2025-01-01", "4.75"), ("2025-07-01", "4.25"))  # fmt: skip

PRESETS: dict[str, Preset] = {
    "eu_late_payment": _FlatEUR40(
        "Directive 2011/7/EU on combating late payment in commercial transactions, "
        "Art. 2(6)-(7) (reference rate + 8 points) and Art. 6 (EUR 40 compensation)",
        "ECB main refinancing rate",
        D(8),
        _ECB,
    ),
    "de_bgb_b2b": _FlatEUR40(
        "§ 288 Abs. 2 BGB (Basiszinssatz + 9 Prozentpunkte, Rechtsgeschäfte ohne "
        "Verbraucher) and § 288 Abs. 5 BGB (Pauschale von 40 Euro)",
        "Basiszinssatz (§ 247 BGB)",
        D(9),
        _BASIS,
    ),
    "de_bgb_b2c": Preset(
        "§ 288 Abs. 1 BGB (Basiszinssatz + 5 Prozentpunkte, Verbraucher)",
        "Basiszinssatz (§ 247 BGB)",
        D(5),
        _BASIS,
    ),
    "uk_late_payment": _UKFixedSums(
        "Late Payment of Commercial Debts (Interest) Act 1998, s. 4 and s. 5A; Late Payment "
        "of Commercial Debts (Rate of Interest) (No. 3) Order 2002 (reference rate + 8%)",
        "Bank of England base rate",
        D(8),
        _BOE,
    ),
}


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    days: int
    rate: Decimal  # reference + margin, percent a year
    interest: Decimal  # unrounded


@dataclass(frozen=True)
class Interest:
    preset: str
    law: str
    principal: Decimal
    currency: str
    periods: tuple[Period, ...]
    interest: Decimal  # rounded total
    compensation: Decimal
    compensation_note: str
    #: half-years (their first day) the rate table has no rate for: no interest is
    #: charged for them, rather than a stale rate (the caller says so to the admin)
    missing: tuple[dt.date, ...] = ()

    @property
    def total(self) -> Decimal:
        return self.interest + self.compensation


def _half_year(day: dt.date) -> dt.date:
    return dt.date(day.year, 1 if day.month <= 6 else 7, 1)


def reference_rate(rates: tuple[tuple[dt.date, Decimal], ...], day: dt.date) -> Decimal:
    """The rate of the half-year containing `day` (the latest table entry at or before it)."""
    start = _half_year(day)
    known = [r for d, r in sorted(rates) if d <= start]
    if not known:
        raise ValueError(f"no reference rate for {day}: the table starts {min(rates)[0]}")
    return known[-1]


def late_interest(principal: Decimal, currency: str, due: dt.date, as_of: dt.date, preset: str,
                  rates: tuple[tuple[dt.date, Decimal], ...] | None = None) -> Interest:  # fmt: skip
    """Interest on `principal` open since the day after `due`, up to `as_of` inclusive."""
    p = PRESETS[preset]
    table = rates or p.rates
    periods: list[Period] = []
    missing: list[dt.date] = []
    latest = max(d for d, _ in table)
    day = due + dt.timedelta(days=1)
    overdue = day <= as_of
    while day <= as_of:
        h = _half_year(day)
        next_h = dt.date(h.year, 7, 1) if h.month == 1 else dt.date(h.year + 1, 1, 1)
        end = min(as_of, next_h - dt.timedelta(days=1))
        days = (end - day).days + 1
        if h > _half_year(latest):
            missing.append(h)  # the table stops before this half-year
        else:
            rate = reference_rate(table, day) + p.margin
            periods.append(Period(day, end, days, rate, principal * rate / 100 * days / 365))
        day = end + dt.timedelta(days=1)
    total = round_money(sum((x.interest for x in periods), D(0)), currency)
    comp, note = p.fixed_compensation(principal, currency) if overdue else (D(0), "")
    return Interest(preset, p.law, principal, currency, tuple(periods), total, comp, note,
                    tuple(missing))  # fmt: skip
