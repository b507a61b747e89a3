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

from sqlalchemy import Connection, bindparam, func, select, update
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
    customer_id: str | None = None,
    credit: Decimal = Decimal(0),
    refund: bool = False,
    iban: str = "",
    rule: str | None = None,
    confidence: Decimal | None = None,
    reason: str | None = None,
) -> int | None:
    """Insert a payment with the matching decision made for it; None if this very payment
    is already recorded."""
    fp = fingerprint(amount=amount, currency=currency, date=date, reference=reference,
                     payer=payer, transaction_id=transaction_id)  # fmt: skip
    # The unique fingerprint decides: INSERT ... ON CONFLICT DO NOTHING (both engines)
    # records the payment or, if it is known already, nothing — without a failed statement.
    stmt = _INSERT_PG if conn.dialect.name == "postgresql" else _INSERT_SQLITE
    pid = conn.execute(stmt, {
        "fingerprint": fp, "amount_minor": to_minor(amount, currency),
        "currency": currency, "date": date, "reference": reference, "payer": payer,
        "source_message_id": source_message_id, "inbound_id": inbound_id,
        "status": status.value, "created_at": now, "customer_id": customer_id,
        "credit_minor": to_minor(credit, currency), "refund": refund, "iban": iban,
        "rule": rule, "confidence": None if confidence is None else str(confidence),
        "reason": reason,
    }).scalar()  # fmt: skip
    if pid is None:  # recorded before (a re-delivery, or another instance a moment ago)
        return None
    detail = {"amount": str(amount), "currency": currency, "reference": reference,
              "payer": payer, "status": status.value}  # fmt: skip
    if credit:
        detail["credit"] = str(credit)
    events.record(conn, now, "payment_recorded", f"payment evidenced by message {source_message_id}",
                  payment_id=pid, inbound_id=inbound_id, rule=rule, detail=detail)  # fmt: skip
    return int(pid)


def set_status(conn: Connection, payment_id: int, status: PaymentStatus) -> None:
    conn.execute(_SET_STATUS, {"pid": payment_id, "status": status.value})


def status_for(amount_minor: int, allocated_minor: int, review: bool) -> PaymentStatus:
    """A payment's status from what of it is allocated to invoices (credit kept for the
    customer is shown apart, as `credit`)."""
    if review:
        return PaymentStatus.REVIEW
    if allocated_minor >= amount_minor:
        return PaymentStatus.APPLIED
    return PaymentStatus.PARTIALLY_APPLIED if allocated_minor > 0 else PaymentStatus.UNAPPLIED


def allocated_minor(conn: Connection, payment_id: int) -> int:
    """Money of this payment on invoices now (reversed allocations do not count)."""
    return int(conn.execute(
        select(func.coalesce(func.sum(allocations.c.amount_minor), 0)).where(
            allocations.c.payment_id == payment_id, allocations.c.reversed_at.is_(None))
    ).scalar_one())  # fmt: skip


def refresh_status(conn: Connection, payment_id: int, *, review: bool = False) -> PaymentStatus:
    row = conn.execute(select(payments.c.amount_minor).where(payments.c.id == payment_id)).one()
    status = status_for(row[0], allocated_minor(conn, payment_id), review)
    set_status(conn, payment_id, status)
    return status


def list_rows(conn: Connection, payment_id: int | None = None) -> list[dict[str, Any]]:
    """Payments as CONTRACT.md's `payment list --json` shapes them, with what explains
    each allocation: rule, confidence, evidence, write-off or discount, reversal."""
    allocs: dict[int, list[dict[str, Any]]] = {}
    aq = (select(allocations, invoices.c.number, invoices.c.currency)
          .join(invoices, invoices.c.id == allocations.c.invoice_id).order_by(allocations.c.id))  # fmt: skip
    pq = select(payments).order_by(payments.c.id)
    if payment_id is not None:
        aq = aq.where(allocations.c.payment_id == payment_id)
        pq = pq.where(payments.c.id == payment_id)
    for a in conn.execute(aq).mappings():
        cur = a["currency"]
        entry: dict[str, Any] = {
            "invoice": a["number"], "amount": str(from_minor(a["amount_minor"], cur)),
            "rule": a["rule"], "confidence": a["confidence"], "source": a["source"],
            "evidence": a["evidence"], "at": a["created_at"].isoformat(),
        }  # fmt: skip
        if a["write_off_minor"]:
            entry["written_off"] = str(from_minor(a["write_off_minor"], cur))
        if a["discount_minor"]:
            entry["discount"] = str(from_minor(a["discount_minor"], cur))
        if a["reversed_at"] is not None:
            entry["reversed"] = {"at": a["reversed_at"].isoformat(), "reason": a["reversal_reason"]}
        allocs.setdefault(a["payment_id"], []).append(entry)
    out = []
    for p in conn.execute(pq).mappings():
        cur = p["currency"]
        live = [a for a in allocs.get(p["id"], []) if "reversed" not in a]
        out.append({
            "id": str(p["id"]), "amount": str(from_minor(p["amount_minor"], cur)),
            "currency": cur, "date": p["date"].isoformat() if p["date"] else None,
            "reference": p["reference"], "payer": p["payer"], "source": p["source_message_id"],
            "status": p["status"], "allocations": live,
            "customer_id": p["customer_id"], "credit": str(from_minor(p["credit_minor"], cur)),
            "refund": bool(p["refund"]),
            "decision": {"rule": p["rule"], "confidence": p["confidence"], "reason": p["reason"]},
            "reversed_allocations": [a for a in allocs.get(p["id"], []) if "reversed" in a],
        })  # fmt: skip
    return out
