"""Enablement: training modules (lessons, quiz, images), quiz attempts, completions, learning paths, champions.

A module's version is ``major.minor``. A new minor version fixes wording; a new major version changes what people
must know, so a completion of an older major version stays valid only for the module's grace period after the new
major version was published (``major_version_at`` + ``recertification_grace_days``). Use cases name the modules
they require by slug (``catalog_use_case.required_training``), so no foreign key crosses to the catalog.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from uptake.db import Base, WorkspaceMixin, utcnow


class ModuleStatus(enum.StrEnum):
    draft = "draft"
    published = "published"
    archived = "archived"


class QuestionKind(enum.StrEnum):
    single = "single"
    multiple = "multiple"


def _enum(kind: type[enum.StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=20, validate_strings=True)


class TrainingModule(WorkspaceMixin, Base):
    __tablename__ = "enablement_module"
    __table_args__ = (UniqueConstraint("workspace_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    estimated_minutes: Mapped[int] = mapped_column(default=10)
    version_major: Mapped[int] = mapped_column(default=1)
    version_minor: Mapped[int] = mapped_column(default=0)
    major_version_at: Mapped[datetime] = mapped_column(default=utcnow)
    recertification_grace_days: Mapped[int] = mapped_column(default=30)
    pass_mark_percent: Mapped[int] = mapped_column(default=80)
    # None: as many tries as the learner wants.
    max_attempts: Mapped[int | None] = mapped_column(default=3)
    status: Mapped[ModuleStatus] = mapped_column(_enum(ModuleStatus), default=ModuleStatus.published)
    # The module as written: Markdown with YAML front matter (docs/training-format.md). The editor edits it.
    source: Mapped[str] = mapped_column(Text, default="")
    content_sha256: Mapped[str] = mapped_column(String(64), default="")
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_person.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    lessons: Mapped[list[TrainingLesson]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="TrainingLesson.position"
    )
    questions: Mapped[list[QuizQuestion]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="QuizQuestion.position"
    )

    @property
    def version(self) -> str:
        return f"{self.version_major}.{self.version_minor}"


class TrainingLesson(WorkspaceMixin, Base):
    __tablename__ = "enablement_lesson"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("enablement_module.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text, default="")


class QuizQuestion(WorkspaceMixin, Base):
    __tablename__ = "enablement_quiz_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("enablement_module.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    prompt: Mapped[str] = mapped_column(Text)
    kind: Mapped[QuestionKind] = mapped_column(_enum(QuestionKind), default=QuestionKind.single)
    # [{"text": "...", "correct": true}, ...]
    choices: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    explanation: Mapped[str] = mapped_column(Text, default="")

    @property
    def correct_choices(self) -> set[int]:
        return {index for index, choice in enumerate(self.choices) if choice.get("correct")}


class ModuleImage(WorkspaceMixin, Base):
    """An image a lesson shows, stored and served by uptake itself (no picture is fetched from elsewhere)."""

    __tablename__ = "enablement_module_image"
    __table_args__ = (UniqueConstraint("module_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("enablement_module.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class QuizAttempt(WorkspaceMixin, Base):
    __tablename__ = "enablement_quiz_attempt"
    __table_args__ = (Index("ix_enablement_quiz_attempt_module_person", "module_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("enablement_module.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("directory_person.id", ondelete="CASCADE"), index=True)
    version_major: Mapped[int]
    version_minor: Mapped[int]
    # {"<question id>": [chosen choice indexes]}
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    score_percent: Mapped[float]
    passed: Mapped[bool]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class Completion(WorkspaceMixin, Base):
    """A person completed a module: the first pass of each major version is kept (score, version, date)."""

    __tablename__ = "enablement_completion"
    __table_args__ = (UniqueConstraint("module_id", "person_id", "version_major"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("enablement_module.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("directory_person.id", ondelete="CASCADE"), index=True)
    version_major: Mapped[int]
    version_minor: Mapped[int]
    # None for a module without a quiz (completed by reading it).
    score_percent: Mapped[float | None]
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def version(self) -> str:
        return f"{self.version_major}.{self.version_minor}"


class LearningPath(WorkspaceMixin, Base):
    """An ordered list of modules for a job role (or for anyone, when no role is set)."""

    __tablename__ = "enablement_learning_path"
    __table_args__ = (UniqueConstraint("workspace_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    job_role_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_job_role.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    steps: Mapped[list[LearningPathModule]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="LearningPathModule.position"
    )


class LearningPathModule(WorkspaceMixin, Base):
    __tablename__ = "enablement_learning_path_module"
    __table_args__ = (UniqueConstraint("learning_path_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learning_path_id: Mapped[int] = mapped_column(
        ForeignKey(
            "enablement_learning_path.id", ondelete="CASCADE", name="fk_enablement_learning_path_module_path"
        ),
        index=True,
    )
    module_id: Mapped[int] = mapped_column(ForeignKey("enablement_module.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)


class Champion(WorkspaceMixin, Base):
    """A person people can ask: for a team, for a use case, or for a use case within a team."""

    __tablename__ = "enablement_champion"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "person_id", "team_id", "use_case_slug", name="uq_enablement_champion_seat"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("directory_person.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_team.id", ondelete="CASCADE"), index=True
    )
    use_case_slug: Mapped[str | None] = mapped_column(String(63), index=True)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
