"""The program overview: headline figures, charts and the interventions a program lead decides by."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from uptake.access.dependencies import EmployeePage, ReviewerPage, SessionDep
from uptake.analytics import service as analytics_service
from uptake.analytics.dependencies import get_analytics
from uptake.errors import ServiceUnavailable
from uptake.reports import dashboards
from uptake.reports.charts import chart_table
from uptake.reports.executive import (
    ExecutiveReport,
    ReportRenderingUnavailable,
    build_report,
    render_html,
    render_pdf,
)
from uptake.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/dashboard", response_class=HTMLResponse)
def program_overview(request: Request, session: SessionDep, caller: ReviewerPage) -> HTMLResponse:
    analytics = get_analytics(request)
    today = analytics_service.workspace_today(session, caller.workspace_id)
    period = dashboards.default_period(today)
    overview = dashboards.program_overview(session, caller.workspace_id, analytics, period=period)
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


def _report(
    request: Request, session: SessionDep, caller: ReviewerPage, period: str | None
) -> ExecutiveReport:
    analytics = get_analytics(request)
    today = analytics_service.workspace_today(session, caller.workspace_id)
    chosen = (
        analytics_service.resolve_period(period, None, None, today)
        if period
        else dashboards.default_period(today)
    )
    return build_report(session, caller.workspace_id, analytics, period=chosen)


PeriodQuery = Annotated[
    str | None,
    Query(
        description=f"One of {', '.join(analytics_service.PERIOD_PRESETS)}; the last four weeks when left out."
    ),
]


@router.get("/reports/executive", response_class=HTMLResponse)
def executive_report(
    request: Request, session: SessionDep, caller: ReviewerPage, period: PeriodQuery = None
) -> HTMLResponse:
    """The executive report as one self-contained HTML page (print it, mail it, archive it)."""
    return HTMLResponse(render_html(_report(request, session, caller, period)))


@router.get("/reports/executive.pdf")
def executive_report_pdf(
    request: Request, session: SessionDep, caller: ReviewerPage, period: PeriodQuery = None
) -> Response:
    """The same report as a PDF."""
    report = _report(request, session, caller, period)
    try:
        pdf = render_pdf(report)
    except ReportRenderingUnavailable as error:
        raise ServiceUnavailable(str(error)) from error
    name = (
        f"ai-adoption-{report.overview.period.start.isoformat()}-{report.overview.period.end.isoformat()}.pdf"
    )
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
    )
