"""``uptake events prune`` and ``uptake events export`` as an operator runs them (the real command)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from cli.command_line import environment_of, uptake
from uptake.cli.command import CommandError
from uptake.cli.events import day_option
from uptake.db import session_scope
from uptake.telemetry import service
from uptake.telemetry.event_store import EventStore
from uptake.workspaces import schemas as workspace_schemas
from uptake.workspaces import service as workspaces_service

sqlite = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def workspace_with_old_events(world, settings) -> int:
    workspace_id = world.workspace(slug="acme")
    with session_scope(world.factory, workspace_id) as session:
        workspaces_service.update_workspace(
            session, workspace_id, workspace_schemas.WorkspaceUpdate(event_retention_days=30), actor="system"
        )
        context = service.ingest_context(session, workspace_id)
    now = datetime.now(UTC)
    events = [
        {
            "event_id": str(uuid.uuid4()),
            "time": (now - timedelta(days=days)).isoformat(),
            "person": "alice@example.com",
            "use_case": "support-replies",
            "kind": "invoked",
        }
        for days in (0, 1, 90, 91, 92)
    ]
    with EventStore(settings.effective_events_url) as store:
        body = json.dumps(events).encode()
        assert (
            service.ingest_request_body(
                store, context, body=body, content_type=None, content_encoding=None
            ).accepted
            == 5
        )
    return workspace_id


@sqlite
@pytest.mark.slow
def test_export_then_prune(settings, workspace_with_old_events, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    exported = uptake("events", "export", str(lake), "--workspace", "acme", env=environment_of(settings))
    assert exported.returncode == 0, exported.stderr
    assert "Parquet files written" in exported.stdout
    assert ds.dataset(lake / "events", format="parquet", partitioning="hive").count_rows() == 5
    assert {path.parent.name.startswith("day=") for path in (lake / "events").rglob("*.parquet")} == {True}

    pruned = uptake("events", "prune", env=environment_of(settings))
    assert pruned.returncode == 0, pruned.stderr
    assert "acme" in pruned.stdout
    with EventStore(settings.effective_events_url) as store:
        assert store.count(workspace_with_old_events) == 2


@sqlite
def test_a_day_that_is_not_one_is_named_with_its_option(run, world, tmp_path) -> None:
    world.workspace("acme")
    result = run("events", "export", str(tmp_path / "lake"), "--since", "2025-13-01")
    assert result.exit_code != 0
    assert "error: --since: '2025-13-01' is not a day; write it as YYYY-MM-DD" in result.output
    assert not (tmp_path / "lake").exists()


def test_day_option() -> None:
    assert day_option("--until", None) is None
    assert day_option("--until", "2025-02-28").isoformat() == "2025-02-28"
    with pytest.raises(CommandError, match=r"--until: '28/02/2025' is not a day"):
        day_option("--until", "28/02/2025")


@sqlite
def test_prune_one_workspace_by_its_slug(run, world) -> None:
    world.workspace("acme")
    world.workspace("globex")
    result = run("events", "prune", "--workspace", "globex")
    assert result.exit_code == 0, result.output
    assert "globex" in result.output
    assert "acme" not in result.output
