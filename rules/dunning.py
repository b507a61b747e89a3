"""The dunning ladder: given an invoice's state and today's date, what to do now and
when to look again. Pure; dates are the customer's local dates."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, replace

from ledger.models import InvoiceStatus
from rules.calendar import add_business_days, holiday_name, next_business_day
from rules.schema import Rules, Step


class Action(enum.StrEnum):
    NONE = "none"  #: nothing to do today
    SEND_INVOICE = "send_invoice"  #: mail the invoice itself (a draft reached its issue date)
    REMIND = "remind"  #: mail the next ladder step
    HANDOFF = "handoff"  #: pass the case to the collections agency (rules: dunning.handoff)


@dataclass(frozen=True)
class DunningState:
    status: InvoiceStatus
    issue_date: dt.date
    due_date: dt.date
    steps_sent: int
    last_reminder_on: dt.date | None
    last_mail_on: dt.date | None
    promised_until: dt.date | None
    contact_bounced: bool
    needs_mailing: bool = False  # the invoice itself has not gone out yet
    customer_id: str = ""
    segment: str = ""  # picks the ladder (rules: dunning.segments)
    country: str = ""  # public holidays (rules: dunning.calendar)
    hold_until: dt.date | None = None  # an out-of-office return date: no reminder before
    payment_in_review: bool = False  # a payment naming it waits for a human
    handed_off: bool = False  # passed to collections: it has left the ladder


@dataclass(frozen=True)
class Decision:
    action: Action
    step: Step | None
    next_on: dt.date | None  # when to look again; None = never (until something changes)
    reason: str
    ends_promise: bool = False


_STOPPED = {
    InvoiceStatus.PAID: "paid",
    InvoiceStatus.VOID: "void",
    InvoiceStatus.WRITTEN_OFF: "written off",
    InvoiceStatus.DISPUTED: "disputed: waits for the admin to resolve it",
}


def promise_resumes_on(promised_until: dt.date, rules: Rules) -> dt.date:
    return promised_until + dt.timedelta(days=rules.dunning.promise_grace_days)


def ladder_for(state: DunningState, rules: Rules) -> tuple[tuple[Step, ...], str]:
    """The customer's ladder and where it comes from: customer -> segment -> default."""
    d = rules.dunning
    if state.customer_id in d.customers:
        return d.customers[state.customer_id].ladder, f"dunning.customers.{state.customer_id}"
    if state.segment and state.segment in d.segments:
        return d.segments[state.segment].ladder, f"dunning.segments.{state.segment}"
    return d.ladder, "dunning.ladder"


def step_date(state: DunningState, step: Step, rules: Rules) -> dt.date:
    """The day a step falls due: its offset from the due date in calendar or business
    days, then (with `calendar.business_days`) moved off weekends and holidays."""
    country = state.country or rules.dunning.calendar.default_country
    if step.unit == "business_days":
        return add_business_days(state.due_date, step.days_after_due, country)
    day = state.due_date + dt.timedelta(days=step.days_after_due)
    if rules.dunning.calendar.business_days:
        return next_business_day(day, country)
    return day


