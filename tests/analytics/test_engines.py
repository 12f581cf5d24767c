"""Engine conformance: every metric of `METRICS` on one synthetic workspace, identical on every engine."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from analytics import synthetic_workspace
from analytics.analytics_workspace import create_events_table, insert_events
from uptake.analytics import engines, metrics, snapshots
from uptake.analytics.metrics import Grouping, MetricOptions, Period

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")

PERIOD = Period(
    date(2024, 12, 1), date(2025, 1, 12)
)  # crosses the year; ISO week 1 of 2025 starts 2024-12-30
GROUPINGS = [("team",), ("use_case",), ("tool",), ("role",), ("team", "use_case")]


def cases() -> list[tuple[str, Grouping, MetricOptions]]:
    """Every metric ungrouped and under each grouping it accepts, a weekly series where it has one, and options."""
    found = []
    for definition in metrics.METRICS:
        found.append((definition.name, Grouping(), MetricOptions()))
        for by in GROUPINGS:
            if all(dimension in definition.dimensions for dimension in by):
                found.append((definition.name, Grouping(by=by), MetricOptions()))  # type: ignore[arg-type]
        if "week" in definition.grains:
            found.append((definition.name, Grouping(by=("tool",), grain="week"), MetricOptions()))
    found.append(("stickiness", Grouping(by=("team",)), MetricOptions(working_days_only=True)))
    found.append(("trend", Grouping(by=("use_case",)), MetricOptions(trend_of="active")))
    found.append(("trend", Grouping(by=("use_case",)), MetricOptions(trend_of="trust_score")))
    return found


def spark_cases() -> list[tuple[str, Grouping, MetricOptions]]:
    """On Spark, where each query costs about half a second: every metric, ungrouped and by its richest grouping."""
    chosen = []
    for definition in metrics.METRICS:
        chosen.append((definition.name, Grouping(), MetricOptions()))
        for by in (("team", "use_case"), ("team",), ("use_case",), ("tool",)):
            if all(dimension in definition.dimensions for dimension in by):
                chosen.append((definition.name, Grouping(by=by), MetricOptions()))  # type: ignore[arg-type]
                break
        if "week" in definition.grains:
            chosen.append((definition.name, Grouping(by=("tool",), grain="week"), MetricOptions()))
    chosen.append(("stickiness", Grouping(by=("team",)), MetricOptions(working_days_only=True)))
    return chosen


def load(backend: engines.EventsBackend) -> metrics.AnalyticsTables:
    data = synthetic_workspace.build()
    create_events_table(backend)
    insert_events(backend, data["events"])
    for name in snapshots.SNAPSHOT_SCHEMAS:
        if name in data:
            snapshots.write_snapshot(backend, name, data[name], workspace_id=synthetic_workspace.WORKSPACE)
    metrics.refresh_activity(backend, synthetic_workspace.WORKSPACE)
    return metrics.load_tables(backend)


def compute(
    backend: engines.EventsBackend,
    tables: metrics.AnalyticsTables,
    name: str,
    grouping: Grouping,
    options: MetricOptions,
) -> list[dict[str, Any]]:
    definition = metrics.metric_by_name(name)
    expression = metrics.metric_expression(
        definition, tables, synthetic_workspace.WORKSPACE, PERIOD, grouping, options
    )
    keys = definition.keys(grouping)
    rows = engines.to_arrow(backend, expression).to_pylist()
    return sorted(rows, key=lambda row: tuple((row[key] is not None, str(row[key])) for key in keys))


def differences(expected: list[dict[str, Any]], actual: list[dict[str, Any]]) -> list[str]:
    if len(expected) != len(actual):
        return [f"{len(expected)} rows expected, {len(actual)} found"]
    found = []
    for number, (left, right) in enumerate(zip(expected, actual, strict=True)):
        if set(left) != set(right):
            found.append(f"row {number}: columns {sorted(left)} != {sorted(right)}")
            continue
        for column, value in left.items():
            other = right[column]
            if isinstance(value, float) or isinstance(other, float):
                same = (value is None and other is None) or (
                    value is not None
                    and other is not None
                    and math.isclose(value, other, rel_tol=1e-9, abs_tol=1e-9)
                )
            else:
                same = value == other
            if not same:
                found.append(f"row {number} {column}: {value!r} != {other!r}")
    return found


def label(name: str, grouping: Grouping, options: MetricOptions) -> str:
    return f"{name} by {grouping.by or '()'} grain {grouping.grain} {options}"


@pytest.fixture(scope="module")
def duckdb_results() -> dict[str, list[dict[str, Any]]]:
    backend = engines.connect("duckdb://")
    tables = load(backend)
    results = {label(*case): compute(backend, tables, *case) for case in cases()}
    results["activity_days"] = sorted(
        engines.to_arrow(backend, tables.activity).to_pylist(),
        key=lambda row: (row["person"], row["day"], row["use_case"], str(row["tool"])),
    )
    backend.connection.disconnect()
    return results


def assert_conforms(
    backend: engines.EventsBackend,
    reference: dict[str, list[dict[str, Any]]],
    chosen: list[tuple[str, Grouping, MetricOptions]],
) -> None:
    tables = load(backend)
    problems = []
    activity = sorted(
        engines.to_arrow(backend, tables.activity).to_pylist(),
        key=lambda row: (row["person"], row["day"], row["use_case"], str(row["tool"])),
    )
    problems += [
        f"activity_days: {problem}" for problem in differences(reference["activity_days"], activity)[:5]
    ]
    for case in chosen:
        found = differences(reference[label(*case)], compute(backend, tables, *case))
        problems += [f"{label(*case)}: {problem}" for problem in found[:5]]
    assert problems == []


def test_the_synthetic_workspace_exercises_every_metric(duckdb_results: dict[str, list[dict[str, Any]]]):
    names_with_rows = {
        key.split(" by ")[0] for key, rows in duckdb_results.items() if rows and key != "activity_days"
    }
    assert names_with_rows == {definition.name for definition in metrics.METRICS}
    assert all(label(*case) in duckdb_results for case in spark_cases())
    assert len(duckdb_results["activity_days"]) > 2000


def test_a_duckdb_file_keeps_its_tables_between_connections(tmp_path: Path, duckdb_results):
    url = f"duckdb://{tmp_path / 'events.duckdb'}"
    backend = engines.connect(url)
    load(backend)
    backend.connection.disconnect()
    reopened = engines.connect(url)
    tables = metrics.load_tables(reopened)
    case = ("adoption_rate", Grouping(by=("team", "use_case")), MetricOptions())
    assert differences(duckdb_results[label(*case)], compute(reopened, tables, *case)) == []
    reopened.connection.disconnect()


def test_an_unknown_engine_url_is_refused():
    with pytest.raises(engines.EngineError, match="Unknown analytics engine"):
        engines.connect("mongodb://localhost/events")
    with pytest.raises(engines.EngineError, match="no host"):
        engines.connect("duckdb://somewhere/events.duckdb")


@pytest.mark.postgres
def test_postgresql_gives_the_same_figures_as_duckdb(postgres_url: str, duckdb_results):
    backend = engines.connect(postgres_url.replace("postgresql://", "postgres://"))
    try:
        assert_conforms(backend, duckdb_results, cases())
    finally:
        backend.connection.disconnect()


@pytest.mark.spark
@pytest.mark.xdist_group("spark")
def test_spark_gives_the_same_figures_as_duckdb(spark_session: Any, tmp_path: Path, duckdb_results):
    backend = engines.connect_spark(spark_session, tmp_path / "lake")
    assert_conforms(backend, duckdb_results, spark_cases())
