"""Governance's decisions: the risk questionnaire and its tier proposal, submitting a use case for review, the
reviewer board, four-eyes approval, decisions with conditions and re-review dates, and the workspace's policy
documents. Frameworks, controls and coverage are in ``controls.py``.
It stays whole, longer than most service modules, because review, decision and lifecycle rules depend on one
another and read best together; the pure parts (tier proposal, four-eyes evaluation) live in
``questionnaire.py`` and ``review_policy.py``.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.auth import service as auth_service
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.catalog.schemas import LIVE_STATUSES, TransitionActor, UseCaseRef, UseCaseStatus
from uptake.db import utcnow
from uptake.directory.service import people as people_service
from uptake.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from uptake.governance import repository, schemas
from uptake.governance.models import (
    ConditionStatus,
    Decision,
    DecisionCondition,
    PolicyDocument,
    PolicyDocumentKind,
    Review,
    ReviewerAssignment,
    ReviewKind,
    ReviewStatus,
    ReviewVerdict,
    RiskAssessment,
    Verdict,
)
from uptake.governance.questionnaire import (
    PolicyDocumentInvalid,
    Questionnaire,
    check_answers,
    parse_questionnaire,
    propose_tier,
    shipped_questionnaire,
    shipped_questionnaire_source,
    source_digest,
)
from uptake.governance.review_policy import (
    RecordedApproval,
    ReviewPolicy,
    ReviewProgress,
    check_policy_covers_tiers,
    evaluate_approvals,
    parse_review_policy,
    shipped_review_policy,
    shipped_review_policy_source,
)


class RiskAssessmentMissing(Conflict):
    title = "The use case has no risk assessment yet."


class RiskAssessmentLocked(Conflict):
    title = "The risk questionnaire cannot be answered again now."


class UnknownTier(InvalidInput):
    title = "There is no such risk tier."


class UseCaseIncomplete(InvalidInput):
    title = "The use case is not complete enough to leave draft."


class SubmitterRequired(Forbidden):
    title = "A person must submit a use case for review."


class ReviewNotFound(NotFound):
    title = "There is no such review in this workspace."


class ReviewClosed(Conflict):
    title = "This review already has its outcome."


class ReviewAlreadyOpen(Conflict):
    title = "The use case already has an open review."


class UseCaseNotReviewable(Conflict):
    title = "The use case is not in a status its review can act on."


class FourEyesViolation(Conflict):
    title = "Four-eyes rule: the person who submitted a use case cannot review it."


class VerdictAlreadyRecorded(Conflict):
    title = "You already gave your verdict on this review."


class NotOnReviewerBoard(Forbidden):
    title = "You are not on the reviewer board for this review area."


class TierNotApprovable(Conflict):
    title = "Use cases of this risk tier cannot be approved."


class ReviewerRoleRequired(Conflict):
    title = "Only people with the reviewer role can sit on the reviewer board."


class ReviewerAlreadyAssigned(Conflict):
    title = "This person is already on the board for this area."


class AssignmentNotFound(NotFound):
    title = "There is no such reviewer assignment."


class ConditionNotFound(NotFound):
    title = "There is no such condition in this workspace."


class PolicyConflict(Conflict):
    title = "The policy documents would no longer fit together."


# ---------------------------------------------------------------- policy documents


@dataclass(frozen=True)
class PolicySource:
    source: str
    is_default: bool
    updated_at: datetime | None


def _stored_policy(session: Session, workspace_id: int, kind: PolicyDocumentKind) -> PolicyDocument | None:
    return repository.get_policy_document(session, workspace_id, kind)


def get_risk_questionnaire_source(session: Session, workspace_id: int) -> PolicySource:
    stored = _stored_policy(session, workspace_id, PolicyDocumentKind.risk_questionnaire)
    if stored is None:
        return PolicySource(shipped_questionnaire_source(), True, None)
    return PolicySource(stored.source, False, stored.updated_at)


def get_risk_questionnaire(session: Session, workspace_id: int) -> Questionnaire:
    """The workspace's questionnaire: its own YAML when it saved one, else the shipped default."""
    stored = _stored_policy(session, workspace_id, PolicyDocumentKind.risk_questionnaire)
    return shipped_questionnaire() if stored is None else parse_questionnaire(stored.source)


def get_review_policy_source(session: Session, workspace_id: int) -> PolicySource:
    stored = _stored_policy(session, workspace_id, PolicyDocumentKind.review_policy)
    if stored is None:
        return PolicySource(shipped_review_policy_source(), True, None)
    return PolicySource(stored.source, False, stored.updated_at)


def get_review_policy(session: Session, workspace_id: int) -> ReviewPolicy:
    """The workspace's review areas and per-tier policy: its own YAML when it saved one, else the default."""
    stored = _stored_policy(session, workspace_id, PolicyDocumentKind.review_policy)
    return shipped_review_policy() if stored is None else parse_review_policy(stored.source)


