"""`arclerk import`: invoices from JSON (CONTRACT.md) or CSV (docs/IMPORT.md).

All-or-nothing: every row is validated first and every problem is reported with the
row and field; only a clean file is written, in one transaction. Re-importing an
invoice with the same content is a no-op; with different content, an error.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ledger import credits, numbering
from ledger import invoices as inv
from ledger.errors import InputError, Problem
from ledger.models import Customer, InvoiceStatus, Line, compute_totals
from ledger.names import iban_key
from ledger.store import Store

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=300)
    email: str
    language: str = "en"
    timezone: str = "UTC"
    address: str = ""
    segment: str = Field(default="", max_length=64, pattern=r"^[A-Za-z0-9_-]*$")
    account_manager: str = Field(default="", pattern=r"^([^@\s<>]+@[^@\s<>]+\.[^@\s<>]+)?$")
    country: str = Field(default="", pattern=r"^([A-Za-z]{2})?$")
    aliases: list[str] = Field(default_factory=list, max_length=50)
    ibans: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("ibans")
    @classmethod
    def _ibans(cls, v: list[str]) -> list[str]:
        out = []
        for i, value in enumerate(v):
            key = iban_key(value)
            if key is None:
                raise ValueError(f"ibans[{i}]: not a valid IBAN: {value!r}")
            out.append(key)
        return out

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        if not _EMAIL.match(v):
            raise ValueError(f"not an email address: {v!r}")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r}") from None
        return v


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    description: str = Field(min_length=1)
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal = Decimal(0)

    @field_validator("quantity", "unit_price", "tax_rate", mode="before")
    @classmethod
    def _no_float(cls, v: Any) -> Any:
        if isinstance(v, float):
            raise ValueError("must be a decimal string, not a float")
        return v

    @field_validator("quantity")
    @classmethod
    def _qty(cls, v: Decimal) -> Decimal:
        if v == 0:
            raise ValueError("must not be zero")
        return v

    @field_validator("tax_rate")
    @classmethod
    def _rate(cls, v: Decimal) -> Decimal:
        if not Decimal(0) <= v < Decimal(1):
            raise ValueError("must be a fraction between 0 and 1 (0.19 for 19%)")
        return v


class InvoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: str | None = Field(default=None, min_length=1, max_length=64)
    customer: CustomerIn
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    issue_date: dt.date
    due_date: dt.date
    lines: list[LineIn] = Field(min_length=1)
    status: Literal["draft", "sent"] = "draft"
    payment_terms: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> InvoiceIn:
        if self.due_date < self.issue_date:
            raise ValueError("due_date is before issue_date")
        if self.totals_total() <= 0:
            raise ValueError("the invoice total must be positive")
        return self

    def domain_lines(self) -> list[Line]:
        return [Line(ln.description, ln.quantity, ln.unit_price, ln.tax_rate) for ln in self.lines]

    def totals_total(self) -> Decimal:
        return compute_totals(self.domain_lines(), self.currency).total

    def digest_spec(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"status"})


@dataclass(frozen=True)
class ImportResult:
    created: list[str]
    unchanged: list[str]


def _problems_from(exc: ValidationError, where: str) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(item)"
        msg = err["msg"].removeprefix("Value error, ")
        out.append(Problem(f"{where}: {loc}", msg))
    return out


def parse_json(text: str, name: str) -> tuple[list[tuple[str, dict[str, Any]]], list[Problem]]:
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        return [], [Problem(f"{name}:{exc.lineno}:{exc.colno}", f"invalid JSON: {exc.msg}")]
    if isinstance(data, dict) and isinstance(data.get("invoices"), list):
        data = data["invoices"]
    if not isinstance(data, list):
        return [], [Problem(name, "expected a JSON list of invoices")]
    items = []
    for i, obj in enumerate(data, 1):
        label = f"{name}: item {i}"
        if isinstance(obj, dict) and isinstance(obj.get("number"), str):
            label += f" ({obj['number']})"
        items.append((label, obj))
    return items, []


CSV_INVOICE_FIELDS = ("number", "currency", "issue_date", "due_date", "status", "payment_terms")
CSV_CUSTOMER_FIELDS = {
    "customer_id": "id", "customer_name": "name", "customer_email": "email",
    "customer_language": "language", "customer_timezone": "timezone",
    "customer_address": "address", "customer_segment": "segment", "customer_country": "country",
    "customer_account_manager": "account_manager",
}  # fmt: skip
CSV_LINE_FIELDS = ("description", "quantity", "unit_price", "tax_rate")
CSV_REQUIRED = ("number", "customer_id", "customer_name", "customer_email", "currency",
                "issue_date", "due_date", "description", "quantity", "unit_price")  # fmt: skip


def parse_csv(text: str, name: str) -> tuple[list[tuple[str, dict[str, Any]]], list[Problem]]:
    """One row per invoice line; invoice and customer columns repeat on each row."""
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        return [], [Problem(f"{name}:1", f"missing column(s): {', '.join(missing)}")]
    known = set(CSV_INVOICE_FIELDS) | set(CSV_CUSTOMER_FIELDS) | set(CSV_LINE_FIELDS)
    unknown = [c for c in header if c not in known]
    if unknown:
        return [], [Problem(f"{name}:1", f"unknown column(s): {', '.join(unknown)}")]
    problems: list[Problem] = []
    grouped: dict[str, tuple[int, dict[str, Any]]] = {}
    for row in reader:
        lineno = reader.line_num
        row = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not any(row.values()):
            continue
        head = {f: row[f] for f in CSV_INVOICE_FIELDS if row.get(f)}
        head["customer"] = {v: row[k] for k, v in CSV_CUSTOMER_FIELDS.items() if row.get(k)}
        line = {f: row[f] for f in CSV_LINE_FIELDS if row.get(f)}
        number = row["number"]
        if number not in grouped:
            grouped[number] = (lineno, {**head, "lines": [line]})
            continue
        first_line, obj = grouped[number]
        for key, value in head.items():
            if obj.get(key) != value:
                problems.append(Problem(
                    f"{name}:{lineno}: {key}",
                    f"differs from row {first_line} of invoice {number}",
                ))  # fmt: skip
        obj["lines"].append(line)
    items = [(f"{name}:{ln} ({num})", obj) for num, (ln, obj) in grouped.items()]
    return items, problems


def validate(items: list[tuple[str, dict[str, Any]]]) -> tuple[list[InvoiceIn], list[Problem]]:
    problems: list[Problem] = []
    valid: list[InvoiceIn] = []
    seen: dict[str, str] = {}
    customers: dict[str, tuple[str, CustomerIn]] = {}
    for where, obj in items:
        if not isinstance(obj, dict):
            problems.append(Problem(where, "expected an object"))
            continue
        try:
            model = InvoiceIn.model_validate(obj)
        except ValidationError as exc:
            problems.extend(_problems_from(exc, where))
            continue
        if model.number:
            if model.number in seen:
                problems.append(Problem(f"{where}: number",
                                        f"duplicate of {seen[model.number]}"))  # fmt: skip
                continue
            seen[model.number] = where
        prev = customers.get(model.customer.id)
        if prev and prev[1] != model.customer:
            problems.append(Problem(f"{where}: customer",
                                    f"customer {model.customer.id} differs from {prev[0]}"))  # fmt: skip
            continue
        customers[model.customer.id] = (where, model.customer)
        valid.append(model)
    return valid, problems


def load_file(path: Path) -> list[InvoiceIn]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    name = path.name
    if path.suffix.lower() == ".csv":
        items, problems = parse_csv(text, name)
    else:
        items, problems = parse_json(text, name)
    valid, more = validate(items)
    problems += more
    if problems:
        raise InputError(format_problems(problems))
    if not valid:
        raise InputError(f"{name}: no invoices in file")
    return valid


def format_problems(problems: list[Problem]) -> str:
    head = f"import refused, nothing stored: {len(problems)} problem(s)"
    return "\n".join([head, *(f"  {p}" for p in problems)])


def import_invoices(
    store: Store, models: list[InvoiceIn], now: dt.datetime, number_pattern: str, source: str
) -> ImportResult:
    created: list[str] = []
    unchanged: list[str] = []
    conflicts: list[Problem] = []
    with store.write() as conn:
        for m in models:
            digest = inv.content_hash(m.digest_spec())
            if m.number:
                existing = inv.find_by_number(conn, m.number)
                if existing is not None:
                    if existing["content_hash"] == digest:
                        unchanged.append(m.number)
                    else:
                        conflicts.append(Problem(
                            m.number, "already imported with different content "
                            "(arclerk never edits an issued invoice; void it or use a new number)"))  # fmt: skip
                    continue
            else:
                hit = inv.find_by_digest(conn, digest)
                if hit:
                    unchanged.append(hit)
                    continue
            c = m.customer
            inv.upsert_customer(conn, Customer(c.id, c.name, c.email, c.language, c.timezone,
                                               c.address, tuple(c.aliases), tuple(c.ibans),
                                               c.segment, c.country.upper(), c.account_manager), now)  # fmt: skip
            number = m.number or numbering.next_invoice_number(
                conn, number_pattern, m.issue_date.year
            )
            invoice_id = inv.insert_invoice(
                conn, number=number, customer_id=c.id, currency=m.currency,
                issue_date=m.issue_date, due_date=m.due_date, lines=m.domain_lines(),
                status=InvoiceStatus(m.status), payment_terms=m.payment_terms, digest=digest,
                now=now, cause=f"imported from {source}",
            )  # fmt: skip
            credits.apply_to(conn, invoice_id, now)  # the customer's credit pays it first
            created.append(number)
        if conflicts:
            # Raising inside the transaction rolls every insert of this import back.
            raise InputError(format_problems(conflicts))
    return ImportResult(created, unchanged)
