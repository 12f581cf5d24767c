"""Building tools, use cases, cards, answers and a reviewer board for the catalog and governance tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from support import Caller, World, as_caller
from uptake.access.roles import Role
from uptake.auth import service as auth_service
from uptake.db import session_scope
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import teams as teams_service
from uptake.governance import service as governance_service
from uptake.governance.questionnaire import shipped_questionnaire

CARD = {
    "trust_output": "It drafts polite, accurate replies for common questions. It invents order numbers "
    "sometimes, so check every number against the ticket before sending.",
    "role_impact": "Agents still own every reply; the assistant removes typing, not judgement, and the time "
    "saved goes to hard tickets.",
    "when_to_use": "Use it for first replies to tier-1 tickets in English or German. Do not use it for "
    "complaints, legal threats or anything about a person's health.",
    "when_wrong": "Discard the draft and write the reply yourself, then press the feedback button so the "
    "owner sees the failure; report anything harmful as an incident.",
    "accountability": "The head of support owns this use case and answers questions about it.",
    "approvals": "Refunds, credits and exceptions are always approved by a person, whatever the draft says.",
    "good_examples": "Ticket: where is my parcel? Draft: a reply with the tracking link from the ticket.",
    "bad_examples": "Prompt: promise a refund. Never ask it to commit money or make promises.",
}


def no_risk_answers() -> dict[str, Any]:
    """Every question of the shipped questionnaire answered so that no rule applies (minimal tier)."""
    return {q.id: ([] if q.type == "any_of" else False) for q in shipped_questionnaire().questions}


@dataclass
class Directory:
    job_role_id: int
    team_id: int
    owner_id: int


def make_directory(world: World, workspace_id: int) -> Directory:
    with session_scope(world.factory, workspace_id) as session:
        role = job_roles_service.create_job_role(session, workspace_id, name="Support agent")
        team = teams_service.create_team(session, workspace_id, name="Customer support")
        role_id, team_id = role.id, team.id
    owner_id = world.person(workspace_id, name="Olivia Owner", email=f"owner-{workspace_id}@example.com")
    return Directory(role_id, team_id, owner_id)


def create_tool(client: TestClient, slug: str = "support-assistant", **fields: Any) -> dict[str, Any]:
    body = {
        "slug": slug,
        "name": fields.pop("name", "Support assistant"),
        "vendor": "Acme AI",
        "models": ["acme-large"],
        "cost_per_seat_month": 30,
        "seats_purchased": 120,
        **fields,
    }
    response = client.post("/api/v1/tools", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def create_use_case(
    client: TestClient,
    slug: str,
    directory: Directory,
    *,
    tool_slug: str = "support-assistant",
    **fields: Any,
) -> dict[str, Any]:
    body = {
        "slug": slug,
        "title": fields.pop("title", f"Draft first replies ({slug})"),
        "summary": "Draft first replies to tier-1 support tickets so agents answer faster and more consistently.",
        "workflow": "Tier-1 customer support",
        "workflow_step": "First reply to a new ticket",
        "owner_id": directory.owner_id,
        "owning_team_id": directory.team_id,
        "raci": [{"responsibility": "accountable", "person_id": directory.owner_id}],
        "target_job_role_ids": [directory.job_role_id],
        "target_team_ids": [directory.team_id],
        "tool_slugs": [tool_slug],
        "allowed_data_classes": ["internal"],
        "human_oversight": "human_approves_every_output",
        "estimated_minutes_saved_per_accepted_output": 4,
        **fields,
    }
    response = client.post("/api/v1/use-cases", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def write_card(
    client: TestClient, slug: str, changelog: str = "First version", **sections: str
) -> dict[str, Any]:
    response = client.post(
        f"/api/v1/use-cases/{slug}/use-card/versions", json={**CARD, **sections, "changelog": changelog}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def answer(client: TestClient, slug: str, **answers: Any) -> dict[str, Any]:
    response = client.put(
        f"/api/v1/use-cases/{slug}/risk-assessment", json={"answers": {**no_risk_answers(), **answers}}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def ready_use_case(client: TestClient, slug: str, directory: Directory, **answers: Any) -> dict[str, Any]:
    """A complete, risk-assessed use case in draft (the tool ``support-assistant`` must exist)."""
    create_use_case(client, slug, directory)
    write_card(client, slug)
    return answer(client, slug, **answers)


def board_member(world: World, workspace_id: int, *areas: str, role: Role = Role.reviewer) -> Caller:
    """A logged-in reviewer assigned to ``areas`` on the reviewer board."""
    caller = world.caller(workspace_id, role)
    with session_scope(world.factory, workspace_id) as session:
        for area in areas:
            governance_service.assign_reviewer(session, workspace_id, caller.person_id, area, actor="system")
    return caller


def lead_on_board(world: World, workspace_id: int, *areas: str) -> Caller:
    """A logged-in program lead who also holds the reviewer role and sits on the board for ``areas``."""
    caller = world.caller(workspace_id, Role.program_lead)
    with session_scope(world.factory, workspace_id) as session:
        auth_service.grant_role(session, workspace_id, caller.person_id, Role.reviewer, actor="system")
        for area in areas:
            governance_service.assign_reviewer(session, workspace_id, caller.person_id, area, actor="system")
    return caller


def verdict(
    client: TestClient, caller: Caller, review_id: int, verdict: str = "approve", **fields: Any
) -> Any:
    as_caller(client, caller)
    return client.post(f"/api/v1/reviews/{review_id}/verdicts", json={"verdict": verdict, **fields})
