"""Review items: what arclerk would not decide alone, with the reason."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, insert, select

from ledger import events
from ledger import payments as payments_store
from ledger.schema import inbound, invoices, review_items

_INSERT = insert(review_items)


def open_item(
    conn: Connection,
    now: dt.datetime,
    reason: str,
    *,
    inbound_id: int | None = None,
    invoice_id: int | None = None,
    payment_id: int | None = None,
    proposal: str = "[]",
) -> int:
    rid = conn.execute(_INSERT, {
        "created_at": now, "reason": reason, "inbound_id": inbound_id, "invoice_id": invoice_id,
        "payment_id": payment_id, "status": "open", "proposal": proposal,
    }).inserted_primary_key[0]  # type: ignore[index]  # fmt: skip
    events.record(conn, now, "review_opened", reason, invoice_id=invoice_id,
                  payment_id=payment_id, inbound_id=inbound_id)  # fmt: skip
    return int(rid)


def _row(r: Any) -> dict[str, Any]:
    return {"id": r["id"], "created_at": r["created_at"].isoformat(), "reason": r["reason"],
            "status": r["status"], "inbound_id": r["inbound_id"], "invoice_id": r["invoice_id"],
            "payment_id": r["payment_id"], "proposal": json.loads(r["proposal"] or "[]") or None,
            "resolution": r["resolution"],
            "resolved_at": r["resolved_at"].isoformat() if r["resolved_at"] else None}  # fmt: skip


def list_items(conn: Connection, *, include_closed: bool = False) -> list[dict[str, Any]]:
    q = select(review_items).order_by(review_items.c.id)
    if not include_closed:
        q = q.where(review_items.c.status == "open")
    return [_row(r) for r in conn.execute(q).mappings()]


def list_open(conn: Connection) -> list[dict[str, Any]]:
    return list_items(conn)


def show(conn: Connection, item_id: int) -> dict[str, Any] | None:
    """The item, and the payment, invoice and message it is about."""
    r = conn.execute(select(review_items).where(review_items.c.id == item_id)).mappings().first()
    if r is None:
        return None
    out = _row(r)
    if r["payment_id"] is not None:
        out["payment"] = next((p for p in payments_store.list_rows(conn, r["payment_id"])), None)
    if r["invoice_id"] is not None:
        number = conn.execute(
            select(invoices.c.number).where(invoices.c.id == r["invoice_id"])
        ).scalar()
        out["invoice"] = number
    if r["inbound_id"] is not None:
        m = conn.execute(select(inbound.c.message_id, inbound.c.kind, inbound.c.outcome)
                         .where(inbound.c.id == r["inbound_id"])).mappings().first()  # fmt: skip
        out["message"] = dict(m) if m else None
    return out
