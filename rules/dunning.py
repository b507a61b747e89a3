"""The dunning ladder: given an invoice's state and today's date, what to do now and
when to look again. Pure; dates are the customer's local dates."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from ledger.models import InvoiceStatus
from rules.schema import Rules, Step


class Action(enum.StrEnum):
    NONE = "none"  #: nothing to do today
    SEND_INVOICE = "send_invoice"  #: mail the invoice itself (a draft reached its issue date)
    REMIND = "remind"  #: mail the next ladder step


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
    ladder = rules.dunning.ladder
    if state.steps_sent >= len(ladder):
        return Decision(Action.NONE, None, None, "ladder finished", ends_promise)
    step = ladder[state.steps_sent]
    candidates = [state.due_date + dt.timedelta(days=step.days_after_due)]
    if not_before:
        candidates.append(not_before)
    if state.last_reminder_on:
        gap = dt.timedelta(days=rules.dunning.min_days_between_reminders)
        candidates.append(state.last_reminder_on + gap)
    when = max(candidates)
    if today >= when:
        return Decision(Action.REMIND, step, None, f"step {step.name} due since {when}",
                        ends_promise)  # fmt: skip
    return Decision(Action.NONE, None, when, f"step {step.name} due on {when}", ends_promise)
