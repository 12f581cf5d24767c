"""Gate values read from analytics: the server's `GateMetricSource`.

- ``adoption_rate`` and ``acceptance_rate``: `Analytics.cohort_figures` over the wave's people for the last
  28 days, as percentages. Adoption's denominator is the people entitled at the period's end, so before
  reading, rollout pushes its ``entitlements`` snapshot (who is entitled to what, since the day the
  granting wave started) to analytics: `entitlement_rows`.
- ``trust_score``: the use case's published trust score over the same 28 days.
- ``open_severity_1_incidents``: `count_open_severity_1_incidents`, the one function the incident gate reads:
  incidents of severity 1 without a resolution day, from the ``incidents`` snapshot the trust domain
  publishes to analytics.

Figures behind the privacy floor come back as no value, so such a gate fails (see `uptake.rollout.gates`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from uptake.analytics import service as analytics_service
from uptake.catalog import service as catalog_service
from uptake.rollout import repository
from uptake.rollout.gates import GATE_WINDOW_DAYS, Cohort, GateReading
from uptake.rollout.state import GENERALLY_AVAILABLE_WAVE, build_rollout_state, list_published_people
from uptake_sdk.local_evaluation import Evaluator


def entitlement_rows(
    session: Session, workspace_id: int, started_on: dict[str, dict[str, date]], today: date
) -> list[dict[str, Any]]:
    """The ``entitlements`` snapshot: one row per person entitled to a use case now, from the day the wave
    that grants it started (``started_on``: use case → wave → day)."""
    document = build_rollout_state(session, workspace_id)
    evaluator = Evaluator(document)
    people = list_published_people(session, workspace_id)
    pseudonyms = analytics_service.pseudonyms_of(session, workspace_id, [person.id for person in people])
    rows: list[dict[str, Any]] = []
    for person in people:
        for slug in evaluator.use_case_slugs():
            decision = evaluator.check(person.key, slug)
            if decision.entitled and person.id in pseudonyms:
                start = started_on.get(slug, {}).get(decision.wave or GENERALLY_AVAILABLE_WAVE, today)
                rows.append(
                    {
                        "workspace_id": workspace_id,
                        "person": pseudonyms[person.id],
                        "use_case": slug,
                        "start_day": start,
                        "end_day": None,
                    }
                )
    return rows


def count_open_severity_1_incidents(
    analytics: analytics_service.Analytics, session: Session, workspace_id: int, use_case: str
) -> int:
    """Open severity-1 incidents on the use case, as the trust domain last published them to analytics."""
    incidents = analytics.tables(session, workspace_id).incidents
    open_severe = incidents.filter(
        incidents.workspace_id == workspace_id,
        incidents.use_case == use_case,
        incidents.severity == 1,
        incidents.resolved_day.isnull(),
    )
    return int(open_severe.count().execute())


class AnalyticsGateSource:
    """Reads gate values from one `Analytics`; pushes the entitlements snapshot once per workspace first."""

    def __init__(self, analytics: analytics_service.Analytics) -> None:
        self.analytics = analytics
        self._pushed: set[int] = set()

    def push_entitlements(
        self, session: Session, workspace_id: int, today: date, *, again: bool = False
    ) -> None:
        """Replace the workspace's ``entitlements`` snapshot in analytics (once per source, unless ``again``):
        gates' adoption reads it, and so do analytics' eligible and adoption figures everywhere."""
        if workspace_id in self._pushed and not again:
            return
        rows = entitlement_rows(session, workspace_id, wave_start_days(session, workspace_id, today), today)
        self.analytics.write_snapshot("entitlements", rows, workspace_id=workspace_id)
        self._pushed.add(workspace_id)

    def read(
        self, session: Session, workspace_id: int, metric: str, *, use_case: str, cohort: Cohort, today: date
    ) -> GateReading:
        if metric == "open_severity_1_incidents":
            count = count_open_severity_1_incidents(self.analytics, session, workspace_id, use_case)
            return GateReading(float(count), {"open_severity_1_incidents": count})
        period = analytics_service.resolve_period(
            None, today - timedelta(days=GATE_WINDOW_DAYS - 1), today, today
        )
        detail: dict[str, Any] = {"period": f"{period.start.isoformat()} to {period.end.isoformat()}"}
        if metric == "trust_score":
            published = self.analytics.metric(
                session,
                workspace_id,
                "trust_score",
                period,
                analytics_service.parse_grouping(["use_case"], None),
            )
            row = next((row for row in published.rows if row.get("use_case") == use_case), None)
            if row is None or row.get("value") is None:
                detail["unavailable"] = (row or {}).get("suppression_reason") or "no trust data yet"
                return GateReading(None, detail)
            detail.update(
                {
                    key: row[key]
                    for key in ("mean_rating", "acceptance_rate", "incidents", "people")
                    if key in row
                }
            )
            return GateReading(round(float(row["value"]), 2), detail)
        self.push_entitlements(session, workspace_id, today)
        figures = self.analytics.cohort_figures(session, workspace_id, use_case, cohort.person_ids, period)
        detail.update({"people": figures.people, "eligible": figures.eligible, "active": figures.active})
        if metric == "adoption_rate":
            value = figures.adoption_rate
        else:
            value = figures.acceptance_rate
            detail["decided_outputs"] = figures.decided_events
        if value is None:
            detail["unavailable"] = figures.suppressed or "no data for the wave's people yet"
            return GateReading(None, detail)
        return GateReading(round(100.0 * float(value), 2), detail)


def wave_start_days(session: Session, workspace_id: int, today: date) -> dict[str, dict[str, date]]:
    """use case slug → wave name → the day the wave started (today for generally available use cases)."""
    plans = repository.list_plans(session, workspace_id)
    slugs = {
        use_case.id: use_case.slug
        for use_case in catalog_service.list_use_case_refs_by_ids(
            session, workspace_id, [plan.use_case_id for plan in plans]
        )
    }
    days: dict[str, dict[str, date]] = {}
    for plan in plans:
        if plan.use_case_id in slugs:
            days[slugs[plan.use_case_id]] = {
                wave.name: wave.started_at.date() for wave in plan.waves if wave.started_at is not None
            }
    return days
