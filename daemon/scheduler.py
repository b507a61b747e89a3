"""The dunning tick: only invoices whose indexed `next_action_at` is due are read.

For each, rules.dunning decides; the mail is queued and the next `next_action_at` set in
the same transaction, so a crash or a second tick never queues a step twice (the outbox
idempotency key (invoice, kind, step) backs that up).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Connection, RowMapping, bindparam, exists, select, update

from daemon import charges, faults
from ledger import events, reviews
from ledger import invoices as inv_store
from ledger.models import InvoiceStatus
from ledger.money import from_minor
from ledger.schema import customers, invoices, review_items
from ledger.store import Store
from outbox import queue
from rules.calendar import in_window, is_business_day, slot
from rules.dunning import Action, Decision, DunningState, next_step
from rules.schema import Rules, Step

log = structlog.get_logger("arclerk.scheduler")


# Built once: constructing a statement per call costs more than executing it.
#: whether a payment naming this invoice waits for review (no reminder meanwhile)
PAYMENT_REVIEW = (
    exists().where(review_items.c.invoice_id == invoices.c.id, review_items.c.status == "open",
                   review_items.c.payment_id.is_not(None))
    .label("payment_review")
)  # fmt: skip
_DECIDE = (
    select(invoices, customers.c.timezone, customers.c.email, customers.c.email_bounced_at,
           customers.c.segment, customers.c.country, customers.c.account_manager, PAYMENT_REVIEW)
    .join(customers, customers.c.id == invoices.c.customer_id)
    .where(invoices.c.id == bindparam("_id"))
    .with_for_update(of=invoices)
)  # fmt: skip
_NEXT_ACTION = update(invoices).where(invoices.c.id == bindparam("_id")).values(
    next_action_at=bindparam("when"))  # fmt: skip


def local_midnight_utc(day: dt.date, tz: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), ZoneInfo(tz)).astimezone(dt.UTC)


def state_of(row: Mapping[Any, Any], bounced: bool) -> DunningState:
    return DunningState(
        status=InvoiceStatus(row["status"]), issue_date=row["issue_date"],
        due_date=row["due_date"], steps_sent=row["steps_sent"],
        last_reminder_on=row["last_reminder_on"], last_mail_on=row["last_mail_on"],
        promised_until=row["promised_until"], contact_bounced=bounced,
        needs_mailing=row["needs_mailing"], customer_id=row["customer_id"],
        segment=row.get("segment") or "", country=row.get("country") or "",
        hold_until=row.get("hold_until"), payment_in_review=bool(row.get("payment_review")),
        handed_off=row.get("handed_off_at") is not None,
    )  # fmt: skip


def _decide(
    conn: Connection, invoice_id: int, rules: Rules, now: dt.datetime
) -> tuple[RowMapping, dt.date, Decision]:
    """The invoice with its customer's fields, the customer-local date, and the decision."""
    row = conn.execute(_DECIDE, {"_id": invoice_id}).mappings().one()
    today = now.astimezone(ZoneInfo(row["timezone"])).date()
    return row, today, next_step(state_of(row, row["email_bounced_at"] is not None), today, rules)


def next_action_at(row: Mapping[Any, Any], rules: Rules, now: dt.datetime) -> dt.datetime | None:
    """When the tick should look at this invoice next: `now` if something can be sent now,
    else the moment it can (the next step's day — at its slot in the send window when one
    is configured — or, for a reminder due outside the window, the next slot); None if
    nothing is ahead. `row` holds the invoice's columns and its customer's `timezone`,
    `email_bounced_at`, `segment` and `country`."""
    tz = row["timezone"]
    today = now.astimezone(ZoneInfo(tz)).date()
    decision = next_step(state_of(row, row["email_bounced_at"] is not None), today, rules)
    if decision.action is Action.REMIND:
        return reminder_wait(row, rules, now, decision) or now
    if decision.action is not Action.NONE:
        return now
    if decision.next_on is None:
        return None
    window = rules.dunning.send_window
    if window is None:
        return local_midnight_utc(decision.next_on, tz)
    # The next step's own slot; anything else looked at then (e.g. a promise ending) is
    # decided on that day too.
    return slot(decision.next_on, tz, window.start, window.end, slot_key(row, rules))


