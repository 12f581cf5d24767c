"""Teams: a tree (each team keeps its path of ids), with a lead and members.

Other domains ask ``subtree_team_ids`` and ``team_ancestors`` (a team's figures include its subteams) and
``teams_led_by`` (what a team lead may see). They get teams as ``schemas.TeamSnapshot`` (plain values); the
directory's own pages, API and SCIM work on the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.directory import repository, schemas
from uptake.directory.models import Team
from uptake.directory.schemas import TeamSnapshot
from uptake.directory.service.people import get_person
from uptake.errors import Conflict, FieldError, InvalidInput, NotFound


class TeamNotFound(NotFound):
    title = "There is no such team in this workspace."


class TeamAlreadyExists(Conflict):
    title = "A team with this name or external id already exists."


class TeamNotEmpty(Conflict):
    title = "This team still has subteams or members."


def count_teams(session: Session, workspace_id: int) -> int:
    return repository.count_teams(session, workspace_id)


def _team_row(session: Session, workspace_id: int, team_id: int) -> Team:
    team = repository.get_team(session, workspace_id, team_id)
    if team is None:
        raise TeamNotFound(f"team {team_id} does not exist", team_id=team_id)
    return team


def get_team(session: Session, workspace_id: int, team_id: int) -> TeamSnapshot:
    return TeamSnapshot.of(_team_row(session, workspace_id, team_id))


def get_team_by_name(session: Session, workspace_id: int, name: str) -> TeamSnapshot | None:
    team = repository.get_team_by_name(session, workspace_id, name)
    return TeamSnapshot.of(team) if team is not None else None


def path_ids(team: Team | TeamSnapshot) -> list[int]:
    """The ids on a team's path, top-level first, the team itself last."""
    return [int(part) for part in team.path.strip("/").split("/") if part]


def subtree_team_ids(session: Session, workspace_id: int, team_id: int) -> list[int]:
    """The team and every team below it (a team's figures include its subteams)."""
    team = get_team(session, workspace_id, team_id)
    return repository.subtree_team_ids(session, workspace_id, team.path)


def team_ancestors(session: Session, workspace_id: int, team_id: int) -> list[TeamSnapshot]:
    """The teams above this one, top-level first (empty for a top-level team)."""
    team = get_team(session, workspace_id, team_id)
    ancestor_ids = path_ids(team)[:-1]
    by_id = {
        ancestor.id: ancestor
        for ancestor in repository.list_teams_by_ids(session, workspace_id, ancestor_ids)
    }
    return [TeamSnapshot.of(by_id[ancestor_id]) for ancestor_id in ancestor_ids if ancestor_id in by_id]


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
) -> TeamSnapshot:
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
    return TeamSnapshot.of(team)


def add_team(session: Session, workspace_id: int, body: schemas.TeamCreate, *, actor: str) -> schemas.Team:
    created = create_team(session, workspace_id, **body.model_dump(), actor=actor)
    return team_output(_team_row(session, workspace_id, created.id), 0)


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
    team = _team_row(session, workspace_id, team_id)
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
        team = _team_row(session, workspace_id, team_id)
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
    team = _team_row(session, workspace_id, team_id)
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
    team = _team_row(session, workspace_id, team_id)
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


def list_all_teams(session: Session, workspace_id: int) -> list[TeamSnapshot]:
    """Every team of the workspace, by name."""
    return [TeamSnapshot.of(team) for team in repository.list_all_teams(session, workspace_id)]


def count_members_by_team(
    session: Session, workspace_id: int, team_ids: Sequence[int] | None = None
) -> dict[int, int]:
    """People directly in each team (not counting subteams)."""
    return repository.count_members_by_team(session, workspace_id, team_ids)


def get_team_output(session: Session, workspace_id: int, team_id: int) -> schemas.Team:
    """The team as the API answers it, with its head count."""
    team = _team_row(session, workspace_id, team_id)
    return team_output(team, count_members_by_team(session, workspace_id, [team.id]).get(team.id, 0))


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
