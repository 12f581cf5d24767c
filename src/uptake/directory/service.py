"""The directory's decisions: people, teams (a tree) and job roles of one workspace, and who may see whom.

Other domains call the functions here: ``subtree_team_ids`` and ``team_ancestors`` (a team's figures include its
subteams), ``teams_led_by`` (what a team lead may see), ``get_person``/``list_people`` and the counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.auth.principal import Principal
from uptake.auth.roles import Role
from uptake.directory import people_import, repository, schemas
from uptake.directory.models import EmploymentStatus, JobRole, Person, Team
from uptake.directory.repository import PeopleFilter, PersonSnapshot
from uptake.errors import Conflict, FieldError, InvalidInput, NotFound
from uptake.jobs import service as jobs_service

__all__ = [
    "EmploymentStatus",
    "JobRole",
    "PeopleFilter",
    "Person",
    "PersonSnapshot",
    "Team",
]


class PersonNotFound(NotFound):
    title = "There is no such person in this workspace."


class PersonAlreadyExists(Conflict):
    title = "A person with this email or external id already exists."


class TeamNotFound(NotFound):
    title = "There is no such team in this workspace."


class TeamAlreadyExists(Conflict):
    title = "A team with this name or external id already exists."


class TeamNotEmpty(Conflict):
    title = "This team still has subteams or members."


class JobRoleNotFound(NotFound):
    title = "There is no such job role in this workspace."


class JobRoleAlreadyExists(Conflict):
    title = "A job role with this name already exists."


class ManagerCycle(InvalidInput):
    title = "This manager would make someone their own manager."


# -- people -----------------------------------------------------------------------------------------------------


def get_person(session: Session, workspace_id: int, person_id: int) -> Person:
    person = repository.get_person(session, workspace_id, person_id)
    if person is None:
        raise PersonNotFound(f"person {person_id} does not exist", person_id=person_id)
    return person


def get_person_with_relations(session: Session, workspace_id: int, person_id: int) -> Person:
    """The person with their team, job role and manager loaded (for pages and API answers)."""
    person = repository.get_person_with_relations(session, workspace_id, person_id)
    if person is None:
        raise PersonNotFound(f"person {person_id} does not exist", person_id=person_id)
    return person


def get_person_by_email(session: Session, workspace_id: int, email: str) -> Person | None:
    return repository.get_person_by_email(session, workspace_id, email)


def get_person_by_external_id(session: Session, workspace_id: int, external_id: str) -> Person | None:
    return repository.get_person_by_external_id(session, workspace_id, external_id)


def find_people_by_email_in_any_workspace(session: Session, email: str) -> list[Person]:
    return repository.find_people_by_email_in_any_workspace(session, email)


def count_people(session: Session, workspace_id: int) -> int:
    return repository.count_people(session, workspace_id)


def count_teams(session: Session, workspace_id: int) -> int:
    return repository.count_teams(session, workspace_id)


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
) -> Person:
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
    return person


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
) -> Person:
    person = get_person(session, workspace_id, person_id)
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
    session.expire(person)
    return get_person_with_relations(session, workspace_id, person.id)


def mark_person_left(session: Session, workspace_id: int, person_id: int, *, actor: str) -> Person:
    """The person has left the organization: their status becomes ``left`` (their record stays)."""
    person = get_person(session, workspace_id, person_id)
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
    return person


def delete_person(session: Session, workspace_id: int, person_id: int, *, actor: str) -> None:
    """Erase a person from the directory (their account and login sessions go with them)."""
    person = get_person(session, workspace_id, person_id)
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


# -- teams ------------------------------------------------------------------------------------------------------


def get_team(session: Session, workspace_id: int, team_id: int) -> Team:
    team = repository.get_team(session, workspace_id, team_id)
    if team is None:
        raise TeamNotFound(f"team {team_id} does not exist", team_id=team_id)
    return team


def get_team_by_name(session: Session, workspace_id: int, name: str) -> Team | None:
    return repository.get_team_by_name(session, workspace_id, name)


def path_ids(team: Team) -> list[int]:
    """The ids on a team's path, top-level first, the team itself last."""
    return [int(part) for part in team.path.strip("/").split("/") if part]


