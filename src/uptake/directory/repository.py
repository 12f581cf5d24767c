"""Every query of the directory, always scoped to one workspace.

One module for people, teams and job roles (under 500 lines): their queries join one another (people by team
subtree, head counts per team and per job role), and the people import and SCIM read all three.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session, selectinload

from uptake.db import across_workspaces
from uptake.directory.models import EmploymentStatus, JobRole, Person, Team, VendorAccount
from uptake.directory.schemas import PersonSnapshot

BATCH_SIZE = 2000
# The people table itself, for the bulk statements that skip the ORM's per-row bookkeeping.
PERSON_TABLE: Table = Person.__table__  # type: ignore[assignment]
TEAM_TABLE: Table = Team.__table__  # type: ignore[assignment]


def like_pattern(text: str, *, anchored_start: bool = False, anchored_end: bool = False) -> str:
    """A LIKE pattern matching ``text`` literally (``%``, ``_`` and ``\\`` escaped with ``\\``), lower-cased."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return ("" if anchored_start else "%") + escaped + ("" if anchored_end else "%")


def contains_text(column: Any, text: str) -> ColumnElement[bool]:
    return func.lower(column).like(like_pattern(text), escape="\\")


# -- people -----------------------------------------------------------------------------------------------------


def get_person(session: Session, workspace_id: int, person_id: int) -> Person | None:
    return session.scalar(select(Person).where(Person.workspace_id == workspace_id, Person.id == person_id))


def get_person_with_relations(session: Session, workspace_id: int, person_id: int) -> Person | None:
    query = (
        select(Person)
        .where(Person.workspace_id == workspace_id, Person.id == person_id)
        .options(selectinload(Person.team), selectinload(Person.job_role), selectinload(Person.manager))
    )
    return session.scalar(query)


def get_person_by_email(session: Session, workspace_id: int, email: str) -> Person | None:
    query = select(Person).where(Person.workspace_id == workspace_id, Person.email == email.strip().lower())
    return session.scalar(query)


def get_person_by_external_id(session: Session, workspace_id: int, external_id: str) -> Person | None:
    query = select(Person).where(Person.workspace_id == workspace_id, Person.external_id == external_id)
    return session.scalar(query)


def get_person_by_user_name(session: Session, workspace_id: int, user_name: str) -> Person | None:
    query = select(Person).where(
        Person.workspace_id == workspace_id, func.lower(Person.user_name) == user_name.lower()
    )
    return session.scalar(query)


def find_people_by_email_in_any_workspace(session: Session, email: str) -> list[Person]:
    """Login by email before the workspace is known: the one place that looks across workspaces."""
    with across_workspaces(session):
        return list(session.scalars(select(Person).where(Person.email == email.strip().lower())))


def count_people(session: Session, workspace_id: int) -> int:
    query = select(func.count()).select_from(Person).where(Person.workspace_id == workspace_id)
    return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class PeopleFilter:
    """What a people list is narrowed to; every field optional."""

    search: str | None = None
    # Whether the search also looks at emails and external ids (only for callers who may see them).
    search_private_fields: bool = True
    team_ids: Sequence[int] | None = None
    job_role_id: int | None = None
    location: str | None = None
    employment_status: EmploymentStatus | None = None
    manager_id: int | None = None


def _people_query(workspace_id: int, people_filter: PeopleFilter) -> Select[Person]:
    query = select(Person).where(Person.workspace_id == workspace_id)
    if people_filter.search:
        fields = [Person.display_name, Person.job_title]
        if people_filter.search_private_fields:
            fields += [Person.email, Person.external_id]
        query = query.where(or_(*(contains_text(field, people_filter.search) for field in fields)))
    if people_filter.team_ids is not None:
        query = query.where(Person.team_id.in_(list(people_filter.team_ids)))
    if people_filter.job_role_id is not None:
        query = query.where(Person.job_role_id == people_filter.job_role_id)
    if people_filter.location:
        query = query.where(func.lower(Person.location) == people_filter.location.strip().lower())
    if people_filter.employment_status is not None:
        query = query.where(Person.employment_status == people_filter.employment_status)
    if people_filter.manager_id is not None:
        query = query.where(Person.manager_id == people_filter.manager_id)
    return query


def list_people(
    session: Session,
    workspace_id: int,
    people_filter: PeopleFilter | None = None,
    *,
    limit: int = 100,
    offset: int = 0,
) -> list[Person]:
    """People ordered by name (never by anything that would rank them), with team and job role loaded."""
    query = (
        _people_query(workspace_id, people_filter or PeopleFilter())
        .options(selectinload(Person.team), selectinload(Person.job_role))
        .order_by(Person.display_name, Person.id)
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query))


