"""invoices.needs_mailing: an imported draft is mailed even if paid before it went out

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("needs_mailing", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Drafts that exist already have not been mailed.
    op.execute("UPDATE invoices SET needs_mailing = (status = 'draft')")


def downgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_column("needs_mailing")
