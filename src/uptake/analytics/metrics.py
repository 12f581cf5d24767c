"""Every adoption metric of PRODUCT.md as an Ibis expression, and the one registry of them, `METRICS`.
It stays whole, longer than the house's ~500 lines, on purpose: the metric definitions are a contract that is
read side by side (a reviewer compares "adoption rate" with "stickiness" on one screen), and `METRICS`
lists them at the bottom. docs/metrics.md explains every entry in words; a test keeps the two equal.

How a metric is computed:
- The input is `AnalyticsTables`: the precomputed person × day activity table (`refresh_activity` builds
  it once per refresh from the events) plus the snapshots (see `snapshots.py`).
- Each metric function takes `(tables, workspace_id, period, grouping, options)` and returns an unexecuted
  Ibis table: the grouping's key columns (`use_case`, `tool`, `team_id`, `role`, in the grouping's order),
  then `bucket` for a time series, then the metric's own keys (`day`, `cohort_week`...), its figures, and
  `people`: the number of distinct people the row is about, which the privacy floor reads.
- Every day comparison uses the events' `day` (the workspace's calendar date), never `time`.
- Raw expressions are for analytics' own computations (forecasts, interventions). Figures for people to
  see leave through `privacy.publish_metric`, which applies the privacy floor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from uptake.analytics import engines, snapshots
from uptake.analytics.schemas import (
    DIMENSIONS,
    Dimension,
    Grouping,
    Period,
    UnsupportedGrouping,
)

ACTIVITY_TABLE = "activity_days"
DECIDED_KINDS = ("accepted", "edited", "rejected")

ACTIVITY_SCHEMA = ibis.schema(
    {
        "workspace_id": "!int32",
        "person": "!string",
        "day": "!date",
        "week": "!date",
        "month": "!date",
        "is_working_day": "!boolean",
        "use_case": "!string",
        "tool": "string",
        "engaged_events": "!int64",
        "accepted_events": "!int64",
        "edited_events": "!int64",
        "rejected_events": "!int64",
        "reported_minutes": "!float64",
        "unreported_accepted_events": "!int64",
        "rating_sum": "!int64",
        "rating_count": "!int64",
        "first_engaged_at": "!timestamp",
    }
)
"""The person × day activity table: one row per (person, day, use case, tool) with an engaged event.

`week` is the Monday of the day's ISO week, `month` the first of its month, `is_working_day` Monday to
Friday. `tool` is the event's tool, else the use case's catalog tool. `reported_minutes` sums the events'
`minutes_saved`; `unreported_accepted_events` counts accepted/edited events that carried none.
`first_engaged_at` is the earliest event `time` (UTC) of the row.
"""

ADOPTION_WINDOW_DAYS = 28
LICENCE_IDLE_DAYS = 30
NO_CURRENCY = "XXX"  # ISO 4217's "no currency": seats of a tool without a contract or a price
SEAT_FIGURES = (
    "purchased",
    "assigned",
    "unassigned",
    "active_30_days",
    "idle_30_days",
    "idle_60_days",
    "idle_90_days",
    "never_activated",
    "median_days_to_first_use",
    "monthly_cost",
    "idle_monthly_cost",
    "unassigned_monthly_cost",
    "cost_per_active_user",
    "days_to_renewal",
    "utilization",
)
TRUST_RECENT_DAYS = 90
RETENTION_WEEKS = 12
SEVERITY_WEIGHTS = {1: 8, 2: 4, 3: 2, 4: 1}
TRUST_WEIGHTS = {"mean_rating": 0.30, "acceptance_rate": 0.25, "incident_burden": 0.25, "survey_trust": 0.20}
INCIDENT_BURDEN_AT_ZERO = 20.0
SEGMENTS = (
    ("innovators", 25, 1000),
    ("early_adopters", 16, 100),
    ("early_majority", 50, 100),
    ("late_majority", 84, 100),
)


@dataclass(frozen=True)
class MetricOptions:
    """Options some metrics read; every metric takes them so the registry can call all alike."""

    working_days_only: bool = False
    trend_of: str = "adoption_rate"


@dataclass(frozen=True)
class AnalyticsTables:
    """The Ibis tables metrics read: the activity table and every snapshot."""

    activity: ir.Table
    people: ir.Table
    teams: ir.Table
    team_ancestors: ir.Table
    entitlements: ir.Table
    seats: ir.Table
    contracts: ir.Table
    seat_grants: ir.Table
    completions: ir.Table
    use_cases: ir.Table
    incidents: ir.Table
    survey_trust: ir.Table


MetricFunction = Callable[[AnalyticsTables, int, Period, Grouping, MetricOptions], ir.Table]


@dataclass(frozen=True)
class MetricDefinition:
    """One metric: its name, meaning, unit, function and the shape of its rows."""

    name: str
    description: str
    unit: str
    compute: MetricFunction
    dimensions: frozenset[str] = frozenset(DIMENSIONS)
    grains: frozenset[str | None] = frozenset({None})
    extra_keys: tuple[str, ...] = ()
    figures: tuple[str, ...] = ("value",)
    partition_keys: tuple[str, ...] = ()

    def keys(self, grouping: Grouping) -> list[str]:
        """The key columns of this metric's rows under `grouping`."""
        return [*grouping.series_keys, *self.extra_keys]

    def check(self, grouping: Grouping) -> None:
        """Refuse a grouping or grain this metric has no meaning for."""
        refused = [dimension for dimension in grouping.by if dimension not in self.dimensions]
        if refused:
            raise UnsupportedGrouping(f"{self.name} cannot be grouped by {refused}")
        if grouping.grain not in self.grains:
            raise UnsupportedGrouping(f"{self.name} has no time grain {grouping.grain!r}")


# --- the activity table ---------------------------------------------------------------------------


