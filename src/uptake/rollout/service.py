"""Rollout's decisions: plans and waves, gate evaluation and promotion, the kill switch, and entitlements. It
stays whole: waves, gates, promotion and entitlements change one another (the active wave decides who is
entitled, the gates decide promotion), so their rules read together; the gate metrics live in ``gates.py`` and
the SDK's document in ``state.py``.

Other domains call ``compute_entitlements`` / ``check_entitlement`` (who may use what) and
``rollout_state`` (the document the SDK downloads). A wave moves planned → active → completed; an active wave
may be held (an open severity-1 incident holds it by itself) and resumed. Promotion completes the active wave
and starts the next one. It happens by itself when every gate passes under automatic promotion; it waits for
an approver when the plan asks for one or the use case is high risk (an approver of a high-risk use case must
be a reviewer). An override promotes despite failing gates and needs a justification. Every change is audited.

Longer than the house's ~500 lines on purpose: a wave's life (edit, start, hold, gate, promote) is one story
read top to bottom, and splitting it would scatter the rules that guard each step; the state document and
gate metrics already live in `state.py` and `gates.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.analytics import service as analytics_service
from uptake.audit import service as audit_service
from uptake.catalog import service as catalog_service
from uptake.db import across_workspaces, bind_workspace, utcnow
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from uptake.jobs import service as jobs_service
from uptake.jobs.service import JobContext
from uptake.rollout import repository, schemas
from uptake.rollout.analytics_gates import AnalyticsGateSource, wave_start_days
from uptake.rollout.gates import (
    GATE_METRICS,
    INCIDENT_METRIC,
    Cohort,
    GateMetricSource,
    GateReading,
    compare,
    read_gate_metric,
)
from uptake.rollout.models import (
    PromotionMode,
    RolloutGate,
    RolloutPlan,
    RolloutWave,
    UseCardAcknowledgement,
    WaveState,
)
from uptake.rollout.state import build_rollout_state, find_person, list_published_people, state_etag
from uptake_sdk.local_evaluation import Decision, Evaluator

HIGH_RISK_TIERS = frozenset({"high"})


class RolloutPlanNotFound(NotFound):
    title = "This use case has no rollout plan."


class RolloutPlanExists(Conflict):
    title = "This use case already has a rollout plan."


class WaveNotFound(NotFound):
    title = "This rollout plan has no such wave."


class GateNotFound(NotFound):
    title = "This rollout plan has no such gate."


class WaveNotChangeable(Conflict):
    title = "Only a planned wave can be changed."


class RolloutNotStarted(Conflict):
    title = "The rollout has no active wave."


class RolloutAlreadyStarted(Conflict):
    title = "The rollout has already started."


class WaveHeld(Conflict):
    title = "The wave is held; resume it before promoting."


class GatesNotPassed(Conflict):
    title = "Not every gate of the active wave passes; promote with an override and a justification instead."


class NextWaveNotDue(Conflict):
    title = "The next wave's planned date has not come yet."


class ApproverRequired(Forbidden):
    title = "Promoting this wave needs an approver."


class NoUseCard(Conflict):
    title = "This use case has no use card to acknowledge yet."


# ---------------------------------------------------------------- plans


def needs_approver(plan: RolloutPlan, risk_tier: str | None) -> bool:
    return plan.promotion_mode == PromotionMode.approval or risk_tier in HIGH_RISK_TIERS


def plan_output(session: Session, workspace_id: int, plan: RolloutPlan) -> schemas.RolloutPlan:
    use_case = catalog_service.get_use_case_ref_by_id(session, workspace_id, plan.use_case_id)
    return schemas.RolloutPlan(
        use_case=use_case.slug,
        use_case_status=use_case.status.value,
        risk_tier=use_case.risk_tier,
        promotion_mode=plan.promotion_mode,
        needs_approver=needs_approver(plan, use_case.risk_tier),
        promotion_requested_at=plan.promotion_requested_at,
        waves=[schemas.Wave.model_validate(wave) for wave in plan.waves],
    )


def _plan_snapshot(plan: RolloutPlan) -> dict[str, Any]:
    return {
        "promotion_mode": plan.promotion_mode.value,
        "waves": [
            {
                "name": wave.name,
                "state": wave.state.value,
                "team_ids": list(wave.team_ids),
                "job_role_ids": list(wave.job_role_ids),
                "person_ids": list(wave.person_ids),
                "percentage": wave.percentage,
                "gates": [f"{gate.metric} {gate.comparison.value} {gate.threshold}" for gate in wave.gates],
            }
            for wave in plan.waves
        ],
    }


def _audit(
    session: Session, workspace_id: int, plan: RolloutPlan, *, actor: str, action: str, **changes: Any
) -> None:
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action=f"rollout.{action}",
        target=f"rollout_plan:{plan.id}",
        before=changes.pop("before", None),
        after=changes or None,
    )


def _check_audience(
    session: Session, workspace_id: int, wave: schemas.WaveCreate | schemas.WaveUpdate, where: str
) -> None:
    errors: list[FieldError] = []
    if wave.team_ids:
        known_teams = {team.id for team in teams_service.list_all_teams(session, workspace_id)}
        errors += [
            FieldError(f"{where}team_ids[{index}]", f"team {team_id} does not exist")
            for index, team_id in enumerate(wave.team_ids)
            if team_id not in known_teams
        ]
    if wave.job_role_ids:
        known_roles = {role.id for role in job_roles_service.list_all_job_roles(session, workspace_id)}
        errors += [
            FieldError(f"{where}job_role_ids[{index}]", f"job role {job_role_id} does not exist")
            for index, job_role_id in enumerate(wave.job_role_ids)
            if job_role_id not in known_roles
        ]
    if wave.person_ids:
        known_people = {
            person.id for person in people_service.list_people_by_ids(session, workspace_id, wave.person_ids)
        }
        errors += [
            FieldError(f"{where}person_ids[{index}]", f"person {person_id} does not exist")
            for index, person_id in enumerate(wave.person_ids)
            if person_id not in known_people
        ]
    if errors:
        raise InvalidInput("some of the wave's audience does not exist", errors=errors)


def _check_gates(gates: Sequence[schemas.GateCreate], where: str) -> None:
    errors = [
        FieldError(f"{where}gates[{index}].metric", f"must be one of: {', '.join(sorted(GATE_METRICS))}")
        for index, gate in enumerate(gates)
        if gate.metric not in GATE_METRICS
    ]
    if errors:
        raise InvalidInput("unknown gate metric", errors=errors)


def _new_wave(position: int, body: schemas.WaveCreate) -> RolloutWave:
    return RolloutWave(
        position=position,
        name=body.name,
        planned_on=body.planned_on,
        team_ids=list(body.team_ids),
        job_role_ids=list(body.job_role_ids),
        person_ids=list(body.person_ids),
        percentage=body.percentage,
        requires_training=body.requires_training,
        requires_acknowledgement=body.requires_acknowledgement,
        gates=[
            RolloutGate(
                metric=gate.metric, comparison=gate.comparison, threshold=gate.threshold, last_detail={}
            )
            for gate in body.gates
        ],
    )


def create_plan(
    session: Session, workspace_id: int, body: schemas.RolloutPlanCreate, *, actor: str
) -> RolloutPlan:
    use_case = catalog_service.get_use_case_ref(session, workspace_id, body.use_case)
    if repository.get_plan_for_use_case(session, workspace_id, use_case.id) is not None:
        raise RolloutPlanExists(f"{use_case.slug!r} already has a rollout plan", use_case=use_case.slug)
    names = [wave.name for wave in body.waves]
    duplicates = [
        FieldError(f"waves[{index}].name", f"{name!r} names an earlier wave too")
        for index, name in enumerate(names)
        if name in names[:index]
    ]
    if duplicates:
        raise InvalidInput("wave names must be distinct", errors=duplicates)
    for index, wave in enumerate(body.waves):
        _check_audience(session, workspace_id, wave, f"waves[{index}].")
        _check_gates(wave.gates, f"waves[{index}].")
    plan = RolloutPlan(
        use_case_id=use_case.id,
        promotion_mode=body.promotion_mode,
        waves=[_new_wave(position, wave) for position, wave in enumerate(body.waves)],
    )
    session.add(plan)
    session.flush()
    _audit(session, workspace_id, plan, actor=actor, action="plan.created", **_plan_snapshot(plan))
    return plan


def get_plan(session: Session, workspace_id: int, use_case_slug: str) -> RolloutPlan:
    use_case = catalog_service.get_use_case_ref(session, workspace_id, use_case_slug)
    plan = repository.get_plan_for_use_case(session, workspace_id, use_case.id)
    if plan is None:
        raise RolloutPlanNotFound(f"{use_case_slug!r} has no rollout plan", use_case=use_case_slug)
    return plan


def list_plans(session: Session, workspace_id: int) -> list[schemas.RolloutPlan]:
    plans = repository.list_plans(session, workspace_id)
    use_cases = {
        use_case.id: use_case
        for use_case in catalog_service.list_use_case_refs_by_ids(
            session, workspace_id, [plan.use_case_id for plan in plans]
        )
    }
    return [
        schemas.RolloutPlan(
            use_case=use_cases[plan.use_case_id].slug,
            use_case_status=use_cases[plan.use_case_id].status.value,
            risk_tier=use_cases[plan.use_case_id].risk_tier,
            promotion_mode=plan.promotion_mode,
            needs_approver=needs_approver(plan, use_cases[plan.use_case_id].risk_tier),
            promotion_requested_at=plan.promotion_requested_at,
            waves=[schemas.Wave.model_validate(wave) for wave in plan.waves],
        )
        for plan in plans
        if plan.use_case_id in use_cases
    ]


def update_plan(
    session: Session, workspace_id: int, use_case_slug: str, body: schemas.RolloutPlanUpdate, *, actor: str
) -> RolloutPlan:
    plan = get_plan(session, workspace_id, use_case_slug)
    if body.promotion_mode is not None and body.promotion_mode != plan.promotion_mode:
        before = {"promotion_mode": plan.promotion_mode.value}
        plan.promotion_mode = body.promotion_mode
        session.flush()
        _audit(
            session,
            workspace_id,
            plan,
            actor=actor,
            action="plan.changed",
            before=before,
            promotion_mode=plan.promotion_mode.value,
        )
    return plan


def _wave(plan: RolloutPlan, wave_name: str) -> RolloutWave:
    for wave in plan.waves:
        if wave.name == wave_name:
            return wave
    raise WaveNotFound(f"the plan has no wave {wave_name!r}", wave=wave_name)


def add_wave(
    session: Session, workspace_id: int, use_case_slug: str, body: schemas.WaveCreate, *, actor: str
) -> RolloutPlan:
    plan = get_plan(session, workspace_id, use_case_slug)
    if any(wave.name == body.name for wave in plan.waves):
        raise InvalidInput(errors=[FieldError("name", f"the plan already has a wave {body.name!r}")])
    _check_audience(session, workspace_id, body, "")
    _check_gates(body.gates, "")
    position = max((wave.position for wave in plan.waves), default=-1) + 1
    plan.waves.append(_new_wave(position, body))
    session.flush()
    _audit(session, workspace_id, plan, actor=actor, action="wave.added", wave=body.name)
    return plan


def update_wave(
    session: Session,
    workspace_id: int,
    use_case_slug: str,
    wave_name: str,
    body: schemas.WaveUpdate,
    *,
    actor: str,
) -> RolloutPlan:
    plan = get_plan(session, workspace_id, use_case_slug)
    wave = _wave(plan, wave_name)
    if wave.state != WaveState.planned:
        raise WaveNotChangeable(f"wave {wave.name!r} is {wave.state.value}", wave=wave.name)
    changes = body.model_dump(exclude_unset=True)
    if (
        "name" in changes
        and changes["name"] != wave.name
        and any(w.name == changes["name"] for w in plan.waves)
    ):
        raise InvalidInput(errors=[FieldError("name", f"the plan already has a wave {changes['name']!r}")])
    _check_audience(session, workspace_id, body, "")
    before = {field: getattr(wave, field) for field in changes}
    for field, value in changes.items():
        setattr(wave, field, list(value) if isinstance(value, list) else value)
    session.flush()
    _audit(
        session,
        workspace_id,
        plan,
        actor=actor,
        action="wave.changed",
        wave=wave.name,
        before=_jsonable(before),
        changes=_jsonable(changes),
    )
    return plan


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, date) else value for key, value in values.items()}


def add_gate(
    session: Session,
    workspace_id: int,
    use_case_slug: str,
    wave_name: str,
    body: schemas.GateCreate,
    *,
    actor: str,
) -> RolloutPlan:
    plan = get_plan(session, workspace_id, use_case_slug)
    wave = _wave(plan, wave_name)
    if wave.state == WaveState.completed:
        raise WaveNotChangeable(f"wave {wave.name!r} is completed", wave=wave.name)
    _check_gates([body], "")
    wave.gates.append(
        RolloutGate(metric=body.metric, comparison=body.comparison, threshold=body.threshold, last_detail={})
    )
    session.flush()
    _audit(
        session,
        workspace_id,
        plan,
        actor=actor,
        action="gate.added",
        wave=wave.name,
        gate=f"{body.metric} {body.comparison.value} {body.threshold}",
    )
    return plan


def remove_gate(
    session: Session, workspace_id: int, use_case_slug: str, gate_id: int, *, actor: str
) -> RolloutPlan:
    plan = get_plan(session, workspace_id, use_case_slug)
    for wave in plan.waves:
        for gate in wave.gates:
            if gate.id == gate_id:
                wave.gates.remove(gate)
                session.flush()
                _audit(
                    session,
                    workspace_id,
                    plan,
                    actor=actor,
                    action="gate.removed",
                    wave=wave.name,
                    gate=f"{gate.metric} {gate.comparison.value} {gate.threshold}",
                )
                return plan
    raise GateNotFound(f"the plan has no gate {gate_id}", gate_id=gate_id)


# ---------------------------------------------------------------- waves: start, hold, resume, promote


def active_wave(plan: RolloutPlan) -> RolloutWave | None:
    """The wave the rollout is at: the one active or held (at most one is, by construction)."""
    for wave in plan.waves:
        if wave.state in (WaveState.active, WaveState.held):
            return wave
    return None


def _next_planned(plan: RolloutPlan, after: RolloutWave | None) -> RolloutWave | None:
    for wave in plan.waves:
        if wave.state == WaveState.planned and (after is None or wave.position > after.position):
            return wave
    return None


def _recorded_moment(day: date, field: str, *, not_before: date | None = None) -> datetime:
    """The moment a step made before uptake is recorded at (the day's start, UTC); refuses days to come."""
    if day > utcnow().date():
        raise InvalidInput(errors=[FieldError(field, "must not be after today: only the past is recorded")])
    if not_before is not None and day < not_before:
        raise InvalidInput(
            errors=[FieldError(field, f"must not be before the active wave started ({not_before})")]
        )
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def start_rollout(
    session: Session,
    workspace_id: int,
    use_case_slug: str,
    *,
    actor: str,
    now: datetime | None = None,
    started_on: date | None = None,
) -> RolloutPlan:
    """Start the first wave now; with `started_on`, record that it started that day, before the programme moved
    into uptake (its entitlements count from then, and the audit log says the start was recorded)."""
    plan = get_plan(session, workspace_id, use_case_slug)
    if any(wave.state != WaveState.planned for wave in plan.waves):
        raise RolloutAlreadyStarted(f"{use_case_slug!r} is already rolling out", use_case=use_case_slug)
    first = plan.waves[0]
    first.state = WaveState.active
    first.started_at = _recorded_moment(started_on, "started_on") if started_on else (now or utcnow())
    session.flush()
    recorded = {"recorded": True, "started_on": started_on.isoformat()} if started_on else {}
    _audit(session, workspace_id, plan, actor=actor, action="wave.started", wave=first.name, **recorded)
    return plan


def hold_wave(
    session: Session, workspace_id: int, use_case_slug: str, reason: str, *, actor: str
) -> RolloutPlan:
    plan = get_plan(session, workspace_id, use_case_slug)
    _hold(session, workspace_id, plan, reason, actor=actor)
    return plan


def _hold(session: Session, workspace_id: int, plan: RolloutPlan, reason: str, *, actor: str) -> None:
    wave = active_wave(plan)
    if wave is None:
        raise RolloutNotStarted()
    if wave.state == WaveState.held:
        return
    wave.state = WaveState.held
    wave.held_reason = reason
    plan.promotion_requested_at = None
    session.flush()
    _audit(session, workspace_id, plan, actor=actor, action="wave.held", wave=wave.name, reason=reason)


def resume_wave(session: Session, workspace_id: int, use_case_slug: str, *, actor: str) -> RolloutPlan:
    plan = get_plan(session, workspace_id, use_case_slug)
    wave = active_wave(plan)
    if wave is None:
        raise RolloutNotStarted()
    if wave.state == WaveState.held:
        wave.state = WaveState.active
        wave.held_reason = None
        session.flush()
        _audit(session, workspace_id, plan, actor=actor, action="wave.resumed", wave=wave.name)
    return plan


def _complete_and_advance(
    session: Session,
    workspace_id: int,
    plan: RolloutPlan,
    *,
    actor: str,
    now: datetime,
    audit: dict[str, Any],
) -> RolloutWave | None:
    wave = active_wave(plan)
    assert wave is not None
    following = _next_planned(plan, wave)
    wave.state = WaveState.completed
    wave.completed_at = now
    if following is not None:
        following.state = WaveState.active
        following.started_at = now
    plan.promotion_requested_at = None
    session.flush()
    _audit(
        session,
        workspace_id,
        plan,
        actor=actor,
        action="wave.promoted",
        wave=wave.name,
        next_wave=following.name if following is not None else None,
        **audit,
    )
    return following


def promote_wave(
    session: Session,
    workspace_id: int,
    use_case_slug: str,
    body: schemas.Promotion,
    *,
    promoter: Principal,
    source: GateMetricSource,
    now: datetime | None = None,
) -> RolloutPlan:
    """A person promotes the active wave: gates are read again first; an override needs a justification."""
    now = now or utcnow()
    plan = get_plan(session, workspace_id, use_case_slug)
    use_case = catalog_service.get_use_case_ref_by_id(session, workspace_id, plan.use_case_id)
    wave = active_wave(plan)
    if wave is None:
        raise RolloutNotStarted(f"{use_case_slug!r} has no active wave", use_case=use_case_slug)
    if wave.state == WaveState.held:
        raise WaveHeld(f"wave {wave.name!r} is held: {wave.held_reason}", wave=wave.name)
    if use_case.risk_tier in HIGH_RISK_TIERS and not promoter.has_role(Role.reviewer):
        raise ApproverRequired(
            f"{use_case_slug!r} is {use_case.risk_tier} risk: a reviewer approves its promotions"
        )
    if body.promoted_on is not None:
        started = wave.started_at.date() if wave.started_at else None
        _complete_and_advance(
            session,
            workspace_id,
            plan,
            actor=promoter.actor,
            now=_recorded_moment(body.promoted_on, "promoted_on", not_before=started),
            audit={
                "recorded": True,
                "promoted_on": body.promoted_on.isoformat(),
                "justification": body.justification,
            },
        )
        return plan
    if body.override and body.justification is None:
        raise InvalidInput(errors=[FieldError("justification", "an override needs a justification")])
    all_passed = _read_gates(session, workspace_id, use_case.slug, plan, wave, source, now)
    if not all_passed and not body.override:
        failing = [
            f"{gate.metric} {gate.comparison.value} {gate.threshold}"
            for gate in wave.gates
            if not gate.last_passed
        ]
        raise GatesNotPassed(f"failing gates: {', '.join(failing)}", failing=failing)
    _complete_and_advance(
        session,
        workspace_id,
        plan,
        actor=promoter.actor,
        now=now,
        audit={
            "override": body.override and not all_passed,
            "justification": body.justification,
            "gates": _gate_results(wave),
        },
    )
    return plan


def _gate_results(wave: RolloutWave) -> list[dict[str, Any]]:
    return [
        {
            "metric": gate.metric,
            "comparison": gate.comparison.value,
            "threshold": gate.threshold,
            "value": gate.last_value,
            "passed": gate.last_passed,
        }
        for gate in wave.gates
    ]


# ---------------------------------------------------------------- gates


def wave_cohort(session: Session, workspace_id: int, use_case_slug: str, wave: RolloutWave) -> Cohort:
    """The wave's people: those whose decision for the use case names this wave (see `uptake.rollout.gates`)."""
    document = build_rollout_state(session, workspace_id)
    evaluator = Evaluator(document)
    ids_by_key = {person.key: person.id for person in list_published_people(session, workspace_id)}
    keys = [key for key in document["people"] if evaluator.check(key, use_case_slug).wave == wave.name]
    keys.sort()
    return Cohort(person_ids=tuple(ids_by_key[key] for key in keys), person_keys=tuple(keys))


def _read_gates(
    session: Session,
    workspace_id: int,
    use_case_slug: str,
    plan: RolloutPlan,
    wave: RolloutWave,
    source: GateMetricSource,
    now: datetime,
) -> bool:
    """Read every gate of the wave, store the readings; True when there are gates and all pass."""
    if not wave.gates:
        return False
    cohort = wave_cohort(session, workspace_id, use_case_slug, wave)
    for gate in wave.gates:
        reading = read_gate_metric(
            session,
            workspace_id,
            gate.metric,
            use_case_slug=use_case_slug,
            cohort=cohort,
            source=source,
            today=now.date(),
        )
        gate.last_value = reading.value
        gate.last_passed = compare(reading.value, gate.comparison, gate.threshold)
        gate.last_detail = reading.detail
        gate.last_evaluated_at = now
    session.flush()
    return all(gate.last_passed for gate in wave.gates)


@dataclass(frozen=True)
class GateOutcome:
    wave: str | None
    all_passed: bool
    promoted_to: str | None
    waiting_for_approval: bool


def evaluate_gates(
    session: Session,
    workspace_id: int,
    use_case_slug: str,
    *,
    source: GateMetricSource,
    now: datetime | None = None,
) -> GateOutcome:
    """Read the active wave's gates now and act: hold on an open severity-1 incident, promote when all pass
    (automatic promotion, not high risk, next wave due), or ask for an approver."""
    now = now or utcnow()
    plan = get_plan(session, workspace_id, use_case_slug)
    use_case = catalog_service.get_use_case_ref_by_id(session, workspace_id, plan.use_case_id)
    wave = active_wave(plan)
    if wave is None:
        return GateOutcome(None, False, None, False)
    all_passed = _read_gates(session, workspace_id, use_case.slug, plan, wave, source, now)
    incident_gates = [gate for gate in wave.gates if gate.metric == INCIDENT_METRIC and not gate.last_passed]
    if wave.state == WaveState.active and any(gate.last_value is not None for gate in incident_gates):
        _hold(session, workspace_id, plan, "an open severity-1 incident", actor="system")
    if wave.state != WaveState.active or not all_passed:
        return GateOutcome(wave.name, all_passed, None, False)
    following = _next_planned(plan, wave)
    if following is not None and following.planned_on is not None and following.planned_on > now.date():
        return GateOutcome(wave.name, True, None, False)
    if needs_approver(plan, use_case.risk_tier):
        if plan.promotion_requested_at is None:
            plan.promotion_requested_at = now
            session.flush()
            _audit(
                session,
                workspace_id,
                plan,
                actor="system",
                action="promotion.requested",
                wave=wave.name,
                gates=_gate_results(wave),
            )
        return GateOutcome(wave.name, True, None, True)
    promoted = _complete_and_advance(
        session,
        workspace_id,
        plan,
        actor="system",
        now=now,
        audit={"override": False, "justification": None, "gates": _gate_results(wave)},
    )
    return GateOutcome(wave.name, True, promoted.name if promoted is not None else None, False)


def evaluate_all_gates(
    session: Session, workspace_id: int, *, source: GateMetricSource, now: datetime | None = None
) -> dict[str, GateOutcome]:
    """Every plan with an active or held wave, evaluated (the scheduled job's work for one workspace)."""
    outcomes: dict[str, GateOutcome] = {}
    for plan in repository.list_plans(session, workspace_id):
        if active_wave(plan) is None:
            continue
        use_case = catalog_service.get_use_case_ref_by_id(session, workspace_id, plan.use_case_id)
        outcomes[use_case.slug] = evaluate_gates(session, workspace_id, use_case.slug, source=source, now=now)
    return outcomes


# ---------------------------------------------------------------- kill switch


def pause_rollout(
    session: Session, workspace_id: int, use_case_slug: str, reason: str, *, actor: str
) -> None:
    """The kill switch: pause the use case in the catalog; every check answers DISABLED from the next call."""
    catalog_service.pause_use_case(session, workspace_id, use_case_slug, actor=actor, reason=reason)


def resume_rollout(session: Session, workspace_id: int, use_case_slug: str, *, actor: str) -> None:
    catalog_service.resume_use_case(session, workspace_id, use_case_slug, actor=actor)


# ---------------------------------------------------------------- use-card acknowledgement


def acknowledge_use_card(
    session: Session, workspace_id: int, use_case_slug: str, person_id: int
) -> UseCardAcknowledgement:
    use_case = catalog_service.get_use_case_ref(session, workspace_id, use_case_slug)
    if not use_case.use_card_version:
        raise NoUseCard(f"{use_case_slug!r} has no use card yet", use_case=use_case_slug)
    existing = repository.get_acknowledgement(
        session, workspace_id, person_id, use_case.id, use_case.use_card_version
    )
    if existing is not None:
        return existing
    acknowledgement = UseCardAcknowledgement(
        person_id=person_id, use_case_id=use_case.id, version=use_case.use_card_version
    )
    session.add(acknowledgement)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=f"person:{person_id}",
        action="rollout.use_card.acknowledged",
        target=f"use_case:{use_case.id}",
        after={"version": use_case.use_card_version},
    )
    return acknowledgement


