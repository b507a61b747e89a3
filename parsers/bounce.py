"""Bounces: RFC 3464 delivery-status reports first, then the common non-standard forms.

Yields the failed recipients, whether the failure is permanent, the status code and,
when the returned message is included, which of our messages bounced (its Message-ID).
"""

from __future__ import annotations

import json
import re
from email import policy
from email.message import Message
from email.parser import BytesHeaderParser
from typing import Any

from parsers.model import BounceFact

_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_ADDR = re.compile(r"<?((?:\"[^\"\s@]{1,64}\"|[A-Za-z0-9._%+'=-]+)@[A-Za-z0-9.-]+\.[A-Za-z]{2,})>?")
#: a Message-ID's left part looks like an address: a long run of digits, hex and dots
_IDLIKE = re.compile(r"^[0-9a-f.\-]{16,}$|^\d{6,}\.", re.I)
_MSGID = re.compile(r"^message-id:\s*(<[^>]+>)", re.I | re.M)
_DAEMON = re.compile(r"mailer-daemon|postmaster|mail delivery (sub)?system", re.I)
_SUBJECT = re.compile(
    r"undeliver|delivery (status notification|failure|has failed|problem|notification)|"
    r"returned mail|returned to sender|failure notice|mail (delivery )?failed|mail failure|"
    r"could not be delivered|not delivered|non[- ]?delivery|nondeliverable|failed delivery|"
    r"delivery error|unzustellbar|nicht zustellbar|non remis|non distribuable|"
    r"delivery incomplete|message bounced|permanent error|delivery delayed|\bdelayed\b",
    re.I,
)
#: what a bounce's own text says, whatever the subject (checked near the top only)
_BODY = re.compile(
    r"could not be delivered|couldn't be delivered|wasn't delivered|was not delivered|"
    r"(?:permanent|fatal) (?:fatal )?errors?|following address(?:es)?(?:\(es\))? (?:failed|had)|"
    r"unable to deliver|delivery to the following recipient|wasn't able to deliver|"
    r"not able to deliver|undeliverable|recipient address rejected|user unknown|"
    r"mailbox (?:is )?(?:full|unavailable)|does not exist|no such user|"
    r"not yet been delivered",
    re.I,
)
_DSN_FIELDS = re.compile(r"(?im)^(final-recipient|original-recipient)\s*:")


def from_report(reports: list[Message], embedded: list[bytes]) -> BounceFact | None:
    recipients: list[str] = []
    statuses: list[str] = []
    permanent = False
    for report in reports:
        for block in _report_blocks(report):
            action = block.get("action", "").lower()
            if action and action not in ("failed", "delayed"):
                continue
            rcpt = block.get("final-recipient") or block.get("original-recipient") or ""
            addr = _ADDR.search(rcpt.split(";", 1)[-1])
            if addr:
                recipients.append(addr.group(1).lower())
            st = _STATUS.search(block.get("status", ""))
            if st:
                statuses.append(st.group(0))
            if action == "failed" or (st and st.group(1) == "5"):
                permanent = True
    if not recipients:
        return None
    if statuses and all(s.startswith("4") for s in statuses):
        permanent = False
    return BounceFact(tuple(dict.fromkeys(recipients)), permanent,
                      statuses[0] if statuses else None, original_id(embedded))  # fmt: skip


def _report_blocks(report: Message) -> list[dict[str, str]]:
    """The per-recipient field blocks of a message/delivery-status part."""
    payload = report.get_payload()
    blocks: list[dict[str, str]] = []
    if isinstance(payload, list):
        for sub in payload:
            if isinstance(sub, Message):
                blocks.append({k.lower(): str(v) for k, v in sub.items()})
    else:
        raw = report.get_payload(decode=True)
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(payload)
        for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
            fields: dict[str, str] = {}
            for line in chunk.split("\n"):
                if ":" in line and not line.startswith((" ", "\t")):
                    k, v = line.split(":", 1)
                    fields[k.strip().lower()] = v.strip()
            if fields:
                blocks.append(fields)
    # the first block is per-message (Reporting-MTA ...); recipient blocks follow
    return [b for b in blocks if "final-recipient" in b or "original-recipient" in b]


def original_id(embedded: list[bytes]) -> str | None:
    for raw in embedded:
        try:
            hdrs = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
            mid = hdrs.get("Message-ID")
            if mid:
                return str(mid).strip()
        except Exception:  # noqa: S112 - a mangled returned message is skipped
            continue
    return None


