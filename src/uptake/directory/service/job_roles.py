"""Job roles: what people do (learning paths, use cases and rollouts aim at them), with how many hold each.

Other domains get job roles as ``schemas.JobRoleSnapshot`` (plain values).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.directory import repository, schemas
from uptake.directory.models import JobRole
from uptake.directory.schemas import JobRoleSnapshot
from uptake.errors import Conflict, FieldError, InvalidInput, NotFound


class JobRoleNotFound(NotFound):
    title = "There is no such job role in this workspace."


class JobRoleAlreadyExists(Conflict):
    title = "A job role with this name already exists."


def _job_role_row(session: Session, workspace_id: int, job_role_id: int) -> JobRole:
    role = repository.get_job_role(session, workspace_id, job_role_id)
    if role is None:
        raise JobRoleNotFound(f"job role {job_role_id} does not exist", job_role_id=job_role_id)
    return role


def get_job_role(session: Session, workspace_id: int, job_role_id: int) -> JobRoleSnapshot:
    return JobRoleSnapshot.of(_job_role_row(session, workspace_id, job_role_id))


def get_job_role_by_name(session: Session, workspace_id: int, name: str) -> JobRoleSnapshot | None:
    role = repository.get_job_role_by_name(session, workspace_id, name)
    return JobRoleSnapshot.of(role) if role is not None else None


def create_job_role(
    session: Session, workspace_id: int, *, name: str, description: str | None = None, actor: str = "system"
) -> JobRoleSnapshot:
    if repository.get_job_role_by_name(session, workspace_id, name) is not None:
        raise JobRoleAlreadyExists(f"a job role named {name!r} exists already")
    role = JobRole(workspace_id=workspace_id, name=name.strip(), description=description)
    session.add(role)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="directory.job_role.created",
        target=f"job_role:{role.id}",
        after={"name": role.name},
    )
    return JobRoleSnapshot.of(role)


def update_job_role(
    session: Session, workspace_id: int, job_role_id: int, body: schemas.JobRoleUpdate, *, actor: str
) -> JobRole:
    role = _job_role_row(session, workspace_id, job_role_id)
    changes = body.model_dump(exclude_unset=True)
    before = {"name": role.name}
    if "name" in changes:
        if changes["name"] is None:
            raise InvalidInput(errors=[FieldError("name", "cannot be cleared")])
        other = repository.get_job_role_by_name(session, workspace_id, changes["name"])
        if other is not None and other.id != role.id:
            raise JobRoleAlreadyExists(f"a job role named {changes['name']!r} exists already")
        role.name = changes["name"]
    if "description" in changes:
        role.description = changes["description"]
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="directory.job_role.updated",
        target=f"job_role:{role.id}",
        before=before,
        after={"name": role.name},
    )
    return role


def delete_job_role(session: Session, workspace_id: int, job_role_id: int, *, actor: str) -> None:
    """Delete a job role; the people who held it keep their record, without a job role."""
    role = _job_role_row(session, workspace_id, job_role_id)
    session.delete(role)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="directory.job_role.deleted",
        target=f"job_role:{job_role_id}",
    )


def list_job_roles(
    session: Session, workspace_id: int, *, search: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[schemas.JobRole], int]:
    roles, total = repository.list_job_roles(session, workspace_id, search=search, limit=limit, offset=offset)
    counts = repository.count_people_by_job_role(session, workspace_id, [role.id for role in roles])
    items = [
        schemas.JobRole(
            id=role.id, name=role.name, description=role.description, people_count=counts.get(role.id, 0)
        )
        for role in roles
    ]
    return items, total


def job_role_output(session: Session, workspace_id: int, job_role_id: int) -> schemas.JobRole:
    role = get_job_role(session, workspace_id, job_role_id)
    count = repository.count_people_by_job_role(session, workspace_id, [role.id]).get(role.id, 0)
    return schemas.JobRole(id=role.id, name=role.name, description=role.description, people_count=count)


def list_all_job_roles(session: Session, workspace_id: int) -> list[JobRoleSnapshot]:
    """Every job role of the workspace, by name."""
    return [JobRoleSnapshot.of(role) for role in repository.list_all_job_roles(session, workspace_id)]
