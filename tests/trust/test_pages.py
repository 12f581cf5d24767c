"""The trust pages through the app: reporting an incident from its form, moving it on, the trust score page,
the settings with a widget key, and an employee seeing the incident they reported but not others'."""

from __future__ import annotations

import pytest

from support import as_caller
from trust.trust_builders import USE_CASE, live_use_case
from uptake.access.roles import Role

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def form(client, path: str, **fields):
    return client.post(
        path, data={"csrf_token": client.cookies.get("uptake_csrf"), **fields}, follow_redirects=False
    )


def test_report_triage_resolve_and_read_an_incident_through_the_pages(client, world) -> None:
    workspace_id = world.workspace()
    lead = world.caller(workspace_id, Role.program_lead)
    reporter = world.caller(workspace_id, Role.employee)
    stranger = world.caller(workspace_id, Role.employee)
    live_use_case(world, workspace_id, owner_id=lead.person_id)

    as_caller(client, reporter)
    assert "data-report-incident" in client.get(f"/incidents/new?use_case={USE_CASE}").text
    reported = form(
        client,
        "/incidents",
        use_case=USE_CASE,
        title="Wrong refund amount",
        description="It doubled the refund.",
        severity="2",
        harm_type="financial_loss",
        failure_type="inaccurate_output",
    )
    assert reported.status_code == 303
    incident_path = reported.headers["location"]
    own = client.get(incident_path)
    assert own.status_code == 200
    assert "Wrong refund amount" in own.text
    assert "data-update-incident" not in own.text
    as_caller(client, stranger)
    assert client.get(incident_path).status_code == 404

    as_caller(client, lead)
    assert "Wrong refund amount" in client.get("/incidents").text
    assert form(client, incident_path, status="triaged").status_code == 303
    refused = form(client, incident_path, status="resolved")
    assert refused.status_code == 303
    assert 'data-status="triaged"' in client.get(incident_path).text
    assert (
        form(
            client, incident_path, status="resolved", root_cause="A rounding rule.", fix="Fixed the rule."
        ).status_code
        == 303
    )
    resolved = client.get(incident_path).text
    assert 'data-status="resolved"' in resolved
    assert "data-note" in resolved
    assert (
        form(
            client, incident_path + "/note", text="Check refunds against the order.", update_use_card="yes"
        ).status_code
        == 303
    )
    assert "Check refunds against the order." in client.get(incident_path).text

    trust_page = client.get(f"/use-cases/{USE_CASE}/trust")
    assert trust_page.status_code == 200
    assert 'data-input="incident_burden"' in trust_page.text


def test_a_program_lead_sets_the_pause_rule_and_creates_a_widget_key(client, world) -> None:
    workspace_id = world.workspace()
    lead = world.caller(workspace_id, Role.program_lead)
    live_use_case(world, workspace_id, owner_id=lead.person_id)
    as_caller(client, lead)
    assert form(client, "/settings/trust").status_code == 303
    assert client.get("/api/v1/trust/settings").json() == {"pause_on_severity_1": False}
    created = form(
        client, "/settings/trust/widget-keys", use_case=USE_CASE, origins="https://tool.example.com"
    )
    assert created.status_code == 303
    page = client.get("/settings/trust").text
    assert "https://tool.example.com" in page
    assert "/widget/feedback.js" in page
    keys = client.get("/api/v1/widget-keys").json()
    assert [(key["use_case"], key["allowed_origins"]) for key in keys] == [
        (USE_CASE, ["https://tool.example.com"])
    ]


def test_a_reviewer_escalates_feedback_from_the_feedback_page(client, world) -> None:
    workspace_id = world.workspace()
    lead = world.caller(workspace_id, Role.program_lead)
    giver = world.caller(workspace_id, Role.employee)
    live_use_case(world, workspace_id, owner_id=lead.person_id)
    as_caller(client, giver)
    feedback_id = client.post(
        "/api/v1/feedback", json={"use_case": USE_CASE, "rating": 1, "category": "wrong"}
    ).json()["id"]

    as_caller(client, lead)
    assert (
        f'action="/feedback/{feedback_id}/escalation"' in client.get(f"/use-cases/{USE_CASE}/feedback").text
    )
    escalated = form(
        client, f"/feedback/{feedback_id}/escalation", title="Wrong policy numbers", severity="2"
    )
    assert escalated.status_code == 303
    incident = client.get(escalated.headers["location"]).text
    assert "Wrong policy numbers" in incident
    assert "People to tell of the outcome</dt><dd>2" in incident
    again = form(client, f"/feedback/{feedback_id}/escalation", title="Twice", severity="2")
    assert again.headers["location"] == "/incidents"
    assert 'href="/incidents/' in client.get(f"/use-cases/{USE_CASE}/feedback").text
