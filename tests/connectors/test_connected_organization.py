"""With only a GitHub connector configured (no usage or seat upload, no rollout plan), a workspace whose people
come from its HR system shows its Copilot seats, the idle ones and their cost, the tool's adoption against its
seat holders, and daily usage; a second sync the same day adds nothing. GitHub's SAML identities tell which
login is which developer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from catalog.catalog_builders import CARD, board_member, no_risk_answers, verdict
from connectors.connectors_builders import TOKEN, FakeGitHub, seat, user_day
from support import as_caller, job_context
from uptake.access.roles import Role
from uptake.connectors import service
from uptake.db import session_scope

NOW = datetime(2025, 7, 10, 5, 0, tzinfo=UTC)
DAYS = [NOW.date() - timedelta(days=n) for n in range(7, 0, -1)]  # the week before today
HOLDERS = [f"dev{n}-gh" for n in range(10)]
ACTIVE = HOLDERS[:6]
PEOPLE = "\n".join(
    ["employee_id,email,name,team,job_role"]
    + [f"D{n},dev{n}@acme.example,Dev {n},Engineering,Developer" for n in range(10)]
    + [f"F{n},fin{n}@acme.example,Fin {n},Finance,Analyst" for n in range(5)]
)


def release_use_case(client, world, workspace_id, lead, team_id: int) -> None:
    """`github-copilot` for the Engineering team, through governance to live."""
    body = {
        "slug": "github-copilot",
        "title": "Write and review code with Copilot",
        "summary": "Code completion and chat in the editor for the developers who hold a seat.",
        "workflow": "Engineering",
        "workflow_step": "Coding",
        "owner_id": lead.person_id,
        "raci": [{"responsibility": "accountable", "person_id": lead.person_id}],
        "tool_slugs": ["github-copilot"],
        "target_team_ids": [team_id],
        "allowed_data_classes": ["internal"],
        "human_oversight": "human_approves_every_output",
    }
    assert client.post("/api/v1/use-cases", json=body).status_code == 201
    slug = body["slug"]
    card = client.post(f"/api/v1/use-cases/{slug}/use-card/versions", json={**CARD, "changelog": "v1"})
    assert card.status_code == 201
    answers = client.put(f"/api/v1/use-cases/{slug}/risk-assessment", json={"answers": no_risk_answers()})
    assert answers.status_code == 200
    submitted = client.post(f"/api/v1/use-cases/{slug}/submission")
    assert submitted.status_code == 201, submitted.text
    review = submitted.json()
    for area in review["required_areas"]:
        assert verdict(client, board_member(world, workspace_id, area), review["id"]).status_code == 201
    as_caller(client, lead)
    live = client.post(f"/api/v1/use-cases/{slug}/transitions", json={"to": "generally_available"})
    assert live.status_code == 200, live.text


def run_sync_job(world, workspace_id, connector_id):
    with session_scope(world.factory) as session:
        context = job_context(world, session, service.SYNC_JOB, workspace_id)
        context.payload = {"connector_id": connector_id, "trigger": "test"}
        return service.sync_connector_job(context)


@time_machine.travel(NOW, tick=False)
def test_a_connector_alone_gives_seats_idle_cost_adoption_and_daily_usage(client, world, httpserver):
    github = FakeGitHub(httpserver)
    github.saml = [(login, f"dev{n}@acme.example") for n, login in enumerate(HOLDERS)]
    github.seat_pages = [[seat(login) for login in HOLDERS[:4]], [seat(login) for login in HOLDERS[4:]]]
    for day in DAYS:
        github.add_day(day, [user_day(login, day) for login in ACTIVE])
    workspace_id = world.workspace(timezone="UTC")
    admin = world.caller(workspace_id, Role.admin)
    lead = world.caller(workspace_id, Role.program_lead)
    as_caller(client, lead)
    csv = {"content-type": "text/csv"}
    assert client.post("/api/v1/people/import", content=PEOPLE, headers=csv).json()["created"] == 15
    teams = {team["name"]: team["id"] for team in client.get("/api/v1/teams").json()["items"]}
    tool = {"slug": "github-copilot", "name": "GitHub Copilot", "vendor": "GitHub"}
    assert client.post("/api/v1/tools", json=tool).status_code == 201
    contract = {
        "tool": "github-copilot",
        "seats_purchased": 20,
        "price_per_seat": 19,
        "currency": "USD",
        "starts_on": "2025-01-01",
        "renews_on": "2026-01-01",
    }
    assert client.post("/api/v1/licences/contracts", json=contract).status_code == 201
    release_use_case(client, world, workspace_id, lead, teams["Engineering"])

    as_caller(client, admin)
    connector = client.post(
        "/api/v1/connectors",
        json={
            "name": "github",
            "kind": "github_copilot",
            "organization": github.organization,
            "secret": TOKEN,
            "base_url": github.base_url,
            "backfill_days": 7,
        },
    ).json()
    assert client.post(f"/api/v1/connectors/{connector['id']}/sync").status_code == 202
    first = run_sync_job(world, workspace_id, connector["id"])
    second = run_sync_job(world, workspace_id, connector["id"])

    assert first["status"] == "succeeded"
    assert first["stored"] == {
        "accounts linked": 10,
        "seats assigned": 10,
        "seats released": 0,
        "seats updated": 0,
        "events": 7 * 6 * 5,
    }
    assert second["stored"] == {"seats assigned": 0, "seats released": 0, "seats updated": 0}

    as_caller(client, lead)
    week = {"from": DAYS[0].isoformat(), "to": DAYS[-1].isoformat()}
    answer = client.get("/api/v1/metrics/seat_utilization", params={**week, "by": "tool"})
    assert answer.status_code == 200, answer.text
    [seats] = answer.json()["rows"]
    assert {
        key: seats[key]
        for key in ("purchased", "assigned", "active_30_days", "idle_30_days", "never_activated")
    } == {
        "purchased": 20,
        "assigned": 10,
        "active_30_days": 6,
        "idle_30_days": 4,
        "never_activated": 4,
    }
    assert seats["idle_monthly_cost"] == 4 * 19.0
    adoption = client.get("/api/v1/metrics/adoption_rate", params={**week, "by": "use_case"}).json()["rows"]
    assert [(row["use_case"], row["eligible"], row["active"], row["value"]) for row in adoption] == [
        ("github-copilot", 10, 6, 0.6)
    ]
    answer = client.get("/api/v1/metrics/dau", params={**week, "by": "tool"})
    assert answer.status_code == 200, answer.text
    daily = answer.json()["rows"]
    assert [(row["day"], row["value"]) for row in daily] == [(day.isoformat(), 6) for day in DAYS]
    overview = client.get("/licences")
    assert "GitHub Copilot" in overview.text
    tool_page = client.get("/licences/tools/github-copilot").text  # one view of the tool: seats, cost, usage
    assert "4 idle 30 days (76.00 USD a month)" in tool_page
    assert '<tr data-use-case="github-copilot"><td>github-copilot</td>' in tool_page
    assert "60 %" in tool_page
    for day in DAYS:
        assert f'<tr data-day="{day}"><td>{day}</td><td class="num">6</td></tr>' in tool_page
