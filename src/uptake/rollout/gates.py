"""Gates: the metrics a gate may test, how a value is compared, and the one place gate values are read.

A gate is a metric over the *current wave's people* (everyone whose entitlement decision for the use case
names that wave: granted through it, or matched by it but still missing a requirement), a comparison and a
threshold. Percentages are 0-100 so thresholds read like the plan ("adoption rate >= 40").

Where each value comes from, each through one function here:

- ``training_completion``: the enablement service's completions of the use case's required training
  (`read_training_completion`).
- ``adoption_rate``, ``acceptance_rate``, ``trust_score`` and ``open_severity_1_incidents``: a
  `GateMetricSource`, the door through which rollout reads analytics (`read_gate_metric` is its only caller).
  The server's source is `uptake.rollout.analytics_gates.AnalyticsGateSource`: the analytics service's
  cohort figures over the wave's people, its trust score of the use case, and the open severity-1
  incidents of the use case from the incidents the trust domain publishes to analytics. A gate without a
  value (no data yet, or fewer people than the workspace's privacy floor) never passes: a rollout never
  advances on missing data, and a wave smaller than the floor is promoted by hand, with a justification.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from sqlalchemy.orm import Session

from uptake.enablement.service import completions as completions_service
from uptake.enablement.service import modules as modules_service
from uptake.rollout.models import Comparison


@dataclass(frozen=True)
class GateMetric:
    name: str
    description: str
    unit: str


GATE_METRICS: dict[str, GateMetric] = {
    metric.name: metric
    for metric in (
        GateMetric(
            "adoption_rate", "Share of the wave's people active in the last 28 days (analytics).", "percent"
        ),
        GateMetric(
            "acceptance_rate",
            "(accepted + edited) ÷ (accepted + edited + rejected) outputs of the wave's people, last 28 days.",
            "percent",
        ),
        GateMetric("trust_score", "The use case's trust score over the last 28 days (0-100).", "score"),
        GateMetric(
            "training_completion",
            "Share of the wave's people who completed the use case's required training.",
            "percent",
        ),
        GateMetric(
            "open_severity_1_incidents",
            "Open severity-1 incidents on the use case; use '<= 0' for \"no open severity-1 incident\".",
            "count",
        ),
    )
}
INCIDENT_METRIC = "open_severity_1_incidents"
GATE_WINDOW_DAYS = 28


@dataclass(frozen=True)
class GateReading:
    """A metric's value for one gate, and the figures behind it (or why there is no value)."""

    value: float | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Cohort:
    """The current wave's people: directory ids and the canonical person keys events are keyed by."""

    person_ids: tuple[int, ...]
    person_keys: tuple[str, ...]


class GateMetricSource(Protocol):
    """Reads event metrics and incidents for gates (see the module documentation)."""

    def read(
        self, session: Session, workspace_id: int, metric: str, *, use_case: str, cohort: Cohort, today: date
    ) -> GateReading: ...


def compare(value: float | None, comparison: Comparison, threshold: float) -> bool:
    if value is None:
        return False
    if comparison == Comparison.at_least:
        return value >= threshold
    if comparison == Comparison.more_than:
        return value > threshold
    if comparison == Comparison.at_most:
        return value <= threshold
    return value < threshold


def read_training_completion(
    session: Session, workspace_id: int, use_case_slug: str, person_ids: Sequence[int]
) -> GateReading:
    if not person_ids:
        return GateReading(None, {"people": 0, "unavailable": "the wave has no people yet"})
    if not modules_service.required_modules_for_use_case(session, workspace_id, use_case_slug):
        return GateReading(100.0, {"people": len(person_ids), "trained": len(person_ids), "required": []})
    trained = completions_service.completions_for_use_case(
        session, workspace_id, use_case_slug, person_ids=person_ids
    )
    return GateReading(
        round(100.0 * len(trained) / len(person_ids), 2), {"people": len(person_ids), "trained": len(trained)}
    )


def read_gate_metric(
    session: Session,
    workspace_id: int,
    metric: str,
    *,
    use_case_slug: str,
    cohort: Cohort,
    source: GateMetricSource,
    today: date,
) -> GateReading:
    """The one function every gate value is read through."""
    if metric == "training_completion":
        return read_training_completion(session, workspace_id, use_case_slug, cohort.person_ids)
    return source.read(session, workspace_id, metric, use_case=use_case_slug, cohort=cohort, today=today)
