"""The survey pages: a draft from a template, edited as text, sent to a team, answered through its one-time
link without logging in, and its results page."""

from __future__ import annotations

import pytest

from support import as_caller
from surveys.survey_builders import link_of, team_of
from uptake.access.roles import Role

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def form(client, path: str, data):
    return client.post(
        path, data={"csrf_token": client.cookies.get("uptake_csrf"), **data}, follow_redirects=False
    )


def test_a_program_lead_edits_and_sends_a_pulse_and_someone_answers_it(client, world) -> None:
    workspace_id = world.workspace()
    lead = world.caller(workspace_id, Role.program_lead)
    team, people = team_of(world, workspace_id, "Legal", 2)
    as_caller(client, lead)
    created = form(client, "/surveys", {"template": "pulse"})
    assert created.status_code == 303
    survey_path = created.headers["location"]
    editor = client.get(survey_path).text
    assert "role_concern (reversed): I worry AI will make my role less valuable." in editor
    saved = form(
        client,
        survey_path,
        {
            "title": "Legal pulse",
            "introduction": "Two questions.",
            "questions": "trust: I trust the drafts.\nrecommend (0-10): Would you recommend it?",
            "anonymous": "yes",
        },
    )
    assert saved.status_code == 303
    assert "Legal pulse" in client.get(survey_path).text
    assert form(client, survey_path + "/send", {"team_ids": str(team)}).status_code == 303
    assert 'data-status="open"' in client.get(survey_path).text

    token = link_of(world, workspace_id, people[0])
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    page = client.get(f"/surveys/respond/{token}")
    assert page.status_code == 200
    assert "I trust the drafts." in page.text
    sent = form(client, f"/surveys/respond/{token}", {"answer_trust": "4", "answer_recommend": "10"})
    assert sent.status_code == 200
    assert "your answers are recorded" in sent.text

    as_caller(client, lead)
    results = client.get(survey_path + "/results")
    assert results.status_code == 200
    assert "results are shown when the survey closes" in results.text
    assert form(client, survey_path + "/close", {}).status_code == 303
    assert "fewer than 5 people answered" in client.get(survey_path + "/results").text
