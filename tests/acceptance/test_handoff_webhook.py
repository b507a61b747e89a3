"""Hand-off by webhook: a week after the final notice the case is POSTed as JSON to the
agency's endpoint (a real HTTP server here); a 503 is retried, the delivery carries one
Idempotency-Key throughout and an HMAC signature, it is recorded in the ledger, and the
invoice leaves the ladder."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Workspace, invoice, make_workspace

pytestmark = pytest.mark.acceptance
INV = "INV-2026-0001"


class Agency:
    """An HTTP endpoint that answers 503 to the first `fail` POSTs, then 201."""

    def __init__(self, fail: int) -> None:
        self.fail = fail
        self.received: list[tuple[dict[str, str], dict[str, Any]]] = []
        agency = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                agency.received.append((dict(self.headers), body))
                code = 503 if len(agency.received) <= agency.fail else 201
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cases"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def agency() -> Iterator[Agency]:
    a = Agency(fail=1)
    yield a
    a.server.shutdown()
    a.server.server_close()


def test_case_is_posted_once_after_a_503(tmp_path: Path, agency: Agency) -> None:
    """The first POST meets a 503 and is retried in a later cycle; the agency then has
    the case once per delivery key; the hand-off is an event; nothing more is sent."""
    w: Workspace = make_workspace(tmp_path)
    w.config.write_text(w.config.read_text() + "rules: rules.yaml\n")
    secret = {"ARCLERK_MAIL__WEBHOOK_SECRET": "agency-shared-secret"}
    (tmp_path / "rules.yaml").write_text(
        f"dunning:\n  handoff: {{after_days: 7, webhook: '{agency.url}'}}\n"
    )
    (tmp_path / "inv.json").write_text(json.dumps([
        invoice(INV, "C1", "ap@c1.example", "1000.00", "2026-11-01", "2026-12-01", status="sent")]))  # fmt: skip
    w.cli("import", "inv.json")
    for day in ("2026-12-04", "2026-12-15", "2026-12-31", "2027-01-07"):
        w.cli("run", "--once", "--now", f"{day}T09:00:00+00:00", env=secret)
    assert len(agency.received) == 1  # the 503
    w.cli("run", "--once", "--now", "2027-01-07T10:00:00+00:00", env=secret)
    w.cli("run", "--once", "--now", "2027-01-08T09:00:00+00:00", env=secret)
    assert len(agency.received) == 2
    (h1, b1), (h2, b2) = agency.received
    assert h1["Idempotency-Key"] == h2["Idempotency-Key"]
    assert b1 == b2
    # signed with the shared secret over the exact body
    t, mac = dict(p.split("=", 1) for p in h2["X-Arclerk-Signature"].split(",")).values()
    body = json.dumps(b2, sort_keys=True).encode()
    assert hmac.compare_digest(mac, hmac.new(b"agency-shared-secret", f"{t}.".encode() + body,
                                             hashlib.sha256).hexdigest())  # fmt: skip
    assert b1["event"] == "collection_handoff"
    assert b1["invoice"]["number"] == INV
    assert b1["invoice"]["open_amount"] == "1190.00"
    assert b1["debtor"]["email"] == "ap@c1.example"
    assert [i["number"] for i in b1["open_invoices"]] == [INV]
    assert "hand-off" in b1["reason"]
    assert not any("agency" in (m["To"] or "") for m in w.sent())  # no mail: webhook only
    explain = w.json("explain", INV, "--json")
    assert "handed off" in explain["next"]["reason"]
    w.cli("run", "--once", "--now", "2027-02-08T09:00:00+00:00")
    assert len(agency.received) == 2


def test_plain_http_to_a_remote_host_is_refused(tmp_path: Path) -> None:
    """A webhook over plain HTTP to anything but loopback is a rules error."""
    w = make_workspace(tmp_path)
    (tmp_path / "rules.yaml").write_text(
        "dunning:\n  handoff: {after_days: 7, webhook: 'http://agency.example/cases'}\n"
    )
    out = w.cli("rules", "check", "rules.yaml", check=False)
    assert out.returncode == 1
    assert "https://" in out.stderr
