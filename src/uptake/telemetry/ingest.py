"""Ingest: a batch of events in, each valid one pseudonymized, dated in the workspace's time zone and stored.

`ingest_batch` takes a request body (the HTTP route and the benchmark call it); `ingest_events` takes
events already in Python form (importers, OpenTelemetry). Both decode and validate the batch
(`event_schema`), replace each person by their pseudonym (`pseudonyms`), fix each event's `day` as its
calendar date in the workspace's time zone, and append the batch to the store in one Arrow insert
(`event_store`), which stores each event once. Use cases and tools the catalog does not know are stored
like any other and reported in the result, never dropped: telemetry often arrives before the catalog is
tidy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from uptake.telemetry.event_schema import (
    MAX_BODY_BYTES,
    MAX_EVENTS_PER_BATCH,
    DecodedBatch,
    RejectedEvent,
    decode_batch,
    decode_events,
)
from uptake.telemetry.event_store import EVENT_SOURCES, STORED_EVENT_SCHEMA, EventStore
from uptake.telemetry.pseudonyms import pseudonymize_people

_MICROSECONDS_PER_MINUTE = 60_000_000
_MICROSECONDS_PER_DAY = 86_400_000_000


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What became of a batch: every event sent is accepted, a duplicate, or rejected (with why)."""

    accepted: int
    duplicates: int
    rejected: list[RejectedEvent]
    unrecognized_use_cases: set[str]
    unrecognized_tools: set[str]

    def as_response(self) -> dict[str, Any]:
        """The body of the ingest endpoint's 200 answer, as the event contract states it."""
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [rejected.as_dict() for rejected in self.rejected],
            "unrecognized": {
                "use_cases": sorted(self.unrecognized_use_cases),
                "tools": sorted(self.unrecognized_tools),
            },
        }


def ingest_batch(
    store: EventStore,
    *,
    workspace_id: int,
    body: bytes,
    content_type: str | None,
    content_encoding: str | None,
    pseudonym_key: bytes,
    directory_map: Mapping[str, str] | None,
    workspace_timezone: str,
    known_use_cases: AbstractSet[str],
    known_tools: AbstractSet[str],
    known_kinds: frozenset[str],
    source: str,
    now: datetime,
    max_events: int = MAX_EVENTS_PER_BATCH,
    max_body_bytes: int = MAX_BODY_BYTES,
    pseudonym_cache: dict[str, str] | None = None,
) -> IngestResult:
    """Decode a request body (JSON array or NDJSON, maybe gzip) and store its valid events.

    Raises what `decode_batch` raises for a body that cannot be read at all (400, 413, 415);
    a malformed event is only listed in `rejected`. `pseudonym_cache` keeps pseudonyms from batch to
    batch (see `pseudonyms.pseudonymize_people`).
    """
    zone = _workspace_zone(workspace_timezone, source)
    decoded = decode_batch(
        body,
        content_type=content_type,
        content_encoding=content_encoding,
        known_kinds=known_kinds,
        now=now,
        max_events=max_events,
        max_body_bytes=max_body_bytes,
    )
    return _store_batch(
        store,
        decoded,
        workspace_id=workspace_id,
        pseudonym_key=pseudonym_key,
        directory_map=directory_map,
        zone=zone,
        known_use_cases=known_use_cases,
        known_tools=known_tools,
        source=source,
        now=now,
        pseudonym_cache=pseudonym_cache,
    )


def ingest_events(
    store: EventStore,
    *,
    workspace_id: int,
    events: Iterable[Mapping[str, Any]],
    pseudonym_key: bytes,
    directory_map: Mapping[str, str] | None,
    workspace_timezone: str,
    known_use_cases: AbstractSet[str],
    known_tools: AbstractSet[str],
    known_kinds: frozenset[str],
    source: str,
    now: datetime,
    pseudonym_cache: dict[str, str] | None = None,
) -> IngestResult:
    """Store events already in Python form (maps with the body's fields; `time` may be an aware
    datetime). The caller picks the batch size: each call is one append."""
    zone = _workspace_zone(workspace_timezone, source)
    decoded = decode_events(events, known_kinds=known_kinds, now=now)
    return _store_batch(
        store,
        decoded,
        workspace_id=workspace_id,
        pseudonym_key=pseudonym_key,
        directory_map=directory_map,
        zone=zone,
        known_use_cases=known_use_cases,
        known_tools=known_tools,
        source=source,
        now=now,
        pseudonym_cache=pseudonym_cache,
    )


