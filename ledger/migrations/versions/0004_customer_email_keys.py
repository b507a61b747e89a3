"""customers.email_key / email_domain: indexed sender lookup for inbound mail

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_key", sa.String(length=320), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("email_domain", sa.String(length=255), nullable=False, server_default="")
        )
        batch_op.create_index("ix_customers_email_key", ["email_key"], unique=False)
        batch_op.create_index("ix_customers_email_domain", ["email_domain"], unique=False)
    # Fill them for the customers that exist already.
    customers = sa.table("customers", sa.column("id"), sa.column("email"), sa.column("email_key"),
                         sa.column("email_domain"))  # fmt: skip
    bind = op.get_bind()
    for cid, email in bind.execute(sa.select(customers.c.id, customers.c.email)).all():
        key = email.strip().lower()
        bind.execute(customers.update().where(customers.c.id == cid)
                     .values(email_key=key, email_domain=key.rsplit("@", 1)[-1]))  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_email_domain")
        batch_op.drop_index("ix_customers_email_key")
        batch_op.drop_column("email_domain")
        batch_op.drop_column("email_key")
