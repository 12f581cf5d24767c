"""Benchmark of event ingest, in one run:

  a  the ingest core: decode + validate + pseudonymize + date + append (`ingest_batch`, no HTTP)
  b  the HTTP endpoint: POST /api/v1/events on a real `uptake serve` process, batches of 1,000
  c  a raw DuckDB Arrow append of the same events (the floor the store itself sets)

    .venv/bin/python bench/ingest.py                  # 200,000 events, batches of 10,000
    .venv/bin/python bench/ingest.py --events 50000   # fewer
    .venv/bin/python bench/ingest.py --clients 8      # more client threads posting in b (default 4)
    .venv/bin/python bench/ingest.py --memory         # 2,000,000-event NDJSON file, max RSS < 1 GiB

Events are generated once, deterministically (seed 7): 2,000 people known to the directory by email,
30 use cases, 5 tools, the standard kinds, a fifth with attributes, feedback with ratings and comments,
times spread over the 30 days before the clock. Stores are DuckDB files in a temporary folder.

Every append commits once (DuckDB flushes its log to disk), so on a disk whose flush takes tens of
milliseconds the store's figures are set by commits per second: c inserts 10,000 events per commit, b
1,000 per request (concurrent requests share a commit when they queue up together).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import resource
import signal
import socket
import subprocess
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


def ingest(
    store: EventStore,
    body: bytes,
    content_type: str = "application/json",
    pseudonym_cache: dict[str, str] | None = None,
) -> Any:
    """One batch through the ingest core, as the server runs it: with the workspace's pseudonym cache,
    which lives as long as the server's ingest context (15 s) and so spans many batches."""
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
        pseudonym_cache=pseudonym_cache,
    )