def count_people_matching(session: Session, workspace_id: int, people_filter: PeopleFilter) -> int:
    query = _people_query(workspace_id, people_filter).with_only_columns(func.count(Person.id))
    return int(session.scalar(query) or 0)


def list_locations(session: Session, workspace_id: int) -> list[str]:
    query = (
        select(Person.location)
        .where(Person.workspace_id == workspace_id, Person.location.is_not(None))
        .distinct()
        .order_by(Person.location)
    )
    return [location for location in session.scalars(query) if location]


def list_people_by_ids(session: Session, workspace_id: int, person_ids: Iterable[int]) -> list[Person]:
    ids = list(set(person_ids))
    if not ids:
        return []
    query = select(Person).where(Person.workspace_id == workspace_id, Person.id.in_(ids))
    return list(session.scalars(query))


def list_people_in_teams(session: Session, workspace_id: int, team_ids: Sequence[int]) -> list[Person]:
    if not team_ids:
        return []
    query = (
        select(Person)
        .where(Person.workspace_id == workspace_id, Person.team_id.in_(list(team_ids)))
        .order_by(Person.display_name, Person.id)
    )
    return list(session.scalars(query))


def list_scim_people(
    session: Session, workspace_id: int, condition: ColumnElement[bool], *, offset: int, limit: int
) -> tuple[list[Person], int]:
    """People that are SCIM resources (not deleted by the provider) matching ``condition``, by id."""
    query = select(Person).where(
        Person.workspace_id == workspace_id, Person.scim_deleted_at.is_(None), condition
    )
    total = int(session.scalar(query.with_only_columns(func.count(Person.id))) or 0)
    people = list(session.scalars(query.order_by(Person.id).offset(offset).limit(limit))) if limit else []
    return people, total


def manager_links(session: Session, workspace_id: int) -> dict[int, int | None]:
    """Every person's manager id, for cycle checks over the whole workspace."""
    query = select(Person.id, Person.manager_id).where(Person.workspace_id == workspace_id)
    return {int(person_id): manager_id for person_id, manager_id in session.execute(query)}


def person_snapshots(session: Session, workspace_id: int) -> list[PersonSnapshot]:
    query = select(
        Person.id,
        Person.workspace_id,
        Person.external_id,
        Person.email,
        Person.display_name,
        Person.user_name,
        Person.job_title,
        Person.job_role_id,
        Person.team_id,
        Person.manager_id,
        Person.location,
        Person.employment_status,
        Person.start_date,
    ).where(Person.workspace_id == workspace_id)
    return [PersonSnapshot(**row._asdict()) for row in session.execute(query)]


def insert_people(session: Session, workspace_id: int, rows: list[dict[str, Any]]) -> list[int]:
    """Insert many people (each row holds ``external_id``), one executemany per batch; returns their ids in the
    order given.

    Plain Core inserts without RETURNING, then one indexed lookup of the batch's ids by external id: an ORM insert
    with ordered RETURNING falls back to one statement per row on SQLite, several times slower, and an unordered
    RETURNING makes multi-row VALUES statements that psycopg spends longer parsing (they are too long for its
    cache) than PostgreSQL spends on the pipelined executemany used here.
    """
    table = PERSON_TABLE
    ids: list[int] = []
    for start in range(0, len(rows), BATCH_SIZE):
        batch = rows[start : start + BATCH_SIZE]
        for group in _grouped_by_columns([{**row, "workspace_id": workspace_id} for row in batch]):
            session.execute(insert(table), group)
        external_ids = [row["external_id"] for row in batch]
        query = select(Person.external_id, Person.id).where(
            Person.workspace_id == workspace_id, Person.external_id.in_(external_ids)
        )
        found = {external_id: person_id for external_id, person_id in session.execute(query)}
        ids.extend(int(found[external_id]) for external_id in external_ids)
    return ids


def update_people(session: Session, workspace_id: int, rows: list[dict[str, Any]]) -> None:
    """Update many people by id (each row holds ``id`` and the changed columns), one executemany per batch."""
    table = PERSON_TABLE
    statement = update(table).where(
        table.c.workspace_id == workspace_id, table.c.id == bindparam("person_id")
    )
    for group in _grouped_by_columns([row for row in rows if len(row) > 1]):
        for start in range(0, len(group), BATCH_SIZE):
            batch = [
                {"person_id": row["id"], **{key: value for key, value in row.items() if key != "id"}}
                for row in group[start : start + BATCH_SIZE]
            ]
            session.execute(statement, batch)


