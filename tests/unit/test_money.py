"""Money: Decimal only, half-up to the currency's minor unit, totals per tax rate."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.models import Line, compute_totals
from ledger.money import from_minor, round_money, to_decimal, to_minor


def test_half_up_rounding() -> None:
    """0.005 rounds up to 0.01 and 2.675 to 2.68 (never banker's rounding)."""
    assert round_money(Decimal("0.005"), "EUR") == Decimal("0.01")
    assert round_money(Decimal("2.675"), "EUR") == Decimal("2.68")
    assert round_money(Decimal("-2.675"), "EUR") == Decimal("-2.68")


def test_currency_exponents() -> None:
    """JPY has no minor unit, KWD three digits."""
    assert round_money(Decimal("100.5"), "JPY") == Decimal("101")
    assert to_minor(Decimal("1.234"), "KWD") == 1234
    assert from_minor(1234, "EUR") == Decimal("12.34")


def test_floats_are_refused() -> None:
    """A float amount is a bug and is rejected outright."""
    with pytest.raises(TypeError):
        to_decimal(0.1)


def test_to_minor_refuses_silent_rounding() -> None:
    """Converting an amount with too many decimals fails instead of rounding silently."""
    with pytest.raises(ValueError, match="more decimals"):
        to_minor(Decimal("1.005"), "EUR")


def test_totals_per_tax_rate() -> None:
    """Tax is computed once per rate on the rounded line nets."""
    lines = [Line("a", Decimal("3"), Decimal("33.333"), Decimal("0.19")),
             Line("b", Decimal("1"), Decimal("10.00"), Decimal("0.07")),
             Line("c", Decimal("2"), Decimal("5.005"), Decimal("0.19"))]  # fmt: skip
    t = compute_totals(lines, "EUR")
    assert [(b.rate, b.net, b.tax) for b in t.buckets] == [
        (Decimal("0.07"), Decimal("10.00"), Decimal("0.70")),
        (Decimal("0.19"), Decimal("110.01"), Decimal("20.90")),
    ]
    assert (t.net, t.tax, t.total) == (Decimal("120.01"), Decimal("21.60"), Decimal("141.61"))


@given(st.integers(min_value=-(10**12), max_value=10**12), st.sampled_from(["EUR", "JPY", "KWD"]))
def test_minor_units_round_trip(minor: int, currency: str) -> None:
    """to_minor(from_minor(x)) == x for every integer amount and currency."""
    assert to_minor(from_minor(minor, currency), currency) == minor