_ORIGINAL_STARTS = re.compile(
    r"(?im)^(?:.*(?:original message(?! was received)|message headers follow|headers of the original|"
    r"copy of the message|below this line|returned message|original-envelope|"
    r"unsent message below|undelivered message)|\s*(?:received|return-path|x-[\w-]+|"
    r"dkim-signature|message-id|mime-version|content-type):\s)"
)


def from_ses_json(text: str) -> BounceFact | None:
    """An Amazon SES bounce notification delivered by SNS e-mail: JSON (the SNS envelope
    holds the SES notification as a string) with `notificationType: Bounce`."""
    start = text.find("{")
    if start < 0 or "Bounce" not in text[:20000]:
        return None
    try:
        doc = json.loads(text[start : start + 200_000], strict=False)
        if isinstance(doc, dict) and isinstance(doc.get("Message"), str):
            doc = json.loads(doc["Message"], strict=False)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("notificationType") != "Bounce":
        return None
    info: dict[str, Any] = doc["bounce"] if isinstance(doc.get("bounce"), dict) else {}
    rcpts = [r for r in info.get("bouncedRecipients", []) if isinstance(r, dict)]
    recipients = [str(r.get("emailAddress", "")).lower() for r in rcpts if r.get("emailAddress")]
    if not recipients:
        return None
    status = next((str(r["status"]) for r in rcpts if r.get("status")), None)
    mail: dict[str, Any] = doc["mail"] if isinstance(doc.get("mail"), dict) else {}
    original = None
    for h in mail.get("headers", []) if isinstance(mail.get("headers"), list) else []:
        if isinstance(h, dict) and str(h.get("name", "")).lower() == "message-id":
            original = str(h.get("value", "")) or None
    return BounceFact(tuple(dict.fromkeys(recipients)), info.get("bounceType") == "Permanent",
                      status, original)  # fmt: skip


def looks_like_daemon(from_header: str) -> bool:
    return bool(_DAEMON.search(from_header))


def from_text(text: str, embedded: list[bytes]) -> BounceFact | None:
    """A delivery-status report that arrived as plain text (its MIME structure lost on
    the way): the same per-recipient fields, read from the body."""
    if not _DSN_FIELDS.search(text[:50000]):
        return None
    fake = Message()
    fake.set_payload(text[:50000])
    return from_report([fake], embedded)


def heuristic(from_header: str, subject: str, text: str, embedded: list[bytes],
              own: tuple[str, ...] = (), failed: str = "",
              null_sender: bool = False) -> BounceFact | None:  # fmt: skip
    """Non-standard bounces (qmail, Exim, some providers): a daemon sender, a failure
    subject or wording, and the failed addresses (the X-Failed-Recipients header, else
    those with SMTP replies in the body before the copy of the original message)."""
    subject = subject or ""
    daemon = null_sender or bool(_DAEMON.search(from_header))
    says = daemon and (bool(_SUBJECT.search(subject)) or bool(_BODY.search(text[:3000])))
    if (
        not failed
        and not says
        and not (
            _SUBJECT.search(subject)
            and re.search(r"\b5\d\d\b", text)
            and _DAEMON.search(text[:2000])
        )
    ):
        return None
    head = _ORIGINAL_STARTS.split(text[:20000], maxsplit=1)[0]
    skip = {a.lower() for a in own} | {m.group(1).lower() for m in _ADDR.finditer(from_header)}
    recipients = [m.group(1).lower() for m in _ADDR.finditer(failed)]
    ids = {
        m.group(1).strip("<>").lower() for m in re.finditer(r"(?im)^\s*message-id:\s*(\S+)", head)
    }
    for m in () if recipients else _ADDR.finditer(head):
        addr = m.group(1).lower()
        if (_DAEMON.search(addr) or addr in skip or addr in recipients or addr in ids
                or _IDLIKE.search(addr.split("@")[0])):  # fmt: skip
            continue
        recipients.append(addr)
    recipients = list(dict.fromkeys(recipients))
    if not recipients:
        return None
    st = _STATUS.search(head)
    code = re.search(r"\b([45])\d\d\b", head)
    permanent = (st.group(1) == "5") if st else (code.group(1) == "5" if code else True)
    found_id = _MSGID.search(text)
    mid = found_id.group(1) if found_id else None
    return BounceFact(tuple(recipients[:20]), permanent, st.group(0) if st else None,
                      original_id(embedded) or mid)  # fmt: skip
