"""Payments and their allocations.

A payment is recorded once per real transfer: its fingerprint (the bank's transaction
id when there is one, else amount + currency + date + reference + payer) is unique, so
the same notification read twice, or delivered twice, cannot create a second payment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ledger import events
from ledger.models import PaymentStatus
from ledger.money import from_minor, to_minor
from ledger.schema import allocations, invoices, payments

_INSERT_SQLITE = (
    sqlite_insert(payments).on_conflict_do_nothing(index_elements=["fingerprint"])
    .returning(payments.c.id)
)  # fmt: skip
_INSERT_PG = (
    pg_insert(payments).on_conflict_do_nothing(index_elements=["fingerprint"])
    .returning(payments.c.id)
)  # fmt: skip
_SET_STATUS = (
    update(payments).where(payments.c.id == bindparam("pid")).values(status=bindparam("status"))
)


def fingerprint(
    *, amount: Decimal, currency: str, date: dt.date | None, reference: str, payer: str,
    transaction_id: str | None,
) -> str:  # fmt: skip
    if transaction_id:
        basis = f"txn|{transaction_id.strip().upper()}"
    else:
        norm = " ".join((reference or "").upper().split())
        basis = f"{amount}|{currency}|{date}|{norm}|{' '.join(payer.upper().split())}"
    return hashlib.sha256(basis.encode()).hexdigest()


def record(
    conn: Connection,
    *,
    amount: Decimal,
    currency: str,
    date: dt.date | None,
    reference: str,
    payer: str,
    source_message_id: str,
    inbound_id: int | None,
    transaction_id: str | None,
    now: dt.datetime,
    status: PaymentStatus = PaymentStatus.UNAPPLIED,
) -> int | None:
    """Insert a payment; None if this very payment is already recorded."""
    fp = fingerprint(amount=amount, currency=currency, date=date, reference=reference,
                     payer=payer, transaction_id=transaction_id)  # fmt: skip
    # The unique fingerprint decides: INSERT ... ON CONFLICT DO NOTHING (both engines)
    # records the payment or, if it is known already, nothing — without a failed statement.
    stmt = _INSERT_PG if conn.dialect.name == "postgresql" else _INSERT_SQLITE
    pid = conn.execute(stmt, {
        "fingerprint": fp, "amount_minor": to_minor(amount, currency),
        "currency": currency, "date": date, "reference": reference, "payer": payer,
        "source_message_id": source_message_id, "inbound_id": inbound_id,
        "status": status.value, "created_at": now,
    }).scalar()  # fmt: skip
    if pid is None:  # recorded before (a re-delivery, or another instance a moment ago)
        return None
    events.record(conn, now, "payment_recorded", f"payment evidenced by message {source_message_id}",
                  payment_id=pid, inbound_id=inbound_id,
                  detail={"amount": str(amount), "currency": currency,
                          "reference": reference, "payer": payer, "status": status.value})  # fmt: skip
    return int(pid)


def set_status(conn: Connection, payment_id: int, status: PaymentStatus) -> None:
    conn.execute(_SET_STATUS, {"pid": payment_id, "status": status.value})


def list_rows(conn: Connection) -> list[dict[str, Any]]:
    """Payments as CONTRACT.md's `payment list --json` shapes them."""
    allocs: dict[int, list[dict[str, Any]]] = {}
    for a in conn.execute(
        select(allocations, invoices.c.number, invoices.c.currency)
        .join(invoices, invoices.c.id == allocations.c.invoice_id)
        .order_by(allocations.c.id)
    ).mappings():
        allocs.setdefault(a["payment_id"], []).append({
            "invoice": a["number"], "amount": str(from_minor(a["amount_minor"], a["currency"])),
            "rule": a["rule"], "confidence": a["confidence"],
        })  # fmt: skip
    out = []
    for p in conn.execute(select(payments).order_by(payments.c.id)).mappings():
        cur = p["currency"]
        out.append({
            "id": str(p["id"]), "amount": str(from_minor(p["amount_minor"], cur)),
            "currency": cur, "date": p["date"].isoformat() if p["date"] else None,
            "reference": p["reference"], "payer": p["payer"], "source": p["source_message_id"],
            "status": p["status"], "allocations": allocs.get(p["id"], []),
        })  # fmt: skip
    return out
