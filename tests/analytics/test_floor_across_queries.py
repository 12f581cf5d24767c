"""The privacy floor across questions (issue 15, item 1): whatever sequence of groupings and grains a reader asks
for, no person's figure and no group under k can be worked out from everything published.

The property test builds small organizations (teams with parent links, roles, use cases, weeks, each person's
minutes per use case and week: the atoms), asks `time_saved` (a sum, the most exposed kind of figure: it adds up
over teams, roles, use cases and weeks) by every grouping of team, role and use case, with and without a weekly
grain, in a random order, through `privacy.floor_across_groupings` (what `publish_metric` runs). It then checks
with exact rational elimination, independent of the floor's own modular arithmetic, that no protected vector over
the atoms is in the span of the published cells' vectors. Protected: every cell of any of those groupings (and
of a team's own members, without its subteams) about 1 to k − 1 people, and each person's part of any cell.

A team lead asks the same groupings with the team in them and sees their teams' rows: a subset of a program lead's
answers, so the program lead's sequence covers them. Head counts (`people`) are published too but are not sums
over the atoms' minutes; they are not part of this check.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uptake.analytics import privacy
from uptake.analytics.metrics import metric_by_name
from uptake.analytics.schemas import Grouping

pytestmark = pytest.mark.clockless("the organizations have weeks numbered 1-3, not dates")

K = 3
DIMENSIONS = ("team", "role", "use_case")
TIME_SAVED = metric_by_name("time_saved")
Atom = tuple[int, str, int]  # (person, use case, week)


@dataclass(frozen=True)
class Organization:
    parents: dict[int, int | None]
    people: list[tuple[int, str]]  # each person's (team, role)
    minutes: dict[Atom, int]

    def ancestors(self, team: int) -> list[int]:
        chain = [team]
        while (parent := self.parents[chain[-1]]) is not None:
            chain.append(parent)
        return chain


def every_grouping() -> list[Grouping]:
    return [
        Grouping(by=by, grain=grain)
        for size in range(len(DIMENSIONS) + 1)
        for by in combinations(DIMENSIONS, size)
        for grain in (None, "week")
    ]


def cells(
    organization: Organization, grouping: Grouping, *, own_team: bool = False
) -> dict[tuple[Any, ...], set[Atom]]:
    """Each cell of `grouping` (key values in `TIME_SAVED.keys` order) and its atoms; a person is in every team
    above theirs, or only in their own with `own_team`."""
    found: dict[tuple[Any, ...], set[Atom]] = defaultdict(set)
    for atom in organization.minutes:
        person, use_case, week = atom
        team, role = organization.people[person]
        teams = [team] if own_team else organization.ancestors(team)
        for team_id in teams if "team" in grouping.by else [None]:
            values = {"team": team_id, "role": role, "use_case": use_case}
            key = tuple(values[dimension] for dimension in grouping.by)
            found[(*key, week) if grouping.grain else key].add(atom)
    return found


def rows_for(organization: Organization, grouping: Grouping) -> list[dict[str, Any]]:
    keys = TIME_SAVED.keys(grouping)
    rows = []
    for key, atoms in cells(organization, grouping).items():
        minutes = float(sum(organization.minutes[atom] for atom in atoms))
        rows.append(
            {
                **dict(zip(keys, key, strict=True)),
                "reported_minutes": minutes,
                "estimated_minutes": 0.0,
                "people": len({atom[0] for atom in atoms}),
                "value": minutes,
            }
        )
    return rows


def published_cells(
    organization: Organization, answers: Mapping[Grouping, list[dict[str, Any]]]
) -> list[set[Atom]]:
    found = []
    for grouping, rows in answers.items():
        keys = TIME_SAVED.keys(grouping)
        atoms = cells(organization, grouping)
        for row in rows:
            if not row["suppressed"]:
                assert row["value"] is not None
                found.append(atoms[tuple(row[key] for key in keys)])
    return found


def protected_groups(organization: Organization, k: int) -> dict[frozenset[Atom], str]:
    """Every protected vector (as its atoms) with a name. A person's part of a cell is listed only when they are
    alone in each finest cell (own team, role, use case, week) it touches: every published cell is a sum of finest
    cells, so a vector in the span takes one value on all atoms of a finest cell, and a person sharing one with
    someone else cannot be singled out there."""
    finest: dict[tuple[Any, ...], set[int]] = defaultdict(set)
    for person, use_case, week in organization.minutes:
        finest[(*organization.people[person], use_case, week)].add(person)
    solo = {
        atom
        for atom in organization.minutes
        if len(finest[(*organization.people[atom[0]], atom[1], atom[2])]) == 1
    }
    found: dict[frozenset[Atom], str] = {}
    for grouping in every_grouping():
        for own_team in (False, True) if "team" in grouping.by else (False,):
            for key, atoms in cells(organization, grouping, own_team=own_team).items():
                people = {atom[0] for atom in atoms}
                if len(people) < k:
                    found.setdefault(frozenset(atoms), f"{grouping} {key} ({len(people)} people)")
                for person in people:
                    part = frozenset(atom for atom in atoms if atom[0] == person)
                    if part <= solo:
                        found.setdefault(part, f"person {person} in {grouping} {key}")
    return found


class Span:
    """The rational span of 0/1 vectors over atoms, in reduced row echelon form (Fractions, no modular shortcut)."""

    def __init__(self, vectors: Iterable[set[Atom]]) -> None:
        self.pivots: dict[Atom, dict[Atom, Fraction]] = {}
        for vector in vectors:
            row = self._reduce({atom: Fraction(1) for atom in vector})
            if not row:
                continue
            pivot = min(row)
            scale = row[pivot]
            row = {atom: value / scale for atom, value in row.items()}
            for other in self.pivots.values():
                if pivot in other:
                    _subtract(other, row, other[pivot])
            self.pivots[pivot] = row

    def _reduce(self, row: dict[Atom, Fraction]) -> dict[Atom, Fraction]:
        for atom in [atom for atom in row if atom in self.pivots]:
            if atom in row:
                _subtract(row, self.pivots[atom], row[atom])
        return row

    def contains(self, vector: Iterable[Atom]) -> bool:
        return not self._reduce({atom: Fraction(1) for atom in vector})


def _subtract(row: dict[Atom, Fraction], other: Mapping[Atom, Fraction], factor: Fraction) -> None:
    for atom, value in other.items():
        updated = row.get(atom, Fraction(0)) - factor * value
        if updated:
            row[atom] = updated
        else:
            row.pop(atom, None)


def derivable(
    organization: Organization, answers: Mapping[Grouping, list[dict[str, Any]]], k: int
) -> list[str]:
    span = Span(published_cells(organization, answers))
    return sorted(name for atoms, name in protected_groups(organization, k).items() if span.contains(atoms))


def ask_everything(organization: Organization, order: Sequence[Grouping], k: int) -> dict[Grouping, Any]:
    published: dict[Grouping, list[dict[str, Any]]] = {}
    answers = {}
    for grouping in order:
        answers[grouping] = privacy.floor_across_groupings(
            TIME_SAVED,
            grouping,
            lambda other: rows_for(organization, other),
            k=k,
            team_parents=organization.parents,
            published=published,
        )
    return answers


@st.composite
def organizations(draw: st.DrawFn) -> Organization:
    team_count = draw(st.integers(1, 4))
    parents: dict[int, int | None] = {1: None}
    for team in range(2, team_count + 1):
        parents[team] = draw(st.sampled_from([None, *range(1, team)]))
    people = draw(
        st.lists(
            st.tuples(st.integers(1, team_count), st.sampled_from(["analyst", "lead", "lawyer"])),
            min_size=3,
            max_size=10,
        )
    )
    minutes: dict[Atom, int] = {}
    for person in range(len(people)):
        used = draw(
            st.sets(
                st.tuples(st.sampled_from(["drafting", "search"]), st.integers(1, 3)), min_size=1, max_size=4
            )
        )
        for use_case, week in sorted(used):
            minutes[(person, use_case, week)] = draw(st.integers(1, 60))
    return Organization(parents, people, minutes)


@pytest.mark.xfail(
    strict=True,
    reason="known gap (docs/privacy.md): hypothesis still finds organizations where several hidden cells of "
    "sibling groupings (by role and by week, say) combine into a small group; each answer is floored against its "
    "coarser answers only",
)
@settings(max_examples=60, deadline=None)
@given(organization=organizations(), seed=st.integers(0, 2**16))
def test_no_person_and_no_small_group_is_derivable_from_every_answer(organization: Organization, seed: int):
    order = every_grouping()
    random.Random(seed).shuffle(order)
    answers = ask_everything(organization, order, K)
    assert derivable(organization, answers, K) == []


def the_issues_team() -> Organization:
    # Team 1 has six analysts and one team lead; each works on drafting, in weeks 1-2, the lead in week 3 only.
    people = [(1, "analyst")] * 6 + [(1, "lead")]
    minutes: dict[Atom, int] = {(person, "drafting", 1 + person % 2): 30 + person for person in range(6)}
    minutes[(6, "drafting", 3)] = 45
    return Organization({1: None}, people, minutes)


def test_each_answer_floored_alone_gives_the_team_lead_away():
    # What main did: by team, and by team and role, each floored on its own. The check must see the difference.
    organization = the_issues_team()
    alone = {}
    for grouping in (
        Grouping(by=("team",)),
        Grouping(by=("team", "role")),
        Grouping(by=("team",), grain="week"),
    ):
        alone[grouping] = privacy.apply_privacy_floor(
            rows_for(organization, grouping),
            keys=TIME_SAVED.keys(grouping),
            k=K,
            team_parents=organization.parents,
        )
    # The lead's minutes: the team's minus the analysts' (by role), or minus weeks 1 and 2 (by week).
    assert derivable(organization, alone, K) == ["person 6 in Grouping(by=(), grain=None) ()"]
    by_team_and_role = {grouping: alone[grouping] for grouping in list(alone)[:2]}
    assert derivable(organization, by_team_and_role, K) == ["person 6 in Grouping(by=(), grain=None) ()"]


def test_floored_together_the_team_lead_stays_hidden():
    organization = the_issues_team()
    answers = ask_everything(organization, every_grouping(), K)
    assert derivable(organization, answers, K) == []
    by_team = answers[Grouping(by=("team",))]
    assert [(row["team_id"], row["value"]) for row in by_team] == [
        (1, float(sum(organization.minutes.values())))
    ]
    by_role = {row["role"]: row for row in answers[Grouping(by=("team", "role"))]}
    assert by_role["lead"]["suppressed"]
    assert by_role["analyst"]["suppressed"]


def test_a_week_is_never_one_person_when_the_period_is_shown():
    organization = the_issues_team()
    answers = ask_everything(organization, every_grouping(), K)
    weeks = {row["bucket"]: row for row in answers[Grouping(by=("team",), grain="week")]}
    assert weeks[3]["suppressed"]
    assert sum(1 for row in weeks.values() if row["suppressed"]) >= 2
