"""Governance's pages: the review queue and a review, the risk questionnaire, the reviewer board, overdue
re-reviews, the policy documents, frameworks with their coverage, and a use case's controls and evidence. It
stays whole: each route is short, and splitting reviewers' pages from the policy pages would spread one
domain's pages over two routers."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from uptake.access.dependencies import ProgramLeadPage, ReviewerPage, SessionDep
from uptake.access.roles import Role
from uptake.analytics.dependencies import get_analytics
from uptake.catalog import service as catalog_service
from uptake.directory.service import people as people_service
from uptake.errors import FieldError, InvalidInput, UptakeError
from uptake.governance import compliance, controls, schemas, service
from uptake.governance.frameworks import parse_framework
from uptake.governance.models import ConditionStatus, ControlStatus, ReviewKind, ReviewStatus, Verdict
from uptake.governance.questionnaire import PolicyDocumentInvalid
from uptake.web.forms import FormModel, act, answer_form, parse_values, reasons_of, redirect_with_flash
from uptake.web.templating import render

router = APIRouter(include_in_schema=False)
CONDITION_ROWS = 3


def _names(session: Session, workspace_id: int, person_ids: set[int | None]) -> dict[int, str]:
    wanted = sorted(person_id for person_id in person_ids if person_id is not None)
    if not wanted:
        return {}
    return {p.id: p.display_name for p in people_service.list_people_by_ids(session, workspace_id, wanted)}


# A governance button: the flash says the refusal's detail, then its reasons by field.
_act = partial(act, describe=reasons_of)


def _refused_as(prefix: str) -> Callable[[Any], str]:
    """A refusal's words: a form's own checks after ``prefix`` ("Not saved — ..."), the service's as its reasons."""

    def describe(error: Any) -> str:
        if isinstance(error, ValidationError):
            reasons = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
            return f"{prefix} — {reasons}"
        if isinstance(error, PolicyDocumentInvalid):
            return f"{prefix} — {error}"
        return reasons_of(error)

    return describe


def _local(back: str, default: str) -> str:
    return back if back.startswith("/") and not back.startswith("//") else default


def _area_names(session: Session, workspace_id: int) -> dict[str, str]:
    return {area.id: area.name for area in service.get_review_policy(session, workspace_id).areas}


def _tier_names(session: Session, workspace_id: int) -> dict[str, str]:
    return {tier.id: tier.name for tier in service.get_risk_questionnaire(session, workspace_id).tiers}


# ---------------------------------------------------------------- reviews


@router.get("/governance/reviews")
def review_queue(request: Request, session: SessionDep, reviewer: ReviewerPage) -> Response:
    """Open reviews waiting for verdicts, what each still needs, and the reviews decided lately."""
    workspace_id = reviewer.workspace_id
    queue = service.list_review_queue(session, workspace_id)
    recent = [
        view
        for view in service.list_reviews(session, workspace_id, limit=30)
        if view.review.status != ReviewStatus.open
    ][:15]
    my_areas = (
        service.list_reviewer_areas(session, workspace_id, reviewer.person_id) if reviewer.person_id else []
    )
    people = _names(session, workspace_id, {view.review.submitted_by_id for view in [*queue, *recent]})
    context = {
        "queue": queue,
        "recent": recent,
        "my_areas": my_areas,
        "people": people,
        "area_names": _area_names(session, workspace_id),
        "tier_names": _tier_names(session, workspace_id),
        "overdue": len(service.list_overdue_re_reviews(session, workspace_id)),
    }
    return render(request, "governance/reviews.html", context)


