"""Each discovered tool's figures: a hand-worked organization through the privacy floor (teams with
complementary suppression, weeks), named users for admins (audited), and people who join the directory after
an import."""

from __future__ import annotations

import io
from datetime import date

import pytest

from discovery.discovery_builders import generic_csv, make_organization
from uptake.audit import service as audit_service
from uptake.db import session_scope
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.discovery import figures, service
from uptake.discovery.figures import publishable_teams


def test_the_hand_worked_figures_hold_through_the_floor(world, organization):
    with session_scope(world.factory, organization.workspace_id) as session:
        overview = figures.overview(session, organization.workspace_id)
    tools = {tool.slug: tool for tool in overview.tools}
    chatgpt = tools["chatgpt"]
    assert (chatgpt.people, chatgpt.requests, chatgpt.bytes) == (14, 28, 14_000)
    assert (chatgpt.first_seen, chatgpt.last_seen) == (date(2026, 12, 1), date(2026, 12, 8))
    # 13 known to the directory, 1 not: that one would be a figure about fewer than 5 people.
    assert chatgpt.linked_people is None
    # Finance 6 and Sales 5 pass the floor, Legal 2 does not; Legal and the contractor (3) could then be worked
    # out as 14 - 6 - 5, so Sales (the smallest shown) is withheld too: 8 people withheld.
    assert [(team.team, team.people) for team in chatgpt.teams] == [("Finance", 6)]
    assert chatgpt.teams_withheld
    assert [(week.week, week.people, week.requests) for week in chatgpt.trend] == [
        (date(2026, 11, 30), 11, 22),
        (date(2026, 12, 7), None, None),
    ]
    claude = tools["claude"]
    assert claude.is_suppressed
    assert (claude.people, claude.requests, claude.first_seen, claude.teams, claude.trend) == (
        None,
        None,
        None,
        [],
        [],
    )
    midjourney = tools["midjourney"]
    assert (midjourney.people, [(team.team, team.people) for team in midjourney.teams]) == (5, [("Sales", 5)])
    assert not midjourney.teams_withheld
    assert [tool.slug for tool in overview.tools] == ["chatgpt", "midjourney", "claude"]
    assert overview.privacy_floor == 5


@pytest.mark.parametrize(
    ("counts", "total", "shown", "withheld"),
    [
        ({"A": 6, "B": 5, "C": 2}, 14, [("A", 6)], True),
        ({"A": 6, "B": 5}, 11, [("A", 6), ("B", 5)], False),
        ({"A": 6, "B": 5}, 16, [("A", 6), ("B", 5)], True),
        ({"A": 9, "B": 1}, 10, [], True),
        ({"A": 3}, 3, [], True),
    ],
)
def test_team_rows_leave_no_group_under_the_floor_to_subtraction(counts, total, shown, withheld):
    assert publishable_teams(counts, total, 5) == (shown, withheld)


def test_named_users_are_shown_with_an_audit_entry(world, organization):
    workspace_id = organization.workspace_id
    with session_scope(world.factory, workspace_id) as session:
        users = figures.named_users(session, workspace_id, "claude", actor="person:1")
        entries = audit_service.list_audit_entries(session, workspace_id, action="discovery.users.viewed")
    assert [user.email for user in users] == [f"finance{n}@example.com" for n in range(1, 5)]
    assert {user.team for user in users} == {"Finance"}
    assert entries[0].target == "discovery_tool:claude"
    assert entries[0].after == {"people_shown": 4, "named": 4}


def test_a_person_added_to_the_directory_after_the_import_is_linked_to_their_sightings(world):
    org = make_organization(world, {"Finance": 5})
    workspace_id = org.workspace_id
    rows = [("2026-12-01 10:00:00", f"finance{n}@example.com", "claude.ai", 1, 1) for n in range(1, 6)]
    rows.append(("2026-12-01 10:00:00", "Late.Comer@example.com", "claude.ai", 1, 1))
    with session_scope(world.factory, workspace_id) as session:
        report = service.import_log(
            session, workspace_id, io.StringIO(generic_csv(rows)), dry_run=False, actor="system"
        )
        before = figures.discovered_tool(session, workspace_id, "claude")
    assert (report.people_linked, report.people_unlinked) == (5, 1)
    assert before.linked_people is None  # 5 known, 1 unknown: that one is under the floor
    with session_scope(world.factory, workspace_id) as session:
        finance = teams_service.get_team_by_name(session, workspace_id, "Finance")
        people_service.create_person(
            session,
            workspace_id,
            email="late.comer@example.com",
            display_name="Late Comer",
            team_id=finance.id,
        )
    with session_scope(world.factory, workspace_id) as session:
        after = figures.discovered_tool(session, workspace_id, "claude")
        users = figures.named_users(session, workspace_id, "claude", actor="person:1")
    assert (after.people, after.linked_people) == (6, 6)
    assert [(team.team, team.people) for team in after.teams] == [("Finance", 6)]
    assert "Late Comer" in [user.name for user in users]
