"""Money amounts as people and banks write them: 1,234.56 / 1.234,56 / 1 234,56 /
1'234.56, with a currency symbol or ISO code before or after."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "CHF": "CHF", "Fr.": "CHF"}
CODES = ("EUR", "USD", "GBP", "CHF", "JPY", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "CAD",
         "AUD", "NZD")  # fmt: skip
_CUR = r"(?P<{n}>EUR|USD|GBP|CHF|JPY|SEK|NOK|DKK|PLN|CZK|HUF|CAD|AUD|NZD|€|\$|£|¥)"
_NUM = r"(?P<{n}>[+-]?\d{{1,3}}(?:[.,'’\u00a0\u202f ]\d{{3}})+(?:[.,]\d{{1,2}})?|[+-]?\d+(?:[.,]\d{{1,2}})?)"
AMOUNT = re.compile(
    # not inside a reference: "INV-2026-0005 EUR" is an invoice and a currency
    r"(?<![\w.,/-])(?:"
    + _CUR.format(n="c1") + r"\s?" + _NUM.format(n="n1")
    + r"|"
    + _NUM.format(n="n2") + r"\s?" + _CUR.format(n="c2")
    + r")(?![\w])",
    re.I,
)  # fmt: skip


@dataclass(frozen=True)
class Amount:
    value: Decimal
    currency: str
    start: int
    end: int


def parse_number(text: str) -> Decimal | None:
    """'1.234,56' -> 1234.56; '1,234.56' -> 1234.56; '1 234,5' -> 1234.5; '1,234' -> 1234."""
    s = text.strip().replace("\u00a0", " ").replace("\u202f", " ").replace("’", "'")
    sign = ""
    if s[:1] in "+-":
        sign, s = s[0], s[1:]
    s = s.replace(" ", "").replace("'", "")
    last = max(s.rfind("."), s.rfind(","))
    if last >= 0 and 1 <= len(s) - last - 1 <= 2:
        whole, frac = s[:last], s[last + 1 :]
    else:
        whole, frac = s, ""
    whole = whole.replace(".", "").replace(",", "")
    try:
        return Decimal(f"{sign}{whole or '0'}.{frac or '0'}")
    except InvalidOperation:
        return None


_DECIMAL_AFTER = re.compile(
    r"\s?([+-]?\d{1,3}(?:[.,'’\u00a0\u202f ]\d{3})*[.,]\d{2}|[+-]?\d+[.,]\d{2})(?![\w])"
)


def find_amounts(text: str) -> list[Amount]:
    out = []
    pos = 0
    while (m := AMOUNT.search(text, pos)) is not None:
        pos = m.end()
        if m.group("n2") and not re.search(r"[.,]\d{1,2}$", m.group("n2")):
            # "Customer 10023 EUR 12.00": the code belongs to the amount after it
            after = _DECIMAL_AFTER.match(text, m.end())
            if after:
                cur = m.group("c2").upper()
                value = parse_number(after.group(1))
                if value is not None:
                    out.append(Amount(value, SYMBOLS.get(cur, cur), m.start("c2"), after.end()))
                    pos = after.end()
                    continue
        cur = (m.group("c1") or m.group("c2") or "").upper()
        num = m.group("n1") or m.group("n2") or ""
        value = parse_number(num)
        if value is None:
            continue
        out.append(Amount(value, SYMBOLS.get(cur, cur), m.start(), m.end()))
    return out
