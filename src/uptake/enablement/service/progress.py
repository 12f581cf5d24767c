"""Progress: where a person stands on each module their role's learning paths and their use cases require.

Other domains ask ``has_completed_required_training`` (rollout: may P use U yet?) and ``training_overview`` (the
home page).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy.orm import Session

from uptake.catalog import service as catalog_service
from uptake.db import utcnow
from uptake.directory.service import people as people_service
from uptake.enablement import repository, schemas
from uptake.enablement.models import Completion, ModuleStatus, TrainingModule
from uptake.enablement.service.completions import completion_is_valid, recertification_due_at
from uptake.enablement.service.modules import modules_in_order
from uptake.enablement.service.quizzes import attempts_left


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
        attempts_left=attempts_left(module, attempts_used),
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


def use_case_requirement(
    session: Session, workspace_id: int, person_id: int, use_case_slug: str, *, now: datetime | None = None
) -> schemas.Requirement:
    """The use case's required training and where this person stands on each module."""
    use_case = catalog_service.get_use_case_by_slug(session, workspace_id, use_case_slug)
    modules = modules_in_order(session, workspace_id, list(use_case.required_training))
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


def training_overview(
    session: Session, workspace_id: int, person_id: int, *, now: datetime | None = None
) -> schemas.TrainingOverview:
    """What is required of a person (their role's learning paths, the use cases aimed at them), what is done,
    what is expiring, and every completion they have."""
    now = now or utcnow()
    job_role_id = people_service.get_person(session, workspace_id, person_id).job_role_id
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
