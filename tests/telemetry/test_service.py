"""Telemetry's service: the ingest context and its cache, retention, the Hive export, unrecognized slugs."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from uptake.analytics import snapshots
from uptake.db import session_scope
from uptake.directory.service import people as people_service
from uptake.telemetry import service
from uptake.telemetry.event_store import EventStore
from uptake.workspaces import schemas as workspace_schemas
from uptake.workspaces import service as workspaces_service

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def make_event(time: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "time": time.isoformat(),
        "person": "alice@example.com",
        "use_case": "support-replies",
        "tool": "support-assistant",
        "kind": "invoked",
        **fields,
    }


@pytest.fixture
def store(settings) -> Any:
    with EventStore(settings.effective_events_url) as event_store:
        yield event_store


def ingest(world, store: EventStore, workspace_id: int, events: list[dict[str, Any]]) -> Any:
    with session_scope(world.factory, workspace_id) as session:
        context = service.ingest_context(session, workspace_id)
    return service.ingest_request_body(
        store, context, body=json.dumps(events).encode(), content_type=None, content_encoding=None, now=NOW
    )


def test_the_context_maps_the_directory_and_is_reread_after_its_time(world) -> None:
    workspace_id = world.workspace(timezone="Europe/Berlin")
    world.person(workspace_id, email="alice@example.com")
    clock = [0.0]
    contexts = service.IngestContexts(ttl_seconds=10, clock=lambda: clock[0])
    with world.session(workspace_id) as session:
        first = contexts.get(session, workspace_id)
        assert first.timezone == "Europe/Berlin"
        assert first.directory_map["alice@example.com"] == "alice@example.com"
        world.person(workspace_id, email="bob@example.com")
        clock[0] = 9.9
        assert contexts.get(session, workspace_id) is first
        clock[0] = 10.0
        assert "bob@example.com" in contexts.get(session, workspace_id).directory_map


def test_prune_keeps_each_workspaces_retention_in_its_own_time_zone(world, store) -> None:
    short = world.workspace(timezone="Pacific/Auckland")
    long = world.workspace()
    with session_scope(world.factory, short) as session:
        workspaces_service.update_workspace(
            session, short, workspace_schemas.WorkspaceUpdate(event_retention_days=30), actor="system"
        )
    days_ago = [0, 28, 29, 30, 31, 400]
    for workspace_id in (short, long):
        events = [make_event(NOW - timedelta(days=days)) for days in days_ago]
        assert ingest(world, store, workspace_id, events).accepted == len(days_ago)

    with world.session() as session:
        outcomes = service.prune_expired_events(session, store, today=date(2026, 5, 2))
    by_workspace = {outcome.workspace_id: outcome for outcome in outcomes}
    # Auckland's day of NOW (12:00 UTC) is 2 May; it keeps 2 May back to 3 April (30 days).
    assert by_workspace[short].kept_from == date(2026, 4, 3)
    assert by_workspace[short].deleted == 3
    assert store.count(short) == 3
    # The default retention (730 days) keeps everything of the other workspace.
    assert by_workspace[long].deleted == 0
    assert store.count(long) == len(days_ago)


def test_the_scheduled_job_prunes(world, store, settings) -> None:
    from uptake.app.jobs import job_definitions
    from uptake.jobs.service import JobContext

    definition = next(job for job in job_definitions() if job.name == "telemetry.prune_events")
    assert definition.schedule is not None
    workspace_id = world.workspace()
    ingest(world, store, workspace_id, [make_event(NOW - timedelta(days=800)), make_event(NOW)])
    with world.session() as session:
        context = JobContext(1, definition.name, None, {}, session, settings, lambda *_: None)
        result = definition.function(context)
    assert result is not None
    assert result["deleted"] == 1
    assert store.count(workspace_id) == 1


def test_export_writes_hive_partitions_the_analytics_lake_reads(world, store, tmp_path) -> None:
    first, second = world.workspace(timezone="Europe/Berlin"), world.workspace()
    times = [NOW - timedelta(days=40), NOW - timedelta(days=1), NOW - timedelta(days=1, hours=1), NOW]
    ingest(world, store, first, [make_event(time) for time in times])
    ingest(world, store, second, [make_event(NOW, person="bob@example.com")])

    progress: list[tuple[int, int]] = []
    written = service.export_events(store, tmp_path, on_partition_done=lambda *step: progress.append(step))
    assert progress == [(1, 3), (2, 3), (3, 3)]
    folders = sorted({path.parent.relative_to(tmp_path).as_posix() for path in written})
    assert folders == [
        f"events/workspace_id={first}/day=2026-03-22",
        f"events/workspace_id={first}/day=2026-04-30",
        f"events/workspace_id={first}/day=2026-05-01",
        f"events/workspace_id={second}/day=2026-05-01",
    ]
    lake_schema = snapshots.EVENTS_SCHEMA.to_pyarrow()
    dataset = ds.dataset(
        tmp_path / "events",
        format="parquet",
        partitioning=ds.partitioning(
            pa.schema([lake_schema.field("workspace_id"), lake_schema.field("day")]), flavor="hive"
        ),
    )
    exported = dataset.to_table().select(lake_schema.names).sort_by("event_id")
    with store._cursor() as cursor:
        stored = cursor.execute("SELECT * FROM events ORDER BY event_id").to_arrow_table()
    assert exported.to_pylist() == stored.to_pylist()
    assert exported.schema.field("time").type == pa.timestamp("us")

    again = service.export_events(store, tmp_path, workspace_id=first, since=date(2026, 4, 30))
    assert len(again) == 2
    assert ds.dataset(tmp_path / "events", format="parquet").count_rows() == 5


def test_unrecognized_usage_counts_events_and_people_of_the_period(world, store) -> None:
    workspace_id = world.workspace()
    world.person(workspace_id, email="alice@example.com")
    ingest(
        world,
        store,
        workspace_id,
        [
            make_event(NOW, use_case="new-idea", person="alice@example.com"),
            make_event(NOW - timedelta(hours=2), use_case="new-idea", person="ALICE@example.com"),
            make_event(NOW, use_case="new-idea", person="bob@example.com", tool=None),
            make_event(NOW - timedelta(days=45), use_case="old-idea"),
        ],
    )
    with world.session(workspace_id) as session:
        usage = service.unrecognized_usage(session, store, workspace_id, days=30, today=date(2026, 5, 1))
    assert usage.since == date(2026, 4, 2)
    assert [(slug.slug, slug.events, slug.people) for slug in usage.use_cases] == [("new-idea", 3, 2)]
    assert usage.use_cases[0].first_seen == datetime(2026, 5, 1, 10, 0)
    assert [(slug.slug, slug.events) for slug in usage.tools] == [("support-assistant", 2)]


def test_a_persons_pseudonyms_cover_every_identifier_they_were_sent_as(world, store) -> None:
    workspace_id = world.workspace()
    ingest(world, store, workspace_id, [make_event(NOW, person="Carol@Example.com")])
    with session_scope(world.factory, workspace_id) as session:
        people_service.create_person(
            session, workspace_id, email="carol@example.com", display_name="Carol", external_id="E77"
        )
    ingest(world, store, workspace_id, [make_event(NOW, person="carol@example.com")])
    with world.session(workspace_id) as session:
        pseudonyms = service.person_pseudonyms(session, workspace_id, ["E77", "carol@example.com", None])
    assert len(pseudonyms) == 2
    assert len(service.events_of_person(store, workspace_id, pseudonyms)) == 2
