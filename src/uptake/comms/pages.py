"""Communication's pages: announcements (the composer with its audience preview, the reader's view with read
receipts and acknowledgement, completion per cohort), questions and answers per use case, the in-app inbox and
notification preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from uptake.access.dependencies import EmployeePage, PersonPage, ProgramLeadPage, SessionDep, SettingsDep
from uptake.access.roles import Role
from uptake.catalog import service as catalog_service
from uptake.comms import schemas
from uptake.comms.models import DigestMode, QuestionStatus
from uptake.comms.service import announcements as announcements_service
from uptake.comms.service import audiences as audiences_service
from uptake.comms.service import faq as faq_service
from uptake.comms.service import notifications as notifications_service
from uptake.comms.service import office_hours as office_hours_service
from uptake.comms.service import preferences as preferences_service
from uptake.comms.service import questions as questions_service
from uptake.comms.service import webhooks as webhooks_service
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import teams as teams_service
from uptake.enablement.service import champions as champions_service
from uptake.errors import FieldError, InvalidInput, UptakeError
from uptake.web.flash import flash
from uptake.web.forms import act, errors_of, problem_of
from uptake.web.templating import render
from uptake.workspaces import service as workspaces_service

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=50_000)]
Choices = Annotated[list[str], Form()]
CATEGORIES = ("announcement", "answer", "question", "training", "office_hours")


# ---------------------------------------------------------------- announcements


@router.get("/announcements")
def announcements(request: Request, session: SessionDep, caller: EmployeePage) -> Response:
    """Announcements sent to me; program leads also see every announcement and the composer's link."""
    mine = (
        announcements_service.list_my_announcements(session, caller.workspace_id, caller.person_id)
        if caller.person_id
        else []
    )
    is_lead = caller.has_role(Role.program_lead)
    everything = announcements_service.list_announcements(session, caller.workspace_id) if is_lead else []
    return render(
        request, "comms/announcements.html", {"mine": mine, "everything": everything, "is_lead": is_lead}
    )


def _composer(
    request: Request,
    session: Session,
    workspace_id: int,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    preview: schemas.AudiencePreview | None = None,
    status: int = 200,
) -> Response:
    context = {
        "values": values,
        "errors": errors,
        "preview": preview,
        "teams": teams_service.list_all_teams(session, workspace_id),
        "job_roles": job_roles_service.list_all_job_roles(session, workspace_id),
        "webhooks": webhooks_service.list_webhooks(session, workspace_id),
        "timezone": workspaces_service.get_workspace(session, workspace_id).timezone,
    }
    return render(request, "comms/compose.html", context, status=status)


