"""Surveys through the app: a template becomes a draft, is edited and sent to a cohort through the outbox; one
answer per one-time link, nothing linking it to the person; results only for groups of at least k people."""

from __future__ import annotations

import hashlib

import pytest

from support import as_caller
from surveys.survey_builders import link_of, team_of
from trust.trust_builders import USE_CASE, live_use_case, send_usage
from uptake.access.roles import Role
from uptake.analytics import service as analytics_service
from uptake.db import session_scope
from uptake.surveys import service as surveys_service
from uptake.surveys.models import Invitation, Response

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def answers(readiness: int = 4) -> dict[str, int]:
    keys = [
        "leadership_why",
        "leadership_time",
        "skills_use",
        "skills_check",
        "process_fit",
        "process_review",
        "data_quality",
        "data_rules",
        "governance_approval",
        "governance_report",
        "culture_open",
        "culture_safe",
    ]
    return dict.fromkeys(keys, readiness)


def new_readiness_survey(client, team_ids: list[int]) -> int:
    created = client.post("/api/v1/surveys", json={"template": "readiness"})
    assert created.status_code == 201, created.text
    survey_id = created.json()["id"]
    assert len(created.json()["questions"]) == 12
    sent = client.post(f"/api/v1/surveys/{survey_id}/send", json={"audience": {"team_ids": team_ids}})
    assert sent.status_code == 200, sent.text
    return survey_id


def answer(client, token: str, values: dict[str, int]):
    client.headers.pop("Authorization", None)
    return client.post("/api/v1/survey-responses", json={"token": token, "answers": values})


def close(client, survey_id: int) -> None:
    closed = client.post(f"/api/v1/surveys/{survey_id}/close")
    assert closed.status_code == 200, closed.text


def test_an_open_survey_shows_nothing_so_polling_cannot_isolate_one_answer(client, world) -> None:
    # As found: results were served while open, and polling at 5 and 6 answers gave the 6th person's answers.
    workspace_id = world.workspace()
    lead = world.caller(workspace_id, Role.program_lead)
    support, people = team_of(world, workspace_id, "Support", 6)
    as_caller(client, lead)
    survey_id = new_readiness_survey(client, [support])
    tokens = [link_of(world, workspace_id, person) for person in people]
    seen = []
    for token, value in zip(tokens, (2, 3, 4, 5, 4, 1), strict=True):
        assert answer(client, token, answers(value)).status_code == 201
        as_caller(client, lead)
        seen.append(client.get(f"/api/v1/surveys/{survey_id}/results").json())
    assert seen[4] == seen[5]
    assert seen[5]["overall"]["suppressed"] == "results are shown when the survey closes"
    assert (seen[5]["overall"]["respondents"], seen[5]["overall"]["topics"], seen[5]["teams"]) == (
        None,
        [],
        [],
    )
    assert "data-readiness" not in client.get(f"/surveys/{survey_id}/results").text

    close(client, survey_id)
    (team,) = client.get(f"/api/v1/surveys/{survey_id}/results").json()["teams"]
    assert team["respondents"] == 6
    assert team["readiness_score"] == pytest.approx(((2 + 3 + 4 + 5 + 4 + 1) / 6 - 1) / 4 * 100)
    assert "data-readiness" in client.get(f"/surveys/{survey_id}/results").text


def test_four_answers_in_a_team_show_nothing_five_show_the_aggregate(client, world) -> None:
    workspace_id = world.workspace()
    lead = world.caller(workspace_id, Role.program_lead)
    support, people = team_of(world, workspace_id, "Support", 6)
    few, few_people = team_of(world, workspace_id, "Few", 6)
    as_caller(client, lead)
    survey_id = new_readiness_survey(client, [support, few])
    tokens = [link_of(world, workspace_id, person) for person in people]
    for token, value in zip(tokens[:5], (2, 3, 4, 5, 4), strict=True):
        assert answer(client, token, answers(value)).status_code == 201
    for person in few_people[:4]:
        assert answer(client, link_of(world, workspace_id, person), answers(3)).status_code == 201
    as_caller(client, lead)
    close(client, survey_id)
    results = client.get(f"/api/v1/surveys/{survey_id}/results").json()
    teams = {team["team"]: team for team in results["teams"]}
    assert (teams["Few"]["respondents"], teams["Few"]["topics"]) == (None, [])
    assert teams["Few"]["suppressed"] == "fewer than 5 people answered"
    # Everyone (9) minus Support (5) would give Few's 4: Support is hidden with it.
    assert teams["Support"]["suppressed"] == "could be derived from other figures"
    assert results["overall"]["respondents"] == 9

    again = answer(client, tokens[0], answers(1))
    assert again.status_code == 409
    with session_scope(world.factory, workspace_id) as session:
        stored = session.query(Response).all()
        assert len(stored) == 9
        assert {response.person_id for response in stored} == {None}


