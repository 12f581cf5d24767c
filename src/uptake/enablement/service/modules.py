"""Training modules: authored or imported from their source (lessons, a quiz, a version), their images, and
what a learner sees of them.

A changed module carries a higher version: ``x.y+1`` for a correction, ``x+1.0`` when people must take it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.catalog import service as catalog_service
from uptake.db import utcnow
from uptake.enablement import repository, schemas
from uptake.enablement.models import (
    ModuleImage,
    ModuleStatus,
    QuestionKind,
    QuizQuestion,
    TrainingLesson,
    TrainingModule,
)
from uptake.enablement.training_format import ModuleDraft, parse_module_source
from uptake.errors import Conflict, FieldError, InvalidInput, NotFound

IMAGE_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}


MAX_IMAGE_BYTES = 2 * 1024 * 1024


class ModuleNotFound(NotFound):
    title = "There is no training module with this slug."


class ModuleSlugTaken(Conflict):
    title = "A training module with this slug already exists."


class ModuleVersionNotRaised(InvalidInput):
    title = "The module's content changed but its version did not go up."


class ModuleNotOpen(Conflict):
    title = "This training module is not open to learners."


class ImageRejected(InvalidInput):
    title = "This image cannot be stored with the module."


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
) -> schemas.ModuleSaved:
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
    return schemas.ModuleSaved(outcome=outcome, module=schemas.ModuleSummary.model_validate(module))


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


def modules_in_order(session: Session, workspace_id: int, slugs: list[str]) -> list[TrainingModule]:
    """The published modules named by ``slugs``, in that order (unknown or unpublished slugs are skipped)."""
    by_slug = {
        module.slug: module for module in repository.list_modules_by_slugs(session, workspace_id, slugs)
    }
    return [
        by_slug[slug] for slug in slugs if slug in by_slug and by_slug[slug].status == ModuleStatus.published
    ]


def required_module_rows(session: Session, workspace_id: int, use_case_slug: str) -> list[TrainingModule]:
    """The published modules the use case requires, in its order (the rows, for enablement's own rules)."""
    use_case = catalog_service.get_use_case_by_slug(session, workspace_id, use_case_slug)
    return modules_in_order(session, workspace_id, list(use_case.required_training))


def required_modules_for_use_case(
    session: Session, workspace_id: int, use_case_slug: str
) -> list[schemas.ModuleSummary]:
    """The published modules the use case requires, in its order (empty when it requires none)."""
    return [
        schemas.ModuleSummary.model_validate(module)
        for module in required_module_rows(session, workspace_id, use_case_slug)
    ]


def module_slugs_by_id(session: Session, workspace_id: int) -> dict[int, str]:
    return {module.id: module.slug for module in repository.list_modules(session, workspace_id)}
