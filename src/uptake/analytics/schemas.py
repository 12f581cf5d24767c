"""What analytics takes and answers: a metric query's period and grouping (`Period`, `Grouping`), and for the API
metric definitions, published metric rows, forecasts and interventions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

# The vocabulary of a metric query (what `Analytics.metric` takes): its period and grouping. Metrics are in
# `metrics.py`; these types are here so that other domains can name them.
Dimension = Literal["use_case", "tool", "team", "role"]
Grain = Literal["day", "week", "month"]

DIMENSIONS: tuple[Dimension, ...] = ("use_case", "tool", "team", "role")
KEY_COLUMNS: dict[Dimension, str] = {
    "use_case": "use_case",
    "tool": "tool",
    "team": "team_id",
    "role": "role",
}


class UnsupportedGrouping(ValueError):
    """The metric has no meaning for this grouping or time grain."""


@dataclass(frozen=True)
class Period:
    """Inclusive calendar dates, compared with the events' `day`."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"A period cannot end ({self.end}) before it starts ({self.start})")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def last_days(self, count: int) -> Period:
        """The last `count` days of the period (the whole period when it is shorter)."""
        return Period(max(self.start, self.end - timedelta(days=count - 1)), self.end)

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))


@dataclass(frozen=True)
class Grouping:
    """What to break a metric down by: up to four dimensions (`team` includes subteams) and a time grain."""

    by: tuple[Dimension, ...] = ()
    grain: Grain | None = None

    def __post_init__(self) -> None:
        unknown = [dimension for dimension in self.by if dimension not in DIMENSIONS]
        if unknown or len(set(self.by)) != len(self.by):
            raise UnsupportedGrouping(f"Grouping by {self.by}: each of {DIMENSIONS} at most once")
        if self.grain not in (None, "day", "week", "month"):
            raise UnsupportedGrouping(f"Unknown time grain {self.grain!r}")

    @property
    def keys(self) -> list[str]:
        """The output's grouping key columns, in order."""
        return [KEY_COLUMNS[dimension] for dimension in self.by]

    @property
    def series_keys(self) -> list[str]:
        """The grouping keys plus `bucket` when a time grain is set."""
        return [*self.keys, "bucket"] if self.grain else self.keys


# What a forecast and an intervention are (what `Analytics.forecasts` and `Analytics.interventions` answer):
# plain dataclasses other domains may hold; the API answers them as `ForecastOut` and `InterventionOut`.
ForecastStatus = Literal["reached", "forecast", "not_at_current_pace", "refused"]


@dataclass(frozen=True)
class BassFit:
    """Fitted Bass parameters (per week) and how well they fit the observed cumulative triers."""

    p: float
    q: float
    m: float
    r_squared: float
    rmse: float
    weeks: int


@dataclass(frozen=True)
class Forecast:
    """The forecast for one use case; `reason` says in words why the status is what it is."""

    use_case: str
    status: ForecastStatus
    reason: str
    as_of: date
    target_share: float
    eligible: int | None = None
    target_people: int | None = None
    triers: int | None = None
    first_week: date | None = None
    reached_on: date | None = None
    fit: BassFit | None = None


Step = Literal["incidents", "training", "trying", "repeating"]


@dataclass(frozen=True)
class Intervention:
    """One lagging cell: how far it lags, its weakest step, what to do, and the figures behind it."""

    rank: int
    team_id: int
    team: str
    use_case: str
    adoption_rate: float
    reference_rate: float
    reference: Literal["target", "workspace"]
    gap: float
    people_missing: int
    weakest_step: Step
    action: str
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)


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


class BassFitOut(BaseModel):
    p: float = Field(description="Innovation: the share of the potential trying on its own, per week")
    q: float = Field(description="Imitation: the pull of those who tried, per week")
    m: float = Field(description="The potential: how many people will ever try it")
    r_squared: float
    rmse: float = Field(description="Root mean square error of the fit, in people")
    weeks: int


class ForecastOut(BaseModel):
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
    fit: BassFitOut | None


class InterventionOut(BaseModel):
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
