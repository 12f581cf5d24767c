"""Surveys' pages: the list with built-in templates, the editor and sending, results, and the answer form a
one-time link opens (no login: the link is the key)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from uptake.access.dependencies import ProgramLeadPage, PublicPage, SessionDep
from uptake.analytics.dependencies import get_analytics
from uptake.directory.service import teams as teams_service
from uptake.errors import UptakeError
from uptake.surveys import schemas, service
from uptake.web.forms import act, problem_of, redirect_with_flash
from uptake.web.templating import render

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=20_000)]
Short = Annotated[str, Form(max_length=300)]
SCALE_LABELS = {1: "Strongly disagree", 2: "Disagree", 3: "Neither", 4: "Agree", 5: "Strongly agree"}


def questions_as_text(questions: list[schemas.Question]) -> str:
    """The editor's text: one question a line, `topic: text`, `(reversed)` or `(0-10)` after the topic."""
    lines = []
    for question in questions:
        marks = (
            " (reversed)" if question.is_reversed else (" (0-10)" if question.scale == "recommend10" else "")
        )
        lines.append(f"{question.topic}{marks}: {question.text}")
    return "\n".join(lines)


def questions_from_text(text: str) -> list[dict[str, Any]]:
    questions: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for line in (line.strip() for line in text.splitlines()):
        if not line:
            continue
        head, _, question_text = line.partition(":")
        topic = head.replace("(reversed)", "").replace("(0-10)", "").strip().lower().replace(" ", "_")
        counts[topic] = counts.get(topic, 0) + 1
        questions.append(
            {
                "key": f"{topic}_{counts[topic]}" if counts[topic] > 1 else topic,
                "topic": topic,
                "text": question_text.strip(),
                "scale": "recommend10" if "(0-10)" in head else "likert5",
                "is_reversed": "(reversed)" in head,
            }
        )
    return questions


@router.get("/surveys")
def surveys_page(request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    surveys = service.survey_output(
        session, lead.workspace_id, service.list_surveys(session, lead.workspace_id)
    )
    return render(request, "surveys/surveys.html", {"surveys": surveys, "templates": service.TEMPLATES})


@router.post("/surveys")
def create(
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    template: Short = "readiness",
    use_case: Annotated[str, Form(max_length=63)] = "",
) -> Response:
    def create_survey() -> int:
        body = schemas.SurveyCreate.model_validate({"template": template, "use_case": use_case or None})
        return service.create_survey(session, lead.workspace_id, body, actor=lead.actor).id

    return act(
        request,
        session,
        create_survey,
        redirect=lambda survey_id: f"/surveys/{survey_id}",
        message="Draft created from the template: edit it, then send it.",
        refused="/surveys",
    )


@router.get("/surveys/{survey_id}")
def survey_page(survey_id: int, request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    survey = service.survey_output(
        session, lead.workspace_id, [service.get_survey(session, lead.workspace_id, survey_id)]
    )[0]
    context = {
        "survey": survey,
        "questions_text": questions_as_text(survey.questions),
        "teams": teams_service.list_all_teams(session, lead.workspace_id),
    }
    return render(request, "surveys/survey.html", context)


@router.post("/surveys/{survey_id}")
def edit(
    survey_id: int,
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    title: Short = "",
    introduction: Text = "",
    questions: Text = "",
    anonymous: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    def update() -> None:
        body = schemas.SurveyUpdate.model_validate(
            {
                "title": title,
                "introduction": introduction,
                "questions": questions_from_text(questions),
                "is_anonymous": bool(anonymous),
            }
        )
        service.update_survey(session, lead.workspace_id, survey_id, body, actor=lead.actor)

    return act(request, session, update, redirect=f"/surveys/{survey_id}", message="Saved.")


@router.post("/surveys/{survey_id}/send")
def send(
    survey_id: int,
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    team_ids: Annotated[list[int], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
) -> Response:
    def send_survey() -> int:
        audience = {"team_ids": team_ids} if team_ids else {"everyone": True}
        body = schemas.SurveySend.model_validate({"audience": audience})
        return service.send_survey(
            session,
            lead.workspace_id,
            survey_id,
            body,
            actor=lead.actor,
            token_key=service.app_token_key(request.app.state),
        )

    return act(
        request,
        session,
        send_survey,
        redirect=f"/surveys/{survey_id}",
        message=lambda invited: f"Sent to {invited} people.",
    )


@router.post("/surveys/{survey_id}/close")
def close(survey_id: int, request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    def close_survey() -> None:
        service.close_survey(
            session, lead.workspace_id, survey_id, actor=lead.actor, analytics=get_analytics(request)
        )

    return act(
        request,
        session,
        close_survey,
        redirect=f"/surveys/{survey_id}/results",
        message="Closed.",
        refused=f"/surveys/{survey_id}",
    )


@router.get("/surveys/{survey_id}/results")
def results_page(survey_id: int, request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    survey = service.survey_output(
        session, lead.workspace_id, [service.get_survey(session, lead.workspace_id, survey_id)]
    )[0]
    results = service.survey_results(session, lead.workspace_id, survey_id)
    return render(request, "surveys/results.html", {"survey": survey, "results": results})


@router.get("/surveys/respond/{token}")
def answer_page(token: str, request: Request, session: SessionDep, anyone: PublicPage) -> Response:
    try:
        survey, _ = service.survey_for_token(
            session, token, token_key=service.app_token_key(request.app.state)
        )
    except UptakeError as error:
        return render(
            request, "surveys/answered.html", {"message": error.detail or error.title}, status=error.status
        )
    questions = [schemas.Question(**question) for question in survey.questions]
    context = {"survey": survey, "questions": questions, "token": token, "labels": SCALE_LABELS}
    return render(request, "surveys/answer.html", context)


@router.post("/surveys/respond/{token}")
async def answer(token: str, request: Request, session: SessionDep, anyone: PublicPage) -> Response:
    form = await request.form()
    answers = {
        str(name)[len("answer_") :]: int(str(value))
        for name, value in form.multi_items()
        if str(name).startswith("answer_") and str(value).isdigit()
    }
    try:
        body = schemas.SurveyAnswer.model_validate({"token": token, "answers": answers})
        service.answer_survey(
            session,
            body,
            token_key=service.app_token_key(request.app.state),
            person_id=anyone.person_id if anyone else None,
        )
    except (ValidationError, UptakeError) as error:
        session.rollback()
        return redirect_with_flash(request, f"/surveys/respond/{token}", problem_of(error), "error")
    return render(request, "surveys/answered.html", {"message": "Thank you: your answers are recorded."})
