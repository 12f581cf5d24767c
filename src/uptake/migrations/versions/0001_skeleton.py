"""the skeleton: workspaces, directory, accounts, API keys, audit log, jobs

Revision ID: 0001_skeleton
Revises:
Create Date: 2026-11-25 11:59:08.664719
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_skeleton"
down_revision = None
branch_labels = None
depends_on = None


APPEND_ONLY_TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
        "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE OR DELETE ON audit_entry "
        "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
    ],
}


def upgrade() -> None:
    op.create_table(
        "jobs_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("cron", sa.String(length=100), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs_schedule")),
        sa.UniqueConstraint("name", name=op.f("uq_jobs_schedule_name")),
    )
    op.create_table(
        "workspace",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("privacy_floor", sa.Integer(), nullable=False),
        sa.Column("event_retention_days", sa.Integer(), nullable=False),
        sa.Column("working_days_only", sa.Boolean(), nullable=False),
        sa.Column("pseudonym_key", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("privacy_floor >= 3", name=op.f("ck_workspace_privacy_floor_at_least_3")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspace")),
        sa.UniqueConstraint("slug", name=op.f("uq_workspace_slug")),
    )
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_audit_entry_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
        sa.UniqueConstraint("entry_hash", name=op.f("uq_audit_entry_entry_hash")),
        sa.UniqueConstraint("workspace_id", "seq", name=op.f("uq_audit_entry_workspace_id_seq")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_target"), ["target"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "directory_job_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=True),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_directory_job_role_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_job_role")),
        sa.UniqueConstraint("workspace_id", "name", name=op.f("uq_directory_job_role_workspace_id_name")),
    )
    with op.batch_alter_table("directory_job_role", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_directory_job_role_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "directory_team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["directory_person.id"],
            name=op.f("fk_directory_team_lead_id_directory_person"),
            ondelete="SET NULL",
            use_alter=True,
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["directory_team.id"],
            name=op.f("fk_directory_team_parent_id_directory_team"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_directory_team_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_team")),
        sa.UniqueConstraint(
            "workspace_id", "external_id", name=op.f("uq_directory_team_workspace_id_external_id")
        ),
        sa.UniqueConstraint("workspace_id", "name", name=op.f("uq_directory_team_workspace_id_name")),
    )
    with op.batch_alter_table("directory_team", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_directory_team_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_directory_team_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_directory_team_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "jobs_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued", "running", "succeeded", "failed", name="jobstatus", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_by", sa.String(length=100), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=True),
        sa.Column("progress_note", sa.String(length=300), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_jobs_job_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs_job")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_jobs_job_dedupe_key")),
    )
    with op.batch_alter_table("jobs_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_job_name"), ["name"], unique=False)
        batch_op.create_index("ix_jobs_job_status_run_at", ["status", "run_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_jobs_job_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "directory_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("job_title", sa.String(length=200), nullable=True),
        sa.Column("job_role_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column(
            "employment_status",
            sa.Enum("active", "leave", "left", name="employmentstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_role_id"],
            ["directory_job_role.id"],
            name=op.f("fk_directory_person_job_role_id_directory_job_role"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["directory_person.id"],
            name=op.f("fk_directory_person_manager_id_directory_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["directory_team.id"],
            name=op.f("fk_directory_person_team_id_directory_team"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_directory_person_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_person")),
        sa.UniqueConstraint("workspace_id", "email", name=op.f("uq_directory_person_workspace_id_email")),
        sa.UniqueConstraint(
            "workspace_id", "external_id", name=op.f("uq_directory_person_workspace_id_external_id")
        ),
    )
    with op.batch_alter_table("directory_person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_directory_person_job_role_id"), ["job_role_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_directory_person_manager_id"), ["manager_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_directory_person_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_directory_person_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "auth_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["directory_person.id"],
            name=op.f("fk_auth_account_person_id_directory_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_auth_account_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_account")),
        sa.UniqueConstraint("person_id", name=op.f("uq_auth_account_person_id")),
    )
    with op.batch_alter_table("auth_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_account_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "auth_api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_by_person_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_person_id"],
            ["directory_person.id"],
            name=op.f("fk_auth_api_key_created_by_person_id_directory_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_auth_api_key_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_api_key")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_auth_api_key_secret_hash")),
    )
    with op.batch_alter_table("auth_api_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_api_key_prefix"), ["prefix"], unique=False)
        batch_op.create_index(batch_op.f("ix_auth_api_key_workspace_id"), ["workspace_id"], unique=False)

    op.create_table(
        "auth_login_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["directory_person.id"],
            name=op.f("fk_auth_login_session_person_id_directory_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_auth_login_session_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_login_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_login_session_token_hash")),
    )
    with op.batch_alter_table("auth_login_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_login_session_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_auth_login_session_workspace_id"), ["workspace_id"], unique=False
        )
    if op.get_bind().dialect.name != "sqlite":
        # directory_team.lead_id and directory_person.team_id refer to each other: the team's side is added
        # once both tables exist (SQLite keeps it inline, as it checks references only when rows are written).
        op.create_foreign_key(
            op.f("fk_directory_team_lead_id_directory_person"),
            "directory_team",
            "directory_person",
            ["lead_id"],
            ["id"],
            ondelete="SET NULL",
        )
    for statement in APPEND_ONLY_TRIGGERS.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(
            op.f("fk_directory_team_lead_id_directory_person"), "directory_team", type_="foreignkey"
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update ON audit_entry")
        op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")
    with op.batch_alter_table("auth_login_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_login_session_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_auth_login_session_person_id"))

    op.drop_table("auth_login_session")
    with op.batch_alter_table("auth_api_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_api_key_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_auth_api_key_prefix"))

    op.drop_table("auth_api_key")
    with op.batch_alter_table("auth_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_account_workspace_id"))

    op.drop_table("auth_account")
    with op.batch_alter_table("directory_person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_person_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_directory_person_team_id"))
        batch_op.drop_index(batch_op.f("ix_directory_person_manager_id"))
        batch_op.drop_index(batch_op.f("ix_directory_person_job_role_id"))

    op.drop_table("directory_person")
    with op.batch_alter_table("jobs_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_job_workspace_id"))
        batch_op.drop_index("ix_jobs_job_status_run_at")
        batch_op.drop_index(batch_op.f("ix_jobs_job_name"))

    op.drop_table("jobs_job")
    with op.batch_alter_table("directory_team", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_team_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_directory_team_parent_id"))
        batch_op.drop_index(batch_op.f("ix_directory_team_lead_id"))

    op.drop_table("directory_team")
    with op.batch_alter_table("directory_job_role", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_job_role_workspace_id"))

    op.drop_table("directory_job_role")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_target"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_action"))

    op.drop_table("audit_entry")
    op.drop_table("workspace")
    op.drop_table("jobs_schedule")
