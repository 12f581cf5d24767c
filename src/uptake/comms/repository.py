"""Every query of communication, always scoped to one workspace (the outbox claim included).

One module for all of comms' nouns (about 400 lines): the queries are short, and announcements, questions,
office hours and the outbox share the recipient and webhook lookups, so a split by noun would only scatter them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from uptake.comms.models import (
    Announcement,
    AnnouncementRecipient,
    AnnouncementStatus,
    Answer,
    Channel,
    DeliveryStatus,
    FaqEntry,
    Notification,
    NotificationPreference,
    OfficeHours,
    Question,
    QuestionStatus,
    Webhook,
)

CHUNK = 500
SENT_BY_WORKER = (Channel.email, Channel.slack, Channel.teams)


def _chunks(values: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# -- announcements ----------------------------------------------------------------------------------------------


def get_announcement(session: Session, workspace_id: int, announcement_id: int) -> Announcement | None:
    return session.scalar(
        select(Announcement).where(
            Announcement.workspace_id == workspace_id, Announcement.id == announcement_id
        )
    )


def list_announcements(session: Session, workspace_id: int, *, limit: int = 100) -> list[Announcement]:
    query = (
        select(Announcement)
        .where(Announcement.workspace_id == workspace_id)
        .order_by(Announcement.created_at.desc(), Announcement.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def list_due_scheduled_announcements(
    session: Session, workspace_id: int, now: datetime
) -> list[Announcement]:
    query = select(Announcement).where(
        Announcement.workspace_id == workspace_id,
        Announcement.status == AnnouncementStatus.scheduled,
        Announcement.scheduled_for <= now,
    )
    return list(session.scalars(query))


def insert_recipients(session: Session, workspace_id: int, rows: list[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        session.execute(
            insert(AnnouncementRecipient), [{**row, "workspace_id": workspace_id} for row in chunk]
        )


def get_recipient(
    session: Session, workspace_id: int, announcement_id: int, person_id: int
) -> AnnouncementRecipient | None:
    query = select(AnnouncementRecipient).where(
        AnnouncementRecipient.workspace_id == workspace_id,
        AnnouncementRecipient.announcement_id == announcement_id,
        AnnouncementRecipient.person_id == person_id,
    )
    return session.scalar(query)


def list_recipients(session: Session, workspace_id: int, announcement_id: int) -> list[AnnouncementRecipient]:
    query = select(AnnouncementRecipient).where(
        AnnouncementRecipient.workspace_id == workspace_id,
        AnnouncementRecipient.announcement_id == announcement_id,
    )
    return list(session.scalars(query))


def list_announcements_for_person(
    session: Session, workspace_id: int, person_id: int, *, limit: int = 50
) -> list[tuple[Announcement, AnnouncementRecipient]]:
    query = (
        select(Announcement, AnnouncementRecipient)
        .join(AnnouncementRecipient, AnnouncementRecipient.announcement_id == Announcement.id)
        .where(Announcement.workspace_id == workspace_id, AnnouncementRecipient.person_id == person_id)
        .order_by(Announcement.sent_at.desc(), Announcement.id.desc())
        .limit(limit)
    )
    return [(announcement, recipient) for announcement, recipient in session.execute(query)]


# -- questions, answers, FAQ ------------------------------------------------------------------------------------


def get_question(session: Session, workspace_id: int, question_id: int) -> Question | None:
    return session.scalar(
        select(Question).where(Question.workspace_id == workspace_id, Question.id == question_id)
    )


def list_questions(
    session: Session,
    workspace_id: int,
    *,
    use_case_slug: str | None = None,
    status: QuestionStatus | None = None,
    limit: int = 100,
) -> list[Question]:
    query = select(Question).where(Question.workspace_id == workspace_id)
    if use_case_slug is not None:
        query = query.where(Question.use_case_slug == use_case_slug)
    if status is not None:
        query = query.where(Question.status == status)
    return list(session.scalars(query.order_by(Question.created_at.desc(), Question.id.desc()).limit(limit)))


def list_questions_to_tell_owners(session: Session, workspace_id: int) -> list[Question]:
    query = select(Question).where(Question.workspace_id == workspace_id, Question.owners_notified.is_(False))
    return list(session.scalars(query.order_by(Question.id)))


def list_unanswered_before(session: Session, workspace_id: int, before: datetime) -> list[Question]:
    query = select(Question).where(
        Question.workspace_id == workspace_id,
        Question.status == QuestionStatus.open,
        Question.created_at < before,
    )
    return list(session.scalars(query.order_by(Question.id)))


def list_answers(session: Session, workspace_id: int, question_ids: Collection[int]) -> list[Answer]:
    if not question_ids:
        return []
    query = (
        select(Answer)
        .where(Answer.workspace_id == workspace_id, Answer.question_id.in_(list(question_ids)))
        .order_by(Answer.created_at, Answer.id)
    )
    return list(session.scalars(query))


def get_answer(session: Session, workspace_id: int, answer_id: int) -> Answer | None:
    return session.scalar(select(Answer).where(Answer.workspace_id == workspace_id, Answer.id == answer_id))


def list_faq(session: Session, workspace_id: int, use_case_slug: str) -> list[FaqEntry]:
    query = (
        select(FaqEntry)
        .where(FaqEntry.workspace_id == workspace_id, FaqEntry.use_case_slug == use_case_slug)
        .order_by(FaqEntry.position, FaqEntry.id)
    )
    return list(session.scalars(query))


def get_faq_for_question(session: Session, workspace_id: int, question_id: int) -> FaqEntry | None:
    return session.scalar(
        select(FaqEntry).where(FaqEntry.workspace_id == workspace_id, FaqEntry.question_id == question_id)
    )


def get_faq_entry(session: Session, workspace_id: int, entry_id: int) -> FaqEntry | None:
    return session.scalar(
        select(FaqEntry).where(FaqEntry.workspace_id == workspace_id, FaqEntry.id == entry_id)
    )


def next_faq_position(session: Session, workspace_id: int, use_case_slug: str) -> int:
    query = select(func.max(FaqEntry.position)).where(
        FaqEntry.workspace_id == workspace_id, FaqEntry.use_case_slug == use_case_slug
    )
    return int(session.scalar(query) or 0) + 1


# -- office hours -----------------------------------------------------------------------------------------------


def list_office_hours(
    session: Session,
    workspace_id: int,
    *,
    since: datetime,
    team_ids: Collection[int] | None = None,
    use_case_slug: str | None = None,
) -> list[OfficeHours]:
    query = select(OfficeHours).where(
        OfficeHours.workspace_id == workspace_id, OfficeHours.starts_at >= since
    )
    if team_ids is not None:
        query = query.where(OfficeHours.team_id.in_(list(team_ids)))
    if use_case_slug is not None:
        query = query.where(OfficeHours.use_case_slug == use_case_slug)
    return list(session.scalars(query.order_by(OfficeHours.starts_at)))


# -- webhooks and preferences -----------------------------------------------------------------------------------


def list_webhooks(session: Session, workspace_id: int) -> list[Webhook]:
    return list(
        session.scalars(select(Webhook).where(Webhook.workspace_id == workspace_id).order_by(Webhook.name))
    )


def list_webhooks_by_ids(session: Session, workspace_id: int, webhook_ids: Collection[int]) -> list[Webhook]:
    if not webhook_ids:
        return []
    query = select(Webhook).where(Webhook.workspace_id == workspace_id, Webhook.id.in_(list(webhook_ids)))
    return list(session.scalars(query))


def list_webhooks_for_teams(session: Session, workspace_id: int, team_ids: Collection[int]) -> list[Webhook]:
    if not team_ids:
        return []
    query = select(Webhook).where(
        Webhook.workspace_id == workspace_id,
        Webhook.team_id.in_(list(team_ids)),
        Webhook.is_enabled.is_(True),
    )
    return list(session.scalars(query))


def get_webhook(session: Session, workspace_id: int, webhook_id: int) -> Webhook | None:
    return session.scalar(
        select(Webhook).where(Webhook.workspace_id == workspace_id, Webhook.id == webhook_id)
    )


def get_preference(session: Session, workspace_id: int, person_id: int) -> NotificationPreference | None:
    query = select(NotificationPreference).where(
        NotificationPreference.workspace_id == workspace_id, NotificationPreference.person_id == person_id
    )
    return session.scalar(query)


def preferences_for(
    session: Session, workspace_id: int, person_ids: Collection[int]
) -> dict[int, NotificationPreference]:
    found: dict[int, NotificationPreference] = {}
    for chunk in _chunks(sorted(person_ids)):
        query = select(NotificationPreference).where(
            NotificationPreference.workspace_id == workspace_id, NotificationPreference.person_id.in_(chunk)
        )
        found.update({preference.person_id: preference for preference in session.scalars(query)})
    return found


# -- the outbox -------------------------------------------------------------------------------------------------


def existing_dedupe_keys(session: Session, workspace_id: int, keys: Collection[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(keys)):
        query = select(Notification.dedupe_key).where(
            Notification.workspace_id == workspace_id, Notification.dedupe_key.in_(chunk)
        )
        found.update(key for key in session.scalars(query) if key is not None)
    return found


def insert_notifications(session: Session, workspace_id: int, rows: list[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        session.execute(insert(Notification), [{**row, "workspace_id": workspace_id} for row in chunk])


def get_notification(session: Session, workspace_id: int, notification_id: int) -> Notification | None:
    return session.scalar(
        select(Notification).where(
            Notification.workspace_id == workspace_id, Notification.id == notification_id
        )
    )


def _claimable(workspace_id: int, now: datetime) -> Any:
    return and_(
        Notification.workspace_id == workspace_id,
        Notification.channel.in_(list(SENT_BY_WORKER)),
        or_(
            and_(Notification.status == DeliveryStatus.pending, Notification.next_attempt_at <= now),
            and_(Notification.status == DeliveryStatus.sending, Notification.claimed_until < now),
        ),
    )


def claim_next_notification(
    session: Session, workspace_id: int, *, worker_id: str, now: datetime, claimed_until: datetime
) -> int | None:
    """Atomically take the oldest due notification (or one whose worker's claim ran out) for this worker."""
    candidate = (
        select(Notification.id)
        .where(_claimable(workspace_id, now))
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidate = candidate.with_for_update(skip_locked=True)
    claimed = session.execute(
        update(Notification)
        .where(Notification.id == candidate.scalar_subquery(), _claimable(workspace_id, now))
        .values(
            status=DeliveryStatus.sending,
            claimed_by=worker_id,
            claimed_until=claimed_until,
            attempts=Notification.attempts + 1,
        )
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    return int(claimed) if claimed is not None else None


def finish_claim(
    session: Session, workspace_id: int, notification_id: int, worker_id: str, values: dict[str, Any]
) -> bool:
    """Record how a claimed delivery ended, only if this worker still holds the claim."""
    result = session.execute(
        update(Notification)
        .where(
            Notification.workspace_id == workspace_id,
            Notification.id == notification_id,
            Notification.claimed_by == worker_id,
            Notification.status == DeliveryStatus.sending,
        )
        .values(claimed_by=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def workspace_ids_with_due_notifications(session: Session, now: datetime) -> list[int]:
    """Which workspaces have something to send (called across workspaces by the scheduled delivery)."""
    query = (
        select(Notification.workspace_id)
        .where(
            Notification.channel.in_(list(SENT_BY_WORKER)),
            or_(
                and_(Notification.status == DeliveryStatus.pending, Notification.next_attempt_at <= now),
                and_(Notification.status == DeliveryStatus.sending, Notification.claimed_until < now),
            ),
        )
        .distinct()
    )
    return sorted(int(value) for value in session.scalars(query))


def list_notifications(
    session: Session,
    workspace_id: int,
    *,
    person_id: int | None = None,
    channel: Channel | None = None,
    statuses: Collection[DeliveryStatus] | None = None,
    limit: int = 100,
) -> list[Notification]:
    query = select(Notification).where(Notification.workspace_id == workspace_id)
    if person_id is not None:
        query = query.where(Notification.person_id == person_id)
    if channel is not None:
        query = query.where(Notification.channel == channel)
    if statuses is not None:
        query = query.where(Notification.status.in_(list(statuses)))
    return list(
        session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit))
    )


def count_unread(session: Session, workspace_id: int, person_id: int) -> int:
    query = select(func.count()).where(
        Notification.workspace_id == workspace_id,
        Notification.person_id == person_id,
        Notification.channel == Channel.in_app,
        Notification.read_at.is_(None),
    )
    return int(session.scalar(query) or 0)


def count_outbox_by_status(session: Session, workspace_id: int) -> dict[str, int]:
    query = (
        select(Notification.status, func.count())
        .where(Notification.workspace_id == workspace_id, Notification.channel != Channel.in_app)
        .group_by(Notification.status)
    )
    return {str(status): int(count) for status, count in session.execute(query)}


def list_held_for_digest(session: Session, workspace_id: int) -> list[Notification]:
    query = select(Notification).where(
        Notification.workspace_id == workspace_id, Notification.status == DeliveryStatus.held
    )
    return list(session.scalars(query.order_by(Notification.person_id, Notification.id)))


def workspace_ids_with(session: Session, status: DeliveryStatus) -> list[int]:
    query = select(Notification.workspace_id).where(Notification.status == status).distinct()
    return sorted(int(value) for value in session.scalars(query))


def list_questions_asked_by(session: Session, workspace_id: int, person_id: int) -> list[Question]:
    query = (
        select(Question)
        .where(Question.workspace_id == workspace_id, Question.asker_id == person_id)
        .order_by(Question.id)
    )
    return list(session.scalars(query))


def list_answers_written_by(session: Session, workspace_id: int, person_id: int) -> list[Answer]:
    query = (
        select(Answer)
        .where(Answer.workspace_id == workspace_id, Answer.author_id == person_id)
        .order_by(Answer.id)
    )
    return list(session.scalars(query))
