"""The inbound corpus (tests/corpus/inbound, written by tests/corpus/build.py from its own
truth): what `arclerk parse --json` says of every file, against the ledger of
tests/corpus/inbound/invoices.json.

A case is right only when every expected key is right. The bar is the inbound issue's:
at least 95% of cases entirely right, none crashing; every miss is listed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from daemon import config as config_mod
from daemon.inspect import describe
from daemon.pdfsandbox import PdfSandbox
from tests.corpus import build
from tests.helpers import make_workspace

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "inbound"
EXPECTED: dict[str, dict[str, Any]] = json.loads((CORPUS / "expected.json").read_text())


def _payment_ok(want: dict[str, Any], got: dict[str, Any]) -> bool:
    return all(got.get(k) == v for k, v in want.items())


def mismatches(expect: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """What differs between a case's truth and what arclerk said (empty: entirely right)."""
    out = []
    text = (got.get("text") or "").lower()
    for key, want in expect.items():
        if key == "text_has":
            out += [f"text lacks {s!r}" for s in want if s.lower() not in text]
        elif key == "text_lacks":
            out += [f"text keeps {s!r}" for s in want if s.lower() in text]
        elif key == "warned":
            if not any(want.lower() in w.lower() for w in got.get("warnings", [])):
                out.append(f"no warning about {want!r} in {got.get('warnings')}")
        elif key == "rows":
            continue  # the payments' count, checked with them
        elif key in ("payments", "deductions"):
            have = got.get(key, [])
            if len(have) != len(want):
                out.append(f"{key}: {len(have)} instead of {len(want)}: {have[:3]}")
            else:
                out += [f"{key}[{i}]: want {w}, got {h}" for i, (w, h) in enumerate(zip(want, have, strict=True))
                        if not _payment_ok(w, h)]  # fmt: skip
        elif key == "bounce":
            b = got.get("bounce") or {}
            if any(b.get(k) != v for k, v in want.items()):
                out.append(f"bounce: want {want}, got {b}")
        elif got.get(key) != want:
            out.append(f"{key}: want {want!r}, got {got.get(key)!r}")
    return out


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    ws = make_workspace(tmp_path_factory.mktemp("corpus"))
    ws.cli("import", str(CORPUS / "invoices.json"))
    cfg = config_mod.load(str(ws.config))
    sandbox = PdfSandbox(timeout=10)
    out: dict[str, Any] = {}
    try:
        for name, case in EXPECTED.items():
            raw = build.generated(name) if case.get("generated") else (CORPUS / name).read_bytes()
            try:
                out[name] = describe(cfg, raw, name, sandbox=sandbox)
            except Exception as exc:  # a crash is a finding, reported by the tests below
                out[name] = exc
    finally:
        sandbox.close()
    return out


def test_corpus_is_big_enough() -> None:
    """The corpus holds at least 150 cases, of every kind the inbox receives."""
    cats = {c["category"] for c in EXPECTED.values()}
    assert len(EXPECTED) >= 150
    assert cats >= {
        "notification",
        "reply",
        "remittance",
        "statement",
        "bounce",
        "auto_reply",
        "hostile",
    }


def test_no_case_crashes(verdicts: dict[str, Any]) -> None:
    """parse never raises, whatever the file."""
    crashed = {n: repr(v) for n, v in verdicts.items() if isinstance(v, Exception)}
    assert crashed == {}


def test_cases_entirely_right(verdicts: dict[str, Any]) -> None:
    """At least 95% of the cases are right in every expected key, in each category too
    (each at least 90%); the misses are listed."""
    wrong = {n: mismatches(EXPECTED[n]["expect"], v) for n, v in verdicts.items()
             if not isinstance(v, Exception)}  # fmt: skip
    wrong = {n: m for n, m in wrong.items() if m}
    ratio = 1 - len(wrong) / len(EXPECTED)
    report = "\n".join(f"{n}: {'; '.join(m)[:400]}" for n, m in sorted(wrong.items()))
    assert ratio >= 0.95, f"{ratio:.1%} right; misses:\n{report}"
    by_cat: dict[str, list[bool]] = {}
    for n, case in EXPECTED.items():
        by_cat.setdefault(case["category"], []).append(n not in wrong)
    weak = {c: f"{sum(v)}/{len(v)}" for c, v in by_cat.items() if sum(v) / len(v) < 0.9}
    assert weak == {}, report


def test_corpus_cases_through_the_cli(tmp_path: Path) -> None:
    """`arclerk parse FILE --json` (a subprocess, its own PDF sandbox) says the same as the
    in-process reading for a mail, a PDF and a statement."""
    ws = make_workspace(tmp_path)
    ws.cli("import", str(CORPUS / "invoices.json"))
    for name in ("n-de-labels.eml", "p-de-whitespace.pdf", "s-mt940-two-credits.sta",
                 "r-fr-promise-date.eml"):  # fmt: skip
        got = json.loads(ws.cli("parse", str(CORPUS / name), "--json").stdout)
        assert mismatches(EXPECTED[name]["expect"], got) == [], name