# ---------------------------------------------------------------- entitlements


def rollout_state(session: Session, workspace_id: int) -> tuple[dict[str, Any], str]:
    """The document the SDK downloads, and its ETag."""
    document = build_rollout_state(session, workspace_id, generated_at=utcnow())
    return document, state_etag(document)


def person_evaluator(session: Session, workspace_id: int, person: str) -> Evaluator:
    """An `Evaluator` over the state restricted to one person (email or external id): their decisions are
    those of the whole document, read in a few queries."""
    known = find_person(session, workspace_id, person)
    return Evaluator(build_rollout_state(session, workspace_id, only_person=known, restrict_to_person=True))


def check_entitlement(session: Session, workspace_id: int, person: str, use_case_slug: str) -> Decision:
    """One decision, from the person's part of the state restricted to the one use case."""
    known = find_person(session, workspace_id, person)
    document = build_rollout_state(
        session, workspace_id, only_person=known, restrict_to_person=True, only_use_case=use_case_slug
    )
    return Evaluator(document).check(person, use_case_slug)


def compute_entitlements(session: Session, workspace_id: int, person: str) -> schemas.Entitlements:
    """Every use case with the decision for the person and its reason (the wave or rule behind it)."""
    evaluator = person_evaluator(session, workspace_id, person)
    return schemas.Entitlements(
        person=person,
        entitlements=[
            entitlement_output(slug, evaluator.check(person, slug)) for slug in evaluator.use_case_slugs()
        ],
    )