def _as_invalid(error: PolicyDocumentInvalid) -> InvalidInput:
    return InvalidInput(str(error), errors=[FieldError(f"source.{e.field}", e.reason) for e in error.errors])


def _store_policy(
    session: Session,
    workspace_id: int,
    kind: PolicyDocumentKind,
    source: str | None,
    *,
    actor: str,
    person_id: int | None,
) -> None:
    stored = _stored_policy(session, workspace_id, kind)
    before = {"digest": source_digest(stored.source) if stored else None, "is_default": stored is None}
    if source is None:
        if stored is not None:
            session.delete(stored)
    elif stored is None:
        session.add(
            PolicyDocument(workspace_id=workspace_id, kind=kind, source=source, updated_by_id=person_id)
        )
    else:
        stored.source = source
        stored.updated_by_id = person_id
        stored.updated_at = utcnow()
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action=f"governance.{kind.value}.{'reset' if source is None else 'saved'}",
        target=f"workspace:{workspace_id}",
        before=before,
        after={"digest": source_digest(source) if source else None, "is_default": source is None},
    )


def save_risk_questionnaire(
    session: Session, workspace_id: int, source: str | None, *, actor: str, person_id: int | None
) -> Questionnaire:
    """Replace the workspace's questionnaire with ``source`` (YAML), or go back to the default with None. Every
    tier it names must have an entry in the review policy (add the tier there first)."""
    try:
        questionnaire = shipped_questionnaire() if source is None else parse_questionnaire(source)
        check_policy_covers_tiers(get_review_policy(session, workspace_id), questionnaire)
    except PolicyDocumentInvalid as error:
        raise _as_invalid(error) from None
    _store_policy(
        session, workspace_id, PolicyDocumentKind.risk_questionnaire, source, actor=actor, person_id=person_id
    )
    return questionnaire


def save_review_policy(
    session: Session, workspace_id: int, source: str | None, *, actor: str, person_id: int | None
) -> ReviewPolicy:
    """Replace the workspace's review policy with ``source`` (YAML), or go back to the default with None. It must
    cover every tier of the current questionnaire."""
    try:
        policy = shipped_review_policy() if source is None else parse_review_policy(source)
        check_policy_covers_tiers(policy, get_risk_questionnaire(session, workspace_id))
    except PolicyDocumentInvalid as error:
        raise _as_invalid(error) from None
    _store_policy(
        session, workspace_id, PolicyDocumentKind.review_policy, source, actor=actor, person_id=person_id
    )
    return policy


# ---------------------------------------------------------------- risk assessment


def get_risk_assessment(session: Session, workspace_id: int, use_case_id: int) -> RiskAssessment | None:
    return repository.get_risk_assessment(session, workspace_id, use_case_id)


def is_assessment_current(session: Session, workspace_id: int, assessment: RiskAssessment) -> bool:
    """Whether it was answered on the questionnaire the workspace uses now."""
    current = get_risk_questionnaire_source(session, workspace_id).source
    return assessment.questionnaire_digest == source_digest(current)


def answer_risk_questionnaire(
    session: Session,
    workspace_id: int,
    slug: str,
    answers: dict[str, Any],
    *,
    actor: str,
    person_id: int | None,
) -> RiskAssessment:
    """Record the answers and the tier they propose; answering again clears a reviewer's override. Not while the
    use case is in review (reviewers override instead) or once it is retired."""
    use_case = catalog_service.get_use_case_ref(session, workspace_id, slug)
    if use_case.status in (UseCaseStatus.in_review, UseCaseStatus.retired) or (
        use_case.status == UseCaseStatus.paused and use_case.paused_from == UseCaseStatus.in_review
    ):
        raise RiskAssessmentLocked(
            f"{slug!r} is {use_case.status.value}; a reviewer may override its tier with a justification instead"
        )
    source = get_risk_questionnaire_source(session, workspace_id).source
    questionnaire = get_risk_questionnaire(session, workspace_id)
    try:
        clean = check_answers(questionnaire, answers)
    except PolicyDocumentInvalid as error:
        raise InvalidInput(str(error), errors=error.errors) from None
    proposal = propose_tier(questionnaire, clean)
    assessment = repository.get_risk_assessment(session, workspace_id, use_case.id)
    before = None if assessment is None else {"tier": assessment.tier, "answers": assessment.answers}
    if assessment is None:
        assessment = RiskAssessment(workspace_id=workspace_id, use_case_id=use_case.id)
        session.add(assessment)
    assessment.answers = clean
    assessment.proposed_tier = proposal.tier
    assessment.reasons = [
        {"tier": reason.tier, "reason": reason.reason, "reference": reason.reference}
        for reason in proposal.reasons
    ]
    assessment.questionnaire_digest = source_digest(source)
    assessment.assessed_by_id = person_id
    assessment.assessed_at = utcnow()
    assessment.override_tier = None
    assessment.override_justification = None
    assessment.overridden_by_id = None
    assessment.overridden_at = None
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="governance.risk_assessment.answered",
        target=f"use_case:{use_case.id}",
        before=before,
        after={"tier": assessment.tier, "answers": clean},
    )
    catalog_service.set_use_case_risk_tier(session, workspace_id, use_case.id, assessment.tier, actor=actor)
    return assessment


