"""Remittance-advice PDFs: which invoices a payer paid, with how much, in any layout.

No template per payer. The text comes with positions (parsers/pdftext.py); a table is
found by its header row — words for "invoice number" and "amount paid" in English,
German, French, Spanish, Italian and Dutch — and every later word is put in the column
whose header it sits under. That reads ruled and whitespace-aligned tables alike, tables
that run over pages (with or without a repeated header), and ignores the extra columns
(PO numbers, payment ids, dates) that are not invoice references. Credit notes and
deductions are rows too, but not payments: they come back as `deductions`.

Where the ledger is at hand, `known` (canonical invoice numbers for a list of tokens)
closes the world: a column whose values are the ledger's invoices wins over a header
that says otherwise, and header-less lines count only when they name a real invoice.
An admin can still describe an odd layout per payer (`TableHints`, from the rules).

Only when the fast reading finds no table does pdfplumber look for ruling lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from parsers import pdftext
from parsers.amounts import CODES, SYMBOLS, Amount, find_amounts, parse_number
from parsers.model import PaymentFact
from parsers.notification import DATE_LABELS, PAYER_LABELS, _date, _labelled
from parsers.pdftext import Line, PdfContent, Word
from parsers.refs import candidates

Known = Callable[[Sequence[str]], list[str]]
OWN_CREATOR = "arclerk"  # the Creator of the PDFs outbox/ renders
Reader = Callable[[bytes], PdfContent]
RuledReader = Callable[[bytes, list[int]], PdfContent]

# -- header vocabulary -------------------------------------------------------------------
REF, PAID, AMOUNT, GROSS, DEDUCT, PO, DATE, TYPE, CURRENCY, OTHER = (
    "ref", "paid", "amount", "gross", "deduct", "po", "date", "type", "currency", "other")  # fmt: skip
VOCABULARY: dict[str, tuple[str, ...]] = {
    REF: ("invoice", "invoice no", "invoice number", "invoice nr", "invoice #", "inv no",
          "inv", "inv #", "invoice ref", "invoice reference", "your reference", "your ref",
          "your invoice", "your invoice no", "your document", "document", "document no",
          "document number", "doc no", "bill no", "reference", "ref",
          "beleg", "belegnr", "beleg nr", "belegnummer", "ihre belegnr", "ihre belegnummer",
          "rechnung", "rechnungsnr", "rechnungsnummer", "rechnungs nr", "re nr", "rg nr",
          "ihre rechnung", "ihre rechnungsnr", "ihre referenz", "referenz",
          "facture", "n° facture", "no facture", "nº facture", "numéro de facture",
          "numero de facture", "réf facture", "votre référence", "votre facture",
          "référence", "pièce", "n° pièce",
          "factura", "nº factura", "n° factura", "no factura", "número de factura",
          "su factura", "fattura", "n fattura", "n° fattura", "numero fattura", "nr fattura",
          "factuur", "factuurnummer", "factuurnr", "factuur nr", "uw referentie",
          "uw factuur"),
    PAID: ("amount paid", "paid amount", "paid", "payment amount", "net paid",
           "net amount paid", "amount remitted", "remitted", "amount settled", "settled",
           "paid now", "this payment",
           "zahlbetrag", "zahlungsbetrag", "bezahlt", "gezahlt", "überwiesen",
           "auszahlungsbetrag", "überweisungsbetrag", "ausgeglichen",
           "montant payé", "montant paye", "montant réglé", "réglé", "payé", "montant versé",
           "importe pagado", "pagado", "importe abonado", "importo pagato", "pagato",
           "importo versato", "betaald bedrag", "betaald"),
    AMOUNT: ("amount", "betrag", "montant", "importe", "importo", "bedrag", "net", "netto",
             "net amount", "nettobetrag", "montant net", "summe", "sum"),
    GROSS: ("invoice amount", "original amount", "gross", "gross amount", "invoice total",
            "amount due", "open amount", "rechnungsbetrag", "brutto", "bruttobetrag",
            "ursprungsbetrag", "offener betrag", "montant facture", "montant ttc",
            "montant de la facture", "montant dû", "importe factura", "importe bruto",
            "importo fattura", "importo lordo", "factuurbedrag", "brutobedrag"),
    DEDUCT: ("discount", "deduction", "deductions", "cash discount", "skonto", "abzug",
             "abzüge", "remise", "escompte", "déduction", "descuento", "sconto", "korting"),
    PO: ("po", "po no", "po number", "po #", "purchase order", "order", "order no",
         "order number", "your order", "bestellnr", "bestellung", "bestellnummer",
         "ihre bestellung", "auftrag", "auftragsnr", "commande", "n° commande",
         "bon de commande", "pedido", "ordine", "bestelling", "bestelnummer"),
    DATE: ("date", "invoice date", "doc date", "document date", "datum", "belegdatum",
           "rechnungsdatum", "date facture", "date de facture", "fecha", "fecha factura",
           "data", "data fattura", "factuurdatum", "due date", "fälligkeit"),
    TYPE: ("type", "doc type", "document type", "belegart", "art", "type de document",
           "type de pièce", "tipo", "soort"),
    CURRENCY: ("currency", "cur", "curr", "ccy", "währung", "whg", "devise", "moneda",
               "divisa", "valuta", "munteenheid"),
    OTHER: ("payment reference", "customer reference", "bank reference", "payment id", "payment no", "payment number", "transaction id", "payment ref",
            "customer no", "customer number", "account", "kundennr", "kundennummer",
            "zahlungs id", "zahlungsnr", "client", "n° client", "description", "text",
            "beschreibung", "buchungstext", "libellé", "descripción", "descrizione",
            "omschrijving", "vendor no", "lieferantennr", "status", "comment", "note",
            "our reference", "our ref", "unsere referenz", "notre référence"),
}  # fmt: skip
AMOUNT_ROLES = (PAID, AMOUNT, GROSS, DEDUCT)


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[.:#_/\-–()]+", " ", text.lower()).replace("nº", "n°").split())


_PHRASES: list[tuple[str, re.Pattern[str], str]] = [
    (phrase, re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)"), role)
    for phrase, role in sorted(
        {(_norm(p), role) for role, phrases in VOCABULARY.items() for p in phrases},
        key=lambda pr: (-len(pr[0]), pr[0]),
    )
]
_TOTAL = re.compile(
    r"^\s*(?:grand\s+)?(?:total|totals|sum|summe|gesamt|gesamtbetrag|endsumme|total payé|"
    r"montant total|totale|totaal|importe total|zwischensumme|subtotal)\b",
    re.I,
)
_CREDIT_WORDS = re.compile(
    r"\b(?:credit(?:\s*note|\s*memo)?|cn|gutschrift|rechnungskorrektur|storno|avoir|"
    r"note de crédit|nota de crédito|abono|nota di credito|creditnota|creditfactuur)\b",
    re.I,
)
_NEG = re.compile(r"^\(.*\)$|-\s*$|^\s*[-−–]")
_DIGITS = re.compile(r"\d{1,3}(?:[.,'’\u00a0\u202f ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?")
_MONEYISH = re.compile(r"\d|^[-−–()€$£]+$|^(?:" + "|".join(CODES) + r")$")
_CURRENCY = re.compile(r"\b(" + "|".join(CODES) + r")\b|([€$£])")
_TRAILING_NUMBER = re.compile(
    r"(?P<n>[+-]?\d{1,3}(?:[.,'’\u00a0 ]\d{3})*[.,]\d{2}|[+-]?\d+[.,]\d{2})\s*(?:[A-Z]{3}|[€$£])?\s*$"
)


def role_of(text: str) -> str | None:
    """The column a header cell names, by the longest vocabulary phrase it contains."""
    norm = _norm(text)
    if not norm:
        return None
    for phrase, pattern, role in _PHRASES:
        if len(phrase) <= len(norm) and (norm == phrase or pattern.search(norm)):
            return role
    return None


@dataclass(frozen=True)
class TableHints:
    """A payer's layout, from the rules: header patterns of its reference and amount
    columns, and its decimal mark when its numbers are ambiguous."""

    ref_header: str | None = None
    amount_header: str | None = None
    decimal: str | None = None  # "," or "."


@dataclass(frozen=True)
class Column:
    role: str
    label: str
    x0: float
    x1: float


@dataclass
class Result:
    payments: list[PaymentFact] = field(default_factory=list)
    deductions: list[PaymentFact] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    method: str = ""  # table | ruled | lines
    own: bool = False  # one of arclerk's own PDFs (Creator "arclerk")


# -- cells and header --------------------------------------------------------------------


def _cells(words: Sequence[Word]) -> list[list[Word]]:
    """Words grouped into cells: a gap wider than about one space starts a new cell."""
    cells: list[list[Word]] = []
    for w in words:
        if cells:
            prev = cells[-1][-1]
            if w.x0 - prev.x1 <= max(prev.height, w.height) * 0.5:
                cells[-1].append(w)
                continue
        cells.append([w])
    return cells


def _header(line: Line, hints: TableHints | None) -> list[Column] | None:
    # a header names columns: digits mean a data or key-value line, and a long line is
    # a paragraph that happens to say "invoice" and "amount"
    if len(line.words) > 24 or any(c.isdigit() for w in line.words for c in w.text):
        return None
    columns: list[Column] = []
    for cell in _cells(line.words):
        label = " ".join(w.text for w in cell)
        role = _hinted(label, hints) or role_of(label)
        if role is None and len(cell) > 1:
            # two headers run together ("Belegnr. Bestellnr."): each word on its own
            parts = [(w, _hinted(w.text, hints) or role_of(w.text)) for w in cell]
            if sum(1 for _, r in parts if r) >= 2:
                columns += [Column(r or OTHER, w.text, w.x0, w.x1) for w, r in parts]
                continue
        columns.append(Column(role or OTHER, label, cell[0].x0, cell[-1].x1))
    roles = [c.role for c in columns]
    known_roles = sum(1 for c in columns if c.role != OTHER or role_of(c.label))
    if REF in roles and any(r in roles for r in AMOUNT_ROLES) and known_roles >= 2:
        return columns
    return None


def _hinted(label: str, hints: TableHints | None) -> str | None:
    if hints is None:
        return None
    if hints.ref_header and re.search(hints.ref_header, label, re.I):
        return REF
    if hints.amount_header and re.search(hints.amount_header, label, re.I):
        return PAID
    return None


def _assign(words: Sequence[Word], columns: list[Column]) -> dict[int, str]:
    """Each word into the column it sits under (most horizontal overlap; else the column
    whose span, widened to the middle of the neighbouring gaps, holds its centre)."""
    bounds: list[tuple[float, float]] = []
    for i, c in enumerate(columns):
        left = (columns[i - 1].x1 + c.x0) / 2 if i else float("-inf")
        right = (c.x1 + columns[i + 1].x0) / 2 if i + 1 < len(columns) else float("inf")
        bounds.append((left, right))
    out: dict[int, list[str]] = {}
    for w in words:
        best, overlap = -1, 0.0
        for i, c in enumerate(columns):
            ov = min(w.x1, c.x1) - max(w.x0, c.x0)
            if ov > overlap:
                best, overlap = i, ov
        if best < 0:
            centre = (w.x0 + w.x1) / 2
            best = next((i for i, (lo, hi) in enumerate(bounds) if lo <= centre < hi), -1)
            if best >= 0 and columns[best].role in AMOUNT_ROLES and not _MONEYISH.search(w.text):
                # words never spill into an amount column: a long description does
                before = [k for k in range(best) if columns[k].role not in AMOUNT_ROLES]
                best = before[-1] if before else best
        if best >= 0:
            out.setdefault(best, []).append(w.text)
    return {i: " ".join(ws) for i, ws in out.items()}


# -- numbers -----------------------------------------------------------------------------


def _amount(cell: str, decimal: str | None) -> tuple[Decimal | None, str | None]:
    """(signed value, currency named in the cell) of an amount cell: "1.166,20",
    "-23,80", "23,80-" (SAP), "(23.80)", "EUR 500.00", "500,00 €"."""
    text = cell.strip()
    if not text:
        return None, None
    cur = None
    m = _CURRENCY.search(text)
    if m:
        cur = m.group(1) or SYMBOLS.get(m.group(2) or "")
        text = _CURRENCY.sub(" ", text).strip()
    negative = bool(_NEG.search(text))
    digits = text.strip("()+-−– ")
    if not _DIGITS.fullmatch(digits):
        return None, cur
    if decimal in (",", ".") and digits.count(decimal) == 1:
        other = "." if decimal == "," else ","
        digits = digits.replace(other, "").replace(" ", "").replace("'", "")
        digits = digits.replace(decimal, ".")
        value: Decimal | None = Decimal(digits)
    else:
        value = parse_number(digits)
    if value is None:
        return None, cur
    return (-value if negative else value), cur


def _doc_currency(text: str) -> str | None:
    found = {(m.group(1) or SYMBOLS.get(m.group(2) or "", "")) for m in _CURRENCY.finditer(text)}
    found.discard("")
    return found.pop() if len(found) == 1 else None


# -- the table walk ----------------------------------------------------------------------


@dataclass
class _Row:
    by_index: dict[int, str]  # column index -> the text under it
    line: Line


def _tables(lines: Sequence[Line], hints: TableHints | None) -> list[tuple[list[Column], list[_Row], list[Line]]]:  # fmt: skip
    """Every table: its columns, its rows, and its total lines."""
    tables: list[tuple[list[Column], list[_Row], list[Line]]] = []
    columns: list[Column] | None = None
    rows: list[_Row] = []
    totals: list[Line] = []
    misses = 0
    for line in lines:
        head = _header(line, hints)
        if head is not None:
            if columns is not None and rows:
                tables.append((columns, rows, totals))
            columns, rows, totals, misses = head, [], [], 0
            continue
        if columns is None:
            continue
        if _TOTAL.match(line.text):
            totals.append(line)
            tables.append((columns, rows, totals))
            columns, rows, totals = None, [], []
            continue
        by_index = _assign(line.words, columns)
        cells: dict[str, str] = {}
        for i, text in sorted(by_index.items()):
            cells.setdefault(columns[i].role, text)
        has_ref = bool(candidates(cells.get(REF, "")))
        has_amount = any(_amount(cells.get(r, ""), None)[0] is not None for r in AMOUNT_ROLES)
        if has_ref and has_amount:
            rows.append(_Row(by_index, line))
            misses = 0
        elif rows:
            misses += 1
            if misses > 8:  # the table ended without a total line
                tables.append((columns, rows, totals))
                columns, rows, totals, misses = None, [], [], 0
    if columns is not None and rows:
        tables.append((columns, rows, totals))
    return tables


def _ref_index(columns: list[Column], rows: list[_Row], known: Known | None) -> int | None:
    """The column holding invoice references: the header's, unless the ledger knows the
    values of another column and none of the header's."""
    ref_cols = [i for i, c in enumerate(columns) if c.role == REF]
    header = ref_cols[0] if ref_cols else None
    if known is None:
        return header

    def score(i: int) -> float:
        vals = [r.by_index.get(i, "") for r in rows]
        hits = sum(1 for v in vals if v and known(candidates(v)))
        return hits / max(1, len(vals))

    if header is not None and score(header) > 0:
        return header
    others = [(score(i), i) for i, c in enumerate(columns)
              if c.role not in AMOUNT_ROLES and c.role != DATE and i != header]  # fmt: skip
    best = max(others, default=(0.0, -1))
    return best[1] if best[0] >= 0.5 else header


