"""The tables. Amounts are integer minor units; quantities and rates are decimal strings.

Migrations in `ledger/migrations` create these; keep both in step (a test compares them).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import false
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores UTC, returns tz-aware UTC; refuses naive datetimes on the way in."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

customers = Table(
    "customers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("email", String(320), nullable=False),
    # lower-cased address and its domain, indexed: inbound mail finds its sender without
    # scanning every customer
    Column("email_key", String(320), nullable=False, server_default="", index=True),
    Column("email_domain", String(255), nullable=False, server_default="", index=True),
    Column("language", String(8), nullable=False, server_default="en"),
    Column("timezone", String(64), nullable=False, server_default="UTC"),
    Column("address", Text, nullable=False, server_default=""),
    Column("segment", String(64), nullable=False, server_default=""),  # picks a dunning ladder
    Column("country", String(2), nullable=False, server_default=""),  # ISO 3166: holidays
    Column("account_manager", String(320), nullable=False, server_default=""),  # CC on steps
    Column("email_bounced_at", UTCDateTime, nullable=True),
    Column("bounce_reason", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

invoices = Table(
    "invoices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("number", String(64), nullable=False, unique=True),
    Column("ref_key", String(64), nullable=False, index=True),
    Column("digits_key", String(64), nullable=False, index=True),
    Column("compact_key", String(64), nullable=False, server_default="", index=True),
    Column("customer_id", String(64), ForeignKey("customers.id"), nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("open_minor", BigInteger, nullable=False),
    Column("payment_terms", Text, nullable=False, server_default=""),
    Column("content_hash", String(64), nullable=False),
    Column("promised_until", Date, nullable=True),
    Column("hold_until", Date, nullable=True),  # no reminder before (an out-of-office)
    # a fee invoice (reminder fees, interest) names the invoice it charges for
    Column("fee_for", Integer, ForeignKey("invoices.id"), nullable=True),
    Column("handed_off_at", UTCDateTime, nullable=True),  # passed to a collections agency
    Column("next_action_at", UTCDateTime, nullable=True, index=True),
    Column("steps_sent", Integer, nullable=False, server_default="0"),
    Column("last_mail_on", Date, nullable=True),
    Column("last_reminder_on", Date, nullable=True),
    Column("thread_message_id", String(300), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    # True until the invoice itself has been queued for mailing (imported drafts): even an
    # invoice paid before it went out is still delivered — it is the customer's document.
    Column("needs_mailing", Boolean, nullable=False, server_default=false()),
)

invoice_lines = Table(
    "invoice_lines",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("invoice_id", Integer, ForeignKey("invoices.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("description", Text, nullable=False),
    Column("quantity", String(40), nullable=False),
    Column("unit_price", String(40), nullable=False),
    Column("tax_rate", String(40), nullable=False),
)

inbound = Table(
    "inbound",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("mailbox", String(300), nullable=False),
    Column("source_key", String(300), nullable=False),
    Column("message_id", String(998), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("raw", LargeBinary, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("kind", String(32), nullable=True),
    Column("outcome", Text, nullable=True),
    Column("processed_at", UTCDateTime, nullable=True),
    UniqueConstraint("message_id", "sha256"),
    UniqueConstraint("mailbox", "source_key"),
)

payments = Table(
    "payments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("fingerprint", String(64), nullable=False, unique=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("date", Date, nullable=True),
    Column("reference", Text, nullable=False, server_default=""),
    Column("payer", Text, nullable=False, server_default=""),
    Column("source_message_id", String(998), nullable=False),
    Column("inbound_id", Integer, ForeignKey("inbound.id"), nullable=True),
    Column("status", String(20), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # the customer it came from, when identified (the owner of any credit it leaves)
    Column("customer_id", String(64), ForeignKey("customers.id"), nullable=True, index=True),
    # what of it is kept as that customer's credit (used on its next invoice)
    Column("credit_minor", BigInteger, nullable=False, server_default="0"),
    Column("refund", Boolean, nullable=False, server_default=false()),  # credit to refund
    Column("iban", String(34), nullable=False, server_default=""),
    # the matching decision: rule, confidence and the reason in words
    Column("rule", String(100), nullable=True),
    Column("confidence", String(10), nullable=True),
    Column("reason", Text, nullable=True),
)

#: how a payer is recognised: its name key, aliases and IBANs (ledger.names)
payer_keys = Table(
    "payer_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(64), ForeignKey("customers.id"), nullable=False),
    Column("kind", String(10), nullable=False),  # name | alias | iban
    Column("key", String(300), nullable=False, index=True),
    UniqueConstraint("customer_id", "kind", "key"),
)

allocations = Table(
    "allocations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("payment_id", Integer, ForeignKey("payments.id"), nullable=False, index=True),
    Column("invoice_id", Integer, ForeignKey("invoices.id"), nullable=False, index=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("rule", String(100), nullable=False),
    Column("confidence", String(10), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # closed without money along with it: a shortfall within tolerance, a discount
    Column("write_off_minor", BigInteger, nullable=False, server_default="0"),
    Column("discount_minor", BigInteger, nullable=False, server_default="0"),
    Column("source", String(10), nullable=False, server_default="payment"),  # payment | credit
    Column("evidence", Text, nullable=False, server_default=""),  # message, attachment, row
    # `payment unapply` / a rejected review: kept, marked, no longer counted
    Column("reversed_at", UTCDateTime, nullable=True),
    Column("reversal_reason", Text, nullable=True),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(50), nullable=False),
    Column("invoice_id", Integer, ForeignKey("invoices.id"), nullable=True, index=True),
    Column("payment_id", Integer, ForeignKey("payments.id"), nullable=True),
    Column("inbound_id", Integer, ForeignKey("inbound.id"), nullable=True),
    Column("rule", String(100), nullable=True),
    Column("cause", Text, nullable=False),
    Column("detail", Text, nullable=False, server_default="{}"),
)

review_items = Table(
    "review_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Column("inbound_id", Integer, ForeignKey("inbound.id"), nullable=True),
    Column("invoice_id", Integer, ForeignKey("invoices.id"), nullable=True),
    Column("payment_id", Integer, ForeignKey("payments.id"), nullable=True),
    Column("status", String(20), nullable=False, server_default="open"),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("proposal", Text, nullable=False, server_default="[]"),  # allocations proposed
    Column("resolution", Text, nullable=True),  # what the human decided, in words
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("idem_key", String(300), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),
    Column("invoice_id", Integer, ForeignKey("invoices.id"), nullable=True, index=True),
    Column("step", String(50), nullable=True),
    Column("recipient", String(320), nullable=False),
    Column("message_id", String(300), nullable=False, unique=True),
    Column("in_reply_to", String(998), nullable=True),
    Column("params", Text, nullable=False, server_default="{}"),
    Column("raw", LargeBinary, nullable=True),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("claimed_by", String(100), nullable=True),
    Column("claimed_until", UTCDateTime, nullable=True),
    Index("ix_outbox_status_next", "status", "next_attempt_at"),
)

sequences = Table(
    "sequences",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("next_value", BigInteger, nullable=False),
)