def activity_expression(events: ir.Table, use_cases: ir.Table, workspace_id: int) -> ir.Table:
    """The person × day activity rows of one workspace, from its engaged (not `shown`) events."""
    engaged = events.filter(events.workspace_id == workspace_id, events.kind != "shown")
    catalog = use_cases.filter(use_cases.workspace_id == workspace_id).select(
        catalog_use_case=use_cases.use_case, catalog_tool=use_cases.tool
    )
    joined = engaged.left_join(catalog, engaged.use_case == catalog.catalog_use_case)
    rows = joined.select(
        workspace_id=joined.workspace_id,
        person=joined.person,
        day=joined.day,
        use_case=joined.use_case,
        tool=joined.tool.fill_null(joined.catalog_tool),
        kind=joined.kind,
        minutes_saved=joined.minutes_saved,
        rating=joined.rating,
        time=joined.time,
    )
    is_used = rows.kind.isin(["accepted", "edited"])
    grouped = rows.group_by(["workspace_id", "person", "day", "use_case", "tool"]).aggregate(
        engaged_events=rows.person.count(),
        accepted_events=rows.person.count(where=rows.kind == "accepted"),
        edited_events=rows.person.count(where=rows.kind == "edited"),
        rejected_events=rows.person.count(where=rows.kind == "rejected"),
        reported_minutes=rows.minutes_saved.sum().fill_null(0.0),
        unreported_accepted_events=rows.person.count(where=is_used & rows.minutes_saved.isnull()),
        rating_sum=rows.rating.cast("int64").sum().cast("int64").fill_null(0),
        rating_count=rows.rating.count(),
        first_engaged_at=rows.time.min(),
    )
    return grouped.mutate(
        week=grouped.day.truncate("W").cast("date"),
        month=grouped.day.truncate("M").cast("date"),
        is_working_day=grouped.day.day_of_week.index() < 5,
    ).select(ACTIVITY_SCHEMA.names)


def load_tables(backend: engines.EventsBackend) -> AnalyticsTables:
    """The tables metrics read on `backend`, creating any missing snapshot (and activity) table empty."""
    tables = {
        name: engines.ensure_table(backend, name, schema)
        for name, schema in snapshots.SNAPSHOT_SCHEMAS.items()
    }
    return AnalyticsTables(activity=engines.ensure_table(backend, ACTIVITY_TABLE, ACTIVITY_SCHEMA), **tables)


def events_table(backend: engines.EventsBackend) -> ir.Table:
    """The stored events (on Spark: the lake's `events/` folder, partitioned by workspace and day)."""
    if backend.kind == "pyspark":
        engines.register_lake_table(backend, "events", snapshots.EVENTS_SCHEMA, ("workspace_id", "day"))
    return backend.connection.table("events")


def refresh_activity(backend: engines.EventsBackend, workspace_id: int) -> None:
    """Rebuild one workspace's rows of the activity table from its events, inside the engine."""
    use_cases = engines.ensure_table(backend, "use_cases", snapshots.USE_CASES_SCHEMA)
    query = activity_expression(events_table(backend), use_cases, workspace_id)
    engines.replace_workspace_rows_from_query(backend, ACTIVITY_TABLE, ACTIVITY_SCHEMA, query, workspace_id)


# --- building blocks -----------------------------------------------------------------------------


def monday(day: date) -> date:
    """The Monday of `day`'s ISO week."""
    return day - timedelta(days=day.weekday())


def _activity(tables: AnalyticsTables, workspace_id: int, first_day: date | None, last_day: date) -> ir.Table:
    activity = tables.activity
    conditions = [activity.workspace_id == workspace_id, activity.day <= last_day]
    if first_day is not None:
        conditions.append(activity.day >= first_day)
    return activity.filter(*conditions)


def _with_dimensions(
    facts: ir.Table, dimensions: Sequence[Dimension], tables: AnalyticsTables, workspace_id: int
) -> ir.Table:
    """Attach `team_id` (one row per ancestor team: a person counts in every team above theirs) and `role`."""
    if "team" not in dimensions and "role" not in dimensions:
        return facts
    people = tables.people.filter(tables.people.workspace_id == workspace_id)
    people = people.select(directory_person=people.person, directory_team=people.team_id, role=people.role)
    if "role" not in dimensions:
        people = people.drop("role")
    facts = facts.join(people, facts.person == people.directory_person).drop("directory_person")
    if "team" in dimensions:
        ancestors = tables.team_ancestors.filter(tables.team_ancestors.workspace_id == workspace_id)
        ancestors = ancestors.select(member_team=ancestors.team_id, team_id=ancestors.ancestor_id)
        facts = facts.join(ancestors, facts.directory_team == ancestors.member_team).drop("member_team")
    return facts.drop("directory_team")


def _aggregate(table: ir.Table, keys: Sequence[str], **figures: Any) -> ir.Table:
    if keys:
        return table.group_by(list(keys)).aggregate(**figures)
    return table.aggregate(**figures)


def _mark(left: ir.Table, marks: ir.Table, on: Sequence[str], flag: str) -> ir.Table:
    """`left` with a boolean column `flag`: whether its `on` columns appear in `marks`."""
    renamed = marks.select(**{f"mark_{column}": marks[column] for column in on}).distinct()
    renamed = renamed.mutate(**{flag: ibis.literal(True)})
    joined = left.left_join(renamed, [left[column] == renamed[f"mark_{column}"] for column in on])
    return joined.select(*left.columns, **{flag: joined[flag].fill_null(False)})


def _ratio(numerator: ir.Value, denominator: ir.Value) -> ir.Value:
    return ibis.ifelse(
        denominator == 0, ibis.null("float64"), numerator.cast("float64") / denominator.cast("float64")
    )


def _total(column: ir.Value) -> ir.Value:
    return column.sum().cast("int64").fill_null(0)


def _bucketed(facts: ir.Table, grouping: Grouping) -> ir.Table:
    if grouping.grain is None:
        return facts
    return facts.mutate(bucket=facts[{"day": "day", "week": "week", "month": "month"}[grouping.grain]])


def _is_live(table: ir.Table, on_day: date) -> ir.Value:
    return (table.start_day <= on_day) & (table.end_day.isnull() | (table.end_day > on_day))


def eligible_pairs(tables: AnalyticsTables, workspace_id: int, on_day: date) -> ir.Table:
    """Distinct (person, use_case, tool) where the person may use the use case on `on_day`.

    Eligible through an entitlement to the use case, or through a seat that `seat_grants` says makes its
    holder eligible for it (see `seat_pairs`). `tool` is the use case's catalog tool.
    """
    catalog = tables.use_cases.filter(tables.use_cases.workspace_id == workspace_id)
    catalog = catalog.select(catalog_use_case=catalog.use_case, catalog_tool=catalog.tool)
    entitlements = tables.entitlements
    entitled = entitlements.filter(entitlements.workspace_id == workspace_id, _is_live(entitlements, on_day))
    entitled = entitled.left_join(catalog, entitled.use_case == catalog.catalog_use_case)
    entitled = entitled.select(person=entitled.person, use_case=entitled.use_case, tool=entitled.catalog_tool)
    seated = seat_pairs(tables, workspace_id, on_day)
    seated = seated.left_join(catalog, seated.use_case == catalog.catalog_use_case)
    seated = seated.select(
        person=seated.person, use_case=seated.use_case, tool=seated.catalog_tool.fill_null(seated.seat_tool)
    )
    return entitled.union(seated, distinct=True)


