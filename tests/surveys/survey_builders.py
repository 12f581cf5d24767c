"""A team of people and the one-time survey link each finds in their notifications."""

from __future__ import annotations

from uptake.comms.service import notifications as notifications_service
from uptake.db import session_scope
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service


def team_of(world, workspace_id: int, name: str, size: int) -> tuple[int, list[int]]:
    with session_scope(world.factory, workspace_id) as session:
        team_id = teams_service.create_team(session, workspace_id, name=name).id
        people = [
            people_service.create_person(
                session,
                workspace_id,
                email=f"{name.lower()}{number}@example.com",
                display_name=f"{name} {number}",
                team_id=team_id,
            ).id
            for number in range(size)
        ]
    return team_id, people


def link_of(world, workspace_id: int, person_id: int) -> str:
    with session_scope(world.factory, workspace_id) as session:
        (notification,) = notifications_service.list_inbox(session, workspace_id, person_id)
        return notification.link.rsplit("/", 1)[1]
