"""Compliance from the facts: which controls of the shipped frameworks a use case must meet, and whether uptake's
own records show it does. It stays whole: the rules, the facts they read and the evidence they ask for are one
decision, each kind of evidence is one short method of one gatherer, and splitting them would spread the meaning of
one rule over several files.

The rules are data (``governance/data/compliance_rules.yaml``): per control, the facts that make it required (risk
tier, data classes, deployment, Annex III areas), its scope (each use case, or the organization once) and the kinds
of record that are its evidence. Evidence is gathered from the records themselves, through the other domains'
services (use-card versions, the risk assessment, reviews and their verdicts, training completions of the people
entitled to the use case, monitoring figures through the privacy floor, incidents, the audit log), each dated and
linked to its source. A control no record can show ("external") is met by a person's control mapping marked
implemented, with its links. docs/compliance.md says which record satisfies which control, and what that does not
prove.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from uptake.analytics import schemas as analytics_schemas
from uptake.analytics import service as analytics_service
from uptake.audit import service as audit_service
from uptake.catalog import service as catalog_service
from uptake.catalog.schemas import LIVE_STATUSES, UseCase
from uptake.db import utcnow
from uptake.directory.service import people as people_service
from uptake.enablement.service import completions as completions_service
from uptake.enablement.service import modules as modules_service
from uptake.governance import repository
from uptake.governance.frameworks import Control, shipped_frameworks
from uptake.governance.models import ConditionStatus, ControlStatus, ReviewStatus, Verdict
from uptake.rollout import service as rollout_service
from uptake.trust import service as trust_service

EvidenceKind = Literal[
    "risk_assessment",
    "review_approval",
    "review_verdicts",
    "use_card_purpose",
    "human_check",
    "training_completions",
    "monitoring_figures",
    "incident_log",
    "audit_log",
    "inventory",
    "literacy_programme",
    "incident_process",
    "external",
]
EVIDENCE_KINDS: dict[str, str] = {
    "risk_assessment": "the risk assessment (questionnaire answers, proposed tier, any override)",
    "review_approval": "the review decision that approved the use case, with its conditions",
    "review_verdicts": "the reviewers' verdicts of that review",
    "use_card_purpose": "the use card's purpose: the summary and 'when to use it, and when not'",
    "human_check": "the use card's human check ('can I trust the output', 'which sign-offs stay human') "
    "and the human-oversight mode",
    "training_completions": "training completions of the people entitled to the use case",
    "monitoring_figures": "usage, acceptance and trust figures of the last 90 days, through the privacy floor",
    "incident_log": "the use case's incidents, with their resolution",
    "audit_log": "the use case's entries in the sealed audit log, and the chain's verification",
    "inventory": "the catalog of use cases, each with an accountable owner",
    "literacy_programme": "published training modules",
    "incident_process": "every live use card says what to do when the output is wrong and how to report it",
    "external": "a person's control mapping marked implemented, with its links",
}
MONITORING_DAYS = 90
MONITORING_METRICS = ("active", "adoption_rate", "acceptance_rate", "trust_score")
Deployment = Literal["internal", "customer_facing", "decisions_about_people"]


class RuleWhen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tiers: tuple[str, ...] = ()
    data_classes: tuple[str, ...] = ()
    deployment: tuple[Deployment, ...] = ()
    annex_iii: tuple[str, ...] = ()


class ControlRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    framework: str
    control: str
    scope: Literal["use_case", "organization"]
    when: RuleWhen = RuleWhen()
    why: Annotated[str, Field(min_length=1)]
    evidence: Annotated[tuple[EvidenceKind, ...], Field(min_length=1)]


class ComplianceRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    training_share: Annotated[float, Field(gt=0, le=1)]
    controls: tuple[ControlRule, ...]


@cache
def shipped_rules() -> ComplianceRules:
    """The rules file, each control checked to be a leaf of a shipped framework."""
    text = resources.files("uptake.governance").joinpath("data/compliance_rules.yaml").read_text("utf-8")
    rules = ComplianceRules.model_validate(yaml.safe_load(text))
    frameworks = {framework.slug: framework for framework in shipped_frameworks()}
    for rule in rules.controls:
        control = frameworks[rule.framework].find(rule.control) if rule.framework in frameworks else None
        if control is None or not control.is_leaf:
            raise ValueError(
                f"compliance rule for {rule.framework} {rule.control!r}: not a leaf of that framework"
            )
    return rules


def control_of(rule: ControlRule) -> Control:
    for framework in shipped_frameworks():
        if framework.slug == rule.framework:
            found = framework.find(rule.control)
            if found is not None:
                return found
    raise KeyError(rule.control)


# ---------------------------------------------------------------- facts


@dataclass(frozen=True)
class UseCaseFacts:
    """What the rules read about a use case."""

    tier: str | None
    data_classes: tuple[str, ...]
    deployment: tuple[str, ...]
    annex_iii: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "tier": self.tier,
            "data_classes": list(self.data_classes),
            "deployment": list(self.deployment),
            "annex_iii": list(self.annex_iii),
        }


def facts_of(session: Session, workspace_id: int, use_case: UseCase) -> UseCaseFacts:
    """The tier (the assessment's, with a reviewer's override), the allowed data classes, and the deployment and
    Annex III areas the risk questionnaire's answers give."""
    assessment = repository.get_risk_assessment(session, workspace_id, use_case.id)
    answers = assessment.answers if assessment is not None else {}
    deployment = ["customer_facing" if answers.get("customer_facing") is True else "internal"]
    if answers.get("decisions_about_people") is True:
        deployment.append("decisions_about_people")
    areas = answers.get("annex_iii_areas")
    return UseCaseFacts(
        tier=assessment.tier if assessment is not None else use_case.risk_tier,
        data_classes=tuple(use_case.allowed_data_classes or ()),
        deployment=tuple(deployment),
        annex_iii=tuple(str(area) for area in areas) if isinstance(areas, list) else (),
    )


