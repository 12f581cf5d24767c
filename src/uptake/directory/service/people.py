"""People: the directory's records of one workspace, created, changed, marked as left or erased, one at a time or
in bulk; their manager chain never closes on itself.

Other domains get a person as a ``schemas.PersonSnapshot`` (plain values), or everything held about them as a
``schemas.PersonRecord``; the directory's own pages and API read the rows (``get_person_with_relations``,
``list_people``).

A domain that must act when a person is deprovisioned (``auth`` logs them out everywhere) registers a listener
with ``on_deprovisioned`` from its own service: the directory calls it without importing that domain.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.directory import repository, schemas
from uptake.directory.models import EmploymentStatus, Person
from uptake.directory.repository import PeopleFilter
from uptake.directory.schemas import PersonSnapshot
from uptake.errors import Conflict, FieldError, InvalidInput, NotFound

# (session, workspace id, person id, actor), called after a person is deprovisioned (see `person_deprovisioned`).
DeprovisionListener = Callable[[Session, int, int, str], object]
_deprovision_listeners: list[DeprovisionListener] = []


def on_deprovisioned(listener: DeprovisionListener) -> None:
    """Call ``listener`` whenever a person is deprovisioned (registered once, however often this is called)."""
    if listener not in _deprovision_listeners:
        _deprovision_listeners.append(listener)


def person_deprovisioned(session: Session, workspace_id: int, person_id: int, *, actor: str) -> None:
    """Tell every listener that a person was deprovisioned (by SCIM: marked inactive or deleted)."""
    for listener in _deprovision_listeners:
        listener(session, workspace_id, person_id, actor)


class PersonNotFound(NotFound):
    title = "There is no such person in this workspace."


class PersonAlreadyExists(Conflict):
    title = "A person with this email or external id already exists."


class ManagerCycle(InvalidInput):
    title = "This manager would make someone their own manager."


def _person_row(session: Session, workspace_id: int, person_id: int) -> Person:
    person = repository.get_person(session, workspace_id, person_id)
    if person is None:
        raise PersonNotFound(f"person {person_id} does not exist", person_id=person_id)
    return person


def get_person(session: Session, workspace_id: int, person_id: int) -> PersonSnapshot:
    return PersonSnapshot.of(_person_row(session, workspace_id, person_id))


def get_person_record(session: Session, workspace_id: int, person_id: int) -> schemas.PersonRecord:
    """Everything the directory holds about the person, with the names of their team and job role."""
    return schemas.PersonRecord.of_row(get_person_with_relations(session, workspace_id, person_id))


def get_person_with_relations(session: Session, workspace_id: int, person_id: int) -> Person:
    """The person's row with their team, job role and manager loaded (for the directory's pages and API)."""
    person = repository.get_person_with_relations(session, workspace_id, person_id)
    if person is None:
        raise PersonNotFound(f"person {person_id} does not exist", person_id=person_id)
    return person


def get_person_by_email(session: Session, workspace_id: int, email: str) -> PersonSnapshot | None:
    person = repository.get_person_by_email(session, workspace_id, email)
    return PersonSnapshot.of(person) if person is not None else None


def get_person_by_external_id(session: Session, workspace_id: int, external_id: str) -> PersonSnapshot | None:
    person = repository.get_person_by_external_id(session, workspace_id, external_id)
    return PersonSnapshot.of(person) if person is not None else None


def find_people_by_email_in_any_workspace(session: Session, email: str) -> list[PersonSnapshot]:
    """Login by email before the workspace is known: the people with this email in every workspace."""
    return [
        PersonSnapshot.of(person)
        for person in repository.find_people_by_email_in_any_workspace(session, email)
    ]


def count_people(session: Session, workspace_id: int) -> int:
    return repository.count_people(session, workspace_id)


def list_people(
    session: Session,
    workspace_id: int,
    people_filter: PeopleFilter | None = None,
    *,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Person], int]:
    """A page of people (ordered by name; team and job role loaded) and how many match in all.

    ``people_filter.team_ids`` is taken as given; to include subteams pass ``subtree_team_ids(...)``.
    """
    people_filter = people_filter or PeopleFilter()
    people = repository.list_people(session, workspace_id, people_filter, limit=limit, offset=offset)
    return people, repository.count_people_matching(session, workspace_id, people_filter)


def list_locations(session: Session, workspace_id: int) -> list[str]:
    return repository.list_locations(session, workspace_id)


def list_direct_reports(session: Session, workspace_id: int, person_id: int) -> list[Person]:
    people, _ = list_people(session, workspace_id, PeopleFilter(manager_id=person_id), limit=500)
    return people


def _check_references(
    session: Session,
    workspace_id: int,
    *,
    team_id: int | None,
    job_role_id: int | None,
    manager_id: int | None,
    person_id: int | None,
) -> None:
    errors: list[FieldError] = []
    if team_id is not None and repository.get_team(session, workspace_id, team_id) is None:
        errors.append(FieldError("team_id", f"there is no team {team_id}"))
    if job_role_id is not None and repository.get_job_role(session, workspace_id, job_role_id) is None:
        errors.append(FieldError("job_role_id", f"there is no job role {job_role_id}"))
    if manager_id is not None:
        if repository.get_person(session, workspace_id, manager_id) is None:
            errors.append(FieldError("manager_id", f"there is no person {manager_id}"))
        elif person_id is not None:
            cycle = manager_cycle(repository.manager_links(session, workspace_id), person_id, manager_id)
            if cycle:
                chain = " → ".join(str(link) for link in cycle)
                raise ManagerCycle(
                    f"person {person_id} would manage themselves through {chain}",
                    errors=[FieldError("manager_id", f"makes a manager cycle: {chain}")],
                )
    if errors:
        raise InvalidInput(errors=errors)


def manager_cycle(links: dict[int, int | None], person_id: int, manager_id: int) -> list[int]:
    """The cycle ``person → manager → … → person`` that giving ``person`` this manager would close, or []."""
    chain = [person_id]
    current: int | None = manager_id
    seen = {person_id}
    while current is not None:
        chain.append(current)
        if current == person_id:
            return chain
        if current in seen:
            return []  # an older cycle elsewhere, not one this change closes
        seen.add(current)
        current = links.get(current)
    return []


def create_person(
    session: Session,
    workspace_id: int,
    *,
    email: str,
    display_name: str,
    external_id: str | None = None,
    job_title: str | None = None,
    job_role_id: int | None = None,
    team_id: int | None = None,
    manager_id: int | None = None,
    location: str | None = None,
    employment_status: EmploymentStatus = EmploymentStatus.active,
    start_date: date | None = None,
    user_name: str | None = None,
    scim_attributes: dict[str, Any] | None = None,
    actor: str = "system",
) -> PersonSnapshot:
    email = email.strip().lower()
    external_id = external_id or email
    if repository.get_person_by_email(session, workspace_id, email) is not None:
        raise PersonAlreadyExists(f"{email} is already in the directory", email=email)
    if repository.get_person_by_external_id(session, workspace_id, external_id) is not None:
        raise PersonAlreadyExists(f"external id {external_id!r} is already in the directory")
    if user_name is not None and repository.get_person_by_user_name(session, workspace_id, user_name):
        raise PersonAlreadyExists(f"user name {user_name!r} is already in the directory")
    _check_references(
        session, workspace_id, team_id=team_id, job_role_id=job_role_id, manager_id=manager_id, person_id=None
    )
    person = Person(
        workspace_id=workspace_id,
        email=email,
        display_name=display_name,
        external_id=external_id,
        job_title=job_title,
        job_role_id=job_role_id,
        team_id=team_id,
        manager_id=manager_id,
        location=location,
        employment_status=employment_status,
        start_date=start_date,
        user_name=user_name,
        scim_attributes=scim_attributes,
    )
    session.add(person)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="directory.person.created",
        target=f"person:{person.id}",
        after=_audit_fields(person),
    )
    return PersonSnapshot.of(person)


def add_person(session: Session, workspace_id: int, body: schemas.PersonCreate, *, actor: str) -> Person:
    person = create_person(session, workspace_id, **body.model_dump(), actor=actor)
    return get_person_with_relations(session, workspace_id, person.id)


def _audit_fields(person: Person) -> dict[str, Any]:
    """What the audit log keeps about a person: ids and non-personal fields only (never names or emails)."""
    return {
        "team_id": person.team_id,
        "job_role_id": person.job_role_id,
        "manager_id": person.manager_id,
        "employment_status": person.employment_status.value if person.employment_status else None,
    }


def update_person(
    session: Session, workspace_id: int, person_id: int, body: schemas.PersonUpdate, *, actor: str
) -> PersonSnapshot:
    person = _person_row(session, workspace_id, person_id)
    changes = body.model_dump(exclude_unset=True)
    for required in ("email", "display_name", "external_id", "employment_status"):
        if required in changes and changes[required] is None:
            raise InvalidInput(errors=[FieldError(required, "cannot be cleared")])
    if "email" in changes and changes["email"] != person.email:
        other = repository.get_person_by_email(session, workspace_id, changes["email"])
        if other is not None:
            raise PersonAlreadyExists(f"{changes['email']} belongs to another person")
    if "external_id" in changes and changes["external_id"] != person.external_id:
        other = repository.get_person_by_external_id(session, workspace_id, changes["external_id"])
        if other is not None:
            raise PersonAlreadyExists(f"external id {changes['external_id']!r} belongs to another person")
    _check_references(
        session,
        workspace_id,
        team_id=changes.get("team_id"),
        job_role_id=changes.get("job_role_id"),
        manager_id=changes.get("manager_id"),
        person_id=person.id,
    )
    before = _audit_fields(person)
    for field, value in changes.items():
        setattr(person, field, value)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="directory.person.updated",
        target=f"person:{person.id}",
        before=before,
        after={**_audit_fields(person), "fields_changed": sorted(changes)},
    )
    return PersonSnapshot.of(person)


def mark_person_left(session: Session, workspace_id: int, person_id: int, *, actor: str) -> PersonSnapshot:
    """The person has left the organization: their status becomes ``left`` (their record stays)."""
    person = _person_row(session, workspace_id, person_id)
    if person.employment_status != EmploymentStatus.left:
        before = _audit_fields(person)
        person.employment_status = EmploymentStatus.left
        session.flush()
        audit_service.record_audit_entry(
            session,
            workspace_id,
            actor=actor,
            action="directory.person.left",
            target=f"person:{person.id}",
            before=before,
            after=_audit_fields(person),
        )
    return PersonSnapshot.of(person)


def delete_person(session: Session, workspace_id: int, person_id: int, *, actor: str) -> None:
    """Erase a person from the directory (their account and login sessions go with them)."""
    person = _person_row(session, workspace_id, person_id)
    before = _audit_fields(person)
    repository.delete_person(session, person)
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="directory.person.deleted",
        target=f"person:{person_id}",
        before=before,
    )


def add_people_in_bulk(session: Session, workspace_id: int, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many people (each row holds an ``external_id``), a batch per statement; returns their ids in order."""
    return repository.insert_people(session, workspace_id, rows)


def update_people_in_bulk(session: Session, workspace_id: int, rows: list[dict[str, Any]]) -> None:
    """Update many people by id (each row: ``id`` plus the columns to change), one statement per batch."""
    repository.update_people(session, workspace_id, rows)


def person_snapshots(session: Session, workspace_id: int) -> list[PersonSnapshot]:
    return repository.person_snapshots(session, workspace_id)


def list_people_by_ids(
    session: Session, workspace_id: int, person_ids: Sequence[int]
) -> list[PersonSnapshot]:
    """The people with these ids (in no particular order); ids not in the workspace are left out."""
    return [
        PersonSnapshot.of(person)
        for person in repository.list_people_by_ids(session, workspace_id, person_ids)
    ]
