"""Enablement's API input and output: training modules, quizzes, progress, learning paths, champions."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

MAX_ID = 2**63 - 1
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def _check_slug(value: str) -> str:
    if not SLUG_PATTERN.match(value):
        raise ValueError(
            "use lowercase letters, digits and hyphens, starting and ending with a letter or digit"
        )
    return value


Slug = Annotated[str, Field(min_length=1, max_length=63), AfterValidator(_check_slug)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
ProgressState = Literal["not_started", "in_progress", "locked", "completed", "expiring", "expired"]


class ModuleSource(BaseModel):
    """A module as Markdown with YAML front matter (docs/training-format.md)."""

    model_config = ConfigDict(extra="forbid")

    source: Annotated[str, Field(min_length=1, max_length=500_000)]


class Choice(BaseModel):
    text: str


class QuizQuestion(BaseModel):
    """A question as a learner sees it: the choices, never which are correct."""

    id: int
    position: int
    prompt: str
    kind: Literal["single", "multiple"]
    choices: list[Choice]


class Lesson(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    title: str
    body_markdown: str


class ModuleSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    title: str
    summary: str
    version: str
    estimated_minutes: int
    pass_mark_percent: int
    max_attempts: int | None
    recertification_grace_days: int
    status: Literal["draft", "published", "archived"]
    updated_at: datetime


class Module(ModuleSummary):
    lessons: list[Lesson]
    quiz: list[QuizQuestion]
    image_names: list[str]


class ModuleSaved(BaseModel):
    outcome: Literal["created", "updated", "unchanged"]
    module: ModuleSummary


class QuizSubmission(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # question id -> the indexes of the chosen choices
    answers: Annotated[
        dict[
            Annotated[str, Field(pattern=r"^[0-9]{1,18}$")],
            Annotated[list[Annotated[int, Field(ge=0, le=50)]], Field(max_length=50)],
        ],
        Field(max_length=200),
    ]


class QuestionFeedback(BaseModel):
    question_id: int
    prompt: str
    is_correct: bool
    explanation: str


class QuizResult(BaseModel):
    score_percent: float
    passed: bool
    pass_mark_percent: int
    attempts_used: int
    attempts_left: int | None
    feedback: list[QuestionFeedback]
    completed_at: datetime | None


class Completion(BaseModel):
    module_slug: str
    module_title: str
    version: str
    score_percent: float | None
    completed_at: datetime


class ModuleProgress(BaseModel):
    module_slug: str
    module_title: str
    module_version: str
    estimated_minutes: int
    state: ProgressState
    attempts_used: int
    attempts_left: int | None
    completion: Completion | None
    due_at: datetime | None


class Requirement(BaseModel):
    """Why modules are required of a person: a learning path of their role, or a use case aimed at them."""

    kind: Literal["learning_path", "use_case"]
    key: str
    title: str
    modules: list[ModuleProgress]
    is_satisfied: bool


class TrainingOverview(BaseModel):
    person_id: int
    requirements: list[Requirement]
    completions: list[Completion]


class LiteracyEntry(BaseModel):
    module_slug: str
    module_title: str
    version: str
    score_percent: float | None
    completed_at: datetime
    is_current: bool


class LiteracyRecord(BaseModel):
    person_id: int
    display_name: str
    email: str
    team: str | None
    job_role: str | None
    generated_at: datetime
    entries: list[LiteracyEntry]


class TeamCoverage(BaseModel):
    """One team with its subteams. Figures are None (``suppressed``) below the workspace's privacy floor."""

    team_id: int
    team_name: str
    depth: int
    people: int | None
    trained: int | None
    required_complete: int | None
    suppressed: bool
    suppression_reason: str | None


class LearningPathCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: Slug
    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=5000)] = ""
    job_role_id: Id | None = None
    module_slugs: Annotated[list[Slug], Field(max_length=100)] = []


class LearningPathUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    description: Annotated[str, Field(max_length=5000)] | None = None
    job_role_id: Id | None = None
    module_slugs: Annotated[list[Slug], Field(max_length=100)] | None = None


class LearningPath(BaseModel):
    id: int
    slug: str
    title: str
    description: str
    job_role_id: int | None
    module_slugs: list[str]


class ChampionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: Id
    team_id: Id | None = None
    use_case_slug: Slug | None = None
    note: Annotated[str, Field(max_length=300)] = ""

    @model_validator(mode="after")
    def _names_a_scope(self) -> ChampionCreate:
        if self.team_id is None and self.use_case_slug is None:
            raise ValueError("name a team_id, a use_case_slug, or both")
        return self


class Champion(BaseModel):
    id: int
    person_id: int
    display_name: str
    team_id: int | None
    use_case_slug: str | None
    note: str