@router.get("/governance/reviews/{review_id}")
def review_page(review_id: int, request: Request, session: SessionDep, reviewer: ReviewerPage) -> Response:
    workspace_id = reviewer.workspace_id
    view = service.get_review_view(session, workspace_id, review_id)
    use_case = view.use_case
    card = catalog_service.get_use_card(session, workspace_id, use_case)
    assessment = service.get_risk_assessment(session, workspace_id, use_case.id)
    my_areas = (
        service.list_reviewer_areas(session, workspace_id, reviewer.person_id) if reviewer.person_id else []
    )
    already = any(verdict.reviewer_id == reviewer.person_id for verdict in view.review.verdicts)
    can_decide = (
        view.review.status == ReviewStatus.open
        and bool(my_areas)
        and not already
        and reviewer.person_id != view.review.submitted_by_id
    )
    people = _names(
        session,
        workspace_id,
        {view.review.submitted_by_id, *(verdict.reviewer_id for verdict in view.review.verdicts)},
    )
    conditions = [
        condition
        for decision in service.list_decisions(session, workspace_id, use_case.slug)
        for condition in decision.conditions
        if condition.review_id == review_id
    ]
    context = {
        "view": view,
        "use_case": use_case,
        "card": card,
        "sections": catalog_service.use_card_sections(),
        "assessment": assessment,
        "my_areas": my_areas,
        "can_decide": can_decide,
        "is_submitter": reviewer.person_id == view.review.submitted_by_id,
        "people": people,
        "area_names": _area_names(session, workspace_id),
        "tier_names": _tier_names(session, workspace_id),
        "condition_rows": range(CONDITION_ROWS),
        "conditions": conditions,
        "verdicts": [verdict.value for verdict in Verdict],
    }
    return render(request, "governance/review.html", context)


@router.post("/governance/reviews/{review_id}/verdicts")
def record_verdict(
    review_id: int,
    request: Request,
    session: SessionDep,
    reviewer: ReviewerPage,
    verdict: Annotated[str, Form(max_length=30)],
    area: Annotated[str, Form(max_length=60)] = "",
    comment: Annotated[str, Form(max_length=5000)] = "",
    condition_text: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies form defaults
    condition_due_on: Annotated[list[str], Form()] = [],  # noqa: B006
) -> Response:
    conditions = []
    for index, text in enumerate(condition_text):
        if text.strip():
            due = condition_due_on[index].strip() if index < len(condition_due_on) else ""
            conditions.append({"text": text.strip(), "due_on": due or None})

    def record() -> Any:
        body = schemas.VerdictCreate.model_validate(
            {"verdict": verdict, "area": area or None, "comment": comment, "conditions": conditions}
        )
        return service.record_verdict(
            session,
            reviewer.workspace_id,
            review_id,
            body,
            actor=reviewer.actor,
            reviewer_id=reviewer.person_id,
        )

    return _act(
        request,
        session,
        record,
        redirect=f"/governance/reviews/{review_id}",
        message=_verdict_outcome,
        describe=_refused_as("The verdict was not recorded"),
    )


def _verdict_outcome(review: Any) -> str:
    intake = {
        ReviewStatus.approved: "Worth a full review: the candidate stays a draft for its owner to complete.",
        ReviewStatus.rejected: "Rejected: the candidate is retired.",
    }
    if review.kind == ReviewKind.intake and review.status in intake:
        return intake[review.status]
    return {
        ReviewStatus.approved: "All required areas approved: the use case is approved.",
        ReviewStatus.rejected: "Rejected: the owner is told why.",
        ReviewStatus.changes_requested: "Changes requested: the use case went back to draft.",
    }.get(review.status, "Your verdict is recorded; the review waits for the other areas.")


@router.post("/governance/conditions/{condition_id}")
def update_condition(
    condition_id: int,
    request: Request,
    session: SessionDep,
    reviewer: ReviewerPage,
    status: Annotated[str, Form(max_length=20)],
    back: Annotated[str, Form(max_length=300)] = "/governance/reviews",
) -> Response:
    target = _local(back, "/governance/reviews")
    if status not in {item.value for item in ConditionStatus}:
        return redirect_with_flash(request, target, f"{status!r} is not a condition status.", "error")
    return _act(
        request,
        session,
        lambda: service.update_condition_status(
            session, reviewer.workspace_id, condition_id, ConditionStatus(status), actor=reviewer.actor
        ),
        redirect=target,
        message="Condition updated.",
    )


# ---------------------------------------------------------------- risk questionnaire