def rule_applies(rule: ControlRule, facts: UseCaseFacts) -> bool:
    when = rule.when
    checks: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
        (when.tiers, (facts.tier,) if facts.tier else ()),
        (when.data_classes, facts.data_classes),
        (when.deployment, facts.deployment),
        (when.annex_iii, facts.annex_iii),
    ]
    return all(not wanted or set(wanted) & set(have) for wanted, have in checks)


def required_rules(facts: UseCaseFacts, rules: ComplianceRules | None = None) -> list[ControlRule]:
    return [rule for rule in (rules or shipped_rules()).controls if rule_applies(rule, facts)]


def why_required(rule: ControlRule, facts: UseCaseFacts) -> str:
    """The rule's reason and the facts that triggered it."""
    when = rule.when
    parts = []
    if when.tiers:
        parts.append(f"risk tier {facts.tier}")
    if when.data_classes:
        parts.append("data classes " + ", ".join(sorted(set(when.data_classes) & set(facts.data_classes))))
    if when.deployment:
        parts.append(", ".join(sorted(set(when.deployment) & set(facts.deployment))).replace("_", " "))
    if when.annex_iii:
        parts.append("Annex III " + ", ".join(sorted(set(when.annex_iii) & set(facts.annex_iii))))
    if parts:
        because = f" (because: {'; '.join(parts)})"
    else:
        because = (
            " (once, for the whole organization)" if rule.scope == "organization" else " (every use case)"
        )
    return rule.why + because


# ---------------------------------------------------------------- evidence


@dataclass(frozen=True)
class Evidence:
    """One record that shows (or fails to show) a control is met."""

    kind: str
    satisfied: bool
    summary: str
    source: str
    dated: datetime | None = None
    version: str | None = None
    details: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ControlResult:
    rule: ControlRule
    control: Control
    why: str
    status: Literal["met", "missing", "not_applicable"]
    evidence: list[Evidence]
    gaps: list[str]


@dataclass(frozen=True)
class UseCaseCompliance:
    use_case: UseCase
    facts: UseCaseFacts
    generated_at: datetime
    controls: list[ControlResult]

    @property
    def met(self) -> list[ControlResult]:
        return [control for control in self.controls if control.status == "met"]

    @property
    def missing(self) -> list[ControlResult]:
        return [control for control in self.controls if control.status == "missing"]


