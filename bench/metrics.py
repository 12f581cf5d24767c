"""Benchmark of the program dashboard's metrics on DuckDB, against a hand-written SQL baseline.

    .venv/bin/python bench/metrics.py [--events 10000000] [--also-100m] [--repeat 5]

A synthetic workspace of 20,000 people in 300 teams (a tree four levels deep), 40 use cases on 8 tools and
`--events` events over 2024 (usage growing through the year) is generated once with DuckDB SQL and cached in
`bench/.cache/metrics-v2-<events>.duckdb`, together with its person × day activity table. The run then times, on
a fresh connection (cold) and again (warm, the median of `--repeat` runs):

- the program dashboard set for Q4 2024: adoption by team × use case, the funnel by use case, 12-week retention
  by use case, adopter segments by use case, licence waste and seat utilization by tool, through the Ibis metric
  definitions;
- the same adoption by team × use case as a hand-written DuckDB SQL query (the baseline), and once more straight
  from the events without the activity table, to show what the activity table buys;
- publishing adoption by team × use case through the privacy floor.

On a shared machine wall times grow with the load; the run also prints the warm set's CPU seconds (all DuckDB
threads) and the load average, so a figure can be judged against what two idle cores would take.

Goals: the full set within 3 s warm; the Ibis adoption query within 1.5× of the hand-written SQL.
`--also-100m` also builds (once, cached; a few minutes and several GB) 100 million events and reports how the
cost grows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from uptake.analytics import engines, metrics, privacy
from uptake.analytics.metrics import Grouping, Period

CORES = 2
CACHE = Path(__file__).resolve().parent / ".cache"
WORKSPACE = 1
PEOPLE = 20_000
TEAMS = 300
USE_CASES = 40
TOOLS = 8
PERIOD = Period(date(2024, 10, 1), date(2024, 12, 31))
DASHBOARD = [
    ("adoption_rate", Grouping(by=("team", "use_case"))),
    ("funnel", Grouping(by=("use_case",))),
    ("retention", Grouping(by=("use_case",))),
    ("adopter_segments", Grouping(by=("use_case",))),
    ("licence_waste", Grouping(by=("tool",))),
    ("seat_utilization", Grouping(by=("tool",))),
]

GENERATE_SNAPSHOTS = f"""
CREATE TABLE teams AS
SELECT {WORKSPACE}::INTEGER AS workspace_id, t::BIGINT AS team_id,
       CASE WHEN t = 1 THEN NULL ELSE ((t - 2) // 7 + 1)::BIGINT END AS parent_id,
       'Team ' || t AS name, '' AS path
FROM range(1, {TEAMS} + 1) AS r(t);

CREATE TABLE team_ancestors AS
WITH RECURSIVE chain(team_id, ancestor_id, depth) AS (
    SELECT team_id, team_id, 0 FROM teams
    UNION ALL
    SELECT chain.team_id, teams.parent_id, chain.depth + 1
    FROM chain JOIN teams ON teams.team_id = chain.ancestor_id
    WHERE teams.parent_id IS NOT NULL
)
SELECT {WORKSPACE}::INTEGER AS workspace_id, team_id::BIGINT AS team_id, ancestor_id::BIGINT AS ancestor_id,
       depth::INTEGER AS depth
FROM chain;

CREATE TABLE people AS
SELECT {WORKSPACE}::INTEGER AS workspace_id, md5('person ' || p)[1:32] AS person,
       (p % {TEAMS} + 1)::BIGINT AS team_id, 'role ' || (hash(p, 'role') % 12) AS role, TRUE AS is_active
FROM range({PEOPLE}) AS r(p);

CREATE TABLE use_cases AS
SELECT {WORKSPACE}::INTEGER AS workspace_id, 'use-case-' || u AS use_case, 'tool-' || (u % {TOOLS}) AS tool,
       (2 + u % 9)::DOUBLE AS minutes_saved_estimate, u % 5 <> 0 AS training_required
FROM range({USE_CASES}) AS r(u);

CREATE TABLE entitlements AS
SELECT {WORKSPACE}::INTEGER AS workspace_id, md5('person ' || p)[1:32] AS person,
       'use-case-' || ((p * 7 + j) % {USE_CASES}) AS use_case,
       DATE '2024-01-01' + (hash(p, j, 'start') % 300)::INTEGER AS start_day,
       CASE WHEN hash(p, j, 'ends') % 10 = 0 THEN DATE '2024-06-01' + (hash(p, j, 'end') % 300)::INTEGER END AS end_day
FROM range({PEOPLE}) AS r(p), range(6) AS s(j);

CREATE TABLE seat_grants AS
SELECT workspace_id, tool, use_case, NULL::BIGINT AS team_id, NULL::VARCHAR AS role FROM use_cases;

CREATE TABLE contracts AS
SELECT {WORKSPACE}::INTEGER AS workspace_id, 'tool-' || t AS tool, DATE '2023-01-01' AS start_day,
       DATE '2025-01-01' AS renewal_day, 15000::BIGINT AS seats_purchased,
       (10 + t * 5)::DOUBLE AS monthly_price_per_seat, 'EUR' AS currency
FROM range({TOOLS}) AS r(t);

CREATE TABLE completions AS
SELECT workspace_id, person, use_case, start_day + (hash(person, use_case) % 40)::INTEGER AS completed_day
FROM entitlements WHERE hash(person, use_case, 'trained') % 10 < 6;

CREATE TABLE seats AS
SELECT {WORKSPACE}::INTEGER AS workspace_id, 'tool-' || ((p + j * 3) % {TOOLS}) AS tool,
       md5('person ' || p)[1:32] AS person,
       DATE '2024-01-01' + (hash(p, j, 'seat') % 200)::INTEGER AS start_day, NULL::DATE AS end_day,
       (10 + (p + j * 3) % {TOOLS} * 5)::DOUBLE AS monthly_cost
FROM range({PEOPLE}) AS r(p), range(2) AS s(j)
WHERE j = 0 OR p % 3 = 0;

CREATE TABLE incidents AS
SELECT {WORKSPACE}::INTEGER AS workspace_id, 'use-case-' || (i % {USE_CASES}) AS use_case,
       (1 + hash(i, 'severity') % 4)::SMALLINT AS severity,
       DATE '2024-01-01' + (hash(i, 'opened') % 365)::INTEGER AS opened_day,
       CASE WHEN i % 4 = 0 THEN NULL ELSE DATE '2024-12-31' END AS resolved_day
FROM range(200) AS r(i);

CREATE TABLE survey_trust AS
SELECT {WORKSPACE}::INTEGER AS workspace_id, 'use-case-' || (i % {USE_CASES}) AS use_case,
       DATE '2024-01-01' + (i // {USE_CASES} * 30)::INTEGER AS day, 2.5 + (hash(i) % 25) / 10.0 AS mean_score,
       (5 + hash(i, 'respondents') % 60)::BIGINT AS respondents
FROM range({USE_CASES} * 12) AS r(i);
"""

GENERATE_EVENTS = """
CREATE TABLE events AS
WITH draws AS (
    SELECT i,
           (hash(i, 'person') % 1000000) / 1000000.0 AS person_draw,
           (hash(i, 'day') % 1000000) / 1000000.0 AS day_draw,
           hash(i, 'use case') % 6 AS use_case_draw,
           hash(i, 'kind') % 100 AS kind_draw,
           hash(i, 'second') % 86400 AS second_of_day
    FROM range({events}) AS r(i)
), shaped AS (
    SELECT i, floor({people} * person_draw * person_draw)::BIGINT AS person_number,
           floor(365 * sqrt(day_draw))::INTEGER AS day_number, use_case_draw, kind_draw, second_of_day
    FROM draws
)
SELECT {workspace}::INTEGER AS workspace_id,
       printf('00000000-0000-4000-8000-%012d', i) AS event_id,
       TIMESTAMP '2024-01-01' + to_days(day_number) + to_seconds(second_of_day) - INTERVAL 1 HOUR AS time,
       DATE '2024-01-01' + day_number AS day,
       md5('person ' || person_number)[1:32] AS person,
       'use-case-' || ((person_number * 7 + use_case_draw) % {use_cases}) AS use_case,
       CASE WHEN kind_draw % 10 = 0 THEN NULL
            ELSE 'tool-' || (((person_number * 7 + use_case_draw) % {use_cases}) % {tools}) END AS tool,
       CASE WHEN kind_draw < 30 THEN 'invoked' WHEN kind_draw < 55 THEN 'shown' WHEN kind_draw < 72 THEN 'accepted'
            WHEN kind_draw < 82 THEN 'edited' WHEN kind_draw < 92 THEN 'rejected' ELSE 'feedback' END AS kind,
       NULL::VARCHAR AS session_id,
       CASE WHEN kind_draw BETWEEN 55 AND 63 THEN (kind_draw - 50)::DOUBLE END AS minutes_saved,
       CASE WHEN kind_draw >= 92 THEN (1 + kind_draw % 5)::SMALLINT END AS rating,
       NULL::VARCHAR AS category, NULL::VARCHAR AS comment, NULL::VARCHAR AS correction,
       NULL::VARCHAR AS attributes, 'demo' AS source,
       TIMESTAMP '2024-01-01' + to_days(day_number) + to_seconds(second_of_day) AS received_at
FROM shaped
ORDER BY day, person
"""

HAND_WRITTEN_ADOPTION = """
WITH eligible AS (
    SELECT person, use_case FROM entitlements
    WHERE workspace_id = $workspace AND start_day <= $end AND (end_day IS NULL OR end_day > $end)
    UNION
    SELECT seats.person, use_cases.use_case FROM seats
    JOIN use_cases ON use_cases.workspace_id = seats.workspace_id AND use_cases.tool = seats.tool
    WHERE seats.workspace_id = $workspace AND seats.start_day <= $end
      AND (seats.end_day IS NULL OR seats.end_day > $end)
), recent AS (
    SELECT DISTINCT person, use_case FROM {source}
    WHERE workspace_id = $workspace AND day BETWEEN $window_start AND $end {engaged}
)
SELECT team_ancestors.ancestor_id AS team_id, eligible.use_case,
       count(DISTINCT eligible.person) AS eligible,
       count(DISTINCT eligible.person) FILTER (WHERE recent.person IS NOT NULL) AS active
FROM eligible
LEFT JOIN recent ON recent.person = eligible.person AND recent.use_case = eligible.use_case
JOIN people ON people.workspace_id = $workspace AND people.person = eligible.person
JOIN team_ancestors ON team_ancestors.workspace_id = $workspace AND team_ancestors.team_id = people.team_id
GROUP BY ALL
"""


def build_workspace(events: int) -> tuple[Path, dict[str, float]]:
    """The cached DuckDB file for `events` events, generating it (and its activity table) when missing."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"metrics-v2-{events}.duckdb"  # v2: with seat grants and contracts
    timings: dict[str, float] = {}
    if path.exists():
        return path, timings
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    backend = engines.connect(f"duckdb://{partial}")
    raw = backend.connection.con
    started = time.perf_counter()
    raw.execute(GENERATE_SNAPSHOTS)
    raw.execute(
        GENERATE_EVENTS.format(
            events=events, people=PEOPLE, workspace=WORKSPACE, use_cases=USE_CASES, tools=TOOLS
        )
    )
    timings["generate events and snapshots"] = time.perf_counter() - started
    started = time.perf_counter()
    metrics.refresh_activity(backend, WORKSPACE)
    timings["refresh the activity table"] = time.perf_counter() - started
    raw.execute("CHECKPOINT")
    backend.connection.disconnect()
    partial.rename(path)
    return path, timings


def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def cpu_timed(action: Callable[[], Any]) -> float:
    """CPU seconds of every thread of this process: what a loaded, shared machine does not inflate."""
    started = time.process_time()
    action()
    return time.process_time() - started


def run_dashboard(backend: engines.EventsBackend, tables: metrics.AnalyticsTables) -> dict[str, float]:
    seconds = {}
    for name, grouping in DASHBOARD:
        expression = metrics.metric_expression(
            metrics.metric_by_name(name), tables, WORKSPACE, PERIOD, grouping
        )
        seconds[name] = timed(lambda expression=expression: engines.to_arrow(backend, expression))
    return seconds


def hand_written(backend: engines.EventsBackend, *, from_events: bool) -> Any:
    sql = HAND_WRITTEN_ADOPTION.format(
        source="events" if from_events else "activity_days",
        engaged="AND kind <> 'shown'" if from_events else "",
    )
    parameters = {
        "workspace": WORKSPACE,
        "end": PERIOD.end,
        "window_start": PERIOD.last_days(metrics.ADOPTION_WINDOW_DAYS).start,
    }
    return backend.connection.con.execute(sql, parameters).fetchall()


def measure(events: int, repeat: int) -> dict[str, Any]:
    path, build_timings = build_workspace(events)
    backend = engines.connect(f"duckdb://{path}")
    tables = metrics.load_tables(backend)
    load_before = os.getloadavg()[0]
    cold = run_dashboard(backend, tables)
    cpu_started = time.process_time()
    warm_runs = [run_dashboard(backend, tables) for _ in range(repeat)]
    warm_cpu = (time.process_time() - cpu_started) / repeat
    warm = {name: statistics.median(run[name] for run in warm_runs) for name, _ in DASHBOARD}
    warm_total = statistics.median(sum(run.values()) for run in warm_runs)
    adoption = metrics.metric_expression(
        metrics.metric_by_name("adoption_rate"), tables, WORKSPACE, PERIOD, Grouping(by=("team", "use_case"))
    )
    ibis_rows = engines.to_arrow(backend, adoption).num_rows
    sql_rows = len(hand_written(backend, from_events=False))
    if ibis_rows != sql_rows:
        raise SystemExit(
            f"The Ibis and hand-written adoption queries disagree: {ibis_rows} vs {sql_rows} rows"
        )
    baseline = statistics.median(
        timed(lambda: hand_written(backend, from_events=False)) for _ in range(repeat)
    )
    adoption_cpu = statistics.median(
        cpu_timed(lambda: engines.to_arrow(backend, adoption)) for _ in range(repeat)
    )
    baseline_cpu = statistics.median(
        cpu_timed(lambda: hand_written(backend, from_events=False)) for _ in range(repeat)
    )
    raw_events = statistics.median(
        timed(lambda: hand_written(backend, from_events=True)) for _ in range(repeat)
    )
    publish = statistics.median(
        timed(
            lambda: privacy.publish_metric(
                backend,
                tables,
                metrics.metric_by_name("adoption_rate"),
                WORKSPACE,
                PERIOD,
                Grouping(by=("team", "use_case")),
            )
        )
        for _ in range(repeat)
    )
    activity_rows = backend.connection.con.execute("SELECT count(*) FROM activity_days").fetchone()[0]
    backend.connection.disconnect()
    return {
        "events": events,
        "build": build_timings,
        "activity_rows": activity_rows,
        "cold": cold,
        "cold_total": sum(cold.values()),
        "warm": warm,
        "warm_total": warm_total,
        "warm_cpu": warm_cpu,
        "load": (load_before, os.getloadavg()[0]),
        "baseline": baseline,
        "raw_events": raw_events,
        "adoption_cpu": adoption_cpu,
        "baseline_cpu": baseline_cpu,
        "publish": publish,
        "adoption_rows": ibis_rows,
    }


def report(result: dict[str, Any]) -> None:
    print(
        f"\n== {result['events']:,} events, {PEOPLE:,} people, {TEAMS} teams, {USE_CASES} use cases on DuckDB =="
    )
    for step, seconds in result["build"].items():
        print(f"{step:<46} {seconds:8.2f} s")
    print(f"activity table rows                            {result['activity_rows']:>11,}")
    print(
        f"{'metric (period ' + str(PERIOD.start) + ' .. ' + str(PERIOD.end) + ')':<46} {'cold':>8}   {'warm':>8}"
    )
    for name, grouping in DASHBOARD:
        label = f"{name} by {' × '.join(grouping.by)}"
        print(f"{label:<46} {result['cold'][name]:8.3f} s {result['warm'][name]:8.3f} s")
    print(
        f"{'full dashboard set':<46} {result['cold_total']:8.3f} s {result['warm_total']:8.3f} s   (goal ≤ 3 s warm)"
    )
    print(
        f"{'full set warm, CPU seconds of all threads':<46} {'':8}   {result['warm_cpu']:8.3f} s"
        f"   (≥ {result['warm_cpu'] / CORES:.3f} s wall on {CORES} idle cores)"
    )
    print(
        f"machine load (1-minute average) before / after: {result['load'][0]:.1f} / {result['load'][1]:.1f}"
        f" on {os.cpu_count()} cores"
    )
    ibis_adoption = result["warm"]["adoption_rate"]
    print(f"{'hand-written SQL adoption (activity table)':<46} {'':8}   {result['baseline']:8.3f} s")
    print(f"{'hand-written SQL adoption (raw events)':<46} {'':8}   {result['raw_events']:8.3f} s")
    print(f"{'adoption published through the privacy floor':<46} {'':8}   {result['publish']:8.3f} s")
    ratio = ibis_adoption / result["baseline"]
    print(f"Ibis adoption ÷ hand-written SQL: {ratio:.2f}×   (goal ≤ 1.5×; {result['adoption_rows']:,} rows)")
    print(
        f"the same in CPU seconds: {result['adoption_cpu']:.3f} s ÷ {result['baseline_cpu']:.3f} s = "
        f"{result['adoption_cpu'] / result['baseline_cpu']:.2f}×"
    )
    verdict = "met" if result["warm_total"] <= 3 and ratio <= 1.5 else "NOT met"
    print(f"goals {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--also-100m", action="store_true", help="also build and time 100 million events")
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    results = [measure(arguments.events, arguments.repeat)]
    report(results[0])
    if arguments.also_100m:
        results.append(measure(100_000_000, arguments.repeat))
        report(results[1])
        small, large = results
        growth = large["events"] / small["events"]
        print(f"\n== growth: {growth:.0f}× the events ==")
        print(f"full set warm: {large['warm_total'] / small['warm_total']:.1f}× the time")
        print(f"activity rows: {large['activity_rows'] / small['activity_rows']:.1f}×")
        for name, _ in DASHBOARD:
            print(f"  {name:<20} {large['warm'][name] / small['warm'][name]:5.1f}×")


if __name__ == "__main__":
    main()
