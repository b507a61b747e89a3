"""Builds tests/corpus/inbound: billing mail of every kind, with what a clerk reads in it.

Run `python tests/corpus/build.py` to write the files again. Each case is written from
its truth (the generator's own parameters: the invoice a bank notification names, the
date a customer promises), never from what arclerk's parsers make of it; `expected.json`
holds that truth in `arclerk parse --json` terms and tests/unit/test_inbound_corpus.py
compares. The ledger the references resolve against is `invoices.json`.

Kinds: bank and processor notifications in six languages, customer replies with quoted
history from the common clients, remittance-advice PDFs of assorted layouts (bare and
attached, forwarded, inside Outlook's winmail.dat), statements (camt.053/054, MT940,
CSV), DSN and non-DSN bounces, auto-replies, hostile and broken messages.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import sys
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "inbound"
DATE = "Tue, 01 Dec 2026 10:00:00 +0100"  # a Tuesday
AUTH_OK = (
    "mx.example.com; dkim=pass header.d={d}; spf=pass smtp.mailfrom={d}; dmarc=pass header.from={d}"
)
US = "billing@example.com"

CASES: dict[str, dict[str, Any]] = {}
GENERATED_OVER = 512 * 1024
FILES: dict[str, bytes] = {}

# -- the ledger ---------------------------------------------------------------------------
CUSTOMERS = {
    "ACME": ("Acme Ltd", "ap@acme.example", "en"),
    "MUEL": ("Müller Maschinen GmbH", "buchhaltung@mueller.example", "de"),
    "DUPO": ("Dupont et Fils SARL", "compta@dupont.example", "fr"),
    "IBER": ("Ibérica Logística SL", "pagos@iberica.example", "en"),
    "VERD": ("Verdi Forniture SpA", "contabilita@verdi.example", "en"),
    "OOST": ("Oosterhout Handel BV", "crediteuren@oosterhout.example", "en"),
    "HELV": ("Helvetia Uhren AG", "kreditoren@helvetia.example", "de"),
    "NORT": ("Northwind Traders Inc", "payables@northwind.example", "en"),
}


def _invoices() -> list[dict[str, Any]]:
    plan = []
    owners = ["ACME", "MUEL", "DUPO", "IBER", "VERD", "OOST", "HELV", "NORT"]
    for n in range(1, 81):
        cid = owners[(n - 1) % len(owners)]
        name, email, lang = CUSTOMERS[cid]
        cur = "CHF" if cid == "HELV" else "USD" if cid == "NORT" else "EUR"
        price = f"{100 + n * 37}.{n % 100:02d}"
        plan.append({
            "number": f"INV-2026-{n:04d}",
            "customer": {"id": cid, "name": name, "email": email, "language": lang},
            "currency": cur, "issue_date": "2026-10-15", "due_date": "2026-11-14",
            "status": "sent",
            "lines": [{"description": "Services", "quantity": "1", "unit_price": price,
                       "tax_rate": "0"}],
        })  # fmt: skip
    return plan


INVOICES = _invoices()
TOTAL = {i["number"]: i["lines"][0]["unit_price"] for i in INVOICES}


def inv(n: int) -> str:
    return f"INV-2026-{n:04d}"


# -- builders -----------------------------------------------------------------------------


def add(name: str, data: bytes, expect: dict[str, Any], category: str) -> None:
    assert name not in FILES, name
    FILES[name] = data
    CASES[name] = {"category": category, "expect": expect}


def mail(
    sender: str, subject: str, text: str | None = None, *, html: str | None = None,
    headers: dict[str, str] | None = None, auth: str | None = "pass",
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
    msgid: str | None = None, to: str = US, date: str = DATE,
) -> bytes:  # fmt: skip
    m = EmailMessage()
    domain = sender.rsplit("@", 1)[-1].rstrip(">")
    if auth == "pass":
        m["Authentication-Results"] = AUTH_OK.format(d=domain)
    elif auth:
        m["Authentication-Results"] = auth
    m["From"] = sender
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = date
    digest = hashlib.sha1(f"{sender}|{subject}|{text}|{html}".encode()).hexdigest()[:16]  # noqa: S324 - a name, not security
    m["Message-ID"] = msgid or f"<{digest}@{domain}>"
    for k, v in (headers or {}).items():
        m[k] = v
    if text is not None:
        m.set_content(text)
        if html is not None:
            m.add_alternative(html, subtype="html")
    elif html is not None:
        m.set_content(html, subtype="html")
    else:
        m.set_content("")
    for filename, ctype, data in attachments:
        main, sub = ctype.split("/")
        m.add_attachment(data, maintype=main, subtype=sub, filename=filename)
    return m.as_bytes(policy=SMTP)


def pay(refs: list[str], amount: str, currency: str, date: str | None = None) -> dict[str, Any]:
    p: dict[str, Any] = {"invoice_refs": refs, "amount": amount, "currency": currency}
    if date:
        p["date"] = date
    return p


def payment_mail(kind: str = "payment_confirmation", **e: Any) -> dict[str, Any]:
    return {"kind": kind, "intent": None, **e}


# -- 1. bank and processor notifications -------------------------------------------------

NOTIFY = [
    # (name, sender, subject, body, refs, amount, currency, date, html?)
    (
        "n-en-labels",
        "alerts@bank.example",
        "Payment received",
        "Dear customer,\n\nwe have received a payment to your account.\n\nAmount: EUR 1,190.00\n"
        "Payer: Acme Ltd\nReference: {r1}\nValue date: 2026-11-30\n\nYour Bank",
        [1],
        "1190.00",
        "EUR",
        "2026-11-30",
    ),
    (
        "n-de-labels",
        "noreply@sparkasse.example",
        "Zahlungseingang auf Ihrem Konto",
        "Guten Tag,\n\nauf Ihrem Konto ist eine Gutschrift eingegangen.\n\nBetrag: 1.190,00 EUR\n"
        "Auftraggeber: Müller Maschinen GmbH\nVerwendungszweck: RE {r2}\nWertstellung: 30.11.2026\n",
        [2],
        "1190.00",
        "EUR",
        "2026-11-30",
    ),
    (
        "n-fr-labels",
        "notifications@banque.example",
        "Avis de crédit",
        "Bonjour,\n\nvotre compte a été crédité.\n\nMontant : 1 250,50 €\nDonneur d'ordre : Dupont et Fils SARL\n"
        "Référence : {r3}\nDate de valeur : 30/11/2026\n",
        [3],
        "1250.50",
        "EUR",
        "2026-11-30",
    ),
    (
        "n-es-labels",
        "avisos@banco.example",
        "Transferencia recibida",
        "Estimado cliente:\n\nHa recibido una transferencia.\n\nImporte: 300,00 EUR\nOrdenante: Ibérica Logística SL\n"
        "Concepto: factura {r4}\nFecha valor: 30/11/2026\n",
        [4],
        "300.00",
        "EUR",
        "2026-11-30",
    ),
    (
        "n-it-labels",
        "avvisi@banca.example",
        "Bonifico ricevuto",
        "Gentile cliente,\n\nè stato ricevuto un bonifico a suo favore.\n\nImporto: 2.345,67 EUR\nOrdinante: Verdi Forniture SpA\n"
        "Causale: saldo fattura {r5}\nData valuta: 30/11/2026\n",
        [5],
        "2345.67",
        "EUR",
        "2026-11-30",
    ),
    (
        "n-nl-labels",
        "meldingen@bank.example",
        "Betaling ontvangen",
        "Beste klant,\n\nEr is een bijschrijving op uw rekening.\n\nBedrag: EUR 412,00\nVan: Oosterhout Handel BV\n"
        "Omschrijving: factuur {r6}\nDatum: 30-11-2026\n",
        [6],
        "412.00",
        "EUR",
        None,
    ),
    (
        "n-en-stripe",
        "receipts@stripe.example",
        "You received a payment of $645.07",
        "You received a payment\n\nAmount paid: $645.07\nDescription: Invoice {r8}\nCharge ID: ch_3QxYz81\n"
        "Date: 2026-11-30\n",
        [8],
        "645.07",
        "USD",
        "2026-11-30",
    ),
    (
        "n-en-paypal",
        "service@paypal.example",
        "You've got money",
        "Hello Example Services Ltd,\n\nYou've got money!\nNorthwind Traders Inc sent you $996.16 USD\n\n"
        "Note from Northwind Traders Inc: {squeezed16}\nTransaction ID: 5TY28841AB\n",
        [16],
        "996.16",
        "USD",
        None,
    ),
    (
        "n-en-squeezed",
        "alerts@bank.example",
        "Incoming transfer",
        "Incoming payment\n\nAmount: EUR 507.09\nFrom: Acme Ltd\nRemittance information: {squeezed9}\n",
        [9],
        "507.09",
        "EUR",
        None,
    ),
    (
        "n-en-rf",
        "alerts@bank.example",
        "Credit advice",
        "Credit advice\n\nAmount: EUR 544.10\nDebtor: Müller Maschinen GmbH\nCreditor reference: {rf10}\n",
        [10],
        "544.10",
        "EUR",
        None,
    ),
    (
        "n-en-noprefix",
        "alerts@bank.example",
        "Payment received",
        "Amount: EUR 581.11\nPayer: Dupont et Fils SARL\nReference: 2026/{n11}\n",
        [11],
        "581.11",
        "EUR",
        None,
    ),
    (
        "n-en-nozeros",
        "alerts@bank.example",
        "Payment received",
        "Amount: EUR 618.12\nPayer: Ibérica Logística SL\nReference: inv-2026-12\n",
        [12],
        "618.12",
        "EUR",
        None,
    ),
    (
        "n-de-chf",
        "noreply@ubs.example",
        "Gutschrift",
        "Gutschrift auf Ihr Konto\n\nBetrag: CHF 1'234.50\nAuftraggeber: Helvetia Uhren AG\nMitteilung: {r7}\n",
        [7],
        "1234.50",
        "CHF",
        None,
    ),
    (
        "n-de-symbol-after",
        "noreply@sparkasse.example",
        "Zahlungseingang",
        "Zahlungseingang\n\nBetrag: 766,15 €\nVerwendungszweck: {r15}\n",
        [15],
        "766.15",
        "EUR",
        None,
    ),
    (
        "n-en-two-invoices",
        "alerts@bank.example",
        "Payment received",
        "Amount: EUR 1,317.36\nPayer: Acme Ltd\nReference: {r17} {r25}\n",
        [17, 25],
        "1317.36",
        "EUR",
        None,
    ),
    (
        "n-en-unknown-invoice",
        "alerts@bank.example",
        "Payment received",
        "Amount: EUR 99.00\nPayer: Somebody Else\nReference: INV-2099-0001\n",
        [],
        "99.00",
        "EUR",
        None,
    ),
    (
        "n-fr-virement",
        "notifications@banque.example",
        "Virement reçu",
        "Vous avez reçu un virement de 2 109,40 EUR de la part de Dupont et Fils SARL.\n"
        "Libellé : {r19}\n",
        [19],
        "2109.40",
        "EUR",
        None,
    ),
    (
        "n-nl-mollie",
        "noreply@mollie.example",
        "Betaling ontvangen",
        "Goed nieuws! Je hebt een betaling ontvangen.\n\nBedrag: € 329,20\nOmschrijving: {r46}\n"
        "Betaal-ID: tr_7UhSN1zuXS\n",
        [46],
        "329.20",
        "EUR",
        None,
    ),
    (
        "n-en-square",
        "noreply@squareup.example",
        "You received $144.44",
        "You received a payment\n\nTotal: $144.44\nNote: payment for invoice {r32}\n",
        [32],
        "144.44",
        "USD",
        None,
    ),
    (
        "n-en-revolut",
        "no-reply@revolut.example",
        "Money received",
        "Money received\n\nYou have received €1,761.47 from Ibérica Logística SL.\nReference: {r44}\n",
        [44],
        "1761.47",
        "EUR",
        None,
    ),
    (
        "n-de-sepa",
        "noreply@volksbank.example",
        "Eingang SEPA-Überweisung",
        "Sehr geehrter Kunde,\n\nfür Sie ist eine SEPA-Überweisung eingegangen.\n\n"
        "Betrag: 2.035,50 EUR\nAuftraggeber: Müller Maschinen GmbH\nVerwendungszweck: Rg.-Nr. 2026-0050\n",
        [50],
        "2035.50",
        "EUR",
        None,
    ),
    (
        "n-en-subject-amount",
        "alerts@bank.example",
        "Payment of EUR 1,687.45 received",
        "A payment has been credited to your account.\nReference: {r45}\n",
        [45],
        "1687.45",
        "EUR",
        None,
    ),
    (
        "n-en-wise-fee",
        "noreply@wise.example",
        "You've received EUR 814.20",
        "You've received money\n\nAmount: EUR 814.20\nOur fee: EUR 2.10\nFrom: Ibérica Logística SL\n"
        "Reference: {r20}\n",
        [20],
        "814.20",
        "EUR",
        None,
    ),
]
NOTIFY_HTML = [
    (
        "n-en-html-table",
        "alerts@bank.example",
        "Payment received",
        "<html><body><h2>Payment received</h2><table><tr><td>Amount:</td><td>EUR 1,021.21</td></tr>"
        "<tr><td>Payer:</td><td>Verdi Forniture SpA</td></tr><tr><td>Reference:</td><td>{r21}</td></tr>"
        "</table><p style='font-size:9px'>Do not reply.</p></body></html>",
        [21],
        "1021.21",
        "EUR",
    ),
    (
        "n-de-html",
        "noreply@sparkasse.example",
        "Zahlungseingang",
        "<html><body><p>Auf Ihrem Konto ist ein <b>Zahlungseingang</b> verbucht worden.</p>"
        "<p>Betrag: 914,18 EUR<br>Auftraggeber: Müller Maschinen GmbH<br>Verwendungszweck: {r18}</p></body></html>",
        [18],
        "914.18",
        "EUR",
    ),
    (
        "n-fr-html",
        "notifications@banque.example",
        "Paiement reçu",
        "<div>Paiement reçu</div><div>Montant : 1 095,27 €</div><div>Référence : {r27}</div>",
        [27],
        "1095.27",
        "EUR",
    ),
]


def _fill(text: str) -> str:
    subs = {f"r{n}": inv(n) for n in range(1, 81)}
    subs |= {f"squeezed{n}": inv(n).replace("-", "") for n in range(1, 81)}
    subs |= {f"n{n}": str(n) for n in range(1, 81)}
    from ledger.refs import creditor_reference

    for n in range(1, 81):
        rf = creditor_reference(inv(n)) or ""
        subs[f"rf{n}"] = " ".join(rf[i : i + 4] for i in range(0, len(rf), 4))
    return text.format(**subs)


def notifications() -> None:
    for name, sender, subject, body, refs, amount, cur, date in NOTIFY:
        raw = mail(sender, subject, _fill(body))
        add(f"{name}.eml", raw, payment_mail(
            invoice_refs=[inv(n) for n in refs],
            payments=[pay([inv(n) for n in refs], amount, cur, date)], authenticated=True,
        ), "notification")  # fmt: skip
    for name, sender, subject, html, refs, amount, cur in NOTIFY_HTML:
        raw = mail(sender, subject, html=_fill(html))
        add(f"{name}.eml", raw, payment_mail(
            invoice_refs=[inv(n) for n in refs],
            payments=[pay([inv(n) for n in refs], amount, cur)], authenticated=True,
        ), "notification")  # fmt: skip
    body = "Payment received\n\nAmount: EUR 1,190.00\nPayer: Acme Ltd\nReference: INV-2026-0001\n"
    add("n-unauthenticated.eml", mail("alerts@bank.example", "Payment received", body, auth=None),
        payment_mail(payments=[pay([inv(1)], "1190.00", "EUR")], authenticated=False),
        "notification")  # fmt: skip
    add("n-foreign-authserv.eml", mail("alerts@bank.example", "Payment received", body,
                                      auth="mx.attacker.example; dmarc=pass header.from=bank.example"),
        payment_mail(payments=[pay([inv(1)], "1190.00", "EUR")], authenticated=False),
        "notification")  # fmt: skip
    add("n-dmarc-fail.eml", mail("alerts@bank.example", "Payment received", body,
                                 auth="mx.example.com; dkim=fail; spf=pass; dmarc=fail header.from=bank.example"),
        payment_mail(payments=[pay([inv(1)], "1190.00", "EUR")], authenticated=False),
        "notification")  # fmt: skip
    # a debit advice, a fee notice: money going out is never a payment
    add("n-de-debit.eml", mail("noreply@sparkasse.example", "Lastschrift ausgeführt",
                               "Von Ihrem Konto wurde eine Lastschrift eingezogen.\n\nBetrag: 120,00 EUR\n"
                               "Empfänger: Stadtwerke\nVerwendungszweck: Abschlag Dezember\n"),
        {"kind": "unknown", "payments": []}, "notification")  # fmt: skip
    add("n-en-fee.eml", mail("alerts@bank.example", "Monthly account fee",
                             "Your monthly account fee of EUR 5.00 has been debited.\n"),
        {"kind": "unknown", "payments": []}, "notification")  # fmt: skip
    add("n-en-debit-card.eml", mail("alerts@bank.example", "Card payment made",
                                    "A card payment of EUR 42.00 was made to OFFICE SUPPLIES.\n"),
        {"kind": "unknown", "payments": []}, "notification")  # fmt: skip


# -- 2. customer replies ----------------------------------------------------------------

QUOTED_EN = (
    "Dear Acme Ltd,\n\nour records show that invoice {ref} is overdue. If you dispute this\n"
    "invoice, please tell us. If you have already paid, please ignore this message.\n"
    "We will pay you a visit otherwise.\n\nExample Services Ltd"
)
STYLES = {
    "gmail": lambda q: (
        "\n\nOn Mon, 30 Nov 2026 at 09:00, Example Services <billing@example.com> wrote:\n"
        + "\n".join("> " + ln for ln in q.split("\n"))
    ),
    "outlook": lambda q: (
        "\n\n-----Original Message-----\nFrom: Example Services <billing@example.com>\n"
        "Sent: Monday, November 30, 2026 9:00 AM\nTo: ap@acme.example\nSubject: Reminder\n\n" + q
    ),
    "outlook-rule": lambda q: (
        "\n\n________________________________\nFrom: Example Services <billing@example.com>\n"
        "Sent: Monday, November 30, 2026 9:00 AM\nTo: ap@acme.example\nSubject: Reminder\n\n" + q
    ),
    "apple-de": lambda q: (
        "\n\n> Am 30.11.2026 um 09:00 schrieb Example Services <billing@example.com>:\n>\n"
        + "\n".join("> " + ln for ln in q.split("\n"))
    ),
    "thunderbird-fr": lambda q: (
        "\n\nLe 30/11/2026 à 09:00, Example Services a écrit :\n"
        + "\n".join("> " + ln for ln in q.split("\n"))
    ),
    "outlook-de": lambda q: (
        "\n\n-----Ursprüngliche Nachricht-----\nVon: Example Services <billing@example.com>\n"
        "Gesendet: Montag, 30. November 2026 09:00\nAn: buchhaltung@mueller.example\nBetreff: Zahlungserinnerung\n\n"
        + q
    ),
    "outlook-fr": lambda q: (
        "\n\n-----Message d'origine-----\nDe : Example Services <billing@example.com>\n"
        "Envoyé : lundi 30 novembre 2026 09:00\nÀ : compta@dupont.example\nObjet : Relance\n\n" + q
    ),
    "spanish": lambda q: (
        "\n\nEl lun, 30 nov 2026 a las 9:00, Example Services (<billing@example.com>) escribió:\n"
        + "\n".join("> " + ln for ln in q.split("\n"))
    ),
    "dutch": lambda q: (
        "\n\nOp ma 30 nov. 2026 om 09:00 schreef Example Services <billing@example.com>:\n"
        + "\n".join("> " + ln for ln in q.split("\n"))
    ),
    "italian": lambda q: (
        "\n\nIl giorno lun 30 nov 2026 alle ore 09:00 Example Services <billing@example.com> ha scritto:\n"
        + "\n".join("> " + ln for ln in q.split("\n"))
    ),
    "signature": lambda q: (
        "\n\n-- \nJane Doe | Accounts payable | we will pay all invoices on time\n"
    ),
}
REPLIES = [
    # (name, customer, invoice, intent, new text, promised date, style)
    (
        "en-claims-gmail",
        "ACME",
        33,
        "claims_paid",
        "Hi,\n\nwe paid this invoice last week, please check your account.\n\nThanks, Jane",
        None,
        "gmail",
    ),
    (
        "en-claims-outlook",
        "ACME",
        41,
        "claims_paid",
        "Hello,\nThe payment was sent on 25 November.\nRegards",
        None,
        "outlook",
    ),
    (
        "en-dispute-outlook",
        "ACME",
        49,
        "dispute",
        "Hello,\n\nthe amount is wrong: we were charged twice for the same service.",
        None,
        "outlook-rule",
    ),
    (
        "en-dispute-gmail",
        "NORT",
        56,
        "dispute",
        "We never ordered the second licence and will not pay for it.",
        None,
        "gmail",
    ),
    (
        "en-promise-date",
        "ACME",
        57,
        "promise_to_pay",
        "Sorry for the delay, we will pay on December 5th.",
        "2026-12-05",
        "gmail",
    ),
    (
        "en-promise-endmonth",
        "NORT",
        64,
        "promise_to_pay",
        "Payment will be made by the end of the month.",
        "2026-12-31",
        "outlook",
    ),
    (
        "en-promise-nextfriday",
        "ACME",
        65,
        "promise_to_pay",
        "We will transfer the money next Friday.",
        "2026-12-04",
        "signature",
    ),
    (
        "en-promise-weeks",
        "NORT",
        72,
        "promise_to_pay",
        "Cash is tight; we will settle within 2 weeks.",
        "2026-12-15",
        "gmail",
    ),
    (
        "en-promise-iso",
        "ACME",
        73,
        "promise_to_pay",
        "The payment is scheduled for 2026-12-18.",
        "2026-12-18",
        "outlook",
    ),
    (
        "en-copy-gmail",
        "ACME",
        1,
        "copy_request",
        "Hi, we never received the invoice. Could you send us a copy?",
        None,
        "gmail",
    ),
    (
        "en-copy-resend",
        "NORT",
        8,
        "copy_request",
        "Please resend the invoice as PDF, our system lost it.",
        None,
        "outlook",
    ),
    (
        "en-other-thanks",
        "ACME",
        9,
        "other",
        "Thanks, I have forwarded this to our accounts team.",
        None,
        "gmail",
    ),
    (
        "en-other-question",
        "NORT",
        16,
        "other",
        "Who is the contact person for this contract?",
        None,
        "outlook-rule",
    ),
    (
        "de-claims-apple",
        "MUEL",
        2,
        "claims_paid",
        "Guten Tag,\n\ndie Rechnung haben wir bereits bezahlt.\n\nMit freundlichen Grüßen\nHans Müller",
        None,
        "apple-de",
    ),
    (
        "de-claims-outlook",
        "MUEL",
        10,
        "claims_paid",
        "Hallo, wir haben den Betrag schon überwiesen.",
        None,
        "outlook-de",
    ),
    (
        "de-dispute",
        "MUEL",
        18,
        "dispute",
        "Sehr geehrte Damen und Herren,\n\ndie Rechnung ist fehlerhaft, wir widersprechen.",
        None,
        "outlook-de",
    ),
    (
        "de-promise-date",
        "MUEL",
        26,
        "promise_to_pay",
        "Wir werden die Rechnung am 15.12.2026 bezahlen.",
        "2026-12-15",
        "apple-de",
    ),
    (
        "de-promise-nodate-year",
        "HELV",
        7,
        "promise_to_pay",
        "Wir überweisen am 18.12. den vollen Betrag.",
        "2026-12-18",
        "outlook-de",
    ),
    (
        "de-promise-monthend",
        "MUEL",
        34,
        "promise_to_pay",
        "Wir zahlen bis Ende des Monats.",
        "2026-12-31",
        "apple-de",
    ),
    (
        "de-promise-weekday",
        "HELV",
        15,
        "promise_to_pay",
        "Wir werden nächsten Freitag überweisen.",
        "2026-12-04",
        "outlook-de",
    ),
    (
        "de-copy",
        "MUEL",
        42,
        "copy_request",
        "Bitte senden Sie uns die Rechnung erneut, wir finden sie nicht.",
        None,
        "apple-de",
    ),
    ("de-other", "HELV", 23, "other", "Vielen Dank, wir prüfen das intern.", None, "outlook-de"),
    (
        "fr-claims-thunderbird",
        "DUPO",
        3,
        "claims_paid",
        "Bonjour,\n\nnous avons déjà payé cette facture.\n\nCordialement",
        None,
        "thunderbird-fr",
    ),
    (
        "fr-claims-outlook",
        "DUPO",
        11,
        "claims_paid",
        "Le virement a été effectué hier.",
        None,
        "outlook-fr",
    ),
    (
        "fr-dispute",
        "DUPO",
        19,
        "dispute",
        "Nous contestons cette facture : le montant est incorrect.",
        None,
        "thunderbird-fr",
    ),
    (
        "fr-promise-date",
        "DUPO",
        27,
        "promise_to_pay",
        "Nous paierons le 10 décembre, merci de votre patience.",
        "2026-12-10",
        "outlook-fr",
    ),
    (
        "fr-promise-weekday",
        "DUPO",
        35,
        "promise_to_pay",
        "Nous réglerons la facture vendredi prochain.",
        "2026-12-04",
        "thunderbird-fr",
    ),
    (
        "fr-promise-monthend",
        "DUPO",
        43,
        "promise_to_pay",
        "Le paiement sera effectué à la fin du mois.",
        "2026-12-31",
        "outlook-fr",
    ),
    (
        "fr-copy",
        "DUPO",
        51,
        "copy_request",
        "Pourriez-vous nous envoyer une copie de la facture ?",
        None,
        "thunderbird-fr",
    ),
    ("fr-other", "DUPO", 59, "other", "Merci, je transmets à notre comptable.", None, "outlook-fr"),
    (
        "de-promise-zahlung-erfolgt",
        "MUEL",
        66,
        "promise_to_pay",
        "Die Zahlung erfolgt am 20.12.2026.",
        "2026-12-20",
        "outlook-de",
    ),
    (
        "fr-promise-dici",
        "DUPO",
        75,
        "promise_to_pay",
        "Nous vous réglerons d'ici le 15/12/2026.",
        "2026-12-15",
        "thunderbird-fr",
    ),
    (
        "en-promise-us-date",
        "NORT",
        80,
        "promise_to_pay",
        "We'll get this paid by 12/18/2026.",
        "2026-12-18",
        "outlook",
    ),
    (
        "en-promise-tomorrow",
        "ACME",
        17,
        "promise_to_pay",
        "Payment will follow tomorrow.",
        "2026-12-02",
        "gmail",
    ),
    (
        "fr-copy-pas-recu",
        "DUPO",
        67,
        "copy_request",
        "Bonjour, nous n'avons pas reçu la facture, pouvez-vous la renvoyer ?",
        None,
        "outlook-fr",
    ),
    (
        "de-dispute-ware",
        "MUEL",
        74,
        "dispute",
        "Wir haben die Ware nie erhalten und widersprechen der Rechnung.",
        None,
        "apple-de",
    ),
    (
        "en-dispute-damaged",
        "ACME",
        25,
        "dispute",
        "The goods were damaged on arrival; we will not pay until they are replaced.",
        None,
        "outlook-rule",
    ),
    (
        "es-quote-en-claims",
        "IBER",
        4,
        "claims_paid",
        "Hello, we already paid this invoice on Friday.",
        None,
        "spanish",
    ),
    (
        "nl-quote-en-promise",
        "OOST",
        6,
        "promise_to_pay",
        "We will pay on 11 December.",
        "2026-12-11",
        "dutch",
    ),
    (
        "it-quote-en-dispute",
        "VERD",
        5,
        "dispute",
        "We do not agree with this invoice, the price is not what we agreed.",
        None,
        "italian",
    ),
]


def replies() -> None:
    for name, cid, n, intent, new, promised, style in REPLIES:
        _, addr, _ = CUSTOMERS[cid]
        ref = inv(n)
        body = new + STYLES[style](QUOTED_EN.format(ref=ref))
        raw = mail(f"Jane Doe <{addr}>", f"Re: Payment reminder {ref}", body, auth=None)
        add(f"r-{name}.eml", raw, {
            "kind": "customer_reply", "intent": intent, "invoice_refs": [ref],
            "promised_date": promised, "payments": [], "text_has": [new.split()[-1]],
            "text_lacks": ["our records show", "Example Services <billing"],
        }, "reply")  # fmt: skip
    acme = CUSTOMERS["ACME"][1]
    # HTML-only replies (Gmail's quote div; Outlook's header block)
    html = (
        "<div dir='ltr'>We will pay on 9 December.</div><br><div class='gmail_quote'>"
        "<div class='gmail_attr'>On Mon, 30 Nov 2026 at 09:00 Example Services wrote:</div>"
        "<blockquote>If you dispute this invoice INV-2026-0049, tell us.</blockquote></div>"
    )
    add("r-en-html-gmail.eml", mail(acme, "Re: Invoice INV-2026-0049", html=html, auth=None),
        {"kind": "customer_reply", "intent": "promise_to_pay", "promised_date": "2026-12-09",
         "invoice_refs": [inv(49)], "text_lacks": ["dispute"]}, "reply")  # fmt: skip
    html = (
        "<div>This was paid already, see attached proof.</div><div><br></div><hr>"
        "<div><b>From:</b> Example Services &lt;billing@example.com&gt;<br><b>Sent:</b> Monday,"
        " November 30, 2026<br><b>To:</b> ap@acme.example<br><b>Subject:</b> Reminder</div>"
        "<div>If you dispute invoice INV-2026-0057 tell us.</div>"
    )
    add("r-en-html-outlook.eml", mail(acme, "RE: Reminder INV-2026-0057", html=html, auth=None),
        {"kind": "customer_reply", "intent": "claims_paid", "invoice_refs": [inv(57)],
         "text_lacks": ["dispute"]}, "reply")  # fmt: skip
    # Outlook puts X-Auto-Response-Suppress on ordinary mail: still a person writing
    add("r-x-auto-response-suppress.eml",
        mail(acme, "Re: INV-2026-0065", "We have paid this invoice.", auth=None,
             headers={"X-Auto-Response-Suppress": "All", "Thread-Topic": "INV-2026-0065"}),
        {"kind": "customer_reply", "intent": "claims_paid", "invoice_refs": [inv(65)]}, "reply")  # fmt: skip
    # a customer saying "paid" with an amount is still a reply, never a payment
    add("r-claims-with-amount.eml",
        mail(acme, "Invoice INV-2026-0073", "We paid EUR 2,801.73 for INV-2026-0073 yesterday.", auth=None),
        {"kind": "customer_reply", "intent": "claims_paid", "payments": [],
         "invoice_refs": [inv(73)]}, "reply")  # fmt: skip
    add("r-statement-request.eml",
        mail(acme, "Statement", "Could you please send us a statement of account?", auth=None),
        {"kind": "customer_reply", "intent": "other"}, "reply")  # fmt: skip
    add("r-colleague-domain.eml",
        mail("Tom Smith <tom.smith@acme.example>", "Re: INV-2026-0081",
             "I'll pay it by Friday. Tom", auth=None),
        {"kind": "customer_reply", "intent": "promise_to_pay", "promised_date": "2026-12-04"},
        "reply")  # fmt: skip
    add("r-ref-written-loosely.eml",
        mail(acme, "question about inv 2026/17", "Is the VAT on this one correct? It looks wrong to us.", auth=None),
        {"kind": "customer_reply", "intent": "dispute", "invoice_refs": [inv(17)]}, "reply")  # fmt: skip
    add("r-inline-forward.eml",
        mail(acme, "Fwd: Invoice INV-2026-0025",
             "Paid today, see below.\n\n---------- Forwarded message ---------\nFrom: Example Services "
             "<billing@example.com>\nDate: Sun, 15 Nov 2026\nSubject: Invoice INV-2026-0025\n\n"
             "Please find attached invoice INV-2026-0025. If you dispute it, tell us.", auth=None),
        {"kind": "customer_reply", "intent": "claims_paid", "invoice_refs": [inv(25)],
         "text_lacks": ["dispute"]}, "reply")  # fmt: skip
    # charsets: Latin-1 bytes declared as UTF-8; quoted-printable; base64
    m = EmailMessage()
    m["From"], m["To"], m["Subject"], m["Date"] = (
        CUSTOMERS["MUEL"][1],
        US,
        "Rechnung INV-2026-0050",
        DATE,
    )
    m["Message-ID"] = "<latin1@mueller.example>"
    m["Content-Type"] = 'text/plain; charset="utf-8"'
    m["Content-Transfer-Encoding"] = "8bit"
    raw = (
        m.as_bytes().rstrip(b"\n")
        + b"\n\n"
        + "Die Rechnung ist fehlerhaft, bitte prüfen Sie die Menge. Grüße".encode("latin-1")
    )
    add("r-de-lying-charset.eml", raw,
        {"kind": "customer_reply", "intent": "dispute", "invoice_refs": [inv(50)],
         "text_has": ["prüfen"]}, "reply")  # fmt: skip
    qp = (
        "From: buchhaltung@mueller.example\nTo: billing@example.com\nSubject: =?utf-8?q?Zahlung_f=C3=BCr?= INV-2026-0058\n"
        f"Date: {DATE}\nMessage-ID: <qp@mueller.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
        "Wir werden die Rechnung am 21.12.2026 begleichen, sobald die Freigabe der Gesch=\n"
        "=C3=A4ftsleitung vorliegt.\n"
    ).encode()
    add("r-de-quoted-printable.eml", qp,
        {"kind": "customer_reply", "intent": "promise_to_pay", "promised_date": "2026-12-21",
         "invoice_refs": [inv(58)], "text_has": ["Geschäftsleitung"]}, "reply")  # fmt: skip
    b64 = base64.encodebytes("Nous avons déjà réglé la facture INV-2026-0067.".encode()).decode()
    raw = (
        "From: compta@dupont.example\nTo: billing@example.com\nSubject: Facture\n"
        f"Date: {DATE}\nMessage-ID: <b64@dupont.example>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        + b64[:12]
        + "!!"
        + b64[12:].rstrip().rstrip("=")
        + "\n"
    ).encode()  # damaged: junk inside, padding lost
    add("r-fr-broken-base64.eml", raw,
        {"kind": "customer_reply", "intent": "claims_paid", "invoice_refs": [inv(67)]}, "reply")  # fmt: skip


# -- 3. remittance-advice PDFs -----------------------------------------------------------

CSS = ("body{font-family:sans-serif;font-size:10pt} table{border-collapse:collapse;margin-top:8pt}"
       "td,th{padding:3pt 10pt;text-align:left} .ruled td,.ruled th{border:0.6pt solid #444}"
       ".num{text-align:right} pre{font-family:monospace;font-size:9pt}")  # fmt: skip


def pdf(html: str) -> bytes:
    import weasyprint

    return weasyprint.HTML(
        string=f"<html><head><style>{CSS}</style></head><body>{html}</body></html>"
    ).write_pdf()  # type: ignore[no-any-return]


def table(headers: list[str], rows: list[list[str]], ruled: bool = True, num_from: int = 99) -> str:
    head = "".join(
        f"<th{' class=num' if i >= num_from else ''}>{h}</th>" for i, h in enumerate(headers)
    )
    body = "".join("<tr>" + "".join(f"<td{' class=num' if i >= num_from else ''}>{c}</td>" for i, c in enumerate(r)) + "</tr>" for r in rows)  # fmt: skip
    return f"<table class='{'ruled' if ruled else ''}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def eu(amount: str, sep: str = ".", dec: str = ",") -> str:
    whole, frac = amount.split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sep.join(groups) + dec + frac


def remittances() -> list[tuple[str, bytes, dict[str, Any]]]:
    out = []

    def rows_of(ns: list[int]) -> list[dict[str, Any]]:
        return [
            pay(
                [inv(n)],
                TOTAL[inv(n)],
                "EUR" if n % 8 not in (7, 0) else ("CHF" if n % 8 == 7 else "USD"),
            )
            for n in ns
        ]

    ns = [1, 9, 17]
    html = (
        "<h2>Remittance advice</h2><p>Payer: Acme Ltd<br>Payment date: 2026-11-30<br>Currency: EUR</p>"
        + table(
            ["Invoice No", "PO Number", "Invoice Date", "Amount Paid"],
            [[inv(n), f"PO-{4400 + n}", "2026-10-15", TOTAL[inv(n)]] for n in ns],
            num_from=3,
        )
        + f"<p>Total paid: EUR {sum(float(TOTAL[inv(n)]) for n in ns):.2f}</p>"
    )
    out.append(
        ("p-en-ruled", pdf(html), {"payments": [dict(p, date="2026-11-30") for p in rows_of(ns)]})
    )

    ns = [2, 10, 18, 26]
    lines = [
        f"{'Belegnr.':<16}{'Bestellnr.':<14}{'Rechnungsbetrag':>17}{'Skonto':>10}{'Zahlbetrag':>14}"
    ]
    for n in ns:
        gross = TOTAL[inv(n)]
        lines.append(
            f"{inv(n):<16}{'B-' + str(77000 + n):<14}{eu(gross):>17}{'0,00':>10}{eu(gross):>14}"
        )
    html = (
        "<h2>Zahlungsavis</h2><p>Zahler: Müller Maschinen GmbH<br>Zahlungsdatum: 30.11.2026<br>Währung: EUR</p><pre>"
        + "\n".join(lines)
        + "</pre>"
    )
    out.append(
        (
            "p-de-whitespace",
            pdf(html),
            {"payments": [dict(p, date="2026-11-30") for p in rows_of(ns)]},
        )
    )

    ns = [3, 11, 19]
    html = "<h2>Avis de paiement</h2><p>Dupont et Fils SARL</p>" + table(
        ["N° facture", "Date", "Montant facture", "Montant payé"],
        [
            [inv(n), "15/10/2026", eu(TOTAL[inv(n)], " ") + " €", eu(TOTAL[inv(n)], " ") + " €"]
            for n in ns
        ],
        num_from=2,
    )
    out.append(("p-fr-ruled", pdf(html), {"payments": rows_of(ns)}))

    ns = list(range(1, 81, 8)) + list(range(9, 81, 8)) + list(range(17, 81, 8)) * 4
    ns = ns[:70]
    html = "<h2>Remittance advice</h2><p>Acme Ltd · all amounts in EUR</p>" + table(
        ["Invoice", "Description", "Paid"],
        [[inv(n), "Services rendered under contract", TOTAL[inv(n)]] for n in ns],
        num_from=2,
    )
    out.append(("p-en-multipage-thead", pdf(html), {"payments": rows_of(ns), "rows": len(ns)}))

    ns = [33, 41, 49, 57, 65, 73] * 8
    head = f"{'Document':<18}{'Text':<30}{'Amount':>14}"
    body = [f"{inv(n):<18}{'Consulting services':<30}{TOTAL[inv(n)]:>14}" for n in ns]
    html = (
        "<h3>Payment advice EUR</h3><pre>" + head + "\n" + "\n".join(body[:30]) + "</pre>"
        "<pre style='page-break-before:always'>" + "\n".join(body[30:]) + "</pre>"
    )
    out.append(("p-en-multipage-noheader", pdf(html), {"payments": rows_of(ns), "rows": len(ns)}))

    html = "<h2>Zahlungsavis</h2><p>Währung: EUR</p>" + table(
        ["Belegart", "Belegnr.", "Zahlbetrag"],
        [
            ["Rechnung", inv(34), eu(TOTAL[inv(34)])],
            ["Rechnung", inv(42), eu(TOTAL[inv(42)])],
            ["Gutschrift", "GS-2026-0003", "-200,00"],
        ],
        num_from=2,
    )
    out.append(
        (
            "p-de-credit-note",
            pdf(html),
            {
                "payments": rows_of([34, 42]),
                "deductions": [{"amount": "200.00", "currency": "EUR"}],
            },
        )
    )

    ns = [4, 12, 20]
    html = "<h2>Remittance</h2><p>Currency EUR</p>" + table(
        ["Payment ID", "Customer No", "Your Invoice", "Our Ref", "Net Paid"],
        [[f"{880120 + n}", "100234", inv(n), f"{2026}-{5500 + n}", TOTAL[inv(n)]] for n in ns],
        num_from=4,
    )
    out.append(("p-en-extra-columns", pdf(html), {"payments": rows_of(ns)}))

    ns = [5, 13, 21]
    text = "<br>".join(f"Invoice {inv(n)} ........ EUR {TOTAL[inv(n)]}" for n in ns)
    out.append(
        (
            "p-en-lines",
            pdf(
                f"<h3>Payment notification</h3><p>We have paid the following invoices:</p><p>{text}</p>"
            ),
            {"payments": rows_of(ns)},
        )
    )

    ns = [28, 36]
    html = "<h2>Aviso de pago</h2><p>Ibérica Logística SL — Moneda: EUR</p>" + table(
        ["Nº factura", "Fecha", "Importe pagado"],
        [[inv(n), "15/10/2026", eu(TOTAL[inv(n)])] for n in ns],
        num_from=2,
    )
    out.append(("p-es", pdf(html), {"payments": rows_of(ns)}))
    ns = [29, 37]
    html = "<h2>Avviso di pagamento</h2><p>Valuta: EUR</p>" + table(
        ["Numero fattura", "Data", "Importo pagato"],
        [[inv(n), "15/10/2026", eu(TOTAL[inv(n)])] for n in ns],
        num_from=2,
    )
    out.append(("p-it", pdf(html), {"payments": rows_of(ns)}))
    ns = [30, 38]
    html = "<h2>Betalingsadvies</h2><p>Valuta: EUR</p>" + table(
        ["Factuurnummer", "Factuurdatum", "Betaald bedrag"],
        [[inv(n), "15-10-2026", eu(TOTAL[inv(n)])] for n in ns],
        num_from=2,
    )
    out.append(("p-nl", pdf(html), {"payments": rows_of(ns)}))

    ns = [7, 15, 23]
    html = "<h2>Zahlungsavis</h2><p>Helvetia Uhren AG</p>" + table(
        ["Rechnungsnummer", "Währung", "Betrag"],
        [[inv(n), "CHF", eu(TOTAL[inv(n)], "'", ".")] for n in ns],
        num_from=2,
    )
    out.append(("p-ch-apostrophe", pdf(html), {"payments": rows_of(ns)}))

    html = "<h2>Remittance advice</h2><p>EUR</p>" + table(
        ["Invoice number", "Amount paid"],
        [
            ["2026-44", TOTAL[inv(44)]],
            ["inv 2026/52", TOTAL[inv(52)]],
            ["INV2026-0060", TOTAL[inv(60)]],
        ],
        num_from=1,
    )
    out.append(("p-refs-loose", pdf(html), {"payments": rows_of([44, 52, 60])}))

    html = "<h2>Zahlungsavis</h2><p>EUR</p>" + table(
        ["Beleg", "Rechnungsbetrag", "Skonto", "Zahlbetrag"],
        [[inv(50), eu(TOTAL[inv(50)]), "", eu(TOTAL[inv(50)])], ["GS-77", "", "", "23,80-"]],
        num_from=1,
    )
    out.append(
        (
            "p-de-sap-minus",
            pdf(html),
            {"payments": rows_of([50]), "deductions": [{"amount": "23.80", "currency": "EUR"}]},
        )
    )

    html = "<h2>Payment advice</h2><p>All amounts EUR</p>" + table(
        ["Document", "Reference", "Paid"],
        [[f"DOC-{9100 + n}", inv(n), TOTAL[inv(n)]] for n in (53, 61, 69)],
        num_from=2,
    )
    out.append(("p-closed-world", pdf(html), {"payments": rows_of([53, 61, 69])}))

    ns = [54, 62]
    html = "<h2>Remittance</h2><p>EUR</p>" + table(
        ["Invoice", "Gross", "Discount"], [[inv(n), TOTAL[inv(n)], "10.00"] for n in ns], num_from=1
    )
    out.append(
        (
            "p-gross-discount",
            pdf(html),
            {"payments": [pay([inv(n)], f"{float(TOTAL[inv(n)]) - 10:.2f}", "EUR") for n in ns]},
        )
    )
    ns = [63, 71]
    html = "<h2>Zahlungsavis</h2><p>Zahlungsdatum: 30.11.2026</p>" + table(
        ["Ihre Rechnung", "Ihr Zeichen", "Datum", "Betrag"],
        [[inv(n), "MM/kl", "15.10.2026", eu(TOTAL[inv(n)]) + " EUR"] for n in ns],
        num_from=3,
    )
    out.append(
        (
            "p-de-ihre-rechnung",
            pdf(html),
            {"payments": [dict(p, date="2026-11-30") for p in rows_of(ns)]},
        )
    )
    ns = [24, 32, 40]
    html = "<h2>Payment Advice</h2>" + table(
        ["Invoice #", "Invoice Date", "Amount"],
        [[inv(n), "10/15/2026", "$" + f"{float(TOTAL[inv(n)]):,.2f}"] for n in ns],
        num_from=2,
    )
    out.append(("p-us-dollar", pdf(html), {"payments": rows_of(ns)}))
    return out


def _tnef(filename: str, data: bytes) -> bytes:
    """A minimal TNEF stream (winmail.dat) holding one attached file."""

    def attr(level: int, ident: int, payload: bytes) -> bytes:
        return (
            struct.pack("<BII", level, ident, len(payload))
            + payload
            + struct.pack("<H", sum(payload) & 0xFFFF)
        )

    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += attr(1, 0x00089006, struct.pack("<I", 0x00010000))  # TNEF version
    out += attr(1, 0x00069007, b"1252\x00\x00\x00\x00")  # OEM code page
    out += attr(2, 0x00069002, b"\x01\x00" + b"\x00" * 12)  # attachment starts
    out += attr(2, 0x00018010, filename.encode() + b"\x00")  # title
    out += attr(2, 0x0006800F, data)  # data
    return out


def pdf_cases() -> None:
    for name, data, truth in remittances():
        exp = {"kind": "remittance_advice", "payments": truth["payments"]}
        if "deductions" in truth:
            exp["deductions"] = truth["deductions"]
        add(f"{name}.pdf", data, exp, "remittance")
    # attached to mail from the customer (authenticated), forwarded, inside winmail.dat
    advice = FILES["p-en-ruled.pdf"]
    pays = CASES["p-en-ruled.pdf"]["expect"]["payments"]
    acme = CUSTOMERS["ACME"][1]
    add("p-mail-attached.eml", mail(acme, "Remittance advice", "Please find our remittance advice attached.",
                                    attachments=[("remittance.pdf", "application/pdf", advice)]),
        {"kind": "remittance_advice", "payments": pays, "authenticated": True}, "remittance")  # fmt: skip
    inner = EmailMessage()
    inner["From"], inner["To"], inner["Subject"], inner["Date"] = (
        "ap-system@acme.example",
        acme,
        "Remittance",
        DATE,
    )
    inner.set_content("Automated remittance advice.")
    inner.add_attachment(advice, maintype="application", subtype="pdf", filename="advice.pdf")
    outer = EmailMessage()
    outer["Authentication-Results"] = AUTH_OK.format(d="acme.example")
    outer["From"], outer["To"], outer["Subject"], outer["Date"] = acme, US, "Fwd: Remittance", DATE
    outer["Message-ID"] = "<fwd-remittance@acme.example>"
    outer.set_content("Forwarding our payment advice, as requested.")
    outer.add_attachment(inner)
    add("p-mail-forwarded-rfc822.eml", outer.as_bytes(policy=SMTP),
        {"kind": "remittance_advice", "payments": pays}, "remittance")  # fmt: skip
    add("p-mail-winmail-dat.eml", mail(acme, "Payment advice", "See attachment.",
                                       attachments=[("winmail.dat", "application/ms-tnef", _tnef("advice.pdf", advice))]),
        {"kind": "remittance_advice", "payments": pays}, "remittance")  # fmt: skip
    add("p-mail-winmail-broken.eml", mail(acme, "Payment advice", None,
                                          attachments=[("winmail.dat", "application/ms-tnef", b"\x78\x9f\x3e\x22garbage")]),
        {"kind": "unknown", "warned": "TNEF"}, "remittance")  # fmt: skip
    # PDFs that cannot be read: encrypted, image-only, truncated
    from io import BytesIO

    import pypdf

    w = pypdf.PdfWriter(clone_from=BytesIO(advice))
    w.encrypt(user_password="secret", owner_password="owner")
    buf = BytesIO()
    w.write(buf)
    add(
        "p-encrypted.pdf",
        buf.getvalue(),
        {"kind": "unknown", "payments": [], "warned": "encrypted"},
        "remittance",
    )
    img = pdf("<svg width='400' height='200'><rect width='400' height='200' fill='#ccc'/></svg>")
    add(
        "p-image-only.pdf",
        img,
        {"kind": "unknown", "payments": [], "warned": "no text layer"},
        "remittance",
    )
    add(
        "p-truncated.pdf",
        advice[: len(advice) // 3],
        {"kind": "unknown", "payments": [], "warned": "PDF"},
        "remittance",
    )
    add("p-mail-encrypted.eml", mail(acme, "Remittance", "Attached.", attachments=[("r.pdf", "application/pdf", buf.getvalue())]),
        {"kind": "unknown", "warned": "encrypted"}, "remittance")  # fmt: skip


# -- 4. statements ------------------------------------------------------------------------


def camt054(entries: list[tuple[str, str, str, str, str]]) -> bytes:
    """entries: (CRDT|DBIT, amount, currency, debtor name, remittance text)."""
    ntry = ""
    for i, (cd, amount, cur, name, ustrd) in enumerate(entries, 1):
        party = "Dbtr" if cd == "CRDT" else "Cdtr"
        ntry += f"""<Ntry><Amt Ccy="{cur}">{amount}</Amt><CdtDbtInd>{cd}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2026-11-30</Dt></BookgDt><ValDt><Dt>2026-11-30</Dt></ValDt><AcctSvcrRef>REF{i:04d}</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><EndToEndId>E2E-{i}</EndToEndId></Refs><Amt Ccy="{cur}">{amount}</Amt><RltdPties><{party}><Nm>{name}</Nm></{party}>
