"""reconciliation: invoices.compact_key, payer keys, customer credit, write-offs and discounts on allocations,
reversible allocations, the matching decision on payments, proposals on review items

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ledger.schema
from ledger.names import name_key
from ledger.refs import compact_key

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payer_keys",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "customer_id", sa.String(length=64), sa.ForeignKey("customers.id"), nullable=False
        ),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.UniqueConstraint("customer_id", "kind", "key"),
    )
    op.create_index("ix_payer_keys_key", "payer_keys", ["key"], unique=False)
    with op.batch_alter_table("payments", schema=None) as b:
        b.add_column(sa.Column("customer_id", sa.String(length=64), nullable=True))
        b.add_column(sa.Column("credit_minor", sa.BigInteger(), nullable=False, server_default="0"))
        b.add_column(sa.Column("refund", sa.Boolean(), nullable=False, server_default=sa.false()))
        b.add_column(sa.Column("iban", sa.String(length=34), nullable=False, server_default=""))
        b.add_column(sa.Column("rule", sa.String(length=100), nullable=True))
        b.add_column(sa.Column("confidence", sa.String(length=10), nullable=True))
        b.add_column(sa.Column("reason", sa.Text(), nullable=True))
        b.create_index("ix_payments_customer_id", ["customer_id"], unique=False)
        b.create_foreign_key("fk_payments_customer_id", "customers", ["customer_id"], ["id"])
    with op.batch_alter_table("allocations", schema=None) as b:
        b.add_column(
            sa.Column("write_off_minor", sa.BigInteger(), nullable=False, server_default="0")
        )
        b.add_column(
            sa.Column("discount_minor", sa.BigInteger(), nullable=False, server_default="0")
        )
        b.add_column(
            sa.Column("source", sa.String(length=10), nullable=False, server_default="payment")
        )
        b.add_column(sa.Column("evidence", sa.Text(), nullable=False, server_default=""))
        b.add_column(
            sa.Column("reversed_at", ledger.schema.UTCDateTime(timezone=True), nullable=True)
        )
        b.add_column(sa.Column("reversal_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("review_items", schema=None) as b:
        b.add_column(sa.Column("proposal", sa.Text(), nullable=False, server_default="[]"))
        b.add_column(sa.Column("resolution", sa.Text(), nullable=True))
    with op.batch_alter_table("invoices", schema=None) as b:
        b.add_column(
            sa.Column("compact_key", sa.String(length=64), nullable=False, server_default="")
        )
        b.create_index("ix_invoices_compact_key", ["compact_key"], unique=False)
    inv = sa.table("invoices", sa.column("id"), sa.column("number"), sa.column("compact_key"))
    bind = op.get_bind()
    for iid, number in bind.execute(sa.select(inv.c.id, inv.c.number)).all():
        bind.execute(inv.update().where(inv.c.id == iid).values(compact_key=compact_key(number)))
    # Name keys for the customers that exist already.
    customers = sa.table("customers", sa.column("id"), sa.column("name"))
    keys = sa.table("payer_keys", sa.column("customer_id"), sa.column("kind"), sa.column("key"))
    rows = [{"customer_id": cid, "kind": "name", "key": name_key(name)}
            for cid, name in bind.execute(sa.select(customers.c.id, customers.c.name)).all()
            if name_key(name)]  # fmt: skip
    if rows:
        bind.execute(keys.insert(), rows)


def downgrade() -> None:
    with op.batch_alter_table("review_items", schema=None) as b:
        b.drop_column("resolution")
        b.drop_column("proposal")
    with op.batch_alter_table("allocations", schema=None) as b:
        for col in ("reversal_reason", "reversed_at", "evidence", "source", "discount_minor",
                    "write_off_minor"):  # fmt: skip
            b.drop_column(col)
    with op.batch_alter_table("payments", schema=None) as b:
        b.drop_constraint("fk_payments_customer_id", type_="foreignkey")
        b.drop_index("ix_payments_customer_id")
        for col in ("reason", "confidence", "rule", "iban", "refund", "credit_minor",
                    "customer_id"):  # fmt: skip
            b.drop_column(col)
    with op.batch_alter_table("invoices", schema=None) as b:
        b.drop_index("ix_invoices_compact_key")
        b.drop_column("compact_key")
    op.drop_index("ix_payer_keys_key", table_name="payer_keys")
    op.drop_table("payer_keys")
