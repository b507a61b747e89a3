"""Review items: what arclerk would not decide alone, with the reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, insert, select

from ledger import events
from ledger.schema import review_items

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


def list_open(conn: Connection) -> list[dict[str, Any]]:
    return [
        {"id": r["id"], "created_at": r["created_at"].isoformat(), "reason": r["reason"],
         "inbound_id": r["inbound_id"], "invoice_id": r["invoice_id"],
         "payment_id": r["payment_id"]}
        for r in conn.execute(
            select(review_items).where(review_items.c.status == "open").order_by(review_items.c.id)
        ).mappings()
    ]  # fmt: skip
