"""The program lead's page of unrecognized use cases and tools (the same figures as the API's)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from uptake.access.dependencies import ProgramLeadPage, SessionDep
from uptake.telemetry import service
from uptake.telemetry.dependencies import get_event_store
from uptake.web.templating import render

router = APIRouter(include_in_schema=False)

PERIODS = (7, 30, 90, 365)


@router.get("/telemetry/unrecognized")
def unrecognized_slugs_page(
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    days: Annotated[int, Query(ge=1, le=3660)] = 30,
) -> Response:
    store = get_event_store(request)
    usage = service.unrecognized_usage(session, store, lead.workspace_id, days=days)
    return render(request, "telemetry/unrecognized.html", {"usage": usage, "days": days, "periods": PERIODS})
