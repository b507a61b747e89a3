"""Named fault points for crash tests: `ARCLERK_FAULT=name` (or `name:N`, the N-th time
the point is reached) makes the process SIGKILL itself there. Unset in production: each
point is then a dictionary lookup and nothing else.

Points: after_smtp_accept (the transport took the mail, our commit has not happened),
after_inbound_commit (effects committed, message not yet moved), before_inbound_commit
(inside the transaction), after_enqueue (a tick's mail queued and committed, not sent).
"""

from __future__ import annotations

import os
import signal

_counts: dict[str, int] = {}


def point(name: str) -> None:
    spec = os.environ.get("ARCLERK_FAULT")
    if not spec:
        return
    want, _, nth = spec.partition(":")
    if want != name:
        return
    _counts[name] = _counts.get(name, 0) + 1
    if _counts[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
