"""Every query of the rollout domain, always within one workspace."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from uptake.rollout.models import RolloutGate, RolloutPlan, RolloutWave, UseCardAcknowledgement, WaveState


def _plans_with_waves() -> Select[RolloutPlan]:
    return select(RolloutPlan).options(selectinload(RolloutPlan.waves).selectinload(RolloutWave.gates))


def get_plan_for_use_case(session: Session, workspace_id: int, use_case_id: int) -> RolloutPlan | None:
    query = _plans_with_waves().where(
        RolloutPlan.workspace_id == workspace_id, RolloutPlan.use_case_id == use_case_id
    )
    return session.scalars(query).one_or_none()


def list_plans(
    session: Session, workspace_id: int, *, use_case_ids: Collection[int] | None = None
) -> list[RolloutPlan]:
    query = _plans_with_waves().where(RolloutPlan.workspace_id == workspace_id).order_by(RolloutPlan.id)
    if use_case_ids is not None:
        query = query.where(RolloutPlan.use_case_id.in_(list(use_case_ids)))
    return list(session.scalars(query))


def list_workspace_ids_with_started_waves(session: Session) -> list[int]:
    """Across workspaces (the caller opts in): where the scheduled job has gates to read or entitlements to
    publish."""
    query = (
        select(RolloutWave.workspace_id)
        .where(RolloutWave.state.in_([WaveState.active, WaveState.held, WaveState.completed]))
        .distinct()
        .order_by(RolloutWave.workspace_id)
    )
    return list(session.scalars(query))


def get_gate(session: Session, workspace_id: int, gate_id: int) -> RolloutGate | None:
    return session.scalars(
        select(RolloutGate).where(RolloutGate.workspace_id == workspace_id, RolloutGate.id == gate_id)
    ).one_or_none()


def acknowledged_versions(
    session: Session, workspace_id: int, *, person_ids: Collection[int] | None = None
) -> list[tuple[int, int, int]]:
    """(person id, use case id, version) of every acknowledgement (of ``person_ids``, when given)."""
    query = select(
        UseCardAcknowledgement.person_id, UseCardAcknowledgement.use_case_id, UseCardAcknowledgement.version
    ).where(UseCardAcknowledgement.workspace_id == workspace_id)
    if person_ids is not None:
        query = query.where(UseCardAcknowledgement.person_id.in_(list(person_ids)))
    return [(row[0], row[1], row[2]) for row in session.execute(query)]


def get_acknowledgement(
    session: Session, workspace_id: int, person_id: int, use_case_id: int, version: int
) -> UseCardAcknowledgement | None:
    return session.scalars(
        select(UseCardAcknowledgement).where(
            UseCardAcknowledgement.workspace_id == workspace_id,
            UseCardAcknowledgement.person_id == person_id,
            UseCardAcknowledgement.use_case_id == use_case_id,
            UseCardAcknowledgement.version == version,
        )
    ).one_or_none()


def list_started_waves(
    session: Session, workspace_id: int, *, use_case_id: int | None = None
) -> list[tuple[int, RolloutWave]]:
    """(use case id, wave) of every wave that has started (active, held or completed), in plan order, in one
    statement and without gates: what the rollout state publishes."""
    query = (
        select(RolloutPlan.use_case_id, RolloutWave)
        .join(RolloutWave, RolloutWave.plan_id == RolloutPlan.id)
        .where(
            RolloutPlan.workspace_id == workspace_id,
            RolloutWave.state.in_([WaveState.active, WaveState.held, WaveState.completed]),
        )
        .order_by(RolloutPlan.id, RolloutWave.position)
    )
    if use_case_id is not None:
        query = query.where(RolloutPlan.use_case_id == use_case_id)
    return [(row[0], row[1]) for row in session.execute(query)]
