"""Invoices in the store: insert, load, list, allocate money, change state.

Every state change here writes an event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, delete, insert, or_, select, update

from ledger import events
from ledger.models import (
    OPEN_STATUSES,
    Customer,
    Invoice,
    InvoiceStatus,
    Line,
    compute_totals,
)
from ledger.money import from_minor, to_minor
from ledger.names import name_key
from ledger.refs import compact_key, digits_key, ref_key
from ledger.schema import allocations, customers, invoice_lines, invoices, outbox, payer_keys

# Hot-path statements, built once (building a statement costs more than running it).
# FOR UPDATE: concurrent allocations to one invoice (PostgreSQL) serialise on its row.
# The customer's columns come along so the caller can schedule the invoice's next action
# from the same row (see `allocate(schedule=...)`).
#: what scheduling an invoice needs of its customer (scheduler.next_action_at)
SCHEDULING = (customers.c.timezone, customers.c.email_bounced_at, customers.c.segment,
              customers.c.country)  # fmt: skip
_FOR_ALLOCATION = (
    select(invoices, *SCHEDULING)
    .join(customers, customers.c.id == invoices.c.customer_id)
    .where(invoices.c.id == bindparam("_id"))
    .with_for_update(of=invoices)
)
# The same rows by number, for a payment's candidates: `allocate(row=...)` then reuses them.
_FOR_ALLOCATION_BY_NUMBERS = (
    select(invoices, *SCHEDULING)
    .join(customers, customers.c.id == invoices.c.customer_id)
    .where(invoices.c.number.in_(bindparam("numbers", expanding=True)))
    .with_for_update(of=invoices)
)  # fmt: skip
_INSERT_ALLOCATION = insert(allocations)
_APPLY = update(invoices).where(invoices.c.id == bindparam("_id")).values(
    open_minor=bindparam("open_minor"), status=bindparam("status"),
    next_action_at=bindparam("next_action_at"))  # fmt: skip
_BY_REF_KEYS = select(invoices.c.number, invoices.c.ref_key).where(
    invoices.c.ref_key.in_(bindparam("keys", expanding=True)))  # fmt: skip
_BY_COMPACT_KEYS = select(invoices.c.number, invoices.c.compact_key).where(
    invoices.c.compact_key.in_(bindparam("keys", expanding=True)))  # fmt: skip
_BY_DIGITS_KEYS = select(invoices.c.number, invoices.c.digits_key).where(
    invoices.c.digits_key.in_(bindparam("keys", expanding=True)))  # fmt: skip


_BY_NUMBER = select(invoices).where(invoices.c.number == bindparam("number"))
_BY_NUMBERS = select(invoices).where(invoices.c.number.in_(bindparam("numbers", expanding=True)))
_LOAD = (
    select(invoices, customers.c.name.label("c_name"), customers.c.email.label("c_email"),
           customers.c.language.label("c_language"), customers.c.timezone.label("c_tz"),
           customers.c.address.label("c_address"))
    .join(customers, customers.c.id == invoices.c.customer_id)
    .where(invoices.c.id == bindparam("_id"))
)  # fmt: skip
_LOAD_LINES = (
    select(invoice_lines).where(invoice_lines.c.invoice_id == bindparam("_id"))
    .order_by(invoice_lines.c.position)
)  # fmt: skip


def content_hash(spec: dict[str, Any]) -> str:
    """A stable digest of an invoice's imported content (for idempotent re-import)."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()


def upsert_customer(conn: Connection, customer: Customer, now: dt.datetime) -> None:
    row = conn.execute(select(customers).where(customers.c.id == customer.id)).mappings().first()
    key = customer.email.strip().lower()
    values: dict[str, Any] = {
        "name": customer.name, "email": customer.email, "language": customer.language,
        "timezone": customer.timezone, "address": customer.address,
        "email_key": key, "email_domain": key.rsplit("@", 1)[-1],
        "segment": customer.segment, "country": customer.country,
        "account_manager": customer.account_manager,
    }  # fmt: skip
    if row is None:
        conn.execute(insert(customers).values(id=customer.id, created_at=now, **values))
    else:
        changed = {k: v for k, v in values.items() if row[k] != v}
        if changed:
            if "email" in changed:  # a new address has not bounced (yet)
                changed |= {"email_bounced_at": None, "bounce_reason": None}
            conn.execute(update(customers).where(customers.c.id == customer.id).values(**changed))
            events.record(conn, now, "customer_updated", f"import changed {sorted(changed)}",
                          detail={"customer": customer.id})  # fmt: skip
    _set_payer_keys(conn, customer)


