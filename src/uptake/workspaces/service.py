"""Workspaces: create one per organization, read and change its settings."""

from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.errors import Conflict, NotFound
from uptake.workspaces import repository, schemas
from uptake.workspaces.models import Workspace


class WorkspaceNotFound(NotFound):
    title = "There is no such workspace."


class WorkspaceSlugTaken(Conflict):
    title = "A workspace with this slug already exists."


def create_workspace(session: Session, body: schemas.WorkspaceCreate) -> Workspace:
    if repository.get_workspace_by_slug(session, body.slug) is not None:
        raise WorkspaceSlugTaken(f"the slug {body.slug!r} is taken; choose another", slug=body.slug)
    workspace = Workspace(
        slug=body.slug,
        name=body.name,
        timezone=body.timezone,
        privacy_floor=body.privacy_floor,
        pseudonym_key=secrets.token_hex(32),
    )
    session.add(workspace)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace.id,
        actor="system",
        action="workspace.created",
        target=f"workspace:{workspace.id}",
        after=schemas.Workspace.model_validate(workspace).model_dump(mode="json"),
    )
    return workspace


def get_workspace(session: Session, workspace_id: int) -> Workspace:
    workspace = repository.get_workspace(session, workspace_id)
    if workspace is None:
        raise WorkspaceNotFound(f"workspace {workspace_id} does not exist")
    return workspace


def get_workspace_by_slug(session: Session, slug: str) -> Workspace:
    workspace = repository.get_workspace_by_slug(session, slug)
    if workspace is None:
        raise WorkspaceNotFound(f"workspace {slug!r} does not exist", slug=slug)
    return workspace


def list_workspaces(session: Session) -> list[Workspace]:
    return repository.list_workspaces(session)


def update_workspace(
    session: Session, workspace_id: int, body: schemas.WorkspaceUpdate, *, actor: str
) -> Workspace:
    workspace = get_workspace(session, workspace_id)
    before = schemas.Workspace.model_validate(workspace).model_dump(mode="json")
    for field, value in body.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(workspace, field, value)
    session.flush()
    after = schemas.Workspace.model_validate(workspace).model_dump(mode="json")
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="workspace.updated",
        target=f"workspace:{workspace_id}",
        before=before,
        after=after,
    )
    return workspace
