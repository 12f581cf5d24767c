"""Communication's pages through the app: the composer's audience preview and sending, read receipts, Q&A."""

from __future__ import annotations

from enablement.enablement_builders import make_use_case
from support import as_caller
from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.db import session_scope
from uptake.directory.schemas import PersonUpdate
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.enablement.schemas import ChampionCreate
from uptake.enablement.service import champions as champions_service


def _form(caller, **fields):
    return {"csrf_token": caller.cookies["uptake_csrf"], **fields}


def test_the_composer_previews_the_audience_then_sends_and_the_reader_acknowledges(world, client) -> None:
    workspace = world.workspace()
    lead = world.caller(workspace, Role.program_lead)
    reader = world.caller(workspace, Role.employee)
    with session_scope(world.factory, workspace) as session:
        team_id = teams_service.create_team(session, workspace, name="Claims").id
        people_service.update_person(
            session, workspace, reader.person_id, PersonUpdate(team_id=team_id), actor="test"
        )
    as_caller(client, lead)
    fields = {"title": "New guidance", "body_markdown": "Read **this**.", "team_ids": [str(team_id)]}
    preview = client.post("/announcements/new", data=_form(lead, action="preview", **fields))
    assert 'data-audience-count="1"' in preview.text
    empty = client.post("/announcements/new", data=_form(lead, action="send", title="x"))
    assert empty.status_code == 422
    garbled = client.post("/announcements/new", data=_form(lead, action="preview", rollout_waves="pilot"))
    assert garbled.status_code == 422
    assert "write use-case-slug:wave name" in garbled.text
    sent = client.post(
        "/announcements/new",
        data=_form(lead, action="send", requires_acknowledgement="yes", **fields),
        follow_redirects=False,
    )
    assert sent.status_code == 303
    location = sent.headers["location"]

    as_caller(client, reader)
    page = client.get(location)
    assert "<strong>this</strong>" in page.text
    assert "I have read this" in page.text
    client.post(location + "/acknowledgement", data=_form(reader))
    assert "data-acknowledged" in client.get(location).text

    as_caller(client, lead)
    report = client.get(location)
    assert "data-report" in report.text
    assert "hidden (too few people)" in report.text  # one reader is below the privacy floor


def test_questions_flow_through_the_pages_and_the_unanswered_are_flagged(world, client) -> None:
    workspace = world.workspace()
    owner = world.caller(workspace, Role.employee)
    asker = world.caller(workspace, Role.employee)
    make_use_case(world, workspace, "claims-letters", owner_id=owner.person_id)
    champion = world.person(workspace, name="Chris Champion")
    with session_scope(world.factory, workspace) as session:
        champions_service.nominate_champion(
            session,
            workspace,
            ChampionCreate(person_id=champion, use_case_slug="claims-letters", note="letters"),
            nominated_by=Principal(workspace_id=workspace, roles=frozenset({Role.program_lead})),
        )
    as_caller(client, asker)
    asked = client.post(
        "/questions",
        data=_form(asker, use_case_slug="claims-letters", title="Does it keep my prompts?"),
        follow_redirects=False,
    )
    question_page = asked.headers["location"]
    assert "Your answer" not in client.get(question_page).text
    listing = client.get("/questions", params={"use_case": "claims-letters"})
    assert "Does it keep my prompts?" in listing.text
    assert "data-flagged" not in listing.text
    assert "Chris Champion" in listing.text
    from uptake.comms.service import questions as questions_service

    with session_scope(world.factory, workspace) as session:
        ((question, _),) = questions_service.list_questions(session, workspace)
        question.created_at = question.created_at.replace(year=question.created_at.year - 1)
    assert "data-flagged" in client.get("/questions", params={"status": "open"}).text

    as_caller(client, owner)
    client.post(question_page + "/answers", data=_form(owner, body_markdown="No, never."))
    client.post(question_page + "/faq", data=_form(owner))
    listing = client.get("/questions", params={"use_case": "claims-letters"})
    assert "data-faq" in listing.text
    assert "No, never." in listing.text


def test_preferences_are_saved_from_the_form(world, client) -> None:
    workspace = world.workspace()
    caller = world.caller(workspace, Role.employee)
    as_caller(client, caller)
    client.post(
        "/notifications/preferences", data=_form(caller, digest="weekly", muted_categories=["question"])
    )
    assert client.get("/api/v1/me/notification-preferences").json() == {
        "email_enabled": False,
        "digest": "weekly",
        "muted_categories": ["question"],
    }


def test_a_team_lead_holds_office_hours_and_the_team_is_told(world, client) -> None:
    workspace = world.workspace()
    team_lead = world.caller(workspace, Role.team_lead)
    member = world.caller(workspace, Role.employee)
    with session_scope(world.factory, workspace) as session:
        team_id = teams_service.create_team(session, workspace, name="Claims", lead_id=team_lead.person_id).id
        people_service.update_person(
            session, workspace, member.person_id, PersonUpdate(team_id=team_id), actor="test"
        )
    as_caller(client, member)
    refused = client.post(
        "/office-hours",
        data=_form(
            member, team_id=str(team_id), starts_at="2099-05-04T10:00", location="Room 4", topic="Prompts"
        ),
    )
    assert "not a champion here" in refused.text
    as_caller(client, team_lead)
    fields = {
        "team_id": str(team_id),
        "starts_at": "2099-05-04T10:00",
        "location": "Room 4",
        "topic": "Prompts",
    }
    client.post("/office-hours", data=_form(team_lead, **fields))
    listing = client.get("/office-hours", params={"team_id": team_id})
    assert "Room 4" in listing.text
    assert "2099-05-04 10:00" in listing.text
    as_caller(client, member)
    inbox = client.get("/api/v1/me/notifications").json()
    assert [item["subject"] for item in inbox] == ["Office hours: Prompts"]
