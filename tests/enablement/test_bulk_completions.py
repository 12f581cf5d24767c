"""Recording many completions at once: the same records as one by one, existing ones kept, strangers refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from enablement.enablement_builders import make_module
from uptake.audit import service as audit_service
from uptake.db import session_scope, utcnow
from uptake.enablement.service import completions as completions_service
from uptake.enablement.service import literacy as literacy_service
from uptake.enablement.service import modules as modules_service
from uptake.enablement.service import quizzes as quizzes_service
from uptake.errors import InvalidInput


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