def slot_key(row: Mapping[Any, Any], rules: Rules) -> str:
    """What spreads mails across the send window: the invoice, or — when a customer gets
    one mail for all its due reminders — the customer, so they fall due together."""
    return str(row["customer_id"] if rules.dunning.one_mail_per_customer else row["number"])


def reminder_wait(row: Mapping[Any, Any], rules: Rules, now: dt.datetime,
                  decision: Decision) -> dt.datetime | None:  # fmt: skip
    """None if a due reminder may go out at `now`; else when it may: with a send window,
    at the invoice's slot on a day it may be sent (a business day, if the calendar says
    so), never after the window closes."""
    window = rules.dunning.send_window
    if window is None:
        return None
    tz = row["timezone"]
    country = row.get("country") or rules.dunning.calendar.default_country
    day = now.astimezone(ZoneInfo(tz)).date()
    key = slot_key(row, rules)
    for _ in range(30):  # bounded: a long run of holidays is still finite
        allowed = not rules.dunning.calendar.business_days or is_business_day(day, country)
        if allowed:
            at = slot(day, tz, window.start, window.end, key)
            if now < at:
                return at
            if (
                in_window(now, tz, window.start, window.end)
                and now.astimezone(ZoneInfo(tz)).date() == day
            ):
                return None
        day += dt.timedelta(days=1)
    return None


def reschedule(conn: Connection, invoice_id: int, rules: Rules, now: dt.datetime) -> None:
    """Recompute an invoice's next_action_at after something changed it."""
    row = conn.execute(_DECIDE, {"_id": invoice_id}).mappings().one()
    conn.execute(_NEXT_ACTION, {"_id": invoice_id, "when": next_action_at(row, rules, now)})


def tick(store: Store, rules: Rules, now: dt.datetime, domain: str, batch: int = 1000) -> int:
    """Queue every mail that is due at `now`; returns how many were queued."""
    queued = 0
    visited: set[int] = set()  # each due invoice is acted on at most once per tick
    while True:
        with store.write() as conn:
            ids = [r[0] for r in conn.execute(
                select(invoices.c.id)
                .where(invoices.c.next_action_at <= now)
                # the next_action_at index drives this: cost follows the work due, not the ledger
                .order_by(invoices.c.next_action_at, invoices.c.id).limit(batch)
                # another instance working on an invoice: skip it, never wait or double up
                .with_for_update(skip_locked=True)
            )]  # fmt: skip
            fresh = [i for i in ids if i not in visited]
            single = fresh
            if rules.dunning.one_mail_per_customer:
                groups, single = _groups(conn, fresh, rules, now)
                for entries in groups:
                    queued += _act_group(conn, entries, rules, now, domain)
            for invoice_id in single:
                queued += _act(conn, invoice_id, rules, now, domain)
            visited.update(fresh)
        if queued:
            faults.point("after_enqueue")
        if not fresh:  # (a fee invoice made by this tick is mailed by it too)
            return queued


Entry = tuple[RowMapping, dt.date, Decision]


def _groups(conn: Connection, ids: list[int], rules: Rules,
            now: dt.datetime) -> tuple[list[list[Entry]], list[int]]:  # fmt: skip
    """Split due invoices into customers with several reminders that may go now (one
    statement each) and the rest (acted on one by one)."""
    by_customer: dict[str, list[Entry]] = {}
    for invoice_id in ids:
        row, today, decision = _decide(conn, invoice_id, rules, now)
        if decision.action is Action.REMIND and not reminder_wait(row, rules, now, decision):
            by_customer.setdefault(row["customer_id"], []).append((row, today, decision))
    groups = [entries for entries in by_customer.values() if len(entries) > 1]
    grouped = {e[0]["id"] for entries in groups for e in entries}
    return groups, [i for i in ids if i not in grouped]


def _end_promise(conn: Connection, row: RowMapping, now: dt.datetime) -> None:
    status = (InvoiceStatus.PARTIALLY_PAID if row["open_minor"] < row["total_minor"]
              else InvoiceStatus.SENT)  # fmt: skip
    conn.execute(update(invoices).where(invoices.c.id == row["id"])
                 .values(status=status.value, promised_until=None))  # fmt: skip
    events.record(conn, now, "promise_broken",
                  f"promised date {row['promised_until']} passed unpaid; dunning resumes",
                  invoice_id=row["id"], rule="dunning.promise_grace_days",
                  detail={"to": status.value})  # fmt: skip


