"""Trust input and output: feedback, widget keys, incidents, the trust score and themes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from uptake.trust.models import IncidentStatus

FeedbackCategory = Literal["wrong", "incomplete", "unsafe", "slow", "not_useful", "great"]
HarmType = Literal[
    "physical_safety",
    "financial_loss",
    "psychological",
    "discrimination",
    "privacy",
    "misinformation",
    "legal_or_regulatory",
    "reputational",
    "operational",
    "security",
    "near_miss",
]
FailureType = Literal[
    "fabrication",
    "inaccurate_output",
    "incomplete_output",
    "biased_output",
    "harmful_content",
    "data_leakage",
    "manipulation",
    "over_reliance",
    "availability",
    "integration",
    "other",
]
Slug = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=63)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(max_length=10_000)]
Origin = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^https?://[^/\s]+/?$", max_length=300)
]
Severity = Annotated[int, Field(ge=1, le=4)]


class FeedbackCreate(BaseModel):
    """Feedback on one output. At least one of rating, thumbs_up, category or comment."""

    model_config = ConfigDict(extra="forbid")

    use_case: Slug
    rating: Annotated[int, Field(ge=1, le=5)] | None = None
    thumbs_up: bool | None = None
    category: FeedbackCategory | None = None
    comment: Annotated[str, StringConstraints(max_length=4000)] | None = None
    correction: Annotated[str, StringConstraints(max_length=4000)] | None = None
    event_id: Annotated[str, StringConstraints(max_length=200)] | None = None
    session_id: Annotated[str, StringConstraints(max_length=200)] | None = None
    person: Annotated[str, StringConstraints(max_length=320)] | None = Field(
        default=None, description="Who gave it (email or directory id); stored only as a pseudonym"
    )


class WidgetFeedbackCreate(BaseModel):
    """What the embeddable widget posts; the use case comes from its key."""

    model_config = ConfigDict(extra="forbid")

    rating: Annotated[int, Field(ge=1, le=5)] | None = None
    thumbs_up: bool | None = None
    category: FeedbackCategory | None = None
    comment: Annotated[str, StringConstraints(max_length=4000)] | None = None
    correction: Annotated[str, StringConstraints(max_length=4000)] | None = None
    event_id: Annotated[str, StringConstraints(max_length=200)] | None = None
    session_id: Annotated[str, StringConstraints(max_length=200)] | None = None
    report_incident: bool = False


class Feedback(BaseModel):
    """One piece of feedback as listed: pseudonymous; comment and correction are None below the privacy floor."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    use_case: str
    rating: int | None
    thumbs_up: bool | None
    category: str | None
    comment: str | None
    correction: str | None
    event_id: str | None
    person: str | None = Field(description="A short pseudonym, never a name")
    source: str
    incident_id: int | None
    created_at: datetime


class FeedbackPage(BaseModel):
    items: list[Feedback]
    total: int
    people: int | None = Field(description="Distinct people behind the listed feedback; None below the floor")
    comments_suppressed: str | None = Field(description="Why comments are hidden, when they are")


class FeedbackRecorded(BaseModel):
    id: int
    incident_id: int | None = None


class WidgetKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    use_case: Slug
    allowed_origins: Annotated[list[Origin], Field(min_length=1, max_length=20)]


class WidgetKey(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    use_case: str
    allowed_origins: list[str]
    created_at: datetime
    revoked_at: datetime | None


class IncidentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    use_case: Slug
    also_affected: Annotated[list[Slug], Field(max_length=20)] = []
    title: ShortText
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
    evidence: LongText | None = None
    severity: Severity = 3
    harm_type: HarmType = "near_miss"
    failure_type: FailureType = "other"


class FeedbackEscalation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: ShortText
    description: LongText = ""
    severity: Severity = 3
    harm_type: HarmType = "near_miss"
    failure_type: FailureType = "other"


class IncidentUpdate(BaseModel):
    """Move an incident along its lifecycle and/or change its owner, severity or categories."""

    model_config = ConfigDict(extra="forbid")

    status: IncidentStatus | None = None
    owner_id: int | None = None
    severity: Severity | None = None
    harm_type: HarmType | None = None
    failure_type: FailureType | None = None
    root_cause: LongText | None = None
    fix: LongText | None = None


class PostIncidentNote(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    update_use_card: bool = True


class Incident(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    use_case: str
    also_affected: list[str]
    title: str
    description: str
    evidence: str | None
    severity: int
    harm_type: str
    failure_type: str
    status: IncidentStatus
    source: str
    owner_id: int | None
    due_at: datetime
    is_overdue: bool
    root_cause: str | None
    fix: str | None
    post_incident_note: str | None
    paused_use_case: bool
    reported_at: datetime
    triaged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    people_to_tell: int


class TrustSettings(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    pause_on_severity_1: bool


class TrustSettingsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pause_on_severity_1: bool


class TrustInput(BaseModel):
    name: str
    label: str
    value: float | None
    component: float | None = Field(description="The input scaled to 0-1, as it enters the score")
    weight: float = Field(description="Its effective weight (a missing input's weight goes to the others)")
    nominal_weight: float
    previous: float | None
    basis: str


class TrustScore(BaseModel):
    use_case: str
    period_start: str
    period_end: str
    value: float | None
    previous: float | None
    change: float | None
    suppressed: str | None
    inputs: list[TrustInput]
    definition: str


class Theme(BaseModel):
    label: str
    count: int
    representatives: list[str]


class ThemeRun(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    use_case: str | None
    status: str
    method: str | None
    job_id: int | None
    comment_count: int
    themes: list[Theme]
    created_at: datetime
    finished_at: datetime | None


class ThemeRunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    use_case: Slug | None = None