def seat_pairs(tables: AnalyticsTables, workspace_id: int, on_day: date) -> ir.Table:
    """Distinct (person, use_case, seat_tool) a seat held on `on_day` makes eligible: a `seat_grants` row of the
    seat's tool whose team is NULL or the holder's team or one above it, and whose role is NULL or the
    holder's role. A holder the directory does not know (an unlinked vendor account) matches NULLs only."""
    seats = tables.seats
    held = seats.filter(seats.workspace_id == workspace_id, _is_live(seats, on_day))
    held = held.select(holder=held.person, seat_tool=held.tool)
    grants = tables.seat_grants.filter(tables.seat_grants.workspace_id == workspace_id)
    grants = grants.select(
        grant_tool=grants.tool, use_case=grants.use_case, grant_team=grants.team_id, grant_role=grants.role
    )
    people = tables.people.filter(tables.people.workspace_id == workspace_id)
    people = people.select(member=people.person, member_team=people.team_id, member_role=people.role)
    pairs = held.join(grants, held.seat_tool == grants.grant_tool)
    pairs = pairs.left_join(people, pairs.holder == people.member)
    role_matches = pairs.grant_role.isnull() | (pairs.grant_role == pairs.member_role)
    anywhere = pairs.filter(pairs.grant_team.isnull(), role_matches)
    in_teams = pairs.filter(pairs.grant_team.notnull(), role_matches)
    ancestors = tables.team_ancestors.filter(tables.team_ancestors.workspace_id == workspace_id)
    ancestors = ancestors.select(ancestor_member_team=ancestors.team_id, ancestor=ancestors.ancestor_id)
    in_teams = in_teams.join(
        ancestors,
        [in_teams.member_team == ancestors.ancestor_member_team, in_teams.grant_team == ancestors.ancestor],
    )
    columns = {"person": "holder", "use_case": "use_case", "seat_tool": "seat_tool"}
    return anywhere.select(**columns).union(in_teams.select(**columns), distinct=True)


# --- the metrics -----------------------------------------------------------------------------------


def eligible(
    tables: AnalyticsTables, workspace_id: int, period: Period, grouping: Grouping, options: MetricOptions
) -> ir.Table:
    """Distinct people entitled to the use case (entitlement or seat) at the end of the period."""
    pairs = _with_dimensions(
        eligible_pairs(tables, workspace_id, period.end), grouping.by, tables, workspace_id
    )
    result = _aggregate(pairs, grouping.keys, value=pairs.person.nunique())
    return result.mutate(people=result.value)


def active(
    tables: AnalyticsTables, workspace_id: int, period: Period, grouping: Grouping, options: MetricOptions
) -> ir.Table:
    """Distinct people with at least one engaged event in the period (in each bucket, with a grain)."""
    facts = _activity(tables, workspace_id, period.start, period.end)
    facts = _bucketed(_with_dimensions(facts, grouping.by, tables, workspace_id), grouping)
    result = _aggregate(facts, grouping.series_keys, value=facts.person.nunique())
    return result.mutate(people=result.value)


def _rolling_active(
    tables: AnalyticsTables, workspace_id: int, period: Period, grouping: Grouping, window_days: int
) -> ir.Table:
    first_day = period.start - timedelta(days=window_days - 1)
    facts = _with_dimensions(
        _activity(tables, workspace_id, first_day, period.end), grouping.by, tables, workspace_id
    )
    days = facts.select(*grouping.keys, "person", "day").distinct()
    if window_days == 1:
        result = _aggregate(days, [*grouping.keys, "day"], value=days.person.nunique())
        return result.mutate(people=result.value)
    window_days_list = [period.start + timedelta(days=offset) for offset in range(period.days)]
    calendar = ibis.memtable(
        pa.table(
            {
                "window_day": [day for day in window_days_list for _ in range(window_days)],
                "covered_day": [
                    day - timedelta(days=back) for day in window_days_list for back in range(window_days)
                ],
            },
            schema=pa.schema([("window_day", pa.date32()), ("covered_day", pa.date32())]),
        )
    )
    joined = days.join(calendar, days.day == calendar.covered_day)
    result = joined.group_by([*grouping.keys, "window_day"]).aggregate(value=joined.person.nunique())
    result = result.rename(day="window_day")
    return result.mutate(people=result.value)


def daily_active(
    tables: AnalyticsTables, workspace_id: int, period: Period, grouping: Grouping, options: MetricOptions
) -> ir.Table:
    """DAU: for each day of the period, distinct people with an engaged event that day."""
    return _rolling_active(tables, workspace_id, period, grouping, 1)


def weekly_active(
    tables: AnalyticsTables, workspace_id: int, period: Period, grouping: Grouping, options: MetricOptions
) -> ir.Table:
    """WAU: for each day of the period, distinct people active in the 7 days ending that day."""
    return _rolling_active(tables, workspace_id, period, grouping, 7)


def monthly_active(
    tables: AnalyticsTables, workspace_id: int, period: Period, grouping: Grouping, options: MetricOptions
) -> ir.Table:
    """MAU: for each day of the period, distinct people active in the 28 days ending that day."""
    return _rolling_active(tables, workspace_id, period, grouping, 28)


def adoption_rate(
    tables: AnalyticsTables, workspace_id: int, period: Period, grouping: Grouping, options: MetricOptions
) -> ir.Table:
    """Eligible people (at period end) active in the period's last 28 days ÷ eligible people."""
    window = period.last_days(ADOPTION_WINDOW_DAYS)
    recent = _activity(tables, workspace_id, window.start, window.end)
    pairs = _mark(
        eligible_pairs(tables, workspace_id, period.end), recent, ["person", "use_case"], "is_active"
    )
    pairs = _with_dimensions(pairs, grouping.by, tables, workspace_id)
    result = _aggregate(
        pairs,
        grouping.keys,
        eligible=pairs.person.nunique(),
        active=pairs.person.nunique(where=pairs.is_active),
    )
    return result.mutate(value=_ratio(result.active, result.eligible), people=result.eligible)


def stickiness(
    tables: AnalyticsTables, workspace_id: int, period: Period, grouping: Grouping, options: MetricOptions
) -> ir.Table:
    """Mean DAU ÷ MAU over the period's last 28 days (mean over working days only, when asked)."""
    window = period.last_days(ADOPTION_WINDOW_DAYS)
    facts = _with_dimensions(
        _activity(tables, workspace_id, window.start, window.end), grouping.by, tables, workspace_id
    )
    days = facts.select(*grouping.keys, "person", "day", "is_working_day").distinct()
    counted = days.is_working_day if options.working_days_only else None
    window_days = [window.start + timedelta(days=offset) for offset in range(window.days)]
    day_count = (
        sum(1 for day in window_days if day.weekday() < 5) if options.working_days_only else window.days
    )
    result = _aggregate(
        days, grouping.keys, mau=days.person.nunique(), active_person_days=days.person.count(where=counted)
    )
    mean_dau = result.active_person_days.cast("float64") / day_count if day_count else ibis.null("float64")
    result = result.mutate(mean_dau=mean_dau)
    return result.mutate(value=_ratio(result.mean_dau, result.mau), people=result.mau)


