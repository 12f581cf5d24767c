"""Communication's JSON routes: announcements, questions and the FAQ, office hours, notifications, webhooks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from uptake.access.dependencies import Admin, Employee, Person, ProgramLead, SessionDep, SettingsDep
from uptake.comms import schemas
from uptake.comms.models import DeliveryStatus, QuestionStatus
from uptake.comms.service import announcements as announcements_service
from uptake.comms.service import audiences as audiences_service
from uptake.comms.service import faq as faq_service
from uptake.comms.service import notifications as notifications_service
from uptake.comms.service import office_hours as office_hours_service
from uptake.comms.service import preferences as preferences_service
from uptake.comms.service import questions as questions_service
from uptake.comms.service import webhooks as webhooks_service
from uptake.params import ResourceId
from uptake.workspaces import service as workspaces_service

router = APIRouter(tags=["communication"])

SlugQuery = Annotated[str | None, Query(max_length=63, description="A use case's slug")]


# -- announcements ----------------------------------------------------------------------------------------------


@router.post("/announcements/audience-preview", response_model=schemas.AudiencePreview)
def preview_audience(
    body: schemas.Audience, session: SessionDep, lead: ProgramLead
) -> schemas.AudiencePreview:
    """How many people a cohort holds now, and the first few names."""
    return audiences_service.preview_audience(session, lead.workspace_id, body)


@router.get("/announcements", response_model=list[schemas.Announcement])
def list_announcements(session: SessionDep, lead: ProgramLead) -> list[schemas.Announcement]:
    return [
        schemas.Announcement.model_validate(a)
        for a in announcements_service.list_announcements(session, lead.workspace_id)
    ]


@router.post("/announcements", status_code=201, response_model=schemas.Announcement)
def create_announcement(
    body: schemas.AnnouncementCreate, session: SessionDep, lead: ProgramLead
) -> schemas.Announcement:
    """A draft, a scheduled announcement, or (``send_now``) one sent at once to its cohort."""
    return announcements_service.create_announcement(session, lead.workspace_id, body, author=lead)


@router.get("/announcements/{announcement_id}", response_model=schemas.Announcement)
def get_announcement(
    announcement_id: ResourceId, session: SessionDep, lead: ProgramLead
) -> schemas.Announcement:
    return schemas.Announcement.model_validate(
        announcements_service.get_announcement(session, lead.workspace_id, announcement_id)
    )


@router.post("/announcements/{announcement_id}/sending", response_model=schemas.Announcement)
def send_announcement(
    announcement_id: ResourceId, session: SessionDep, lead: ProgramLead
) -> schemas.Announcement:
    announcement = announcements_service.send_announcement(
        session, lead.workspace_id, announcement_id, actor=lead.actor
    )
    return schemas.Announcement.model_validate(announcement)


@router.put("/announcements/{announcement_id}/schedule", response_model=schemas.Announcement)
def schedule_announcement(
    announcement_id: ResourceId, body: schemas.AnnouncementSchedule, session: SessionDep, lead: ProgramLead
) -> schemas.Announcement:
    announcement = announcements_service.schedule_announcement(
        session, lead.workspace_id, announcement_id, body.scheduled_for, actor=lead.actor
    )
    return schemas.Announcement.model_validate(announcement)


@router.get("/announcements/{announcement_id}/report", response_model=schemas.AnnouncementReport)
def announcement_report(
    announcement_id: ResourceId, session: SessionDep, lead: ProgramLead
) -> schemas.AnnouncementReport:
    """Read and acknowledged per part of the cohort, under the privacy floor."""
    floor = workspaces_service.get_workspace(session, lead.workspace_id).privacy_floor
    return announcements_service.announcement_report(
        session, lead.workspace_id, announcement_id, privacy_floor=floor
    )


@router.get("/me/announcements", response_model=list[schemas.MyAnnouncement])
def my_announcements(session: SessionDep, caller: Person) -> list[schemas.MyAnnouncement]:
    return announcements_service.list_my_announcements(session, caller.workspace_id, caller.person_id)


@router.post("/announcements/{announcement_id}/acknowledgement", response_model=schemas.MyAnnouncement)
def acknowledge_announcement(
    announcement_id: ResourceId, session: SessionDep, caller: Person
) -> schemas.MyAnnouncement:
    """ "I have read it" (only for people the announcement was sent to)."""
    receipt = announcements_service.acknowledge_announcement(
        session, caller.workspace_id, announcement_id, caller.person_id
    )
    announcement = announcements_service.get_announcement(session, caller.workspace_id, announcement_id)
    return schemas.MyAnnouncement(
        **schemas.Announcement.model_validate(announcement).model_dump(),
        read_at=receipt.read_at,
        acknowledged_at=receipt.acknowledged_at,
    )


# -- questions and the FAQ --------------------------------------------------------------------------------------


@router.get("/questions", response_model=list[schemas.Question])
def list_questions(
    session: SessionDep,
    settings: SettingsDep,
    caller: Employee,
    use_case_slug: SlugQuery = None,
    status: QuestionStatus | None = None,
) -> list[schemas.Question]:
    return [
        questions_service.question_output(
            question, answers, flag_days=settings.question_flag_days, viewer=caller
        )
        for question, answers in questions_service.list_questions(
            session, caller.workspace_id, use_case_slug=use_case_slug, status=status
        )
    ]


@router.post("/questions", status_code=201, response_model=schemas.Question)
def ask_question(
    body: schemas.QuestionCreate, session: SessionDep, settings: SettingsDep, caller: Employee
) -> schemas.Question:
    """Ask about a use case; with ``anonymous`` nothing about the asker is stored."""
    question_id = questions_service.ask_question(session, caller.workspace_id, body, asker=caller)
    question, answers = questions_service.question_with_answers(session, caller.workspace_id, question_id)
    return questions_service.question_output(
        question, answers, flag_days=settings.question_flag_days, viewer=caller
    )


@router.get("/questions/{question_id}", response_model=schemas.Question)
def get_question(
    question_id: ResourceId, session: SessionDep, settings: SettingsDep, caller: Employee
) -> schemas.Question:
    question, answers = questions_service.question_with_answers(session, caller.workspace_id, question_id)
    return questions_service.question_output(
        question, answers, flag_days=settings.question_flag_days, viewer=caller
    )


@router.post("/questions/{question_id}/answers", status_code=201, response_model=schemas.Answer)
def answer_question(
    question_id: ResourceId, body: schemas.AnswerCreate, session: SessionDep, caller: Employee
) -> schemas.Answer:
    """Answer as the use case's owner, a champion of it, or a program lead."""
    return questions_service.answer_question(session, caller.workspace_id, question_id, body, author=caller)


