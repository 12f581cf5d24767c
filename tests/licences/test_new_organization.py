"""A new organization put in through the API alone, some of it dated in the past: people, a vendor tool bought
by the seat, its contract and seats, two use cases through governance, and last month's usage. From the
ledger alone (no rollout plan), the figures show the seats, the idle ones and their cost, and the tool's
adoption against its seat holders, each use case counting only the holders it targets."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import time_machine
from fastapi.testclient import TestClient

from catalog.catalog_builders import CARD, board_member, no_risk_answers, verdict
from support import as_caller
from uptake.access.roles import Role, Scope

PEOPLE = "\n".join(
    ["employee_id,email,name,team,job_role"]
    + [f"D{n},dev{n}@acme.example,Dev {n},Engineering,Developer" for n in range(6)]
    + [f"F{n},fin{n}@acme.example,Fin {n},Finance,Analyst" for n in range(5)]
)
SEATS = "\n".join(
    ["tool,person,account,assigned_on,released_on"]
    + [f"copilot,dev{n}@acme.example,dev{n}-gh,2024-12-02," for n in range(6)]
    + [f"copilot,fin{n}@acme.example,,2024-12-02," for n in range(4)]
    + ["copilot,fin4@acme.example,,2024-12-02,2025-01-15"]
)


def release_use_case(client: TestClient, world, workspace: int, lead, slug: str, team_id: int) -> None:
    """Through governance by the API: card, risk answers, submission, two reviewers' approvals, live."""
    body = {
        "slug": slug,
        "title": slug.replace("-", " ").title(),
        "summary": "A concrete task in a concrete workflow, done with the coding assistant.",
        "workflow": "Engineering",
        "workflow_step": "Review",
        "owner_id": lead.person_id,
        "raci": [{"responsibility": "accountable", "person_id": lead.person_id}],
        "target_team_ids": [team_id],
        "tool_slugs": ["copilot"],
        "allowed_data_classes": ["internal"],
        "human_oversight": "human_approves_every_output",
    }
    as_caller(client, lead)
    assert client.post("/api/v1/use-cases", json=body).status_code == 201
    assert (
        client.post(
            f"/api/v1/use-cases/{slug}/use-card/versions", json={**CARD, "changelog": "v1"}
        ).status_code
        == 201
    )
    assert (
        client.put(
            f"/api/v1/use-cases/{slug}/risk-assessment", json={"answers": no_risk_answers()}
        ).status_code
        == 200
    )
    review = client.post(f"/api/v1/use-cases/{slug}/submission").json()
    for area in review["required_areas"]:
        assert verdict(client, board_member(world, workspace, area), review["id"]).status_code == 201
    as_caller(client, lead)
    live = client.post(f"/api/v1/use-cases/{slug}/transitions", json={"to": "generally_available"})
    assert live.status_code == 200, live.text


@time_machine.travel(datetime(2025, 2, 10, 12, tzinfo=UTC), tick=False)
def test_a_new_organization_gets_seat_figures_and_adoption_from_the_ledger_alone(client: TestClient, world):
    workspace = world.workspace(slug="acme", timezone="Europe/Berlin")
    lead = world.caller(workspace, Role.program_lead)
    as_caller(client, lead)
    csv = {"content-type": "text/csv"}
    assert client.post("/api/v1/people/import", content=PEOPLE, headers=csv).json()["created"] == 11
    teams = {team["name"]: team["id"] for team in client.get("/api/v1/teams").json()["items"]}
    assert (
        client.post(
            "/api/v1/tools", json={"slug": "copilot", "name": "GitHub Copilot", "vendor": "GitHub"}
        ).status_code
        == 201
    )
    contract = {
        "tool": "copilot",
        "seats_purchased": 20,
        "price_per_seat": 19,
        "currency": "USD",
        "starts_on": "2024-06-01",
        "renews_on": "2025-06-01",
        "notice_days": 30,
    }
    assert client.post("/api/v1/licences/contracts", json=contract).status_code == 201
    assert client.post("/api/v1/licences/seats/import", content=SEATS, headers=csv).json()["created"] == 11
    release_use_case(client, world, workspace, lead, "code-review", teams["Engineering"])
    release_use_case(client, world, workspace, lead, "variance-notes", teams["Finance"])

    # Last month's usage, sent through the events API: four developers review code with Copilot in January.
    key = world.api_key(workspace, Scope.events_write)
    events = [
        {
            "event_id": str(uuid.uuid4()),
            "time": f"2025-01-{day:02d}T10:00:00+00:00",
            "person": f"dev{n}@acme.example",
            "use_case": "code-review",
            "tool": "copilot",
            "kind": "accepted",
        }
        for n in range(4)
        for day in (13, 20, 27)
    ]
    sent = client.post(
        "/api/v1/events",
        content=json.dumps(events),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert sent.json()["accepted"] == 12, sent.text
    as_caller(client, lead)

    january = {"from": "2025-01-01", "to": "2025-01-31"}
    adoption = client.get("/api/v1/metrics/adoption_rate", params={**january, "by": "use_case"}).json()[
        "rows"
    ]
    assert [(row["use_case"], row["eligible"], row["active"], row["value"]) for row in adoption] == [
        ("code-review", 6, 4, 4 / 6),  # the six developers hold seats; the use case targets Engineering
        ("variance-notes", None, None, None),  # four Finance holders at the end of January: under the floor
    ]
    funnel = client.get("/api/v1/metrics/funnel", params={**january, "by": "use_case"}).json()["rows"]
    assert [
        (row["eligible"], row["tried"], row["repeat"]) for row in funnel if row["use_case"] == "code-review"
    ] == [(6, 4, 4)]
    seats = client.get("/api/v1/metrics/seat_utilization", params={**january, "by": "tool"}).json()["rows"]
    [copilot] = seats
    assert {
        key: copilot[key]
        for key in (
            "purchased",
            "assigned",
            "unassigned",
            "active_30_days",
            "idle_30_days",
            "never_activated",
        )
    } == {
        "purchased": 20,
        "assigned": 10,
        "unassigned": 10,
        "active_30_days": 4,
        "idle_30_days": 6,
        "never_activated": 6,
    }
    assert copilot["idle_monthly_cost"] == 6 * 19.0
    assert copilot["cost_per_active_user"] == 20 * 19.0 / 4
    assert copilot["days_to_renewal"] == (datetime(2025, 6, 1) - datetime(2025, 1, 31)).days
    assert copilot["median_days_to_first_use"] == 42.0  # 2024-12-02 to 2025-01-13
    overview = client.get("/licences")
    assert "GitHub Copilot" in overview.text