_TONES = ("friendly", "firm", "final")


def _act_group(conn: Connection, entries: list[Entry], rules: Rules, now: dt.datetime,
               domain: str) -> int:  # fmt: skip
    """One mail for several of a customer's invoices whose reminders are due: a statement
    listing them all, each invoice advancing its own ladder (and paying its own charges)."""
    first = entries[0][0]
    items = []
    for row, today, decision in entries:
        assert decision.step is not None
        if decision.ends_promise:
            _end_promise(conn, row, now)
        charged = charges.charge(conn, row, decision.step, rules, today, now)
        items.append({"invoice_id": row["id"], "number": row["number"], "step": decision.step.name,
                      "tone": decision.step.tone, **charged})  # fmt: skip
    key = ",".join(f"{i['invoice_id']}:{i['step']}" for i in items)
    tone = max((i["tone"] for i in items), key=_TONES.index)
    mid = queue.enqueue(conn, idem_key=f"statement:{first['customer_id']}:{key}", kind="statement",
                        recipient=first["email"], now=now, domain=domain,
                        invoice_id=first["id"], step=None,
                        params={"items": items, "tone": tone})  # fmt: skip
    numbers = [i["number"] for i in items]
    for row, today, decision in entries:
        assert decision.step is not None
        conn.execute(update(invoices).where(invoices.c.id == row["id"]).values(
            steps_sent=row["steps_sent"] + 1, last_mail_on=today, last_reminder_on=today))  # fmt: skip
        others = ", ".join(n for n in numbers if n != row["number"])
        events.record(conn, now, "reminder_queued",
                      f"{decision.reason}; in one statement with {others}",
                      invoice_id=row["id"], rule=f"dunning.ladder.{decision.step.name}",
                      detail={"grouped_with": others})  # fmt: skip
        reschedule(conn, row["id"], rules, now)
    log.info("dunning_statement", customer=first["customer_id"], invoices=numbers)
    return 1 if mid else 0


def _act(conn: Connection, invoice_id: int, rules: Rules, now: dt.datetime, domain: str) -> int:
    row, today, decision = _decide(conn, invoice_id, rules, now)
    bound = log.bind(invoice=row["number"], action=decision.action.value, reason=decision.reason)
    queued = 0
    if decision.ends_promise:
        _end_promise(conn, row, now)
    if decision.action is Action.SEND_INVOICE:
        mid = queue.enqueue(conn, idem_key=f"invoice:{invoice_id}", kind="invoice",
                            recipient=row["email"], now=now, domain=domain,
                            invoice_id=invoice_id)  # fmt: skip
        values: dict[str, object] = {"needs_mailing": False, "last_mail_on": today}
        if row["status"] == InvoiceStatus.DRAFT.value:
            values["status"] = InvoiceStatus.SENT.value
            events.record(conn, now, "status_changed", "invoice mailed on its issue date",
                          invoice_id=invoice_id, rule="dunning.send_invoice",
                          detail={"from": "draft", "to": "sent"})  # fmt: skip
        if mid:
            values["thread_message_id"] = mid
            queued += 1
        conn.execute(update(invoices).where(invoices.c.id == invoice_id).values(**values))
    elif decision.action is Action.REMIND and (wait := reminder_wait(row, rules, now, decision)):
        bound = bound.bind(waits_until=wait.isoformat())  # outside the send window
    elif decision.action is Action.REMIND:
        assert decision.step is not None
        step = decision.step
        charged = charges.charge(conn, row, step, rules, today, now)
        mid = queue.enqueue(conn, idem_key=f"reminder:{invoice_id}:{step.name}", kind="reminder",
                            recipient=row["email"], now=now, domain=domain,
                            invoice_id=invoice_id, step=step.name,
                            params={"template": step.template, "tone": step.tone, **charged,
                                    **_extras(row, step)})  # fmt: skip
        queued += 1 if mid else 0
        conn.execute(update(invoices).where(invoices.c.id == invoice_id).values(
            steps_sent=row["steps_sent"] + 1, last_mail_on=today, last_reminder_on=today))  # fmt: skip
        events.record(conn, now, "reminder_queued", decision.reason, invoice_id=invoice_id,
                      rule=f"dunning.ladder.{step.name}")  # fmt: skip
    elif decision.action is Action.HANDOFF:
        handoff = rules.dunning.handoff
        assert handoff is not None
        if handoff.email:
            mid = queue.enqueue(conn, idem_key=f"handoff:{invoice_id}", kind="handoff",
                                recipient=handoff.email, now=now, domain=domain,
                                invoice_id=invoice_id,
                                params={"reason": decision.reason})  # fmt: skip
            queued += 1 if mid else 0
        if handoff.webhook:
            # The case as the agency's system takes it, fixed now: a retry sends the same.
            queue.enqueue(conn, idem_key=f"handoff-webhook:{invoice_id}", kind="webhook",
                          recipient=handoff.webhook, now=now, domain=domain,
                          invoice_id=invoice_id,
                          params={"payload": handoff_case(conn, row, decision.reason, now)})  # fmt: skip
        conn.execute(update(invoices).where(invoices.c.id == invoice_id).values(handed_off_at=now))
        events.record(conn, now, "handed_off", decision.reason, invoice_id=invoice_id,
                      rule="dunning.handoff", detail={"agency": handoff.target})  # fmt: skip
    reschedule(conn, invoice_id, rules, now)
    bound.info("dunning_decision")
    return queued


