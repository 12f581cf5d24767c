from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from uptake.catalog.schemas import Id
from uptake.governance.frameworks import FrameworkDocument
from uptake.governance.models import ConditionStatus, ControlStatus, ReviewKind, ReviewStatus, Verdict

AreaId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$")]
TierId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$")]
Answer = (
    bool
    | Annotated[str, Field(max_length=60)]
    | Annotated[list[Annotated[str, Field(max_length=60)]], Field(max_length=50)]
)


# ---------------------------------------------------------------- policy documents


class PolicySource(BaseModel):
    """A policy document as YAML text (the format is in docs/risk-questionnaire.md)."""

    model_config = ConfigDict(extra="forbid")

    source: Annotated[str, Field(min_length=1, max_length=200_000)]


class PolicyDocument(BaseModel):
    source: str
    is_default: bool
    updated_at: datetime | None
    document: dict[str, Any]


# ---------------------------------------------------------------- risk assessment


class RiskAssessmentAnswers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: Annotated[dict[Annotated[str, Field(max_length=60)], Answer], Field(max_length=200)]


class TierOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tier: TierId
    justification: Annotated[str, Field(min_length=10, max_length=5000)]


class TierReason(BaseModel):
    tier: str
    reason: str
    reference: str


class RiskAssessment(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    use_case_slug: str
    answers: dict[str, Any]
    proposed_tier: str
    reasons: list[TierReason]
    tier: str
    override_tier: str | None
    override_justification: str | None
    overridden_by_id: int | None
    overridden_at: datetime | None
    assessed_by_id: int | None
    assessed_at: datetime
    is_current: bool


# ---------------------------------------------------------------- reviews


class ConditionInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Field(min_length=1, max_length=1000)]
    due_on: date | None = None


class VerdictCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verdict: Verdict
    area: AreaId | None = None
    comment: Annotated[str, Field(max_length=5000)] = ""
    conditions: Annotated[list[ConditionInput], Field(max_length=20)] = []


class ReviewVerdict(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    reviewer_id: int
    area: str
    verdict: Verdict
    comment: str
    created_at: datetime


class AreaProgress(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    area: str
    approved_by: int | None


class Review(BaseModel):
    id: int
    use_case_slug: str
    use_case_title: str
    kind: ReviewKind
    status: ReviewStatus
    risk_tier: str | None
    submitted_by_id: int | None
    submitted_at: datetime
    use_card_version: int
    closed_at: datetime | None
    required_areas: list[str]
    progress: list[AreaProgress]
    missing_areas: list[str]
    verdicts: list[ReviewVerdict]
    evidence: dict[str, Any] | None = None


class ConditionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ConditionStatus


class Condition(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    review_id: int
    text: str
    due_on: date | None
    status: ConditionStatus
    created_at: datetime
    resolved_at: datetime | None


class Decision(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    review_id: int
    outcome: ReviewStatus
    risk_tier: str
    approvals: list[dict[str, Any]]
    decided_at: datetime
    next_review_on: date | None
    conditions: list[Condition]


class OverdueReview(BaseModel):
    use_case_slug: str
    use_case_title: str
    risk_tier: str | None
    next_review_on: date
    days_overdue: int
    decision_id: int


# ---------------------------------------------------------------- reviewer board


class ReviewerAssignmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: Id
    area: AreaId


class ReviewerAssignment(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    area: str
    created_at: datetime


# ---------------------------------------------------------------- frameworks


def _http_url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError("evidence links start with https:// or http://")
    return value


class EvidenceLink(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: Annotated[str, Field(min_length=1, max_length=200)]
    url: Annotated[str, Field(min_length=8, max_length=2000), AfterValidator(_http_url)]


class ControlMappingUpsert(BaseModel):
    model_config = ConfigDict(extra="forbid")

    framework: Annotated[str, Field(min_length=1, max_length=63)]
    control: Annotated[str, Field(min_length=1, max_length=100)]
    status: ControlStatus = ControlStatus.planned
    evidence: Annotated[list[EvidenceLink], Field(max_length=20)] = []
    notes: Annotated[str, Field(max_length=5000)] = ""


class ControlMapping(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    use_case_slug: str
    framework: str
    control: str
    status: ControlStatus
    evidence: list[dict[str, str]]
    notes: str
    updated_at: datetime


class FrameworkSummary(BaseModel):
    slug: str
    name: str
    version: str
    publisher: str
    is_shipped: bool
    controls: int
    leaves: int


class ControlCoverage(BaseModel):
    id: str
    title: str
    text: str
    reference: str
    depth: int
    parent_id: str | None
    is_leaf: bool
    applies_to: list[str]
    use_cases: dict[str, str]
    counts: dict[str, int]
    scope: str
    required_of: list[str]
    is_implemented: bool


class FrameworkCoverage(BaseModel):
    slug: str
    name: str
    leaves: int
    leaves_mapped: int
    leaves_implemented: int
    controls: list[ControlCoverage]


FrameworkImport = FrameworkDocument


class EvidenceItem(BaseModel):
    kind: str
    satisfied: bool
    summary: str
    source: str
    dated: datetime | None
    version: str | None
    details: list[str]


class RequiredControl(BaseModel):
    framework: str
    control: str
    title: str
    scope: str
    status: str
    why: str
    evidence: list[EvidenceItem]
    gaps: list[str]


class UseCaseCompliance(BaseModel):
    use_case: str
    facts: dict[str, Any]
    generated_at: datetime
    required: int
    met: int
    missing: int
    controls: list[RequiredControl]
