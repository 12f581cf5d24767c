"""The lifecycle: every move a program lead may make works and is audited; every other move is refused with the
allowed ones named; submission and the review's outcomes never go through the program lead's door.

The expected moves are written out by hand from the product's rules (draft → in review → approved → piloting →
rolling out → generally available; any active status → paused → back; any → retired; rejected), not read from the
transition table they check.
"""

from __future__ import annotations

import pytest

from uptake.audit import service as audit_service
from uptake.catalog import schemas, service
from uptake.catalog.lifecycle import (
    TRANSITIONS,
    TransitionActor,
    UseCaseStatus,
    describe_allowed,
    transitions_from,
)
from uptake.catalog.service import IllegalTransition

S = UseCaseStatus
LIVE = (S.approved, S.piloting, S.rolling_out, S.generally_available)

# Where a program lead may move a use case from each status (a paused one: back to where it was, or retired).
LEAD_MOVES: dict[S, set[S]] = {
    S.draft: {S.paused, S.retired},
    S.in_review: {S.draft, S.paused, S.retired},
    S.approved: {S.piloting, S.rolling_out, S.generally_available, S.paused, S.retired},
    S.piloting: {S.rolling_out, S.generally_available, S.paused, S.retired},
    S.rolling_out: {S.generally_available, S.paused, S.retired},
    S.generally_available: {S.paused, S.retired},
    S.rejected: {S.draft, S.retired},
    S.retired: set(),
}
# Moves only submission (draft → in review) or a review's outcome make.
GOVERNED_MOVES: dict[S, set[S]] = {
    S.draft: {S.in_review},
    S.in_review: {S.approved, S.rejected, S.draft},
    **{status: {S.rejected} for status in LIVE},
}
PAUSABLE = (S.draft, S.in_review, *LIVE)


def states() -> list[tuple[S, S | None]]:
    """Every status, and paused once for each status it can be paused from."""
    return [(status, None) for status in S if status != S.paused] + [
        (S.paused, origin) for origin in PAUSABLE
    ]


def lead_moves(status: S, paused_from: S | None) -> set[S]:
    if status == S.paused:
        assert paused_from is not None
        return {paused_from, S.retired}
    return LEAD_MOVES[status]


def test_only_a_review_reaches_approved_and_retired_is_final() -> None:
    """The one other way into "approved" is resuming a use case paused while approved (checked below)."""
    into_approved = {
        (transition.source, transition.actor, transition.action)
        for transition in TRANSITIONS
        if transition.target == S.approved
    }
    assert into_approved == {
        (S.in_review, TransitionActor.review, "approve"),
        (S.paused, TransitionActor.program_lead, "resume"),
    }
    assert S.approved not in {t.target for t in transitions_from(S.paused, paused_from=S.in_review)}
    assert transitions_from(S.retired) == []
    assert describe_allowed(S.retired) == "nothing (this status is final)"
    for status in S:
        if status != S.retired:
            assert S.retired in {t.target for t in transitions_from(status, paused_from=S.draft)}


