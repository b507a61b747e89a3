"""Bank statement files: ISO 20022 camt.053 / camt.054 (XML), SWIFT MT940, and CSV
exports. Pure: bytes in, payment facts out. Only credits are payments; a batch booking is
split into its transactions; every fact says which file and entry it came from.

XML is read with defusedxml (no entities, no DTDs); MT940 `:61:` lines with the mt-940
library and the SEPA `:86:` subfields (?20-?29 purpose with EREF+/SVWZ+ keywords, ?31
account, ?32/?33 name) here, because banks differ in how they fill them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as ET

from parsers.amounts import parse_number
from parsers.model import PaymentFact
from parsers.refs import candidates, iban_of

MAX_BYTES = 20 * 1024 * 1024
MAX_ENTRIES = 20_000


def kind_of(name: str, data: bytes) -> str | None:
    """Which statement format a file is, by name and a look at its start; None if none."""
    lower = name.lower()
    head = data[:4096].lstrip(b"\xef\xbb\xbf \r\n\t")
    if lower.endswith(".xml") or head.startswith(b"<?xml") or head.startswith(b"<Document"):
        return "camt" if b"camt.05" in data[:8192] or b"BkToCstmr" in data[:8192] else None
    if lower.endswith((".sta", ".mt940", ".940", ".mt9")) or (
        lower.endswith(".txt") and b":20:" in head and b":61:" in data
    ):
        return "mt940"
    if lower.endswith(".csv"):
        return "csv"
    return None


def parse_file(name: str, data: bytes) -> tuple[list[PaymentFact], list[str]]:
    """The credits of a statement file, and what could not be read (never an exception)."""
    kind = kind_of(name, data)
    if kind is None:
        return [], []
    if len(data) > MAX_BYTES:
        return [], [f"{name}: statement larger than {MAX_BYTES // (1024 * 1024)} MiB; not read"]
    try:
        if kind == "camt":
            return _camt(name, data)
        if kind == "mt940":
            return _mt940(name, data)
        return _csv(name, data)
    except Exception as exc:  # hostile or broken files must never stop the inbox
        return [], [f"{name}: {kind} statement could not be read ({type(exc).__name__}: {exc})"]


def _refs(*texts: str) -> tuple[str, ...]:
    out: list[str] = []
    for t in texts:
        for c in candidates(t or ""):
            if c not in out:
                out.append(c)
    return tuple(out)


# -- camt.053 / camt.054 --------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(el: Element | None, path: str) -> Element | None:
    """First descendant along `path` ("A/B/C"), namespace-agnostic."""
    if el is None:
        return None
    cur: Element | None = el
    for step in path.split("/"):
        if cur is None:
            return None
        cur = next((c for c in cur if _local(c.tag) == step), None)
    return cur


def _text(el: Element | None, path: str) -> str:
    found = _find(el, path)
    return (found.text or "").strip() if found is not None else ""


def _all(el: Element | None, name: str) -> list[Element]:
    return [] if el is None else [c for c in el.iter() if _local(c.tag) == name]


def _date_of(el: Element | None) -> dt.date | None:
    for path in ("Dt", "DtTm"):
        value = _text(el, path)
        if value:
            try:
                return dt.date.fromisoformat(value[:10])
            except ValueError:
                return None
    return None


def _camt(name: str, data: bytes) -> tuple[list[PaymentFact], list[str]]:
    root = ET.fromstring(data, forbid_dtd=True)
    facts: list[PaymentFact] = []
    problems: list[str] = []
    entries = _all(root, "Ntry")
    if len(entries) > MAX_ENTRIES:
        problems.append(f"{name}: more than {MAX_ENTRIES} entries; the rest was ignored")
        entries = entries[:MAX_ENTRIES]
    for n, entry in enumerate(entries, 1):
        if _text(entry, "CdtDbtInd") != "CRDT":
            continue  # debits, fees and charges are not payments
        status = _text(entry, "Sts") or _text(entry, "Sts/Cd")
        if status and status not in ("BOOK", "INFO"):
            continue  # pending entries are not money yet (INFO: camt.054 notifications)
        if _text(entry, "RvslInd").lower() == "true":
            continue  # a reversal takes money back
        booked = _date_of(_find(entry, "BookgDt")) or _date_of(_find(entry, "ValDt"))
        entry_ref = _text(entry, "AcctSvcrRef")
        amt_el = _find(entry, "Amt")
        entry_amount = parse_number(amt_el.text or "") if amt_el is not None else None
        entry_ccy = amt_el.get("Ccy", "") if amt_el is not None else ""
        txs = [t for d in _all(entry, "NtryDtls") for t in d if _local(t.tag) == "TxDtls"]
        if not txs:
            txs = [entry]
        for k, tx in enumerate(txs, 1):
            amt = _find(tx, "Amt") if tx is not entry else amt_el
            if amt is None:
                amt = _find(tx, "AmtDtls/TxAmt/Amt")
            if amt is None and len(txs) == 1:
                amt = amt_el
            value = parse_number(amt.text or "") if amt is not None else entry_amount
            currency = (amt.get("Ccy", "") if amt is not None else entry_ccy).upper()
            if value is None or value <= 0 or not currency:
                problems.append(f"{name}: entry {n} transaction {k}: no amount")
                continue
            refs_el = _find(tx, "Refs")
            e2e = _text(refs_el, "EndToEndId")
            e2e = "" if e2e.upper() == "NOTPROVIDED" else e2e
            txid = _text(refs_el, "AcctSvcrRef") or _text(refs_el, "TxId")
            ustrd = " ".join(u.text.strip() for u in _all(_find(tx, "RmtInf"), "Ustrd") if u.text)
            creditor_refs = [(r.text or "").strip() for r in _all(_find(tx, "RmtInf"), "Ref")]
            reference = " ".join(x for x in [*creditor_refs, ustrd] if x) or e2e
            parties = _find(tx, "RltdPties")
            payer = (_text(parties, "Dbtr/Nm") or _text(parties, "Dbtr/Pty/Nm")
                     or _text(parties, "UltmtDbtr/Nm"))  # fmt: skip
            iban = iban_of(_text(parties, "DbtrAcct/Id/IBAN"))
            ident = txid or (f"{entry_ref}#{k}" if entry_ref else "") or e2e or None
            facts.append(PaymentFact(
                amount=value, currency=currency, ref_tokens=_refs(*creditor_refs, ustrd, e2e),
                date=booked, reference=reference, payer=payer,
                transaction_id=f"camt:{ident}" if ident else None,
                source=f"camt:{name}#entry{n}" + (f".{k}" if len(txs) > 1 else ""), iban=iban,
            ))  # fmt: skip
    return facts, problems


# -- MT940 ---------------------------------------------------------------------------------

_SUBFIELD = re.compile(r"\?(\d{2})")
_SEPA_KEY = re.compile(r"\b(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC)\+")


def _fields_86(details: str) -> dict[str, str]:
    """SEPA :86: structured subfields (?00 posting text, ?20-?29 purpose, ?31 account,
    ?32-?33 name); free text lands in "purpose"."""
    details = details.replace("\r", "").replace("\n", "")
    parts = _SUBFIELD.split(details)
    out: dict[str, str] = {"purpose": ""}
    if len(parts) < 3:
        out["purpose"] = details
        return out
    for code, value in zip(parts[1::2], parts[2::2], strict=False):
        c = int(code)
        if 20 <= c <= 29 or 60 <= c <= 63:
            # A subfield that starts a SEPA keyword ("SVWZ+") starts a new word.
            sep = " " if _SEPA_KEY.match(value) and out["purpose"] else ""
            out["purpose"] += sep + value
        elif c == 31:
            out["account"] = value.strip()
        elif c in (32, 33):
            out["name"] = (out.get("name", "") + value).strip()
        elif c == 0:
            out["posting"] = value.strip()
    purpose = out["purpose"]
    if _SEPA_KEY.search(purpose):  # "EREF+E2E-1 SVWZ+INV-2026-0001 ..." -> keyed values
        keyed = dict(
            re.findall(
                r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC)\+(.*?)(?=\s*\b(?:EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC)\+|$)",
                purpose,
            )
        )
        out["purpose"] = keyed.get("SVWZ", purpose).strip()
        if keyed.get("EREF") and keyed["EREF"].strip().upper() != "NOTPROVIDED":
            out["eref"] = keyed["EREF"].strip()
        if keyed.get("IBAN"):
            out["account"] = keyed["IBAN"].strip()
        if keyed.get("ABWA"):  # the ultimate debtor, when one pays for another
            out["name"] = out.get("name") or keyed["ABWA"].strip()
    return out


def _mt940(name: str, data: bytes) -> tuple[list[PaymentFact], list[str]]:
    import mt940  # imported here: only statements need it

    text = data.decode("utf-8", "replace") if b"\xc3" in data else data.decode("latin-1")
    # Without the library's :86: post-processing: it merges ?31 (the account) into the name.
    transactions = mt940.models.Transactions(processors={"post_transaction_details": []})
    transactions.parse(text)
    facts: list[PaymentFact] = []
    problems: list[str] = []
    statement_ref = str(transactions.data.get("transaction_reference") or "")
    for n, tr in enumerate(transactions, 1):
        if n > MAX_ENTRIES:
            problems.append(f"{name}: more than {MAX_ENTRIES} entries; the rest was ignored")
            break
        d: dict[str, Any] = tr.data
        if d.get("status") not in ("C", "RD"):  # C credit; RD reversal of a debit = money in
            continue
        amount = d["amount"].amount
        value = abs(Decimal(amount))
        if value <= 0:
            continue
        f86 = _fields_86(str(d.get("transaction_details") or ""))
        date = d.get("date")
        day = dt.date(date.year, date.month, date.day) if date else None
        bank_ref = str(d.get("bank_reference") or "")
        cust_ref = str(d.get("customer_reference") or "")
        cust_ref = "" if cust_ref.upper() == "NONREF" else cust_ref
        ident = bank_ref or f"{statement_ref}:{day}:{value}:{n}"
        facts.append(PaymentFact(
            amount=value, currency=str(d.get("currency") or d["amount"].currency).upper(),
            ref_tokens=_refs(f86["purpose"], cust_ref, f86.get("eref", "")), date=day,
            reference=f86["purpose"].strip() or cust_ref, payer=f86.get("name", ""),
            transaction_id=f"mt940:{ident}", source=f"mt940:{name}#entry{n}",
            iban=iban_of(f86.get("account")),
        ))  # fmt: skip
    return facts, problems


# -- CSV -----------------------------------------------------------------------------------

_HEADERS: dict[str, tuple[str, ...]] = {
    "date": ("booking date", "date", "buchungstag", "buchungsdatum", "datum", "date d'opération",
             "date operation", "date de comptabilisation", "transaction date", "posted",
             "fecha", "fecha operación", "fecha de operación", "data", "data operazione",
             "data contabile", "boekdatum", "transactiedatum"),
    "value_date": ("value date", "valuta", "wertstellung", "date de valeur", "fecha valor",
                   "data valuta", "valutadatum", "rentedatum"),
    "amount": ("amount", "betrag", "montant", "umsatz", "amount (eur)", "betrag (eur)",
               "importe", "importo", "bedrag", "bedrag (eur)", "montant (eur)"),
    "credit": ("credit", "paid in", "money in", "haben", "gutschrift", "crédit", "credit amount",
               "eingang", "abono", "haber", "ingresos", "avere", "accrediti", "bij"),
    "debit": ("debit", "paid out", "money out", "soll", "lastschrift", "débit", "debit amount",
              "ausgang", "cargo", "debe", "gastos", "dare", "addebiti", "af"),
    "currency": ("currency", "währung", "waehrung", "devise", "ccy", "moneda", "divisa",
                 "valuta", "munt", "munteenheid"),
    "reference": ("reference", "verwendungszweck", "purpose", "remittance information",
                  "libellé", "libelle", "description", "memo", "details", "motif",
                  "communication", "text", "concepto", "referencia", "causale",
                  "descrizione", "omschrijving", "mededelingen", "betalingskenmerk"),
    "payer": ("payer", "counterparty", "counterparty name", "name", "auftraggeber",
              "zahlungspflichtiger", "auftraggeber/empfänger", "beguenstigter/zahlungspflichtiger",
              "begünstigter/zahlungspflichtiger", "émetteur", "tiers", "from", "debtor"),
    "iban": ("iban", "counterparty iban", "kontonummer/iban", "iban auftraggeber", "debtor iban"),
    "txn": ("transaction id", "transaction reference", "bank reference", "id", "reference number",
            "transaktions-id", "référence de l'opération"),
    "direction": ("credit/debit", "soll/haben", "cr/dr", "type"),
}  # fmt: skip


def _date(value: str, day_first: bool = True) -> dt.date | None:
    v = value.strip()
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", v) or re.match(r"^(\d{4})/(\d{2})/(\d{2})$", v)
    try:
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        m = re.match(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{2,4})$", v)
        if m:
            a, b, y = int(m[1]), int(m[2]), int(m[3])
            y += 2000 if y < 100 else 0
            day, month = (a, b) if day_first or b > 12 else (b, a)
            return dt.date(y, month, day)
    except ValueError:
        return None
    return None


def _csv(name: str, data: bytes) -> tuple[list[PaymentFact], list[str]]:
    text = (
        data.decode("utf-8-sig", "replace")
        if not data.startswith(b"\xff\xfe")
        else data.decode("utf-16")
    )
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    # The header is the first row that names an amount (banks put account details above
    # it, which confuses delimiter sniffing): the delimiter is the one that finds it.
    money_names = _HEADERS["amount"] + _HEADERS["credit"]
    rows: list[list[str]] = []
    header_at = None
    for delimiter in dict.fromkeys([getattr(dialect, "delimiter", ","), ";", ",", "\t", "|"]):
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        header_at = next((i for i, r in enumerate(rows[:30])
                          if any(c.strip().lower() in money_names for c in r)), None)  # fmt: skip
        if header_at is not None:
            break
    if header_at is None:
        return [], [f"{name}: no amount or credit column found in the first 30 rows"]
    header = [c.strip().lower() for c in rows[header_at]]
    # The account's currency, when the rows do not name one: stated above the header.
    above = " ".join(" ".join(r) for r in rows[:header_at])
    stated = set(re.findall(r"\b(EUR|USD|GBP|CHF|JPY|SEK|NOK|DKK|PLN|CZK)\b", above))
    account_currency = stated.pop() if len(stated) == 1 else ""
    col: dict[str, int] = {}
    for key, names in _HEADERS.items():
        for i, h in enumerate(header):
            if h in names and key not in col and i not in col.values():
                col[key] = i
    # a bank may split the remittance text over several columns ("Description",
    # "Reference"): all of them are read for invoice references
    ref_cols = [i for i, h in enumerate(header) if h in _HEADERS["reference"]]
    body = rows[header_at + 1 :]
    dates = [r[col["date"]] for r in body if "date" in col and len(r) > col["date"]]
    # 03/04/2026: day first unless some row proves otherwise (a "month" above 12)
    day_first = not any(
        (m := re.match(r"^(\d{1,2})[./-](\d{1,2})[./-]", d.strip())) and int(m[1]) <= 12 < int(m[2])
        for d in dates
    )
    facts: list[PaymentFact] = []
    problems: list[str] = []
    for n, r in enumerate(body, header_at + 2):
        if len(facts) >= MAX_ENTRIES:
            problems.append(f"{name}: more than {MAX_ENTRIES} rows; the rest was ignored")
            break
        if not any(c.strip() for c in r):
            continue

        def cell(key: str, row: list[str] = r) -> str:
            i = col.get(key)
            return row[i].strip() if i is not None and i < len(row) else ""

        amount: Decimal | None = None
        if cell("credit"):
            amount = parse_number(re.sub(r"[^\d.,'\s+-]", "", cell("credit")))
        elif cell("amount"):
            raw = cell("amount")
            amount = parse_number(re.sub(r"[^\d.,'\s+-]", "", raw))
            direction = cell("direction").lower()
            if amount is not None and direction in ("d", "dr", "debit", "s", "soll", "débit"):
                amount = -abs(amount)
        if amount is None:
            if cell("debit"):
                continue  # a debit row
            problems.append(f"{name}:{n}: no amount")
            continue
        if amount <= 0:
            continue  # money out is not a payment
        currency = (cell("currency") or _currency_in(cell("amount") or cell("credit"))
                    or account_currency).upper()  # fmt: skip
        if not re.fullmatch(r"[A-Z]{3}", currency):
            problems.append(f"{name}:{n}: no currency")
            continue
        day = _date(cell("date") or cell("value_date"), day_first)
        txn = cell("txn")
        reference = " ".join(r[i].strip() for i in ref_cols if i < len(r) and r[i].strip())
        facts.append(PaymentFact(
            amount=amount, currency=currency, ref_tokens=_refs(reference), date=day,
            reference=reference, payer=cell("payer"),
            transaction_id=f"csv:{txn}" if txn else None, source=f"csv:{name}#row{n}",
            iban=iban_of(cell("iban")),
        ))  # fmt: skip
    return facts, problems


def _currency_in(value: str) -> str:
    m = re.search(r"\b(EUR|USD|GBP|CHF|JPY|SEK|NOK|DKK|PLN|CZK|HUF|CAD|AUD)\b|€|£|\$", value or "")
    if not m:
        return ""
    return {"€": "EUR", "£": "GBP", "$": "USD"}.get(m.group(0), m.group(0))
