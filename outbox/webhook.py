"""Webhook deliveries (a collections hand-off to an agency's API): one JSON POST per
outbox row, with the row's Message-ID as `Idempotency-Key` so a retry after a lost
answer is recognisable on the other side.

Errors take the outbox's classes: a network failure, a timeout, 408/429 or a 5xx is a
`TransientError` (the row is retried with back-off); any other 4xx is a
`PermanentError` (the row fails and a review item says why). TLS is required except to
loopback hosts (checked by the rules schema); certificates are verified. With a secret
configured (`mail.webhook_secret`), every delivery carries `X-Arclerk-Signature:
t=<unix time>,sha256=<hex HMAC-SHA256 of "<t>.<body>">`, so the receiver can check it
came from us and is fresh.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import Any

from ledger.errors import PermanentError, TransientError

USER_AGENT = "arclerk-webhook/1"


class WebhookTransient(TransientError):
    """The webhook's server did not take the delivery now; it is tried again later."""


class WebhookRefused(PermanentError):
    """The webhook's server refused the delivery; a human must look."""


def signature(secret: str, body: bytes, at: int) -> str:
    """The `X-Arclerk-Signature` value for `body` sent at unix time `at`."""
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},sha256={mac}"


def post(url: str, payload: dict[str, Any], idempotency_key: str, timeout: float = 30.0,
         secret: str = "") -> int:  # fmt: skip
    """POST `payload` as JSON; the HTTP status on success (2xx)."""
    body = json.dumps(payload, sort_keys=True).encode()
    headers = {"Content-Type": "application/json", "Idempotency-Key": idempotency_key,
               "User-Agent": USER_AGENT}  # fmt: skip
    if secret:
        headers["X-Arclerk-Signature"] = signature(secret, body, int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked by the rules schema
        url, data=body, method="POST", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        if exc.code in (408, 425, 429) or exc.code >= 500:
            raise WebhookTransient(f"webhook answered {exc.code} {exc.reason}") from exc
        raise WebhookRefused(f"webhook refused the delivery: {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        raise WebhookTransient(f"webhook unreachable: {getattr(exc, 'reason', exc)}") from exc
