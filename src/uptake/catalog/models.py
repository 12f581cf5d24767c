"""The catalog: AI tools, use cases (a concrete task in a concrete workflow) and their versioned use cards."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from uptake.catalog.schemas import Hosting, HumanOversight, UseCaseStatus
from uptake.db import Base, WorkspaceMixin, utcnow


def _enum(kind: type[enum.StrEnum], length: int = 40) -> Enum:
    return Enum(kind, native_enum=False, length=length, validate_strings=True)


class Tool(WorkspaceMixin, Base):
    """An AI tool the organization licenses or runs, with what a seat costs (licence waste reads this)."""

    __tablename__ = "catalog_tool"
    __table_args__ = (UniqueConstraint("workspace_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63))
    name: Mapped[str] = mapped_column(String(200))
    vendor: Mapped[str] = mapped_column(String(200))
    models: Mapped[list[str]] = mapped_column(JSON, default=list)
    hosting: Mapped[Hosting] = mapped_column(_enum(Hosting), default=Hosting.vendor_cloud)
    data_residency: Mapped[str | None] = mapped_column(String(200))
    licence_model: Mapped[str | None] = mapped_column(String(200))
    cost_per_seat_month: Mapped[float | None] = mapped_column(Numeric(12, 2, asdecimal=False))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    seats_purchased: Mapped[int | None]
    contract_renewal_on: Mapped[date | None]
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_person.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class UseCaseTool(WorkspaceMixin, Base):
    __tablename__ = "catalog_use_case_tool"
    __table_args__ = (UniqueConstraint("use_case_id", "tool_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_use_case.id", ondelete="CASCADE"), index=True
    )
    tool_id: Mapped[int] = mapped_column(ForeignKey("catalog_tool.id", ondelete="CASCADE"), index=True)

    tool: Mapped[Tool] = relationship(lazy="raise")


class UseCaseJobRole(WorkspaceMixin, Base):
    __tablename__ = "catalog_use_case_job_role"
    __table_args__ = (UniqueConstraint("use_case_id", "job_role_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_use_case.id", ondelete="CASCADE"), index=True
    )
    job_role_id: Mapped[int] = mapped_column(
        ForeignKey("directory_job_role.id", ondelete="CASCADE"), index=True
    )


class UseCaseTeam(WorkspaceMixin, Base):
    __tablename__ = "catalog_use_case_team"
    __table_args__ = (UniqueConstraint("use_case_id", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_use_case.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int] = mapped_column(ForeignKey("directory_team.id", ondelete="CASCADE"), index=True)


class UseCase(WorkspaceMixin, Base):
    """A concrete task in a concrete workflow done with AI. ``slug`` is the key telemetry, rollout and OFREP use."""

    __tablename__ = "catalog_use_case"
    __table_args__ = (UniqueConstraint("workspace_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    workflow: Mapped[str] = mapped_column(String(300), default="")
    workflow_step: Mapped[str] = mapped_column(String(300), default="")
    owning_team_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_team.id", ondelete="SET NULL"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_person.id", ondelete="SET NULL"), index=True
    )
    raci: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    allowed_data_classes: Mapped[list[str]] = mapped_column(JSON, default=list)
    human_oversight: Mapped[HumanOversight | None] = mapped_column(_enum(HumanOversight))
    target_adoption_percent: Mapped[float | None]
    target_acceptance_rate_percent: Mapped[float | None]
    target_minutes_saved_per_use: Mapped[float | None]
    estimated_minutes_saved_per_accepted_output: Mapped[float | None]
    required_training: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[UseCaseStatus] = mapped_column(
        _enum(UseCaseStatus), default=UseCaseStatus.draft, index=True
    )
    paused_from: Mapped[UseCaseStatus | None] = mapped_column(_enum(UseCaseStatus))
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    risk_tier: Mapped[str | None] = mapped_column(String(40), index=True)
    use_card_version: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("directory_person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    # Association rows are few per use case and always shown with it; lists load them with selectinload.
    tool_links: Mapped[list[UseCaseTool]] = relationship(lazy="raise", cascade="all, delete-orphan")
    job_role_links: Mapped[list[UseCaseJobRole]] = relationship(lazy="raise", cascade="all, delete-orphan")
    team_links: Mapped[list[UseCaseTeam]] = relationship(lazy="raise", cascade="all, delete-orphan")

    @property
    def tool_ids(self) -> list[int]:
        return sorted(link.tool_id for link in self.tool_links)

    @property
    def tool_slugs(self) -> list[str]:
        return sorted(link.tool.slug for link in self.tool_links)

    @property
    def target_job_role_ids(self) -> list[int]:
        return sorted(link.job_role_id for link in self.job_role_links)

    @property
    def target_team_ids(self) -> list[int]:
        return sorted(link.team_id for link in self.team_links)


class UseCardVersion(WorkspaceMixin, Base):
    """One published version of a use card: the six answers and the examples. Never changed once written."""

    __tablename__ = "catalog_use_card_version"
    __table_args__ = (UniqueConstraint("use_case_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_use_case.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    trust_output: Mapped[str] = mapped_column(Text, default="")
    role_impact: Mapped[str] = mapped_column(Text, default="")
    when_to_use: Mapped[str] = mapped_column(Text, default="")
    when_wrong: Mapped[str] = mapped_column(Text, default="")
    accountability: Mapped[str] = mapped_column(Text, default="")
    approvals: Mapped[str] = mapped_column(Text, default="")
    good_examples: Mapped[str] = mapped_column(Text, default="")
    bad_examples: Mapped[str] = mapped_column(Text, default="")
    changelog: Mapped[str] = mapped_column(String(500))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("directory_person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DataClass(WorkspaceMixin, Base):
    """A class of data a use case may touch. A workspace without rows uses the default four."""

    __tablename__ = "catalog_data_class"
    __table_args__ = (UniqueConstraint("workspace_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(1000), default="")
    rank: Mapped[int] = mapped_column(default=0)
