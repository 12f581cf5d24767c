from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from uptake.access.dependencies import AdminPage, SessionDep
from uptake.web.flash import flash
from uptake.web.templating import render
from uptake.workspaces import schemas, service

router = APIRouter(include_in_schema=False)


@router.get("/settings/workspace")
def workspace_settings(request: Request, session: SessionDep, admin: AdminPage) -> Response:
    workspace = service.get_workspace(session, admin.workspace_id)
    return render(request, "workspaces/settings.html", {"workspace": workspace, "errors": {}})


@router.post("/settings/workspace")
def save_workspace_settings(
    request: Request,
    session: SessionDep,
    admin: AdminPage,
    name: Annotated[str, Form()],
    timezone: Annotated[str, Form()],
    privacy_floor: Annotated[str, Form()],
    event_retention_days: Annotated[str, Form()],
    working_days_only: Annotated[str | None, Form()] = None,
) -> Response:
    workspace = service.get_workspace(session, admin.workspace_id)
    try:
        body = schemas.WorkspaceUpdate(
            name=name,
            timezone=timezone,
            privacy_floor=privacy_floor,
            event_retention_days=event_retention_days,
            working_days_only=working_days_only == "on",
        )
    except ValidationError as error:
        errors = {str(item["loc"][0]): str(item["msg"]) for item in error.errors()}
        return render(
            request, "workspaces/settings.html", {"workspace": workspace, "errors": errors}, status=422
        )
    service.update_workspace(session, admin.workspace_id, body, actor=admin.actor)
    response = RedirectResponse("/settings/workspace", status_code=303)
    flash(request, response, "Workspace settings saved.", "success")
    return response
