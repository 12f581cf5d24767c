"""Enablement: author and import training modules, take quizzes, record completions, learning paths, the
AI-literacy record and its coverage per team, and champions.

Other domains ask two questions here: ``has_completed_required_training`` (rollout: may P use U yet?) and
``completions_for_use_case`` (analytics' funnel and rollout gates: who is trained for U, since when?).

File length: about 600 lines, kept together because modules, progress and requirements share their rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.auth.principal import Principal
from uptake.auth.roles import Role
from uptake.catalog import service as catalog_service
from uptake.db import utcnow
from uptake.directory import service as directory_service
from uptake.enablement import repository, schemas
from uptake.enablement.models import (
    Champion,
    Completion,
    LearningPath,
    ModuleImage,
    ModuleStatus,
    QuestionKind,
    QuizAttempt,
    QuizQuestion,
    TrainingLesson,
    TrainingModule,
)
from uptake.enablement.training_format import ModuleDraft, parse_module_source
from uptake.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound

IMAGE_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}
MAX_IMAGE_BYTES = 2 * 1024 * 1024
LEFT = "left"


class ModuleNotFound(NotFound):
    title = "There is no training module with this slug."


class ModuleSlugTaken(Conflict):
    title = "A training module with this slug already exists."


class ModuleVersionNotRaised(InvalidInput):
    title = "The module's content changed but its version did not go up."


class ModuleNotOpen(Conflict):
    title = "This training module is not open to learners."


class NoAttemptsLeft(Conflict):
    title = "No quiz attempts are left for this module."


class ModuleHasQuiz(Conflict):
    title = "This module is completed by passing its quiz."


class LearningPathNotFound(NotFound):
    title = "There is no learning path with this slug."


class LearningPathSlugTaken(Conflict):
    title = "A learning path with this slug already exists."


class ChampionNotFound(NotFound):
    title = "There is no such champion."


class ChampionAlreadyNominated(Conflict):
    title = "This person is already a champion here."


class ImageRejected(InvalidInput):
    title = "This image cannot be stored with the module."


# -- modules ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleSaveResult:
    module: TrainingModule
    outcome: Literal["created", "updated", "unchanged"]


def preview_module_source(source: str) -> ModuleDraft:
    """Parse a module's source without storing anything (the editor's preview)."""
    return parse_module_source(source)


def image_content_type(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = IMAGE_TYPES.get(extension)
    if content_type is None:
        raise ImageRejected(
            f"{name}: only PNG, JPEG, GIF and WebP images can be stored",
            errors=[FieldError("image", "use a .png, .jpg, .gif or .webp file")],
        )
    return content_type


def _module_snapshot(module: TrainingModule) -> dict[str, Any]:
    return {
        "slug": module.slug,
        "version": module.version,
        "status": str(module.status),
        "content_sha256": module.content_sha256,
    }


def _apply_draft(session: Session, module: TrainingModule, draft: ModuleDraft) -> None:
    module.title = draft.title
    module.summary = draft.summary
    module.estimated_minutes = draft.estimated_minutes
    module.pass_mark_percent = draft.pass_mark_percent
    module.max_attempts = draft.max_attempts
    module.recertification_grace_days = draft.recertification_grace_days
    module.status = ModuleStatus(draft.status)
    module.source = draft.source
    module.content_sha256 = draft.content_sha256
    module.version_minor = draft.version_minor
    module.lessons = [
        TrainingLesson(
            workspace_id=module.workspace_id,
            position=index,
            title=lesson.title,
            body_markdown=lesson.body_markdown,
        )
        for index, lesson in enumerate(draft.lessons)
    ]
    module.questions = [
        QuizQuestion(
            workspace_id=module.workspace_id,
            position=index,
            prompt=question.prompt,
            kind=QuestionKind(question.kind),
            choices=[{"text": choice.text, "correct": choice.correct} for choice in question.choices],
            explanation=question.explanation,
        )
        for index, question in enumerate(draft.questions)
    ]


def save_module_source(
    session: Session,
    workspace_id: int,
    source: str,
    *,
    actor: str,
    author_id: int | None,
    images: Mapping[str, bytes] | None = None,
    expected_slug: str | None = None,
    now: datetime | None = None,
) -> ModuleSaveResult:
    """Create or update the module the source describes (editor, API and ``uptake import training``).

    A changed module must carry a higher version: ``x.y+1`` for a correction, ``x+1.0`` when people must take it
    again (their older completion then stays valid for the module's grace period). The same version with the same
    content is left unchanged, so importing a folder twice changes nothing.
    """
    draft = parse_module_source(source, expected_slug=expected_slug)
    now = now or utcnow()
    module = repository.get_module_by_slug(session, workspace_id, draft.slug, with_content=True)
    outcome: Literal["created", "updated", "unchanged"]
    if module is None:
        if expected_slug is not None:
            raise ModuleNotFound(f"no training module has the slug {expected_slug!r}", slug=expected_slug)
        module = TrainingModule(
            workspace_id=workspace_id,
            slug=draft.slug,
            version_major=draft.version_major,
            major_version_at=now,
            updated_by_id=author_id,
            lessons=[],
            questions=[],
        )
        _apply_draft(session, module, draft)
        session.add(module)
        session.flush()
        outcome = "created"
        before = None
    else:
        stored = (module.version_major, module.version_minor)
        wanted = (draft.version_major, draft.version_minor)
        changed = draft.content_sha256 != module.content_sha256
        if wanted < stored:
            raise ModuleVersionNotRaised(
                f"{draft.slug} is at version {module.version}; the source says {draft.version}",
                errors=[FieldError("version", f"must not go below the stored version {module.version}")],
            )
        if wanted == stored and changed:
            raise ModuleVersionNotRaised(
                f"{draft.slug} changed but is still version {module.version}",
                errors=[
                    FieldError(
                        "version",
                        f"raise it: {module.version_major}.{module.version_minor + 1} for a correction, "
                        f"{module.version_major + 1}.0 when people must take the module again",
                    )
                ],
            )
        if wanted == stored and draft.status == str(module.status) and draft.source == module.source:
            outcome = "unchanged"
        else:
            before = _module_snapshot(module)
            if draft.version_major > module.version_major:
                module.version_major = draft.version_major
                module.major_version_at = now
            _apply_draft(session, module, draft)
            module.updated_by_id = author_id
            module.updated_at = now
            session.flush()
            outcome = "updated"
    if images:
        for name, data in images.items():
            store_module_image(session, workspace_id, module, name, data)
    if outcome != "unchanged":
        audit_service.record_audit_entry(
            session,
            workspace_id,
            actor=actor,
            action=f"enablement.module.{outcome}",
            target=f"training_module:{module.id}",
            before=before,
            after=_module_snapshot(module),
        )
    return ModuleSaveResult(module=module, outcome=outcome)


def store_module_image(
    session: Session, workspace_id: int, module: TrainingModule, name: str, data: bytes
) -> ModuleImage:
    """Store (or replace) an image a lesson refers to by ``name``."""
    name = name.strip().replace("\\", "/")
    if not name or len(name) > 300 or ".." in name.split("/") or name.startswith("/"):
        raise ImageRejected(
            f"{name!r} is not a usable image name", errors=[FieldError("image", "use a relative file name")]
        )
    content_type = image_content_type(name)
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRejected(
            f"{name} is larger than 2 MB", errors=[FieldError("image", "must be at most 2 MB")]
        )
    image = repository.get_image(session, workspace_id, module.id, name)
    if image is None:
        image = ModuleImage(
            workspace_id=workspace_id, module_id=module.id, name=name, content_type=content_type, data=data
        )
        session.add(image)
    else:
        image.content_type = content_type
        image.data = data
    session.flush()
    return image


def add_module_image(
    session: Session, workspace_id: int, slug: str, name: str, data: bytes, *, actor: str
) -> ModuleImage:
    module = get_module(session, workspace_id, slug)
    image = store_module_image(session, workspace_id, module, name, data)
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="enablement.module_image.stored",
        target=f"training_module:{module.id}",
        after={"name": image.name, "bytes": len(data)},
    )
    return image


def get_module_image(session: Session, workspace_id: int, slug: str, name: str) -> ModuleImage:
    module = get_module(session, workspace_id, slug)
    image = repository.get_image(session, workspace_id, module.id, name)
    if image is None:
        raise NotFound(f"module {slug!r} has no image {name!r}")
    return image


def get_module(
    session: Session, workspace_id: int, slug: str, *, with_content: bool = False
) -> TrainingModule:
    module = repository.get_module_by_slug(session, workspace_id, slug, with_content=with_content)
    if module is None:
        raise ModuleNotFound(f"no training module has the slug {slug!r}", slug=slug)
    return module


def get_module_for_learner(session: Session, workspace_id: int, slug: str) -> TrainingModule:
    module = get_module(session, workspace_id, slug, with_content=True)
    if module.status != ModuleStatus.published:
        raise ModuleNotOpen(f"{slug!r} is {module.status.value}", slug=slug)
    return module


def list_modules(session: Session, workspace_id: int, *, published_only: bool = True) -> list[TrainingModule]:
    statuses = [ModuleStatus.published] if published_only else None
    return repository.list_modules(session, workspace_id, statuses=statuses)


def list_image_names(session: Session, workspace_id: int, module: TrainingModule) -> list[str]:
    return repository.list_image_names(session, workspace_id, module.id)


def module_output(session: Session, workspace_id: int, module: TrainingModule) -> schemas.Module:
    """A module as a learner sees it: lessons and questions, never which choices are correct."""
    return schemas.Module(
        **schemas.ModuleSummary.model_validate(module).model_dump(),
        lessons=[schemas.Lesson.model_validate(lesson) for lesson in module.lessons],
        quiz=[
            schemas.QuizQuestion(
                id=question.id,
                position=question.position,
                prompt=question.prompt,
                kind=question.kind.value,
                choices=[schemas.Choice(text=str(choice.get("text", ""))) for choice in question.choices],
            )
            for question in module.questions
        ],
        image_names=list_image_names(session, workspace_id, module),
    )


# -- quizzes and completions ------------------------------------------------------------------------------------


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


def _attempts_left(module: TrainingModule, used: int) -> int | None:
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


def _record_completion(
    session: Session,
    workspace_id: int,
    module: TrainingModule,
    person_id: int,
    score: float | None,
    now: datetime,
) -> Completion:
    existing = repository.get_completion(session, workspace_id, module.id, person_id, module.version_major)
    if existing is not None:
        return existing
    completion = Completion(
        workspace_id=workspace_id,
        module_id=module.id,
        person_id=person_id,
        version_major=module.version_major,
        version_minor=module.version_minor,
        score_percent=score,
        completed_at=now,
    )
    session.add(completion)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=f"person:{person_id}",
        action="enablement.completion.recorded",
        target=f"training_module:{module.id}",
        after={"person_id": person_id, "version": completion.version, "score_percent": score},
    )
    return completion


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
        completion = _record_completion(session, workspace_id, module, person_id, score, now)
    return QuizOutcome(
        module=module,
        attempt=attempt,
        outcomes=outcomes,
        attempts_used=used + 1,
        attempts_left=_attempts_left(module, used + 1),
        completion=completion,
    )


def complete_reading(
    session: Session, workspace_id: int, slug: str, person_id: int, *, now: datetime | None = None
) -> Completion:
    """Complete a module that has no quiz, by having read it."""
    module = get_module_for_learner(session, workspace_id, slug)
    if module.questions:
        raise ModuleHasQuiz(f"{slug!r} is completed by passing its quiz", slug=slug)
    return _record_completion(session, workspace_id, module, person_id, None, now or utcnow())


BULK_CHUNK = 2000  # ids per statement: well within SQLite's and PostgreSQL's limits on bound parameters


def record_completions_in_bulk(
    session: Session,
    workspace_id: int,
    slug: str,
    completions: Mapping[int, datetime],
    *,
    actor: str,
    score_percent: float | None = None,
) -> int:
    """Record many people's completion of a module's current major version at once (an import of training
    done elsewhere, the demo's history): one statement and one audit entry instead of one per person. People
    who already completed this version keep their completion; ids not in the workspace are refused by name.
    Returns how many completions were added."""
    module = get_module(session, workspace_id, slug, with_content=True)
    wanted = sorted(completions)
    known: set[int] = set()
    for start in range(0, len(wanted), BULK_CHUNK):
        chunk = wanted[start : start + BULK_CHUNK]
        known.update(
            person.id for person in directory_service.list_people_by_ids(session, workspace_id, chunk)
        )
    unknown = [person_id for person_id in completions if person_id not in known]
    if unknown:
        raise InvalidInput(
            errors=[FieldError(f"completions.{unknown[0]}", "is not a person of this workspace")]
        )
    done = repository.completed_person_ids(session, workspace_id, module.id, module.version_major)
    rows: list[dict[str, object]] = [
        {
            "workspace_id": workspace_id,
            "module_id": module.id,
            "person_id": person_id,
            "version_major": module.version_major,
            "version_minor": module.version_minor,
            "score_percent": score_percent if module.questions else None,
            "completed_at": completed_at,
        }
        for person_id, completed_at in sorted(completions.items())
        if person_id not in done
    ]
    for start in range(0, len(rows), BULK_CHUNK):
        repository.insert_completions(session, rows[start : start + BULK_CHUNK])
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="enablement.completion.imported",
        target=f"training_module:{module.id}",
        after={"version": module.version, "count": len(rows)},
    )
    return len(rows)


def reset_attempts(session: Session, workspace_id: int, slug: str, person_id: int, *, actor: str) -> int:
    """Give a person their attempts at the current major version back (a program lead's decision)."""
    module = get_module(session, workspace_id, slug)
    directory_service.get_person(session, workspace_id, person_id)
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


# -- progress and requirements ----------------------------------------------------------------------------------


def recertification_due_at(module: TrainingModule) -> datetime:
    return module.major_version_at + timedelta(days=module.recertification_grace_days)


def completion_is_valid(module: TrainingModule, completion: Completion, now: datetime) -> bool:
    """A completion counts for the current major version, or for an older one until the grace period ends."""
    if completion.version_major >= module.version_major:
        return True
    return now < recertification_due_at(module)


def _completion_schema(module: TrainingModule, completion: Completion) -> schemas.Completion:
    return schemas.Completion(
        module_slug=module.slug,
        module_title=module.title,
        version=completion.version,
        score_percent=completion.score_percent,
        completed_at=completion.completed_at,
    )


def module_progress(
    module: TrainingModule, completions: list[Completion], attempts_used: int, now: datetime
) -> schemas.ModuleProgress:
    """Where one person stands on one module (``completions``: theirs for this module, any version)."""
    latest = max(completions, key=lambda item: (item.version_major, item.completed_at), default=None)
    state: schemas.ProgressState
    due_at = None
    if latest is not None and latest.version_major >= module.version_major:
        state = "completed"
    elif latest is not None and completion_is_valid(module, latest, now):
        state, due_at = "expiring", recertification_due_at(module)
    elif latest is not None:
        state, due_at = "expired", recertification_due_at(module)
    elif module.max_attempts is not None and attempts_used >= module.max_attempts:
        state = "locked"
    elif attempts_used > 0:
        state = "in_progress"
    else:
        state = "not_started"
    if state == "expired" and module.max_attempts is not None and attempts_used >= module.max_attempts:
        state = "locked"
    return schemas.ModuleProgress(
        module_slug=module.slug,
        module_title=module.title,
        module_version=module.version,
        estimated_minutes=module.estimated_minutes,
        state=state,
        attempts_used=attempts_used,
        attempts_left=_attempts_left(module, attempts_used),
        completion=_completion_schema(module, latest) if latest is not None else None,
        due_at=due_at,
    )


def is_satisfied(progress: schemas.ModuleProgress) -> bool:
    return progress.state in ("completed", "expiring")


def progress_for_modules(
    session: Session,
    workspace_id: int,
    person_id: int,
    modules: list[TrainingModule],
    *,
    now: datetime | None = None,
) -> list[schemas.ModuleProgress]:
    now = now or utcnow()
    module_ids = [module.id for module in modules]
    completions: dict[int, list[Completion]] = defaultdict(list)
    for completion in repository.list_completions_for_modules(
        session, workspace_id, module_ids, person_ids=[person_id]
    ):
        completions[completion.module_id].append(completion)
    attempts = repository.attempts_by_module(session, workspace_id, person_id, module_ids)
    return [
        module_progress(
            module, completions[module.id], attempts.get((module.id, module.version_major), 0), now
        )
        for module in modules
    ]


def _modules_in_order(session: Session, workspace_id: int, slugs: list[str]) -> list[TrainingModule]:
    """The published modules named by ``slugs``, in that order (unknown or unpublished slugs are skipped)."""
    by_slug = {
        module.slug: module for module in repository.list_modules_by_slugs(session, workspace_id, slugs)
    }
    return [
        by_slug[slug] for slug in slugs if slug in by_slug and by_slug[slug].status == ModuleStatus.published
    ]


def required_modules_for_use_case(
    session: Session, workspace_id: int, use_case_slug: str
) -> list[TrainingModule]:
    use_case = catalog_service.get_use_case_by_slug(session, workspace_id, use_case_slug)
    return _modules_in_order(session, workspace_id, list(use_case.required_training))


def use_case_requirement(
    session: Session, workspace_id: int, person_id: int, use_case_slug: str, *, now: datetime | None = None
) -> schemas.Requirement:
    """The use case's required training and where this person stands on each module."""
    use_case = catalog_service.get_use_case_by_slug(session, workspace_id, use_case_slug)
    modules = _modules_in_order(session, workspace_id, list(use_case.required_training))
    progress = progress_for_modules(session, workspace_id, person_id, modules, now=now)
    return schemas.Requirement(
        kind="use_case",
        key=use_case.slug,
        title=use_case.title,
        modules=progress,
        is_satisfied=all(is_satisfied(item) for item in progress),
    )


def has_completed_required_training(
    session: Session, workspace_id: int, person_id: int, use_case_slug: str, *, now: datetime | None = None
) -> bool:
    """Did the person complete every module the use case requires (older major versions count until their grace
    period ends)? True when the use case requires none."""
    return use_case_requirement(session, workspace_id, person_id, use_case_slug, now=now).is_satisfied


def completions_for_use_case(
    session: Session,
    workspace_id: int,
    use_case_slug: str,
    *,
    person_ids: Collection[int] | None = None,
    now: datetime | None = None,
) -> dict[int, datetime]:
    """person id → when they became trained for the use case (the date of their last required completion), for
    every person (of ``person_ids``, when given) whose required training is complete and valid now. A use case
    that requires no training gives an empty mapping: nobody needs to be trained for it."""
    now = now or utcnow()
    modules = required_modules_for_use_case(session, workspace_id, use_case_slug)
    if not modules:
        return {}
    by_id = {module.id: module for module in modules}
    valid: dict[int, dict[int, datetime]] = defaultdict(dict)
    for completion in repository.list_completions_for_modules(
        session, workspace_id, list(by_id), person_ids=person_ids
    ):
        module = by_id[completion.module_id]
        if completion_is_valid(module, completion, now):
            seen = valid[completion.person_id].get(module.id)
            if seen is None or completion.completed_at < seen:
                valid[completion.person_id][module.id] = completion.completed_at
    return {
        person_id: max(dates.values()) for person_id, dates in valid.items() if len(dates) == len(modules)
    }


def training_overview(
    session: Session, workspace_id: int, person_id: int, *, now: datetime | None = None
) -> schemas.TrainingOverview:
    """What is required of a person (their role's learning paths, the use cases aimed at them), what is done,
    what is expiring, and every completion they have."""
    now = now or utcnow()
    job_role_id = directory_service.get_person(session, workspace_id, person_id).job_role_id
    requirements: list[schemas.Requirement] = []
    modules_by_id = {module.id: module for module in repository.list_modules(session, workspace_id)}
    for path in repository.list_learning_paths_for_role(session, workspace_id, job_role_id):
        modules = [
            modules_by_id[step.module_id]
            for step in path.steps
            if step.module_id in modules_by_id
            and modules_by_id[step.module_id].status == ModuleStatus.published
        ]
        progress = progress_for_modules(session, workspace_id, person_id, modules, now=now)
        requirements.append(
            schemas.Requirement(
                kind="learning_path",
                key=path.slug,
                title=path.title,
                modules=progress,
                is_satisfied=all(is_satisfied(item) for item in progress),
            )
        )
    use_cases, _ = catalog_service.list_use_cases(
        session, workspace_id, for_person_id=person_id, published_only=True, limit=500
    )
    for use_case in use_cases:
        if use_case.required_training:
            requirements.append(
                use_case_requirement(session, workspace_id, person_id, use_case.slug, now=now)
            )
    completions = [
        _completion_schema(modules_by_id[completion.module_id], completion)
        for completion in repository.list_completions_for_person(session, workspace_id, person_id)
        if completion.module_id in modules_by_id
    ]
    return schemas.TrainingOverview(person_id=person_id, requirements=requirements, completions=completions)


# -- the AI-literacy record -------------------------------------------------------------------------------------


def literacy_record(
    session: Session, workspace_id: int, person_id: int, *, now: datetime | None = None
) -> schemas.LiteracyRecord:
    """Every module a person completed and when: evidence for the EU AI Act's Art. 4 AI-literacy duty."""
    now = now or utcnow()
    person = directory_service.get_person_with_relations(session, workspace_id, person_id)
    completions = repository.list_completions_for_person(session, workspace_id, person_id)
    modules = {
        module.id: module
        for module in repository.list_modules_by_ids(
            session, workspace_id, {c.module_id for c in completions}
        )
    }
    entries = [
        schemas.LiteracyEntry(
            module_slug=modules[completion.module_id].slug,
            module_title=modules[completion.module_id].title,
            version=completion.version,
            score_percent=completion.score_percent,
            completed_at=completion.completed_at,
            is_current=completion_is_valid(modules[completion.module_id], completion, now),
        )
        for completion in completions
    ]
    return schemas.LiteracyRecord(
        person_id=person.id,
        display_name=person.display_name,
        email=person.email,
        team=person.team.name if person.team else None,
        job_role=person.job_role.name if person.job_role else None,
        generated_at=now,
        entries=entries,
    )


def literacy_coverage(
    session: Session,
    workspace_id: int,
    *,
    privacy_floor: int,
    module_slug: str | None = None,
    now: datetime | None = None,
) -> list[schemas.TeamCoverage]:
    """Per team (with its subteams): people, people with a valid completion (of ``module_slug``, or of any module),
    and people whose role's learning paths are complete. A team of fewer than ``privacy_floor`` people shows no
    figures. Listed as the team tree, parents before their subteams."""
    now = now or utcnow()
    if module_slug is not None:
        modules = [get_module(session, workspace_id, module_slug)]
    else:
        modules = repository.list_modules(session, workspace_id, statuses=[ModuleStatus.published])
    by_id = {module.id: module for module in modules}
    people = [
        person
        for person in directory_service.person_snapshots(session, workspace_id)
        if str(person.employment_status) != LEFT
    ]
    trained: set[int] = set()
    valid_modules: dict[int, set[int]] = defaultdict(set)
    for completion in repository.list_completions_for_modules(session, workspace_id, list(by_id)):
        if completion_is_valid(by_id[completion.module_id], completion, now):
            trained.add(completion.person_id)
            valid_modules[completion.person_id].add(completion.module_id)
    path_modules: dict[int | None, set[int]] = defaultdict(set)
    everyone: set[int] = set()
    for path in repository.list_learning_paths(session, workspace_id):
        target = everyone if path.job_role_id is None else path_modules[path.job_role_id]
        target.update(step.module_id for step in path.steps if step.module_id in by_id)

    def required_complete(person_id: int, job_role_id: int | None) -> bool:
        needed = everyone | path_modules.get(job_role_id, set())
        return needed <= valid_modules.get(person_id, set())

    teams = directory_service.list_all_teams(session, workspace_id)
    members: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for person in people:
        if person.team_id is not None:
            members[person.team_id].append((person.id, person.job_role_id))
    rows = []
    for team in sorted(
        teams, key=lambda item: [int(part) for part in item.path.strip("/").split("/") if part]
    ):
        prefix = team.path
        inside = [
            member for other in teams if other.path.startswith(prefix) for member in members.get(other.id, [])
        ]
        count = len(inside)
        suppressed = count < privacy_floor
        rows.append(
            schemas.TeamCoverage(
                team_id=team.id,
                team_name=team.name,
                depth=max(0, team.path.strip("/").count("/")),
                people=None if suppressed else count,
                trained=None if suppressed else sum(1 for person_id, _ in inside if person_id in trained),
                required_complete=None
                if suppressed
                else sum(1 for person_id, role in inside if required_complete(person_id, role)),
                suppressed=suppressed,
                suppression_reason=f"fewer than {privacy_floor} people" if suppressed else None,
            )
        )
    return rows


# -- learning paths ---------------------------------------------------------------------------------------------


def _module_ids_for(session: Session, workspace_id: int, slugs: list[str]) -> list[int]:
    found = {
        module.slug: module.id for module in repository.list_modules_by_slugs(session, workspace_id, slugs)
    }
    errors = [
        FieldError(f"module_slugs[{index}]", f"there is no training module {slug!r}")
        for index, slug in enumerate(slugs)
        if slug not in found
    ]
    if errors:
        raise InvalidInput(errors=errors)
    return list(dict.fromkeys(found[slug] for slug in slugs))


def learning_path_output(path: LearningPath, slugs_by_id: Mapping[int, str]) -> schemas.LearningPath:
    return schemas.LearningPath(
        id=path.id,
        slug=path.slug,
        title=path.title,
        description=path.description,
        job_role_id=path.job_role_id,
        module_slugs=[slugs_by_id[step.module_id] for step in path.steps if step.module_id in slugs_by_id],
    )


def module_slugs_by_id(session: Session, workspace_id: int) -> dict[int, str]:
    return {module.id: module.slug for module in repository.list_modules(session, workspace_id)}


def list_learning_paths(session: Session, workspace_id: int) -> list[schemas.LearningPath]:
    slugs = module_slugs_by_id(session, workspace_id)
    return [
        learning_path_output(path, slugs) for path in repository.list_learning_paths(session, workspace_id)
    ]


def get_learning_path(session: Session, workspace_id: int, slug: str) -> LearningPath:
    path = repository.get_learning_path_by_slug(session, workspace_id, slug)
    if path is None:
        raise LearningPathNotFound(f"no learning path has the slug {slug!r}", slug=slug)
    return path


def create_learning_path(
    session: Session, workspace_id: int, body: schemas.LearningPathCreate, *, actor: str
) -> schemas.LearningPath:
    if repository.get_learning_path_by_slug(session, workspace_id, body.slug) is not None:
        raise LearningPathSlugTaken(f"the slug {body.slug!r} is taken", slug=body.slug)
    if body.job_role_id is not None:
        directory_service.get_job_role(session, workspace_id, body.job_role_id)
    module_ids = _module_ids_for(session, workspace_id, body.module_slugs)
    path = LearningPath(
        workspace_id=workspace_id,
        slug=body.slug,
        title=body.title,
        description=body.description,
        job_role_id=body.job_role_id,
        steps=[],
    )
    session.add(path)
    session.flush()
    repository.replace_learning_path_steps(session, workspace_id, path, module_ids)
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="enablement.learning_path.created",
        target=f"learning_path:{path.id}",
        after={"slug": path.slug, "job_role_id": path.job_role_id, "module_ids": module_ids},
    )
    return learning_path_output(
        get_learning_path(session, workspace_id, path.slug), module_slugs_by_id(session, workspace_id)
    )


def update_learning_path(
    session: Session, workspace_id: int, slug: str, body: schemas.LearningPathUpdate, *, actor: str
) -> schemas.LearningPath:
    path = get_learning_path(session, workspace_id, slug)
    before = {
        "title": path.title,
        "job_role_id": path.job_role_id,
        "module_ids": [s.module_id for s in path.steps],
    }
    sent = body.model_fields_set
    if "title" in sent and body.title is not None:
        path.title = body.title
    if "description" in sent and body.description is not None:
        path.description = body.description
    if "job_role_id" in sent:
        if body.job_role_id is not None:
            directory_service.get_job_role(session, workspace_id, body.job_role_id)
        path.job_role_id = body.job_role_id
    session.flush()
    if "module_slugs" in sent and body.module_slugs is not None:
        repository.replace_learning_path_steps(
            session, workspace_id, path, _module_ids_for(session, workspace_id, body.module_slugs)
        )
    path = get_learning_path(session, workspace_id, slug)
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="enablement.learning_path.updated",
        target=f"learning_path:{path.id}",
        before=before,
        after={
            "title": path.title,
            "job_role_id": path.job_role_id,
            "module_ids": [s.module_id for s in path.steps],
        },
    )
    return learning_path_output(path, module_slugs_by_id(session, workspace_id))


def delete_learning_path(session: Session, workspace_id: int, slug: str, *, actor: str) -> None:
    path = get_learning_path(session, workspace_id, slug)
    path_id = path.id
    session.delete(path)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="enablement.learning_path.deleted",
        target=f"learning_path:{path_id}",
        before={"slug": slug},
    )


