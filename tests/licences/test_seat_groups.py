"""Seats that follow a directory (SCIM) group: its members hold the tool's seats, synced as the group changes."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from licences.licences_builders import Ledger, make_ledger
from support import as_caller
from uptake.access.roles import Role
from uptake.db import session_scope
from uptake.directory import schemas as directory_schemas
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.errors import InvalidInput
from uptake.jobs.service import JobContext
from uptake.licences import schemas, seat_groups, seats, service

DAY = date(2025, 3, 3)


@pytest.fixture
def ledger(world) -> Ledger:
    """Ada and Bob in Engineering, Cy in its subteam Platform, Dee in Finance; Eve in none."""
    ledger = make_ledger(world)
    with session_scope(world.factory, ledger.workspace_id) as session:
        engineering = teams_service.create_team(session, ledger.workspace_id, name="Engineering").id
        platform = teams_service.create_team(
            session, ledger.workspace_id, name="Platform", parent_id=engineering
        ).id
        finance = teams_service.create_team(session, ledger.workspace_id, name="Finance").id
        for name, team in (("ada", engineering), ("bob", engineering), ("cy", platform), ("dee", finance)):
            people_service.update_person(
                session,
                ledger.workspace_id,
                ledger.people[name],
                directory_schemas.PersonUpdate(team_id=team),
                actor="test",
            )
    ledger.people["engineering"], ledger.people["platform"] = engineering, platform
    return ledger


def holders(world, ledger: Ledger) -> set[tuple[int | None, str, date | None]]:
    with session_scope(world.factory, ledger.workspace_id) as session:
        return {
            (seat.person_id, seat.source.value, seat.released_on)
            for seat in seats.list_seats(session, ledger.workspace_id, tool="copilot").items
        }


def test_a_groups_members_hold_seats_and_follow_its_changes(world, ledger):
    people = ledger.people
    with session_scope(world.factory, ledger.workspace_id) as session:
        group = seat_groups.set_seat_group(
            session,
            ledger.workspace_id,
            "copilot",
            schemas.SeatGroupSet(team_id=people["engineering"]),
            actor="test",
            today=DAY,
        )
    assert (group.team_name, group.members, group.synced_on) == ("Engineering", 3, DAY)
    assert holders(world, ledger) == {(people[name], "scim_group", None) for name in ("ada", "bob", "cy")}
    # Bob leaves; Dee joins Engineering: the next sync releases Bob's seat and gives Dee one.
    with session_scope(world.factory, ledger.workspace_id) as session:
        people_service.mark_person_left(session, ledger.workspace_id, people["bob"], actor="test")
        people_service.update_person(
            session,
            ledger.workspace_id,
            people["dee"],
            directory_schemas.PersonUpdate(team_id=people["engineering"]),
            actor="test",
        )
        [report] = seat_groups.sync_seat_groups(session, ledger.workspace_id, today=date(2025, 3, 4))
    assert (report.assigned, report.released, report.unchanged) == (1, 1, 2)
    assert holders(world, ledger) == {
        (people["ada"], "scim_group", None),
        (people["bob"], "scim_group", date(2025, 3, 4)),
        (people["cy"], "scim_group", None),
        (people["dee"], "scim_group", None),
    }
    # Without its subteams, Platform's Cy goes; a second run the same day changes nothing.
    with session_scope(world.factory, ledger.workspace_id) as session:
        seat_groups.set_seat_group(
            session,
            ledger.workspace_id,
            "copilot",
            schemas.SeatGroupSet(team_id=people["engineering"], include_subteams=False),
            actor="test",
            today=date(2025, 3, 5),
        )
        [again] = seat_groups.sync_seat_groups(session, ledger.workspace_id, today=date(2025, 3, 5))
    assert (again.assigned, again.released, again.updated) == (0, 0, 0)
    assert (people["cy"], "scim_group", date(2025, 3, 5)) in holders(world, ledger)
    with session_scope(world.factory, ledger.workspace_id) as session:
        with pytest.raises(InvalidInput) as unknown:
            seat_groups.set_seat_group(
                session, ledger.workspace_id, "copilot", schemas.SeatGroupSet(team_id=999_999), actor="test"
            )
        assert unknown.value.errors[0].field == "team_id"
        seat_groups.remove_seat_group(session, ledger.workspace_id, "copilot", actor="test")
        assert seat_groups.list_seat_groups(session, ledger.workspace_id) == []
        with pytest.raises(seat_groups.SeatGroupNotFound):
            seat_groups.remove_seat_group(session, ledger.workspace_id, "copilot", actor="test")


def test_the_api_and_the_scheduled_sync(world, ledger, client: TestClient, app, settings):
    as_caller(client, world.caller(ledger.workspace_id, Role.program_lead))
    set_ = client.put("/api/v1/licences/seat-groups/copilot", json={"team_id": ledger.people["engineering"]})
    assert (set_.status_code, set_.json()["members"]) == (200, 3)
    assert [group["tool"] for group in client.get("/api/v1/licences/seat-groups").json()] == ["copilot"]
    with session_scope(world.factory, ledger.workspace_id) as session:
        people_service.mark_person_left(session, ledger.workspace_id, ledger.people["ada"], actor="test")
    with world.session() as session:
        context = JobContext(
            job_id=1,
            name=service.SEAT_GROUPS_JOB,
            workspace_id=None,
            payload={},
            session=session,
            settings=settings,
            report_progress=lambda done, total, note: None,
        )
        result = service.sync_seat_groups_job(context)
    assert result == {"workspaces": 1, "seats_changed": {str(ledger.workspace_id): 1}}
    page = client.get("/licences/tools/copilot")
    assert "The members of <strong>Engineering</strong> and its subteams hold a seat (2 people" in page.text
    removed = client.post("/licences/tools/copilot/seat-group", data={"remove": "1"})
    assert "Seats no longer follow the group." in removed.text
    assert client.delete("/api/v1/licences/seat-groups/copilot").status_code == 404