def override_risk_tier(
    session: Session,
    workspace_id: int,
    slug: str,
    tier: str,
    justification: str,
    *,
    actor: str,
    person_id: int | None,
) -> RiskAssessment:
    """A reviewer sets the tier against the questionnaire's proposal, saying why (kept in the audit log). Not the
    person who submitted the open review: lowering the tier would lower the approvals their own review needs."""
    use_case = catalog_service.get_use_case_ref(session, workspace_id, slug)
    if use_case.status == UseCaseStatus.retired:
        raise RiskAssessmentLocked(f"{slug!r} is retired")
    open_review = repository.get_open_review(session, workspace_id, use_case.id)
    if open_review is not None and person_id is not None and open_review.submitted_by_id == person_id:
        raise FourEyesViolation(
            f"you submitted {slug!r} for review; another reviewer overrides its tier if the proposal is wrong"
        )
    assessment = repository.get_risk_assessment(session, workspace_id, use_case.id)
    if assessment is None:
        raise RiskAssessmentMissing(f"answer the risk questionnaire for {slug!r} before overriding its tier")
    questionnaire = get_risk_questionnaire(session, workspace_id)
    if questionnaire.tier(tier) is None:
        raise UnknownTier(
            errors=[FieldError("tier", f"use one of: {', '.join(t.id for t in questionnaire.tiers)}")]
        )
    if not justification.strip():
        raise InvalidInput(errors=[FieldError("justification", "say why the proposal is overridden")])
    before = {"tier": assessment.tier, "override_tier": assessment.override_tier}
    assessment.override_tier = tier
    assessment.override_justification = justification.strip()
    assessment.overridden_by_id = person_id
    assessment.overridden_at = utcnow()
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="governance.risk_tier.overridden",
        target=f"use_case:{use_case.id}",
        before=before,
        after={
            "tier": tier,
            "proposed_tier": assessment.proposed_tier,
            "justification": justification.strip(),
        },
    )
    catalog_service.set_use_case_risk_tier(session, workspace_id, use_case.id, tier, actor=actor)
    return assessment


# ---------------------------------------------------------------- the lifecycle, as governance sees it


def move_use_case(
    session: Session,
    workspace_id: int,
    slug: str,
    target: UseCaseStatus,
    *,
    actor: str,
    person_id: int | None,
    reason: str | None = None,
) -> catalog_schemas.UseCase:
    """Every status change a person asks for: submitting goes through review, the rest through the catalog's
    transition table; a review left behind by the move (withdrawn, retired) is closed."""
    use_case = catalog_service.get_use_case_ref(session, workspace_id, slug)
    if use_case.status == UseCaseStatus.draft and target == UseCaseStatus.in_review:
        submit_use_case_for_review(session, workspace_id, slug, actor=actor, person_id=person_id)
    else:
        catalog_service.change_use_case_status(
            session, workspace_id, slug, target, actor=actor, reason=reason
        )
        moved = catalog_service.get_use_case_ref(session, workspace_id, slug)
        _close_stale_review(session, workspace_id, moved, actor=actor)
    return catalog_service.describe_use_case(session, workspace_id, slug)


def _close_stale_review(session: Session, workspace_id: int, use_case: UseCaseRef, *, actor: str) -> None:
    review = repository.get_open_review(session, workspace_id, use_case.id)
    if review is None or _review_can_act(review, use_case) or use_case.status == UseCaseStatus.paused:
        return
    _close_review(session, workspace_id, review, ReviewStatus.withdrawn, actor=actor)


def _review_can_act(review: Review, use_case: UseCaseRef) -> bool:
    if review.kind == ReviewKind.intake:
        return use_case.status == UseCaseStatus.draft
    if review.kind == ReviewKind.initial:
        return use_case.status == UseCaseStatus.in_review
    return use_case.status in LIVE_STATUSES


