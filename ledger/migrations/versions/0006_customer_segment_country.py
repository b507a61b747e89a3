"""customers.segment (its dunning ladder), customers.country (its public holidays),
invoices.hold_until (an out-of-office return date holds the next step)

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as b:
        b.add_column(sa.Column("segment", sa.String(length=64), nullable=False, server_default=""))
        b.add_column(sa.Column("country", sa.String(length=2), nullable=False, server_default=""))
    with op.batch_alter_table("invoices", schema=None) as b:
        b.add_column(sa.Column("hold_until", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as b:
        b.drop_column("hold_until")
    with op.batch_alter_table("customers", schema=None) as b:
        b.drop_column("country")
        b.drop_column("segment")
