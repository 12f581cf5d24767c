"""Rollout: a plan per use case, its ordered waves, the gates between them, and use-card acknowledgements.

A wave names its audience by ids (teams, job roles, people) stored as JSON lists: the audience is read whole
with the wave every time the rollout state is published, and a team or person that disappears from the
directory simply stops matching. Gates keep their latest reading on the row (value, pass/fail and the data
behind it) so the gate page shows what the last evaluation saw without recomputing.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from uptake.db import Base, WorkspaceMixin, utcnow


class WaveState(enum.StrEnum):
    planned = "planned"
    active = "active"
    completed = "completed"
    held = "held"


class PromotionMode(enum.StrEnum):
    """How a wave whose gates all pass moves on: by itself, or once an approver agrees."""

    automatic = "automatic"
    approval = "approval"


class Comparison(enum.StrEnum):
    at_least = ">="
    more_than = ">"
    at_most = "<="
    less_than = "<"


def _enum(kind: type[enum.StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=20, validate_strings=True)


class RolloutPlan(WorkspaceMixin, Base):
    __tablename__ = "rollout_plan"
    __table_args__ = (UniqueConstraint("workspace_id", "use_case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_use_case.id", ondelete="CASCADE"), index=True
    )
    promotion_mode: Mapped[PromotionMode] = mapped_column(
        _enum(PromotionMode), default=PromotionMode.automatic
    )
    # Set when every gate of the active wave passed under approval mode: the promotion waits for an approver.
    promotion_requested_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    waves: Mapped[list[RolloutWave]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="RolloutWave.position"
    )


class RolloutWave(WorkspaceMixin, Base):
    __tablename__ = "rollout_wave"
    __table_args__ = (UniqueConstraint("plan_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("rollout_plan.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(63))
    state: Mapped[WaveState] = mapped_column(_enum(WaveState), default=WaveState.planned)
    planned_on: Mapped[date | None]
    team_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    job_role_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    person_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    percentage: Mapped[float | None]
    requires_training: Mapped[bool] = mapped_column(default=False)
    requires_acknowledgement: Mapped[bool] = mapped_column(default=False)
    held_reason: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]

    gates: Mapped[list[RolloutGate]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="RolloutGate.id"
    )


class RolloutGate(WorkspaceMixin, Base):
    """A condition on the wave's people that must hold before the next wave starts."""

    __tablename__ = "rollout_gate"

    id: Mapped[int] = mapped_column(primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("rollout_wave.id", ondelete="CASCADE"), index=True)
    metric: Mapped[str] = mapped_column(String(63))
    comparison: Mapped[Comparison] = mapped_column(_enum(Comparison))
    threshold: Mapped[float]
    last_value: Mapped[float | None]
    last_passed: Mapped[bool | None]
    last_evaluated_at: Mapped[datetime | None]
    # The figures behind the value (e.g. active and eligible people), or why there is no value.
    last_detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class UseCardAcknowledgement(WorkspaceMixin, Base):
    """A person confirmed they read a version of a use case's card; waves may require the current one."""

    __tablename__ = "rollout_use_card_acknowledgement"
    __table_args__ = (
        UniqueConstraint(
            "person_id", "use_case_id", "version", name="uq_rollout_use_card_ack_person_version"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("directory_person.id", ondelete="CASCADE"), index=True)
    use_case_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_use_case.id", ondelete="CASCADE", name="fk_rollout_use_card_ack_use_case"),
        index=True,
    )
    version: Mapped[int]
    acknowledged_at: Mapped[datetime] = mapped_column(default=utcnow)
