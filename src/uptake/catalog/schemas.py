from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from uptake.catalog.use_card import SECTION_KEYS, Completeness, DiffLineKind


class UseCaseStatus(enum.StrEnum):
    draft = "draft"
    in_review = "in_review"
    approved = "approved"
    piloting = "piloting"
    rolling_out = "rolling_out"
    generally_available = "generally_available"
    paused = "paused"
    retired = "retired"
    rejected = "rejected"


class TransitionActor(enum.StrEnum):
    program_lead = "program_lead"
    submission = "submission"
    review = "review"


# Statuses in which the use case is available to (some) employees.
LIVE_STATUSES = frozenset(
    {
        UseCaseStatus.approved,
        UseCaseStatus.piloting,
        UseCaseStatus.rolling_out,
        UseCaseStatus.generally_available,
    }
)


@dataclass(frozen=True, slots=True)
class UseCaseRef:
    """What other domains hold of a use case while they decide (governance's reviews, trust's incidents): a copy
    taken when it was asked for, never the catalog's row. Ask the catalog again after changing its status."""

    id: int
    slug: str
    title: str
    status: UseCaseStatus
    paused_from: UseCaseStatus | None
    risk_tier: str | None
    owner_id: int | None
    use_card_version: int


class Hosting(enum.StrEnum):
    vendor_cloud = "vendor_cloud"
    own_cloud = "own_cloud"
    on_premises = "on_premises"


class HumanOversight(enum.StrEnum):
    human_approves_every_output = "human_approves_every_output"
    human_reviews_samples = "human_reviews_samples"
    automated_with_monitoring = "automated_with_monitoring"


SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# Page paths that sit where a use-case slug would (``/use-cases/new``); a use case cannot take them.
RESERVED_SLUGS = frozenset({"new"})
MAX_ID = 2_147_483_647


def _check_slug(value: str) -> str:
    if not SLUG_PATTERN.match(value):
        raise ValueError(
            "use 1 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit"
        )
    if value in RESERVED_SLUGS:
        raise ValueError(f"{value!r} is reserved; choose another slug")
    return value


Slug = Annotated[str, Field(min_length=1, max_length=63), AfterValidator(_check_slug)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
ShortText = Annotated[str, Field(max_length=300)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
Minutes = Annotated[float, Field(ge=0, le=10_000, allow_inf_nan=False)]
Tag = Annotated[str, Field(min_length=1, max_length=60)]
CardText = Annotated[str, Field(max_length=20_000)]


def _distinct(values: list[str]) -> list[str]:
    return list(dict.fromkeys(value.strip() for value in values if value.strip()))


# ---------------------------------------------------------------- tools


class ToolCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: Slug
    name: Name
    vendor: Name
    models: Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=20)] = []
    hosting: Hosting = Hosting.vendor_cloud
    data_residency: Annotated[str, Field(max_length=200)] | None = None
    licence_model: Annotated[str, Field(max_length=200)] | None = None
    cost_per_seat_month: Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)] | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    seats_purchased: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    contract_renewal_on: date | None = None
    owner_id: Id | None = None


class ToolUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    vendor: Name | None = None
    models: (
        Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=20)] | None
    ) = None
    hosting: Hosting | None = None
    data_residency: Annotated[str, Field(max_length=200)] | None = None
    licence_model: Annotated[str, Field(max_length=200)] | None = None
    cost_per_seat_month: Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)] | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    seats_purchased: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    contract_renewal_on: date | None = None
    owner_id: Id | None = None


