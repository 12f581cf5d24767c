"""the directory: materialized team paths, SCIM user names and attributes, a name index for people

Revision ID: 0003_directory
Revises: 0002_auth
Create Date: 2026-11-25 12:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_directory"
down_revision = "0002_auth"
branch_labels = None
depends_on = None


def _fill_team_paths() -> None:
    """Teams that exist already get their path (``/root/…/self/``), computed from ``parent_id``."""
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, parent_id FROM directory_team")).all()
    parents: dict[int, int | None] = {row[0]: row[1] for row in rows}
    paths: dict[int, str] = {}

    def path_of(team_id: int, seen: frozenset[int] = frozenset()) -> str:
        if team_id in paths:
            return paths[team_id]
        parent_id = parents.get(team_id)
        prefix = "/" if parent_id is None or parent_id in seen else path_of(parent_id, seen | {team_id})
        paths[team_id] = f"{prefix}{team_id}/"
        return paths[team_id]

    for team_id in parents:
        connection.execute(
            sa.text("UPDATE directory_team SET path = :path WHERE id = :id"),
            {"path": path_of(team_id), "id": team_id},
        )


def upgrade() -> None:
    with op.batch_alter_table("directory_team", schema=None) as batch_op:
        batch_op.add_column(sa.Column("path", sa.String(length=1000), server_default="", nullable=False))
        batch_op.create_index(batch_op.f("ix_directory_team_path"), ["path"], unique=False)
    _fill_team_paths()

    with op.batch_alter_table("directory_person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_name", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("scim_attributes", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("scim_deleted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_directory_person_display_name"), ["display_name"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_directory_person_workspace_id_user_name"), ["workspace_id", "user_name"]
        )


def downgrade() -> None:
    with op.batch_alter_table("directory_person", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_directory_person_workspace_id_user_name"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_directory_person_display_name"))
        batch_op.drop_column("scim_deleted_at")
        batch_op.drop_column("scim_attributes")
        batch_op.drop_column("user_name")

    with op.batch_alter_table("directory_team", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_team_path"))
        batch_op.drop_column("path")