@router.get("/governance/use-cases/{slug}/risk-assessment")
def risk_assessment_page(
    slug: str, request: Request, session: SessionDep, reviewer: ReviewerPage
) -> Response:
    workspace_id = reviewer.workspace_id
    use_case = catalog_service.get_use_case_by_slug(session, workspace_id, slug)
    assessment = service.get_risk_assessment(session, workspace_id, use_case.id)
    context = {
        "use_case": use_case,
        "questionnaire": service.get_risk_questionnaire(session, workspace_id),
        "assessment": assessment,
        "answers": assessment.answers if assessment else {},
        "is_current": service.is_assessment_current(session, workspace_id, assessment)
        if assessment
        else True,
        "tier_names": _tier_names(session, workspace_id),
        "can_answer": reviewer.has_role(Role.program_lead),
        "errors": {},
    }
    return render(request, "governance/risk_assessment.html", context)


async def _submitted_form(request: Request) -> FormData:
    return await request.form()


@router.post("/governance/use-cases/{slug}/risk-assessment")
def answer_risk_questionnaire(
    slug: str,
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    form: Annotated[FormData, Depends(_submitted_form)],
) -> Response:
    """The form's fields are the questionnaire's own (one per question), so they are read from the form itself."""
    questionnaire = service.get_risk_questionnaire(session, lead.workspace_id)
    answers: dict[str, Any] = {}
    for question in questionnaire.questions:
        if question.type == "any_of":
            answers[question.id] = [str(value) for value in form.getlist(question.id)]
        elif question.type == "yes_no":
            value = form.get(question.id)
            if value in ("yes", "no"):
                answers[question.id] = value == "yes"
        elif form.get(question.id):
            answers[question.id] = str(form.get(question.id))
    return _save_answers(request, session, lead.workspace_id, slug, answers, lead.actor, lead.person_id)


class RiskAnswers(FormModel):
    """The questionnaire's answers by question id, read from the form by the questionnaire's own questions."""

    answers: dict[str, Any]


def _save_answers(
    request: Request,
    session: Session,
    workspace_id: int,
    slug: str,
    answers: dict[str, Any],
    actor: str,
    person_id: int | None,
) -> Response:
    def again(values: dict[str, Any], errors: dict[str, str]) -> Response:
        use_case = catalog_service.get_use_case_by_slug(session, workspace_id, slug)
        context = {
            "use_case": use_case,
            "questionnaire": service.get_risk_questionnaire(session, workspace_id),
            "assessment": service.get_risk_assessment(session, workspace_id, use_case.id),
            "answers": values["answers"],
            "is_current": True,
            "tier_names": _tier_names(session, workspace_id),
            "can_answer": True,
            "errors": {field.removeprefix("answers."): reason for field, reason in errors.items()},
        }
        return render(request, "governance/risk_assessment.html", context)

    def proposed(assessment: Any) -> str:
        tier = _tier_names(session, workspace_id).get(assessment.tier, assessment.tier)
        return f"Answers saved. Proposed tier: {tier}."

    return answer_form(
        request,
        session,
        parse_values(RiskAnswers, {"answers": answers}),
        lambda form: service.answer_risk_questionnaire(
            session, workspace_id, slug, form.answers, actor=actor, person_id=person_id
        ),
        again=again,
        redirect=f"/governance/use-cases/{slug}/risk-assessment",
        message=proposed,
    )


