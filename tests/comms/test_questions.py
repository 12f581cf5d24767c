"""comms/service/questions.py: questions about a use case, who answers them, and the job that tells answerers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from comms.comms_builders import add_person, employee, program_lead
from enablement.enablement_builders import make_use_case
from support import job_context
from uptake.audit import service as audit_service
from uptake.comms import schemas
from uptake.comms.service import notifications as notifications_service
from uptake.comms.service import questions as questions_service
from uptake.db import session_scope
from uptake.enablement.schemas import ChampionCreate
from uptake.enablement.service import champions as champions_service
from uptake.errors import NotFound

NOW = datetime(2025, 3, 4, 15, 30, tzinfo=UTC)


def _people(world, workspace: int) -> dict[str, int]:
    """An owner of ``claims-letters``, a champion of it, an asker and a bystander."""
    with session_scope(world.factory, workspace) as session:
        people = {
            name: add_person(session, workspace, name.title())
            for name in ("owner", "champion", "asker", "other")
        }
    make_use_case(world, workspace, "claims-letters", owner_id=people["owner"])
    with session_scope(world.factory, workspace) as session:
        champions_service.nominate_champion(
            session,
            workspace,
            ChampionCreate(person_id=people["champion"], use_case_slug="claims-letters"),
            nominated_by=program_lead(workspace),
        )
    return people


def test_the_owner_and_champions_answer_and_a_named_asker_hears_of_it(world) -> None:
    workspace = world.workspace()
    people = _people(world, workspace)
    with session_scope(world.factory, workspace) as session:
        assert questions_service.answerer_ids(session, workspace, "claims-letters") == sorted(
            [people["owner"], people["champion"]]
        )
        asked = questions_service.ask_question(
            session,
            workspace,
            schemas.QuestionCreate(use_case_slug="claims-letters", title="May I use it for appeals?"),
            asker=employee(workspace, people["asker"]),
            now=NOW,
        )
        with pytest.raises(questions_service.NotAnAnswerer):
            questions_service.answer_question(
                session,
                workspace,
                asked,
                schemas.AnswerCreate(body_markdown="Sure"),
                author=employee(workspace, people["other"]),
            )
        answer = questions_service.answer_question(
            session,
            workspace,
            asked,
            schemas.AnswerCreate(body_markdown="Not yet."),
            author=employee(workspace, people["champion"]),
            now=NOW + timedelta(hours=1),
        )
        assert (answer.body_markdown, answer.author_id) == ("Not yet.", people["champion"])
        question, answers = questions_service.question_with_answers(session, workspace, asked)
        assert (question.status.value, question.answered_at, question.created_at) == (
            "answered",
            NOW + timedelta(hours=1),
            NOW,
        )
        assert [item.id for item in answers] == [answer.id]
        told = notifications_service.list_inbox(session, workspace, people["asker"])
        assert [item.subject for item in told] == ["Your question was answered: May I use it for appeals?"]
        assert [
            entry.target
            for entry in audit_service.list_audit_entries(session, workspace, action="comms.question.asked")
        ] == [f"question:{asked}"]
        with pytest.raises(NotFound):
            questions_service.get_question(session, workspace, asked + 100)


def test_an_anonymous_question_keeps_only_its_day_and_no_asker(world) -> None:
    workspace = world.workspace()
    people = _people(world, workspace)
    asker = employee(workspace, people["asker"])
    with session_scope(world.factory, workspace) as session:
        asked = questions_service.ask_question(
            session,
            workspace,
            schemas.QuestionCreate(
                use_case_slug="claims-letters", title="Does it keep my prompts?", anonymous=True
            ),
            asker=asker,
            now=NOW,
        )
        question, _ = questions_service.question_with_answers(session, workspace, asked)
        assert (question.asker_id, question.is_anonymous) == (None, True)
        assert question.created_at == datetime(2025, 3, 4, tzinfo=UTC)
        assert audit_service.list_audit_entries(session, workspace, action="comms.question.asked") == []
        assert not questions_service.is_flagged(question, flag_days=5, now=NOW + timedelta(days=4))
        assert questions_service.is_flagged(question, flag_days=5, now=NOW + timedelta(days=5))
        shown = questions_service.question_output(question, [], flag_days=5, viewer=asker)
        assert (shown.asker_id, shown.status) == (None, "open")


def test_the_job_tells_answerers_of_new_questions_once_and_of_long_unanswered_ones_once(world) -> None:
    workspace = world.workspace()
    people = _people(world, workspace)
    flag_days = world.settings.question_flag_days
    with time_machine.travel(NOW, tick=False), session_scope(world.factory, workspace) as session:
        questions_service.ask_question(
            session,
            workspace,
            schemas.QuestionCreate(use_case_slug="claims-letters", title="Which letters?"),
            asker=employee(workspace, people["asker"]),
        )

    def run() -> dict[str, int]:
        with world.session() as runner:
            return questions_service.notify_question_owners(
                job_context(world, runner, "comms.notify_question_owners", workspace)
            )

    with time_machine.travel(NOW + timedelta(minutes=15), tick=False):
        assert run() == {"told": 1, "flagged": 0}
        assert run() == {"told": 0, "flagged": 0}
    with time_machine.travel(NOW + timedelta(days=flag_days, hours=1), tick=False):
        assert run() == {"told": 0, "flagged": 1}
        assert run() == {"told": 0, "flagged": 0}
    with session_scope(world.factory, workspace) as session:
        for person in ("owner", "champion"):
            subjects = [
                item.subject for item in notifications_service.list_inbox(session, workspace, people[person])
            ]
            assert subjects == [
                f"Unanswered for {flag_days}+ days: Which letters?",
                "New question about claims-letters: Which letters?",
            ]
        assert notifications_service.list_inbox(session, workspace, people["other"]) == []
