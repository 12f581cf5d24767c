"""Survey input and output: questions, surveys, sending to a cohort, answers, results behind the privacy floor."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from uptake.comms.schemas import Audience
from uptake.surveys.models import SurveyKind, SurveyStatus

Scale = Literal["likert5", "recommend10"]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class Question(BaseModel):
    """One item. `topic` is the readiness dimension or the pulse item it measures; a reversed item is scored
    6 - answer (agreeing is the bad end)."""

    model_config = ConfigDict(extra="forbid")

    key: Key
    topic: Key
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    scale: Scale = "likert5"
    is_reversed: bool = False


class SurveyTemplate(BaseModel):
    name: str
    kind: SurveyKind
    title: str
    introduction: str
    questions: list[Question]


class SurveyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template: Literal["readiness", "pulse"] | None = None
    kind: SurveyKind | None = None
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = (
        None
    )
    introduction: Annotated[str, StringConstraints(max_length=5000)] | None = None
    questions: Annotated[list[Question], Field(max_length=60)] | None = None
    use_case: Annotated[str, StringConstraints(max_length=63)] | None = None
    is_anonymous: bool = True


class SurveyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = (
        None
    )
    introduction: Annotated[str, StringConstraints(max_length=5000)] | None = None
    questions: Annotated[list[Question], Field(min_length=1, max_length=60)] | None = None
    is_anonymous: bool | None = None


class Survey(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: SurveyKind
    title: str
    introduction: str
    questions: list[Question]
    use_case: str | None
    is_anonymous: bool
    status: SurveyStatus
    invited: int
    responses: int
    created_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None


class SurveySend(BaseModel):
    model_config = ConfigDict(extra="forbid")

    audience: Audience


class SurveySent(BaseModel):
    invited: int


class SurveyAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, StringConstraints(min_length=10, max_length=100)]
    answers: Annotated[dict[Key, Annotated[int, Field(ge=0, le=10)]], Field(max_length=60)]


class AnswerRecorded(BaseModel):
    survey_id: int


class TopicResult(BaseModel):
    topic: str
    mean: float = Field(description="Mean answer, reversed items turned around (1-5; 0-10 for recommend)")
    score: float = Field(description="0-100")


class GroupResult(BaseModel):
    """The results of one team (or of everyone): None figures when suppressed."""

    team_id: int | None
    team: str
    respondents: int | None
    suppressed: str | None
    topics: list[TopicResult]
    readiness_score: float | None = None
    recommend_score: float | None = Field(default=None, description="eNPS-style: % 9-10 minus % 0-6")


class SurveyResults(BaseModel):
    survey_id: int
    kind: SurveyKind
    privacy_floor: int
    overall: GroupResult
    teams: list[GroupResult]
