"""enablement/service/quizzes.py: attempts scored against the pass mark, counted per major version, reset."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enablement.enablement_builders import make_module, module_source, quiz_answers
from uptake.db import session_scope
from uptake.enablement.models import QuestionKind, QuizQuestion
from uptake.enablement.service import literacy as literacy_service
from uptake.enablement.service import modules as modules_service
from uptake.enablement.service import quizzes as quizzes_service
from uptake.errors import InvalidInput


def test_a_failed_then_passed_quiz_records_one_completion_with_score_and_version(world) -> None:
    workspace = world.workspace()
    learner = world.person(workspace)
    slug = make_module(world, workspace)
    with session_scope(world.factory, workspace) as session:
        failed = quizzes_service.submit_quiz(
            session, workspace, slug, learner, quiz_answers(session, workspace, slug, False)
        )
        assert (failed.passed, failed.score_percent, failed.attempts_left) == (False, 0.0, 2)
        assert [outcome.is_correct for outcome in failed.outcomes] == [False, False]
        assert failed.completion is None
        passed = quizzes_service.submit_quiz(
            session, workspace, slug, learner, quiz_answers(session, workspace, slug, True)
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
        wrong = quiz_answers(session, workspace, slug, False)
        quizzes_service.submit_quiz(session, workspace, slug, learner, wrong)
        with pytest.raises(quizzes_service.NoAttemptsLeft):
            quizzes_service.submit_quiz(session, workspace, slug, learner, wrong)
        assert quizzes_service.reset_attempts(session, workspace, slug, learner, actor="lead") == 1
        assert quizzes_service.submit_quiz(
            session, workspace, slug, learner, quiz_answers(session, workspace, slug, True)
        ).passed


def test_a_quiz_refuses_answers_to_questions_it_does_not_have_and_a_module_without_a_quiz(world) -> None:
    workspace = world.workspace()
    learner = world.person(workspace)
    slug = make_module(world, workspace)
    reading = make_module(world, workspace, module_source("reading-only", quiz=False))
    with session_scope(world.factory, workspace) as session:
        answers = quiz_answers(session, workspace, slug, True)
        with pytest.raises(InvalidInput) as raised:
            quizzes_service.submit_quiz(session, workspace, slug, learner, {**answers, 999_999: [0]})
        assert [error.field for error in raised.value.errors] == ["answers.999999"]
        with pytest.raises(modules_service.ModuleNotOpen):
            quizzes_service.submit_quiz(session, workspace, reading, learner, {})
        with pytest.raises(modules_service.ModuleNotFound):
            quizzes_service.submit_quiz(session, workspace, "no-such-module", learner, {})
        passed = quizzes_service.submit_quiz(session, workspace, slug, learner, answers)
        assert passed.as_schema().feedback[0].is_correct
        assert passed.as_schema().completed_at == passed.completion.completed_at


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
