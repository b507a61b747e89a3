"""Invoice-reference keys and candidates, and amounts in every common notation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.refs import digits_key, ref_key
from parsers.amounts import find_amounts, parse_number
from parsers.refs import candidates


@pytest.mark.parametrize(
    "written", ["INV-2026-0001", "inv 2026/1", "INV_2026_001", "Inv.2026.0001"]
)
def test_ref_key_tolerates_case_separators_and_zeros(written: str) -> None:
    """Every common way of writing the number has the same key."""
    assert ref_key(written) == "INV-2026-1"


def test_digits_key_ignores_the_prefix() -> None:
    """A reference written without its prefix still has the invoice's digits key."""
    assert digits_key("2026-0001") == digits_key("INV-2026-0001") == "2026-1"


def test_candidates_skip_amounts_and_dates() -> None:
    """Amounts and dates in the text never turn into reference candidates."""
    text = "Paid EUR 1,190.00 on 2026-12-05 for invoice INV-2026-0001 (12.12.2026)"
    assert candidates(text) == ["INV-2026-0001"]


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("EUR 1,234.56", "1234.56", "EUR"),
        ("1.234,56 EUR", "1234.56", "EUR"),
        ("1 234,56 €", "1234.56", "EUR"),
        ("CHF 1'234.50", "1234.50", "CHF"),
        ("€1,190", "1190", "EUR"),
        ("$ 99.9", "99.9", "USD"),
        ("£12", "12", "GBP"),
    ],
)
def test_amount_notations(text: str, value: str, currency: str) -> None:
    """Grouping and decimal separators of all the common styles are understood."""
    (amount,) = find_amounts(text)
    assert (amount.value, amount.currency) == (Decimal(value), currency)


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_english_and_german_notations_agree(value: Decimal) -> None:
    """The same amount written 1,234.56 and 1.234,56 parses to the same Decimal."""
    en = f"{value:,.2f}"
    de = en.replace(",", "X").replace(".", ",").replace("X", ".")
    assert parse_number(en) == parse_number(de) == value
