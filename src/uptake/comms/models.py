"""Communication: announcements to cohorts with read receipts, questions and answers that grow into an FAQ,
office hours, and the notifications outbox (email, Slack, Microsoft Teams, in-app) with per-person preferences.

An anonymous question stores no asker at all: ``asker_id`` is NULL and its time is kept to the day, so not even a
timestamp ties it to someone's login. Use cases are named by slug (no foreign key crosses to the catalog).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from uptake.db import Base, WorkspaceMixin, utcnow


def _enum(kind: type[enum.StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=20, validate_strings=True)


class AnnouncementStatus(enum.StrEnum):
    draft = "draft"
    scheduled = "scheduled"
    sent = "sent"


class Announcement(WorkspaceMixin, Base):
    __tablename__ = "comms_announcement"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    # The cohort: {"everyone": bool, "team_ids": [...], "job_role_ids": [...], "use_case_slugs": [...]}
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    requires_acknowledgement: Mapped[bool] = mapped_column(default=False)
    webhook_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[AnnouncementStatus] = mapped_column(
        _enum(AnnouncementStatus), default=AnnouncementStatus.draft
    )
    scheduled_for: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    audience_size: Mapped[int] = mapped_column(default=0)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_person.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AnnouncementRecipient(WorkspaceMixin, Base):
    """One person an announcement was sent to; team and role are kept as they were when it was sent."""

    __tablename__ = "comms_announcement_recipient"
    __table_args__ = (UniqueConstraint("announcement_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey(
            "comms_announcement.id", ondelete="CASCADE", name="fk_comms_announcement_recipient_announcement"
        ),
        index=True,
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("directory_person.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("directory_team.id", ondelete="SET NULL"))
    job_role_id: Mapped[int | None] = mapped_column(ForeignKey("directory_job_role.id", ondelete="SET NULL"))
    read_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]


class QuestionStatus(enum.StrEnum):
    open = "open"
    answered = "answered"


class Question(WorkspaceMixin, Base):
    __tablename__ = "comms_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_slug: Mapped[str] = mapped_column(String(63), index=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    # NULL when asked anonymously: the asker is not stored at all.
    asker_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_person.id", ondelete="SET NULL"), index=True
    )
    is_anonymous: Mapped[bool] = mapped_column(default=False)
    status: Mapped[QuestionStatus] = mapped_column(_enum(QuestionStatus), default=QuestionStatus.open)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
    # The owner and champions are told of new questions in batches by a job, never at the moment of asking.
    owners_notified: Mapped[bool] = mapped_column(default=False)


class Answer(WorkspaceMixin, Base):
    __tablename__ = "comms_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("comms_question.id", ondelete="CASCADE"), index=True)
    body_markdown: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_person.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FaqEntry(WorkspaceMixin, Base):
    """A question and answer promoted to a use case's FAQ (copied, so the FAQ can be edited on its own)."""

    __tablename__ = "comms_faq_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_slug: Mapped[str] = mapped_column(String(63), index=True)
    question: Mapped[str] = mapped_column(Text)
    answer_markdown: Mapped[str] = mapped_column(Text)
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("comms_question.id", ondelete="SET NULL"), unique=True
    )
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OfficeHours(WorkspaceMixin, Base):
    __tablename__ = "comms_office_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("directory_person.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_team.id", ondelete="CASCADE"), index=True
    )
    use_case_slug: Mapped[str | None] = mapped_column(String(63), index=True)
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(default=60)
    location: Mapped[str] = mapped_column(String(500))
    topic: Mapped[str] = mapped_column(String(300))
    announcement_id: Mapped[int | None] = mapped_column(
        ForeignKey("comms_announcement.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookKind(enum.StrEnum):
    slack = "slack"
    teams = "teams"


class Webhook(WorkspaceMixin, Base):
    """A Slack or Microsoft Teams incoming webhook: a channel uptake posts to."""

    __tablename__ = "comms_webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[WebhookKind] = mapped_column(_enum(WebhookKind))
    url: Mapped[str] = mapped_column(String(2000))
    # Office hours of this team (and its subteams) are posted here; None: not tied to a team.
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_team.id", ondelete="SET NULL"), index=True
    )
    is_enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Channel(enum.StrEnum):
    email = "email"
    slack = "slack"
    teams = "teams"
    in_app = "in_app"


class DeliveryStatus(enum.StrEnum):
    pending = "pending"  # waiting to be sent (``next_attempt_at`` says from when)
    sending = "sending"  # claimed by a worker until ``claimed_until``
    sent = "sent"
    dead = "dead"  # gave up after the last try; ``last_error`` says why
    held = "held"  # waiting for the person's digest
    digested = "digested"  # went out inside a digest (``digest_id``)
    skipped = "skipped"  # not sendable here (email not configured); ``last_error`` says why


class Notification(WorkspaceMixin, Base):
    """The outbox: one row per delivery (a person on one channel, or one webhook)."""

    __tablename__ = "comms_notification"
    __table_args__ = (
        UniqueConstraint("workspace_id", "dedupe_key"),
        Index("ix_comms_notification_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_comms_notification_person_channel", "person_id", "channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("directory_person.id", ondelete="CASCADE"))
    webhook_id: Mapped[int | None] = mapped_column(
        ForeignKey("comms_webhook.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    category: Mapped[str] = mapped_column(String(50))
    subject: Mapped[str] = mapped_column(String(300))
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(1000))
    dedupe_key: Mapped[str | None] = mapped_column(String(300))
    # Sent with every try (Message-ID, Idempotency-Key): a resend after a crash carries the same key.
    message_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus), default=DeliveryStatus.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("comms_notification.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]


class DigestMode(enum.StrEnum):
    immediate = "immediate"
    daily = "daily"
    weekly = "weekly"


class NotificationPreference(WorkspaceMixin, Base):
    """How a person wants to hear from uptake; without a row: email on, immediately, nothing muted."""

    __tablename__ = "comms_notification_preference"
    __table_args__ = (UniqueConstraint("workspace_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("directory_person.id", ondelete="CASCADE"))
    email_enabled: Mapped[bool] = mapped_column(default=True)
    digest: Mapped[DigestMode] = mapped_column(_enum(DigestMode), default=DigestMode.immediate)
    # Categories that never reach this person by email (they still appear in the in-app inbox).
    muted_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
