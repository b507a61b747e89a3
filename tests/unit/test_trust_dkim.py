"""Who may evidence payments: Authentication-Results from our own server, our own DKIM
check (DNS injected), and the allow-list's required methods."""

from __future__ import annotations

import base64

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from parsers import parse
from parsers.auth import methods
from parsers.dkim import verified_domains
from rules.classify import Kind, SenderInfo, classify
from rules.loader import load
from rules.schema import PaymentSender, Rules, Trust

NOTE = (b"From: alerts@bank.example\r\nTo: billing@example.com\r\nSubject: Payment received\r\n"
        b"Message-ID: <n1@bank.example>\r\nDate: Tue, 01 Dec 2026 10:00:00 +0100\r\n\r\n"
        b"Amount: EUR 1,190.00\r\nReference: INV-2026-0001\r\n")  # fmt: skip
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE = KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())  # fmt: skip
PUBLIC = base64.b64encode(KEY.public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))  # fmt: skip
STRANGER = SenderInfo(is_customer=False, in_thread=False)


def dns(name: bytes, timeout: int = 5) -> bytes | None:
    """The bank's DKIM key record, as DNS would serve it."""
    return b"v=DKIM1; k=rsa; p=" + PUBLIC if name == b"sel._domainkey.bank.example." else None


def signed(raw: bytes = NOTE) -> bytes:
    sig = dkim.sign(
        raw, b"sel", b"bank.example", PRIVATE, include_headers=[b"from", b"subject", b"to"]
    )
    return sig + raw


def test_dkim_signature_verifies_with_injected_dns() -> None:
    """A signature made with the bank's key verifies; a changed body or no key does not."""
    assert verified_domains(signed(), dns) == ("bank.example",)
    tampered = signed().replace(b"1,190.00", b"9,190.00")
    assert verified_domains(tampered, dns) == ()
    assert verified_domains(signed(), lambda name, timeout=5: None) == ()
    assert verified_domains(NOTE, dns) == ()


def test_own_dkim_check_authenticates_a_payment() -> None:
    """With no Authentication-Results at all, our own verified DKIM of the From domain
    makes the notification trusted."""
    rules = load(None)
    facts = parse(signed(), dkim=lambda raw: verified_domains(raw, dns))
    assert facts.dkim_domains == ("bank.example",)
    v = classify(facts, STRANGER, rules, None)
    assert (v.kind, v.trusted) == (Kind.PAYMENT_CONFIRMATION, True)
    assert classify(parse(NOTE), STRANGER, rules, None).trusted is False


def _rules(*senders: str | PaymentSender) -> Rules:
    base = load(None)
    return base.model_copy(update={"trust": Trust(payment_senders=senders)})


def test_allow_list_requires_the_method_it_names() -> None:
    """An allow-list entry asking for DMARC refuses a sender verified by SPF alone, and
    accepts one whose DMARC passed; a sender not on the list is refused."""
    spf_only = (
        b"Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=bank.example\r\n" + NOTE
    )
    dmarc = (
        b"Authentication-Results: mx.example.com; dmarc=pass header.from=bank.example\r\n" + NOTE
    )
    strict = _rules(PaymentSender(sender="bank.example", require="dmarc"))
    v = classify(parse(spf_only), STRANGER, strict, "mx.example.com")
    assert not v.trusted
    assert "wants dmarc" in v.reason
    assert classify(parse(dmarc), STRANGER, strict, "mx.example.com").trusted
    other = _rules("otherbank.example")
    assert not classify(parse(dmarc), STRANGER, other, "mx.example.com").trusted


def test_only_our_authserv_id_counts() -> None:
    """Authentication-Results from any other server are ignored, and a DMARC failure
    from ours outweighs a passing SPF."""
    foreign = (
        b"Authentication-Results: mx.attacker.example; dmarc=pass header.from=bank.example\r\n"
        + NOTE
    )
    assert methods(parse(foreign).auth, "mx.example.com", "bank.example") == frozenset()
    failed = (
        b"Authentication-Results: mx.example.com; spf=pass; dmarc=fail header.from=bank.example\r\n"
        + NOTE
    )
    assert methods(parse(failed).auth, "mx.example.com", "bank.example") == frozenset()
