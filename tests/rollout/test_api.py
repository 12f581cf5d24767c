"""The rollout API: plans and waves, entitlements with their reasons, the rollout state with ETags."""

from __future__ import annotations

from fastapi.testclient import TestClient

from rollout.rollout_builders import USE_CASE, live_use_case
from support import as_caller
from uptake.access.roles import Role, Scope
from uptake.audit import service as audit_service
from uptake.db import session_scope
from uptake.directory.service import teams as teams_service
from uptake_sdk.local_evaluation import Evaluator


def plan_body(organization, **fields):
    return {
        "use_case": USE_CASE,
        "waves": [
            {
                "name": "pilot",
                "team_ids": [organization.support],
                "planned_on": "2026-12-01",
                "gates": [{"metric": "adoption_rate", "comparison": ">=", "threshold": 40}],
            },
            {"name": "sales", "team_ids": [organization.sales], "requires_training": True},
            {"name": "everyone", "percentage": 25},
        ],
        **fields,
    }


def test_a_program_lead_plans_starts_and_reads_a_rollout(world, client: TestClient, organization):
    workspace = organization.workspace_id
    live_use_case(world, workspace)
    as_caller(client, world.caller(workspace, Role.program_lead))
    created = client.post("/api/v1/rollout-plans", json=plan_body(organization))
    assert created.status_code == 201, created.text
    plan = created.json()
    assert [(wave["name"], wave["state"]) for wave in plan["waves"]] == [
        ("pilot", "planned"),
        ("sales", "planned"),
        ("everyone", "planned"),
    ]
    assert plan["waves"][0]["gates"][0]["metric"] == "adoption_rate"
    assert plan["needs_approver"] is False
    again = client.post("/api/v1/rollout-plans", json=plan_body(organization))
    assert again.status_code == 409
    started = client.post(f"/api/v1/rollout-plans/{USE_CASE}/start")
    assert [wave["state"] for wave in started.json()["waves"]] == ["active", "planned", "planned"]
    assert client.post(f"/api/v1/rollout-plans/{USE_CASE}/start").status_code == 409
    changed = client.patch(f"/api/v1/rollout-plans/{USE_CASE}/waves/sales", json={"percentage": 50})
    assert changed.json()["waves"][1]["percentage"] == 50
    refused = client.patch(f"/api/v1/rollout-plans/{USE_CASE}/waves/pilot", json={"percentage": 50})
    assert refused.status_code == 409
    assert [plan["use_case"] for plan in client.get("/api/v1/rollout-plans").json()] == [USE_CASE]


def test_bad_plans_name_the_field_and_the_reason(world, client: TestClient, organization):
    workspace = organization.workspace_id
    live_use_case(world, workspace)
    as_caller(client, world.caller(workspace, Role.program_lead))
    body = plan_body(organization)
    body["waves"][1]["team_ids"] = [organization.sales, 999_999]
    body["waves"][2]["name"] = "pilot"
    response = client.post("/api/v1/rollout-plans", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"field": "waves[2].name", "reason": "'pilot' names an earlier wave too"}
    ]
    body["waves"][2]["name"] = "everyone"
    response = client.post("/api/v1/rollout-plans", json=body)
    assert response.json()["errors"] == [
        {"field": "waves[1].team_ids[1]", "reason": "team 999999 does not exist"}
    ]
    body["waves"][1]["team_ids"] = [organization.sales]
    body["waves"][0]["gates"][0]["metric"] = "happiness"
    response = client.post("/api/v1/rollout-plans", json=body)
    assert response.json()["errors"][0]["field"] == "waves[0].gates[0].metric"
    body["waves"][0]["gates"][0]["metric"] = "adoption_rate"
    body["waves"][2]["percentage"] = 120
    response = client.post("/api/v1/rollout-plans", json=body)
    assert response.json()["errors"][0]["field"] == "waves[2].percentage"


def test_entitlements_name_the_wave_or_the_rule_behind_each_answer(world, client: TestClient, organization):
    workspace = organization.workspace_id
    live_use_case(world, workspace)
    live_use_case(world, workspace, "summarize-calls")
    lead = world.caller(workspace, Role.program_lead)
    as_caller(client, lead)
    client.post("/api/v1/rollout-plans", json=plan_body(organization))
    client.post(f"/api/v1/rollout-plans/{USE_CASE}/start")
    key = world.api_key(workspace, Scope.entitlements_read)
    client.cookies.clear()
    client.headers["Authorization"] = f"Bearer {key}"
    agent = organization.emails[organization.agents[0]]
    listed = client.get("/api/v1/entitlements", params={"person": agent})
    assert listed.status_code == 200
    by_use_case = {item["use_case"]: item for item in listed.json()["entitlements"]}
    assert by_use_case[USE_CASE] == {
        "use_case": USE_CASE,
        "entitled": True,
        "reason": "TARGETING_MATCH",
        "wave": "pilot",
        "missing": [],
    }
    assert by_use_case["summarize-calls"]["reason"] == "DEFAULT"
    checked = client.post(
        "/api/v1/entitlements/check",
        json={"person": organization.emails[organization.analysts[0]], "use_case": USE_CASE},
    )
    assert (checked.json()["entitled"], checked.json()["reason"]) == (False, "DEFAULT")
    unknown = client.post("/api/v1/entitlements/check", json={"person": agent, "use_case": "no-such"})
    assert unknown.json()["reason"] == "UNKNOWN_USE_CASE"


