"""The seat ledger's tables: contracts per tool, seats with their dates and source, the groups whose members
hold a tool's seats, and the reassignment queue (each tool's idle-seat policy, the waiting list, and one
reassignment per idle seat taken through its steps).

A seat is held by a directory person, by a vendor account not linked to anyone yet (a GitHub login), or both.
Its days are calendar dates: held from `assigned_on` until the day before `released_on` (NULL: still held),
the same rule as the analytics snapshots.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Enum, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from uptake.db import Base, WorkspaceMixin, utcnow


class SeatSource(enum.StrEnum):
    """Where a seat came from; a sync from one source never touches the seats of another."""

    manual = "manual"
    csv = "csv"
    scim_group = "scim_group"
    github = "github"
    microsoft_365 = "microsoft_365"


class PricePeriod(enum.StrEnum):
    month = "month"
    year = "year"


class WaitingStatus(enum.StrEnum):
    waiting = "waiting"
    fulfilled = "fulfilled"
    withdrawn = "withdrawn"


class ReassignmentStatus(enum.StrEnum):
    """A reassignment's steps. The `…_proposed` ones wait for a licence owner unless the policy is automatic."""

    notice_proposed = "notice_proposed"
    notice_sent = "notice_sent"
    release_proposed = "release_proposed"
    released = "released"
    assignment_proposed = "assignment_proposed"
    assigned = "assigned"
    kept = "kept"
    dismissed = "dismissed"


OPEN_REASSIGNMENT_STATUSES = frozenset(
    {
        ReassignmentStatus.notice_proposed,
        ReassignmentStatus.notice_sent,
        ReassignmentStatus.release_proposed,
        ReassignmentStatus.released,
        ReassignmentStatus.assignment_proposed,
    }
)


def _enum(kind: type[enum.StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=30, validate_strings=True)


class Contract(WorkspaceMixin, Base):
    """What the organization bought of a tool: seats, their price per month or year, and the renewal terms."""

    __tablename__ = "licences_contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("catalog_tool.id", ondelete="CASCADE"), index=True)
    seats_purchased: Mapped[int]
    price_per_seat: Mapped[float] = mapped_column(Numeric(12, 2, asdecimal=False))
    price_period: Mapped[PricePeriod] = mapped_column(_enum(PricePeriod), default=PricePeriod.month)
    currency: Mapped[str] = mapped_column(String(3))
    starts_on: Mapped[date]
    renews_on: Mapped[date | None]
    notice_days: Mapped[int] = mapped_column(default=0)
    reference: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def monthly_price_per_seat(self) -> float:
        return float(self.price_per_seat) / (12 if self.price_period == PricePeriod.year else 1)


class Seat(WorkspaceMixin, Base):
    """One licence seat of a tool, held from `assigned_on` until the day before `released_on`."""

    __tablename__ = "licences_seat"
    __table_args__ = (Index("ix_licences_seat_tool_held", "workspace_id", "tool_id", "released_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("catalog_tool.id", ondelete="CASCADE"))
    # An erased person takes their seats' history with them.
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_person.id", ondelete="CASCADE"), index=True
    )
    account: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[SeatSource] = mapped_column(_enum(SeatSource), default=SeatSource.manual)
    assigned_on: Mapped[date]
    released_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SeatGroup(WorkspaceMixin, Base):
    """A tool whose seats follow a directory group: its members (a SCIM group is a team; with its subteams
    when asked) hold a seat, synced with source `scim_group` whenever the group's members change."""

    __tablename__ = "licences_seat_group"
    __table_args__ = (UniqueConstraint("workspace_id", "tool_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("catalog_tool.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("directory_team.id", ondelete="CASCADE"), index=True)
    include_subteams: Mapped[bool] = mapped_column(default=True)
    synced_on: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SeatPolicy(WorkspaceMixin, Base):
    """A tool's idle-seat policy: a seat unused for `idle_days` is proposed for release after a notice and
    `grace_days`; `is_automatic` runs every step without waiting for a licence owner."""

    __tablename__ = "licences_seat_policy"
    __table_args__ = (UniqueConstraint("workspace_id", "tool_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("catalog_tool.id", ondelete="CASCADE"))
    idle_days: Mapped[int] = mapped_column(default=60)
    grace_days: Mapped[int] = mapped_column(default=14)
    is_automatic: Mapped[bool] = mapped_column(default=False)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SeatRequest(WorkspaceMixin, Base):
    """A person on a tool's waiting list: they asked for a seat (first come, first served)."""

    __tablename__ = "licences_seat_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("catalog_tool.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("directory_person.id", ondelete="CASCADE"), index=True)
    account: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(1000), default="")
    status: Mapped[WaitingStatus] = mapped_column(_enum(WaitingStatus), default=WaitingStatus.waiting)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    seat_id: Mapped[int | None] = mapped_column(ForeignKey("licences_seat.id", ondelete="SET NULL"))


class Reassignment(WorkspaceMixin, Base):
    """An idle seat on its way back to the pool and on to the next person waiting, one step at a time."""

    __tablename__ = "licences_reassignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("catalog_tool.id", ondelete="CASCADE"), index=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("licences_seat.id", ondelete="CASCADE"), index=True)
    status: Mapped[ReassignmentStatus] = mapped_column(
        _enum(ReassignmentStatus), default=ReassignmentStatus.notice_proposed, index=True
    )
    last_used_on: Mapped[date | None]
    idle_days: Mapped[int]
    grace_days: Mapped[int]
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    notified_on: Mapped[date | None]
    grace_ends_on: Mapped[date | None]
    released_on: Mapped[date | None]
    next_person_id: Mapped[int | None] = mapped_column(ForeignKey("directory_person.id", ondelete="SET NULL"))
    next_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("licences_seat_request.id", ondelete="SET NULL")
    )
    new_seat_id: Mapped[int | None] = mapped_column(ForeignKey("licences_seat.id", ondelete="SET NULL"))
    vendor_note: Mapped[str] = mapped_column(Text, default="")
    last_error: Mapped[str | None] = mapped_column(Text)
    closed_on: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
