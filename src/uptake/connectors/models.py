"""The connectors' tables: each configured vendor connection of a workspace (its secret encrypted), and each
run of it (a test or a sync) with what it read, stored and skipped.

A connector remembers the last day of usage it synced (`synced_through`), so the next sync starts the day
after; the days before were stored already, and the event store's ids make a day read twice store nothing.
`failing_since` is the first day of the current streak of failed runs (NULL after a success), and
`failure_notified_on` the day the admins were told about that streak.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from uptake.db import Base, WorkspaceMixin, utcnow


class ConnectorKind(enum.StrEnum):
    github_copilot = "github_copilot"
    microsoft_365_copilot = "microsoft_365_copilot"


class RunKind(enum.StrEnum):
    test = "test"
    sync = "sync"


class RunStatus(enum.StrEnum):
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


def _enum(kind: type[enum.StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=30, validate_strings=True)


class Connector(WorkspaceMixin, Base):
    """One vendor connection: where it is (`base_url`, and the vendor's own names in `options`), how to sign
    in (`secret_encrypted`: a Fernet token under the installation's secret key), and where its data goes
    (the catalog tool and use case its seats and events count for)."""

    __tablename__ = "connectors_connector"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63))
    kind: Mapped[ConnectorKind] = mapped_column(_enum(ConnectorKind))
    tool: Mapped[str] = mapped_column(String(63))
    use_case: Mapped[str] = mapped_column(String(63))
    base_url: Mapped[str] = mapped_column(String(500))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secret_encrypted: Mapped[str] = mapped_column(Text)
    backfill_days: Mapped[int]
    is_enabled: Mapped[bool] = mapped_column(default=True)
    synced_through: Mapped[date | None]
    failing_since: Mapped[date | None]
    failure_notified_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ConnectorRun(WorkspaceMixin, Base):
    """One test or sync of a connector: when, how it ended, and what it read, stored and skipped (and why)."""

    __tablename__ = "connectors_run"
    __table_args__ = (Index("ix_connectors_run_connector_started", "connector_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    connector_id: Mapped[int] = mapped_column(ForeignKey("connectors_connector.id", ondelete="CASCADE"))
    kind: Mapped[RunKind] = mapped_column(_enum(RunKind))
    trigger: Mapped[str] = mapped_column(String(30))
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    days_from: Mapped[date | None]
    days_to: Mapped[date | None]
    read: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    stored: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    skipped: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(Text, default="")
