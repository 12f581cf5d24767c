"""Shadow-AI discovery's tables: each imported log file, the AI-service traffic found in it (one row per day,
person, tool and domain), the domains a workspace adds to the shipped map, and what was decided about a tool.

A sighting names its person by pseudonym only (the same keyed hash as telemetry's events), plus the directory
person it was linked to by email when the import knew them; browsing of sites that are not AI services is never
stored.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from uptake.db import Base, WorkspaceMixin, utcnow


class LogFormat(enum.StrEnum):
    """The export formats the import reads (docs/discovery.md gives their columns)."""

    generic = "generic"
    umbrella = "umbrella"


class ToolStatus(enum.StrEnum):
    """What was decided about a discovered tool; a tool with no decision is `new`."""

    new = "new"
    candidate = "candidate"
    dismissed = "dismissed"
    blocked = "blocked"


def _enum(kind: type[enum.StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=30, validate_strings=True)


class LogImport(WorkspaceMixin, Base):
    """One imported file, known by its SHA-256 so the same file twice adds nothing."""

    __tablename__ = "discovery_log_import"
    __table_args__ = (UniqueConstraint("workspace_id", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(300), default="")
    log_format: Mapped[LogFormat] = mapped_column(_enum(LogFormat))
    digest: Mapped[str] = mapped_column(String(64))
    rows_read: Mapped[int] = mapped_column(default=0)
    rows_matched: Mapped[int] = mapped_column(default=0)
    rows_rejected: Mapped[int] = mapped_column(default=0)
    first_day: Mapped[date | None]
    last_day: Mapped[date | None]
    actor: Mapped[str] = mapped_column(String(60), default="system")
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class Sighting(WorkspaceMixin, Base):
    """One person's traffic to one AI service's domain on one day (UTC), from one imported file."""

    __tablename__ = "discovery_sighting"
    __table_args__ = (Index("ix_discovery_sighting_tool_day", "workspace_id", "tool_slug", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(
        ForeignKey("discovery_log_import.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date]
    tool_slug: Mapped[str] = mapped_column(String(63))
    domain: Mapped[str] = mapped_column(String(253))
    person_key: Mapped[str] = mapped_column(String(32), index=True)
    # An erased person's sightings go with them, as their events do.
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_person.id", ondelete="CASCADE"), index=True
    )
    requests: Mapped[int] = mapped_column(default=0)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)


class ServiceDomain(WorkspaceMixin, Base):
    """A domain the workspace maps to an AI tool, beside (or instead of) the shipped map's entry."""

    __tablename__ = "discovery_service_domain"
    __table_args__ = (UniqueConstraint("workspace_id", "domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(253))
    tool_slug: Mapped[str] = mapped_column(String(63))
    tool_name: Mapped[str] = mapped_column(String(200))
    vendor: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(30), default="chat")
    created_by: Mapped[str] = mapped_column(String(60), default="system")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ToolDecision(WorkspaceMixin, Base):
    """What was decided about a discovered tool: a candidate sent to review, dismissed, or blocked."""

    __tablename__ = "discovery_tool_decision"
    __table_args__ = (UniqueConstraint("workspace_id", "tool_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_slug: Mapped[str] = mapped_column(String(63))
    status: Mapped[ToolStatus] = mapped_column(_enum(ToolStatus))
    note: Mapped[str] = mapped_column(Text, default="")
    use_case_slug: Mapped[str | None] = mapped_column(String(63))
    review_id: Mapped[int | None]
    people_told: Mapped[int] = mapped_column(default=0)
    decided_by: Mapped[str] = mapped_column(String(60))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
