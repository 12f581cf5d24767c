"""``uptake serve`` migrates, then serves until stopped; ``uptake worker --once`` runs the jobs that are due and
says how many ran. Both as an operator runs them (processes of their own)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from cli.command_line import command_environment, environment_of, uptake
from conftest import free_port
from uptake.app.jobs import job_definitions
from uptake.db import session_scope
from uptake.jobs import service as jobs_service
from uptake.jobs.models import Job, JobSchedule, JobStatus
from uptake.migrations.commands import head_revision

sqlite = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
FAR_FUTURE = datetime(2999, 1, 1, tzinfo=UTC)


@sqlite
@pytest.mark.slow
def test_worker_once_runs_the_due_jobs_then_exits(settings, world) -> None:
    definitions = {definition.name: definition for definition in job_definitions()}
    with session_scope(world.factory) as session:
        # Every scheduled job falls due only in a far future, so the runs below do not depend on the clock.
        for definition in definitions.values():
            if definition.schedule:
                session.add(
                    JobSchedule(name=definition.name, cron=definition.schedule, next_run_at=FAR_FUTURE)
                )
        job_id = jobs_service.enqueue_job(session, definitions, "jobs.purge_finished").id

    first = uptake("worker", "--once", env=environment_of(settings))
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().splitlines()[-1] == "1 job(s) ran."
    with world.session() as session:
        assert session.scalar(select(Job.status).where(Job.id == job_id)) == JobStatus.succeeded
    again = uptake("worker", "--once", env=environment_of(settings))
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines()[-1] == "0 job(s) ran."


@pytest.mark.slow
def test_serve_migrates_an_empty_database_then_serves(tmp_path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "uptake", "serve", "--port", str(port), "--no-worker"]
    server = subprocess.Popen(
        command,
        env=command_environment({"UPTAKE_DATA_DIR": str(tmp_path / "data")}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        ready = None
        while ready is None and time.monotonic() < deadline and server.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
            except httpx.TransportError:
                time.sleep(0.2)
        assert ready is not None, "the server did not answer"
        assert ready.status_code == 200, ready.text
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=30)
    assert f"Database schema upgraded: empty → {head_revision()}" in output
    assert f"uptake is serving at http://127.0.0.1:{port}" in output
    assert "Traceback" not in output


def test_serve_with_a_database_that_does_not_answer_is_one_line(tmp_path) -> None:
    result = uptake(
        "serve",
        env={
            "UPTAKE_DATA_DIR": str(tmp_path),
            "UPTAKE_DATABASE_URL": "postgresql://uptake:secret@127.0.0.1:1/uptake",
        },
    )
    assert result.returncode == 2
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith("error: UPTAKE_DATABASE_URL: ")
