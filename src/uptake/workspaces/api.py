from __future__ import annotations

from fastapi import APIRouter

from uptake.access.dependencies import Admin, Employee, SessionDep
from uptake.workspaces import schemas, service
from uptake.workspaces.models import Workspace

router = APIRouter(prefix="/workspace", tags=["workspace"])


@router.get("", response_model=schemas.Workspace)
def get_workspace(session: SessionDep, caller: Employee) -> Workspace:
    return service.get_workspace(session, caller.workspace_id)


@router.patch("", response_model=schemas.Workspace)
def update_workspace(body: schemas.WorkspaceUpdate, session: SessionDep, admin: Admin) -> Workspace:
    return service.update_workspace(session, admin.workspace_id, body, actor=admin.actor)