def _set_payer_keys(conn: Connection, customer: Customer) -> None:
    """How a bank transfer from this customer is recognised: its name, aliases, IBANs."""
    want = {("name", name_key(customer.name))}
    want |= {("alias", name_key(a)) for a in customer.aliases}
    want |= {("iban", i) for i in customer.ibans}
    want = {(k, v) for k, v in want if v}
    have = {(r[0], r[1]) for r in conn.execute(
        select(payer_keys.c.kind, payer_keys.c.key).where(payer_keys.c.customer_id == customer.id))}  # fmt: skip
    for kind, key in have - want:
        conn.execute(delete(payer_keys).where(
            payer_keys.c.customer_id == customer.id, payer_keys.c.kind == kind,
            payer_keys.c.key == key))  # fmt: skip
    if want - have:
        conn.execute(insert(payer_keys), [{"customer_id": customer.id, "kind": k, "key": v}
                                          for k, v in sorted(want - have)])  # fmt: skip


def insert_invoice(
    conn: Connection,
    *,
    number: str,
    customer_id: str,
    currency: str,
    issue_date: dt.date,
    due_date: dt.date,
    lines: list[Line],
    status: InvoiceStatus,
    payment_terms: str,
    digest: str,
    now: dt.datetime,
    cause: str,
) -> int:
    totals = compute_totals(lines, currency)
    total_minor = to_minor(totals.total, currency)
    # A draft is due for mailing on its issue date; a sent one waits for the ladder.
    next_action = dt.datetime.combine(issue_date, dt.time(), dt.UTC)
    invoice_id = conn.execute(
        insert(invoices).values(
            number=number, ref_key=ref_key(number), digits_key=digits_key(number),
            compact_key=compact_key(number),
            customer_id=customer_id, currency=currency, issue_date=issue_date,
            due_date=due_date, status=status.value, total_minor=total_minor,
            open_minor=total_minor, payment_terms=payment_terms, content_hash=digest,
            next_action_at=next_action, steps_sent=0, created_at=now,
            needs_mailing=status is InvoiceStatus.DRAFT,
        )
    ).inserted_primary_key[0]  # type: ignore[index]  # fmt: skip
    conn.execute(
        insert(invoice_lines),
        [
            {"invoice_id": invoice_id, "position": i, "description": ln.description,
             "quantity": str(ln.quantity), "unit_price": str(ln.unit_price),
             "tax_rate": str(ln.tax_rate)}
            for i, ln in enumerate(lines)
        ],
    )  # fmt: skip
    events.record(conn, now, "invoice_created", cause, invoice_id=invoice_id,
                  detail={"number": number, "status": status.value,
                          "total": str(totals.total), "currency": currency})  # fmt: skip
    return int(invoice_id)


def find_by_number(conn: Connection, number: str) -> RowMapping | None:
    return conn.execute(_BY_NUMBER, {"number": number}).mappings().first()


def for_update(conn: Connection, invoice_id: int) -> RowMapping:
    """An invoice with its customer's scheduling columns, locked (PostgreSQL) for a change."""
    return conn.execute(_FOR_ALLOCATION, {"_id": invoice_id}).mappings().one()


def for_allocation(conn: Connection, numbers: list[str]) -> list[RowMapping]:
    """Invoices by number with what `allocate` needs, locked (PostgreSQL) for it."""
    return list(conn.execute(_FOR_ALLOCATION_BY_NUMBERS, {"numbers": numbers}).mappings())


