"""The privacy floor: hand-worked cases, then property tests that attack the published figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uptake.analytics.privacy import COMPLEMENTARY, apply_privacy_floor

SEGMENTS = ["innovators", "early_adopters", "early_majority", "late_majority", "laggards"]


def shown(rows: list[dict], *keys: str) -> list[tuple]:
    return [(*(row[key] for key in keys), row["value"], row["suppressed"]) for row in rows]


# --- hand-worked cases ----------------------------------------------------------------------------


def test_k_is_never_below_three():
    with pytest.raises(ValueError, match="at least 3"):
        apply_privacy_floor([], keys=["role"], k=2)


def test_a_small_group_is_suppressed_with_its_figures_and_head_count():
    rows = [{"role": "analyst", "value": 10, "people": 10}, {"role": "lawyer", "value": 3, "people": 3}]
    published = apply_privacy_floor(rows, keys=["role"])
    assert published == [
        {"role": "analyst", "value": 10, "people": 10, "suppressed": False, "suppression_reason": None},
        {
            "role": "lawyer",
            "value": None,
            "people": None,
            "suppressed": True,
            "suppression_reason": "fewer than 5 people",
        },
    ]


def test_k_comes_from_the_workspace():
    rows = [{"role": "analyst", "value": 4, "people": 4}]
    assert apply_privacy_floor(rows, keys=["role"], k=3)[0]["suppressed"] is False
    assert apply_privacy_floor(rows, keys=["role"], k=5)[0]["suppressed"] is True


def test_a_parent_without_own_members_forces_a_second_suppression():
    # Company (1) = Sales (2) 6 + Legal (3) 3, nobody directly in Company: Legal would be 9 − 6.
    parents = {1: None, 2: 1, 3: 1}
    rows = [
        {"team_id": 1, "value": 9, "people": 9},
        {"team_id": 2, "value": 6, "people": 6},
        {"team_id": 3, "value": 3, "people": 3},
    ]
    published = apply_privacy_floor(rows, keys=["team_id"], team_parents=parents)
    assert shown(published, "team_id") == [(1, 9, False), (2, None, True), (3, None, True)]
    assert published[1]["suppression_reason"] == COMPLEMENTARY


def test_enough_own_members_hide_a_small_child():
    # Company 16 = 6 own members + Sales 7 + Legal 3: 16 − 7 = 9 mixes Legal with the 6 own members.
    parents = {1: None, 2: 1, 3: 1}
    rows = [
        {"team_id": 1, "value": 16, "people": 16},
        {"team_id": 2, "value": 7, "people": 7},
        {"team_id": 3, "value": 3, "people": 3},
    ]
    published = apply_privacy_floor(rows, keys=["team_id"], team_parents=parents)
    assert shown(published, "team_id") == [(1, 16, False), (2, 7, False), (3, None, True)]


def test_a_few_own_members_are_protected_like_a_small_team():
    # Company 12 = 2 own members + Sales 5 + Legal 5: 12 − 5 − 5 would say something about 2 people.
    parents = {1: None, 2: 1, 3: 1}
    rows = [
        {"team_id": 1, "value": 12, "people": 12},
        {"team_id": 2, "value": 5, "people": 5},
        {"team_id": 3, "value": 5, "people": 5},
    ]
    published = apply_privacy_floor(rows, keys=["team_id"], team_parents=parents)
    # The smallest visible child (a tie on 5 people: the first by key) is suppressed.
    assert shown(published, "team_id") == [(1, 12, False), (2, None, True), (3, 5, False)]


def test_suppression_climbs_a_hierarchy():
    # 1 = 2 + 5; 2 = 3 + 4 (no own members anywhere). 3 has 3 people.
    parents = {1: None, 2: 1, 3: 2, 4: 2, 5: 1}
    rows = [
        {"team_id": 1, "value": 17, "people": 17},
        {"team_id": 2, "value": 9, "people": 9},
        {"team_id": 3, "value": 3, "people": 3},
        {"team_id": 4, "value": 6, "people": 6},
        {"team_id": 5, "value": 8, "people": 8},
    ]
    published = apply_privacy_floor(rows, keys=["team_id"], team_parents=parents)
    assert shown(published, "team_id") == [
        (1, 17, False),
        (2, 9, False),
        (3, None, True),
        (4, None, True),
        (5, 8, False),
    ]


def test_segments_add_up_to_the_triers_so_one_hidden_segment_needs_company():
    counts = [1, 6, 14, 13, 7]
    rows = [
        {"segment": segment, "segment_index": index, "value": count, "triers": 41, "people": count}
        for index, (segment, count) in enumerate(zip(SEGMENTS, counts, strict=True))
    ]
    published = apply_privacy_floor(
        rows, keys=["segment", "segment_index"], partition_keys=("segment", "segment_index")
    )
    # Innovators (1) are below the floor; 41 − the rest would give them back: the smallest other (6) goes too.
    assert [row["suppressed"] for row in published] == [True, True, False, False, False]


def test_a_total_row_is_a_published_total():
    rows = [
        {"role": None, "is_total": True, "value": 19, "people": 19},
        {"role": "analyst", "value": 10, "people": 10},
        {"role": "engineer", "value": 6, "people": 6},
        {"role": "lawyer", "value": 3, "people": 3},
    ]
    published = apply_privacy_floor(rows, keys=["role"])
    assert [row["suppressed"] for row in published] == [False, False, True, True]


# --- property tests: no suppressed figure can be recovered ----------------------------------------


@dataclass
class Organization:
    parents: dict[int, int | None]
    own_people: dict[int, int]
    own_minutes: dict[int, float]

    def subtree(self, team: int) -> list[int]:
        found = [team]
        for child, parent in self.parents.items():
            if parent == team:
                found.extend(self.subtree(child))
        return found

    def people(self, team: int) -> int:
        return sum(self.own_people[member] for member in self.subtree(team))

    def minutes(self, team: int) -> float:
        return sum(self.own_minutes[member] for member in self.subtree(team))


@st.composite
def organizations(draw: st.DrawFn) -> Organization:
    size = draw(st.integers(min_value=1, max_value=14))
    parents: dict[int, int | None] = {}
    for team in range(1, size + 1):
        parents[team] = (
            draw(st.one_of(st.none(), st.integers(min_value=1, max_value=team - 1))) if team > 1 else None
        )
    own_people = {team: draw(st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 8, 13])) for team in parents}
    # Minutes are positive for every person, so a residual equals one hidden figure only when it is that figure.
    own_minutes = {
        team: own_people[team] * draw(st.floats(min_value=1.0, max_value=50.0, allow_nan=False))
        for team in parents
    }
    return Organization(parents, own_people, own_minutes)


def recoverable(equations: Sequence[Mapping[Any, float]], unknowns: Sequence[Any]) -> set[Any]:
    """The unknowns whose value the linear equations pin down (unit vector in their row space)."""
    if not equations or not unknowns:
        return set()
    column = {unknown: index for index, unknown in enumerate(unknowns)}
    matrix = np.zeros((len(equations), len(unknowns)))
    for row, equation in enumerate(equations):
        for unknown, coefficient in equation.items():
            matrix[row, column[unknown]] = coefficient
    rank = np.linalg.matrix_rank(matrix)
    found = set()
    for unknown in unknowns:
        unit = np.zeros((1, len(unknowns)))
        unit[0, column[unknown]] = 1.0
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.add(unknown)
    return found


def team_rows(organization: Organization, extra: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    return [
        {
            "team_id": team,
            **(extra or {}),
            "value": organization.minutes(team),
            "people": organization.people(team),
        }
        for team in organization.parents
        if organization.people(team) > 0
    ]


@settings(max_examples=300, deadline=None)
@given(organization=organizations(), k=st.integers(min_value=3, max_value=7))
def test_no_suppressed_team_figure_can_be_recovered_by_subtraction(organization: Organization, k: int):
    rows = team_rows(organization)
    published = apply_privacy_floor(rows, keys=["team_id"], k=k, team_parents=organization.parents)
    figure = {row["team_id"]: row for row in published}

    # The floor itself: below k always suppressed; at or above k suppressed only to protect another figure.
    for row, original in zip(published, rows, strict=True):
        if original["people"] < k:
            assert row["suppressed"]
            assert row["value"] is None
            assert row["people"] is None
        elif row["suppressed"]:
            assert row["suppression_reason"] == COMPLEMENTARY

    # Every single subtraction a reader can do: a published team minus its published child teams.
    for team, row in figure.items():
        if row["suppressed"]:
            continue
        children = [
            child for child, parent in organization.parents.items() if parent == team and child in figure
        ]
        hidden_children = [child for child in children if figure[child]["suppressed"]]
        residual = row["value"] - sum(
            figure[child]["value"] for child in children if not figure[child]["suppressed"]
        )
        own_is_hidden = organization.own_people[team] > 0
        if len(hidden_children) == 1 and not own_is_hidden:
            pytest.fail(f"team {hidden_children[0]} = {residual} recovered from team {team}")
        if not hidden_children and 0 < organization.own_people[team] < k:
            pytest.fail(f"team {team}'s {organization.own_people[team]} own members recovered: {residual}")
        if len(hidden_children) == 1 and own_is_hidden:
            assert residual != pytest.approx(organization.minutes(hidden_children[0]))

    # And every combination of them: the linear system over all hidden figures.
    unknowns: list[Any] = [("team", team) for team, row in figure.items() if row["suppressed"]]
    unknowns += [("own", team) for team in figure if organization.own_people[team] > 0]
    equations = []
    for team in figure:
        children = [
            child for child, parent in organization.parents.items() if parent == team and child in figure
        ]
        if not children:
            continue
        equation: dict[Any, float] = {}
        if figure[team]["suppressed"]:
            equation[("team", team)] = 1.0
        for child in children:
            if figure[child]["suppressed"]:
                equation[("team", child)] = -1.0
        if organization.own_people[team] > 0:
            equation[("own", team)] = -1.0
        equations.append(equation)
    protected = {("team", team) for team, row in figure.items() if row["suppressed"]}
    protected |= {("own", team) for team in figure if 0 < organization.own_people[team] < k}
    assert recoverable(equations, unknowns) & protected == set()


@settings(max_examples=150, deadline=None)
@given(
    organization=organizations(),
    shares=st.lists(st.integers(min_value=0, max_value=4), min_size=5, max_size=5),
    k=st.integers(min_value=3, max_value=6),
)
def test_no_suppressed_segment_of_a_team_can_be_recovered(
    organization: Organization, shares: list[int], k: int
):
    # Team × segment: each team's members split over the five segments in fixed proportions (rounded), so
    # segments add up to the team's triers (published through the shares) and teams add up within a segment.
    split: dict[tuple[int, str], int] = {}
    for team in organization.parents:
        remaining = organization.own_people[team]
        for index, segment in enumerate(SEGMENTS):
            count = remaining if index == 4 else min(remaining, shares[index])
            split[team, segment] = count
            remaining -= count
    rows = []
    for team in organization.parents:
        triers = organization.people(team)
        for index, segment in enumerate(SEGMENTS):
            count = sum(split[member, segment] for member in organization.subtree(team))
            if count > 0:
                rows.append(
                    {
                        "team_id": team,
                        "segment": segment,
                        "segment_index": index,
                        "value": count,
                        "triers": triers,
                        "people": count,
                    }
                )
    published = apply_privacy_floor(
        rows,
        keys=["team_id", "segment", "segment_index"],
        k=k,
        team_parents=organization.parents,
        partition_keys=("segment", "segment_index"),
    )
    figure = {(row["team_id"], row["segment"]): row for row in published}
    unknowns: list[Any] = [("cell", key) for key, row in figure.items() if row["suppressed"]]
    unknowns += [("own", key) for key in split if split[key] > 0 and key in figure]
    equations: list[dict[Any, float]] = []
    for (team, segment), _row in figure.items():  # team tree, per segment
        children = [
            (child, segment)
            for child, parent in organization.parents.items()
            if parent == team and (child, segment) in figure
        ]
        if not children:
            continue
        equation: dict[Any, float] = {}
        if figure[team, segment]["suppressed"]:
            equation[("cell", (team, segment))] = 1.0
        for child in children:
            if figure[child]["suppressed"]:
                equation[("cell", child)] = -1.0
        if split[team, segment] > 0:
            equation[("own", (team, segment))] = -1.0
        equations.append(equation)
    for team in organization.parents:  # segments of a team add up to its (published) triers
        cells = [(team, segment) for segment in SEGMENTS if (team, segment) in figure]
        if any(not figure[cell]["suppressed"] for cell in cells):
            equations.append({("cell", cell): 1.0 for cell in cells if figure[cell]["suppressed"]})
    protected = {("cell", key) for key, row in figure.items() if row["suppressed"]}
    protected |= {("own", key) for key in split if 0 < split[key] < k and key in figure}
    assert recoverable([equation for equation in equations if equation], unknowns) & protected == set()


@settings(max_examples=200, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=15), min_size=1, max_size=8),
    outside=st.integers(min_value=0, max_value=7),
    k=st.integers(min_value=3, max_value=6),
)
def test_no_suppressed_group_can_be_recovered_from_a_published_total(sizes: list[int], outside: int, k: int):
    # Roles partition the people; `outside` people have no role group (not in the directory).
    rows = [{"role": None, "is_total": True, "value": sum(sizes) + outside, "people": sum(sizes) + outside}]
    rows += [{"role": f"role {index:02d}", "value": size, "people": size} for index, size in enumerate(sizes)]
    published = apply_privacy_floor(rows, keys=["role"], k=k)
    unknowns: list[Any] = [index for index, row in enumerate(published) if row["suppressed"]]
    equation: dict[Any, float] = {index: (1.0 if index == 0 else -1.0) for index in unknowns}
    if outside > 0:
        unknowns.append("outside")
        equation["outside"] = -1.0
    protected = {index for index in unknowns if index != "outside"}
    if 0 < outside < k:
        protected.add("outside")
    assert recoverable([equation] if equation else [], unknowns) & protected == set()
