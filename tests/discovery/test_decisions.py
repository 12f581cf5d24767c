"""Deciding about a discovered tool: blocking tells its users through the outbox, dismissing moves it down;
each is audited. (The candidate's way to governance is in test_pages.py and tests/governance.)"""

from __future__ import annotations

from uptake.audit import service as audit_service
from uptake.comms.service import notifications as notifications_service
from uptake.db import session_scope
from uptake.discovery import decisions, figures, schemas


def test_blocking_tells_the_linked_users_through_the_outbox_and_is_audited(world, organization):
    workspace_id = organization.workspace_id
    with session_scope(world.factory, workspace_id) as session:
        decision = decisions.block_tool(
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
        tool = figures.discovered_tool(session, workspace_id, "claude")
    assert (decision.status.value, decision.people_told) == ("blocked", 4)
    assert inbox[0].subject == "Claude is not approved for work"
    assert "Prompts leave the EU." in inbox[0].body_markdown
    assert untouched == []
    assert entries[0].after["people_told"] == 4
    assert tool.status == "blocked"


def test_dismissing_is_recorded_and_audited(world, organization):
    workspace_id = organization.workspace_id
    with session_scope(world.factory, workspace_id) as session:
        decisions.dismiss_tool(
            session,
            workspace_id,
            "midjourney",
            schemas.ToolDecisionCreate(note="design team trial"),
            actor="person:1",
        )
        overview = figures.overview(session, workspace_id)
        entries = audit_service.list_audit_entries(session, workspace_id, action="discovery.tool.dismissed")
    assert {tool.slug: tool.status for tool in overview.tools}["midjourney"] == "dismissed"
    assert overview.tools[-1].slug == "midjourney"
    assert entries[0].after["note"] == "design team trial"
