"""The event store: the `events` table in DuckDB, appended in Arrow batches, each event stored once. It stays
whole: one class owns the file, its write lock and its record of stored event ids.

Opened from a URL: `duckdb:///relative/path/events.duckdb`, `duckdb:////absolute/path/events.duckdb`
(SQLAlchemy's convention: the path is what follows `duckdb:///`) or `duckdb:///:memory:`.

**One process owns the file.** DuckDB lets a single process open a database file for writing, so the
uptake server owns `events.duckdb` while it runs; commands that write events (`uptake events prune`,
importers) either go through the server or run while it is stopped. Inside the process, every
`EventStore` on the same file shares one write lock and one record of the stored event ids.

**Threads.** A store holds one DuckDB connection (one database instance); every call opens its own
cursor on it (`connection.cursor()`, a connection to the same instance), so threads never share a
cursor. Reads run in parallel; writes (append, prune, erase, re-key) take the write lock, one at a time.

**Each event once.** `append` drops the events whose (workspace_id, event_id) is already stored, and the
repeats inside the batch itself, so resending a batch changes nothing. The check is the statement
`INSERT INTO events SELECT ... FROM batch WHERE NOT EXISTS (the same workspace_id and event_id)`, run
under the write lock. Its anti-join reads the whole `event_id` column (about 100 ms per batch at 5
million stored events on 2 cores, whatever the batch size), so the store also keeps the 64-bit hashes of
the stored (workspace_id, event_id) pairs in memory, sorted (8 bytes per event, loaded on the first
append): a batch none of whose hashes is known cannot hold a stored event and is inserted without the
anti-join; a batch with a known hash (a resend) takes the exact path. A unique index was measured too:
DuckDB's PRIMARY KEY on (workspace_id, event_id) made the file 3.3 times larger, plain inserts 4 times
slower, and `ON CONFLICT DO NOTHING` slower than the anti-join, so there is none.

**Clustered by day.** DuckDB keeps, per row group of 122,880 rows, the minimum and maximum of every
column (a zone map) and skips the row groups a filter excludes. Each batch is inserted ordered by
`day`, and live events arrive in time order, so consecutive row groups cover consecutive days and a
period query (`WHERE day BETWEEN ...`) reads only the row groups of its period.

Exports are Parquet in Hive layout, `workspace_id=N/day=YYYY-MM-DD/events_0.parquet`, the form Spark,
Trino and the warehouses read; the partition columns live in the folder names, not in the files.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal

import duckdb
import numpy as np
import pyarrow as pa

EVENTS_SCHEMA_VERSION: Final = 1
EVENT_SOURCES: Final = frozenset({"api", "sdk", "otlp", "github_copilot", "m365_copilot", "demo"})

STORED_EVENT_SCHEMA: Final = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("time", pa.timestamp("us"), nullable=False),
        pa.field("day", pa.date32(), nullable=False),
        pa.field("person", pa.string(), nullable=False),
        pa.field("use_case", pa.string(), nullable=False),
        pa.field("tool", pa.string()),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("session_id", pa.string()),
        pa.field("minutes_saved", pa.float64()),
        pa.field("rating", pa.int16()),
        pa.field("category", pa.string()),
        pa.field("comment", pa.string()),
        pa.field("correction", pa.string()),
        pa.field("attributes", pa.string()),
        pa.field("source", pa.string(), nullable=False),
        pa.field("received_at", pa.timestamp("us"), nullable=False),
    ]
)
"""An event as `append` takes it: every stored column but `workspace_id`, in the table's order."""

