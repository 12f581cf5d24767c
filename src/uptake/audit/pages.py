from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from uptake.access.dependencies import ReviewerPage, SessionDep
from uptake.audit import service
from uptake.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/audit")
def audit_log_page(
    request: Request,
    session: SessionDep,
    reviewer: ReviewerPage,
    action: Annotated[str | None, Query(max_length=100)] = None,
    before_seq: Annotated[int | None, Query(ge=1)] = None,
    verify: bool = False,
) -> Response:
    entries = service.list_audit_entries(
        session, reviewer.workspace_id, action=action or None, before_seq=before_seq, limit=50
    )
    report = service.verify_audit_chain(session, reviewer.workspace_id) if verify else None
    return render(
        request,
        "audit/log.html",
        {
            "entries": entries,
            "action": action or "",
            "report": report,
            "older": entries[-1].seq if len(entries) == 50 else None,
        },
    )