def test_a_team_that_could_be_worked_out_by_subtraction_is_hidden_too(client, world) -> None:
    workspace_id = world.workspace()
    lead = world.caller(workspace_id, Role.program_lead)
    teams = {
        name: team_of(world, workspace_id, name, size)
        for name, size in (("Alpha", 5), ("Beta", 4), ("Gamma", 6))
    }
    as_caller(client, lead)
    survey_id = new_readiness_survey(client, [team_id for team_id, _ in teams.values()])
    for _, people in teams.values():
        for person in people:
            assert answer(client, link_of(world, workspace_id, person), answers(3)).status_code == 201
    as_caller(client, lead)
    close(client, survey_id)
    results = client.get(f"/api/v1/surveys/{survey_id}/results").json()
    assert results["overall"]["respondents"] == 15
    shown = {team["team"]: team["suppressed"] for team in results["teams"]}
    # Beta's 4 invitees are under the floor: their answers are stored without a team.
    assert shown == {
        "Alpha": "could be derived from other figures",
        "No team": "fewer than 5 people answered",
        "Gamma": None,
    }


def test_two_hidden_teams_stay_hidden_until_they_number_k_together(client, world) -> None:
    # As found: with two hidden teams of one respondent each, 8 x 3.5 - 6 x 3.5 gave their combined answers.
    workspace_id = world.workspace()
    lead = world.caller(workspace_id, Role.program_lead)
    sizes = (("Alpha", 6, 6), ("Beta", 5, 1), ("Delta", 5, 1), ("Gamma", 7, 7))
    teams = {name: team_of(world, workspace_id, name, size) for name, size, _ in sizes}
    as_caller(client, lead)
    survey_id = new_readiness_survey(client, [team_id for team_id, _ in teams.values()])
    for name, _, answering in sizes:
        for person in teams[name][1][:answering]:
            assert answer(client, link_of(world, workspace_id, person), answers(3)).status_code == 201
    as_caller(client, lead)
    close(client, survey_id)
    results = client.get(f"/api/v1/surveys/{survey_id}/results").json()
    shown = {team["team"]: team["respondents"] for team in results["teams"]}
    # Beta and Delta (one answer each) together are 2: Alpha is hidden with them, so Everyone minus Gamma is 8.
    assert shown == {"Alpha": None, "Beta": None, "Delta": None, "Gamma": 7}
    assert results["overall"]["respondents"] == 15


def test_nothing_stored_joins_an_answer_to_the_person_who_gave_it(client, world) -> None:
    # As found: the outbox kept each person's plain token, the invitation its unkeyed hash, the response the team.
    workspace_id = world.workspace()
    lead = world.caller(workspace_id, Role.program_lead)
    support, people = team_of(world, workspace_id, "Support", 6)
    pair, pair_people = team_of(world, workspace_id, "Pair", 2)
    as_caller(client, lead)
    survey_id = new_readiness_survey(client, [support, pair])
    tokens = {person: link_of(world, workspace_id, person) for person in [*people, *pair_people]}
    assert answer(client, tokens[pair_people[0]], answers(2)).status_code == 201
    assert answer(client, tokens[people[0]], answers(4)).status_code == 201
    with session_scope(world.factory, workspace_id) as session:
        invitations = session.query(Invitation).filter_by(survey_id=survey_id).all()
        stored = {invitation.token_hash for invitation in invitations}
        # A reader of the database who hashes the outbox's tokens finds no invitation.
        assert not stored & {hashlib.sha256(token.encode()).hexdigest() for token in tokens.values()}
        assert sorted(invitation.team_id or 0 for invitation in invitations) == [0, 0, *[support] * 6]
        responses = session.query(Response).filter_by(survey_id=survey_id).all()
        assert sorted(response.team_id or 0 for response in responses) == [0, support]