_EVENTS_TABLE: Final = """
CREATE TABLE IF NOT EXISTS events (
    workspace_id INTEGER NOT NULL,
    event_id VARCHAR NOT NULL,
    time TIMESTAMP NOT NULL,
    day DATE NOT NULL,
    person VARCHAR NOT NULL,
    use_case VARCHAR NOT NULL,
    tool VARCHAR,
    kind VARCHAR NOT NULL,
    session_id VARCHAR,
    minutes_saved DOUBLE,
    rating SMALLINT,
    category VARCHAR,
    comment VARCHAR,
    correction VARCHAR,
    attributes VARCHAR,
    source VARCHAR NOT NULL,
    received_at TIMESTAMP NOT NULL
)
"""
_SCHEMA_VERSION_TABLE: Final = """
CREATE TABLE IF NOT EXISTS schema_version (
    component VARCHAR PRIMARY KEY,
    version INTEGER NOT NULL
)
"""
_INSERT_ALL: Final = """
INSERT INTO events
SELECT $workspace_id, event_id, time, day, person, use_case, tool, kind, session_id, minutes_saved, rating,
       category, comment, correction, attributes, source, received_at
FROM batch
"""
_INSERT_NEW: Final = """
INSERT INTO events
SELECT $workspace_id, event_id, time, day, person, use_case, tool, kind, session_id, minutes_saved, rating,
       category, comment, correction, attributes, source, received_at
FROM batch
WHERE NOT EXISTS (
    SELECT 1 FROM events WHERE events.workspace_id = $workspace_id AND events.event_id = batch.event_id
)
ORDER BY day
"""
_MEMORY: Final = ":memory:"
_MEMORY_LIMIT: Final = re.compile(r"[0-9]+(\.[0-9]+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)")
_URL_PREFIX: Final = "duckdb:///"


class EventStoreError(Exception):
    """The events store cannot be opened or used as asked."""


@dataclass(frozen=True, slots=True)
class AppendResult:
    """How many events of a batch were stored, and how many were already stored (or repeated in it)."""

    accepted: int
    duplicates: int


def events_database(url: str) -> str:
    """The DuckDB database a store URL names: a file path, or `:memory:`."""
    if url in ("duckdb://", "duckdb:///", "duckdb:///:memory:", "duckdb://:memory:"):
        return _MEMORY
    if not url.startswith(_URL_PREFIX):
        raise EventStoreError(
            f"{url!r} is not an events store URL; use duckdb:///path/to/events.duckdb "
            "(four slashes for an absolute path) or duckdb:///:memory:"
        )
    return url.removeprefix(_URL_PREFIX)


