"""Feedback through the API: who may give it, the listing's filters, comments behind the privacy floor, short
pseudonyms instead of people, and no feedback leaking between workspaces."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from support import as_caller
from trust.trust_builders import USE_CASE, live_use_case
from uptake.access.roles import Role, Scope
from uptake.telemetry import service as telemetry_service
from uptake.trust.models import Feedback

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def give(client, caller, **body):
    as_caller(client, caller)
    response = client.post("/api/v1/feedback", json={"use_case": USE_CASE, **body})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_comments_show_only_when_enough_people_gave_feedback(client, world) -> None:
    workspace_id = world.workspace()
    lead = world.caller(workspace_id, Role.program_lead)
    live_use_case(world, workspace_id, owner_id=lead.person_id)
    people = [world.caller(workspace_id, Role.employee) for _ in range(5)]
    for number, person in enumerate(people[:4]):
        give(client, person, rating=2, comment=f"Not quite right, case {number}.")

    as_caller(client, lead)
    four = client.get(f"/api/v1/use-cases/{USE_CASE}/feedback").json()
    assert four["total"] == 4
    assert four["people"] is None
    assert four["comments_suppressed"] == "comments from fewer than 5 people are not shown"
    assert [item["comment"] for item in four["items"]] == [None] * 4
    assert all(len(item["person"]) == 8 for item in four["items"])
    page = client.get(f"/use-cases/{USE_CASE}/feedback")
    assert "Not quite right" not in page.text
    assert "data-suppressed" in page.text

    give(client, people[4], rating=5, category="great", comment="Saves me an hour a day.")
    as_caller(client, lead)
    five = client.get(f"/api/v1/use-cases/{USE_CASE}/feedback").json()
    assert five["people"] == 5
    assert five["comments_suppressed"] is None
    assert five["items"][0]["comment"] == "Saves me an hour a day."
    assert all(person.email not in str(five) for person in people)

    good = client.get(f"/api/v1/use-cases/{USE_CASE}/feedback", params={"min_rating": 4}).json()
    assert [item["category"] for item in good["items"]] == ["great"]
    assert good["people"] is None  # one person behind the filtered list: their comment stays hidden
    poor = client.get(
        f"/api/v1/use-cases/{USE_CASE}/feedback", params={"max_rating": 2, "with_comment": True}
    ).json()
    assert poor["total"] == 4
    assert client.get(f"/use-cases/{USE_CASE}/feedback", params={"category": "great"}).status_code == 200


def test_a_feedback_key_gives_feedback_for_a_named_person_as_a_pseudonym(client, world) -> None:
    workspace_id = world.workspace()
    live_use_case(world, workspace_id)
    key = world.api_key(workspace_id, Scope.feedback_write)
    sent = client.post(
        "/api/v1/feedback",
        json={"use_case": USE_CASE, "thumbs_up": False, "category": "wrong", "person": "ana@example.com"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert sent.status_code == 201, sent.text
    empty = client.post(
        "/api/v1/feedback", json={"use_case": USE_CASE}, headers={"Authorization": f"Bearer {key}"}
    )
    assert empty.status_code == 422
    unknown = client.post(
        "/api/v1/feedback", json={"use_case": "nope", "rating": 3}, headers={"Authorization": f"Bearer {key}"}
    )
    assert unknown.status_code == 404
    events_key = world.api_key(workspace_id, Scope.events_write)
    refused = client.post(
        "/api/v1/feedback",
        json={"use_case": USE_CASE, "rating": 3},
        headers={"Authorization": f"Bearer {events_key}"},
    )
    assert refused.status_code == 403


def test_feedback_stays_in_its_workspace(client, world) -> None:
    first, second = world.workspace(), world.workspace()
    for workspace_id in (first, second):
        live_use_case(world, workspace_id)
    give(client, world.caller(first, Role.employee), rating=3)
    as_caller(client, world.caller(second, Role.program_lead))
    listed = client.get(f"/api/v1/use-cases/{USE_CASE}/feedback").json()
    assert listed["total"] == 0
    assert listed["items"] == []


def test_a_signed_in_person_gives_feedback_only_in_their_own_name(client, world) -> None:
    """As found: an employee's feedback with `person` set to a colleague was stored as the colleague's and made
    them active."""
    workspace_id = world.workspace()
    live_use_case(world, workspace_id)
    employee = world.caller(workspace_id, Role.employee)
    colleague = world.caller(workspace_id, Role.employee)
    as_caller(client, employee)
    forged = client.post(
        "/api/v1/feedback", json={"use_case": USE_CASE, "rating": 1, "person": colleague.email}
    )
    assert forged.status_code == 403, forged.text
    assert forged.json()["errors"][0]["field"] == "person"
    give(client, employee, rating=4)
    with world.session(workspace_id) as session:
        colleague_pseudonyms = telemetry_service.person_pseudonyms(session, workspace_id, [colleague.email])
        own = telemetry_service.person_pseudonyms(session, workspace_id, [employee.email])
        stored = session.scalars(select(Feedback)).all()
    assert [(item.rating, item.person_pseudonym) for item in stored] == [(4, own[0])]
    store = client.app.state.event_store
    assert telemetry_service.events_of_person(store, workspace_id, colleague_pseudonyms) == []
    assert len(telemetry_service.events_of_person(store, workspace_id, own)) == 1