def test_answers_are_checked_and_a_draft_is_edited_before_it_is_sent(client, world) -> None:
    workspace_id = world.workspace()
    lead = world.caller(workspace_id, Role.program_lead)
    team, people = team_of(world, workspace_id, "Ops", 1)
    as_caller(client, lead)
    created = client.post("/api/v1/surveys", json={"template": "pulse"}).json()
    edited = client.patch(
        f"/api/v1/surveys/{created['id']}",
        json={"questions": [*created["questions"][:1], {"key": "trust", "topic": "trust", "text": "Again?"}]},
    )
    assert edited.status_code == 422
    assert edited.json()["errors"][0]["field"] == "questions[1].key"
    kept = client.patch(f"/api/v1/surveys/{created['id']}", json={"title": "Pulse: drafting assistant"})
    assert kept.json()["title"] == "Pulse: drafting assistant"
    assert (
        client.post(
            f"/api/v1/surveys/{created['id']}/send", json={"audience": {"team_ids": [team]}}
        ).status_code
        == 200
    )
    assert client.patch(f"/api/v1/surveys/{created['id']}", json={"title": "Late"}).status_code == 409
    token = link_of(world, workspace_id, people[0])
    wrong = answer(client, token, {"trust": 9, "confidence": 3, "role_concern": 2, "usefulness": 4})
    assert wrong.status_code == 422
    assert {error["field"] for error in wrong.json()["errors"]} == {"answers.trust", "answers.recommend"}
    form = client.get(f"/surveys/respond/{token}")
    assert form.status_code == 200
    assert 'name="answer_recommend"' in form.text
    good = answer(
        client, token, {"trust": 4, "confidence": 3, "role_concern": 2, "usefulness": 4, "recommend": 9}
    )
    assert good.status_code == 201
    assert client.get(f"/surveys/respond/{token}").status_code == 409


@pytest.mark.parametrize("closed_by", ["route", "service"])
def test_a_closed_pulse_about_a_use_case_feeds_the_trust_score_once_k_people_answered(
    client, world, closed_by: str
) -> None:
    """Closing pushes the trust item to analytics from inside the surveys service: closed without a route, too."""
    workspace_id = world.workspace()
    lead = world.caller(workspace_id, Role.program_lead)
    live_use_case(world, workspace_id, owner_id=lead.person_id)
    team, people = team_of(world, workspace_id, "Claims", 5)
    send_usage(client, world, workspace_id, [f"claims{number}@example.com" for number in range(5)])
    as_caller(client, lead)
    created = client.post("/api/v1/surveys", json={"template": "pulse", "use_case": USE_CASE}).json()
    assert created["use_case"] == USE_CASE
    client.post(f"/api/v1/surveys/{created['id']}/send", json={"audience": {"team_ids": [team]}})
    tokens = [link_of(world, workspace_id, person) for person in people]

    def survey_input() -> dict:
        as_caller(client, lead)
        score = client.get(f"/api/v1/use-cases/{USE_CASE}/trust-score").json()
        return next(item for item in score["inputs"] if item["name"] == "survey_trust")

    pulse = {"confidence": 4, "role_concern": 2, "usefulness": 4, "recommend": 8}
    for token, trust in zip(tokens[:4], (5, 4, 4, 3), strict=True):
        assert answer(client, token, {**pulse, "trust": trust}).status_code == 201
    assert survey_input()["value"] is None
    assert answer(client, tokens[4], {**pulse, "trust": 4}).status_code == 201
    # While the survey is open each answer would move the score: it counts once the survey is closed.
    assert survey_input()["value"] is None
    if closed_by == "route":
        close(client, created["id"])
    else:
        with session_scope(world.factory, workspace_id) as session:
            surveys_service.close_survey(
                session,
                workspace_id,
                created["id"],
                actor="test",
                analytics=analytics_service.app_analytics(client.app.state),
            )
    assert survey_input()["value"] == pytest.approx(4.0)