class EventStore:
    """The `events` table of one DuckDB database; see the module's notes on processes and threads."""

    def __init__(self, url: str, *, memory_limit: str | None = None) -> None:
        """Open (and create if needed) the store.

        `memory_limit` ("512MB") caps DuckDB's buffer pool for the whole database instance, which
        other connections in the process (analytics) share; it is set, not passed as configuration,
        so they can still connect with theirs.
        """
        if memory_limit is not None and not _MEMORY_LIMIT.fullmatch(memory_limit):
            raise EventStoreError(f"memory_limit {memory_limit!r} is not a size such as 512MB or 2GB")
        self.url = url
        database = events_database(url)
        self._connection = duckdb.connect(database)
        self._writer: _Writer | None = _writer_for(database)
        try:
            with self._writing() as cursor:
                if memory_limit is not None:
                    cursor.execute(f"SET memory_limit = '{memory_limit}'")
                _create_schema(cursor)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection; the store cannot be used afterwards."""
        if self._writer is not None:
            _release_writer(self._writer)
            self._writer = None
        self._connection.close()

    def ping(self) -> None:
        """Raise if the database does not answer a trivial query."""
        with self._cursor() as cursor:
            cursor.execute("SELECT 1").fetchall()

    def append(self, workspace_id: int, events: pa.Table | Sequence[Mapping[str, Any]]) -> AppendResult:
        """Store the events not yet stored for the workspace, in one INSERT from one Arrow table.

        `events` has the columns of `STORED_EVENT_SCHEMA` (a table, or rows as maps): already
        pseudonymized, with `day` computed. Events whose `event_id` is stored already, or repeated in
        the batch (the first one wins), are counted as duplicates and not stored.
        """
        table = _stored_table(events)
        if table.num_rows == 0:
            return AppendResult(0, 0)
        writer = self._open_writer()
        pending = _PendingAppend(workspace_id, _ordered_by_day(table))
        with writer.pending_lock:
            writer.pending.append(pending)
        with writer.lock:
            if pending.result is None and pending.error is None:
                with writer.pending_lock:
                    group, writer.pending = writer.pending, []
                with self._cursor() as cursor:
                    self._append_group(cursor, writer, group)
        if pending.error is not None:
            raise pending.error
        assert pending.result is not None
        return pending.result

    def count(self, workspace_id: int | None = None) -> int:
        """How many events are stored, in one workspace or in all."""
        with self._cursor() as cursor:
            if workspace_id is None:
                return _count(cursor.execute("SELECT count(*) FROM events"))
            return _count(
                cursor.execute("SELECT count(*) FROM events WHERE workspace_id = ?", [workspace_id])
            )

    def events_for_person(self, workspace_id: int, pseudonym: str) -> list[dict[str, Any]]:
        """Every stored event of one person (by pseudonym), oldest first: their data, for their export."""
        with self._cursor() as cursor:
            result = cursor.execute(
                "SELECT * FROM events WHERE workspace_id = ? AND person = ? ORDER BY time, event_id",
                [workspace_id, pseudonym],
            )
            names = [column[0] for column in result.description or ()]
            return [dict(zip(names, row, strict=True)) for row in result.fetchall()]

    def slug_usage(
        self, workspace_id: int, column: Literal["use_case", "tool"], since: date
    ) -> list[tuple[str, int, int, datetime, datetime]]:
        """Per distinct `use_case` or `tool` of the workspace's events from `since` on: the slug, its events,
        its distinct people, its first and last event time; most events first."""
        if column not in ("use_case", "tool"):
            raise EventStoreError(f"no slug column {column!r}; use_case or tool")
        with self._cursor() as cursor:
            rows = cursor.execute(
                f"SELECT {column}, count(*), count(DISTINCT person), min(time), max(time) FROM events "  # noqa: S608 - the column is one of two names
                f"WHERE workspace_id = ? AND day >= ? AND {column} IS NOT NULL "
                f"GROUP BY {column} ORDER BY 2 DESC, 1",
                [workspace_id, since],
            ).fetchall()
        return [
            (str(slug), int(events), int(people), first, last) for slug, events, people, first, last in rows
        ]

    def usage_by_person(
        self, workspace_id: int, pseudonyms: Sequence[str], since: date
    ) -> dict[str, tuple[int, date]]:
        """For each of these people with events from `since` on: their events and their last day."""
        if not pseudonyms:
            return {}
        with self._cursor() as cursor:
            rows = cursor.execute(
                "SELECT person, count(*), max(day) FROM events WHERE workspace_id = ? AND day >= ? "
                "AND person IN (SELECT unnest(?::VARCHAR[])) GROUP BY person",
                [workspace_id, since, list(pseudonyms)],
            ).fetchall()
        return {str(person): (int(events), last) for person, events, last in rows}

    def event_months(
        self, workspace_id: int | None, since: date | None, until: date | None
    ) -> list[tuple[date, date]]:
        """The first and last day of each calendar month that holds events (of one workspace or all)."""
        where, parameters = _day_filter(workspace_id, since, until)
        with self._cursor() as cursor:
            rows = cursor.execute(
                f"SELECT DISTINCT date_trunc('month', day)::DATE AS month FROM events {where} ORDER BY 1",  # noqa: S608 - fixed fragments
                parameters,
            ).fetchall()
        months = []
        for (first,) in rows:
            following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            months.append((first, following - timedelta(days=1)))
        return months

    def count_partitions(self, workspace_id: int | None, since: date | None, until: date | None) -> int:
        """How many (workspace, day) pairs hold events: the folders an export writes."""
        where, parameters = _day_filter(workspace_id, since, until)
        with self._cursor() as cursor:
            return _count(
                cursor.execute(
                    f"SELECT count(*) FROM (SELECT DISTINCT workspace_id, day FROM events {where})",  # noqa: S608 - fixed fragments
                    parameters,
                )
            )

    def prune(self, workspace_id: int, older_than: date) -> int:
        """Delete the workspace's events whose `day` is before `older_than`; returns how many."""
        with self._writing() as cursor:
            return _count(
                cursor.execute(
                    "DELETE FROM events WHERE workspace_id = ? AND day < ?", [workspace_id, older_than]
                )
            )

    def erase_person(self, workspace_id: int, pseudonym: str) -> int:
        """Delete every event of one person; returns how many."""
        with self._writing() as cursor:
            return _count(
                cursor.execute(
                    "DELETE FROM events WHERE workspace_id = ? AND person = ?", [workspace_id, pseudonym]
                )
            )

    def rekey_person(self, workspace_id: int, pseudonym: str, new_random_pseudonym: str) -> int:
        """Keep a person's events for the aggregates but make them unlinkable to the person.

        The events move to `new_random_pseudonym` (random, kept nowhere else), and the fields that
        could point back to the person are cleared: `session_id`, `comment`, `correction` and
        `attributes`. Returns how many events were re-keyed.
        """
        with self._writing() as cursor:
            return _count(
                cursor.execute(
                    "UPDATE events SET person = ?, session_id = NULL, comment = NULL, correction = NULL, "
                    "attributes = NULL WHERE workspace_id = ? AND person = ?",
                    [new_random_pseudonym, workspace_id, pseudonym],
                )
            )

    def erase_person_from_other_tables(
        self, workspace_id: int, pseudonyms: Sequence[str], *, replacement: str | None
    ) -> int:
        """Delete (or, given `replacement`, re-key) a person's rows in every other table of this database that
        has `workspace_id` and `person` columns: the analytics snapshots (people, entitlements, seats,
        completions) written beside the events. Returns how many rows."""
        if not pseudonyms:
            return 0
        with self._writing() as cursor:
            tables = cursor.execute(
                "SELECT table_name FROM information_schema.columns WHERE column_name IN ('workspace_id', 'person') "
                "AND table_schema = current_schema() AND table_name <> 'events' "
                "GROUP BY table_name HAVING count(*) = 2 ORDER BY table_name"
            ).fetchall()
            changed = 0
            placeholders = ", ".join("?" for _ in pseudonyms)
            for (table,) in tables:
                quoted = '"' + str(table).replace('"', '""') + '"'
                if replacement is None:
                    statement = f"DELETE FROM {quoted} WHERE workspace_id = ? AND person IN ({placeholders})"  # noqa: S608 - a quoted name read from the catalog
                    parameters: list[Any] = [workspace_id, *pseudonyms]
                else:
                    statement = f"UPDATE {quoted} SET person = ? WHERE workspace_id = ? AND person IN ({placeholders})"  # noqa: S608 - a quoted name read from the catalog
                    parameters = [replacement, workspace_id, *pseudonyms]
                changed += _count(cursor.execute(statement, parameters))
            return changed

    def checkpoint(self) -> None:
        """Write the write-ahead log into the database file and drop it, so rows just deleted (an erasure) no
        longer sit in the log's copy of past inserts."""
        with self._writing() as cursor:
            cursor.execute("CHECKPOINT")

    def export_parquet(
        self,
        directory: Path | str,
        workspace_id: int | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[Path]:
        """Write the events as Parquet in Hive layout under `directory`; returns the files written.

        Selects one workspace or all, and the days from `since` to `until` (both included). A day
        exported again replaces its folder's files, so re-running an export never doubles events.
        """
        directory = Path(directory)
        where, parameters = _day_filter(workspace_id, since, until)
        with self._cursor() as cursor:
            cursor.execute("BEGIN TRANSACTION")
            try:
                partitions = cursor.execute(
                    f"SELECT DISTINCT workspace_id, day FROM events {where} ORDER BY 1, 2",  # noqa: S608 - fixed fragments
                    parameters,
                ).fetchall()
                folders = [
                    directory / f"workspace_id={ws}" / f"day={day.isoformat()}" for ws, day in partitions
                ]
                for folder in folders:
                    for old_file in folder.glob("*.parquet"):
                        old_file.unlink()
                if folders:
                    directory.mkdir(parents=True, exist_ok=True)
                    target = str(directory).replace("'", "''")
                    copy = (
                        f"COPY (SELECT * FROM events {where} ORDER BY workspace_id, day, time, event_id) "  # noqa: S608 - fixed fragments; the folder is quoted
                        f"TO '{target}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (workspace_id, day), "
                        "OVERWRITE_OR_IGNORE true, FILENAME_PATTERN 'events_{i}')"
                    )
                    cursor.execute(copy, parameters)
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")
        return sorted(path for folder in folders for path in folder.glob("*.parquet"))

    # --- inside the store ---

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self._writer is None:
            raise EventStoreError(f"the events store {self.url} is closed")
        cursor = self._connection.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    @contextmanager
    def _writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor under the write lock that every store on this database shares."""
        if self._writer is None:
            raise EventStoreError(f"the events store {self.url} is closed")
        with self._writer.lock, self._cursor() as cursor:
            yield cursor

    def _open_writer(self) -> _Writer:
        if self._writer is None:
            raise EventStoreError(f"the events store {self.url} is closed")
        return self._writer

    def _append_group(
        self, cursor: duckdb.DuckDBPyConnection, writer: _Writer, group: list[_PendingAppend]
    ) -> None:
        """Append the batches that queued up while the previous append ran, with one commit (one WAL
        flush to disk) for all; if that fails, each batch alone, so one bad batch fails only itself."""
        try:
            if len(group) == 1:
                group[0].result = self._insert_batch(cursor, writer, group[0])
                return
            cursor.execute("BEGIN TRANSACTION")
            try:
                results = [self._insert_batch(cursor, writer, pending) for pending in group]
                cursor.execute("COMMIT")
            except Exception:  # noqa: BLE001 - each batch is tried alone below
                cursor.execute("ROLLBACK")
                for pending in group:
                    try:
                        pending.result = self._insert_batch(cursor, writer, pending)
                    except Exception as error:  # noqa: BLE001 - raised in the thread that appended it
                        pending.error = error
                return
            for pending, result in zip(group, results, strict=True):
                pending.result = result
        except Exception as error:  # noqa: BLE001 - raised in the thread that appended it
            group[0].error = error
        finally:
            for pending in group:
                if pending.result is None and pending.error is None:
                    pending.error = EventStoreError("the append was interrupted before it was stored")

    def _insert_batch(
        self, cursor: duckdb.DuckDBPyConnection, writer: _Writer, pending: _PendingAppend
    ) -> AppendResult:
        """One INSERT from one Arrow table: the exact anti-join only when a hash is already known."""
        batch = pending.batch
        cursor.register("batch", batch)
        try:
            hashes = _event_id_hashes(cursor, pending.workspace_id)
            sorted_hashes = np.sort(hashes)
            if (sorted_hashes[1:] == sorted_hashes[:-1]).any():
                first = _first_occurrences(batch["event_id"])
                batch, hashes = batch.filter(pa.array(first)), hashes[first]
                sorted_hashes = np.sort(hashes)
                cursor.unregister("batch")
                cursor.register("batch", batch)
            known = self._known_event_ids(cursor)
            statement = _INSERT_NEW if known.may_contain(hashes).any() else _INSERT_ALL
            accepted = _count(cursor.execute(statement, {"workspace_id": pending.workspace_id}))
        finally:
            cursor.unregister("batch")
        # Added even if a surrounding transaction is rolled back: a hash too many only means the
        # exact anti-join for a later batch, never a lost event.
        known.add(sorted_hashes)
        return AppendResult(accepted, pending.batch.num_rows - accepted)

    def _known_event_ids(self, cursor: duckdb.DuckDBPyConnection) -> _KnownEventIds:
        assert self._writer is not None
        if self._writer.known_event_ids is None:
            stored = cursor.execute("SELECT hash(workspace_id, event_id) AS hash FROM events").fetchnumpy()
            self._writer.known_event_ids = _KnownEventIds(np.asarray(stored["hash"], dtype=np.uint64))
        return self._writer.known_event_ids


def rekey_events(store: EventStore, workspace_id: int, mapping: Mapping[str, str]) -> int:
    """Replace pseudonyms after a key rotation (`{old: new}`), all in one transaction; returns how many
    events changed. See `pseudonyms` for the procedure."""
    if not mapping:
        return 0
    pairs = pa.table(
        {
            "old_person": pa.array(list(mapping), pa.string()),
            "new_person": pa.array(list(mapping.values()), pa.string()),
        }
    )
    with store._writing() as cursor:
        cursor.register("pseudonym_pairs", pairs)
        cursor.execute("BEGIN TRANSACTION")
        try:
            changed = _count(
                cursor.execute(
                    "UPDATE events SET person = pseudonym_pairs.new_person FROM pseudonym_pairs "
                    "WHERE events.workspace_id = ? AND events.person = pseudonym_pairs.old_person",
                    [workspace_id],
                )
            )
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        else:
            cursor.execute("COMMIT")
        finally:
            cursor.unregister("pseudonym_pairs")
    return changed


# --- the pieces ------------------------------------------------------------------------------------------


def _create_schema(cursor: duckdb.DuckDBPyConnection) -> None:
    cursor.execute(_SCHEMA_VERSION_TABLE)
    row = cursor.execute("SELECT version FROM schema_version WHERE component = 'events'").fetchone()
    if row is not None and int(row[0]) > EVENTS_SCHEMA_VERSION:
        raise EventStoreError(
            f"the events store has schema version {row[0]}, newer than this uptake's {EVENTS_SCHEMA_VERSION}; "
            "upgrade uptake"
        )
    cursor.execute(_EVENTS_TABLE)
    if row is None:
        cursor.execute("INSERT INTO schema_version VALUES ('events', ?)", [EVENTS_SCHEMA_VERSION])


def _day_filter(
    workspace_id: int | None, since: date | None, until: date | None
) -> tuple[str, list[int | date]]:
    """A WHERE clause (or nothing) for one workspace or all and the days from `since` to `until`."""
    conditions: list[str] = []
    parameters: list[int | date] = []
    for condition, value in (("workspace_id = ?", workspace_id), ("day >= ?", since), ("day <= ?", until)):
        if value is not None:
            conditions.append(condition)
            parameters.append(value)
    return (f"WHERE {' AND '.join(conditions)}" if conditions else ""), parameters


def _count(result: duckdb.DuckDBPyConnection) -> int:
    row = result.fetchone()
    return int(row[0]) if row is not None else 0


def _stored_table(events: pa.Table | Sequence[Mapping[str, Any]]) -> pa.Table:
    if not isinstance(events, pa.Table):
        return pa.Table.from_pylist(list(events), schema=STORED_EVENT_SCHEMA)
    missing = [name for name in STORED_EVENT_SCHEMA.names if name not in events.column_names]
    if missing:
        raise EventStoreError(f"the events to append lack the columns {', '.join(missing)}")
    return events.select(STORED_EVENT_SCHEMA.names).cast(STORED_EVENT_SCHEMA)


def _first_occurrences(event_ids: pa.ChunkedArray) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """True for the first occurrence of each event_id, False for its repeats."""
    seen: set[str] = set()
    first = np.zeros(len(event_ids), dtype=bool)
    for row, event_id in enumerate(event_ids.to_pylist()):
        if event_id not in seen:
            seen.add(event_id)
            first[row] = True
    return first


def _ordered_by_day(table: pa.Table) -> pa.Table:
    """The batch ordered by day (stable), so that its rows land in the row groups in day order."""
    days = np.asarray(table["day"].to_numpy(), dtype="datetime64[D]")
    if (days[1:] >= days[:-1]).all():
        return table
    return table.take(np.argsort(days, kind="stable"))


def _event_id_hashes(
    cursor: duckdb.DuckDBPyConnection, workspace_id: int
) -> np.ndarray[Any, np.dtype[np.uint64]]:
    """DuckDB's 64-bit hash of each (workspace_id, event_id) of the registered batch."""
    result = cursor.execute("SELECT hash(?::INTEGER, event_id) AS hash FROM batch", [workspace_id])
    return np.asarray(result.fetchnumpy()["hash"], dtype=np.uint64)


class _KnownEventIds:
    """The hashes of the stored (workspace_id, event_id) pairs: a hash not here is a new event.

    Two sorted arrays: `settled` and the smaller `recent`, which each append merges into (two sorted runs,
    merged in linear time) and which is merged into `settled` when it reaches an eighth of it. Deleted
    events leave their hash behind; that only sends a later batch down the exact path.
    """

    _RECENT_AT_LEAST: Final = 1 << 16

    def __init__(self, hashes: np.ndarray[Any, np.dtype[np.uint64]]) -> None:
        self._settled = np.unique(hashes)
        self._recent = np.empty(0, dtype=np.uint64)

    def may_contain(
        self, hashes: np.ndarray[Any, np.dtype[np.uint64]]
    ) -> np.ndarray[Any, np.dtype[np.bool_]]:
        return _sorted_contains(self._settled, hashes) | _sorted_contains(self._recent, hashes)

    def add(self, sorted_hashes: np.ndarray[Any, np.dtype[np.uint64]]) -> None:
        self._recent = _merged(self._recent, sorted_hashes)
        if len(self._recent) > max(self._RECENT_AT_LEAST, len(self._settled) // 8):
            self._settled = _merged(self._settled, self._recent)
            self._recent = np.empty(0, dtype=np.uint64)


def _merged(
    first: np.ndarray[Any, np.dtype[np.uint64]], second: np.ndarray[Any, np.dtype[np.uint64]]
) -> np.ndarray[Any, np.dtype[np.uint64]]:
    """Two sorted arrays as one (timsort sees two runs: linear time)."""
    return np.sort(np.concatenate([first, second]), kind="stable")


def _sorted_contains(
    sorted_hashes: np.ndarray[Any, np.dtype[np.uint64]], hashes: np.ndarray[Any, np.dtype[np.uint64]]
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    if len(sorted_hashes) == 0:
        return np.zeros(len(hashes), dtype=bool)
    positions = np.searchsorted(sorted_hashes, hashes)
    positions[positions == len(sorted_hashes)] = 0
    return np.asarray(sorted_hashes[positions] == hashes, dtype=bool)


@dataclass
class _Writer:
    """What every store open on one database shares: the write lock, the appends waiting for it, and
    the known event ids."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    pending_lock: threading.Lock = field(default_factory=threading.Lock)
    pending: list[_PendingAppend] = field(default_factory=list)
    known_event_ids: _KnownEventIds | None = None
    stores: int = 0


@dataclass
class _PendingAppend:
    """One call of `append`, waiting for the write lock; whoever holds it next stores it."""

    workspace_id: int
    batch: pa.Table
    result: AppendResult | None = None
    error: BaseException | None = None


_writers: dict[str, _Writer] = {}
_writers_lock = threading.Lock()


def _writer_for(database: str) -> _Writer:
    if database == _MEMORY:
        return _Writer(stores=1)
    key = os.path.realpath(database)
    with _writers_lock:
        writer = _writers.setdefault(key, _Writer())
        writer.stores += 1
        return writer


def _release_writer(writer: _Writer) -> None:
    with _writers_lock:
        writer.stores -= 1
        if writer.stores <= 0:
            for key, shared in list(_writers.items()):
                if shared is writer:
                    del _writers[key]