class Tool(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    slug: str
    name: str
    vendor: str
    models: list[str]
    hosting: Hosting
    data_residency: str | None
    licence_model: str | None
    cost_per_seat_month: float | None
    currency: str
    seats_purchased: int | None
    contract_renewal_on: date | None
    owner_id: int | None
    created_at: datetime
    updated_at: datetime


# ---------------------------------------------------------------- use cases


class RaciEntry(BaseModel):
    """One line of the RACI: a person, a job role, or a named party (``Legal department``)."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    responsibility: Literal["responsible", "accountable", "consulted", "informed"]
    person_id: Id | None = None
    job_role_id: Id | None = None
    party: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    @model_validator(mode="after")
    def _names_someone(self) -> RaciEntry:
        if self.person_id is None and self.job_role_id is None and self.party is None:
            raise ValueError("name a person_id, a job_role_id or a party")
        return self


class UseCaseFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    summary: Annotated[str, Field(max_length=5000)] | None = None
    workflow: ShortText | None = None
    workflow_step: ShortText | None = None
    owning_team_id: Id | None = None
    owner_id: Id | None = None
    raci: Annotated[list[RaciEntry], Field(max_length=50)] | None = None
    target_job_role_ids: Annotated[list[Id], Field(max_length=200)] | None = None
    target_team_ids: Annotated[list[Id], Field(max_length=200)] | None = None
    tool_slugs: Annotated[list[Slug], Field(max_length=50)] | None = None
    allowed_data_classes: Annotated[list[Slug], Field(max_length=20)] | None = None
    human_oversight: HumanOversight | None = None
    target_adoption_percent: Percent | None = None
    target_acceptance_rate_percent: Percent | None = None
    target_minutes_saved_per_use: Minutes | None = None
    estimated_minutes_saved_per_accepted_output: Minutes | None = None
    required_training: Annotated[list[Slug], Field(max_length=50)] | None = None
    tags: Annotated[list[Tag], Field(max_length=30)] | None = None


class UseCaseCreate(UseCaseFields):
    slug: Slug
    title: Name


class UseCaseUpdate(UseCaseFields):
    """Every field optional; only fields sent apply (send ``null`` to clear an optional one). The slug never
    changes: telemetry, rollout and OFREP key on it."""

    title: Name | None = None


class UseCase(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    slug: str
    title: str
    summary: str
    workflow: str
    workflow_step: str
    owning_team_id: int | None
    owner_id: int | None
    raci: list[RaciEntry]
    target_job_role_ids: list[int]
    target_team_ids: list[int]
    tool_slugs: list[str]
    allowed_data_classes: list[str]
    human_oversight: HumanOversight | None
    target_adoption_percent: float | None
    target_acceptance_rate_percent: float | None
    target_minutes_saved_per_use: float | None
    estimated_minutes_saved_per_accepted_output: float | None
    required_training: list[str]
    tags: list[str]
    status: UseCaseStatus
    paused_from: UseCaseStatus | None
    status_changed_at: datetime
    risk_tier: str | None
    use_card_version: int
    created_at: datetime
    updated_at: datetime


class UseCasePage(BaseModel):
    items: list[UseCase]
    total: int
    limit: int
    offset: int


class UseCaseTransition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: UseCaseStatus
    reason: Annotated[str, Field(max_length=1000)] | None = None


# ---------------------------------------------------------------- use cards


class UseCardContent(BaseModel):
    """The six answers and the examples, in Markdown (rendered safely: no raw HTML, no scripts)."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    trust_output: CardText = ""
    role_impact: CardText = ""
    when_to_use: CardText = ""
    when_wrong: CardText = ""
    accountability: CardText = ""
    approvals: CardText = ""
    good_examples: CardText = ""
    bad_examples: CardText = ""

    def sections(self) -> dict[str, str]:
        return {key: getattr(self, key) for key in SECTION_KEYS}


class UseCardVersionCreate(UseCardContent):
    changelog: Annotated[str, Field(min_length=1, max_length=500)]


class UseCardVersion(UseCardContent):
    version: int
    changelog: str
    author_id: int | None
    created_at: datetime


class UseCardVersionSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    changelog: str
    author_id: int | None
    created_at: datetime


class DiffLine(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: DiffLineKind
    text: str


class SectionDiff(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    title: str
    is_changed: bool
    lines: list[DiffLine]


class UseCardDiff(BaseModel):
    from_version: int
    to_version: int
    sections: list[SectionDiff]


class CompletenessItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    field: str
    label: str
    state: Completeness
    message: str


class CompletenessReport(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    is_complete: bool
    items: list[CompletenessItem]


# ---------------------------------------------------------------- data classes


class DataClassInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: Slug
    name: Name
    description: Annotated[str, Field(max_length=1000)] = ""


class DataClass(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    name: str
    description: str
