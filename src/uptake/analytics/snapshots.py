"""The tables other domains export into the events backend so that metrics can join them (a contract).

Every snapshot carries `workspace_id`; `write_snapshot` replaces one workspace's rows at a time, so a
domain exports its current state after each change (or on a schedule) and metrics always read whole,
consistent workspaces. Days are calendar dates in the workspace's time zone, like the events' `day`.
A `!` before a type means NOT NULL.

- `people` (directory): one row per person. `person` is the events' pseudonym (HMAC, see the event
  contract), never a name or email. `team_id` is the person's own team (NULL: none); `role` the job role
  (NULL: none); `is_active` whether the person is in the directory now (informational: eligibility comes
  from entitlements and seats, which carry their own dates).
- `teams` (directory): the team tree. `parent_id` NULL for a root. `path` is the materialized path of
  ids from the root, `/1/4/9/` for team 9 under 4 under 1; left empty, `write_snapshot` fills it in.
- `team_ancestors` (derived, never written by hand): one row per (team, ancestor) pair including the
  team itself at `depth` 0, written by `write_snapshot` whenever `teams` is. "A team includes its
  subteams" is then one equi-join on every engine: a person counts in every `ancestor_id` of their team.
- `entitlements` (rollout): person may use use case from `start_day`, until the day before `end_day`
  (NULL: open). Eligible at the end of a period ending on day E: `start_day <= E < end_day`.
- `seats` (licences): a licence seat of `tool` held by `person` with the same day rule, and its
  `monthly_cost`. A seat makes its holder eligible for the use cases `seat_grants` lists for its tool.
- `contracts` (licences): what was bought of `tool` from `start_day`: `seats_purchased` (NULL: not said),
  `monthly_price_per_seat` (NULL: not said) in `currency` (ISO 4217; `XXX`: none), and the `renewal_day`
  (NULL: none). The contract in force on a day is the tool's latest one started by then.
- `seat_grants` (catalog): who a seat of `tool` makes eligible for `use_case`: the use case's released
  statuses only (piloting, rolling out, generally available, or paused from one of them), and only holders
  in team `team_id` (with its subteams; NULL: any team) with job role `role` (NULL: any role). A use case
  targeting teams T and roles R has one row per (t, r) pair; one without targets, one row of NULLs.
- `completions` (enablement): `person` completed the training `use_case` requires, on `completed_day`.
- `use_cases` (catalog): the use case's `tool` (NULL: none), `minutes_saved_estimate` per accepted or
  edited output (NULL: no estimate), and `training_required` (FALSE: every eligible person counts as
  trained in the funnel).
- `incidents` (trust): `severity` 1 (critical) to 4 (low), `opened_day`, `resolved_day` (NULL: open).
- `survey_trust` (surveys): the pulse survey's trust item per use case: the mean score (1-5) of
  `respondents` people on `day`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import ibis
import pyarrow as pa

from uptake.analytics import engines

EVENTS_SCHEMA = ibis.schema(
    {
        "workspace_id": "!int32",
        "event_id": "!string",
        "time": "!timestamp",
        "day": "!date",
        "person": "!string",
        "use_case": "!string",
        "tool": "string",
        "kind": "!string",
        "session_id": "string",
        "minutes_saved": "float64",
        "rating": "int16",
        "category": "string",
        "comment": "string",
        "correction": "string",
        "attributes": "string",
        "source": "!string",
        "received_at": "!timestamp",
    }
)
"""The stored event, as the event contract states it (owned by telemetry; read-only here)."""

PEOPLE_SCHEMA = ibis.schema(
    {
        "workspace_id": "!int32",
        "person": "!string",
        "team_id": "int64",
        "role": "string",
        "is_active": "!boolean",
    }
)
TEAMS_SCHEMA = ibis.schema(
    {
        "workspace_id": "!int32",
        "team_id": "!int64",
        "parent_id": "int64",
        "name": "!string",
        "path": "!string",
    }
)
TEAM_ANCESTORS_SCHEMA = ibis.schema(
    {"workspace_id": "!int32", "team_id": "!int64", "ancestor_id": "!int64", "depth": "!int32"}
)
ENTITLEMENTS_SCHEMA = ibis.schema(
    {
        "workspace_id": "!int32",
        "person": "!string",
        "use_case": "!string",
        "start_day": "!date",
        "end_day": "date",
    }
)
SEATS_SCHEMA = ibis.schema(
    {
        "workspace_id": "!int32",
        "tool": "!string",
        "person": "!string",
        "start_day": "!date",
        "end_day": "date",
        "monthly_cost": "!float64",
    }
)
CONTRACTS_SCHEMA = ibis.schema(
    {
        "workspace_id": "!int32",
        "tool": "!string",
        "start_day": "!date",
        "renewal_day": "date",
        "seats_purchased": "int64",
        "monthly_price_per_seat": "float64",
        "currency": "!string",
    }
)
SEAT_GRANTS_SCHEMA = ibis.schema(
    {
        "workspace_id": "!int32",
        "tool": "!string",
        "use_case": "!string",
        "team_id": "int64",
        "role": "string",
    }
)
COMPLETIONS_SCHEMA = ibis.schema(
    {"workspace_id": "!int32", "person": "!string", "use_case": "!string", "completed_day": "!date"}
)
USE_CASES_SCHEMA = ibis.schema(
    {
        "workspace_id": "!int32",
        "use_case": "!string",
        "tool": "string",
        "minutes_saved_estimate": "float64",
        "training_required": "!boolean",
    }
)
INCIDENTS_SCHEMA = ibis.schema(
    {
        "workspace_id": "!int32",
        "use_case": "!string",
        "severity": "!int16",
        "opened_day": "!date",
        "resolved_day": "date",
    }
)
SURVEY_TRUST_SCHEMA = ibis.schema(
    {
        "workspace_id": "!int32",
        "use_case": "!string",
        "day": "!date",
        "mean_score": "!float64",
        "respondents": "!int64",
    }
)

SNAPSHOT_SCHEMAS: Mapping[str, Any] = {
    "people": PEOPLE_SCHEMA,
    "teams": TEAMS_SCHEMA,
    "team_ancestors": TEAM_ANCESTORS_SCHEMA,
    "entitlements": ENTITLEMENTS_SCHEMA,
    "seats": SEATS_SCHEMA,
    "contracts": CONTRACTS_SCHEMA,
    "seat_grants": SEAT_GRANTS_SCHEMA,
    "completions": COMPLETIONS_SCHEMA,
    "use_cases": USE_CASES_SCHEMA,
    "incidents": INCIDENTS_SCHEMA,
    "survey_trust": SURVEY_TRUST_SCHEMA,
}
"""Every snapshot table by name, in the order metrics load them."""


class SnapshotError(ValueError):
    """A snapshot that cannot be written as given."""


def write_snapshot(
    connection: engines.EventsBackend,
    name: str,
    rows_or_arrow: pa.Table | Iterable[Mapping[str, Any]],
    *,
    workspace_id: int,
) -> int:
    """Replace workspace `workspace_id`'s rows of snapshot `name` by `rows_or_arrow`; return the row count.

    Rows are dictionaries (or an Arrow table) with the snapshot's columns; every row must carry
    `workspace_id` equal to the argument (an empty list clears the workspace). Writing `teams` fills in
    missing paths and rewrites `team_ancestors` too.
    """
    if name not in SNAPSHOT_SCHEMAS or name == "team_ancestors":
        raise SnapshotError(
            f"Unknown snapshot {name!r}; expected one of {sorted(set(SNAPSHOT_SCHEMAS) - {'team_ancestors'})}"
        )
    schema = SNAPSHOT_SCHEMAS[name]
    rows = _as_rows(rows_or_arrow)
    for index, row in enumerate(rows):
        if row.get("workspace_id") != workspace_id:
            raise SnapshotError(
                f"Row {index} of {name} belongs to workspace {row.get('workspace_id')}, not {workspace_id}"
            )
    if name == "teams":
        rows = teams_with_paths(rows)
        ancestors = team_ancestor_rows(rows)
        engines.replace_workspace_rows(
            connection,
            "team_ancestors",
            TEAM_ANCESTORS_SCHEMA,
            _to_arrow(ancestors, TEAM_ANCESTORS_SCHEMA),
            workspace_id,
        )
    engines.replace_workspace_rows(connection, name, schema, _to_arrow(rows, schema), workspace_id)
    return len(rows)


def teams_with_paths(teams: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The teams with `path` set from the parent chain (`/1/4/9/`); refuses unknown parents and cycles."""
    parents = {int(team["team_id"]): team.get("parent_id") for team in teams}
    result = []
    for team in teams:
        chain = [int(team["team_id"])]
        parent = team.get("parent_id")
        while parent is not None:
            parent = int(parent)
            if parent not in parents:
                raise SnapshotError(f"Team {team['team_id']} has unknown parent {parent}")
            if parent in chain:
                raise SnapshotError(f"Teams {chain} form a cycle")
            chain.append(parent)
            parent = parents[parent]
        path = "/" + "/".join(str(team_id) for team_id in reversed(chain)) + "/"
        if team.get("path") and team["path"] != path:
            raise SnapshotError(f"Team {team['team_id']} has path {team['path']!r}; its parents say {path!r}")
        result.append({**team, "path": path})
    return result


def team_ancestor_rows(teams: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per (team, ancestor) pair, the team itself included at depth 0, from the teams' paths."""
    rows = []
    for team in teams:
        chain = [int(part) for part in str(team["path"]).strip("/").split("/")]
        for depth, ancestor_id in enumerate(reversed(chain)):
            rows.append(
                {
                    "workspace_id": team["workspace_id"],
                    "team_id": int(team["team_id"]),
                    "ancestor_id": ancestor_id,
                    "depth": depth,
                }
            )
    return rows


def _as_rows(rows_or_arrow: pa.Table | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(rows_or_arrow, pa.Table):
        return list(rows_or_arrow.to_pylist())
    return [dict(row) for row in rows_or_arrow]


def _to_arrow(rows: Sequence[Mapping[str, Any]], schema: Any) -> pa.Table:
    arrow_schema = schema.to_pyarrow()
    missing = [
        field.name
        for field in arrow_schema
        if not field.nullable and field.name != "path" and any(row.get(field.name) is None for row in rows)
    ]
    if missing:
        raise SnapshotError(f"Required columns missing a value: {missing}")
    columns = {field.name: [row.get(field.name) for row in rows] for field in arrow_schema}
    return pa.table(columns, schema=arrow_schema)
