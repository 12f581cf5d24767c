"""The privacy floor's arithmetic: which figures of a table of group figures to hide so that nothing about fewer
than *k* people can be read from it, or worked out from it and the totals published beside it.

It is core (not analytics') because two domains publish group figures about people: analytics' metrics (through
`analytics.privacy.publish_metric`) and enablement's training coverage. Both go through `apply_privacy_floor`.

The algorithm:

1. **Primary suppression.** A row about fewer than *k* people (zero included) is suppressed: every figure and
   `people` become None, `suppressed` is True, and the reason says so. Within a row that is shown, a figure that
   counts people (`count_figures`: adoption's `active`, the funnel's `tried`, coverage's `trained`...) and is
   between 1 and *k* − 1 is hidden too, with the figures derived from it (the rate whose numerator it is).
2. **The additive relations a reader knows** (`Relation`): `total = parts + remainder`, where the total is a row
   of the table, a total published elsewhere (`known`: a coarser answer's figures), or a total the parts reveal
   (a partition). Rows grouped by team are tied by the team tree (a team = its own members + its subteams).
   A remainder with 0 people is a known zero; one with 1 to k − 1 people is protected like a suppressed row;
   one with k or more people is an unknown nobody needs to protect.
3. **Complementary suppression, the standard rule first.** While some relation has exactly one unknown and that
   unknown is protected, hide the smallest visible part of it (fewest people, then key order), else its total.
4. **Then an exact check.** Unknowns and relations form a linear system; an unknown is recoverable exactly when
   its unit vector lies in the span of the relations. A combination the reduced system pins down whose unknowns
   hold fewer than k people together counts as recoverable too (a small group's figure, often one person's
   spread over two cells). The system is split into connected components (relations sharing unknowns) and each
   is brought to reduced row echelon form in integers modulo the prime 2**61 − 1. A vector in the rational span
   is also in the span modulo p unless p divides a determinant met on the way, which the small 0/±1 systems of
   one workspace do not reach in practice (docs/privacy.md says so). For every recoverable protected unknown,
   hide the smallest visible row of a relation reaching it and repeat from 3.

Steps 2-4 run once for the rows (on `people`) and once more for each count figure (on its own values, with the
rows already hidden as protected unknowns), so a count hidden in one row is not recoverable from its neighbours.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_K = 5
MINIMUM_K = 3
BELOW_FLOOR = "fewer than {k} people"
COMPLEMENTARY = "could be derived from other figures by subtraction"
PRIME = 2**61 - 1
PEOPLE = "people"


@dataclass(frozen=True)
class Relation:
    """`total = parts + remainder` over the rows of a table (indexes into it).

    `total` is a row of the table; or, when None, `known` holds a total published elsewhere (its `people` and
    count figures; a figure None there was hidden, so the relation says nothing about it); with neither, the
    parts add up to a total readers know (a partition), with nothing left over. `remainder` says whether people
    outside the parts can be inside the total (the parts partition people: teams, roles); False when the parts
    cover the total exactly though a person may be in several (use cases, weeks): then only figures that are
    sums (minutes, events) obey it, never the count figures.
    """

    parts: tuple[int, ...]
    total: int | None = None
    known: Mapping[str, Any] | None = None
    remainder: bool = True
    remainder_people: int | None = None
    """The people in the remainder when subtraction cannot count them (parts that share people)."""


def check_floor(k: int) -> int:
    """`k` itself, refused below the minimum of 3."""
    if k < MINIMUM_K:
        raise ValueError(f"The privacy floor k must be at least {MINIMUM_K}, not {k}")
    return k


def apply_privacy_floor(
    rows: Sequence[Mapping[str, Any]],
    *,
    keys: Sequence[str],
    k: int = DEFAULT_K,
    team_parents: Mapping[int, int | None] | None = None,
    team_key: str = "team_id",
    partition_keys: Sequence[str] = (),
    relations: Iterable[Relation] = (),
    count_figures: Mapping[str, Sequence[str]] | None = None,
    published_elsewhere: Sequence[Mapping[str, Any]] = (),
) -> list[dict[str, Any]]:
    """The rows with suppressed figures set to None, each marked `suppressed` with a `suppression_reason`, and
    `suppressed_figures` naming the figures hidden in a row that is shown.

    `rows` carry `keys`, figures and `people`; a row with `is_total` True is a total over the rows of its
    slice. `team_parents` maps each team to its parent (None for a root) when rows are grouped by team.
    `relations` are further totals the reader knows (see `Relation`). `count_figures` maps each figure that
    counts people to the figures derived from it, hidden with it. `published_elsewhere` are cells of other
    answers (coarser ones), as computed, with `suppressed` and `suppressed_figures` as they were published there;
    relations name them by index after the rows (`len(rows)` for the first). What they show is known, what they
    hid is protected here too (a hidden coarser cell is often the sum of two cells hidden here), and they are
    never hidden again.
    """
    check_floor(k)
    count_figures = count_figures or {}
    table = [*rows, *published_elsewhere]
    fixed = range(len(rows), len(table))
    people = [int(row.get(PEOPLE) or 0) for row in table]
    all_relations = [
        *_table_relations(rows, keys, team_parents, team_key, partition_keys),
        *relations,
    ]
    order = sorted(range(len(rows)), key=lambda index: (people[index], _row_order(rows[index], keys)))
    rank = {index: position for position, index in enumerate(order)}
    below = BELOW_FLOOR.format(k=k)
    reasons: dict[int, str] = {index: below for index, count in enumerate(people[: len(rows)]) if count < k}
    reasons.update({index: COMPLEMENTARY for index in fixed if table[index].get("suppressed")})
    _complete(people, PEOPLE, all_relations, reasons, rank, k)
    hidden_figures: dict[int, dict[str, str]] = defaultdict(dict)
    for figure in count_figures:
        values = [_count(row.get(figure)) for row in table]
        figure_reasons = dict(reasons)
        figure_reasons.update(
            {
                index: below
                for index, value in enumerate(values[: len(rows)])
                if 0 < value < k and index not in reasons
            }
        )
        figure_reasons.update(
            {
                index: COMPLEMENTARY
                for index in fixed
                if figure in (table[index].get("suppressed_figures") or ())
            }
        )
        _complete(values, figure, all_relations, figure_reasons, rank, k)
        for index, reason in figure_reasons.items():
            if index not in reasons and index < len(rows):
                hidden_figures[index][figure] = reason
    published = []
    for index, row in enumerate(rows):
        out = dict(row)
        if index in reasons:
            for column in out:
                if column not in keys and column != "is_total":
                    out[column] = None
        hidden: list[str] = []
        for figure in hidden_figures.get(index, {}):
            for column in (figure, *count_figures[figure]):
                if column in out and column not in hidden:
                    out[column] = None
                    hidden.append(column)
        out["suppressed"] = index in reasons
        out["suppression_reason"] = reasons.get(index) or (
            "; ".join(sorted(set(hidden_figures[index].values()))) if index in hidden_figures else None
        )
        out["suppressed_figures"] = hidden
        published.append(out)
    return published


def _count(value: Any) -> int:
    return 0 if value is None else int(value)


def _table_relations(
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    team_parents: Mapping[int, int | None] | None,
    team_key: str,
    partition_keys: Sequence[str],
) -> list[Relation]:
    relations: list[Relation] = []
    totals = [index for index, row in enumerate(rows) if row.get("is_total")]
    details = [index for index, row in enumerate(rows) if not row.get("is_total")]
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
                relations.append(Relation(parts=tuple(parts), total=teams[parent]))
    if partition_keys:
        groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        group_keys = [key for key in keys if key not in partition_keys]
        for index in details:
            groups[tuple(rows[index][key] for key in group_keys)].append(index)
        relations.extend(
            Relation(parts=tuple(parts), remainder=False) for parts in groups.values() if len(parts) > 1
        )
    for total in totals:
        slice_keys = [key for key in keys if rows[total].get(key) is not None]
        detail_teams = {rows[j].get(team_key) for j in details}
        parts = [
            index
            for index in details
            if all(rows[index][key] == rows[total][key] for key in slice_keys)
            and (
                team_parents is None
                or team_key not in keys
                or team_parents.get(rows[index][team_key]) not in detail_teams
            )
        ]
        if parts:
            relations.append(Relation(parts=tuple(parts), total=total))
    return relations


# --- one column's complementary suppression --------------------------------------------------------------


@dataclass
class _Equation:
    total: int | None
    parts: tuple[int, ...]
    remainder: int | None  # the unknown id of a hidden remainder, else None


class _Column:
    """One column's system: rows are unknowns 0..n-1 when hidden, remainders n.. when they hold people."""

    def __init__(self, values: Sequence[int], column: str, relations: Sequence[Relation], k: int) -> None:
        self.rows = len(values)
        self.k = k
        self.sizes: dict[int, int] = dict(enumerate(values))
        self.equations: list[_Equation] = []
        self.protected_remainders: set[int] = set()
        for relation in relations:
            if relation.total is not None:
                total_value: int | None = values[relation.total]
            elif relation.known is not None:
                known = relation.known.get(column)
                if known is None:
                    continue  # the total was hidden where it was published: it tells nothing
                total_value = _count(known)
            else:
                total_value = None
            remainder = None
            if relation.remainder and total_value is not None:
                rest = total_value - sum(values[part] for part in relation.parts)
                if column == PEOPLE and relation.remainder_people is not None:
                    rest = relation.remainder_people
                if rest > 0:
                    remainder = self.rows + len(self.equations)
                    self.sizes[remainder] = rest
                    if rest < k:
                        self.protected_remainders.add(remainder)
            self.equations.append(_Equation(relation.total, relation.parts, remainder))
        self.by_row: dict[int, list[int]] = defaultdict(list)
        for number, equation in enumerate(self.equations):
            for row in self._rows_of(equation):
                self.by_row[row].append(number)

    @staticmethod
    def _rows_of(equation: _Equation) -> list[int]:
        return ([equation.total] if equation.total is not None else []) + list(equation.parts)

    def unknowns(self, number: int, hidden: Mapping[int, str]) -> list[int]:
        equation = self.equations[number]
        found = [row for row in self._rows_of(equation) if row in hidden]
        if equation.remainder is not None:
            found.append(equation.remainder)
        return found

    def is_protected(self, unknown: int) -> bool:
        return unknown < self.rows or unknown in self.protected_remainders


