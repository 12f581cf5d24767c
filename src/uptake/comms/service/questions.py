"""Questions about a use case and their answers: asked (by name or anonymously), answered by the use case's
owner, its champions or a program lead, and the job that tells answerers of new and long-unanswered questions.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.audit import service as audit_service
from uptake.catalog import service as catalog_service
from uptake.comms import repository, schemas
from uptake.comms.models import Answer, Question, QuestionStatus
from uptake.comms.service.job_workspaces import job_workspace_ids, job_workspace_session
from uptake.comms.service.notifications import enqueue_notification
from uptake.db import utcnow
from uptake.enablement.service import champions as champions_service
from uptake.errors import Forbidden, NotFound
from uptake.jobs.service import JobContext


class QuestionNotFound(NotFound):
    title = "There is no such question."


class NotAnAnswerer(Forbidden):
    title = "Only the use case's owner, its champions and program leads answer its questions."


def _start_of_day(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


def ask_question(
    session: Session,
    workspace_id: int,
    body: schemas.QuestionCreate,
    *,
    asker: Principal,
    now: datetime | None = None,
) -> int:
    """Ask about a use case; returns the question's id. Asked anonymously, nothing about the asker is stored or
    logged: no asker id, no audit entry naming them, and only the day it was asked (an exact time could be matched
    against login activity). The owner and champions hear of it from a job that runs every quarter hour, not at
    the moment of asking."""
    now = now or utcnow()
    catalog_service.get_use_case_by_slug(session, workspace_id, body.use_case_slug)
    question = Question(
        workspace_id=workspace_id,
        use_case_slug=body.use_case_slug,
        title=body.title,
        body=body.body,
        asker_id=None if body.anonymous else asker.person_id,
        is_anonymous=body.anonymous,
        status=QuestionStatus.open,
        created_at=_start_of_day(now) if body.anonymous else now,
    )
    session.add(question)
    session.flush()
    if not body.anonymous:
        audit_service.record_audit_entry(
            session,
            workspace_id,
            actor=asker.actor,
            action="comms.question.asked",
            target=f"question:{question.id}",
            after={"use_case_slug": question.use_case_slug},
        )
    return question.id


def get_question(session: Session, workspace_id: int, question_id: int) -> Question:
    question = repository.get_question(session, workspace_id, question_id)
    if question is None:
        raise QuestionNotFound(f"question {question_id} does not exist", question_id=question_id)
    return question


def is_flagged(question: Question, *, flag_days: int, now: datetime | None = None) -> bool:
    return question.status == QuestionStatus.open and question.created_at < (now or utcnow()) - timedelta(
        days=flag_days
    )


def question_output(
    question: Question, answers: list[Answer], *, flag_days: int, viewer: Principal | None = None
) -> schemas.Question:
    sees_asker = viewer is not None and (
        viewer.person_id == question.asker_id or viewer.has_role(Role.program_lead)
    )
    return schemas.Question(
        id=question.id,
        use_case_slug=question.use_case_slug,
        title=question.title,
        body=question.body,
        is_anonymous=question.is_anonymous,
        asker_id=question.asker_id if sees_asker else None,
        status=question.status.value,
        asked_on=question.created_at,
        answered_at=question.answered_at,
        is_flagged=is_flagged(question, flag_days=flag_days),
        answers=[schemas.Answer.model_validate(answer) for answer in answers],
    )


def list_questions(
    session: Session,
    workspace_id: int,
    *,
    use_case_slug: str | None = None,
    status: QuestionStatus | None = None,
    limit: int = 100,
) -> list[tuple[Question, list[Answer]]]:
    questions = repository.list_questions(
        session, workspace_id, use_case_slug=use_case_slug, status=status, limit=limit
    )
    answers: dict[int, list[Answer]] = defaultdict(list)
    for answer in repository.list_answers(session, workspace_id, [question.id for question in questions]):
        answers[answer.question_id].append(answer)
    return [(question, answers[question.id]) for question in questions]


def question_with_answers(
    session: Session, workspace_id: int, question_id: int
) -> tuple[Question, list[Answer]]:
    question = get_question(session, workspace_id, question_id)
    return question, repository.list_answers(session, workspace_id, [question.id])


def answerer_ids(session: Session, workspace_id: int, use_case_slug: str) -> list[int]:
    """Who answers questions about a use case: its owner and its champions."""
    use_case = catalog_service.get_use_case_by_slug(session, workspace_id, use_case_slug)
    people = set(
        champions_service.list_champion_person_ids(session, workspace_id, use_case_slug=use_case_slug)
    )
    if use_case.owner_id is not None:
        people.add(use_case.owner_id)
    return sorted(people)


def may_answer(session: Session, workspace_id: int, principal: Principal, use_case_slug: str) -> bool:
    if principal.has_role(Role.program_lead):
        return True
    return principal.person_id is not None and principal.person_id in answerer_ids(
        session, workspace_id, use_case_slug
    )


def answer_question(
    session: Session,
    workspace_id: int,
    question_id: int,
    body: schemas.AnswerCreate,
    *,
    author: Principal,
    now: datetime | None = None,
) -> schemas.Answer:
    """Answer as the use case's owner, one of its champions, or a program lead; a named asker is notified."""
    now = now or utcnow()
    question = get_question(session, workspace_id, question_id)
    if not may_answer(session, workspace_id, author, question.use_case_slug):
        raise NotAnAnswerer(f"you are neither the owner nor a champion of {question.use_case_slug!r}")
    answer = Answer(
        workspace_id=workspace_id,
        question_id=question.id,
        body_markdown=body.body_markdown,
        author_id=author.person_id,
        created_at=now,
    )
    session.add(answer)
    question.status = QuestionStatus.answered
    question.answered_at = question.answered_at or now
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=author.actor,
        action="comms.question.answered",
        target=f"question:{question.id}",
        after={"answer_id": answer.id},
    )
    if question.asker_id is not None and question.asker_id != author.person_id:
        enqueue_notification(
            session,
            workspace_id,
            person_ids=[question.asker_id],
            subject=f"Your question was answered: {question.title}",
            body_markdown=body.body_markdown,
            category="answer",
            link=f"/questions/{question.id}",
            dedupe_key=f"answer:{answer.id}",
            now=now,
        )
    return schemas.Answer.model_validate(answer)


