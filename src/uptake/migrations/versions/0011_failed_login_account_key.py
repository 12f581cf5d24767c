"""auth: failed logins count per email (hashed) and address, for the lock-out

Revision ID: 0011_failed_login_account_key
Revises: 0010_discovery_intake
Create Date: 2026-12-07 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_failed_login_account_key"
down_revision = "0010_discovery_intake"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("auth_failed_login", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_key", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_auth_failed_login_account_key"), ["account_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("auth_failed_login", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_failed_login_account_key"))
        batch_op.drop_column("account_key")