def by_numbers(conn: Connection, numbers: list[str]) -> list[RowMapping]:
    return list(conn.execute(_BY_NUMBERS, {"numbers": numbers}).mappings())


def find_by_digest(conn: Connection, digest: str) -> str | None:
    """The number of an invoice imported earlier with exactly this content, if any."""
    row = conn.execute(select(invoices.c.number).where(invoices.c.content_hash == digest)).first()
    return row[0] if row else None


def resolve_refs(conn: Connection, tokens: Iterable[str]) -> list[str]:
    """Canonical invoice numbers for reference tokens, in the order first found.

    A token matches by its full key (prefix and digits) first; a token that has at least
    two digit groups may also match by digits alone, but only if exactly one invoice has
    them: an ambiguous reference resolves to nothing rather than to a guess. Two indexed
    queries for all tokens together, whatever their number.
    """
    raw = [t for t in tokens if digits_key(t)]
    keyed = [(ref_key(t), digits_key(t)) for t in raw]
    if not keyed:
        return []
    # "Nr. 42" may be an invoice numbered plainly "42": its digits key is a full key too.
    full_keys = {rk for rk, _ in keyed} | {dk for rk, dk in keyed if dk != rk}
    by_ref: dict[str, list[str]] = {}
    for number, rk in conn.execute(_BY_REF_KEYS, {"keys": sorted(full_keys)}):
        by_ref.setdefault(rk, []).append(number)
    multi = {dk for rk, dk in keyed if "-" in dk and rk not in by_ref}
    by_digits: dict[str, list[str]] = {}
    if multi:
        for number, dk in conn.execute(_BY_DIGITS_KEYS, {"keys": sorted(multi)}):
            by_digits.setdefault(dk, []).append(number)
    found: list[str] = []
    unresolved: list[int] = []
    for i, (rk, dk) in enumerate(keyed):
        hits = by_ref.get(rk) or (by_digits.get(dk) if "-" in dk else None)
        if not hits and dk != rk:
            hits = by_ref.get(dk)
        if hits and len(hits) == 1:
            if hits[0] not in found:
                found.append(hits[0])
        elif not hits:
            unresolved.append(i)
    # Banks squeeze separators out ("INV20260042"): a token of letters and digits that
    # named nothing above may be an invoice number's compact form.
    compact = {i: compact_key(raw[i]) for i in unresolved}
    compact = {
        i: c for i, c in compact.items() if len(c) >= 6 and not c.isdigit() and not c.isalpha()
    }
    if compact:
        by_compact: dict[str, list[str]] = {}
        for number, ck in conn.execute(_BY_COMPACT_KEYS, {"keys": sorted(set(compact.values()))}):
            by_compact.setdefault(ck, []).append(number)
        for i in unresolved:
            hits = by_compact.get(compact.get(i, ""))
            if hits and len(hits) == 1 and hits[0] not in found:
                found.append(hits[0])
    return found


def open_for_customer(conn: Connection, customer_id: str) -> list[RowMapping]:
    """The customer's invoices with money still open (fee invoices included), by due date."""
    return list(conn.execute(select(invoices).where(
        invoices.c.customer_id == customer_id, invoices.c.open_minor > 0,
        invoices.c.status.in_([s.value for s in OPEN_STATUSES]))
        .order_by(invoices.c.due_date, invoices.c.number)).mappings())  # fmt: skip


def by_message_id(conn: Connection, message_ids: Iterable[str]) -> list[str]:
    """Invoice numbers of the outgoing mails with these Message-IDs (thread resolution)."""
    ids = [m for m in message_ids if m]
    if not ids:
        return []
    rows = conn.execute(
        select(invoices.c.number)
        .select_from(outbox.join(invoices, outbox.c.invoice_id == invoices.c.id))
        .where(or_(outbox.c.message_id.in_(ids), invoices.c.thread_message_id.in_(ids)))
        .distinct()
    ).all()
    return sorted(r[0] for r in rows)


