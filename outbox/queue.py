"""The transactional outbox: rows written in the same transaction as the decision that
wants the mail, then claimed, rendered, sent and marked by the worker.

Idempotent per idem_key (invoice, kind, step): enqueueing twice changes nothing. The
Message-ID is fixed at enqueue time, so a retry or a post-crash duplicate carries it too.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from email.utils import make_msgid
from typing import Any

from sqlalchemy import Connection, bindparam, insert, or_, select, update

from ledger import events
from ledger.models import OutboxStatus
from ledger.schema import outbox

_BY_KEY = select(outbox.c.id).where(outbox.c.idem_key == bindparam("key"))
_INSERT = insert(outbox)
_MARK_SENT = update(outbox).where(outbox.c.id == bindparam("_id")).values(
    status=OutboxStatus.SENT.value, sent_at=bindparam("sent_at"), attempts=bindparam("attempts"),
    last_error=None, claimed_by=None, claimed_until=None,
)  # fmt: skip

BACKOFF_SECONDS = (60, 300, 900, 3600, 4 * 3600, 12 * 3600)
MAX_ATTEMPTS = 12


@dataclass(frozen=True)
class Row:
    id: int
    kind: str
    invoice_id: int | None
    step: str | None
    recipient: str
    message_id: str
    in_reply_to: str | None
    params: dict[str, Any]
    attempts: int


def enqueue(
    conn: Connection,
    *,
    idem_key: str,
    kind: str,
    recipient: str,
    now: dt.datetime,
    domain: str,
    invoice_id: int | None = None,
    step: str | None = None,
    in_reply_to: str | None = None,
    params: dict[str, Any] | None = None,
) -> str | None:
    """Queue a mail; returns its Message-ID, or None if this key was queued before."""
    if conn.execute(_BY_KEY, {"key": idem_key}).first():
        return None
    message_id = make_msgid(domain=domain)
    conn.execute(_INSERT, {
        "idem_key": idem_key, "kind": kind, "invoice_id": invoice_id, "step": step,
        "recipient": recipient, "message_id": message_id, "in_reply_to": in_reply_to,
        "params": json.dumps(params or {}, sort_keys=True), "status": OutboxStatus.PENDING.value,
        "attempts": 0, "next_attempt_at": now, "created_at": now,
    })  # fmt: skip
    events.record(conn, now, "mail_queued", f"{kind} queued ({idem_key})", invoice_id=invoice_id,
                  detail={"message_id": message_id, "step": step})  # fmt: skip
    return message_id


def claim(
    conn: Connection, now: dt.datetime, worker: str, lease: dt.timedelta, limit: int = 20
) -> list[Row]:
    """Take up to `limit` due rows for `worker` until now + lease.

    PostgreSQL: FOR UPDATE SKIP LOCKED, so concurrent workers never take the same row.
    SQLite: the write transaction (BEGIN IMMEDIATE) already serialises claimers.
    A worker that dies leaves its rows claimed only until the lease runs out.
    """
    free = or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now)
    rows = conn.execute(
        select(outbox)
        .where(outbox.c.status == OutboxStatus.PENDING.value, outbox.c.next_attempt_at <= now, free)
        .order_by(outbox.c.next_attempt_at, outbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).mappings().all()  # fmt: skip
    if not rows:
        return []
    conn.execute(
        update(outbox).where(outbox.c.id.in_([r["id"] for r in rows]))
        .values(claimed_by=worker, claimed_until=now + lease)
    )  # fmt: skip
    return [
        Row(r["id"], r["kind"], r["invoice_id"], r["step"], r["recipient"], r["message_id"],
            r["in_reply_to"], json.loads(r["params"]), r["attempts"])
        for r in rows
    ]  # fmt: skip


def claimants(conn: Connection) -> list[str]:
    """Workers that hold claims on pending rows right now."""
    return list(conn.execute(
        select(outbox.c.claimed_by).where(outbox.c.claimed_by.is_not(None),
                                          outbox.c.status == OutboxStatus.PENDING.value).distinct()
    ).scalars())  # fmt: skip


def release_rows(conn: Connection, worker: str, ids: list[int]) -> None:
    """Give back some of this worker's claims, unchanged."""
    conn.execute(
        update(outbox).where(outbox.c.claimed_by == worker, outbox.c.id.in_(ids))
        .values(claimed_by=None, claimed_until=None)
    )  # fmt: skip


def release(conn: Connection, worker: str) -> None:
    """Give back this worker's unfinished claims (on a clean shutdown)."""
    conn.execute(
        update(outbox).where(outbox.c.claimed_by == worker, outbox.c.status == "pending")
        .values(claimed_by=None, claimed_until=None)
    )  # fmt: skip


def mark_sent(conn: Connection, row: Row, now: dt.datetime) -> None:
    conn.execute(_MARK_SENT, {"_id": row.id, "sent_at": now, "attempts": row.attempts + 1})
    events.record(conn, now, "mail_sent", f"{row.kind} sent to the transport",
                  invoice_id=row.invoice_id, detail={"message_id": row.message_id,
                                                     "step": row.step})  # fmt: skip


def mark_retry(conn: Connection, row: Row, now: dt.datetime, error: str) -> bool:
    """Schedule another attempt; False (and failed) once the attempts are used up."""
    attempts = row.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        mark_failed(conn, row, now, f"gave up after {attempts} attempts: {error}")
        return False
    delay = BACKOFF_SECONDS[min(attempts - 1, len(BACKOFF_SECONDS) - 1)]
    conn.execute(
        update(outbox).where(outbox.c.id == row.id).values(
            attempts=attempts, last_error=error, claimed_by=None, claimed_until=None,
            next_attempt_at=now + dt.timedelta(seconds=delay),
        )
    )  # fmt: skip
    return True


def mark_failed(conn: Connection, row: Row, now: dt.datetime, error: str) -> None:
    conn.execute(
        update(outbox).where(outbox.c.id == row.id).values(
            status=OutboxStatus.FAILED.value, attempts=row.attempts + 1, last_error=error,
            claimed_by=None, claimed_until=None,
        )
    )  # fmt: skip
    events.record(conn, now, "mail_failed", error, invoice_id=row.invoice_id,
                  detail={"message_id": row.message_id})  # fmt: skip
