"""Six months of the demo's AI usage: who may use what (entitlements and licence seats) and the events. It stays
whole: the diffusion model and the events it draws share one seeded generator.

Adoption in each team follows a Bass diffusion: a person who may use a use case starts at a time drawn from
F(t) = (1 - e^-(p+q)t) / (1 + (q/p) e^-(p+q)t), scaled to the share m who ever start. A team's training and its
champion make it faster (larger q and p) and reach further (larger m). Once started, each person uses it on
working days at their own rate, some stop after a while, and each use is accepted, edited or rejected; now and
then someone leaves feedback. Two stories run through the data: an incident that dents the support reply drafts
(acceptance and use drop for two weeks, then recover) and the knowledge search whose answers went stale until
it was paused. Everything is drawn from one seeded generator, so the same seed gives the same events.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa

from uptake.demo.catalog import TOOLS, DemoCatalog, DemoUseCase
from uptake.demo.training import REQUIRED_TRAINING

HISTORY_DAYS = 182
FEEDBACK_SHARE = 0.03

# How often an adopter uses a use case on a working day, on average, and how often its output is accepted
# or edited (the rest is rejected).
USE_RATE = {
    "meeting-summaries": 0.5,
    "email-drafting": 1.6,
    "code-completion": 2.2,
    "claims-first-notice": 1.1,
    "support-reply-drafts": 1.8,
    "policy-translation": 0.5,
    "knowledge-search": 1.2,
    "damage-photo-triage": 1.4,
    "month-end-commentary": 0.25,
    "legacy-faq-bot": 0.8,
}
OUTCOMES = {  # (accepted, edited)
    "meeting-summaries": (0.62, 0.28),
    "email-drafting": (0.48, 0.37),
    "code-completion": (0.31, 0.22),
    "claims-first-notice": (0.58, 0.30),
    "support-reply-drafts": (0.55, 0.31),
    "policy-translation": (0.71, 0.22),
    "knowledge-search": (0.52, 0.20),
    "damage-photo-triage": (0.66, 0.18),
    "month-end-commentary": (0.35, 0.45),
    "legacy-faq-bot": (0.30, 0.10),
}
# How far a use case reaches in a team compared to the others (its appeal): multiplies the share who ever start.
APPEAL = {
    "meeting-summaries": 1.1,
    "email-drafting": 1.3,
    "code-completion": 1.35,
    "claims-first-notice": 0.95,
    "support-reply-drafts": 1.05,
    "policy-translation": 0.7,
    "knowledge-search": 0.9,
    "damage-photo-triage": 0.8,
    "month-end-commentary": 0.75,
    "legacy-faq-bot": 0.5,
}
INCIDENT_USE_CASE = "support-reply-drafts"
INCIDENT_DAYS_AGO = 58
STALE_USE_CASE = "knowledge-search"

COMMENTS = {
    "great": [
        "Saved me a good ten minutes on this one.",
        "Exactly what I needed, only had to fix the greeting.",
        "Much better than last month, the tone is right now.",
        "Great for the routine cases, I use it every morning.",
    ],
    "wrong": [
        "It made up a policy number that was not in the ticket.",
        "The summary gave the action to the wrong person.",
        "Quoted an outdated procedure, the new one changed in spring.",
        "The figures in the draft do not match the source.",
    ],
    "incomplete": [
        "Missed the second question the customer asked.",
        "Left out the annex completely.",
        "Good start but stops halfway through the list.",
    ],
    "slow": [
        "Took almost a minute to answer during the morning peak.",
        "Slow again today, I wrote it myself in the meantime.",
    ],
    "not_useful": [
        "For our cases the draft needs more editing than writing it myself.",
        "Too generic to be useful for complex claims.",
    ],
    "unsafe": [
        "Suggested sharing the customer's address with a third party.",
        "Proposed a refund without checking the conditions.",
    ],
}
CATEGORY_ORDER = list(COMMENTS)


@dataclass(frozen=True)
class DemoPerson:
    person_id: int
    pseudonym: str
    team_id: int | None
    role: str | None


@dataclass(frozen=True)
class TeamFactors:
    """How ready a team is: the share trained, whether it has a champion."""

    training: float
    champion: bool


@dataclass
class DemoUsage:
    events: pa.Table
    entitlements: list[dict[str, object]]
    seats: list[dict[str, object]]
    completions: dict[str, list[tuple[int, date]]]  # training module → (person id, completed day)
    team_factors: dict[int, TeamFactors]


Progress = Callable[[str, int, int], None]


def _no_progress(step: str, done: int, total: int) -> None:
    return None


def bass_share(t: np.ndarray, p: float, q: float) -> np.ndarray:
    """F(t): the share of the eventual adopters who have started by day t (t ≥ 0)."""
    e = np.exp(-(p + q) * np.maximum(t, 0.0))
    return np.asarray((1.0 - e) / (1.0 + (q / p) * e))


def bass_inverse(share: np.ndarray, p: float, q: float) -> np.ndarray:
    """t such that F(t) = share (0 ≤ share < 1)."""
    share = np.clip(share, 0.0, 1.0 - 1e-12)
    return np.asarray(-np.log((1.0 - share) / (1.0 + (q / p) * share)) / (p + q))


def generate_usage(
    people: Sequence[DemoPerson],
    catalog: DemoCatalog,
    *,
    today: date,
    timezone: str,
    seed: int = 11,
    progress: Progress = _no_progress,
) -> DemoUsage:
    rng = np.random.default_rng(seed)
    first_day = today - timedelta(days=HISTORY_DAYS)
    zone = ZoneInfo(timezone)
    team_ids = sorted({person.team_id for person in people if person.team_id is not None})
    team_factors = {
        team_id: TeamFactors(training=float(rng.beta(3, 2)), champion=bool(rng.random() < 0.45))
        for team_id in team_ids
    }
    entitlements: list[dict[str, object]] = []
    completions: dict[str, dict[int, date | None]] = {}  # module → person id → completed day (None: not)
    columns: dict[str, list[np.ndarray]] = {name: [] for name in _COLUMNS}
    used_cases = [case for case in catalog.use_cases.values() if case.slug in catalog.live_since]
    for index, case in enumerate(used_cases):
        start = catalog.live_since[case.slug]
        end = catalog.paused_on.get(case.slug) or catalog.retired_on.get(case.slug)
        audience = [person for person in people if person.role in case.roles]
        grants = _entitlement_starts(case, audience, start, today, rng)
        for person, granted in grants:
            entitlements.append(
                {"person": person.pseudonym, "use_case": case.slug, "start_day": granted, "end_day": end}
            )
        trained = _training(
            REQUIRED_TRAINING.get(case.slug), grants, team_factors, start, today, rng, completions
        )
        _use_events(
            case,
            index,
            grants,
            trained,
            team_factors,
            first_day=first_day,
            last_day=today - timedelta(days=1),
            stop=end,
            zone=zone,
            rng=rng,
            into=columns,
        )
        progress("usage", index + 1, len(used_cases))
    events = _table(columns)
    seats = _seats(people, entitlements, first_day, rng)
    done = {
        module: sorted((person_id, day) for person_id, day in people_days.items() if day is not None)
        for module, people_days in completions.items()
    }
    return DemoUsage(events, entitlements, seats, done, team_factors)


def entitlement_waves(
    case: DemoUseCase, audience: Sequence[DemoPerson], start: date, today: date
) -> list[tuple[list[int | None], date]]:
    """The teams each wave grants the use case to, and the day it starts: pilot teams (the two largest) first; a
    rolling-out use case adds half of the other teams a third of the way to today; a generally available one
    reaches every team two thirds of the way. Paused and retired ones keep who they had. The demo's rollout
    plans have these waves."""
    sizes: dict[int | None, int] = {}
    for person in audience:
        sizes[person.team_id] = sizes.get(person.team_id, 0) + 1
    teams = sorted(sizes, key=lambda team: (-sizes[team], team or 0))
    pilot = teams[:2]
    waves: list[tuple[list[int | None], date]] = [(sorted(pilot, key=lambda t: t or 0), start)]
    rest = [team for team in teams if team not in pilot]
    span = max(1, (today - start).days)
    if case.status in ("rolling_out", "generally_available", "paused", "retired"):
        second = rest[: (len(rest) + 1) // 2]
        waves.append((sorted(second, key=lambda t: t or 0), start + timedelta(days=span // 3)))
    if case.status in ("generally_available", "retired"):
        waves.append((sorted(rest, key=lambda t: t or 0), start + timedelta(days=(2 * span) // 3)))
    return waves


def _entitlement_starts(
    case: DemoUseCase, audience: list[DemoPerson], start: date, today: date, rng: np.random.Generator
) -> list[tuple[DemoPerson, date]]:
    """Each person of the audience the waves reached so far, with the day their wave started."""
    by_team: dict[int | None, list[DemoPerson]] = {}
    for person in audience:
        by_team.setdefault(person.team_id, []).append(person)
    granted: dict[int, tuple[DemoPerson, date]] = {}
    for teams_of_wave, day in entitlement_waves(case, audience, start, today):
        for team in teams_of_wave:
            for person in by_team[team]:
                granted.setdefault(person.person_id, (person, day))
    del rng
    return list(granted.values())


def _training(
    module: str | None,
    grants: list[tuple[DemoPerson, date]],
    factors: dict[int, TeamFactors],
    start: date,
    today: date,
    rng: np.random.Generator,
    completions: dict[str, dict[int, date | None]],
) -> dict[DemoPerson, date]:
    """Who completed the use case's required module, and when: a team's training share decides, within weeks of
    the grant (a module done for an earlier use case counts for this one too; one due after today is not done
    yet). A use case that requires no module has nobody trained for it."""
    trained: dict[DemoPerson, date] = {}
    if module is None:
        return trained
    decided = completions.setdefault(module, {})
    for person, granted in grants:
        if person.person_id not in decided:
            share = factors[person.team_id].training if person.team_id in factors else 0.3
            day: date | None = None
            if rng.random() < share:
                day = max(start, granted - timedelta(days=7)) + timedelta(days=int(rng.integers(0, 28)))
            decided[person.person_id] = day if day is not None and day < today else None
        completed = decided[person.person_id]
        if completed is not None:
            trained[person] = completed
    return trained


_COLUMNS = (
    "event_id",
    "time",
    "day",
    "person",
    "use_case",
    "tool",
    "kind",
    "session_id",
    "minutes_saved",
    "rating",
    "category",
    "comment",
)


def _use_events(
    case: DemoUseCase,
    case_index: int,
    grants: list[tuple[DemoPerson, date]],
    trained: dict[DemoPerson, date],
    factors: dict[int, TeamFactors],
    *,
    first_day: date,
    last_day: date,
    stop: date | None,
    zone: ZoneInfo,
    rng: np.random.Generator,
    into: dict[str, list[np.ndarray]],
) -> None:
    """Each person's first use (Bass), their daily uses until they stop, and each use's outcome."""
    persons: list[int] = []
    days: list[np.ndarray] = []
    final_day = min(last_day, stop - timedelta(days=1)) if stop else last_day
    if final_day < first_day:
        return
    epoch = first_day.toordinal()
    base_rate = USE_RATE.get(case.slug, 0.6)
    for position, (person, granted) in enumerate(grants):
        factor = factors.get(person.team_id or -1, TeamFactors(0.3, False))
        is_trained = person in trained
        p = 0.003 + (0.008 if factor.champion else 0.0) + (0.004 if is_trained else 0.0)
        q = 0.04 + 0.10 * factor.training + (0.03 if factor.champion else 0.0)
        m = min(
            0.95, (0.30 + 0.45 * factor.training + (0.15 if is_trained else 0.0)) * APPEAL.get(case.slug, 1.0)
        )
        horizon = (final_day - granted).days
        if horizon <= 0:
            continue
        draw = rng.random()
        if draw >= m * float(bass_share(np.array([horizon]), p, q)[0]):
            continue
        started = granted + timedelta(days=int(bass_inverse(np.array([draw / m]), p, q)[0]))
        stopped = final_day
        if rng.random() < 0.22:  # some try it and drift away
            stopped = min(final_day, started + timedelta(days=int(rng.exponential(18)) + 1))
        span = np.arange(started.toordinal(), stopped.toordinal() + 1)
        weekday = (span + 0) % 7  # date.fromordinal(1) is a Monday: ordinal % 7 == 1 → Monday
        working = (weekday != 6) & (weekday != 0)
        rate = base_rate * rng.gamma(2.0, 0.5) * np.where(working, 1.0, 0.04)
        rate = rate * _story_factor(case.slug, span, last_day)
        count = rng.poisson(rate)
        uses = np.repeat(span, count)
        uses = uses[uses >= epoch]
        if uses.size:
            persons.append(position)
            days.append(uses)
    if not days:
        return
    use_days = np.concatenate(days)
    owners = np.concatenate([np.full(len(chunk), grant) for grant, chunk in zip(persons, days, strict=True)])
    pseudonyms = np.array([grants[i][0].pseudonym for i in range(len(grants))], dtype=object)
    _append_uses(case, case_index, use_days, pseudonyms[owners], last_day, zone, rng, into)


def _story_factor(slug: str, ordinals: np.ndarray, last_day: date) -> np.ndarray:
    """The incident's dent in use (and its recovery), and the stale knowledge search fading before its pause."""
    factor = np.ones(len(ordinals))
    if slug == INCIDENT_USE_CASE:
        incident = last_day.toordinal() - INCIDENT_DAYS_AGO
        since = ordinals - incident
        factor = np.where((since >= 0) & (since < 14), 0.55, factor)
        factor = np.where((since >= 14) & (since < 35), 0.55 + 0.45 * (since - 14) / 21, factor)
    if slug == STALE_USE_CASE:
        fading = last_day.toordinal() - 45
        factor = np.where(ordinals > fading, np.maximum(0.45, 1 - (ordinals - fading) / 60), factor)
    return factor


