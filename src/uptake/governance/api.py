from __future__ import annotations

from typing import Annotated, Literal

import yaml
from fastapi import APIRouter, Path, Query, Response

from uptake.access.dependencies import Employee, ProgramLead, Reviewer, SessionDep
from uptake.analytics.dependencies import AnalyticsDep
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.governance import compliance, compliance_pack, controls, schemas, service
from uptake.governance.frameworks import FrameworkDocument
from uptake.governance.models import (
    ControlMapping,
    DecisionCondition,
    ReviewerAssignment,
    ReviewStatus,
    RiskAssessment,
)

router = APIRouter(tags=["governance"])
# A use case's status moves through governance (a submission opens its review), under the catalog's path and tag.
use_case_router = APIRouter(tags=["catalog"])

SlugPath = Annotated[str, Path(max_length=63)]
PackFormat = Literal["pdf", "markdown", "oscal"]
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _policy_document(source: service.PolicySource) -> schemas.PolicyDocument:
    document = yaml.safe_load(source.source)
    return schemas.PolicyDocument(
        source=source.source, is_default=source.is_default, updated_at=source.updated_at, document=document
    )


# ---------------------------------------------------------------- policy documents


@router.get("/risk-questionnaire", response_model=schemas.PolicyDocument)
def get_risk_questionnaire(session: SessionDep, caller: Employee) -> schemas.PolicyDocument:
    """The questionnaire in use: its YAML source and the parsed document (tiers, questions, rules)."""
    return _policy_document(service.get_risk_questionnaire_source(session, caller.workspace_id))


@router.put("/risk-questionnaire", response_model=schemas.PolicyDocument)
def save_risk_questionnaire(
    body: schemas.PolicySource, session: SessionDep, lead: ProgramLead
) -> schemas.PolicyDocument:
    service.save_risk_questionnaire(
        session, lead.workspace_id, body.source, actor=lead.actor, person_id=lead.person_id
    )
    return _policy_document(service.get_risk_questionnaire_source(session, lead.workspace_id))


@router.delete("/risk-questionnaire", response_model=schemas.PolicyDocument)
def reset_risk_questionnaire(session: SessionDep, lead: ProgramLead) -> schemas.PolicyDocument:
    """Go back to the questionnaire shipped with uptake."""
    service.save_risk_questionnaire(
        session, lead.workspace_id, None, actor=lead.actor, person_id=lead.person_id
    )
    return _policy_document(service.get_risk_questionnaire_source(session, lead.workspace_id))


@router.get("/review-policy", response_model=schemas.PolicyDocument)
def get_review_policy(session: SessionDep, caller: Employee) -> schemas.PolicyDocument:
    """Review areas, and per tier the areas that must approve and the re-review interval."""
    return _policy_document(service.get_review_policy_source(session, caller.workspace_id))


@router.put("/review-policy", response_model=schemas.PolicyDocument)
def save_review_policy(
    body: schemas.PolicySource, session: SessionDep, lead: ProgramLead
) -> schemas.PolicyDocument:
    service.save_review_policy(
        session, lead.workspace_id, body.source, actor=lead.actor, person_id=lead.person_id
    )
    return _policy_document(service.get_review_policy_source(session, lead.workspace_id))


@router.delete("/review-policy", response_model=schemas.PolicyDocument)
def reset_review_policy(session: SessionDep, lead: ProgramLead) -> schemas.PolicyDocument:
    service.save_review_policy(session, lead.workspace_id, None, actor=lead.actor, person_id=lead.person_id)
    return _policy_document(service.get_review_policy_source(session, lead.workspace_id))


# ---------------------------------------------------------------- risk assessment


def _assessment(
    session: SessionDep, workspace_id: int, slug: str, assessment: RiskAssessment
) -> schemas.RiskAssessment:
    return schemas.RiskAssessment(
        use_case_slug=slug,
        answers=assessment.answers,
        proposed_tier=assessment.proposed_tier,
        reasons=[schemas.TierReason(**reason) for reason in assessment.reasons],
        tier=assessment.tier,
        override_tier=assessment.override_tier,
        override_justification=assessment.override_justification,
        overridden_by_id=assessment.overridden_by_id,
        overridden_at=assessment.overridden_at,
        assessed_by_id=assessment.assessed_by_id,
        assessed_at=assessment.assessed_at,
        is_current=service.is_assessment_current(session, workspace_id, assessment),
    )


