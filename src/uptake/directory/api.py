"""The directory's JSON routes: people, teams and job roles."""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from uptake.access.dependencies import Admin, Employee, Importer, ProgramLead, SessionDep
from uptake.directory import people_import, schemas
from uptake.directory.models import EmploymentStatus
from uptake.directory.repository import PeopleFilter
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.directory.service import visibility as visibility_service
from uptake.errors import Forbidden
from uptake.params import CSV_REQUEST_BODY, read_csv_body

router = APIRouter(tags=["directory"])

Limit = Annotated[int, Query(ge=1, le=500, description="How many items at most.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="How many items to skip.")]
Search = Annotated[str | None, Query(max_length=200, description="Text to look for.")]


# -- people -----------------------------------------------------------------------------------------------------


@router.get("/people", response_model=schemas.PersonPage)
def list_people(
    session: SessionDep,
    caller: Employee,
    q: Search = None,
    team_id: int | None = None,
    include_subteams: bool = True,
    job_role_id: int | None = None,
    location: Annotated[str | None, Query(max_length=200)] = None,
    employment_status: EmploymentStatus | None = None,
    manager_id: int | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> schemas.PersonPage:
    """People by name. Program leads see everyone in full; others see a basic directory (see ``view``)."""
    view = visibility_service.directory_view(session, caller.workspace_id, caller)
    if not view.may_filter_by_private_fields() and (location or employment_status or manager_id is not None):
        raise Forbidden("filtering by location, employment status or manager needs the program lead role")
    team_ids = None
    if team_id is not None:
        team_ids = (
            teams_service.subtree_team_ids(session, caller.workspace_id, team_id)
            if include_subteams
            else [team_id]
        )
    people_filter = PeopleFilter(
        search=q,
        search_private_fields=view.sees_everyone,
        team_ids=team_ids,
        job_role_id=job_role_id,
        location=location,
        employment_status=employment_status,
        manager_id=manager_id,
    )
    people, total = people_service.list_people(
        session, caller.workspace_id, people_filter, limit=limit, offset=offset
    )
    items = [visibility_service.person_output(person, view) for person in people]
    return schemas.PersonPage(items=items, total=total, limit=limit, offset=offset)


@router.post("/people", status_code=201, response_model=schemas.Person)
def create_person(body: schemas.PersonCreate, session: SessionDep, lead: ProgramLead) -> schemas.Person:
    person = people_service.add_person(session, lead.workspace_id, body, actor=lead.actor)
    return schemas.Person.of(person, full=True)


@router.post("/people/import", openapi_extra=CSV_REQUEST_BODY)
async def import_people(
    request: Request,
    session: SessionDep,
    lead: Importer,
    dry_run: Annotated[bool, Query(description="Report what would change and store nothing.")] = False,
) -> dict[str, Any]:
    """Import people from a CSV body (docs/people-import.md): the same report as `uptake import people`, each
    bad row named with its line, column and reason, the good rows imported all the same."""
    text = await read_csv_body(request)

    def run() -> dict[str, Any]:
        report = people_import.import_people(
            session, lead.workspace_id, io.StringIO(text, newline=""), dry_run=dry_run, actor=lead.actor
        )
        return report.as_dict()

    return await run_in_threadpool(run)


@router.get("/people/{person_id}", response_model=schemas.Person)
def get_person(person_id: int, session: SessionDep, caller: Employee) -> schemas.Person:
    person = people_service.get_person_with_relations(session, caller.workspace_id, person_id)
    return visibility_service.person_output(
        person, visibility_service.directory_view(session, caller.workspace_id, caller)
    )


@router.patch("/people/{person_id}", response_model=schemas.Person)
def update_person(
    person_id: int, body: schemas.PersonUpdate, session: SessionDep, lead: ProgramLead
) -> schemas.Person:
    people_service.update_person(session, lead.workspace_id, person_id, body, actor=lead.actor)
    return schemas.Person.of(
        people_service.get_person_with_relations(session, lead.workspace_id, person_id), full=True
    )


@router.delete("/people/{person_id}", status_code=204)
def delete_person(person_id: int, session: SessionDep, admin: Admin) -> Response:
    people_service.delete_person(session, admin.workspace_id, person_id, actor=admin.actor)
    return Response(status_code=204)


# -- teams ------------------------------------------------------------------------------------------------------


@router.get("/teams", response_model=schemas.TeamPage)
def list_teams(
    session: SessionDep,
    caller: Employee,
    q: Search = None,
    parent_id: int | None = None,
    top_level: bool = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> schemas.TeamPage:
    """Teams by name; ``parent_id`` lists one team's subteams, ``top_level`` the teams at the top of the tree."""
    teams, total = teams_service.list_teams(
        session,
        caller.workspace_id,
        search=q,
        parent_id=parent_id,
        top_level_only=top_level,
        limit=limit,
        offset=offset,
    )
    counts = teams_service.count_members_by_team(session, caller.workspace_id, [team.id for team in teams])
    items = [teams_service.team_output(team, counts.get(team.id, 0)) for team in teams]
    return schemas.TeamPage(items=items, total=total, limit=limit, offset=offset)


@router.post("/teams", status_code=201, response_model=schemas.Team)
def create_team(body: schemas.TeamCreate, session: SessionDep, lead: ProgramLead) -> schemas.Team:
    return teams_service.add_team(session, lead.workspace_id, body, actor=lead.actor)


@router.get("/teams/{team_id}", response_model=schemas.Team)
def get_team(team_id: int, session: SessionDep, caller: Employee) -> schemas.Team:
    return teams_service.get_team_output(session, caller.workspace_id, team_id)


@router.patch("/teams/{team_id}", response_model=schemas.Team)
def update_team(
    team_id: int, body: schemas.TeamUpdate, session: SessionDep, lead: ProgramLead
) -> schemas.Team:
    team = teams_service.update_team(session, lead.workspace_id, team_id, body, actor=lead.actor)
    counts = teams_service.count_members_by_team(session, lead.workspace_id, [team.id])
    return teams_service.team_output(team, counts.get(team.id, 0))


@router.delete("/teams/{team_id}", status_code=204)
def delete_team(team_id: int, session: SessionDep, lead: ProgramLead) -> Response:
    teams_service.delete_team(session, lead.workspace_id, team_id, actor=lead.actor)
    return Response(status_code=204)


# -- job roles --------------------------------------------------------------------------------------------------


@router.get("/job-roles", response_model=schemas.JobRolePage)
def list_job_roles(
    session: SessionDep, caller: Employee, q: Search = None, limit: Limit = 100, offset: Offset = 0
) -> schemas.JobRolePage:
    items, total = job_roles_service.list_job_roles(
        session, caller.workspace_id, search=q, limit=limit, offset=offset
    )
    return schemas.JobRolePage(items=items, total=total, limit=limit, offset=offset)


@router.post("/job-roles", status_code=201, response_model=schemas.JobRole)
def create_job_role(body: schemas.JobRoleCreate, session: SessionDep, lead: ProgramLead) -> schemas.JobRole:
    role = job_roles_service.create_job_role(
        session, lead.workspace_id, name=body.name, description=body.description, actor=lead.actor
    )
    return schemas.JobRole(id=role.id, name=role.name, description=role.description)


@router.get("/job-roles/{job_role_id}", response_model=schemas.JobRole)
def get_job_role(job_role_id: int, session: SessionDep, caller: Employee) -> schemas.JobRole:
    return job_roles_service.job_role_output(session, caller.workspace_id, job_role_id)


@router.patch("/job-roles/{job_role_id}", response_model=schemas.JobRole)
def update_job_role(
    job_role_id: int, body: schemas.JobRoleUpdate, session: SessionDep, lead: ProgramLead
) -> schemas.JobRole:
    job_roles_service.update_job_role(session, lead.workspace_id, job_role_id, body, actor=lead.actor)
    return job_roles_service.job_role_output(session, lead.workspace_id, job_role_id)


@router.delete("/job-roles/{job_role_id}", status_code=204)
def delete_job_role(job_role_id: int, session: SessionDep, lead: ProgramLead) -> Response:
    job_roles_service.delete_job_role(session, lead.workspace_id, job_role_id, actor=lead.actor)
    return Response(status_code=204)
