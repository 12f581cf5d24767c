"""Background jobs: what a job is, how to queue one, and the context a running job gets.

Every job uptake runs is named in the one explicit list in ``app/jobs.py`` (the app layer, which sees every
domain). A job function takes a :class:`JobContext` and returns a small JSON-able result (shown on the jobs page)
or None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from uptake.db import SETTINGS_KEY, utcnow
from uptake.errors import Conflict, NotFound
from uptake.jobs import repository
from uptake.jobs.models import Job, JobSchedule
from uptake.jobs.schemas import JobStatus
from uptake.settings import Settings


class UnknownJob(NotFound):
    title = "There is no job with this name."


class JobNotFound(NotFound):
    title = "There is no such job."


class JobNotRetryable(Conflict):
    title = "Only a failed job can be retried."


@dataclass
class JobContext:
    """What a running job can use: its session (committed by the runner on success), payload and progress."""

    job_id: int
    name: str
    workspace_id: int | None
    payload: dict[str, Any]
    session: Session
    settings: Settings
    report_progress: Callable[[int, int | None, str | None], None]

    def progress(self, done: int, total: int | None = None, note: str | None = None) -> None:
        self.report_progress(done, total, note)


JobFunction = Callable[[JobContext], dict[str, Any] | None]


@dataclass(frozen=True)
class JobDefinition:
    name: str
    function: JobFunction
    description: str
    schedule: str | None = None
    max_attempts: int = 5
    per_workspace: bool = False
    lease_seconds: int = 300
    extra: dict[str, Any] = field(default_factory=dict)


def enqueue_job(
    session: Session,
    definitions: dict[str, JobDefinition],
    name: str,
    *,
    workspace_id: int | None = None,
    payload: dict[str, Any] | None = None,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
) -> Job:
    """Queue a named job; with ``dedupe_key``, queuing the same work twice returns the first job."""
    definition = definitions.get(name)
    if definition is None:
        raise UnknownJob(f"no job is named {name!r}; known jobs: {', '.join(sorted(definitions))}", name=name)
    if dedupe_key is not None:
        existing = repository.get_job_by_dedupe_key(session, dedupe_key)
        if existing is not None:
            return existing
    job = Job(
        name=name,
        workspace_id=workspace_id,
        payload=payload or {},
        run_at=run_at or utcnow(),
        max_attempts=definition.max_attempts,
        dedupe_key=dedupe_key,
    )
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, job_id: int, workspace_id: int | None) -> Job:
    job = repository.get_job(session, job_id)
    if job is None or (workspace_id is not None and job.workspace_id not in (None, workspace_id)):
        raise JobNotFound(f"job {job_id} does not exist", job_id=job_id)
    return job


def list_jobs(
    session: Session, workspace_id: int | None, *, statuses: list[JobStatus] | None = None, limit: int = 50
) -> list[Job]:
    return repository.list_jobs(session, workspace_id, statuses=statuses, limit=limit)


def count_jobs_by_status(session: Session, workspace_id: int | None) -> dict[JobStatus, int]:
    return repository.count_jobs_by_status(session, workspace_id)


def list_schedules(session: Session) -> list[JobSchedule]:
    return repository.list_schedules(session)


def retry_job(session: Session, job_id: int, workspace_id: int | None) -> Job:
    job = get_job(session, job_id, workspace_id)
    if job.status != JobStatus.failed:
        raise JobNotRetryable(f"job {job_id} is {job.status.value}", job_id=job_id)
    job.status = JobStatus.queued
    job.attempts = 0
    job.run_at = utcnow()
    job.last_error = None
    session.flush()
    return job


def purge_finished_jobs(context: JobContext) -> dict[str, Any]:
    """Delete succeeded and failed jobs that finished more than ``keep_days`` (default 30) days ago."""
    keep_days = int(context.payload.get("keep_days", 30))
    deleted = repository.delete_finished_jobs(context.session, utcnow() - timedelta(days=keep_days))
    return {"deleted": deleted, "keep_days": keep_days}


def job_session_factory(session: Session) -> sessionmaker[Session]:
    """A session factory on the same engine as ``session`` (for progress written outside the job's unit of work)."""
    return sessionmaker(
        session.get_bind(), expire_on_commit=False, info={SETTINGS_KEY: session.info.get(SETTINGS_KEY)}
    )
