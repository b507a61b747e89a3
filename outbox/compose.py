"""MIME composition: one message per outbox row, headers per CONTRACT.md.

Every message carries its pre-generated Message-ID and an Auto-Submitted header, so a
customer's robot never answers us and we never answer a robot (RFC 3834).

Built with the stdlib's `email.mime` classes (compat32 policy): composing with
`EmailMessage` under `policy.default` parses every header we set back into structured
objects, which costs as much as sending the mail. Non-ASCII is encoded explicitly:
display names by `formataddr` (RFC 2047), the subject by `Header`, bodies as UTF-8.
"""

from __future__ import annotations

import datetime as dt
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr


def _text_part(body: str, subtype: str) -> MIMEText:
    # 8bit-clean ASCII stays readable; anything else is UTF-8 in quoted-printable/base64.
    return MIMEText(body, subtype, "us-ascii" if body.isascii() else "utf-8")


def compose(
    *,
    sender_name: str,
    sender_addr: str,
    to: str,
    subject: str,
    text: str,
    html: str | None,
    message_id: str,
    now: dt.datetime,
    auto_submitted: str = "auto-generated",
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    attachments: list[tuple[str, bytes]] | None = None,
    invoice_number: str | None = None,
    cc: list[str] | None = None,
) -> Message:
    body: Message = _text_part(text, "plain")
    if html:
        alternative = MIMEMultipart("alternative")
        alternative.attach(body)
        alternative.attach(_text_part(html, "html"))
        body = alternative
    if attachments:
        msg: Message = MIMEMultipart("mixed")
        msg.attach(body)
        for filename, data in attachments:
            part = MIMEApplication(data, "pdf")
            part.add_header("Content-Disposition", "attachment", filename=filename)
            msg.attach(part)
    else:
        msg = body
    msg["From"] = formataddr((sender_name, sender_addr), charset="utf-8")
    msg["To"] = to
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Reply-To"] = sender_addr
    msg["Subject"] = subject if subject.isascii() else Header(subject, "utf-8").encode()
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = auto_submitted
    # Ask Exchange and friends not to send us their own auto-replies.
    msg["X-Auto-Response-Suppress"] = "All"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = " ".join(references)
    if invoice_number:
        msg["X-Arclerk-Invoice"] = invoice_number
    return msg
