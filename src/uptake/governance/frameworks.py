"""Control frameworks as data: the document format (``docs/frameworks.md``), the frameworks uptake ships, and
walking a framework's tree of controls.

A framework is a tree: top-level controls (NIST's functions, the AI Act's articles) hold child controls, to any
depth. Use cases map to the leaves (controls with no children); coverage counts the leaves. uptake ships NIST AI
RMF 1.0 and the EU AI Act's deployer obligations; a workspace adds its own (ISO/IEC 42001, an internal policy)
in the same format.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from uptake.errors import FieldError
from uptake.governance.questionnaire import PolicyDocumentInvalid

FrameworkSlug = Annotated[str, Field(pattern=r"^[a-z0-9](?:[a-z0-9.-]{0,61}[a-z0-9])?$")]
ControlId = Annotated[str, Field(min_length=1, max_length=100)]
MAX_DEPTH = 6
MAX_CONTROLS = 2000

SHIPPED_FRAMEWORK_FILES = ("nist-ai-rmf-1.0.json", "eu-ai-act-deployers.yaml")


class Control(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: ControlId
    title: Annotated[str, Field(max_length=300)] = ""
    text: Annotated[str, Field(max_length=5000)] = ""
    reference: Annotated[str, Field(max_length=300)] = ""
    applies_to: tuple[Annotated[str, Field(max_length=60)], ...] = ()
    controls: tuple[Control, ...] = ()

    @property
    def is_leaf(self) -> bool:
        return not self.controls

    @property
    def label(self) -> str:
        return self.title or self.text


class FrameworkDocument(BaseModel):
    """One framework: what it is, where it comes from, and its tree of controls."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slug: FrameworkSlug
    name: Annotated[str, Field(min_length=1, max_length=200)]
    version: Annotated[str, Field(max_length=100)] = ""
    publisher: Annotated[str, Field(max_length=300)] = ""
    source: Annotated[str, Field(max_length=1000)] = ""
    licence: Annotated[str, Field(max_length=300)] = ""
    description: Annotated[str, Field(max_length=5000)] = ""
    levels: tuple[Annotated[str, Field(min_length=1, max_length=60)], ...] = ()
    controls: tuple[Control, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct_ids(self) -> FrameworkDocument:
        seen: set[str] = set()
        count = 0
        for control, depth in walk_controls(self.controls):
            count += 1
            if depth > MAX_DEPTH:
                raise ValueError(f"control {control.id!r} is nested deeper than {MAX_DEPTH} levels")
            if control.id in seen:
                raise ValueError(f"the control id {control.id!r} appears twice")
            seen.add(control.id)
        if count > MAX_CONTROLS:
            raise ValueError(f"a framework holds at most {MAX_CONTROLS} controls")
        return self

    def leaves(self) -> list[Control]:
        return [control for control, _ in walk_controls(self.controls) if control.is_leaf]

    def find(self, control_id: str) -> Control | None:
        return next(
            (control for control, _ in walk_controls(self.controls) if control.id == control_id), None
        )


def walk_controls(controls: tuple[Control, ...], depth: int = 1) -> Iterator[tuple[Control, int]]:
    """Every control, parents before their children, with its depth (1 for the top level)."""
    for control in controls:
        yield control, depth
        yield from walk_controls(control.controls, depth + 1)


def parse_framework(source: str) -> FrameworkDocument:
    """Read a framework from YAML or JSON text (JSON is YAML); PolicyDocumentInvalid names every problem."""
    try:
        document = yaml.safe_load(source)
    except yaml.YAMLError as error:
        raise PolicyDocumentInvalid([FieldError("source", f"neither valid YAML nor JSON: {error}")]) from None
    if not isinstance(document, dict):
        raise PolicyDocumentInvalid(
            [FieldError("source", "the document must be a mapping with slug, name, controls")]
        )
    return validate_framework(document)


def validate_framework(document: object) -> FrameworkDocument:
    try:
        return FrameworkDocument.model_validate(document)
    except ValidationError as error:
        raise PolicyDocumentInvalid(
            [
                FieldError(
                    ".".join(str(part) for part in item["loc"]) or "source",
                    str(item["msg"]).removeprefix("Value error, "),
                )
                for item in error.errors()
            ]
        ) from None


@cache
def shipped_frameworks() -> tuple[FrameworkDocument, ...]:
    """The frameworks every workspace has: NIST AI RMF 1.0 and the EU AI Act's deployer obligations."""
    folder = resources.files("uptake.governance").joinpath("data/frameworks")
    found = []
    for name in SHIPPED_FRAMEWORK_FILES:
        text = folder.joinpath(name).read_text("utf-8")
        found.append(
            validate_framework(json.loads(text)) if name.endswith(".json") else parse_framework(text)
        )
    return tuple(found)


@dataclass(frozen=True)
class ControlRow:
    """A control as the coverage view lists it: its place in the tree and whether use cases map to it."""

    control: Control
    depth: int
    parent_id: str | None


def control_rows(framework: FrameworkDocument) -> list[ControlRow]:
    rows: list[ControlRow] = []

    def visit(controls: tuple[Control, ...], depth: int, parent_id: str | None) -> None:
        for control in controls:
            rows.append(ControlRow(control, depth, parent_id))
            visit(control.controls, depth + 1, control.id)

    visit(framework.controls, 1, None)
    return rows
