"""Remittance advices through the daemon (Maildir, `run --once`, the PDF sandbox): the
rows pay their invoices; the same advice forwarded again or inside winmail.dat adds no
payment; an advice that cannot be read waits for a human with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import Workspace, make_workspace

pytestmark = pytest.mark.acceptance
CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "inbound"
NOW = "2026-12-01T12:00:00+00:00"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    w = make_workspace(tmp_path)
    w.cli("import", str(CORPUS / "invoices.json"))
    return w


def test_advice_pays_its_rows_once(ws: Workspace) -> None:
    """The three rows of the attached advice pay INV-2026-0001/0009/0017 in full; the
    same advice forwarded (message/rfc822) and in winmail.dat records nothing twice."""
    ws.deliver((CORPUS / "p-mail-attached.eml").read_bytes())
    ws.cli("run", "--once", "--now", NOW)
    inv = ws.invoices()
    for n in ("INV-2026-0001", "INV-2026-0009", "INV-2026-0017"):
        assert inv[n]["status"] == "paid", n
        assert inv[n]["open_amount"] == "0.00"
    assert inv["INV-2026-0025"]["status"] == "sent"
    first = ws.json("payment", "list", "--json")
    assert sorted(a["invoice"] for p in first for a in p["allocations"]) == [
        "INV-2026-0001", "INV-2026-0009", "INV-2026-0017"]  # fmt: skip
    ws.deliver((CORPUS / "p-mail-forwarded-rfc822.eml").read_bytes())
    ws.deliver((CORPUS / "p-mail-winmail-dat.eml").read_bytes())
    ws.cli("run", "--once", "--now", NOW)
    assert len(ws.json("payment", "list", "--json")) == len(first)
    assert ws.inbox_new() == []


def test_unreadable_advice_is_a_review_item_with_the_reason(ws: Workspace) -> None:
    """An encrypted PDF from a customer pays nothing and waits for review, saying why."""
    ws.deliver((CORPUS / "p-mail-encrypted.eml").read_bytes())
    ws.cli("run", "--once", "--now", NOW)
    items = ws.json("review", "list", "--json")
    assert len(items) == 1
    assert "encrypted" in items[0]["reason"]
    assert ws.json("payment", "list", "--json") == []
