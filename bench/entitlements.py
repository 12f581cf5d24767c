"""Benchmark of entitlement checks: in-process (the SDK) and over OFREP against a real server, in one run.

    .venv/bin/python bench/entitlements.py                  # everything
    .venv/bin/python bench/entitlements.py --local-only     # only the in-process checks
    .venv/bin/python bench/entitlements.py --seconds 5 --concurrency 16

Part 1, local evaluation (goal: median <= 5 µs per check). A rollout state like a mid-sized workspace's
(10,000 people, 50 use cases; per use case a named pilot, a department wave with training required and a 30 %
wave for everyone) is built once; the median time per call is measured over batches of 1,000 calls of
`bucket` (cold and warm cache) and `Evaluator.check` (every pair new; a working set of 10,000 pairs repeated).

Part 2, the server (goal: >= 2,000 evaluations/s, p99 <= 20 ms). A fresh SQLite workspace (2,000 people in
a team tree, 20 live use cases, each with a started three-wave plan) is served by `uptake serve` in its own
process; a load generator in this process keeps `--concurrency` requests in flight for `--seconds` on each of:

  a  GET /healthz                          the trivial endpoint: the floor this server and client set
  b  POST /ofrep/v1/evaluate/flags/{key}   one use case for one person (random pairs), API key checked
  c  POST /ofrep/v1/evaluate/flags         every use case for one person (20 evaluations per request)

and prints requests/s, evaluations/s, median and p99 latency, and each against (a). The load generator shares
the machine with the server (2 cores here), so the figures are a floor; the load average is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from uptake.access.roles import Scope
from uptake.auth import service as auth_service
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.db import make_engine, make_session_factory, session_scope
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.rollout import schemas as rollout_schemas
from uptake.rollout import service as rollout_service
from uptake.rollout.models import WaveState
from uptake.settings import Settings
from uptake.stores import migrate_database
from uptake.workspaces import schemas as workspace_schemas
from uptake.workspaces import service as workspaces_service
from uptake_sdk.bucketing import bucket, murmurhash3_32
from uptake_sdk.local_evaluation import Evaluator

BATCH = 1_000


# --- part 1: local evaluation -------------------------------------------------------------------------------


def build_state(people_count: int, use_case_count: int, generator: random.Random) -> dict[str, Any]:
    use_case_slugs = [f"use-case-{number:03d}-drafting-replies" for number in range(use_case_count)]
    people = {}
    for number in range(people_count):
        team = generator.randrange(40)
        people[f"{number:08x}-{generator.getrandbits(64):016x}"] = {
            "teams": [str(team), str(100 + team // 8), "1000"],
            "role": generator.choice(["agent", "analyst", "engineer", "manager"]),
            "trained": generator.sample(use_case_slugs, k=generator.randrange(use_case_count // 2 + 1)),
            "acknowledged": [],
        }
    keys = list(people)
    use_cases = {
        slug: {
            "status": "active",
            "rules": [
                {"wave": "pilot", "people": generator.sample(keys, k=20)},
                {"wave": "support", "teams": ["100", "101"], "requires_training": True},
                {"wave": "everyone", "percentage": 30.0},
            ],
        }
        for slug in use_case_slugs
    }
    return {"version": 1, "use_cases": use_cases, "people": people}


def median_nanoseconds_per_call(calls: list[Callable[[], object]]) -> float:
    timings = []
    for start in range(0, len(calls) - BATCH + 1, BATCH):
        batch = calls[start : start + BATCH]
        began = time.perf_counter_ns()
        for call in batch:
            call()
        timings.append((time.perf_counter_ns() - began) / BATCH)
    return statistics.median(timings)


def local_evaluation(people_count: int, use_case_count: int, call_count: int) -> None:
    generator = random.Random(20_250_501)
    began = time.perf_counter()
    state = build_state(people_count, use_case_count, generator)
    evaluator = Evaluator(state)
    print(
        f"Local evaluation: {people_count:,} people, {use_case_count} use cases; Evaluator built in "
        f"{(time.perf_counter() - began) * 1000:.0f} ms (including generating the state)"
    )
    keys = list(state["people"])
    slugs = list(state["use_cases"])
    pairs = [(generator.choice(keys), generator.choice(slugs)) for _ in range(call_count)]

    people = state["people"]
    floor = median_nanoseconds_per_call([lambda person=person: people.get(person) for person, _ in pairs])
    sample_key = f"{slugs[0]}:{keys[0]}".encode()
    raw = median_nanoseconds_per_call([lambda: murmurhash3_32(sample_key)] * call_count)
    bucket.cache_clear()
    cold = median_nanoseconds_per_call(
        [lambda person=person, slug=slug: bucket(slug, f"cold-{person}") for person, slug in pairs]
    )
    warm = median_nanoseconds_per_call(
        [lambda person=person, slug=slug: bucket(slug, person) for person, slug in pairs[:BATCH]] * 50
    )
    bucket.cache_clear()
    checks = [lambda person=person, slug=slug: evaluator.check(person, slug) for person, slug in pairs]
    cold_check = median_nanoseconds_per_call(checks)
    repeated = checks[:10_000]
    median_nanoseconds_per_call(repeated)
    warm_check = median_nanoseconds_per_call(repeated * 10)
    print(f"  {'median per call':38} {'µs':>7} {'× floor':>8}")
    for name, nanoseconds in (
        ("floor: a lambda and one dict lookup", floor),
        (f"murmurhash3_32, {len(sample_key)}-byte key", raw),
        ("bucket, cold cache", cold),
        ("bucket, warm cache", warm),
        ("Evaluator.check, every pair new", cold_check),
        ("Evaluator.check, 10,000 pairs again", warm_check),
    ):
        print(f"  {name:38} {nanoseconds / 1000:7.2f} {nanoseconds / floor:8.1f}")
    print("  goal: Evaluator.check median <= 5 µs")


# --- part 2: the server --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workspace:
    api_key: str
    people: list[str]
    use_cases: list[str]


def build_workspace(settings: Settings, people_count: int, use_case_count: int) -> Workspace:
    """A workspace with a team tree, people, live use cases and started plans, written through the services."""
    migrate_database(settings)
    engine = make_engine(settings.effective_database_url)
    factory = make_session_factory(engine, settings)
    generator = random.Random(11)
    with session_scope(factory) as session:
        workspace_id = workspaces_service.create_workspace(
            session, workspace_schemas.WorkspaceCreate(slug="bench", name="Bench")
        ).id
    with session_scope(factory, workspace_id) as session:
        company = teams_service.create_team(session, workspace_id, name="Company").id
        departments = [
            teams_service.create_team(session, workspace_id, name=f"Department {n}", parent_id=company).id
            for n in range(5)
        ]
        teams = [
            teams_service.create_team(
                session, workspace_id, name=f"Team {n}", parent_id=departments[n % len(departments)]
            ).id
            for n in range(20)
        ]
        roles = [
            job_roles_service.create_job_role(session, workspace_id, name=f"Role {n}").id for n in range(6)
        ]
        emails = [f"person{number}@example.com" for number in range(people_count)]
        people_service.add_people_in_bulk(
            session,
            workspace_id,
            [
                {
                    "external_id": f"E{number:05d}",
                    "email": email,
                    "display_name": f"Person {number}",
                    "team_id": generator.choice(teams),
                    "job_role_id": generator.choice(roles),
                }
                for number, email in enumerate(emails)
            ],
        )
        slugs = [f"use-case-{number:02d}" for number in range(use_case_count)]
        for slug in slugs:
            use_case = catalog_service.create_use_case(
                session,
                workspace_id,
                catalog_schemas.UseCaseCreate(slug=slug, title=f"Use case {slug}"),
                actor="bench",
                author_id=None,
            )
            use_case.status = catalog_service.UseCaseStatus.rolling_out
            body = rollout_schemas.RolloutPlanCreate(
                use_case=slug,
                waves=[
                    rollout_schemas.WaveCreate(name="pilot", team_ids=[generator.choice(teams)]),
                    rollout_schemas.WaveCreate(name="department", team_ids=[generator.choice(departments)]),
                    rollout_schemas.WaveCreate(name="everyone", percentage=30),
                ],
            )
            rollout_service.create_plan(session, workspace_id, body, actor="bench")
            rollout_service.start_rollout(session, workspace_id, slug, actor="bench")
            plan = rollout_service.get_plan(session, workspace_id, slug)
            for wave in plan.waves[:-1]:
                wave.state = WaveState.completed
            plan.waves[-1].state = WaveState.active
        _, api_key = auth_service.create_api_key(
            session, workspace_id, name="bench", scopes=[Scope.entitlements_read.value], created_by=None
        )
    engine.dispose()
    return Workspace(api_key, emails, slugs)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class LoadResult:
    requests: int
    evaluations_per_request: int
    seconds: float
    latencies: list[float]
    failures: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def evaluations_per_second(self) -> float:
        return self.per_second * self.evaluations_per_request

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


async def load(
    base_url: str,
    make_request: Callable[[random.Random], tuple[str, str, dict[str, Any] | None]],
    *,
    headers: dict[str, str],
    concurrency: int,
    seconds: float,
    evaluations_per_request: int,
) -> LoadResult:
    latencies: list[float] = []
    failures = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits, timeout=30) as client:

        async def worker(seed: int, until: float) -> None:
            nonlocal failures
            generator = random.Random(seed)
            while time.perf_counter() < until:
                method, path, body = make_request(generator)
                began = time.perf_counter()
                response = await client.request(method, path, json=body)
                latencies.append(time.perf_counter() - began)
                if response.status_code != 200:
                    failures += 1

        warm_until = time.perf_counter() + 1.0
        await asyncio.gather(*(worker(seed, warm_until) for seed in range(concurrency)))
        latencies.clear()
        failures = 0
        began = time.perf_counter()
        await asyncio.gather(*(worker(seed + 100, began + seconds) for seed in range(concurrency)))
        elapsed = time.perf_counter() - began
    return LoadResult(len(latencies), evaluations_per_request, elapsed, latencies, failures)


def server_benchmark(people_count: int, use_case_count: int, concurrency: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory(prefix="uptake-bench-") as folder:
        data_dir = Path(folder)
        port = free_port()
        environment = {
            **os.environ,
            "UPTAKE_DATA_DIR": str(data_dir),
            "UPTAKE_DATABASE_URL": f"sqlite:///{data_dir / 'uptake.db'}",
            "UPTAKE_EVENTS_URL": f"duckdb:///{data_dir / 'events.duckdb'}",
            "UPTAKE_SECRET_KEY": "bench-secret-key-bench-secret-key-0123456789",
            "UPTAKE_LOG_LEVEL": "warning",
            "UPTAKE_PORT": str(port),
        }
        settings = Settings(
            data_dir=data_dir,
            database_url=environment["UPTAKE_DATABASE_URL"],
            events_url=environment["UPTAKE_EVENTS_URL"],
        )
        began = time.perf_counter()
        workspace = build_workspace(settings, people_count, use_case_count)
        print(
            f"\nServer: {people_count:,} people, {use_case_count} use cases with started plans "
            f"(built in {time.perf_counter() - began:.1f} s); {concurrency} requests in flight, {seconds:.0f} s each"
        )
        server = subprocess.Popen(
            [sys.executable, "-m", "uptake", "serve", "--no-worker"],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(
                        f"the server did not start: {server.stderr.read() if server.stderr else ''}"
                    )
                time.sleep(0.2)
            headers = {"Authorization": f"Bearer {workspace.api_key}"}

            def person(generator: random.Random) -> dict[str, Any]:
                return {"context": {"targetingKey": generator.choice(workspace.people)}}

            scenarios: list[
                tuple[str, Callable[[random.Random], tuple[str, str, dict[str, Any] | None]], int]
            ] = [
                ("a  GET /healthz (baseline)", lambda g: ("GET", "/healthz", None), 1),
                (
                    "b  OFREP one flag",
                    lambda g: (
                        "POST",
                        f"/ofrep/v1/evaluate/flags/{g.choice(workspace.use_cases)}",
                        person(g),
                    ),
                    1,
                ),
                (
                    f"c  OFREP bulk ({len(workspace.use_cases)} flags)",
                    lambda g: ("POST", "/ofrep/v1/evaluate/flags", person(g)),
                    len(workspace.use_cases),
                ),
            ]
            results = []
            for name, make_request, evaluations in scenarios:
                result = asyncio.run(
                    load(
                        base_url,
                        make_request,
                        headers=headers,
                        concurrency=concurrency,
                        seconds=seconds,
                        evaluations_per_request=evaluations,
                    )
                )
                results.append((name, result))
            baseline = results[0][1]
            print(
                f"  {'scenario':38} {'req/s':>8} {'evals/s':>9} {'median ms':>10} {'p99 ms':>8} {'vs a':>6} failed"
            )
            for name, result in results:
                print(
                    f"  {name:38} {result.per_second:8.0f} {result.evaluations_per_second:9.0f} "
                    f"{result.percentile(0.5):10.1f} {result.percentile(0.99):8.1f} "
                    f"{result.per_second / baseline.per_second:6.2f} {result.failures}"
                )
            print("  goal: >= 2,000 evaluations/s with p99 <= 20 ms")
        finally:
            server.terminate()
            server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--people", type=int, default=10_000, help="people in the local state")
    parser.add_argument("--use-cases", type=int, default=50, help="use cases in the local state")
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--server-people", type=int, default=2_000)
    parser.add_argument("--server-use-cases", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--local-only", action="store_true")
    arguments = parser.parse_args()
    load_average = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"Machine: {os.cpu_count()} CPUs, load average {load_average} (1, 5, 15 min) at the start")
    local_evaluation(arguments.people, arguments.use_cases, arguments.calls)
    if not arguments.local_only:
        server_benchmark(
            arguments.server_people, arguments.server_use_cases, arguments.concurrency, arguments.seconds
        )
    load_average = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"Load average at the end: {load_average}")


if __name__ == "__main__":
    main()
