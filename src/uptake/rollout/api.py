"""Rollout's JSON routes: plans, waves, gates, promotion and the kill switch; entitlements and the rollout state."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from uptake.access.dependencies import (
    EntitlementsReader,
    Person,
    ProgramLead,
    Reviewer,
    SessionDep,
)
from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.analytics.dependencies import get_analytics
from uptake.db import utcnow
from uptake.errors import Forbidden
from uptake.rollout import schemas, service
from uptake.rollout.analytics_gates import AnalyticsGateSource
from uptake.rollout.models import UseCardAcknowledgement
from uptake.rollout.state import find_person

router = APIRouter(tags=["rollout"])

SlugPath = Annotated[str, Path(max_length=63)]
WavePath = Annotated[str, Path(max_length=63)]
GatePath = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/rollout-plans", response_model=list[schemas.RolloutPlan])
def list_rollout_plans(session: SessionDep, reviewer: Reviewer) -> list[schemas.RolloutPlan]:
    return service.list_plans(session, reviewer.workspace_id)


@router.post("/rollout-plans", status_code=201, response_model=schemas.RolloutPlan)
def create_rollout_plan(
    body: schemas.RolloutPlanCreate, session: SessionDep, lead: ProgramLead
) -> schemas.RolloutPlan:
    plan = service.create_plan(session, lead.workspace_id, body, actor=lead.actor)
    return service.plan_output(session, lead.workspace_id, plan)


@router.get("/rollout-plans/{slug}", response_model=schemas.RolloutPlan)
def get_rollout_plan(slug: SlugPath, session: SessionDep, reviewer: Reviewer) -> schemas.RolloutPlan:
    return service.plan_output(
        session, reviewer.workspace_id, service.get_plan(session, reviewer.workspace_id, slug)
    )


@router.patch("/rollout-plans/{slug}", response_model=schemas.RolloutPlan)
def update_rollout_plan(
    slug: SlugPath, body: schemas.RolloutPlanUpdate, session: SessionDep, lead: ProgramLead
) -> schemas.RolloutPlan:
    plan = service.update_plan(session, lead.workspace_id, slug, body, actor=lead.actor)
    return service.plan_output(session, lead.workspace_id, plan)


@router.post("/rollout-plans/{slug}/waves", status_code=201, response_model=schemas.RolloutPlan)
def add_wave(
    slug: SlugPath, body: schemas.WaveCreate, session: SessionDep, lead: ProgramLead
) -> schemas.RolloutPlan:
    plan = service.add_wave(session, lead.workspace_id, slug, body, actor=lead.actor)
    return service.plan_output(session, lead.workspace_id, plan)


@router.patch("/rollout-plans/{slug}/waves/{wave}", response_model=schemas.RolloutPlan)
def update_wave(
    slug: SlugPath, wave: WavePath, body: schemas.WaveUpdate, session: SessionDep, lead: ProgramLead
) -> schemas.RolloutPlan:
    plan = service.update_wave(session, lead.workspace_id, slug, wave, body, actor=lead.actor)
    return service.plan_output(session, lead.workspace_id, plan)


@router.post("/rollout-plans/{slug}/waves/{wave}/gates", status_code=201, response_model=schemas.RolloutPlan)
def add_gate(
    slug: SlugPath, wave: WavePath, body: schemas.GateCreate, session: SessionDep, lead: ProgramLead
) -> schemas.RolloutPlan:
    plan = service.add_gate(session, lead.workspace_id, slug, wave, body, actor=lead.actor)
    return service.plan_output(session, lead.workspace_id, plan)


@router.delete("/rollout-plans/{slug}/gates/{gate_id}", response_model=schemas.RolloutPlan)
def remove_gate(
    slug: SlugPath, gate_id: GatePath, session: SessionDep, lead: ProgramLead
) -> schemas.RolloutPlan:
    plan = service.remove_gate(session, lead.workspace_id, slug, gate_id, actor=lead.actor)
    return service.plan_output(session, lead.workspace_id, plan)


def _publish_entitlements(request: Request, session: SessionDep, workspace_id: int) -> None:
    """Entitlements reach analytics as soon as they change: a figure asked next counts the new eligible people."""
    AnalyticsGateSource(get_analytics(request)).push_entitlements(
        session, workspace_id, utcnow().date(), again=True
    )


@router.post("/rollout-plans/{slug}/start", response_model=schemas.RolloutPlan)
def start_rollout(
    slug: SlugPath,
    request: Request,
    session: SessionDep,
    lead: ProgramLead,
    body: schemas.RolloutStart | None = None,
) -> schemas.RolloutPlan:
    """Start the first wave now, or (`started_on`) record the day it started before the programme moved into
    uptake."""
    started_on = body.started_on if body is not None else None
    plan = service.start_rollout(session, lead.workspace_id, slug, actor=lead.actor, started_on=started_on)
    _publish_entitlements(request, session, lead.workspace_id)
    return service.plan_output(session, lead.workspace_id, plan)


@router.post("/rollout-plans/{slug}/gate-evaluation", response_model=schemas.GateEvaluation)
def evaluate_gates(
    slug: SlugPath, request: Request, session: SessionDep, lead: ProgramLead
) -> schemas.GateEvaluation:
    """Read the active wave's gates now and act on them, as the scheduled job does."""
    outcome = service.evaluate_gates(
        session, lead.workspace_id, slug, source=AnalyticsGateSource(get_analytics(request))
    )
    if outcome.promoted_to:
        _publish_entitlements(request, session, lead.workspace_id)
    return schemas.GateEvaluation(
        plan=service.plan_output(
            session, lead.workspace_id, service.get_plan(session, lead.workspace_id, slug)
        ),
        wave=outcome.wave,
        all_passed=outcome.all_passed,
        promoted_to=outcome.promoted_to,
        waiting_for_approval=outcome.waiting_for_approval,
    )