def _acceptance(slug: str, ordinals: np.ndarray, last_day: date) -> tuple[np.ndarray, np.ndarray]:
    accepted, edited = OUTCOMES.get(slug, (0.5, 0.3))
    accept = np.full(len(ordinals), accepted)
    edit = np.full(len(ordinals), edited)
    if slug == INCIDENT_USE_CASE:
        since = ordinals - (last_day.toordinal() - INCIDENT_DAYS_AGO)
        dent = np.where((since >= 0) & (since < 14), 0.28, 0.0)
        dent = np.where((since >= 14) & (since < 35), 0.28 * (1 - (since - 14) / 21), dent)
        accept = accept - dent
    if slug == STALE_USE_CASE:
        since = ordinals - (last_day.toordinal() - 45)
        accept = accept - np.clip(since / 45, 0, 1) * 0.25
    return accept, edit


def _append_uses(
    case: DemoUseCase,
    case_index: int,
    ordinals: np.ndarray,
    people: np.ndarray,
    last_day: date,
    zone: ZoneInfo,
    rng: np.random.Generator,
    into: dict[str, list[np.ndarray]],
) -> None:
    n = len(ordinals)
    tool = next(t.slug for t in TOOLS if t.slug == case.tool)
    minute_of_day = (8 * 60 + rng.beta(2.2, 2.2, n) * 10 * 60).astype(np.int64)
    offsets = _utc_offsets_minutes(ordinals, zone)
    local = (ordinals.astype(np.int64) - date(1970, 1, 1).toordinal()) * 1440 + minute_of_day
    invoked_at = (local - offsets) * 60_000_000 + rng.integers(0, 60_000_000, n)
    accept, edit = _acceptance(case.slug, ordinals, last_day)
    draw = rng.random(n)
    outcome = np.where(draw < accept, "accepted", np.where(draw < accept + edit, "edited", "rejected"))
    saved = np.where(
        outcome == "accepted",
        case.minutes * rng.uniform(0.6, 1.4, n),
        np.where(outcome == "edited", case.minutes * rng.uniform(0.2, 0.7, n), np.nan),
    )
    numbers = np.arange(n)
    session_ids = np.char.add(f"demo-{case_index:02d}-", numbers.astype(str)).astype(object)
    day_values = (ordinals - date(1970, 1, 1).toordinal()).astype(np.int32)
    empty = np.full(n, None, dtype=object)
    nan = np.full(n, np.nan)
    no_rating = np.full(n, -1, dtype=np.int16)

    def add(kind: np.ndarray, at: np.ndarray, ids: np.ndarray, **values: np.ndarray) -> None:
        count = len(kind)
        into["event_id"].append(ids)
        into["time"].append(at)
        into["day"].append(day_values[values["rows"]])
        into["person"].append(people[values["rows"]])
        into["use_case"].append(np.full(count, case.slug, dtype=object))
        into["tool"].append(np.full(count, tool, dtype=object))
        into["kind"].append(kind)
        into["session_id"].append(session_ids[values["rows"]])
        into["minutes_saved"].append(values.get("minutes", nan[:count]))
        into["rating"].append(values.get("rating", no_rating[:count]))
        into["category"].append(values.get("category", empty[:count]))
        into["comment"].append(values.get("comment", empty[:count]))

    rows = numbers
    add(
        np.full(n, "invoked", dtype=object),
        invoked_at,
        np.char.add(f"demo-{case_index:02d}-i", numbers.astype(str)).astype(object),
        rows=rows,
    )
    decided_at = invoked_at + rng.integers(20_000_000, 240_000_000, n)
    add(
        outcome.astype(object),
        decided_at,
        np.char.add(f"demo-{case_index:02d}-o", numbers.astype(str)).astype(object),
        rows=rows,
        minutes=saved,
    )
    with_feedback = np.flatnonzero(rng.random(n) < FEEDBACK_SHARE)
    if with_feedback.size:
        good = outcome[with_feedback] == "accepted"
        rating = np.where(
            good,
            rng.choice([4, 5], with_feedback.size, p=[0.4, 0.6]),
            rng.choice([1, 2, 3], with_feedback.size),
        ).astype(np.int16)
        bad_categories = np.array(CATEGORY_ORDER[1:], dtype=object)
        category = np.where(
            good, "great", bad_categories[rng.integers(0, len(bad_categories), with_feedback.size)]
        )
        comment = np.array(
            [
                COMMENTS[str(cat)][int(pick) % len(COMMENTS[str(cat)])] if keep else None
                for cat, pick, keep in zip(
                    category,
                    rng.integers(0, 100, with_feedback.size),
                    rng.random(with_feedback.size) < 0.6,
                    strict=True,
                )
            ],
            dtype=object,
        )
        add(
            np.full(with_feedback.size, "feedback", dtype=object),
            decided_at[with_feedback] + 30_000_000,
            np.char.add(f"demo-{case_index:02d}-f", with_feedback.astype(str)).astype(object),
            rows=with_feedback,
            rating=rating,
            category=category.astype(object),
            comment=comment,
        )