def test_an_employee_asks_about_themself_and_a_team_lead_about_their_teams(
    world, client: TestClient, organization
):
    workspace = organization.workspace_id
    live_use_case(world, workspace)
    employee = world.caller(workspace, Role.employee)
    as_caller(client, employee)
    assert client.get("/api/v1/entitlements", params={"person": employee.email}).status_code == 200
    other = client.get("/api/v1/entitlements", params={"person": organization.emails[organization.agents[0]]})
    assert other.status_code == 403
    team_lead = world.caller(workspace, Role.team_lead)
    with session_scope(world.factory, workspace) as session:
        teams_service.set_team_lead(session, workspace, organization.support, team_lead.person_id)
    as_caller(client, world.caller(workspace, Role.team_lead))
    assert (
        client.get(
            "/api/v1/entitlements", params={"person": organization.emails[organization.agents[0]]}
        ).status_code
        == 403
    )
    as_caller(client, team_lead)
    # Agents are in Tier 1, under Support, which this team lead leads; analysts are in Sales.
    assert (
        client.get(
            "/api/v1/entitlements", params={"person": organization.emails[organization.agents[0]]}
        ).status_code
        == 200
    )
    assert (
        client.get(
            "/api/v1/entitlements", params={"person": organization.emails[organization.analysts[0]]}
        ).status_code
        == 403
    )


def test_the_rollout_state_has_an_etag_and_answers_304_until_it_changes(
    world, client: TestClient, organization
):
    workspace = organization.workspace_id
    live_use_case(world, workspace)
    as_caller(client, world.caller(workspace, Role.program_lead))
    client.post("/api/v1/rollout-plans", json=plan_body(organization))
    key = world.api_key(workspace, Scope.entitlements_read)
    headers = {"Authorization": f"Bearer {key}"}
    client.cookies.clear()
    first = client.get("/api/v1/rollout-state", headers=headers)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert (
        Evaluator(first.json()).check(organization.emails[organization.agents[0]], USE_CASE).reason
        == "DEFAULT"
    )
    unchanged = client.get("/api/v1/rollout-state", headers={**headers, "If-None-Match": etag})
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    as_caller(client, world.caller(workspace, Role.program_lead))
    client.post(f"/api/v1/rollout-plans/{USE_CASE}/start")
    client.cookies.clear()
    changed = client.get("/api/v1/rollout-state", headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert (
        Evaluator(changed.json()).check(organization.emails[organization.agents[0]], USE_CASE).wave == "pilot"
    )


def test_an_employee_acknowledges_the_current_use_card(world, client: TestClient, organization):
    workspace = organization.workspace_id
    live_use_case(world, workspace)
    employee = world.caller(workspace, Role.employee)
    as_caller(client, employee)
    refused = client.post(f"/api/v1/use-cases/{USE_CASE}/use-card-acknowledgement")
    assert refused.status_code == 409
    from uptake.catalog import service as catalog_service
    from uptake.db import session_scope

    with session_scope(world.factory, workspace) as session:
        catalog_service.get_use_case_by_slug(session, workspace, USE_CASE).use_card_version = 3
    acknowledged = client.post(f"/api/v1/use-cases/{USE_CASE}/use-card-acknowledgement")
    assert acknowledged.status_code == 200
    assert acknowledged.json()["version"] == 3


def test_waves_that_started_before_uptake_are_recorded_with_their_days_and_reach_the_figures_at_once(
    world, client: TestClient, organization
):
    """Support's pilot started on 2025-01-06 and Sales joined on 2025-02-03, before the programme moved into
    uptake: the entitlements count from those days, in the figures asked right after (not 15 minutes later)."""
    workspace = organization.workspace_id
    live_use_case(world, workspace)
    as_caller(client, world.caller(workspace, Role.program_lead))
    body = {
        "use_case": USE_CASE,
        "waves": [
            {"name": "pilot", "team_ids": [organization.support]},
            {"name": "sales", "team_ids": [organization.sales]},
        ],
    }
    assert client.post("/api/v1/rollout-plans", json=body).status_code == 201
    future = client.post(f"/api/v1/rollout-plans/{USE_CASE}/start", json={"started_on": "2999-01-01"})
    assert (future.status_code, future.json()["errors"][0]["field"]) == (422, "started_on")
    started = client.post(f"/api/v1/rollout-plans/{USE_CASE}/start", json={"started_on": "2025-01-06"})
    assert started.json()["waves"][0]["started_at"].startswith("2025-01-06T00:00:00")

    def eligible_on(day: str) -> int | None:
        rows = client.get("/api/v1/metrics/eligible", params={"from": day, "to": day}).json()["rows"]
        return rows[0]["value"]

    assert eligible_on("2025-01-05") is None  # nobody: suppressed (0 < k)
    assert eligible_on("2025-01-06") == 6
    early = client.post(f"/api/v1/rollout-plans/{USE_CASE}/promotion", json={"promoted_on": "2025-01-01"})
    assert (early.status_code, early.json()["errors"][0]["field"]) == (422, "promoted_on")
    promoted = client.post(f"/api/v1/rollout-plans/{USE_CASE}/promotion", json={"promoted_on": "2025-02-03"})
    assert promoted.status_code == 200, promoted.text
    assert [(wave["state"], (wave["started_at"] or "")[:10]) for wave in promoted.json()["waves"]] == [
        ("completed", "2025-01-06"),
        ("active", "2025-02-03"),
    ]
    assert eligible_on("2025-02-02") == 6
    assert eligible_on("2025-02-03") == 12
    with session_scope(world.factory, workspace) as session:
        entries = {
            entry.action: entry.after
            for entry in audit_service.list_audit_entries(session, workspace, limit=10)
        }
    assert entries["rollout.wave.started"]["recorded"] is True
    assert entries["rollout.wave.started"]["started_on"] == "2025-01-06"
    assert entries["rollout.wave.promoted"]["recorded"] is True
    assert entries["rollout.wave.promoted"]["promoted_on"] == "2025-02-03"
