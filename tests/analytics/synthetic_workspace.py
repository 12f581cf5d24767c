"""One deterministic synthetic workspace for the engine conformance test.

About 300 people in a tree of 8 teams, 5 use cases on 3 tools, a few thousand events from October 2024 to
January 2025 (across a year boundary), events whose UTC `time` falls on another date than their `day`,
people unknown to the directory, tool-less events, entitlements and seats that start and end, seat grants
with and without target teams and roles, contracts that change during the period, training completions,
incidents and survey answers.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

WORKSPACE = 7
FIRST_DAY = date(2024, 10, 1)
LAST_DAY = date(2025, 1, 31)
TEAMS = [  # team_id, parent_id, name
    (1, None, "Company"),
    (2, 1, "Engineering"),
    (3, 1, "Operations"),
    (4, 2, "Platform"),
    (5, 2, "Product"),
    (6, 3, "Support"),
    (7, 4, "Data"),
    (8, None, "Board"),
]
ROLES = ["engineer", "analyst", "support agent", "manager", None]
USE_CASES = [  # use_case, tool, minutes_saved_estimate, training_required
    ("drafting", "assistant", 6.0, True),
    ("coding", "copilot", 12.5, True),
    ("summarizing", "assistant", None, True),
    ("translating", "translator", 3.0, False),
    ("searching", None, 2.0, True),
]
SEAT_COSTS = {"assistant": 30.0, "copilot": 19.0, "translator": 7.5}
SEAT_GRANTS = [  # tool, use_case, team_id, role: drafting for everyone, coding for Engineering's engineers and
    # analysts, summarizing for Operations, translating not released (no seat grants it)
    ("assistant", "drafting", None, None),
    ("copilot", "coding", 2, "engineer"),
    ("copilot", "coding", 2, "analyst"),
    ("assistant", "summarizing", 3, None),
]
CONTRACTS = [  # tool, start_day, renewal_day, seats_purchased, monthly price per seat, currency
    ("assistant", date(2024, 1, 1), date(2025, 1, 1), 80, 30.0, "EUR"),
    ("assistant", date(2025, 1, 1), date(2026, 1, 1), 120, 28.0, "EUR"),
    ("copilot", date(2024, 6, 1), date(2025, 6, 1), 40, 19.0, "USD"),
    ("translator", date(2025, 3, 1), None, 10, 7.5, "EUR"),
]
KINDS = ["invoked", "shown", "accepted", "edited", "rejected", "feedback", "explained"]
KIND_WEIGHTS = [30, 25, 15, 8, 8, 6, 2]


def build() -> dict[str, list[dict[str, Any]]]:
    """The workspace's snapshots (by name) and `events`, the same on every call."""
    rng = random.Random(20250101)
    people = []
    for number in range(300):
        team_id = rng.choice([1, 2, 3, 4, 4, 5, 5, 6, 6, 6, 7, 7, 8, None])
        people.append(
            {
                "workspace_id": WORKSPACE,
                "person": f"{number:032x}",
                "team_id": team_id,
                "role": rng.choice(ROLES),
                "is_active": rng.random() > 0.05,
            }
        )
    teams = [
        {"workspace_id": WORKSPACE, "team_id": team_id, "parent_id": parent_id, "name": name, "path": ""}
        for team_id, parent_id, name in TEAMS
    ]
    use_cases = [
        {
            "workspace_id": WORKSPACE,
            "use_case": use_case,
            "tool": tool,
            "minutes_saved_estimate": estimate,
            "training_required": required,
        }
        for use_case, tool, estimate, required in USE_CASES
    ]
    entitlements, completions, seats = [], [], []
    for person in people:
        for use_case, _, _, _ in USE_CASES:
            if rng.random() < 0.45:
                start = FIRST_DAY + timedelta(days=rng.randrange(0, 100))
                end = start + timedelta(days=rng.randrange(20, 150)) if rng.random() < 0.25 else None
                entitlements.append(
                    {
                        "workspace_id": WORKSPACE,
                        "person": person["person"],
                        "use_case": use_case,
                        "start_day": start,
                        "end_day": end,
                    }
                )
                if rng.random() < 0.6:
                    completions.append(
                        {
                            "workspace_id": WORKSPACE,
                            "person": person["person"],
                            "use_case": use_case,
                            "completed_day": start + timedelta(days=rng.randrange(-10, 40)),
                        }
                    )
        for tool, cost in SEAT_COSTS.items():
            if rng.random() < 0.3:
                start = FIRST_DAY + timedelta(days=rng.randrange(0, 90))
                seats.append(
                    {
                        "workspace_id": WORKSPACE,
                        "tool": tool,
                        "person": person["person"],
                        "start_day": start,
                        "end_day": start + timedelta(days=rng.randrange(30, 120))
                        if rng.random() < 0.2
                        else None,
                        "monthly_cost": cost,
                    }
                )
    strangers = [f"ffff{number:028x}" for number in range(12)]
    users = [person["person"] for person in people if rng.random() < 0.7] + strangers
    events = []
    for number in range(4000):
        person = rng.choice(users)
        use_case, catalog_tool, _, _ = rng.choice(USE_CASES)
        day = FIRST_DAY + timedelta(days=int(rng.triangular(0, (LAST_DAY - FIRST_DAY).days, 100)))
        if rng.random() < 0.05:  # the workspace is ahead of UTC: the event is at 23:xx UTC the day before
            time = datetime(day.year, day.month, day.day) - timedelta(minutes=rng.randrange(1, 59))
        else:
            time = datetime(
                day.year, day.month, day.day, rng.randrange(0, 24), rng.randrange(0, 60), number % 60
            )
        kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        events.append(
            {
                "workspace_id": WORKSPACE,
                "event_id": f"00000000-0000-4000-8000-{number:012d}",
                "time": time,
                "day": day,
                "person": person,
                "use_case": use_case,
                "tool": None if rng.random() < 0.1 else catalog_tool,
                "kind": kind,
                "session_id": None,
                "minutes_saved": round(rng.uniform(0, 30), 3)
                if kind in ("accepted", "edited") and rng.random() < 0.5
                else None,
                "rating": rng.randrange(1, 6) if kind == "feedback" and rng.random() < 0.8 else None,
                "category": None,
                "comment": None,
                "correction": None,
                "attributes": None,
                "source": "demo",
                "received_at": time + timedelta(seconds=3),
            }
        )
    incidents = [
        {
            "workspace_id": WORKSPACE,
            "use_case": use_case,
            "severity": severity,
            "opened_day": opened,
            "resolved_day": resolved,
        }
        for use_case, severity, opened, resolved in [
            ("drafting", 2, date(2024, 11, 3), date(2024, 11, 20)),
            ("drafting", 4, date(2025, 1, 2), None),
            ("coding", 1, date(2024, 6, 1), None),
            ("summarizing", 3, date(2024, 12, 30), date(2025, 1, 3)),
            ("searching", 2, date(2024, 5, 1), date(2024, 5, 3)),
        ]
    ]
    survey_trust = [
        {
            "workspace_id": WORKSPACE,
            "use_case": use_case,
            "day": day,
            "mean_score": score,
            "respondents": respondents,
        }
        for use_case, day, score, respondents in [
            ("drafting", date(2024, 11, 15), 3.8, 40),
            ("drafting", date(2024, 12, 15), 4.1, 35),
            ("coding", date(2024, 12, 20), 3.2, 22),
            ("translating", date(2024, 8, 1), 4.5, 10),
        ]
    ]
    seat_grants = [
        {"workspace_id": WORKSPACE, "tool": tool, "use_case": use_case, "team_id": team_id, "role": role}
        for tool, use_case, team_id, role in SEAT_GRANTS
    ]
    contracts = [
        {
            "workspace_id": WORKSPACE,
            "tool": tool,
            "start_day": start,
            "renewal_day": renewal,
            "seats_purchased": purchased,
            "monthly_price_per_seat": price,
            "currency": currency,
        }
        for tool, start, renewal, purchased, price, currency in CONTRACTS
    ]
    return {
        "people": people,
        "teams": teams,
        "use_cases": use_cases,
        "entitlements": entitlements,
        "completions": completions,
        "seats": seats,
        "seat_grants": seat_grants,
        "contracts": contracts,
        "incidents": incidents,
        "survey_trust": survey_trust,
        "events": events,
    }
