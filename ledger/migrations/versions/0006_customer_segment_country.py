"""customers.segment (its dunning ladder), customers.country (its public holidays),
invoices.hold_until (an out-of-office return date holds the next step), invoices.fee_for
(a fee invoice's original), invoices.handed_off_at (passed to collections)

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ledger.schema

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as b:
        b.add_column(sa.Column("segment", sa.String(length=64), nullable=False, server_default=""))
        b.add_column(sa.Column("country", sa.String(length=2), nullable=False, server_default=""))
        b.add_column(
            sa.Column("account_manager", sa.String(length=320), nullable=False, server_default="")
        )
    with op.batch_alter_table("invoices", schema=None) as b:
        b.add_column(sa.Column("hold_until", sa.Date(), nullable=True))
        b.add_column(sa.Column("fee_for", sa.Integer(), nullable=True))
        b.add_column(
            sa.Column("handed_off_at", ledger.schema.UTCDateTime(timezone=True), nullable=True)
        )
        b.create_foreign_key("fk_invoices_fee_for", "invoices", ["fee_for"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as b:
        b.drop_constraint("fk_invoices_fee_for", type_="foreignkey")
        b.drop_column("handed_off_at")
        b.drop_column("fee_for")
        b.drop_column("hold_until")
    with op.batch_alter_table("customers", schema=None) as b:
        b.drop_column("account_manager")
        b.drop_column("country")
        b.drop_column("segment")