def _complete(
    values: Sequence[int],
    column: str,
    relations: Sequence[Relation],
    hidden: dict[int, str],
    rank: Mapping[int, int],
    k: int,
) -> None:
    """Add to `hidden` (row → reason) the complementary suppressions `values` need under `relations`."""
    system = _Column(values, column, relations, k)
    if not system.equations:
        return
    while True:
        _standard_rule(system, hidden, rank)
        recoverable = _recoverable_protected(system, hidden)
        if not recoverable:
            return
        chosen = _row_to_hide(recoverable, system, hidden, rank)
        if chosen is None:
            return
        hidden[chosen] = COMPLEMENTARY


def _standard_rule(system: _Column, hidden: dict[int, str], rank: Mapping[int, int]) -> None:
    pending = list(range(len(system.equations)))
    while pending:
        number = pending.pop()
        unknowns = system.unknowns(number, hidden)
        if len(unknowns) != 1 or not system.is_protected(unknowns[0]):
            continue
        equation = system.equations[number]
        visible = [part for part in equation.parts if part not in hidden and part in rank]
        if visible:
            chosen = min(visible, key=rank.__getitem__)
        elif equation.total is not None and equation.total not in hidden and equation.total in rank:
            chosen = equation.total
        else:
            continue
        hidden[chosen] = COMPLEMENTARY
        pending.extend(system.by_row[chosen])


