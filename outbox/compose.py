"""MIME composition: one EmailMessage per outbox row, headers per CONTRACT.md.

Every message carries its pre-generated Message-ID and an Auto-Submitted header, so a
customer's robot never answers us and we never answer a robot (RFC 3834).
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import format_datetime, formataddr


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
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr((sender_name, sender_addr))
    msg["To"] = to
    msg["Reply-To"] = sender_addr
    msg["Subject"] = subject
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
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    for filename, data in attachments or []:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    return msg
