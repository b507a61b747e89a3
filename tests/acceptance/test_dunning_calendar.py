"""Dunning by the clock, through the CLI with `--now`: each customer is reminded inside
its own send window (Tokyo, Los Angeles), at a stable minute; a DST change neither skips
nor doubles a step; German holidays move a step to the next business day."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from rules.calendar import slot
from tests.helpers import Workspace, invoice, make_workspace

pytestmark = pytest.mark.acceptance
NINE, FIVE = dt.time(9), dt.time(17)


def _ws(tmp_path: Path, customers: list[tuple[str, str, str, str, str]], rules: str) -> Workspace:
    """customers: (invoice number, customer id, time zone, country, due date)."""
    w = make_workspace(tmp_path)
    w.config.write_text(w.config.read_text() + "rules: rules.yaml\n")
    (tmp_path / "rules.yaml").write_text(rules)
    items = []
    for number, cid, tz, country, due in customers:
        inv = invoice(
            number, cid, f"ap@{cid.lower()}.example", "100.00", "2026-10-01", due, status="sent"
        )
        inv["customer"] |= {"timezone": tz, "country": country}
        items.append(inv)
    (tmp_path / "inv.json").write_text(json.dumps(items))
    w.cli("import", "inv.json")
    return w


def _reminders(w: Workspace) -> dict[str, list[str]]:
    return {n: [r["sent_at"] for r in i["reminders"]] for n, i in w.invoices().items()}


def _at(w: Workspace, when: dt.datetime) -> dict[str, list[str]]:
    w.cli("run", "--once", "--now", when.isoformat())
    return _reminders(w)


WINDOW = 'dunning:\n  send_window: {start: "09:00", end: "17:00"}\n'


def test_each_customer_is_reminded_inside_its_own_window(tmp_path: Path) -> None:
    """Both first steps fall due on 4 Dec (customer-local). Tokyo's window is 00:00-08:00
    UTC, Los Angeles' 17:00-01:00 UTC; each goes out at its own slot, once."""
    w = _ws(tmp_path, [("INV-2026-0001", "TOKYO", "Asia/Tokyo", "JP", "2026-12-01"),
                       ("INV-2026-0002", "LAX", "America/Los_Angeles", "US", "2026-12-01")], WINDOW)  # fmt: skip
    tokyo = slot(dt.date(2026, 12, 4), "Asia/Tokyo", NINE, FIVE, "INV-2026-0001")
    lax = slot(dt.date(2026, 12, 4), "America/Los_Angeles", NINE, FIVE, "INV-2026-0002")
    assert _at(w, tokyo - dt.timedelta(minutes=1)) == {"INV-2026-0001": [], "INV-2026-0002": []}
    got = _at(w, tokyo)
    assert got["INV-2026-0001"] == [tokyo.isoformat()]
    assert got["INV-2026-0002"] == []  # 4 Dec in Los Angeles has not reached its window
    assert _at(w, lax - dt.timedelta(minutes=1))["INV-2026-0002"] == []
    got = _at(w, lax)
    assert got["INV-2026-0002"] == [lax.isoformat()]
    assert _at(w, lax + dt.timedelta(hours=1)) == {"INV-2026-0001": [tokyo.isoformat()],
                                                     "INV-2026-0002": [lax.isoformat()]}  # fmt: skip
    for sent, tz in ((tokyo, "Asia/Tokyo"), (lax, "America/Los_Angeles")):
        local = sent.astimezone(ZoneInfo(tz))
        assert (local.date(), NINE <= local.time() < FIVE) == (dt.date(2026, 12, 4), True)


def test_a_cycle_after_the_window_closed_waits_for_the_next_day(tmp_path: Path) -> None:
    """No cycle ran during Tokyo's window on 4 Dec: the reminder goes at the slot on 5 Dec,
    not at 20:00 local."""
    w = _ws(tmp_path, [("INV-2026-0003", "TOKYO", "Asia/Tokyo", "JP", "2026-12-01")], WINDOW)
    late = dt.datetime(2026, 12, 4, 11, 0, tzinfo=dt.UTC)  # 20:00 in Tokyo
    assert _at(w, late)["INV-2026-0003"] == []
    nxt = slot(dt.date(2026, 12, 5), "Asia/Tokyo", NINE, FIVE, "INV-2026-0003")
    assert _at(w, nxt)["INV-2026-0003"] == [nxt.isoformat()]


def test_dst_neither_skips_nor_doubles_a_step(tmp_path: Path) -> None:
    """Berlin springs forward on Sunday 28 March 2027, the day the first step falls due:
    cycles every three hours across the change send it exactly once, inside the window."""
    w = _ws(tmp_path, [("INV-2027-0001", "BERLIN", "Europe/Berlin", "", "2027-03-25")], WINDOW)
    t = dt.datetime(2027, 3, 27, 18, 0, tzinfo=dt.UTC)
    due = slot(dt.date(2027, 3, 28), "Europe/Berlin", NINE, FIVE, "INV-2027-0001")
    times = sorted({t + dt.timedelta(hours=3 * k) for k in range(12)} | {due})
    for when in times:
        _at(w, when)
    sent = _reminders(w)["INV-2027-0001"]
    assert sent == [due.isoformat()]
    local = due.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.date(), NINE <= local.time() < FIVE, local.utcoffset()) == (
        dt.date(2027, 3, 28),
        True,
        dt.timedelta(hours=2),
    )


def test_holidays_move_the_step_to_the_next_business_day(tmp_path: Path) -> None:
    """Due Tue 22 Dec 2026 in Germany, first step +3 = Christmas Day: nothing on the 25th,
    26th or 27th; the reminder goes on Monday the 28th, and `invoice show` says why."""
    w = _ws(tmp_path, [("INV-2026-0004", "BERLIN", "Europe/Berlin", "DE", "2026-12-22")],
            "dunning:\n  calendar: {business_days: true}\n")  # fmt: skip
    for day in (25, 26, 27):
        assert _at(w, dt.datetime(2026, 12, day, 9, tzinfo=dt.UTC))["INV-2026-0004"] == []
    assert len(_at(w, dt.datetime(2026, 12, 28, 9, tzinfo=dt.UTC))["INV-2026-0004"]) == 1