def _habit_window(period: Period) -> tuple[date, date]:
    """The 4 ISO weeks ending with the period's last week: from their first Monday to the period end."""
    return monday(period.end) - timedelta(weeks=3), period.end


def habitual(
    tables: AnalyticsTables, workspace_id: int, period: Period, grouping: Grouping, options: MetricOptions
) -> ir.Table:
    """People active in at least 3 of the 4 ISO weeks ending with the period's last week."""
    first_day, last_day = _habit_window(period)
    facts = _with_dimensions(
        _activity(tables, workspace_id, first_day, last_day), grouping.by, tables, workspace_id
    )
    weeks = facts.select(*grouping.keys, "person", "week").distinct()
    per_person = weeks.group_by([*grouping.keys, "person"]).aggregate(weeks_active=weeks.week.count())
    result = _aggregate(
        per_person,
        grouping.keys,
        active_last_4_weeks=per_person.person.count(),
        value=per_person.person.count(where=per_person.weeks_active >= 3),
    )
    return result.mutate(
        share=_ratio(result.value, result.active_last_4_weeks), people=result.active_last_4_weeks
    )


def funnel(
    tables: AnalyticsTables, workspace_id: int, period: Period, grouping: Grouping, options: MetricOptions
) -> ir.Table:
    """Eligible → trained → tried → repeat → habitual, each a subset of the step before, per use case pair.

    A (person, use case) pair reaches a step when it reached the previous one and: trained — completed the
    use case's training by period end (or the use case requires none); tried — an engaged event with the
    use case by period end; repeat — engaged in ≥ 2 distinct ISO weeks by period end; habitual — engaged in
    ≥ 3 of the 4 ISO weeks ending with the period's last week. A step counts the distinct people with a
    pair at that step.
    """
    end = period.end
    completions = tables.completions
    completed = completions.filter(completions.workspace_id == workspace_id, completions.completed_day <= end)
    catalog = tables.use_cases
    untrained_ok = catalog.filter(catalog.workspace_id == workspace_id, ~catalog.training_required)
    history = _activity(tables, workspace_id, None, end)
    weeks = history.select("person", "use_case", "week").distinct()
    habit_start, _ = _habit_window(period)
    # One pass over the weeks for tried, repeat and habit (three marks each re-read them: 40 % more CPU).
    usage = weeks.group_by(["person", "use_case"]).aggregate(
        weeks_active=weeks.week.count(), recent_weeks=weeks.week.count(where=weeks.week >= habit_start)
    )
    usage = usage.rename(usage_person="person", usage_use_case="use_case")

    pairs = eligible_pairs(tables, workspace_id, end)
    pairs = _mark(pairs, completed, ["person", "use_case"], "has_completed")
    pairs = _mark(pairs, untrained_ok, ["use_case"], "needs_no_training")
    joined = pairs.left_join(
        usage, [pairs.person == usage.usage_person, pairs.use_case == usage.usage_use_case]
    )
    pairs = joined.select(
        *pairs.columns,
        has_tried=joined.usage_person.notnull(),
        has_repeated=joined.weeks_active.fill_null(0) >= 2,
        is_habitual=joined.recent_weeks.fill_null(0) >= 3,
    )
    trained_step = pairs.has_completed | pairs.needs_no_training
    tried_step = trained_step & pairs.has_tried
    repeat_step = tried_step & pairs.has_repeated
    pairs = pairs.mutate(
        trained_step=trained_step,
        tried_step=tried_step,
        repeat_step=repeat_step,
        habitual_step=repeat_step & pairs.is_habitual,
    )
    pairs = _with_dimensions(pairs, grouping.by, tables, workspace_id)
    result = _aggregate(
        pairs,
        grouping.keys,
        eligible=pairs.person.nunique(),
        trained=pairs.person.nunique(where=pairs.trained_step),
        tried=pairs.person.nunique(where=pairs.tried_step),
        repeat=pairs.person.nunique(where=pairs.repeat_step),
        habitual=pairs.person.nunique(where=pairs.habitual_step),
    )
    return result.mutate(people=result.eligible)


def retention(
    tables: AnalyticsTables, workspace_id: int, period: Period, grouping: Grouping, options: MetricOptions
) -> ir.Table:
    """For people whose first engaged event ever falls in ISO week W (W in the period), the share engaged in W+n.

    n runs from 0 to 11; a cell W+n is reported once week W+n has started by the period end; activity
    counts up to the period end. An offset where nobody came back has no row (read it as 0).
    """
    history = _with_dimensions(
        _activity(tables, workspace_id, None, period.end), grouping.by, tables, workspace_id
    )
    weeks = history.select(*grouping.keys, "person", "week").distinct()
    # Cohorts by a grouped minimum joined back (not a window over every person's weeks): the join keeps only the
    # people first seen in the period, and DuckDB runs it in about half the CPU time.
    person_keys = [*grouping.keys, "person"]
    firsts = weeks.group_by(person_keys).aggregate(cohort_week=weeks.week.min())
    firsts = firsts.filter(
        firsts.cohort_week >= monday(period.start), firsts.cohort_week <= monday(period.end)
    )
    firsts = firsts.rename(**{f"first_{key}": key for key in person_keys})
    weeks = weeks.join(firsts, [weeks[key] == firsts[f"first_{key}"] for key in person_keys])
    weeks = weeks.select(*person_keys, "week", "cohort_week")
    weeks = weeks.mutate(week_offset=(weeks.week.delta(weeks.cohort_week, unit="day") / 7).cast("int64"))
    weeks = weeks.filter(weeks.week_offset < RETENTION_WEEKS)
    result = weeks.group_by([*grouping.keys, "cohort_week", "week_offset"]).aggregate(
        retained=weeks.person.nunique()
    )
    result = result.mutate(
        cohort_people=result.retained.max().over(ibis.window(group_by=[*grouping.keys, "cohort_week"]))
    )
    return result.mutate(value=_ratio(result.retained, result.cohort_people), people=result.cohort_people)