def local_days(times: pa.Array | pa.ChunkedArray, zone: ZoneInfo) -> pa.Array:
    """The calendar date in `zone` of each UTC time (`timestamp[us]` without zone).

    Offsets come from Python's time zone database (the `tzdata` package where the system has none):
    one lookup per UTC day of the batch when the offset at the day's start and at its end agree, and
    one per minute on a day when it changes (offsets change on whole minutes).
    """
    if isinstance(times, pa.ChunkedArray):
        times = times.combine_chunks()
    micros = np.asarray(times.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
    utc_days, day_positions = np.unique(micros // _MICROSECONDS_PER_DAY, return_inverse=True)
    day_offsets = np.empty(len(utc_days), dtype=np.int64)
    changing_days = []
    for position, day in enumerate(utc_days.tolist()):
        start = _offset_microseconds(day * 86_400, zone)
        day_offsets[position] = start
        if _offset_microseconds((day + 1) * 86_400, zone) != start:
            changing_days.append(position)
    offsets = day_offsets[day_positions]
    for position in changing_days:
        rows = np.flatnonzero(day_positions == position)
        minutes, minute_positions = np.unique(micros[rows] // _MICROSECONDS_PER_MINUTE, return_inverse=True)
        minute_offsets = np.array([_offset_microseconds(minute * 60, zone) for minute in minutes.tolist()])
        offsets[rows] = minute_offsets[minute_positions]
    return pa.array(((micros + offsets) // _MICROSECONDS_PER_DAY).astype(np.int32), pa.date32())


def _offset_microseconds(epoch_seconds: int, zone: ZoneInfo) -> int:
    """The zone's UTC offset at an instant, in microseconds."""
    offset = datetime.fromtimestamp(epoch_seconds, tz=zone).utcoffset()
    return (offset // timedelta(microseconds=1)) if offset is not None else 0


def _workspace_zone(workspace_timezone: str, source: str) -> ZoneInfo:
    if source not in EVENT_SOURCES:
        raise ValueError(f"unknown event source {source!r}; one of {', '.join(sorted(EVENT_SOURCES))}")
    return ZoneInfo(workspace_timezone)


def _store_batch(
    store: EventStore,
    decoded: DecodedBatch,
    *,
    workspace_id: int,
    pseudonym_key: bytes,
    directory_map: Mapping[str, str] | None,
    zone: ZoneInfo,
    known_use_cases: AbstractSet[str],
    known_tools: AbstractSet[str],
    source: str,
    now: datetime,
    pseudonym_cache: dict[str, str] | None,
) -> IngestResult:
    events = decoded.events
    count = events.num_rows
    received_at = now.astimezone(UTC).replace(tzinfo=None)
    stored = pa.Table.from_arrays(
        [
            events["event_id"],
            events["time"],
            local_days(events["time"], zone),
            pseudonymize_people(pseudonym_key, events["person"], directory_map, pseudonym_cache),
            events["use_case"],
            events["tool"],
            events["kind"],
            events["session_id"],
            events["minutes_saved"],
            events["rating"],
            events["category"],
            events["comment"],
            events["correction"],
            events["attributes"],
            pa.repeat(pa.scalar(source, pa.string()), count),
            pa.repeat(pa.scalar(received_at, pa.timestamp("us")), count),
        ],
        schema=STORED_EVENT_SCHEMA,
    )
    appended = store.append(workspace_id, stored)
    use_cases = set(pc.unique(events["use_case"]).to_pylist())
    tools = {tool for tool in pc.unique(events["tool"]).to_pylist() if tool is not None}
    return IngestResult(
        accepted=appended.accepted,
        duplicates=appended.duplicates,
        rejected=decoded.rejected,
        unrecognized_use_cases=use_cases - known_use_cases,
        unrecognized_tools=tools - known_tools,
    )