def _grouped_by_columns(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Rows split by the set of columns they hold: one executemany takes rows of the same shape only."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return list(groups.values())


def delete_person(session: Session, person: Person) -> None:
    session.delete(person)
    session.flush()


# -- teams ------------------------------------------------------------------------------------------------------


def get_team(session: Session, workspace_id: int, team_id: int) -> Team | None:
    return session.scalar(select(Team).where(Team.workspace_id == workspace_id, Team.id == team_id))


def get_team_by_name(session: Session, workspace_id: int, name: str) -> Team | None:
    query = select(Team).where(
        Team.workspace_id == workspace_id, func.lower(Team.name) == name.strip().lower()
    )
    return session.scalar(query)


def get_team_by_external_id(session: Session, workspace_id: int, external_id: str) -> Team | None:
    query = select(Team).where(Team.workspace_id == workspace_id, Team.external_id == external_id)
    return session.scalar(query)


def list_all_teams(session: Session, workspace_id: int) -> list[Team]:
    query = select(Team).where(Team.workspace_id == workspace_id).order_by(Team.name, Team.id)
    return list(session.scalars(query))


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
    query = select(Team).where(Team.workspace_id == workspace_id)
    if search:
        query = query.where(contains_text(Team.name, search))
    if parent_id is not None:
        query = query.where(Team.parent_id == parent_id)
    elif top_level_only:
        query = query.where(Team.parent_id.is_(None))
    total = int(session.scalar(query.with_only_columns(func.count(Team.id))) or 0)
    teams = list(session.scalars(query.order_by(Team.name, Team.id).limit(limit).offset(offset)))
    return teams, total


def list_teams_matching(
    session: Session, workspace_id: int, condition: ColumnElement[bool], *, offset: int, limit: int
) -> tuple[list[Team], int]:
    query = select(Team).where(Team.workspace_id == workspace_id, condition)
    total = int(session.scalar(query.with_only_columns(func.count(Team.id))) or 0)
    teams = list(session.scalars(query.order_by(Team.id).offset(offset).limit(limit))) if limit else []
    return teams, total


def list_teams_by_ids(session: Session, workspace_id: int, team_ids: Iterable[int]) -> list[Team]:
    ids = list(set(team_ids))
    if not ids:
        return []
    return list(session.scalars(select(Team).where(Team.workspace_id == workspace_id, Team.id.in_(ids))))


def insert_teams(session: Session, workspace_id: int, rows: list[dict[str, Any]]) -> list[int]:
    """Insert teams (each row: ``name`` and ``parent_id``; ``path`` set after) in one statement; returns their
    ids in the order given, found again by name (unique in a workspace)."""
    if not rows:
        return []
    session.execute(insert(TEAM_TABLE), [{**row, "workspace_id": workspace_id, "path": ""} for row in rows])
    names = [row["name"] for row in rows]
    query = select(Team.name, Team.id).where(Team.workspace_id == workspace_id, Team.name.in_(names))
    found = {name: team_id for name, team_id in session.execute(query)}
    return [int(found[name]) for name in names]


def set_team_paths(session: Session, workspace_id: int, paths: dict[int, str]) -> None:
    statement = update(TEAM_TABLE).where(
        TEAM_TABLE.c.workspace_id == workspace_id, TEAM_TABLE.c.id == bindparam("team_id")
    )
    rows = [{"team_id": team_id, "path": path} for team_id, path in paths.items()]
    for start in range(0, len(rows), BATCH_SIZE):
        session.execute(statement, rows[start : start + BATCH_SIZE])


def list_subteams(session: Session, workspace_id: int, team_id: int) -> list[Team]:
    query = (
        select(Team).where(Team.workspace_id == workspace_id, Team.parent_id == team_id).order_by(Team.name)
    )
    return list(session.scalars(query))


def subtree_team_ids(session: Session, workspace_id: int, path: str) -> list[int]:
    query = select(Team.id).where(
        Team.workspace_id == workspace_id,
        Team.path.like(like_pattern(path, anchored_start=True), escape="\\"),
    )
    return [int(team_id) for team_id in session.scalars(query)]


def subtree_team_ids_for_paths(session: Session, workspace_id: int, paths: Sequence[str]) -> set[int]:
    if not paths:
        return set()
    conditions = [Team.path.like(like_pattern(path, anchored_start=True), escape="\\") for path in paths]
    query = select(Team.id).where(Team.workspace_id == workspace_id, or_(*conditions))
    return {int(team_id) for team_id in session.scalars(query)}


def list_teams_led_by(session: Session, workspace_id: int, person_id: int) -> list[Team]:
    return list(
        session.scalars(select(Team).where(Team.workspace_id == workspace_id, Team.lead_id == person_id))
    )


def count_teams(session: Session, workspace_id: int) -> int:
    query = select(func.count()).select_from(Team).where(Team.workspace_id == workspace_id)
    return int(session.scalar(query) or 0)


def count_members_by_team(
    session: Session, workspace_id: int, team_ids: Sequence[int] | None = None
) -> dict[int, int]:
    """People directly in each team (not its subteams)."""
    query = (
        select(Person.team_id, func.count(Person.id))
        .where(Person.workspace_id == workspace_id, Person.team_id.is_not(None))
        .group_by(Person.team_id)
    )
    if team_ids is not None:
        if not team_ids:
            return {}
        query = query.where(Person.team_id.in_(list(team_ids)))
    return {int(team_id): int(count) for team_id, count in session.execute(query) if team_id is not None}


def count_subteams(session: Session, workspace_id: int, team_id: int) -> int:
    query = select(func.count(Team.id)).where(Team.workspace_id == workspace_id, Team.parent_id == team_id)
    return int(session.scalar(query) or 0)


def move_subtree_paths(session: Session, workspace_id: int, old_prefix: str, new_prefix: str) -> None:
    """Rewrite the path of a team and all its subteams after a move: ``old_prefix…`` becomes ``new_prefix…``."""
    session.execute(
        update(Team)
        .where(
            Team.workspace_id == workspace_id,
            Team.path.like(like_pattern(old_prefix, anchored_start=True), escape="\\"),
        )
        .values(path=new_prefix + func.substr(Team.path, len(old_prefix) + 1))
        .execution_options(synchronize_session=False)
    )


def clear_team_of_people(
    session: Session, workspace_id: int, team_id: int, except_ids: Sequence[int]
) -> None:
    query = update(Person).where(Person.workspace_id == workspace_id, Person.team_id == team_id)
    if except_ids:
        query = query.where(Person.id.not_in(list(except_ids)))
    session.execute(query.values(team_id=None).execution_options(synchronize_session="fetch"))


# -- job roles --------------------------------------------------------------------------------------------------


def get_job_role(session: Session, workspace_id: int, job_role_id: int) -> JobRole | None:
    return session.scalar(
        select(JobRole).where(JobRole.workspace_id == workspace_id, JobRole.id == job_role_id)
    )


def get_job_role_by_name(session: Session, workspace_id: int, name: str) -> JobRole | None:
    query = select(JobRole).where(
        JobRole.workspace_id == workspace_id, func.lower(JobRole.name) == name.strip().lower()
    )
    return session.scalar(query)


def list_job_roles(
    session: Session, workspace_id: int, *, search: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[JobRole], int]:
    query = select(JobRole).where(JobRole.workspace_id == workspace_id)
    if search:
        query = query.where(contains_text(JobRole.name, search))
    total = int(session.scalar(query.with_only_columns(func.count(JobRole.id))) or 0)
    roles = list(session.scalars(query.order_by(JobRole.name, JobRole.id).limit(limit).offset(offset)))
    return roles, total


def list_all_job_roles(session: Session, workspace_id: int) -> list[JobRole]:
    return list(
        session.scalars(select(JobRole).where(JobRole.workspace_id == workspace_id).order_by(JobRole.name))
    )


def count_people_by_job_role(
    session: Session,
    workspace_id: int,
    job_role_ids: Sequence[int],
    *,
    team_ids: Sequence[int] | None = None,
) -> dict[int, int]:
    """How many people hold each job role; with ``team_ids``, counting only people in those teams."""
    if not job_role_ids or (team_ids is not None and not team_ids):
        return {}
    query = (
        select(Person.job_role_id, func.count(Person.id))
        .where(Person.workspace_id == workspace_id, Person.job_role_id.in_(list(job_role_ids)))
        .group_by(Person.job_role_id)
    )
    if team_ids is not None:
        query = query.where(Person.team_id.in_(list(team_ids)))
    return {int(role_id): int(count) for role_id, count in session.execute(query) if role_id is not None}


# -- vendor accounts ---------------------------------------------------------------------------------------------


def get_vendor_account(
    session: Session, workspace_id: int, vendor: str, account: str
) -> VendorAccount | None:
    return session.scalar(
        select(VendorAccount).where(
            VendorAccount.workspace_id == workspace_id,
            VendorAccount.vendor == vendor,
            VendorAccount.account == account,
        )
    )


def list_vendor_accounts(session: Session, workspace_id: int, vendor: str) -> list[VendorAccount]:
    query = select(VendorAccount).where(
        VendorAccount.workspace_id == workspace_id, VendorAccount.vendor == vendor
    )
    return list(session.scalars(query.order_by(VendorAccount.account)))


def insert_vendor_accounts(session: Session, workspace_id: int, rows: list[dict[str, Any]]) -> None:
    """Insert many links (vendor, account, person_id, source), one bulk statement per batch."""
    for start in range(0, len(rows), BATCH_SIZE):
        batch = [{**row, "workspace_id": workspace_id} for row in rows[start : start + BATCH_SIZE]]
        session.execute(insert(VendorAccount), batch)
