"""The dunning ladder's timing and stops (the matching engine: test_matching.py)."""

from __future__ import annotations

import datetime as dt

from ledger.models import InvoiceStatus
from rules.dunning import Action, DunningState, next_step
from rules.loader import load

RULES = load(None)
DUE = dt.date(2026, 12, 1)
D = dt.date


def state(**kw: object) -> DunningState:
    base = {"status": InvoiceStatus.SENT, "issue_date": D(2026, 11, 1), "due_date": DUE, "steps_sent": 0,
                "last_reminder_on": None, "last_mail_on": D(2026, 11, 1), "promised_until": None,
                "contact_bounced": False}  # fmt: skip
    return DunningState(**{**base, **kw})  # type: ignore[arg-type]


def test_draft_is_sent_on_its_issue_date() -> None:
    """A draft waits for its issue date, then is mailed."""
    s = state(status=InvoiceStatus.DRAFT, last_mail_on=None, needs_mailing=True)
    assert next_step(s, D(2026, 10, 31), RULES).next_on == D(2026, 11, 1)
    assert next_step(s, D(2026, 11, 1), RULES).action is Action.SEND_INVOICE


def test_invoice_paid_before_mailing_is_still_mailed() -> None:
    """The invoice is the customer's document: paid early, it still goes out, once."""
    s = state(status=InvoiceStatus.PAID, last_mail_on=None, needs_mailing=True)
    assert next_step(s, D(2026, 11, 1), RULES).action is Action.SEND_INVOICE
    assert next_step(state(status=InvoiceStatus.PAID), D(2026, 11, 1), RULES).next_on is None


def test_default_ladder_offsets() -> None:
    """First reminder 3 days after due, second at 14, final at 30."""
    assert next_step(state(), D(2026, 12, 3), RULES).next_on == D(2026, 12, 4)
    d = next_step(state(), D(2026, 12, 4), RULES)
    assert (d.action, d.step and d.step.name) == (Action.REMIND, "first")
    s2 = state(steps_sent=1, last_reminder_on=D(2026, 12, 4), last_mail_on=D(2026, 12, 4))
    assert next_step(s2, D(2026, 12, 5), RULES).next_on == D(2026, 12, 15)
    s3 = state(steps_sent=2, last_reminder_on=D(2026, 12, 15), last_mail_on=D(2026, 12, 15))
    d3 = next_step(s3, D(2026, 12, 31), RULES)
    assert d3.step is not None
    assert (d3.step.name, d3.step.tone) == ("final", "final")
    done = state(steps_sent=3, last_reminder_on=D(2026, 12, 31), last_mail_on=D(2026, 12, 31))
    assert next_step(done, D(2027, 3, 1), RULES).next_on is None


def test_stops_on_paid_disputed_and_bounce() -> None:
    """Paid, disputed and bounced invoices are never reminded and never looked at again."""
    for s in (state(status=InvoiceStatus.PAID), state(status=InvoiceStatus.DISPUTED),
              state(contact_bounced=True)):  # fmt: skip
        d = next_step(s, D(2027, 1, 1), RULES)
        assert (d.action, d.next_on) == (Action.NONE, None)


def test_promise_pauses_until_date_plus_grace() -> None:
    """A promise for Dec 20 holds the ladder until Dec 22, then resumes it."""
    s = state(status=InvoiceStatus.PROMISED, promised_until=D(2026, 12, 20), steps_sent=1,
              last_reminder_on=D(2026, 12, 4), last_mail_on=D(2026, 12, 4))  # fmt: skip
    held = next_step(s, D(2026, 12, 21), RULES)
    assert (held.action, held.next_on) == (Action.NONE, D(2026, 12, 22))
    resumed = next_step(s, D(2026, 12, 22), RULES)
    assert resumed.action is Action.REMIND
    assert resumed.ends_promise
    assert resumed.step is not None
    assert resumed.step.name == "second"


def test_never_two_mails_on_one_day() -> None:
    """A step due on a day something else was already mailed moves to the next day."""
    s = state(last_mail_on=D(2026, 12, 4))
    assert next_step(s, D(2026, 12, 4), RULES).next_on == D(2026, 12, 5)


def test_minimum_gap_between_steps() -> None:
    """After a late first reminder the second waits the configured minimum gap."""
    s = state(steps_sent=1, last_reminder_on=D(2026, 12, 12), last_mail_on=D(2026, 12, 12))
    assert next_step(s, D(2026, 12, 15), RULES).next_on == D(2026, 12, 19)
