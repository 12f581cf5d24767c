"""enablement and communication: training modules, lessons, quizzes, attempts, completions, learning paths,
champions; announcements and their recipients, questions, answers, the FAQ, office hours, webhooks, the
notifications outbox and notification preferences. It stays whole: a migration is one revision, written once
and never edited.

Revision ID: 0005_enablement_comms
Revises: 0004_catalog_governance
Create Date: 2026-11-25 12:27:39.544113
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_enablement_comms"
down_revision = "0004_catalog_governance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "comms_webhook",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("slack", "teams", name="webhookkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["directory_team.id"],
            name=op.f("fk_comms_webhook_team_id_directory_team"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_comms_webhook_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comms_webhook")),
    )
    with op.batch_alter_table("comms_webhook", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comms_webhook_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comms_webhook_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "enablement_learning_path",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("job_role_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_role_id"],
            ["directory_job_role.id"],
            name=op.f("fk_enablement_learning_path_job_role_id_directory_job_role"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_enablement_learning_path_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enablement_learning_path")),
        sa.UniqueConstraint(
            "workspace_id", "slug", name=op.f("uq_enablement_learning_path_workspace_id_slug")
        ),
    )
    with op.batch_alter_table("enablement_learning_path", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enablement_learning_path_job_role_id"), ["job_role_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enablement_learning_path_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "comms_announcement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("requires_acknowledgement", sa.Boolean(), nullable=False),
        sa.Column("webhook_ids", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("draft", "scheduled", "sent", name="announcementstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("audience_size", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["directory_person.id"],
            name=op.f("fk_comms_announcement_author_id_directory_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_comms_announcement_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comms_announcement")),
    )
    with op.batch_alter_table("comms_announcement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comms_announcement_author_id"), ["author_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_comms_announcement_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "comms_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("webhook_id", sa.Integer(), nullable=True),
        sa.Column(
            "channel",
            sa.Enum("email", "slack", "teams", "in_app", name="channel", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=1000), nullable=True),
        sa.Column("dedupe_key", sa.String(length=300), nullable=True),
        sa.Column("message_key", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sending",
                "sent",
                "dead",
                "held",
                "digested",
                "skipped",
                name="deliverystatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("digest_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["digest_id"],
            ["comms_notification.id"],
            name=op.f("fk_comms_notification_digest_id_comms_notification"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["directory_person.id"],
            name=op.f("fk_comms_notification_person_id_directory_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["comms_webhook.id"],
            name=op.f("fk_comms_notification_webhook_id_comms_webhook"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_comms_notification_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comms_notification")),
        sa.UniqueConstraint(
            "workspace_id", "dedupe_key", name=op.f("uq_comms_notification_workspace_id_dedupe_key")
        ),
    )
    with op.batch_alter_table("comms_notification", schema=None) as batch_op:
        batch_op.create_index("ix_comms_notification_person_channel", ["person_id", "channel"], unique=False)
        batch_op.create_index(
            "ix_comms_notification_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_comms_notification_webhook_id"), ["webhook_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_comms_notification_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "comms_notification_preference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("email_enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "digest",
            sa.Enum("immediate", "daily", "weekly", name="digestmode", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("muted_categories", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["directory_person.id"],
            name=op.f("fk_comms_notification_preference_person_id_directory_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_comms_notification_preference_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comms_notification_preference")),
        sa.UniqueConstraint(
            "workspace_id", "person_id", name=op.f("uq_comms_notification_preference_workspace_id_person_id")
        ),
    )
    with op.batch_alter_table("comms_notification_preference", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comms_notification_preference_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "comms_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("use_case_slug", sa.String(length=63), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=True),
        sa.Column("is_anonymous", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "answered", name="questionstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("owners_notified", sa.Boolean(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["asker_id"],
            ["directory_person.id"],
            name=op.f("fk_comms_question_asker_id_directory_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_comms_question_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comms_question")),
    )
    with op.batch_alter_table("comms_question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comms_question_asker_id"), ["asker_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comms_question_use_case_slug"), ["use_case_slug"], unique=False)
        batch_op.create_index(batch_op.f("ix_comms_question_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "enablement_champion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("use_case_slug", sa.String(length=63), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["directory_person.id"],
            name=op.f("fk_enablement_champion_person_id_directory_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["directory_team.id"],
            name=op.f("fk_enablement_champion_team_id_directory_team"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_enablement_champion_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enablement_champion")),
        sa.UniqueConstraint(
            "workspace_id",
            "person_id",
            "team_id",
            "use_case_slug",
            name="uq_enablement_champion_seat",
        ),
    )
    with op.batch_alter_table("enablement_champion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enablement_champion_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enablement_champion_team_id"), ["team_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_enablement_champion_use_case_slug"), ["use_case_slug"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enablement_champion_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "enablement_module",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("estimated_minutes", sa.Integer(), nullable=False),
        sa.Column("version_major", sa.Integer(), nullable=False),
        sa.Column("version_minor", sa.Integer(), nullable=False),
        sa.Column("major_version_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recertification_grace_days", sa.Integer(), nullable=False),
        sa.Column("pass_mark_percent", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("draft", "published", "archived", name="modulestatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["directory_person.id"],
            name=op.f("fk_enablement_module_updated_by_id_directory_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_enablement_module_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enablement_module")),
        sa.UniqueConstraint("workspace_id", "slug", name=op.f("uq_enablement_module_workspace_id_slug")),
    )
    with op.batch_alter_table("enablement_module", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enablement_module_updated_by_id"), ["updated_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enablement_module_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "comms_announcement_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("job_role_id", sa.Integer(), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["comms_announcement.id"],
            name="fk_comms_announcement_recipient_announcement",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_role_id"],
            ["directory_job_role.id"],
            name=op.f("fk_comms_announcement_recipient_job_role_id_directory_job_role"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["directory_person.id"],
            name=op.f("fk_comms_announcement_recipient_person_id_directory_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["directory_team.id"],
            name=op.f("fk_comms_announcement_recipient_team_id_directory_team"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_comms_announcement_recipient_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comms_announcement_recipient")),
        sa.UniqueConstraint(
            "announcement_id",
            "person_id",
            name=op.f("uq_comms_announcement_recipient_announcement_id_person_id"),
        ),
    )
    with op.batch_alter_table("comms_announcement_recipient", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comms_announcement_recipient_announcement_id"), ["announcement_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_comms_announcement_recipient_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_comms_announcement_recipient_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "comms_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["directory_person.id"],
            name=op.f("fk_comms_answer_author_id_directory_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["comms_question.id"],
            name=op.f("fk_comms_answer_question_id_comms_question"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_comms_answer_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comms_answer")),
    )
    with op.batch_alter_table("comms_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comms_answer_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comms_answer_question_id"), ["question_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comms_answer_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "comms_faq_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("use_case_slug", sa.String(length=63), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer_markdown", sa.Text(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["comms_question.id"],
            name=op.f("fk_comms_faq_entry_question_id_comms_question"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_comms_faq_entry_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comms_faq_entry")),
        sa.UniqueConstraint("question_id", name=op.f("uq_comms_faq_entry_question_id")),
    )
    with op.batch_alter_table("comms_faq_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comms_faq_entry_use_case_slug"), ["use_case_slug"], unique=False)
        batch_op.create_index(batch_op.f("ix_comms_faq_entry_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "comms_office_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("use_case_slug", sa.String(length=63), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=500), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["comms_announcement.id"],
            name=op.f("fk_comms_office_hours_announcement_id_comms_announcement"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["host_id"],
            ["directory_person.id"],
            name=op.f("fk_comms_office_hours_host_id_directory_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["directory_team.id"],
            name=op.f("fk_comms_office_hours_team_id_directory_team"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_comms_office_hours_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comms_office_hours")),
    )
    with op.batch_alter_table("comms_office_hours", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comms_office_hours_host_id"), ["host_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comms_office_hours_team_id"), ["team_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_comms_office_hours_use_case_slug"), ["use_case_slug"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_comms_office_hours_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "enablement_completion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("version_major", sa.Integer(), nullable=False),
        sa.Column("version_minor", sa.Integer(), nullable=False),
        sa.Column("score_percent", sa.Double(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["enablement_module.id"],
            name=op.f("fk_enablement_completion_module_id_enablement_module"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["directory_person.id"],
            name=op.f("fk_enablement_completion_person_id_directory_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_enablement_completion_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enablement_completion")),
        sa.UniqueConstraint(
            "module_id",
            "person_id",
            "version_major",
            name=op.f("uq_enablement_completion_module_id_person_id_version_major"),
        ),
    )
    with op.batch_alter_table("enablement_completion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enablement_completion_module_id"), ["module_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enablement_completion_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_enablement_completion_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "enablement_learning_path_module",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learning_path_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["learning_path_id"],
            ["enablement_learning_path.id"],
            name="fk_enablement_learning_path_module_path",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["enablement_module.id"],
            name=op.f("fk_enablement_learning_path_module_module_id_enablement_module"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_enablement_learning_path_module_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enablement_learning_path_module")),
        sa.UniqueConstraint(
            "learning_path_id",
            "module_id",
            name=op.f("uq_enablement_learning_path_module_learning_path_id_module_id"),
        ),
    )
    with op.batch_alter_table("enablement_learning_path_module", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enablement_learning_path_module_learning_path_id"),
            ["learning_path_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_enablement_learning_path_module_module_id"), ["module_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enablement_learning_path_module_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "enablement_lesson",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["enablement_module.id"],
            name=op.f("fk_enablement_lesson_module_id_enablement_module"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_enablement_lesson_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enablement_lesson")),
    )
    with op.batch_alter_table("enablement_lesson", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enablement_lesson_module_id"), ["module_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enablement_lesson_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "enablement_module_image",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["enablement_module.id"],
            name=op.f("fk_enablement_module_image_module_id_enablement_module"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_enablement_module_image_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enablement_module_image")),
        sa.UniqueConstraint("module_id", "name", name=op.f("uq_enablement_module_image_module_id_name")),
    )
    with op.batch_alter_table("enablement_module_image", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enablement_module_image_module_id"), ["module_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_enablement_module_image_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "enablement_quiz_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("version_major", sa.Integer(), nullable=False),
        sa.Column("version_minor", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("score_percent", sa.Double(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["enablement_module.id"],
            name=op.f("fk_enablement_quiz_attempt_module_id_enablement_module"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["directory_person.id"],
            name=op.f("fk_enablement_quiz_attempt_person_id_directory_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_enablement_quiz_attempt_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enablement_quiz_attempt")),
    )
    with op.batch_alter_table("enablement_quiz_attempt", schema=None) as batch_op:
        batch_op.create_index(
            "ix_enablement_quiz_attempt_module_person", ["module_id", "person_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enablement_quiz_attempt_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_enablement_quiz_attempt_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "enablement_quiz_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("single", "multiple", name="questionkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["enablement_module.id"],
            name=op.f("fk_enablement_quiz_question_module_id_enablement_module"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_enablement_quiz_question_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enablement_quiz_question")),
    )
    with op.batch_alter_table("enablement_quiz_question", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enablement_quiz_question_module_id"), ["module_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enablement_quiz_question_workspace_id"), ["workspace_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("enablement_quiz_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enablement_quiz_question_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_enablement_quiz_question_module_id"))

    op.drop_table("enablement_quiz_question")
    with op.batch_alter_table("enablement_quiz_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enablement_quiz_attempt_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_enablement_quiz_attempt_person_id"))
        batch_op.drop_index("ix_enablement_quiz_attempt_module_person")

    op.drop_table("enablement_quiz_attempt")
    with op.batch_alter_table("enablement_module_image", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enablement_module_image_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_enablement_module_image_module_id"))

    op.drop_table("enablement_module_image")
    with op.batch_alter_table("enablement_lesson", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enablement_lesson_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_enablement_lesson_module_id"))

    op.drop_table("enablement_lesson")
    with op.batch_alter_table("enablement_learning_path_module", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enablement_learning_path_module_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_enablement_learning_path_module_module_id"))
        batch_op.drop_index(batch_op.f("ix_enablement_learning_path_module_learning_path_id"))

    op.drop_table("enablement_learning_path_module")
    with op.batch_alter_table("enablement_completion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enablement_completion_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_enablement_completion_person_id"))
        batch_op.drop_index(batch_op.f("ix_enablement_completion_module_id"))

    op.drop_table("enablement_completion")
    with op.batch_alter_table("comms_office_hours", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comms_office_hours_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_comms_office_hours_use_case_slug"))
        batch_op.drop_index(batch_op.f("ix_comms_office_hours_team_id"))
        batch_op.drop_index(batch_op.f("ix_comms_office_hours_host_id"))

    op.drop_table("comms_office_hours")
    with op.batch_alter_table("comms_faq_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comms_faq_entry_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_comms_faq_entry_use_case_slug"))

    op.drop_table("comms_faq_entry")
    with op.batch_alter_table("comms_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comms_answer_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_comms_answer_question_id"))
        batch_op.drop_index(batch_op.f("ix_comms_answer_author_id"))

    op.drop_table("comms_answer")
    with op.batch_alter_table("comms_announcement_recipient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comms_announcement_recipient_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_comms_announcement_recipient_person_id"))
        batch_op.drop_index(batch_op.f("ix_comms_announcement_recipient_announcement_id"))

    op.drop_table("comms_announcement_recipient")
    with op.batch_alter_table("enablement_module", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enablement_module_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_enablement_module_updated_by_id"))

    op.drop_table("enablement_module")
    with op.batch_alter_table("enablement_champion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enablement_champion_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_enablement_champion_use_case_slug"))
        batch_op.drop_index(batch_op.f("ix_enablement_champion_team_id"))
        batch_op.drop_index(batch_op.f("ix_enablement_champion_person_id"))

    op.drop_table("enablement_champion")
    with op.batch_alter_table("comms_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comms_question_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_comms_question_use_case_slug"))
        batch_op.drop_index(batch_op.f("ix_comms_question_asker_id"))

    op.drop_table("comms_question")
    with op.batch_alter_table("comms_notification_preference", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comms_notification_preference_workspace_id"))

    op.drop_table("comms_notification_preference")
    with op.batch_alter_table("comms_notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comms_notification_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_comms_notification_webhook_id"))
        batch_op.drop_index("ix_comms_notification_status_next_attempt_at")
        batch_op.drop_index("ix_comms_notification_person_channel")

    op.drop_table("comms_notification")
    with op.batch_alter_table("comms_announcement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comms_announcement_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_comms_announcement_author_id"))

    op.drop_table("comms_announcement")
    with op.batch_alter_table("enablement_learning_path", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enablement_learning_path_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_enablement_learning_path_job_role_id"))

    op.drop_table("enablement_learning_path")
    with op.batch_alter_table("comms_webhook", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comms_webhook_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_comms_webhook_team_id"))

    op.drop_table("comms_webhook")
