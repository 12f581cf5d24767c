"""``uptake metrics`` as a user runs it: a table, CSV and JSON after the privacy floor; bad options in one line."""

from __future__ import annotations

import json

import pytest

from analytics.organization import build_organization
from cli.command_line import environment_of, uptake
from uptake.analytics import service
from uptake.cli.metrics import metric_cell
from uptake.telemetry.event_store import EventStore

sqlite = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def environment(world, settings, database_url) -> dict[str, str]:
    organization = build_organization(world)
    with EventStore(settings.effective_events_url) as store:
        store.append(organization.workspace_id, organization.events)
        analytics = service.Analytics(service.connect_events_engine(settings.effective_events_url))
        analytics.write_snapshot(
            "entitlements", organization.entitlements(), workspace_id=organization.workspace_id
        )
        analytics.backend.connection.disconnect()
    return environment_of(settings)


def metrics(environment: dict[str, str], *args: str):
    return uptake("metrics", *args, env=environment)


PERIOD = ("--from", "2025-02-03", "--to", "2025-03-02")


@sqlite
def test_a_metric_as_a_table_csv_and_json(environment):
    table = metrics(environment, "adoption_rate", *PERIOD, "--by", "team")
    assert table.returncode == 0, table.stderr
    assert "adoption_rate (ratio), 2025-02-03 to 2025-03-02, k = 5" in table.stdout
    assert "0.8333" in table.stdout  # Sales: 5 of 6

    exported = metrics(environment, "rejection_rate", *PERIOD, "--by", "team", "--format", "csv")
    assert exported.returncode == 0, exported.stderr
    lines = exported.stdout.splitlines()
    assert lines[0] == "team_id,accepted,edited,rejected,decided,value,people,suppressed"
    assert [line.endswith("True") for line in lines[1:]] == [False, True, True]

    as_json = metrics(
        environment, "active", *PERIOD, "--by", "use_case", "--grain", "week", "--format", "json"
    )
    assert as_json.returncode == 0, as_json.stderr
    rows = json.loads(as_json.stdout)["rows"]
    assert [(row["bucket"], row["value"]) for row in rows] == [
        ("2025-02-03", 6),
        ("2025-02-10", 5),
        ("2025-02-17", 5),
        ("2025-02-24", 5),
    ]


@sqlite
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("funnel", "--grain", "week"), "error: grain: funnel has no time grain"),
        (("happiness",), "error: no metric called 'happiness'"),
        (("active", "--format", "xml"), "error: --format: 'xml' is not one of table, csv, json"),
    ],
)
def test_bad_options_are_one_clear_line(environment, args, message):
    result = metrics(environment, *args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith(message), result.stderr


def test_metric_cell() -> None:
    assert metric_cell(0.833333, suppressed=False) == "0.8333"
    assert metric_cell(12, suppressed=False) == "12"
    assert metric_cell(None, suppressed=True) == "suppressed"
    assert metric_cell(None, suppressed=False) == "–"