def _payment_of(row: _Row, columns: list[Column], decimal: str | None) -> Decimal | None:
    def first(role: str) -> Decimal | None:
        i = next((k for k, c in enumerate(columns) if c.role == role), None)
        return _amount(row.by_index.get(i, ""), decimal)[0] if i is not None else None

    paid = first(PAID)
    if paid is not None:
        return paid
    amount = first(AMOUNT)
    if amount is not None:
        return amount
    gross = first(GROSS)
    if gross is not None:
        return gross - (abs(first(DEDUCT) or Decimal(0)) if gross > 0 else Decimal(0))
    return None


def _decimal_mark(lines: Sequence[Line]) -> str | None:
    text = "\n".join(ln.text for ln in lines)
    comma = len(re.findall(r"\d,\d{2}(?!\d)", text))
    point = len(re.findall(r"\d\.\d{2}(?!\d)", text))
    if comma > point * 2:
        return ","
    if point > comma * 2:
        return "."
    return None


def read_tables(lines: Sequence[Line], name: str, *, known: Known | None = None,
                hints: TableHints | None = None, method: str = "table",
                page_text: str | None = None) -> Result:  # fmt: skip
    """The payments and deductions of every table in `lines`. `page_text`: the whole
    document's text when `lines` are only its tables (currency, date and payer stand
    outside them)."""
    out = Result(method=method)
    text = page_text if page_text is not None else "\n".join(ln.text for ln in lines)
    doc_cur = _doc_currency(text)
    decimal = (hints.decimal if hints else None) or _decimal_mark(lines)
    date = _date(_labelled(text, r"payment date|zahlungsdatum|date de paiement|"
                                 r"fecha de pago|data pagamento|betaaldatum|" + DATE_LABELS))  # fmt: skip
    payer = _labelled(text, PAYER_LABELS) or ""
    n = 0
    for columns, rows, totals in _tables(lines, hints):
        ref_i = _ref_index(columns, rows, known)
        if ref_i is None:
            continue
        cur_i = next((i for i, c in enumerate(columns) if c.role == CURRENCY), None)
        type_i = next((i for i, c in enumerate(columns) if c.role == TYPE), None)
        table_sum = Decimal(0)
        for row in rows:
            tokens = candidates(row.by_index.get(ref_i, ""))
            value = _payment_of(row, columns, decimal)
            if not tokens or value is None or value == 0:
                continue
            resolved = known(tokens) if known else []
            cur = None
            if cur_i is not None:
                cur = _amount(row.by_index.get(cur_i, ""), None)[1] or (
                    row.by_index.get(cur_i, "").strip().upper() or None
                )
            cur = cur or next((c for c in (_amount(t, None)[1] for t in row.by_index.values()) if c), None) or doc_cur  # fmt: skip
            n += 1
            table_sum += value
            kind_text = f"{row.by_index.get(type_i, '') if type_i is not None else ''} {row.by_index.get(ref_i, '')}"
            fact = PaymentFact(
                abs(value), cur or "", tuple(resolved or tokens), date=date,
                reference=row.line.text, payer=payer, source=f"pdf:{name}#row{n}",
            )  # fmt: skip
            if value < 0 or _CREDIT_WORDS.search(kind_text):
                out.deductions.append(fact)
                if value > 0:
                    table_sum -= 2 * value
            else:
                out.payments.append(fact)
        for total in totals:
            amounts = [
                a for a in (_amount(w.text, decimal)[0] for w in total.words) if a is not None
            ]
            if amounts and table_sum not in amounts and abs(table_sum) not in amounts:
                out.problems.append(f"{name}: rows add up to {table_sum}, the advice's total "
                                    f"says {amounts[-1]}")  # fmt: skip
    if any(not p.currency for p in out.payments + out.deductions):
        out.problems.append(f"{name}: no currency stated for some rows")
    return out


