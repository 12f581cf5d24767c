"""The job runner: claims due jobs from the database, runs them, retries with backoff, keeps schedules.

One runner runs inside the server process (``run_worker`` setting) and any number more with ``uptake worker``.
Claims are atomic (a conditional UPDATE; ``SKIP LOCKED`` on PostgreSQL), a running job holds a lease that a
heartbeat extends, and a job whose worker died is queued again once its lease expires, so no job is lost.
"""

from __future__ import annotations

import os
import random
import socket
import threading
import traceback
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import structlog
from croniter import croniter
from sqlalchemy.orm import Session, sessionmaker

from uptake.db import bind_workspace, utcnow
from uptake.jobs import repository
from uptake.jobs.models import JobSchedule
from uptake.jobs.schemas import JobStatus
from uptake.jobs.service import JobContext, JobDefinition, enqueue_job
from uptake.settings import Settings

log = structlog.get_logger("uptake.jobs")

BACKOFF_BASE_SECONDS = 10.0
BACKOFF_CAP_SECONDS = 3600.0


def backoff_delay(attempt: int, *, rng: random.Random | None = None) -> float:
    """Seconds to wait before try ``attempt + 1``: exponential from 10 s, capped at an hour, ±20 % jitter."""
    base = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * (2 ** max(0, attempt - 1)))
    jitter = (rng or random).uniform(0.8, 1.2)
    return float(base * jitter)


def next_cron_time(cron: str, after: datetime) -> datetime:
    value = croniter(cron, after).get_next(datetime)
    assert isinstance(value, datetime)
    return value