def submit_use_case_for_review(
    session: Session, workspace_id: int, slug: str, *, actor: str, person_id: int | None
) -> Review:
    """Draft → in review: the use case must be complete and risk-assessed; opens a review whose required areas
    follow the tier's policy. The submitter can never be one of its reviewers."""
    if person_id is None:
        raise SubmitterRequired("submit as a person: the four-eyes rule needs to know who submitted")
    use_case = catalog_service.get_use_case_ref(session, workspace_id, slug)
    if use_case.status == UseCaseStatus.draft:
        report = catalog_service.check_use_case_completeness(session, workspace_id, slug)
        if not report.is_complete:
            raise UseCaseIncomplete(
                f"{len(report.gaps)} answers or fields are missing or thin",
                errors=[FieldError(gap.field, f"{gap.label}: {gap.message}") for gap in report.gaps],
            )
        if repository.get_risk_assessment(session, workspace_id, use_case.id) is None:
            raise RiskAssessmentMissing(f"answer the risk questionnaire for {slug!r} first")
    catalog_service.record_governed_transition(
        session,
        workspace_id,
        use_case.id,
        UseCaseStatus.in_review,
        actor=actor,
        action="submit",
        by=TransitionActor.submission,
    )
    stale = repository.get_open_review(session, workspace_id, use_case.id)
    if stale is not None:
        _close_review(session, workspace_id, stale, ReviewStatus.withdrawn, actor=actor)
    return _open_review(session, workspace_id, use_case, ReviewKind.initial, actor=actor, person_id=person_id)


def open_intake_review(
    session: Session,
    workspace_id: int,
    slug: str,
    *,
    actor: str,
    person_id: int | None,
    evidence: dict[str, Any],
) -> Review:
    """A candidate found in use (shadow-AI discovery) enters review while still a draft, with the evidence of its
    use attached: one reviewer on the board (not the submitter) decides whether it is worth taking through the
    full review (approve: it stays a draft for its owner to complete and submit) or not (reject: it is retired).
    Submitting the draft for the full review later closes an intake still open."""
    if person_id is None:
        raise SubmitterRequired("open an intake review as a person: the four-eyes rule needs to know who")
    use_case = catalog_service.get_use_case_ref(session, workspace_id, slug)
    if use_case.status != UseCaseStatus.draft:
        raise UseCaseNotReviewable(f"{slug!r} is {use_case.status.value}; an intake review is for a draft")
    if repository.get_open_review(session, workspace_id, use_case.id) is not None:
        raise ReviewAlreadyOpen(f"{slug!r} has an open review already")
    return _open_review(
        session,
        workspace_id,
        use_case,
        ReviewKind.intake,
        actor=actor,
        person_id=person_id,
        evidence=evidence,
    )


def _open_review(
    session: Session,
    workspace_id: int,
    use_case: UseCaseRef,
    kind: ReviewKind,
    *,
    actor: str,
    person_id: int,
    evidence: dict[str, Any] | None = None,
) -> Review:
    review = Review(
        workspace_id=workspace_id,
        use_case_id=use_case.id,
        kind=kind,
        status=ReviewStatus.open,
        submitted_by_id=person_id,
        use_card_version=use_case.use_card_version,
        evidence=evidence,
        verdicts=[],
    )
    session.add(review)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="governance.review.opened",
        target=f"review:{review.id}",
        after={
            "use_case_id": use_case.id,
            "kind": kind.value,
            "risk_tier": use_case.risk_tier,
            "use_card_version": use_case.use_card_version,
            "required_areas": required_areas_for(session, workspace_id, use_case.id),
            **({"evidence": evidence} if evidence is not None else {}),
        },
    )
    return review


def start_re_review(
    session: Session, workspace_id: int, slug: str, *, actor: str, person_id: int | None
) -> Review:
    """Open a re-review of a live use case; it stays live meanwhile. Approval renews the next review date; a
    rejection ends the approval (the use case is rejected and needs a full review to be live again)."""
    if person_id is None:
        raise SubmitterRequired("start a re-review as a person: the four-eyes rule needs to know who asked")
    use_case = catalog_service.get_use_case_ref(session, workspace_id, slug)
    if use_case.status not in LIVE_STATUSES:
        raise UseCaseNotReviewable(
            f"{slug!r} is {use_case.status.value}; only approved, piloting, rolling out or generally available "
            "use cases are re-reviewed"
        )
    if repository.get_open_review(session, workspace_id, use_case.id) is not None:
        raise ReviewAlreadyOpen(f"{slug!r} already has an open review")
    if repository.get_risk_assessment(session, workspace_id, use_case.id) is None:
        raise RiskAssessmentMissing(f"answer the risk questionnaire for {slug!r} first")
    return _open_review(
        session, workspace_id, use_case, ReviewKind.re_review, actor=actor, person_id=person_id
    )


# ---------------------------------------------------------------- reviews


def required_areas_for(session: Session, workspace_id: int, use_case_id: int) -> list[str]:
    assessment = repository.get_risk_assessment(session, workspace_id, use_case_id)
    if assessment is None:
        return []
    return list(get_review_policy(session, workspace_id).for_tier(assessment.tier).required_areas)