<{party}Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></{party}Acct></RltdPties><RmtInf><Ustrd>{ustrd}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>NTF-1</MsgId><CreDtTm>2026-11-30T18:00:00</CreDtTm></GrpHdr>
<Ntfctn><Id>N1</Id><Acct><Id><IBAN>GB33BUKB20201555555555</IBAN></Id></Acct>
{ntry}</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>""".encode()


def statement_cases() -> None:
    entries = [("CRDT", TOTAL[inv(22)], "EUR", "Müller Maschinen GmbH", f"Rechnung {inv(22)}"),
               ("CRDT", TOTAL[inv(30)], "EUR", "Oosterhout Handel BV", f"Invoice {inv(30)}"),
               ("DBIT", "75.00", "EUR", "Office Rent Ltd", "Rent December")]  # fmt: skip
    data = camt054(entries)
    exp = {"kind": "bank_statement", "payments": [pay([inv(22)], TOTAL[inv(22)], "EUR", "2026-11-30"),
                                                  pay([inv(30)], TOTAL[inv(30)], "EUR", "2026-11-30")]}  # fmt: skip
    add("s-camt054-two-credits.xml", data, exp, "statement")
    add("s-mail-camt054.eml", mail("statements@bank.example", "Kontoauszug", "Anbei Ihre Umsätze.",
                                   attachments=[("camt054.xml", "application/xml", data)]),
        dict(exp, authenticated=True), "statement")  # fmt: skip
    add(
        "s-camt054-debit-only.xml",
        camt054([("DBIT", "75.00", "EUR", "Office Rent Ltd", "Rent")]),
        {"kind": "unknown", "payments": []},
        "statement",
    )
    mt940 = f""":20:STMT2026113001
