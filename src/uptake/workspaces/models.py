"""The workspace: one organization, the tenant every other table belongs to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from uptake.db import Base, utcnow


class Workspace(Base):
    __tablename__ = "workspace"
    __table_args__ = (CheckConstraint("privacy_floor >= 3", name="privacy_floor_at_least_3"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    privacy_floor: Mapped[int] = mapped_column(default=5)
    event_retention_days: Mapped[int] = mapped_column(default=730)
    working_days_only: Mapped[bool] = mapped_column(default=False)
    pseudonym_key: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
