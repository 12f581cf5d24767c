"""Interventions: lagging cells ranked by the people missing, diagnosed by the funnel step that loses most."""

from __future__ import annotations

from typing import Any

import pytest

from uptake.analytics import interventions, schemas

TEAMS = {1: "Finance", 2: "Legal", 3: "Sales", 4: "Support", 5: "Tiny"}


def cell(team_id: int, use_case: str, eligible: int, active: int, **extra: Any) -> dict[str, Any]:
    return {
        "team_id": team_id,
        "use_case": use_case,
        "eligible": eligible,
        "active": active,
        "value": active / eligible if eligible else None,
        "people": eligible,
        "suppressed": False,
        **extra,
    }


def steps(
    team_id: int, use_case: str, eligible: int, trained: int, tried: int, repeat: int
) -> dict[str, Any]:
    return {
        "team_id": team_id,
        "use_case": use_case,
        "eligible": eligible,
        "trained": trained,
        "tried": tried,
        "repeat": repeat,
        "habitual": repeat // 2,
        "people": eligible,
        "suppressed": False,
    }


SUPPRESSED = {"eligible": None, "active": None, "value": None, "people": None, "suppressed": True}


def rank(**overrides: Any) -> list[schemas.Intervention]:
    arguments: dict[str, Any] = {
        "adoption": [
            cell(1, "drafting", 50, 2),  # 4 % active; 6 of 50 trained
            cell(2, "drafting", 20, 4),  # trained, but few try
            cell(3, "drafting", 40, 12),  # try, but don't come back
            cell(4, "drafting", 30, 27),  # ahead of the reference
            {"team_id": 5, "use_case": "drafting", **SUPPRESSED},  # below the floor: never listed
        ],
        "funnel": [
            steps(1, "drafting", 50, 6, 3, 1),
            steps(2, "drafting", 20, 18, 4, 4),
            steps(3, "drafting", 40, 38, 30, 12),
            steps(4, "drafting", 30, 30, 29, 27),
            {"team_id": 5, "use_case": "drafting", "eligible": None, "suppressed": True},
        ],
        "rejection": [
            {"team_id": 3, "use_case": "drafting", "value": 0.45, "decided": 400, "suppressed": False},
        ],
        "workspace_adoption": {"drafting": 0.5},
        "trust": {"drafting": {"mean_rating": 2.5, "incidents": 0}},
        "targets": {},
        "team_names": TEAMS,
    }
    arguments.update(overrides)
    return interventions.rank_interventions(**arguments)


def test_cells_are_ranked_by_the_people_missing_to_reach_the_reference():
    ranked = rank()
    # Reference 50 %: Finance misses (0.5 - 0.04) × 50 = 23 people, Sales (0.5 - 0.3) × 40 = 8,
    # Legal (0.5 - 0.2) × 20 = 6; Support is ahead; Tiny is below the privacy floor.
    assert [(item.rank, item.team, item.people_missing) for item in ranked] == [
        (1, "Finance", 23),
        (2, "Sales", 8),
        (3, "Legal", 6),
    ]
    assert all(item.reference == "workspace" for item in ranked)


def test_each_cell_names_its_weakest_step_action_and_evidence():
    finance, sales, legal = rank()
    # Finance loses 44 people between eligible and trained, 3 between trained and tried, 2 after trying.
    assert finance.weakest_step == "training"
    assert finance.action == "schedule enablement"
    assert finance.reason == "12 % of 50 eligible people are trained, 4 % active"
    assert finance.evidence["training_rate"] == pytest.approx(6 / 50)
    # Legal: 18 trained, 4 tried (14 lost).
    assert legal.weakest_step == "trying"
    assert legal.action == "champion / use-card clarity"
    assert legal.reason == "22 % of 18 trained people have tried it"
    # Sales: 30 tried, 12 came back (18 lost); its rejection rate and the mean rating are the evidence.
    assert sales.weakest_step == "repeating"
    assert sales.action == "check usefulness and trust (ratings, rejection rate)"
    assert sales.reason == "40 % of 30 who tried it came back, rejection rate 45 %, mean rating 2.5/5"
    assert sales.evidence["rejection_rate"] == 0.45
    assert sales.evidence["decided_events"] == 400


def test_incidents_come_first_and_a_catalog_target_replaces_the_workspace_rate():
    ranked = rank(trust={"drafting": {"mean_rating": 4.0, "incidents": 2}}, targets={"drafting": 0.96})
    assert {item.weakest_step for item in ranked} == {"incidents"}
    assert {item.action for item in ranked} == {"resolve and communicate"}
    assert ranked[0].reason == "2 incident(s) open or recent for this use case"
    # With a 96 % target, Support (90 %) lags too: (0.96 - 0.9) × 30 = 1.8, rounded to 2 people.
    assert [(item.team, item.reference) for item in ranked][-1] == ("Support", "target")
    assert ranked[-1].people_missing == 2


def test_a_suppressed_evidence_figure_stays_unknown_and_limit_keeps_the_worst():
    ranked = rank(rejection=[{"team_id": 3, "use_case": "drafting", **SUPPRESSED, "decided": None}], limit=2)
    assert [item.team for item in ranked] == ["Finance", "Sales"]
    assert ranked[1].evidence["rejection_rate"] is None
    assert ranked[1].reason == "40 % of 30 who tried it came back, mean rating 2.5/5"


def test_no_reference_no_ranking():
    assert rank(workspace_adoption={"drafting": None}) == []
