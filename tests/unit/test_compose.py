"""Outgoing MIME: contract headers present, non-ASCII round-trips through a real parser."""

from __future__ import annotations

import datetime as dt
import email
from email import policy
from email.message import EmailMessage

from outbox.compose import compose

NOW = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)


def _roundtrip(**kw: object) -> EmailMessage:
    args: dict[str, object] = {"sender_name": "Müller & Søn GmbH", "sender_addr": "billing@example.com",
                                   "to": "ap@acme.example", "subject": "Rechnung INV-1 – Zahlungserinnerung",
                                   "text": "Grüße, bitte zahlen Sie 1.190,00 €.", "html": "<p>Grüße €</p>",
                                   "message_id": "<m1@example.com>", "now": NOW}  # fmt: skip
    args.update(kw)
    raw = compose(**args).as_bytes()  # type: ignore[arg-type]
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_non_ascii_names_subject_and_bodies_round_trip() -> None:
    """Display name, subject and both bodies decode back to exactly what was written."""
    msg = _roundtrip()
    assert msg["From"].addresses[0].display_name == "Müller & Søn GmbH"
    assert str(msg["Subject"]) == "Rechnung INV-1 – Zahlungserinnerung"
    assert msg.get_body(("plain",)).get_content().strip() == "Grüße, bitte zahlen Sie 1.190,00 €."  # type: ignore[union-attr]
    assert "Grüße €" in msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Message-ID"] == "<m1@example.com>"


def test_threading_and_pdf_attachment() -> None:
    """Reminders thread on the invoice mail; the PDF is an application/pdf attachment."""
    msg = _roundtrip(in_reply_to="<inv@example.com>", references=["<inv@example.com>"],
                     attachments=[("INV-1.pdf", b"%PDF-1.7 test")], auto_submitted="auto-replied")  # fmt: skip
    assert msg["In-Reply-To"] == "<inv@example.com>"
    assert msg["References"] == "<inv@example.com>"
    assert msg["Auto-Submitted"] == "auto-replied"
    (pdf,) = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == "INV-1.pdf"
    assert pdf.get_content() == b"%PDF-1.7 test"
