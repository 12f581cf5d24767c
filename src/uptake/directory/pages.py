"""The directory's pages: people (search, filters, pages of 50), a person, the team tree and a team, job roles,
and the CSV upload with its preview.

Program leads and admins browse everyone; team leads only the teams they lead and their subteams
(``visibility_service.browsing_scope``): anything outside is "not found", in lists and by id alike.
"""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from uptake.access.dependencies import ProgramLeadPage, SessionDep, SettingsDep, TeamLeadPage
from uptake.directory import people_import
from uptake.directory.models import EmploymentStatus
from uptake.directory.repository import PeopleFilter
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import people as people_service
from uptake.directory.service import people_uploads as people_uploads_service
from uptake.directory.service import teams as teams_service
from uptake.directory.service import visibility as visibility_service
from uptake.errors import InvalidInput, PayloadTooLarge, UptakeError
from uptake.params import ResourceId
from uptake.web.flash import flash
from uptake.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
# Large enough for an HR export of a few hundred thousand people, small enough to read into memory.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# Rejections and planned changes shown on the page; the counts always cover all of them.
SHOWN_ROWS = 500


# A team or job role filter: empty, or an id of at most 18 digits (no larger number is an id in either database).
IdFilter = Annotated[str, Query(max_length=18, pattern=r"^\d{0,18}$")]


def _empty_to_none(value: str) -> str | None:
    return value.strip() or None


