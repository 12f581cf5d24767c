"""Survey tables: surveys (readiness or pulse) with their questions, one-time invitations, responses.

An anonymous survey stores no link from a response (or an invitation) to a person: an invitation is a one-time
token's HMAC under the server's secret key (which the database does not hold) and the invitee's team when that
team has at least k invitees, nothing else, so a response cannot be traced back."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from uptake.db import Base, WorkspaceMixin, utcnow


class SurveyKind(enum.StrEnum):
    readiness = "readiness"
    pulse = "pulse"


class SurveyStatus(enum.StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"


def _enum(kind: type[enum.StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=20, validate_strings=True)


class Survey(WorkspaceMixin, Base):
    __tablename__ = "surveys_survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SurveyKind] = mapped_column(_enum(SurveyKind))
    title: Mapped[str] = mapped_column(String(200))
    introduction: Mapped[str] = mapped_column(Text, default="")
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    use_case_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_use_case.id", ondelete="SET NULL"))
    is_anonymous: Mapped[bool] = mapped_column(default=True)
    status: Mapped[SurveyStatus] = mapped_column(_enum(SurveyStatus), default=SurveyStatus.draft)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class Invitation(WorkspaceMixin, Base):
    """A one-time token to answer a survey: its keyed hash and the invitee's team (when at least k of the team are
    invited), never the person. A response does not point back to its invitation."""

    __tablename__ = "surveys_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys_survey.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("directory_team.id", ondelete="SET NULL"))
    # Whether it was used, not when: a time could be matched to a response's day.
    is_used: Mapped[bool] = mapped_column(default=False)


class Response(WorkspaceMixin, Base):
    """One respondent's answers (question key → 1-5, or 0-10 for the recommend item). `person_id` is set only
    on a survey that is not anonymous; the day, not the moment, is kept."""

    __tablename__ = "surveys_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys_survey.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("directory_team.id", ondelete="SET NULL"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("directory_person.id", ondelete="SET NULL"))
    answers: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    submitted_on: Mapped[date]
