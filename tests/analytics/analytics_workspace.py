"""Test helpers for analytics: an events table made from the event contract, events, and small workspaces."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.dataset as dataset

from uptake.analytics import engines, metrics, snapshots

# The stored event, column by column as the event contract states it (not taken from the code under test).
EVENTS_DDL = """
CREATE TABLE events (
    workspace_id INTEGER NOT NULL,
    event_id VARCHAR NOT NULL,
    time TIMESTAMP NOT NULL,
    day DATE NOT NULL,
    person VARCHAR NOT NULL,
    use_case VARCHAR NOT NULL,
    tool VARCHAR,
    kind VARCHAR NOT NULL,
    session_id VARCHAR,
    minutes_saved DOUBLE PRECISION,
    rating SMALLINT,
    category VARCHAR,
    comment VARCHAR,
    correction VARCHAR,
    attributes VARCHAR,
    source VARCHAR NOT NULL,
    received_at TIMESTAMP NOT NULL,
    UNIQUE (workspace_id, event_id)
)
"""
EVENT_COLUMNS = [
    "workspace_id",
    "event_id",
    "time",
    "day",
    "person",
    "use_case",
    "tool",
    "kind",
    "session_id",
    "minutes_saved",
    "rating",
    "category",
    "comment",
    "correction",
    "attributes",
    "source",
    "received_at",
]
EVENT_ARROW_SCHEMA = pa.schema(
    [
        ("workspace_id", pa.int32()),
        ("event_id", pa.string()),
        ("time", pa.timestamp("us")),
        ("day", pa.date32()),
        ("person", pa.string()),
        ("use_case", pa.string()),
        ("tool", pa.string()),
        ("kind", pa.string()),
        ("session_id", pa.string()),
        ("minutes_saved", pa.float64()),
        ("rating", pa.int16()),
        ("category", pa.string()),
        ("comment", pa.string()),
        ("correction", pa.string()),
        ("attributes", pa.string()),
        ("source", pa.string()),
        ("received_at", pa.timestamp("us")),
    ]
)
WORKSPACE = 1


def event(
    person: str,
    day: date,
    kind: str = "invoked",
    use_case: str = "drafting",
    *,
    tool: str | None = "assistant",
    hour: int = 12,
    time: datetime | None = None,
    minutes_saved: float | None = None,
    rating: int | None = None,
    workspace_id: int = WORKSPACE,
) -> dict[str, Any]:
    """One stored event; `time` defaults to `day` at `hour`:00 UTC."""
    at = time or datetime(day.year, day.month, day.day, hour)
    return {
        "workspace_id": workspace_id,
        "event_id": str(uuid.uuid4()),
        "time": at,
        "day": day,
        "person": person,
        "use_case": use_case,
        "tool": tool,
        "kind": kind,
        "session_id": None,
        "minutes_saved": minutes_saved,
        "rating": rating,
        "category": None,
        "comment": None,
        "correction": None,
        "attributes": None,
        "source": "api",
        "received_at": at + timedelta(seconds=1),
    }


def events_arrow(events: Sequence[Mapping[str, Any]]) -> pa.Table:
    return pa.table(
        {column: [row[column] for row in events] for column in EVENT_COLUMNS}, schema=EVENT_ARROW_SCHEMA
    )


def create_events_table(backend: engines.EventsBackend) -> None:
    if backend.kind == "duckdb":
        backend.connection.con.execute(EVENTS_DDL)
    elif backend.kind == "postgres":
        with backend.connection.con.cursor() as cursor:
            cursor.execute(EVENTS_DDL)
        backend.connection.con.commit()


def insert_events(backend: engines.EventsBackend, events: Sequence[Mapping[str, Any]]) -> None:
    """Store events as the telemetry event store would (DuckDB/PostgreSQL table, or Hive-layout Parquet)."""
    if not events:
        return
    table = events_arrow(events)
    if backend.kind == "duckdb":
        raw = backend.connection.con
        raw.register("incoming_events", table)
        raw.execute(f"INSERT INTO events SELECT {', '.join(EVENT_COLUMNS)} FROM incoming_events")
        raw.unregister("incoming_events")
    elif backend.kind == "postgres":
        raw = backend.connection.con
        copy_sql = f"COPY events ({', '.join(EVENT_COLUMNS)}) FROM STDIN"
        with raw.transaction(), raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for row in table.to_pylist():
                copy.write_row([row[column] for column in EVENT_COLUMNS])
    else:
        assert backend.lake_path is not None
        dataset.write_dataset(
            table,
            backend.lake_path / "events",
            format="parquet",
            partitioning=["workspace_id", "day"],
            partitioning_flavor="hive",
            existing_data_behavior="overwrite_or_ignore",
            basename_template=f"part-{uuid.uuid4().hex}-{{i}}.parquet",
        )


@dataclass
class Workspace:
    """A small workspace on one engine: write snapshots and events, refresh, compute."""

    backend: engines.EventsBackend
    workspace_id: int = WORKSPACE

    def snapshot(self, name: str, rows: Sequence[Mapping[str, Any]]) -> None:
        full = [{"workspace_id": self.workspace_id, **row} for row in rows]
        snapshots.write_snapshot(self.backend, name, full, workspace_id=self.workspace_id)

    def events(self, events: Sequence[Mapping[str, Any]]) -> None:
        insert_events(self.backend, events)

    def tables(self) -> metrics.AnalyticsTables:
        metrics.refresh_activity(self.backend, self.workspace_id)
        return metrics.load_tables(self.backend)

    def rows(
        self,
        name: str,
        period: metrics.Period,
        grouping: metrics.Grouping | None = None,
        options: metrics.MetricOptions | None = None,
    ) -> list[dict[str, Any]]:
        """The raw rows (no privacy floor) of metric `name`, sorted by its keys."""
        definition = metrics.metric_by_name(name)
        grouping = grouping or metrics.Grouping()
        expression = metrics.metric_expression(
            definition, self.tables(), self.workspace_id, period, grouping, options
        )
        rows = engines.to_arrow(self.backend, expression).to_pylist()
        keys = definition.keys(grouping)
        return sorted(rows, key=lambda row: tuple((row[key] is not None, str(row[key])) for key in keys))