def read_lines(lines: Sequence[Line], name: str, known: Known | None = None) -> Result:
    """No table header: a line that holds an invoice reference and an amount is a row
    (with the ledger at hand, only when the reference is a real invoice)."""
    out = Result(method="lines")
    text = "\n".join(ln.text for ln in lines)
    currency = _doc_currency(text)
    # A sentence that runs over lines ("we transferred EUR 870.00 for invoice … and
    # EUR 1,021.21 for invoice …"): every amount of the text beside exactly one reference.
    prose = " ".join(ln.text for ln in lines if not _TOTAL.match(ln.text))
    whole = _pairs(prose, find_amounts(prose), known) if len(prose) < 20_000 else None
    if whole:
        for i, (refs_i, amount) in enumerate(whole, 1):
            out.payments.append(PaymentFact(amount.value, amount.currency, tuple(refs_i),
                                            source=f"pdf:{name}#row{i}", reference=" ".join(refs_i)))  # fmt: skip
        return out
    n = 0
    for line in lines:
        raw = line.text
        if _TOTAL.match(raw):
            continue
        refs = candidates(raw)
        if not refs:
            continue
        amounts = find_amounts(raw)
        value: Decimal | None
        cur = currency
        if amounts:
            value, cur = amounts[-1].value, amounts[-1].currency
        else:
            m = _TRAILING_NUMBER.search(raw)
            value = parse_number(m.group("n")) if m else None
        if value is None or value <= 0 or cur is None:
            continue
        pairs = _pairs(raw, amounts, known) if len(amounts) > 1 else None
        if pairs:
            # "EUR 870.00 for INV-…13 and EUR 1,021.21 for INV-…21": one row per pair
            for refs_i, amount in pairs:
                n += 1
                out.payments.append(PaymentFact(amount.value, amount.currency, tuple(refs_i),
                                                source=f"pdf:{name}#row{n}", reference=raw.strip()))  # fmt: skip
            continue
        refs = [r for r in refs if parse_number(r) != value]
        if known is not None:
            refs = known(refs)
        else:  # a short bare number ("1", "19") is a position or a quantity, not an invoice
            refs = [r for r in refs if not (r.isdigit() and len(r) < 4)]
        if refs:
            n += 1
            out.payments.append(PaymentFact(value, cur, tuple(refs), source=f"pdf:{name}#row{n}",
                                            reference=raw.strip()))  # fmt: skip
    return out


