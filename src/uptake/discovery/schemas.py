"""Discovery's input and output: the figures per discovered tool (behind the privacy floor), the named users
an admin may see, the workspace's own domains, and the decisions about a tool."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from uptake.catalog import schemas as catalog_schemas
from uptake.discovery.models import ToolStatus

ToolSlug = catalog_schemas.Slug
"""A catalog slug (lowercase letters, digits, hyphens): the tool and use case a candidate becomes keep it."""
DomainText = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=3, max_length=253)
]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TeamFigure(BaseModel):
    team: str
    people: int


class WeekFigure(BaseModel):
    week: date
    """The Monday the ISO week starts."""
    people: int | None
    """Distinct people that week; None when fewer than the privacy floor."""
    requests: int | None


class DiscoveredTool(BaseModel):
    """One AI tool seen in the discovery logs. Under the privacy floor (fewer than k distinct people) every
    figure is withheld: the tool's name and status show, nothing about its users."""

    slug: str
    name: str
    vendor: str
    category: str
    status: str
    """new, candidate, dismissed, blocked, or approved (in the catalog with a live use case)."""
    is_suppressed: bool
    people: int | None
    linked_people: int | None
    """Of `people`, how many the directory knows (the ones teams and notices can reach)."""
    requests: int | None
    bytes: int | None
    first_seen: date | None
    last_seen: date | None
    teams: list[TeamFigure]
    teams_withheld: bool
    """Some teams are not listed: fewer than k people each, or withheld so that none can be derived."""
    trend: list[WeekFigure]
    use_case_slug: str | None = None
    review_id: int | None = None
    decision_note: str = ""


class DiscoveryOverview(BaseModel):
    privacy_floor: int
    map_version: str
    tools: list[DiscoveredTool]


class NamedUser(BaseModel):
    """One person seen using a tool, for admins only (every view is audited)."""

    person_id: int | None
    name: str | None
    email: str | None
    team: str | None
    pseudonym: str
    requests: int
    bytes: int
    first_seen: date
    last_seen: date


class ServiceDomainCreate(Input):
    domain: DomainText
    tool_slug: ToolSlug
    tool_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    vendor: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    category: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=30)] = "chat"


class ServiceDomain(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    domain: str
    tool_slug: str
    tool_name: str
    vendor: str
    category: str
    created_at: datetime | None = None
    source: str = "workspace"


class CandidateCreate(Input):
    """A discovered tool proposed as a candidate: a catalog tool (if the slug is new) and a draft use case,
    sent to an intake review with the discovery figures attached."""

    tool_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    vendor: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    use_case_slug: ToolSlug
    use_case_title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    summary: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] = ""


class ToolDecisionCreate(Input):
    note: Note = ""


class ToolDecision(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    tool_slug: str
    status: ToolStatus
    note: str
    use_case_slug: str | None
    review_id: int | None
    people_told: int
    decided_by: str
    decided_at: datetime


class ImportSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    file_name: str
    log_format: str
    rows_read: int
    rows_matched: int
    rows_rejected: int
    first_day: date | None
    last_day: date | None
    imported_at: datetime
