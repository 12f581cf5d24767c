"""The directory: people, teams (a tree) and job roles of one workspace.

Teams form a tree through ``parent_id``; ``path`` repeats it as a materialized path (``/1/4/9/``: the ids from the
root down to the team itself), so "this team and all its subteams" is one indexed ``LIKE '/1/4/%'``. The service
keeps ``path`` correct on every create and move.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from uptake.db import Base, WorkspaceMixin, utcnow


class EmploymentStatus(enum.StrEnum):
    active = "active"
    leave = "leave"
    left = "left"


class Team(WorkspaceMixin, Base):
    __tablename__ = "directory_team"
    __table_args__ = (
        UniqueConstraint("workspace_id", "name"),
        UniqueConstraint("workspace_id", "external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_team.id", ondelete="SET NULL"), index=True
    )
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_person.id", ondelete="SET NULL", use_alter=True), index=True
    )
    path: Mapped[str] = mapped_column(String(1000), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    parent: Mapped[Team | None] = relationship(remote_side=[id], lazy="raise", foreign_keys=[parent_id])


class JobRole(WorkspaceMixin, Base):
    __tablename__ = "directory_job_role"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(1000))


class Person(WorkspaceMixin, Base):
    __tablename__ = "directory_person"
    __table_args__ = (
        UniqueConstraint("workspace_id", "external_id"),
        UniqueConstraint("workspace_id", "email"),
        UniqueConstraint("workspace_id", "user_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    display_name: Mapped[str] = mapped_column(String(200), index=True)
    job_title: Mapped[str | None] = mapped_column(String(200))
    job_role_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_job_role.id", ondelete="SET NULL"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_team.id", ondelete="SET NULL"), index=True
    )
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_person.id", ondelete="SET NULL"), index=True
    )
    location: Mapped[str | None] = mapped_column(String(200))
    employment_status: Mapped[EmploymentStatus] = mapped_column(
        Enum(EmploymentStatus, native_enum=False, length=20, validate_strings=True),
        default=EmploymentStatus.active,
    )
    start_date: Mapped[date | None]
    # The login name the identity provider knows this person by (SCIM ``userName``); None when not provisioned.
    user_name: Mapped[str | None] = mapped_column(String(320))
    # The SCIM attributes the identity provider sent that the directory does not model (name parts, phone
    # numbers…), kept so the provider reads back what it wrote. None for people never provisioned by SCIM.
    scim_attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Set when the identity provider deleted the SCIM user: the person stays (as left) but is no SCIM resource.
    scim_deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    team: Mapped[Team | None] = relationship(lazy="raise", foreign_keys=[team_id])
    job_role: Mapped[JobRole | None] = relationship(lazy="raise")
    manager: Mapped[Person | None] = relationship(remote_side=[id], lazy="raise")


class VendorAccount(WorkspaceMixin, Base):
    """A vendor's name for a person (a GitHub login, a Microsoft user principal name), so the usage and seats a
    vendor reports by account count for the person. `source` says who made the link: a people import or SCIM
    attribute, the vendor itself (a SAML identity, an email-shaped name), or someone by hand."""

    __tablename__ = "directory_vendor_account"
    __table_args__ = (UniqueConstraint("workspace_id", "vendor", "account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("directory_person.id", ondelete="CASCADE"), index=True)
    vendor: Mapped[str] = mapped_column(String(30))
    account: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
