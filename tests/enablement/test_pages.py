"""Enablement's pages through the app: the editor with preview, the quiz form, the literacy CSV, coverage."""

from __future__ import annotations

import csv
import io

from enablement.enablement_builders import make_module, module_source
from support import as_caller
from uptake.access.roles import Role


def _form(caller, **fields):
    return {"csrf_token": caller.cookies["uptake_csrf"], **fields}


def test_the_editor_previews_without_saving_then_saves_and_names_mistakes(world, client) -> None:
    workspace = world.workspace()
    lead = world.caller(workspace, Role.program_lead)
    as_caller(client, lead)
    preview = client.post(
        "/training/new-module",
        data=_form(lead, source=module_source(lesson="**Bold** <script>x</script>"), action="preview"),
    )
    assert preview.status_code == 200
    assert "<strong>Bold</strong>" in preview.text
    assert "<script>x" not in preview.text
    assert client.get("/api/v1/training/modules").json() == []
    broken = client.post(
        "/training/new-module", data=_form(lead, source="---\nslug: x\n---\n", action="save")
    )
    assert broken.status_code == 422
    assert "<strong>title</strong>: is required" in broken.text
    saved = client.post(
        "/training/new-module",
        data=_form(lead, source=module_source(), action="save"),
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/training/modules/prompt-basics"
    page = client.get("/training/modules/prompt-basics")
    assert "Writing good prompts" in page.text
    assert 'name="q' in page.text


def test_the_quiz_form_scores_and_explains(world, client) -> None:
    workspace = world.workspace()
    make_module(world, workspace)
    learner = world.caller(workspace, Role.employee)
    as_caller(client, learner)
    module = client.get("/api/v1/training/modules/prompt-basics").json()
    wrong = {f"q{question['id']}": "1" for question in module["quiz"]}
    result = client.post("/training/modules/prompt-basics/quiz", data=_form(learner, **wrong))
    assert 'data-quiz-result="failed"' in result.text
    assert "You stay accountable for what you send." in result.text
    right = {f"q{question['id']}": "0" for question in module["quiz"]}
    result = client.post("/training/modules/prompt-basics/quiz", data=_form(learner, **right))
    assert 'data-quiz-result="passed"' in result.text
    mine = client.get("/training/me")
    assert "Writing good prompts" in mine.text


def test_the_literacy_record_downloads_as_csv(world, client) -> None:
    workspace = world.workspace()
    make_module(world, workspace, module_source("reading", title="Read me", quiz=False))
    learner = world.caller(workspace, Role.employee)
    as_caller(client, learner)
    client.post("/training/modules/reading/completion", data=_form(learner))
    response = client.get("/training/literacy", params={"format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(row["module"], row["version"], row["score_percent"], row["is_current"]) for row in rows] == [
        ("reading", "1.0", "", "yes")
    ]
    assert rows[0]["email"] == learner.email
    pdf = client.get("/training/literacy", params={"format": "pdf"})
    assert pdf.headers["content-type"] == "application/pdf"
    import pypdfium2

    text = pypdfium2.PdfDocument(pdf.content)[0].get_textpage().get_text_range()
    assert "Read me (reading)" in text
    assert learner.email in text
    lead = world.caller(workspace, Role.program_lead)
    as_caller(client, lead)
    found = client.get("/training/people", params={"email": learner.email}, follow_redirects=False)
    assert found.headers["location"] == f"/training/people/{learner.person_id}/literacy"
    theirs = client.get(found.headers["location"])
    assert theirs.status_code == 200
    assert "Read me" in theirs.text


def test_a_refused_learning_path_comes_back_with_what_was_typed(world, client) -> None:
    workspace = world.workspace()
    make_module(world, workspace)
    lead = world.caller(workspace, Role.program_lead)
    as_caller(client, lead)
    typed = {"slug": "starter", "title": "Starter", "module_slugs": "prompt-basics, no-such-module"}
    refused = client.post("/training/paths", data=_form(lead, **typed))
    assert refused.status_code == 422
    assert 'value="prompt-basics, no-such-module"' in refused.text
    assert 'value="Starter"' in refused.text
    assert client.get("/api/v1/learning-paths").json() == []
    too_long = client.post("/training/paths", data=_form(lead, **{**typed, "title": "x" * 201}))
    assert too_long.status_code == 422
    assert "Title may be at most 200 characters." in too_long.text
    created = client.post(
        "/training/paths",
        data=_form(lead, **{**typed, "module_slugs": "prompt-basics"}),
        follow_redirects=False,
    )
    assert (created.status_code, created.headers["location"]) == (303, "/training/paths")
    assert "Learning path “Starter” created." in client.get("/training/paths").text
