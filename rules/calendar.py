"""Business days and send windows. Pure: `now` and the dates always come from the caller.

A business day is a weekday that is not a public holiday of the customer's country (the
`holidays` library). A send window is a span of customer-local wall-clock time; a batch of
mails due on one day is spread across the window by a stable hash of each mail's key, so
the same invoice always gets the same minute and a restart never reshuffles them.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from zoneinfo import ZoneInfo

import holidays


@functools.lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> frozenset[dt.date]:
    try:
        return frozenset(holidays.country_holidays(country, years=year).keys())
    except NotImplementedError:  # a country the library does not know: weekends only
        return frozenset()


def is_business_day(day: dt.date, country: str) -> bool:
    if day.weekday() >= 5:
        return False
    return not country or day not in _holidays(country.upper(), day.year)


def holiday_name(day: dt.date, country: str) -> str | None:
    if not country:
        return None
    try:
        return holidays.country_holidays(country.upper(), years=day.year).get(day)
    except NotImplementedError:
        return None


def next_business_day(day: dt.date, country: str) -> dt.date:
    """`day` itself if it is a business day, else the first one after it."""
    while not is_business_day(day, country):
        day += dt.timedelta(days=1)
    return day


def add_business_days(day: dt.date, n: int, country: str) -> dt.date:
    """`n` business days after (or, negative, before) `day`."""
    step = dt.timedelta(days=1 if n >= 0 else -1)
    left = abs(n)
    while left:
        day += step
        if is_business_day(day, country):
            left -= 1
    return day


def _local(day: dt.date, at: dt.time, tz: str) -> dt.datetime:
    """The instant of a local wall-clock time. A time skipped by a DST change moves
    forward with the clock (fold=0); a repeated one is taken the first time."""
    zone = ZoneInfo(tz)
    naive = dt.datetime.combine(day, at)
    aware = naive.replace(tzinfo=zone)
    # Round-trip through UTC: a nonexistent local time (spring forward) comes back shifted.
    return aware.astimezone(dt.UTC)


def slot(day: dt.date, tz: str, start: dt.time, end: dt.time, key: str) -> dt.datetime:
    """When a mail keyed `key` is sent on local `day`: a stable minute inside [start, end)."""
    first = _local(day, start, tz)
    last = _local(day, end, tz)
    minutes = max(1, int((last - first).total_seconds() // 60))
    offset = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % minutes
    return first + dt.timedelta(minutes=offset)


def in_window(now: dt.datetime, tz: str, start: dt.time, end: dt.time) -> bool:
    local = now.astimezone(ZoneInfo(tz)).time()
    return start <= local < end