def load(conn: Connection, invoice_id: int) -> Invoice:
    row = conn.execute(_LOAD, {"_id": invoice_id}).mappings().one()
    lines = tuple(
        Line(r["description"], Decimal(r["quantity"]), Decimal(r["unit_price"]),
             Decimal(r["tax_rate"]))
        for r in conn.execute(_LOAD_LINES, {"_id": invoice_id}).mappings()
    )  # fmt: skip
    cur = row["currency"]
    return Invoice(
        id=row["id"], number=row["number"],
        customer=Customer(row["customer_id"], row["c_name"], row["c_email"], row["c_language"],
                          row["c_tz"], row["c_address"]),
        currency=cur, issue_date=row["issue_date"], due_date=row["due_date"], lines=lines,
        status=InvoiceStatus(row["status"]), total=from_minor(row["total_minor"], cur),
        open_amount=from_minor(row["open_minor"], cur), payment_terms=row["payment_terms"],
        promised_until=row["promised_until"], thread_message_id=row["thread_message_id"],
    )  # fmt: skip


def set_status(
    conn: Connection,
    invoice_id: int,
    status: InvoiceStatus,
    now: dt.datetime,
    cause: str,
    *,
    rule: str | None = None,
    inbound_id: int | None = None,
    old: str | None = None,
    **values: Any,
) -> None:
    """Change an invoice's status (and other columns) with an event; `old` is its current
    status when the caller has just read it."""
    if old is None:
        old = conn.execute(
            select(invoices.c.status).where(invoices.c.id == invoice_id)
        ).scalar_one()
    conn.execute(
        update(invoices).where(invoices.c.id == invoice_id).values(status=status.value, **values)
    )
    events.record(conn, now, "status_changed", cause, invoice_id=invoice_id, rule=rule,
                  inbound_id=inbound_id,
                  detail={"from": old, "to": status.value,
                          **{k: str(v) for k, v in values.items()}})  # fmt: skip


def allocate(
    conn: Connection,
    *,
    payment_id: int,
    invoice_id: int,
    amount_minor: int,
    rule: str,
    confidence: Decimal,
    now: dt.datetime,
    cause: str,
    inbound_id: int | None = None,
    schedule: Callable[[Mapping[Any, Any]], dt.datetime | None] | None = None,
    write_off_minor: int = 0,
    discount_minor: int = 0,
    source: str = "payment",
    evidence: str = "",
    row: RowMapping | None = None,
) -> None:
    """Apply money to an invoice, with any shortfall written off or discount granted along
    with it; never more than it has open.

    `schedule(row)` gives the invoice's next action time from its row as it is after the
    allocation (with the customer's `timezone` and `email_bounced_at`), written in the
    same UPDATE; without it a paid invoice leaves the schedule (unless it still has to be
    mailed) and any other keeps its time."""
    if row is None or row["id"] != invoice_id:
        row = conn.execute(_FOR_ALLOCATION, {"_id": invoice_id}).mappings().one()
    closes = amount_minor + write_off_minor + discount_minor
    if amount_minor < 0 or write_off_minor < 0 or discount_minor < 0 or closes <= 0:
        raise ValueError(f"allocation to {row['number']} must be positive")
    if closes > row["open_minor"]:
        raise ValueError(
            f"allocation of {closes} to {row['number']} exceeds its open {row['open_minor']}"
        )
    conn.execute(_INSERT_ALLOCATION, {
        "payment_id": payment_id, "invoice_id": invoice_id, "amount_minor": amount_minor,
        "rule": rule, "confidence": str(confidence), "created_at": now,
        "write_off_minor": write_off_minor, "discount_minor": discount_minor, "source": source,
        "evidence": evidence,
    })  # fmt: skip
    open_minor = row["open_minor"] - closes
    old = InvoiceStatus(row["status"])
    if open_minor == 0:
        new = InvoiceStatus.PAID
    elif old in (InvoiceStatus.DISPUTED, InvoiceStatus.PROMISED):
        new = old
    else:
        new = InvoiceStatus.PARTIALLY_PAID
    if schedule is not None:
        next_action_at = schedule({**row, "open_minor": open_minor, "status": new.value})
    elif new is InvoiceStatus.PAID and not row["needs_mailing"]:
        next_action_at = None
    else:
        next_action_at = row["next_action_at"]
    conn.execute(_APPLY, {"_id": invoice_id, "open_minor": open_minor, "status": new.value,
                          "next_action_at": next_action_at})  # fmt: skip
    cur = row["currency"]
    detail = {"amount": str(from_minor(amount_minor, cur)), "from": old.value, "to": new.value,
              "open": str(from_minor(open_minor, cur)), "confidence": str(confidence),
              "source": source}  # fmt: skip
    if write_off_minor:
        detail["written_off"] = str(from_minor(write_off_minor, cur))
    if discount_minor:
        detail["discount"] = str(from_minor(discount_minor, cur))
    events.record(conn, now, "payment_allocated", cause, invoice_id=invoice_id,
                  payment_id=payment_id, inbound_id=inbound_id, rule=rule, detail=detail)  # fmt: skip