def notify_question_owners(context: JobContext) -> dict[str, Any]:
    """Every quarter hour: tell owners and champions of new questions, and (once) of questions unanswered for
    ``question_flag_days``. Batching keeps the moment of asking out of the outbox."""
    told, flagged = 0, 0
    flag_days = context.settings.question_flag_days
    for workspace_id in job_workspace_ids(context):
        with job_workspace_session(context, workspace_id) as session:
            now = utcnow()
            for question in repository.list_questions_to_tell_owners(session, workspace_id):
                people = _answerers_or_empty(session, workspace_id, question.use_case_slug)
                enqueue_notification(
                    session,
                    workspace_id,
                    person_ids=people,
                    subject=f"New question about {question.use_case_slug}: {question.title}",
                    body_markdown=question.body,
                    category="question",
                    link=f"/questions/{question.id}",
                    dedupe_key=f"question:{question.id}:asked",
                    now=now,
                )
                question.owners_notified = True
                told += 1
            for question in repository.list_unanswered_before(
                session, workspace_id, now - timedelta(days=flag_days)
            ):
                created = enqueue_notification(
                    session,
                    workspace_id,
                    person_ids=_answerers_or_empty(session, workspace_id, question.use_case_slug),
                    subject=f"Unanswered for {flag_days}+ days: {question.title}",
                    body_markdown=question.body,
                    category="question",
                    link=f"/questions/{question.id}",
                    dedupe_key=f"question:{question.id}:flagged",
                    now=now,
                )
                flagged += 1 if created else 0
            session.commit()
    return {"told": told, "flagged": flagged}


def _answerers_or_empty(session: Session, workspace_id: int, use_case_slug: str) -> list[int]:
    if catalog_service.find_use_case_by_slug(session, workspace_id, use_case_slug) is None:
        return []
    return answerer_ids(session, workspace_id, use_case_slug)


# -- a person's questions and answers, for access and erasure requests ------------------------------------------

ERASED_TEXT = "[removed: written by a person who was erased]"


def personal_questions_and_answers(
    session: Session, workspace_id: int, person_id: int
) -> dict[str, list[dict[str, Any]]]:
    """The questions the person asked under their name (anonymous ones are linked to no one) and their answers."""
    questions = repository.list_questions_asked_by(session, workspace_id, person_id)
    answers = repository.list_answers_written_by(session, workspace_id, person_id)
    return {
        "questions_asked": [
            {
                "id": question.id,
                "use_case": question.use_case_slug,
                "title": question.title,
                "body": question.body,
                "created_at": question.created_at,
            }
            for question in questions
        ],
        "answers_written": [
            {
                "question_id": answer.question_id,
                "body_markdown": answer.body_markdown,
                "created_at": answer.created_at,
            }
            for answer in answers
        ],
    }


def erase_person_questions_and_answers(session: Session, workspace_id: int, person_id: int) -> dict[str, int]:
    """Replace the texts of the person's questions and answers by :data:`ERASED_TEXT`; the threads stay, so the
    answers others gave still read in place."""
    questions = repository.list_questions_asked_by(session, workspace_id, person_id)
    for question in questions:
        question.title = ERASED_TEXT
        question.body = ""
    answers = repository.list_answers_written_by(session, workspace_id, person_id)
    for answer in answers:
        answer.body_markdown = ERASED_TEXT
    session.flush()
    return {"questions_redacted": len(questions), "answers_redacted": len(answers)}
