"""rollout: plans per use case, their waves and gates, and use-card acknowledgements

Revision ID: 0006_rollout
Revises: 0005_enablement_comms
Create Date: 2026-11-30 02:31:33.788197
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_rollout"
down_revision = "0005_enablement_comms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rollout_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("use_case_id", sa.Integer(), nullable=False),
        sa.Column(
            "promotion_mode",
            sa.Enum("automatic", "approval", name="promotionmode", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("promotion_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["use_case_id"],
            ["catalog_use_case.id"],
            name=op.f("fk_rollout_plan_use_case_id_catalog_use_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_rollout_plan_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollout_plan")),
        sa.UniqueConstraint(
            "workspace_id", "use_case_id", name=op.f("uq_rollout_plan_workspace_id_use_case_id")
        ),
    )
    with op.batch_alter_table("rollout_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rollout_plan_use_case_id"), ["use_case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rollout_plan_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "rollout_use_card_acknowledgement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("use_case_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["directory_person.id"],
            name=op.f("fk_rollout_use_card_acknowledgement_person_id_directory_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["use_case_id"],
            ["catalog_use_case.id"],
            name="fk_rollout_use_card_ack_use_case",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_rollout_use_card_acknowledgement_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollout_use_card_acknowledgement")),
        sa.UniqueConstraint(
            "person_id", "use_case_id", "version", name="uq_rollout_use_card_ack_person_version"
        ),
    )
    with op.batch_alter_table("rollout_use_card_acknowledgement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rollout_use_card_acknowledgement_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_rollout_use_card_acknowledgement_use_case_id"), ["use_case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_rollout_use_card_acknowledgement_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "rollout_wave",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column(
            "state",
            sa.Enum("planned", "active", "completed", "held", name="wavestate", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("team_ids", sa.JSON(), nullable=False),
        sa.Column("job_role_ids", sa.JSON(), nullable=False),
        sa.Column("person_ids", sa.JSON(), nullable=False),
        sa.Column("percentage", sa.Double(), nullable=True),
        sa.Column("requires_training", sa.Boolean(), nullable=False),
        sa.Column("requires_acknowledgement", sa.Boolean(), nullable=False),
        sa.Column("held_reason", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["rollout_plan.id"],
            name=op.f("fk_rollout_wave_plan_id_rollout_plan"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_rollout_wave_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollout_wave")),
        sa.UniqueConstraint("plan_id", "name", name=op.f("uq_rollout_wave_plan_id_name")),
    )
    with op.batch_alter_table("rollout_wave", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rollout_wave_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rollout_wave_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "rollout_gate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=63), nullable=False),
        sa.Column(
            "comparison",
            sa.Enum(
                "at_least",
                "more_than",
                "at_most",
                "less_than",
                name="comparison",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("threshold", sa.Double(), nullable=False),
        sa.Column("last_value", sa.Double(), nullable=True),
        sa.Column("last_passed", sa.Boolean(), nullable=True),
        sa.Column("last_evaluated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_detail", sa.JSON(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["wave_id"],
            ["rollout_wave.id"],
            name=op.f("fk_rollout_gate_wave_id_rollout_wave"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_rollout_gate_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollout_gate")),
    )
    with op.batch_alter_table("rollout_gate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rollout_gate_wave_id"), ["wave_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rollout_gate_workspace_id"), ["workspace_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rollout_gate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rollout_gate_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_rollout_gate_wave_id"))

    op.drop_table("rollout_gate")
    with op.batch_alter_table("rollout_wave", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rollout_wave_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_rollout_wave_plan_id"))

    op.drop_table("rollout_wave")
    with op.batch_alter_table("rollout_use_card_acknowledgement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rollout_use_card_acknowledgement_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_rollout_use_card_acknowledgement_use_case_id"))
        batch_op.drop_index(batch_op.f("ix_rollout_use_card_acknowledgement_person_id"))

    op.drop_table("rollout_use_card_acknowledgement")
    with op.batch_alter_table("rollout_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rollout_plan_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_rollout_plan_use_case_id"))

    op.drop_table("rollout_plan")
