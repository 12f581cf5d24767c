from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from uptake.access.dependencies import Reviewer, SessionDep
from uptake.audit import schemas, service
from uptake.audit.models import AuditEntry

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("/entries", response_model=list[schemas.AuditEntry])
def list_audit_entries(
    session: SessionDep,
    reviewer: Reviewer,
    action: Annotated[
        str | None, Query(max_length=100, description="Entries whose action starts with this")
    ] = None,
    target: Annotated[str | None, Query(max_length=200)] = None,
    before_seq: Annotated[
        int | None, Query(ge=1, description="Page backwards: entries older than this one")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[AuditEntry]:
    return service.list_audit_entries(
        session, reviewer.workspace_id, action=action, target=target, before_seq=before_seq, limit=limit
    )


@router.get("/verification", response_model=schemas.ChainReport)
def verify_audit_chain(session: SessionDep, reviewer: Reviewer) -> schemas.ChainReport:
    report = service.verify_audit_chain(session, reviewer.workspace_id)
    first = report.first_break
    return schemas.ChainReport(
        entries_checked=report.entries_checked,
        is_intact=report.is_intact,
        first_break=schemas.ChainBreak(entry_id=first.entry_id, seq=first.seq, reason=first.reason)
        if first
        else None,
    )
