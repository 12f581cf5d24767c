"""The job runner: claims, retries with backoff, dead jobs, expired leases, schedules."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from uptake.db import session_scope, utcnow
from uptake.jobs import service as jobs_service
from uptake.jobs.models import Job, JobSchedule, JobStatus
from uptake.jobs.runner import Worker, backoff_delay
from uptake.jobs.service import JobContext, JobDefinition

calls: list[dict[str, Any]] = []


def succeed(context: JobContext) -> dict[str, Any]:
    total = int(context.payload.get("steps", 3))
    for step in range(1, total + 1):
        context.progress(step, total, f"step {step}")
    calls.append({"job": context.job_id, "workspace": context.workspace_id})
    return {"steps": total}


def fail(context: JobContext) -> None:
    raise RuntimeError("the mail server said no")


DEFINITIONS = [
    JobDefinition("test.succeed", succeed, "succeeds"),
    JobDefinition("test.fail", fail, "always fails", max_attempts=2),
    JobDefinition("test.scheduled", succeed, "every minute", schedule="* * * * *"),
]


@pytest.fixture
def worker(session_factory, settings) -> Worker:
    calls.clear()
    return Worker(settings, session_factory, DEFINITIONS, worker_id="test-worker", poll_seconds=0.01)


def enqueue(session_factory, name: str, **kwargs: Any) -> int:
    with session_scope(session_factory) as session:
        return jobs_service.enqueue_job(session, {d.name: d for d in DEFINITIONS}, name, **kwargs).id


def load(session_factory, job_id: int) -> Job:
    with session_factory() as session:
        job = session.get(Job, job_id)
        session.expunge(job)
        return job


def test_a_job_runs_once_reports_progress_and_keeps_its_result(worker, session_factory, world) -> None:
    workspace = world.workspace()
    job_id = enqueue(session_factory, "test.succeed", workspace_id=workspace, payload={"steps": 4})
    assert worker.run_until_idle() == 1
    job = load(session_factory, job_id)
    assert job.status == JobStatus.succeeded
    assert job.result == {"steps": 4}
    assert (job.progress_done, job.progress_total, job.progress_note) == (4, 4, "step 4")
    assert calls == [{"job": job_id, "workspace": workspace}]
    assert worker.run_until_idle() == 0


def test_a_failing_job_is_retried_later_then_marked_failed(worker, session_factory) -> None:
    job_id = enqueue(session_factory, "test.fail")
    worker.run_until_idle()
    job = load(session_factory, job_id)
    assert job.status == JobStatus.queued
    assert job.attempts == 1
    assert "the mail server said no" in job.last_error
    assert job.run_at > utcnow() + timedelta(seconds=5)

    with session_scope(session_factory) as session:
        session.execute(update(Job).where(Job.id == job_id).values(run_at=utcnow()))
    worker.run_until_idle()
    job = load(session_factory, job_id)
    assert job.status == JobStatus.failed
    assert job.attempts == 2
    assert job.finished_at is not None


def test_a_failed_job_can_be_retried_by_hand(worker, session_factory) -> None:
    job_id = enqueue(session_factory, "test.fail")
    with session_scope(session_factory) as session:
        session.execute(update(Job).where(Job.id == job_id).values(status=JobStatus.failed))
    with session_scope(session_factory) as session:
        jobs_service.retry_job(session, job_id, None)
    assert load(session_factory, job_id).status == JobStatus.queued


def test_a_job_whose_worker_died_is_run_again(worker, session_factory) -> None:
    job_id = enqueue(session_factory, "test.succeed")
    with session_scope(session_factory) as session:
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                status=JobStatus.running,
                attempts=1,
                locked_by="dead-worker",
                locked_until=utcnow() - timedelta(seconds=1),
            )
        )
    assert worker.run_until_idle() == 1
    job = load(session_factory, job_id)
    assert job.status == JobStatus.succeeded
    assert job.attempts == 2


def test_two_workers_never_run_the_same_job(session_factory, settings) -> None:
    calls.clear()
    ids = [enqueue(session_factory, "test.succeed", payload={"steps": 1}) for _ in range(10)]
    first = Worker(settings, session_factory, DEFINITIONS, worker_id="a")
    second = Worker(settings, session_factory, DEFINITIONS, worker_id="b")
    ran = 0
    for _ in range(10):
        ran += int(first.run_next_job()) + int(second.run_next_job())
    assert ran == 10
    assert sorted(call["job"] for call in calls) == ids


def test_dedupe_key_queues_the_same_work_once(session_factory) -> None:
    first = enqueue(session_factory, "test.succeed", dedupe_key="announcement:7")
    second = enqueue(session_factory, "test.succeed", dedupe_key="announcement:7")
    assert first == second


def test_unknown_job_names_the_known_ones(session_factory) -> None:
    with (
        session_scope(session_factory) as session,
        pytest.raises(jobs_service.UnknownJob, match=r"test\.succeed"),
    ):
        jobs_service.enqueue_job(session, {d.name: d for d in DEFINITIONS}, "test.nope")


def test_a_due_schedule_queues_exactly_one_job_even_with_two_workers(session_factory, settings) -> None:
    first = Worker(settings, session_factory, DEFINITIONS, worker_id="a")
    second = Worker(settings, session_factory, DEFINITIONS, worker_id="b")
    now = utcnow()
    first.enqueue_due_schedules(now)  # creates the schedule row, next run in the future
    with session_scope(session_factory) as session:
        session.execute(update(JobSchedule).values(next_run_at=now - timedelta(minutes=1)))
    first.enqueue_due_schedules(now)
    second.enqueue_due_schedules(now)
    with session_factory() as session:
        queued = session.scalars(select(Job).where(Job.name == "test.scheduled")).all()
        schedule = session.scalar(select(JobSchedule).where(JobSchedule.name == "test.scheduled"))
    assert len(queued) == 1
    assert schedule.next_run_at > now


def test_backoff_grows_and_is_capped() -> None:
    rng = random.Random(1)
    delays = [backoff_delay(attempt, rng=rng) for attempt in range(1, 12)]
    assert 8 <= delays[0] <= 12
    assert 16 <= delays[1] <= 24
    assert all(delay <= 3600 * 1.2 for delay in delays)
    assert delays[-1] >= 3600 * 0.8