def _recoverable_protected(system: _Column, hidden: Mapping[int, str]) -> list[int]:
    """The protected unknowns the equations pin down exactly, component by component, modulo PRIME."""
    matrix: list[dict[int, int]] = []
    for equation in system.equations:
        row: dict[int, int] = {}
        if equation.total is not None and equation.total in hidden:
            row[equation.total] = 1
        for part in equation.parts:
            if part in hidden:
                row[part] = PRIME - 1
        if equation.remainder is not None:
            row[equation.remainder] = PRIME - 1
        if row:
            matrix.append(row)
    found: list[int] = []
    for component in _components(matrix):
        for reduced in _reduced_row_echelon(component):
            protected = [unknown for unknown in reduced if system.is_protected(unknown)]
            if not protected:
                continue
            if len(reduced) == 1 or sum(system.sizes.get(unknown, 0) for unknown in reduced) < system.k:
                # One unknown pinned down, or a sum pinned down of cells about fewer than k people together.
                found.append(min(protected))
    return sorted(found)


def _components(matrix: list[dict[int, int]]) -> list[list[dict[int, int]]]:
    parent: dict[int, int] = {}

    def find(unknown: int) -> int:
        root = unknown
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[unknown] != root:
            parent[unknown], unknown = root, parent[unknown]
        return root

    for row in matrix:
        first, *others = row
        for other in others:
            parent[find(other)] = find(first)
    groups: dict[int, list[dict[int, int]]] = defaultdict(list)
    for row in matrix:
        groups[find(next(iter(row)))].append(row)
    return list(groups.values())