@router.post("/rollout-plans/{slug}/promotion", response_model=schemas.RolloutPlan)
def promote_wave(
    slug: SlugPath,
    body: schemas.Promotion,
    request: Request,
    session: SessionDep,
    approver: Reviewer,
) -> schemas.RolloutPlan:
    """Promote the active wave (an approver's decision, or an override with a justification)."""
    plan = service.promote_wave(
        session,
        approver.workspace_id,
        slug,
        body,
        promoter=approver,
        source=AnalyticsGateSource(get_analytics(request)),
    )
    _publish_entitlements(request, session, approver.workspace_id)
    return service.plan_output(session, approver.workspace_id, plan)


@router.post("/rollout-plans/{slug}/hold", response_model=schemas.RolloutPlan)
def hold_wave(
    slug: SlugPath, body: schemas.Hold, request: Request, session: SessionDep, reviewer: Reviewer
) -> schemas.RolloutPlan:
    plan = service.hold_wave(session, reviewer.workspace_id, slug, body.reason, actor=reviewer.actor)
    _publish_entitlements(request, session, reviewer.workspace_id)
    return service.plan_output(session, reviewer.workspace_id, plan)


@router.post("/rollout-plans/{slug}/resume", response_model=schemas.RolloutPlan)
def resume_wave(
    slug: SlugPath, request: Request, session: SessionDep, lead: ProgramLead
) -> schemas.RolloutPlan:
    plan = service.resume_wave(session, lead.workspace_id, slug, actor=lead.actor)
    _publish_entitlements(request, session, lead.workspace_id)
    return service.plan_output(session, lead.workspace_id, plan)


@router.post("/rollout-plans/{slug}/pause", status_code=204)
def pause_rollout(
    slug: SlugPath, body: schemas.Hold, request: Request, session: SessionDep, reviewer: Reviewer
) -> Response:
    """The kill switch: every entitlement to the use case is revoked from the next check on."""
    service.pause_rollout(session, reviewer.workspace_id, slug, body.reason, actor=reviewer.actor)
    _publish_entitlements(request, session, reviewer.workspace_id)
    return Response(status_code=204)


@router.post("/rollout-plans/{slug}/unpause", status_code=204)
def unpause_rollout(slug: SlugPath, request: Request, session: SessionDep, lead: ProgramLead) -> Response:
    service.resume_rollout(session, lead.workspace_id, slug, actor=lead.actor)
    _publish_entitlements(request, session, lead.workspace_id)
    return Response(status_code=204)


@router.post("/use-cases/{slug}/use-card-acknowledgement", response_model=schemas.UseCardAcknowledgement)
def acknowledge_use_card(
    slug: SlugPath, session: SessionDep, employee: Person
) -> schemas.UseCardAcknowledgement:
    """The caller confirms they read the use case's current use card."""
    acknowledgement: UseCardAcknowledgement = service.acknowledge_use_card(
        session, employee.workspace_id, slug, employee.person_id
    )
    return schemas.UseCardAcknowledgement(
        use_case=slug, version=acknowledgement.version, acknowledged_at=acknowledgement.acknowledged_at
    )


# ---------------------------------------------------------------- entitlements


def may_ask_about(session: SessionDep, caller: Principal, person: str) -> None:
    """Integrations, program leads and reviewers ask about anyone; a team lead about the people of the teams
    they lead; anyone about themself."""
    if caller.api_key_id is not None or caller.has_role(Role.program_lead, Role.reviewer):
        return
    known = find_person(session, caller.workspace_id, person)
    if known is not None and known.id == caller.person_id:
        return
    if known is not None and known.team_id is not None and caller.leads_team(known.team_id):
        return
    raise Forbidden("you may ask about your own entitlements and those of the teams you lead")


@router.get("/entitlements", response_model=schemas.Entitlements)
def list_entitlements(
    session: SessionDep,
    reader: EntitlementsReader,
    person: Annotated[str, Query(min_length=1, max_length=320, description="Email or external id")],
) -> schemas.Entitlements:
    """Every use case with the decision for the person and its reason (which wave or rule)."""
    may_ask_about(session, reader, person)
    return service.compute_entitlements(session, reader.workspace_id, person)


@router.post("/entitlements/check", response_model=schemas.Entitlement)
def check_entitlement(
    body: schemas.EntitlementCheck, session: SessionDep, reader: EntitlementsReader
) -> schemas.Entitlement:
    may_ask_about(session, reader, body.person)
    decision = service.check_entitlement(session, reader.workspace_id, body.person, body.use_case)
    return service.entitlement_output(body.use_case, decision)


@router.get("/rollout-state", response_model=dict[str, Any])
def rollout_state(
    session: SessionDep,
    reader: EntitlementsReader,
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """The rollout state document the SDK evaluates locally (format: `uptake_sdk.local_evaluation`)."""
    if reader.api_key_id is None and not reader.has_role(Role.program_lead):
        raise Forbidden(
            "the rollout state names everyone's entitlements: an integration key or a program lead"
        )
    document, etag = service.rollout_state(session, reader.workspace_id)
    if if_none_match is not None and etag in [tag.strip() for tag in if_none_match.split(",")]:
        return Response(status_code=304, headers={"ETag": etag})
    return JSONResponse(document, headers={"ETag": etag})