# -- champions --------------------------------------------------------------------------------------------------


def champion_output(session: Session, workspace_id: int, champion: Champion) -> schemas.Champion:
    person = directory_service.get_person(session, workspace_id, champion.person_id)
    return schemas.Champion(
        id=champion.id,
        person_id=champion.person_id,
        display_name=person.display_name,
        team_id=champion.team_id,
        use_case_slug=champion.use_case_slug,
        note=champion.note,
    )


def nominate_champion(
    session: Session, workspace_id: int, body: schemas.ChampionCreate, *, nominated_by: Principal
) -> Champion:
    """Nominate a champion. A program lead may nominate anywhere; a team lead only in the teams they lead."""
    directory_service.get_person(session, workspace_id, body.person_id)
    if body.team_id is not None:
        directory_service.get_team(session, workspace_id, body.team_id)
    if body.use_case_slug is not None:
        catalog_service.get_use_case_by_slug(session, workspace_id, body.use_case_slug)
    _check_may_manage_champions(nominated_by, body.team_id)
    if (
        repository.find_champion(session, workspace_id, body.person_id, body.team_id, body.use_case_slug)
        is not None
    ):
        raise ChampionAlreadyNominated(f"person {body.person_id} is already a champion here")
    champion = Champion(
        workspace_id=workspace_id,
        person_id=body.person_id,
        team_id=body.team_id,
        use_case_slug=body.use_case_slug,
        note=body.note,
    )
    session.add(champion)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=nominated_by.actor,
        action="enablement.champion.nominated",
        target=f"champion:{champion.id}",
        after={
            "person_id": champion.person_id,
            "team_id": champion.team_id,
            "use_case_slug": champion.use_case_slug,
        },
    )
    return champion