def handoff_case(
    conn: Connection, row: RowMapping, reason: str, now: dt.datetime
) -> dict[str, Any]:
    """The collection case a webhook receives: the debtor, the invoice, every open
    invoice of the debtor (fee invoices included) and why the case is handed over now."""
    cust = (
        conn.execute(select(customers).where(customers.c.id == row["customer_id"])).mappings().one()
    )

    def money(r: RowMapping, column: str) -> str:
        return str(from_minor(r[column], r["currency"]))

    open_rows = inv_store.open_for_customer(conn, row["customer_id"])
    return {
        "event": "collection_handoff", "handed_off_at": now.isoformat(), "reason": reason,
        "debtor": {"id": cust["id"], "name": cust["name"], "email": cust["email"],
                   "address": cust["address"] or ""},
        "invoice": {"number": row["number"], "currency": row["currency"],
                    "total": money(row, "total_minor"), "open_amount": money(row, "open_minor"),
                    "issue_date": row["issue_date"].isoformat(), "due_date": row["due_date"].isoformat()},
        "open_invoices": [{"number": r["number"], "currency": r["currency"],
                           "open_amount": money(r, "open_minor"), "due_date": r["due_date"].isoformat(),
                           "fee_for": r["fee_for"] is not None} for r in open_rows],
    }  # fmt: skip


def _extras(row: RowMapping, step: Step) -> dict[str, Any]:
    """A step's copies and attachments, resolved for this customer."""
    cc = [row["account_manager"] if a == "account_manager" else a for a in step.cc]
    out: dict[str, Any] = {}
    if cc := [a for a in dict.fromkeys(cc) if a and a != row["email"]]:
        out["cc"] = cc
    if step.attach_invoice:
        out["attach_invoice"] = True
    if step.attach_statement:
        out["attach_statement"] = True
    return out


def digest(store: Store, rules: Rules, now: dt.datetime, admin: str | None, domain: str) -> bool:
    """Queue the admin's daily digest of open review items (once per UTC day, from the
    configured hour on); True if one was queued now."""
    if (
        not admin
        or not rules.review.digest
        or now.astimezone(dt.UTC).hour < rules.review.digest_hour_utc
    ):
        return False
    day = now.astimezone(dt.UTC).date().isoformat()
    with store.write() as conn:
        items = reviews.list_items(conn)
        if not items:
            return False
        shown = [{"id": i["id"], "created_at": i["created_at"], "reason": i["reason"][:300]}
                 for i in items[:200]]  # fmt: skip
        return queue.enqueue(conn, idem_key=f"digest:{day}", kind="digest", recipient=admin,
                             now=now, domain=domain,
                             params={"count": len(items), "items": shown}) is not None  # fmt: skip
