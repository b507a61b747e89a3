"""DKIM signatures checked by arclerk itself (dkimpy), for mail whose border server does
not stamp Authentication-Results.

The DNS lookup is a parameter (`dnsfunc(name) -> TXT record bytes`), so this stays pure
for tests and the daemon passes the real resolver. A message with several signatures
yields every domain whose signature verified; a broken or unverifiable one yields none.
"""

from __future__ import annotations

import re
from collections.abc import Callable

DnsFunc = Callable[..., bytes | None]
_D = re.compile(rb"(?:^|;)\s*d\s*=\s*([^;\s]+)", re.I)
MAX_SIGNATURES = 5


def verified_domains(raw: bytes, dnsfunc: DnsFunc | None = None) -> tuple[str, ...]:
    import dkim

    try:
        signatures = [v for k, v in _header_fields(raw) if k == b"dkim-signature"]
    except Exception:
        return ()
    domains: list[str] = []
    for index, sig in enumerate(signatures[:MAX_SIGNATURES]):
        m = _D.search(re.sub(rb"\s+", b"", sig))
        if not m:
            continue
        try:
            verifier = dkim.DKIM(raw, timeout=5)
            kwargs = {"dnsfunc": dnsfunc} if dnsfunc is not None else {}
            ok = verifier.verify(idx=index, **kwargs)
        except Exception:  # dkim.DKIMException, DNS errors, malformed input: not verified
            ok = False
        if ok:
            domain = m.group(1).decode("ascii", "replace").lower().rstrip(".")
            if domain not in domains:
                domains.append(domain)
    return tuple(domains)


def _header_fields(raw: bytes) -> list[tuple[bytes, bytes]]:
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw[:65536] else raw.split(b"\n\n", 1)[0]
    fields: list[tuple[bytes, bytes]] = []
    for line in re.split(rb"\r?\n", head[:262144]):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] = (fields[-1][0], fields[-1][1] + line)
        elif b":" in line:
            k, v = line.split(b":", 1)
            fields.append((k.strip().lower(), v))
    return fields
