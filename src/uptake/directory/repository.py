from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from uptake.db import across_workspaces
from uptake.directory.models import Person, Team


def get_person(session: Session, workspace_id: int, person_id: int) -> Person | None:
    return session.scalar(select(Person).where(Person.workspace_id == workspace_id, Person.id == person_id))


def get_person_by_email(session: Session, workspace_id: int, email: str) -> Person | None:
    query = select(Person).where(Person.workspace_id == workspace_id, Person.email == email.strip().lower())
    return session.scalar(query)


def find_people_by_email_in_any_workspace(session: Session, email: str) -> list[Person]:
    """Login by email before the workspace is known: the one place that looks across workspaces."""
    with across_workspaces(session):
        return list(session.scalars(select(Person).where(Person.email == email.strip().lower())))


def count_people(session: Session, workspace_id: int) -> int:
    query = select(func.count()).select_from(Person).where(Person.workspace_id == workspace_id)
    return int(session.scalar(query) or 0)


def count_teams(session: Session, workspace_id: int) -> int:
    query = select(func.count()).select_from(Team).where(Team.workspace_id == workspace_id)
    return int(session.scalar(query) or 0)


def list_people(session: Session, workspace_id: int, *, limit: int = 100, offset: int = 0) -> list[Person]:
    query = (
        select(Person)
        .where(Person.workspace_id == workspace_id)
        .order_by(Person.display_name, Person.id)
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query))
