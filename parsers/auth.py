"""Authentication-Results (RFC 8601): which server vouched for the sender, and how.

Only the header stamped by our own border MTA (`authserv_id`) is worth anything: a
sender can add any header it likes, so the caller filters by id.
"""

from __future__ import annotations

import re

from parsers.model import AuthResult

_METHOD = re.compile(r"\b(dkim|spf|dmarc)\s*=\s*([a-z]+)", re.I)
_DKIM_D = re.compile(r"header\.(?:d|i)\s*=\s*@?([^\s;]+)", re.I)
_COMMENT = re.compile(r"\([^()]*\)")


def parse_header(value: str) -> AuthResult | None:
    value = _COMMENT.sub(" ", " ".join(value.split()))
    head, _, rest = value.partition(";")
    authserv = head.strip().split()[0].lower() if head.strip() else ""
    if not authserv:
        return None
    found: dict[str, str] = {}
    dkim_domain = None
    for clause in rest.split(";"):
        m = _METHOD.search(clause)
        if not m:
            continue
        method, result = m.group(1).lower(), m.group(2).lower()
        # keep a pass if any signature of that method passed
        if found.get(method) != "pass":
            found[method] = result
        if method == "dkim" and result == "pass":
            d = _DKIM_D.search(clause)
            if d:
                dkim_domain = d.group(1).lower().lstrip("@").split("@")[-1]
    return AuthResult(authserv, found.get("dkim"), found.get("spf"), found.get("dmarc"),
                      dkim_domain)  # fmt: skip


def parse_all(values: list[str]) -> tuple[AuthResult, ...]:
    return tuple(r for r in (parse_header(v) for v in values) if r is not None)


def is_authenticated(
    results: tuple[AuthResult, ...], authserv_id: str | None, from_domain: str
) -> bool:
    """True when our own server says DMARC passed, or DKIM passed for the From domain
    (or a parent of it), or SPF passed with no failing DKIM/DMARC."""
    if not authserv_id:
        return False
    # Only the newest header stamped with our id counts: our MTA prepends its own, and a
    # sender may have planted an older-looking one with our id below it.
    ours = next((r for r in results if r.authserv_id == authserv_id.lower()), None)
    if ours is None:
        return False
    if ours.dmarc == "pass":
        return True
    if ours.dmarc in ("fail", "quarantine", "reject"):
        return False
    if (
        ours.dkim == "pass"
        and ours.dkim_domain
        and (from_domain == ours.dkim_domain or from_domain.endswith("." + ours.dkim_domain))
    ):
        return True
    return ours.spf == "pass" and ours.dkim in (None, "none", "pass")
