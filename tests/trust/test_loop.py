"""The whole trust loop through the app: feedback → escalated incident → severity 1 pauses the use case →
resolved → the people who reported it find the outcome in their notifications (the outbox) → the trust score
and the trust label show it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from support import as_caller
from trust.trust_builders import USE_CASE, live_use_case, send_usage
from uptake.access.roles import Role
from uptake.comms.service import notifications as notifications_service
from uptake.db import session_scope
from uptake.rollout.analytics_gates import count_open_severity_1_incidents
from uptake.trust import incidents as trust_incidents


def trust_score(client: TestClient) -> dict:
    response = client.get(f"/api/v1/use-cases/{USE_CASE}/trust-score")
    assert response.status_code == 200, response.text
    return response.json()


def rollout_gate_sees_open_severity_1(client: TestClient, world, workspace_id: int) -> int:
    """What the rollout gate reads: the incidents trust published to analytics."""
    with session_scope(world.factory, workspace_id) as session:
        return count_open_severity_1_incidents(client.app.state.analytics, session, workspace_id, USE_CASE)


def label_of(client: TestClient) -> str:
    page = client.get(f"/use-cases/{USE_CASE}")
    assert page.status_code == 200, page.text
    return page.text.split("data-trust-label", 1)[1].split("</aside>", 1)[0]


def test_feedback_to_incident_to_pause_to_resolution_to_notification_to_trust(client, world) -> None:
    workspace_id = world.workspace()
    lead = world.caller(workspace_id, Role.program_lead)
    employees = [world.caller(workspace_id, Role.employee) for _ in range(6)]
    live_use_case(world, workspace_id, owner_id=lead.person_id)
    send_usage(client, world, workspace_id, [employee.email for employee in employees])

    for employee in employees[1:]:
        as_caller(client, employee)
        given = client.post(
            "/api/v1/feedback", json={"use_case": USE_CASE, "rating": 4, "comment": "Helpful."}
        )
        assert given.status_code == 201, given.text
    reporter = employees[0]
    as_caller(client, reporter)
    complaint = client.post(
        "/api/v1/feedback",
        json={
            "use_case": USE_CASE,
            "rating": 1,
            "category": "unsafe",
            "comment": "The draft showed another customer's account number.",
        },
    )
    assert complaint.status_code == 201, complaint.text

    as_caller(client, lead)
    before = trust_score(client)
    assert before["value"] is not None, before
    burden_before = next(item for item in before["inputs"] if item["name"] == "incident_burden")
    assert burden_before["value"] == 0.0
    assert 'data-field="open-incidents">0' in label_of(client)

    escalated = client.post(
        f"/api/v1/feedback/{complaint.json()['id']}/escalation",
        json={
            "title": "Drafts leak other customers' account numbers",
            "severity": 1,
            "harm_type": "privacy",
            "failure_type": "data_leakage",
        },
    )
    assert escalated.status_code == 201, escalated.text
    incident = escalated.json()
    assert incident["paused_use_case"] is True
    assert incident["people_to_tell"] == 2  # the employee who gave the feedback and the lead who escalated it
    assert client.get(f"/api/v1/use-cases/{USE_CASE}").json()["status"] == "paused"
    with session_scope(world.factory, workspace_id) as session:
        assert [found.id for found in trust_incidents.open_incidents(session, workspace_id, USE_CASE, 1)] == [
            incident["id"]
        ]

    assert rollout_gate_sees_open_severity_1(client, world, workspace_id) == 1

    during = trust_score(client)
    assert during["value"] < before["value"]
    label = label_of(client)
    assert 'data-field="open-incidents">1' in label
    assert "1 severity 1" in label

    resolving = client.patch(f"/api/v1/incidents/{incident['id']}", json={"status": "resolved"})
    assert resolving.status_code == 409  # reported incidents are triaged first
    assert client.patch(f"/api/v1/incidents/{incident['id']}", json={"status": "triaged"}).status_code == 200
    missing = client.patch(f"/api/v1/incidents/{incident['id']}", json={"status": "resolved"})
    assert missing.status_code == 422
    assert {error["field"] for error in missing.json()["errors"]} == {"root_cause", "fix"}
    resolved = client.patch(
        f"/api/v1/incidents/{incident['id']}",
        json={
            "status": "resolved",
            "root_cause": "The retrieval index mixed tickets of different customers.",
            "fix": "The index is now filtered by customer before drafting.",
        },
    )
    assert resolved.status_code == 200, resolved.text
    note = client.post(
        f"/api/v1/incidents/{incident['id']}/note",
        json={"note": "Drafts now only read the ticket's own customer history."},
    )
    assert note.status_code == 200, note.text

    with session_scope(world.factory, workspace_id) as session:
        told = notifications_service.list_inbox(session, workspace_id, reporter.person_id)
        assert [notification.subject for notification in told] == [
            "Resolved: Drafts leak other customers' account numbers"
        ]
        assert "filtered by customer" in told[0].body_markdown
        assert notifications_service.list_inbox(session, workspace_id, employees[1].person_id) == []
        assert trust_incidents.open_incidents(session, workspace_id, USE_CASE, 1) == []

    assert rollout_gate_sees_open_severity_1(client, world, workspace_id) == 0

    after = trust_score(client)
    burden_after = next(item for item in after["inputs"] if item["name"] == "incident_burden")
    assert burden_after["value"] > 0  # a resolved incident still weighs for 90 days
    assert after["value"] < before["value"]
    label = label_of(client)
    assert 'data-field="open-incidents">0' in label
    assert f"Incident #{incident['id']} resolved" in label
    assert f"After incident #{incident['id']}" in label