def test_every_legal_move_works_and_is_audited_every_other_is_refused_naming_the_allowed(world) -> None:
    workspace = world.workspace()
    refused = moved = 0
    with world.session(workspace) as session:
        for index, (status, paused_from) in enumerate(states()):
            allowed_by_lead = lead_moves(status, paused_from)
            allowed_at_all = allowed_by_lead | (
                set() if status == S.paused else GOVERNED_MOVES.get(status, set())
            )
            for target in S:
                slug = f"case-{index}-{target.value.replace('_', '-')}"
                use_case = service.create_use_case(
                    session,
                    workspace,
                    schemas.UseCaseCreate(slug=slug, title=f"Case {slug}"),
                    actor="test",
                    author_id=None,
                )
                use_case.status, use_case.paused_from = status, paused_from
                session.flush()
                audited = audit_service.count_audit_entries(session, workspace)
                if target in allowed_by_lead:
                    service.change_use_case_status(
                        session, workspace, slug, target, actor="person:7", reason="checked"
                    )
                    assert (use_case.status, use_case.paused_from) == (
                        target,
                        status if target == S.paused else None,
                    )
                    [entry] = audit_service.list_audit_entries(
                        session,
                        workspace,
                        action="catalog.use_case.transitioned",
                        target=f"use_case:{use_case.id}",
                    )
                    assert entry.actor == "person:7"
                    assert entry.before["status"] == status.value
                    assert (entry.after["status"], entry.after["by"], entry.after["reason"]) == (
                        target.value,
                        "program_lead",
                        "checked",
                    )
                    moved += 1
                    continue
                with pytest.raises(IllegalTransition) as refusal:
                    service.change_use_case_status(session, workspace, slug, target, actor="person:7")
                error = refusal.value
                assert error.context["allowed"] == sorted(s.value for s in allowed_at_all), (status, target)
                assert error.context["current_status"] == status.value
                for allowed in allowed_at_all:
                    assert allowed.value in error.detail
                if target in GOVERNED_MOVES.get(status, set()) and status != S.paused:
                    assert "review" in error.detail
                assert use_case.status == status
                assert audit_service.count_audit_entries(session, workspace) == audited
                refused += 1
        session.rollback()
    assert moved == sum(len(lead_moves(status, origin)) for status, origin in states())
    assert moved + refused == len(states()) * len(S)


def test_governance_moves_only_where_the_table_allows(world) -> None:
    """Submission and a review's outcome come through ``record_governed_transition``, which refuses anything the
    table does not name for that actor: a review cannot approve a draft, and submission cannot approve."""
    workspace = world.workspace()
    with world.session(workspace) as session:
        use_case = service.create_use_case(
            session,
            workspace,
            schemas.UseCaseCreate(slug="replies", title="Replies"),
            actor="t",
            author_id=None,
        )
        for target, action, by in (
            (S.approved, "approve", TransitionActor.review),
            (S.approved, "submit", TransitionActor.submission),
            (S.in_review, "approve", TransitionActor.review),
        ):
            with pytest.raises(IllegalTransition) as refusal:
                service.record_governed_transition(
                    session, workspace, use_case.id, target, actor="t", action=action, by=by
                )
            assert refusal.value.context["allowed"] == ["in_review", "paused", "retired"]
        service.record_governed_transition(
            session,
            workspace,
            use_case.id,
            S.in_review,
            actor="t",
            action="submit",
            by=TransitionActor.submission,
        )
        assert use_case.status == S.in_review
        session.rollback()


def test_another_domain_holds_a_frozen_copy_of_the_use_case_and_asks_again_after_a_move(world) -> None:
    workspace = world.workspace()
    with world.session(workspace) as session:
        created = service.create_use_case(
            session,
            workspace,
            schemas.UseCaseCreate(slug="draft-replies", title="Draft replies"),
            actor="t",
            author_id=None,
        )
        ref = service.get_use_case_ref(session, workspace, "draft-replies")
        assert ref == schemas.UseCaseRef(
            id=created.id,
            slug="draft-replies",
            title="Draft replies",
            status=S.draft,
            paused_from=None,
            risk_tier=None,
            owner_id=None,
            use_card_version=0,
        )
        with pytest.raises(AttributeError):
            ref.status = S.retired  # type: ignore[misc]
        assert not hasattr(ref, "tool_links")
        service.pause_use_case(session, workspace, "draft-replies", actor="t")
        assert ref.status == S.draft
        assert service.get_use_case_ref_by_id(session, workspace, created.id).status == S.paused
        assert service.find_use_case_ref(session, workspace, "draft-replies") == service.get_use_case_ref(
            session, workspace, "draft-replies"
        )
        assert service.find_use_case_ref(session, workspace, "nothing-here") is None
        assert [
            found.slug for found in service.list_use_case_refs_by_ids(session, workspace, [created.id])
        ] == ["draft-replies"]
        assert service.is_published(ref) is False
