"""MIME that never breaks: limits, lying charsets, forwarded messages, TNEF."""

from __future__ import annotations

from email.message import EmailMessage

from parsers import parse
from parsers.mime import MAX_TEXT
from tests.corpus.build import _tnef

HDR = (b"From: ap@acme.example\r\nTo: billing@example.com\r\nSubject: t\r\n"
       b"Message-ID: <t@acme.example>\r\nMIME-Version: 1.0\r\n")  # fmt: skip


def test_deep_nesting_is_cut_with_a_reason() -> None:
    """300 levels of multipart (or of message/rfc822) are read to the depth limit and
    the message says why the rest was not."""
    nest = b"".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode()
        for i in range(300)
    )
    f = parse(HDR + nest + b"Content-Type: text/plain\r\n\r\nhi\r\n")
    assert any("nesting" in p for p in f.problems)
    f = parse(HDR + b"Content-Type: message/rfc822\r\n\r\n" * 300 + b"\r\nhi")
    assert any("nesting" in p for p in f.problems)


def test_huge_header_block_is_refused() -> None:
    """A header block beyond the limit is not read; the message says so."""
    f = parse(HDR.replace(b"Subject: t", b"Subject: " + b"A" * 400_000) + b"\r\nbody")
    assert any("header block" in p for p in f.problems)


def test_long_body_is_read_up_to_the_limit() -> None:
    """Only the first MAX_TEXT characters of a 5 MB body are read, with a warning."""
    f = parse(HDR + b"Content-Type: text/plain\r\n\r\n" + b"word " * 1_000_000)
    assert len(f.text) == MAX_TEXT
    assert any("longer than" in p for p in f.problems)


def test_latin1_declared_as_utf8_reads_cleanly() -> None:
    """Bytes that are not what their charset says are read with the charset that fits."""
    raw = (
        HDR
        + b'Content-Type: text/plain; charset="utf-8"\r\n\r\n'
        + "Grüße, bitte prüfen".encode("latin-1")
    )
    assert parse(raw).text == "Grüße, bitte prüfen"


def test_unknown_charset_falls_back() -> None:
    """An invented charset name never raises."""
    raw = HDR + b"Content-Type: text/plain; charset=x-klingon\r\n\r\nqapla' INV-2026-0001"
    assert "INV-2026-0001" in parse(raw).text


def test_multipart_without_boundary_is_read_as_text() -> None:
    """A multipart whose boundary never occurs is read as its body text."""
    raw = HDR + b'Content-Type: multipart/mixed; boundary="never"\r\n\r\nWe paid INV-2026-0001.\r\n'
    assert "We paid" in parse(raw).text


def _forwarded() -> bytes:
    inner = EmailMessage()
    inner["From"], inner["Subject"] = "ap-system@acme.example", "Remittance"
    inner.set_content("If you dispute this, tell us.")
    outer = EmailMessage()
    outer["From"], outer["To"], outer["Subject"] = "ap@acme.example", "billing@example.com", "Fwd"
    outer.set_content("Paid, see the forwarded mail.")
    outer.add_attachment(inner)
    return outer.as_bytes()


def test_forwarded_message_is_quoted_history() -> None:
    """A forwarded message/rfc822 is part of the text but not of what the sender wrote."""
    f = parse(_forwarded())
    assert "dispute" in f.text
    assert "dispute" not in f.new_text
    assert f.new_text.startswith("Paid")


def test_tnef_attachments_are_opened() -> None:
    """The files in an Outlook winmail.dat are the message's attachments."""
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "ap@acme.example", "billing@example.com", "advice"
    m.set_content("see attached")
    m.add_attachment(_tnef("advice.csv", b"a,b\n1,2\n"), maintype="application", subtype="ms-tnef",
                     filename="winmail.dat")  # fmt: skip
    f = parse(m.as_bytes())
    assert [(a.filename, a.data) for a in f.attachments] == [("advice.csv", b"a,b\n1,2\n")]


def test_broken_tnef_is_named() -> None:
    """A winmail.dat that cannot be opened is reported as unreadable."""
    m = EmailMessage()
    m["From"], m["Subject"] = "ap@acme.example", "advice"
    m.set_content("x")
    m.add_attachment(b"\x78\x9f\x3e\x22junk", maintype="application", subtype="ms-tnef",
                     filename="winmail.dat")  # fmt: skip
    f = parse(m.as_bytes())
    assert any("TNEF" in u for u in f.unreadable)


def test_bank_field_list_is_not_a_quoted_header_block() -> None:
    """ "Van: X" followed by one "Datum:" line is a notification's fields, not Outlook's
    quoted header block (which needs at least two header fields after From)."""
    text = "Bedrag: EUR 1,00\nVan: Oosterhout BV\nOmschrijving: factuur 1\nDatum: 30-11-2026\n"
    raw = HDR + b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text.encode()
    assert "Omschrijving" in parse(raw).new_text


def test_amazon_ses_bounce_notification() -> None:
    """An SES bounce delivered as SNS e-mail JSON names its recipient and permanence; an
    SES delivery notification is no bounce."""
    import json

    ses = {"notificationType": "Bounce", "bounce": {"bounceType": "Permanent",
           "bouncedRecipients": [{"emailAddress": "AP@Acme.example", "status": "5.1.1"}]},
           "mail": {"headers": [{"name": "Message-ID", "value": "<out-1@example.com>"}]}}  # fmt: skip
    body = json.dumps({"Type": "Notification", "Message": json.dumps(ses)})
    raw = HDR + b"Content-Type: text/plain\r\n\r\n" + body.encode()
    b = parse(raw).bounce
    assert b is not None
    assert (b.recipients, b.permanent, b.status, b.original_message_id) == (
        ("ap@acme.example",), True, "5.1.1", "<out-1@example.com>")  # fmt: skip
    ses["notificationType"] = "Delivery"
    body = json.dumps({"Type": "Notification", "Message": json.dumps(ses)})
    assert parse(HDR + b"Content-Type: text/plain\r\n\r\n" + body.encode()).bounce is None