def subtree_team_ids(session: Session, workspace_id: int, team_id: int) -> list[int]:
    """The team and every team below it (a team's figures include its subteams)."""
    team = get_team(session, workspace_id, team_id)
    return repository.subtree_team_ids(session, workspace_id, team.path)


def team_ancestors(session: Session, workspace_id: int, team_id: int) -> list[Team]:
    """The teams above this one, top-level first (empty for a top-level team)."""
    team = get_team(session, workspace_id, team_id)
    ancestor_ids = path_ids(team)[:-1]
    by_id = {
        ancestor.id: ancestor
        for ancestor in repository.list_teams_by_ids(session, workspace_id, ancestor_ids)
    }
    return [by_id[ancestor_id] for ancestor_id in ancestor_ids if ancestor_id in by_id]


def teams_led_by(session: Session, workspace_id: int, person_id: int) -> set[int]:
    """The teams a person leads, with all their subteams: what a team lead may see."""
    led = repository.list_teams_led_by(session, workspace_id, person_id)
    return repository.subtree_team_ids_for_paths(session, workspace_id, [team.path for team in led])


def _check_team_name(session: Session, workspace_id: int, name: str, team_id: int | None) -> None:
    existing = repository.get_team_by_name(session, workspace_id, name)
    if existing is not None and existing.id != team_id:
        raise TeamAlreadyExists(f"a team named {name!r} exists already (team {existing.id})")


def create_team(
    session: Session,
    workspace_id: int,
    *,
    name: str,
    parent_id: int | None = None,
    external_id: str | None = None,
    lead_id: int | None = None,
    actor: str = "system",
) -> Team:
    name = name.strip()
    _check_team_name(session, workspace_id, name, None)
    if external_id is not None and repository.get_team_by_external_id(session, workspace_id, external_id):
        raise TeamAlreadyExists(f"a team with external id {external_id!r} exists already")
    parent = get_team(session, workspace_id, parent_id) if parent_id is not None else None
    if lead_id is not None:
        get_person(session, workspace_id, lead_id)
    team = Team(
        workspace_id=workspace_id, name=name, parent_id=parent_id, external_id=external_id, lead_id=lead_id
    )
    session.add(team)
    session.flush()
    team.path = f"{parent.path if parent else '/'}{team.id}/"
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="directory.team.created",
        target=f"team:{team.id}",
        after={"name": team.name, "parent_id": team.parent_id, "lead_id": team.lead_id},
    )
    return team


def add_team(session: Session, workspace_id: int, body: schemas.TeamCreate, *, actor: str) -> Team:
    return create_team(session, workspace_id, **body.model_dump(), actor=actor)


def move_team(session: Session, workspace_id: int, team: Team, parent_id: int | None) -> None:
    """Put ``team`` (with its subteams) under ``parent_id``; refuses to put a team below itself."""
    if parent_id == team.parent_id:
        return
    parent = get_team(session, workspace_id, parent_id) if parent_id is not None else None
    if parent is not None and parent.path.startswith(team.path):
        raise InvalidInput(
            errors=[
                FieldError("parent_id", f"team {parent.id} is {team.name!r} itself or one of its subteams")
            ]
        )
    old_path = team.path
    new_path = f"{parent.path if parent else '/'}{team.id}/"
    team.parent_id = parent_id
    session.flush()
    repository.move_subtree_paths(session, workspace_id, old_path, new_path)
    session.expire_all()


def update_team(
    session: Session, workspace_id: int, team_id: int, body: schemas.TeamUpdate, *, actor: str
) -> Team:
    team = get_team(session, workspace_id, team_id)
    changes = body.model_dump(exclude_unset=True)
    before = {"name": team.name, "parent_id": team.parent_id, "lead_id": team.lead_id}
    if changes.get("name") is not None:
        _check_team_name(session, workspace_id, changes["name"], team.id)
        team.name = changes["name"]
    elif "name" in changes:
        raise InvalidInput(errors=[FieldError("name", "cannot be cleared")])
    if "external_id" in changes:
        external_id = changes["external_id"]
        other = (
            repository.get_team_by_external_id(session, workspace_id, external_id) if external_id else None
        )
        if other is not None and other.id != team.id:
            raise TeamAlreadyExists(f"a team with external id {external_id!r} exists already")
        team.external_id = external_id
    if "lead_id" in changes:
        if changes["lead_id"] is not None:
            get_person(session, workspace_id, changes["lead_id"])
        team.lead_id = changes["lead_id"]
    session.flush()
    if "parent_id" in changes:
        move_team(session, workspace_id, team, changes["parent_id"])
        team = get_team(session, workspace_id, team_id)
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="directory.team.updated",
        target=f"team:{team.id}",
        before=before,
        after={"name": team.name, "parent_id": team.parent_id, "lead_id": team.lead_id},
    )
    return team


