"""The figures and charts of the program overview, assembled from the analytics service.

Every figure here is a published metric (through the privacy floor); the charts are drawn from the same rows.
The page and the executive report both use `program_overview`, so they can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from uptake.analytics import schemas as analytics_schemas
from uptake.analytics import service as analytics_service
from uptake.catalog import service as catalog_service
from uptake.directory.service import teams as teams_service
from uptake.reports import charts
from uptake.trust import service as trust_service

OVERVIEW_DAYS = 28
HISTORY_WEEKS = 24
STEP_WEEKS = 4
RETENTION_WEEKS = 12


@dataclass(frozen=True)
class Figure:
    """One headline figure: its label, the value as shown, the metric it comes from, and how it moved."""

    label: str
    value: str
    metric: str
    detail: str = ""
    hidden: bool = False


@dataclass
class ProgramOverview:
    period: analytics_schemas.Period
    figures: list[Figure]
    adoption: charts.Chart
    funnel: charts.Chart
    teams: charts.Chart
    retention: charts.Chart
    forecast: charts.Chart | None
    trust: charts.Chart | None
    interventions: list[analytics_schemas.Intervention]
    forecasts: list[analytics_schemas.Forecast]
    titles: dict[str, str] = field(default_factory=dict)


def _share(value: object) -> str:
    return "–" if value is None else f"{float(str(value)):.0%}"


def default_period(today: date) -> analytics_schemas.Period:
    """The last four weeks, ending yesterday (today is not over yet)."""
    last = today - timedelta(days=1)
    return analytics_schemas.Period(last - timedelta(days=OVERVIEW_DAYS - 1), last)


def program_overview(
    session: Session,
    workspace_id: int,
    analytics: analytics_service.Analytics,
    *,
    period: analytics_schemas.Period,
) -> ProgramOverview:
    """The programme over `period`, with the six months of adoption before its end."""
    last = period.end
    titles = use_case_titles(session, workspace_id)

    def metric(
        name: str,
        by: tuple[analytics_schemas.Dimension, ...] = (),
        *,
        during: analytics_schemas.Period = period,
    ) -> list[dict[str, Any]]:
        return analytics.metric(session, workspace_id, name, during, analytics_schemas.Grouping(by=by)).rows

    adoption = metric("adoption_rate")[0]
    trend = metric("trend")[0]
    acceptance = metric("acceptance_rate")[0]
    saved = metric("time_saved")[0]
    waste = metric("licence_waste")[0]
    funnel_row = metric("funnel")[0]
    figures = [
        Figure(
            "Adoption",
            _share(adoption.get("value")),
            "adoption_rate",
            f"{adoption.get('active') or 0:,} of {adoption.get('eligible') or 0:,} eligible people active",
            adoption["suppressed"],
        ),
        Figure(
            "Change on the previous period",
            "–" if trend.get("value") is None else f"{float(trend['value']) * 100:+.1f} points",
            "trend",
            "adoption rate, this period against the one before",
            trend["suppressed"],
        ),
        Figure(
            "Outputs accepted",
            _share(acceptance.get("value")),
            "acceptance_rate",
            f"of {acceptance.get('decided') or 0:,} decided outputs (edited counts as accepted)",
            acceptance["suppressed"],
        ),
        Figure(
            "Time saved",
            "–" if saved.get("value") is None else f"{float(saved['value']) / 60:,.0f} h",
            "time_saved",
            "reported and estimated minutes in the period",
            saved["suppressed"],
        ),
        Figure(
            "Idle licences",
            "–" if waste.get("value") is None else f"{int(waste['value']):,}",
            "licence_waste",
            (
                f"of {waste.get('seats') or 0:,} seats idle 30 days: "
                f"{float(waste.get('idle_monthly_cost') or 0):,.0f} a month"
            ),
            waste["suppressed"],
        ),
    ]
    overview = ProgramOverview(
        period=period,
        figures=figures,
        adoption=_adoption_over_time(session, workspace_id, analytics, last, titles),
        funnel=charts.funnel(
            [
                charts.FunnelStep(step, int(funnel_row.get(step) or 0))
                for step in ("eligible", "trained", "tried", "repeat", "habitual")
            ]
            if not funnel_row["suppressed"]
            else [],
            subject="all use cases",
        ),
        teams=_adoption_by_team(session, workspace_id, metric("adoption_rate", ("team",))),
        retention=charts.retention_heat_map(
            [
                charts.RetentionCell(
                    row["cohort_week"], int(row["week_offset"]), None if row["suppressed"] else row["value"]
                )
                for row in metric(
                    "retention",
                    during=analytics_schemas.Period(
                        last - timedelta(weeks=RETENTION_WEEKS) + timedelta(days=1), last
                    ),
                )
            ]
        ),
        forecast=None,
        trust=_trust_over_time(session, workspace_id, analytics, last, titles),
        interventions=analytics.interventions(session, workspace_id, period, limit=5),
        forecasts=[
            item for item in analytics.forecasts(session, workspace_id, last) if item.use_case in titles
        ],
        titles=titles,
    )
    overview.forecast = _forecast_chart(session, workspace_id, analytics, overview.forecasts, last, titles)
    return overview


def use_case_titles(session: Session, workspace_id: int) -> dict[str, str]:
    use_cases, _ = catalog_service.list_use_cases(session, workspace_id, limit=10_000)
    return {use_case.slug: use_case.title for use_case in use_cases}


def _history_windows(last: date) -> list[tuple[date, analytics_schemas.Period]]:
    """The points of a history chart: every four weeks over six months to `last`, each the 28 days before it."""
    ends = [last - timedelta(weeks=weeks_back) for weeks_back in range(HISTORY_WEEKS, -1, -STEP_WEEKS)]
    return [(end, analytics_schemas.Period(end - timedelta(days=OVERVIEW_DAYS - 1), end)) for end in ends]


def _adoption_over_time(
    session: Session,
    workspace_id: int,
    analytics: analytics_service.Analytics,
    last: date,
    titles: dict[str, str],
) -> charts.Chart:
    """Adoption rate (active in the 28 days before each point) every four weeks over the last six months."""
    points: list[charts.SeriesPoint] = []
    for end, window in _history_windows(last):
        rows = analytics.metric(
            session, workspace_id, "adoption_rate", window, analytics_schemas.Grouping(by=("use_case",))
        ).rows
        for row in rows:
            if row["suppressed"] or row.get("value") is None or not row.get("active"):
                continue
            points.append(
                charts.SeriesPoint(titles.get(row["use_case"], row["use_case"]), end, float(row["value"]))
            )
    return charts.adoption_over_time(points)


def _adoption_by_team(session: Session, workspace_id: int, rows: list[dict[str, Any]]) -> charts.Chart:
    """Teams without subteams (a parent's figure is the sum of its children's, shown elsewhere)."""
    teams = teams_service.list_all_teams(session, workspace_id)
    parents = {team.parent_id for team in teams if team.parent_id is not None}
    names = {team.id: team.name for team in teams if team.id not in parents}
    return charts.adoption_by_team(
        [
            charts.GroupValue(names[row["team_id"]], None if row["suppressed"] else row.get("value"))
            for row in rows
            if row["team_id"] in names
        ]
    )


FORECAST_WEEKS_AHEAD = 26


def _forecast_chart(
    session: Session,
    workspace_id: int,
    analytics: analytics_service.Analytics,
    forecasts: list[analytics_schemas.Forecast],
    last: date,
    titles: dict[str, str],
) -> charts.Chart | None:
    """The fitted Bass curve of the widest-reaching use case still growing, with a band of ±2 fit errors, beside
    the share of eligible people who have tried it so far."""
    growing = [
        (item, item.fit, item.eligible, item.first_week)
        for item in forecasts
        if item.fit is not None and item.eligible and item.first_week and item.status != "reached"
    ]
    if not growing:
        return None
    chosen, fit, eligible, first_week = max(growing, key=lambda candidate: candidate[2])
    history = analytics_schemas.Period(first_week, last)
    rows = analytics.metric(
        session,
        workspace_id,
        "new_triers",
        history,
        analytics_schemas.Grouping(by=("use_case",), grain="week"),
    ).rows
    actual: list[charts.SeriesPoint] = []
    total = 0
    for row in sorted((r for r in rows if r["use_case"] == chosen.use_case), key=lambda r: r["bucket"]):
        if row["suppressed"] or row.get("value") is None:
            continue
        total += int(row["value"])
        actual.append(charts.SeriesPoint("tried", row["bucket"] + timedelta(days=6), total / eligible))
    # The fitted curve from the first week on (so its fit to the past shows), the band only ahead of today.
    weeks = np.arange(1, fit.weeks + FORECAST_WEEKS_AHEAD + 1, dtype=float)
    expected = analytics_service.bass_cumulative(weeks, fit.p, fit.q, fit.m) / eligible
    spread = 2 * fit.rmse / eligible
    predicted = [
        charts.ForecastPoint(
            first_week + timedelta(weeks=int(week), days=-1),
            float(value),
            max(0.0, float(value) - spread) if week > fit.weeks else float(value),
            min(1.0, float(value) + spread) if week > fit.weeks else float(value),
        )
        for week, value in zip(weeks, expected, strict=True)
    ]
    return charts.forecast(
        actual,
        predicted,
        subject=titles.get(chosen.use_case, chosen.use_case),
        target=chosen.target_share,
    )


TRUST_SERIES = 4


def _trust_over_time(
    session: Session,
    workspace_id: int,
    analytics: analytics_service.Analytics,
    last: date,
    titles: dict[str, str],
) -> charts.Chart | None:
    """The trust score of the most used use cases every four weeks over six months, incidents marked."""
    points: list[charts.SeriesPoint] = []
    volume: dict[str, int] = {}
    for end, window in _history_windows(last):
        rows = analytics.metric(
            session, workspace_id, "trust_score", window, analytics_schemas.Grouping(by=("use_case",))
        ).rows
        for row in rows:
            if row["suppressed"] or row.get("value") is None:
                continue
            points.append(charts.SeriesPoint(row["use_case"], end, float(row["value"])))
            volume[row["use_case"]] = volume.get(row["use_case"], 0) + int(row.get("decided") or 0)
    if not points:
        return None
    shown = set(sorted(volume, key=lambda slug: -volume[slug])[:TRUST_SERIES])
    incidents = [
        row for row in trust_service.incident_snapshot_rows(session, workspace_id) if row["use_case"] in shown
    ]
    return charts.trust_over_time(
        [
            charts.SeriesPoint(titles.get(point.series, point.series), point.day, point.value)
            for point in points
            if point.series in shown
        ],
        [
            charts.Mark(
                row["opened_day"], f"sev {row['severity']}: {titles.get(row['use_case'], row['use_case'])}"
            )
            for row in incidents
            if row["opened_day"] >= last - timedelta(weeks=HISTORY_WEEKS + 4)
        ],
    )
