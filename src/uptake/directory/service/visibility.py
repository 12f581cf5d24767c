"""Who may see whom in the directory: the API's view (everyone in full, or some teams in full and a basic
directory of the rest) and the pages' browsing scope (program leads browse everyone, team leads their own teams
and subteams).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.directory import repository, schemas
from uptake.directory.models import Person
from uptake.directory.repository import PeopleFilter
from uptake.directory.schemas import PersonSnapshot, TeamSnapshot
from uptake.directory.service.people import (
    PersonNotFound,
    get_person_with_relations,
    list_direct_reports,
    list_people,
)
from uptake.directory.service.teams import (
    TeamNode,
    TeamNotFound,
    get_team,
    list_all_teams,
    subtree_team_ids,
    team_tree,
    teams_led_by,
)


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

    def includes_person(self, person: Person | PersonSnapshot) -> bool:
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


def browse_team(session: Session, workspace_id: int, scope: BrowsingScope, team_id: int) -> TeamSnapshot:
    team = get_team(session, workspace_id, team_id)
    if not scope.includes_team(team.id):
        raise TeamNotFound(f"team {team_id} does not exist", team_id=team_id)
    return team


def browse_teams(session: Session, workspace_id: int, scope: BrowsingScope) -> list[TeamSnapshot]:
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
