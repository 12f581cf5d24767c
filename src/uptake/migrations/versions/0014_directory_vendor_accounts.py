"""directory: vendor accounts linked to people

Revision ID: 0014_directory_vendor_accounts
Revises: 0013_connectors
Create Date: 2026-12-07 14:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_directory_vendor_accounts"
down_revision = "0013_connectors"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "directory_vendor_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("vendor", sa.String(length=30), nullable=False),
        sa.Column("account", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["directory_person.id"],
            name=op.f("fk_directory_vendor_account_person_id_directory_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_directory_vendor_account_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_vendor_account")),
        sa.UniqueConstraint(
            "workspace_id",
            "vendor",
            "account",
            name=op.f("uq_directory_vendor_account_workspace_id_vendor_account"),
        ),
    )
    with op.batch_alter_table("directory_vendor_account", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_vendor_account_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_directory_vendor_account_workspace_id"), ["workspace_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("directory_vendor_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_vendor_account_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_directory_vendor_account_person_id"))
    op.drop_table("directory_vendor_account")
