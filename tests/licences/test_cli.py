"""``uptake import seats`` as a user runs it: the report with each bad row, ``--dry-run``, the seats published
to the figures, and a queued publication when a running server holds the events store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from licences.licences_builders import make_ledger
from uptake.db import session_scope
from uptake.jobs import service as jobs_service
from uptake.jobs.service import JobContext
from uptake.licences import seats, service
from uptake.settings import Settings

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

CSV = (
    "tool,person,account,assigned_on\n"
    "copilot,ada@example.com,ada-gh,2025-01-06\n"
    "copilot,bob@example.com,,2025-01-07\n"
    "copilot,zed@example.com,,2025-01-07\n"
)


def import_seats(
    csv_path: Path, database_url: str, data_dir: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("UPTAKE_")}
    environment.update(
        {
            "UPTAKE_DATA_DIR": str(data_dir),
            "UPTAKE_DATABASE_URL": database_url,
            "UPTAKE_SECRET_KEY": "s" * 40,
            "COLUMNS": "200",
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "uptake", "import", "seats", str(csv_path), *options],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_the_command_reports_bad_rows_and_publishes_the_seats(tmp_path, database_url, world):
    ledger = make_ledger(world)
    path = tmp_path / "seats.csv"
    path.write_text(CSV, encoding="utf-8")
    data_dir = tmp_path / "data"
    dry = import_seats(path, database_url, data_dir, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "3 rows read: 2 would be created, 0 would be updated, 0 unchanged, 1 bad" in dry.stdout
    assert "no person with email or external id 'zed@example.com'" in dry.stdout
    assert "Dry run: nothing was stored." in dry.stdout
    done = import_seats(path, database_url, data_dir)
    assert done.returncode == 0, done.stderr
    assert "3 rows read: 2 created" in done.stdout
    with session_scope(world.factory, ledger.workspace_id) as session:
        assert seats.list_seats(session, ledger.workspace_id).total == 2
        expected = sorted(
            row["person"] for row in service.snapshot_rows(session, ledger.workspace_id)["seats"]
        )
    with duckdb.connect(str(data_dir / "events.duckdb")) as events:
        published = sorted(person for (person,) in events.execute("SELECT person FROM seats").fetchall())
    assert published == expected
    again = import_seats(path, database_url, data_dir)
    assert "0 created, 0 updated, 2 unchanged, 1 bad" in again.stdout
    missing = import_seats(tmp_path / "nope.csv", database_url, data_dir)
    assert missing.returncode != 0
    assert "no such file" in missing.stderr


def test_while_a_server_holds_the_events_store_the_command_queues_the_publication(
    tmp_path, database_url, world
):
    ledger = make_ledger(world)
    path = tmp_path / "seats.csv"
    path.write_text(CSV, encoding="utf-8")
    data_dir = tmp_path / "data"
    data_dir.mkdir(exist_ok=True)
    with duckdb.connect(str(data_dir / "events.duckdb")):  # this process plays the server holding the file
        done = import_seats(path, database_url, data_dir)
    assert done.returncode == 0, done.stderr
    assert "The running server publishes the seats to the figures (a job is queued)." in done.stdout
    with session_scope(world.factory, ledger.workspace_id) as session:
        queued = jobs_service.list_jobs(session, workspace_id=ledger.workspace_id)
    assert [job.name for job in queued] == [service.PUBLISH_JOB]
    # The server's worker runs the job: the seats reach the figures.
    settings = Settings(data_dir=data_dir, database_url=database_url, secret_key="s" * 40)  # type: ignore[arg-type]
    with world.session() as session:
        context = JobContext(
            job_id=queued[0].id,
            name=service.PUBLISH_JOB,
            workspace_id=ledger.workspace_id,
            payload={},
            session=session,
            settings=settings,
            report_progress=lambda done, total, note: None,
        )
        assert service.publish_ledger_job(context) == {"workspace_id": ledger.workspace_id}
    with duckdb.connect(str(data_dir / "events.duckdb")) as events:
        assert events.execute("SELECT count(*) FROM seats").fetchone() == (2,)