def evaluate_review(
    review: Review, tier: str | None, policy: ReviewPolicy
) -> tuple[list[str], ReviewProgress]:
    required = list(policy.for_tier(tier).required_areas) if tier else []
    approvals = [
        RecordedApproval(verdict.reviewer_id, verdict.area)
        for verdict in review.verdicts
        if verdict.verdict == Verdict.approve
    ]
    return required, evaluate_approvals(required, approvals, submitter_id=review.submitted_by_id)


def get_review(session: Session, workspace_id: int, review_id: int) -> Review:
    review = repository.get_review(session, workspace_id, review_id)
    if review is None:
        raise ReviewNotFound(f"review {review_id} does not exist", review_id=review_id)
    return review


def _choose_area(
    held: list[str], requested: str | None, required: list[str], progress: ReviewProgress
) -> str:
    if requested is not None:
        if requested not in held:
            raise NotOnReviewerBoard(
                f"you review for {', '.join(held)}, not {requested}", area=requested, your_areas=held
            )
        return requested
    open_areas = [area for area in progress.missing_areas if area in held]
    if open_areas:
        return open_areas[0]
    required_held = [area for area in required if area in held]
    return required_held[0] if required_held else held[0]


def record_verdict(
    session: Session,
    workspace_id: int,
    review_id: int,
    body: schemas.VerdictCreate,
    *,
    actor: str,
    reviewer_id: int | None,
    today: date | None = None,
) -> Review:
    """A reviewer approves (with conditions), rejects, or asks for changes, for one of their review areas.

    The four-eyes rule: approval needs one approval from each area the tier requires, each from a different person
    on the reviewer board, none of them the submitter. A rejection or a request for changes ends the review at
    once and sends the use case back (rejected, or to draft; a rejected re-review rejects a live use case)."""
    if reviewer_id is None:
        raise NotOnReviewerBoard("verdicts are given by people on the reviewer board, not by API keys")
    review = get_review(session, workspace_id, review_id)
    if review.status != ReviewStatus.open:
        raise ReviewClosed(f"review {review_id} is {review.status.value}", review_id=review_id)
    use_case = catalog_service.get_use_case_ref_by_id(session, workspace_id, review.use_case_id)
    if not _review_can_act(review, use_case):
        raise UseCaseNotReviewable(
            f"{use_case.slug!r} is {use_case.status.value}"
            + ("; resume it first" if use_case.status == UseCaseStatus.paused else ""),
        )
    if reviewer_id == review.submitted_by_id:
        raise FourEyesViolation("you opened this review; another person on the reviewer board must decide it")
    if any(verdict.reviewer_id == reviewer_id for verdict in review.verdicts):
        raise VerdictAlreadyRecorded(f"you already gave your verdict on review {review_id}")
    roles = set(auth_service.account_roles(session, workspace_id, reviewer_id))
    held = [
        assignment.area
        for assignment in repository.list_reviewer_assignments(session, workspace_id, person_id=reviewer_id)
    ]
    if not held or not roles & {"reviewer", "admin"}:
        raise NotOnReviewerBoard("a program lead assigns people with the reviewer role to review areas")
    if body.verdict != Verdict.approve and not body.comment.strip():
        raise InvalidInput(errors=[FieldError("comment", "say why, so the owner knows what to change")])
    if body.verdict != Verdict.approve and body.conditions:
        raise InvalidInput(errors=[FieldError("conditions", "only an approval carries conditions")])
    if review.kind == ReviewKind.intake:
        return _decide_intake(
            session, workspace_id, review, use_case, body, held, actor=actor, reviewer_id=reviewer_id
        )
    assessment = repository.get_risk_assessment(session, workspace_id, use_case.id)
    if assessment is None:
        raise RiskAssessmentMissing(f"answer the risk questionnaire for {use_case.slug!r} first")
    policy = get_review_policy(session, workspace_id)
    tier_policy = policy.for_tier(assessment.tier)
    if body.verdict == Verdict.approve and not tier_policy.approvable:
        raise TierNotApprovable(
            f"{use_case.slug!r} is in the {assessment.tier} tier, which cannot be approved; reject it, or override "
            "the tier with a justification if the questionnaire's proposal is wrong",
            risk_tier=assessment.tier,
        )
    required, progress = evaluate_review(review, assessment.tier, policy)
    area = _choose_area(held, body.area, required, progress)
    verdict = ReviewVerdict(
        workspace_id=workspace_id,
        review_id=review.id,
        reviewer_id=reviewer_id,
        area=area,
        verdict=body.verdict,
        comment=body.comment.strip(),
    )
    review.verdicts.append(verdict)
    session.flush()
    for condition in body.conditions:
        session.add(
            DecisionCondition(
                workspace_id=workspace_id,
                use_case_id=use_case.id,
                review_id=review.id,
                verdict_id=verdict.id,
                text=condition.text.strip(),
                due_on=condition.due_on,
            )
        )
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="governance.review.verdict_recorded",
        target=f"review:{review.id}",
        after={
            "use_case_id": use_case.id,
            "area": area,
            "verdict": body.verdict.value,
            "conditions": [condition.text for condition in body.conditions],
        },
    )
    if body.verdict == Verdict.reject:
        _decide(
            session,
            workspace_id,
            review,
            use_case,
            ReviewStatus.rejected,
            assessment.tier,
            progress,
            actor=actor,
        )
    elif body.verdict == Verdict.request_changes:
        _decide(
            session,
            workspace_id,
            review,
            use_case,
            ReviewStatus.changes_requested,
            assessment.tier,
            progress,
            actor=actor,
        )
    else:
        _, progress = evaluate_review(review, assessment.tier, policy)
        if progress.is_approved:
            _decide(
                session,
                workspace_id,
                review,
                use_case,
                ReviewStatus.approved,
                assessment.tier,
                progress,
                actor=actor,
                re_review_months=tier_policy.re_review_months,
                today=today,
            )
    return review


