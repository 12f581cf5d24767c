"""Seats that follow a directory group: the members of a team (an identity provider's SCIM group is a team,
`directory/scim.py`), with its subteams when asked, hold the tool's seats.

`sync_seat_groups` replaces each such tool's seats of source `scim_group` by the group's members who have not
left, as of a day, through the ledger's sync (so it is idempotent and never touches another source's seats). It
runs when a group is set, every 15 minutes (job `licences.sync_seat_groups`, which picks up the changes SCIM
provisioning made), and on demand.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.errors import FieldError, InvalidInput, NotFound
from uptake.licences import repository, schemas, seats
from uptake.licences.models import SeatGroup, SeatSource
from uptake.licences.tools import get_tool, today_in, tools_by_id

LEFT = "left"


class SeatGroupNotFound(NotFound):
    title = "This tool's seats follow no group."


def _members(session: Session, workspace_id: int, group: SeatGroup) -> list[int]:
    teams = set(
        teams_service.subtree_team_ids(session, workspace_id, group.team_id)
        if group.include_subteams
        else [group.team_id]
    )
    return sorted(
        person.id
        for person in people_service.person_snapshots(session, workspace_id)
        if person.team_id in teams and str(person.employment_status) != LEFT
    )


def _output(session: Session, workspace_id: int, group: SeatGroup, tool_slug: str) -> schemas.SeatGroup:
    return schemas.SeatGroup(
        tool=tool_slug,
        team_id=group.team_id,
        team_name=teams_service.get_team(session, workspace_id, group.team_id).name,
        include_subteams=group.include_subteams,
        synced_on=group.synced_on,
        members=len(_members(session, workspace_id, group)),
    )


def list_seat_groups(session: Session, workspace_id: int) -> list[schemas.SeatGroup]:
    tools = tools_by_id(session, workspace_id)
    return [
        _output(session, workspace_id, group, tools[group.tool_id].slug)
        for group in repository.list_seat_groups(session, workspace_id)
    ]


def set_seat_group(
    session: Session,
    workspace_id: int,
    tool: str,
    body: schemas.SeatGroupSet,
    *,
    actor: str,
    today: date | None = None,
) -> schemas.SeatGroup:
    """Make the tool's seats follow a group's members, and sync them at once."""
    info = get_tool(session, workspace_id, tool)
    if body.team_id not in {team.id for team in teams_service.list_all_teams(session, workspace_id)}:
        raise InvalidInput(errors=[FieldError("team_id", f"team {body.team_id} does not exist")])
    group = repository.get_seat_group(session, workspace_id, info.id)
    if group is None:
        group = SeatGroup(workspace_id=workspace_id, tool_id=info.id, team_id=body.team_id)
        session.add(group)
    group.team_id = body.team_id
    group.include_subteams = body.include_subteams
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="licences.seat_group.set",
        target=f"tool:{info.id}",
        after=body.model_dump(),
    )
    _sync(session, workspace_id, group, info.slug, today or today_in(session, workspace_id), actor=actor)
    return _output(session, workspace_id, group, info.slug)


def remove_seat_group(session: Session, workspace_id: int, tool: str, *, actor: str) -> None:
    """Stop following the group; the seats it gave stay until released (by hand, or by another source)."""
    info = get_tool(session, workspace_id, tool)
    group = repository.get_seat_group(session, workspace_id, info.id)
    if group is None:
        raise SeatGroupNotFound(f"{info.slug}'s seats follow no group", tool=info.slug)
    session.delete(group)
    session.flush()
    audit_service.record_audit_entry(
        session, workspace_id, actor=actor, action="licences.seat_group.removed", target=f"tool:{info.id}"
    )


def _sync(
    session: Session, workspace_id: int, group: SeatGroup, tool: str, day: date, *, actor: str
) -> schemas.SeatSyncReport:
    holders = [
        schemas.SeatHolder(person_id=person_id) for person_id in _members(session, workspace_id, group)
    ]
    report = seats.sync_seats(
        session,
        workspace_id,
        tool=tool,
        source=SeatSource.scim_group,
        as_of=day,
        holders=holders,
        actor=actor,
    )
    group.synced_on = day
    session.flush()
    return report


def sync_seat_groups(
    session: Session, workspace_id: int, *, today: date | None = None, actor: str = "system"
) -> list[schemas.SeatSyncReport]:
    """Every group-following tool's seats made equal to its group's members today."""
    day = today or today_in(session, workspace_id)
    tools = tools_by_id(session, workspace_id)
    return [
        _sync(session, workspace_id, group, tools[group.tool_id].slug, day, actor=actor)
        for group in repository.list_seat_groups(session, workspace_id)
    ]
