"""connectors: vendor connections and their runs

Revision ID: 0013_connectors
Revises: 0012_surveys_unlinkable
Create Date: 2026-12-07 14:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_connectors"
down_revision = "0012_surveys_unlinkable"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connectors_connector",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "github_copilot", "microsoft_365_copilot", name="connectorkind", native_enum=False, length=30
            ),
            nullable=False,
        ),
        sa.Column("tool", sa.String(length=63), nullable=False),
        sa.Column("use_case", sa.String(length=63), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("backfill_days", sa.Integer(), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("synced_through", sa.Date(), nullable=True),
        sa.Column("failing_since", sa.Date(), nullable=True),
        sa.Column("failure_notified_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_connectors_connector_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connectors_connector")),
        sa.UniqueConstraint("workspace_id", "name", name=op.f("uq_connectors_connector_workspace_id_name")),
    )
    with op.batch_alter_table("connectors_connector", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_connectors_connector_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "connectors_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind", sa.Enum("test", "sync", name="runkind", native_enum=False, length=30), nullable=False
        ),
        sa.Column("trigger", sa.String(length=30), nullable=False),
        sa.Column(
            "status",
            sa.Enum("running", "succeeded", "failed", name="runstatus", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("days_from", sa.Date(), nullable=True),
        sa.Column("days_to", sa.Date(), nullable=True),
        sa.Column("read", sa.JSON(), nullable=False),
        sa.Column("stored", sa.JSON(), nullable=False),
        sa.Column("skipped", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connector_id"],
            ["connectors_connector.id"],
            name=op.f("fk_connectors_run_connector_id_connectors_connector"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_connectors_run_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connectors_run")),
    )
    with op.batch_alter_table("connectors_run", schema=None) as batch_op:
        batch_op.create_index(
            "ix_connectors_run_connector_started", ["connector_id", "started_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_connectors_run_workspace_id"), ["workspace_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("connectors_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connectors_run_workspace_id"))
        batch_op.drop_index("ix_connectors_run_connector_started")
    op.drop_table("connectors_run")
    with op.batch_alter_table("connectors_connector", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connectors_connector_workspace_id"))
    op.drop_table("connectors_connector")