def next_step(state: DunningState, today: dt.date, rules: Rules) -> Decision:
    if state.needs_mailing and state.status is not InvoiceStatus.VOID and not state.contact_bounced:
        # The invoice is the customer's document: it goes out even if paid meanwhile.
        when = max(state.issue_date, (state.last_mail_on + dt.timedelta(days=1))
                   if state.last_mail_on else state.issue_date)  # fmt: skip
        if today >= when:
            return Decision(Action.SEND_INVOICE, None, None, "issue date reached")
        return Decision(Action.NONE, None, when, f"invoice goes out on {when}")
    if state.status in _STOPPED:
        return Decision(Action.NONE, None, None, f"stopped: {_STOPPED[state.status]}")
    if state.contact_bounced:
        return Decision(Action.NONE, None, None, "stopped: the customer's address bounced")
    # Never two mails about one invoice on one (local) day.
    not_before = state.last_mail_on + dt.timedelta(days=1) if state.last_mail_on else None
    if state.status is InvoiceStatus.DRAFT:  # a draft not to be mailed by us: nothing to chase
        return Decision(Action.NONE, None, None, "draft that arclerk does not mail")
    ends_promise = False
    if state.status is InvoiceStatus.PROMISED and state.promised_until is not None:
        resume = promise_resumes_on(state.promised_until, rules)
        if today < resume:
            return Decision(Action.NONE, None, resume,
                            f"paused: payment promised for {state.promised_until}")  # fmt: skip
        ends_promise = True
    if state.handed_off:
        return Decision(Action.NONE, None, None, "handed off to collections: left the ladder")
    if state.payment_in_review:
        return Decision(Action.NONE, None, None,
                        "held: a payment for it waits for review", ends_promise)  # fmt: skip
    if state.hold_until is not None and today < state.hold_until:
        return Decision(Action.NONE, None, state.hold_until,
                        f"held: the customer is away until {state.hold_until} (out of office)",
                        ends_promise)  # fmt: skip
    ladder, source = ladder_for(state, rules)
    if state.steps_sent >= len(ladder):
        handoff = rules.dunning.handoff
        if handoff is None or not ladder or state.last_reminder_on is None:
            return Decision(Action.NONE, None, None, f"ladder finished ({source})", ends_promise)
        when = state.last_reminder_on + dt.timedelta(days=handoff.after_days)
        if not_before:
            when = max(when, not_before)
        why = (
            f"{handoff.after_days} days after the final step, unpaid: hand-off to {handoff.target}"
        )
        if today >= when:
            return Decision(Action.HANDOFF, None, None, why, ends_promise)
        return Decision(Action.NONE, None, when, f"ladder finished; {why} on {when}", ends_promise)
    step = ladder[state.steps_sent]
    planned = step_date(state, step, rules)
    candidates = [planned]
    if not_before:
        candidates.append(not_before)
    if state.last_reminder_on:
        gap = dt.timedelta(days=rules.dunning.min_days_between_reminders)
        candidates.append(state.last_reminder_on + gap)
    when = max(candidates)
    country = state.country or rules.dunning.calendar.default_country
    if rules.dunning.calendar.business_days:
        when = next_business_day(when, country)
    why = f"step {step.name} of {source}"
    nominal = state.due_date + dt.timedelta(days=step.days_after_due)
    if planned != nominal and step.unit == "calendar_days":
        moved = holiday_name(nominal, country) or ("a weekend" if nominal.weekday() >= 5 else "")
        why += f" (moved from {nominal}{', ' + moved if moved else ''})"
    if when > planned:
        why += " (held by the minimum gap between mails)"
    if today >= when:
        return Decision(Action.REMIND, step, None, f"{why} due since {when}", ends_promise)
    return Decision(Action.NONE, None, when, f"{why} due on {when}", ends_promise)


def simulate(state: DunningState, start: dt.date, end: dt.date,
             rules: Rules) -> list[tuple[dt.date, Decision]]:  # fmt: skip
    """What the ladder would do each day from `start` to `end` (inclusive) if nothing else
    happened (no payment, no reply): the mails and the days they go. Pure."""
    out: list[tuple[dt.date, Decision]] = []
    day = start
    while day <= end:
        d = next_step(state, day, rules)
        if d.action is Action.NONE:
            if d.ends_promise:
                state = replace(state, status=InvoiceStatus.SENT, promised_until=None)
            if d.next_on is None or d.next_on > end:
                break
            day = d.next_on if d.next_on > day else day + dt.timedelta(days=1)
            continue
        out.append((day, d))
        if d.action is Action.HANDOFF:
            state = replace(state, handed_off=True)
        elif d.action is Action.SEND_INVOICE:
            state = replace(state, needs_mailing=False, last_mail_on=day,
                            status=InvoiceStatus.SENT if state.status is InvoiceStatus.DRAFT
                            else state.status)  # fmt: skip
        else:
            state = replace(state, steps_sent=state.steps_sent + 1, last_mail_on=day,
                            last_reminder_on=day,
                            status=InvoiceStatus.SENT if d.ends_promise else state.status)  # fmt: skip
        day += dt.timedelta(days=1)
    return out
