"""comms/service/faq.py: answered questions copied into their use case's FAQ."""

from __future__ import annotations

import pytest

from comms.comms_builders import add_person, employee, program_lead
from enablement.enablement_builders import make_use_case
from uptake.comms import schemas
from uptake.comms.service import faq as faq_service
from uptake.comms.service import questions as questions_service
from uptake.db import session_scope
from uptake.errors import InvalidInput


def _question(session, workspace: int, asker: int, title: str) -> int:
    return questions_service.ask_question(
        session,
        workspace,
        schemas.QuestionCreate(use_case_slug="claims-letters", title=title),
        asker=employee(workspace, asker),
    )


def test_an_answered_question_goes_into_the_faq_once_with_its_latest_answer(world) -> None:
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        owner, asker = add_person(session, workspace, "Owner"), add_person(session, workspace, "Asker")
    make_use_case(world, workspace, "claims-letters", owner_id=owner)
    with session_scope(world.factory, workspace) as session:
        asked = _question(session, workspace, asker, "Can it write appeals?")
        for text in ("Not yet.", "Yes, since March."):
            questions_service.answer_question(
                session,
                workspace,
                asked,
                schemas.AnswerCreate(body_markdown=text),
                author=employee(workspace, owner),
            )
        entry = faq_service.promote_to_faq(
            session, workspace, asked, schemas.FaqPromotion(), actor=employee(workspace, owner)
        )
        assert (entry.question, entry.answer_markdown, entry.question_id) == (
            "Can it write appeals?",
            "Yes, since March.",
            asked,
        )
        with pytest.raises(faq_service.AlreadyInFaq):
            faq_service.promote_to_faq(
                session, workspace, asked, schemas.FaqPromotion(), actor=program_lead(workspace)
            )
        edited = _question(session, workspace, asker, "Is it free?")
        faq_service.promote_to_faq(
            session,
            workspace,
            edited,
            schemas.FaqPromotion(question="What does it cost?", answer_markdown="Nothing for you."),
            actor=program_lead(workspace),
        )
        faq = faq_service.list_faq(session, workspace, "claims-letters")
    assert [(item.question, item.answer_markdown) for item in faq] == [
        ("Can it write appeals?", "Yes, since March."),
        ("What does it cost?", "Nothing for you."),
    ]


def test_the_faq_refuses_what_has_no_answer_a_stranger_and_an_answer_of_another_question(world) -> None:
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        owner, asker = add_person(session, workspace, "Owner"), add_person(session, workspace, "Asker")
    make_use_case(world, workspace, "claims-letters", owner_id=owner)
    with session_scope(world.factory, workspace) as session:
        unanswered = _question(session, workspace, asker, "Anyone there?")
        with pytest.raises(InvalidInput) as raised:
            faq_service.promote_to_faq(
                session, workspace, unanswered, schemas.FaqPromotion(), actor=employee(workspace, owner)
            )
        assert [error.field for error in raised.value.errors] == ["answer_markdown"]
        with pytest.raises(questions_service.NotAnAnswerer):
            faq_service.promote_to_faq(
                session,
                workspace,
                unanswered,
                schemas.FaqPromotion(answer_markdown="x"),
                actor=employee(workspace, asker),
            )
        other = _question(session, workspace, asker, "Another one?")
        answer = questions_service.answer_question(
            session,
            workspace,
            other,
            schemas.AnswerCreate(body_markdown="Yes."),
            author=employee(workspace, owner),
        )
        with pytest.raises(faq_service.AnswerNotFound):
            faq_service.promote_to_faq(
                session,
                workspace,
                unanswered,
                schemas.FaqPromotion(answer_id=answer.id),
                actor=employee(workspace, owner),
            )
        assert faq_service.list_faq(session, workspace, "claims-letters") == []