def _decisions(tables: AnalyticsTables, workspace_id: int, period: Period, grouping: Grouping) -> ir.Table:
    facts = _activity(tables, workspace_id, period.start, period.end)
    facts = _bucketed(_with_dimensions(facts, grouping.by, tables, workspace_id), grouping)
    facts = facts.filter(facts.accepted_events + facts.edited_events + facts.rejected_events > 0)
    result = _aggregate(
        facts,
        grouping.series_keys,
        accepted=_total(facts.accepted_events),
        edited=_total(facts.edited_events),
        rejected=_total(facts.rejected_events),
        people=facts.person.nunique(),
    )
    return result.mutate(decided=result.accepted + result.edited + result.rejected)


def acceptance_rate(
    tables: AnalyticsTables, workspace_id: int, period: Period, grouping: Grouping, options: MetricOptions
) -> ir.Table:
    """(accepted + edited) ÷ (accepted + edited + rejected) events in the period."""
    result = _decisions(tables, workspace_id, period, grouping)
    return result.mutate(value=_ratio(result.accepted + result.edited, result.decided))


def rejection_rate(
    tables: AnalyticsTables, workspace_id: int, period: Period, grouping: Grouping, options: MetricOptions
) -> ir.Table:
    """rejected ÷ (accepted + edited + rejected) events in the period."""
    result = _decisions(tables, workspace_id, period, grouping)
    return result.mutate(value=_ratio(result.rejected, result.decided))


def time_saved(
    tables: AnalyticsTables, workspace_id: int, period: Period, grouping: Grouping, options: MetricOptions
) -> ir.Table:
    """Minutes saved: the events' own `minutes_saved`, else the use case's estimate per accepted/edited event."""
    facts = _activity(tables, workspace_id, period.start, period.end)
    catalog = tables.use_cases.filter(tables.use_cases.workspace_id == workspace_id)
    catalog = catalog.select(catalog_use_case=catalog.use_case, estimate=catalog.minutes_saved_estimate)
    facts = facts.left_join(catalog, facts.use_case == catalog.catalog_use_case)
    facts = facts.mutate(
        estimated=facts.unreported_accepted_events.cast("float64") * facts.estimate.fill_null(0.0)
    )
    facts = _bucketed(_with_dimensions(facts, grouping.by, tables, workspace_id), grouping)
    result = _aggregate(
        facts,
        grouping.series_keys,
        reported_minutes=facts.reported_minutes.sum().fill_null(0.0),
        estimated_minutes=facts.estimated.sum().fill_null(0.0),
        people=facts.person.nunique(),
    )
    return result.mutate(value=result.reported_minutes + result.estimated_minutes)


def licence_waste(
    tables: AnalyticsTables, workspace_id: int, period: Period, grouping: Grouping, options: MetricOptions
) -> ir.Table:
    """Seats held at period end with no engaged event of their tool in the 30 days ending then, and their cost."""
    end = period.end
    seats = tables.seats
    held = seats.filter(seats.workspace_id == workspace_id, _is_live(seats, end))
    held = held.select("person", "tool", "monthly_cost")
    recent = _activity(tables, workspace_id, end - timedelta(days=LICENCE_IDLE_DAYS - 1), end)
    held = _with_dimensions(
        _mark(held, recent, ["person", "tool"], "is_used"), grouping.by, tables, workspace_id
    )
    result = _aggregate(
        held,
        grouping.keys,
        seats=held.person.count(),
        value=held.person.count(where=~held.is_used),
        idle_monthly_cost=held.monthly_cost.sum(where=~held.is_used).fill_null(0.0),
        people=held.person.nunique(),
    )
    return result.mutate(idle_share=_ratio(result.value, result.seats))


def _contracts_in_force(tables: AnalyticsTables, workspace_id: int, on_day: date) -> ir.Table:
    """Each tool's contract in force on `on_day` (its latest one started by then), columns prefixed `contract_`."""
    contracts = tables.contracts
    started = contracts.filter(contracts.workspace_id == workspace_id, contracts.start_day <= on_day)
    latest = started.group_by("tool").aggregate(latest_start=started.start_day.max())
    latest = latest.rename(latest_tool="tool")
    joined = started.join(
        latest, [started.tool == latest.latest_tool, started.start_day == latest.latest_start]
    )
    return joined.select(
        contract_tool=joined.tool,
        contract_currency=joined.currency,
        contract_purchased=joined.seats_purchased,
        contract_price=joined.monthly_price_per_seat,
        contract_renewal=joined.renewal_day,
    )


