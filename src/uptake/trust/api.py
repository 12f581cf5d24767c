"""The trust API: feedback, widget keys, incidents, the trust score and feedback themes."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from uptake.access.dependencies import Employee, FeedbackWriter, ProgramLead, Reviewer, SessionDep
from uptake.analytics.dependencies import get_analytics
from uptake.jobs import service as jobs_service
from uptake.telemetry.dependencies import get_event_store
from uptake.trust import incidents, schemas, service, trust_score
from uptake.trust.models import IncidentStatus

router = APIRouter(tags=["trust"])

SlugPath = Annotated[str, Path(max_length=63)]
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _enqueue(request: Request, session: Any, workspace_id: int) -> Any:
    definitions = {definition.name: definition for definition in request.app.state.job_definitions}

    def enqueue(name: str, payload: dict[str, Any]) -> int:
        return jobs_service.enqueue_job(
            session, definitions, name, workspace_id=workspace_id, payload=payload
        ).id

    return enqueue


# ---------------------------------------------------------------- feedback


@router.post("/feedback", status_code=201, response_model=schemas.FeedbackRecorded)
def record_feedback(
    body: schemas.FeedbackCreate, request: Request, session: SessionDep, writer: FeedbackWriter
) -> schemas.FeedbackRecorded:
    feedback = service.record_api_feedback(
        session, writer.workspace_id, body, person_id=writer.person_id, store=get_event_store(request)
    )
    return schemas.FeedbackRecorded(id=feedback.id)


@router.get("/use-cases/{slug}/feedback", response_model=schemas.FeedbackPage)
def list_feedback(
    slug: SlugPath,
    session: SessionDep,
    reviewer: Reviewer,
    category: Annotated[schemas.FeedbackCategory | None, Query()] = None,
    min_rating: Annotated[int | None, Query(ge=1, le=5)] = None,
    max_rating: Annotated[int | None, Query(ge=1, le=5)] = None,
    source: Annotated[str | None, Query(max_length=20)] = None,
    with_comment: bool | None = None,
    since: Annotated[date | None, Query(alias="from")] = None,
    until: Annotated[date | None, Query(alias="to")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> schemas.FeedbackPage:
    filters = service.FeedbackFilters(
        category=category,
        min_rating=min_rating,
        max_rating=max_rating,
        source=source,
        with_comment=with_comment,
        since=since,
        until=until,
        page=page,
    )
    return service.list_feedback(session, reviewer.workspace_id, slug, filters)


@router.post("/feedback/{feedback_id}/escalation", status_code=201, response_model=schemas.Incident)
def escalate_feedback(
    feedback_id: IdPath,
    body: schemas.FeedbackEscalation,
    request: Request,
    session: SessionDep,
    reviewer: Reviewer,
) -> schemas.Incident:
    incident = incidents.escalate_feedback(
        session,
        reviewer.workspace_id,
        feedback_id,
        body,
        actor=reviewer.actor,
        reporter_id=reviewer.person_id,
        analytics=get_analytics(request),
    )
    return incidents.incident_output(session, reviewer.workspace_id, [incident])[0]


# ---------------------------------------------------------------- widget keys


@router.get("/widget-keys", response_model=list[schemas.WidgetKey])
def list_widget_keys(session: SessionDep, lead: ProgramLead) -> list[schemas.WidgetKey]:
    return [
        service.widget_key_output(session, lead.workspace_id, key)
        for key in service.list_widget_keys(session, lead.workspace_id)
    ]


@router.post("/widget-keys", status_code=201, response_model=schemas.WidgetKey)
def create_widget_key(
    body: schemas.WidgetKeyCreate, session: SessionDep, lead: ProgramLead
) -> schemas.WidgetKey:
    key = service.create_widget_key(session, lead.workspace_id, body, actor=lead.actor)
    return service.widget_key_output(session, lead.workspace_id, key)


@router.delete("/widget-keys/{key_id}", response_model=schemas.WidgetKey)
def revoke_widget_key(key_id: IdPath, session: SessionDep, lead: ProgramLead) -> schemas.WidgetKey:
    key = service.revoke_widget_key(session, lead.workspace_id, key_id, actor=lead.actor)
    return service.widget_key_output(session, lead.workspace_id, key)


# ---------------------------------------------------------------- incidents


@router.get("/incidents", response_model=list[schemas.Incident])
def list_incidents(
    session: SessionDep,
    reviewer: Reviewer,
    use_case: Annotated[str | None, Query(max_length=63)] = None,
    status: IncidentStatus | None = None,
    severity: Annotated[int | None, Query(ge=1, le=4)] = None,
    open_only: bool = False,
) -> list[schemas.Incident]:
    found = incidents.list_incidents(
        session,
        reviewer.workspace_id,
        use_case=use_case,
        status=status,
        severity=severity,
        open_only=open_only,
    )
    return incidents.incident_output(session, reviewer.workspace_id, found)


@router.post("/incidents", status_code=201, response_model=schemas.Incident)
def report_incident(
    body: schemas.IncidentCreate, request: Request, session: SessionDep, caller: Employee
) -> schemas.Incident:
    incident = incidents.report_incident(
        session,
        caller.workspace_id,
        body,
        actor=caller.actor,
        reporter_id=caller.person_id,
        analytics=get_analytics(request),
        source="api",
    )
    return incidents.incident_output(session, caller.workspace_id, [incident])[0]


@router.get("/incidents/{incident_id}", response_model=schemas.Incident)
def get_incident(incident_id: IdPath, session: SessionDep, caller: Employee) -> schemas.Incident:
    incident = incidents.get_incident_for_viewer(
        session,
        caller.workspace_id,
        incident_id,
        person_id=caller.person_id,
        sees_all=incidents.sees_all_incidents(caller),
    )
    return incidents.incident_output(session, caller.workspace_id, [incident])[0]


@router.patch("/incidents/{incident_id}", response_model=schemas.Incident)
def update_incident(
    incident_id: IdPath,
    body: schemas.IncidentUpdate,
    request: Request,
    session: SessionDep,
    reviewer: Reviewer,
) -> schemas.Incident:
    incident = incidents.update_incident(
        session,
        reviewer.workspace_id,
        incident_id,
        body,
        actor=reviewer.actor,
        analytics=get_analytics(request),
    )
    return incidents.incident_output(session, reviewer.workspace_id, [incident])[0]


@router.post("/incidents/{incident_id}/note", response_model=schemas.Incident)
def publish_post_incident_note(
    incident_id: IdPath, body: schemas.PostIncidentNote, session: SessionDep, reviewer: Reviewer
) -> schemas.Incident:
    incident = incidents.publish_post_incident_note(
        session, reviewer.workspace_id, incident_id, body, actor=reviewer.actor, author_id=reviewer.person_id
    )
    return incidents.incident_output(session, reviewer.workspace_id, [incident])[0]


# ---------------------------------------------------------------- settings, trust score, themes


@router.get("/trust/settings", response_model=schemas.TrustSettings)
def get_trust_settings(session: SessionDep, lead: ProgramLead) -> schemas.TrustSettings:
    return schemas.TrustSettings.model_validate(incidents.get_trust_settings(session, lead.workspace_id))


@router.put("/trust/settings", response_model=schemas.TrustSettings)
def update_trust_settings(
    body: schemas.TrustSettingsUpdate, session: SessionDep, lead: ProgramLead
) -> schemas.TrustSettings:
    stored = incidents.update_trust_settings(session, lead.workspace_id, body, actor=lead.actor)
    return schemas.TrustSettings.model_validate(stored)


@router.get("/use-cases/{slug}/trust-score", response_model=schemas.TrustScore)
def get_trust_score(
    slug: SlugPath, request: Request, session: SessionDep, caller: Employee
) -> schemas.TrustScore:
    return trust_score.trust_score(session, caller.workspace_id, get_analytics(request), slug)


@router.post("/feedback-themes", status_code=202, response_model=schemas.ThemeRun)
def request_themes(
    body: schemas.ThemeRunCreate, request: Request, session: SessionDep, reviewer: Reviewer
) -> schemas.ThemeRun:
    run = service.request_themes(
        session, reviewer.workspace_id, body, enqueue=_enqueue(request, session, reviewer.workspace_id)
    )
    return service.theme_run_output(session, reviewer.workspace_id, run)


@router.get("/feedback-themes/{run_id}", response_model=schemas.ThemeRun)
def get_theme_run(run_id: IdPath, session: SessionDep, reviewer: Reviewer) -> schemas.ThemeRun:
    run = service.get_theme_run(session, reviewer.workspace_id, run_id)
    return service.theme_run_output(session, reviewer.workspace_id, run)
