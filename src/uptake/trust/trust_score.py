"""The trust score and the trust label of a use case, and the incidents snapshot analytics reads.

The score itself is the analytics `trust_score` metric (docs/metrics.md); its inputs stay fresh because every
incident change pushes the incidents snapshot (`incidents.publish_incidents`). This module shows each input
beside it with its weight and the previous period's value (the trend).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from uptake.analytics import service as analytics_service
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.trust import repository, schemas
from uptake.trust.incidents import naive_utc, open_incidents
from uptake.trust.models import IncidentStatus

TRUST_PERIOD_DAYS = 28
RECENT_CHANGES = 3
TRUST_INPUTS = (
    ("mean_rating", "Mean rating (1-5)", "rating_count", "ratings"),
    ("acceptance_rate", "Acceptance rate", "decided", "decided outputs"),
    (
        "incident_burden",
        "Incident burden (severity points per 1,000 uses, 90 days)",
        "incidents",
        "incidents",
    ),
    ("survey_trust", "Survey trust item (1-5, 90 days)", "survey_respondents", "respondents"),
)
NOMINAL_WEIGHTS = {
    "mean_rating": 0.30,
    "acceptance_rate": 0.25,
    "incident_burden": 0.25,
    "survey_trust": 0.20,
}
TRUST_DEFINITION = (
    "0-100: a weighted mean of the mean rating ((r-1)/4), the acceptance rate, one minus the incident burden "
    "over 20 (severity points 8/4/2/1 per 1,000 engaged events, open or opened in the last 90 days) and the "
    "survey trust item ((s-1)/4); weights 30/25/25/20 %, a missing input's weight shared by the others."
)


def trust_score(
    session: Session,
    workspace_id: int,
    analytics: analytics_service.Analytics,
    slug: str,
    *,
    today: date | None = None,
) -> schemas.TrustScore:
    """The use case's trust score over the last 28 days with each input, its weight and the previous 28 days
    beside it (the trend), after the privacy floor."""
    use_case = catalog_service.get_use_case_ref(session, workspace_id, slug)
    end = today or analytics_service.workspace_today(session, workspace_id)
    period = analytics_service.resolve_period(None, end - timedelta(days=TRUST_PERIOD_DAYS - 1), end, end)
    by_use_case = analytics_service.parse_grouping(["use_case"], None)

    def row_of(chosen: Any) -> dict[str, Any]:
        published = analytics.metric(session, workspace_id, "trust_score", chosen, by_use_case)
        return next((row for row in published.rows if row.get("use_case") == use_case.slug), {})

    current, previous = row_of(period), row_of(period.previous())
    nominal = {
        "mean_rating": 0.30,
        "acceptance_rate": 0.25,
        "incident_burden": 0.25,
        "survey_trust": 0.20,
    }
    inputs = []
    for name, label, count_name, count_label in TRUST_INPUTS:
        value = current.get(name)
        inputs.append(
            schemas.TrustInput(
                name=name,
                label=label,
                value=value,
                component=_component(name, value),
                weight=float(current.get(f"weight_{name}") or 0.0),
                nominal_weight=nominal[name],
                previous=previous.get(name),
                basis=f"{current.get(count_name) or 0} {count_label}",
            )
        )
    value, before = current.get("value"), previous.get("value")
    return schemas.TrustScore(
        use_case=use_case.slug,
        period_start=period.start.isoformat(),
        period_end=period.end.isoformat(),
        value=value,
        previous=before,
        change=(value - before) if value is not None and before is not None else None,
        suppressed=str(current["suppression_reason"])
        if current.get("suppressed")
        else (None if current else "no usage, feedback, incidents or survey answers yet"),
        inputs=inputs,
        definition=TRUST_DEFINITION,
    )


def _component(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    if name in ("mean_rating", "survey_trust"):
        return (value - 1.0) / 4.0
    if name == "incident_burden":
        return max(0.0, 1.0 - value / 20.0)
    return value


def trust_label(
    session: Session,
    workspace_id: int,
    use_case: catalog_schemas.UseCaseRef,
    analytics: analytics_service.Analytics | None,
) -> dict[str, Any]:
    """What the trust label adds to the catalog's: the trust score, open incidents, what changed recently."""
    incidents = open_incidents(session, workspace_id, use_case.slug)
    score = trust_score(session, workspace_id, analytics, use_case.slug) if analytics is not None else None
    versions = catalog_service.list_use_card_versions(session, workspace_id, use_case.slug)
    changes: list[dict[str, Any]] = [
        {"at": version.created_at, "what": f"Use card v{version.version}: {version.changelog}"}
        for version in versions[-RECENT_CHANGES:]
    ]
    resolved = repository.list_incidents(
        session,
        workspace_id,
        use_case_id=use_case.id,
        statuses=(IncidentStatus.resolved, IncidentStatus.closed),
    )
    changes += [
        {"at": incident.resolved_at, "what": f"Incident #{incident.id} resolved: {incident.title}"}
        for incident in resolved
        if incident.resolved_at is not None
    ]
    changes.sort(key=lambda change: naive_utc(change["at"]), reverse=True)
    return {
        "trust_score": score,
        "open_incidents": len(incidents),
        "open_severity_1": sum(1 for incident in incidents if incident.severity == 1),
        "recent_changes": changes[:RECENT_CHANGES],
    }
