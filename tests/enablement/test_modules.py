"""enablement/service/modules.py: modules saved from their source, their images, what a learner sees."""

from __future__ import annotations

import pytest

from enablement.enablement_builders import make_module, make_use_case, module_source
from uptake.db import session_scope
from uptake.enablement.service import modules as modules_service
from uptake.enablement.training_format import parse_module_source
from uptake.errors import InvalidInput

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


def test_a_changed_module_must_raise_its_version_and_the_same_source_changes_nothing(world) -> None:
    workspace = world.workspace()
    make_module(world, workspace)
    with session_scope(world.factory, workspace) as session:
        with pytest.raises(InvalidInput) as raised:
            modules_service.save_module_source(
                session, workspace, module_source(lesson="Changed."), actor="t", author_id=None
            )
        assert [error.field for error in raised.value.errors] == ["version"]
        again = modules_service.save_module_source(
            session, workspace, module_source(), actor="t", author_id=None
        )
        assert again.outcome == "unchanged"
        fixed = modules_service.save_module_source(
            session, workspace, module_source(version="1.1", lesson="Changed."), actor="t", author_id=None
        )
        assert (fixed.outcome, fixed.module.version) == ("updated", "1.1")


def test_bad_front_matter_names_every_field_and_reason() -> None:
    source = """---
slug: Bad Slug
version: one
pass_mark: 140
quiz:
  - question: Pick one
    choices: [only one]
---
Body
"""
    with pytest.raises(InvalidInput) as raised:
        parse_module_source(source)
    fields = {error.field for error in raised.value.errors}
    assert {"slug", "title", "version", "pass_mark", "quiz[0].choices"} <= fields


def test_a_learner_sees_lessons_and_questions_of_published_modules_never_the_right_choices(world) -> None:
    workspace = world.workspace()
    slug = make_module(world, workspace)
    draft = make_module(
        world, workspace, module_source("not-yet").replace("---\n# Why", "status: draft\n---\n# Why")
    )
    with session_scope(world.factory, workspace) as session:
        module = modules_service.get_module_for_learner(session, workspace, slug)
        shown = modules_service.module_output(session, workspace, module)
        assert [lesson.title for lesson in shown.lessons] == ["Why prompts matter"]
        assert [choice.text for choice in shown.quiz[0].choices] == [
            "The task and its context",
            "Nothing; the assistant guesses",
        ]
        assert "correct" not in shown.model_dump_json()
        with pytest.raises(modules_service.ModuleNotOpen):
            modules_service.get_module_for_learner(session, workspace, draft)
        assert [item.slug for item in modules_service.list_modules(session, workspace)] == [slug]
        assert {
            item.slug for item in modules_service.list_modules(session, workspace, published_only=False)
        } == {slug, draft}


def test_a_use_case_requires_its_published_modules_in_its_order(world) -> None:
    workspace = world.workspace()
    first = make_module(world, workspace, module_source("first-steps"))
    second = make_module(world, workspace, module_source("second-steps"))
    make_use_case(world, workspace, "claims-letters", required_training=[second, "unknown-module", first])
    make_use_case(world, workspace, "no-training")
    with session_scope(world.factory, workspace) as session:
        required = modules_service.required_modules_for_use_case(session, workspace, "claims-letters")
        assert [(module.slug, module.version, module.status) for module in required] == [
            (second, "1.0", "published"),
            (first, "1.0", "published"),
        ]
        assert modules_service.required_modules_for_use_case(session, workspace, "no-training") == []


def test_images_are_stored_by_relative_name_and_refused_by_type_size_and_path(world) -> None:
    workspace = world.workspace()
    slug = make_module(world, workspace)
    with session_scope(world.factory, workspace) as session:
        modules_service.add_module_image(session, workspace, slug, "img/flow.png", PNG, actor="t")
        assert (
            modules_service.get_module_image(session, workspace, slug, "img/flow.png").content_type
            == "image/png"
        )
        module = modules_service.get_module(session, workspace, slug)
        assert modules_service.list_image_names(session, workspace, module) == ["img/flow.png"]
        for name, data in (
            ("flow.svg", PNG),
            ("../flow.png", PNG),
            ("big.png", b"0" * (modules_service.MAX_IMAGE_BYTES + 1)),
        ):
            with pytest.raises(modules_service.ImageRejected):
                modules_service.add_module_image(session, workspace, slug, name, data, actor="t")
        with pytest.raises(modules_service.ModuleNotFound):
            modules_service.get_module(session, workspace, "no-such-module")
