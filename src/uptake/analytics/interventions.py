"""Interventions: which team × use case cells lag, by how much, why, and what to do about it.

A cell lags when its adoption rate is below the use case's reference: the use case's target adoption from
the catalog when it has one, else the use case's adoption rate over the whole workspace. Cells are ranked
by the people missing to reach the reference (the gap × the cell's eligible people), then by the gap.

Why, from the funnel (eligible → trained → tried → repeat) and the use case's trust figures:

| finding | action |
| --- | --- |
| incidents open at period end or opened in the last 90 days | resolve and communicate |
| most people are lost between eligible and trained | schedule enablement |
| most are lost between trained and tried | champion / use-card clarity |
| most are lost between tried and repeat | check usefulness and trust (ratings, rejection rate) |

Each recommendation carries the evidence figures it was decided by. The inputs are published rows (after
the privacy floor): a cell whose adoption or funnel row is suppressed is about fewer than k people and is
never listed, and a suppressed evidence figure stays None.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from uptake.analytics.schemas import Intervention, Step

ACTIONS: dict[Step, str] = {
    "incidents": "resolve and communicate",
    "training": "schedule enablement",
    "trying": "champion / use-card clarity",
    "repeating": "check usefulness and trust (ratings, rejection rate)",
}
STEPS: tuple[tuple[Step, str, str], ...] = (
    ("training", "eligible", "trained"),
    ("trying", "trained", "tried"),
    ("repeating", "tried", "repeat"),
)


def _ratio(numerator: Any, denominator: Any) -> float | None:
    if numerator is None or not denominator:
        return None
    return float(numerator) / float(denominator)


def rank_interventions(
    *,
    adoption: Sequence[Mapping[str, Any]],
    funnel: Sequence[Mapping[str, Any]],
    rejection: Sequence[Mapping[str, Any]],
    workspace_adoption: Mapping[str, float | None],
    trust: Mapping[str, Mapping[str, Any]],
    targets: Mapping[str, float | None],
    team_names: Mapping[int, str],
    limit: int | None = None,
) -> list[Intervention]:
    """Lagging cells, worst first, from published rows keyed by (`team_id`, `use_case`).

    `adoption`, `funnel` and `rejection` are the rows of those metrics by team × use case;
    `workspace_adoption` the adoption rate per use case over the workspace; `trust` the trust-score row per
    use case (for `mean_rating` and `incidents`); `targets` the catalog's target adoption (a share) per use case.
    """
    funnels = {(row["team_id"], row["use_case"]): row for row in funnel if not row.get("suppressed")}
    rejections = {(row["team_id"], row["use_case"]): row for row in rejection}
    found: list[Intervention] = []
    for cell in adoption:
        if cell.get("suppressed") or cell.get("value") is None:
            continue
        key = (cell["team_id"], cell["use_case"])
        steps = funnels.get(key)
        if steps is None:
            continue
        use_case = cell["use_case"]
        target = targets.get(use_case)
        reference_rate = target if target is not None else workspace_adoption.get(use_case)
        if reference_rate is None:
            continue
        rate = float(cell["value"])
        gap = reference_rate - rate
        if gap <= 0:
            continue
        conversions = {name: _ratio(steps[after], steps[before]) for name, before, after in STEPS}
        rejected = rejections.get(key, {})
        use_case_trust = trust.get(use_case, {})
        incidents = int(use_case_trust.get("incidents") or 0)
        evidence: dict[str, Any] = {
            "eligible": cell["eligible"],
            "active": cell["active"],
            "adoption_rate": rate,
            "reference_rate": reference_rate,
            "trained": steps["trained"],
            "tried": steps["tried"],
            "repeat": steps["repeat"],
            "habitual": steps["habitual"],
            "training_rate": conversions["training"],
            "trying_rate": conversions["trying"],
            "repeat_rate": conversions["repeating"],
            "rejection_rate": rejected.get("value"),
            "decided_events": rejected.get("decided"),
            "mean_rating": use_case_trust.get("mean_rating"),
            "incidents": incidents,
        }
        step, reason = _diagnose(conversions, incidents, evidence)
        found.append(
            Intervention(
                rank=0,
                team_id=int(cell["team_id"]),
                team=team_names.get(int(cell["team_id"]), f"team {cell['team_id']}"),
                use_case=use_case,
                adoption_rate=rate,
                reference_rate=reference_rate,
                reference="target" if target is not None else "workspace",
                gap=gap,
                people_missing=round(gap * int(cell["eligible"])),
                weakest_step=step,
                action=ACTIONS[step],
                reason=reason,
                evidence=evidence,
            )
        )
    found.sort(key=lambda item: (-item.people_missing, -item.gap, item.team_id, item.use_case))
    ranked = [replace(item, rank=position) for position, item in enumerate(found, start=1)]
    return ranked[:limit] if limit is not None else ranked


def _diagnose(
    conversions: Mapping[Step, float | None], incidents: int, evidence: Mapping[str, Any]
) -> tuple[Step, str]:
    """The weakest step (the one that loses the most people; on a tie the lower conversion, then the
    earlier step) and the sentence that names its figures."""
    if incidents > 0:
        return "incidents", f"{incidents} incident(s) open or recent for this use case"
    order = {name: position for position, (name, _, _) in enumerate(STEPS)}
    lost = {
        name: int(evidence[before] or 0) - int(evidence[after] or 0)
        for name, before, after in STEPS
        if evidence[before] is not None and evidence[after] is not None
    }
    weakest: Step = (
        min(
            lost,
            key=lambda name: (
                -lost[name],
                conversions[name] if conversions[name] is not None else 1.0,
                order[name],
            ),
        )
        if lost
        else "training"
    )
    if weakest == "training":
        return weakest, (
            f"{_percent(conversions['training'])} of {evidence['eligible']} eligible people are trained, "
            f"{_percent(evidence['adoption_rate'])} active"
        )
    if weakest == "trying":
        return weakest, (
            f"{_percent(conversions['trying'])} of {evidence['trained']} trained people have tried it"
        )
    details = [f"{_percent(conversions['repeating'])} of {evidence['tried']} who tried it came back"]
    if evidence["rejection_rate"] is not None:
        details.append(f"rejection rate {_percent(evidence['rejection_rate'])}")
    if evidence["mean_rating"] is not None:
        details.append(f"mean rating {evidence['mean_rating']:.1f}/5")
    return weakest, ", ".join(details)


def _percent(share: float | None) -> str:
    return "n/a" if share is None else f"{share * 100:.0f} %"
