"""Reconciliation against the ledger: who paid, what it could pay, apply the engine's
decision — and the human side: review accept / reject / assign, payment unapply.

The decision itself is rules.matching.decide (pure); this module only gathers its inputs
and writes its outcome, every change with an event naming the rule and the reason.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, select, update

from ledger import events, reviews
from ledger import invoices as inv_store
from ledger import payments as pay_store
from ledger.errors import InputError
from ledger.models import OPEN_STATUSES, InvoiceStatus
from ledger.money import from_minor, to_minor
from ledger.names import MIN_PREFIX, name_lookup_keys
from ledger.schema import allocations, customers, invoices, payer_keys, payments, review_items
from outbox import queue
from rules.matching import Allocation, Candidates, Decision, OpenInvoice, Payer
from rules.schema import Rules

Schedule = Callable[[Mapping[Any, Any]], dt.datetime | None]

_OPEN_OF_CUSTOMER = select(invoices).where(
    invoices.c.customer_id == bindparam("cid"), invoices.c.open_minor > 0,
    invoices.c.status.in_([s.value for s in OPEN_STATUSES]),
)  # fmt: skip
_KEYS = select(payer_keys.c.customer_id, payer_keys.c.kind, payer_keys.c.key).where(
    payer_keys.c.key.in_(bindparam("keys", expanding=True)))  # fmt: skip
_PREFIX = (
    select(payer_keys.c.customer_id).where(
        payer_keys.c.kind != "iban", payer_keys.c.key >= bindparam("lo"),
        payer_keys.c.key < bindparam("hi"))
    .distinct().limit(3)
)  # fmt: skip


def open_invoice(r: Mapping[Any, Any]) -> OpenInvoice:
    cur = r["currency"]
    return OpenInvoice(r["id"], r["number"], r["customer_id"], cur,
                       from_minor(r["open_minor"], cur), r["due_date"], r["issue_date"],
                       from_minor(r["total_minor"], cur))  # fmt: skip


def identify_payer(conn: Connection, *, sender_ids: list[str], name: str, iban: str) -> Payer:
    """The customer(s) the evidence points to, strongest evidence first: the IBAN it was
    paid from, the customer's own address (remittance advice), then the payer's name
    (whole, a word prefix of it, or cut short by the bank)."""
    if iban:
        ids = sorted({r[0] for r in conn.execute(_KEYS, {"keys": [iban]}) if r[1] == "iban"})
        if ids:
            return Payer(tuple(ids), "IBAN", Decimal(1))
    if sender_ids:
        return Payer(tuple(sorted(set(sender_ids))), "sender address", Decimal(1))
    keys = name_lookup_keys(name) if name else []
    if not keys:
        return Payer()
    hits: dict[str, list[str]] = {}
    for cid, kind, key in conn.execute(_KEYS, {"keys": keys}):
        if kind != "iban":
            hits.setdefault(key, []).append(cid)
    for i, key in enumerate(keys):  # the longest key that names anyone decides
        if key in hits:
            ids = sorted(set(hits[key]))
            return Payer(tuple(ids), "name" if i == 0 else "name prefix",
                         Decimal(1) if i == 0 else Decimal("0.98"))  # fmt: skip
    whole = keys[0]
    if len(whole) >= MIN_PREFIX:  # the bank cut the name: a customer's key starts with it
        ids = sorted(r[0] for r in conn.execute(_PREFIX, {"lo": whole, "hi": whole + "\x7f"}))
        if ids:
            return Payer(tuple(ids), "name cut short", Decimal("0.98"))
    return Payer()


def candidates(conn: Connection, numbers: list[str], payer: Payer,
               rows_out: dict[int, RowMapping] | None = None) -> Candidates:  # fmt: skip
    """The invoices a payment names (open and settled), and when it names none, the
    identified payer's open invoices. `rows_out` receives the named invoices' rows (read
    for allocation, so applying the decision need not read them again)."""
    if numbers:
        rows = {r["number"]: r for r in inv_store.for_allocation(conn, numbers)}
        if rows_out is not None:
            rows_out.update({r["id"]: r for r in rows.values()})
        referenced, closed = [], []
        for n in numbers:
            r = rows[n]
            if r["open_minor"] > 0 and InvoiceStatus(r["status"]) in OPEN_STATUSES:
                referenced.append(open_invoice(r))
            else:
                closed.append(open_invoice({**r, "open_minor": 0}))
        return Candidates(referenced, closed, payer, None)
    payer_open = None
    if payer.known is not None:
        payer_open = [open_invoice(r) for r in conn.execute(_OPEN_OF_CUSTOMER, {"cid": payer.known}).mappings()]  # fmt: skip
    return Candidates([], [], payer, payer_open)


_RECEIPT_ROW = (
    select(invoices.c.status, customers.c.email, customers.c.email_bounced_at)
    .join(customers, customers.c.id == invoices.c.customer_id)
    .where(invoices.c.id == bindparam("_id"))
)


def proposal_json(d: Decision, currency: str) -> str:
    return json.dumps({
        "allocations": [{"invoice_id": a.invoice_id, "invoice": a.number, "amount": str(a.amount),
                         "write_off": str(a.write_off), "discount": str(a.discount)}
                        for a in d.allocations],
        "credit": str(d.credit), "credit_customer": d.credit_customer, "currency": currency,
        "rule": d.rule, "confidence": str(d.confidence), "refund": d.refund,
    }, sort_keys=True)  # fmt: skip


def apply_allocations(conn: Connection, pid: int, allocs: tuple[Allocation, ...], currency: str,
                      *, rule: str, confidence: Decimal, cause: str, evidence: str,
                      now: dt.datetime, inbound_id: int | None,
                      schedule: Schedule | None,
                      rows: dict[int, RowMapping] | None = None) -> None:  # fmt: skip
    for a in allocs:
        inv_store.allocate(
            conn, payment_id=pid, invoice_id=a.invoice_id,
            amount_minor=to_minor(a.amount, currency), rule=rule, confidence=confidence,
            now=now, cause=cause, inbound_id=inbound_id, schedule=schedule,
            write_off_minor=to_minor(a.write_off, currency),
            discount_minor=to_minor(a.discount, currency), evidence=evidence,
            row=(rows or {}).get(a.invoice_id),
        )  # fmt: skip


def queue_receipts(conn: Connection, pid: int, allocs: tuple[Allocation, ...], rules: Rules,
                   domain: str, now: dt.datetime) -> int:  # fmt: skip
    """Queue the receipts the rules ask for: a thank-you for each invoice this payment
    settled, a statement of what remains for each it paid in part. Never to an address
    that bounced. Returns how many were queued."""
    want = rules.receipts
    if not (want.paid_in_full or want.part_payment):
        return 0
    queued = 0
    for a in allocs:
        r = conn.execute(_RECEIPT_ROW, {"_id": a.invoice_id}).mappings().one()
        if r["email_bounced_at"] is not None:
            continue
        if r["status"] == InvoiceStatus.PAID.value:
            kind = "receipt" if want.paid_in_full else None
        else:
            kind = "part_payment" if want.part_payment else None
        if kind and queue.enqueue(conn, idem_key=f"{kind}:{a.invoice_id}:{pid}", kind=kind,
                                  recipient=r["email"], now=now, domain=domain,
                                  invoice_id=a.invoice_id, params={"paid": str(a.amount)}):  # fmt: skip
            queued += 1
    return queued


# -- the human side -------------------------------------------------------------------------


def _item(conn: Connection, item_id: int) -> RowMapping:
    row = conn.execute(select(review_items).where(review_items.c.id == item_id)).mappings().first()
    if row is None:
        raise InputError(f"review item {item_id}: no such item")
    if row["status"] != "open":
        raise InputError(f"review item {item_id}: already {row['status']} ({row['resolution']})")
    return row


def _payment(conn: Connection, pid: int) -> RowMapping:
    row = conn.execute(select(payments).where(payments.c.id == pid)).mappings().first()
    if row is None:
        raise InputError(f"payment {pid}: no such payment")
    return row


def _close(conn: Connection, item: RowMapping, status: str, resolution: str,
           now: dt.datetime) -> None:  # fmt: skip
    conn.execute(update(review_items).where(review_items.c.id == item["id"]).values(
        status=status, resolution=resolution, resolved_at=now))  # fmt: skip
    events.record(conn, now, f"review_{status}", resolution, invoice_id=item["invoice_id"],
                  payment_id=item["payment_id"], inbound_id=item["inbound_id"],
                  rule="review", detail={"item": item["id"]})  # fmt: skip


def _remaining(conn: Connection, p: RowMapping) -> int:
    """Minor units of a payment neither on invoices nor kept as credit."""
    return int(p["amount_minor"] - pay_store.allocated_minor(conn, p["id"]) - p["credit_minor"])


def accept(conn: Connection, item_id: int, now: dt.datetime, schedule: Schedule,
           note: str = "", receipts: Callable[[int, tuple[Allocation, ...]], int] | None = None) -> str:  # fmt: skip
    """Apply what the review item proposes (for a payment), or close it as done."""
    item = _item(conn, item_id)
    proposal = json.loads(item["proposal"] or "[]") or {}
    if (
        item["payment_id"] is None
        or not proposal
        or not (proposal.get("allocations") or Decimal(proposal.get("credit", "0")))
    ):
        if item["payment_id"] is not None:
            raise InputError(f"review item {item_id}: nothing is proposed for payment "
                             f"{item['payment_id']}; use `review assign {item_id} INVOICE...`")  # fmt: skip
        _close(conn, item, "accepted", note or "accepted", now)
        return f"review item {item_id} closed"
    p = _payment(conn, item["payment_id"])
    cur = p["currency"]
    allocs = tuple(Allocation(a["invoice_id"], a["invoice"], Decimal(a["amount"]),
                              Decimal(a["write_off"]), Decimal(a["discount"]))
                   for a in proposal["allocations"])  # fmt: skip
    credit = Decimal(proposal.get("credit", "0"))
    need = sum(to_minor(a.amount, cur) for a in allocs) + to_minor(credit, cur)
    if need > _remaining(conn, p):
        raise InputError(f"review item {item_id}: the proposal needs more than payment "
                         f"{p['id']} has left; use `review assign`")  # fmt: skip
    for a in allocs:
        r = conn.execute(select(invoices.c.open_minor, invoices.c.number)
                         .where(invoices.c.id == a.invoice_id)).one()  # fmt: skip
        if to_minor(a.amount + a.write_off + a.discount, cur) > r.open_minor:
            raise InputError(f"review item {item_id}: {r.number} no longer has "
                             f"{a.amount + a.write_off + a.discount} open")  # fmt: skip
    why = f"review item {item_id} accepted" + (f": {note}" if note else "")
    apply_allocations(conn, p["id"], allocs, cur, rule=f"review.accept ({proposal.get('rule')})",
                      confidence=Decimal(1), cause=why, evidence=f"payment {p['id']} "
                      f"({p['source_message_id']})", now=now, inbound_id=None, schedule=schedule)  # fmt: skip
    if credit:
        _add_credit(conn, p, proposal.get("credit_customer"), to_minor(credit, cur), now, why)
    if receipts is not None:
        receipts(p["id"], allocs)
    pay_store.refresh_status(conn, p["id"])
    _close(conn, item, "accepted", why, now)
    if item["invoice_id"] is not None:
        _reschedule(conn, item["invoice_id"], schedule)
    return (
        f"payment {p['id']}: "
        + ", ".join(f"{a.number} {a.amount}" for a in allocs)
        + (f"; {credit} kept as credit" if credit else "")
    )


def _reschedule(conn: Connection, invoice_id: int, schedule: Schedule) -> None:
    row = inv_store.for_update(conn, invoice_id)
    conn.execute(update(invoices).where(invoices.c.id == invoice_id)
                 .values(next_action_at=schedule(row)))  # fmt: skip


def _add_credit(conn: Connection, p: RowMapping, customer: str | None, minor: int,
                now: dt.datetime, why: str) -> None:  # fmt: skip
    if customer is None:
        raise InputError(f"payment {p['id']}: no customer to keep the credit for")
    conn.execute(update(payments).where(payments.c.id == p["id"]).values(
        credit_minor=payments.c.credit_minor + minor, customer_id=customer))  # fmt: skip
    events.record(conn, now, "credit_kept", why, payment_id=p["id"], rule="review",
                  detail={"credit": str(from_minor(minor, p["currency"])), "customer": customer})  # fmt: skip


def reject(conn: Connection, item_id: int, now: dt.datetime, reason: str,
           schedule: Schedule | None = None) -> str:  # fmt: skip
    """Close a review item without applying anything; its payment stays unapplied (and
    the invoice it was about is chased again)."""
    item = _item(conn, item_id)
    _close(conn, item, "rejected", reason, now)
    if item["payment_id"] is not None:
        pay_store.refresh_status(conn, item["payment_id"])
    if item["invoice_id"] is not None and schedule is not None:
        _reschedule(conn, item["invoice_id"], schedule)
    return f"review item {item_id} rejected: {reason}"


def assign(conn: Connection, item_id: int, numbers: list[str], now: dt.datetime,
           schedule: Schedule, note: str = "",
           receipts: Callable[[int, tuple[Allocation, ...]], int] | None = None) -> str:  # fmt: skip
    """Apply the item's payment to these invoices, in the order given, each up to what it
    has open; what is left is kept as credit of their customer."""
    item = _item(conn, item_id)
    if item["payment_id"] is None:
        raise InputError(f"review item {item_id} is not about a payment; nothing to assign")
    p = _payment(conn, item["payment_id"])
    cur = p["currency"]
    left = _remaining(conn, p)
    if left <= 0:
        raise InputError(f"payment {p['id']} has nothing left to assign")
    rows = {
        r["number"]: r for r in inv_store.by_numbers(conn, inv_store.resolve_refs(conn, numbers))
    }
    allocs: list[Allocation] = []
    owners = set()
    for n in numbers:
        hit = inv_store.resolve_refs(conn, [n])
        if not hit:
            raise InputError(f"{n}: no such invoice")
        r = rows[hit[0]]
        if r["currency"] != cur:
            raise InputError(f"{r['number']} is in {r['currency']}, payment {p['id']} in {cur}")
        if r["open_minor"] <= 0 or InvoiceStatus(r["status"]) not in OPEN_STATUSES:
            raise InputError(f"{r['number']} has nothing open ({r['status']})")
        take = min(left, r["open_minor"])
        if take > 0:
            allocs.append(Allocation(r["id"], r["number"], from_minor(take, cur)))
            left -= take
        owners.add(r["customer_id"])
    why = f"review item {item_id}: assigned by hand" + (f" ({note})" if note else "")
    apply_allocations(conn, p["id"], tuple(allocs), cur, rule="review.assign",
                      confidence=Decimal(1), cause=why, now=now, inbound_id=None,
                      evidence=f"payment {p['id']} ({p['source_message_id']})", schedule=schedule)  # fmt: skip
    if receipts is not None:
        receipts(p["id"], tuple(allocs))
    msg = f"payment {p['id']}: " + ", ".join(f"{a.number} {a.amount}" for a in allocs)
    if left > 0:
        owner = owners.pop() if len(owners) == 1 else None
        _add_credit(conn, p, owner, left, now, why)
        msg += f"; {from_minor(left, cur)} kept as credit of {owner}"
    pay_store.refresh_status(conn, p["id"])
    _close(conn, item, "assigned", why, now)
    if item["invoice_id"] is not None:
        _reschedule(conn, item["invoice_id"], schedule)
    return msg


def resolve_dispute(conn: Connection, number: str, note: str, now: dt.datetime,
                    schedule: Schedule) -> str:  # fmt: skip
    """End a dispute: the invoice is chased again from where its ladder stood, and the
    dispute's open review items are closed with the note."""
    if not note.strip():
        raise InputError("a note is required: say how the dispute was resolved")
    hits = inv_store.resolve_refs(conn, [number])
    if len(hits) != 1:
        raise InputError(f"{number}: no such invoice")
    found = inv_store.find_by_number(conn, hits[0])
    assert found is not None
    row = inv_store.for_update(conn, found["id"])
    if row["status"] != InvoiceStatus.DISPUTED.value:
        raise InputError(f"{row['number']} is not disputed (it is {row['status']})")
    new = (
        InvoiceStatus.PARTIALLY_PAID
        if row["open_minor"] < row["total_minor"]
        else InvoiceStatus.SENT
    )
    if row["open_minor"] == 0:
        new = InvoiceStatus.PAID
    when = schedule({**row, "status": new.value})
    inv_store.set_status(conn, row["id"], new, now, f"dispute resolved: {note}",
                         old=row["status"], rule="invoice.resolve", next_action_at=when)  # fmt: skip
    for item in conn.execute(select(review_items).where(
            review_items.c.invoice_id == row["id"], review_items.c.status == "open",
            review_items.c.payment_id.is_(None))).mappings().all():  # fmt: skip
        _close(conn, item, "accepted", f"dispute resolved: {note}", now)
    return f"{row['number']}: dispute resolved, now {new.value}" + (
        f"; next action {when.isoformat()}" if when else ""
    )


