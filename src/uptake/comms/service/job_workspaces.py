"""The workspaces a comms job runs over (one, or every workspace that has work), each in its own session."""

from __future__ import annotations

from sqlalchemy.orm import Session

from uptake.comms import repository
from uptake.comms.models import DeliveryStatus
from uptake.db import across_workspaces, bind_workspace
from uptake.jobs import service as jobs_service
from uptake.jobs.service import JobContext
from uptake.workspaces import service as workspaces_service


def job_workspace_ids(context: JobContext, *, status: DeliveryStatus | None = None) -> list[int]:
    if context.workspace_id is not None:
        return [context.workspace_id]
    with across_workspaces(context.session):
        if status is not None:
            return repository.workspace_ids_with(context.session, status)
        return [workspace.id for workspace in workspaces_service.list_workspaces(context.session)]


def job_workspace_session(context: JobContext, workspace_id: int) -> Session:
    session = jobs_service.job_session_factory(context.session)()
    bind_workspace(session, workspace_id)
    return session
