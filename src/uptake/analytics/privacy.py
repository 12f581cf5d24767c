"""The privacy floor: the output layer every figure for people passes through.

`publish_metric` is the only door from a metric to a page, an export or an API answer: it runs the
metric, then `apply_privacy_floor` on its rows. Every row carries `people`, the number of distinct
people it is about (for a count, the people counted; for a ratio, the people in its denominator).

The algorithm (`apply_privacy_floor`):

1. **Primary suppression.** A row about fewer than *k* people (default 5, never below 3; zero included)
   is suppressed: every figure and `people` become None, `suppressed` is True, and the reason says so.
2. **The additive relations a reader knows.** Rows are tied by equations `total = parts + remainder`:
   - team hierarchy (when grouped by team): within each slice of the other keys, a team's row equals its
     own members' share (the *remainder*, never published) plus its child teams' rows; a person belongs
     to one team, so this holds for every count and for `people` itself;
   - a partition (`partition_keys`, the adopter segments): the segments of a group add up to a total that
     the published shares reveal, so that total counts as published;
   - a published total row (`is_total`) equals the top-level rows plus the people outside any group.
   A remainder with 0 people is a known zero; one with 1 to k − 1 people is protected like a suppressed
   row; one with k or more people is an unknown nobody needs to protect.
3. **Complementary suppression, the standard rule first.** While some equation has exactly one unknown
   and that unknown is protected (a suppressed row, or a small remainder), suppress the smallest visible
   part of that equation (fewest people, then key order); when it has no visible part, suppress its total.
   This is "at least two suppressed cells per group, or the total suppressed".
4. **Then an exact check.** Single equations are not the only attack: a reader can combine them (a team's
   row from its children, then its sibling from its parent). The unknowns and equations form a linear
   system; an unknown is recoverable exactly when its unit vector lies in the span of the equations, which
   Gauss-Jordan elimination over the rationals decides. For every recoverable protected unknown, suppress
   the smallest visible row in an equation that contains it (or, failing that, in the nearest equation
   reached through other unknowns), and repeat from step 3 until nothing protected is recoverable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from uptake.analytics import engines, metrics

DEFAULT_K = 5
MINIMUM_K = 3
BELOW_FLOOR = "fewer than {k} people"
COMPLEMENTARY = "could be derived from other figures by subtraction"

Unknown = tuple[str, int]
"""("row", index) for a row, ("remainder", equation index) for an equation's unpublished remainder."""


@dataclass
class Equation:
    """`total = parts + remainder`; `total` None means a total readers know without a row (a partition)."""

    total: int | None
    parts: list[int]
    remainder_people: int = 0
    remainder_hidden: bool = False
    remainder_protected: bool = False


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


def check_floor(k: int) -> int:
    """`k` itself, refused below the minimum of 3."""
    if k < MINIMUM_K:
        raise ValueError(f"The privacy floor k must be at least {MINIMUM_K}, not {k}")
    return k


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
) -> PublishedMetric:
    """Compute `definition` and return its rows with the privacy floor applied (the door for people)."""
    check_floor(k)
    expression = metrics.metric_expression(definition, tables, workspace_id, period, grouping, options)
    rows = engines.to_arrow(backend, expression).to_pylist()
    keys = definition.keys(grouping)
    team_parents = None
    if "team" in grouping.by:
        teams = tables.teams.filter(tables.teams.workspace_id == workspace_id).select("team_id", "parent_id")
        team_parents = {
            row["team_id"]: row["parent_id"] for row in engines.to_arrow(backend, teams).to_pylist()
        }
    floored = apply_privacy_floor(
        rows, keys=keys, k=k, team_parents=team_parents, partition_keys=definition.partition_keys
    )
    floored.sort(key=lambda row: tuple(_sortable(row.get(key)) for key in keys))
    return PublishedMetric(
        name=definition.name,
        unit=definition.unit,
        workspace_id=workspace_id,
        period=period,
        grouping=grouping,
        k=k,
        keys=keys,
        rows=floored,
    )


