"""What the analytics API answers: metric definitions, published metric rows, forecasts and interventions."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field


class MetricDefinition(BaseModel):
    name: str
    description: str
    unit: str
    dimensions: list[str] = Field(description="What it can be grouped by (team includes its subteams)")
    grains: list[str] = Field(description="The time grains it takes (day, week, month); none: a single value")
    extra_keys: list[str] = Field(
        description="Key columns of its own beyond the grouping (day, cohort_week...)"
    )
    figures: list[str]


class MetricPeriod(BaseModel):
    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")


class MetricGrouping(BaseModel):
    by: list[str]
    grain: str | None


class PublishedMetric(BaseModel):
    """A metric's rows after the privacy floor: a suppressed row has its figures set to null."""

    metric: str
    unit: str
    period: MetricPeriod
    grouping: MetricGrouping
    privacy_floor: int = Field(description="k: figures about fewer people are suppressed")
    keys: list[str]
    figures: list[str]
    rows: list[dict[str, Any]]
    suppressed_rows: int


class BassFit(BaseModel):
    p: float = Field(description="Innovation: the share of the potential trying on its own, per week")
    q: float = Field(description="Imitation: the pull of those who tried, per week")
    m: float = Field(description="The potential: how many people will ever try it")
    r_squared: float
    rmse: float = Field(description="Root mean square error of the fit, in people")
    weeks: int


class Forecast(BaseModel):
    use_case: str
    status: str = Field(description="reached, forecast, not_at_current_pace or refused")
    reason: str
    as_of: date
    target_share: float
    eligible: int | None
    target_people: int | None
    triers: int | None
    first_week: date | None
    reached_on: date | None = Field(description="When the target was or will be reached")
    fit: BassFit | None


class Intervention(BaseModel):
    rank: int
    team_id: int
    team: str
    use_case: str
    adoption_rate: float
    reference_rate: float
    reference: str = Field(
        description="target (the catalog's target adoption) or workspace (its overall rate)"
    )
    gap: float
    people_missing: int
    weakest_step: str
    action: str
    reason: str
    evidence: dict[str, Any]
