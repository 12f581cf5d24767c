"""Rollout's pages: the plans, a plan with its waves and actions, the gate page, and the forms behind them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from rollout.rollout_builders import USE_CASE, live_use_case
from support import as_caller
from uptake.access.roles import Role
from uptake.catalog import service as catalog_service
from uptake.db import session_scope


@pytest.fixture
def lead(world, client: TestClient, organization):
    live_use_case(world, organization.workspace_id)
    caller = world.caller(organization.workspace_id, Role.program_lead)
    as_caller(client, caller)
    return caller


def test_a_program_lead_plans_a_rollout_from_the_page_and_starts_it(client: TestClient, organization, lead):
    listing = client.get("/rollout")
    assert listing.status_code == 200
    assert "Plan a rollout" in listing.text
    created = client.post(
        "/rollout",
        data={
            "use_case": USE_CASE,
            "promotion_mode": "automatic",
            "name": "pilot",
            "team_ids": [str(organization.support)],
            "percentage": "",
        },
        follow_redirects=False,
    )
    assert (created.status_code, created.headers["location"]) == (303, f"/rollout/{USE_CASE}")
    added = client.post(
        f"/rollout/{USE_CASE}/gates",
        data={"wave": "pilot", "metric": "training_completion", "comparison": ">=", "threshold": "80"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    client.post(f"/rollout/{USE_CASE}/waves", data={"name": "sales", "team_ids": [str(organization.sales)]})
    client.post(f"/rollout/{USE_CASE}/start")
    page = client.get(f"/rollout/{USE_CASE}")
    assert page.status_code == 200
    assert 'data-wave="pilot"' in page.text
    assert 'data-wave="sales"' in page.text
    assert "Support" in page.text
    assert "training completion &gt;= 80.0" in page.text
    gates = client.get(f"/rollout/{USE_CASE}/gates")
    assert gates.status_code == 200
    # Six agents, none trained, and the use case requires no training: everyone counts as trained.
    assert 'data-gate="training_completion"' in gates.text
    assert "6 people" in gates.text
    assert "pass" in gates.text


def test_the_kill_switch_on_the_plan_page_pauses_the_use_case(world, client: TestClient, organization, lead):
    client.post(
        "/rollout", data={"use_case": USE_CASE, "name": "pilot", "team_ids": [str(organization.tier1)]}
    )
    paused = client.post(f"/rollout/{USE_CASE}/pause", data={"reason": "a wrong answer reached a customer"})
    assert paused.status_code == 200
    assert "Kill switch is on" in paused.text
    with session_scope(world.factory, organization.workspace_id) as session:
        assert (
            catalog_service.get_use_case_by_slug(session, organization.workspace_id, USE_CASE).status
            == "paused"
        )


def test_a_refused_action_is_explained_on_the_page(client: TestClient, organization, lead):
    client.post(
        "/rollout", data={"use_case": USE_CASE, "name": "pilot", "team_ids": [str(organization.tier1)]}
    )
    refused = client.post(f"/rollout/{USE_CASE}/promotion", data={"justification": ""})
    assert refused.status_code == 200
    assert "no active wave" in refused.text


def test_a_wave_started_before_uptake_is_recorded_from_the_page(client: TestClient, organization, lead):
    client.post(
        "/rollout", data={"use_case": USE_CASE, "name": "pilot", "team_ids": [str(organization.support)]}
    )
    refused = client.post(f"/rollout/{USE_CASE}/start", data={"started_on": "someday"})
    assert "Invalid isoformat string" in refused.text
    started = client.post(f"/rollout/{USE_CASE}/start", data={"started_on": "2025-01-06"})
    assert "The first wave is active." in started.text
    eligible = client.get(
        "/api/v1/metrics/eligible", params={"from": "2025-01-06", "to": "2025-01-06"}
    ).json()
    assert eligible["rows"][0]["value"] == 6  # Support's six agents, from the recorded day on
