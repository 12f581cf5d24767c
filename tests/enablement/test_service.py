"""Training modules, quizzes, completions, re-certification, learning paths and coverage, through the service."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enablement.enablement_builders import make_module, make_use_case, module_source
from uptake.db import session_scope, utcnow
from uptake.directory.schemas import PersonUpdate
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.enablement import schemas
from uptake.enablement.models import QuestionKind, QuizQuestion
from uptake.enablement.service import completions as completions_service
from uptake.enablement.service import learning_paths as learning_paths_service
from uptake.enablement.service import literacy as literacy_service
from uptake.enablement.service import modules as modules_service
from uptake.enablement.service import progress as progress_service
from uptake.enablement.service import quizzes as quizzes_service
from uptake.enablement.training_format import parse_module_source
from uptake.errors import InvalidInput

RIGHT = {0: [0], 1: [0]}


def _answers(session, workspace_id, slug, right: bool) -> dict[int, list[int]]:
    module = modules_service.get_module(session, workspace_id, slug, with_content=True)
    return {question.id: [0 if right else 1] for question in module.questions}


def test_a_failed_then_passed_quiz_records_one_completion_with_score_and_version(world) -> None:
    workspace = world.workspace()
    learner = world.person(workspace)
    slug = make_module(world, workspace)
    with session_scope(world.factory, workspace) as session:
        failed = quizzes_service.submit_quiz(
            session, workspace, slug, learner, _answers(session, workspace, slug, False)
        )
        assert (failed.passed, failed.score_percent, failed.attempts_left) == (False, 0.0, 2)
        assert [outcome.is_correct for outcome in failed.outcomes] == [False, False]
        assert failed.completion is None
        passed = quizzes_service.submit_quiz(
            session, workspace, slug, learner, _answers(session, workspace, slug, True)
        )
        assert (passed.passed, passed.score_percent, passed.attempts_left) == (True, 100.0, 1)
        record = literacy_service.literacy_record(session, workspace, learner)
    assert [(e.module_slug, e.version, e.score_percent, e.is_current) for e in record.entries] == [
        (slug, "1.0", 100.0, True)
    ]


def test_attempts_run_out_and_a_program_lead_can_give_them_back(world) -> None:
    workspace = world.workspace()
    learner = world.person(workspace)
    slug = make_module(world, workspace, module_source(max_attempts=1))
    with session_scope(world.factory, workspace) as session:
        wrong = _answers(session, workspace, slug, False)
        quizzes_service.submit_quiz(session, workspace, slug, learner, wrong)
        with pytest.raises(quizzes_service.NoAttemptsLeft):
            quizzes_service.submit_quiz(session, workspace, slug, learner, wrong)
        assert quizzes_service.reset_attempts(session, workspace, slug, learner, actor="lead") == 1
        assert quizzes_service.submit_quiz(
            session, workspace, slug, learner, _answers(session, workspace, slug, True)
        ).passed


def test_a_new_major_version_needs_recertification_after_the_grace_period(world) -> None:
    workspace = world.workspace()
    learner = world.person(workspace)
    slug = make_module(world, workspace)
    make_use_case(world, workspace, "claims-letters", required_training=[slug])
    with session_scope(world.factory, workspace) as session:
        quizzes_service.submit_quiz(
            session, workspace, slug, learner, _answers(session, workspace, slug, True)
        )
        assert progress_service.has_completed_required_training(session, workspace, learner, "claims-letters")
        modules_service.save_module_source(
            session, workspace, module_source(version="2.0", lesson="New rules."), actor="t", author_id=None
        )
        now = utcnow()
        requirement = progress_service.use_case_requirement(
            session, workspace, learner, "claims-letters", now=now
        )
        assert requirement.modules[0].state == "expiring"
        assert requirement.is_satisfied
        later = now + timedelta(days=31)
        requirement = progress_service.use_case_requirement(
            session, workspace, learner, "claims-letters", now=later
        )
        assert requirement.modules[0].state == "expired"
        assert not requirement.is_satisfied
        assert (
            completions_service.completions_for_use_case(session, workspace, "claims-letters", now=later)
            == {}
        )


def test_a_changed_module_must_raise_its_version_and_the_same_source_changes_nothing(world) -> None:
    workspace = world.workspace()
    make_module(world, workspace)
    with session_scope(world.factory, workspace) as session:
        with pytest.raises(InvalidInput) as raised:
            modules_service.save_module_source(
                session, workspace, module_source(lesson="Changed."), actor="t", author_id=None
            )
        assert [error.field for error in raised.value.errors] == ["version"]
        again = modules_service.save_module_source(
            session, workspace, module_source(), actor="t", author_id=None
        )
        assert again.outcome == "unchanged"
        fixed = modules_service.save_module_source(
            session, workspace, module_source(version="1.1", lesson="Changed."), actor="t", author_id=None
        )
        assert (fixed.outcome, fixed.module.version) == ("updated", "1.1")


def test_bad_front_matter_names_every_field_and_reason() -> None:
    source = """---
