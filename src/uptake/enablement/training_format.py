"""The training module format: one Markdown file with YAML front matter (docs/training-format.md).

The same text is what the web editor edits and what ``uptake import training DIR`` reads, so content can live in
git and round-trip through the editor unchanged. :func:`parse_module_source` turns the text into a
:class:`ModuleDraft` or raises ``InvalidInput`` naming every field that is wrong (``quiz[2].choices``).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from uptake.errors import FieldError, InvalidInput

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
VERSION_PATTERN = re.compile(r"^(\d{1,4})\.(\d{1,4})$")
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
LESSON_HEADING = re.compile(r"^# +(.+?)\s*#*\s*$", re.MULTILINE)
IMAGE_REFERENCE = re.compile(r"!\[([^\]\n]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"\n]*\")?\s*\)")
KNOWN_KEYS = {
    "slug", "title", "summary", "version", "estimated_minutes", "pass_mark", "max_attempts",
    "recertification_grace_days", "status", "quiz",
}  # fmt: skip
MAX_SOURCE_CHARACTERS = 500_000


@dataclass(frozen=True)
class ChoiceDraft:
    text: str
    correct: bool


@dataclass(frozen=True)
class QuestionDraft:
    prompt: str
    kind: str
    choices: list[ChoiceDraft]
    explanation: str


@dataclass(frozen=True)
class LessonDraft:
    title: str
    body_markdown: str


@dataclass(frozen=True)
class ModuleDraft:
    slug: str
    title: str
    summary: str
    version_major: int
    version_minor: int
    estimated_minutes: int
    pass_mark_percent: int
    max_attempts: int | None
    recertification_grace_days: int
    status: str
    lessons: list[LessonDraft]
    questions: list[QuestionDraft]
    source: str
    image_references: list[str] = field(default_factory=list)

    @property
    def version(self) -> str:
        return f"{self.version_major}.{self.version_minor}"

    @property
    def content_sha256(self) -> str:
        """A digest of what a learner sees and is asked (not of the version number or the file's layout)."""
        content = {
            "title": self.title,
            "summary": self.summary,
            "estimated_minutes": self.estimated_minutes,
            "pass_mark": self.pass_mark_percent,
            "max_attempts": self.max_attempts,
            "lessons": [[lesson.title, lesson.body_markdown] for lesson in self.lessons],
            "quiz": [
                [q.prompt, q.kind, [[c.text, c.correct] for c in q.choices], q.explanation]
                for q in self.questions
            ],
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode("utf-8")).hexdigest()


def is_local_image(reference: str) -> bool:
    """Whether an image reference names a file that travels with the module (not a URL, not an absolute path)."""
    return (
        ":" not in reference
        and not reference.startswith(("/", "\\", "#"))
        and ".." not in reference.replace("\\", "/").split("/")
    )


def _text(value: Any, field_name: str, errors: list[FieldError], *, required: bool, limit: int) -> str:
    if value is None:
        if required:
            errors.append(FieldError(field_name, "is required"))
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        errors.append(FieldError(field_name, "must be text"))
        return ""
    text = str(value).strip()
    if required and not text:
        errors.append(FieldError(field_name, "must not be empty"))
    if len(text) > limit:
        errors.append(FieldError(field_name, f"must be at most {limit} characters"))
    return text


def _integer(
    value: Any, field_name: str, errors: list[FieldError], *, default: int, low: int, high: int
) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(FieldError(field_name, "must be a whole number"))
        return default
    if not low <= value <= high:
        errors.append(FieldError(field_name, f"must be between {low} and {high}"))
        return default
    return value


def _version(value: Any, errors: list[FieldError]) -> tuple[int, int]:
    if value is None:
        return 1, 0
    text = str(value).strip()
    if isinstance(value, int) and not isinstance(value, bool):
        text = f"{value}.0"
    match = VERSION_PATTERN.match(text)
    if match is None:
        errors.append(FieldError("version", "must be MAJOR.MINOR, for example 1.0 or 2.3"))
        return 1, 0
    return int(match.group(1)), int(match.group(2))


def _questions(value: Any, errors: list[FieldError]) -> list[QuestionDraft]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors.append(FieldError("quiz", "must be a list of questions"))
        return []
    if len(value) > 100:
        errors.append(FieldError("quiz", "may have at most 100 questions"))
        return []
    questions: list[QuestionDraft] = []
    for index, item in enumerate(value):
        where = f"quiz[{index}]"
        if not isinstance(item, dict):
            errors.append(FieldError(where, "must be a question with 'question' and 'choices'"))
            continue
        unknown = sorted(set(map(str, item)) - {"question", "kind", "choices", "explanation"})
        if unknown:
            errors.append(FieldError(where, f"unknown key(s): {', '.join(unknown)}"))
        prompt = _text(item.get("question"), f"{where}.question", errors, required=True, limit=2000)
        kind = str(item.get("kind", "single"))
        if kind not in ("single", "multiple"):
            errors.append(FieldError(f"{where}.kind", "must be single or multiple"))
            kind = "single"
        explanation = _text(
            item.get("explanation"), f"{where}.explanation", errors, required=False, limit=4000
        )
        raw_choices = item.get("choices")
        choices: list[ChoiceDraft] = []
        if not isinstance(raw_choices, list) or not 2 <= len(raw_choices) <= 12:
            errors.append(FieldError(f"{where}.choices", "must list between 2 and 12 choices"))
        else:
            for choice_index, choice in enumerate(raw_choices):
                choice_where = f"{where}.choices[{choice_index}]"
                if isinstance(choice, dict):
                    text = _text(
                        choice.get("text"), f"{choice_where}.text", errors, required=True, limit=1000
                    )
                    correct = choice.get("correct", False)
                    if not isinstance(correct, bool):
                        errors.append(FieldError(f"{choice_where}.correct", "must be true or false"))
                        correct = False
                else:
                    text = _text(choice, choice_where, errors, required=True, limit=1000)
                    correct = False
                choices.append(ChoiceDraft(text=text, correct=correct))
            right = sum(1 for choice in choices if choice.correct)
            if kind == "single" and right != 1:
                errors.append(
                    FieldError(
                        f"{where}.choices", "a single-choice question needs exactly one correct choice"
                    )
                )
            if kind == "multiple" and right < 1:
                errors.append(
                    FieldError(
                        f"{where}.choices", "a multiple-choice question needs at least one correct choice"
                    )
                )
        questions.append(QuestionDraft(prompt=prompt, kind=kind, choices=choices, explanation=explanation))
    return questions


def split_lessons(body: str, default_title: str) -> list[LessonDraft]:
    """Lessons are the body's level-1 sections (``# Title``, outside code fences); text before the first heading
    is a lesson too, titled after the module."""
    sections: list[tuple[str, list[str]]] = [(default_title, [])]
    fence: str | None = None
    for line in body.split("\n"):
        stripped = line.lstrip()
        marker = stripped[:3]
        if marker in ("```", "~~~"):
            fence = None if fence == marker else (fence or marker)
        heading = LESSON_HEADING.match(line) if fence is None else None
        if heading is not None:
            sections.append((heading.group(1).strip()[:200], []))
        else:
            sections[-1][1].append(line)
    lessons = [LessonDraft(title=title, body_markdown="\n".join(lines).strip()) for title, lines in sections]
    if not lessons[0].body_markdown:
        lessons = lessons[1:]
    return lessons


def parse_module_source(source: str, *, expected_slug: str | None = None) -> ModuleDraft:
    """Parse a module's Markdown-with-front-matter text; ``InvalidInput`` lists every problem found."""
    errors: list[FieldError] = []
    if len(source) > MAX_SOURCE_CHARACTERS:
        raise InvalidInput(
            errors=[FieldError("source", f"must be at most {MAX_SOURCE_CHARACTERS} characters")]
        )
    source = source.replace("\r\n", "\n").lstrip("\ufeff")
    match = FRONT_MATTER.match(source)
    if match is None:
        raise InvalidInput(
            "a training module starts with front matter between two '---' lines",
            errors=[FieldError("source", "must start with YAML front matter between two '---' lines")],
        )
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise InvalidInput(
            errors=[FieldError("source", f"the front matter is not valid YAML{where}")]
        ) from None
    if not isinstance(meta, dict):
        raise InvalidInput(
            errors=[FieldError("source", "the front matter must be a YAML mapping (key: value)")]
        )
    unknown = sorted(set(map(str, meta)) - KNOWN_KEYS)
    if unknown:
        errors.append(FieldError("source", f"unknown front matter key(s): {', '.join(unknown)}"))
    slug = _text(meta.get("slug"), "slug", errors, required=True, limit=63)
    if slug and not SLUG_PATTERN.match(slug):
        errors.append(FieldError("slug", "use lowercase letters, digits and hyphens, e.g. prompt-basics"))
    if expected_slug is not None and slug and slug != expected_slug:
        errors.append(FieldError("slug", f"must stay {expected_slug!r}; create a new module for a new slug"))
    title = _text(meta.get("title"), "title", errors, required=True, limit=200)
    summary = _text(meta.get("summary"), "summary", errors, required=False, limit=2000)
    major, minor = _version(meta.get("version"), errors)
    estimated_minutes = _integer(
        meta.get("estimated_minutes"), "estimated_minutes", errors, default=10, low=1, high=600
    )
    pass_mark = _integer(meta.get("pass_mark"), "pass_mark", errors, default=80, low=1, high=100)
    max_attempts: int | None = None
    if meta.get("max_attempts") not in (None, "unlimited"):
        max_attempts = _integer(meta.get("max_attempts"), "max_attempts", errors, default=3, low=1, high=100)
    grace = _integer(
        meta.get("recertification_grace_days"),
        "recertification_grace_days",
        errors,
        default=30,
        low=0,
        high=730,
    )
    status = str(meta.get("status", "published"))
    if status not in ("draft", "published", "archived"):
        errors.append(FieldError("status", "must be draft, published or archived"))
    questions = _questions(meta.get("quiz"), errors)
    body = source[match.end() :]
    lessons = split_lessons(body, title or "Lesson")
    if not lessons:
        errors.append(FieldError("lessons", "write at least one lesson below the front matter"))
    if len(lessons) > 50:
        errors.append(FieldError("lessons", "a module may have at most 50 lessons"))
    if errors:
        raise InvalidInput(errors=errors)
    references = sorted(
        {reference for _, reference in IMAGE_REFERENCE.findall(body) if is_local_image(reference)}
    )
    return ModuleDraft(
        slug=slug,
        title=title,
        summary=summary,
        version_major=major,
        version_minor=minor,
        estimated_minutes=estimated_minutes,
        pass_mark_percent=pass_mark,
        max_attempts=max_attempts,
        recertification_grace_days=grace,
        status=status,
        lessons=lessons,
        questions=questions,
        source=source,
        image_references=references,
    )