:25:DE89370400440532013000
:28C:00001/001
:60F:C261129EUR1000,00
:61:2611301130C{eu(TOTAL[inv(31)], "")}NTRFNONREF
:86:166?00GUTSCHRIFT?20EREF+E2E31?21SVWZ+{inv(31)}?32Verdi Forniture SpA
:61:2611301130D50,00NTRFNONREF
:86:105?00LASTSCHRIFT?20SVWZ+Strom?32Stadtwerke
:61:2611301130C{eu(TOTAL[inv(39)], "")}NTRFNONREF
:86:166?00GUTSCHRIFT?20SVWZ+RE {inv(39)}?32Verdi Forniture SpA
:62F:C261130EUR3000,00
-""".replace("\n", "\r\n").encode()
    add("s-mt940-two-credits.sta", mt940, {"kind": "bank_statement", "payments": [
        pay([inv(31)], TOTAL[inv(31)], "EUR", "2026-11-30"),
        pay([inv(39)], TOTAL[inv(39)], "EUR", "2026-11-30")]}, "statement")  # fmt: skip
    csv_en = (
        "Date,Description,Reference,Amount,Currency\n"
        f"30/11/2026,FASTER PAYMENT ACME LTD,{inv(33)},{TOTAL[inv(33)]},EUR\n"
        "30/11/2026,CARD PAYMENT OFFICE,,-12.50,EUR\n"
        f"30/11/2026,TRANSFER NORTHWIND,{inv(40)},{TOTAL[inv(40)]},EUR\n"
    ).encode()
    add("s-csv-en-signed.csv", csv_en, {"kind": "bank_statement", "payments": [
        pay([inv(33)], TOTAL[inv(33)], "EUR", "2026-11-30"),
        pay([inv(40)], TOTAL[inv(40)], "EUR", "2026-11-30")]}, "statement")  # fmt: skip
    csv_de = (
        "Buchungstag;Valuta;Auftraggeber/Empfänger;Verwendungszweck;Soll;Haben;Währung\n"
        f"30.11.2026;30.11.2026;Müller Maschinen GmbH;{inv(42)};;{eu(TOTAL[inv(42)])};EUR\n"
        "30.11.2026;30.11.2026;Telekom;Rechnung 11/2026;49,99;;EUR\n"
    ).encode()
    add("s-csv-de-soll-haben.csv", csv_de, {"kind": "bank_statement", "payments": [
        pay([inv(42)], TOTAL[inv(42)], "EUR", "2026-11-30")]}, "statement")  # fmt: skip
    csv_fr = (
        "Date;Libellé;Débit;Crédit;Devise\n"
        f"30/11/2026;VIR DUPONT ET FILS {inv(43)};;{eu(TOTAL[inv(43)], ' ')};EUR\n"
        "30/11/2026;PRLV EDF;80,00;;EUR\n"
    ).encode()
    add("s-csv-fr-debit-credit.csv", csv_fr, {"kind": "bank_statement", "payments": [
        pay([inv(43)], TOTAL[inv(43)], "EUR", "2026-11-30")]}, "statement")  # fmt: skip


# -- 5. bounces -------------------------------------------------------------------------


def dsn(rcpt: str, status: str, action: str, diag: str, mta: str = "mx.acme.example",
        original_id: str = "<out-0042@example.com>") -> bytes:  # fmt: skip
    return f"""From: Mail Delivery System <MAILER-DAEMON@{mta}>
