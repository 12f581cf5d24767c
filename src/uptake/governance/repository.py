from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from uptake.governance.models import (
    ControlMapping,
    Decision,
    DecisionCondition,
    Framework,
    PolicyDocument,
    PolicyDocumentKind,
    Review,
    ReviewerAssignment,
    ReviewStatus,
    RiskAssessment,
)

# ---------------------------------------------------------------- policy documents


def get_policy_document(
    session: Session, workspace_id: int, kind: PolicyDocumentKind
) -> PolicyDocument | None:
    query = select(PolicyDocument).where(
        PolicyDocument.workspace_id == workspace_id, PolicyDocument.kind == kind
    )
    return session.scalar(query)


# ---------------------------------------------------------------- risk assessments


def get_risk_assessment(session: Session, workspace_id: int, use_case_id: int) -> RiskAssessment | None:
    query = select(RiskAssessment).where(
        RiskAssessment.workspace_id == workspace_id, RiskAssessment.use_case_id == use_case_id
    )
    return session.scalar(query)


def list_risk_assessments(
    session: Session, workspace_id: int, use_case_ids: Collection[int]
) -> dict[int, RiskAssessment]:
    if not use_case_ids:
        return {}
    query = select(RiskAssessment).where(
        RiskAssessment.workspace_id == workspace_id, RiskAssessment.use_case_id.in_(list(use_case_ids))
    )
    return {assessment.use_case_id: assessment for assessment in session.scalars(query)}


# ---------------------------------------------------------------- reviews


def get_review(session: Session, workspace_id: int, review_id: int) -> Review | None:
    query = (
        select(Review)
        .where(Review.workspace_id == workspace_id, Review.id == review_id)
        .options(selectinload(Review.verdicts))
    )
    return session.scalar(query)


def get_open_review(session: Session, workspace_id: int, use_case_id: int) -> Review | None:
    query = (
        select(Review)
        .where(
            Review.workspace_id == workspace_id,
            Review.use_case_id == use_case_id,
            Review.status == ReviewStatus.open,
        )
        .options(selectinload(Review.verdicts))
    )
    return session.scalar(query)


