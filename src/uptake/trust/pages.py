"""Trust's pages: feedback per use case (with filters, escalation), incidents (report, triage, resolve, note),
the trust score with its inputs, feedback themes, and the trust settings with the widget keys."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from uptake.access.dependencies import EmployeePage, ProgramLeadPage, ReviewerPage, SessionDep
from uptake.access.roles import Role
from uptake.analytics.dependencies import get_analytics
from uptake.catalog import service as catalog_service
from uptake.jobs import service as jobs_service
from uptake.trust import incidents, schemas, service, themes, trust_score
from uptake.trust.models import IncidentStatus
from uptake.web.forms import act, redirect_with_flash
from uptake.web.templating import render

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=10_000)]
Short = Annotated[str, Form(max_length=300)]
HARM_TYPES: tuple[str, ...] = get_args(schemas.HarmType)
FAILURE_TYPES: tuple[str, ...] = get_args(schemas.FailureType)
CATEGORIES: tuple[str, ...] = get_args(schemas.FeedbackCategory)


def _optional_int(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


# ---------------------------------------------------------------- feedback


@router.get("/use-cases/{slug}/feedback")
def feedback_page(
    slug: str,
    request: Request,
    session: SessionDep,
    reviewer: ReviewerPage,
    category: Annotated[str, Query(max_length=20)] = "",
    rating: Annotated[str, Query(max_length=10)] = "",
    source: Annotated[str, Query(max_length=20)] = "",
    comments: Annotated[str, Query(max_length=5)] = "",
    since: Annotated[date | None, Query(alias="from")] = None,
    until: Annotated[date | None, Query(alias="to")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    use_case = catalog_service.get_use_case_by_slug(session, reviewer.workspace_id, slug)
    low, _, high = rating.partition("-")
    filters = service.FeedbackFilters(
        category=category if category in CATEGORIES else None,
        min_rating=_optional_int(low),
        max_rating=_optional_int(high or low),
        source=source or None,
        with_comment={"yes": True, "no": False}.get(comments),
        since=since,
        until=until,
        page=page,
    )
    listing = service.list_feedback(session, reviewer.workspace_id, slug, filters)
    context = {
        "use_case": use_case,
        "listing": listing,
        "filters": {
            "category": category,
            "rating": rating,
            "source": source,
            "comments": comments,
            "from": since,
            "to": until,
        },
        "categories": CATEGORIES,
        "harm_types": HARM_TYPES,
        "failure_types": FAILURE_TYPES,
        "page": page,
        "page_size": service.FEEDBACK_PAGE_SIZE,
    }
    return render(request, "trust/feedback.html", context)


@router.post("/feedback/{feedback_id}/escalation")
def escalate(
    feedback_id: int,
    request: Request,
    session: SessionDep,
    reviewer: ReviewerPage,
    title: Short = "",
    severity: Annotated[int, Form(ge=1, le=4)] = 3,
    harm_type: Short = "near_miss",
    failure_type: Short = "other",
    back: Short = "/incidents",
) -> Response:
    def attempt() -> Any:
        body = schemas.FeedbackEscalation.model_validate(
            {"title": title, "severity": severity, "harm_type": harm_type, "failure_type": failure_type}
        )
        incident = incidents.escalate_feedback(
            session,
            reviewer.workspace_id,
            feedback_id,
            body,
            actor=reviewer.actor,
            reporter_id=reviewer.person_id,
            analytics=get_analytics(request),
        )
        return incident

    return act(
        request,
        session,
        attempt,
        redirect=lambda incident: f"/incidents/{incident.id}",
        message=lambda incident: f"Incident #{incident.id} opened from the feedback.",
        refused=back if back.startswith("/") else "/incidents",
    )


# ---------------------------------------------------------------- incidents


@router.get("/incidents")
def incidents_page(
    request: Request,
    session: SessionDep,
    reviewer: ReviewerPage,
    status: Annotated[str, Query(max_length=20)] = "open",
    use_case: Annotated[str, Query(max_length=63)] = "",
) -> Response:
    chosen = IncidentStatus(status) if status in IncidentStatus.__members__ else None
    found = incidents.list_incidents(
        session, reviewer.workspace_id, use_case=use_case or None, status=chosen, open_only=status == "open"
    )
    context = {
        "incidents": incidents.incident_output(session, reviewer.workspace_id, found),
        "status": status,
        "use_case": use_case,
        "statuses": [item.value for item in IncidentStatus],
        "severities": incidents.SEVERITIES,
    }
    return render(request, "trust/incidents.html", context)


@router.get("/incidents/new")
def new_incident(
    request: Request,
    session: SessionDep,
    caller: EmployeePage,
    use_case: Annotated[str, Query(max_length=63)] = "",
) -> Response:
    context = {
        "use_case": use_case,
        "severities": incidents.SEVERITIES,
        "harm_types": HARM_TYPES,
        "failure_types": FAILURE_TYPES,
    }
    return render(request, "trust/incident_form.html", context)


@router.post("/incidents")
def report(
    request: Request,
    session: SessionDep,
    caller: EmployeePage,
    use_case: Annotated[str, Form(max_length=63)] = "",
    title: Short = "",
    description: Text = "",
    evidence: Text = "",
    severity: Annotated[int, Form(ge=1, le=4)] = 3,
    harm_type: Short = "near_miss",
    failure_type: Short = "other",
) -> Response:
    def attempt() -> Any:
        body = schemas.IncidentCreate.model_validate(
            {
                "use_case": use_case,
                "title": title,
                "description": description,
                "evidence": evidence or None,
                "severity": severity,
                "harm_type": harm_type,
                "failure_type": failure_type,
            }
        )
        incident = incidents.report_incident(
            session,
            caller.workspace_id,
            body,
            actor=caller.actor,
            reporter_id=caller.person_id,
            analytics=get_analytics(request),
            source="page",
        )
        return incident

    return act(
        request,
        session,
        attempt,
        redirect=lambda incident: f"/incidents/{incident.id}",
        message="Thank you: the incident is reported; you will hear the outcome.",
        refused=f"/incidents/new?use_case={use_case}",
    )


@router.get("/incidents/{incident_id}")
def incident_page(incident_id: int, request: Request, session: SessionDep, caller: EmployeePage) -> Response:
    incident = incidents.get_incident_for_viewer(
        session,
        caller.workspace_id,
        incident_id,
        person_id=caller.person_id,
        sees_all=incidents.sees_all_incidents(caller),
    )
    context = {
        "incident": incidents.incident_output(session, caller.workspace_id, [incident])[0],
        "moves": [status.value for status in incidents.allowed_incident_moves(incident)],
        "may_manage": incidents.sees_all_incidents(caller),
        "severities": incidents.SEVERITIES,
        "harm_types": HARM_TYPES,
        "failure_types": FAILURE_TYPES,
    }
    return render(request, "trust/incident.html", context)


@router.post("/incidents/{incident_id}")
def update(
    incident_id: int,
    request: Request,
    session: SessionDep,
    reviewer: ReviewerPage,
    status: Short = "",
    owner_id: Short = "",
    severity: Short = "",
    root_cause: Text = "",
    fix: Text = "",
) -> Response:
    fields: dict[str, Any] = {}
    if status:
        fields["status"] = status
    if _optional_int(owner_id) is not None:
        fields["owner_id"] = int(owner_id)
    if _optional_int(severity) is not None:
        fields["severity"] = int(severity)
    if root_cause.strip():
        fields["root_cause"] = root_cause
    if fix.strip():
        fields["fix"] = fix

    def attempt() -> None:
        body = schemas.IncidentUpdate.model_validate(fields)
        incidents.update_incident(
            session,
            reviewer.workspace_id,
            incident_id,
            body,
            actor=reviewer.actor,
            analytics=get_analytics(request),
        )

    message = "Resolved: the people who reported it are being told." if status == "resolved" else "Saved."
    return act(request, session, attempt, redirect=f"/incidents/{incident_id}", message=message)


@router.post("/incidents/{incident_id}/note")
def note(
    incident_id: int,
    request: Request,
    session: SessionDep,
    reviewer: ReviewerPage,
    text: Text = "",
    update_use_card: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    def attempt() -> None:
        body = schemas.PostIncidentNote.model_validate(
            {"note": text, "update_use_card": bool(update_use_card)}
        )
        incidents.publish_post_incident_note(
            session,
            reviewer.workspace_id,
            incident_id,
            body,
            actor=reviewer.actor,
            author_id=reviewer.person_id,
        )

    return act(
        request, session, attempt, redirect=f"/incidents/{incident_id}", message="Post-incident note saved."
    )


# ---------------------------------------------------------------- trust score


@router.get("/use-cases/{slug}/trust")
def trust_page(slug: str, request: Request, session: SessionDep, caller: EmployeePage) -> Response:
    use_case = catalog_service.get_use_case_for_viewer(
        session, caller.workspace_id, slug, sees_unpublished=caller.has_role(Role.reviewer, Role.program_lead)
    )
    analytics = get_analytics(request)
    context = {
        "use_case": use_case,
        "score": trust_score.trust_score(session, caller.workspace_id, analytics, slug),
        "open_incidents": incidents.open_incidents(session, caller.workspace_id, slug),
        "severities": incidents.SEVERITIES,
    }
    return render(request, "trust/trust_score.html", context)


# ---------------------------------------------------------------- themes


@router.get("/feedback-themes")
def themes_page(
    request: Request,
    session: SessionDep,
    reviewer: ReviewerPage,
    use_case: Annotated[str, Query(max_length=63)] = "",
) -> Response:
    run = service.latest_theme_run(session, reviewer.workspace_id, use_case or None)
    job = jobs_service.get_job(session, run.job_id, reviewer.workspace_id) if run and run.job_id else None
    context = {
        "use_case": use_case,
        "use_cases": catalog_service.list_use_cases(session, reviewer.workspace_id, limit=500)[0],
        "run": service.theme_run_output(session, reviewer.workspace_id, run) if run else None,
        "job": job,
        "model_available": themes.embedding_model_available(),
        "embedding_method": themes.EMBEDDING_METHOD,
        "keyword_method": themes.KEYWORD_METHOD,
        "floor": service.privacy_floor(session, reviewer.workspace_id),
    }
    return render(request, "trust/themes.html", context)


@router.post("/feedback-themes")
def run_themes(
    request: Request,
    session: SessionDep,
    reviewer: ReviewerPage,
    use_case: Annotated[str, Form(max_length=63)] = "",
) -> Response:
    definitions = {definition.name: definition for definition in request.app.state.job_definitions}

    def enqueue(name: str, payload: dict[str, Any]) -> int:
        job = jobs_service.enqueue_job(
            session, definitions, name, workspace_id=reviewer.workspace_id, payload=payload
        )
        return job.id

    def attempt() -> None:
        service.request_themes(
            session, reviewer.workspace_id, schemas.ThemeRunCreate(use_case=use_case or None), enqueue=enqueue
        )

    return act(
        request,
        session,
        attempt,
        redirect=f"/feedback-themes?use_case={use_case}",
        message="Finding themes in the background.",
        refused="/feedback-themes",
    )


# ---------------------------------------------------------------- settings and widget keys


@router.get("/settings/trust")
def settings_page(request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    keys = [
        service.widget_key_output(session, lead.workspace_id, key)
        for key in service.list_widget_keys(session, lead.workspace_id)
    ]
    context = {
        "settings": incidents.get_trust_settings(session, lead.workspace_id),
        "keys": keys,
        "base_url": str(request.base_url).rstrip("/"),
    }
    return render(request, "trust/settings.html", context)


@router.post("/settings/trust")
def save_settings(
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    pause_on_severity_1: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    body = schemas.TrustSettingsUpdate(pause_on_severity_1=bool(pause_on_severity_1))
    incidents.update_trust_settings(session, lead.workspace_id, body, actor=lead.actor)
    return redirect_with_flash(request, "/settings/trust", "Saved.")


@router.post("/settings/trust/widget-keys")
def create_key(
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    use_case: Annotated[str, Form(max_length=63)] = "",
    origins: Text = "",
) -> Response:
    def attempt() -> None:
        body = schemas.WidgetKeyCreate.model_validate(
            {
                "use_case": use_case,
                "allowed_origins": [line.strip() for line in origins.split() if line.strip()],
            }
        )
        service.create_widget_key(session, lead.workspace_id, body, actor=lead.actor)

    return act(request, session, attempt, redirect="/settings/trust", message="Widget key created.")


@router.post("/settings/trust/widget-keys/{key_id}/revoke")
def revoke_key(key_id: int, request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    def attempt() -> None:
        service.revoke_widget_key(session, lead.workspace_id, key_id, actor=lead.actor)

    return act(request, session, attempt, redirect="/settings/trust", message="Widget key revoked.")
