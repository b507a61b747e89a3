"""Payment facts from the text of bank and payment-processor notifications.

Label-driven ("Amount:", "Betrag:", "Montant :", "Reference:", "Verwendungszweck:"...)
with a fallback to the only amount in the text. Only mail with credit wording ("payment
received", "Gutschrift", "paiement reçu", ...) yields payments: debit advices, fee notices
and everything else do not.
"""

from __future__ import annotations

import datetime as dt
import re

from parsers.amounts import find_amounts
from parsers.model import PaymentFact
from parsers.refs import candidates, iban_of

#: matched on the lower-cased text (case-insensitive alternations are slow in `re`)
PAYMENT_WORDS = re.compile(
    r"payment received|received (a|your|the)? ?payment|you(?:'ve| have)? received|"
    r"(?:we|bank) (?:have|has) received|you've got money|money received|deposit received|"
    r"incoming (payment|transfer|wire)|credit (advice|notification|note)|"
    r"(has been|was|were) credited|credited to your|funds (received|credited)|"
    r"a credit (has been|was) (made|posted|received)|credit (to|on|into) your (account|konto)|"
    r"credit received|received a credit|incoming credit|"
    r"payment (succeeded|successful|confirmation|notification)|new payment|"
    r"transfer received|zahlungseingang|gutschrift|eingegangen|geldeingang|"
    r"paiement reçu|virement reçu|avis de crédit|crédité|encaissement|"
    r"pago recibido|transferencia recibida|abono en cuenta|ingreso recibido|"
    r"betaling ontvangen|bijschrijving|ontvangen betaling|"
    r"pagamento ricevuto|bonifico ricevuto|accredito|"
    r"payment confirmed|payment collected|(has been|was|were) collected|payment captured|"
    r"charge succeeded|invoice paid|invoice (has been|was) paid|"
    r"zahlung erhalten|geld erhalten|überweisung erhalten|"
    r"reçu un (paiement|virement)|ha recibido un (pago|ingreso)|has recibido un pago|"
    r"(je hebt|u heeft) een betaling ontvangen|(hai|ha) ricevuto un (pagamento|bonifico)",
)
#: every alternative above contains one of these: most mail is ruled out without the regex
_PAYMENT_HINTS = ("payment", "receiv", "credit", "crédit", "money", "deposit", "incoming",
                  "funds", "zahlungseingang", "gutschrift", "eingegangen", "geldeingang",
                  "paiement", "virement", "encaissement", "pago", "transferencia", "abono",
                  "ingreso", "betaling", "bijschrijving", "pagamento", "bonifico",
                  "accredito", "collected", "captured", "charge", "invoice", "erhalten",
                  "reçu", "recibido", "ontvangen", "ricevuto")  # fmt: skip


def payment_wording(text: str) -> bool:
    low = text.lower()
    return any(h in low for h in _PAYMENT_HINTS) and PAYMENT_WORDS.search(low) is not None


_FROM_PROSE = re.compile(
    r"\b(?:from|von|de la part de)\s+([A-Z][\w&'.-]*(?:\s+[\w&'.-]+){0,5}?)"
    r"(?=\s+(?:with|for|on|mit|für|am|avec|pour|le)\b|[,.;]\s|\s*$)",
    re.M,
)
#: "Label: value", or "Label<TAB>value" (an HTML table's cells, see parsers/mime.py)
_LABEL = r"^\s*(?:{})\s*(?:[:：]|\t+)\s*(?P<v>.+?)\s*$"
_FIELD = re.compile(r"^\s*(?P<k>[^\n:：\t]{2,40}?)\s*(?:[:：]|\t+)\s*(?P<v>\S.*?)\s*$", re.M)


def _labelled(text: str, labels: str) -> str | None:
    m = re.search(_LABEL.format(labels), text, re.I | re.M)
    return m.group("v").strip() if m else None


#: words a field's name holds when it is the amount, the payer or the reference, and
#: words that rule a field out (a balance, a fee, the payee)
_KEYWORDS = {
    "amount": (
        (
            "amount",
            "betrag",
            "montant",
            "importe",
            "bedrag",
            "importo",
            "sum",
            "total",
            "gutschrift",
            "credit",
            "crédit",
            "paid",
            "received",
            "reçu",
        ),
        (
            "balance",
            "saldo",
            "solde",
            "kontostand",
            "fee",
            "gebühr",
            "entgelt",
            "frais",
            "charge",
            "commission",
            "available",
            "verfügbar",
            "disponible",
            "limit",
            "vat",
            "tax",
            "mwst",
            "ust",
            "tva",
            "iva",
            "net",
            "netto",
        ),
    ),
    "payer": (
        (
            "from",
            "payer",
            "sender",
            "remitter",
            "debtor",
            "ordering",
            "auftraggeber",
            "zahler",
            "absender",
            "donneur",
            "émetteur",
            "ordenante",
            "ordinante",
            "betaler",
            "mittente",
            "customer",
            "kunde",
            "client",
            "paid by",
        ),
        (
            "to",
            "recipient",
            "beneficiary",
            "payee",
            "empfänger",
            "begünstigt",
            "bénéficiaire",
            "destinataire",
            "iban",
            "account",
            "konto",
            "compte",
            "bank",
            "bic",
            "date",
            "datum",
        ),
    ),
    "reference": (
        (
            "reference",
            "ref",
            "zweck",
            "purpose",
            "memo",
            "note",
            "description",
            "libellé",
            "motif",
            "communication",
            "concepto",
            "omschrijving",
            "causale",
            "mitteilung",
            "details",
            "message",
            "remittance",
            "kenmerk",
            "riferimento",
            "verwendung",
            "buchungstext",
            "zahlungsgrund",
        ),
        ("transaction", "end-to-end", "e2e", "mandate", "mandat", "id"),
    ),
}


