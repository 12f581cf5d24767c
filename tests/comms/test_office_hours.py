"""comms/service/office_hours.py: who may hold office hours, who is told, and which are listed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from comms.comms_builders import add_person, employee, program_lead
from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.comms import schemas
from uptake.comms.service import announcements as announcements_service
from uptake.comms.service import notifications as notifications_service
from uptake.comms.service import office_hours as office_hours_service
from uptake.comms.service import webhooks as webhooks_service
from uptake.db import session_scope
from uptake.directory.service import teams as teams_service
from uptake.enablement.schemas import ChampionCreate
from uptake.enablement.service import champions as champions_service

STARTS = datetime(2025, 3, 6, 14, 0, tzinfo=UTC)


def _hours(team_id: int, *, starts_at: datetime = STARTS, topic: str = "Prompting claims letters"):
    return schemas.OfficeHoursCreate(team_id=team_id, starts_at=starts_at, location="Room 4", topic=topic)


def test_a_team_lead_holds_office_hours_and_the_team_with_its_subteams_and_channels_is_told(world) -> None:
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        claims = teams_service.create_team(session, workspace, name="Claims").id
        north = teams_service.create_team(session, workspace, name="Claims North", parent_id=claims).id
        lead = add_person(session, workspace, "Lea", team_id=claims)
        member = add_person(session, workspace, "Max", team_id=north)
        outsider = add_person(session, workspace, "Olga")
        above = webhooks_service.create_webhook(
            session,
            workspace,
            schemas.WebhookCreate(
                name="#claims", kind="slack", url="https://hooks.slack.com/x", team_id=claims
            ),
            actor="admin",
        ).id
        host = Principal(
            workspace_id=workspace,
            roles=frozenset({Role.team_lead}),
            person_id=lead,
            team_ids=frozenset({claims, north}),
        )
        held = office_hours_service.schedule_office_hours(session, workspace, _hours(north), host=host)
        assert (held.host_id, held.team_id, held.starts_at, held.topic) == (
            lead,
            north,
            STARTS,
            "Prompting claims letters",
        )
        announcement = announcements_service.get_announcement(session, workspace, held.announcement_id)
        assert announcement.title == "Office hours: Prompting claims letters"
        assert "Thursday 06 March 2025, 14:00 UTC" in announcement.body_markdown
        assert (announcement.audience_size, announcement.webhook_ids) == (1, [above])
        assert [item.subject for item in notifications_service.list_inbox(session, workspace, member)] == [
            "Office hours: Prompting claims letters"
        ]
        assert notifications_service.list_inbox(session, workspace, outsider) == []


def test_only_champions_team_leads_of_the_team_and_program_leads_hold_office_hours(world) -> None:
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        claims = teams_service.create_team(session, workspace, name="Claims").id
        someone = add_person(session, workspace, "Sam", team_id=claims)
        champion = add_person(session, workspace, "Cleo", team_id=claims)
        with pytest.raises(office_hours_service.NotAHost):
            office_hours_service.schedule_office_hours(
                session, workspace, _hours(claims), host=employee(workspace, someone)
            )
        with pytest.raises(office_hours_service.NotAHost):
            office_hours_service.schedule_office_hours(
                session, workspace, _hours(claims), host=program_lead(workspace)
            )
        champions_service.nominate_champion(
            session,
            workspace,
            ChampionCreate(person_id=champion, team_id=claims),
            nominated_by=program_lead(workspace),
        )
        held = office_hours_service.schedule_office_hours(
            session, workspace, _hours(claims), host=employee(workspace, champion)
        )
        assert held.host_id == champion


def test_a_team_lists_its_own_and_its_parents_upcoming_office_hours(world) -> None:
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        claims = teams_service.create_team(session, workspace, name="Claims").id
        north = teams_service.create_team(session, workspace, name="Claims North", parent_id=claims).id
        sales = teams_service.create_team(session, workspace, name="Sales").id
        lead = program_lead(workspace, add_person(session, workspace, "Pia"))
        for team, topic in ((claims, "For all of claims"), (north, "For the north"), (sales, "For sales")):
            office_hours_service.schedule_office_hours(
                session, workspace, _hours(team, topic=topic), host=lead
            )
        office_hours_service.schedule_office_hours(
            session,
            workspace,
            _hours(north, starts_at=STARTS - timedelta(days=2), topic="Long gone"),
            host=lead,
        )
        listed = office_hours_service.list_office_hours(
            session, workspace, team_id=north, now=STARTS - timedelta(days=1)
        )
        assert sorted(item.topic for item in listed) == ["For all of claims", "For the north"]
        started = office_hours_service.list_office_hours(
            session, workspace, now=STARTS + timedelta(minutes=30)
        )
        assert len(started) == 3  # under way for less than an hour: still listed
        assert (
            office_hours_service.list_office_hours(session, workspace, now=STARTS + timedelta(hours=2)) == []
        )
