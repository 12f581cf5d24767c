from __future__ import annotations

from collections.abc import Collection, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from uptake.audit.models import AuditEntry
from uptake.db import across_workspaces


def get_last_entry(session: Session, workspace_id: int) -> AuditEntry | None:
    with across_workspaces(session):
        return session.scalar(
            select(AuditEntry)
            .where(AuditEntry.workspace_id == workspace_id)
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        )


def iter_entries(session: Session, workspace_id: int) -> Iterator[AuditEntry]:
    query = (
        select(AuditEntry)
        .where(AuditEntry.workspace_id == workspace_id)
        .order_by(AuditEntry.seq)
        .execution_options(yield_per=1000)
    )
    with across_workspaces(session):
        yield from session.scalars(query)


def list_entries(
    session: Session,
    workspace_id: int,
    *,
    action: str | None = None,
    target: str | None = None,
    before_seq: int | None = None,
    limit: int = 50,
) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.workspace_id == workspace_id)
    if action:
        query = query.where(AuditEntry.action.startswith(action))
    if target:
        query = query.where(AuditEntry.target == target)
    if before_seq is not None:
        query = query.where(AuditEntry.seq < before_seq)
    return list(session.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit)))


def count_entries(session: Session, workspace_id: int) -> int:
    query = select(func.count()).select_from(AuditEntry).where(AuditEntry.workspace_id == workspace_id)
    return int(session.scalar(query) or 0)


def list_workspace_ids(session: Session) -> list[int]:
    with across_workspaces(session):
        return list(
            session.scalars(select(AuditEntry.workspace_id).distinct().order_by(AuditEntry.workspace_id))
        )


def list_entries_for_targets(
    session: Session, workspace_id: int, targets: Collection[str], *, limit: int
) -> list[AuditEntry]:
    """The newest ``limit`` entries about any of ``targets``, in chain order."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.workspace_id == workspace_id, AuditEntry.target.in_(list(targets)))
        .order_by(AuditEntry.seq.desc())
        .limit(limit)
    )
    return sorted(session.scalars(query), key=lambda entry: entry.seq)


def get_entry_by_seq(session: Session, workspace_id: int, seq: int) -> AuditEntry | None:
    query = select(AuditEntry).where(AuditEntry.workspace_id == workspace_id, AuditEntry.seq == seq)
    return session.scalars(query).first()
