"""The append-only audit log: every state change with its cause."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, insert, select

from ledger.schema import events

# Built once: constructing a statement per call costs more than executing it.
_INSERT = insert(events)


def record(
    conn: Connection,
    now: dt.datetime,
    kind: str,
    cause: str,
    *,
    invoice_id: int | None = None,
    payment_id: int | None = None,
    inbound_id: int | None = None,
    rule: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    conn.execute(
        _INSERT,
        {"at": now, "kind": kind, "cause": cause, "invoice_id": invoice_id,
         "payment_id": payment_id, "inbound_id": inbound_id, "rule": rule,
         "detail": json.dumps(detail or {}, sort_keys=True)},
    )  # fmt: skip


def for_invoice(conn: Connection, invoice_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(events).where(events.c.invoice_id == invoice_id).order_by(events.c.id)
    ).mappings()
    return [
        {"at": r["at"].isoformat(), "kind": r["kind"], "cause": r["cause"], "rule": r["rule"],
         "detail": json.loads(r["detail"])}
        for r in rows
    ]  # fmt: skip
