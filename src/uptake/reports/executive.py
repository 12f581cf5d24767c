"""The executive report: one document about reach, depth, impact, trust, risk and cost, as HTML and as PDF.

The HTML is self-contained (its style and its charts are inline SVG), so it can be mailed, archived or printed;
the PDF is that same HTML laid out by WeasyPrint. Every figure comes through the privacy floor, like the pages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from uptake.analytics import schemas as analytics_schemas
from uptake.analytics import service as analytics_service
from uptake.catalog import service as catalog_service
from uptake.reports import dashboards
from uptake.reports.charts import chart_table
from uptake.workspaces import service as workspaces_service

TEMPLATES = Path(__file__).resolve().parent / "templates"
STYLE = TEMPLATES / "reports" / "report.css"


class ReportRenderingUnavailable(RuntimeError):
    """The PDF renderer (WeasyPrint and its system libraries) is not installed here."""


@dataclass
class TrustLine:
    use_case: str
    score: float | None
    mean_rating: float | None
    acceptance_rate: float | None


@dataclass
class ExecutiveReport:
    workspace_name: str
    generated_at: datetime
    overview: dashboards.ProgramOverview
    depth: dict[str, Any]
    trust: list[TrustLine]
    statuses: dict[str, int]
    tiers: dict[str, int]


def build_report(
    session: Session,
    workspace_id: int,
    analytics: analytics_service.Analytics,
    *,
    period: analytics_schemas.Period,
) -> ExecutiveReport:
    overview = dashboards.program_overview(session, workspace_id, analytics, period=period)

    def first(name: str) -> dict[str, Any]:
        return analytics.metric(session, workspace_id, name, period).rows[0]

    trust_rows = analytics.metric(
        session, workspace_id, "trust_score", period, analytics_schemas.Grouping(by=("use_case",))
    ).rows
    use_cases, _ = catalog_service.list_use_cases(session, workspace_id, limit=10_000)
    return ExecutiveReport(
        workspace_name=workspaces_service.get_workspace(session, workspace_id).name,
        generated_at=datetime.now().astimezone(),
        overview=overview,
        depth={"stickiness": first("stickiness"), "habitual": first("habitual")},
        trust=sorted(
            (
                TrustLine(
                    overview.titles.get(row["use_case"], row["use_case"]),
                    None if row["suppressed"] else row.get("value"),
                    None if row["suppressed"] else row.get("mean_rating"),
                    None if row["suppressed"] else row.get("acceptance_rate"),
                )
                for row in trust_rows
                if row.get("decided") or row.get("rating_count")
            ),
            key=lambda line: (line.score is None, -(line.score or 0.0)),
        ),
        statuses=dict(Counter(use_case.status.value for use_case in use_cases)),
        tiers=dict(Counter((use_case.risk_tier or "not assessed") for use_case in use_cases)),
    )


def _environment() -> Environment:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    environment.globals["chart_table"] = chart_table
    return environment


def render_html(report: ExecutiveReport) -> str:
    """The report as one self-contained HTML document (inline style and SVG charts, no external request)."""
    template = _environment().get_template("reports/report.html")
    return template.render(report=report, style=STYLE.read_text(encoding="utf-8"))


def render_pdf(report: ExecutiveReport) -> bytes:
    """The same HTML laid out as a PDF by WeasyPrint."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango, WeasyPrint's layout library, is missing
        raise ReportRenderingUnavailable(
            "the PDF report needs WeasyPrint and the Pango library (Debian: apt-get install libpango-1.0-0); "
            f"the HTML report works without them ({error})"
        ) from error
    return bytes(weasyprint.HTML(string=render_html(report)).write_pdf())
