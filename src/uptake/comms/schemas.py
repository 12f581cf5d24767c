"""Communication's API input and output: announcements and cohorts, questions, FAQ, office hours,
notifications, preferences and webhooks."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

MAX_ID = 2**63 - 1
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
CATEGORY_PATTERN = r"^[a-z][a-z0-9_.-]{0,49}$"


def _check_slug(value: str) -> str:
    if not SLUG_PATTERN.match(value):
        raise ValueError(
            "use lowercase letters, digits and hyphens, starting and ending with a letter or digit"
        )
    return value


def _check_webhook_url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError("must be an http(s) URL, as Slack or Teams shows it when the webhook is made")
    return value


Slug = Annotated[str, Field(min_length=1, max_length=63), AfterValidator(_check_slug)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Category = Annotated[str, Field(pattern=CATEGORY_PATTERN)]


class RolloutWaveRef(BaseModel):
    """One wave of a use case's rollout plan: its people are those the rollout grants through that wave."""

    model_config = ConfigDict(extra="forbid")

    use_case_slug: Slug
    wave: Annotated[str, Field(min_length=1, max_length=100)]


class Audience(BaseModel):
    """A cohort: everyone, or the people who match every dimension given (any of the values within one)."""

    model_config = ConfigDict(extra="forbid")

    everyone: bool = False
    team_ids: Annotated[list[Id], Field(max_length=200)] = []
    job_role_ids: Annotated[list[Id], Field(max_length=200)] = []
    use_case_slugs: Annotated[list[Slug], Field(max_length=50)] = []
    rollout_waves: Annotated[list[RolloutWaveRef], Field(max_length=20)] = []

    @model_validator(mode="after")
    def _names_someone(self) -> Audience:
        chosen = self.team_ids or self.job_role_ids or self.use_case_slugs or self.rollout_waves
        if not self.everyone and not chosen:
            raise ValueError("choose everyone, or at least one team, job role, use case or rollout wave")
        return self


class AudiencePreview(BaseModel):
    count: int
    sample: list[str]


class AnnouncementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=200)]
    body_markdown: Annotated[str, Field(max_length=50_000)] = ""
    audience: Audience
    requires_acknowledgement: bool = False
    webhook_ids: Annotated[list[Id], Field(max_length=20)] = []
    scheduled_for: AwareDatetime | None = None
    send_now: bool = False


class Announcement(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    body_markdown: str
    audience: Audience
    requires_acknowledgement: bool
    webhook_ids: list[int]
    status: Literal["draft", "scheduled", "sent"]
    scheduled_for: datetime | None
    sent_at: datetime | None
    audience_size: int
    created_at: datetime


class MyAnnouncement(Announcement):
    read_at: datetime | None
    acknowledged_at: datetime | None


class AnnouncementSchedule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scheduled_for: AwareDatetime | None = None


class CohortCompletion(BaseModel):
    """Reading and acknowledgement in one part of the audience; None (``suppressed``) below the privacy floor."""

    cohort: str
    recipients: int | None
    read: int | None
    acknowledged: int | None
    suppressed: bool


class AnnouncementReport(BaseModel):
    announcement_id: int
    requires_acknowledgement: bool
    total: CohortCompletion
    cohorts: list[CohortCompletion]


class QuestionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    use_case_slug: Slug
    title: Annotated[str, Field(min_length=3, max_length=300)]
    body: Annotated[str, Field(max_length=10_000)] = ""
    anonymous: bool = False


class AnswerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body_markdown: Annotated[str, Field(min_length=1, max_length=20_000)]


class Answer(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    body_markdown: str
    author_id: int | None
    created_at: datetime


class Question(BaseModel):
    id: int
    use_case_slug: str
    title: str
    body: str
    is_anonymous: bool
    # None for an anonymous question (it is not stored) and for a named one the caller may not see.
    asker_id: int | None
    status: Literal["open", "answered"]
    asked_on: datetime
    answered_at: datetime | None
    is_flagged: bool
    answers: list[Answer]


class FaqPromotion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer_id: Id | None = None
    question: Annotated[str, Field(min_length=1, max_length=2000)] | None = None
    answer_markdown: Annotated[str, Field(min_length=1, max_length=20_000)] | None = None


class FaqEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    use_case_slug: str
    question: str
    answer_markdown: str
    question_id: int | None
    created_at: datetime


class OfficeHoursCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    team_id: Id | None = None
    use_case_slug: Slug | None = None
    starts_at: AwareDatetime
    duration_minutes: Annotated[int, Field(ge=5, le=480)] = 60
    location: Annotated[str, Field(min_length=1, max_length=500)]
    topic: Annotated[str, Field(min_length=1, max_length=300)]

    @model_validator(mode="after")
    def _names_an_audience(self) -> OfficeHoursCreate:
        if self.team_id is None and self.use_case_slug is None:
            raise ValueError("name the team_id or the use_case_slug the office hours are for")
        return self


class OfficeHours(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    host_id: int
    team_id: int | None
    use_case_slug: str | None
    starts_at: datetime
    duration_minutes: int
    location: str
    topic: str
    announcement_id: int | None


class Notification(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    category: str
    subject: str
    body_markdown: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


class OutboxEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: Literal["email", "slack", "teams", "in_app"]
    category: str
    subject: str
    person_id: int | None
    webhook_id: int | None
    status: Literal["pending", "sending", "sent", "dead", "held", "digested", "skipped"]
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class NotificationPreferences(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    email_enabled: bool
    digest: Literal["immediate", "daily", "weekly"]
    muted_categories: list[str]


class NotificationPreferencesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email_enabled: bool | None = None
    digest: Literal["immediate", "daily", "weekly"] | None = None
    muted_categories: Annotated[list[Category], Field(max_length=30)] | None = None


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: Literal["slack", "teams"]
    url: Annotated[str, Field(min_length=10, max_length=2000), AfterValidator(_check_webhook_url)]
    team_id: Id | None = None


class Webhook(BaseModel):
    """A webhook as listed: its address is a secret and only its host is shown."""

    id: int
    name: str
    kind: Literal["slack", "teams"]
    host: str
    team_id: int | None
    is_enabled: bool