def apply_privacy_floor(
    rows: Sequence[Mapping[str, Any]],
    *,
    keys: Sequence[str],
    k: int = DEFAULT_K,
    team_parents: Mapping[int, int | None] | None = None,
    team_key: str = "team_id",
    partition_keys: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """The rows with suppressed figures set to None, each marked `suppressed` with a `suppression_reason`.

    `rows` carry `keys`, figures and `people`; a row with `is_total` True is a total over the rows of its
    slice. `team_parents` maps each team to its parent (None for a root) when rows are grouped by team.
    """
    check_floor(k)
    people = [int(row["people"] or 0) for row in rows]
    reasons: dict[int, str] = {
        index: BELOW_FLOOR.format(k=k) for index, count in enumerate(people) if count < k
    }
    equations = _equations(rows, people, keys, k, team_parents, team_key, partition_keys)
    order = sorted(range(len(rows)), key=lambda index: (people[index], _row_order(rows[index], keys)))
    rank = {index: position for position, index in enumerate(order)}
    while True:
        _standard_rule(equations, reasons, people, rank)
        recoverable = _recoverable_protected(equations, reasons)
        if not recoverable:
            break
        chosen = _cell_to_reveal_nothing(recoverable, equations, reasons, rank)
        if chosen is None:
            break
        reasons[chosen] = COMPLEMENTARY
    published = []
    for index, row in enumerate(rows):
        out = dict(row)
        if index in reasons:
            for column in out:
                if column not in keys and column != "is_total":
                    out[column] = None
        out["suppressed"] = index in reasons
        out["suppression_reason"] = reasons.get(index)
        published.append(out)
    return published


def _equations(
    rows: Sequence[Mapping[str, Any]],
    people: list[int],
    keys: Sequence[str],
    k: int,
    team_parents: Mapping[int, int | None] | None,
    team_key: str,
    partition_keys: Sequence[str],
) -> list[Equation]:
    equations: list[Equation] = []
    totals = [index for index, row in enumerate(rows) if row.get("is_total")]
    details = [index for index, row in enumerate(rows) if not row.get("is_total")]

    def remainder(total: int, parts: Iterable[int]) -> Equation:
        rest = people[total] - sum(people[part] for part in parts)
        return Equation(
            total=total,
            parts=list(parts),
            remainder_people=max(rest, 0),
            remainder_hidden=rest > 0,
            remainder_protected=0 < rest < k,
        )

    if team_parents is not None and team_key in keys:
        other_keys = [key for key in keys if key != team_key]
        slices: dict[tuple[Any, ...], dict[Any, int]] = defaultdict(dict)
        for index in details:
            slices[tuple(rows[index][key] for key in other_keys)][rows[index][team_key]] = index
        for teams in slices.values():
            children: dict[Any, list[int]] = defaultdict(list)
            for team_id, index in teams.items():
                parent = team_parents.get(team_id)
                if parent is not None and parent in teams:
                    children[parent].append(index)
            for parent, parts in children.items():
                equations.append(remainder(teams[parent], parts))
    if partition_keys:
        groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        group_keys = [key for key in keys if key not in partition_keys]
        for index in details:
            groups[tuple(rows[index][key] for key in group_keys)].append(index)
        equations.extend(Equation(total=None, parts=parts) for parts in groups.values() if len(parts) > 1)
    for total in totals:
        slice_keys = [key for key in keys if rows[total].get(key) is not None]
        parts = [
            index
            for index in details
            if all(rows[index][key] == rows[total][key] for key in slice_keys)
            and (
                team_parents is None
                or team_key not in keys
                or team_parents.get(rows[index][team_key]) not in {rows[j][team_key] for j in details}
            )
        ]
        if parts:
            equations.append(remainder(total, parts))
    return equations


def _unknowns(equation: Equation, index: int, reasons: Mapping[int, str]) -> list[Unknown]:
    found: list[Unknown] = []
    if equation.total is not None and equation.total in reasons:
        found.append(("row", equation.total))
    found.extend(("row", part) for part in equation.parts if part in reasons)
    if equation.remainder_hidden:
        found.append(("remainder", index))
    return found


def _is_protected(unknown: Unknown, equations: Sequence[Equation]) -> bool:
    kind, index = unknown
    return kind == "row" or equations[index].remainder_protected


def _standard_rule(
    equations: Sequence[Equation], reasons: dict[int, str], people: list[int], rank: Mapping[int, int]
) -> None:
    changed = True
    while changed:
        changed = False
        for index, equation in enumerate(equations):
            unknowns = _unknowns(equation, index, reasons)
            if len(unknowns) != 1 or not _is_protected(unknowns[0], equations):
                continue
            visible_parts = [part for part in equation.parts if part not in reasons]
            if visible_parts:
                reasons[min(visible_parts, key=rank.__getitem__)] = COMPLEMENTARY
                changed = True
            elif equation.total is not None and equation.total not in reasons:
                reasons[equation.total] = COMPLEMENTARY
                changed = True


def _recoverable_protected(equations: Sequence[Equation], reasons: Mapping[int, str]) -> list[Unknown]:
    """The protected unknowns the equations pin down exactly (Gauss-Jordan over the rationals)."""
    system: list[dict[Unknown, Fraction]] = []
    for index, equation in enumerate(equations):
        row: dict[Unknown, Fraction] = {}
        if equation.total is not None and equation.total in reasons:
            row[("row", equation.total)] = Fraction(1)
        for part in equation.parts:
            if part in reasons:
                row[("row", part)] = Fraction(-1)
        if equation.remainder_hidden:
            row[("remainder", index)] = Fraction(-1)
        if row:
            system.append(row)
    reduced = _reduced_row_echelon(system)
    return [next(iter(row)) for row in reduced if len(row) == 1 and _is_protected(next(iter(row)), equations)]


def _reduced_row_echelon(system: list[dict[Unknown, Fraction]]) -> list[dict[Unknown, Fraction]]:
    pivots: list[tuple[Unknown, dict[Unknown, Fraction]]] = []
    for original in system:
        row = dict(original)
        for pivot, pivot_row in pivots:
            if pivot in row:
                _subtract(row, pivot_row, row[pivot])
        if not row:
            continue
        pivot = min(row)
        scale = row[pivot]
        row = {unknown: value / scale for unknown, value in row.items()}
        for _, other in pivots:
            if pivot in other:
                _subtract(other, row, other[pivot])
        pivots.append((pivot, row))
    return [row for _, row in pivots]


def _subtract(row: dict[Unknown, Fraction], pivot_row: Mapping[Unknown, Fraction], factor: Fraction) -> None:
    for unknown, value in pivot_row.items():
        updated = row.get(unknown, Fraction(0)) - factor * value
        if updated:
            row[unknown] = updated
        else:
            row.pop(unknown, None)


def _cell_to_reveal_nothing(
    recoverable: Sequence[Unknown],
    equations: Sequence[Equation],
    reasons: Mapping[int, str],
    rank: Mapping[int, int],
) -> int | None:
    """The smallest visible row in the equations nearest to a recoverable protected unknown."""
    for start in recoverable:
        seen_unknowns = {start}
        frontier = [start]
        seen_equations: set[int] = set()
        while frontier:
            candidates: list[int] = []
            next_frontier: list[Unknown] = []
            for index, equation in enumerate(equations):
                if index in seen_equations or not any(
                    unknown in frontier for unknown in _unknowns(equation, index, reasons)
                ):
                    continue
                seen_equations.add(index)
                rows = ([equation.total] if equation.total is not None else []) + equation.parts
                candidates.extend(row for row in rows if row not in reasons)
                for unknown in _unknowns(equation, index, reasons):
                    if unknown not in seen_unknowns:
                        seen_unknowns.add(unknown)
                        next_frontier.append(unknown)
            if candidates:
                return min(candidates, key=rank.__getitem__)
            frontier = next_frontier
    return None


def _row_order(row: Mapping[str, Any], keys: Sequence[str]) -> tuple[Any, ...]:
    return tuple(_sortable(row.get(key)) for key in keys)


def _sortable(value: Any) -> tuple[int, str]:
    return (0, "") if value is None else (1, f"{value:>40}" if isinstance(value, int) else str(value))