class _Gatherer:
    """Collects each kind of evidence once for one use case."""

    def __init__(
        self,
        session: Session,
        workspace_id: int,
        use_case: UseCase,
        *,
        analytics: analytics_service.Analytics | None,
        now: datetime,
        training_share: float,
    ) -> None:
        self.session = session
        self.workspace_id = workspace_id
        self.use_case = use_case
        self.analytics = analytics
        self.now = now
        self.training_share = training_share
        self.base = f"/api/v1/use-cases/{use_case.slug}"
        self._found: dict[str, Evidence] = {}
        self._chain: audit_service.ChainReport | None = None
        self.card = catalog_service.get_use_card(
            session, workspace_id, catalog_service.get_use_case_ref_by_id(session, workspace_id, use_case.id)
        )

    def get(self, kind: str) -> Evidence:
        if kind not in self._found:
            gather: Callable[[], Evidence] = getattr(self, f"_{kind}")
            self._found[kind] = gather()
        return self._found[kind]

    def _risk_assessment(self) -> Evidence:
        from uptake.governance import service as governance_service

        assessment = repository.get_risk_assessment(self.session, self.workspace_id, self.use_case.id)
        source = f"{self.base}/risk-assessment"
        if assessment is None:
            return Evidence("risk_assessment", False, "the use case has no risk assessment", source)
        details = [
            f"{reason.get('reference', '')}: {reason.get('reason', '')}" for reason in assessment.reasons
        ]
        if assessment.override_tier:
            details.append(
                f"tier overridden to {assessment.override_tier}: {assessment.override_justification}"
            )
        current = governance_service.is_assessment_current(self.session, self.workspace_id, assessment)
        summary = f"tier {assessment.tier} (proposed {assessment.proposed_tier})"
        if not current:
            summary += "; answered against an earlier questionnaire, so it must be answered again"
        return Evidence(
            "risk_assessment",
            current,
            summary,
            source,
            assessment.overridden_at or assessment.assessed_at,
            assessment.questionnaire_digest[:12],
            details,
        )

    def _review_approval(self) -> Evidence:
        source = f"{self.base}/decisions"
        decisions = repository.list_decisions(self.session, self.workspace_id, self.use_case.id)
        approved = [decision for decision in decisions if decision.outcome == ReviewStatus.approved]
        if not approved:
            return Evidence("review_approval", False, "no review approved the use case", source)
        decision = max(approved, key=lambda item: (item.decided_at, item.id))
        conditions = repository.list_conditions_for_reviews(
            self.session, self.workspace_id, [decision.review_id]
        )
        open_overdue = [
            condition
            for condition in conditions
            if condition.status == ConditionStatus.open
            and condition.due_on is not None
            and condition.due_on < self.now.date()
        ]
        details = [
            f"condition: {condition.text} ({condition.status.value}"
            + (f", due {condition.due_on}" if condition.due_on else "")
            + ")"
            for condition in conditions
        ]
        summary = (
            f"approved at tier {decision.risk_tier} on {decision.decided_at.date()} (decision {decision.id})"
        )
        if open_overdue:
            summary += f"; {len(open_overdue)} condition(s) open past their due date"
        return Evidence(
            "review_approval",
            not open_overdue,
            summary,
            source,
            decision.decided_at,
            f"review {decision.review_id}",
            details,
        )

    def _review_verdicts(self) -> Evidence:
        source = f"{self.base}/decisions"
        decisions = repository.list_decisions(self.session, self.workspace_id, self.use_case.id)
        approved = [decision for decision in decisions if decision.outcome == ReviewStatus.approved]
        if not approved:
            return Evidence("review_verdicts", False, "no approved review, so no reviewers' verdicts", source)
        decision = max(approved, key=lambda item: (item.decided_at, item.id))
        review = repository.get_review(self.session, self.workspace_id, decision.review_id)
        verdicts = list(review.verdicts) if review is not None else []
        approvals = [verdict for verdict in verdicts if verdict.verdict == Verdict.approve]
        names = {
            person.id: person.display_name
            for person in people_service.list_people_by_ids(
                self.session, self.workspace_id, sorted({verdict.reviewer_id for verdict in verdicts})
            )
        }
        details = [
            f"{verdict.area}: {verdict.verdict.value} by {names.get(verdict.reviewer_id, verdict.reviewer_id)} "
            f"on {verdict.created_at.date()}" + (f" ({verdict.comment})" if verdict.comment else "")
            for verdict in verdicts
        ]
        return Evidence(
            "review_verdicts",
            bool(approvals),
            f"{len(approvals)} approving verdict(s) in areas "
            + ", ".join(sorted({v.area for v in approvals})),
            f"/api/v1/reviews/{decision.review_id}",
            max((verdict.created_at for verdict in verdicts), default=None),
            f"review {decision.review_id}",
            details,
        )

    def _use_card_purpose(self) -> Evidence:
        source = f"{self.base}/use-card/versions/{self.use_case.use_card_version}"
        card = self.card
        if card is None:
            return Evidence(
                "use_card_purpose", False, "the use case has no use card", f"{self.base}/use-card"
            )
        missing = [
            name
            for name, text in (
                ("summary", self.use_case.summary),
                ("when to use it, and when not", card.when_to_use),
            )
            if not (text or "").strip()
        ]
        return Evidence(
            "use_card_purpose",
            not missing,
            "purpose stated" if not missing else "missing: " + ", ".join(missing),
            source,
            card.created_at,
            f"use card v{card.version}",
            [f"when to use: {card.when_to_use.strip()[:300]}"] if card.when_to_use else [],
        )

    def _human_check(self) -> Evidence:
        card = self.card
        if card is None:
            return Evidence("human_check", False, "the use case has no use card", f"{self.base}/use-card")
        missing = [
            name
            for name, text in (
                ("can I trust the output", card.trust_output),
                ("which sign-offs stay human", card.approvals),
            )
            if not (text or "").strip()
        ]
        mode = self.use_case.human_oversight
        if mode is None:
            missing.append("the human-oversight mode")
        return Evidence(
            "human_check",
            not missing,
            (f"oversight: {mode.value.replace('_', ' ')}" if mode else "no oversight mode")
            + ("" if not missing else "; missing: " + ", ".join(missing)),
            f"{self.base}/use-card/versions/{card.version}",
            card.created_at,
            f"use card v{card.version}",
        )

    def training_coverage(self) -> tuple[int | None, int | None, int, list[str]]:
        """(people entitled, people trained, privacy floor, required module slugs); counts None below the floor."""
        floor = analytics_service.workspace_settings(self.session, self.workspace_id).privacy_floor
        modules = [
            module.slug
            for module in modules_service.required_module_rows(
                self.session, self.workspace_id, self.use_case.slug
            )
        ]
        entitled = set(rollout_service.entitled_since(self.session, self.workspace_id, self.use_case.slug))
        if len(entitled) < floor:
            return None, None, floor, modules
        trained = completions_service.completions_for_use_case(
            self.session, self.workspace_id, self.use_case.slug, person_ids=entitled, now=self.now
        )
        return len(entitled), len(trained), floor, modules

    def _training_completions(self) -> Evidence:
        source = f"/api/v1/training/use-cases/{self.use_case.slug}/requirement"
        entitled, trained, floor, modules = self.training_coverage()
        if not modules:
            return Evidence("training_completions", False, "the use case names no required training", source)
        if entitled is None or trained is None:
            return Evidence(
                "training_completions",
                False,
                f"fewer than {floor} people are entitled through a rollout wave: no figure is shown below the "
                "privacy floor",
                source,
                version=", ".join(modules),
            )
        share = trained / entitled if entitled else 0.0
        return Evidence(
            "training_completions",
            share >= self.training_share,
            f"{trained} of {entitled} entitled people completed the required training ({share:.0%}; "
            f"{self.training_share:.0%} needed)",
            source,
            self.now,
            ", ".join(modules),
        )

    def monitoring(self) -> dict[str, object] | None:
        if self.analytics is None:
            return None
        period = analytics_schemas.Period(
            (self.now - timedelta(days=MONITORING_DAYS - 1)).date(), self.now.date()
        )
        figures: dict[str, object] = {"period": f"{period.start} to {period.end}"}
        grouping = analytics_schemas.Grouping(by=("use_case",))
        for name in MONITORING_METRICS:
            rows = self.analytics.metric(self.session, self.workspace_id, name, period, grouping).rows
            row = next((row for row in rows if row.get("use_case") == self.use_case.slug), None)
            if row is None:
                figures[name] = None
            elif row.get("suppressed"):
                figures[name] = "below the privacy floor"
            else:
                figures[name] = row.get("value")
        return figures

    def _monitoring_figures(self) -> Evidence:
        source = "/api/v1/metrics/adoption_rate?by=use_case"
        figures = self.monitoring()
        if figures is None:
            return Evidence(
                "monitoring_figures", False, "the figures were not gathered (no analytics)", source
            )
        shown = {
            name: value
            for name, value in figures.items()
            if name != "period" and isinstance(value, int | float)
        }
        return Evidence(
            "monitoring_figures",
            bool(shown),
            (
                "figures " + ", ".join(f"{name} {value:.3g}" for name, value in shown.items())
                if shown
                else "no figure above the privacy floor"
            )
            + f" ({figures['period']})",
            source,
            self.now,
            details=[f"{name}: {value}" for name, value in figures.items()],
        )

    def incidents(self) -> list[Any]:
        """The use case's incidents (trust's records, read for their dates, status and resolution)."""
        return trust_service.incidents_of_use_case(self.session, self.workspace_id, self.use_case.id)

    def _incident_log(self) -> Evidence:
        incidents = self.incidents()
        overdue = [
            incident
            for incident in incidents
            if incident.resolved_at is None and incident.due_at < self.now.replace(tzinfo=None)
        ]
        undocumented = [
            incident
            for incident in incidents
            if incident.resolved_at is not None
            and not (incident.root_cause or incident.fix or incident.post_incident_note)
        ]
        gaps = [f"incident {incident.id} is open past its due time" for incident in overdue] + [
            f"incident {incident.id} was resolved without a root cause, fix or note"
            for incident in undocumented
        ]
        resolved = sum(1 for incident in incidents if incident.resolved_at is not None)
        return Evidence(
            "incident_log",
            not gaps,
            f"{len(incidents)} incident(s), {resolved} resolved" + ("; " + "; ".join(gaps) if gaps else ""),
            f"/api/v1/incidents?use_case={self.use_case.slug}",
            max((incident.updated_at for incident in incidents), default=None),
        )

    def audit_targets(self) -> list[str]:
        reviews = repository.list_reviews(
            self.session, self.workspace_id, use_case_id=self.use_case.id, limit=1000
        )
        conditions = repository.list_conditions_for_reviews(
            self.session, self.workspace_id, [review.id for review in reviews]
        )
        return [
            f"use_case:{self.use_case.id}",
            *(f"review:{review.id}" for review in reviews),
            *(f"condition:{condition.id}" for condition in conditions),
            *(f"incident:{incident.id}" for incident in self.incidents()),
        ]

    def chain_report(self) -> audit_service.ChainReport:
        """The workspace's audit chain verified once, for the evidence and the pack's extract."""
        if self._chain is None:
            self._chain = audit_service.verify_audit_chain(self.session, self.workspace_id)
        return self._chain

    def _audit_log(self) -> Evidence:
        entries = audit_service.list_audit_entries(
            self.session, self.workspace_id, target=f"use_case:{self.use_case.id}", limit=1
        )
        report = self.chain_report()
        summary = "chain intact" if report.is_intact else f"chain broken: {report.first_break.reason}"  # type: ignore[union-attr]
        return Evidence(
            "audit_log",
            bool(entries) and report.is_intact,
            f"{report.entries_checked} entries checked, {summary}",
            f"/api/v1/audit/entries?target=use_case:{self.use_case.id}",
            entries[0].created_at if entries else None,
            f"entry #{entries[0].seq}" if entries else None,
        )

    def _inventory(self) -> Evidence:
        use_cases, total = catalog_service.list_use_cases(self.session, self.workspace_id, limit=10_000)
        ownerless = [use_case.slug for use_case in use_cases if use_case.owner_id is None]
        return Evidence(
            "inventory",
            not ownerless and total > 0,
            f"{total} use cases in the catalog"
            + (f"; without an owner: {', '.join(ownerless[:10])}" if ownerless else ", each with an owner"),
            "/api/v1/use-cases",
            self.now,
        )

    def _literacy_programme(self) -> Evidence:
        modules = modules_service.list_modules(self.session, self.workspace_id, published_only=True)
        return Evidence(
            "literacy_programme",
            bool(modules),
            f"{len(modules)} published training module(s)",
            "/api/v1/training/modules",
            max((module.updated_at for module in modules), default=None) if modules else None,
            details=[f"{module.slug}: {module.title}" for module in modules[:20]],
        )

    def _incident_process(self) -> Evidence:
        live, _ = catalog_service.list_use_cases(
            self.session, self.workspace_id, statuses=list(LIVE_STATUSES), limit=10_000
        )
        cards = catalog_service.list_current_use_cards(self.session, self.workspace_id, live)
        silent = [
            use_case.slug
            for use_case in live
            if use_case.id not in cards or not (cards[use_case.id].when_wrong or "").strip()
        ]
        reported = len(trust_service.incident_snapshot_rows(self.session, self.workspace_id))
        return Evidence(
            "incident_process",
            bool(live) and not silent,
            f"{len(live)} live use case(s), {reported} incident record(s) in the workspace"
            + (f"; cards that do not say how to report: {', '.join(silent[:10])}" if silent else ""),
            "/api/v1/incidents",
            self.now,
        )

    def _external(self) -> Evidence:
        raise AssertionError("external evidence comes from the control mappings")  # pragma: no cover