def _utc_offsets_minutes(ordinals: np.ndarray, zone: ZoneInfo) -> np.ndarray:
    unique, inverse = np.unique(ordinals, return_inverse=True)
    offsets = np.array(
        [
            (datetime.combine(date.fromordinal(int(o)), datetime.min.time(), zone).utcoffset() or timedelta())
            // timedelta(minutes=1)
            for o in unique
        ],
        dtype=np.int64,
    )
    return offsets[inverse]


def _table(columns: dict[str, list[np.ndarray]]) -> pa.Table:
    def joined(name: str, dtype: Any = object) -> np.ndarray:
        parts = columns[name]
        return np.concatenate(parts) if parts else np.array([], dtype=dtype)

    times = joined("time", np.int64).astype(np.int64)
    ratings = joined("rating", np.int16).astype(np.int16)
    minutes = joined("minutes_saved", np.float64).astype(np.float64)
    count = len(times)
    return pa.table(
        {
            "event_id": pa.array(joined("event_id"), pa.string()),
            "time": pa.array(times, pa.timestamp("us")),
            "day": pa.array(joined("day", np.int32).astype(np.int32), pa.date32()),
            "person": pa.array(joined("person"), pa.string()),
            "use_case": pa.array(joined("use_case"), pa.string()),
            "tool": pa.array(joined("tool"), pa.string()),
            "kind": pa.array(joined("kind"), pa.string()),
            "session_id": pa.array(joined("session_id"), pa.string()),
            "minutes_saved": pa.array(minutes, pa.float64(), mask=np.isnan(minutes)),
            "rating": pa.array(ratings, pa.int16(), mask=ratings < 0),
            "category": pa.array(joined("category"), pa.string()),
            "comment": pa.array(joined("comment"), pa.string()),
            "correction": pa.nulls(count, pa.string()),
            "attributes": pa.nulls(count, pa.string()),
            "source": pa.array(np.full(count, "demo", dtype=object), pa.string()),
            "received_at": pa.array(times + 2_000_000, pa.timestamp("us")),
        }
    )