@router.post("/questions/{question_id}/faq", status_code=201, response_model=schemas.FaqEntry)
def promote_to_faq(
    question_id: ResourceId, body: schemas.FaqPromotion, session: SessionDep, caller: Employee
) -> schemas.FaqEntry:
    entry = faq_service.promote_to_faq(session, caller.workspace_id, question_id, body, actor=caller)
    return schemas.FaqEntry.model_validate(entry)


@router.get("/faq", response_model=list[schemas.FaqEntry])
def list_faq(
    session: SessionDep, caller: Employee, use_case_slug: Annotated[str, Query(min_length=1, max_length=63)]
) -> list[schemas.FaqEntry]:
    return [
        schemas.FaqEntry.model_validate(e)
        for e in faq_service.list_faq(session, caller.workspace_id, use_case_slug)
    ]


# -- office hours -----------------------------------------------------------------------------------------------


@router.get("/office-hours", response_model=list[schemas.OfficeHours])
def list_office_hours(
    session: SessionDep,
    caller: Employee,
    team_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    use_case_slug: SlugQuery = None,
) -> list[schemas.OfficeHours]:
    return office_hours_service.list_office_hours(
        session, caller.workspace_id, team_id=team_id, use_case_slug=use_case_slug
    )


@router.post("/office-hours", status_code=201, response_model=schemas.OfficeHours)
def schedule_office_hours(
    body: schemas.OfficeHoursCreate, session: SessionDep, caller: Employee
) -> schemas.OfficeHours:
    """Hold office hours (champions, team leads of the team, program leads); the team is told at once."""
    return office_hours_service.schedule_office_hours(session, caller.workspace_id, body, host=caller)


# -- notifications ----------------------------------------------------------------------------------------------


@router.get("/me/notifications", response_model=list[schemas.Notification])
def my_notifications(session: SessionDep, caller: Person) -> list[schemas.Notification]:
    return notifications_service.list_inbox(session, caller.workspace_id, caller.person_id)


@router.post("/me/notifications/{notification_id}/read", response_model=schemas.Notification)
def read_notification(
    notification_id: ResourceId, session: SessionDep, caller: Person
) -> schemas.Notification:
    row = notifications_service.mark_notification_read(
        session, caller.workspace_id, notification_id, caller.person_id
    )
    return schemas.Notification.model_validate(row)


@router.get("/me/notification-preferences", response_model=schemas.NotificationPreferences)
def my_preferences(session: SessionDep, caller: Person) -> schemas.NotificationPreferences:
    return preferences_service.get_preferences(session, caller.workspace_id, caller.person_id)


@router.patch("/me/notification-preferences", response_model=schemas.NotificationPreferences)
def update_my_preferences(
    body: schemas.NotificationPreferencesUpdate, session: SessionDep, caller: Person
) -> schemas.NotificationPreferences:
    return preferences_service.update_preferences(session, caller.workspace_id, caller.person_id, body)


@router.get("/notifications/outbox", response_model=list[schemas.OutboxEntry])
def list_outbox(
    session: SessionDep, admin: Admin, status: DeliveryStatus | None = None
) -> list[schemas.OutboxEntry]:
    """Email, Slack and Teams deliveries, newest first; ``status=dead`` lists the dead letters and their errors."""
    rows = notifications_service.list_outbox(
        session, admin.workspace_id, statuses=[status] if status else None
    )
    return [schemas.OutboxEntry.model_validate(row) for row in rows]


@router.post("/notifications/outbox/{notification_id}/retry", response_model=schemas.OutboxEntry)
def retry_notification(notification_id: ResourceId, session: SessionDep, admin: Admin) -> schemas.OutboxEntry:
    row = notifications_service.retry_notification(
        session, admin.workspace_id, notification_id, actor=admin.actor
    )
    return schemas.OutboxEntry.model_validate(row)


@router.get("/webhooks", response_model=list[schemas.Webhook])
def list_webhooks(session: SessionDep, admin: Admin) -> list[schemas.Webhook]:
    return [
        webhooks_service.webhook_output(webhook)
        for webhook in webhooks_service.list_webhooks(session, admin.workspace_id)
    ]


@router.post("/webhooks", status_code=201, response_model=schemas.Webhook)
def create_webhook(
    body: schemas.WebhookCreate, session: SessionDep, settings: SettingsDep, admin: Admin
) -> schemas.Webhook:
    return webhooks_service.webhook_output(
        webhooks_service.create_webhook(
            session,
            admin.workspace_id,
            body,
            actor=admin.actor,
            allow_internal=settings.webhook_allow_internal,
        )
    )


@router.delete("/webhooks/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: ResourceId, session: SessionDep, admin: Admin) -> Response:
    webhooks_service.delete_webhook(session, admin.workspace_id, webhook_id, actor=admin.actor)
    return Response(status_code=204)