def list_reviews(
    session: Session,
    workspace_id: int,
    *,
    status: ReviewStatus | None = None,
    use_case_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Review]:
    query = select(Review).where(Review.workspace_id == workspace_id).options(selectinload(Review.verdicts))
    if status is not None:
        query = query.where(Review.status == status)
    if use_case_id is not None:
        query = query.where(Review.use_case_id == use_case_id)
    query = query.order_by(Review.submitted_at.desc(), Review.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


# ---------------------------------------------------------------- decisions and conditions


def list_decisions(session: Session, workspace_id: int, use_case_id: int) -> list[Decision]:
    query = (
        select(Decision)
        .where(Decision.workspace_id == workspace_id, Decision.use_case_id == use_case_id)
        .order_by(Decision.decided_at.desc(), Decision.id.desc())
    )
    return list(session.scalars(query))


def latest_decisions(
    session: Session, workspace_id: int, use_case_ids: Collection[int]
) -> dict[int, Decision]:
    """The most recent decision of each use case, in one query."""
    if not use_case_ids:
        return {}
    newest = (
        select(func.max(Decision.id))
        .where(Decision.workspace_id == workspace_id, Decision.use_case_id.in_(list(use_case_ids)))
        .group_by(Decision.use_case_id)
    )
    query = select(Decision).where(Decision.workspace_id == workspace_id, Decision.id.in_(newest))
    return {decision.use_case_id: decision for decision in session.scalars(query)}


def list_due_approvals(session: Session, workspace_id: int, due_before: date) -> list[Decision]:
    """The latest approving decision of each use case, where its next review date is before ``due_before``."""
    newest = (
        select(func.max(Decision.id))
        .where(Decision.workspace_id == workspace_id, Decision.outcome == ReviewStatus.approved)
        .group_by(Decision.use_case_id)
    )
    query = (
        select(Decision)
        .where(
            Decision.workspace_id == workspace_id,
            Decision.id.in_(newest),
            Decision.next_review_on.is_not(None),
            Decision.next_review_on < due_before,
        )
        .order_by(Decision.next_review_on, Decision.id)
    )
    return list(session.scalars(query))


def list_conditions_for_reviews(
    session: Session, workspace_id: int, review_ids: Collection[int]
) -> list[DecisionCondition]:
    if not review_ids:
        return []
    query = (
        select(DecisionCondition)
        .where(
            DecisionCondition.workspace_id == workspace_id, DecisionCondition.review_id.in_(list(review_ids))
        )
        .order_by(DecisionCondition.id)
    )
    return list(session.scalars(query))


def get_condition(session: Session, workspace_id: int, condition_id: int) -> DecisionCondition | None:
    query = select(DecisionCondition).where(
        DecisionCondition.workspace_id == workspace_id, DecisionCondition.id == condition_id
    )
    return session.scalar(query)


# ---------------------------------------------------------------- reviewer board


def list_reviewer_assignments(
    session: Session, workspace_id: int, *, person_id: int | None = None
) -> list[ReviewerAssignment]:
    query = select(ReviewerAssignment).where(ReviewerAssignment.workspace_id == workspace_id)
    if person_id is not None:
        query = query.where(ReviewerAssignment.person_id == person_id)
    return list(session.scalars(query.order_by(ReviewerAssignment.area, ReviewerAssignment.id)))


def get_reviewer_assignment(
    session: Session, workspace_id: int, assignment_id: int
) -> ReviewerAssignment | None:
    query = select(ReviewerAssignment).where(
        ReviewerAssignment.workspace_id == workspace_id, ReviewerAssignment.id == assignment_id
    )
    return session.scalar(query)


def find_reviewer_assignment(
    session: Session, workspace_id: int, person_id: int, area: str
) -> ReviewerAssignment | None:
    query = select(ReviewerAssignment).where(
        ReviewerAssignment.workspace_id == workspace_id,
        ReviewerAssignment.person_id == person_id,
        ReviewerAssignment.area == area,
    )
    return session.scalar(query)


# ---------------------------------------------------------------- frameworks and mappings


def list_frameworks(session: Session, workspace_id: int) -> list[Framework]:
    query = select(Framework).where(Framework.workspace_id == workspace_id).order_by(Framework.slug)
    return list(session.scalars(query))


def get_framework(session: Session, workspace_id: int, slug: str) -> Framework | None:
    query = select(Framework).where(Framework.workspace_id == workspace_id, Framework.slug == slug)
    return session.scalar(query)


def list_control_mappings(
    session: Session,
    workspace_id: int,
    *,
    use_case_id: int | None = None,
    framework_slug: str | None = None,
) -> list[ControlMapping]:
    query = select(ControlMapping).where(ControlMapping.workspace_id == workspace_id)
    if use_case_id is not None:
        query = query.where(ControlMapping.use_case_id == use_case_id)
    if framework_slug is not None:
        query = query.where(ControlMapping.framework_slug == framework_slug)
    return list(session.scalars(query.order_by(ControlMapping.framework_slug, ControlMapping.id)))


def get_control_mapping(session: Session, workspace_id: int, mapping_id: int) -> ControlMapping | None:
    query = select(ControlMapping).where(
        ControlMapping.workspace_id == workspace_id, ControlMapping.id == mapping_id
    )
    return session.scalar(query)


def find_control_mapping(
    session: Session, workspace_id: int, use_case_id: int, framework_slug: str, control_id: str
) -> ControlMapping | None:
    query = select(ControlMapping).where(
        ControlMapping.workspace_id == workspace_id,
        ControlMapping.use_case_id == use_case_id,
        ControlMapping.framework_slug == framework_slug,
        ControlMapping.control_id == control_id,
    )
    return session.scalar(query)
