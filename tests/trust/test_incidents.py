"""Incidents through the API: due dates by severity, the pause rule as a workspace setting, use cases also
affected, the lifecycle's refusals and a reopened incident."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from support import as_caller
from trust.trust_builders import USE_CASE, live_use_case
from uptake.access.roles import Role
from uptake.analytics import service as analytics_service
from uptake.catalog import service as catalog_service
from uptake.db import session_scope
from uptake.rollout.analytics_gates import count_open_severity_1_incidents
from uptake.trust import incidents as trust_incidents
from uptake.trust import schemas as trust_schemas
from uptake.trust import service as trust_service

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
OTHER = "summarize-claims"


@pytest.fixture
def lead(client, world):
    workspace_id = world.workspace()
    caller = world.caller(workspace_id, Role.program_lead)
    live_use_case(world, workspace_id, owner_id=caller.person_id)
    live_use_case(world, workspace_id, OTHER)
    as_caller(client, caller)
    return caller


def report(client, **fields):
    body = {"use_case": USE_CASE, "title": "Wrong totals", "description": "The totals were off.", **fields}
    response = client.post("/api/v1/incidents", json=body)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.parametrize(("severity", "hours"), [(1, 24), (2, 72), (3, 14 * 24), (4, 30 * 24)])
def test_an_incident_is_due_by_its_severity(client, lead, severity, hours) -> None:
    incident = report(client, severity=severity)
    reported = datetime.fromisoformat(incident["reported_at"])
    assert datetime.fromisoformat(incident["due_at"]) - reported == timedelta(hours=hours)
    assert incident["owner_id"] == lead.person_id


def test_with_the_setting_off_severity_1_does_not_pause(client, lead) -> None:
    assert client.put("/api/v1/trust/settings", json={"pause_on_severity_1": False}).status_code == 200
    incident = report(client, severity=1)
    assert incident["paused_use_case"] is False
    assert client.get(f"/api/v1/use-cases/{USE_CASE}").json()["status"] == "piloting"


def test_raising_an_incident_to_severity_1_pauses_then(client, lead) -> None:
    incident = report(client, severity=3)
    raised = client.patch(f"/api/v1/incidents/{incident['id']}", json={"severity": 1}).json()
    assert raised["paused_use_case"] is True
    assert client.get(f"/api/v1/use-cases/{USE_CASE}").json()["status"] == "paused"


def test_a_use_case_also_affected_counts_as_having_the_incident_open(client, world, lead) -> None:
    incident = report(client, severity=2, also_affected=[OTHER])
    assert incident["also_affected"] == [OTHER]
    with session_scope(world.factory, lead.workspace_id) as session:
        assert [found.id for found in trust_incidents.open_incidents(session, lead.workspace_id, OTHER)] == [
            incident["id"]
        ]
        assert trust_incidents.open_incidents(session, lead.workspace_id, OTHER, severity=1) == []
    unknown = client.post(
        "/api/v1/incidents",
        json={"use_case": USE_CASE, "title": "x", "description": "y", "also_affected": ["nope"]},
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "also_affected[0]"


def test_the_lifecycle_refuses_skips_and_reopens_a_fix_that_did_not_hold(client, lead) -> None:
    incident = report(client)
    path = f"/api/v1/incidents/{incident['id']}"
    closed = client.patch(path, json={"status": "closed"})
    assert closed.status_code == 409
    assert "triaged" in closed.json()["detail"]
    for status in ("triaged", "mitigating"):
        assert client.patch(path, json={"status": status}).json()["status"] == status
    resolved = client.patch(
        path, json={"status": "resolved", "root_cause": "A bad prompt.", "fix": "A new one."}
    )
    assert resolved.json()["resolved_at"] is not None
    reopened = client.patch(path, json={"status": "mitigating"}).json()
    assert reopened["status"] == "mitigating"
    assert reopened["resolved_at"] is None
    listed = client.get("/api/v1/incidents", params={"open_only": True}).json()
    assert [item["id"] for item in listed] == [incident["id"]]


def test_an_employee_reports_and_sees_only_their_own(client, world, lead) -> None:
    reporter = world.caller(lead.workspace_id, Role.employee)
    as_caller(client, reporter)
    mine = report(client)
    assert client.get(f"/api/v1/incidents/{mine['id']}").status_code == 200
    assert client.get("/api/v1/incidents").status_code == 403
    as_caller(client, world.caller(lead.workspace_id, Role.employee))
    assert client.get(f"/api/v1/incidents/{mine['id']}").status_code == 404


def test_a_change_made_through_the_service_reaches_analytics_without_a_route(client, world, lead) -> None:
    """Opening, escalating and resolving push the incidents snapshot from inside trust: no route has to."""
    workspace_id = lead.workspace_id
    analytics = analytics_service.app_analytics(client.app.state)

    def open_severity_1() -> int:
        with session_scope(world.factory, workspace_id) as session:
            return count_open_severity_1_incidents(analytics, session, workspace_id, USE_CASE)

    assert open_severity_1() == 0
    with session_scope(world.factory, workspace_id) as session:
        reported = trust_incidents.report_incident(
            session,
            workspace_id,
            trust_schemas.IncidentCreate(
                use_case=USE_CASE, title="Leak", description="A name shown.", severity=1
            ),
            actor=f"person:{lead.person_id}",
            reporter_id=lead.person_id,
            analytics=analytics,
        )
        first = reported.id
    assert open_severity_1() == 1
    with session_scope(world.factory, workspace_id) as session:
        for change in (
            {"status": "triaged"},
            {"status": "resolved", "root_cause": "A prompt.", "fix": "Fixed."},
        ):
            trust_incidents.update_incident(
                session,
                workspace_id,
                first,
                trust_schemas.IncidentUpdate.model_validate(change),
                actor=f"person:{lead.person_id}",
                analytics=analytics,
            )
    assert open_severity_1() == 0
    with session_scope(world.factory, workspace_id) as session:
        use_case = catalog_service.get_use_case_ref(session, workspace_id, USE_CASE)
        feedback = trust_service.record_feedback(
            session,
            workspace_id,
            use_case,
            {"rating": 1, "category": "unsafe", "comment": "Another customer's account."},
            source="page",
            giver=trust_service.FeedbackGiver(person_id=lead.person_id),
        )
        trust_incidents.escalate_feedback(
            session,
            workspace_id,
            feedback.id,
            trust_schemas.FeedbackEscalation(title="Account shown", severity=1),
            actor=f"person:{lead.person_id}",
            reporter_id=lead.person_id,
            analytics=analytics,
        )
    assert open_severity_1() == 1
