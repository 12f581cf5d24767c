from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from uptake.jobs.models import Job, JobSchedule
from uptake.jobs.schemas import JobStatus


def get_job(session: Session, job_id: int) -> Job | None:
    return session.get(Job, job_id)


def get_job_by_dedupe_key(session: Session, dedupe_key: str) -> Job | None:
    return session.scalar(select(Job).where(Job.dedupe_key == dedupe_key))


def _visible_to(query: Select[tuple[Job]], workspace_id: int | None) -> Select[tuple[Job]]:
    if workspace_id is None:
        return query
    return query.where((Job.workspace_id == workspace_id) | Job.workspace_id.is_(None))


def list_jobs(
    session: Session, workspace_id: int | None, *, statuses: list[JobStatus] | None = None, limit: int = 50
) -> list[Job]:
    query = _visible_to(select(Job), workspace_id)
    if statuses:
        query = query.where(Job.status.in_(statuses))
    return list(session.scalars(query.order_by(Job.id.desc()).limit(limit)))


def count_jobs_by_status(session: Session, workspace_id: int | None) -> dict[JobStatus, int]:
    query = select(Job.status, func.count()).group_by(Job.status)
    if workspace_id is not None:
        query = query.where((Job.workspace_id == workspace_id) | Job.workspace_id.is_(None))
    return {JobStatus(status): int(count) for status, count in session.execute(query)}


def claim_next_job(session: Session, *, worker_id: str, now: datetime, lease_until: datetime) -> int | None:
    """Atomically move the oldest due job from queued to running for this worker; None when none is due."""
    candidate = (
        select(Job.id)
        .where(Job.status == JobStatus.queued, Job.run_at <= now)
        .order_by(Job.run_at, Job.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidate = candidate.with_for_update(skip_locked=True)
    claimed = session.execute(
        update(Job)
        .where(Job.id == candidate.scalar_subquery(), Job.status == JobStatus.queued)
        .values(
            status=JobStatus.running,
            locked_by=worker_id,
            locked_until=lease_until,
            attempts=Job.attempts + 1,
            started_at=now,
        )
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    return int(claimed) if claimed is not None else None


def extend_lease(session: Session, job_id: int, worker_id: str, lease_until: datetime) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.locked_by == worker_id, Job.status == JobStatus.running)
        .values(locked_until=lease_until)
        .execution_options(synchronize_session=False)
    )


def record_progress(session: Session, job_id: int, done: int, total: int | None, note: str | None) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(progress_done=done, progress_total=total, progress_note=note)
        .execution_options(synchronize_session=False)
    )


def list_expired_leases(session: Session, now: datetime) -> list[Job]:
    query = select(Job).where(Job.status == JobStatus.running, Job.locked_until < now)
    return list(session.scalars(query))


def list_schedules(session: Session) -> list[JobSchedule]:
    return list(session.scalars(select(JobSchedule).order_by(JobSchedule.name)))


def get_schedule(session: Session, name: str) -> JobSchedule | None:
    return session.scalar(select(JobSchedule).where(JobSchedule.name == name))


def advance_schedule(
    session: Session, name: str, *, due_at: datetime, next_run_at: datetime, now: datetime
) -> bool:
    """Move a schedule past ``due_at``; only one worker wins when several race (compare-and-set)."""
    result = session.execute(
        update(JobSchedule)
        .where(JobSchedule.name == name, JobSchedule.next_run_at == due_at)
        .values(next_run_at=next_run_at, last_enqueued_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def delete_finished_jobs(session: Session, finished_before: datetime) -> int:
    result = session.execute(
        delete(Job)
        .where(Job.status.in_([JobStatus.succeeded, JobStatus.failed]), Job.finished_at < finished_before)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))
