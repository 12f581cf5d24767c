"""The program overview: headline figures, charts and the interventions a program lead decides by."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from uptake.analytics import service as analytics_service
from uptake.auth.dependencies import EmployeePage, ReviewerPage, SessionDep
from uptake.reports import dashboards
from uptake.reports.charts import chart_table
from uptake.web.templating import render

router = APIRouter(tags=["reports"])


@router.get("/dashboard", response_class=HTMLResponse)
def program_overview(request: Request, session: SessionDep, caller: ReviewerPage) -> HTMLResponse:
    analytics = analytics_service.app_analytics(request.app.state)
    today = analytics_service.workspace_today(session, caller.workspace_id)
    overview = dashboards.program_overview(session, caller.workspace_id, analytics, today=today)
    return render(
        request,
        "reports/dashboard.html",
        {"overview": overview, "chart_table": chart_table, "title": "Program overview"},
    )


@router.get("/dashboard/definitions", response_class=HTMLResponse)
def metric_definitions(request: Request, caller: EmployeePage) -> HTMLResponse:
    """What every figure means: one anchor per metric, linked from each figure that shows it."""
    return render(
        request,
        "reports/definitions.html",
        {"definitions": analytics_service.list_metric_definitions(), "title": "Metric definitions"},
    )
