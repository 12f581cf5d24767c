"""Discovery's figures and decisions: a hand-worked organization through the privacy floor, pseudonyms linked to
the directory by email, the same file twice, named users (audited), dismissing and blocking (told through the
outbox), and the workspace's own domains."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from discovery.discovery_builders import generic_csv, make_organization
from uptake.audit import service as audit_service
from uptake.comms.service import notifications as notifications_service
from uptake.db import session_scope
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.discovery import schemas, service
from uptake.discovery.models import Sighting
from uptake.discovery.service import publishable_teams
from uptake.telemetry import service as telemetry_service


def hand_worked_log() -> str:
    """k = 5. ChatGPT: Finance's 6 and Sales' 5 in the week of 30 November, Legal's 2 and one contractor the
    directory does not know in the week of 7 December (14 people, 2 requests and 1,000 bytes each). Claude: 4
    people of Finance. Midjourney: Sales' 5. One row to a site that is no AI service."""
    rows = []
    rows += [("2026-12-01 10:00:00", f"finance{n}@example.com", "chatgpt.com", 2, 1000) for n in range(1, 7)]
    rows += [
        ("2026-12-02 10:00:00", f"SALES{n}@Example.com", "chat.openai.com", 2, 1000) for n in range(1, 6)
    ]
    rows += [("2026-12-08 10:00:00", f"legal{n}@example.com", "chatgpt.com", 2, 1000) for n in range(1, 3)]
    rows += [("2026-12-08 11:00:00", "contractor@partner.test", "https://chatgpt.com/c/1", 2, 1000)]
    rows += [("2026-12-03 10:00:00", f"finance{n}@example.com", "claude.ai", 1, 10) for n in range(1, 5)]
    rows += [
        ("2026-12-04 10:00:00", f"sales{n}@example.com", "www.midjourney.com", 1, 10) for n in range(1, 6)
    ]
    rows += [("2026-12-04 10:00:00", "finance1@example.com", "intranet.example.com", 1, 10)]
    return generic_csv(rows)


@pytest.fixture
def organization(world):
    org = make_organization(world, {"Finance": 6, "Sales": 5, "Legal": 2})
    with session_scope(world.factory, org.workspace_id) as session:
        report = service.import_log(
            session,
            org.workspace_id,
            io.StringIO(hand_worked_log()),
            dry_run=False,
            actor="system",
            file_name="a.csv",
        )
    assert (report.rows_read, report.rows_matched, report.rows_other, report.rejected) == (24, 23, 1, 0)
    assert report.tools == ["chatgpt", "claude", "midjourney"]
    assert (report.people_linked, report.people_unlinked) == (13, 1)
    return org


def test_the_hand_worked_figures_hold_through_the_floor(world, organization):
    with session_scope(world.factory, organization.workspace_id) as session:
        overview = service.overview(session, organization.workspace_id)
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


def test_people_are_pseudonymized_as_telemetry_does_and_linked_by_email(world, organization):
    workspace_id = organization.workspace_id
    with session_scope(world.factory, workspace_id) as session:
        sightings = list(session.scalars(select(Sighting).where(Sighting.tool_slug == "chatgpt")))
        pseudonyms = telemetry_service.person_pseudonyms(session, workspace_id, ["sales-1"])
        contractor = telemetry_service.person_pseudonyms(session, workspace_id, ["contractor@partner.test"])
    by_key = {sighting.person_key: sighting for sighting in sightings}
    # SALES1@Example.com is the directory's sales-1: the same pseudonym as their events.
    assert by_key[pseudonyms[0]].person_id == organization.people["sales1@example.com"]
    assert by_key[contractor[0]].person_id is None
    assert all(len(sighting.person_key) == 32 and "@" not in sighting.person_key for sighting in sightings)


def test_the_same_file_twice_and_a_dry_run_store_nothing(world, organization):
    workspace_id = organization.workspace_id
    with session_scope(world.factory, workspace_id) as session:
        again = service.import_log(
            session, workspace_id, io.StringIO(hand_worked_log()), dry_run=False, actor="system"
        )
        dry = service.import_log(
            session,
            workspace_id,
            io.StringIO(generic_csv([("2026-12-09 10:00:00", "ada@example.com", "perplexity.ai", 1, 1)])),
            dry_run=True,
            actor="system",
        )
        stored = len(list(session.scalars(select(Sighting))))
    assert again.already_imported_at is not None
    assert again.sightings == 0
    assert (dry.dry_run, dry.sightings, dry.tools) == (True, 1, ["perplexity"])
    assert stored == 14 + 4 + 5


