"""Reminder fees and statutory interest, charged on a separate fee invoice — never by
editing the issued invoice. The reminder that charges them names the fee invoice.

A fee invoice is an invoice of its own (number `<original>-F<n>`, tax-free lines that
cite the rule or the law, due in 14 days) with `fee_for` pointing at the original; it is
never charged fees or interest itself. It is mailed with its PDF like any new invoice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select, update

from ledger import invoices as inv_store
from ledger import reviews
from ledger.models import InvoiceStatus, Line
from ledger.money import from_minor
from ledger.schema import invoices
from rules.interest import late_interest
from rules.schema import Rules, Step

FEE_DUE_DAYS = 14


def charge(conn: Connection, row: Any, step: Step, rules: Rules, today: dt.date,
           now: dt.datetime) -> dict[str, Any]:  # fmt: skip
    """Create the fee invoice this reminder step charges, if any; returns what the
    reminder mail says about it (empty: nothing charged)."""
    if row["fee_for"] is not None:  # a fee invoice is never charged fees itself
        return {}
    cur = row["currency"]
    lines: list[Line] = []
    out: dict[str, Any] = {}
    if step.fee:
        lines.append(
            Line(f"Reminder fee ({step.name} reminder for {row['number']})", Decimal(1), step.fee)
        )
        out["fee"] = str(step.fee)
    cfg = rules.dunning.interest
    if cfg.preset != "none" and step.tone == "final":
        rates = tuple((r.from_, r.rate) for r in cfg.rates) or None
        principal = from_minor(row["open_minor"], cur)
        calc = late_interest(principal, cur, row["due_date"], today, cfg.preset, rates)
        if calc.missing:
            halves = ", ".join(h.isoformat() for h in calc.missing)
            reviews.open_item(conn, now, f"{row['number']}: no late-payment interest charged for "
                              f"the half-year(s) from {halves}: the rate table has no reference "
                              f"rate for them; add it to dunning.interest.rates",
                              invoice_id=row["id"])  # fmt: skip
        if calc.interest > 0:
            first, last = calc.periods[0], calc.periods[-1]
            rates_txt = ", ".join(f"{p.rate}% for {p.days} days" for p in calc.periods)
            lines.append(Line(f"Late payment interest on {principal} {cur} open on {row['number']} "
                              f"from {first.start} to {last.end} ({rates_txt}); {calc.law}",
                              Decimal(1), calc.interest))  # fmt: skip
            out["interest"] = str(calc.interest)
            out["interest_from"] = first.start.isoformat()
            out["interest_to"] = last.end.isoformat()
        if cfg.fixed_compensation and calc.compensation > 0:
            lines.append(Line(f"Fixed compensation for recovery costs: {calc.compensation_note}; "
                              f"{calc.law}", Decimal(1), calc.compensation))  # fmt: skip
            out["compensation"] = str(calc.compensation)
        out["law"] = calc.law
    if not lines:
        return {}
    n = conn.execute(select(func.count()).select_from(invoices)
                     .where(invoices.c.fee_for == row["id"])).scalar_one() + 1  # fmt: skip
    number = f"{row['number']}-F{n}"
    fee_id = inv_store.insert_invoice(
        conn, number=number, customer_id=row["customer_id"], currency=cur, issue_date=today,
        due_date=today + dt.timedelta(days=FEE_DUE_DAYS), lines=lines, status=InvoiceStatus.DRAFT,
        payment_terms=f"charges for invoice {row['number']}", digest=f"fee:{row['id']}:{step.name}",
        now=now, cause=f"charged with the {step.name} reminder of {row['number']} "
        f"(rule dunning.ladder.{step.name}{', dunning.interest.' + cfg.preset if 'interest' in out else ''})",
    )  # fmt: skip
    conn.execute(update(invoices).where(invoices.c.id == fee_id).values(fee_for=row["id"]))
    total = sum((ln.unit_price for ln in lines), Decimal(0))
    return {**out, "fee_invoice": number, "charges_total": str(total)}
