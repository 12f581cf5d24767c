"""The home page: it shows what several domains hold for the caller (see `home`), so it lives in the app layer."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from uptake.access.dependencies import EmployeePage, SessionDep
from uptake.access.roles import Role
from uptake.analytics.dependencies import get_analytics
from uptake.app.home import personal_home, summarize_workspace
from uptake.web.templating import render
from uptake.workspaces import service as workspaces_service

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, session: SessionDep, caller: EmployeePage) -> Response:
    workspace = workspaces_service.get_workspace(session, caller.workspace_id)
    summary = summarize_workspace(session, caller.workspace_id)
    analytics = (
        get_analytics(request)
        if caller.roles & {Role.program_lead, Role.admin, Role.team_lead} and not summary.is_empty
        else None
    )
    mine = personal_home(session, caller, analytics=analytics)
    return render(request, "app/home.html", {"workspace": workspace, "summary": summary, "mine": mine})