def delete_team(session: Session, workspace_id: int, team_id: int, *, actor: str) -> None:
    team = get_team(session, workspace_id, team_id)
    subteams = repository.count_subteams(session, workspace_id, team_id)
    members = repository.count_members_by_team(session, workspace_id, [team_id]).get(team_id, 0)
    if subteams or members:
        raise TeamNotEmpty(
            f"{team.name!r} has {subteams} subteam(s) and {members} member(s); move them first",
            team_id=team_id,
        )
    session.delete(team)
    session.flush()
    audit_service.record_audit_entry(
        session, workspace_id, actor=actor, action="directory.team.deleted", target=f"team:{team_id}"
    )


def set_team_lead(session: Session, workspace_id: int, team_id: int, person_id: int | None) -> None:
    team = get_team(session, workspace_id, team_id)
    team.lead_id = person_id
    session.flush()


def list_teams(
    session: Session,
    workspace_id: int,
    *,
    search: str | None = None,
    parent_id: int | None = None,
    top_level_only: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Team], int]:
    return repository.list_teams(
        session,
        workspace_id,
        search=search,
        parent_id=parent_id,
        top_level_only=top_level_only,
        limit=limit,
        offset=offset,
    )


def list_all_teams(session: Session, workspace_id: int) -> list[Team]:
    return repository.list_all_teams(session, workspace_id)


def list_subteams(session: Session, workspace_id: int, team_id: int) -> list[Team]:
    return repository.list_subteams(session, workspace_id, team_id)


def count_members_by_team(
    session: Session, workspace_id: int, team_ids: Sequence[int] | None = None
) -> dict[int, int]:
    """People directly in each team (not counting subteams)."""
    return repository.count_members_by_team(session, workspace_id, team_ids)


def team_output(team: Team, member_count: int) -> schemas.Team:
    return schemas.Team(
        id=team.id,
        name=team.name,
        external_id=team.external_id,
        parent_id=team.parent_id,
        lead_id=team.lead_id,
        ancestor_ids=path_ids(team)[:-1],
        member_count=member_count,
        created_at=team.created_at,
        updated_at=team.updated_at,
    )


@dataclass(frozen=True)
class TeamNode:
    """One team in the tree, with its subteams and head counts (direct and with all subteams)."""

    team: Team
    children: list[TeamNode]
    direct_members: int
    total_members: int


def team_tree(session: Session, workspace_id: int, *, only_ids: set[int] | None = None) -> list[TeamNode]:
    """The whole team tree (top-level teams first, each level by name), built from two queries.

    With ``only_ids``, only those teams are kept; a kept team whose parent is not kept becomes a root.
    """
    teams = [
        team
        for team in repository.list_all_teams(session, workspace_id)
        if only_ids is None or team.id in only_ids
    ]
    counts = repository.count_members_by_team(session, workspace_id)
    kept = {team.id for team in teams}
    children: dict[int | None, list[Team]] = {}
    for team in teams:
        parent = team.parent_id if team.parent_id in kept else None
        children.setdefault(parent, []).append(team)

    def build(team: Team) -> TeamNode:
        nodes = [build(child) for child in children.get(team.id, [])]
        direct = counts.get(team.id, 0)
        return TeamNode(team, nodes, direct, direct + sum(node.total_members for node in nodes))

    return [build(team) for team in children.get(None, [])]


# -- job roles --------------------------------------------------------------------------------------------------


def get_job_role(session: Session, workspace_id: int, job_role_id: int) -> JobRole:
    role = repository.get_job_role(session, workspace_id, job_role_id)
    if role is None:
        raise JobRoleNotFound(f"job role {job_role_id} does not exist", job_role_id=job_role_id)
    return role


def get_job_role_by_name(session: Session, workspace_id: int, name: str) -> JobRole | None:
    return repository.get_job_role_by_name(session, workspace_id, name)


