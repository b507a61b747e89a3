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


def _aligned(domain: str, from_domain: str) -> bool:
    return bool(domain) and (from_domain == domain or from_domain.endswith("." + domain))


def methods(results: tuple[AuthResult, ...], authserv_id: str | None, from_domain: str,
            dkim_domains: tuple[str, ...] = ()) -> frozenset[str]:  # fmt: skip
    """The ways the sender is verified: "dmarc", "dkim" (a passing signature of the From
    domain or a parent), "spf" (with no failing DKIM) — from our own server's
    Authentication-Results, plus "dkim" when arclerk's own DKIM check passed."""
    found: set[str] = set()
    if any(_aligned(d, from_domain) for d in dkim_domains):
        found.add("dkim")
    if not authserv_id:
        return frozenset(found)
    # Only the newest header stamped with our id counts: our MTA prepends its own, and a
    # sender may have planted an older-looking one with our id below it.
    ours = next((r for r in results if r.authserv_id == authserv_id.lower()), None)
    if ours is None:
        return frozenset(found)
    if ours.dmarc in ("fail", "quarantine", "reject"):
        return frozenset()  # the domain's owner says this mail is not theirs
    if ours.dmarc == "pass":
        found.add("dmarc")
    if ours.dkim == "pass" and ours.dkim_domain and _aligned(ours.dkim_domain, from_domain):
        found.add("dkim")
    if ours.spf == "pass" and ours.dkim in (None, "none", "pass"):
        found.add("spf")
    return frozenset(found)


def is_authenticated(results: tuple[AuthResult, ...], authserv_id: str | None,
                     from_domain: str, dkim_domains: tuple[str, ...] = ()) -> bool:  # fmt: skip
    """True when our own server says DMARC passed, or DKIM passed for the From domain
    (or a parent of it), or SPF passed with no failing DKIM/DMARC; or arclerk's own DKIM
    check passed for the From domain."""
    return bool(methods(results, authserv_id, from_domain, dkim_domains))
