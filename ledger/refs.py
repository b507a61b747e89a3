"""Invoice-number keys that survive how people write numbers.

"INV-2026-0001", "inv 2026/1", "INV_2026_001" all share the key "INV-2026-1";
the digits-only key "2026-1" also finds it when the prefix was left out, and the compact
key "INV20260001" when a bank squeezed the separators out.
"""

from __future__ import annotations

import re

_RUNS = re.compile(r"[A-Z]+|\d+")


def _runs(text: str) -> list[str]:
    return _RUNS.findall(text.upper())


def _strip(run: str) -> str:
    return run.lstrip("0") or "0" if run.isdigit() else run


def ref_key(text: str) -> str:
    """Letters and digit groups, leading zeros dropped, joined by '-'."""
    return "-".join(_strip(r) for r in _runs(text))


def digits_key(text: str) -> str:
    """Only the digit groups of `ref_key`: matches a reference written without prefix."""
    return "-".join(_strip(r) for r in _runs(text) if r.isdigit())


def compact_key(text: str) -> str:
    """Letters and digits only, zeros kept: "INV20260042" as banks squeeze
    "INV-2026-0042" into a reference field."""
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def creditor_reference(number: str) -> str | None:
    """The ISO 11649 structured creditor reference arclerk prints for an invoice:
    "RF" + check digits + the compact key ("INV-2026-0042" -> "RF73INV20260042"). None
    when the number is too long for one (21 characters at most)."""
    from stdnum.iso7064 import mod_97_10

    body = compact_key(number)
    if not body or len(body) > 21:
        return None
    return "RF" + mod_97_10.calc_check_digits(body + "RF") + body
