"""The FAQ of a use case: answered questions copied in by those who may answer them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from uptake.access.principal import Principal
from uptake.audit import service as audit_service
from uptake.comms import repository, schemas
from uptake.comms.models import FaqEntry
from uptake.comms.service.questions import NotAnAnswerer, may_answer, question_with_answers
from uptake.errors import Conflict, FieldError, InvalidInput, NotFound


class AnswerNotFound(NotFound):
    title = "There is no such answer to this question."


class AlreadyInFaq(Conflict):
    title = "This question is in the FAQ already."


def promote_to_faq(
    session: Session, workspace_id: int, question_id: int, body: schemas.FaqPromotion, *, actor: Principal
) -> FaqEntry:
    """Copy an answered question (and one of its answers, or an edited text) into its use case's FAQ."""
    question, answers = question_with_answers(session, workspace_id, question_id)
    if not may_answer(session, workspace_id, actor, question.use_case_slug):
        raise NotAnAnswerer(f"you are neither the owner nor a champion of {question.use_case_slug!r}")
    if repository.get_faq_for_question(session, workspace_id, question.id) is not None:
        raise AlreadyInFaq(f"question {question.id} is in the FAQ already")
    answer_text = body.answer_markdown
    if answer_text is None:
        chosen = [a for a in answers if body.answer_id is None or a.id == body.answer_id]
        if not chosen:
            if body.answer_id is not None:
                raise AnswerNotFound(f"answer {body.answer_id} does not belong to question {question.id}")
            raise InvalidInput(
                errors=[FieldError("answer_markdown", "the question has no answer yet; write one")]
            )
        answer_text = chosen[-1].body_markdown
    entry = FaqEntry(
        workspace_id=workspace_id,
        use_case_slug=question.use_case_slug,
        question=body.question or question.title,
        answer_markdown=answer_text,
        question_id=question.id,
        position=repository.next_faq_position(session, workspace_id, question.use_case_slug),
    )
    session.add(entry)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor.actor,
        action="comms.faq.promoted",
        target=f"faq_entry:{entry.id}",
        after={"question_id": question.id, "use_case_slug": entry.use_case_slug},
    )
    return entry


def list_faq(session: Session, workspace_id: int, use_case_slug: str) -> list[FaqEntry]:
    return repository.list_faq(session, workspace_id, use_case_slug)