def seat_utilization(
    tables: AnalyticsTables, workspace_id: int, period: Period, grouping: Grouping, options: MetricOptions
) -> ir.Table:
    """The seat ledger's figures at period end E, per currency (and the grouping).

    Seats held at E (`start_day ≤ E < end_day`) and, for each, its holder's engaged events with the seat's tool
    from the seat's `start_day` to E. `assigned` seats held; `active_30_days` with such an event in the 30 days
    ending E; `idle_30_days`, `idle_60_days`, `idle_90_days` without one in the 30, 60, 90 days ending E;
    `never_activated` without any; `median_days_to_first_use` over the seats used, days from `start_day` to the
    first such event (the mean of the two middle values for an even count). Costs are per month:
    `idle_monthly_cost` of the seats idle 30 days; from the tool's contract in force at E (not with a team or
    role grouping): `purchased`, `unassigned` (purchased − assigned, at least 0), `unassigned_monthly_cost`,
    `days_to_renewal` (to the nearest renewal day on or after E) and `utilization` (active ÷ purchased);
    `monthly_cost` (the held seats' cost, plus the unassigned ones') and `cost_per_active_user` (monthly cost ÷
    active). `currency` is the contract's (`XXX` for a tool without one); `people` the distinct holders.
    """
    end = period.end
    seats = tables.seats
    held = seats.filter(seats.workspace_id == workspace_id, _is_live(seats, end))
    held = held.select("person", "tool", "start_day", "monthly_cost")
    history = _activity(tables, workspace_id, None, end)
    used = history.select(used_person=history.person, used_tool=history.tool, used_day=history.day)
    joined = held.left_join(
        used,
        [held.person == used.used_person, held.tool == used.used_tool, used.used_day >= held.start_day],
    )
    per_seat = joined.group_by(["person", "tool", "start_day", "monthly_cost"]).aggregate(
        first_used=joined.used_day.min(), last_used=joined.used_day.max()
    )

    def idle(days: int) -> ir.Value:
        return per_seat.last_used.isnull() | (per_seat.last_used < end - timedelta(days=days - 1))

    per_seat = per_seat.mutate(
        is_active=~idle(LICENCE_IDLE_DAYS),
        is_idle_30=idle(30),
        is_idle_60=idle(60),
        is_idle_90=idle(90),
        is_never_used=per_seat.first_used.isnull(),
        days_to_first_use=per_seat.first_used.delta(per_seat.start_day, unit="day"),
    )
    in_force = _contracts_in_force(tables, workspace_id, end)
    priced = per_seat.left_join(in_force, per_seat.tool == in_force.contract_tool)
    per_seat = priced.select(*per_seat.columns, currency=priced.contract_currency.fill_null(NO_CURRENCY))
    facts = _with_dimensions(per_seat, grouping.by, tables, workspace_id)
    keys = [*grouping.keys, "currency"]
    figures = _aggregate(
        facts,
        keys,
        assigned=facts.person.count(),
        active_30_days=facts.person.count(where=facts.is_active),
        idle_30_days=facts.person.count(where=facts.is_idle_30),
        idle_60_days=facts.person.count(where=facts.is_idle_60),
        idle_90_days=facts.person.count(where=facts.is_idle_90),
        never_activated=facts.person.count(where=facts.is_never_used),
        median_days_to_first_use=facts.days_to_first_use.cast("float64").median(),
        seats_monthly_cost=facts.monthly_cost.sum(),
        idle_monthly_cost=facts.monthly_cost.sum(where=facts.is_idle_30).fill_null(0.0),
        people=facts.person.nunique(),
    )
    if "team" in grouping.by or "role" in grouping.by:
        figures = figures.mutate(
            purchased=ibis.null("int64"),
            unassigned=ibis.null("int64"),
            unassigned_monthly_cost=ibis.null("float64"),
            days_to_renewal=ibis.null("int64"),
        )
    else:
        counts = per_seat.group_by("tool").aggregate(tool_assigned=per_seat.person.count())
        counts = counts.rename(counted_tool="tool")
        tools = in_force.left_join(counts, in_force.contract_tool == counts.counted_tool)
        unassigned = ibis.ifelse(
            tools.contract_purchased.isnull(),
            ibis.null("int64"),
            ibis.greatest(tools.contract_purchased - tools.tool_assigned.fill_null(0), 0),
        )
        until_renewal = tools.contract_renewal.delta(ibis.literal(end), unit="day")
        tools = tools.select(
            contract_tool=tools.contract_tool,
            contract_currency=tools.contract_currency,
            contract_purchased=tools.contract_purchased,
            contract_unassigned=unassigned,
            contract_unassigned_cost=unassigned.cast("float64") * tools.contract_price,
            contract_days=ibis.ifelse(until_renewal >= 0, until_renewal, ibis.null("int64")),
        )
        contract_keys = (
            ["contract_tool", "contract_currency"] if "tool" in grouping.by else ["contract_currency"]
        )
        terms = tools.group_by(contract_keys).aggregate(
            purchased=tools.contract_purchased.sum(),
            unassigned=tools.contract_unassigned.sum(),
            unassigned_monthly_cost=tools.contract_unassigned_cost.sum(),
            days_to_renewal=tools.contract_days.min(),
        )
        on = [figures.currency == terms.contract_currency]
        if "tool" in grouping.by:
            on.append(figures.tool == terms.contract_tool)
        both = figures.left_join(terms, on)
        figures = both.select(
            *figures.columns,
            purchased=both.purchased.cast("int64"),
            unassigned=both.unassigned.cast("int64"),
            unassigned_monthly_cost=both.unassigned_monthly_cost,
            days_to_renewal=both.days_to_renewal.cast("int64"),
        )
    monthly_cost = figures.seats_monthly_cost + figures.unassigned_monthly_cost.fill_null(0.0)
    figures = figures.mutate(
        monthly_cost=monthly_cost,
        cost_per_active_user=_ratio(monthly_cost, figures.active_30_days),
        utilization=_ratio(figures.active_30_days, figures.purchased),
    )
    return figures.select(*keys, *SEAT_FIGURES, "people")


def adopter_segments(
    tables: AnalyticsTables, workspace_id: int, period: Period, grouping: Grouping, options: MetricOptions
) -> ir.Table:
    """Rogers segments of the people who tried (by period end), ranked by their first engaged event time.

    A person's position p is the number of triers whose first engaged event is at or before theirs (so
    people tied on time share the later position); with N triers: innovators when p/N ≤ 2.5 %, early
    adopters ≤ 16 %, early majority ≤ 50 %, late majority ≤ 84 %, laggards above (exact integer comparisons).
    """
    history = _with_dimensions(
        _activity(tables, workspace_id, None, period.end), grouping.by, tables, workspace_id
    )
    firsts = history.group_by([*grouping.keys, "person"]).aggregate(
        first_engaged_at=history.first_engaged_at.min()
    )
    everyone = ibis.window(group_by=grouping.keys) if grouping.keys else ibis.window()
    later = ibis.window(group_by=grouping.keys, order_by=ibis.desc(firsts.first_engaged_at))
    firsts = firsts.mutate(triers=firsts.person.count().over(everyone), later=ibis.rank().over(later))
    position = firsts.triers - firsts.later
    segment_cases = [(position * scale <= firsts.triers * share, name) for name, share, scale in SEGMENTS]
    index_cases = [
        (position * scale <= firsts.triers * share, index) for index, (_, share, scale) in enumerate(SEGMENTS)
    ]
    firsts = firsts.mutate(
        segment=ibis.cases(*segment_cases, else_="laggards"),
        segment_index=ibis.cases(*index_cases, else_=len(SEGMENTS)).cast("int64"),
    )
    result = firsts.group_by([*grouping.keys, "segment", "segment_index"]).aggregate(
        value=firsts.person.count(), triers=firsts.triers.max()
    )
    return result.mutate(share=_ratio(result.value, result.triers), people=result.value)


def new_triers(
    tables: AnalyticsTables, workspace_id: int, period: Period, grouping: Grouping, options: MetricOptions
) -> ir.Table:
    """People whose first engaged event ever falls in the period (in each bucket, with a grain)."""
    history = _with_dimensions(
        _activity(tables, workspace_id, None, period.end), grouping.by, tables, workspace_id
    )
    firsts = history.group_by([*grouping.keys, "person"]).aggregate(
        first_day=history.day.min(), first_week=history.week.min(), first_month=history.month.min()
    )
    firsts = firsts.filter(firsts.first_day >= period.start)
    if grouping.grain is not None:
        firsts = firsts.mutate(bucket=firsts[f"first_{grouping.grain}"])
    result = _aggregate(firsts, grouping.series_keys, value=firsts.person.count())
    return result.mutate(people=result.value)