def unapply(conn: Connection, pid: int, reason: str, now: dt.datetime, schedule: Schedule,
            number: str | None = None) -> str:  # fmt: skip
    """Undo a payment's allocations (all, or the one on `number`): the money goes back to
    the payment, the invoices reopen, and a review item asks where it belongs."""
    if not reason.strip():
        raise InputError("a reason is required to unapply a payment")
    p = _payment(conn, pid)
    cur = p["currency"]
    q = select(allocations, invoices.c.number).join(
        invoices, invoices.c.id == allocations.c.invoice_id).where(
        allocations.c.payment_id == pid, allocations.c.reversed_at.is_(None))  # fmt: skip
    rows = [r for r in conn.execute(q).mappings() if number is None or r["number"] == number]
    if not rows:
        raise InputError(f"payment {pid} has no allocation" + (f" on {number}" if number else ""))
    for a in rows:
        conn.execute(update(allocations).where(allocations.c.id == a["id"]).values(
            reversed_at=now, reversal_reason=reason))  # fmt: skip
        if a["source"] == "credit":  # it came from the customer's credit: it goes back there
            conn.execute(update(payments).where(payments.c.id == pid).values(
                credit_minor=payments.c.credit_minor + a["amount_minor"]))  # fmt: skip
        row = inv_store.for_update(conn, a["invoice_id"])
        back = a["amount_minor"] + a["write_off_minor"] + a["discount_minor"]
        open_minor = row["open_minor"] + back
        old = InvoiceStatus(row["status"])
        new: InvoiceStatus
        if old in (InvoiceStatus.DISPUTED, InvoiceStatus.PROMISED):
            new = old
        elif open_minor >= row["total_minor"]:
            new = InvoiceStatus.DRAFT if row["needs_mailing"] else InvoiceStatus.SENT
        else:
            new = InvoiceStatus.PARTIALLY_PAID
        conn.execute(update(invoices).where(invoices.c.id == a["invoice_id"]).values(
            open_minor=open_minor, status=new.value,
            next_action_at=schedule({**row, "open_minor": open_minor, "status": new.value})))  # fmt: skip
        events.record(conn, now, "payment_unapplied", reason, invoice_id=a["invoice_id"],
                      payment_id=pid, rule="payment.unapply",
                      detail={"amount": str(from_minor(a["amount_minor"], cur)),
                              "reopened": str(from_minor(back, cur)), "from": old.value,
                              "to": new.value})  # fmt: skip
    status = pay_store.refresh_status(conn, pid, review=True)
    reviews.open_item(conn, now, f"payment {pid} of {from_minor(p['amount_minor'], cur)} {cur} "
                      f"unapplied ({reason}); where does it belong?", payment_id=pid)  # fmt: skip
    return (
        f"payment {pid}: unapplied from {', '.join(a['number'] for a in rows)}; "
        f"status {status.value}, waiting for review"
    )


__all__ = [
    "accept", "apply_allocations", "assign", "candidates", "identify_payer", "open_invoice",
    "proposal_json", "reject", "unapply",
]  # fmt: skip