def entitlement_output(use_case_slug: str, decision: Decision) -> schemas.Entitlement:
    return schemas.Entitlement(
        use_case=use_case_slug,
        entitled=decision.entitled,
        reason=decision.reason,
        wave=decision.wave,
        missing=list(decision.missing),
    )


@dataclass(frozen=True)
class GatePreview:
    """The active wave's gates read now, nothing stored or acted on: what the gate page shows."""

    plan: schemas.RolloutPlan
    wave: str | None
    people: int
    readings: list[tuple[RolloutGate, GateReading, bool]]


def preview_gates(
    session: Session,
    workspace_id: int,
    use_case_slug: str,
    *,
    source: GateMetricSource,
    now: datetime | None = None,
) -> GatePreview:
    now = now or utcnow()
    plan = get_plan(session, workspace_id, use_case_slug)
    output = plan_output(session, workspace_id, plan)
    wave = active_wave(plan)
    if wave is None:
        return GatePreview(output, None, 0, [])
    cohort = wave_cohort(session, workspace_id, use_case_slug, wave)
    readings = []
    for gate in wave.gates:
        reading = read_gate_metric(
            session,
            workspace_id,
            gate.metric,
            use_case_slug=use_case_slug,
            cohort=cohort,
            source=source,
            today=now.date(),
        )
        readings.append((gate, reading, compare(reading.value, gate.comparison, gate.threshold)))
    return GatePreview(output, wave.name, len(cohort.person_ids), readings)