To: {US}
Subject: Undelivered Mail Returned to Sender
Date: {DATE}
Message-ID: <dsn-{rcpt.split("@")[0]}-{status}@{mta}>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUND"

--BOUND
Content-Type: text/plain

This is the mail system at host {mta}. I'm sorry to have to inform you that your
message could not be delivered to one or more recipients.

--BOUND
Content-Type: message/delivery-status

Reporting-MTA: dns; {mta}
Arrival-Date: {DATE}

Final-Recipient: rfc822; {rcpt}
Original-Recipient: rfc822;{rcpt}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; {diag}

--BOUND
Content-Type: message/rfc822

From: {US}
To: {rcpt}
Subject: Invoice INV-2026-0001
Message-ID: {original_id}
Date: Mon, 30 Nov 2026 09:00:00 +0000

Please find attached invoice INV-2026-0001.
--BOUND--
""".replace("\n", "\r\n").encode()


def bounce_cases() -> None:
    def exp(rcpts: list[str], permanent: bool, status: str | None) -> dict[str, Any]:
        return {
            "kind": "bounce",
            "intent": None,
            "bounce": {"recipients": rcpts, "permanent": permanent, "status": status},
        }

    add("b-dsn-postfix-511.eml", dsn("ap@acme.example", "5.1.1", "failed", "550 5.1.1 <ap@acme.example>: User unknown"),
        exp(["ap@acme.example"], True, "5.1.1"), "bounce")  # fmt: skip
    add("b-dsn-delayed-422.eml", dsn("compta@dupont.example", "4.2.2", "delayed", "452 4.2.2 Mailbox full"),
        exp(["compta@dupont.example"], False, "4.2.2"), "bounce")  # fmt: skip
    add("b-dsn-exchange.eml", dsn("kreditoren@helvetia.example", "5.2.1", "failed",
                                  "550 5.2.1 The email account that you tried to reach is disabled", mta="EX01.helvetia.example"),
        exp(["kreditoren@helvetia.example"], True, "5.2.1"), "bounce")  # fmt: skip
    exim = f"""From: Mail Delivery System <Mailer-Daemon@mail.verdi.example>