def _pairs(raw: str, amounts: list[Amount], known: Known | None) -> list[tuple[list[str], Amount]] | None:  # fmt: skip
    """Amounts in a text, each with exactly one reference beside it (before it, or after
    it): the pairs, else None."""
    if not amounts:
        return None
    for cut in ("end", "start"):
        bounds = ([0] + [a.end for a in amounts[:-1]] + [len(raw)]) if cut == "end" else (
            [0] + [a.start for a in amounts[1:]] + [len(raw)])  # fmt: skip
        found = []
        for amount, lo, hi in zip(amounts, bounds, bounds[1:], strict=False):
            refs = [r for r in candidates(raw[lo:hi]) if parse_number(r) != amount.value]
            refs = known(refs) if known is not None else refs
            if len(refs) != 1 or amount.value <= 0:
                break
            found.append((refs, amount))
        else:
            return found
    return None


def read(name: str, data: bytes, *, reader: Reader = pdftext.read,
         ruled: RuledReader = pdftext.ruled_tables, known: Known | None = None,
         hints: TableHints | None = None) -> Result:  # fmt: skip
    """Everything a remittance PDF says was paid. Never raises on bad input."""
    content = reader(data)
    if content.creator.lower().startswith(OWN_CREATOR):
        # our own invoice or statement, sent back or forwarded: it says what is owed, not
        # what was paid
        return Result(own=True, problems=[f"{name}: arclerk's own document (an invoice or "
                                          "statement we sent), not a remittance advice"])  # fmt: skip
    if content.problem:
        return Result(problems=[f"{name}: {content.problem}"])
    result = read_tables(content.lines, name, known=known, hints=hints)
    if not result.payments and not result.deductions:
        pages = sorted({ln.page for ln in content.lines})
        grid = ruled(data, pages)
        if grid.grids:
            result = read_tables(
                _grid_lines(grid),
                name,
                known=known,
                hints=hints,
                method="ruled",
                page_text="\n".join(ln.text for ln in content.lines),
            )
    if not result.payments and not result.deductions:
        result = read_lines(content.lines, name, known)
    if not result.payments and not result.deductions:
        result.problems.append(f"{name}: no rows with an invoice reference and an amount found")
    return result


