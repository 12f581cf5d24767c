"""The rollout API's input and output: plans, waves, gates, promotions, entitlements."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from uptake.rollout.gates import GATE_METRICS
from uptake.rollout.models import Comparison, PromotionMode, WaveState

WaveName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=63, pattern=r"^[a-z0-9][a-z0-9-]*$"),
]
Ids = Annotated[list[Annotated[int, Field(ge=1, le=2**31 - 1)]], Field(max_length=10_000)]
Slug = Annotated[str, StringConstraints(min_length=1, max_length=63)]
PersonIdentifier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)]
Justification = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=2000)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GateCreate(Input):
    metric: Annotated[str, Field(json_schema_extra={"enum": sorted(GATE_METRICS)})]
    comparison: Comparison
    threshold: Annotated[float, Field(ge=0, le=1_000_000)]


class WaveCreate(Input):
    name: WaveName
    planned_on: date | None = None
    team_ids: Ids = []
    job_role_ids: Ids = []
    person_ids: Ids = []
    percentage: Annotated[float, Field(gt=0, le=100)] | None = None
    requires_training: bool = False
    requires_acknowledgement: bool = False
    gates: Annotated[list[GateCreate], Field(max_length=20)] = []


class WaveUpdate(Input):
    name: WaveName | None = None
    planned_on: date | None = None
    team_ids: Ids | None = None
    job_role_ids: Ids | None = None
    person_ids: Ids | None = None
    percentage: Annotated[float, Field(gt=0, le=100)] | None = None
    requires_training: bool | None = None
    requires_acknowledgement: bool | None = None


class RolloutPlanCreate(Input):
    use_case: Slug
    promotion_mode: PromotionMode = PromotionMode.automatic
    waves: Annotated[list[WaveCreate], Field(min_length=1, max_length=50)]


class RolloutPlanUpdate(Input):
    promotion_mode: PromotionMode | None = None


class RolloutStart(Input):
    """Start the first wave now, or record the day it started when the programme began before uptake."""

    started_on: date | None = Field(
        default=None,
        description="The day the first wave started, when it was before uptake (audited as recorded).",
    )


class Promotion(Input):
    """Promote the active wave. ``override`` promotes although a gate fails; it needs a justification.
    ``promoted_on`` records a promotion made before uptake on that day: no gate is read, and the audit log says
    it was recorded."""

    override: bool = False
    justification: Justification | None = None
    promoted_on: date | None = None


class Hold(Input):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]


class Gate(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    metric: str
    comparison: Comparison
    threshold: float
    last_value: float | None
    last_passed: bool | None
    last_evaluated_at: datetime | None
    last_detail: dict[str, Any]


class Wave(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    position: int
    name: str
    state: WaveState
    planned_on: date | None
    team_ids: list[int]
    job_role_ids: list[int]
    person_ids: list[int]
    percentage: float | None
    requires_training: bool
    requires_acknowledgement: bool
    held_reason: str | None
    started_at: datetime | None
    completed_at: datetime | None
    gates: list[Gate]


class RolloutPlan(BaseModel):
    use_case: str
    use_case_status: str
    risk_tier: str | None
    promotion_mode: PromotionMode
    needs_approver: bool
    promotion_requested_at: datetime | None
    waves: list[Wave]


class GateEvaluation(BaseModel):
    """What one evaluation of the active wave's gates found and did."""

    plan: RolloutPlan
    wave: str | None
    all_passed: bool
    promoted_to: str | None
    waiting_for_approval: bool


class Entitlement(BaseModel):
    use_case: str
    entitled: bool
    reason: str
    wave: str | None
    missing: list[str]


class Entitlements(BaseModel):
    person: str
    entitlements: list[Entitlement]


class EntitlementCheck(Input):
    person: PersonIdentifier
    use_case: Slug


class UseCardAcknowledgement(BaseModel):
    use_case: str
    version: int
    acknowledged_at: datetime
