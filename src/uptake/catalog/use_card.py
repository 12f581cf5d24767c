"""The use card: the six questions every employee asks, plus good and bad examples; how complete a card is; and
the difference between two of its versions."""

from __future__ import annotations

import difflib
import enum
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from uptake.catalog.models import UseCardVersion, UseCase


@dataclass(frozen=True)
class UseCardSection:
    key: str
    title: str
    question: str
    hint: str
    thin_below_words: int


SECTIONS: tuple[UseCardSection, ...] = (
    UseCardSection(
        "trust_output",
        "Can I trust the output?",
        "Known strengths, known failure modes, and how to check the output.",
        "Name what it does well, where it goes wrong (with an example), and the check a person makes.",
        12,
    ),
    UseCardSection(
        "role_impact",
        "Will this replace part of my role?",
        "The role impact statement.",
        "Say plainly which tasks change, which stay, and what happens to the time saved.",
        12,
    ),
    UseCardSection(
        "when_to_use",
        "When should I use it, and when not?",
        "The situations it is meant for and the ones it is not.",
        "Give the cases it fits and at least one case where people must not use it.",
        12,
    ),
    UseCardSection(
        "when_wrong",
        "What happens if it's wrong?",
        "What to do, and how to report it.",
        "Say what to do with a wrong output and where to report it (the feedback button, an incident).",
        12,
    ),
    UseCardSection(
        "accountability",
        "Who is accountable?",
        "The owner and the RACI, in plain words.",
        "Name the accountable owner and who to ask; the RACI fields of the use case are shown beside it.",
        6,
    ),
    UseCardSection(
        "approvals",
        "How does this affect approvals?",
        "Which sign-offs stay human.",
        "List the decisions and sign-offs that remain with a person, whatever the AI suggests.",
        8,
    ),
    UseCardSection(
        "good_examples",
        "Good examples",
        "Prompts and outputs that show the intended use.",
        "Paste one or two real (anonymized) prompts with the output people should expect.",
        5,
    ),
    UseCardSection(
        "bad_examples",
        "Bad examples",
        "Prompts and outputs that show misuse or a failure.",
        "Show a prompt people must not send, or an output that must not be used, and why.",
        5,
    ),
)
SECTION_KEYS: tuple[str, ...] = tuple(section.key for section in SECTIONS)
SECTIONS_BY_KEY = {section.key: section for section in SECTIONS}


class Completeness(enum.StrEnum):
    complete = "complete"
    thin = "thin"
    missing = "missing"


@dataclass(frozen=True)
class CompletenessItem:
    field: str
    label: str
    state: Completeness
    message: str


@dataclass(frozen=True)
class CompletenessReport:
    items: list[CompletenessItem]

    @property
    def is_complete(self) -> bool:
        return all(item.state == Completeness.complete for item in self.items)

    @property
    def gaps(self) -> list[CompletenessItem]:
        return [item for item in self.items if item.state != Completeness.complete]


WORD = re.compile(r"\w+")


def count_words(text: str | None) -> int:
    return len(WORD.findall(text or ""))


def _text_item(field: str, label: str, text: str | None, thin_below: int) -> CompletenessItem:
    words = count_words(text)
    if words == 0:
        return CompletenessItem(field, label, Completeness.missing, "not answered yet")
    if words < thin_below:
        return CompletenessItem(
            field, label, Completeness.thin, f"only {words} words; say more (at least {thin_below})"
        )
    return CompletenessItem(field, label, Completeness.complete, "answered")


def _present(field: str, label: str, is_present: bool, missing_message: str) -> CompletenessItem:
    if is_present:
        return CompletenessItem(field, label, Completeness.complete, "set")
    return CompletenessItem(field, label, Completeness.missing, missing_message)


def check_completeness(use_case: UseCase, card: UseCardVersion | None) -> CompletenessReport:
    """Which answers and fields are missing or thin; a use case may leave draft only when none is."""
    items = [
        _text_item("summary", "Summary", use_case.summary, 8),
        _present("workflow", "Workflow", bool(use_case.workflow.strip()), "name the workflow it is part of"),
        _present(
            "workflow_step",
            "Step in the workflow",
            bool(use_case.workflow_step.strip()),
            "name the step where AI is used",
        ),
        _present(
            "owner_id", "Accountable owner", use_case.owner_id is not None, "choose the accountable owner"
        ),
        _present("tool_ids", "Tools", bool(use_case.tool_links), "choose at least one tool"),
        _present(
            "target_job_role_ids",
            "Target roles or teams",
            bool(use_case.job_role_links or use_case.team_links),
            "choose the job roles or teams it is for",
        ),
        _present(
            "allowed_data_classes",
            "Allowed data classes",
            bool(use_case.allowed_data_classes),
            "say which classes of data may be used",
        ),
        _present(
            "human_oversight",
            "Human oversight",
            use_case.human_oversight is not None,
            "choose how people oversee the output",
        ),
    ]
    for section in SECTIONS:
        text = getattr(card, section.key) if card is not None else ""
        items.append(_text_item(f"use_card.{section.key}", section.title, text, section.thin_below_words))
    return CompletenessReport(items)


class DiffLineKind(enum.StrEnum):
    same = "same"
    added = "added"
    removed = "removed"


@dataclass(frozen=True)
class DiffLine:
    kind: DiffLineKind
    text: str


@dataclass(frozen=True)
class SectionDiff:
    key: str
    title: str
    lines: list[DiffLine]

    @property
    def is_changed(self) -> bool:
        return any(line.kind != DiffLineKind.same for line in self.lines)


def diff_text(before: str, after: str) -> list[DiffLine]:
    """Line by line, as difflib's SequenceMatcher aligns them."""
    old_lines, new_lines = before.splitlines(), after.splitlines()
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for opcode, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if opcode == "equal":
            lines.extend(DiffLine(DiffLineKind.same, line) for line in old_lines[old_start:old_end])
            continue
        lines.extend(DiffLine(DiffLineKind.removed, line) for line in old_lines[old_start:old_end])
        lines.extend(DiffLine(DiffLineKind.added, line) for line in new_lines[new_start:new_end])
    return lines


def diff_use_cards(before: UseCardVersion | None, after: UseCardVersion) -> list[SectionDiff]:
    """The difference between two versions, section by section (``before`` None: everything was added)."""
    return [
        SectionDiff(
            section.key,
            section.title,
            diff_text(
                getattr(before, section.key) if before is not None else "", getattr(after, section.key)
            ),
        )
        for section in SECTIONS
    ]
