"""Each tool's idle-seat policy: after how many idle days a seat is proposed for release, the grace period after
the notice, and whether the reassignment queue runs every step itself or waits for a licence owner."""

from __future__ import annotations

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.errors import FieldError, InvalidInput
from uptake.licences import repository, schemas
from uptake.licences.models import SeatPolicy
from uptake.licences.tools import ToolInfo, get_tool

DEFAULT_IDLE_DAYS = 60
DEFAULT_GRACE_DAYS = 14


def policy_output(policy: SeatPolicy | None, tool: ToolInfo) -> schemas.SeatPolicy:
    if policy is None:
        return schemas.SeatPolicy(
            tool=tool.slug,
            idle_days=DEFAULT_IDLE_DAYS,
            grace_days=DEFAULT_GRACE_DAYS,
            is_automatic=False,
            is_enabled=False,
        )
    return schemas.SeatPolicy(
        tool=tool.slug,
        idle_days=policy.idle_days,
        grace_days=policy.grace_days,
        is_automatic=policy.is_automatic,
        is_enabled=policy.is_enabled,
    )


def get_policy(session: Session, workspace_id: int, tool: str) -> schemas.SeatPolicy:
    """The tool's idle-seat policy (a tool without one is not in the queue)."""
    info = get_tool(session, workspace_id, tool)
    return policy_output(repository.get_policy(session, workspace_id, info.id), info)


def set_policy(
    session: Session, workspace_id: int, tool: str, body: schemas.SeatPolicyUpdate, *, actor: str
) -> schemas.SeatPolicy:
    info = get_tool(session, workspace_id, tool)
    policy = repository.get_policy(session, workspace_id, info.id)
    before = policy_output(policy, info).model_dump() if policy is not None else None
    if policy is None:
        policy = SeatPolicy(
            workspace_id=workspace_id,
            tool_id=info.id,
            idle_days=DEFAULT_IDLE_DAYS,
            grace_days=DEFAULT_GRACE_DAYS,
            is_automatic=False,
            is_enabled=True,
        )
        session.add(policy)
    for field, value in body.model_dump(exclude_unset=True).items():
        if value is None:
            raise InvalidInput(errors=[FieldError(field, "cannot be removed")])
        setattr(policy, field, value)
    session.flush()
    after = policy_output(policy, info)
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="licences.policy.changed",
        target=f"tool:{info.id}",
        before=before,
        after=after.model_dump(),
    )
    return after
