"""Auto-replies: RFC 3834 and the headers mature help desks look at, plus out-of-office
subjects in several languages. `X-Auto-Response-Suppress` alone is NOT an auto-reply
(Outlook puts it on ordinary mail)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Protocol

from parsers.dates import first_future_date

_OOO_SUBJECT = re.compile(
    r"out of (the )?office|auto(matic)?[- ]?(reply|response|antwort)|"
    r"abwesenheit|nicht im büro|außer haus|abwesend|"
    r"absence|absent du bureau|réponse automatique|"
    r"fuera de la oficina|respuesta automática|"
    r"afwezig|automatisch antwoord|fuori ufficio|risposta automatica|"
    r"on (vacation|holiday|leave)|urlaub",
    re.I,
)
_BACK_ON = re.compile(
    r"\b(?:back|return(?:ing)?|zurück|wieder|ab dem|ab|de retour|retour|dès le|à partir du)\b",
    re.I,
)
_UNTIL = re.compile(r"\b(?:until|till|through|bis(?: zum| einschließlich)?|jusqu'(?:au|à))\b", re.I)


class HeaderSource(Protocol):
    def get(self, name: str) -> str: ...

    def __contains__(self, name: str) -> bool: ...


def signals(msg: HeaderSource) -> tuple[str, ...]:
    found: list[str] = []
    auto = msg.get("Auto-Submitted").strip().lower()
    if auto and not auto.startswith("no"):
        found.append(f"auto-submitted:{auto.split(';')[0]}")
    for header in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-AutoReply-From"):
        if header in msg:
            found.append(header.lower())
    prec = msg.get("Precedence").strip().lower()
    if prec in ("auto_reply", "bulk", "junk"):
        found.append(f"precedence:{prec}")
    if "X-MS-Exchange-Inbox-Rules-Loop" in msg:
        found.append("x-ms-exchange-inbox-rules-loop")
    if msg.get("X-MS-Exchange-Generated-Message-Source") or msg.get(
        "X-MS-Exchange-Organization-AutoReply"
    ):
        found.append("x-ms-exchange-autoreply")
    if msg.get("Return-Path").strip() == "<>" and found:
        found.append("null-return-path")
    if _OOO_SUBJECT.search(msg.get("Subject")):
        found.append("out-of-office-subject")
    return tuple(found)


def is_mailing_list(msg: HeaderSource) -> bool:
    prec = msg.get("Precedence").strip().lower()
    return "List-Id" in msg or "List-Unsubscribe" in msg or prec == "list"


def return_date(text: str, base: dt.date) -> dt.date | None:
    """The date an out-of-office says its sender is back, if it says one:
    "back on 15.12." -> 15.12.; "away until 14.12." -> 15.12."""
    for m in _BACK_ON.finditer(text):
        when = first_future_date(text[m.end() : m.end() + 40], base)
        if when:
            return when
    for m in _UNTIL.finditer(text):
        when = first_future_date(text[m.end() : m.end() + 40], base)
        if when:
            return when + dt.timedelta(days=1)
    return None
