"""Vendor usage exports in, events out: each importer reads a vendor's report file as a stream and makes
events the same metrics read, with ids derived from the report's own keys, so importing a file again (or a
report that overlaps the last one) stores nothing twice.

An importer is a function `(binary file, ImportOptions, context) -> iterator of ImportedEvent | RecordProblem`;
`run_import` feeds what it yields to the ingest in batches of `IMPORT_BATCH_EVENTS`, so memory stays flat
whatever the file's size. Every record that cannot be read is listed with its line and reason; a bad record
never stops the import of the others. What each source can and cannot tell is in docs/importers.md.

While a file is imported, the objects alive before it (the loaded modules, the ORM's and the engines' state:
about a million) are kept out of the garbage collector's full collections (`gc.freeze`, undone at the end):
the import allocates an event dict per event, each batch survives into the oldest generation, and every full
collection scanned those long-lived objects again. Measured on a connector's sync of 10,000 seats and 10 days
of reports (90,000 events): 12 % less CPU.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO, Final

import msgspec

from uptake.telemetry.event_sources import store_events
from uptake.telemetry.event_store import EventStore
from uptake.telemetry.service import IngestContext

IMPORT_BATCH_EVENTS: Final = 10_000
MAX_LISTED_PROBLEMS: Final = 50
"""How many problems a summary lists one by one; `problem_count` counts them all."""
_LINE_DECODER: Final = msgspec.json.Decoder()
_BYTE_ORDER_MARK: Final = b"\xef\xbb\xbf"


class ImportFileUnreadable(ValueError):
    """The file is not in a format the importer reads; the message says what it is and what to send."""


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """The use case and tool the imported events count for, and how vendor accounts map to people."""

    use_case: str
    tool: str | None
    people_map: Mapping[str, str] = field(default_factory=dict)
    """Vendor account (e.g. a GitHub login, lower-cased) → the person's email or directory id."""

    def person(self, account: str) -> str:
        return self.people_map.get(account.strip().lower(), account)


@dataclass(frozen=True, slots=True)
class ImportedEvent:
    """An event made from the record on `line` (1-based; the file's only record for whole-file JSON)."""

    line: int
    event: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RecordProblem:
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class ImportNote:
    """Something about the file the person importing should know that is not an error (e.g. records that
    carry no person and so make no events)."""

    text: str


ImportItem = ImportedEvent | RecordProblem | ImportNote
Importer = Callable[[BinaryIO, ImportOptions, IngestContext, datetime], Iterator[ImportItem]]


@dataclass(slots=True)
class ImportSummary:
    """What became of a file: events made, stored, already stored, refused; records that could not be read."""

    events: int = 0
    accepted: int = 0
    duplicates: int = 0
    problem_count: int = 0
    problems: list[RecordProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unrecognized_use_cases: set[str] = field(default_factory=set)
    unrecognized_tools: set[str] = field(default_factory=set)

    def add_problem(self, problem: RecordProblem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(problem)


def run_import(
    importer: Importer,
    file: BinaryIO,
    store: EventStore,
    context: IngestContext,
    options: ImportOptions,
    *,
    source: str,
    now: datetime,
    on_progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import one file: the importer's events stored in batches, its problems and notes collected.

    `on_progress` is called after each batch with the file's read position (bytes), for a progress bar.
    """
    summary = ImportSummary()
    lines: list[int] = []
    events: list[dict[str, Any]] = []

    def flush() -> None:
        result = store_events(store, context, events, source=source, now=now)
        summary.accepted += result.accepted
        summary.duplicates += result.duplicates
        summary.unrecognized_use_cases |= result.unrecognized_use_cases
        summary.unrecognized_tools |= result.unrecognized_tools
        for rejected in result.rejected:
            reasons = "; ".join(f"{error.field} {error.reason}" for error in rejected.errors)
            summary.add_problem(
                RecordProblem(lines[rejected.index], f"an event made from it was refused: {reasons}")
            )
        events.clear()
        lines.clear()
        if on_progress is not None:
            on_progress(file.tell())

    with _older_objects_frozen():
        for item in importer(file, options, context, now):
            if isinstance(item, ImportedEvent):
                summary.events += 1
                lines.append(item.line)
                events.append(item.event)
                if len(events) >= IMPORT_BATCH_EVENTS:
                    flush()
            elif isinstance(item, RecordProblem):
                summary.add_problem(item)
            else:
                summary.notes.append(item.text)
        if events:
            flush()
        elif on_progress is not None:
            on_progress(file.tell())
    return summary


@contextmanager
def _older_objects_frozen() -> Iterator[None]:
    """Keep the objects alive now out of the collector's scans for the block (see the module); afterwards they
    are collected as before (`gc.unfreeze`), so nothing is kept for good."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def json_records(file: BinaryIO) -> Iterator[tuple[int, Any] | RecordProblem]:
    """The JSON values of a file, with their line numbers: one per line for NDJSON (read line by line, so a
    file of any size streams), or, when the first line is not a JSON value by itself (a pretty-printed
    document), the whole file as one value on line 1. A JSON array at the top level yields its items."""
    first = _first_line(file)
    if first is None:
        return
    first_number, text = first
    text = text.removeprefix(_BYTE_ORDER_MARK)
    try:
        value = _LINE_DECODER.decode(text)
    except msgspec.DecodeError:
        file.seek(0)
        try:
            value = _LINE_DECODER.decode(file.read().removeprefix(_BYTE_ORDER_MARK))
        except msgspec.DecodeError as error:
            raise ImportFileUnreadable(
                f"the file is neither NDJSON nor one JSON document ({error})"
            ) from None
        yield from _items(1, value)
        return
    yield from _items(first_number, value)
    for number, line in enumerate(file, start=first_number + 1):
        if not line.strip():
            continue
        try:
            yield from _items(number, _LINE_DECODER.decode(line))
        except msgspec.DecodeError as error:
            yield RecordProblem(number, f"is not JSON ({error})")


def _first_line(file: BinaryIO) -> tuple[int, bytes] | None:
    for number, line in enumerate(file, start=1):
        if line.strip():
            return number, line
    return None


def _items(line: int, value: Any) -> Iterable[tuple[int, Any]]:
    if isinstance(value, list):
        return [(line, item) for item in value]
    return [(line, value)]
