"""Benchmark of event ingest, in one run:

  a  the ingest core: decode + validate + pseudonymize + date + append (`ingest_batch`, no HTTP)
  b  the HTTP endpoint with a real server, batches of 1,000 (hook below; not built yet)
  c  a raw DuckDB Arrow append of the same events (the floor the store itself sets)

    .venv/bin/python bench/ingest.py                  # 200,000 events, batches of 10,000
    .venv/bin/python bench/ingest.py --events 50000   # fewer
    .venv/bin/python bench/ingest.py --memory         # 2,000,000-event NDJSON file, max RSS < 1 GiB

Events are generated once, deterministically (seed 7): 2,000 people known to the directory by email,
30 use cases, 5 tools, the standard kinds, a fifth with attributes, feedback with ratings and comments,
times spread over the 30 days before the clock. Stores are DuckDB files in a temporary folder.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from uptake.telemetry.event_store import EventStore
from uptake.telemetry.ingest import ingest_batch
from uptake.telemetry.pseudonyms import build_directory_map

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
PSEUDONYM_KEY = b"bench-workspace-pseudonym-key-32b"
PEOPLE = [(f"E{number:05d}", f"person{number}@example.com") for number in range(2_000)]
DIRECTORY_MAP = build_directory_map(PEOPLE)
USE_CASES = [f"use-case-{number}" for number in range(30)]
TOOLS = ["support-assistant", "copilot", "chat", "translator", None]
KINDS = ["invoked"] * 4 + ["shown"] * 3 + ["accepted"] * 2 + ["edited", "rejected", "feedback"]
CATEGORIES = ["wrong", "incomplete", "unsafe", "slow", "not_useful", "great"]
ONE_GIB = 1024**3


@dataclass(frozen=True)
class Measurement:
    events: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.events / self.seconds


def generate_events(count: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """`count` valid events as a client sends them, the same for the same seed."""
    rng = random.Random(seed)
    span = timedelta(days=30).total_seconds()
    for _ in range(count):
        kind = rng.choice(KINDS)
        event: dict[str, Any] = {
            "event_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "time": (NOW - timedelta(seconds=rng.random() * span))
            .astimezone(random_offset(rng))
            .isoformat(timespec="milliseconds"),
            "person": rng.choice(PEOPLE)[1],
            "use_case": rng.choice(USE_CASES),
            "tool": rng.choice(TOOLS),
            "kind": kind,
            "session_id": f"session-{rng.randrange(100_000)}",
        }
        if kind in ("accepted", "edited"):
            event["minutes_saved"] = rng.choice([1, 2.5, 5, 10])
        if kind == "feedback":
            event["rating"] = rng.randint(1, 5)
            event["category"] = rng.choice(CATEGORIES)
            event["comment"] = "The draft missed the customer's second question."
        if rng.random() < 0.2:
            event["attributes"] = {"model": "gpt-4.1", "input_tokens": rng.randrange(5_000), "ide": "vscode"}
        yield event


def random_offset(rng: random.Random) -> timezone:
    return timezone(timedelta(hours=rng.choice([0, 1, 2, -5])))


def ingest(store: EventStore, body: bytes, content_type: str = "application/json") -> Any:
    return ingest_batch(
        store,
        workspace_id=1,
        body=body,
        content_type=content_type,
        content_encoding=None,
        pseudonym_key=PSEUDONYM_KEY,
        directory_map=DIRECTORY_MAP,
        workspace_timezone="Europe/Berlin",
        known_use_cases=set(USE_CASES),
        known_tools={tool for tool in TOOLS if tool},
        known_kinds=frozenset(),
        source="api",
        now=NOW,
    )


def measure_ingest_core(bodies: list[bytes], events: int, folder: Path, threads: int = 1) -> Measurement:
    """(a): `ingest_batch` on every body, into a fresh DuckDB file, from `threads` threads."""
    with EventStore(f"duckdb:///{folder / f'core-{threads}.duckdb'}") as store:
        queue = iter(bodies)
        lock = threading.Lock()
        accepted: list[int] = []

        def work() -> None:
            while True:
                with lock:
                    body = next(queue, None)
                if body is None:
                    return
                accepted.append(ingest(store, body).accepted)

        started = time.perf_counter()
        workers = [threading.Thread(target=work) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        seconds = time.perf_counter() - started
        if sum(accepted) != events or store.count() != events:
            raise SystemExit(f"the ingest core stored {store.count()} of {events} events")
    return Measurement(events, seconds)


def measure_http_endpoint(
    events: list[dict[str, Any]], folder: Path, batch_size: int = 1_000
) -> Measurement | None:
    """(b) HOOK: POST /api/v1/events on a real server (uvicorn in a subprocess, API key scoped
    events:write), batches of `batch_size`, sent from a few client threads; return None until then.

    To fill in once the route exists: start `uptake serve` on a free port with a data dir in `folder`,
    create a workspace and an API key, then time posting every batch and check the server stored
    `len(events)` events.
    """
    return None


def measure_raw_append(tables: list[pa.Table], folder: Path) -> Measurement:
    """(c): the same events, already pseudonymized and dated, appended as Arrow tables with no checks."""
    path = folder / "raw.duckdb"
    EventStore(f"duckdb:///{path}").close()  # the same table definition
    with duckdb.connect(str(path)) as connection:
        started = time.perf_counter()
        for table in tables:
            connection.register("batch", table)
            connection.execute("INSERT INTO events SELECT 1, * FROM batch")
            connection.unregister("batch")
        seconds = time.perf_counter() - started
        stored = connection.execute("SELECT count(*) FROM events").fetchone()
    events = sum(table.num_rows for table in tables)
    if stored is None or stored[0] != events:
        raise SystemExit("the raw append lost events")
    return Measurement(events, seconds)


def stored_batches(folder: Path, batch_size: int) -> list[pa.Table]:
    """The events the ingest core stored, as the Arrow batches the raw append inserts."""
    with duckdb.connect(str(folder / "core-1.duckdb"), read_only=True) as connection:
        table = connection.execute(
            "SELECT * EXCLUDE (workspace_id) FROM events ORDER BY rowid"
        ).to_arrow_table()
    return [table.slice(start, batch_size) for start in range(0, table.num_rows, batch_size)]


def run_throughput(count: int, batch_size: int) -> None:
    print(f"generating {count:,} events ...", flush=True)
    events = list(generate_events(count))
    bodies = [
        json.dumps(events[start : start + batch_size]).encode() for start in range(0, count, batch_size)
    ]
    megabytes = sum(len(body) for body in bodies) / 1e6
    print(f"{len(bodies)} JSON bodies of up to {batch_size:,} events, {megabytes:.1f} MB\n", flush=True)
    with tempfile.TemporaryDirectory(prefix="uptake-bench-") as directory:
        folder = Path(directory)
        core = measure_ingest_core(bodies, count, folder)
        core_two_threads = measure_ingest_core(bodies, count, folder, threads=2)
        http = measure_http_endpoint(events, folder)
        raw = measure_raw_append(stored_batches(folder, batch_size), folder)

    print(f"a  ingest core (decode, validate, pseudonymize, append)  {core.per_second:>11,.0f} events/s")
    print(
        f"   the same from 2 threads, as a server's thread pool     {core_two_threads.per_second:>11,.0f} events/s"
    )
    if http is None:
        print("b  not measured yet (HTTP route not built)")
    else:
        print(f"b  HTTP endpoint, batches of 1,000                       {http.per_second:>11,.0f} events/s")
    print(f"c  raw DuckDB Arrow append of the same events             {raw.per_second:>11,.0f} events/s")
    print()
    print(
        f"a/c = {core.per_second / raw.per_second:.2f}   "
        f"(a, 2 threads)/c = {core_two_threads.per_second / raw.per_second:.2f}"
    )
    if http is not None:
        print(f"b/c = {http.per_second / raw.per_second:.2f}")
    print("goals: a >= 250,000 events/s, b >= 50,000 events/s")


def run_memory(count: int, chunk_lines: int) -> None:
    with tempfile.TemporaryDirectory(prefix="uptake-bench-") as directory:
        folder = Path(directory)
        path = folder / "events.ndjson"
        print(f"writing {count:,} events to {path.name} ...", flush=True)
        with path.open("wb") as file:
            generated = generate_events(count)
            while chunk := list(itertools.islice(generated, 10_000)):
                file.write("".join(json.dumps(event) + "\n" for event in chunk).encode())
        print(
            f"{path.stat().st_size / 1e6:,.0f} MB; ingesting in chunks of {chunk_lines:,} lines ...",
            flush=True,
        )
        started = time.perf_counter()
        accepted = 0
        with EventStore(f"duckdb:///{folder / 'events.duckdb'}") as store, path.open("rb") as file:
            while lines := list(itertools.islice(file, chunk_lines)):
                accepted += ingest(store, b"".join(lines), "application/x-ndjson").accepted
            stored = store.count()
        seconds = time.perf_counter() - started
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    print(f"stored {stored:,} of {count:,} events in {seconds:,.1f} s ({accepted / seconds:,.0f} events/s)")
    print(
        f"max RSS {max_rss / 1024**2:,.0f} MiB (limit 1,024 MiB): {'ok' if max_rss < ONE_GIB else 'TOO MUCH'}"
    )
    if stored != count or max_rss >= ONE_GIB:
        raise SystemExit(1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, help="events to generate (200,000; 2,000,000 with --memory)")
    parser.add_argument("--batch-size", type=int, default=10_000, help="events per batch for a and c")
    parser.add_argument("--memory", action="store_true", help="stream an NDJSON file and report max RSS")
    args = parser.parse_args(argv)
    if args.memory:
        run_memory(args.events or 2_000_000, chunk_lines=10_000)
    else:
        run_throughput(args.events or 200_000, args.batch_size)


if __name__ == "__main__":
    main(sys.argv[1:])
