"""The surveys API: templates, surveys and their editor, sending to a cohort, answering with a token, results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from uptake.access.dependencies import ProgramLead, Public, SessionDep
from uptake.analytics.dependencies import get_analytics
from uptake.surveys import schemas, service

router = APIRouter(tags=["surveys"])

IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]


@router.get("/survey-templates", response_model=list[schemas.SurveyTemplate])
def list_templates(lead: ProgramLead) -> list[schemas.SurveyTemplate]:
    return list(service.TEMPLATES.values())


@router.get("/surveys", response_model=list[schemas.Survey])
def list_surveys(session: SessionDep, lead: ProgramLead) -> list[schemas.Survey]:
    return service.survey_output(session, lead.workspace_id, service.list_surveys(session, lead.workspace_id))


@router.post("/surveys", status_code=201, response_model=schemas.Survey)
def create_survey(body: schemas.SurveyCreate, session: SessionDep, lead: ProgramLead) -> schemas.Survey:
    survey = service.create_survey(session, lead.workspace_id, body, actor=lead.actor)
    return service.survey_output(session, lead.workspace_id, [survey])[0]


@router.get("/surveys/{survey_id}", response_model=schemas.Survey)
def get_survey(survey_id: IdPath, session: SessionDep, lead: ProgramLead) -> schemas.Survey:
    survey = service.get_survey(session, lead.workspace_id, survey_id)
    return service.survey_output(session, lead.workspace_id, [survey])[0]


@router.patch("/surveys/{survey_id}", response_model=schemas.Survey)
def update_survey(
    survey_id: IdPath, body: schemas.SurveyUpdate, session: SessionDep, lead: ProgramLead
) -> schemas.Survey:
    survey = service.update_survey(session, lead.workspace_id, survey_id, body, actor=lead.actor)
    return service.survey_output(session, lead.workspace_id, [survey])[0]


@router.post("/surveys/{survey_id}/send", response_model=schemas.SurveySent)
def send_survey(
    survey_id: IdPath, body: schemas.SurveySend, request: Request, session: SessionDep, lead: ProgramLead
) -> schemas.SurveySent:
    invited = service.send_survey(
        session,
        lead.workspace_id,
        survey_id,
        body,
        actor=lead.actor,
        token_key=service.app_token_key(request.app.state),
    )
    return schemas.SurveySent(invited=invited)


@router.post("/surveys/{survey_id}/close", response_model=schemas.Survey)
def close_survey(
    survey_id: IdPath, request: Request, session: SessionDep, lead: ProgramLead
) -> schemas.Survey:
    """Close a survey: its results show from now on, and a pulse survey's trust item reaches the trust score."""
    survey = service.close_survey(
        session, lead.workspace_id, survey_id, actor=lead.actor, analytics=get_analytics(request)
    )
    return service.survey_output(session, lead.workspace_id, [survey])[0]


@router.get("/surveys/{survey_id}/results", response_model=schemas.SurveyResults)
def survey_results(survey_id: IdPath, session: SessionDep, lead: ProgramLead) -> schemas.SurveyResults:
    return service.survey_results(session, lead.workspace_id, survey_id)


@router.post("/survey-responses", status_code=201, response_model=schemas.AnswerRecorded)
def answer_survey(
    body: schemas.SurveyAnswer, request: Request, session: SessionDep, anyone: Public
) -> schemas.AnswerRecorded:
    """Answer with the one-time token from the invitation; no login needed, so no one is linked to the answer
    on an anonymous survey."""
    response = service.answer_survey(
        session,
        body,
        token_key=service.app_token_key(request.app.state),
        person_id=anyone.person_id if anyone else None,
    )
    return schemas.AnswerRecorded(survey_id=response.survey_id)