@router.get("/use-cases/{slug}/risk-assessment", response_model=schemas.RiskAssessment)
def get_risk_assessment(slug: SlugPath, session: SessionDep, reviewer: Reviewer) -> schemas.RiskAssessment:
    use_case = catalog_service.get_use_case_by_slug(session, reviewer.workspace_id, slug)
    assessment = service.get_risk_assessment(session, reviewer.workspace_id, use_case.id)
    if assessment is None:
        raise service.RiskAssessmentMissing(f"the risk questionnaire for {slug!r} is not answered yet")
    return _assessment(session, reviewer.workspace_id, slug, assessment)


@router.put("/use-cases/{slug}/risk-assessment", response_model=schemas.RiskAssessment)
def answer_risk_questionnaire(
    slug: SlugPath, body: schemas.RiskAssessmentAnswers, session: SessionDep, lead: ProgramLead
) -> schemas.RiskAssessment:
    """Answer every question; the answers propose a tier, with the reasons."""
    assessment = service.answer_risk_questionnaire(
        session, lead.workspace_id, slug, dict(body.answers), actor=lead.actor, person_id=lead.person_id
    )
    return _assessment(session, lead.workspace_id, slug, assessment)


@router.post("/use-cases/{slug}/risk-assessment/override", response_model=schemas.RiskAssessment)
def override_risk_tier(
    slug: SlugPath, body: schemas.TierOverride, session: SessionDep, reviewer: Reviewer
) -> schemas.RiskAssessment:
    assessment = service.override_risk_tier(
        session,
        reviewer.workspace_id,
        slug,
        body.tier,
        body.justification,
        actor=reviewer.actor,
        person_id=reviewer.person_id,
    )
    return _assessment(session, reviewer.workspace_id, slug, assessment)


# ---------------------------------------------------------------- reviews


@router.post("/use-cases/{slug}/submission", status_code=201, response_model=schemas.Review)
def submit_use_case_for_review(slug: SlugPath, session: SessionDep, lead: ProgramLead) -> schemas.Review:
    """Draft → in review. Needs a complete use card and an answered risk questionnaire (422/409 say what is
    missing); opens a review with the areas the tier requires."""
    review = service.submit_use_case_for_review(
        session, lead.workspace_id, slug, actor=lead.actor, person_id=lead.person_id
    )
    return service.get_review_view(session, lead.workspace_id, review.id).as_schema()


@router.post("/use-cases/{slug}/re-reviews", status_code=201, response_model=schemas.Review)
def start_re_review(slug: SlugPath, session: SessionDep, reviewer: Reviewer) -> schemas.Review:
    review = service.start_re_review(
        session, reviewer.workspace_id, slug, actor=reviewer.actor, person_id=reviewer.person_id
    )
    return service.get_review_view(session, reviewer.workspace_id, review.id).as_schema()


@router.get("/use-cases/{slug}/reviews", response_model=list[schemas.Review])
def list_use_case_reviews(slug: SlugPath, session: SessionDep, reviewer: Reviewer) -> list[schemas.Review]:
    views = service.list_reviews(session, reviewer.workspace_id, use_case_slug=slug)
    return [view.as_schema() for view in views]


@router.get("/use-cases/{slug}/decisions", response_model=list[schemas.Decision])
def list_decisions(slug: SlugPath, session: SessionDep, reviewer: Reviewer) -> list[schemas.Decision]:
    return [view.as_schema() for view in service.list_decisions(session, reviewer.workspace_id, slug)]