def trust_score(
    tables: AnalyticsTables, workspace_id: int, period: Period, grouping: Grouping, options: MetricOptions
) -> ir.Table:
    """The 0-100 trust composite per use case; every input and its effective weight beside it.

    Inputs: mean rating (feedback in the period), acceptance rate (period), incident burden (severity
    weights 8/4/2/1 for severity 1-4, summed over incidents open at period end or opened in the 90 days
    ending then, per 1,000 engaged events in those 90 days), survey trust item (respondent-weighted mean of
    the 90 days ending at period end). Components: (rating − 1) ÷ 4, acceptance, max(0, 1 − burden ÷ 20),
    (survey − 1) ÷ 4. Weights 0.30/0.25/0.25/0.20; a missing input's weight is shared among the others in
    proportion, and `missing_inputs` names it.
    """
    end = period.end
    recent_start = end - timedelta(days=TRUST_RECENT_DAYS - 1)
    keys = grouping.keys

    def scoped(table: ir.Table) -> ir.Table:
        return table if keys else table.mutate(use_case=ibis.literal("(all)"))

    used = scoped(_activity(tables, workspace_id, period.start, end))
    usage = used.group_by("use_case").aggregate(
        people=used.person.nunique(),
        rating_sum=_total(used.rating_sum),
        rating_count=_total(used.rating_count),
        accepted_or_edited=_total(used.accepted_events) + _total(used.edited_events),
        rejected=_total(used.rejected_events),
    )
    engaged = scoped(_activity(tables, workspace_id, recent_start, end))
    load = engaged.group_by("use_case").aggregate(engaged_events_90_days=_total(engaged.engaged_events))
    incidents = tables.incidents
    counted = incidents.filter(
        incidents.workspace_id == workspace_id,
        incidents.opened_day <= end,
        incidents.resolved_day.isnull()
        | (incidents.resolved_day > end)
        | (incidents.opened_day >= recent_start),
    )
    weight = ibis.cases(
        *[(counted.severity == level, points) for level, points in SEVERITY_WEIGHTS.items()], else_=1
    )
    counted = scoped(counted.mutate(weight=weight))
    burden = counted.group_by("use_case").aggregate(
        incident_weight=_total(counted.weight), incidents=counted.count()
    )
    surveys = tables.survey_trust
    surveyed = scoped(
        surveys.filter(surveys.workspace_id == workspace_id, surveys.day >= recent_start, surveys.day <= end)
    )
    survey = surveyed.group_by("use_case").aggregate(
        score_weight=(surveyed.mean_score * surveyed.respondents.cast("float64")).sum(),
        survey_respondents=_total(surveyed.respondents),
    )
    spine = (
        usage.select("use_case")
        .union(load.select("use_case"), distinct=True)
        .union(burden.select("use_case"), distinct=True)
        .union(survey.select("use_case"), distinct=True)
    )
    joined = spine
    for part in (usage, load, burden, survey):
        renamed = part.rename(part_use_case="use_case")
        joined = joined.left_join(renamed, joined.use_case == renamed.part_use_case).drop("part_use_case")
    joined = joined.mutate(
        people=joined.people.fill_null(0),
        rating_count=joined.rating_count.fill_null(0),
        incident_weight=joined.incident_weight.fill_null(0),
        incidents=joined.incidents.fill_null(0),
        engaged_events_90_days=joined.engaged_events_90_days.fill_null(0),
        survey_respondents=joined.survey_respondents.fill_null(0),
        decided=joined.accepted_or_edited.fill_null(0) + joined.rejected.fill_null(0),
    )
    joined = joined.mutate(
        mean_rating=_ratio(joined.rating_sum, joined.rating_count),
        acceptance_rate=_ratio(joined.accepted_or_edited, joined.decided),
        incident_burden=_ratio(joined.incident_weight * 1000, joined.engaged_events_90_days),
        survey_trust=_ratio(joined.score_weight, joined.survey_respondents),
    )
    components = {
        "mean_rating": (joined.mean_rating - 1.0) / 4.0,
        "acceptance_rate": joined.acceptance_rate,
        "incident_burden": ibis.greatest(1.0 - joined.incident_burden / INCIDENT_BURDEN_AT_ZERO, 0.0),
        "survey_trust": (joined.survey_trust - 1.0) / 4.0,
    }
    present = {name: joined[name].notnull() for name in TRUST_WEIGHTS}
    weight_present = sum(
        (ibis.ifelse(present[name], TRUST_WEIGHTS[name], 0.0) for name in TRUST_WEIGHTS), ibis.literal(0.0)
    )
    effective = {
        f"weight_{name}": ibis.ifelse(present[name], TRUST_WEIGHTS[name] / weight_present, 0.0)
        for name in TRUST_WEIGHTS
    }
    joined = joined.mutate(weight_present=weight_present, **effective)
    score = sum(
        (
            ibis.ifelse(present[name], joined[f"weight_{name}"] * components[name], 0.0)
            for name in TRUST_WEIGHTS
        ),
        ibis.literal(0.0),
    )
    missing = ibis.literal(",").join(
        [ibis.ifelse(present[name], ibis.null("string"), ibis.literal(name)) for name in TRUST_WEIGHTS]
    )
    joined = joined.mutate(
        value=ibis.ifelse(joined.weight_present > 0, score * 100.0, ibis.null("float64")),
        missing_inputs=missing,
    )
    columns = [
        "mean_rating",
        "rating_count",
        "acceptance_rate",
        "decided",
        "incident_burden",
        "incidents",
        "engaged_events_90_days",
        "survey_trust",
        "survey_respondents",
        *effective,
        "missing_inputs",
        "value",
        "people",
    ]
    return joined.select(*keys, *columns)


def trend(
    tables: AnalyticsTables, workspace_id: int, period: Period, grouping: Grouping, options: MetricOptions
) -> ir.Table:
    """`options.trend_of`'s value this period and the previous period of the same length, and the change."""
    definition = metric_by_name(options.trend_of)
    if definition.extra_keys or definition.partition_keys or "value" not in definition.figures:
        raise UnsupportedGrouping(f"{definition.name} has no single value per group to compare")
    definition.check(grouping)
    keys = grouping.series_keys
    if grouping.grain is not None:
        raise UnsupportedGrouping("A trend compares two whole periods; it has no time grain")
    current = definition.compute(tables, workspace_id, period, grouping, options)
    previous = definition.compute(tables, workspace_id, period.previous(), grouping, options)
    both = current.select(
        *keys,
        current=current.value.cast("float64"),
        previous=ibis.null("float64"),
        people_current=current.people.cast("int64"),
        people_previous=ibis.null("int64"),
    ).union(
        previous.select(
            *keys,
            current=ibis.null("float64"),
            previous=previous.value.cast("float64"),
            people_current=ibis.null("int64"),
            people_previous=previous.people.cast("int64"),
        )
    )
    result = _aggregate(
        both,
        keys,
        current=both.current.max(),
        previous=both.previous.max(),
        people_current=both.people_current.max().fill_null(0),
        people_previous=both.people_previous.max().fill_null(0),
    )
    change = result.current - result.previous
    return result.mutate(
        value=change,
        relative_change=ibis.ifelse(result.previous == 0, ibis.null("float64"), change / result.previous),
        people=ibis.ifelse(
            result.people_current < result.people_previous, result.people_current, result.people_previous
        ),
    )


