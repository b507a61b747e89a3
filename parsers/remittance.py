"""Remittance-advice PDFs: the rows that say which invoice was paid with how much.

First level: text lines from pypdfium2 (fast); a row is a line that holds an invoice
reference candidate and an amount. Encrypted, image-only or broken PDFs yield a problem,
never an exception. (Layout-aware tables with pdfplumber come with the inbound issue.)
"""

from __future__ import annotations

import re
from decimal import Decimal

from parsers.amounts import CODES, SYMBOLS, find_amounts, parse_number
from parsers.model import PaymentFact
from parsers.refs import candidates

_TRAILING_NUMBER = re.compile(
    r"(?P<n>[+-]?\d{1,3}(?:[.,'’\u00a0 ]\d{3})*[.,]\d{2}|[+-]?\d+[.,]\d{2})\s*(?:[A-Z]{3}|[€$£])?\s*$"
)
_CURRENCY = re.compile(r"\b(" + "|".join(CODES) + r")\b|([€$£])")
MAX_PAGES = 50


def pdf_text(data: bytes) -> tuple[list[str], str | None]:
    """Text per page, or a reason why there is none."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            return [], "PDF is encrypted"
        return [], f"PDF cannot be read: {msg}"
    try:
        pages = []
        for i in range(min(len(pdf), MAX_PAGES)):
            page = pdf[i]
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        pdf.close()
    if not any(p.strip() for p in pages):
        return pages, "PDF has no text layer (image-only scan?)"
    return pages, None


def _doc_currency(text: str) -> str | None:
    found = {(m.group(1) or SYMBOLS.get(m.group(2) or "", "")) for m in _CURRENCY.finditer(text)}
    found.discard("")
    return found.pop() if len(found) == 1 else None


def rows(name: str, data: bytes) -> tuple[list[PaymentFact], list[str]]:
    pages, problem = pdf_text(data)
    if problem:
        return [], [f"{name}: {problem}"]
    text = "\n".join(pages)
    currency = _doc_currency(text)
    facts: list[PaymentFact] = []
    n = 0
    for line in text.replace("\r", "\n").split("\n"):
        refs = candidates(line)
        if not refs:
            continue
        amounts = find_amounts(line)
        value: Decimal | None
        cur = currency
        if amounts:
            value, cur = amounts[-1].value, amounts[-1].currency
        else:
            m = _TRAILING_NUMBER.search(line)
            value = parse_number(m.group("n")) if m else None
        if value is None or value <= 0 or cur is None:
            continue
        n += 1
        # The amount itself must not count as a reference candidate.
        refs = [r for r in refs if parse_number(r) != value]
        if refs:
            facts.append(PaymentFact(value, cur, tuple(refs), source=f"pdf:{name}#row{n}",
                                     reference=line.strip()))  # fmt: skip
    if not facts:
        return [], [f"{name}: no rows with an invoice reference and an amount found"]
    return facts, []
