"""The directory's input and output: people, teams and job roles.

Other domains get people, teams and job roles as the frozen dataclasses at the end (``PersonSnapshot``,
``TeamSnapshot``, ``JobRoleSnapshot``): plain values, never the directory's tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from uptake.directory.models import EmploymentStatus

if TYPE_CHECKING:
    from uptake.directory.models import JobRole as JobRoleRow
    from uptake.directory.models import Person as PersonRow
    from uptake.directory.models import Team as TeamRow

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(value: str) -> str:
    email = value.strip().lower()
    if not EMAIL_PATTERN.match(email):
        raise ValueError("must be an email address such as ana.costa@example.com")
    return email


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- people -----------------------------------------------------------------------------------------------------


class PersonCreate(_Input):
    email: str = Field(max_length=320)
    display_name: str = Field(min_length=1, max_length=200)
    external_id: str | None = Field(default=None, min_length=1, max_length=200)
    job_title: str | None = Field(default=None, max_length=200)
    job_role_id: int | None = None
    team_id: int | None = None
    manager_id: int | None = None
    location: str | None = Field(default=None, max_length=200)
    employment_status: EmploymentStatus = EmploymentStatus.active
    start_date: date | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return normalize_email(value)


class PersonUpdate(_Input):
    """Only the fields sent change; send ``null`` to clear an optional field."""

    email: str | None = Field(default=None, max_length=320)
    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    external_id: str | None = Field(default=None, min_length=1, max_length=200)
    job_title: str | None = Field(default=None, max_length=200)
    job_role_id: int | None = None
    team_id: int | None = None
    manager_id: int | None = None
    location: str | None = Field(default=None, max_length=200)
    employment_status: EmploymentStatus | None = None
    start_date: date | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return normalize_email(value) if value is not None else None


class TeamReference(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str


class JobRoleReference(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str


class Person(BaseModel):
    """A person as the caller may see them: ``view`` is ``full`` for program leads, admins, the person
    themselves and the leads of their team; otherwise ``basic`` (name, title, team, job role) and the other
    fields are null."""

    id: int
    view: Literal["full", "basic"]
    display_name: str
    job_title: str | None
    team: TeamReference | None
    job_role: JobRoleReference | None
    external_id: str | None = None
    email: str | None = None
    manager_id: int | None = None
    location: str | None = None
    employment_status: EmploymentStatus | None = None
    start_date: date | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def of(cls, person: PersonRow, *, full: bool) -> Person:
        """Read ``person`` (team and job role loaded) as the full or the basic view."""
        basic = cls(
            id=person.id,
            view="full" if full else "basic",
            display_name=person.display_name,
            job_title=person.job_title,
            team=TeamReference.model_validate(person.team) if person.team is not None else None,
            job_role=JobRoleReference.model_validate(person.job_role)
            if person.job_role is not None
            else None,
        )
        if not full:
            return basic
        return basic.model_copy(
            update={
                "external_id": person.external_id,
                "email": person.email,
                "manager_id": person.manager_id,
                "location": person.location,
                "employment_status": person.employment_status,
                "start_date": person.start_date,
                "created_at": person.created_at,
                "updated_at": person.updated_at,
            }
        )


class PersonPage(BaseModel):
    items: list[Person]
    total: int
    limit: int
    offset: int


# -- teams ------------------------------------------------------------------------------------------------------


class TeamCreate(_Input):
    name: str = Field(min_length=1, max_length=200)
    parent_id: int | None = None
    external_id: str | None = Field(default=None, min_length=1, max_length=200)
    lead_id: int | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if "/" in value:
            raise ValueError("must not contain '/' (it separates the levels of a team path)")
        return value


class TeamUpdate(_Input):
    """Only the fields sent change. ``parent_id`` moves the team (with its subteams); ``null`` makes it top-level."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    parent_id: int | None = None
    external_id: str | None = Field(default=None, min_length=1, max_length=200)
    lead_id: int | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and "/" in value:
            raise ValueError("must not contain '/' (it separates the levels of a team path)")
        return value


class Team(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    external_id: str | None
    parent_id: int | None
    lead_id: int | None
    ancestor_ids: list[int] = Field(description="The ids from the top-level team down to the parent.")
    member_count: int = Field(description="People directly in this team (not its subteams).")
    created_at: datetime
    updated_at: datetime


class TeamPage(BaseModel):
    items: list[Team]
    total: int
    limit: int
    offset: int


# -- job roles --------------------------------------------------------------------------------------------------


class JobRoleCreate(_Input):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=1000)


class JobRoleUpdate(_Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=1000)


class JobRole(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str | None
    people_count: int = 0


class JobRolePage(BaseModel):
    items: list[JobRole]
    total: int
    limit: int
    offset: int


class PersonRecord(Person):
    """Everything the directory holds about one person: the full view, their user name and what the identity
    provider sent (a person's access request, their AI-literacy record)."""

    external_id: str
    email: str
    employment_status: EmploymentStatus
    user_name: str | None = None
    scim_attributes: dict[str, Any] | None = None

    @classmethod
    def of_row(cls, person: PersonRow) -> PersonRecord:
        """Read ``person`` (team and job role loaded)."""
        full = Person.of(person, full=True)
        return cls(**full.model_dump(), user_name=person.user_name, scim_attributes=person.scim_attributes)


# -- what other domains get: plain values -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonSnapshot:
    """The stored fields of one person, as plain values: what other domains get for a person, and what an import
    compares rows against."""

    id: int
    workspace_id: int
    external_id: str
    email: str
    display_name: str
    user_name: str | None
    job_title: str | None
    job_role_id: int | None
    team_id: int | None
    manager_id: int | None
    location: str | None
    employment_status: EmploymentStatus
    start_date: date | None

    @classmethod
    def of(cls, person: PersonRow) -> PersonSnapshot:
        return cls(
            id=person.id,
            workspace_id=person.workspace_id,
            external_id=person.external_id,
            email=person.email,
            display_name=person.display_name,
            user_name=person.user_name,
            job_title=person.job_title,
            job_role_id=person.job_role_id,
            team_id=person.team_id,
            manager_id=person.manager_id,
            location=person.location,
            employment_status=person.employment_status,
            start_date=person.start_date,
        )


@dataclass(frozen=True, slots=True)
class TeamSnapshot:
    """One team as plain values; ``path`` holds the ids from the top-level team down to this one (``/1/4/9/``)."""

    id: int
    name: str
    parent_id: int | None
    path: str
    lead_id: int | None
    external_id: str | None

    @classmethod
    def of(cls, team: TeamRow) -> TeamSnapshot:
        return cls(
            id=team.id,
            name=team.name,
            parent_id=team.parent_id,
            path=team.path,
            lead_id=team.lead_id,
            external_id=team.external_id,
        )


@dataclass(frozen=True, slots=True)
class JobRoleSnapshot:
    """One job role as plain values."""

    id: int
    name: str
    description: str | None

    @classmethod
    def of(cls, role: JobRoleRow) -> JobRoleSnapshot:
        return cls(id=role.id, name=role.name, description=role.description)
