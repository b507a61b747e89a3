"""The real-world bounce and auto-reply corpus (../shared/corpus/sisimai, BSD-2).

These floors pin what works so it cannot silently regress; the figures are in
docs/INBOUND.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parsers import parse
from rules.classify import Kind, SenderInfo, classify
from rules.loader import load

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "sisimai"
RULES = load(None)
STRANGER = SenderInfo(is_customer=False, in_thread=False)


@pytest.fixture(scope="module")
def results() -> dict[str, tuple[dict, object, object]]:  # type: ignore[type-arg]
    if not CORPUS.exists():
        pytest.fail(f"the shared corpus is missing at {CORPUS}")
    truth = json.loads((CORPUS / "truth.json").read_text())
    out = {}
    for name, t in truth.items():
        facts = parse((CORPUS / name).read_bytes())
        out[name] = (t, facts, classify(facts, STRANGER, RULES, None))
    return out


def test_no_corpus_message_is_a_customer_reply(results: dict) -> None:  # type: ignore[type-arg]
    """No bounce, robot or feedback report is ever taken for a customer writing to us."""
    wrong = [n for n, (_, _, v) in results.items() if v.kind is Kind.CUSTOMER_REPLY]
    assert wrong == []


def test_feedback_reports_are_not_bounces(results: dict) -> None:  # type: ignore[type-arg]
    """ARF abuse reports are neither bounces nor replies."""
    wrong = [
        n for n, (t, _, v) in results.items() if t["kind"] == "feedback" and v.kind is Kind.BOUNCE
    ]
    assert wrong == []


def test_auto_replies_recognised(results: dict) -> None:  # type: ignore[type-arg]
    """Every RFC 3834 vacation reply in the corpus is an auto-reply."""
    wrong = [n for n, (t, _, v) in results.items()
             if t["kind"] == "auto_reply" and v.kind is not Kind.AUTO_REPLY]  # fmt: skip
    assert wrong == []


def test_bounces_recognised_with_recipients(results: dict) -> None:  # type: ignore[type-arg]
    """At least 93% of the bounces parse as bounces naming exactly the failed recipients
    (238/249 measured: docs/INBOUND.md)."""
    bounces = {n: r for n, r in results.items() if r[0]["kind"] == "bounce"}
    good = [n for n, (t, f, v) in bounces.items()
            if v.kind is Kind.BOUNCE and f.bounce and len(f.bounce.recipients) == t["recipients"]]  # fmt: skip
    assert len(good) / len(bounces) >= 0.93, f"{len(good)}/{len(bounces)}"


def test_bounce_permanence_matches_status(results: dict) -> None:  # type: ignore[type-arg]
    """Where a bounce is recognised and its statuses are all 5.x.x it is permanent, and
    all 4.x.x temporary, in at least 95% of those cases."""
    checked = agree = 0
    for t, f, v in results.values():
        statuses = [s for s in t["statuses"] if s]
        if t["kind"] != "bounce" or v.kind is not Kind.BOUNCE or not f.bounce or not statuses:
            continue
        if all(s.startswith("5") for s in statuses) or all(s.startswith("4") for s in statuses):
            checked += 1
            agree += f.bounce.permanent == statuses[0].startswith("5")
    assert checked > 100
    assert agree / checked >= 0.95, f"{agree}/{checked}"
