"""enablement/service/completions.py: completions by reading or in bulk (the same records as one by one, existing
ones kept, strangers refused), and how long an older one still counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from enablement.enablement_builders import make_module, make_use_case, module_source, quiz_answers
from uptake.audit import service as audit_service
from uptake.db import session_scope, utcnow
from uptake.enablement.service import completions as completions_service
from uptake.enablement.service import literacy as literacy_service
from uptake.enablement.service import modules as modules_service
from uptake.enablement.service import quizzes as quizzes_service
from uptake.errors import InvalidInput

NOW = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


def test_bulk_completions_count_in_the_literacy_record_and_keep_an_earlier_pass(world) -> None:
    workspace = world.workspace()
    first, second = world.person(workspace), world.person(workspace)
    slug = make_module(world, workspace)
    earlier = utcnow() - timedelta(days=40)
    with session_scope(world.factory, workspace) as session:
        module = modules_service.get_module(session, workspace, slug, with_content=True)
        right = {question.id: [0] for question in module.questions}
        quizzes_service.submit_quiz(session, workspace, slug, first, right)
        added = completions_service.record_completions_in_bulk(
            session, workspace, slug, {first: earlier, second: earlier}, actor="import", score_percent=90.0
        )
        assert added == 1
        assert (
            completions_service.record_completions_in_bulk(
                session, workspace, slug, {second: earlier}, actor="import"
            )
            == 0
        )
        entries = {
            p: literacy_service.literacy_record(session, workspace, p).entries for p in (first, second)
        }
        entries_of_audit = audit_service.list_audit_entries(
            session, workspace, action="enablement.completion.imported"
        )
    assert [(e.module_slug, e.score_percent) for e in entries[first]] == [(slug, 100.0)]
    assert [(e.module_slug, e.score_percent, e.completed_at.date()) for e in entries[second]] == [
        (slug, 90.0, earlier.date())
    ]
    assert len(entries_of_audit) == 2


def test_bulk_completions_refuse_people_outside_the_workspace_and_record_none(world) -> None:
    workspace, other = world.workspace(), world.workspace()
    member, stranger = world.person(workspace), world.person(other)
    slug = make_module(world, workspace)
    with session_scope(world.factory, workspace) as session:
        with pytest.raises(InvalidInput) as refused:
            completions_service.record_completions_in_bulk(
                session, workspace, slug, {member: utcnow(), stranger: utcnow()}, actor="import"
            )
        assert refused.value.errors[0].field == f"completions.{stranger}"
        assert literacy_service.literacy_record(session, workspace, member).entries == []


def test_a_module_without_a_quiz_is_completed_by_reading_it_once(world) -> None:
    workspace = world.workspace()
    learner = world.person(workspace)
    reading = make_module(world, workspace, module_source("reading-only", quiz=False))
    quizzed = make_module(world, workspace)
    with session_scope(world.factory, workspace) as session:
        first = completions_service.complete_reading(session, workspace, reading, learner, now=NOW)
        again = completions_service.complete_reading(
            session, workspace, reading, learner, now=NOW + timedelta(days=1)
        )
        assert (again.id, again.completed_at, again.score_percent, again.version) == (
            first.id,
            NOW,
            None,
            "1.0",
        )
        with pytest.raises(completions_service.ModuleHasQuiz):
            completions_service.complete_reading(session, workspace, quizzed, learner)
        recorded = audit_service.list_audit_entries(
            session, workspace, action="enablement.completion.recorded"
        )
        assert len(recorded) == 1


def test_an_older_completion_counts_until_the_grace_period_after_a_new_major_version(world) -> None:
    workspace = world.workspace()
    learner = world.person(workspace)
    slug = make_module(world, workspace)
    make_use_case(world, workspace, "claims-letters", required_training=[slug])
    with session_scope(world.factory, workspace) as session:
        quizzes_service.submit_quiz(
            session, workspace, slug, learner, quiz_answers(session, workspace, slug, True), now=NOW
        )
        assert completions_service.completions_for_use_case(
            session, workspace, "claims-letters", now=NOW
        ) == {learner: NOW}
        modules_service.save_module_source(
            session,
            workspace,
            module_source(version="2.0", lesson="New rules."),
            actor="t",
            author_id=None,
            now=NOW,
        )
        module = modules_service.get_module(session, workspace, slug)
        due = completions_service.recertification_due_at(module)
        assert due == NOW + timedelta(days=module.recertification_grace_days)
        still = completions_service.completions_for_use_case(
            session, workspace, "claims-letters", now=due - timedelta(seconds=1)
        )
        assert still == {learner: NOW}
        assert (
            completions_service.completions_for_use_case(session, workspace, "claims-letters", now=due) == {}
        )