To: {US}
Subject: Mail delivery failed: returning message to sender
Date: {DATE}
Message-ID: <exim-1@mail.verdi.example>

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  contabilita@verdi.example
    host mx.verdi.example [192.0.2.10]
    SMTP error from remote mail server after RCPT TO:<contabilita@verdi.example>:
    550 5.1.1 User unknown

------ This is a copy of the message, including all the headers. ------

Return-path: <{US}>
Message-ID: <out-0043@example.com>
From: {US}
To: contabilita@verdi.example
Subject: Payment reminder INV-2026-0005

If you dispute this invoice, please tell us.
""".encode()
    add("b-exim.eml", exim, exp(["contabilita@verdi.example"], True, "5.1.1"), "bounce")
    qmail = f"""From: MAILER-DAEMON@mail.oosterhout.example
To: {US}
Subject: failure notice
Date: {DATE}
Message-ID: <qmail-1@mail.oosterhout.example>

Hi. This is the qmail-send program at mail.oosterhout.example.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<crediteuren@oosterhout.example>:
192.0.2.20 does not like recipient.
Remote host said: 550 5.7.1 Mailbox unavailable
Giving up on 192.0.2.20.

--- Below this line is a copy of the message.

Return-Path: <{US}>
Message-ID: <out-0044@example.com>
From: {US}
To: crediteuren@oosterhout.example
Subject: Invoice INV-2026-0006
""".encode()
    add("b-qmail.eml", qmail, exp(["crediteuren@oosterhout.example"], True, "5.7.1"), "bounce")
    gmail = f"""From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: {US}
