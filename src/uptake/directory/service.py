"""The directory's decisions: people, teams and roles of one workspace."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.directory import repository
from uptake.directory.models import JobRole, Person, Team
from uptake.errors import Conflict, NotFound


class PersonNotFound(NotFound):
    title = "There is no such person in this workspace."


class PersonAlreadyExists(Conflict):
    title = "A person with this email or external id already exists."


def get_person(session: Session, workspace_id: int, person_id: int) -> Person:
    person = repository.get_person(session, workspace_id, person_id)
    if person is None:
        raise PersonNotFound(f"person {person_id} does not exist", person_id=person_id)
    return person


def get_person_by_email(session: Session, workspace_id: int, email: str) -> Person | None:
    return repository.get_person_by_email(session, workspace_id, email)


def find_people_by_email_in_any_workspace(session: Session, email: str) -> list[Person]:
    return repository.find_people_by_email_in_any_workspace(session, email)


def create_person(
    session: Session,
    workspace_id: int,
    *,
    email: str,
    display_name: str,
    external_id: str | None = None,
    job_title: str | None = None,
    actor: str = "system",
) -> Person:
    email = email.strip().lower()
    if repository.get_person_by_email(session, workspace_id, email) is not None:
        raise PersonAlreadyExists(f"{email} is already in the directory", email=email)
    person = Person(
        workspace_id=workspace_id,
        email=email,
        display_name=display_name,
        external_id=external_id or email,
        job_title=job_title,
    )
    session.add(person)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="directory.person.created",
        target=f"person:{person.id}",
        after={"external_id": person.external_id, "display_name": person.display_name},
    )
    return person


def count_people(session: Session, workspace_id: int) -> int:
    return repository.count_people(session, workspace_id)


def count_teams(session: Session, workspace_id: int) -> int:
    return repository.count_teams(session, workspace_id)


def create_team(
    session: Session,
    workspace_id: int,
    *,
    name: str,
    parent_id: int | None = None,
    external_id: str | None = None,
) -> Team:
    team = Team(workspace_id=workspace_id, name=name, parent_id=parent_id, external_id=external_id)
    session.add(team)
    session.flush()
    return team


def create_job_role(
    session: Session, workspace_id: int, *, name: str, description: str | None = None
) -> JobRole:
    role = JobRole(workspace_id=workspace_id, name=name, description=description)
    session.add(role)
    session.flush()
    return role


def set_team_lead(session: Session, workspace_id: int, team_id: int, person_id: int) -> None:
    team = session.scalar(select(Team).where(Team.workspace_id == workspace_id, Team.id == team_id))
    if team is None:
        raise NotFound(f"team {team_id} does not exist", team_id=team_id)
    team.lead_id = person_id
    session.flush()


def add_people_in_bulk(session: Session, workspace_id: int, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many people in one statement per batch (for generators and imports); returns their ids in order."""
    ids: list[int] = []
    for start in range(0, len(rows), 2000):
        batch = [{**row, "workspace_id": workspace_id} for row in rows[start : start + 2000]]
        result = session.execute(insert(Person).returning(Person.id, sort_by_parameter_order=True), batch)
        ids.extend(int(row_id) for row_id in result.scalars())
    return ids
