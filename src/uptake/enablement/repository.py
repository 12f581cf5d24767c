"""Every query of enablement, always scoped to one workspace.

One module for all of enablement's nouns (under 300 lines): modules, attempts, completions, paths and champions
are read together by progress and literacy, and the queries are short.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, delete, func, insert, or_, select
from sqlalchemy.orm import Session, selectinload

from uptake.enablement.models import (
    Champion,
    Completion,
    LearningPath,
    LearningPathModule,
    ModuleImage,
    ModuleStatus,
    QuizAttempt,
    TrainingModule,
)


def get_module_by_slug(
    session: Session, workspace_id: int, slug: str, *, with_content: bool = False
) -> TrainingModule | None:
    query = select(TrainingModule).where(
        TrainingModule.workspace_id == workspace_id, TrainingModule.slug == slug
    )
    if with_content:
        query = query.options(selectinload(TrainingModule.lessons), selectinload(TrainingModule.questions))
    return session.scalar(query)


def list_modules(
    session: Session, workspace_id: int, *, statuses: Collection[ModuleStatus] | None = None
) -> list[TrainingModule]:
    query = (
        select(TrainingModule)
        .where(TrainingModule.workspace_id == workspace_id)
        .order_by(TrainingModule.title)
    )
    if statuses is not None:
        query = query.where(TrainingModule.status.in_(list(statuses)))
    return list(session.scalars(query))


def list_modules_by_slugs(
    session: Session, workspace_id: int, slugs: Collection[str]
) -> list[TrainingModule]:
    if not slugs:
        return []
    query = select(TrainingModule).where(
        TrainingModule.workspace_id == workspace_id, TrainingModule.slug.in_(list(slugs))
    )
    return list(session.scalars(query))


def list_modules_by_ids(
    session: Session, workspace_id: int, module_ids: Collection[int]
) -> list[TrainingModule]:
    if not module_ids:
        return []
    query = select(TrainingModule).where(
        TrainingModule.workspace_id == workspace_id, TrainingModule.id.in_(list(module_ids))
    )
    return list(session.scalars(query))


def list_image_names(session: Session, workspace_id: int, module_id: int) -> list[str]:
    query = (
        select(ModuleImage.name)
        .where(ModuleImage.workspace_id == workspace_id, ModuleImage.module_id == module_id)
        .order_by(ModuleImage.name)
    )
    return list(session.scalars(query))


def get_image(session: Session, workspace_id: int, module_id: int, name: str) -> ModuleImage | None:
    query = select(ModuleImage).where(
        ModuleImage.workspace_id == workspace_id, ModuleImage.module_id == module_id, ModuleImage.name == name
    )
    return session.scalar(query)


def count_attempts(
    session: Session, workspace_id: int, module_id: int, person_id: int, version_major: int
) -> int:
    query = select(func.count()).where(
        QuizAttempt.workspace_id == workspace_id,
        QuizAttempt.module_id == module_id,
        QuizAttempt.person_id == person_id,
        QuizAttempt.version_major == version_major,
    )
    return int(session.scalar(query) or 0)


def attempts_by_module(
    session: Session, workspace_id: int, person_id: int, module_ids: Collection[int]
) -> dict[tuple[int, int], int]:
    """(module id, major version) -> attempts this person made."""
    if not module_ids:
        return {}
    query = (
        select(QuizAttempt.module_id, QuizAttempt.version_major, func.count())
        .where(
            QuizAttempt.workspace_id == workspace_id,
            QuizAttempt.person_id == person_id,
            QuizAttempt.module_id.in_(list(module_ids)),
        )
        .group_by(QuizAttempt.module_id, QuizAttempt.version_major)
    )
    return {(int(module_id), int(major)): int(count) for module_id, major, count in session.execute(query)}


def delete_attempts(
    session: Session, workspace_id: int, module_id: int, person_id: int, version_major: int
) -> int:
    result = session.execute(
        delete(QuizAttempt)
        .where(
            QuizAttempt.workspace_id == workspace_id,
            QuizAttempt.module_id == module_id,
            QuizAttempt.person_id == person_id,
            QuizAttempt.version_major == version_major,
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def get_completion(
    session: Session, workspace_id: int, module_id: int, person_id: int, version_major: int
) -> Completion | None:
    query = select(Completion).where(
        Completion.workspace_id == workspace_id,
        Completion.module_id == module_id,
        Completion.person_id == person_id,
        Completion.version_major == version_major,
    )
    return session.scalar(query)


def completed_person_ids(session: Session, workspace_id: int, module_id: int, version_major: int) -> set[int]:
    query = select(Completion.person_id).where(
        Completion.workspace_id == workspace_id,
        Completion.module_id == module_id,
        Completion.version_major == version_major,
    )
    return set(session.scalars(query))


def insert_completions(session: Session, rows: list[dict[str, object]]) -> None:
    """Many completions in one statement (no RETURNING: nothing needs their ids)."""
    if rows:
        session.execute(insert(Completion), rows)


def list_completions_for_person(session: Session, workspace_id: int, person_id: int) -> list[Completion]:
    query = (
        select(Completion)
        .where(Completion.workspace_id == workspace_id, Completion.person_id == person_id)
        .order_by(Completion.completed_at)
    )
    return list(session.scalars(query))


def list_completions_for_modules(
    session: Session,
    workspace_id: int,
    module_ids: Collection[int],
    *,
    person_ids: Collection[int] | None = None,
) -> list[Completion]:
    if not module_ids:
        return []
    query = select(Completion).where(
        Completion.workspace_id == workspace_id, Completion.module_id.in_(list(module_ids))
    )
    if person_ids is not None:
        query = query.where(Completion.person_id.in_(list(person_ids)))
    return list(session.scalars(query))


def list_learning_paths(session: Session, workspace_id: int) -> list[LearningPath]:
    query = (
        select(LearningPath)
        .where(LearningPath.workspace_id == workspace_id)
        .options(selectinload(LearningPath.steps))
        .order_by(LearningPath.title)
    )
    return list(session.scalars(query))


def list_learning_paths_for_role(
    session: Session, workspace_id: int, job_role_id: int | None
) -> list[LearningPath]:
    """Paths for this job role and paths for everyone (no role)."""
    role_rule: ColumnElement[bool] = LearningPath.job_role_id.is_(None)
    if job_role_id is not None:
        role_rule = or_(role_rule, LearningPath.job_role_id == job_role_id)
    query = (
        select(LearningPath)
        .where(LearningPath.workspace_id == workspace_id, role_rule)
        .options(selectinload(LearningPath.steps))
        .order_by(LearningPath.title)
    )
    return list(session.scalars(query))


def get_learning_path_by_slug(session: Session, workspace_id: int, slug: str) -> LearningPath | None:
    query = (
        select(LearningPath)
        .where(LearningPath.workspace_id == workspace_id, LearningPath.slug == slug)
        .options(selectinload(LearningPath.steps))
    )
    return session.scalar(query)


def replace_learning_path_steps(
    session: Session, workspace_id: int, learning_path: LearningPath, module_ids: list[int]
) -> None:
    session.execute(
        delete(LearningPathModule)
        .where(
            LearningPathModule.workspace_id == workspace_id,
            LearningPathModule.learning_path_id == learning_path.id,
        )
        .execution_options(synchronize_session=False)
    )
    session.expire(learning_path, ["steps"])
    for position, module_id in enumerate(module_ids):
        session.add(
            LearningPathModule(
                workspace_id=workspace_id,
                learning_path_id=learning_path.id,
                module_id=module_id,
                position=position,
            )
        )
    session.flush()


def list_champions(
    session: Session,
    workspace_id: int,
    *,
    team_ids: Collection[int] | None = None,
    use_case_slug: str | None = None,
) -> list[Champion]:
    query = select(Champion).where(Champion.workspace_id == workspace_id).order_by(Champion.id)
    if team_ids is not None:
        query = query.where(Champion.team_id.in_(list(team_ids)))
    if use_case_slug is not None:
        query = query.where(Champion.use_case_slug == use_case_slug)
    return list(session.scalars(query))


def find_champion(
    session: Session, workspace_id: int, person_id: int, team_id: int | None, use_case_slug: str | None
) -> Champion | None:
    query = select(Champion).where(
        Champion.workspace_id == workspace_id,
        Champion.person_id == person_id,
        Champion.team_id.is_(None) if team_id is None else Champion.team_id == team_id,
        Champion.use_case_slug.is_(None)
        if use_case_slug is None
        else Champion.use_case_slug == use_case_slug,
    )
    return session.scalar(query)


def get_champion(session: Session, workspace_id: int, champion_id: int) -> Champion | None:
    return session.scalar(
        select(Champion).where(Champion.workspace_id == workspace_id, Champion.id == champion_id)
    )