def create_job_role(
    session: Session, workspace_id: int, *, name: str, description: str | None = None, actor: str = "system"
) -> JobRole:
    if repository.get_job_role_by_name(session, workspace_id, name) is not None:
        raise JobRoleAlreadyExists(f"a job role named {name!r} exists already")
    role = JobRole(workspace_id=workspace_id, name=name.strip(), description=description)
    session.add(role)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="directory.job_role.created",
        target=f"job_role:{role.id}",
        after={"name": role.name},
    )
    return role


def update_job_role(
    session: Session, workspace_id: int, job_role_id: int, body: schemas.JobRoleUpdate, *, actor: str
) -> JobRole:
    role = get_job_role(session, workspace_id, job_role_id)
    changes = body.model_dump(exclude_unset=True)
    before = {"name": role.name}
    if "name" in changes:
        if changes["name"] is None:
            raise InvalidInput(errors=[FieldError("name", "cannot be cleared")])
        other = repository.get_job_role_by_name(session, workspace_id, changes["name"])
        if other is not None and other.id != role.id:
            raise JobRoleAlreadyExists(f"a job role named {changes['name']!r} exists already")
        role.name = changes["name"]
    if "description" in changes:
        role.description = changes["description"]
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="directory.job_role.updated",
        target=f"job_role:{role.id}",
        before=before,
        after={"name": role.name},
    )
    return role


def delete_job_role(session: Session, workspace_id: int, job_role_id: int, *, actor: str) -> None:
    """Delete a job role; the people who held it keep their record, without a job role."""
    role = get_job_role(session, workspace_id, job_role_id)
    session.delete(role)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="directory.job_role.deleted",
        target=f"job_role:{job_role_id}",
    )


def list_job_roles(
    session: Session, workspace_id: int, *, search: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[schemas.JobRole], int]:
    roles, total = repository.list_job_roles(session, workspace_id, search=search, limit=limit, offset=offset)
    counts = repository.count_people_by_job_role(session, workspace_id, [role.id for role in roles])
    items = [
        schemas.JobRole(
            id=role.id, name=role.name, description=role.description, people_count=counts.get(role.id, 0)
        )
        for role in roles
    ]
    return items, total


def job_role_output(session: Session, workspace_id: int, job_role_id: int) -> schemas.JobRole:
    role = get_job_role(session, workspace_id, job_role_id)
    count = repository.count_people_by_job_role(session, workspace_id, [role.id]).get(role.id, 0)
    return schemas.JobRole(id=role.id, name=role.name, description=role.description, people_count=count)


def list_all_job_roles(session: Session, workspace_id: int) -> list[JobRole]:
    return repository.list_all_job_roles(session, workspace_id)


# -- who may see whom -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryView:
    """What one caller may see of the directory: everyone in full, or only some teams in full.

    Program leads and admins see everyone in full. Team leads see the people of the teams they lead (and their
    subteams) in full. Everyone sees their own record in full, and a basic directory (names, titles, teams,
    job roles) of everyone else.
    """

    person_id: int | None
    sees_everyone: bool
    team_ids: frozenset[int]

    def sees_in_full(self, person: Person) -> bool:
        return (
            self.sees_everyone
            or (self.person_id is not None and person.id == self.person_id)
            or (person.team_id is not None and person.team_id in self.team_ids)
        )

    def may_filter_by_private_fields(self) -> bool:
        return self.sees_everyone


def directory_view(session: Session, workspace_id: int, viewer: Principal) -> DirectoryView:
    if viewer.has_role(Role.program_lead) or (viewer.api_key_id is not None and Role.admin in viewer.roles):
        return DirectoryView(viewer.person_id, True, frozenset())
    team_ids: set[int] = set()
    if viewer.person_id is not None and Role.team_lead in viewer.roles:
        team_ids = teams_led_by(session, workspace_id, viewer.person_id)
    return DirectoryView(viewer.person_id, False, frozenset(team_ids))


def person_output(person: Person, view: DirectoryView) -> schemas.Person:
    return schemas.Person.of(person, full=view.sees_in_full(person))


# -- added for the identity work (auth): people by id, for the users and roles page -----------------------------


