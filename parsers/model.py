"""The facts a parsed message carries. Frozen; money is Decimal; dates are dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from parsers.refs import candidates


@dataclass(frozen=True)
class AuthResult:
    """One Authentication-Results header: who stamped it and what passed."""

    authserv_id: str
    dkim: str | None = None
    spf: str | None = None
    dmarc: str | None = None
    dkim_domain: str | None = None


@dataclass(frozen=True)
class PaymentFact:
    amount: Decimal
    currency: str
    ref_tokens: tuple[str, ...] = ()
    date: dt.date | None = None
    reference: str = ""
    payer: str = ""
    transaction_id: str | None = None
    source: str = "body"  # body | pdf:<name>#row<n>
    iban: str = ""  # the payer's account, compact, when the notification shows a valid one


@dataclass(frozen=True)
class BounceFact:
    recipients: tuple[str, ...]
    permanent: bool
    status: str | None
    original_message_id: str | None = None


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int
    data: bytes = field(repr=False, default=b"")


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str
    subject: str
    from_addr: str
    from_name: str
    to_addrs: tuple[str, ...]
    date: dt.datetime | None
    in_reply_to: tuple[str, ...]
    text: str  # whole body as text
    new_text: str  # what the sender newly wrote: quotes and signature removed
    auth: tuple[AuthResult, ...] = ()
    dkim_domains: tuple[str, ...] = ()  # domains whose DKIM signature arclerk verified itself
    auto_reply_signals: tuple[str, ...] = ()
    mailing_list: bool = False
    ooo_until: dt.date | None = None
    bounce: BounceFact | None = None
    payments: tuple[PaymentFact, ...] = ()
    payment_words: bool = False  # the text reads like a payment notification
    ref_tokens: tuple[str, ...] = ()  # invoice-reference candidates, subject first
    attachments: tuple[Attachment, ...] = ()
    problems: tuple[str, ...] = ()
    #: attachments that should have said something but could not be read, with why
    unreadable: tuple[str, ...] = ()
    #: credit notes and deductions a remittance advice lists: not payments
    deductions: tuple[PaymentFact, ...] = ()

    @cached_property
    def language(self) -> str:
        """Best guess of the sender's language: en | de | fr (computed when first asked)."""
        from parsers.message import guess_language

        return guess_language(self.new_text or self.text)

    @cached_property
    def quoted_ref_tokens(self) -> tuple[str, ...]:
        """Candidates that appear only in the quoted history (computed when first asked:
        most messages resolve their invoice without it)."""
        return tuple(t for t in candidates(self.text) if t not in self.ref_tokens)

    @property
    def from_domain(self) -> str:
        return self.from_addr.rsplit("@", 1)[-1].lower() if "@" in self.from_addr else ""
