"""People and callers the comms service tests share."""

from __future__ import annotations

from sqlalchemy.orm import Session

from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.directory.models import EmploymentStatus
from uptake.directory.service import people as people_service


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
