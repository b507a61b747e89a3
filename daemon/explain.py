"""`arclerk explain INVOICE` and `arclerk forecast --days N`: the dunning decisions in
words, read-only. Both use the same rules and clock logic as the tick."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, select

from daemon.scheduler import PAYMENT_REVIEW, next_action_at, reminder_wait, slot_key, state_of
from ledger.errors import InputError
from ledger.invoices import find_by_number, resolve_refs
from ledger.models import OPEN_STATUSES
from ledger.schema import customers, events, invoices, outbox
from rules.calendar import slot
from rules.dunning import Action, ladder_for, next_step, simulate
from rules.schema import Rules

# What the tick reads (scheduler._DECIDE), without its row lock: this is read-only.
_ROW = (
    select(
        invoices,
        customers.c.timezone,
        customers.c.email,
        customers.c.email_bounced_at,
        customers.c.segment,
        customers.c.country,
        PAYMENT_REVIEW,
    )
    .join(customers, customers.c.id == invoices.c.customer_id)
    .where(invoices.c.id == bindparam("_id"))
)


def _row(conn: Connection, number: str) -> Any:
    row = find_by_number(conn, number)
    if row is None:
        hits = resolve_refs(conn, [number])
        row = find_by_number(conn, hits[0]) if len(hits) == 1 else None
    if row is None:
        raise InputError(f"{number}: no such invoice")
    return conn.execute(_ROW, {"_id": row["id"]}).mappings().one()


def explain(conn: Connection, number: str, rules: Rules, now: dt.datetime) -> dict[str, Any]:
    """Why the last mail went, why the next one will or will not, and when."""
    row = _row(conn, number)
    tz = row["timezone"]
    today = now.astimezone(ZoneInfo(tz)).date()
    state = state_of(row, row["email_bounced_at"] is not None)
    ladder, source = ladder_for(state, rules)
    decision = next_step(state, today, rules)
    last = conn.execute(
        select(outbox.c.kind, outbox.c.step, outbox.c.sent_at, outbox.c.status, outbox.c.idem_key)
        .where(outbox.c.invoice_id == row["id"]).order_by(outbox.c.id.desc()).limit(1)
    ).mappings().first()  # fmt: skip
    why_last = None
    if last is not None:
        ev = conn.execute(
            select(events.c.cause, events.c.rule, events.c.at)
            .where(events.c.invoice_id == row["id"], events.c.kind.in_(["reminder_queued", "mail_queued"]))
            .order_by(events.c.id.desc()).limit(1)
        ).mappings().first()  # fmt: skip
        why_last = (
            {"cause": ev["cause"], "rule": ev["rule"], "at": ev["at"].isoformat()} if ev else None
        )
    when: str | None
    if decision.action is Action.REMIND:
        wait = reminder_wait(row, rules, now, decision)
        when = (wait or now).isoformat()
        will = (f"sends {decision.step.name if decision.step else 'a reminder'} "
                + (f"at {when} (its slot in the send window)" if wait else "in the next cycle"))  # fmt: skip
    elif decision.action is Action.SEND_INVOICE:
        when, will = now.isoformat(), "mails the invoice in the next cycle"
    else:
        at = next_action_at(row, rules, now)
        when = at.isoformat() if at else None
        will = f"nothing before {when}" if at else "nothing: no further mail is planned"
    return {
        "invoice": row["number"], "status": row["status"], "customer": row["customer_id"],
        "timezone": tz, "country": row["country"] or rules.dunning.calendar.default_country,
        "ladder": {"source": source, "steps": [s.model_dump(mode="json") for s in ladder],
                   "steps_sent": row["steps_sent"]},
        "last_mail": None if last is None else {
            "kind": last["kind"], "step": last["step"], "status": last["status"],
            "sent_at": last["sent_at"].isoformat() if last["sent_at"] else None, "why": why_last},
        "next": {"action": decision.action.value,
                 "step": decision.step.name if decision.step else None,
                 "when": when, "reason": decision.reason, "will": will},
    }  # fmt: skip


def forecast(conn: Connection, rules: Rules, now: dt.datetime, days: int) -> list[dict[str, Any]]:
    """What would be mailed per day over the next `days` days if nothing were paid or
    answered, without sending anything. Reads only invoices whose next action falls in
    the horizon (the next_action_at index)."""
    horizon = now + dt.timedelta(days=days)
    ids = [r[0] for r in conn.execute(
        select(invoices.c.id).where(invoices.c.next_action_at <= horizon,
                                    invoices.c.status.in_([s.value for s in OPEN_STATUSES]))
        .order_by(invoices.c.next_action_at, invoices.c.id))]  # fmt: skip
    window = rules.dunning.send_window
    plan: dict[dt.date, list[dict[str, Any]]] = {}
    for invoice_id in ids:
        row = conn.execute(_ROW, {"_id": invoice_id}).mappings().one()
        tz = row["timezone"]
        start = now.astimezone(ZoneInfo(tz)).date()
        end = horizon.astimezone(ZoneInfo(tz)).date()
        state = state_of(row, row["email_bounced_at"] is not None)
        for day, d in simulate(state, start, end, rules):
            at = (slot(day, tz, window.start, window.end, slot_key(row, rules)) if window
                  and d.action is Action.REMIND else None)  # fmt: skip
            if day == start and at is not None and at < now:
                at = now
            plan.setdefault(day, []).append({
                "invoice": row["number"], "customer": row["customer_id"], "action": d.action.value,
                "step": d.step.name if d.step else None,
                "template": d.step.template if d.step else "invoice",
                "at": at.isoformat() if at else None, "reason": d.reason,
            })  # fmt: skip
    return [{"date": day.isoformat(), "mails": sorted(m, key=lambda x: (x["at"] or "", x["invoice"]))}
            for day, m in sorted(plan.items())]  # fmt: skip
