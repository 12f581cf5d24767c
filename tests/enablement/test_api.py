"""Enablement's JSON routes: authoring, taking a quiz, progress, the literacy record, coverage, paths, champions."""

from __future__ import annotations

from enablement.enablement_builders import make_module, make_use_case, module_source
from support import as_caller
from uptake.access.roles import Role
from uptake.db import session_scope
from uptake.directory.service import teams as teams_service


def test_a_lead_authors_a_module_and_a_learner_never_sees_the_right_answers(world, client) -> None:
    workspace = world.workspace()
    lead = world.caller(workspace, Role.program_lead)
    learner = world.caller(workspace, Role.employee)
    as_caller(client, lead)
    created = client.post("/api/v1/training/modules", json={"source": module_source()})
    assert created.status_code == 201, created.text
    assert created.json()["outcome"] == "created"
    assert created.json()["module"]["version"] == "1.0"
    bad = client.put("/api/v1/training/modules/prompt-basics", json={"source": module_source(lesson="New")})
    assert bad.status_code == 422
    assert [error["field"] for error in bad.json()["errors"]] == ["version"]

    as_caller(client, learner)
    module = client.get("/api/v1/training/modules/prompt-basics").json()
    assert "correct" not in str(module)
    assert [len(question["choices"]) for question in module["quiz"]] == [2, 2]
    answers = {str(question["id"]): [1] for question in module["quiz"]}
    failed = client.post("/api/v1/training/modules/prompt-basics/attempts", json={"answers": answers})
    assert failed.status_code == 201
    assert failed.json()["passed"] is False
    assert failed.json()["attempts_left"] == 2
    assert [item["explanation"] for item in failed.json()["feedback"]] == [
        "The assistant knows only what you tell it.",
        "You stay accountable for what you send.",
    ]
    answers = {str(question["id"]): [0] for question in module["quiz"]}
    passed = client.post("/api/v1/training/modules/prompt-basics/attempts", json={"answers": answers}).json()
    assert passed["passed"] is True
    assert passed["completed_at"] is not None
    record = client.get("/api/v1/training/me/literacy").json()
    assert [(entry["module_slug"], entry["score_percent"]) for entry in record["entries"]] == [
        ("prompt-basics", 100.0)
    ]
    assert client.get(f"/api/v1/training/people/{lead.person_id}/literacy").status_code == 403


def test_an_unknown_question_is_named_and_nothing_is_recorded(world, client) -> None:
    workspace = world.workspace()
    make_module(world, workspace)
    as_caller(client, world.caller(workspace, Role.employee))
    response = client.post("/api/v1/training/modules/prompt-basics/attempts", json={"answers": {"999": [0]}})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "answers.999", "reason": "is not a question of this module"}
    ]
    progress = client.get("/api/v1/training/me").json()
    assert progress["completions"] == []


def test_my_training_lists_the_use_cases_required_training(world, client) -> None:
    workspace = world.workspace()
    slug = make_module(world, workspace)
    make_module(world, workspace, module_source("reading-only", title="Read me", quiz=False))
    learner = world.caller(workspace, Role.employee)
    make_use_case(world, workspace, "claims-letters", required_training=[slug, "reading-only"])
    as_caller(client, learner)
    requirement = client.get("/api/v1/training/use-cases/claims-letters/requirement").json()
    assert [(m["module_slug"], m["state"]) for m in requirement["modules"]] == [
        (slug, "not_started"),
        ("reading-only", "not_started"),
    ]
    assert client.post("/api/v1/training/modules/reading-only/completion").status_code == 201
    assert client.post(f"/api/v1/training/modules/{slug}/completion").status_code == 409
    requirement = client.get("/api/v1/training/use-cases/claims-letters/requirement").json()
    assert [m["state"] for m in requirement["modules"]] == ["not_started", "completed"]
    assert requirement["is_satisfied"] is False


def test_modules_do_not_leak_across_workspaces(world, client) -> None:
    first, second = world.workspace(), world.workspace()
    make_module(world, first)
    as_caller(client, world.caller(second, Role.program_lead))
    assert client.get("/api/v1/training/modules").json() == []
    assert client.get("/api/v1/training/modules/prompt-basics").status_code == 404


def test_the_module_list_takes_a_fixed_number_of_queries(world, client, count_queries) -> None:
    workspace = world.workspace()
    for index in range(15):
        make_module(world, workspace, module_source(f"module-{index}"))
    as_caller(client, world.caller(workspace, Role.employee))
    with count_queries() as queries:
        assert len(client.get("/api/v1/training/modules").json()) == 15
    assert queries.count <= 6


def test_a_team_lead_nominates_champions_only_in_teams_they_lead(world, client) -> None:
    workspace = world.workspace()
    team_lead = world.caller(workspace, Role.team_lead)
    helper = world.person(workspace, name="Helpful Hana")
    with session_scope(world.factory, workspace) as session:
        led = teams_service.create_team(session, workspace, name="Claims", lead_id=team_lead.person_id)
        other = teams_service.create_team(session, workspace, name="Legal")
        led_id, other_id = led.id, other.id
    as_caller(client, team_lead)
    refused = client.post("/api/v1/champions", json={"person_id": helper, "team_id": other_id})
    assert refused.status_code == 403
    made = client.post("/api/v1/champions", json={"person_id": helper, "team_id": led_id, "note": "prompts"})
    assert made.status_code == 201, made.text
    assert made.json()["display_name"] == "Helpful Hana"
    listed = client.get("/api/v1/champions", params={"team_id": led_id}).json()
    assert [(c["person_id"], c["note"]) for c in listed] == [(helper, "prompts")]
    again = client.post("/api/v1/champions", json={"person_id": helper, "team_id": led_id})
    assert again.status_code == 409
