"""Learning paths: ordered modules for a job role (or for everyone)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.directory.service import job_roles as job_roles_service
from uptake.enablement import repository, schemas
from uptake.enablement.models import LearningPath
from uptake.enablement.service.modules import module_slugs_by_id
from uptake.errors import Conflict, FieldError, InvalidInput, NotFound


class LearningPathNotFound(NotFound):
    title = "There is no learning path with this slug."


class LearningPathSlugTaken(Conflict):
    title = "A learning path with this slug already exists."


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
        job_roles_service.get_job_role(session, workspace_id, body.job_role_id)
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
            job_roles_service.get_job_role(session, workspace_id, body.job_role_id)
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