Subject: Delivery Status Notification (Failure)
Date: {DATE}
Message-ID: <gm-1@mail.gmail.com>
Content-Type: text/plain; charset=UTF-8

** Address not found **

Your message wasn't delivered to pagos.iberica@gmail.com because the address couldn't be found, or is unable to receive mail.

The response from the remote server was:
550 5.1.1 The email account that you tried to reach does not exist.
""".encode()
    add("b-gmail-nondsn.eml", gmail, exp(["pagos.iberica@gmail.com"], True, "5.1.1"), "bounce")
    yahoo = f"""From: MAILER-DAEMON@yahoo.com
To: {US}
Subject: Failure Notice
Date: {DATE}
Message-ID: <y-1@yahoo.com>

Sorry, we were unable to deliver your message to the following address.

<northwind.payables@yahoo.com>:
554: delivery error: dd This user doesn't have a yahoo.com account (northwind.payables@yahoo.com) [0] - mta1001.mail.yahoo.com

--- Below this line is a copy of the message.

Message-ID: <out-0045@example.com>
Subject: Invoice INV-2026-0008
""".encode()
    add("b-yahoo.eml", yahoo, exp(["northwind.payables@yahoo.com"], True, None), "bounce")
    o365 = f"""From: Microsoft Outlook <postmaster@acme.onmicrosoft.example>
To: {US}
Subject: Undeliverable: Invoice INV-2026-0009
Date: {DATE}
Message-ID: <o365-1@acme.onmicrosoft.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="XB"

--XB
Content-Type: text/plain; charset=us-ascii

Delivery has failed to these recipients or groups:

ap-old@acme.example
The email address you entered couldn't be found.

--XB
Content-Type: message/delivery-status

Reporting-MTA: dns;AM0PR01MB1234.eurprd01.prod.outlook.example
Received-From-MTA: dns;mail.example.com

Final-Recipient: rfc822;ap-old@acme.example
Action: failed
Status: 5.1.10
Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup

