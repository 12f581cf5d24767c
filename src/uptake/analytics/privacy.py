"""The privacy floor: the output layer every figure for people passes through.

`publish_metric` is the only door from a metric to a page, an export or an API answer: it runs the metric, then
the privacy floor (`uptake.privacy_floor.apply_privacy_floor`, whose docstring gives the algorithm) on its rows.
Every row carries `people`, the number of distinct people it is about (for a count, the people counted; for a
ratio, the people in its denominator); the metric's `count_figures` are hidden on their own when under k.

**Across questions.** A reader can ask for the same metric and period by several groupings and subtract one
answer from another (a team's minutes minus those of its roles shown = the hidden role). So a grouping is never
floored alone: every coarser grouping the same reader can ask for, whose cells are sums of this one's (one
dimension fewer, down to the total; a time series rolled up to the whole period), along the dimensions the
metric's figures add up over (`MetricDefinition.additive_over`), is published first, floored the same way
(recursively, so deterministically), and its published figures enter this grouping's floor as known totals:
`coarser cell = its cells here + remainder`. A team's subteams are tied to it within each answer. The coarser
answers are kept in `published` (the caller's cache), so each is computed once. docs/privacy.md says what this
guarantees in plain words, and what it does not cover.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from uptake.analytics import engines, metrics
from uptake.analytics.schemas import Grouping
from uptake.privacy_floor import (
    BELOW_FLOOR,
    COMPLEMENTARY,
    DEFAULT_K,
    MINIMUM_K,
    Relation,
    apply_privacy_floor,
    check_floor,
    sortable,
)

__all__ = [
    "BELOW_FLOOR",
    "COMPLEMENTARY",
    "DEFAULT_K",
    "MINIMUM_K",
    "FlooredAnswer",
    "PublishedMetric",
    "apply_privacy_floor",
    "check_floor",
    "coarser_groupings",
    "coarser_relations",
    "floor_across_groupings",
    "publish_metric",
]

BUCKET = "bucket"


@dataclass(frozen=True)
class PublishedMetric:
    """A metric's rows after the privacy floor, with what it was computed over."""

    name: str
    unit: str
    workspace_id: int
    period: metrics.Period
    grouping: metrics.Grouping
    k: int
    keys: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def suppressed_rows(self) -> int:
        return sum(1 for row in self.rows if row["suppressed"])


def coarser_groupings(definition: metrics.MetricDefinition, grouping: Grouping) -> list[Grouping]:
    """Every grouping coarser than `grouping` whose cells are sums of its cells, coarsest first: any of the
    dimensions the metric's figures add up over left out, and the time grain rolled up to the whole period."""
    droppable = [dimension for dimension in grouping.by if dimension in definition.additive_over]
    grains = [grouping.grain]
    if grouping.grain is not None and "grain" in definition.additive_over and None in definition.grains:
        grains.append(None)
    found = []
    for size in range(len(droppable) + 1):
        for dropped in combinations(droppable, size):
            for grain in grains:
                other = Grouping(by=tuple(d for d in grouping.by if d not in dropped), grain=grain)
                if other != grouping:
                    found.append(other)
    return sorted(found, key=lambda other: (len(other.by), other.grain is not None))


@dataclass(frozen=True)
class FlooredAnswer:
    """One grouping's rows as computed (`raw`) and as published (`rows`, after the floor)."""

    raw: list[dict[str, Any]]
    rows: list[dict[str, Any]]


def publish_metric(
    backend: engines.EventsBackend,
    tables: metrics.AnalyticsTables,
    definition: metrics.MetricDefinition,
    workspace_id: int,
    period: metrics.Period,
    grouping: metrics.Grouping,
    *,
    k: int = DEFAULT_K,
    options: metrics.MetricOptions | None = None,
    published: MutableMapping[Grouping, FlooredAnswer] | None = None,
) -> PublishedMetric:
    """Compute `definition` and return its rows with the privacy floor applied (the door for people).

    `published` holds the floored rows of the same metric, period, options and k already published, by grouping;
    the coarser answers this grouping is tied to are taken from it, or published and added to it first.
    """
    check_floor(k)
    team_parents: dict[int, int | None] = {}
    if "team" in grouping.by:
        teams = tables.teams.filter(tables.teams.workspace_id == workspace_id).select("team_id", "parent_id")
        team_parents = {
            row["team_id"]: row["parent_id"] for row in engines.to_arrow(backend, teams).to_pylist()
        }

    def rows_for(other: Grouping) -> list[dict[str, Any]]:
        expression = metrics.metric_expression(definition, tables, workspace_id, period, other, options)
        rows: list[dict[str, Any]] = engines.to_arrow(backend, expression).to_pylist()
        return rows

    rows = floor_across_groupings(
        definition, grouping, rows_for, k=k, team_parents=team_parents, published=published
    )
    return PublishedMetric(
        name=definition.name,
        unit=definition.unit,
        workspace_id=workspace_id,
        period=period,
        grouping=grouping,
        k=k,
        keys=definition.keys(grouping),
        rows=rows,
    )