@router.post("/governance/use-cases/{slug}/risk-assessment/override")
def override_risk_tier(
    slug: str,
    request: Request,
    session: SessionDep,
    reviewer: ReviewerPage,
    tier: Annotated[str, Form(max_length=60)],
    justification: Annotated[str, Form(max_length=5000)] = "",
    back: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    def override() -> None:
        if len(justification.strip()) < 10:
            raise InvalidInput(
                errors=[FieldError("justification", "say in a sentence why the proposal is wrong")]
            )
        service.override_risk_tier(
            session,
            reviewer.workspace_id,
            slug,
            tier,
            justification,
            actor=reviewer.actor,
            person_id=reviewer.person_id,
        )

    return _act(
        request,
        session,
        override,
        redirect=_local(back, f"/governance/use-cases/{slug}/risk-assessment"),
        message="Tier overridden; the justification is on the record.",
    )


# ---------------------------------------------------------------- re-reviews


@router.get("/governance/re-reviews")
def overdue_re_reviews(request: Request, session: SessionDep, reviewer: ReviewerPage) -> Response:
    items = service.list_overdue_re_reviews(session, reviewer.workspace_id)
    context = {"items": items, "tier_names": _tier_names(session, reviewer.workspace_id)}
    return render(request, "governance/re_reviews.html", context)


@router.post("/governance/use-cases/{slug}/re-reviews")
def start_re_review(slug: str, request: Request, session: SessionDep, reviewer: ReviewerPage) -> Response:
    return _act(
        request,
        session,
        lambda: service.start_re_review(
            session, reviewer.workspace_id, slug, actor=reviewer.actor, person_id=reviewer.person_id
        ),
        redirect=lambda review: f"/governance/reviews/{review.id}",
        refused="/governance/re-reviews",
        message="Re-review opened.",
    )


# ---------------------------------------------------------------- reviewer board


@router.get("/governance/reviewer-board")
def reviewer_board(request: Request, session: SessionDep, reviewer: ReviewerPage) -> Response:
    workspace_id = reviewer.workspace_id
    board = service.list_reviewer_board(session, workspace_id)
    policy = service.get_review_policy(session, workspace_id)
    people = {
        person.id: person
        for person in people_service.list_people_by_ids(
            session, workspace_id, sorted({assignment.person_id for assignment in board})
        )
    }
    context = {
        "board": board,
        "areas": policy.areas,
        "people": people,
        "tiers": policy.tiers,
        "tier_names": _tier_names(session, workspace_id),
        "can_edit": reviewer.has_role(Role.program_lead),
    }
    return render(request, "governance/reviewer_board.html", context)


@router.post("/governance/reviewer-board")
def assign_reviewer(
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    email: Annotated[str, Form(max_length=320)],
    area: Annotated[str, Form(max_length=60)],
) -> Response:
    person = people_service.get_person_by_email(session, lead.workspace_id, email)
    if person is None:
        message = f"Nobody in the directory has the email {email}."
        return redirect_with_flash(request, "/governance/reviewer-board", message, "error")
    return _act(
        request,
        session,
        lambda: service.assign_reviewer(session, lead.workspace_id, person.id, area, actor=lead.actor),
        redirect="/governance/reviewer-board",
        message=f"{person.display_name} now reviews for {area.replace('_', ' ')}.",
    )


@router.post("/governance/reviewer-board/{assignment_id}/remove")
def unassign_reviewer(
    assignment_id: int, request: Request, session: SessionDep, lead: ProgramLeadPage
) -> Response:
    return _act(
        request,
        session,
        lambda: service.unassign_reviewer(session, lead.workspace_id, assignment_id, actor=lead.actor),
        redirect="/governance/reviewer-board",
        message="Removed from the board.",
    )


# ---------------------------------------------------------------- policies


@router.get("/governance/policies")
def policies(request: Request, session: SessionDep, reviewer: ReviewerPage) -> Response:
    workspace_id = reviewer.workspace_id
    context = {
        "questionnaire": service.get_risk_questionnaire_source(session, workspace_id),
        "review_policy": service.get_review_policy_source(session, workspace_id),
        "can_edit": reviewer.has_role(Role.program_lead),
        "errors": {},
    }
    return render(request, "governance/policies.html", context)


@router.post("/governance/policies/{kind}")
def save_policy(
    kind: str,
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    source: Annotated[str, Form(max_length=200_000)] = "",
    action: Annotated[str, Form(max_length=10)] = "save",
) -> Response:
    save = {
        "risk-questionnaire": service.save_risk_questionnaire,
        "review-policy": service.save_review_policy,
    }.get(kind)
    if save is None:
        return redirect_with_flash(
            request, "/governance/policies", f"There is no policy called {kind}.", "error"
        )
    return _act(
        request,
        session,
        lambda: save(
            session,
            lead.workspace_id,
            None if action == "reset" else source.replace("\r\n", "\n"),
            actor=lead.actor,
            person_id=lead.person_id,
        ),
        redirect="/governance/policies",
        message="Reset to uptake's default." if action == "reset" else "Policy saved.",
    )


# ---------------------------------------------------------------- frameworks and controls


@router.get("/governance/frameworks")
def frameworks(request: Request, session: SessionDep, reviewer: ReviewerPage) -> Response:
    items = controls.list_frameworks(session, reviewer.workspace_id)
    context = {
        "frameworks": [item.as_summary() for item in items],
        "can_edit": reviewer.has_role(Role.program_lead),
    }
    return render(request, "governance/frameworks.html", context)


@router.post("/governance/frameworks")
def add_framework(
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    source: Annotated[str, Form(max_length=2_000_000)] = "",
) -> Response:
    return _act(
        request,
        session,
        lambda: controls.add_framework(
            session, lead.workspace_id, parse_framework(source), actor=lead.actor, person_id=lead.person_id
        ),
        redirect="/governance/frameworks",
        message=lambda framework: f"{framework.document.name} added.",
        describe=_refused_as("The framework was not added"),
        refusals=(PolicyDocumentInvalid, UptakeError),
    )


@router.post("/governance/frameworks/{slug}/remove")
def remove_framework(slug: str, request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    return _act(
        request,
        session,
        lambda: controls.remove_framework(session, lead.workspace_id, slug, actor=lead.actor),
        redirect="/governance/frameworks",
        message="Framework removed.",
    )


@router.get("/governance/frameworks/{slug}")
def framework_coverage(slug: str, request: Request, session: SessionDep, reviewer: ReviewerPage) -> Response:
    coverage = controls.framework_coverage(session, reviewer.workspace_id, slug)
    return render(request, "governance/framework_coverage.html", {"coverage": coverage})


@router.get("/governance/use-cases/{slug}/controls")
def use_case_controls(slug: str, request: Request, session: SessionDep, reviewer: ReviewerPage) -> Response:
    workspace_id = reviewer.workspace_id
    use_case = catalog_service.get_use_case_by_slug(session, workspace_id, slug)
    context = {
        "use_case": use_case,
        "mappings": controls.list_control_mappings(session, workspace_id, slug),
        "required": compliance.assess_use_case(session, workspace_id, slug, analytics=get_analytics(request))[
            0
        ],
        "frameworks": [item.as_summary() for item in controls.list_frameworks(session, workspace_id)],
        "statuses": [status.value for status in ControlStatus],
    }
    return render(request, "governance/use_case_controls.html", context)


@router.post("/governance/use-cases/{slug}/controls")
def save_control_mapping(
    slug: str,
    request: Request,
    session: SessionDep,
    reviewer: ReviewerPage,
    framework: Annotated[str, Form(max_length=63)],
    control: Annotated[str, Form(max_length=100)],
    status: Annotated[str, Form(max_length=20)] = ControlStatus.planned.value,
    evidence_label: Annotated[str, Form(max_length=200)] = "",
    evidence_url: Annotated[str, Form(max_length=2000)] = "",
    notes: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    evidence = (
        [{"label": evidence_label.strip() or evidence_url.strip(), "url": evidence_url.strip()}]
        if evidence_url.strip()
        else []
    )

    def save() -> None:
        body = schemas.ControlMappingUpsert.model_validate(
            {
                "framework": framework,
                "control": control.strip(),
                "status": status,
                "evidence": evidence,
                "notes": notes,
            }
        )
        controls.save_control_mapping(
            session, reviewer.workspace_id, slug, body, actor=reviewer.actor, person_id=reviewer.person_id
        )

    return _act(
        request,
        session,
        save,
        redirect=f"/governance/use-cases/{slug}/controls",
        message=f"{control} saved.",
        describe=_not_saved,
    )


def _not_saved(error: Any) -> str:
    if isinstance(error, ValidationError):
        return "Not saved — " + "; ".join(str(e["msg"]) for e in error.errors())
    return reasons_of(error)


@router.post("/governance/control-mappings/{mapping_id}/remove")
def remove_control_mapping(
    mapping_id: int,
    request: Request,
    session: SessionDep,
    reviewer: ReviewerPage,
    back: Annotated[str, Form(max_length=300)] = "/governance/frameworks",
) -> Response:
    return _act(
        request,
        session,
        lambda: controls.delete_control_mapping(
            session, reviewer.workspace_id, mapping_id, actor=reviewer.actor
        ),
        redirect=_local(back, "/governance/frameworks"),
        message="Mapping removed.",
    )