--XB
Content-Type: text/rfc822-headers

Message-ID: <out-0046@example.com>
From: {US}
To: ap-old@acme.example
Subject: Invoice INV-2026-0009

--XB--
""".replace("\n", "\r\n").encode()
    add("b-o365.eml", o365, exp(["ap-old@acme.example"], True, "5.1.10"), "bounce")
    two = dsn("a@acme.example", "5.1.1", "failed", "550 unknown").replace(
        b"Final-Recipient: rfc822; a@acme.example",
        b"Final-Recipient: rfc822; b@acme.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\nFinal-Recipient: rfc822; a@acme.example",
    )
    add(
        "b-dsn-two-recipients.eml",
        two,
        exp(["b@acme.example", "a@acme.example"], True, "5.1.1"),
        "bounce",
    )
    add("b-dsn-relay-541.eml", dsn("pagos@iberica.example", "5.4.1", "failed", "550 5.4.1 Recipient address rejected: Access denied"),
        exp(["pagos@iberica.example"], True, "5.4.1"), "bounce")  # fmt: skip
    old_exchange = f"""From: System Administrator <postmaster@verdi.example>
To: {US}
Subject: Undeliverable: Invoice INV-2026-0013
Date: {DATE}
Message-ID: <ex2003@verdi.example>

Your message did not reach some or all of the intended recipients.

      Subject:  Invoice INV-2026-0013
      Sent:     30/11/2026 09:00

The following recipient(s) cannot be reached:

      amministrazione@verdi.example on 30/11/2026 09:01
            The e-mail account does not exist at the organization this message was sent to.
            <mail.verdi.example #5.1.1 smtp;550 5.1.1 User unknown>
