"""Building training modules and use cases that require them, for the enablement and comms tests."""

from __future__ import annotations

from typing import Any

from support import World
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.db import session_scope
from uptake.enablement.service import modules as modules_service


def module_source(
    slug: str = "prompt-basics",
    *,
    version: str = "1.0",
    title: str = "Writing good prompts",
    quiz: bool = True,
    max_attempts: int | str = 3,
    lesson: str = "Say what you want, for whom, and in what form.",
) -> str:
    """A module with one lesson and (by default) a two-question quiz: the first answer of each is right."""
    questions = (
        """quiz:
  - question: What should a prompt say first?
    choices:
      - text: The task and its context
        correct: true
      - text: Nothing; the assistant guesses
    explanation: The assistant knows only what you tell it.
  - question: Who checks the output before it is sent?
    choices:
      - text: You do
        correct: true
      - text: Nobody
    explanation: You stay accountable for what you send.
"""
        if quiz
        else ""
    )
    return f"""---
slug: {slug}
title: {title}
summary: How to ask an AI assistant for what you need.
version: "{version}"
estimated_minutes: 10
pass_mark: 100
max_attempts: {max_attempts}
{questions}---
# Why prompts matter

{lesson}
"""


def make_module(world: World, workspace_id: int, source: str | None = None) -> Any:
    with session_scope(world.factory, workspace_id) as session:
        result = modules_service.save_module_source(
            session, workspace_id, source or module_source(), actor="test", author_id=None
        )
        return result.module.slug


def quiz_answers(session: Any, workspace_id: int, slug: str, right: bool) -> dict[int, list[int]]:
    """Answers to every question of the module's quiz: all right (the first choice) or all wrong."""
    module = modules_service.get_module(session, workspace_id, slug, with_content=True)
    return {question.id: [0 if right else 1] for question in module.questions}


def make_use_case(world: World, workspace_id: int, slug: str, **fields: Any) -> int:
    with session_scope(world.factory, workspace_id) as session:
        body = catalog_schemas.UseCaseCreate.model_validate(
            {"slug": slug, "title": fields.pop("title", f"Use case {slug}"), **fields}
        )
        return catalog_service.create_use_case(session, workspace_id, body, actor="test", author_id=None).id
