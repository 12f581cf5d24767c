"""accounts' identity-provider roles, SSO settings, key expiry, failed-login throttle

Revision ID: 0002_auth
Revises: 0001_skeleton
Create Date: 2026-11-25 12:12:58.811127
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_auth"
down_revision = "0001_skeleton"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auth_failed_login",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_failed_login")),
    )
    with op.batch_alter_table("auth_failed_login", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_auth_failed_login_client_address"), ["client_address"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_auth_failed_login_failed_at"), ["failed_at"], unique=False)

    op.create_table(
        "auth_sso_configuration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_name", sa.String(length=100), nullable=False),
        sa.Column("issuer_url", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=300), nullable=False),
        sa.Column("client_secret_encrypted", sa.Text(), nullable=False),
        sa.Column("scopes", sa.String(length=300), nullable=False),
        sa.Column("match_claim", sa.String(length=20), nullable=False),
        sa.Column("groups_claim", sa.String(length=100), nullable=True),
        sa.Column("role_mapping", sa.JSON(), nullable=False),
        sa.Column("just_in_time_provisioning", sa.Boolean(), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_auth_sso_configuration_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_sso_configuration")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_auth_sso_configuration_workspace_id")),
    )
    with op.batch_alter_table("auth_sso_configuration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_auth_sso_configuration_workspace_id"), ["workspace_id"], unique=False
        )

    with op.batch_alter_table("auth_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idp_roles", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))

    with op.batch_alter_table("auth_api_key", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("auth_login_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ip_address", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("auth_login_session", schema=None) as batch_op:
        batch_op.drop_column("ip_address")

    with op.batch_alter_table("auth_api_key", schema=None) as batch_op:
        batch_op.drop_column("expires_at")

    with op.batch_alter_table("auth_account", schema=None) as batch_op:
        batch_op.drop_column("idp_roles")

    with op.batch_alter_table("auth_sso_configuration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_sso_configuration_workspace_id"))

    op.drop_table("auth_sso_configuration")
    with op.batch_alter_table("auth_failed_login", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_failed_login_failed_at"))
        batch_op.drop_index(batch_op.f("ix_auth_failed_login_client_address"))

    op.drop_table("auth_failed_login")