class Worker:
    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        definitions: Iterable[JobDefinition],
        *,
        worker_id: str | None = None,
        poll_seconds: float = 1.0,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.definitions = {definition.name: definition for definition in definitions}
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the loop ---------------------------------------------------------------------------------------------

    def run_forever(self) -> None:
        log.info("worker.started", worker=self.worker_id, jobs=sorted(self.definitions))
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except Exception:  # the loop must survive a failed tick; log.exception records it
                log.exception("worker.tick_failed", worker=self.worker_id)
                worked = False
            if not worked:
                self._stop.wait(self.poll_seconds)
        log.info("worker.stopped", worker=self.worker_id)

    def start_in_thread(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="uptake-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_once(self) -> bool:
        """One tick: enqueue due schedules, requeue expired leases, run one due job. True if a job ran."""
        now = utcnow()
        self.enqueue_due_schedules(now)
        self.requeue_expired(now)
        return self.run_next_job()

    def run_until_idle(self, max_jobs: int = 1000) -> int:
        """Run due jobs until none is left (for tests and ``uptake worker --once``); returns how many ran."""
        ran = 0
        while ran < max_jobs and self.run_once():
            ran += 1
        return ran

    # -- schedules and leases ---------------------------------------------------------------------------------

    def enqueue_due_schedules(self, now: datetime) -> None:
        scheduled = [definition for definition in self.definitions.values() if definition.schedule]
        if not scheduled:
            return
        with self.session_factory() as session:
            for definition in scheduled:
                assert definition.schedule is not None
                schedule = repository.get_schedule(session, definition.name)
                if schedule is None:
                    session.add(
                        JobSchedule(
                            name=definition.name,
                            cron=definition.schedule,
                            next_run_at=next_cron_time(definition.schedule, now),
                        )
                    )
                    session.commit()
                    continue
                if schedule.cron != definition.schedule:
                    schedule.cron = definition.schedule
                    schedule.next_run_at = next_cron_time(definition.schedule, now)
                    session.commit()
                    continue
                if schedule.next_run_at > now:
                    continue
                due_at = schedule.next_run_at
                won = repository.advance_schedule(
                    session,
                    definition.name,
                    due_at=due_at,
                    next_run_at=next_cron_time(definition.schedule, now),
                    now=now,
                )
                if won:
                    enqueue_job(
                        session,
                        self.definitions,
                        definition.name,
                        dedupe_key=f"schedule:{definition.name}:{due_at.isoformat()}",
                    )
                session.commit()

    def requeue_expired(self, now: datetime) -> None:
        with self.session_factory() as session:
            for job in repository.list_expired_leases(session, now):
                log.warning("job.lease_expired", job_id=job.id, job=job.name, worker=job.locked_by)
                job.last_error = (
                    f"worker {job.locked_by or 'unknown'} stopped before finishing (lease expired)"
                )
                job.locked_by = None
                job.locked_until = None
                if job.attempts >= job.max_attempts:
                    job.status = JobStatus.failed
                    job.finished_at = now
                else:
                    job.status = JobStatus.queued
                    job.run_at = now
            session.commit()

    # -- running one job --------------------------------------------------------------------------------------

    def run_next_job(self) -> bool:
        now = utcnow()
        with self.session_factory() as session:
            job_id = repository.claim_next_job(
                session, worker_id=self.worker_id, now=now, lease_until=now + timedelta(seconds=300)
            )
            session.commit()
        if job_id is None:
            return False
        self._run(job_id)
        return True

    def _report_progress(self, job_id: int) -> Any:
        def report(done: int, total: int | None, note: str | None) -> None:
            with self.session_factory() as progress_session:
                repository.record_progress(progress_session, job_id, done, total, note)
                repository.extend_lease(
                    progress_session, job_id, self.worker_id, utcnow() + timedelta(seconds=300)
                )
                progress_session.commit()

        return report

    def _heartbeat(self, job_id: int, lease_seconds: int, done: threading.Event) -> None:
        while not done.wait(lease_seconds / 3):
            with self.session_factory() as session:
                repository.extend_lease(
                    session, job_id, self.worker_id, utcnow() + timedelta(seconds=lease_seconds)
                )
                session.commit()

    def _run(self, job_id: int) -> None:
        with self.session_factory() as session:
            job = repository.get_job(session, job_id)
            assert job is not None
            definition = self.definitions.get(job.name)
            name, workspace_id, payload = job.name, job.workspace_id, dict(job.payload or {})
            attempts, max_attempts = job.attempts, job.max_attempts
        log_context = log.bind(job_id=job_id, job=name, workspace_id=workspace_id, attempt=attempts)
        if definition is None:
            self._finish(job_id, error=f"no job named {name!r} in this version of uptake", retry=False)
            return
        finished = threading.Event()
        heartbeat = threading.Thread(
            target=self._heartbeat, args=(job_id, definition.lease_seconds, finished), daemon=True
        )
        heartbeat.start()
        log_context.info("job.started")
        try:
            with self.session_factory() as session:
                if workspace_id is not None:
                    bind_workspace(session, workspace_id)
                context = JobContext(
                    job_id=job_id,
                    name=name,
                    workspace_id=workspace_id,
                    payload=payload,
                    session=session,
                    settings=self.settings,
                    report_progress=self._report_progress(job_id),
                )
                result = definition.function(context)
                session.commit()
        except Exception as error:  # noqa: BLE001 - a job's failure of any kind is recorded and retried
            finished.set()
            detail = "".join(traceback.format_exception_only(type(error), error)).strip()
            log_context.warning("job.failed", error=detail)
            self._finish(
                job_id,
                error=f"{detail}\n\n{traceback.format_exc(limit=8)}",
                retry=attempts < max_attempts,
                attempts=attempts,
            )
            return
        finished.set()
        log_context.info("job.succeeded")
        self._finish(job_id, result=result)

    def _finish(
        self,
        job_id: int,
        *,
        result: dict[str, Any] | None = None,
        error: str | None = None,
        retry: bool = False,
        attempts: int = 1,
    ) -> None:
        now = utcnow()
        with self.session_factory() as session:
            job = repository.get_job(session, job_id)
            assert job is not None
            job.locked_by = None
            job.locked_until = None
            if error is None:
                job.status = JobStatus.succeeded
                job.finished_at = now
                job.result = result
                job.last_error = None
                if job.progress_total:
                    job.progress_done = job.progress_total
            else:
                job.last_error = error[:20000]
                if retry:
                    job.status = JobStatus.queued
                    job.run_at = now + timedelta(seconds=backoff_delay(attempts))
                else:
                    job.status = JobStatus.failed
                    job.finished_at = now
            session.commit()
