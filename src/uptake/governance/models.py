"""Governance: risk assessments, reviews and their verdicts, decisions with conditions, the reviewer board, the
workspace's policy documents, its own control frameworks, and the mapping of use cases to controls."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from uptake.db import Base, WorkspaceMixin, utcnow


def _enum(kind: type[enum.StrEnum], length: int = 30) -> Enum:
    return Enum(kind, native_enum=False, length=length, validate_strings=True)


class RiskAssessment(WorkspaceMixin, Base):
    """The questionnaire's answers for one use case, the tier they propose, and a reviewer's override."""

    __tablename__ = "governance_risk_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_use_case.id", ondelete="CASCADE"), unique=True
    )
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    proposed_tier: Mapped[str] = mapped_column(String(60))
    reasons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    questionnaire_digest: Mapped[str] = mapped_column(String(64))
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("directory_person.id", ondelete="SET NULL"))
    assessed_at: Mapped[datetime] = mapped_column(default=utcnow)
    override_tier: Mapped[str | None] = mapped_column(String(60))
    override_justification: Mapped[str | None] = mapped_column(Text)
    overridden_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_person.id", ondelete="SET NULL")
    )
    overridden_at: Mapped[datetime | None]

    @property
    def tier(self) -> str:
        return self.override_tier or self.proposed_tier


class ReviewKind(enum.StrEnum):
    initial = "initial"
    re_review = "re_review"
    # A candidate found in use (shadow-AI discovery), reviewed while still a draft: take it further or not.
    intake = "intake"


class ReviewStatus(enum.StrEnum):
    open = "open"
    approved = "approved"
    rejected = "rejected"
    changes_requested = "changes_requested"
    withdrawn = "withdrawn"


class Verdict(enum.StrEnum):
    approve = "approve"
    reject = "reject"
    request_changes = "request_changes"


class Review(WorkspaceMixin, Base):
    """One round of review of a use case, opened by submitting it (or by a re-review), closed by its outcome."""

    __tablename__ = "governance_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_use_case.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ReviewKind] = mapped_column(_enum(ReviewKind), default=ReviewKind.initial)
    status: Mapped[ReviewStatus] = mapped_column(_enum(ReviewStatus), default=ReviewStatus.open, index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_person.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    use_card_version: Mapped[int] = mapped_column(default=0)
    closed_at: Mapped[datetime | None]
    # What the review was opened with besides the use case (an intake's discovery figures, under the floor).
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    verdicts: Mapped[list[ReviewVerdict]] = relationship(
        lazy="raise", order_by="ReviewVerdict.id", cascade="all, delete-orphan"
    )


class ReviewVerdict(WorkspaceMixin, Base):
    """A reviewer's verdict for one review area. One verdict per person per review."""

    __tablename__ = "governance_review_verdict"
    __table_args__ = (UniqueConstraint("review_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("governance_review.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(
        ForeignKey("directory_person.id", ondelete="CASCADE"), index=True
    )
    area: Mapped[str] = mapped_column(String(60))
    verdict: Mapped[Verdict] = mapped_column(_enum(Verdict))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Decision(WorkspaceMixin, Base):
    """The outcome of a review, on the record: the tier it was decided at and when to review again."""

    __tablename__ = "governance_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_use_case.id", ondelete="CASCADE"), index=True
    )
    review_id: Mapped[int] = mapped_column(
        ForeignKey("governance_review.id", ondelete="CASCADE"), unique=True
    )
    outcome: Mapped[ReviewStatus] = mapped_column(_enum(ReviewStatus))
    risk_tier: Mapped[str] = mapped_column(String(60))
    approvals: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_review_on: Mapped[date | None] = mapped_column(index=True)


class ConditionStatus(enum.StrEnum):
    open = "open"
    met = "met"
    waived = "waived"


class DecisionCondition(WorkspaceMixin, Base):
    """A condition an approval carries (free text, optional due date); shown on the use card."""

    __tablename__ = "governance_condition"

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_use_case.id", ondelete="CASCADE"), index=True
    )
    review_id: Mapped[int] = mapped_column(ForeignKey("governance_review.id", ondelete="CASCADE"), index=True)
    verdict_id: Mapped[int] = mapped_column(ForeignKey("governance_review_verdict.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(1000))
    due_on: Mapped[date | None]
    status: Mapped[ConditionStatus] = mapped_column(_enum(ConditionStatus), default=ConditionStatus.open)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class ReviewerAssignment(WorkspaceMixin, Base):
    """The reviewer board: a person with the reviewer role, assigned to one review area."""

    __tablename__ = "governance_reviewer_assignment"
    __table_args__ = (UniqueConstraint("workspace_id", "person_id", "area"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("directory_person.id", ondelete="CASCADE"), index=True)
    area: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PolicyDocumentKind(enum.StrEnum):
    risk_questionnaire = "risk_questionnaire"
    review_policy = "review_policy"


class PolicyDocument(WorkspaceMixin, Base):
    """A workspace's own risk questionnaire or review policy, as the YAML it was written in."""

    __tablename__ = "governance_policy_document"
    __table_args__ = (UniqueConstraint("workspace_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PolicyDocumentKind] = mapped_column(_enum(PolicyDocumentKind))
    source: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("directory_person.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Framework(WorkspaceMixin, Base):
    """A control framework the workspace added (ISO/IEC 42001, its own policy); shipped ones live in files."""

    __tablename__ = "governance_framework"
    __table_args__ = (UniqueConstraint("workspace_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("directory_person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ControlStatus(enum.StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    implemented = "implemented"
    not_applicable = "not_applicable"


class ControlMapping(WorkspaceMixin, Base):
    """How one use case meets one control of a framework: status, evidence links and notes."""

    __tablename__ = "governance_control_mapping"
    __table_args__ = (
        UniqueConstraint(
            "use_case_id", "framework_slug", "control_id", name="uq_governance_control_mapping_control"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_use_case.id", ondelete="CASCADE"), index=True
    )
    framework_slug: Mapped[str] = mapped_column(String(63), index=True)
    control_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[ControlStatus] = mapped_column(_enum(ControlStatus), default=ControlStatus.planned)
    evidence: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("directory_person.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
