"""Every metric on a tiny hand-made workspace; expected values are worked out by hand in the comments."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from analytics.analytics_workspace import Workspace, event
from uptake.analytics import metrics, privacy
from uptake.analytics.metrics import Grouping, MetricOptions, Period

JANUARY = Period(date(2025, 1, 1), date(2025, 1, 31))
DOCS = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
USE_CASES = [
    {"use_case": "drafting", "tool": "assistant", "minutes_saved_estimate": 6.0, "training_required": True},
    {"use_case": "coding", "tool": "copilot", "minutes_saved_estimate": None, "training_required": True},
    {
        "use_case": "translating",
        "tool": "translator",
        "minutes_saved_estimate": 2.0,
        "training_required": False,
    },
]


def entitled(
    person: str, use_case: str = "drafting", start: date = date(2024, 11, 1), end: date | None = None
) -> dict:
    return {"person": person, "use_case": use_case, "start_day": start, "end_day": end}


def seat(
    person: str,
    tool: str = "assistant",
    start: date = date(2024, 11, 1),
    end: date | None = None,
    cost: float = 30.0,
) -> dict:
    return {"person": person, "tool": tool, "start_day": start, "end_day": end, "monthly_cost": cost}


# A seat of each tool makes its holder eligible for that tool's use case, whoever they are.
SEAT_GRANTS = [
    {"tool": "assistant", "use_case": "drafting", "team_id": None, "role": None},
    {"tool": "copilot", "use_case": "coding", "team_id": None, "role": None},
    {"tool": "translator", "use_case": "translating", "team_id": None, "role": None},
]


def values(rows: list[dict], *columns: str) -> list[tuple]:
    return [tuple(row[column] for column in columns) for row in rows]


# --- periods and groupings ----------------------------------------------------------------------------


def test_period_last_days_and_previous_period():
    assert JANUARY.days == 31
    assert JANUARY.last_days(28) == Period(date(2025, 1, 4), date(2025, 1, 31))
    assert Period(date(2025, 1, 10), date(2025, 1, 16)).last_days(28) == Period(
        date(2025, 1, 10), date(2025, 1, 16)
    )
    assert JANUARY.previous() == Period(date(2024, 12, 1), date(2024, 12, 31))
    with pytest.raises(ValueError, match="before it starts"):
        Period(date(2025, 1, 2), date(2025, 1, 1))


def test_grouping_refuses_unknown_or_repeated_dimensions():
    with pytest.raises(metrics.UnsupportedGrouping):
        Grouping(by=("department",))  # type: ignore[arg-type]
    with pytest.raises(metrics.UnsupportedGrouping):
        Grouping(by=("team", "team"))
    assert Grouping(by=("team", "use_case"), grain="week").series_keys == ["team_id", "use_case", "bucket"]


def test_a_metric_refuses_a_grouping_it_has_no_meaning_for(workspace: Workspace):
    tables = workspace.tables()
    with pytest.raises(metrics.UnsupportedGrouping, match="licence_waste cannot be grouped by"):
        metrics.metric_expression(
            metrics.metric_by_name("licence_waste"), tables, 1, JANUARY, Grouping(by=("use_case",))
        )
    with pytest.raises(metrics.UnsupportedGrouping, match="no time grain"):
        metrics.metric_expression(
            metrics.metric_by_name("adoption_rate"), tables, 1, JANUARY, Grouping(grain="week")
        )


# --- eligible -------------------------------------------------------------------------------------


def test_eligible_counts_entitlements_and_seats_live_at_period_end(workspace: Workspace):
    workspace.snapshot("use_cases", USE_CASES)
    workspace.snapshot(
        "entitlements",
        [
            entitled("a"),
            entitled("b", start=date(2025, 1, 31)),  # starts on the last day: eligible
            entitled("c", start=date(2025, 2, 1)),  # starts the day after: not yet
            entitled("d", end=date(2025, 1, 31)),  # ends on the last day (end_day exclusive): no longer
            entitled("e", end=date(2025, 2, 1)),  # ends the day after: still eligible
            entitled("f"),
        ],
    )
    # f also holds a seat of the drafting tool (counted once); g only a copilot seat, so coding.
    workspace.snapshot("seats", [seat("f"), seat("g", tool="copilot")])
    workspace.snapshot("seat_grants", SEAT_GRANTS)
    # Eligible: a, b, e, f (drafting) and g (coding) = 5 people.
    assert workspace.rows("eligible", JANUARY) == [{"value": 5, "people": 5}]
    by_use_case = workspace.rows("eligible", JANUARY, Grouping(by=("use_case",)))
    assert values(by_use_case, "use_case", "value") == [("coding", 1), ("drafting", 4)]
    by_tool = workspace.rows("eligible", JANUARY, Grouping(by=("tool",)))
    assert values(by_tool, "tool", "value") == [("assistant", 4), ("copilot", 1)]


# --- active, boundaries and time zones ---------------------------------------------------------------


def test_active_counts_the_period_days_inclusive_by_day_not_utc_time(workspace: Workspace):
    workspace.events(
        [
            event("p1", date(2025, 1, 1)),  # first day: in
            event("p2", date(2025, 1, 31), "accepted"),  # last day: in
            event("p3", date(2025, 2, 1)),  # the day after: out
            event("p4", date(2024, 12, 31)),  # the day before: out
            # The workspace is UTC+1: 23:30 UTC on Dec 31 is Jan 1 there, and `day` says so: in.
            event("p5", date(2025, 1, 1), time=datetime(2024, 12, 31, 23, 30)),
            # The workspace is UTC-5: 00:30 UTC on Jan 1 is still Dec 31 there: out.
            event("p6", date(2024, 12, 31), time=datetime(2025, 1, 1, 0, 30)),
            event("p7", date(2025, 1, 15), "shown"),  # shown is not engaged: out
        ]
    )
    # p1, p2, p5.
    assert workspace.rows("active", JANUARY) == [{"value": 3, "people": 3}]


def test_active_with_no_events_is_zero(workspace: Workspace):
    assert workspace.rows("active", JANUARY) == [{"value": 0, "people": 0}]
    assert workspace.rows("active", JANUARY, Grouping(by=("use_case",))) == []


def test_active_by_iso_week_and_month_across_the_year_boundary(workspace: Workspace):
    # ISO week 1 of 2025 starts on Monday 2024-12-30.
    workspace.events(
        [
            event("q1", date(2024, 12, 30)),
            event("q1", date(2025, 1, 5)),  # Sunday: still week 1
            event("q2", date(2025, 1, 1)),
            event("q3", date(2025, 1, 6)),  # Monday: week 2
            event("q1", date(2025, 1, 12)),
        ]
    )
    period = Period(date(2024, 12, 30), date(2025, 1, 12))
    weekly = workspace.rows("active", period, Grouping(grain="week"))
    # Week of 12-30: q1, q2 -> 2; week of 01-06: q3, q1 -> 2.
    assert values(weekly, "bucket", "value") == [(date(2024, 12, 30), 2), (date(2025, 1, 6), 2)]
    monthly = workspace.rows("active", period, Grouping(grain="month"))
    # December: q1 (12-30) -> 1; January: q1, q2, q3 -> 3.
    assert values(monthly, "bucket", "value") == [(date(2024, 12, 1), 1), (date(2025, 1, 1), 3)]


def test_one_person(workspace: Workspace):
    workspace.snapshot("use_cases", USE_CASES)
    workspace.snapshot("entitlements", [entitled("solo")])
    workspace.events([event("solo", date(2025, 1, 20), "accepted")])
    assert workspace.rows("active", JANUARY) == [{"value": 1, "people": 1}]
    # 1 eligible, 1 active in the last 28 days: 1.0.
    assert workspace.rows("adoption_rate", JANUARY) == [
        {"eligible": 1, "active": 1, "value": 1.0, "people": 1}
    ]


# --- DAU / WAU / MAU ------------------------------------------------------------------------------


def test_daily_weekly_and_monthly_active_series(workspace: Workspace):
    workspace.events(
        [
            event("a", date(2025, 1, 6)),
            event("a", date(2025, 1, 7)),
            event("b", date(2025, 1, 7)),
            event("c", date(2025, 1, 1)),
            event("d", date(2024, 12, 12)),
        ]
    )
    period = Period(date(2025, 1, 6), date(2025, 1, 8))
    # DAU: 01-06 {a}; 01-07 {a, b}; 01-08 nobody (no row).
    assert values(workspace.rows("dau", period), "day", "value") == [
        (date(2025, 1, 6), 1),
        (date(2025, 1, 7), 2),
    ]
    # WAU: 01-06 covers 12-31..01-06 {a, c}; 01-07 covers 01-01..01-07 {a, b, c}; 01-08 covers 01-02..01-08 {a, b}.
    assert values(workspace.rows("wau", period), "day", "value") == [
        (date(2025, 1, 6), 2),
        (date(2025, 1, 7), 3),
        (date(2025, 1, 8), 2),
    ]
    # MAU: 01-06 covers 12-10..01-06 {a, c, d}; 01-07 adds b; 01-08 covers 12-12..01-08, d's 12-12 just inside.
    assert values(workspace.rows("mau", period), "day", "value") == [
        (date(2025, 1, 6), 3),
        (date(2025, 1, 7), 4),
        (date(2025, 1, 8), 4),
    ]


# --- adoption rate --------------------------------------------------------------------------------


def test_adoption_rate_is_eligible_people_active_in_the_last_28_days(workspace: Workspace):
    workspace.snapshot("use_cases", USE_CASES)
    workspace.snapshot(
        "entitlements", [entitled("a"), entitled("b"), entitled("c"), entitled("d"), entitled("f")]
    )
    period = Period(date(2025, 1, 1), date(2025, 3, 31))  # last 28 days: 03-04 .. 03-31
    workspace.events(
        [
            event("a", date(2025, 3, 4)),  # first day of the window: active
            event("b", date(2025, 3, 3)),  # the day before the window: not
            event("c", date(2025, 3, 31), "edited"),  # last day: active
            event("d", date(2025, 3, 20), "shown"),  # shown only: not
            event("e", date(2025, 3, 20)),  # active but not eligible: not counted
            event("f", date(2025, 3, 20), use_case="coding"),  # active in another use case: not for drafting
        ]
    )
    # 5 eligible (a, b, c, d, f), 2 of them active in drafting (a, c): 0.4.
    assert workspace.rows("adoption_rate", period) == [
        {"eligible": 5, "active": 2, "value": 0.4, "people": 5}
    ]


def test_adoption_rate_of_a_subteam_counts_in_its_parent_team(workspace: Workspace):
    workspace.snapshot("use_cases", USE_CASES)
    workspace.snapshot(
        "teams",
        [
            {"team_id": 1, "parent_id": None, "name": "Company", "path": ""},
            {"team_id": 2, "parent_id": 1, "name": "Engineering", "path": ""},
            {"team_id": 3, "parent_id": 2, "name": "Platform", "path": ""},
        ],
    )
    workspace.snapshot(
        "people",
        [
            {"person": "a", "team_id": 3, "role": "engineer", "is_active": True},
            {"person": "b", "team_id": 2, "role": "engineer", "is_active": True},
            {"person": "c", "team_id": 1, "role": None, "is_active": True},
            {"person": "d", "team_id": 3, "role": "analyst", "is_active": True},
        ],
    )
    workspace.snapshot("entitlements", [entitled(person) for person in "abcde"])
    workspace.events([event(person, date(2025, 1, 20)) for person in "abe"])
    rows = workspace.rows("adoption_rate", JANUARY, Grouping(by=("team",)))
    # Team 3 (Platform): a, d eligible; a active -> 1/2. Team 2 adds b (active) -> 2/3.
    # Team 1 adds c (not active) -> 2/4. e has no team: in no team's figure.
    assert values(rows, "team_id", "eligible", "active", "value") == [
        (1, 4, 2, 0.5),
        (2, 3, 2, 2 / 3),
        (3, 2, 1, 0.5),
    ]
    by_role = workspace.rows("active", JANUARY, Grouping(by=("role",)))
    # a, b are engineers; e is not in the directory, so has no role group.
    assert values(by_role, "role", "value") == [("engineer", 2)]


# --- stickiness -----------------------------------------------------------------------------------


def test_stickiness_mean_dau_over_mau_all_days_and_working_days(workspace: Workspace):
    period = Period(date(2025, 1, 1), date(2025, 1, 28))  # exactly 28 days; 20 of them Monday-Friday
    workspace.events(
        [
            event("a", date(2025, 1, 6)),  # Monday
            event("a", date(2025, 1, 6), "accepted"),  # same day: one active day
            event("a", date(2025, 1, 7)),  # Tuesday
            event("a", date(2025, 1, 11)),  # Saturday
            event("b", date(2025, 1, 6)),  # Monday
            event("b", date(2025, 1, 12)),  # Sunday
        ]
    )
    # Person-days: a 3, b 2 -> sum of DAU 5 over 28 days; MAU 2. Stickiness = (5 / 28) / 2 = 5 / 56.
    row = workspace.rows("stickiness", period)[0]
    assert (row["mau"], row["active_person_days"]) == (2, 5)
    assert row["value"] == pytest.approx(5 / 56, rel=1e-12)
    # Working days only: a 2 (Mon, Tue), b 1 (Mon) -> 3 over 20 working days = 0.15; ÷ MAU 2 = 0.075.
    row = workspace.rows("stickiness", period, options=MetricOptions(working_days_only=True))[0]
    assert (row["mau"], row["active_person_days"]) == (2, 3)
    assert row["value"] == pytest.approx(0.075, rel=1e-12)


# --- habitual ---------------------------------------------------------------------------------------


def test_habitual_is_three_of_the_last_four_iso_weeks(workspace: Workspace):
    period = Period(
        date(2025, 1, 1), date(2025, 1, 8)
    )  # last 4 ISO weeks: from Mondays 12-16, 12-23, 12-30, 01-06
    workspace.events(
        [
            *[
                event("a", day) for day in (date(2024, 12, 16), date(2024, 12, 23), date(2025, 1, 6))
            ],  # 3 weeks
            *[event("b", day) for day in (date(2024, 12, 30), date(2025, 1, 7))],  # 2 weeks
            # c: Sunday 12-15 is in the week of 12-09 (outside); 12-23 and 12-31: 2 weeks.
            *[event("c", day) for day in (date(2024, 12, 15), date(2024, 12, 23), date(2024, 12, 31))],
            # d: 12-16 and 12-22 are one week, 12-29 (Sunday) the week of 12-23; 01-09 is after the end: 2 weeks.
            *[
                event("d", day)
                for day in (date(2024, 12, 16), date(2024, 12, 22), date(2024, 12, 29), date(2025, 1, 9))
            ],
            # e: 12-30 and 01-02 are both ISO week 1 of 2025; with 12-17 and 01-06: 3 weeks.
            *[
                event("e", day)
                for day in (date(2024, 12, 17), date(2024, 12, 30), date(2025, 1, 2), date(2025, 1, 6))
            ],
        ]
    )
    # Habitual: a, e of the 5 active in those weeks.
    assert workspace.rows("habitual", period) == [
        {"active_last_4_weeks": 5, "value": 2, "share": 0.4, "people": 5}
    ]


# --- funnel ---------------------------------------------------------------------------------------


def test_funnel_steps_are_nested_per_person_and_use_case(workspace: Workspace):
    workspace.snapshot("use_cases", USE_CASES)
    workspace.snapshot(
        "entitlements",
        [entitled(person) for person in ("p1", "p2", "p3", "p4", "p6")] + [entitled("p5", "translating")],
    )
    workspace.snapshot(
        "completions",
        [
            {"person": "p1", "use_case": "drafting", "completed_day": date(2025, 1, 10)},
            {"person": "p2", "use_case": "drafting", "completed_day": date(2025, 1, 5)},
            {"person": "p3", "use_case": "drafting", "completed_day": date(2025, 1, 20)},
            {"person": "p6", "use_case": "drafting", "completed_day": date(2025, 2, 3)},  # after the period
            {"person": "p7", "use_case": "drafting", "completed_day": date(2025, 1, 3)},  # not eligible
        ],
    )
    mondays = [
        date(2025, 1, 6),
        date(2025, 1, 13),
        date(2025, 1, 20),
        date(2025, 1, 27),
    ]  # the last 4 ISO weeks
    workspace.events(
        [
            *[event("p1", day) for day in mondays],  # tried, repeat, habitual
            event("p2", date(2025, 1, 7)),
            event("p2", date(2025, 1, 8)),  # one week: tried only
            event("p3", date(2024, 12, 2)),
            event("p3", date(2025, 1, 21)),  # two weeks: repeat, not habitual
            *[event("p4", day) for day in mondays[:3]],  # not trained: stops at eligible
            *[
                event("p5", day, use_case="translating") for day in mondays[1:]
            ],  # no training needed: habitual
            *[event("p6", day) for day in mondays],  # trained after the period: stops at eligible
            *[event("p7", day) for day in mondays],  # not eligible: nowhere
        ]
    )
    # eligible p1..p6 = 6; trained p1, p2, p3, p5 = 4; tried the same 4; repeat p1, p3, p5 = 3; habitual p1, p5 = 2.
    assert workspace.rows("funnel", JANUARY) == [
        {"eligible": 6, "trained": 4, "tried": 4, "repeat": 3, "habitual": 2, "people": 6}
    ]
    by_use_case = workspace.rows("funnel", JANUARY, Grouping(by=("use_case",)))
    assert values(by_use_case, "use_case", "eligible", "trained", "tried", "repeat", "habitual") == [
        ("drafting", 5, 3, 3, 2, 1),
        ("translating", 1, 1, 1, 1, 1),
    ]


# --- retention ------------------------------------------------------------------------------------


def test_retention_cohorts_by_first_iso_week_across_the_year_boundary(workspace: Workspace):
    period = Period(date(2024, 12, 23), date(2025, 1, 12))  # cohorts: weeks of 12-23, 12-30, 01-06
    workspace.events(
        [
            event("a", date(2024, 12, 23)),
            event("a", date(2024, 12, 31)),  # week 12-30: offset 1
            event("a", date(2025, 1, 8)),  # offset 2
            event("b", date(2024, 12, 28)),  # Saturday: cohort 12-23
            event("b", date(2025, 1, 12)),  # Sunday of the week of 01-06: offset 2
            event("c", date(2025, 1, 1)),  # cohort 12-30 (ISO 2025-W01)
            event("c", date(2025, 1, 7)),  # offset 1
            event("d", date(2024, 12, 10)),  # first engaged before the period: cohort 12-09, not reported
            event("d", date(2024, 12, 24)),
            event("e", date(2025, 1, 6)),  # cohort 01-06
            event("f", date(2025, 1, 13)),  # after the period
        ]
    )
    rows = workspace.rows("retention", period)
    assert values(rows, "cohort_week", "week_offset", "retained", "cohort_people", "value") == [
        (date(2024, 12, 23), 0, 2, 2, 1.0),
        (date(2024, 12, 23), 1, 1, 2, 0.5),
        (date(2024, 12, 23), 2, 2, 2, 1.0),
        (date(2024, 12, 30), 0, 1, 1, 1.0),
        (date(2024, 12, 30), 1, 1, 1, 1.0),
        (date(2025, 1, 6), 0, 1, 1, 1.0),
    ]


# --- acceptance, rejection, time saved --------------------------------------------------------------


def test_acceptance_and_rejection_rates(workspace: Workspace):
    day = date(2025, 1, 15)
    workspace.events(
        [
            *[event("a", day, "accepted") for _ in range(3)],
            event("a", day, "edited"),
            event("a", day, "rejected"),
            *[event("a", day, "shown") for _ in range(5)],
            *[event("a", day, "invoked") for _ in range(2)],
            *[event("b", day, "rejected") for _ in range(2)],
            event("b", day, "feedback", rating=2),
            event("b", date(2025, 2, 1), "accepted"),  # after the period
        ]
    )
    # accepted 3, edited 1, rejected 3: acceptance 4/7, rejection 3/7.
    acceptance = workspace.rows("acceptance_rate", JANUARY)[0]
    assert (acceptance["accepted"], acceptance["edited"], acceptance["rejected"], acceptance["people"]) == (
        3,
        1,
        3,
        2,
    )
    assert acceptance["value"] == pytest.approx(4 / 7, rel=1e-12)
    assert workspace.rows("rejection_rate", JANUARY)[0]["value"] == pytest.approx(3 / 7, rel=1e-12)


def test_time_saved_uses_reported_minutes_else_the_estimate(workspace: Workspace):
    workspace.snapshot("use_cases", USE_CASES)  # drafting estimate 6 minutes; coding none
    day = date(2025, 1, 15)
    workspace.events(
        [
            event("a", day, "accepted", minutes_saved=10.0),  # 10
            event("a", day, "accepted"),  # estimate 6
            event("a", day, "edited"),  # estimate 6
            event("a", day, "rejected", minutes_saved=3.0),  # carried: 3
            event("a", day, "invoked"),  # 0
            event("a", day, "shown", minutes_saved=100.0),  # shown is not engaged: 0
            event("b", day, "accepted", use_case="coding"),  # no estimate: 0
            event("b", day, "edited", use_case="coding", minutes_saved=2.5),  # 2.5
        ]
    )
    # Reported 10 + 3 + 2.5 = 15.5; estimated 6 + 6 = 12; total 27.5.
    assert workspace.rows("time_saved", JANUARY) == [
        {"reported_minutes": 15.5, "estimated_minutes": 12.0, "people": 2, "value": 27.5}
    ]
    by_use_case = workspace.rows("time_saved", JANUARY, Grouping(by=("use_case",)))
    assert values(by_use_case, "use_case", "value") == [("coding", 2.5), ("drafting", 25.0)]


# --- licence waste --------------------------------------------------------------------------------


def test_licence_waste_is_seats_idle_for_30_days_and_their_cost(workspace: Workspace):
    workspace.snapshot("use_cases", USE_CASES)
    workspace.snapshot(
        "seats",
        [
            seat("a"),
            seat("b"),
            seat("c"),
            seat("d"),
            seat("e", end=date(2025, 1, 31)),  # ended on the last day: not held at the end
            seat("f", start=date(2025, 2, 1)),  # not yet held
            seat("c", tool="copilot", cost=19.0),
        ],
    )
    workspace.events(
        [
            event("a", date(2025, 1, 2)),  # first day of the 30 days ending 01-31: used
            event("b", date(2025, 1, 1)),  # the day before: idle
            event("c", date(2025, 1, 15), use_case="coding", tool="copilot"),  # copilot used, assistant idle
            event("d", date(2025, 1, 20), tool=None),  # no tool: the use case's tool (assistant): used
        ]
    )
    # Seats held: a, b, c, d (assistant) and c (copilot) = 5; idle: b, c's assistant = 2, 2 × 30 = 60.
    assert workspace.rows("licence_waste", JANUARY) == [
        {"seats": 5, "value": 2, "idle_monthly_cost": 60.0, "people": 4, "idle_share": 0.4}
    ]
    by_tool = workspace.rows("licence_waste", JANUARY, Grouping(by=("tool",)))
    assert values(by_tool, "tool", "seats", "value", "idle_monthly_cost") == [
        ("assistant", 4, 2, 60.0),
        ("copilot", 1, 0, 0.0),
    ]


# --- seat grants: a seat makes its holder eligible only where the use case targets them ------------------


def test_a_seat_grants_only_the_use_cases_whose_target_teams_and_roles_include_its_holder(
    workspace: Workspace,
):
    workspace.snapshot(
        "teams",
        [
            {"team_id": 1, "parent_id": None, "name": "Company", "path": ""},
            {"team_id": 2, "parent_id": 1, "name": "Finance", "path": ""},
            {"team_id": 3, "parent_id": 2, "name": "Controlling", "path": ""},
            {"team_id": 4, "parent_id": 1, "name": "Support", "path": ""},
        ],
    )
    workspace.snapshot(
        "people",
        [
            {"person": "p1", "team_id": 3, "role": "analyst", "is_active": True},  # Controlling, in Finance
            {"person": "p2", "team_id": 2, "role": "clerk", "is_active": True},
            {"person": "p3", "team_id": 4, "role": "analyst", "is_active": True},
            {"person": "p5", "team_id": 4, "role": "agent", "is_active": True},
            # p4: a vendor account nobody linked to a person
        ],
    )
    workspace.snapshot("seats", [seat(person) for person in ("p1", "p2", "p3", "p4", "p5")])
    grant = {"tool": "assistant", "team_id": None, "role": None}
    workspace.snapshot(
        "seat_grants",
        [
            {**grant, "use_case": "drafting"},  # no targets: every holder
            {**grant, "use_case": "variance", "team_id": 2, "role": "analyst"},  # Finance's analysts
            {**grant, "use_case": "replies", "team_id": 4},  # Support
            {**grant, "use_case": "reviews", "role": "analyst"},  # analysts anywhere
            {**grant, "use_case": "reviews", "role": "clerk"},  # and clerks
        ],
    )
    by_use_case = workspace.rows("eligible", JANUARY, Grouping(by=("use_case",)))
    assert values(by_use_case, "use_case", "value") == [
        ("drafting", 5),  # p1..p5, the unlinked account too
        ("replies", 2),  # p3, p5
        ("reviews", 3),  # p1, p2, p3
        ("variance", 1),  # p1 (Controlling is under Finance); p2 is a clerk, p3 is in Support
    ]
    # A released seat grants nothing.
    workspace.snapshot("seats", [seat("p1", end=date(2025, 1, 31))])
    assert workspace.rows("eligible", JANUARY, Grouping(by=("use_case",))) == []


# --- seat utilization: the seat ledger's figures, worked out by hand -----------------------------------


def contract(
    tool: str, start: date, renewal: date | None, purchased: int | None, price: float | None, currency: str
):
    return {
        "tool": tool,
        "start_day": start,
        "renewal_day": renewal,
        "seats_purchased": purchased,
        "monthly_price_per_seat": price,
        "currency": currency,
    }


def seat_ledger(workspace: Workspace) -> None:
    """Period end E = 2025-01-31: the 30/60/90 days ending E start on 2025-01-02, 2024-12-03, 2024-11-03."""
    workspace.snapshot("use_cases", USE_CASES)
    workspace.snapshot(
        "contracts",
        [
            contract("assistant", date(2024, 1, 1), date(2025, 3, 2), 10, 30.0, "EUR"),
            contract("assistant", date(2025, 2, 1), date(2026, 2, 1), 20, 25.0, "EUR"),  # not yet in force
            contract("copilot", date(2024, 6, 1), None, 4, 19.0, "USD"),
        ],
    )
    workspace.snapshot(
        "teams",
        [
            {"team_id": 1, "parent_id": None, "name": "Company", "path": ""},
            {"team_id": 2, "parent_id": 1, "name": "Sales", "path": ""},
        ],
    )
    workspace.snapshot(
        "people",
        [{"person": person, "team_id": 1, "role": None, "is_active": True} for person in "abc"]
        + [{"person": person, "team_id": 2, "role": None, "is_active": True} for person in "dehi"],
    )
    autumn = date(2024, 11, 1)
    workspace.snapshot(
        "seats",
        [
            seat("a", start=autumn),
            seat("b", start=autumn),
            seat("c", start=autumn),
            seat("d", start=date(2025, 1, 10)),
            seat("e", start=date(2024, 10, 1)),
            seat("f", start=autumn, end=date(2025, 1, 31)),  # released on E: not held
            seat("g", start=date(2025, 2, 1)),  # not yet held
            seat("h", tool="copilot", start=date(2024, 12, 1), cost=19.0),
            seat("i", tool="copilot", start=date(2024, 12, 1), cost=19.0),
            seat("j", tool="translator", start=date(2024, 12, 1), cost=7.5),  # no contract: currency XXX
        ],
    )
    workspace.events(
        [
            event("a", date(2024, 11, 5)),  # first use 4 days after assignment
            event("a", date(2025, 1, 20)),  # active in the 30 days
            event("b", date(2024, 11, 11)),  # first use after 10 days
            event("b", date(2024, 12, 20)),  # idle 30 days, not 60
            event("c", date(2024, 11, 2)),  # first use after 1 day; idle 30, 60 and 90 days (11-02 < 11-03)
            event("e", date(2024, 9, 15)),  # before e's seat: e never used the seat
            event("f", date(2025, 1, 20)),
            event("h", date(2024, 12, 5), use_case="coding", tool="copilot"),  # 4 days
            event("h", date(2025, 1, 15), use_case="coding", tool="copilot"),
            event("i", date(2025, 1, 15)),  # the assistant, which i holds no seat of: copilot never used
        ]
    )


def test_seat_utilization_worked_out_by_hand(workspace: Workspace):
    seat_ledger(workspace)
    rows = workspace.rows("seat_utilization", JANUARY)
    assert rows == [
        {
            "currency": "EUR",  # the assistant: seats a, b, c, d, e
            "purchased": 10,
            "assigned": 5,
            "unassigned": 5,
            "active_30_days": 1,  # a
            "idle_30_days": 4,  # b, c, d, e
            "idle_60_days": 3,  # c, d, e
            "idle_90_days": 3,  # c, d, e
            "never_activated": 2,  # d, e
            "median_days_to_first_use": 4.0,  # 1, 4, 10
            "monthly_cost": 300.0,  # 5 held × 30 + 5 unassigned × 30
            "idle_monthly_cost": 120.0,  # 4 × 30
            "unassigned_monthly_cost": 150.0,
            "cost_per_active_user": 300.0,
            "days_to_renewal": 30,  # 2025-01-31 → 2025-03-02
            "utilization": 0.1,  # 1 active of 10 purchased
            "people": 5,
        },
        {
            "currency": "USD",  # copilot: h, i
            "purchased": 4,
            "assigned": 2,
            "unassigned": 2,
            "active_30_days": 1,
            "idle_30_days": 1,
            "idle_60_days": 1,
            "idle_90_days": 1,
            "never_activated": 1,
            "median_days_to_first_use": 4.0,
            "monthly_cost": 76.0,
            "idle_monthly_cost": 19.0,
            "unassigned_monthly_cost": 38.0,
            "cost_per_active_user": 76.0,
            "days_to_renewal": None,
            "utilization": 0.25,
            "people": 2,
        },
        {
            "currency": "XXX",  # the translator: a seat, no contract
            "purchased": None,
            "assigned": 1,
            "unassigned": None,
            "active_30_days": 0,
            "idle_30_days": 1,
            "idle_60_days": 1,
            "idle_90_days": 1,
            "never_activated": 1,
            "median_days_to_first_use": None,
            "monthly_cost": 7.5,
            "idle_monthly_cost": 7.5,
            "unassigned_monthly_cost": None,
            "cost_per_active_user": None,
            "days_to_renewal": None,
            "utilization": None,
            "people": 1,
        },
    ]
    by_tool = workspace.rows("seat_utilization", JANUARY, Grouping(by=("tool",)))
    assert values(by_tool, "tool", "currency", "assigned", "purchased", "utilization") == [
        ("assistant", "EUR", 5, 10, 0.1),
        ("copilot", "USD", 2, 4, 0.25),
        ("translator", "XXX", 1, None, None),
    ]
    # The median of an even count is the mean of the two middle values: at 2024-11-08, a (4 days) and c (1 day)
    # have used their seats, b not yet (11-11); copilot and translator seats are not held yet.
    november = Period(date(2024, 11, 1), date(2024, 11, 8))
    early = workspace.rows("seat_utilization", november, Grouping(by=("tool",)))
    assert values(early, "tool", "assigned", "median_days_to_first_use", "never_activated") == [
        ("assistant", 5, 2.5, 3)  # a, b, c, e, f held; b, e, f not used yet
    ]


def test_seat_utilization_by_team_leaves_out_what_the_contract_says(workspace: Workspace):
    seat_ledger(workspace)
    rows = workspace.rows("seat_utilization", JANUARY, Grouping(by=("team",)))
    assert values(rows, "team_id", "currency", "assigned", "idle_30_days", "purchased", "monthly_cost") == [
        (1, "EUR", 5, 4, None, 150.0),  # Company includes Sales: a, b, c, d, e
        (1, "USD", 2, 1, None, 38.0),
        (2, "EUR", 2, 2, None, 60.0),  # Sales: d, e
        (2, "USD", 2, 1, None, 38.0),  # h, i
    ]


def test_seat_utilization_goes_through_the_privacy_floor(workspace: Workspace):
    seat_ledger(workspace)
    published = privacy.publish_metric(
        workspace.backend,
        workspace.tables(),
        metrics.metric_by_name("seat_utilization"),
        1,
        JANUARY,
        Grouping(by=("tool",)),
    )
    rows = {row["tool"]: row for row in published.rows}
    assert rows["assistant"]["idle_30_days"] == 4
    assert not rows["assistant"]["suppressed"]
    # Two copilot holders and one translator holder: every figure of their rows is withheld.
    for tool in ("copilot", "translator"):
        assert rows[tool]["suppressed"]
        assert {rows[tool][name] for name in (*metrics.SEAT_FIGURES, "people")} == {None}


# --- adopter segments -----------------------------------------------------------------------------


def test_adopter_segments_of_ten_triers(workspace: Workspace):
    start = datetime(2025, 1, 6, 9)
    workspace.events(
        [
            event(f"p{rank:02d}", date(2025, 1, 6), time=start + timedelta(minutes=rank))
            for rank in range(1, 11)
        ]
        # A shown event earlier than everyone's first engaged event does not count.
        + [event("p10", date(2025, 1, 5), "shown")]
    )
    # Position p of N = 10: p/N ≤ 2.5 % none; ≤ 16 %: p = 1; ≤ 50 %: 2..5; ≤ 84 %: 6..8; laggards 9..10.
    rows = workspace.rows("adopter_segments", JANUARY)
    assert values(sorted(rows, key=lambda row: row["segment_index"]), "segment", "value", "triers") == [
        ("early_adopters", 1, 10),
        ("early_majority", 4, 10),
        ("late_majority", 3, 10),
        ("laggards", 2, 10),
    ]


def test_adopter_segments_of_forty_triers_with_a_tie(workspace: Workspace):
    start = datetime(2025, 1, 6, 9)
    minutes = {rank: rank for rank in range(1, 41)}
    minutes[6] = 7  # the 6th and 7th share a first event time: both take position 7
    workspace.events(
        [
            event(f"p{rank:02d}", date(2025, 1, 6), time=start + timedelta(minutes=minutes[rank]))
            for rank in range(1, 41)
        ]
    )
    # N = 40: innovators p ≤ 1 (1/40 = 2.5 %); early adopters p ≤ 6.4: 2..5 (6 moved to 7 by the tie);
    # early majority p ≤ 20: 6, 7..20 = 15; late majority p ≤ 33.6: 21..33 = 13; laggards 34..40 = 7.
    rows = sorted(workspace.rows("adopter_segments", JANUARY), key=lambda row: row["segment_index"])
    assert values(rows, "segment", "value") == [
        ("innovators", 1),
        ("early_adopters", 4),
        ("early_majority", 15),
        ("late_majority", 13),
        ("laggards", 7),
    ]
    assert rows[0]["share"] == 1 / 40


def test_new_triers_by_week(workspace: Workspace):
    workspace.events(
        [
            event("a", date(2024, 12, 20)),  # tried before the period
            event("a", date(2025, 1, 7)),
            event("b", date(2025, 1, 1)),  # week of 12-30
            event("c", date(2025, 1, 7)),
            event("c", date(2025, 1, 1), "shown"),  # shown does not make a trier
        ]
    )
    rows = workspace.rows("new_triers", JANUARY, Grouping(grain="week"))
    assert values(rows, "bucket", "value") == [(date(2024, 12, 30), 1), (date(2025, 1, 6), 1)]


# --- trust score ----------------------------------------------------------------------------------


def test_trust_score_weights_its_inputs(workspace: Workspace):
    workspace.snapshot("use_cases", USE_CASES)
    day = date(2025, 1, 15)
    workspace.events(
        [
            event("a", day, "feedback", rating=4),
            event("b", day, "feedback", rating=5),
            event("c", day, "feedback", rating=3),
            *[event("a", day, "accepted") for _ in range(3)],
            event("b", day, "rejected"),
            event("a", date(2024, 11, 3)),  # first of the 90 days ending 01-31: counted as load
            event("a", date(2024, 11, 2)),  # the day before: not
            *[event("d", day, "accepted", use_case="coding") for _ in range(2)],
        ]
    )
    workspace.snapshot(
        "incidents",
        [
            {
                "use_case": "drafting",
                "severity": 2,
                "opened_day": date(2024, 10, 1),
                "resolved_day": None,
            },  # open: 4
            {
                "use_case": "drafting",
                "severity": 4,
                "opened_day": date(2025, 1, 10),
                "resolved_day": date(2025, 1, 12),
            },  # recent: 1
            {
                "use_case": "drafting",
                "severity": 1,
                "opened_day": date(2024, 9, 1),
                "resolved_day": date(2024, 9, 5),
            },  # old
            {
                "use_case": "drafting",
                "severity": 3,
                "opened_day": date(2025, 2, 2),
                "resolved_day": None,
            },  # future
        ],
    )
    workspace.snapshot(
        "survey_trust",
        [
            {"use_case": "drafting", "day": date(2024, 12, 15), "mean_score": 4.0, "respondents": 10},
            {"use_case": "drafting", "day": date(2025, 1, 20), "mean_score": 3.0, "respondents": 30},
            {
                "use_case": "drafting",
                "day": date(2024, 10, 1),
                "mean_score": 1.0,
                "respondents": 100,
            },  # too old
        ],
    )
    rows = {
        row["use_case"]: row for row in workspace.rows("trust_score", JANUARY, Grouping(by=("use_case",)))
    }
    drafting = rows["drafting"]
    # Mean rating (4+5+3)/3 = 4 -> 0.75. Acceptance 3/4 -> 0.75. Burden 1000 × (4+1) / 8 engaged events
    # (3 feedback + 3 accepted + 1 rejected in January + 1 on 11-03) = 625 -> 0. Survey (40 + 90)/40 = 3.25
    # -> 0.5625. Score 100 × (0.30 × 0.75 + 0.25 × 0.75 + 0.25 × 0 + 0.20 × 0.5625) = 52.5.
    assert drafting["mean_rating"] == 4.0
    assert drafting["acceptance_rate"] == 0.75
    assert (drafting["incidents"], drafting["engaged_events_90_days"]) == (2, 8)
    assert drafting["incident_burden"] == 625.0
    assert drafting["survey_trust"] == 3.25
    assert drafting["missing_inputs"] == ""
    assert drafting["value"] == pytest.approx(52.5, rel=1e-12)
    assert drafting["people"] == 3
    coding = rows["coding"]
    # Only acceptance (1.0) and incident burden (0 incidents over 2 events -> 1.0) are present; their weights
    # 0.25 and 0.25 become 0.5 each: 100 × (0.5 × 1 + 0.5 × 1) = 100.
    assert coding["missing_inputs"] == "mean_rating,survey_trust"
    assert (coding["weight_acceptance_rate"], coding["weight_incident_burden"]) == (0.5, 0.5)
    assert (coding["weight_mean_rating"], coding["weight_survey_trust"]) == (0.0, 0.0)
    assert coding["value"] == pytest.approx(100.0, rel=1e-12)


# --- trend ----------------------------------------------------------------------------------------


def test_trend_compares_with_the_previous_period_of_the_same_length(workspace: Workspace):
    workspace.snapshot("use_cases", USE_CASES)
    workspace.snapshot("entitlements", [entitled(person) for person in "abcd"])
    workspace.events(
        [
            event("a", date(2024, 12, 10)),  # December's last 28 days are 12-04..12-31
            event("b", date(2024, 12, 3)),  # before them
            event("a", date(2025, 1, 4)),  # January's last 28 days are 01-04..01-31
            event("b", date(2025, 1, 31)),
            event("c", date(2025, 1, 20)),
        ]
    )
    # January: 3 of 4 = 0.75; December: 1 of 4 = 0.25; change 0.5, relative change 2.0.
    assert workspace.rows("trend", JANUARY) == [
        {
            "current": 0.75,
            "previous": 0.25,
            "people_current": 4,
            "people_previous": 4,
            "value": 0.5,
            "relative_change": 2.0,
            "people": 4,
        }
    ]
    active_trend = workspace.rows("trend", JANUARY, options=MetricOptions(trend_of="active"))[0]
    # January active: a, b, c = 3; December: a, b = 2.
    assert (active_trend["current"], active_trend["previous"], active_trend["value"]) == (3.0, 2.0, 1.0)


# --- the privacy floor on a real metric ----------------------------------------------------------------


def test_a_team_below_the_floor_is_suppressed_and_its_sibling_too(workspace: Workspace):
    workspace.snapshot(
        "teams",
        [
            {"team_id": 1, "parent_id": None, "name": "Company", "path": ""},
            {"team_id": 2, "parent_id": 1, "name": "Sales", "path": ""},
            {"team_id": 3, "parent_id": 1, "name": "Legal", "path": ""},
        ],
    )
    sales = [f"s{number}" for number in range(6)]
    legal = [f"l{number}" for number in range(3)]
    workspace.snapshot(
        "people",
        [{"person": person, "team_id": 2, "role": None, "is_active": True} for person in sales]
        + [{"person": person, "team_id": 3, "role": None, "is_active": True} for person in legal],
    )
    workspace.events([event(person, date(2025, 1, 10)) for person in sales + legal])
    published = privacy.publish_metric(
        workspace.backend,
        workspace.tables(),
        metrics.metric_by_name("active"),
        1,
        JANUARY,
        Grouping(by=("team",)),
    )
    # Company 9 = Sales 6 + Legal 3 (nobody directly in Company). Legal (3 < 5) is suppressed; Company − Sales
    # would give it back, so Sales is suppressed too.
    assert [(row["team_id"], row["value"], row["suppressed"]) for row in published.rows] == [
        (1, 9, False),
        (2, None, True),
        (3, None, True),
    ]
    assert published.rows[2]["suppression_reason"] == "fewer than 5 people"
    assert published.rows[1]["suppression_reason"] == privacy.COMPLEMENTARY
    assert published.suppressed_rows == 2


def test_one_person_is_never_published(workspace: Workspace):
    workspace.events([event("solo", date(2025, 1, 20))])
    published = privacy.publish_metric(
        workspace.backend, workspace.tables(), metrics.metric_by_name("active"), 1, JANUARY, Grouping()
    )
    assert published.rows == [
        {"value": None, "people": None, "suppressed": True, "suppression_reason": "fewer than 5 people"}
    ]


# --- the registry and its documentation -------------------------------------------------------------


def test_docs_metrics_md_documents_exactly_the_registered_metrics():
    documented = re.findall(r"^### `([a-z_]+)`", DOCS.read_text(encoding="utf-8"), flags=re.MULTILINE)
    registered = [definition.name for definition in metrics.METRICS]
    assert sorted(set(documented) - set(registered)) == [], "documented but not in METRICS"
    assert sorted(set(registered) - set(documented)) == [], "in METRICS but not documented"
    assert documented == registered, "docs/metrics.md lists the metrics in the registry's order"


def test_every_metric_has_a_unit_a_description_and_a_unique_name():
    names = [definition.name for definition in metrics.METRICS]
    assert len(names) == len(set(names))
    for definition in metrics.METRICS:
        assert definition.description
        assert definition.unit
        assert definition.compute.__doc__