def measure_ingest_core(bodies: list[bytes], events: int, folder: Path, threads: int = 1) -> Measurement:
    """(a): `ingest_batch` on every body, into a fresh DuckDB file, from `threads` threads."""
    with EventStore(f"duckdb:///{folder / f'core-{threads}.duckdb'}") as store:
        queue = iter(bodies)
        lock = threading.Lock()
        accepted: list[int] = []
        pseudonym_cache: dict[str, str] = {}

        def work() -> None:
            while True:
                with lock:
                    body = next(queue, None)
                if body is None:
                    return
                accepted.append(ingest(store, body, pseudonym_cache=pseudonym_cache).accepted)

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
    events: list[dict[str, Any]], folder: Path, batch_size: int = 1_000, clients: int = 4
) -> Measurement:
    """(b): POST /api/v1/events on a real server (`uptake serve` in its own process, an API key scoped
    events:write), JSON batches of `batch_size`, sent from `clients` threads with keep-alive connections.

    The workspace has the 2,000 people in its directory, as (a)'s directory map. The server is stopped
    before the stored events are counted; the time covers the requests only.
    """
    import httpx

    from uptake.access.roles import Scope
    from uptake.auth import service as auth_service
    from uptake.db import make_session_factory, session_scope
    from uptake.directory.service import people as people_service
    from uptake.settings import Settings
    from uptake.stores import connect_database, migrate_database
    from uptake.workspaces import schemas as workspace_schemas
    from uptake.workspaces import service as workspaces_service

    data_dir = folder / "server"
    data_dir.mkdir()
    settings = Settings(data_dir=data_dir, secret_key="bench-secret-key-" + "x" * 32, run_worker=False)  # type: ignore[arg-type]
    migrate_database(settings)
    engine = connect_database(settings)
    with session_scope(make_session_factory(engine, settings)) as session:
        workspace_id = workspaces_service.create_workspace(
            session, workspace_schemas.WorkspaceCreate(slug="bench", name="Bench", timezone="Europe/Berlin")
        ).id
    with session_scope(make_session_factory(engine, settings), workspace_id) as session:
        people_service.add_people_in_bulk(
            session,
            workspace_id,
            [{"external_id": ext, "email": email, "display_name": ext} for ext, email in PEOPLE],
        )
        _, key = auth_service.create_api_key(
            session, workspace_id, name="bench", scopes=[Scope.events_write], created_by=None
        )
    engine.dispose()

    port = _free_port()
    environment = {name: value for name, value in os.environ.items() if not name.startswith("UPTAKE_")}
    environment.update(
        UPTAKE_DATA_DIR=str(data_dir),
        UPTAKE_SECRET_KEY=settings.effective_secret_key,
        UPTAKE_PORT=str(port),
        UPTAKE_RUN_WORKER="false",
        UPTAKE_LOG_LEVEL="warning",
    )
    base_url = f"http://127.0.0.1:{port}"
    with (folder / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "uptake", "serve"], env=environment, stdout=log, stderr=log
        )
    try:
        _wait_for(base_url, server)
        bodies = [
            json.dumps(events[start : start + batch_size]).encode()
            for start in range(0, len(events), batch_size)
        ]
        queue = iter(bodies)
        lock = threading.Lock()
        accepted: list[int] = []
        failures: list[str] = []
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

        def work() -> None:
            with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
                while True:
                    with lock:
                        body = next(queue, None)
                    if body is None:
                        return
                    response = client.post("/api/v1/events", content=body)
                    if response.status_code != 200:
                        failures.append(f"{response.status_code} {response.text[:200]}")
                        return
                    accepted.append(response.json()["accepted"])

        started = time.perf_counter()
        workers = [threading.Thread(target=work) for _ in range(clients)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        seconds = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    if failures:
        raise SystemExit(f"the HTTP endpoint failed: {failures[0]}")
    with duckdb.connect(str(data_dir / "events.duckdb"), read_only=True) as connection:
        row = connection.execute("SELECT count(*) FROM events").fetchone()
    stored = row[0] if row else 0
    if sum(accepted) != len(events) or stored != len(events):
        raise SystemExit(f"the HTTP endpoint stored {stored} of {len(events)} events")
    return Measurement(len(events), seconds)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(base_url: str, server: subprocess.Popen[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited before answering; see server.log")
        try:
            if httpx.get(base_url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not answer within 120 s")


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


def run_throughput(count: int, batch_size: int, clients: int = 4) -> None:
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
        http = measure_http_endpoint(events, folder, clients=clients)
        raw = measure_raw_append(stored_batches(folder, batch_size), folder)

    print(f"a  ingest core (decode, validate, pseudonymize, append)  {core.per_second:>11,.0f} events/s")
    print(
        f"   the same from 2 threads, as a server's thread pool     {core_two_threads.per_second:>11,.0f} events/s"
    )
    label = f"b  HTTP endpoint, batches of 1,000 ({clients} client threads)"
    print(f"{label:<57}{http.per_second:>11,.0f} events/s")
    print(f"c  raw DuckDB Arrow append of the same events             {raw.per_second:>11,.0f} events/s")
    print()
    print(
        f"a/c = {core.per_second / raw.per_second:.2f}   "
        f"(a, 2 threads)/c = {core_two_threads.per_second / raw.per_second:.2f}"
    )
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
        pseudonym_cache: dict[str, str] = {}
        with EventStore(f"duckdb:///{folder / 'events.duckdb'}") as store, path.open("rb") as file:
            while lines := list(itertools.islice(file, chunk_lines)):
                accepted += ingest(store, b"".join(lines), "application/x-ndjson", pseudonym_cache).accepted
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
    parser.add_argument("--clients", type=int, default=4, help="client threads posting to the server in b")
    parser.add_argument("--memory", action="store_true", help="stream an NDJSON file and report max RSS")
    args = parser.parse_args(argv)
    if args.memory:
        run_memory(args.events or 2_000_000, chunk_lines=10_000)
    else:
        run_throughput(args.events or 200_000, args.batch_size, args.clients)


if __name__ == "__main__":
    main(sys.argv[1:])
