"""Quizzes: an attempt scored against the pass mark (a pass completes the module), attempts counted per major
version, and a program lead's reset of them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.db import utcnow
from uptake.directory.service import people as people_service
from uptake.enablement import repository, schemas
from uptake.enablement.models import Completion, QuestionKind, QuizAttempt, QuizQuestion, TrainingModule
from uptake.enablement.service.completions import record_completion
from uptake.enablement.service.modules import ModuleNotOpen, get_module, get_module_for_learner
from uptake.errors import Conflict, FieldError, InvalidInput


class NoAttemptsLeft(Conflict):
    title = "No quiz attempts are left for this module."


@dataclass(frozen=True)
class QuestionOutcome:
    question: QuizQuestion
    chosen: list[int]
    is_correct: bool


@dataclass(frozen=True)
class QuizOutcome:
    module: TrainingModule
    attempt: QuizAttempt
    outcomes: list[QuestionOutcome]
    attempts_used: int
    attempts_left: int | None
    completion: Completion | None

    @property
    def passed(self) -> bool:
        return self.attempt.passed

    @property
    def score_percent(self) -> float:
        return self.attempt.score_percent

    def as_schema(self) -> schemas.QuizResult:
        return schemas.QuizResult(
            score_percent=self.attempt.score_percent,
            passed=self.attempt.passed,
            pass_mark_percent=self.module.pass_mark_percent,
            attempts_used=self.attempts_used,
            attempts_left=self.attempts_left,
            feedback=[
                schemas.QuestionFeedback(
                    question_id=outcome.question.id,
                    prompt=outcome.question.prompt,
                    is_correct=outcome.is_correct,
                    explanation=outcome.question.explanation,
                )
                for outcome in self.outcomes
            ],
            completed_at=self.completion.completed_at if self.completion else None,
        )


def attempts_left(module: TrainingModule, used: int) -> int | None:
    return None if module.max_attempts is None else max(0, module.max_attempts - used)


def score_answers(
    questions: list[QuizQuestion], answers: Mapping[int, Collection[int]]
) -> tuple[float, list[QuestionOutcome]]:
    """A question counts when exactly the correct choices were chosen; the score is the share of such questions."""
    outcomes = []
    for question in questions:
        chosen = sorted(
            {index for index in answers.get(question.id, ()) if 0 <= index < len(question.choices)}
        )
        if question.kind == QuestionKind.single and len(chosen) > 1:
            is_correct = False
        else:
            is_correct = set(chosen) == question.correct_choices
        outcomes.append(QuestionOutcome(question=question, chosen=chosen, is_correct=is_correct))
    right = sum(1 for outcome in outcomes if outcome.is_correct)
    score = round(100.0 * right / len(questions), 1) if questions else 100.0
    return score, outcomes


def submit_quiz(
    session: Session,
    workspace_id: int,
    slug: str,
    person_id: int,
    answers: Mapping[int, Collection[int]],
    *,
    now: datetime | None = None,
) -> QuizOutcome:
    """Score one attempt; a pass at or above the pass mark records the completion of this major version."""
    now = now or utcnow()
    module = get_module_for_learner(session, workspace_id, slug)
    if not module.questions:
        raise ModuleNotOpen(f"{slug!r} has no quiz; mark it complete after reading it", slug=slug)
    used = repository.count_attempts(session, workspace_id, module.id, person_id, module.version_major)
    completion = repository.get_completion(session, workspace_id, module.id, person_id, module.version_major)
    if completion is None and module.max_attempts is not None and used >= module.max_attempts:
        raise NoAttemptsLeft(
            f"all {module.max_attempts} attempts at {slug!r} are used; ask a program lead to reset them",
            slug=slug,
        )
    unknown = sorted(set(answers) - {question.id for question in module.questions})
    if unknown:
        raise InvalidInput(errors=[FieldError(f"answers.{unknown[0]}", "is not a question of this module")])
    score, outcomes = score_answers(module.questions, answers)
    passed = score >= module.pass_mark_percent
    attempt = QuizAttempt(
        workspace_id=workspace_id,
        module_id=module.id,
        person_id=person_id,
        version_major=module.version_major,
        version_minor=module.version_minor,
        answers={str(outcome.question.id): outcome.chosen for outcome in outcomes},
        score_percent=score,
        passed=passed,
        submitted_at=now,
    )
    session.add(attempt)
    session.flush()
    if passed:
        completion = record_completion(session, workspace_id, module, person_id, score, now)
    return QuizOutcome(
        module=module,
        attempt=attempt,
        outcomes=outcomes,
        attempts_used=used + 1,
        attempts_left=attempts_left(module, used + 1),
        completion=completion,
    )


def reset_attempts(session: Session, workspace_id: int, slug: str, person_id: int, *, actor: str) -> int:
    """Give a person their attempts at the current major version back (a program lead's decision)."""
    module = get_module(session, workspace_id, slug)
    people_service.get_person(session, workspace_id, person_id)
    removed = repository.delete_attempts(session, workspace_id, module.id, person_id, module.version_major)
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="enablement.attempts.reset",
        target=f"training_module:{module.id}",
        after={"person_id": person_id, "attempts_removed": removed},
    )
    return removed
