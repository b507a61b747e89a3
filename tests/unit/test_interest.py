"""Statutory interest against hand calculations (simple interest, actual/365, per
half-year reference rate + margin, rounded once)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from rules.interest import PRESETS, late_interest, reference_rate

D = Decimal


def test_germany_b2b_across_a_base_rate_change() -> None:
    """EUR 1,000 due 31 Mar 2025, as of 30 Sep 2025 (§ 288 Abs. 2 BGB):
    1 Apr-30 Jun: 91 days at 2.27 + 9 = 11.27% -> 1000 x 0.1127 x 91/365 = 28.0975...
    1 Jul-30 Sep: 92 days at 1.27 + 9 = 10.27% -> 1000 x 0.1027 x 92/365 = 25.8860...
    total 53.98, plus the EUR 40 flat fee of § 288 Abs. 5 BGB."""
    r = late_interest(D("1000.00"), "EUR", dt.date(2025, 3, 31), dt.date(2025, 9, 30), "de_bgb_b2b")
    assert [(p.days, p.rate) for p in r.periods] == [(91, D("11.27")), (92, D("10.27"))]
    assert r.interest == D("53.98")
    assert (r.compensation, r.total) == (D("40.00"), D("93.98"))
    assert "§ 288" in r.law


def test_germany_consumer_has_five_points_and_no_flat_fee() -> None:
    """EUR 500 due 15 Jan 2025, as of 14 Feb 2025: 30 days at 2.27 + 5 = 7.27%
    -> 500 x 0.0727 x 30/365 = 2.9876... = 2.99."""
    r = late_interest(D("500.00"), "EUR", dt.date(2025, 1, 15), dt.date(2025, 2, 14), "de_bgb_b2c")
    assert (r.interest, r.compensation) == (D("2.99"), D(0))


def test_eu_directive_with_a_configured_rate_table() -> None:
    """EUR 2,400 due 31 Dec 2025, as of 31 Jan 2026, reference rate 2.15% (table from the
    rules): 31 days at 10.15% -> 2400 x 0.1015 x 31/365 = 20.6893... = 20.69; EUR 40."""
    table = ((dt.date(2025, 7, 1), D("2.15")), (dt.date(2026, 1, 1), D("2.15")))
    r = late_interest(D("2400.00"), "EUR", dt.date(2025, 12, 31), dt.date(2026, 1, 31),
                      "eu_late_payment", table)  # fmt: skip
    assert (r.interest, r.compensation) == (D("20.69"), D("40.00"))


def test_uk_act_fixed_sums_by_debt_size() -> None:
    """GBP 5,000 due 30 Jun 2025, as of 30 Jul 2025: 30 days at 4.25 + 8 = 12.25%
    -> 5000 x 0.1225 x 30/365 = 50.3424... = 50.34; GBP 70 fixed sum (1,000-9,999.99)."""
    r = late_interest(
        D("5000.00"), "GBP", dt.date(2025, 6, 30), dt.date(2025, 7, 30), "uk_late_payment"
    )
    assert (r.interest, r.compensation) == (D("50.34"), D("70.00"))
    small = late_interest(
        D("999.99"), "GBP", dt.date(2025, 6, 30), dt.date(2025, 7, 1), "uk_late_payment"
    )
    big = late_interest(
        D("10000.00"), "GBP", dt.date(2025, 6, 30), dt.date(2025, 7, 1), "uk_late_payment"
    )
    assert (small.compensation, big.compensation) == (D("40.00"), D("100.00"))


def test_not_yet_late_and_unknown_periods() -> None:
    """Nothing before the day after the due date; a date before the table is an error."""
    r = late_interest(D("100.00"), "EUR", dt.date(2025, 3, 31), dt.date(2025, 3, 31), "de_bgb_b2b")
    assert (r.periods, r.interest, r.compensation) == ((), D("0.00"), D(0))
    with pytest.raises(ValueError, match="no reference rate"):
        reference_rate(PRESETS["de_bgb_b2b"].rates, dt.date(2020, 1, 1))


def test_half_years_beyond_the_rate_table_are_not_charged() -> None:
    """Interest is never charged at a stale rate: a half-year the table has no rate for
    is left out and named, the known half-year is charged (EUR 1,000, due 31 May 2025,
    table to 1 Jan 2025 at 2.27 + 9 = 11.27%: the 30 days of June = 9.26), and the fixed
    compensation still applies."""
    table = ((dt.date(2025, 1, 1), D("2.27")),)
    r = late_interest(D("1000.00"), "EUR", dt.date(2025, 5, 31), dt.date(2025, 8, 31),
                      "de_bgb_b2b", table)  # fmt: skip
    assert r.missing == (dt.date(2025, 7, 1),)
    assert [(p.start, p.end) for p in r.periods] == [(dt.date(2025, 6, 1), dt.date(2025, 6, 30))]
    assert r.interest == D("9.26")
    assert r.compensation == D("40.00")