def list_people_by_ids(session: Session, workspace_id: int, person_ids: Sequence[int]) -> list[Person]:
    """The people with these ids (in no particular order); ids not in the workspace are left out."""
    return repository.list_people_by_ids(session, workspace_id, person_ids)


# -- the directory pages: program leads browse everyone, team leads their own teams and subteams -----------------


@dataclass(frozen=True)
class BrowsingScope:
    """The part of the directory a caller of the directory pages may browse.

    ``team_ids`` is None for program leads and admins (everything); for a team lead it holds the teams they lead
    with all their subteams, and only people in those teams (and the lead themselves) can be listed or opened.
    """

    person_id: int | None
    team_ids: frozenset[int] | None

    @property
    def is_everything(self) -> bool:
        return self.team_ids is None

    def includes_team(self, team_id: int | None) -> bool:
        return self.team_ids is None or (team_id is not None and team_id in self.team_ids)

    def includes_person(self, person: Person) -> bool:
        return self.includes_team(person.team_id) or (
            self.person_id is not None and person.id == self.person_id
        )


def browsing_scope(session: Session, workspace_id: int, viewer: Principal) -> BrowsingScope:
    if viewer.has_role(Role.program_lead):
        return BrowsingScope(viewer.person_id, None)
    led = teams_led_by(session, workspace_id, viewer.person_id) if viewer.person_id is not None else set()
    return BrowsingScope(viewer.person_id, frozenset(led))


def browse_people(
    session: Session,
    workspace_id: int,
    scope: BrowsingScope,
    people_filter: PeopleFilter,
    *,
    team_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Person], int]:
    """A page of the people ``scope`` may see; ``team_id`` narrows to that team and its subteams."""
    team_ids: list[int] | None = None
    if team_id is not None:
        team_ids = subtree_team_ids(
            session, workspace_id, browse_team(session, workspace_id, scope, team_id).id
        )
    if scope.team_ids is not None:
        team_ids = sorted(scope.team_ids if team_ids is None else scope.team_ids.intersection(team_ids))
    narrowed = PeopleFilter(
        search=people_filter.search,
        search_private_fields=True,
        team_ids=team_ids,
        job_role_id=people_filter.job_role_id,
        location=people_filter.location,
        employment_status=people_filter.employment_status,
        manager_id=people_filter.manager_id,
    )
    return list_people(session, workspace_id, narrowed, limit=limit, offset=offset)


def browse_person(session: Session, workspace_id: int, scope: BrowsingScope, person_id: int) -> Person:
    """One person with team, job role and manager; outside the scope they do not exist (no hint they do)."""
    person = get_person_with_relations(session, workspace_id, person_id)
    if not scope.includes_person(person):
        raise PersonNotFound(f"person {person_id} does not exist", person_id=person_id)
    return person


def browse_direct_reports(
    session: Session, workspace_id: int, scope: BrowsingScope, person_id: int
) -> list[Person]:
    return [
        person
        for person in list_direct_reports(session, workspace_id, person_id)
        if scope.includes_person(person)
    ]


def browse_team(session: Session, workspace_id: int, scope: BrowsingScope, team_id: int) -> Team:
    team = get_team(session, workspace_id, team_id)
    if not scope.includes_team(team.id):
        raise TeamNotFound(f"team {team_id} does not exist", team_id=team_id)
    return team


def browse_teams(session: Session, workspace_id: int, scope: BrowsingScope) -> list[Team]:
    """The teams ``scope`` may see, by name (for filters)."""
    return [team for team in list_all_teams(session, workspace_id) if scope.includes_team(team.id)]


def browse_team_tree(
    session: Session, workspace_id: int, scope: BrowsingScope, *, root_id: int | None = None
) -> list[TeamNode]:
    """The tree of the teams ``scope`` may see; with ``root_id``, only that team's subtree (itself the root)."""
    only = set(scope.team_ids) if scope.team_ids is not None else None
    if root_id is not None:
        subtree = set(
            subtree_team_ids(session, workspace_id, browse_team(session, workspace_id, scope, root_id).id)
        )
        only = subtree if only is None else only & subtree
    return team_tree(session, workspace_id, only_ids=only)