@router.get("/announcements/new")
def new_announcement(request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    return _composer(request, session, lead.workspace_id, {}, {})


def _scheduled_for(text: str, timezone: str) -> datetime | None:
    if not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(errors=[FieldError("scheduled_for", "give a date and time")]) from None
    return moment.replace(tzinfo=ZoneInfo(timezone)) if moment.tzinfo is None else moment


def _wave_references(text: str) -> list[dict[str, str]]:
    """``claims-letters:pilot, support-replies:wave 2`` → the rollout waves they name."""
    references = []
    for part in (item.strip() for item in text.replace("\n", ",").split(",")):
        if not part:
            continue
        use_case_slug, colon, wave = part.partition(":")
        if not colon or not wave.strip():
            raise InvalidInput(
                errors=[FieldError("rollout_waves", f"{part!r}: write use-case-slug:wave name")]
            )
        references.append({"use_case_slug": use_case_slug.strip(), "wave": wave.strip()})
    return references


@router.post("/announcements/new")
def compose_announcement(
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    title: Text = "",
    body_markdown: Text = "",
    everyone: Annotated[str, Form(max_length=5)] = "",
    team_ids: Choices = [],  # noqa: B006 - FastAPI copies form defaults
    job_role_ids: Choices = [],  # noqa: B006
    use_case_slugs: Text = "",
    rollout_waves: Text = "",
    webhook_ids: Choices = [],  # noqa: B006
    requires_acknowledgement: Annotated[str, Form(max_length=5)] = "",
    scheduled_for: Annotated[str, Form(max_length=40)] = "",
    action: Annotated[str, Form(max_length=20)] = "draft",
) -> Response:
    """Preview the audience (count and a few names), save a draft, schedule, or send now."""
    values = {
        "title": title,
        "body_markdown": body_markdown,
        "everyone": bool(everyone),
        "team_ids": team_ids,
        "job_role_ids": job_role_ids,
        "use_case_slugs": use_case_slugs,
        "rollout_waves": rollout_waves,
        "webhook_ids": webhook_ids,
        "requires_acknowledgement": bool(requires_acknowledgement),
        "scheduled_for": scheduled_for,
    }
    timezone = workspaces_service.get_workspace(session, lead.workspace_id).timezone
    try:
        audience = schemas.Audience.model_validate(
            {
                "everyone": bool(everyone),
                "team_ids": team_ids,
                "job_role_ids": job_role_ids,
                "use_case_slugs": [
                    s.strip() for s in use_case_slugs.replace("\n", ",").split(",") if s.strip()
                ],
                "rollout_waves": _wave_references(rollout_waves),
            }
        )
        if action == "preview":
            preview = audiences_service.preview_audience(session, lead.workspace_id, audience)
            return _composer(request, session, lead.workspace_id, values, {}, preview=preview)
        body = schemas.AnnouncementCreate.model_validate(
            {
                "title": title,
                "body_markdown": body_markdown,
                "audience": audience,
                "requires_acknowledgement": bool(requires_acknowledgement),
                "webhook_ids": webhook_ids,
                "scheduled_for": _scheduled_for(scheduled_for, timezone) if action == "schedule" else None,
                "send_now": action == "send",
            }
        )
        if action == "schedule" and body.scheduled_for is None:
            raise InvalidInput(errors=[FieldError("scheduled_for", "give a date and time to schedule it")])
        announcement = announcements_service.create_announcement(
            session, lead.workspace_id, body, author=lead
        )
    except (ValidationError, UptakeError) as error:
        session.rollback()
        return _composer(request, session, lead.workspace_id, values, errors_of(error), status=422)
    response = RedirectResponse(f"/announcements/{announcement.id}", status_code=303)
    verdict = {"sent": f"Sent to {announcement.audience_size} people.", "scheduled": "Scheduled."}
    flash(request, response, verdict.get(announcement.status, "Saved as a draft."), "success")
    return response


@router.get("/announcements/{announcement_id}")
def announcement(
    announcement_id: int, request: Request, session: SessionDep, caller: EmployeePage
) -> Response:
    """The announcement; opening it is the read receipt. Program leads see completion per cohort."""
    is_lead = caller.has_role(Role.program_lead)
    item = announcements_service.get_announcement(session, caller.workspace_id, announcement_id)
    recipient = None
    if caller.person_id is not None:
        recipient = announcements_service.mark_announcement_read(
            session, caller.workspace_id, announcement_id, caller.person_id
        )
    if recipient is None and not is_lead:
        raise announcements_service.NotARecipient(f"announcement {announcement_id} was not sent to you")
    report = None
    if is_lead and item.status.value == "sent":
        floor = workspaces_service.get_workspace(session, caller.workspace_id).privacy_floor
        report = announcements_service.announcement_report(
            session, caller.workspace_id, announcement_id, privacy_floor=floor
        )
    context = {"announcement": item, "recipient": recipient, "report": report, "is_lead": is_lead}
    return render(request, "comms/announcement.html", context)


@router.post("/announcements/{announcement_id}/acknowledgement")
def acknowledge(announcement_id: int, request: Request, session: SessionDep, caller: PersonPage) -> Response:
    announcements_service.acknowledge_announcement(
        session, caller.workspace_id, announcement_id, caller.person_id
    )
    response = RedirectResponse(f"/announcements/{announcement_id}", status_code=303)
    flash(request, response, "Thank you: your acknowledgement is recorded.", "success")
    return response


@router.post("/announcements/{announcement_id}/send")
def send(announcement_id: int, request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    item = announcements_service.send_announcement(
        session, lead.workspace_id, announcement_id, actor=lead.actor
    )
    response = RedirectResponse(f"/announcements/{announcement_id}", status_code=303)
    flash(request, response, f"Sent to {item.audience_size} people.", "success")
    return response


# ---------------------------------------------------------------- questions and answers


@router.get("/questions")
def questions(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    caller: EmployeePage,
    use_case: Annotated[str, Query(max_length=63)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """Questions (of one use case, when chosen) with their answers; unanswered ones past the limit are flagged."""
    chosen = (
        catalog_service.get_use_case_by_slug(session, caller.workspace_id, use_case) if use_case else None
    )
    rows = questions_service.list_questions(
        session,
        caller.workspace_id,
        use_case_slug=use_case or None,
        status=QuestionStatus(status) if status in {s.value for s in QuestionStatus} else None,
    )
    items = [
        questions_service.question_output(q, a, flag_days=settings.question_flag_days, viewer=caller)
        for q, a in rows
    ]
    context: dict[str, Any] = {
        "questions": items,
        "use_case": chosen,
        "status": status,
        "faq": faq_service.list_faq(session, caller.workspace_id, use_case) if use_case else [],
        "champions": (
            champions_service.list_champions(session, caller.workspace_id, use_case_slug=use_case)
            if use_case
            else []
        ),
        "flag_days": settings.question_flag_days,
    }
    return render(request, "comms/questions.html", context)


@router.post("/questions")
def ask(
    request: Request,
    session: SessionDep,
    caller: EmployeePage,
    use_case_slug: Annotated[str, Form(max_length=63)] = "",
    title: Annotated[str, Form(max_length=300)] = "",
    body: Annotated[str, Form(max_length=10_000)] = "",
    anonymous: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Ask a question; asked anonymously, the answer page is the only way back to it (nothing links it to you)."""

    def ask_question() -> int:
        question_body = schemas.QuestionCreate.model_validate(
            {"use_case_slug": use_case_slug, "title": title, "body": body, "anonymous": bool(anonymous)}
        )
        return questions_service.ask_question(session, caller.workspace_id, question_body, asker=caller)

    return act(
        request,
        session,
        ask_question,
        redirect=lambda question_id: f"/questions/{question_id}",
        message="Asked anonymously: keep this page's address to find the answer." if anonymous else "Asked.",
        refused=f"/questions?use_case={use_case_slug}",
    )


@router.get("/questions/{question_id}")
def question(
    question_id: int, request: Request, session: SessionDep, settings: SettingsDep, caller: EmployeePage
) -> Response:
    item, answers = questions_service.question_with_answers(session, caller.workspace_id, question_id)
    output = questions_service.question_output(
        item, answers, flag_days=settings.question_flag_days, viewer=caller
    )
    context: dict[str, Any] = {
        "question": output,
        "may_answer": questions_service.may_answer(session, caller.workspace_id, caller, item.use_case_slug),
        "in_faq": any(
            entry.question_id == item.id
            for entry in faq_service.list_faq(session, caller.workspace_id, item.use_case_slug)
        ),
    }
    return render(request, "comms/question.html", context)


@router.post("/questions/{question_id}/answers")
def answer(
    question_id: int,
    request: Request,
    session: SessionDep,
    caller: EmployeePage,
    body_markdown: Text = "",
) -> Response:
    try:
        body = schemas.AnswerCreate.model_validate({"body_markdown": body_markdown})
        questions_service.answer_question(session, caller.workspace_id, question_id, body, author=caller)
    except (ValidationError, UptakeError) as error:
        session.rollback()
        if isinstance(error, UptakeError) and error.status in (403, 404):
            raise
        response = RedirectResponse(f"/questions/{question_id}", status_code=303)
        flash(request, response, problem_of(error), "error")
        return response
    response = RedirectResponse(f"/questions/{question_id}", status_code=303)
    flash(request, response, "Answered.", "success")
    return response


@router.post("/questions/{question_id}/faq")
def promote(question_id: int, request: Request, session: SessionDep, caller: EmployeePage) -> Response:
    entry = faq_service.promote_to_faq(
        session, caller.workspace_id, question_id, schemas.FaqPromotion(), actor=caller
    )
    response = RedirectResponse(f"/questions?use_case={entry.use_case_slug}", status_code=303)
    flash(request, response, "Added to the use case's FAQ.", "success")
    return response


# ---------------------------------------------------------------- notifications


@router.get("/notifications")
def inbox(request: Request, session: SessionDep, caller: PersonPage) -> Response:
    rows = notifications_service.list_inbox(session, caller.workspace_id, caller.person_id)
    return render(request, "comms/inbox.html", {"notifications": rows})


@router.post("/notifications/{notification_id}/read")
def read(notification_id: int, request: Request, session: SessionDep, caller: PersonPage) -> Response:
    row = notifications_service.mark_notification_read(
        session, caller.workspace_id, notification_id, caller.person_id
    )
    return RedirectResponse(row.link or "/notifications", status_code=303)


@router.get("/notifications/preferences")
def preferences(request: Request, session: SessionDep, caller: PersonPage) -> Response:
    current = preferences_service.get_preferences(session, caller.workspace_id, caller.person_id)
    context = {
        "preferences": current,
        "categories": CATEGORIES,
        "digests": [mode.value for mode in DigestMode],
    }
    return render(request, "comms/preferences.html", context)


@router.post("/notifications/preferences")
def save_preferences(
    request: Request,
    session: SessionDep,
    caller: PersonPage,
    email_enabled: Annotated[str, Form(max_length=5)] = "",
    digest: Annotated[str, Form(max_length=20)] = "immediate",
    muted_categories: Choices = [],  # noqa: B006 - FastAPI copies form defaults
) -> Response:
    try:
        body = schemas.NotificationPreferencesUpdate.model_validate(
            {"email_enabled": bool(email_enabled), "digest": digest, "muted_categories": muted_categories}
        )
    except ValidationError as error:
        response = RedirectResponse("/notifications/preferences", status_code=303)
        flash(request, response, problem_of(error), "error")
        return response
    preferences_service.update_preferences(session, caller.workspace_id, caller.person_id, body)
    response = RedirectResponse("/notifications/preferences", status_code=303)
    flash(request, response, "Preferences saved.", "success")
    return response


# ---------------------------------------------------------------- office hours


@router.get("/office-hours")
def office_hours(
    request: Request,
    session: SessionDep,
    caller: EmployeePage,
    team_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> Response:
    """Upcoming office hours (a team's include those of the teams above it), and the form to hold some."""
    rows = office_hours_service.list_office_hours(session, caller.workspace_id, team_id=team_id)
    teams = {team.id: team for team in teams_service.list_all_teams(session, caller.workspace_id)}
    timezone = workspaces_service.get_workspace(session, caller.workspace_id).timezone
    context = {"office_hours": rows, "teams": teams, "team_id": team_id, "timezone": timezone}
    return render(request, "comms/office_hours.html", context)


@router.post("/office-hours")
def hold_office_hours(
    request: Request,
    session: SessionDep,
    caller: EmployeePage,
    team_id: Annotated[str, Form(max_length=20)] = "",
    use_case_slug: Annotated[str, Form(max_length=63)] = "",
    starts_at: Annotated[str, Form(max_length=40)] = "",
    duration_minutes: Annotated[str, Form(max_length=5)] = "60",
    location: Annotated[str, Form(max_length=500)] = "",
    topic: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Hold office hours: champions, the team's leads and program leads; the team is told at once."""
    timezone = workspaces_service.get_workspace(session, caller.workspace_id).timezone

    def schedule() -> None:
        body = schemas.OfficeHoursCreate.model_validate(
            {
                "team_id": team_id or None,
                "use_case_slug": use_case_slug.strip() or None,
                "starts_at": _scheduled_for(starts_at, timezone),
                "duration_minutes": duration_minutes,
                "location": location,
                "topic": topic,
            }
        )
        office_hours_service.schedule_office_hours(session, caller.workspace_id, body, host=caller)

    return act(request, session, schedule, redirect="/office-hours", message="Office hours announced.")
