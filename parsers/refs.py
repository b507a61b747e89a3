"""Invoice-reference candidates in free text.

Only candidates: the ledger decides which of them are real invoice numbers. Amounts and
dates are blanked out first so "EUR 1,190.00" or "2026-12-05" never look like references.
"""

from __future__ import annotations

import re

from stdnum import iban as _iban
from stdnum import iso11649
from stdnum.exceptions import ValidationError

from parsers.amounts import AMOUNT

_MONTH = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|januar|februar|märz|mai|"
    r"juni|juli|oktober|dezember|janvier|février|mars|avril|juin|juillet|août|septembre|"
    r"octobre|novembre|décembre)[a-zé]*\.?"
)
_DATE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|"
    rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s+\d{{4}})?\b|"
    rf"\b\d{{1,2}}(?:st|nd|rd|th|er)?\.?\s+{_MONTH}(?:\s+\d{{4}})?\b",
    re.I,
)
_TOKEN = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Za-z]{1,6}[-_/ .#:]{0,2})?\d+(?:[-_/.]\d+)*(?![A-Za-z0-9])"
)


#: a letter prefix followed by digit groups separated by single spaces ("INV 2026 0103")
_SPACED = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,6}[-_/ .#:]{0,2}\d+(?: \d+)+(?![A-Za-z0-9.,])")


def blank(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


#: "19%", "2,5 %": a rate is never a reference
_PERCENT = re.compile(r"(?<![\w.,])\d{1,3}(?:[.,]\d{1,2})?\s?%")
#: an ISO 11649 creditor reference, compact or in groups of four ("RF73 INV2 0260 042")
_RF = re.compile(r"(?<![A-Za-z0-9])RF\d{2}(?: ?[A-Za-z0-9]{1,4}){1,6}(?![A-Za-z0-9])", re.I)


def creditor_refs(text: str) -> list[tuple[int, int, str]]:
    """(start, end, body) of each valid RF reference: its body is what the creditor put
    in it (arclerk: the invoice's compact key). A match that fails the check digits is
    shortened group by group (it may have run into the next word)."""
    out = []
    for m in _RF.finditer(text):
        raw = m.group(0)
        while raw:
            compact = iso11649.compact(raw)
            if len(compact) > 4 and iso11649.is_valid(compact):
                out.append((m.start(), m.start() + len(raw), compact[4:]))
                break
            if " " not in raw.strip():
                break
            raw = raw.rsplit(" ", 1)[0]
    return out


def candidates(text: str) -> list[str]:
    rfs = creditor_refs(text) if "rf" in text.lower() else []
    for start, end, _ in rfs:
        text = text[:start] + " " * (end - start) + text[end:]
    clean = blank(blank(blank(text, AMOUNT), _DATE), _PERCENT)
    seen: list[str] = []
    found = [(s, body) for s, _, body in rfs]
    found += [(m.start(), m.group(0)) for m in _SPACED.finditer(clean)]
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