def allocations_for(conn: Connection, invoice_id: int) -> list[dict[str, Any]]:
    """What paid this invoice: each allocation with its payment, rule, confidence and
    evidence, reversed ones included (marked)."""
    out = []
    for a in conn.execute(
        select(allocations, invoices.c.currency).join(invoices, invoices.c.id == allocations.c.invoice_id)
        .where(allocations.c.invoice_id == invoice_id).order_by(allocations.c.id)
    ).mappings():  # fmt: skip
        cur = a["currency"]
        out.append({
            "payment": str(a["payment_id"]), "amount": str(from_minor(a["amount_minor"], cur)),
            "written_off": str(from_minor(a["write_off_minor"], cur)),
            "discount": str(from_minor(a["discount_minor"], cur)), "source": a["source"],
            "rule": a["rule"], "confidence": a["confidence"], "evidence": a["evidence"],
            "at": a["created_at"].isoformat(),
            "reversed": None if a["reversed_at"] is None else
            {"at": a["reversed_at"].isoformat(), "reason": a["reversal_reason"]},
        })  # fmt: skip
    return out


def list_rows(conn: Connection, status: str | None = None) -> list[dict[str, Any]]:
    """Invoices as CONTRACT.md's `invoice list --json` shapes them."""
    query = (
        select(invoices, customers.c.email)
        .join(customers, customers.c.id == invoices.c.customer_id)
        .order_by(invoices.c.number)
    )
    if status:
        query = query.where(invoices.c.status == status)
    reminders: dict[int, list[dict[str, Any]]] = {}
    for r in conn.execute(
        select(outbox.c.invoice_id, outbox.c.kind, outbox.c.step, outbox.c.sent_at, outbox.c.params)
        .where(outbox.c.kind.in_(["reminder", "statement"]), outbox.c.sent_at.is_not(None))
        .order_by(outbox.c.sent_at, outbox.c.id)
    ).mappings():
        sent_at = r["sent_at"].isoformat()
        if r["kind"] == "statement":  # one mail reminding several invoices of a customer
            for item in json.loads(r["params"]).get("items", []):
                if item.get("step") is None:  # a statement on request is no reminder
                    continue
                reminders.setdefault(item["invoice_id"], []).append(
                    {"step": item["step"], "sent_at": sent_at, "statement": True}
                )
            continue
        reminders.setdefault(r["invoice_id"], []).append({"step": r["step"], "sent_at": sent_at})
    out = []
    for r in conn.execute(query).mappings():
        cur = r["currency"]
        out.append({
            "number": r["number"], "customer_id": r["customer_id"], "email": r["email"],
            "currency": cur, "total": str(from_minor(r["total_minor"], cur)),
            "open_amount": str(from_minor(r["open_minor"], cur)),
            "issue_date": r["issue_date"].isoformat(), "due_date": r["due_date"].isoformat(),
            "status": r["status"], "reminders": reminders.get(r["id"], []),
            "promised_until": r["promised_until"].isoformat() if r["promised_until"] else None,
            "next_action_at": r["next_action_at"].isoformat() if r["next_action_at"] else None,
        })  # fmt: skip
    return out