def _decide_intake(
    session: Session,
    workspace_id: int,
    review: Review,
    use_case: UseCaseRef,
    body: schemas.VerdictCreate,
    held: list[str],
    *,
    actor: str,
    reviewer_id: int,
) -> Review:
    """One verdict decides an intake: approve keeps the candidate a draft to complete and submit for the full
    review; reject retires it; a request for changes is refused (there is nothing to change yet)."""
    if body.verdict == Verdict.request_changes:
        raise InvalidInput(
            errors=[
                FieldError("verdict", "an intake is approved (worth a full review) or rejected (retired)")
            ]
        )
    if body.conditions:
        raise InvalidInput(errors=[FieldError("conditions", "an intake carries no conditions")])
    area = body.area if body.area in held else held[0]
    review.verdicts.append(
        ReviewVerdict(
            workspace_id=workspace_id,
            review_id=review.id,
            reviewer_id=reviewer_id,
            area=area,
            verdict=body.verdict,
            comment=body.comment.strip(),
        )
    )
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="governance.review.verdict_recorded",
        target=f"review:{review.id}",
        after={"use_case_id": use_case.id, "area": area, "verdict": body.verdict.value, "kind": "intake"},
    )
    if body.verdict == Verdict.approve:
        _close_review(session, workspace_id, review, ReviewStatus.approved, actor=actor)
    else:
        _close_review(session, workspace_id, review, ReviewStatus.rejected, actor=actor)
        catalog_service.change_use_case_status(
            session,
            workspace_id,
            use_case.slug,
            UseCaseStatus.retired,
            actor=actor,
            reason=f"intake review {review.id} rejected it",
        )
    return review


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _close_review(
    session: Session, workspace_id: int, review: Review, outcome: ReviewStatus, *, actor: str
) -> None:
    review.status = outcome
    review.closed_at = utcnow()
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="governance.review.closed",
        target=f"review:{review.id}",
        before={"status": ReviewStatus.open.value},
        after={"status": outcome.value, "use_case_id": review.use_case_id},
    )


def _decide(
    session: Session,
    workspace_id: int,
    review: Review,
    use_case: UseCaseRef,
    outcome: ReviewStatus,
    tier: str,
    progress: ReviewProgress,
    *,
    actor: str,
    re_review_months: int | None = None,
    today: date | None = None,
) -> Decision:
    _close_review(session, workspace_id, review, outcome, actor=actor)
    decided_at = utcnow()
    next_review_on = None
    if outcome == ReviewStatus.approved and re_review_months:
        next_review_on = add_months(today or decided_at.date(), re_review_months)
    decision = Decision(
        workspace_id=workspace_id,
        use_case_id=use_case.id,
        review_id=review.id,
        outcome=outcome,
        risk_tier=tier,
        approvals=[
            {"area": area.area, "reviewer_id": area.approved_by}
            for area in progress.areas
            if area.approved_by
        ],
        decided_at=decided_at,
        next_review_on=next_review_on,
    )
    session.add(decision)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="governance.decision.recorded",
        target=f"use_case:{use_case.id}",
        after={
            "review_id": review.id,
            "outcome": outcome.value,
            "risk_tier": tier,
            "approvals": decision.approvals,
            "next_review_on": next_review_on.isoformat() if next_review_on else None,
        },
    )
    if review.kind == ReviewKind.initial:
        target, action = {
            ReviewStatus.approved: (UseCaseStatus.approved, "approve"),
            ReviewStatus.rejected: (UseCaseStatus.rejected, "reject"),
            ReviewStatus.changes_requested: (UseCaseStatus.draft, "request_changes"),
        }[outcome]
        catalog_service.record_governed_transition(
            session, workspace_id, use_case.id, target, actor=actor, action=action, by=TransitionActor.review
        )
    elif outcome == ReviewStatus.rejected:
        catalog_service.record_governed_transition(
            session,
            workspace_id,
            use_case.id,
            UseCaseStatus.rejected,
            actor=actor,
            action="reject_on_re_review",
            by=TransitionActor.review,
            reason=f"re-review {review.id} rejected it",
        )
    return decision


