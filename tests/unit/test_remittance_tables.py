"""Remittance tables read from positioned words (pure: no PDF needed)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from parsers.pdftext import Line, Word
from parsers.remittance import (
    AMOUNT,
    DEDUCT,
    GROSS,
    OTHER,
    PAID,
    PO,
    REF,
    TableHints,
    _amount,
    read_lines,
    read_tables,
    role_of,
)


def line(y: float, *cells: tuple[float, str], page: int = 0) -> Line:
    """A line of words at the given x positions (each word 6 pt a character)."""
    words = []
    for x, text in cells:
        for part in text.split(" "):
            words.append(Word(part, x, x + 6 * len(part), y, 10.0))
            x += 6 * len(part) + 3
    return Line(page, tuple(words))


@pytest.mark.parametrize(
    ("label", "role"),
    [("Invoice No.", REF), ("Belegnr.", REF), ("N° facture", REF), ("Rechnungsnummer", REF),
     ("Your reference", REF), ("Nº factura", REF), ("Factuurnummer", REF),
     ("Amount paid", PAID), ("Zahlbetrag", PAID), ("Montant payé", PAID), ("Importo pagato", PAID),
     ("Invoice amount", GROSS), ("Rechnungsbetrag", GROSS), ("Skonto", DEDUCT), ("Amount", AMOUNT),
     ("PO Number", PO), ("Bestellnr.", PO), ("Payment ID", OTHER), ("Payment reference", OTHER)],
)  # fmt: skip
def test_header_words_in_several_languages(label: str, role: str) -> None:
    """Header cells name their column in English, German, French, Spanish, Italian, Dutch."""
    assert role_of(label) == role


@pytest.mark.parametrize(
    ("cell", "value", "currency"),
    [("1.166,20", "1166.20", None), ("1,166.20", "1166.20", None), ("1 234,56 €", "1234.56", "EUR"),
     ("1'234.50", "1234.50", None), ("23,80-", "-23.80", None), ("(23.80)", "-23.80", None),
     ("-200,00", "-200.00", None), ("EUR 500.00", "500.00", "EUR"), ("PO 7781", None, None),
     ("1.190,00 23,80", None, None)],
)  # fmt: skip
def test_amount_cells(cell: str, value: str | None, currency: str | None) -> None:
    """Amount cells in every common notation, signs included; two numbers are no amount."""
    got, cur = _amount(cell, None)
    assert got == (Decimal(value) if value else None)
    assert cur == currency


def _advice() -> list[Line]:
    return [
        line(10, (50, "Remittance advice EUR")),
        line(30, (50, "Invoice No"), (150, "PO Number"), (260, "Discount"), (360, "Amount paid")),
        line(45, (50, "INV-2026-0001"), (150, "PO-4401"), (270, "0.00"), (380, "137.01")),
        line(60, (50, "INV-2026-0009"), (150, "PO-4409"), (270, "5.00"), (380, "428.09")),
        line(75, (50, "CN-2026-0002"), (150, "credit note"), (380, "-50.00")),
        line(90, (50, "Total"), (380, "515.10")),
    ]


def test_table_rows_and_credit_note() -> None:
    """Each invoice row is a payment of its paid column; a negative row is a deduction,
    not a payment; PO numbers never count as invoice references; the total agrees."""
    r = read_tables(_advice(), "a.pdf")
    assert [(p.ref_tokens, p.amount, p.currency) for p in r.payments] == [
        (("INV-2026-0001",), Decimal("137.01"), "EUR"),
        (("INV-2026-0009",), Decimal("428.09"), "EUR"),
    ]
    assert [(d.ref_tokens, d.amount) for d in r.deductions] == [
        (("CN-2026-0002",), Decimal("50.00"))
    ]
    assert r.problems == []


def test_total_that_disagrees_is_a_warning() -> None:
    """Rows that do not add up to the advice's stated total are reported."""
    lines = _advice()
    lines[-1] = line(90, (50, "Total"), (380, "999.99"))
    assert any("add up" in p for p in read_tables(lines, "a.pdf").problems)


def test_closed_world_picks_the_column_the_ledger_knows() -> None:
    """When the header's reference column names no invoice of the ledger but another
    column does, the other column is the invoice reference."""
    lines = [
        line(30, (50, "Document"), (160, "Text"), (300, "Paid")),
        line(45, (50, "DOC-9153"), (160, "INV-2026-0053"), (300, "2061.53")),
        line(60, (50, "DOC-9161"), (160, "INV-2026-0061"), (300, "2357.61")),
    ]
    known = {"INV-2026-0053", "INV-2026-0061"}

    def resolve(tokens: object) -> list[str]:
        return [t for t in tokens if t in known]  # type: ignore[attr-defined]

    without = read_tables(lines, "a.pdf")
    assert [p.ref_tokens for p in without.payments] == [("DOC-9153",), ("DOC-9161",)]
    with_ledger = read_tables(lines, "a.pdf", known=resolve)
    assert [p.ref_tokens for p in with_ledger.payments] == [("INV-2026-0053",), ("INV-2026-0061",)]


def test_payer_template_overrides_the_vocabulary() -> None:
    """A rules template names an odd layout's columns ("Vorgang", "Ausgleich")."""
    lines = [
        line(30, (50, "Vorgang"), (200, "Ausgleich")),
        line(45, (50, "INV-2026-0002"), (200, "174,02")),
    ]
    assert read_tables(lines, "a.pdf").payments == []
    hints = TableHints(ref_header="^vorgang$", amount_header="ausgleich", decimal=",")
    got = read_tables(lines, "a.pdf", hints=hints)
    assert [(p.ref_tokens, p.amount) for p in got.payments] == [
        (("INV-2026-0002",), Decimal("174.02"))
    ]


def test_table_continues_on_the_next_page_without_a_header() -> None:
    """Rows on a page that does not repeat the header still belong to the table."""
    lines = [
        line(30, (50, "Invoice"), (300, "Paid")),
        line(45, (50, "INV-2026-0001"), (300, "137.01")),
        line(20, (50, "INV-2026-0009"), (300, "433.09"), page=1),
    ]
    assert len(read_tables(lines, "a.pdf").payments) == 2


def test_header_less_lines_need_a_real_invoice_when_the_ledger_is_known() -> None:
    """Without a header, a line with a reference and an amount is a row; with the
    ledger at hand only when the reference is one of its invoices."""
    lines = [
        line(10, (50, "Invoice INV-2026-0005 EUR 285.05")),
        line(25, (50, "Order PO-7781 EUR 12.00")),
    ]
    assert len(read_lines(lines, "a.pdf").payments) == 2
    got = read_lines(lines, "a.pdf", known=lambda toks: [t for t in toks if t == "INV-2026-0005"])
    assert [p.ref_tokens for p in got.payments] == [("INV-2026-0005",)]