def test_named_users_are_shown_with_an_audit_entry(world, organization):
    workspace_id = organization.workspace_id
    with session_scope(world.factory, workspace_id) as session:
        users = service.named_users(session, workspace_id, "claude", actor="person:1")
        entries = audit_service.list_audit_entries(session, workspace_id, action="discovery.users.viewed")
    assert [user.email for user in users] == [f"finance{n}@example.com" for n in range(1, 5)]
    assert {user.team for user in users} == {"Finance"}
    assert entries[0].target == "discovery_tool:claude"
    assert entries[0].after == {"people_shown": 4, "named": 4}


def test_blocking_tells_the_linked_users_through_the_outbox_and_is_audited(world, organization):
    workspace_id = organization.workspace_id
    with session_scope(world.factory, workspace_id) as session:
        decision = service.block_tool(
            session,
            workspace_id,
            "claude",
            schemas.ToolDecisionCreate(note="Prompts leave the EU."),
            actor="person:1",
        )
        inbox = notifications_service.list_inbox(
            session, workspace_id, organization.people["finance2@example.com"]
        )
        untouched = notifications_service.list_inbox(
            session, workspace_id, organization.people["finance5@example.com"]
        )
        entries = audit_service.list_audit_entries(session, workspace_id, action="discovery.tool.blocked")
        tool = service.discovered_tool(session, workspace_id, "claude")
    assert (decision.status.value, decision.people_told) == ("blocked", 4)
    assert inbox[0].subject == "Claude is not approved for work"
    assert "Prompts leave the EU." in inbox[0].body_markdown
    assert untouched == []
    assert entries[0].after["people_told"] == 4
    assert tool.status == "blocked"


def test_dismissing_is_recorded_and_audited(world, organization):
    workspace_id = organization.workspace_id
    with session_scope(world.factory, workspace_id) as session:
        service.dismiss_tool(
            session,
            workspace_id,
            "midjourney",
            schemas.ToolDecisionCreate(note="design team trial"),
            actor="person:1",
        )
        overview = service.overview(session, workspace_id)
        entries = audit_service.list_audit_entries(session, workspace_id, action="discovery.tool.dismissed")
    assert {tool.slug: tool.status for tool in overview.tools}["midjourney"] == "dismissed"
    assert overview.tools[-1].slug == "midjourney"
    assert entries[0].after["note"] == "design team trial"


def test_a_workspace_domain_extends_the_shipped_map(world):
    org = make_organization(world, {"Finance": 5})
    workspace_id = org.workspace_id
    with session_scope(world.factory, workspace_id) as session:
        service.add_service_domain(
            session,
            workspace_id,
            schemas.ServiceDomainCreate(
                domain="https://Assistant.Acme.ai/", tool_slug="acme-assistant", tool_name="Acme Assistant"
            ),
            actor="person:1",
        )
        report = service.import_log(
            session,
            workspace_id,
            io.StringIO(
                generic_csv(
                    [
                        ("2026-12-01 10:00:00", f"finance{n}@example.com", "eu.assistant.acme.ai", 1, 1)
                        for n in range(1, 6)
                    ]
                )
            ),
            dry_run=False,
            actor="system",
        )
        tool = service.discovered_tool(session, workspace_id, "acme-assistant")
        domains = service.list_service_domains(session, workspace_id)
    assert report.tools == ["acme-assistant"]
    assert (tool.name, tool.people) == ("Acme Assistant", 5)
    assert domains[0].domain == "assistant.acme.ai"
    assert domains[0].source == "workspace"
    assert any(domain.source == "shipped" and domain.domain == "claude.ai" for domain in domains)


def test_a_person_added_to_the_directory_after_the_import_is_linked_to_their_sightings(world):
    org = make_organization(world, {"Finance": 5})
    workspace_id = org.workspace_id
    rows = [("2026-12-01 10:00:00", f"finance{n}@example.com", "claude.ai", 1, 1) for n in range(1, 6)]
    rows.append(("2026-12-01 10:00:00", "Late.Comer@example.com", "claude.ai", 1, 1))
    with session_scope(world.factory, workspace_id) as session:
        report = service.import_log(
            session, workspace_id, io.StringIO(generic_csv(rows)), dry_run=False, actor="system"
        )
        before = service.discovered_tool(session, workspace_id, "claude")
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
        after = service.discovered_tool(session, workspace_id, "claude")
        users = service.named_users(session, workspace_id, "claude", actor="person:1")
    assert (after.people, after.linked_people) == (6, 6)
    assert [(team.team, team.people) for team in after.teams] == [("Finance", 6)]
    assert "Late Comer" in [user.name for user in users]
