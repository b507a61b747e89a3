"""Business days, holidays, ladders per segment and customer, send-window slots (pure)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from ledger.models import InvoiceStatus
from rules.calendar import add_business_days, in_window, is_business_day, next_business_day, slot
from rules.dunning import Action, DunningState, ladder_for, next_step
from rules.loader import load
from rules.schema import Calendar, LadderOverride, Rules, Step

D = dt.date
BASE = load(None)


def rules(**dunning: object) -> Rules:
    return BASE.model_copy(update={"dunning": BASE.dunning.model_copy(update=dunning)})


def state(due: dt.date, **kw: object) -> DunningState:
    base = {"status": InvoiceStatus.SENT, "issue_date": due - dt.timedelta(days=30), "due_date": due,
            "steps_sent": 0, "last_reminder_on": None, "last_mail_on": None, "promised_until": None,
            "contact_bounced": False, "country": "DE"}  # fmt: skip
    return DunningState(**{**base, **kw})  # type: ignore[arg-type]


def test_business_days_skip_weekends_and_public_holidays() -> None:
    """Christmas 2026 in Germany: Fri 25th and Sat 26th are holidays, Sun 27th a Sunday."""
    assert not is_business_day(D(2026, 12, 25), "DE")
    assert not is_business_day(D(2026, 12, 26), "DE")
    assert is_business_day(D(2026, 12, 25), "")  # no country: weekends only (a Friday)
    assert next_business_day(D(2026, 12, 25), "DE") == D(2026, 12, 28)
    assert add_business_days(D(2026, 12, 24), 3, "DE") == D(2026, 12, 30)
    assert add_business_days(D(2026, 12, 28), -1, "DE") == D(2026, 12, 24)
    assert is_business_day(D(2026, 12, 28), "XX")  # unknown country: weekends only


def test_a_step_on_a_holiday_moves_to_the_next_business_day() -> None:
    """Due Tue 22 Dec, first step +3 = Christmas Day: with the calendar on it goes on
    Monday 28th, and the reason says why; with it off, on the 25th as before."""
    on = rules(calendar=Calendar(business_days=True))
    d = next_step(state(D(2026, 12, 22)), D(2026, 12, 25), on)
    assert (d.action, d.next_on) == (Action.NONE, D(2026, 12, 28))
    assert "moved from 2026-12-25, Christmas Day" in d.reason
    assert next_step(state(D(2026, 12, 22)), D(2026, 12, 28), on).action is Action.REMIND
    assert next_step(state(D(2026, 12, 22)), D(2026, 12, 25), BASE).action is Action.REMIND


def test_business_day_offsets() -> None:
    """`unit: business_days` counts only business days of the customer's country."""
    ladder = (
        Step(name="first", days_after_due=3, template="reminder_first", unit="business_days"),
    )
    r = rules(ladder=ladder)
    d = next_step(state(D(2026, 12, 24)), D(2026, 12, 24), r)
    assert d.next_on == D(2026, 12, 30)


def test_ladder_per_segment_and_per_customer() -> None:
    """customer -> segment -> default, the most specific wins."""
    vip = (Step(name="gentle", days_after_due=10, template="reminder_first"),)
    mine = (Step(name="mine", days_after_due=1, template="reminder_first"),)
    r = rules(
        segments={"vip": LadderOverride(ladder=vip)}, customers={"C9": LadderOverride(ladder=mine)}
    )
    assert ladder_for(state(D(2026, 12, 1), segment="vip"), r) == (vip, "dunning.segments.vip")
    assert (
        ladder_for(state(D(2026, 12, 1), segment="vip", customer_id="C9"), r)[1]
        == "dunning.customers.C9"
    )
    assert ladder_for(state(D(2026, 12, 1), segment="other"), r)[1] == "dunning.ladder"
    d = next_step(state(D(2026, 12, 1), segment="vip"), D(2026, 12, 4), r)
    assert (d.action, d.next_on) == (Action.NONE, D(2026, 12, 11))


def test_slots_are_stable_inside_the_window_and_follow_dst() -> None:
    """The same key gets the same minute; a window is local wall-clock time on both sides
    of a DST change (Berlin springs forward on 28 March 2027)."""
    nine, five = dt.time(9), dt.time(17)
    a = slot(D(2027, 3, 27), "Europe/Berlin", nine, five, "INV-1")
    b = slot(D(2027, 3, 29), "Europe/Berlin", nine, five, "INV-1")
    la, lb = a.astimezone(ZoneInfo("Europe/Berlin")), b.astimezone(ZoneInfo("Europe/Berlin"))
    assert la.time() == lb.time()  # same local minute
    assert (a.utcoffset(), (la.utcoffset(), lb.utcoffset())) == (
        dt.timedelta(0),
        (dt.timedelta(hours=1), dt.timedelta(hours=2)),
    )
    assert nine <= la.time() < five
    assert slot(D(2027, 3, 27), "Europe/Berlin", nine, five, "INV-1") == a
    keys = {slot(D(2027, 3, 27), "Asia/Tokyo", nine, five, f"INV-{i}") for i in range(200)}
    assert len(keys) > 150  # spread, not bunched
    assert in_window(dt.datetime(2027, 3, 27, 0, 30, tzinfo=dt.UTC), "Asia/Tokyo", nine, five)
    assert not in_window(dt.datetime(2027, 3, 27, 12, 0, tzinfo=dt.UTC), "Asia/Tokyo", nine, five)