@dataclass(frozen=True)
class ReviewView:
    """A review with what a reviewer needs beside it: the use case, its tier and the four-eyes progress."""

    review: Review
    use_case: UseCaseRef
    risk_tier: str | None
    required_areas: list[str]
    progress: ReviewProgress

    def as_schema(self) -> schemas.Review:
        return schemas.Review(
            id=self.review.id,
            use_case_slug=self.use_case.slug,
            use_case_title=self.use_case.title,
            kind=self.review.kind,
            status=self.review.status,
            risk_tier=self.risk_tier,
            submitted_by_id=self.review.submitted_by_id,
            submitted_at=self.review.submitted_at,
            use_card_version=self.review.use_card_version,
            closed_at=self.review.closed_at,
            required_areas=self.required_areas,
            progress=[schemas.AreaProgress.model_validate(area) for area in self.progress.areas],
            missing_areas=self.progress.missing_areas,
            verdicts=[schemas.ReviewVerdict.model_validate(verdict) for verdict in self.review.verdicts],
            evidence=self.review.evidence,
        )


def _views(session: Session, workspace_id: int, reviews: list[Review]) -> list[ReviewView]:
    use_cases = {
        use_case.id: use_case
        for use_case in catalog_service.list_use_case_refs_by_ids(
            session, workspace_id, {review.use_case_id for review in reviews}
        )
    }
    assessments = repository.list_risk_assessments(session, workspace_id, set(use_cases))
    policy = get_review_policy(session, workspace_id)
    views = []
    for review in reviews:
        assessment = assessments.get(review.use_case_id)
        tier = assessment.tier if assessment else None
        required, progress = evaluate_review(review, tier, policy)
        views.append(ReviewView(review, use_cases[review.use_case_id], tier, required, progress))
    return views


def get_review_view(session: Session, workspace_id: int, review_id: int) -> ReviewView:
    return _views(session, workspace_id, [get_review(session, workspace_id, review_id)])[0]


def get_open_review_view(session: Session, workspace_id: int, use_case_id: int) -> ReviewView | None:
    review = repository.get_open_review(session, workspace_id, use_case_id)
    return None if review is None else _views(session, workspace_id, [review])[0]


def list_reviews(
    session: Session,
    workspace_id: int,
    *,
    status: ReviewStatus | None = None,
    use_case_slug: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[ReviewView]:
    use_case_id = None
    if use_case_slug is not None:
        use_case_id = catalog_service.get_use_case_ref(session, workspace_id, use_case_slug).id
    reviews = repository.list_reviews(
        session, workspace_id, status=status, use_case_id=use_case_id, limit=limit, offset=offset
    )
    return _views(session, workspace_id, reviews)


def list_review_queue(
    session: Session, workspace_id: int, *, limit: int = 100, offset: int = 0
) -> list[ReviewView]:
    """Open reviews a reviewer can act on now (their use case is in review, or live for a re-review)."""
    views = list_reviews(session, workspace_id, status=ReviewStatus.open, limit=limit, offset=offset)
    return [view for view in views if _review_can_act(view.review, view.use_case)]


# ---------------------------------------------------------------- decisions and conditions


@dataclass(frozen=True)
class DecisionView:
    decision: Decision
    conditions: list[DecisionCondition]

    def as_schema(self) -> schemas.Decision:
        decision = self.decision
        return schemas.Decision(
            id=decision.id,
            review_id=decision.review_id,
            outcome=decision.outcome,
            risk_tier=decision.risk_tier,
            approvals=decision.approvals,
            decided_at=decision.decided_at,
            next_review_on=decision.next_review_on,
            conditions=[schemas.Condition.model_validate(condition) for condition in self.conditions],
        )


def list_decisions(session: Session, workspace_id: int, slug: str) -> list[DecisionView]:
    """Newest first, each with the conditions its approvals carried."""
    use_case = catalog_service.get_use_case_ref(session, workspace_id, slug)
    decisions = repository.list_decisions(session, workspace_id, use_case.id)
    conditions = repository.list_conditions_for_reviews(
        session, workspace_id, [decision.review_id for decision in decisions]
    )
    return [
        DecisionView(
            decision, [condition for condition in conditions if condition.review_id == decision.review_id]
        )
        for decision in decisions
    ]


def list_use_case_conditions(
    session: Session, workspace_id: int, use_case_id: int
) -> list[DecisionCondition]:
    """The conditions of every approval the use case received: what the use card shows under its decision."""
    decisions = [
        decision
        for decision in repository.list_decisions(session, workspace_id, use_case_id)
        if decision.outcome == ReviewStatus.approved
    ]
    return repository.list_conditions_for_reviews(
        session, workspace_id, [decision.review_id for decision in decisions]
    )


def latest_decisions(
    session: Session, workspace_id: int, use_case_ids: Collection[int]
) -> dict[int, Decision]:
    """The most recent decision of each use case (the trust label's "last review"), in one query."""
    return repository.latest_decisions(session, workspace_id, use_case_ids)


def update_condition_status(
    session: Session, workspace_id: int, condition_id: int, status: ConditionStatus, *, actor: str
) -> DecisionCondition:
    condition = repository.get_condition(session, workspace_id, condition_id)
    if condition is None:
        raise ConditionNotFound(f"condition {condition_id} does not exist", condition_id=condition_id)
    before = {"status": condition.status.value}
    condition.status = status
    condition.resolved_at = None if status == ConditionStatus.open else utcnow()
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="governance.condition.updated",
        target=f"condition:{condition.id}",
        before=before,
        after={"status": status.value, "use_case_id": condition.use_case_id},
    )
    return condition