def _seats(
    people: Sequence[DemoPerson],
    entitlements: list[dict[str, object]],
    first_day: date,
    rng: np.random.Generator,
) -> list[dict[str, object]]:
    """Licence seats of the per-seat tools: first to the people entitled to one of the tool's use cases, the
    rest of the purchase handed out to colleagues who asked for one (many of whom never use it: the waste)."""
    from uptake.demo.catalog import USE_CASES

    tool_of = {case.slug: case.tool for case in USE_CASES}
    by_tool: dict[str, dict[str, date]] = {}
    for row in entitlements:
        tool = tool_of[str(row["use_case"])]
        start = row["start_day"]
        assert isinstance(start, date)
        holders = by_tool.setdefault(tool, {})
        person = str(row["person"])
        if person not in holders or start < holders[person]:
            holders[person] = start
    seats: list[dict[str, object]] = []
    everyone = [person.pseudonym for person in people]
    for licensed in TOOLS:
        if licensed.seats is None or licensed.cost is None:
            continue
        holders = by_tool.get(licensed.slug, {})
        chosen = sorted(holders.items(), key=lambda item: (item[1], item[0]))[: licensed.seats]
        taken = {person for person, _ in chosen}
        spare = math.floor(licensed.seats * 0.92) - len(chosen)
        if spare > 0:
            candidates = [person for person in everyone if person not in taken]
            picks = rng.choice(len(candidates), size=min(spare, len(candidates)), replace=False)
            chosen += [
                (candidates[int(i)], first_day + timedelta(days=int(rng.integers(0, 60)))) for i in picks
            ]
        seats += [
            {
                "tool": licensed.slug,
                "person": person,
                "start_day": start,
                "end_day": None,
                "monthly_cost": licensed.cost,
            }
            for person, start in chosen
        ]
    return seats
