from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from uptake.access.dependencies import Admin, SessionDep
from uptake.jobs import schemas, service
from uptake.jobs.models import Job
from uptake.jobs.schemas import JobStatus
from uptake.params import ResourceId

router = APIRouter(prefix="/jobs", tags=["jobs"])


@router.get("", response_model=list[schemas.Job])
def list_jobs(
    session: SessionDep,
    admin: Admin,
    status: Annotated[list[JobStatus] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[Job]:
    return service.list_jobs(session, admin.workspace_id, statuses=status, limit=limit)


@router.post("/{job_id}/retry", response_model=schemas.Job)
def retry_job(job_id: ResourceId, session: SessionDep, admin: Admin) -> Job:
    return service.retry_job(session, job_id, admin.workspace_id)