slug: Bad Slug
version: one
pass_mark: 140
quiz:
  - question: Pick one
    choices: [only one]
---
Body
"""
    with pytest.raises(InvalidInput) as raised:
        parse_module_source(source)
    fields = {error.field for error in raised.value.errors}
    assert {"slug", "title", "version", "pass_mark", "quiz[0].choices"} <= fields


def test_coverage_hides_teams_below_the_privacy_floor(world) -> None:
    workspace = world.workspace()
    slug = make_module(world, workspace)
    with session_scope(world.factory, workspace) as session:
        big = teams_service.create_team(session, workspace, name="Claims")
        small = teams_service.create_team(session, workspace, name="Legal")
        big_id, small_id = big.id, small.id
    people = []
    for index in range(6):
        person = world.person(workspace)
        people.append(person)
        with session_scope(world.factory, workspace) as session:
            moved = PersonUpdate(team_id=big_id if index < 5 else small_id)
            people_service.update_person(session, workspace, person, moved, actor="test")
    with session_scope(world.factory, workspace) as session:
        for person in people[:3]:
            quizzes_service.submit_quiz(
                session, workspace, slug, person, _answers(session, workspace, slug, True)
            )
        rows = {
            row.team_name: row
            for row in literacy_service.literacy_coverage(session, workspace, privacy_floor=5)
        }
    assert (rows["Claims"].people, rows["Claims"].trained, rows["Claims"].suppressed) == (5, 3, False)
    assert (rows["Legal"].people, rows["Legal"].trained, rows["Legal"].suppressed) == (None, None, True)


def test_learning_paths_name_unknown_modules_by_position(world) -> None:
    workspace = world.workspace()
    slug = make_module(world, workspace)
    with session_scope(world.factory, workspace) as session:
        with pytest.raises(InvalidInput) as raised:
            learning_paths_service.create_learning_path(
                session,
                workspace,
                schemas.LearningPathCreate(slug="basics", title="Basics", module_slugs=[slug, "nope"]),
                actor="t",
            )
        assert [(e.field, e.reason) for e in raised.value.errors] == [
            ("module_slugs[1]", "there is no training module 'nope'")
        ]
        path = learning_paths_service.create_learning_path(
            session,
            workspace,
            schemas.LearningPathCreate(slug="basics", title="Basics", module_slugs=[slug]),
            actor="t",
        )
        assert path.module_slugs == [slug]


@given(
    correct=st.sets(st.integers(0, 4), min_size=1),
    chosen=st.lists(st.integers(-2, 8), max_size=8),
)
def test_a_multiple_choice_question_counts_only_when_exactly_the_right_choices_are_chosen(
    correct, chosen
) -> None:
    question = QuizQuestion(
        id=1,
        prompt="Which?",
        kind=QuestionKind.multiple,
        choices=[{"text": str(index), "correct": index in correct} for index in range(5)],
    )
    score, outcomes = quizzes_service.score_answers([question], {1: chosen})
    expected = {index for index in chosen if 0 <= index < 5} == correct
    assert outcomes[0].is_correct is expected
    assert score == (100.0 if expected else 0.0)
