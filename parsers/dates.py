"""Dates in replies ("December 5th", "15.12.2026", "end of the month", "next Friday"),
resolved against the message's own date, in English, German and French."""

from __future__ import annotations

import calendar
import datetime as dt
import re

MONTHS = {
    # English
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
    # German
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "mai": 5, "juni": 6,
    "juli": 7, "oktober": 10, "okt": 10, "dezember": 12, "dez": 12,
    # French
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
}  # fmt: skip
WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6, "montag": 0, "dienstag": 1, "mittwoch": 2, "donnerstag": 3, "freitag": 4,
    "samstag": 5, "sonntag": 6, "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3,
    "vendredi": 4, "samedi": 5, "dimanche": 6,
}  # fmt: skip
_MON = "|".join(sorted(MONTHS, key=len, reverse=True))
_WD = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th|er|\.)?"

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b")),
    ("dmy", re.compile(r"\b(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{4}|\d{2})\b")),
    ("dm", re.compile(r"\b(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?!\d)")),
    (
        "month_day",
        re.compile(
            rf"\b(?P<mon>{_MON})\.?\s+(?P<d>\d{{1,2}}){_ORD}(?:,?\s+(?P<y>\d{{4}}))?\b", re.I
        ),
    ),
    (
        "day_month",
        re.compile(
            rf"\b(?P<d>\d{{1,2}}){_ORD}\s*(?:of\s+)?(?P<mon>{_MON})\.?(?:,?\s+(?P<y>\d{{4}}))?\b",
            re.I,
        ),
    ),
    (
        "end_month",
        re.compile(
            r"\b(?:end of (?:the |this )?(?P<next>next )?month|(?:ende (?:des|dieses) monats|"
            r"monatsende)|fin (?:du|de ce) mois|fin du mois (?P<next2>prochain))\b",
            re.I,
        ),
    ),
    (
        "end_week",
        re.compile(
            r"\b(?:end of (?:the |this )?(?P<next>next )?week|ende der woche|fin de (?:la )?semaine)\b",
            re.I,
        ),
    ),
    (
        "weekday",
        re.compile(
            rf"\b(?:(?P<next>next|this|on|coming|nächsten|nächster|kommenden|ce)\s+)?(?P<wd>{_WD})"
            rf"(?:\s+(?P<next2>prochain))?\b",
            re.I,
        ),
    ),
    ("tomorrow", re.compile(r"\b(?:tomorrow|morgen|demain)\b", re.I)),
    (
        "in_days",
        re.compile(
            r"\b(?:in|within|innerhalb von|dans|sous)\s+(?P<n>\d{1,3}|one|two|three|four|a)\s+"
            r"(?P<unit>days?|weeks?|tagen?|wochen?|jours?|semaines?)\b",
            re.I,
        ),
    ),
    ("next_week", re.compile(r"\b(?:next week|nächste woche|semaine prochaine)\b", re.I)),
]
_WORDS = {"one": 1, "a": 1, "two": 2, "three": 3, "four": 4}


def _safe(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _upcoming(base: dt.date, month: int, day: int) -> dt.date | None:
    """The next occurrence of month/day on or after `base` (a little slack backwards)."""
    this = _safe(base.year, month, day)
    if this and this >= base - dt.timedelta(days=7):
        return this
    return _safe(base.year + 1, month, day)


def _resolve(kind: str, m: re.Match[str], base: dt.date) -> dt.date | None:
    g = m.groupdict()
    if kind == "iso":
        return _safe(int(g["y"]), int(g["m"]), int(g["d"]))
    if kind == "dmy":
        y = int(g["y"])
        y = y + 2000 if y < 100 else y
        d, mo = int(g["d"]), int(g["m"])
        if mo > 12 and d <= 12:  # 12/25/2026: clearly month first
            d, mo = mo, d
        return _safe(y, mo, d)
    if kind == "dm":
        return _upcoming(base, int(g["m"]), int(g["d"]))
    if kind in ("month_day", "day_month"):
        mo, d = MONTHS[g["mon"].lower()], int(g["d"])
        return _safe(int(g["y"]), mo, d) if g.get("y") else _upcoming(base, mo, d)
    if kind == "end_month":
        y, mo = base.year, base.month
        if g.get("next") or g.get("next2"):
            y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
        return dt.date(y, mo, calendar.monthrange(y, mo)[1])
    if kind == "end_week":
        friday = base + dt.timedelta(days=(4 - base.weekday()) % 7)
        return friday + dt.timedelta(days=7) if g.get("next") else friday
    if kind == "weekday":
        wd = WEEKDAYS[g["wd"].lower()]
        ahead = (wd - base.weekday()) % 7 or 7
        return base + dt.timedelta(days=ahead)
    if kind == "tomorrow":
        return base + dt.timedelta(days=1)
    if kind == "in_days":
        n = int(g["n"]) if g["n"].isdigit() else _WORDS[g["n"].lower()]
        unit = g["unit"].lower()
        factor = 7 if unit.startswith(("week", "woche", "semaine")) else 1
        return base + dt.timedelta(days=n * factor)
    if kind == "next_week":
        return base + dt.timedelta(days=7 - base.weekday())
    return None


def find_dates(text: str, base: dt.date) -> list[tuple[int, dt.date]]:
    """All dates found, as (position, date), in text order; overlapping matches dropped."""
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, dt.date]] = []
    for kind, pat in PATTERNS:
        for m in pat.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            when = _resolve(kind, m, base)
            if when is not None:
                taken.append((m.start(), m.end()))
                found.append((m.start(), when))
                other = _month_first(kind, m) if "/" in m.group(0) else None
                if other is not None and other != when:
                    # 12/05/2026 is 12 May in Europe and 5 December in the US: both are
                    # candidates; a promise takes the first that is not in the past
                    found.append((m.start(), other))
    return sorted(found)


def _month_first(kind: str, m: re.Match[str]) -> dt.date | None:
    if kind != "dmy":
        return None
    a, b = int(m.group("d")), int(m.group("m"))
    if a > 12 or b > 12:
        return None  # not ambiguous
    y = int(m.group("y"))
    return _safe(y + 2000 if y < 100 else y, a, b)


def first_future_date(text: str, base: dt.date) -> dt.date | None:
    """The first date in the text that is not before `base` (a promise looks ahead)."""
    for _, when in find_dates(text, base):
        if when >= base:
            return when
    return None
