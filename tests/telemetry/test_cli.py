"""`uptake events prune` and `uptake events export` as an operator runs them (the real command)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from uptake.db import session_scope
from uptake.telemetry import service
from uptake.telemetry.event_store import EventStore
from uptake.workspaces import schemas as workspace_schemas
from uptake.workspaces import service as workspaces_service

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def uptake(settings, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("UPTAKE_")}
    environment.update(
        UPTAKE_DATA_DIR=str(settings.data_dir),
        UPTAKE_DATABASE_URL=settings.effective_database_url,
        UPTAKE_EVENTS_URL=settings.effective_events_url,
        UPTAKE_SECRET_KEY=settings.effective_secret_key,
        COLUMNS="200",
    )
    return subprocess.run(
        [sys.executable, "-m", "uptake", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


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


@pytest.mark.slow
def test_export_then_prune(settings, workspace_with_old_events, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    exported = uptake(settings, "events", "export", str(lake), "--workspace", "acme")
    assert exported.returncode == 0, exported.stderr
    assert "Parquet files written" in exported.stdout
    assert ds.dataset(lake / "events", format="parquet", partitioning="hive").count_rows() == 5
    assert {path.parent.name.startswith("day=") for path in (lake / "events").rglob("*.parquet")} == {True}

    pruned = uptake(settings, "events", "prune")
    assert pruned.returncode == 0, pruned.stderr
    assert "acme" in pruned.stdout
    with EventStore(settings.effective_events_url) as store:
        assert store.count(workspace_with_old_events) == 2
