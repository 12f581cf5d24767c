"""The widget's endpoint without a browser: CORS for the key's origins only, a key that writes feedback for its
one use case and nothing else, revocation, and an incident reported from the widget."""

from __future__ import annotations

import pytest

from trust.trust_builders import USE_CASE, live_use_case
from uptake.access.roles import Role
from uptake.db import session_scope
from uptake.trust import incidents as trust_incidents
from uptake.trust import schemas, service
from uptake.trust.service import incident_snapshot_rows
from uptake.trust.widget import WidgetRateLimits
from uptake.web.rate_limit import RateLimiter

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
SITE = "https://assistant.example.com"


@pytest.fixture
def widget(world):
    workspace_id = world.workspace()
    lead = world.caller(workspace_id, Role.program_lead)
    live_use_case(world, workspace_id, owner_id=lead.person_id)
    with session_scope(world.factory, workspace_id) as session:
        key = service.create_widget_key(
            session,
            workspace_id,
            schemas.WidgetKeyCreate(use_case=USE_CASE, allowed_origins=[SITE + "/"]),
            actor="test",
        )
        return workspace_id, key.id, key.key


def test_the_script_is_a_plain_file_any_page_may_load(client) -> None:
    response = client.get("/widget/feedback.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert "eval(" not in response.text
    assert "innerHTML" not in response.text


def test_the_preflight_answers_the_keys_origin_only(client, widget) -> None:
    _, _, key = widget
    asked = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    allowed = client.options(f"/widget/{key}/feedback", headers={"Origin": SITE, **asked})
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == SITE
    assert "POST" in allowed.headers["access-control-allow-methods"]
    refused = client.options(f"/widget/{key}/feedback", headers={"Origin": "https://evil.example", **asked})
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers


def test_feedback_from_the_keys_origin_is_stored_and_others_are_refused(client, world, widget) -> None:
    workspace_id, _, key = widget
    sent = client.post(
        f"/widget/{key}/feedback", json={"rating": 5, "comment": "Spot on."}, headers={"Origin": SITE}
    )
    assert sent.status_code == 201, sent.text
    assert sent.headers["access-control-allow-origin"] == SITE
    refused = client.post(
        f"/widget/{key}/feedback", json={"rating": 1}, headers={"Origin": "https://evil.example"}
    )
    assert refused.status_code == 403
    empty = client.post(f"/widget/{key}/feedback", json={}, headers={"Origin": SITE})
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "rating"
    unknown = client.post("/widget/uwk_nothing/feedback", json={"rating": 3}, headers={"Origin": SITE})
    assert unknown.status_code == 404
    lead = world.caller(workspace_id, Role.program_lead)
    client.cookies.update(lead.cookies)
    listed = client.get(f"/api/v1/use-cases/{USE_CASE}/feedback").json()
    assert [(item["rating"], item["source"]) for item in listed["items"]] == [(5, "widget")]


def test_a_revoked_key_writes_nothing(client, world, widget) -> None:
    workspace_id, key_id, key = widget
    with session_scope(world.factory, workspace_id) as session:
        service.revoke_widget_key(session, workspace_id, key_id, actor="test")
    response = client.post(f"/widget/{key}/feedback", json={"rating": 4}, headers={"Origin": SITE})
    assert response.status_code == 404


def test_a_harm_reported_from_the_widget_opens_an_incident(client, world, widget) -> None:
    workspace_id, _, key = widget
    sent = client.post(
        f"/widget/{key}/feedback",
        json={
            "category": "unsafe",
            "comment": "It told me to skip the safety check.",
            "report_incident": True,
        },
        headers={"Origin": SITE},
    )
    assert sent.status_code == 201, sent.text
    incident_id = sent.json()["incident_id"]
    with session_scope(world.factory, workspace_id) as session:
        assert trust_incidents.open_incidents(session, workspace_id, USE_CASE) == []  # waits for a person
        trust_incidents.update_incident(
            session,
            workspace_id,
            incident_id,
            schemas.IncidentUpdate(status="triaged"),
            actor="person:1",
            analytics=None,
        )
    with session_scope(world.factory, workspace_id) as session:
        incident = trust_incidents.open_incidents(session, workspace_id, USE_CASE)[0]
        assert incident.id == incident_id
        assert (incident.source, incident.severity, incident.failure_type) == ("widget", 3, "harmful_content")
        assert len(incident_snapshot_rows(session, workspace_id)) == 1


def _report(client, key: str, number: int):
    return client.post(
        f"/widget/{key}/feedback",
        json={"category": "unsafe", "comment": f"Forged report {number}", "report_incident": True},
        headers={"Origin": SITE},
    )


def test_anonymous_incident_posts_are_limited_and_count_nowhere_until_confirmed(
    client, world, widget
) -> None:
    """As found: 25 anonymous posts with a forged Origin opened 25 incidents and moved the trust score."""
    workspace_id, _, key = widget
    answers = [_report(client, key, number) for number in range(25)]
    assert [answer.status_code for answer in answers] == [201] * 20 + [429] * 5
    refused = answers[-1]
    assert int(refused.headers["retry-after"]) > 0
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["access-control-allow-origin"] == SITE
    with session_scope(world.factory, workspace_id) as session:
        assert len(trust_incidents.list_incidents(session, workspace_id)) == 20
        assert trust_incidents.open_incidents(session, workspace_id, USE_CASE) == []
        assert incident_snapshot_rows(session, workspace_id) == []


def test_a_widget_key_is_limited_across_addresses(client, widget) -> None:
    _, _, key = widget
    client.app.state.widget_rate_limits = WidgetRateLimits(
        per_address=RateLimiter(100, 600), per_key=RateLimiter(3, 600)
    )
    statuses = [
        client.post(f"/widget/{key}/feedback", json={"rating": 4}, headers={"Origin": SITE}).status_code
        for _ in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