def floor_across_groupings(
    definition: metrics.MetricDefinition,
    grouping: Grouping,
    rows_for: Callable[[Grouping], list[dict[str, Any]]],
    *,
    k: int,
    team_parents: Mapping[int, int | None],
    published: MutableMapping[Grouping, FlooredAnswer] | None = None,
) -> list[dict[str, Any]]:
    """The floored rows of `grouping`, after those of every coarser grouping (`coarser_groupings`, each floored
    the same way first), whose published cells enter its floor as known totals. `rows_for` computes a grouping's
    raw rows; `published` keeps what was floored, so each grouping is computed once and every answer is the same
    whatever was asked before it."""
    published = {} if published is None else published
    cached = published.get(grouping)
    if cached is not None:
        return cached.rows
    coarser = coarser_groupings(definition, grouping)
    for other in coarser:
        floor_across_groupings(
            definition, other, rows_for, k=k, team_parents=team_parents, published=published
        )
    rows = rows_for(grouping)
    keys = definition.keys(grouping)
    parents = team_parents if "team" in grouping.by else None
    relations: list[Relation] = []
    elsewhere: list[dict[str, Any]] = []
    for other in coarser:
        with_team = Grouping(by=tuple(d for d in grouping.by if d in {*other.by, "team"}), grain=other.grain)
        teamed = None
        if "team" in grouping.by and "team" not in other.by:
            teamed = rows if with_team == grouping else published[with_team].raw
        found, cells = coarser_relations(
            rows,
            keys,
            definition.keys(other),
            published[other],
            parents,
            first_index=len(rows) + len(elsewhere),
            teamed_rows=teamed,
        )
        relations += found
        elsewhere += cells
    floored = apply_privacy_floor(
        rows,
        keys=keys,
        k=k,
        team_parents=parents,
        partition_keys=definition.partition_keys,
        relations=relations,
        count_figures=dict(definition.count_figures),
        published_elsewhere=elsewhere,
    )
    floored.sort(key=lambda row: tuple(sortable(row.get(key)) for key in keys))
    published[grouping] = FlooredAnswer(raw=rows, rows=floored)
    return floored


PEOPLE_COLUMN = "people"


def coarser_relations(
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    coarser_keys: Sequence[str],
    coarser: FlooredAnswer,
    team_parents: Mapping[int, int | None] | None,
    *,
    first_index: int,
    teamed_rows: Sequence[Mapping[str, Any]] | None = None,
) -> tuple[list[Relation], list[dict[str, Any]]]:
    """Each cell of a coarser answer as a total over the rows here that make it up, and those cells (as computed,
    marked as published there) to pass to the floor after the rows, from `first_index` on.

    With the team left out, the parts are the top teams' rows (a subteam is inside its parent's row) and the
    remainder is the people without a team: counted from `teamed_rows` (the coarser grouping with the team kept,
    as computed), since people who are in several use cases or weeks cannot be counted by subtraction.
    """
    dropped = [key for key in keys if key not in coarser_keys]
    drops_team = "team_id" in dropped
    parts: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        if drops_team and team_parents is not None and team_parents.get(row["team_id"]) is not None:
            continue
        parts[tuple(row[key] for key in coarser_keys)].append(index)
    teamed: dict[tuple[Any, ...], int] = defaultdict(int)
    for row in teamed_rows or ():
        if team_parents is not None and team_parents.get(row["team_id"]) is None:
            teamed[tuple(row[key] for key in coarser_keys)] += int(row[PEOPLE_COLUMN] or 0)
    shown = {tuple(cell[name] for name in coarser_keys): cell for cell in coarser.rows}
    relations: list[Relation] = []
    cells: list[dict[str, Any]] = []
    for raw in coarser.raw:
        key = tuple(raw[name] for name in coarser_keys)
        without_team = None
        if drops_team and teamed_rows is not None:
            without_team = max(int(raw[PEOPLE_COLUMN] or 0) - teamed[key], 0)
        relations.append(
            Relation(
                parts=tuple(parts.get(key, ())),
                total=first_index + len(cells),
                remainder=drops_team or set(dropped) <= {"team_id", "role"},
                remainder_people=without_team,
            )
        )
        cells.append(
            {
                **raw,
                "suppressed": shown[key]["suppressed"],
                "suppressed_figures": shown[key].get("suppressed_figures", []),
            }
        )
    return relations, cells