def browse_job_roles(session: Session, workspace_id: int, scope: BrowsingScope) -> list[schemas.JobRole]:
    """Every job role (their names are no secret) with how many people in ``scope`` hold each."""
    roles = repository.list_all_job_roles(session, workspace_id)
    team_ids = sorted(scope.team_ids) if scope.team_ids is not None else None
    counts = repository.count_people_by_job_role(
        session, workspace_id, [role.id for role in roles], team_ids=team_ids
    )
    return [
        schemas.JobRole(
            id=role.id, name=role.name, description=role.description, people_count=counts.get(role.id, 0)
        )
        for role in roles
    ]


# -- a confirmed upload: imported while the page waits, or by the worker when it is large ------------------------

PEOPLE_IMPORT_JOB = "directory.import_people"
# The job's result keeps this many bad rows (its counts cover all of them); the command lists every one.
JOB_REJECTIONS_KEPT = 1000


def import_confirmed_upload(
    session: Session,
    workspace_id: int,
    data_dir: Path,
    token: str,
    *,
    actor: str,
    job_definitions: Sequence[jobs_service.JobDefinition],
) -> people_import.ImportReport | jobs_service.Job:
    """Import an upload the preview showed: at once when it is small, else queued as a background job (the page
    would otherwise wait, and the upload is kept until the job reads it)."""
    path = people_import.upload_path(data_dir, workspace_id, token)
    if people_import.count_upload_rows(path) > people_import.SYNCHRONOUS_ROW_LIMIT:
        definitions = {definition.name: definition for definition in job_definitions}
        return jobs_service.enqueue_job(
            session,
            definitions,
            PEOPLE_IMPORT_JOB,
            workspace_id=workspace_id,
            payload={"token": token, "actor": actor},
            dedupe_key=f"{PEOPLE_IMPORT_JOB}:{workspace_id}:{token}",
        )
    report = people_import.import_people(
        session, workspace_id, people_import.upload_lines(path), dry_run=False, actor=actor
    )
    path.unlink(missing_ok=True)
    return report


def import_uploaded_people(context: jobs_service.JobContext) -> dict[str, Any]:
    """The background job of a large confirmed upload; its result is the report (bad rows capped)."""
    if context.workspace_id is None:
        raise InvalidInput(errors=[FieldError("workspace_id", "a people import runs in one workspace")])
    path = people_import.upload_path(
        context.settings.data_dir, context.workspace_id, str(context.payload["token"])
    )

    def report_progress(step: str, done: int, total: int) -> None:
        # Progress is written by another connection, which SQLite refuses while this job's transaction holds
        # the write lock: so it is reported while rows are checked, and the (short) writing shows as its end.
        if step == "checking":
            context.progress(done, total, step)

    report = people_import.import_people(
        context.session,
        context.workspace_id,
        people_import.upload_lines(path),
        dry_run=False,
        actor=str(context.payload["actor"]),
        progress=report_progress,
    )
    path.unlink(missing_ok=True)
    result = report.as_dict()
    result["rejections"] = result["rejections"][:JOB_REJECTIONS_KEPT]
    return result


def get_people_import_job(session: Session, workspace_id: int, job_id: int) -> jobs_service.Job:
    job = jobs_service.get_job(session, job_id, workspace_id)
    if job.name != PEOPLE_IMPORT_JOB:
        raise jobs_service.JobNotFound(f"job {job_id} is not a people import", job_id=job_id)
    return job


# Uploads hold personal data: one never confirmed is deleted after this long.
UPLOAD_KEEP_HOURS = 24


def purge_stale_uploads(context: jobs_service.JobContext) -> dict[str, Any]:
    """Delete uploaded people files that were previewed but never imported, once ``UPLOAD_KEEP_HOURS`` old."""
    return {
        "deleted": people_import.delete_uploads_older_than(context.settings.data_dir, hours=UPLOAD_KEEP_HOURS)
    }


def name_team_lead(session: Session, workspace_id: int, team_id: int, email: str, *, actor: str) -> Team:
    """Make the person with this email the team's lead (an empty email leaves the team without one)."""
    lead_id: int | None = None
    if email.strip():
        person = repository.get_person_by_email(session, workspace_id, email.strip().lower())
        if person is None:
            raise InvalidInput(
                errors=[FieldError("email", f"no one in the directory has the email {email.strip()}")]
            )
        lead_id = person.id
    return update_team(session, workspace_id, team_id, schemas.TeamUpdate(lead_id=lead_id), actor=actor)
