"""Trust tables: feedback on outputs, widget keys, incidents and the people linked to them, theme runs."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from uptake.db import Base, WorkspaceMixin, utcnow


class IncidentStatus(enum.StrEnum):
    reported = "reported"
    triaged = "triaged"
    mitigating = "mitigating"
    resolved = "resolved"
    closed = "closed"


def _enum(kind: type[enum.StrEnum], length: int = 20) -> Enum:
    return Enum(kind, native_enum=False, length=length, validate_strings=True)


class TrustSettings(WorkspaceMixin, Base):
    """What a workspace decides about incidents; a workspace without a row uses the defaults."""

    __tablename__ = "trust_settings"
    __table_args__ = (UniqueConstraint("workspace_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pause_on_severity_1: Mapped[bool] = mapped_column(default=True)


class WidgetKey(WorkspaceMixin, Base):
    """A public key an AI tool embeds in its page: it writes feedback (and incident reports) for one use case
    and nothing else, from the listed origins only."""

    __tablename__ = "trust_widget_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    use_case_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_use_case.id", ondelete="CASCADE"), index=True
    )
    allowed_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class Feedback(WorkspaceMixin, Base):
    """One piece of feedback on an AI output. The person is a pseudonym; `reporter_id` is kept only when a
    signed-in person gave it, so that the outcome of an incident it led to can be told to them."""

    __tablename__ = "trust_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_use_case.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int | None]
    thumbs_up: Mapped[bool | None]
    category: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    correction: Mapped[str | None] = mapped_column(Text)
    event_id: Mapped[str | None] = mapped_column(String(200))
    session_id: Mapped[str | None] = mapped_column(String(200))
    person_pseudonym: Mapped[str | None] = mapped_column(String(64))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("directory_person.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(20))
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("trust_incident.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Incident(WorkspaceMixin, Base):
    """Something an AI use case got wrong that needs an owner, a fix and an answer to whoever reported it."""

    __tablename__ = "trust_incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_use_case.id", ondelete="CASCADE"), index=True
    )
    also_affected: Mapped[list[int]] = mapped_column(JSON, default=list)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[int]
    harm_type: Mapped[str] = mapped_column(String(40))
    failure_type: Mapped[str] = mapped_column(String(40))
    status: Mapped[IncidentStatus] = mapped_column(_enum(IncidentStatus), default=IncidentStatus.reported)
    source: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("directory_person.id", ondelete="SET NULL"))
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("directory_person.id", ondelete="SET NULL"))
    due_at: Mapped[datetime]
    root_cause: Mapped[str | None] = mapped_column(Text)
    fix: Mapped[str | None] = mapped_column(Text)
    post_incident_note: Mapped[str | None] = mapped_column(Text)
    paused_use_case: Mapped[bool] = mapped_column(default=False)
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    triaged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class IncidentPerson(WorkspaceMixin, Base):
    """Someone told the outcome of an incident: who reported it, or gave feedback linked to it."""

    __tablename__ = "trust_incident_person"
    __table_args__ = (UniqueConstraint("incident_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("trust_incident.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("directory_person.id", ondelete="CASCADE"))
    relation: Mapped[str] = mapped_column(String(20))


class ThemeRun(WorkspaceMixin, Base):
    """One grouping of feedback comments into themes, computed by a background job."""

    __tablename__ = "trust_theme_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_use_case.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    method: Mapped[str | None] = mapped_column(String(60))
    job_id: Mapped[int | None]
    comment_count: Mapped[int] = mapped_column(default=0)
    themes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