@dataclass(frozen=True)
class OverdueReReview:
    use_case: UseCaseRef
    decision: Decision
    days_overdue: int
    has_open_review: bool


def list_overdue_re_reviews(
    session: Session, workspace_id: int, *, today: date | None = None
) -> list[OverdueReReview]:
    """Live use cases whose last approval's re-review date has passed, most overdue first."""
    today = today or utcnow().date()
    due = repository.list_due_approvals(session, workspace_id, today)
    use_cases = {
        use_case.id: use_case
        for use_case in catalog_service.list_use_case_refs_by_ids(
            session, workspace_id, {d.use_case_id for d in due}
        )
    }
    open_reviews = {
        review.use_case_id
        for review in repository.list_reviews(session, workspace_id, status=ReviewStatus.open, limit=10_000)
    }
    found = []
    for decision in due:
        use_case = use_cases.get(decision.use_case_id)
        if use_case is None or not catalog_service.is_published(use_case) or decision.next_review_on is None:
            continue
        found.append(
            OverdueReReview(
                use_case,
                decision,
                (today - decision.next_review_on).days,
                decision.use_case_id in open_reviews,
            )
        )
    return found


# ---------------------------------------------------------------- the reviewer board


def list_reviewer_board(session: Session, workspace_id: int) -> list[ReviewerAssignment]:
    return repository.list_reviewer_assignments(session, workspace_id)


def list_reviewer_areas(session: Session, workspace_id: int, person_id: int) -> list[str]:
    return [
        assignment.area
        for assignment in repository.list_reviewer_assignments(session, workspace_id, person_id=person_id)
    ]


def assign_reviewer(
    session: Session, workspace_id: int, person_id: int, area: str, *, actor: str
) -> ReviewerAssignment:
    """Put a person with the reviewer role on the board for one review area of the policy."""
    policy = get_review_policy(session, workspace_id)
    if policy.area(area) is None:
        raise InvalidInput(
            errors=[
                FieldError("area", f"use one of the policy's areas: {', '.join(a.id for a in policy.areas)}")
            ]
        )
    if not people_service.list_people_by_ids(session, workspace_id, [person_id]):
        raise InvalidInput(errors=[FieldError("person_id", f"person {person_id} is not in this workspace")])
    roles = set(auth_service.account_roles(session, workspace_id, person_id))
    if not roles & {"reviewer", "admin"}:
        raise ReviewerRoleRequired(
            f"person {person_id} does not hold the reviewer role; an admin grants it first"
        )
    if repository.find_reviewer_assignment(session, workspace_id, person_id, area) is not None:
        raise ReviewerAlreadyAssigned(f"person {person_id} already reviews for {area}")
    assignment = ReviewerAssignment(workspace_id=workspace_id, person_id=person_id, area=area)
    session.add(assignment)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="governance.reviewer_board.assigned",
        target=f"person:{person_id}",
        after={"area": area, "assignment_id": assignment.id},
    )
    return assignment


def unassign_reviewer(session: Session, workspace_id: int, assignment_id: int, *, actor: str) -> None:
    assignment = repository.get_reviewer_assignment(session, workspace_id, assignment_id)
    if assignment is None:
        raise AssignmentNotFound(f"assignment {assignment_id} does not exist", assignment_id=assignment_id)
    session.delete(assignment)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="governance.reviewer_board.unassigned",
        target=f"person:{assignment.person_id}",
        before={"area": assignment.area, "assignment_id": assignment.id},
    )
