"""Statement files: camt.053/054, MT940 with SEPA :86: subfields, CSV exports in German
and English layouts. Only credits are payments; batches split; hostile XML refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from parsers.statements import kind_of, parse_file

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "statements"
D = Decimal


def facts(name: str) -> list[tuple[object, ...]]:
    found, problems = parse_file(name, (CORPUS / name).read_bytes())
    assert problems == []
    return [
        (f.amount, f.currency, f.date, f.payer, f.iban, f.ref_tokens[:1], f.source) for f in found
    ]


def test_camt054_credit_notification() -> None:
    """The credit with its debtor, IBAN and reference; the fee debit is no payment."""
    assert facts("camt054_credit.xml") == [
        (D("1190.00"), "EUR", dt.date(2026, 12, 2), "ACME WIDGETS LTD", "GB29NWBK60161331926819",
         ("INV-2026-0001",), "camt:camt054_credit.xml#entry1")]  # fmt: skip


def test_camt053_batch_is_split_pending_and_reversals_skipped() -> None:
    """One booked batch of two transfers = two payments; the structured creditor reference
    is read; a pending entry and a reversal are not money received."""
    assert [(a, p, r) for a, _, _, p, _, r, _ in facts("camt053_batch.xml")] == [
        (D("119.00"), "Beta GmbH", ("INV-2026-0002",)), (D("238.00"), "Gamma SARL", ("INV-2026-0003",))]  # fmt: skip


def test_mt940_sepa_subfields() -> None:
    """:61: credit with its :86: purpose (SVWZ+), name (?32) and account (?31); the debit
    is skipped."""
    assert facts("mt940_sepa.sta") == [
        (D("1190.00"), "EUR", dt.date(2026, 12, 2), "ACME WIDGETS GMBH", "DE89370400440532013000",
         ("INV-2026-0001",), "mt940:mt940_sepa.sta#entry1")]  # fmt: skip


def test_csv_exports_in_german_and_english_layouts() -> None:
    """German: ';', 1.190,00, dd.mm.yyyy, currency stated above the header, negative
    amounts are debits. English: paid in / paid out columns, dd/mm/yyyy, GBP."""
    de = facts("bank_de.csv")
    assert [(a, c, d, p) for a, c, d, p, _, _, _ in de] == [
        (D("1190.00"), "EUR", dt.date(2026, 12, 2), "ACME Widgets Ltd"),
        (D("119.00"), "EUR", dt.date(2026, 12, 4), "Beta GmbH")]  # fmt: skip
    en = facts("bank_en.csv")
    assert [(a, c, d, r) for a, c, d, _, _, r, _ in en] == [
        (D("1234.50"), "GBP", dt.date(2026, 4, 13), ("INV-2026-0003",))]  # fmt: skip


def test_hostile_and_foreign_files() -> None:
    """An entity bomb is refused with a reason, not expanded; unknown files are ignored."""
    bomb = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Document>'
            b'<BkToCstmrStmt>&b;</BkToCstmrStmt></Document>')  # fmt: skip
    found, problems = parse_file("bomb.xml", bomb)
    assert found == []
    assert "could not be read" in problems[0]
    assert kind_of("letter.txt", b"Dear Sir") is None
    assert parse_file("notes.xml", b"<?xml version='1.0'?><notes/>") == ([], [])
    assert parse_file("broken.sta", b":20:X\n:61:garbage\n")[0] == []
