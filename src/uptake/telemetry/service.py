"""Telemetry's decisions for the rest of uptake: what a workspace's ingest needs to know, retention, export,
the use cases and tools the catalog does not know yet, and a person's events for their export or erasure.

Other domains (privacy, the CLI, jobs) reach the event store through these functions only.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.catalog import service as catalog_service
from uptake.db import across_workspaces
from uptake.directory.service import people as people_service
from uptake.jobs.service import JobContext
from uptake.telemetry import pseudonyms
from uptake.telemetry.event_schema import MAX_BODY_BYTES, MAX_EVENTS_PER_BATCH
from uptake.telemetry.event_store import EventStore, rekey_events
from uptake.telemetry.ingest import IngestResult, ingest_batch
from uptake.telemetry.pseudonyms import build_directory_map, canonical_person_key, pseudonymize
from uptake.workspaces import service as workspaces_service


def pseudonymize_person(key: bytes, identifier: str) -> str:
    """The pseudonym of one person (email or external id) under a workspace's key (`pseudonym_key`): how
    analytics' people snapshot and the seat ledger find a person's events."""
    return pseudonyms.pseudonymize_person(key, identifier)


if TYPE_CHECKING:
    from uptake.telemetry.importers import ImportSummary
    from uptake.telemetry.importers.github_copilot import Seat as GitHubSeat

CONTEXT_TTL_SECONDS = 15.0
"""How long the ingest keeps a workspace's catalog and directory in memory. A use case added to the catalog
is recognized, and a person added to the directory is pseudonymized by their external id, at most this long
after the change; until then their events are stored all the same."""


@dataclass(frozen=True, slots=True)
class IngestContext:
    """What the ingest of one workspace needs from the other domains, read once and reused for a while."""

    workspace_id: int
    pseudonym_key: bytes
    directory_map: dict[str, str]
    timezone: str
    known_use_cases: frozenset[str]
    known_tools: frozenset[str]
    known_kinds: frozenset[str]
    pseudonym_cache: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    """Pseudonyms of the identifiers seen since this context was read (valid for its key and directory)."""


def pseudonym_key(session: Session, workspace_id: int) -> bytes:
    """The workspace's HMAC key as bytes (the text stored on the workspace, UTF-8)."""
    return workspaces_service.get_workspace(session, workspace_id).pseudonym_key.encode()


def ingest_context(session: Session, workspace_id: int) -> IngestContext:
    """Read the workspace's key, time zone, directory map and catalog slugs for the ingest."""
    workspace = workspaces_service.get_workspace(session, workspace_id)
    people = people_service.person_snapshots(session, workspace_id)
    return IngestContext(
        workspace_id=workspace_id,
        pseudonym_key=workspace.pseudonym_key.encode(),
        directory_map=build_directory_map((person.external_id, person.email) for person in people),
        timezone=workspace.timezone,
        known_use_cases=frozenset(catalog_service.list_active_use_case_slugs(session, workspace_id)),
        known_tools=frozenset(tool.slug for tool in catalog_service.list_tools(session, workspace_id)),
        known_kinds=frozenset(),
    )


