"""Parsing and classification: notifications, trust, replies and their intents, robots."""

from __future__ import annotations

from decimal import Decimal

import pytest

from parsers import parse
from rules.classify import Kind, SenderInfo, classify
from rules.loader import load
from tests.helpers import bank_notification

RULES = load(None)
STRANGER = SenderInfo(is_customer=False, in_thread=False)
CUSTOMER = SenderInfo(is_customer=True, in_thread=True)


def _reply(body: str, headers: str = "", subject: str = "Re: Invoice INV-2026-0001") -> bytes:
    return (f"From: Ann <ap@acme.example>\nTo: billing@example.com\nSubject: {subject}\n"
            f"Message-ID: <r1@acme.example>\nDate: Wed, 02 Dec 2026 10:00:00 +0000\n{headers}\n"
            f"{body}\n").encode()  # fmt: skip


def test_bank_notification_facts() -> None:
    """Amount, currency, reference, payer and transaction id come out of the labels."""
    p = parse(bank_notification("1.190,00", "INV-2026-0001", msgid="<n@b>", txn="T9").encode())
    (pay,) = p.payments
    assert (pay.amount, pay.currency, pay.payer, pay.transaction_id) == (
        Decimal("1190.00"),
        "EUR",
        "ACME LTD",
        "T9",
    )
    assert pay.ref_tokens[0] == "INV-2026-0001"


def test_authenticated_notification_is_trusted() -> None:
    """A notification our own MTA authenticated is a trusted payment confirmation."""
    p = parse(bank_notification("10.00", "X-1", msgid="<n@b>").encode())
    v = classify(p, STRANGER, RULES, "mx.example.com")
    assert (v.kind, v.trusted) == (Kind.PAYMENT_CONFIRMATION, True)


@pytest.mark.parametrize("authserv", ["evil.example", "MX.EXAMPLE.COM.attacker"])
def test_foreign_authentication_results_are_ignored(authserv: str) -> None:
    """Authentication-Results stamped by anyone but our authserv-id count for nothing."""
    p = parse(bank_notification("10.00", "X-1", msgid="<n@b>", authserv=authserv).encode())
    v = classify(p, STRANGER, RULES, "mx.example.com")
    assert v.kind is Kind.PAYMENT_CONFIRMATION
    assert not v.trusted


def test_no_authserv_configured_trusts_nothing() -> None:
    """Without mail.authserv_id no notification is trusted."""
    p = parse(bank_notification("10.00", "X-1", msgid="<n@b>").encode())
    assert not classify(p, STRANGER, RULES, None).trusted


def test_customer_saying_paid_is_a_claim_not_a_payment() -> None:
    """'We paid EUR 1190.00 yesterday' from a customer is a claims_paid reply."""
    p = parse(_reply("We paid EUR 1,190.00 yesterday, payment received on your side?"))
    v = classify(p, CUSTOMER, RULES, "mx.example.com")
    assert (v.kind, v.intent) == (Kind.CUSTOMER_REPLY, "claims_paid")


@pytest.mark.parametrize(
    ("body", "intent"),
    [
        ("The amount is wrong, we dispute this invoice.", "dispute"),
        ("Die Rechnung ist fehlerhaft, wir widersprechen.", "dispute"),
        ("Nous contestons cette facture.", "dispute"),
        ("We will pay on December 5th.", "promise_to_pay"),
        ("Wir werden den Betrag bis 15.12.2026 überweisen.", "promise_to_pay"),
        ("Nous paierons la facture fin du mois.", "promise_to_pay"),
        ("This was already paid last week.", "claims_paid"),
        ("Die Rechnung wurde bereits bezahlt.", "claims_paid"),
        ("Nous avons déjà payé.", "claims_paid"),
        ("Could you send us a copy of the invoice?", "copy_request"),
        ("Bitte senden Sie uns eine Kopie der Rechnung.", "copy_request"),
        ("Pouvez-vous nous renvoyer la facture ?", "copy_request"),
        ("Thanks, noted.", "other"),
    ],
)
def test_intents(body: str, intent: str) -> None:
    """Intents are recognised in English, German and French."""
    v = classify(parse(_reply(body)), CUSTOMER, RULES, None)
    assert v.intent == intent


def test_intent_judged_on_new_text_only() -> None:
    """Words in the quoted history (our own 'dispute' wording) do not count."""
    body = "Thanks, noted.\n\nOn Tue, 1 Dec 2026, Billing wrote:\n> If you dispute this, reply."
    assert classify(parse(_reply(body)), CUSTOMER, RULES, None).intent == "other"


