"""Memory and speed of importing a large vendor report, in one run:

    .venv/bin/python bench/import_memory.py                          # GitHub Copilot users-28-day, 2,000,000 events
    .venv/bin/python bench/import_memory.py --source m365-copilot    # Microsoft 365 Copilot CSV, 2,000,000 events
    .venv/bin/python bench/import_memory.py --events 200000          # fewer

The report file is written to a temporary folder first, line by line (so writing it costs no memory), in the
vendor's format: GitHub's user-level NDJSON records (16 events per user-day: 3 accepted and 5 rejected code
completions, 4 prompts, 1 accepted and 1 rejected chat suggestion, 2 CLI prompts) or the admin centre's CSV (8 apps
with a last-activity date per person, one person per row). The import then runs as `uptake import` runs it
(`run_import`, batches of 10,000 events into a DuckDB file) and the script prints the process's peak RSS against
the limit (1 GiB) and against the baseline measured before the import (interpreter, libraries, the open store),
events/s, and the ratio of the import's time to a raw DuckDB Arrow append of the same number of stored events
(the floor the store itself sets), measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa

from uptake.telemetry.event_store import EventStore
from uptake.telemetry.importers import ImportOptions, run_import
from uptake.telemetry.importers.sources import IMPORT_SOURCES
from uptake.telemetry.service import IngestContext

ONE_GIB = 1024**3
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
FIRST_DAY = date(2026, 3, 1)
GITHUB_EVENTS_PER_RECORD = 16
M365_APPS = ("Microsoft Teams", "Word", "Excel", "PowerPoint", "Outlook", "OneNote", "Loop", "Copilot Chat")


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def write_github_report(path: Path, events: int) -> int:
    """A users-28-day NDJSON report of `events` events (rounded up to whole records); returns the records."""
    records = -(-events // GITHUB_EVENTS_PER_RECORD)
    days = 28
    with path.open("w") as report:
        for number in range(records):
            user, day = divmod(number, days)
            record = {
                "day": (FIRST_DAY + timedelta(days=day)).isoformat(),
                "enterprise_id": "1",
                "user_id": 100_000 + user,
                "user_login": f"dev-{user:06d}",
                "user_initiated_interaction_count": 4,
                "code_generation_activity_count": 10,
                "code_acceptance_activity_count": 4,
                "used_agent": False,
                "used_chat": True,
                "totals_by_ide": [{"ide": "vscode", "code_generation_activity_count": 10}],
                "totals_by_feature": [
                    {"feature": "code_completion", "user_initiated_interaction_count": 0,
                     "code_generation_activity_count": 8, "code_acceptance_activity_count": 3},
                    {"feature": "chat_panel_ask_mode", "user_initiated_interaction_count": 4,
                     "code_generation_activity_count": 2, "code_acceptance_activity_count": 1},
                ],
                "totals_by_language_feature": [{"language": "python", "feature": "code_completion"}],
                "totals_by_cli": {"prompt_count": 2, "request_count": 2, "session_count": 1},
            }  # fmt: skip
            report.write(json.dumps(record) + "\n")
    return records


def write_m365_report(path: Path, events: int) -> int:
    """An admin-centre CSV of `events` events (8 apps per person); returns the rows."""
    rows = -(-events // len(M365_APPS))
    with path.open("w") as report:
        report.write("Report Refresh Date,User Principal Name,Display Name,Last Activity Date,")
        report.write(",".join(f"{app} Copilot Last Activity Date" for app in M365_APPS) + ",Report Period\n")
        for number in range(rows):
            last = FIRST_DAY + timedelta(days=number % 60)
            dates = ",".join((last - timedelta(days=offset)).isoformat() for offset in range(len(M365_APPS)))
            report.write(
                f"2026-04-30,person{number}@example.com,Person {number},{last.isoformat()},{dates},90\n"
            )
    return rows


def raw_append_seconds(folder: Path, events: int) -> float:
    """A raw DuckDB append of `events` stored-shape rows, 10,000 at a time: the store's own floor."""
    connection = duckdb.connect(str(folder / "raw.duckdb"))
    connection.execute(
        "CREATE TABLE events (workspace_id INTEGER, event_id VARCHAR, time TIMESTAMP, day DATE, person VARCHAR, "
        "use_case VARCHAR, tool VARCHAR, kind VARCHAR, attributes VARCHAR, source VARCHAR)"
    )
    batch = 10_000
    started = time.perf_counter()
    for start in range(0, events, batch):
        size = min(batch, events - start)
        table = pa.table(
            {
                "workspace_id": pa.array([1] * size, pa.int32()),
                "event_id": [f"00000000-0000-4000-8000-{start + row:012d}" for row in range(size)],
                "time": pa.array([NOW.replace(tzinfo=None)] * size, pa.timestamp("us")),
                "day": pa.array([NOW.date()] * size, pa.date32()),
                "person": ["0" * 32] * size,
                "use_case": ["github-copilot"] * size,
                "tool": ["github-copilot"] * size,
                "kind": ["accepted"] * size,
                "attributes": ['{"feature":"code_completion"}'] * size,
                "source": ["github_copilot"] * size,
            }
        )
        connection.register("batch", table)
        connection.execute("INSERT INTO events SELECT * FROM batch")
        connection.unregister("batch")
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=2_000_000, help="events the report makes (2,000,000)")
    parser.add_argument("--source", choices=sorted(IMPORT_SOURCES), default="github-copilot")
    args = parser.parse_args(argv)
    source = IMPORT_SOURCES[args.source]
    context = IngestContext(
        workspace_id=1,
        pseudonym_key=b"bench-workspace-pseudonym-key-32b",
        directory_map={},
        timezone="Europe/Berlin",
        known_use_cases=frozenset({source.default_use_case}),
        known_tools=frozenset({source.default_tool}),
        known_kinds=frozenset(),
    )
    options = ImportOptions(use_case=source.default_use_case, tool=source.default_tool)
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        report = folder / ("report.ndjson" if args.source == "github-copilot" else "report.csv")
        writer = write_github_report if args.source == "github-copilot" else write_m365_report
        records = writer(report, args.events)
        size = report.stat().st_size
        with EventStore(f"duckdb:///{folder / 'events.duckdb'}") as store:
            baseline = peak_rss()
            started = time.perf_counter()
            with report.open("rb") as stream:
                summary = run_import(
                    source.importer, stream, store, context, options, source=source.event_source, now=NOW
                )
            seconds = time.perf_counter() - started
            stored = store.count(1)
        peak = peak_rss()
        floor = raw_append_seconds(folder, summary.events)

    print(f"{source.label}: {records:,} records, {size / 1024**2:,.0f} MiB file")
    print(
        f"import: {summary.events:,} events made, {summary.accepted:,} stored, {summary.problem_count} problems "
        f"in {seconds:,.1f} s = {summary.events / seconds:,.0f} events/s"
    )
    print(f"raw DuckDB Arrow append of as many rows: {floor:,.1f} s (import takes {seconds / floor:,.1f}x)")
    print(
        f"peak RSS {peak / 1024**2:,.0f} MiB (baseline before the import {baseline / 1024**2:,.0f} MiB, "
        f"{peak / baseline:,.2f}x; limit 1,024 MiB): {'ok' if peak < ONE_GIB else 'TOO MUCH'}"
    )
    if stored != summary.events or peak >= ONE_GIB:
        sys.exit(1)


if __name__ == "__main__":
    main()