class IngestContexts:
    """Each workspace's `IngestContext`, read again once it is `ttl_seconds` old.

    Reading the directory and the catalog for every batch would cost more than storing the batch; a batch
    arrives every few milliseconds from a busy tool, and the catalog changes a few times a day.
    """

    def __init__(
        self, ttl_seconds: float = CONTEXT_TTL_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl_seconds = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._contexts: dict[int, tuple[float, IngestContext]] = {}

    def get(self, session: Session, workspace_id: int) -> IngestContext:
        now = self._clock()
        with self._lock:
            cached = self._contexts.get(workspace_id)
        if cached is not None and now - cached[0] < self._ttl_seconds:
            return cached[1]
        context = ingest_context(session, workspace_id)
        with self._lock:
            self._contexts[workspace_id] = (now, context)
        return context

    def forget(self, workspace_id: int) -> None:
        """Read the workspace again on its next batch (after a change the ingest must see at once)."""
        with self._lock:
            self._contexts.pop(workspace_id, None)


def ingest_request_body(
    store: EventStore,
    context: IngestContext,
    *,
    body: bytes,
    content_type: str | None,
    content_encoding: str | None,
    source: str = "api",
    now: datetime | None = None,
    max_events: int = MAX_EVENTS_PER_BATCH,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> IngestResult:
    """Validate, pseudonymize and store one request body of events for the context's workspace."""
    return ingest_batch(
        store,
        workspace_id=context.workspace_id,
        body=body,
        content_type=content_type,
        content_encoding=content_encoding,
        pseudonym_key=context.pseudonym_key,
        directory_map=context.directory_map,
        workspace_timezone=context.timezone,
        known_use_cases=context.known_use_cases,
        known_tools=context.known_tools,
        known_kinds=context.known_kinds,
        source=source,
        now=now or datetime.now(UTC),
        max_events=max_events,
        max_body_bytes=max_body_bytes,
        pseudonym_cache=context.pseudonym_cache,
    )


# -- unrecognized use cases and tools -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnrecognizedSlug:
    """A use case or tool slug events name that the catalog does not know (or not as live)."""

    slug: str
    events: int
    people: int
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class UnrecognizedUsage:
    since: date
    use_cases: list[UnrecognizedSlug]
    tools: list[UnrecognizedSlug]


def unrecognized_usage(
    session: Session, store: EventStore, workspace_id: int, *, days: int = 30, today: date | None = None
) -> UnrecognizedUsage:
    """The use cases and tools named by the workspace's events of the last `days` days that the catalog does
    not know, most events first: the program lead adds them to the catalog or asks the tool's owner to fix its
    slugs. Computed from the events, so a slug disappears from the list as soon as the catalog knows it."""
    context = ingest_context(session, workspace_id)
    zone = ZoneInfo(context.timezone)
    since = (today or datetime.now(zone).date()) - timedelta(days=days - 1)
    use_cases = [
        slug
        for slug in _slug_usage(store, workspace_id, "use_case", since)
        if slug.slug not in context.known_use_cases
    ]
    tools = [
        slug
        for slug in _slug_usage(store, workspace_id, "tool", since)
        if slug.slug not in context.known_tools
    ]
    return UnrecognizedUsage(since=since, use_cases=use_cases, tools=tools)


def _slug_usage(
    store: EventStore, workspace_id: int, column: Literal["use_case", "tool"], since: date
) -> list[UnrecognizedSlug]:
    rows = store.slug_usage(workspace_id, column, since)
    return [UnrecognizedSlug(*row) for row in rows]


# -- retention and export ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PruneOutcome:
    workspace_id: int
    workspace_slug: str
    retention_days: int
    kept_from: date
    deleted: int


def prune_expired_events(
    session: Session,
    store: EventStore,
    *,
    workspace_ids: Sequence[int] | None = None,
    today: date | None = None,
    on_workspace_done: Callable[[PruneOutcome], None] | None = None,
) -> list[PruneOutcome]:
    """Delete, in each workspace, the events whose day is older than its `event_retention_days`.

    A workspace keeps the events of its last `event_retention_days` days, today (in its time zone) included.
    """
    with across_workspaces(session):
        workspaces = [
            workspace
            for workspace in workspaces_service.list_workspaces(session)
            if workspace_ids is None or workspace.id in workspace_ids
        ]
    outcomes = []
    for workspace in workspaces:
        local_today = today or datetime.now(ZoneInfo(workspace.timezone)).date()
        kept_from = local_today - timedelta(days=workspace.event_retention_days - 1)
        deleted = store.prune(workspace.id, kept_from)
        outcome = PruneOutcome(
            workspace.id, workspace.slug, workspace.event_retention_days, kept_from, deleted
        )
        outcomes.append(outcome)
        if on_workspace_done is not None:
            on_workspace_done(outcome)
    return outcomes


def open_event_store(url: str) -> EventStore:
    """The events store at ``url`` (a job's or a command's own; a route uses the application's): close it, or
    open it in a ``with`` block. Raises when another process holds the store's file."""
    return EventStore(url)


def prune_events_job(context: JobContext) -> dict[str, Any]:
    """The scheduled retention: every workspace (or the job's one) loses its events past retention."""
    workspace_ids = [context.workspace_id] if context.workspace_id is not None else None
    with EventStore(context.settings.effective_events_url) as store:
        outcomes = prune_expired_events(context.session, store, workspace_ids=workspace_ids)
    return {
        "deleted": sum(outcome.deleted for outcome in outcomes),
        "workspaces": {outcome.workspace_slug: outcome.deleted for outcome in outcomes},
    }


def list_event_days(
    store: EventStore, workspace_id: int | None, since: date | None, until: date | None
) -> int:
    """How many (workspace, day) partitions an export of these events writes."""
    return store.count_partitions(workspace_id, since, until)


def export_events(
    store: EventStore,
    directory: Path,
    *,
    workspace_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    on_partition_done: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Write the events as Parquet under `directory/events/` in Hive layout
    (`workspace_id=N/day=YYYY-MM-DD/*.parquet`), the folder the analytics' Spark lake reads as its `events`
    table. One month at a time, so each step is short and progress can be shown; a day exported again
    replaces its files."""
    target = directory / "events"
    months = store.event_months(workspace_id, since, until)
    written: list[Path] = []
    for done, (first, last) in enumerate(months, start=1):
        written.extend(
            store.export_parquet(
                target,
                workspace_id=workspace_id,
                since=max(first, since) if since else first,
                until=min(last, until) if until else last,
            )
        )
        if on_partition_done is not None:
            on_partition_done(done, len(months))
    return written


EVENTS_EXPORTED = "events.exported"


def record_events_export(
    session: Session,
    workspace_ids: Iterable[int],
    directory: Path,
    *,
    since: date | None,
    until: date | None,
    files: int,
) -> None:
    """Audit a Parquet export in each workspace it holds events of: the copies outside uptake that an erasure
    cannot reach, which access and erasure requests list (privacy service)."""
    for workspace_id in workspace_ids:
        audit_service.record_audit_entry(
            session,
            workspace_id,
            actor="system",
            action=EVENTS_EXPORTED,
            target="events",
            after={
                "directory": str((directory / "events").resolve()),
                "since": since.isoformat() if since else None,
                "until": until.isoformat() if until else None,
                "files": files,
            },
        )


def list_events_exports(session: Session, workspace_id: int) -> list[dict[str, Any]]:
    """The workspace's Parquet exports so far (newest first): folder, days and when."""
    entries = audit_service.list_audit_entries(session, workspace_id, action=EVENTS_EXPORTED, limit=500)
    return [{**dict(entry.after or {}), "exported_at": entry.created_at} for entry in entries]


# -- a person's events ------------------------------------------------------------------------------------------


def person_pseudonyms(session: Session, workspace_id: int, identifiers: Iterable[str | None]) -> list[str]:
    """Every pseudonym a person's events can carry: one per way a tool may have named them (external id,
    email, login name), each canonical key taken as it is, without the directory's mapping, since events sent
    before the directory knew a person were keyed by what the tool sent."""
    key = pseudonym_key(session, workspace_id)
    keys = {
        canonical_person_key(identifier) for identifier in identifiers if identifier and identifier.strip()
    }
    return sorted({pseudonymize(key, canonical) for canonical in keys})


def events_of_person(store: EventStore, workspace_id: int, pseudonyms: Sequence[str]) -> list[dict[str, Any]]:
    """Every stored event of the person, oldest first."""
    events: list[dict[str, Any]] = []
    for pseudonym in pseudonyms:
        events.extend(store.events_for_person(workspace_id, pseudonym))
    events.sort(key=lambda event: (event["time"], event["event_id"]))
    return events


@dataclass(frozen=True, slots=True)
class ErasedData:
    events: int
    snapshot_rows: int


def erase_person_data(
    store: EventStore, workspace_id: int, pseudonyms: Sequence[str], *, keep_aggregates: bool
) -> ErasedData:
    """Erase the person's rows from the events store: their events and their rows of
    the analytics snapshot tables (people, entitlements, seats, completions), deleted or, with
    `keep_aggregates`, moved to the same random pseudonym as their events."""
    unlinkable = secrets.token_hex(16) if keep_aggregates else None
    if unlinkable is None:
        events = sum(store.erase_person(workspace_id, pseudonym) for pseudonym in pseudonyms)
    else:
        events = sum(store.rekey_person(workspace_id, pseudonym, unlinkable) for pseudonym in pseudonyms)
    snapshot_rows = store.erase_person_from_other_tables(workspace_id, pseudonyms, replacement=unlinkable)
    store.checkpoint()
    return ErasedData(events, snapshot_rows)


# -- vendor reports fetched by a connector ---------------------------------------------------------------------
# The importers import this module (for `IngestContext`), so they are imported inside these functions.


def import_vendor_report(
    store: EventStore,
    context: IngestContext,
    file: BinaryIO,
    *,
    source: Literal["github-copilot", "m365-copilot"],
    use_case: str,
    tool: str | None,
    people_map: Mapping[str, str],
    now: datetime,
) -> ImportSummary:
    """Store the events of one vendor report file through the same importer as `uptake import <source>` (a
    connector downloads the file; the importer reads it): what it made, stored, found stored already, and the
    records it could not read."""
    from uptake.telemetry.importers import ImportOptions, run_import
    from uptake.telemetry.importers.sources import IMPORT_SOURCES

    import_source = IMPORT_SOURCES[source]
    options = ImportOptions(use_case=use_case, tool=tool, people_map=dict(people_map))
    return run_import(
        import_source.importer, file, store, context, options, source=import_source.event_source, now=now
    )


def github_seat_list(document: Mapping[str, Any]) -> list[GitHubSeat]:
    """The seats of one page of GitHub's seat list (`/orgs/{org}/copilot/billing/seats`), read by the same
    parser as the file importer; ValueError when a seat cannot be read."""
    from uptake.telemetry.importers.github_copilot import parse_seats

    return parse_seats(document)


def reattribute_events(store: EventStore, workspace_id: int, moves: Mapping[str, str]) -> int:
    """Move stored events from one pseudonym to another (`{from: to}`): when a vendor account is linked to a
    person, the account's events become the person's, as a key rotation re-keys them. Returns how many moved."""
    moved = rekey_events(store, workspace_id, moves)
    if moved:
        store.checkpoint()
    return moved


def usage_by_person(
    store: EventStore, workspace_id: int, pseudonyms: Sequence[str], since: date
) -> dict[str, tuple[int, date]]:
    """Each of these pseudonyms with events from `since` on → (events, last day)."""
    return store.usage_by_person(workspace_id, pseudonyms, since)
