"""The analytics API: metric definitions, every metric as JSON or CSV, forecasts and interventions.

Every figure passes the workspace's privacy floor. Program leads and reviewers see the whole workspace; a
team lead sees the teams they lead (with their subteams) only: their metrics are grouped by team and keep
their teams' rows.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from uptake.access.dependencies import MetricsReader, Reviewer, SessionDep
from uptake.analytics import schemas, service
from uptake.analytics.dependencies import get_analytics
from uptake.analytics.metrics import METRICS, MetricOptions
from uptake.analytics.schemas import Grouping
from uptake.errors import FieldError, InvalidInput

router = APIRouter(tags=["analytics"])

PeriodPreset = Literal[
    "last_7_days",
    "last_28_days",
    "last_90_days",
    "this_month",
    "last_month",
    "this_quarter",
    "last_quarter",
    "this_year",
    "last_year",
]
Start = Annotated[date | None, Query(alias="from", description="First day (workspace calendar), inclusive")]
End = Annotated[date | None, Query(alias="to", description="Last day, inclusive (default: today)")]
Preset = Annotated[PeriodPreset | None, Query(description="A period relative to today, instead of from/to")]
CSV_MEDIA_TYPE = "text/csv"


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@router.get("/metrics", response_model=list[schemas.MetricDefinition])
def list_metric_definitions(session: SessionDep, reader: MetricsReader) -> list[schemas.MetricDefinition]:
    """Every metric: what it means, its unit, what it can be grouped by and its figures."""
    return [
        schemas.MetricDefinition(
            name=definition.name,
            description=definition.description,
            unit=definition.unit,
            dimensions=sorted(definition.dimensions),
            grains=sorted(grain for grain in definition.grains if grain is not None),
            extra_keys=list(definition.extra_keys),
            figures=list(definition.figures),
        )
        for definition in METRICS
    ]


@router.get(
    "/metrics/{name}",
    response_model=schemas.PublishedMetric,
    responses={200: {"content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}}}},
)
def get_metric(
    request: Request,
    session: SessionDep,
    reader: MetricsReader,
    name: str,
    start: Start = None,
    end: End = None,
    period: Preset = None,
    grain: Annotated[Literal["day", "week", "month"] | None, Query(description="Time series grain")] = None,
    by: Annotated[
        list[str], Query(description="Group by use_case, tool, team (with subteams), role; repeat or comma")
    ] = [],  # noqa: B006 - FastAPI copies a list default per request
    trend_of: Annotated[
        str, Query(max_length=60, description="For the trend metric: which metric to compare")
    ] = "adoption_rate",
    format: Annotated[Literal["json", "csv"], Query(description="json or csv (an export)")] = "json",
) -> Any:
    """One metric for a period and a grouping, after the privacy floor, as JSON or CSV."""
    workspace_id = reader.workspace_id
    grouping = service.parse_grouping(by, grain)
    team_ids = service.team_scope(reader)
    grouping = service.scoped_grouping(name, grouping, team_ids)
    definition = service.check_grouping(name, grouping)
    if name == "trend":
        _check_trend_of(trend_of, grouping)
    today = service.workspace_today(session, workspace_id)
    chosen = service.resolve_period(period, start, end, today)
    settings = service.workspace_settings(session, workspace_id)
    options = MetricOptions(working_days_only=settings.working_days_only, trend_of=trend_of)
    published = get_analytics(request).metric(
        session, workspace_id, definition.name, chosen, grouping, options=options
    )
    rows = [
        {column: _clean(value) for column, value in row.items()}
        for row in service.scoped_rows(published.rows, team_ids)
    ]
    figures = [*definition.figures, "people"]
    if format == "csv":
        return _csv_response(
            f"{definition.name}.csv", [*published.keys, *figures, "suppressed", "suppression_reason"], rows
        )
    return schemas.PublishedMetric(
        metric=definition.name,
        unit=definition.unit,
        period=schemas.MetricPeriod(start=chosen.start, end=chosen.end),
        grouping=schemas.MetricGrouping(by=list(grouping.by), grain=grouping.grain),
        privacy_floor=published.k,
        keys=published.keys,
        figures=figures,
        rows=rows,
        suppressed_rows=sum(1 for row in rows if row.get("suppressed")),
    )


def _check_trend_of(trend_of: str, grouping: Grouping) -> None:
    try:
        compared = service.check_grouping(trend_of, grouping)
    except InvalidInput as error:
        raise InvalidInput(errors=[FieldError("trend_of", error.detail)]) from None
    except service.MetricNotFound:
        raise InvalidInput(errors=[FieldError("trend_of", f"no metric called {trend_of!r}")]) from None
    if (
        compared.extra_keys
        or compared.partition_keys
        or "value" not in compared.figures
        or compared.name == "trend"
    ):
        raise InvalidInput(
            errors=[FieldError("trend_of", f"{trend_of} has no single value per group to compare")]
        )


def _csv_response(filename: str, columns: list[str], rows: list[dict[str, Any]]) -> Response:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: "" if row.get(column) is None else row[column] for column in columns})
    return Response(
        buffer.getvalue(),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/forecasts", response_model=list[schemas.ForecastOut])
def list_forecasts(
    request: Request,
    session: SessionDep,
    reviewer: Reviewer,
    use_case: Annotated[
        str | None, Query(max_length=63, description="One use case (slug); default: all")
    ] = None,
    target: Annotated[
        float | None,
        Query(
            gt=0, le=1, description="Target adoption as a share of eligible people (default: the catalog's)"
        ),
    ] = None,
    as_of: Annotated[date | None, Query(description="Forecast from this day (default: today)")] = None,
) -> list[schemas.ForecastOut]:
    """A Bass diffusion forecast per use case: the day its target adoption is reached, or why not."""
    workspace_id = reviewer.workspace_id
    day = as_of or service.workspace_today(session, workspace_id)
    if not service.EARLIEST_DAY <= day <= service.LATEST_DAY:
        raise InvalidInput(
            errors=[FieldError("as_of", f"must be between {service.EARLIEST_DAY} and {service.LATEST_DAY}")]
        )
    forecasts = get_analytics(request).forecasts(
        session, workspace_id, day, use_case=use_case, target_share=target
    )
    return [schemas.ForecastOut.model_validate(asdict(item)) for item in forecasts]


@router.get("/interventions", response_model=list[schemas.InterventionOut])
def list_interventions(
    request: Request,
    session: SessionDep,
    reader: MetricsReader,
    start: Start = None,
    end: End = None,
    period: Preset = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[schemas.InterventionOut]:
    """Lagging team × use case cells, worst first, each with its weakest funnel step, action and evidence."""
    workspace_id = reader.workspace_id
    chosen = service.resolve_period(period, start, end, service.workspace_today(session, workspace_id))
    team_ids = service.team_scope(reader)
    ranked = get_analytics(request).interventions(
        session, workspace_id, chosen, team_ids=team_ids, limit=limit
    )
    return [
        schemas.InterventionOut.model_validate(
            {**asdict(item), "evidence": {key: _clean(value) for key, value in item.evidence.items()}}
        )
        for item in ranked
    ]
