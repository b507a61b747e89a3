"""`parse(raw) -> ParsedMessage`: one message, every fact arclerk can read from it."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import TYPE_CHECKING

from parsers import autoreply, bounce, notification, remittance, statements
from parsers.auth import parse_all
from parsers.mime import FORWARD_MARK, MAX_TEXT, decode_words, html_to_text, parse_bytes, walk
from parsers.model import ParsedMessage, PaymentFact
from parsers.quotes import strip_quotes
from parsers.refs import candidates

if TYPE_CHECKING:
    from parsers.remittance import PdfOptions

_MSGID = re.compile(r"<[^<>\s]+>")
_LANG_WORDS = {
    "de": re.compile(r"\b(und|die|der|wir|rechnung|bitte|zahlung|nicht|ist|ihre|haben)\b", re.I),
    "fr": re.compile(r"\b(et|le|la|les|nous|facture|merci|paiement|pas|est|vous|avons)\b", re.I),
    "en": re.compile(r"\b(and|the|we|invoice|please|payment|not|is|your|have|will)\b", re.I),
}


def guess_language(text: str) -> str:
    sample = text[:4000]
    scores = {lang: len(p.findall(sample)) for lang, p in _LANG_WORDS.items()}
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] > 0 else "en"


class Headers:
    """First value of each header, unfolded and decoded, read straight from the raw header
    lines: structured parsing of every header costs more than all of arclerk's own
    parsing, and nothing here needs more than the text. A value is cut at 8 KiB."""

    MAX_VALUE = 8192

    def __init__(self, msg: Message) -> None:
        self.first: dict[str, str] = {}
        self.all: dict[str, list[str]] = {}
        for name, value in msg.raw_items():
            text = " ".join(str(value)[: self.MAX_VALUE * 2].split())[: self.MAX_VALUE]
            key = name.lower()
            self.first.setdefault(key, text)
            self.all.setdefault(key, []).append(text)

    def get(self, name: str) -> str:
        return decode_words(self.first.get(name.lower(), ""))

    def get_all(self, name: str) -> list[str]:
        return self.all.get(name.lower(), [])

    def __contains__(self, name: str) -> bool:
        return name.lower() in self.first


def _date(h: Headers) -> dt.datetime | None:
    raw = h.get("Date")
    if not raw:
        return None
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def parse(raw: bytes, pdf: PdfOptions | None = None,
          dkim: Callable[[bytes], tuple[str, ...]] | None = None) -> ParsedMessage:  # fmt: skip
    """Every fact of one message. `pdf` says how remittance PDFs are read (in a sandbox,
    against the ledger's invoices, with a payer's layout hints); by default in-process.
    `dkim`, when given, verifies the message's DKIM signatures (parsers.dkim)."""
    try:
        msg, problems = parse_bytes(raw)
    except Exception as exc:
        digest = hashlib.sha256(raw).hexdigest()
        return ParsedMessage(f"<{digest}@unparsed.invalid>", "", "", "", (), None, (), "", "",
                             problems=(f"message cannot be parsed: {exc}",))  # fmt: skip
    h = Headers(msg)
    message_id = h.get("Message-ID")
    m = _MSGID.search(message_id)
    message_id = m.group(0) if m else f"<{hashlib.sha256(raw).hexdigest()}@no-message-id.invalid>"
    subject = h.get("Subject")
    from_name, from_addr = "", ""
    pairs = getaddresses([h.get("From")])
    if pairs and pairs[0][1]:
        from_name, from_addr = pairs[0][0], pairs[0][1].lower()
    to_addrs = tuple(a.lower() for _, a in getaddresses([h.get("To"), h.get("Cc")]) if a)
    refs_hdr = f"{h.get('In-Reply-To')} {h.get('References')}"
    in_reply_to = tuple(dict.fromkeys(_MSGID.findall(refs_hdr)))
    sent = _date(h)

    walked = walk(msg)
    problems += walked.problems
    if walked.plain and any(p.strip() for p in walked.plain):
        text = "\n".join(walked.plain)
    elif walked.html:
        text = "\n".join(html_to_text(h[: MAX_TEXT * 4]) for h in walked.html)
    else:
        text = ""
    if walked.forwarded:
        text += f"\n\n{FORWARD_MARK}\n" + "\n".join(walked.forwarded)
    text = text.replace("\r\n", "\n")
    if len(text) > MAX_TEXT:
        problems.append(f"body text longer than {MAX_TEXT // 1024} KiB; only the start was read")
        text = text[:MAX_TEXT]
    new_text = strip_quotes(text)
    base_date = sent.date() if sent else None

    bounce_fact = bounce.from_report(walked.reports, walked.embedded) if walked.reports else None
    if bounce_fact is None and (walked.embedded or "X-Failed-Recipients" in h
                                or bounce.looks_like_daemon(h.get("From"))):  # fmt: skip
        bounce_fact = bounce.from_text(text, walked.embedded)
    if bounce_fact is None and "notificationType" in text[:20000]:
        bounce_fact = bounce.from_ses_json(text)
    if bounce_fact is None:
        bounce_fact = bounce.heuristic(
            h.get("From"), subject, text, walked.embedded, to_addrs,
            failed=" ".join(h.get_all("X-Failed-Recipients")),
            null_sender=h.get("Return-Path").strip() == "<>",
        )  # fmt: skip

    signals = autoreply.signals(h)
    ooo_until = autoreply.return_date(new_text, base_date) if signals and base_date else None

    payment_words, payments = notification.extract(subject, new_text or text, base_date)
    facts: list[PaymentFact] = list(payments)
    deductions: list[PaymentFact] = []
    unreadable = list(walked.unreadable)
    for att in walked.attachments:
        is_pdf = att.content_type == "application/pdf" or att.filename.lower().endswith(".pdf")
        if is_pdf and att.data:
            advice = remittance.read_with(att.filename, att.data, pdf, from_addr)
            facts.extend(advice.payments)
            deductions.extend(advice.deductions)
            problems.extend(advice.problems)
            if not advice.payments and not advice.deductions and not advice.own:
                unreadable.extend(advice.problems)
        elif att.data and statements.kind_of(att.filename, att.data):
            entries, st_problems = statements.parse_file(att.filename, att.data)
            facts.extend(entries)
            problems.extend(st_problems)
    if any(f.source.startswith(("pdf:", "camt:", "mt940:", "csv:")) for f in facts):
        # a remittance advice lists its rows; a total in the covering text is not another payment
        facts = [f for f in facts if f.source != "body"]

    ref_tokens = candidates(subject) + list(candidates(new_text))
    return ParsedMessage(
        message_id=message_id, subject=subject, from_addr=from_addr, from_name=from_name,
        to_addrs=to_addrs, date=sent, in_reply_to=in_reply_to, text=text, new_text=new_text,
        auth=parse_all(h.get_all("Authentication-Results")),
        auto_reply_signals=signals, mailing_list=autoreply.is_mailing_list(h),
        ooo_until=ooo_until, bounce=bounce_fact, payments=tuple(facts),
        payment_words=payment_words, ref_tokens=tuple(dict.fromkeys(ref_tokens)),
        attachments=tuple(walked.attachments), problems=tuple(problems),
        deductions=tuple(deductions), unreadable=tuple(unreadable), dkim_domains=dkim(raw) if dkim else (),
    )  # fmt: skip