@router.get("/directory")
def people(
    request: Request,
    session: SessionDep,
    caller: TeamLeadPage,
    q: Annotated[str, Query(max_length=200)] = "",
    team: IdFilter = "",
    job_role: IdFilter = "",
    status: Annotated[str, Query(max_length=20)] = "",
    location: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """People by name, narrowed by search (name, email, external id) and filters; a team includes its subteams."""
    scope = visibility_service.browsing_scope(session, caller.workspace_id, caller)
    statuses = {item.value: item for item in EmploymentStatus}
    people_filter = PeopleFilter(
        search=_empty_to_none(q),
        job_role_id=int(job_role) if job_role else None,
        location=_empty_to_none(location),
        employment_status=statuses.get(status),
    )
    found, total = visibility_service.browse_people(
        session,
        caller.workspace_id,
        scope,
        people_filter,
        team_id=int(team) if team else None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    context = {
        "people": found,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "filters": {"q": q, "team": team, "job_role": job_role, "status": status, "location": location},
        "teams": visibility_service.browse_teams(session, caller.workspace_id, scope),
        "job_roles": job_roles_service.list_all_job_roles(session, caller.workspace_id),
        "locations": people_service.list_locations(session, caller.workspace_id),
        "statuses": list(statuses),
        "scope": scope,
    }
    return render(request, "directory/people.html", context)


@router.get("/directory/people/{person_id}")
def person(request: Request, person_id: ResourceId, session: SessionDep, caller: TeamLeadPage) -> Response:
    scope = visibility_service.browsing_scope(session, caller.workspace_id, caller)
    shown = visibility_service.browse_person(session, caller.workspace_id, scope, person_id)
    context = {
        "person": shown,
        "reports": visibility_service.browse_direct_reports(session, caller.workspace_id, scope, shown.id),
        "team_path": teams_service.team_ancestors(session, caller.workspace_id, shown.team_id)
        if shown.team_id
        else [],
        "scope": scope,
    }
    return render(request, "directory/person.html", context)


@router.get("/directory/teams")
def teams(request: Request, session: SessionDep, caller: TeamLeadPage) -> Response:
    scope = visibility_service.browsing_scope(session, caller.workspace_id, caller)
    context = {
        "tree": visibility_service.browse_team_tree(session, caller.workspace_id, scope),
        "scope": scope,
    }
    return render(request, "directory/teams.html", context)


@router.get("/directory/teams/{team_id}")
def team(request: Request, team_id: ResourceId, session: SessionDep, caller: TeamLeadPage) -> Response:
    scope = visibility_service.browsing_scope(session, caller.workspace_id, caller)
    shown = visibility_service.browse_team(session, caller.workspace_id, scope, team_id)
    members, member_total = people_service.list_people(
        session, caller.workspace_id, PeopleFilter(team_ids=[shown.id]), limit=200
    )
    lead = people_service.get_person(session, caller.workspace_id, shown.lead_id) if shown.lead_id else None
    context = {
        "team": shown,
        "ancestors": teams_service.team_ancestors(session, caller.workspace_id, shown.id),
        "tree": visibility_service.browse_team_tree(session, caller.workspace_id, scope, root_id=shown.id),
        "members": members,
        "member_total": member_total,
        "lead": lead,
        "scope": scope,
    }
    return render(request, "directory/team.html", context)


@router.post("/directory/teams/{team_id}/lead")
def name_team_lead(
    request: Request,
    team_id: ResourceId,
    session: SessionDep,
    lead: ProgramLeadPage,
    email: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    """Name (or, with no email, remove) a team's lead: they then see this team and its subteams."""
    response = RedirectResponse(f"/directory/teams/{team_id}", status_code=303)
    try:
        team = teams_service.name_team_lead(session, lead.workspace_id, team_id, email, actor=lead.actor)
    except InvalidInput as error:
        session.rollback()
        flash(request, response, "; ".join(item.reason for item in error.errors) or error.detail, "error")
        return response
    flash(
        request,
        response,
        f"{team.name} has a new lead." if email.strip() else f"{team.name} has no lead now.",
        "success",
    )
    return response


@router.get("/directory/job-roles")
def job_roles(request: Request, session: SessionDep, caller: TeamLeadPage) -> Response:
    scope = visibility_service.browsing_scope(session, caller.workspace_id, caller)
    context = {
        "job_roles": visibility_service.browse_job_roles(session, caller.workspace_id, scope),
        "scope": scope,
    }
    return render(request, "directory/job_roles.html", context)


# -- the CSV upload: preview (a dry run), then confirm ----------------------------------------------------------


def _upload_form(request: Request, error: UptakeError | None = None) -> Response:
    context: dict[str, Any] = {
        "column_names": people_import.COLUMN_NAMES,
        "required": people_import.REQUIRED_FIELDS,
        "error": error,
    }
    return render(request, "directory/import.html", context, status=error.status if error else 200)


@router.get("/directory/import")
def import_form(request: Request, lead: ProgramLeadPage) -> Response:
    return _upload_form(request)


@router.post("/directory/import")
async def preview_import(
    request: Request,
    file: UploadFile,
    session: SessionDep,
    settings: SettingsDep,
    lead: ProgramLeadPage,
) -> Response:
    """Keep the uploaded file and show what importing it would change; nothing is written until confirmed."""
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    try:
        if len(content) > MAX_UPLOAD_BYTES:
            raise PayloadTooLarge(f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; split it")
        text = people_import.decode_upload(content)
        preview = people_import.preview_people_import(
            session, lead.workspace_id, io.StringIO(text, newline="")
        )
    except UptakeError as error:
        return _upload_form(request, error)
    token = people_import.store_upload(settings.data_dir, lead.workspace_id, content)
    context = {
        "preview": preview,
        "report": preview.report,
        "token": token,
        "file_name": file.filename or "the file",
        "shown_rows": SHOWN_ROWS,
    }
    return render(request, "directory/import_preview.html", context)


@router.post("/directory/import/confirm")
def confirm_import(
    request: Request,
    token: Annotated[str, Form(max_length=100)],
    session: SessionDep,
    settings: SettingsDep,
    lead: ProgramLeadPage,
) -> Response:
    """Import the file the preview showed; its report lists every row that was not imported, and why. A large
    file is imported by the worker, and the browser goes to a page that follows it."""
    try:
        outcome = people_uploads_service.import_confirmed_upload(
            session,
            lead.workspace_id,
            settings.data_dir,
            token,
            actor=lead.actor,
            job_definitions=request.app.state.job_definitions,
        )
    except UptakeError as error:
        return _upload_form(request, error)
    if isinstance(outcome, people_import.ImportReport):
        return render(request, "directory/import_done.html", {"report": outcome, "shown_rows": SHOWN_ROWS})
    return RedirectResponse(f"/directory/import/jobs/{outcome.id}", status_code=303)


@router.get("/directory/import/jobs/{job_id}")
def import_job(request: Request, job_id: ResourceId, session: SessionDep, lead: ProgramLeadPage) -> Response:
    """A large import running in the background: its progress, then its report (refreshed while it runs)."""
    job = people_uploads_service.get_people_import_job(session, lead.workspace_id, job_id)
    context = {"job": job, "report": job.result, "shown_rows": SHOWN_ROWS}
    template = (
        "directory/_import_job.html"
        if request.headers.get("hx-request") == "true"
        else "directory/import_job.html"
    )
    return render(request, template, context)