def assess_use_case(
    session: Session,
    workspace_id: int,
    slug: str,
    *,
    analytics: analytics_service.Analytics | None = None,
    now: datetime | None = None,
    rules: ComplianceRules | None = None,
) -> tuple[UseCaseCompliance, _Gatherer]:
    """The use case's required controls, each met or missing with its evidence and gaps, and why it is required."""
    rules = rules or shipped_rules()
    now = now or utcnow()
    use_case = catalog_service.describe_use_case(session, workspace_id, slug)
    facts = facts_of(session, workspace_id, use_case)
    gatherer = _Gatherer(
        session, workspace_id, use_case, analytics=analytics, now=now, training_share=rules.training_share
    )
    mappings = {
        (mapping.framework_slug, mapping.control_id): mapping
        for mapping in repository.list_control_mappings(session, workspace_id, use_case_id=use_case.id)
    }
    results = []
    for rule in required_rules(facts, rules):
        mapping = mappings.get((rule.framework, rule.control))
        evidence: list[Evidence] = []
        gaps: list[str] = []
        for kind in rule.evidence:
            if kind == "external":
                links = list(mapping.evidence) if mapping is not None else []
                done = mapping is not None and mapping.status == ControlStatus.implemented and bool(links)
                item = Evidence(
                    "external",
                    done,
                    (
                        f"mapped as {mapping.status.value} with {len(links)} link(s)"
                        if mapping is not None
                        else "no one has recorded how it is met"
                    ),
                    f"{gatherer.base}/control-mappings",
                    mapping.updated_at if mapping is not None else None,
                    details=[f"{link.get('label')}: {link.get('url')}" for link in links]
                    + ([mapping.notes] if mapping is not None and mapping.notes else []),
                )
            else:
                item = gatherer.get(kind)
            evidence.append(item)
            if not item.satisfied:
                gaps.append(f"{EVIDENCE_KINDS[kind]}: {item.summary}")
        status: Literal["met", "missing", "not_applicable"] = "met" if not gaps else "missing"
        if mapping is not None and mapping.status == ControlStatus.not_applicable and mapping.notes.strip():
            status = "not_applicable"
        results.append(
            ControlResult(rule, control_of(rule), why_required(rule, facts), status, evidence, gaps)
        )
    return UseCaseCompliance(use_case, facts, now, results), gatherer


def required_control_keys(session: Session, workspace_id: int, use_case: UseCase) -> set[tuple[str, str]]:
    """(framework, control) of each control the rules require of the use case: what coverage counts it against."""
    facts = facts_of(session, workspace_id, use_case)
    return {(rule.framework, rule.control) for rule in required_rules(facts)}