@router.get("/reviews", response_model=list[schemas.Review])
def list_reviews(
    session: SessionDep,
    reviewer: Reviewer,
    status: Annotated[
        ReviewStatus | None, Query(description="Without it: the queue of open reviews reviewers can act on")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[schemas.Review]:
    if status is None:
        views = service.list_review_queue(session, reviewer.workspace_id, limit=limit, offset=offset)
    else:
        views = service.list_reviews(
            session, reviewer.workspace_id, status=status, limit=limit, offset=offset
        )
    return [view.as_schema() for view in views]


@router.get("/reviews/{review_id}", response_model=schemas.Review)
def get_review(review_id: IdPath, session: SessionDep, reviewer: Reviewer) -> schemas.Review:
    return service.get_review_view(session, reviewer.workspace_id, review_id).as_schema()


@router.post("/reviews/{review_id}/verdicts", status_code=201, response_model=schemas.Review)
def record_verdict(
    review_id: IdPath, body: schemas.VerdictCreate, session: SessionDep, reviewer: Reviewer
) -> schemas.Review:
    """Approve (optionally with conditions), reject, or request changes, for one of your review areas. Approval
    completes when every required area has approved, by different people, none of them the submitter."""
    service.record_verdict(
        session, reviewer.workspace_id, review_id, body, actor=reviewer.actor, reviewer_id=reviewer.person_id
    )
    return service.get_review_view(session, reviewer.workspace_id, review_id).as_schema()


@router.patch("/conditions/{condition_id}", response_model=schemas.Condition)
def update_condition(
    condition_id: IdPath, body: schemas.ConditionUpdate, session: SessionDep, reviewer: Reviewer
) -> DecisionCondition:
    return service.update_condition_status(
        session, reviewer.workspace_id, condition_id, body.status, actor=reviewer.actor
    )


@router.get("/re-reviews/overdue", response_model=list[schemas.OverdueReview])
def list_overdue_re_reviews(session: SessionDep, reviewer: Reviewer) -> list[schemas.OverdueReview]:
    return [
        schemas.OverdueReview(
            use_case_slug=item.use_case.slug,
            use_case_title=item.use_case.title,
            risk_tier=item.use_case.risk_tier,
            next_review_on=item.decision.next_review_on,
            days_overdue=item.days_overdue,
            decision_id=item.decision.id,
        )
        for item in service.list_overdue_re_reviews(session, reviewer.workspace_id)
        if item.decision.next_review_on is not None
    ]


# ---------------------------------------------------------------- reviewer board


@router.get("/reviewer-board", response_model=list[schemas.ReviewerAssignment])
def list_reviewer_board(session: SessionDep, reviewer: Reviewer) -> list[ReviewerAssignment]:
    return service.list_reviewer_board(session, reviewer.workspace_id)


@router.post("/reviewer-board", status_code=201, response_model=schemas.ReviewerAssignment)
def assign_reviewer(
    body: schemas.ReviewerAssignmentCreate, session: SessionDep, lead: ProgramLead
) -> ReviewerAssignment:
    return service.assign_reviewer(session, lead.workspace_id, body.person_id, body.area, actor=lead.actor)


@router.delete("/reviewer-board/{assignment_id}", status_code=204)
def unassign_reviewer(assignment_id: IdPath, session: SessionDep, lead: ProgramLead) -> Response:
    service.unassign_reviewer(session, lead.workspace_id, assignment_id, actor=lead.actor)
    return Response(status_code=204)


# ---------------------------------------------------------------- frameworks and controls


@router.get("/frameworks", response_model=list[schemas.FrameworkSummary])
def list_frameworks(session: SessionDep, reviewer: Reviewer) -> list[schemas.FrameworkSummary]:
    return [framework.as_summary() for framework in controls.list_frameworks(session, reviewer.workspace_id)]


@router.post("/frameworks", status_code=201, response_model=schemas.FrameworkSummary)
def add_framework(
    body: FrameworkDocument, session: SessionDep, lead: ProgramLead
) -> schemas.FrameworkSummary:
    """Add the workspace's own framework (ISO/IEC 42001, an internal policy); the format is in docs/frameworks.md."""
    framework = controls.add_framework(
        session, lead.workspace_id, body, actor=lead.actor, person_id=lead.person_id
    )
    return framework.as_summary()


@router.get("/frameworks/{slug}", response_model=FrameworkDocument)
def get_framework(slug: SlugPath, session: SessionDep, reviewer: Reviewer) -> FrameworkDocument:
    return controls.get_framework(session, reviewer.workspace_id, slug).document


@router.delete("/frameworks/{slug}", status_code=204)
def remove_framework(slug: SlugPath, session: SessionDep, lead: ProgramLead) -> Response:
    controls.remove_framework(session, lead.workspace_id, slug, actor=lead.actor)
    return Response(status_code=204)


@router.get("/frameworks/{slug}/coverage", response_model=schemas.FrameworkCoverage)
def get_framework_coverage(
    slug: SlugPath, session: SessionDep, reviewer: Reviewer
) -> schemas.FrameworkCoverage:
    return controls.framework_coverage(session, reviewer.workspace_id, slug).as_schema()


def _mapping(mapping: ControlMapping, use_case_slug: str) -> schemas.ControlMapping:
    return schemas.ControlMapping(
        id=mapping.id,
        use_case_slug=use_case_slug,
        framework=mapping.framework_slug,
        control=mapping.control_id,
        status=mapping.status,
        evidence=mapping.evidence,
        notes=mapping.notes,
        updated_at=mapping.updated_at,
    )


@router.get("/use-cases/{slug}/control-mappings", response_model=list[schemas.ControlMapping])
def list_control_mappings(
    slug: SlugPath, session: SessionDep, reviewer: Reviewer
) -> list[schemas.ControlMapping]:
    return [
        _mapping(mapping, slug)
        for mapping in controls.list_control_mappings(session, reviewer.workspace_id, slug)
    ]


@router.post("/use-cases/{slug}/control-mappings", response_model=schemas.ControlMapping)
def save_control_mapping(
    slug: SlugPath, body: schemas.ControlMappingUpsert, session: SessionDep, reviewer: Reviewer
) -> schemas.ControlMapping:
    """Map the use case to a control (created, or updated when it is already mapped) with status and evidence."""
    mapping = controls.save_control_mapping(
        session, reviewer.workspace_id, slug, body, actor=reviewer.actor, person_id=reviewer.person_id
    )
    return _mapping(mapping, slug)


@router.delete("/control-mappings/{mapping_id}", status_code=204)
def delete_control_mapping(mapping_id: IdPath, session: SessionDep, reviewer: Reviewer) -> Response:
    controls.delete_control_mapping(session, reviewer.workspace_id, mapping_id, actor=reviewer.actor)
    return Response(status_code=204)


@use_case_router.post("/use-cases/{slug}/transitions", response_model=catalog_schemas.UseCase)
def transition_use_case(
    slug: SlugPath, body: catalog_schemas.UseCaseTransition, session: SessionDep, lead: ProgramLead
) -> catalog_schemas.UseCase:
    """Move the use case to another status. Submitting (to ``in_review``) opens its review; ``approved`` and
    ``rejected`` are refused here: only the review decides them. A refused move answers 409 naming the allowed ones."""
    return service.move_use_case(
        session,
        lead.workspace_id,
        slug,
        body.to,
        actor=lead.actor,
        person_id=lead.person_id,
        reason=body.reason,
    )


# ---------------------------------------------------------------- compliance


@router.get("/use-cases/{slug}/compliance", response_model=schemas.UseCaseCompliance)
def get_use_case_compliance(
    slug: SlugPath, session: SessionDep, caller: Reviewer, analytics: AnalyticsDep
) -> schemas.UseCaseCompliance:
    """The controls the use case's facts make required, each met or missing, why, and its evidence."""
    pack_result, _ = compliance.assess_use_case(session, caller.workspace_id, slug, analytics=analytics)
    return compliance_pack.compliance_schema(pack_result)


@router.get(
    "/use-cases/{slug}/compliance-pack",
    response_class=Response,
    responses={200: {"content": {media: {} for media in compliance_pack.MEDIA_TYPES.values()}}},
)
def get_compliance_pack(
    slug: SlugPath,
    session: SessionDep,
    caller: Reviewer,
    analytics: AnalyticsDep,
    format: Annotated[PackFormat, Query()] = "markdown",
) -> Response:
    """The use case's compliance pack for an auditor: Markdown, PDF, or OSCAL assessment results (JSON)."""
    pack = compliance_pack.build_pack(session, caller.workspace_id, slug, analytics=analytics)
    content = compliance_pack.render(pack, format)
    name = f"{slug}-compliance.{compliance_pack.SUFFIXES[format]}"
    return Response(
        content,
        media_type=compliance_pack.MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
