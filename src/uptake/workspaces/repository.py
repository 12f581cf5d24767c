from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from uptake.workspaces.models import Workspace


def get_workspace(session: Session, workspace_id: int) -> Workspace | None:
    return session.get(Workspace, workspace_id)


def get_workspace_by_slug(session: Session, slug: str) -> Workspace | None:
    return session.scalar(select(Workspace).where(Workspace.slug == slug))


def list_workspaces(session: Session) -> list[Workspace]:
    return list(session.scalars(select(Workspace).order_by(Workspace.slug)))


def count_workspaces(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Workspace)) or 0)