# --- the registry ----------------------------------------------------------------------------------

ALL_GRAINS: frozenset[str | None] = frozenset({None, "day", "week", "month"})

METRICS: list[MetricDefinition] = [
    MetricDefinition(
        "eligible",
        "Distinct people entitled to the use case (entitlement or seat) at period end.",
        "people",
        eligible,
    ),
    MetricDefinition(
        "active",
        "Distinct people with at least one engaged event in the period (or in each bucket).",
        "people",
        active,
        grains=ALL_GRAINS,
    ),
    MetricDefinition(
        "dau", "Daily active people, for each day of the period.", "people", daily_active, extra_keys=("day",)
    ),
    MetricDefinition(
        "wau",
        "Weekly active people: for each day, distinct people active in the 7 days ending that day.",
        "people",
        weekly_active,
        extra_keys=("day",),
    ),
    MetricDefinition(
        "mau",
        "Monthly active people: for each day, distinct people active in the 28 days ending that day.",
        "people",
        monthly_active,
        extra_keys=("day",),
    ),
    MetricDefinition(
        "adoption_rate",
        "Eligible people active in the period's last 28 days ÷ people eligible at period end.",
        "ratio",
        adoption_rate,
        figures=("eligible", "active", "value"),
    ),
    MetricDefinition(
        "stickiness",
        "Mean DAU ÷ MAU over the period's last 28 days (optionally averaging working days only).",
        "ratio",
        stickiness,
        figures=("mau", "active_person_days", "mean_dau", "value"),
    ),
    MetricDefinition(
        "habitual",
        "People active in at least 3 of the 4 ISO weeks ending with the period's last week.",
        "people",
        habitual,
        figures=("active_last_4_weeks", "value", "share"),
    ),
    MetricDefinition(
        "funnel",
        "Eligible → trained → tried → repeat → habitual, each step a subset of the one before.",
        "people",
        funnel,
        figures=("eligible", "trained", "tried", "repeat", "habitual"),
    ),
    MetricDefinition(
        "retention",
        "Share of the people first engaged in ISO week W who engage in week W+n, n = 0..11.",
        "ratio",
        retention,
        extra_keys=("cohort_week", "week_offset"),
        figures=("retained", "cohort_people", "value"),
    ),
    MetricDefinition(
        "acceptance_rate",
        "(accepted + edited) ÷ (accepted + edited + rejected) events.",
        "ratio",
        acceptance_rate,
        grains=ALL_GRAINS,
        figures=("accepted", "edited", "rejected", "decided", "value"),
    ),
    MetricDefinition(
        "rejection_rate",
        "rejected ÷ (accepted + edited + rejected) events.",
        "ratio",
        rejection_rate,
        grains=ALL_GRAINS,
        figures=("accepted", "edited", "rejected", "decided", "value"),
    ),
    MetricDefinition(
        "time_saved",
        "Minutes saved: events' own minutes_saved, else the use case's estimate per accepted/edited event.",
        "minutes",
        time_saved,
        grains=ALL_GRAINS,
        figures=("reported_minutes", "estimated_minutes", "value"),
    ),
    MetricDefinition(
        "licence_waste",
        "Seats held at period end with no engaged event of their tool in the last 30 days, and their cost.",
        "seats",
        licence_waste,
        dimensions=frozenset({"tool", "team", "role"}),
        figures=("seats", "value", "idle_monthly_cost", "idle_share"),
    ),
    MetricDefinition(
        "seat_utilization",
        "Seats purchased, assigned, active, idle 30/60/90 days and never activated at period end, time to first "
        "use, their monthly cost, cost per active user and days to renewal, per currency.",
        "seats",
        seat_utilization,
        dimensions=frozenset({"tool", "team", "role"}),
        extra_keys=("currency",),
        figures=SEAT_FIGURES,
    ),
    MetricDefinition(
        "adopter_segments",
        "Rogers segments of the people who tried, ranked by first engaged event (2.5/13.5/34/34/16 %).",
        "people",
        adopter_segments,
        extra_keys=("segment", "segment_index"),
        figures=("value", "triers", "share"),
        partition_keys=("segment", "segment_index"),
    ),
    MetricDefinition(
        "new_triers",
        "People whose first engaged event ever falls in the period (or in each bucket).",
        "people",
        new_triers,
        grains=ALL_GRAINS,
    ),
    MetricDefinition(
        "trust_score",
        "0-100 composite of mean rating, acceptance rate, incident burden and the survey trust item.",
        "score",
        trust_score,
        dimensions=frozenset({"use_case"}),
        figures=(
            "mean_rating",
            "rating_count",
            "acceptance_rate",
            "decided",
            "incident_burden",
            "incidents",
            "engaged_events_90_days",
            "survey_trust",
            "survey_respondents",
            "weight_mean_rating",
            "weight_acceptance_rate",
            "weight_incident_burden",
            "weight_survey_trust",
            "missing_inputs",
            "value",
        ),
    ),
    MetricDefinition(
        "trend",
        "A metric's value this period and the previous period of the same length (default: adoption_rate).",
        "change",
        trend,
        figures=("current", "previous", "people_current", "people_previous", "value", "relative_change"),
    ),
]
"""Every metric, in the order docs/metrics.md documents them. Nothing else registers a metric."""


def metric_by_name(name: str) -> MetricDefinition:
    """The registered metric called `name`."""
    for definition in METRICS:
        if definition.name == name:
            return definition
    raise KeyError(f"No metric called {name!r}; known: {[definition.name for definition in METRICS]}")


def metric_expression(
    definition: MetricDefinition,
    tables: AnalyticsTables,
    workspace_id: int,
    period: Period,
    grouping: Grouping,
    options: MetricOptions | None = None,
) -> ir.Table:
    """`definition`'s expression after checking that the grouping makes sense for it."""
    definition.check(grouping)
    return definition.compute(tables, workspace_id, period, grouping, options or MetricOptions())


__all__ = [
    "ACTIVITY_SCHEMA",
    "METRICS",
    "AnalyticsTables",
    "Grouping",
    "MetricDefinition",
    "MetricOptions",
    "Period",
    "UnsupportedGrouping",
    "activity_expression",
    "eligible_pairs",
    "load_tables",
    "metric_by_name",
    "metric_expression",
    "refresh_activity",
]
