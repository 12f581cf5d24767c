"""Snapshots: one workspace's rows replaced at a time; the team tree's paths and ancestors."""

from __future__ import annotations

from datetime import date

import pytest

from uptake.analytics import engines, snapshots
from uptake.analytics.snapshots import SnapshotError, write_snapshot


def rows_of(backend: engines.EventsBackend, name: str) -> list[dict]:
    table = backend.connection.table(name)
    return sorted(
        engines.to_arrow(backend, table).to_pylist(), key=lambda row: sorted(map(str, row.values()))
    )


def person(workspace_id: int, pseudonym: str, team_id: int | None = None) -> dict:
    return {
        "workspace_id": workspace_id,
        "person": pseudonym,
        "team_id": team_id,
        "role": None,
        "is_active": True,
    }


def test_writing_a_snapshot_replaces_only_that_workspaces_rows(duckdb_backend: engines.EventsBackend):
    write_snapshot(duckdb_backend, "people", [person(1, "a"), person(1, "b")], workspace_id=1)
    write_snapshot(duckdb_backend, "people", [person(2, "z")], workspace_id=2)
    assert write_snapshot(duckdb_backend, "people", [person(1, "c")], workspace_id=1) == 1
    assert [(row["workspace_id"], row["person"]) for row in rows_of(duckdb_backend, "people")] == [
        (1, "c"),
        (2, "z"),
    ]
    write_snapshot(duckdb_backend, "people", [], workspace_id=1)  # an empty snapshot clears the workspace
    assert [row["person"] for row in rows_of(duckdb_backend, "people")] == ["z"]


def test_teams_get_their_paths_and_ancestors(duckdb_backend: engines.EventsBackend):
    teams = [
        {"workspace_id": 1, "team_id": 9, "parent_id": 4, "name": "Data", "path": ""},
        {"workspace_id": 1, "team_id": 1, "parent_id": None, "name": "Company", "path": "/1/"},
        {"workspace_id": 1, "team_id": 4, "parent_id": 1, "name": "Platform", "path": ""},
    ]
    write_snapshot(duckdb_backend, "teams", teams, workspace_id=1)
    paths = {row["team_id"]: row["path"] for row in rows_of(duckdb_backend, "teams")}
    assert paths == {1: "/1/", 4: "/1/4/", 9: "/1/4/9/"}
    ancestors = sorted(
        (row["team_id"], row["ancestor_id"], row["depth"])
        for row in rows_of(duckdb_backend, "team_ancestors")
    )
    assert ancestors == [(1, 1, 0), (4, 1, 1), (4, 4, 0), (9, 1, 2), (9, 4, 1), (9, 9, 0)]


@pytest.mark.parametrize(
    ("teams", "message"),
    [
        ([{"team_id": 1, "parent_id": 2}, {"team_id": 2, "parent_id": 1}], "cycle"),
        ([{"team_id": 1, "parent_id": 7}], "unknown parent"),
        ([{"team_id": 1, "parent_id": None, "path": "/5/1/"}], "its parents say"),
    ],
)
def test_a_broken_team_tree_is_refused(
    duckdb_backend: engines.EventsBackend, teams: list[dict], message: str
):
    rows = [{"workspace_id": 1, "name": f"Team {team['team_id']}", "path": "", **team} for team in teams]
    with pytest.raises(SnapshotError, match=message):
        write_snapshot(duckdb_backend, "teams", rows, workspace_id=1)


def test_rows_of_another_workspace_or_without_required_values_are_refused(
    duckdb_backend: engines.EventsBackend,
):
    with pytest.raises(SnapshotError, match="belongs to workspace 2, not 1"):
        write_snapshot(duckdb_backend, "people", [person(2, "a")], workspace_id=1)
    seat = {
        "workspace_id": 1,
        "tool": "assistant",
        "person": "a",
        "start_day": date(2025, 1, 1),
        "end_day": None,
    }
    with pytest.raises(SnapshotError, match="monthly_cost"):
        write_snapshot(duckdb_backend, "seats", [seat], workspace_id=1)
    with pytest.raises(SnapshotError, match="Unknown snapshot 'team_ancestors'"):
        write_snapshot(duckdb_backend, "team_ancestors", [], workspace_id=1)


def test_every_snapshot_schema_carries_the_workspace():
    for name, schema in snapshots.SNAPSHOT_SCHEMAS.items():
        assert schema["workspace_id"].nullable is False, name