def _reduced_row_echelon(system: list[dict[int, int]]) -> list[dict[int, int]]:
    """Gauss-Jordan modulo PRIME; each pivot row is normalized to 1 at its pivot and 0 at every other pivot."""
    pivots: dict[int, dict[int, int]] = {}
    holders: dict[int, set[int]] = defaultdict(set)  # unknown → pivots whose row holds it
    for original in system:
        row = dict(original)
        for unknown in [unknown for unknown in original if unknown in pivots]:
            factor = row.get(unknown)
            if factor:
                _subtract(row, pivots[unknown], factor)
        if not row:
            continue
        pivot = min(row)
        inverse = pow(row[pivot], PRIME - 2, PRIME)
        row = {unknown: value * inverse % PRIME for unknown, value in row.items()}
        for other_pivot in list(holders.get(pivot, ())):
            other = pivots[other_pivot]
            before = set(other)
            _subtract(other, row, other[pivot])
            for unknown in before - set(other):
                holders[unknown].discard(other_pivot)
            for unknown in set(other) - before:
                holders[unknown].add(other_pivot)
        pivots[pivot] = row
        for unknown in row:
            holders[unknown].add(pivot)
    return list(pivots.values())


def _subtract(row: dict[int, int], pivot_row: Mapping[int, int], factor: int) -> None:
    for unknown, value in pivot_row.items():
        updated = (row.get(unknown, 0) - factor * value) % PRIME
        if updated:
            row[unknown] = updated
        else:
            row.pop(unknown, None)


def _row_to_hide(
    recoverable: Sequence[int], system: _Column, hidden: Mapping[int, str], rank: Mapping[int, int]
) -> int | None:
    """The smallest visible row in the equations nearest to a recoverable protected unknown."""
    by_unknown: dict[int, list[int]] = defaultdict(list)
    for number in range(len(system.equations)):
        for unknown in system.unknowns(number, hidden):
            by_unknown[unknown].append(number)
    for start in recoverable:
        seen_unknowns = {start}
        frontier = [start]
        seen_equations: set[int] = set()
        while frontier:
            candidates: list[int] = []
            next_frontier: list[int] = []
            for unknown in frontier:
                for number in by_unknown[unknown]:
                    if number in seen_equations:
                        continue
                    seen_equations.add(number)
                    equation = system.equations[number]
                    candidates.extend(
                        row for row in system._rows_of(equation) if row not in hidden and row in rank
                    )
                    for other in system.unknowns(number, hidden):
                        if other not in seen_unknowns:
                            seen_unknowns.add(other)
                            next_frontier.append(other)
            if candidates:
                return min(candidates, key=rank.__getitem__)
            frontier = next_frontier
    return None


def _row_order(row: Mapping[str, Any], keys: Sequence[str]) -> tuple[Any, ...]:
    return tuple(sortable(row.get(key)) for key in keys)


def sortable(value: Any) -> tuple[int, str]:
    """A key that orders None first, numbers by value and everything else as text."""
    return (0, "") if value is None else (1, f"{value:>40}" if isinstance(value, int) else str(value))
