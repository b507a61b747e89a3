"""Money arithmetic: Decimal only, half-up rounding to the currency's minor unit.

Never accepts a float: a float amount is a bug upstream, and we say so.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 currencies whose minor unit is not 2 digits. Everything else has 2.
_EXPONENTS: dict[str, int] = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
    "XPF": 0, "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "CLF": 4, "UYW": 4,
}  # fmt: skip


def exponent(currency: str) -> int:
    """Digits of the currency's minor unit (EUR -> 2, JPY -> 0, KWD -> 3)."""
    return _EXPONENTS.get(currency.upper(), 2)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-exponent(currency))


def to_decimal(value: object) -> Decimal:
    """Parse a decimal string or int; floats are refused outright."""
    if isinstance(value, float):
        raise TypeError("money must never be a float; pass a decimal string")
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"not a decimal number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit (0.005 EUR -> 0.01)."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def is_exact(amount: Decimal, currency: str) -> bool:
    """True when the amount needs no rounding in this currency."""
    return round_money(amount, currency) == amount


def to_minor(amount: Decimal, currency: str) -> int:
    """Decimal -> integer minor units; refuses amounts that would need rounding."""
    if not is_exact(amount, currency):
        raise ValueError(f"{amount} has more decimals than {currency} allows")
    return int(amount.scaleb(exponent(currency)))


def from_minor(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-exponent(currency)).quantize(quantum(currency))


def fmt(amount: Decimal, currency: str) -> str:
    """Canonical string for JSON: fixed minor-unit digits, no grouping ("1190.00")."""
    return str(round_money(amount, currency))
