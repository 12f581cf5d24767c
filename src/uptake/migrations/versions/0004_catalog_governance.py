"""the catalog and governance: AI tools, use cases, versioned use cards, data classes; risk assessments, reviews,
verdicts, decisions with conditions, the reviewer board, policy documents, frameworks and control mappings. It
stays whole: a migration is one revision, written once and never edited.

Revision ID: 0004_catalog_governance
Revises: 0003_directory
Create Date: 2026-11-25 12:25:30.930724
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_catalog_governance"
down_revision = "0003_directory"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_data_class",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_catalog_data_class_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_data_class")),
        sa.UniqueConstraint("workspace_id", "slug", name=op.f("uq_catalog_data_class_workspace_id_slug")),
    )
    with op.batch_alter_table("catalog_data_class", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_data_class_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "catalog_tool",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("vendor", sa.String(length=200), nullable=False),
        sa.Column("models", sa.JSON(), nullable=False),
        sa.Column(
            "hosting",
            sa.Enum("vendor_cloud", "own_cloud", "on_premises", name="hosting", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("data_residency", sa.String(length=200), nullable=True),
        sa.Column("licence_model", sa.String(length=200), nullable=True),
        sa.Column("cost_per_seat_month", sa.Numeric(precision=12, scale=2, asdecimal=False), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("seats_purchased", sa.Integer(), nullable=True),
        sa.Column("contract_renewal_on", sa.Date(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["directory_person.id"],
            name=op.f("fk_catalog_tool_owner_id_directory_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_catalog_tool_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_tool")),
        sa.UniqueConstraint("workspace_id", "slug", name=op.f("uq_catalog_tool_workspace_id_slug")),
    )
    with op.batch_alter_table("catalog_tool", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_tool_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalog_tool_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "catalog_use_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("workflow", sa.String(length=300), nullable=False),
        sa.Column("workflow_step", sa.String(length=300), nullable=False),
        sa.Column("owning_team_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("raci", sa.JSON(), nullable=False),
        sa.Column("allowed_data_classes", sa.JSON(), nullable=False),
        sa.Column(
            "human_oversight",
            sa.Enum(
                "human_approves_every_output",
                "human_reviews_samples",
                "automated_with_monitoring",
                name="humanoversight",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("target_adoption_percent", sa.Double(), nullable=True),
        sa.Column("target_acceptance_rate_percent", sa.Double(), nullable=True),
        sa.Column("target_minutes_saved_per_use", sa.Double(), nullable=True),
        sa.Column("estimated_minutes_saved_per_accepted_output", sa.Double(), nullable=True),
        sa.Column("required_training", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "in_review",
                "approved",
                "piloting",
                "rolling_out",
                "generally_available",
                "paused",
                "retired",
                "rejected",
                name="usecasestatus",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "paused_from",
            sa.Enum(
                "draft",
                "in_review",
                "approved",
                "piloting",
                "rolling_out",
                "generally_available",
                "paused",
                "retired",
                "rejected",
                name="usecasestatus",
                native_enum=False,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("risk_tier", sa.String(length=40), nullable=True),
        sa.Column("use_card_version", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["directory_person.id"],
            name=op.f("fk_catalog_use_case_created_by_id_directory_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["directory_person.id"],
            name=op.f("fk_catalog_use_case_owner_id_directory_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owning_team_id"],
            ["directory_team.id"],
            name=op.f("fk_catalog_use_case_owning_team_id_directory_team"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_catalog_use_case_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_use_case")),
        sa.UniqueConstraint("workspace_id", "slug", name=op.f("uq_catalog_use_case_workspace_id_slug")),
    )
    with op.batch_alter_table("catalog_use_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_use_case_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_catalog_use_case_owning_team_id"), ["owning_team_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_catalog_use_case_risk_tier"), ["risk_tier"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalog_use_case_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_catalog_use_case_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "governance_framework",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["directory_person.id"],
            name=op.f("fk_governance_framework_created_by_id_directory_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_governance_framework_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_framework")),
        sa.UniqueConstraint("workspace_id", "slug", name=op.f("uq_governance_framework_workspace_id_slug")),
    )
    with op.batch_alter_table("governance_framework", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_governance_framework_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "governance_policy_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "risk_questionnaire", "review_policy", name="policydocumentkind", native_enum=False, length=30
            ),
            nullable=False,
        ),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["directory_person.id"],
            name=op.f("fk_governance_policy_document_updated_by_id_directory_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_governance_policy_document_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_policy_document")),
        sa.UniqueConstraint(
            "workspace_id", "kind", name=op.f("uq_governance_policy_document_workspace_id_kind")
        ),
    )
    with op.batch_alter_table("governance_policy_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_governance_policy_document_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "governance_reviewer_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["directory_person.id"],
            name=op.f("fk_governance_reviewer_assignment_person_id_directory_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_governance_reviewer_assignment_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_reviewer_assignment")),
        sa.UniqueConstraint(
            "workspace_id",
            "person_id",
            "area",
            name=op.f("uq_governance_reviewer_assignment_workspace_id_person_id_area"),
        ),
    )
    with op.batch_alter_table("governance_reviewer_assignment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_governance_reviewer_assignment_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_governance_reviewer_assignment_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "catalog_use_card_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("use_case_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("trust_output", sa.Text(), nullable=False),
        sa.Column("role_impact", sa.Text(), nullable=False),
        sa.Column("when_to_use", sa.Text(), nullable=False),
        sa.Column("when_wrong", sa.Text(), nullable=False),
        sa.Column("accountability", sa.Text(), nullable=False),
        sa.Column("approvals", sa.Text(), nullable=False),
        sa.Column("good_examples", sa.Text(), nullable=False),
        sa.Column("bad_examples", sa.Text(), nullable=False),
        sa.Column("changelog", sa.String(length=500), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["directory_person.id"],
            name=op.f("fk_catalog_use_card_version_author_id_directory_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["use_case_id"],
            ["catalog_use_case.id"],
            name=op.f("fk_catalog_use_card_version_use_case_id_catalog_use_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_catalog_use_card_version_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_use_card_version")),
        sa.UniqueConstraint(
            "use_case_id", "version", name=op.f("uq_catalog_use_card_version_use_case_id_version")
        ),
    )
    with op.batch_alter_table("catalog_use_card_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_use_card_version_use_case_id"), ["use_case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_catalog_use_card_version_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "catalog_use_case_job_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("use_case_id", sa.Integer(), nullable=False),
        sa.Column("job_role_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_role_id"],
            ["directory_job_role.id"],
            name=op.f("fk_catalog_use_case_job_role_job_role_id_directory_job_role"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["use_case_id"],
            ["catalog_use_case.id"],
            name=op.f("fk_catalog_use_case_job_role_use_case_id_catalog_use_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_catalog_use_case_job_role_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_use_case_job_role")),
        sa.UniqueConstraint(
            "use_case_id", "job_role_id", name=op.f("uq_catalog_use_case_job_role_use_case_id_job_role_id")
        ),
    )
    with op.batch_alter_table("catalog_use_case_job_role", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_use_case_job_role_job_role_id"), ["job_role_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_catalog_use_case_job_role_use_case_id"), ["use_case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_catalog_use_case_job_role_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "catalog_use_case_team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("use_case_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["directory_team.id"],
            name=op.f("fk_catalog_use_case_team_team_id_directory_team"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["use_case_id"],
            ["catalog_use_case.id"],
            name=op.f("fk_catalog_use_case_team_use_case_id_catalog_use_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_catalog_use_case_team_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_use_case_team")),
        sa.UniqueConstraint(
            "use_case_id", "team_id", name=op.f("uq_catalog_use_case_team_use_case_id_team_id")
        ),
    )
    with op.batch_alter_table("catalog_use_case_team", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_use_case_team_team_id"), ["team_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_catalog_use_case_team_use_case_id"), ["use_case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_catalog_use_case_team_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "catalog_use_case_tool",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("use_case_id", sa.Integer(), nullable=False),
        sa.Column("tool_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tool_id"],
            ["catalog_tool.id"],
            name=op.f("fk_catalog_use_case_tool_tool_id_catalog_tool"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["use_case_id"],
            ["catalog_use_case.id"],
            name=op.f("fk_catalog_use_case_tool_use_case_id_catalog_use_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_catalog_use_case_tool_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_use_case_tool")),
        sa.UniqueConstraint(
            "use_case_id", "tool_id", name=op.f("uq_catalog_use_case_tool_use_case_id_tool_id")
        ),
    )
    with op.batch_alter_table("catalog_use_case_tool", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_use_case_tool_tool_id"), ["tool_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_catalog_use_case_tool_use_case_id"), ["use_case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_catalog_use_case_tool_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "governance_control_mapping",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("use_case_id", sa.Integer(), nullable=False),
        sa.Column("framework_slug", sa.String(length=63), nullable=False),
        sa.Column("control_id", sa.String(length=100), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "in_progress",
                "implemented",
                "not_applicable",
                name="controlstatus",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["directory_person.id"],
            name=op.f("fk_governance_control_mapping_updated_by_id_directory_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["use_case_id"],
            ["catalog_use_case.id"],
            name=op.f("fk_governance_control_mapping_use_case_id_catalog_use_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_governance_control_mapping_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_control_mapping")),
        sa.UniqueConstraint(
            "use_case_id",
            "framework_slug",
            "control_id",
            name="uq_governance_control_mapping_control",
        ),
    )
    with op.batch_alter_table("governance_control_mapping", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_governance_control_mapping_framework_slug"), ["framework_slug"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_governance_control_mapping_use_case_id"), ["use_case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_governance_control_mapping_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "governance_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("use_case_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("initial", "re_review", name="reviewkind", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "approved",
                "rejected",
                "changes_requested",
                "withdrawn",
                name="reviewstatus",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("use_card_version", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["directory_person.id"],
            name=op.f("fk_governance_review_submitted_by_id_directory_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["use_case_id"],
            ["catalog_use_case.id"],
            name=op.f("fk_governance_review_use_case_id_catalog_use_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_governance_review_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_review")),
    )
    with op.batch_alter_table("governance_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_governance_review_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_governance_review_use_case_id"), ["use_case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_governance_review_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "governance_risk_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("use_case_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("proposed_tier", sa.String(length=60), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("questionnaire_digest", sa.String(length=64), nullable=False),
        sa.Column("assessed_by_id", sa.Integer(), nullable=True),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("override_tier", sa.String(length=60), nullable=True),
        sa.Column("override_justification", sa.Text(), nullable=True),
        sa.Column("overridden_by_id", sa.Integer(), nullable=True),
        sa.Column("overridden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessed_by_id"],
            ["directory_person.id"],
            name=op.f("fk_governance_risk_assessment_assessed_by_id_directory_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["overridden_by_id"],
            ["directory_person.id"],
            name=op.f("fk_governance_risk_assessment_overridden_by_id_directory_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["use_case_id"],
            ["catalog_use_case.id"],
            name=op.f("fk_governance_risk_assessment_use_case_id_catalog_use_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_governance_risk_assessment_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_risk_assessment")),
        sa.UniqueConstraint("use_case_id", name=op.f("uq_governance_risk_assessment_use_case_id")),
    )
    with op.batch_alter_table("governance_risk_assessment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_governance_risk_assessment_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "governance_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("use_case_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "open",
                "approved",
                "rejected",
                "changes_requested",
                "withdrawn",
                name="reviewstatus",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("risk_tier", sa.String(length=60), nullable=False),
        sa.Column("approvals", sa.JSON(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["governance_review.id"],
            name=op.f("fk_governance_decision_review_id_governance_review"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["use_case_id"],
            ["catalog_use_case.id"],
            name=op.f("fk_governance_decision_use_case_id_catalog_use_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_governance_decision_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_decision")),
        sa.UniqueConstraint("review_id", name=op.f("uq_governance_decision_review_id")),
    )
    with op.batch_alter_table("governance_decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_governance_decision_next_review_on"), ["next_review_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_governance_decision_use_case_id"), ["use_case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_governance_decision_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "governance_review_verdict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=60), nullable=False),
        sa.Column(
            "verdict",
            sa.Enum("approve", "reject", "request_changes", name="verdict", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["governance_review.id"],
            name=op.f("fk_governance_review_verdict_review_id_governance_review"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["directory_person.id"],
            name=op.f("fk_governance_review_verdict_reviewer_id_directory_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_governance_review_verdict_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_review_verdict")),
        sa.UniqueConstraint(
            "review_id", "reviewer_id", name=op.f("uq_governance_review_verdict_review_id_reviewer_id")
        ),
    )
    with op.batch_alter_table("governance_review_verdict", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_governance_review_verdict_review_id"), ["review_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_governance_review_verdict_reviewer_id"), ["reviewer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_governance_review_verdict_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "governance_condition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("use_case_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("verdict_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("open", "met", "waived", name="conditionstatus", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["governance_review.id"],
            name=op.f("fk_governance_condition_review_id_governance_review"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["use_case_id"],
            ["catalog_use_case.id"],
            name=op.f("fk_governance_condition_use_case_id_catalog_use_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["verdict_id"],
            ["governance_review_verdict.id"],
            name=op.f("fk_governance_condition_verdict_id_governance_review_verdict"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_governance_condition_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_condition")),
    )
    with op.batch_alter_table("governance_condition", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_governance_condition_review_id"), ["review_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_governance_condition_use_case_id"), ["use_case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_governance_condition_workspace_id"), ["workspace_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("governance_condition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_condition_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_governance_condition_use_case_id"))
        batch_op.drop_index(batch_op.f("ix_governance_condition_review_id"))

    op.drop_table("governance_condition")
    with op.batch_alter_table("governance_review_verdict", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_review_verdict_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_governance_review_verdict_reviewer_id"))
        batch_op.drop_index(batch_op.f("ix_governance_review_verdict_review_id"))

    op.drop_table("governance_review_verdict")
    with op.batch_alter_table("governance_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_decision_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_governance_decision_use_case_id"))
        batch_op.drop_index(batch_op.f("ix_governance_decision_next_review_on"))

    op.drop_table("governance_decision")
    with op.batch_alter_table("governance_risk_assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_risk_assessment_workspace_id"))

    op.drop_table("governance_risk_assessment")
    with op.batch_alter_table("governance_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_review_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_governance_review_use_case_id"))
        batch_op.drop_index(batch_op.f("ix_governance_review_status"))

    op.drop_table("governance_review")
    with op.batch_alter_table("governance_control_mapping", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_control_mapping_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_governance_control_mapping_use_case_id"))
        batch_op.drop_index(batch_op.f("ix_governance_control_mapping_framework_slug"))

    op.drop_table("governance_control_mapping")
    with op.batch_alter_table("catalog_use_case_tool", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_use_case_tool_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_use_case_tool_use_case_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_use_case_tool_tool_id"))

    op.drop_table("catalog_use_case_tool")
    with op.batch_alter_table("catalog_use_case_team", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_use_case_team_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_use_case_team_use_case_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_use_case_team_team_id"))

    op.drop_table("catalog_use_case_team")
    with op.batch_alter_table("catalog_use_case_job_role", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_use_case_job_role_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_use_case_job_role_use_case_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_use_case_job_role_job_role_id"))

    op.drop_table("catalog_use_case_job_role")
    with op.batch_alter_table("catalog_use_card_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_use_card_version_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_use_card_version_use_case_id"))

    op.drop_table("catalog_use_card_version")
    with op.batch_alter_table("governance_reviewer_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_reviewer_assignment_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_governance_reviewer_assignment_person_id"))

    op.drop_table("governance_reviewer_assignment")
    with op.batch_alter_table("governance_policy_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_policy_document_workspace_id"))

    op.drop_table("governance_policy_document")
    with op.batch_alter_table("governance_framework", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governance_framework_workspace_id"))

    op.drop_table("governance_framework")
    with op.batch_alter_table("catalog_use_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_use_case_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_use_case_status"))
        batch_op.drop_index(batch_op.f("ix_catalog_use_case_risk_tier"))
        batch_op.drop_index(batch_op.f("ix_catalog_use_case_owning_team_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_use_case_owner_id"))

    op.drop_table("catalog_use_case")
    with op.batch_alter_table("catalog_tool", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_tool_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_catalog_tool_owner_id"))

    op.drop_table("catalog_tool")
    with op.batch_alter_table("catalog_data_class", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_data_class_workspace_id"))

    op.drop_table("catalog_data_class")