""".encode()
    add(
        "b-exchange-legacy.eml",
        old_exchange,
        exp(["amministrazione@verdi.example"], True, "5.1.1"),
        "bounce",
    )
    add("b-dsn-quota-552.eml", dsn("finance@nordic.example", "5.2.2", "failed", "552 5.2.2 Quota exceeded"),
        exp(["finance@nordic.example"], True, "5.2.2"), "bounce")  # fmt: skip


# -- 6. auto-replies ----------------------------------------------------------------------


def auto_cases() -> None:
    acme, muel, dupo = CUSTOMERS["ACME"][1], CUSTOMERS["MUEL"][1], CUSTOMERS["DUPO"][1]
    rows = [
        (
            "a-en-rfc3834",
            acme,
            "Out of Office: Invoice INV-2026-0001",
            "I am out of the office until 14 December 2026 with limited access to email.",
            {"Auto-Submitted": "auto-replied"},
            "2026-12-15",
        ),
        (
            "a-de-abwesend",
            muel,
            "Abwesenheitsnotiz: Rechnung INV-2026-0002",
            "Vielen Dank für Ihre Nachricht. Ich bin bis zum 18.12.2026 nicht im Büro.",
            {"Auto-Submitted": "auto-replied"},
            "2026-12-19",
        ),
        (
            "a-fr-absent",
            dupo,
            "Réponse automatique : Facture INV-2026-0003",
            "Je suis absent jusqu'au 11 décembre. Je vous répondrai à mon retour.",
            {"Auto-Submitted": "auto-replied"},
            "2026-12-12",
        ),
        (
            "a-en-back-on",
            acme,
            "Automatic reply: Reminder",
            "Thank you for your email. I will be back on 7 December 2026.",
            {"X-MS-Exchange-Inbox-Rules-Loop": acme, "X-Auto-Response-Suppress": "All"},
            "2026-12-07",
        ),
        (
            "a-x-autoreply",
            acme,
            "Re: Invoice INV-2026-0009",
            "Your message has been received. We answer within two working days.",
            {"X-Autoreply": "yes"},
            None,
        ),
        (
            "a-x-autorespond",
            muel,
            "Ihre Anfrage",
            "Dies ist eine automatische Antwort.",
            {"X-Autorespond": "yes"},
            None,
        ),
        (
            "a-subject-only-es",
            CUSTOMERS["IBER"][1],
            "Fuera de la oficina",
            "Estaré fuera de la oficina hasta el lunes.",
            {},
            None,
        ),
        (
            "a-subject-only-nl",
            CUSTOMERS["OOST"][1],
            "Afwezig: Factuur INV-2026-0006",
            "Ik ben afwezig.",
            {},
            None,
        ),
        (
            "a-subject-only-it",
            CUSTOMERS["VERD"][1],
            "Fuori ufficio",
            "Sono fuori ufficio.",
            {},
            None,
        ),
        (
            "a-helpdesk-ticket",
            "support@helpdesk.example",
            "[Ticket #4411] Invoice INV-2026-0010",
            "We have received your request and opened ticket #4411.",
            {"Auto-Submitted": "auto-generated", "Precedence": "bulk"},
            None,
        ),
        (
            "a-en-return-path-null",
            acme,
            "Auto: Invoice INV-2026-0017",
            "Out of office, back on 08.12.2026.",
            {"Auto-Submitted": "auto-replied", "Return-Path": "<>"},
            "2026-12-08",
        ),
        (
            "a-de-wieder-ab",
            muel,
            "Abwesenheit",
            "Ich bin ab dem 14.12.2026 wieder im Büro.",
            {"Auto-Submitted": "auto-replied"},
            "2026-12-14",
        ),
        (
            "a-en-outlook-auto",
            acme,
            "Automatic reply: Invoice INV-2026-0033",
            "I'm on annual leave and will return on Monday 14 December 2026.",
            {"X-MS-Exchange-Organization-AutoReply": "Yes", "Auto-Submitted": "auto-generated"},
            "2026-12-14",
        ),
    ]
    for name, sender, subject, text, headers, until in rows:
        add(f"{name}.eml", mail(sender, subject, text, headers=headers, auth=None),
            {"kind": "auto_reply", "intent": None, "payments": [], "out_of_office_until": until}, "auto_reply")  # fmt: skip


# -- 7. hostile and broken ----------------------------------------------------------------


def hostile_cases() -> None:
    hdr = (
        f"From: x@stranger.example\r\nTo: {US}\r\nSubject: test\r\nDate: {DATE}\r\n"
        "Message-ID: <h@stranger.example>\r\nMIME-Version: 1.0\r\n"
    ).encode()
    unknown = {"kind": "unknown", "payments": []}
    add("h-5mb-body.eml", hdr + b"Content-Type: text/plain\r\n\r\n" + b"lorem ipsum dolor sit amet " * 200_000,
        dict(unknown, warned="longer than"), "hostile")  # fmt: skip
    nest = b"".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode()
        for i in range(300)
    )
    close = b"".join(f"\r\n--b{i}--\r\n".encode() for i in reversed(range(300)))
    add("h-300-nesting.eml", hdr + nest + b"Content-Type: text/plain\r\n\r\nhi\r\n" + close,
        dict(unknown, warned="nesting"), "hostile")  # fmt: skip
    add("h-300-rfc822.eml", hdr + b"Content-Type: message/rfc822\r\n\r\n" * 300 + b"Content-Type: text/plain\r\n\r\nhi\r\n",
        dict(unknown, warned="nesting"), "hostile")  # fmt: skip
    parts = b"".join(b"--z\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(20_000))
    add("h-20000-parts.eml", hdr + b"Content-Type: multipart/mixed; boundary=z\r\n\r\n" + parts + b"--z--\r\n",
        dict(unknown, warned="MIME parts"), "hostile")  # fmt: skip
    add("h-huge-header.eml", hdr.replace(b"Subject: test", b"Subject: " + b"A" * 600_000) + b"\r\nbody\r\n",
        dict(unknown, warned="header block"), "hostile")  # fmt: skip
    add(
        "h-unknown-charset.eml",
        hdr + b"Content-Type: text/plain; charset=x-klingon\r\n\r\nqapla' INV-2026-0001\r\n",
        unknown,
        "hostile",
    )
    add("h-binary-garbage.eml", bytes(range(256)) * 64, unknown, "hostile")
    add("h-empty.eml", b"", unknown, "hostile")
    add("h-headers-only.eml", hdr, unknown, "hostile")
    add(
        "h-nul-bytes.eml",
        hdr + b"Content-Type: text/plain\r\n\r\npaid\x00\x00\x00 INV\x00-2026\r\n",
        unknown,
        "hostile",
    )
    add("h-bad-encoded-words.eml", hdr.replace(b"Subject: test", b"Subject: =?x-bogus?q?=FF=FE?= =?utf-8?b?!!!?=") + b"\r\nhello\r\n",
        unknown, "hostile")  # fmt: skip
    deep_html = b"<div>" * 20_000 + b"payment" + b"</div>" * 20_000
    add("h-deep-html.eml", hdr + b"Content-Type: text/html\r\n\r\n" + deep_html, unknown, "hostile")
    add(
        "h-long-line.eml",
        hdr + b"Content-Type: text/plain\r\n\r\n" + b"9" * 3_000_000,
        dict(unknown, warned="longer than"),
        "hostile",
    )
    add("h-broken-qp.eml", hdr + b"Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=\r\n=4\r\n=\r\n",
        unknown, "hostile")  # fmt: skip
    add(
        "h-missing-boundary.eml",
        hdr + b"Content-Type: multipart/mixed\r\n\r\n--\r\nhello\r\n",
        unknown,
        "hostile",
    )
    add("h-spoofed-authres-below.eml",
        mail("alerts@bank.example", "Payment received", "Amount: EUR 1,190.00\nReference: INV-2026-0001\n",
             auth="mx.attacker.example; none",
             headers={"X-Original-Authentication-Results": "mx.example.com; dmarc=pass"}),
        payment_mail(payments=[pay([inv(1)], "1190.00", "EUR")], authenticated=False), "hostile")  # fmt: skip
    add("h-list-mail.eml", mail("news@vendor.example", "Newsletter: payment received tips", "Payment received? Here's EUR 10.00 off.",
                                headers={"List-Id": "<news.vendor.example>", "List-Unsubscribe": "<mailto:u@vendor.example>"}, auth=None),
        {"kind": "unknown", "payments": []}, "hostile")  # fmt: skip


def more_hostile() -> None:
    hdr = (
        f"From: x@stranger.example\r\nTo: {US}\r\nSubject: files\r\nDate: {DATE}\r\n"
        "Message-ID: <h2@stranger.example>\r\nMIME-Version: 1.0\r\n"
    ).encode()
    unknown = {"kind": "unknown", "payments": []}
    add("h-exe-attachment.eml", mail("x@stranger.example", "invoice", "see file", auth=None,
                                     attachments=[("invoice.pdf.exe", "application/octet-stream", b"MZ" + b"\x00" * 500)]),
        unknown, "hostile")  # fmt: skip
    add("h-script-html.eml", hdr + b"Content-Type: text/html\r\n\r\n<script>document.write('payment received EUR 10.00')</script><p>hello</p>",
        unknown, "hostile")  # fmt: skip
    add("h-bad-params.eml", hdr + b'Content-Type: text/plain; charset="; boundary=\x00\r\nContent-Disposition: attachment; filename*=bogus\'\'%ZZ\r\n\r\nx',
        unknown, "hostile")  # fmt: skip
    add("h-pdf-as-text.eml", hdr + b"Content-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!notbase64!!!",
        dict(unknown, warned="PDF"), "hostile")  # fmt: skip


def second_wave() -> None:
    """Cases written after the first 162 passed, in layouts the parsers had not met."""
    cust = {k: v[1] for k, v in CUSTOMERS.items()}
    notes = [
        (
            "n-en-credit-made",
            "notify@hsbc.example",
            "Credit to your account",
            "Dear Customer,\n\nA credit has been made to your account ending 5555.\n\nDate: 30 Nov 2026\n"
            "Amount credited: GBP 2,450.00\nNew balance: GBP 18,231.77\nPayment from: ACME LTD\n"
            f"Payment reference: {inv(41)}\n",
            [41],
            "2450.00",
            "GBP",
        ),
        (
            "n-fr-operation-creditee",
            "alertes@credit-agricole.example",
            "Opération créditée sur votre compte",
            "Bonjour,\nUne opération de 845,90 EUR a été créditée sur votre compte le 30/11/2026.\n"
            f"Émetteur : DUPONT ET FILS\nMotif : FACTURE {inv(3)}\n",
            [3],
            "845.90",
            "EUR",
        ),
        (
            "n-de-kontostand",
            "info@commerzbank.example",
            "Neue Gutschrift",
            "Gutschrift\nBetrag der Gutschrift: 1.190,00 EUR\nNeuer Kontostand: 5.000,00 EUR\n"
            f"Name des Auftraggebers: Müller GmbH\nMitteilung an den Empfänger: RE {inv(26)}\n",
            [26],
            "1190.00",
            "EUR",
        ),
    ]
    for name, sender, subject, body, refs, amount, cur in notes:
        add(f"{name}.eml", mail(sender, subject, body), payment_mail(
            invoice_refs=[inv(n) for n in refs], payments=[pay([inv(n) for n in refs], amount, cur)],
            authenticated=True), "notification")  # fmt: skip
    html = (
        "<table><tr><td>Buchungsdatum</td><td>30.11.2026</td></tr><tr><td>Betrag</td><td>+ 1.234,56 EUR</td></tr>"
        "<tr><td>Auftraggeber</td><td>Müller Maschinen GmbH</td></tr><tr><td>Verwendungszweck</td>"
        f"<td>Rechnung Nr. {inv(10)} vom 15.10.2026</td></tr><tr><td>Kontostand</td><td>9.999,99 EUR</td></tr>"
        "</table><p>Eine Gutschrift ist eingegangen.</p>"
    )
    add("n-de-html-cells.eml", mail("info@commerzbank.example", "Neue Gutschrift", html=html),
        payment_mail(invoice_refs=[inv(10)], payments=[pay([inv(10)], "1234.56", "EUR")]), "notification")  # fmt: skip
    html = (
        "<h1>$1,949.48 paid</h1><p>Payment succeeded</p><table><tr><td>Amount paid</td><td>$1,949.48</td></tr>"
        "<tr><td>Date paid</td><td>Nov 30, 2026</td></tr><tr><td>Payment method</td><td>Visa •••• 4242</td></tr></table>"
    )
    add("n-stripe-html-cells.eml", mail("support@stripe.example", f"Payment succeeded for {inv(48)}", html=html),
        payment_mail(invoice_refs=[inv(48)], payments=[pay([inv(48)], "1949.48", "USD")]), "notification")  # fmt: skip
    replies = [
        (
            "r-en-promise-monday",
            cust["ACME"],
            f"RE: Reminder: invoice {inv(49)} overdue",
            "Hi team,\n\nApologies - this will be paid on Monday.\n\nBest,\nSam\n\nFrom: Billing <billing@example.com>\n"
            "Sent: 30 November 2026 09:00\nTo: ap@acme.example\nSubject: Reminder\n\nIf you dispute this invoice...",
            "promise_to_pay",
            "2026-12-07",
        ),
        (
            "r-de-zahlung-veranlasst",
            cust["MUEL"],
            f"AW: Zahlungserinnerung {inv(18)}",
            "Sehr geehrte Damen und Herren,\n\ndie Zahlung wurde am 27.11. veranlasst.\n\nMit freundlichen Grüßen\n\n"
            "-----Ursprüngliche Nachricht-----\nVon: billing@example.com\nGesendet: Montag\nAn: buchhaltung@mueller.example\n"
            "Betreff: Zahlungserinnerung\n\nFalls Sie widersprechen...",
            "claims_paid",
            None,
        ),
        (
            "r-fr-ne-correspond-pas",
            cust["DUPO"],
            f"RE: Facture {inv(19)}",
            "Bonjour,\nLa facture ne correspond pas à notre bon de commande, merci de nous envoyer un avoir.\nCordialement",
            "dispute",
            None,
        ),
        (
            "r-en-send-again",
            cust["ACME"],
            f"Invoice {inv(57)}",
            "Hi, could you send me the invoice again? I can't find it in our system. Thanks",
            "copy_request",
            None,
        ),
        (
            "r-en-15th",
            cust["NORT"],
            f"Re: {inv(56)}",
            "We expect to pay this on the 15th of December.",
            "promise_to_pay",
            "2026-12-15",
        ),
        (
            "r-de-freigegeben",
            cust["HELV"],
            f"AW: {inv(23)}",
            "Die Rechnung ist zur Zahlung freigegeben und wird im nächsten Zahllauf am 10.12.2026 beglichen.",
            "promise_to_pay",
            "2026-12-10",
        ),
        (
            "r-en-on-its-way",
            cust["NORT"],
            f"Re: {inv(64)}",
            "Payment is on its way, you should see it in two days.",
            "claims_paid",
            None,
        ),
    ]
    for name, sender, subject, body, intent, promised in replies:
        add(f"{name}.eml", mail(sender, subject, body, auth=None),
            {"kind": "customer_reply", "intent": intent, "promised_date": promised, "payments": []}, "reply")  # fmt: skip
    add("a-de-vom-bis.eml", mail(cust["MUEL"], "Automatische Antwort: Zahlungserinnerung",
                                 "Ich bin vom 28.11. bis einschließlich 11.12.2026 nicht im Haus.",
                                 headers={"Auto-Submitted": "auto-replied"}, auth=None),
        {"kind": "auto_reply", "out_of_office_until": "2026-12-12"}, "auto_reply")  # fmt: skip
    ns = [1, 9]
    rows = [["15.10.2026", inv(n), eu(TOTAL[inv(n)]), "0,00", eu(TOTAL[inv(n)])] for n in ns]
    add("p-sap-net-paid.pdf", pdf("<p>PAYMENT ADVICE — Currency: EUR</p>" + table(
        ["Inv. Date", "Inv. No.", "Gross", "Discount", "Net Paid"], rows, ruled=False, num_from=2)),
        {"kind": "remittance_advice", "payments": [pay([inv(n)], TOTAL[inv(n)], "EUR") for n in ns]}, "remittance")  # fmt: skip
    add("p-two-line-header.pdf", pdf("<p>EUR</p><table><tr><th>Invoice<br>Number</th><th>Invoice<br>Date</th>"
        "<th>Amount<br>Paid</th></tr>" + "".join(f"<tr><td>{inv(n)}</td><td>2026-10-15</td>"
        f"<td style='text-align:right'>{TOTAL[inv(n)]}</td></tr>" for n in ns) + "</table>"),
        {"kind": "remittance_advice", "payments": [pay([inv(n)], TOTAL[inv(n)], "EUR") for n in ns]}, "remittance")  # fmt: skip
    ns = [2, 10]
    rows = [
        [inv(n), "15.10.2026", eu(TOTAL[inv(n)]) + " €", "0,00 €", eu(TOTAL[inv(n)]) + " €"]
        for n in ns
    ]
    add("p-de-wrapped-header.pdf", pdf("<p>Zahlungsavis Nr. 4711</p>" + table(
        ["Rechnungs-Nr.", "Rechnungsdatum", "Bruttobetrag", "Skonto", "Überweisungsbetrag"], rows, num_from=2)),
        {"kind": "remittance_advice", "payments": [pay([inv(n)], TOTAL[inv(n)], "EUR") for n in ns]}, "remittance")  # fmt: skip
    add("p-prose.pdf", pdf(f"<p>Dear supplier, today we transferred EUR 870.00 for invoice {inv(13)} and "
                           f"EUR 1,021.21 for invoice {inv(21)}.</p>"),
        {"kind": "remittance_advice", "payments": [pay([inv(13)], "870.00", "EUR"), pay([inv(21)], "1021.21", "EUR")]},
        "remittance")  # fmt: skip


def build() -> None:
    notifications()
    replies()
    pdf_cases()
    statement_cases()
    bounce_cases()
    auto_cases()
    hostile_cases()
    more_hostile()
    second_wave()
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    for name, data in FILES.items():
        if len(data) > GENERATED_OVER:
            CASES[name]["generated"] = True  # made again by the test: no megabytes in git
            continue
        (OUT / name).write_bytes(data)
    (OUT / "expected.json").write_text(json.dumps(CASES, indent=1, ensure_ascii=False) + "\n")
    (OUT / "invoices.json").write_text(json.dumps(INVOICES, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(FILES)} cases written to {OUT}", file=sys.stderr)


def generated(name: str) -> bytes:
    """The bytes of a large case that is not stored (they are all hostile ones)."""
    if name not in FILES:
        hostile_cases()
    return FILES[name]


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    build()
