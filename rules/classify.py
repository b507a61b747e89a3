"""What kind of message this is and, for customer replies, what the customer wants.

Pure: takes parsed facts plus what the ledger knows about the sender, returns a verdict
with its reasons. Intent is judged only on what the customer newly wrote.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import lru_cache

from parsers.auth import methods
from parsers.model import ParsedMessage
from parsers.remittance import TableHints
from rules.schema import Rules


class Kind(enum.StrEnum):
    PAYMENT_CONFIRMATION = "payment_confirmation"  #: bank or processor says money arrived
    REMITTANCE_ADVICE = "remittance_advice"  #: payer lists what it paid (usually a PDF)
    BANK_STATEMENT = "bank_statement"  #: a statement file (camt, MT940, CSV)
    CUSTOMER_REPLY = "customer_reply"  #: a person at a customer wrote
    BOUNCE = "bounce"  #: a delivery failure report about our mail
    AUTO_REPLY = "auto_reply"  #: an out-of-office or other robot answer
    UNKNOWN = "unknown"  #: none of the above; a human should look


INTENT_ORDER = ("dispute", "promise_to_pay", "claims_paid", "copy_request", "statement_request")
_STRONG_AUTO = ("auto-submitted", "x-autoreply", "x-autorespond", "x-autoresponder",
                "x-autoreply-from", "x-ms-exchange", "out-of-office-subject")  # fmt: skip


@dataclass(frozen=True)
class SenderInfo:
    is_customer: bool  # From matches a customer's address (or its own domain)
    in_thread: bool  # replies to one of our messages


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    intent: str | None
    intents: tuple[str, ...]
    trusted: bool  # may its payments be applied without a human?
    reason: str


def _phrase_regex(phrase: str) -> str:
    if phrase.startswith("re:"):
        return phrase[3:]
    words = [re.escape(w) for w in phrase.replace("’", "'").split()]
    return r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"


@lru_cache(maxsize=8)
def _compiled(intents: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, re.Pattern[str]]:
    return {
        name: re.compile("|".join(f"(?:{_phrase_regex(p)})" for p in phrases), re.I)
        for name, phrases in intents
        if phrases
    }


def intents_of(text: str, rules: Rules) -> tuple[str, ...]:
    """Every intent whose phrases occur in `text`, most decisive first."""
    pats = _compiled(tuple(sorted(rules.classification.intents.items())))
    norm = " ".join(text.replace("’", "'").split())
    return tuple(i for i in INTENT_ORDER if i in pats and pats[i].search(norm))


def _matches(addr: str, entry: str) -> bool:
    addr = addr.lower()
    domain = addr.rsplit("@", 1)[-1]
    e = entry.lower().lstrip("@")
    return addr == e or domain == e or domain.endswith("." + e)


def payment_sender_trusted(addr: str, verified: frozenset[str], rules: Rules,
                           authserv_id: str | None) -> str | None:  # fmt: skip
    """None when `addr` may evidence payments with the methods that `verified`, else why
    not. An empty allow-list admits any verified sender."""
    if not verified:
        return (f"no passing Authentication-Results from {authserv_id or '(none configured)'} "
                "and no verified DKIM signature")  # fmt: skip
    entries = rules.trust.senders
    if not entries:
        return None
    entry = next((e for e in entries if _matches(addr, e.sender)), None)
    if entry is None:
        return "sender not allowed by trust.payment_senders"
    if entry.require != "any" and entry.require not in verified:
        return (f"trust.payment_senders wants {entry.require} for {entry.sender}, "
                f"verified only {', '.join(sorted(verified))}")  # fmt: skip
    return None


def hints_for(addr: str, rules: Rules) -> TableHints | None:
    """The rules' remittance layout for this payer, if the admin wrote one."""
    for t in rules.remittance.templates:
        if any(_matches(addr, s) for s in t.senders):
            return TableHints(t.ref_header, t.amount_header, t.decimal)
    return None


def _bank_evidence(kind: Kind, what: str, facts: ParsedMessage, verified: frozenset[str],
                   rules: Rules, authserv_id: str | None) -> Verdict:  # fmt: skip
    """A bank's or processor's word that money arrived: trusted only when our own mail
    server (or our DKIM check) authenticated the sender and the rules allow it to
    evidence payments, authenticated the way they ask."""
    why_not = payment_sender_trusted(facts.from_addr, verified, rules, authserv_id)
    why = f"authenticated {what}" if why_not is None else f"{what} NOT trusted: {why_not}"
    return Verdict(kind, None, (), why_not is None, why)


def classify(
    facts: ParsedMessage, sender: SenderInfo, rules: Rules, authserv_id: str | None
) -> Verdict:
    verified = methods(facts.auth, authserv_id, facts.from_domain, facts.dkim_domains)
    auth = bool(verified)
    if facts.bounce is not None:
        return Verdict(Kind.BOUNCE, None, (), False, "delivery status report")
    body_payments = [p for p in facts.payments if p.source == "body"]
    statement_rows = [p for p in facts.payments if p.source.startswith(("camt:", "mt940:", "csv:"))]
    if statement_rows and not sender.is_customer:
        return _bank_evidence(
            Kind.BANK_STATEMENT, "bank statement", facts, verified, rules, authserv_id
        )
    pdf_rows = [p for p in facts.payments if p.source.startswith("pdf:")]
    if not sender.is_customer and facts.payment_words and body_payments and not facts.mailing_list:
        return _bank_evidence(Kind.PAYMENT_CONFIRMATION, "payment notification", facts,
                              verified, rules, authserv_id)  # fmt: skip
    if pdf_rows:
        trusted = (rules.trust.remittance_advice == "authenticated" and auth
                   and (sender.is_customer
                        or payment_sender_trusted(facts.from_addr, verified, rules, authserv_id) is None))  # fmt: skip
        return Verdict(Kind.REMITTANCE_ADVICE, None, (), trusted,
                       "remittance advice" + ("" if trusted else " NOT trusted (unauthenticated)"))  # fmt: skip
    strong = [s for s in facts.auto_reply_signals if s.startswith(_STRONG_AUTO)]
    if strong:
        return Verdict(Kind.AUTO_REPLY, None, (), False, f"auto-reply: {', '.join(strong)}")
    if facts.mailing_list or any(s.startswith("precedence") for s in facts.auto_reply_signals):
        return Verdict(Kind.UNKNOWN, None, (), False, "mailing-list or bulk mail")
    if sender.is_customer or sender.in_thread:
        found = intents_of(facts.new_text or facts.text, rules)
        if not found and facts.unreadable:
            # what the customer sent is in a file we cannot open: a human must look
            return Verdict(Kind.UNKNOWN, None, (), False,
                           f"attachment cannot be read: {'; '.join(facts.unreadable)}")  # fmt: skip
        intent = found[0] if found else "other"
        return Verdict(Kind.CUSTOMER_REPLY, intent, found, False,
                       f"reply from {'a customer' if sender.is_customer else 'a thread'}")  # fmt: skip
    return Verdict(Kind.UNKNOWN, None, (), False, "sender is not a customer and no payment found")
