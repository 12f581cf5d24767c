from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from uptake.access.dependencies import AdminPage, SessionDep
from uptake.jobs import service
from uptake.jobs.schemas import JobStatus
from uptake.params import ResourceId
from uptake.web.flash import flash
from uptake.web.templating import render

router = APIRouter(include_in_schema=False)


def _jobs_context(request: Request, session: SessionDep, workspace_id: int) -> dict[str, object]:
    return {
        "active": service.list_jobs(
            session, workspace_id, statuses=[JobStatus.running, JobStatus.queued], limit=100
        ),
        "failed": service.list_jobs(session, workspace_id, statuses=[JobStatus.failed], limit=50),
        "recent": service.list_jobs(session, workspace_id, statuses=[JobStatus.succeeded], limit=20),
        "schedules": service.list_schedules(session),
        "definitions": request.app.state.job_definitions,
    }


@router.get("/jobs")
def jobs_page(request: Request, session: SessionDep, admin: AdminPage) -> Response:
    context = _jobs_context(request, session, admin.workspace_id)
    template = "jobs/_tables.html" if request.headers.get("hx-request") == "true" else "jobs/jobs.html"
    return render(request, template, context)


@router.post("/jobs/{job_id}/retry")
def retry_job(request: Request, job_id: ResourceId, session: SessionDep, admin: AdminPage) -> Response:
    job = service.retry_job(session, job_id, admin.workspace_id)
    response = RedirectResponse("/jobs", status_code=303)
    flash(request, response, f"Job {job.id} ({job.name}) is queued again.", "success")
    return response
