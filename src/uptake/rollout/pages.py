"""Rollout's pages: the plans, one plan with its waves and actions, and the gate page with live values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from uptake.access.dependencies import PersonPage, ProgramLeadPage, ReviewerPage, SessionDep
from uptake.access.roles import Role
from uptake.analytics.dependencies import get_analytics
from uptake.catalog import service as catalog_service
from uptake.db import utcnow
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.enablement.service import progress as progress_service
from uptake.errors import UptakeError
from uptake.rollout import schemas, service
from uptake.rollout.analytics_gates import AnalyticsGateSource
from uptake.rollout.gates import GATE_METRICS
from uptake.rollout.models import Comparison, PromotionMode
from uptake.web.flash import flash
from uptake.web.templating import render
from uptake.workspaces import service as workspaces_service

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=2000)]
Choices = Annotated[list[str], Form(max_length=10_000)]


def _ids(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.strip().isdigit()]


def _directory_names(session: Session, workspace_id: int) -> dict[str, dict[int, str]]:
    return {
        "teams": {team.id: team.name for team in teams_service.list_all_teams(session, workspace_id)},
        "roles": {role.id: role.name for role in job_roles_service.list_all_job_roles(session, workspace_id)},
    }


def _back(slug: str) -> RedirectResponse:
    return RedirectResponse(f"/rollout/{slug}", status_code=303)


def _act(
    request: Request,
    slug: str,
    done: str,
    action: Callable[[], object],
    *,
    entitlements_of: tuple[Session, int] | None = None,
) -> Response:
    """Run a form's action; flash what happened or why it was refused, and go back to the plan. With
    `entitlements_of` (session, workspace), the entitlements reach analytics at once after the change."""
    response = _back(slug)
    try:
        action()
        if entitlements_of is not None:
            session, workspace_id = entitlements_of
            AnalyticsGateSource(get_analytics(request)).push_entitlements(
                session, workspace_id, utcnow().date(), again=True
            )
    except ValidationError as error:
        flash(request, response, "; ".join(str(item["msg"]) for item in error.errors()), "error")
        return response
    except ValueError as error:  # a date that is not one
        flash(request, response, str(error), "error")
        return response
    except UptakeError as error:
        reasons = "; ".join(f"{item.field}: {item.reason}" for item in error.errors)
        flash(request, response, f"{error.detail}{' — ' + reasons if reasons else ''}", "error")
        return response
    flash(request, response, done)
    return response


@router.get("/rollout")
def rollout_plans(request: Request, session: SessionDep, caller: ReviewerPage) -> Response:
    plans = service.list_plans(session, caller.workspace_id)
    planned = {plan.use_case for plan in plans}
    use_cases, _ = catalog_service.list_use_cases(session, caller.workspace_id, limit=500)
    return render(
        request,
        "rollout/plans.html",
        {
            "plans": plans,
            "use_cases": [use_case for use_case in use_cases if use_case.slug not in planned],
            "is_lead": caller.has_role(Role.program_lead),
            "promotion_modes": list(PromotionMode),
            **_directory_names(session, caller.workspace_id),
        },
    )


def _wave_from_form(
    name: str,
    planned_on: str,
    team_ids: list[str],
    job_role_ids: list[str],
    percentage: str,
    requires_training: str,
    requires_acknowledgement: str,
) -> schemas.WaveCreate:
    return schemas.WaveCreate(
        name=name,
        planned_on=date.fromisoformat(planned_on) if planned_on else None,
        team_ids=_ids(team_ids),
        job_role_ids=_ids(job_role_ids),
        percentage=float(percentage) if percentage.strip() else None,
        requires_training=bool(requires_training),
        requires_acknowledgement=bool(requires_acknowledgement),
    )


@router.post("/rollout")
def create_rollout_plan(
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    use_case: Text = "",
    promotion_mode: Text = "automatic",
    name: Text = "pilot",
    planned_on: Text = "",
    team_ids: Choices = [],  # noqa: B006 - FastAPI copies form defaults
    job_role_ids: Choices = [],  # noqa: B006
    percentage: Text = "",
    requires_training: Text = "",
    requires_acknowledgement: Text = "",
) -> Response:
    def create() -> None:
        wave = _wave_from_form(
            name, planned_on, team_ids, job_role_ids, percentage, requires_training, requires_acknowledgement
        )
        body = schemas.RolloutPlanCreate(
            use_case=use_case, promotion_mode=PromotionMode(promotion_mode), waves=[wave]
        )
        service.create_plan(session, lead.workspace_id, body, actor=lead.actor)

    try:
        create()
    except (UptakeError, ValidationError, ValueError) as error:
        response = RedirectResponse("/rollout", status_code=303)
        flash(request, response, f"The plan was not created: {error}", "error")
        return response
    response = _back(use_case)
    flash(request, response, "Rollout plan created.")
    return response


@router.get("/rollout/{slug}")
def rollout_plan(slug: str, request: Request, session: SessionDep, caller: ReviewerPage) -> Response:
    plan = service.plan_output(
        session, caller.workspace_id, service.get_plan(session, caller.workspace_id, slug)
    )
    use_case = catalog_service.get_use_case_by_slug(session, caller.workspace_id, slug)
    return render(
        request,
        "rollout/plan.html",
        {
            "plan": plan,
            "use_case": use_case,
            "is_lead": caller.has_role(Role.program_lead),
            "is_reviewer": caller.has_role(Role.reviewer),
            "metrics": GATE_METRICS,
            "comparisons": list(Comparison),
            "people": _people_names(session, caller.workspace_id, plan),
            **_directory_names(session, caller.workspace_id),
        },
    )


def _people_names(session: Session, workspace_id: int, plan: schemas.RolloutPlan) -> dict[int, str]:
    wanted = sorted({person_id for wave in plan.waves for person_id in wave.person_ids})
    if not wanted:
        return {}
    return {
        person.id: person.display_name
        for person in people_service.list_people_by_ids(session, workspace_id, wanted)
    }


@router.get("/rollout/{slug}/gates")
def gate_page(slug: str, request: Request, session: SessionDep, caller: ReviewerPage) -> Response:
    """Each gate of the active wave with its live value, pass or fail, and the figures behind it."""
    preview = service.preview_gates(
        session, caller.workspace_id, slug, source=AnalyticsGateSource(get_analytics(request))
    )
    floor = workspaces_service.get_workspace(session, caller.workspace_id).privacy_floor
    return render(
        request,
        "rollout/gates.html",
        {"slug": slug, "preview": preview, "metrics": GATE_METRICS, "privacy_floor": floor},
    )


@router.post("/rollout/{slug}/start")
def start(
    slug: str, request: Request, session: SessionDep, lead: ProgramLeadPage, started_on: Text = ""
) -> Response:
    return _act(
        request,
        slug,
        "The first wave is active.",
        lambda: service.start_rollout(
            session,
            lead.workspace_id,
            slug,
            actor=lead.actor,
            started_on=date.fromisoformat(started_on) if started_on.strip() else None,
        ),
        entitlements_of=(session, lead.workspace_id),
    )


@router.post("/rollout/{slug}/waves")
def add_wave(
    slug: str,
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    name: Text = "",
    planned_on: Text = "",
    team_ids: Choices = [],  # noqa: B006
    job_role_ids: Choices = [],  # noqa: B006
    percentage: Text = "",
    requires_training: Text = "",
    requires_acknowledgement: Text = "",
) -> Response:
    def add() -> None:
        wave = _wave_from_form(
            name, planned_on, team_ids, job_role_ids, percentage, requires_training, requires_acknowledgement
        )
        service.add_wave(session, lead.workspace_id, slug, wave, actor=lead.actor)

    return _act(request, slug, f"Wave {name!r} added.", add)


@router.post("/rollout/{slug}/gates")
def add_gate(
    slug: str,
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    wave: Text = "",
    metric: Text = "",
    comparison: Text = ">=",
    threshold: Text = "",
) -> Response:
    def add() -> None:
        body = schemas.GateCreate(
            metric=metric, comparison=Comparison(comparison), threshold=float(threshold or 0)
        )
        service.add_gate(session, lead.workspace_id, slug, wave, body, actor=lead.actor)

    return _act(request, slug, "Gate added.", add)


@router.post("/rollout/{slug}/gate-evaluation")
def evaluate(slug: str, request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    def run() -> None:
        service.evaluate_gates(
            session, lead.workspace_id, slug, source=AnalyticsGateSource(get_analytics(request))
        )

    return _act(request, slug, "Gates evaluated.", run, entitlements_of=(session, lead.workspace_id))


@router.post("/rollout/{slug}/promotion")
def promote(
    slug: str,
    request: Request,
    session: SessionDep,
    approver: ReviewerPage,
    justification: Text = "",
    override: Text = "",
    promoted_on: Text = "",
) -> Response:
    def run() -> None:
        body = schemas.Promotion(
            override=bool(override),
            justification=justification.strip() or None,
            promoted_on=date.fromisoformat(promoted_on) if promoted_on.strip() else None,
        )
        service.promote_wave(
            session,
            approver.workspace_id,
            slug,
            body,
            promoter=approver,
            source=AnalyticsGateSource(get_analytics(request)),
        )

    return _act(request, slug, "Wave promoted.", run, entitlements_of=(session, approver.workspace_id))


@router.post("/rollout/{slug}/hold")
def hold(
    slug: str, request: Request, session: SessionDep, reviewer: ReviewerPage, reason: Text = ""
) -> Response:
    return _act(
        request,
        slug,
        "Wave held.",
        lambda: service.hold_wave(
            session, reviewer.workspace_id, slug, schemas.Hold(reason=reason).reason, actor=reviewer.actor
        ),
        entitlements_of=(session, reviewer.workspace_id),
    )


@router.post("/rollout/{slug}/resume")
def resume(slug: str, request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    return _act(
        request,
        slug,
        "Wave resumed.",
        lambda: service.resume_wave(session, lead.workspace_id, slug, actor=lead.actor),
        entitlements_of=(session, lead.workspace_id),
    )


@router.post("/rollout/{slug}/pause")
def pause(
    slug: str, request: Request, session: SessionDep, reviewer: ReviewerPage, reason: Text = ""
) -> Response:
    return _act(
        request,
        slug,
        "Use case paused: every entitlement to it is revoked.",
        lambda: service.pause_rollout(
            session, reviewer.workspace_id, slug, schemas.Hold(reason=reason).reason, actor=reviewer.actor
        ),
        entitlements_of=(session, reviewer.workspace_id),
    )


@router.post("/rollout/{slug}/unpause")
def unpause(slug: str, request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    return _act(
        request,
        slug,
        "Use case resumed.",
        lambda: service.resume_rollout(session, lead.workspace_id, slug, actor=lead.actor),
        entitlements_of=(session, lead.workspace_id),
    )


@router.get("/training/use-cases/{use_case_slug}")
def use_case_requirement(
    use_case_slug: str, request: Request, session: SessionDep, caller: PersonPage
) -> Response:
    """A use case's required training, where I stand on each module, and whether I may use it yet (rollout's
    decision: this page reads enablement and rollout, so it lives with the domain above)."""
    use_case = catalog_service.get_use_case_by_slug(session, caller.workspace_id, use_case_slug)
    person_id = caller.person_id
    requirement = progress_service.use_case_requirement(
        session, caller.workspace_id, person_id, use_case_slug
    )
    email = people_service.get_person(session, caller.workspace_id, person_id).email
    decision = service.check_entitlement(session, caller.workspace_id, email, use_case_slug)
    context = {"use_case": use_case, "requirement": requirement, "decision": decision}
    return render(request, "enablement/requirement.html", context)
