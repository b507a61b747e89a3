"""Customer credit: money a customer paid beyond what it owed, kept on the payment that
brought it (`payments.credit_minor`) and used on the customer's next invoices.

Credit flagged for refund (rules: `matching.overpayment: refund`) is never used here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Connection, select, update

from ledger import events
from ledger import invoices as inv_store
from ledger import payments as payments_store
from ledger.money import from_minor
from ledger.schema import invoices, payments


def apply_to(conn: Connection, invoice_id: int, now: dt.datetime) -> int:
    """Pay a new invoice from its customer's credit in the same currency, oldest credit
    first; returns the minor units used."""
    inv = conn.execute(
        select(invoices.c.customer_id, invoices.c.currency, invoices.c.open_minor,
               invoices.c.number).where(invoices.c.id == invoice_id)
    ).one()  # fmt: skip
    open_minor, used = inv.open_minor, 0
    rows = conn.execute(
        select(payments.c.id, payments.c.credit_minor, payments.c.source_message_id)
        .where(payments.c.customer_id == inv.customer_id, payments.c.currency == inv.currency,
               payments.c.credit_minor > 0, payments.c.refund.is_(False))
        .order_by(payments.c.id)
    ).all()  # fmt: skip
    for pid, credit, source in rows:
        if open_minor <= 0:
            break
        take = min(credit, open_minor)
        conn.execute(update(payments).where(payments.c.id == pid)
                     .values(credit_minor=payments.c.credit_minor - take))  # fmt: skip
        inv_store.allocate(
            conn, payment_id=pid, invoice_id=invoice_id, amount_minor=take,
            rule="matching.credit", confidence=Decimal(1), now=now, source="credit",
            cause=f"customer credit from payment {pid} used on {inv.number}",
            evidence=f"credit of payment {pid} ({source})",
        )  # fmt: skip
        events.record(conn, now, "credit_used",
                      f"{from_minor(take, inv.currency)} {inv.currency} of credit used on {inv.number}",
                      invoice_id=invoice_id, payment_id=pid, rule="matching.credit")  # fmt: skip
        payments_store.refresh_status(conn, pid)
        open_minor -= take
        used += take
    return used