def _field(text: str, what: str) -> str | None:
    """The value of the first "name: value" field whose name says it is `what`."""
    good, bad = _KEYWORDS[what]
    for m in _FIELD.finditer(text):
        key = m.group("k").lower()
        words = set(re.findall(r"[\wäöüéèàç'-]+", key))
        if any(g in key for g in good) and not (words & set(bad)):
            if what == "amount" and not find_amounts(m.group("v")):
                continue
            return m.group("v").strip()
    return None


AMOUNT_LABELS = (r"amount|credit amount|amount received|payment amount|total|betrag|"
                 r"gutschriftsbetrag|zahlbetrag|montant|montant reçu|importe|importe recibido|"
                 r"bedrag|ontvangen bedrag|importo|importo accreditato")  # fmt: skip
PAYER_LABELS = (r"from|payer|remitter|sender|debtor|ordering party|customer|paid by|"
                r"auftraggeber|zahler|absender|donneur d'ordre|émetteur|emetteur|débiteur|"
                r"ordenante|pagador|remitente|betaler|van|tegenrekening naam|ordinante|"
                r"mittente")  # fmt: skip
REF_LABELS = (r"reference|payment reference|remittance information|remittance info|"
              r"purpose|description|memo|verwendungszweck|referenz|référence|reference|"
              r"libellé|motif|communication|concepto|referencia|omschrijving|"
              r"betalingskenmerk|kenmerk|causale|riferimento")  # fmt: skip
IBAN_LABELS = (r"iban|payer iban|account|from account|sender account|debtor account|"
               r"auftraggeber-iban|iban des auftraggebers|konto|compte|iban du donneur d'ordre")  # fmt: skip
DATE_LABELS = (r"date|value date|booking date|valuta|buchungstag|wertstellung|date de valeur|"
               r"datum|fecha|fecha valor|valutadatum|data|data valuta")  # fmt: skip
TXN_LABELS = (r"transaction id|transaction reference|end-to-end id|e2e id|payment id|"
              r"charge id|transaktions-id|transaktionsnummer|id de transaction|bank reference")  # fmt: skip


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    m = re.search(r"(\d{4})-(\d{2})-(\d{2})", value)
    try:
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        m = re.search(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})", value)
        if m:
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return None
    return None


def extract(
    subject: str, text: str, fallback_date: dt.date | None
) -> tuple[bool, list[PaymentFact]]:
    """(reads like a payment notification, the payments it evidences)."""
    whole = f"{subject}\n{text}"
    words = payment_wording(whole)
    if not words:
        # Without payment wording nothing here is read as a payment (classify requires
        # it), so skip the amount search: most mail is not a notification.
        return False, []
    labelled = _labelled(text, AMOUNT_LABELS) or _field(text, "amount")
    amounts = find_amounts(labelled) if labelled else []
    if not amounts:
        distinct = {(a.value, a.currency) for a in find_amounts(whole)}
        if len(distinct) == 1:
            amounts = find_amounts(whole)[:1]
        else:
            subj = find_amounts(subject)
            amounts = subj[:1]
    if not amounts or amounts[0].value <= 0:
        return words, []
    amount = amounts[0]
    reference = _labelled(text, REF_LABELS) or _field(text, "reference") or ""
    payer = _labelled(text, PAYER_LABELS) or _field(text, "payer") or ""
    if not payer:  # "... received EUR 10.00 from Acme Ltd with reference ..."
        m = _FROM_PROSE.search(text)
        payer = m.group(1).strip() if m else ""
    payer = re.sub(r"\s*<[^>]*>\s*", " ", payer).strip()
    refs = candidates(reference) if reference else []
    if not refs:
        refs = candidates(f"{subject}\n{text}")
    fact = PaymentFact(
        amount=amount.value, currency=amount.currency, ref_tokens=tuple(refs),
        date=_date(_labelled(text, DATE_LABELS)) or fallback_date, reference=reference,
        payer=payer, transaction_id=_labelled(text, TXN_LABELS), source="body",
        iban=iban_of(_labelled(text, IBAN_LABELS)),
    )  # fmt: skip
    return words, [fact]
