"""Fuzzing the entry points: whatever the bytes, parse and the PDF reader return facts
(with problems), never an exception. Hypothesis drives random and mutated input; the
time each example takes is bounded by the test's timeout, not asserted."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import parse, remittance, statements
from parsers.pdftext import PdfContent
from rules.classify import SenderInfo, classify
from rules.loader import load

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "inbound"
SEEDS = sorted(p for p in CORPUS.glob("*.eml") if p.stat().st_size < 64_000)[:40]
PDF = (CORPUS / "p-en-ruled.pdf").read_bytes()
RULES = load(None)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _mutate(data: bytes, cuts: list[tuple[int, int, bytes]]) -> bytes:
    out = bytearray(data)
    for pos, length, junk in cuts:
        if not out:
            break
        at = pos % len(out)
        out[at : at + length] = junk
    return bytes(out)


@FAST
@given(st.binary(max_size=4096))
def test_random_bytes_parse(raw: bytes) -> None:
    """Arbitrary bytes parse to facts and classify."""
    facts = parse(raw)
    classify(facts, SenderInfo(False, False), RULES, "mx.example.com")


@FAST
@given(st.sampled_from(SEEDS),
       st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 40), st.binary(max_size=40)), max_size=8))  # fmt: skip
def test_mutated_corpus_messages_parse(seed: Path, cuts: list[tuple[int, int, bytes]]) -> None:
    """Real messages with bytes cut, replaced and inserted still parse and classify."""
    facts = parse(_mutate(seed.read_bytes(), cuts))
    classify(facts, SenderInfo(True, False), RULES, "mx.example.com")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 64), st.binary(max_size=64)), min_size=1, max_size=6))  # fmt: skip
def test_mutated_pdfs_never_raise(cuts: list[tuple[int, int, bytes]]) -> None:
    """A damaged remittance PDF gives rows or a reason, never an exception."""
    result = remittance.read("x.pdf", _mutate(PDF, cuts))
    assert result.payments or result.deductions or result.problems


@FAST
@given(st.text(max_size=2000))
def test_table_reader_on_any_text(text: str) -> None:
    """The table and line readers take any text laid out as lines."""
    from parsers.pdftext import _plain_lines

    lines = _plain_lines(text, 0)
    remittance.read("t.pdf", b"", reader=lambda _d: PdfContent(lines=tuple(lines)),
                    ruled=lambda _d, _p: PdfContent())  # fmt: skip


@FAST
@given(st.binary(max_size=3000), st.sampled_from(["a.xml", "a.sta", "a.csv"]))
def test_statement_files_never_raise(raw: bytes, name: str) -> None:
    """Broken camt, MT940 and CSV files give entries or problems, never an exception."""
    statements.parse_file(name, raw)
