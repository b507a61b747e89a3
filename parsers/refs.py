"""Invoice-reference candidates in free text.

Only candidates: the ledger decides which of them are real invoice numbers. Amounts and
dates are blanked out first so "EUR 1,190.00" or "2026-12-05" never look like references.
"""

from __future__ import annotations

import re

from stdnum import iban as _iban
from stdnum.exceptions import ValidationError

from parsers.amounts import AMOUNT

_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b")
_TOKEN = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Za-z]{1,6}[-_/ .#:]{0,2})?\d+(?:[-_/.]\d+)*(?![A-Za-z0-9])"
)


#: a letter prefix followed by digit groups separated by single spaces ("INV 2026 0103")
_SPACED = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,6}[-_/ .#:]{0,2}\d+(?: \d+)+(?![A-Za-z0-9.,])")


def blank(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def candidates(text: str) -> list[str]:
    clean = blank(blank(text, AMOUNT), _DATE)
    seen: list[str] = []
    found = [(m.start(), m.group(0)) for m in _SPACED.finditer(clean)]
    found += [(m.start(), m.group(0)) for m in _TOKEN.finditer(clean)]
    for _, raw in sorted(found, key=lambda f: f[0]):
        tok = raw.strip(" .#:")
        if tok and tok not in seen:
            seen.append(tok)
    return seen


def iban_of(value: str | None) -> str:
    """The compact IBAN in a labelled value ("DE89 3704 0044 0532 0130 00"), or "" when
    there is none or its check digits are wrong."""
    if not value:
        return ""
    try:
        return str(_iban.validate(value))
    except ValidationError:
        return ""
