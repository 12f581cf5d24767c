"""People, teams, callers and job contexts the comms service tests share."""

from __future__ import annotations

from sqlalchemy.orm import Session

from support import World
from uptake.auth.principal import Principal
from uptake.auth.roles import Role
from uptake.directory.models import EmploymentStatus
from uptake.directory.service import people as people_service
from uptake.jobs.service import JobContext


def program_lead(workspace_id: int, person_id: int | None = None) -> Principal:
    return Principal(workspace_id=workspace_id, roles=frozenset({Role.program_lead}), person_id=person_id)


def employee(workspace_id: int, person_id: int) -> Principal:
    return Principal(workspace_id=workspace_id, roles=frozenset({Role.employee}), person_id=person_id)


def add_person(
    session: Session,
    workspace_id: int,
    name: str,
    *,
    team_id: int | None = None,
    job_role_id: int | None = None,
    left: bool = False,
) -> int:
    """A person named ``name`` (email from the name), in a team and job role, still here or ``left``."""
    return people_service.create_person(
        session,
        workspace_id,
        email=f"{name.lower().replace(' ', '.')}@example.com",
        display_name=name,
        team_id=team_id,
        job_role_id=job_role_id,
        employment_status=EmploymentStatus.left if left else EmploymentStatus.active,
    ).id


def job_context(world: World, session: Session, name: str, workspace_id: int | None) -> JobContext:
    """What the runner hands a job: ``session`` is the runner's own (bound to no workspace)."""
    return JobContext(
        job_id=0,
        name=name,
        workspace_id=workspace_id,
        payload={},
        session=session,
        settings=world.settings,
        report_progress=lambda *args: None,
    )