def test_auto_submitted_reply_is_auto_reply() -> None:
    """Auto-Submitted: auto-replied marks a robot's answer."""
    p = parse(_reply("I am away.", "Auto-Submitted: auto-replied\n"))
    assert classify(p, CUSTOMER, RULES, None).kind is Kind.AUTO_REPLY


def test_out_of_office_subject_and_return_date() -> None:
    """A German out-of-office subject is an auto-reply; its return date is read."""
    p = parse(_reply("Ich bin bis 14.12.2026 nicht im Büro und ab dem 15.12.2026 zurück.",
                     subject="Abwesenheitsnotiz: Re: Rechnung"))  # fmt: skip
    assert classify(p, CUSTOMER, RULES, None).kind is Kind.AUTO_REPLY
    assert p.ooo_until is not None
    assert p.ooo_until.isoformat() == "2026-12-15"


def test_auto_response_suppress_alone_is_not_an_auto_reply() -> None:
    """Outlook's X-Auto-Response-Suppress on a human's mail does not make it a robot's."""
    p = parse(_reply("We will pay on Friday.", "X-Auto-Response-Suppress: All\n"))
    assert classify(p, CUSTOMER, RULES, None).kind is Kind.CUSTOMER_REPLY


def test_html_only_mail_becomes_text() -> None:
    """An HTML-only reply is read as clean text, scripts and quotes left out."""
    raw = _reply("<html><body><p>We dispute <b>this</b> invoice.</p><script>x()</script>"
                 "<blockquote>old dispute text</blockquote></body></html>",
                 "MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n")  # fmt: skip
    p = parse(raw)
    assert p.new_text == "We dispute this invoice."


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage",
        b"Content-Type: multipart/mixed; boundary=x\n\n--x\n--x",
        b"Subject: =?bogus-charset?B?////?=\nContent-Type: text/plain; charset=nonsense\n\n\xff\xfe",
    ],
)
def test_corrupt_mail_never_raises(raw: bytes) -> None:
    """Broken bytes, structure or charsets yield facts (maybe unknown), never an exception."""
    p = parse(raw)
    assert classify(p, STRANGER, RULES, None).kind is Kind.UNKNOWN


def test_dsn_bounce_names_recipient_and_original() -> None:
    """An RFC 3464 report yields the failed address, permanence, status and our Message-ID."""
    raw = (b"From: MAILER-DAEMON@mx.example\nTo: billing@example.com\nSubject: failure\n"
           b"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\n\n"
           b"--B\nContent-Type: text/plain\n\nfailed\n--B\nContent-Type: message/delivery-status\n\n"
           b"Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; ap@gone.example\n"
           b"Action: failed\nStatus: 5.1.1\n\n--B\nContent-Type: text/rfc822-headers\n\n"
           b"Message-ID: <ours@example.com>\nSubject: Invoice\n\n--B--\n")  # fmt: skip
    b = parse(raw).bounce
    assert b is not None
    assert (b.recipients, b.permanent, b.status, b.original_message_id) == (
        ("ap@gone.example",),
        True,
        "5.1.1",
        "<ours@example.com>",
    )


def test_only_the_newest_own_authentication_results_counts() -> None:
    """A forged 'pass' with our authserv-id below our MTA's real 'fail' is ignored."""
    raw = bank_notification("10.00", "X-1", msgid="<n@b>")  # carries a pass from our id
    real = "Authentication-Results: mx.example.com; dkim=fail; spf=fail; dmarc=fail\n"
    v = classify(parse((real + raw).encode()), STRANGER, RULES, "mx.example.com")
    assert v.kind is Kind.PAYMENT_CONFIRMATION
    assert not v.trusted


@pytest.mark.parametrize(
    ("body", "intent"),
    [
        ("Wir zahlen am 15.12.", "promise_to_pay"),
        ("Diese Rechnung werden wir nicht bezahlen, sie ist falsch berechnet.", "dispute"),
        ("We are paying on Friday.", "promise_to_pay"),
    ],
)
def test_more_intent_phrasings(body: str, intent: str) -> None:
    """Plain German promises, German refusals and English present-tense promises."""
    assert classify(parse(_reply(body)), CUSTOMER, RULES, None).intent == intent


def test_debit_advice_is_not_a_payment() -> None:
    """An authenticated bank mail about money going out evidences no payment."""
    raw = (
        bank_notification("50.00", "INV-2026-0001", msgid="<d@b>")
        .replace("Subject: Payment received: EUR 50.00", "Subject: Debit advice")
        .replace(
            "An incoming transfer has been credited to your account.",
            "Your account has been debited.",
        )
    )
    p = parse(raw.encode())
    assert p.payments == ()
    assert classify(p, STRANGER, RULES, "mx.example.com").kind is not Kind.PAYMENT_CONFIRMATION