def _grid_lines(content: PdfContent) -> list[Line]:
    """pdfplumber's cells as lines whose words sit in their columns."""
    out = []
    for page, rows in content.grids:
        for row in rows:
            words = tuple(Word(cell, i * 100.0, i * 100.0 + 90, 0.0, 10.0)
                          for i, cell in enumerate(row) if cell)  # fmt: skip
            if words:
                out.append(Line(page, words))
    return out


@dataclass(frozen=True)
class PdfOptions:
    """How a message's PDFs are read: the readers (the daemon's run in a sandboxed child),
    the ledger's closed world, and the payers' layout hints by sender address."""

    reader: Reader = pdftext.read
    ruled: RuledReader = pdftext.ruled_tables
    known: Known | None = None
    hints: Callable[[str], TableHints | None] | None = None


def read_with(name: str, data: bytes, opts: PdfOptions | None, sender: str = "") -> Result:
    opts = opts or PdfOptions()
    hints = opts.hints(sender) if opts.hints and sender else None
    return read(name, data, reader=opts.reader, ruled=opts.ruled, known=opts.known, hints=hints)


def rows(name: str, data: bytes) -> tuple[list[PaymentFact], list[str]]:
    """The payments of a remittance PDF and the problems met (in-process reading)."""
    result = read(name, data)
    return result.payments, result.problems