def evaluate_gates_job(context: JobContext) -> dict[str, Any]:
    """The scheduled gate evaluation: every workspace whose rollouts have started (or the job's one), each in
    its own session bound to that workspace and committed on its own, so one workspace's failure spares the
    others. Each workspace's entitlements are published to analytics first (the gates' denominators, and
    analytics' eligible people everywhere), and again after a promotion."""
    if context.workspace_id is not None:
        workspace_ids = [context.workspace_id]
    else:
        with across_workspaces(context.session):
            workspace_ids = repository.list_workspace_ids_with_started_waves(context.session)
    source = AnalyticsGateSource(
        analytics_service.Analytics(
            analytics_service.connect_events_engine(context.settings.effective_events_url)
        )
    )
    promoted: list[str] = []
    for workspace_id in workspace_ids:
        with jobs_service.job_session_factory(context.session)() as session:
            bind_workspace(session, workspace_id)
            today = utcnow().date()
            source.push_entitlements(session, workspace_id, today)
            outcomes = evaluate_all_gates(session, workspace_id, source=source)
            if any(outcome.promoted_to for outcome in outcomes.values()):
                session.flush()
                source.push_entitlements(session, workspace_id, today, again=True)
            session.commit()
        promoted += [
            f"{workspace_id}:{slug}→{outcome.promoted_to}"
            for slug, outcome in outcomes.items()
            if outcome.promoted_to
        ]
    return {"workspaces": len(workspace_ids), "promoted": promoted}


def entitled_since(session: Session, workspace_id: int, use_case_slug: str) -> dict[int, date]:
    """Directory person id → the day the wave that entitles them to the use case started: everyone a started
    rollout wave entitles now (a generally available use case's everyone is not a wave, and is left out)."""
    document = build_rollout_state(session, workspace_id, only_use_case=use_case_slug)
    evaluator = Evaluator(document)
    started = wave_start_days(session, workspace_id, utcnow().date()).get(use_case_slug, {})
    found: dict[int, date] = {}
    for person in list_published_people(session, workspace_id):
        decision = evaluator.check(person.key, use_case_slug)
        if decision.entitled and decision.wave in started:
            found[person.id] = started[decision.wave]
    return found