def _check_may_manage_champions(principal: Principal, team_id: int | None) -> None:
    if principal.has_role(Role.program_lead):
        return
    if team_id is not None and principal.leads_team(team_id):
        return
    raise Forbidden("a team lead nominates champions only in the teams they lead")


def remove_champion(session: Session, workspace_id: int, champion_id: int, *, removed_by: Principal) -> None:
    champion = repository.get_champion(session, workspace_id, champion_id)
    if champion is None:
        raise ChampionNotFound(f"champion {champion_id} does not exist", champion_id=champion_id)
    _check_may_manage_champions(removed_by, champion.team_id)
    snapshot = {
        "person_id": champion.person_id,
        "team_id": champion.team_id,
        "use_case_slug": champion.use_case_slug,
    }
    session.delete(champion)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=removed_by.actor,
        action="enablement.champion.removed",
        target=f"champion:{champion_id}",
        before=snapshot,
    )


def list_champions(
    session: Session, workspace_id: int, *, team_id: int | None = None, use_case_slug: str | None = None
) -> list[schemas.Champion]:
    """Champions of a use case, of a team (a team's champions include those of its parent teams: they are who
    the team can ask), or all."""
    team_ids = None
    if team_id is not None:
        team_ids = [
            ancestor.id for ancestor in directory_service.team_ancestors(session, workspace_id, team_id)
        ] + [team_id]
    champions = repository.list_champions(
        session, workspace_id, team_ids=team_ids, use_case_slug=use_case_slug
    )
    return [champion_output(session, workspace_id, champion) for champion in champions]


def is_champion(session: Session, workspace_id: int, person_id: int, *, use_case_slug: str) -> bool:
    return any(
        champion.person_id == person_id
        for champion in repository.list_champions(session, workspace_id, use_case_slug=use_case_slug)
    )


def list_champion_person_ids(session: Session, workspace_id: int, *, use_case_slug: str) -> list[int]:
    return sorted(
        {c.person_id for c in repository.list_champions(session, workspace_id, use_case_slug=use_case_slug)}
    )
