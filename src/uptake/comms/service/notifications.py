"""Notifications: the one door every domain uses to notify people (``enqueue_notification``), the inbox, and the
outbox's delivery job and retries.

The outbox is one table. Enqueuing writes the in-app row (delivered by being written) and one email row per person
who wants email (held for their digest when they chose one); ``comms/delivery.py`` is the worker that sends email,
Slack and Teams rows with retries, backoff and dead-lettering (docs/notifications.md).

Other domains and the demo read the inbox as ``schemas.Notification`` and the outbox as ``OutboxItem`` (plain
values); the API shows an outbox item as ``schemas.OutboxEntry``, without its link (a survey's link holds the
invitee's one-time token).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.comms import delivery, repository, schemas
from uptake.comms.models import Channel, DeliveryStatus, DigestMode, Notification, WebhookKind
from uptake.comms.service.audiences import LEFT
from uptake.db import utcnow
from uptake.directory.service import people as people_service
from uptake.errors import Conflict, NotFound
from uptake.jobs import schemas as jobs_schemas
from uptake.jobs import service as jobs_service
from uptake.jobs.service import JobContext, JobDefinition

DELIVERY_JOB = "comms.deliver_notifications"


class NotificationNotFound(NotFound):
    title = "There is no such notification."


class NotDeadLettered(Conflict):
    title = "Only a dead-lettered notification can be retried."


def _stored_key(dedupe_key: str | None, channel: Channel, recipient: str) -> str | None:
    return None if dedupe_key is None else f"{dedupe_key}|{channel.value}|{recipient}"[:300]


FEW_RECIPIENTS = 500


def enqueue_notification(
    session: Session,
    workspace_id: int,
    *,
    person_ids: Collection[int],
    subject: str,
    body_markdown: str,
    category: str,
    link: str | None = None,
    dedupe_key: str | None = None,
    now: datetime | None = None,
) -> int:
    """Notify people: an in-app notification each, and an email each for those who want email of this category
    (held for their digest when they chose one). With ``dedupe_key``, enqueuing the same notification again adds
    nothing for people who already have it. Returns how many outbox rows were added. Nothing is sent here: the
    worker sends after this transaction commits, so a rolled-back change notifies no one."""
    now = now or utcnow()
    if not person_ids:
        return 0
    wanted = set(person_ids)
    # A few people are looked up by id; a large cohort reads the directory once (one query either way).
    found = (
        people_service.list_people_by_ids(session, workspace_id, sorted(wanted))
        if len(wanted) <= FEW_RECIPIENTS
        else people_service.person_snapshots(session, workspace_id)
    )
    people = {
        person.id: person for person in found if person.id in wanted and str(person.employment_status) != LEFT
    }
    preferences = repository.preferences_for(session, workspace_id, list(people))
    rows: list[dict[str, Any]] = []
    base = {
        "category": category[:50],
        "subject": subject[:300],
        "body_markdown": body_markdown,
        "link": link,
        "created_at": now,
        "next_attempt_at": now,
        "attempts": 0,
    }
    for person_id in sorted(people):
        preference = preferences.get(person_id)
        rows.append(
            {
                **base,
                "person_id": person_id,
                "channel": Channel.in_app,
                "status": DeliveryStatus.sent,
                "sent_at": now,
                "dedupe_key": _stored_key(dedupe_key, Channel.in_app, f"person:{person_id}"),
                "message_key": uuid.uuid4().hex,
            }
        )
        wants_email = preference is None or (
            preference.email_enabled and category not in (preference.muted_categories or [])
        )
        if wants_email:
            held = preference is not None and preference.digest != DigestMode.immediate
            rows.append(
                {
                    **base,
                    "person_id": person_id,
                    "channel": Channel.email,
                    "status": DeliveryStatus.held if held else DeliveryStatus.pending,
                    "dedupe_key": _stored_key(dedupe_key, Channel.email, f"person:{person_id}"),
                    "message_key": uuid.uuid4().hex,
                }
            )
    return _insert_new(session, workspace_id, rows)


def enqueue_webhook_message(
    session: Session,
    workspace_id: int,
    *,
    webhook_ids: Collection[int],
    subject: str,
    body_markdown: str,
    category: str,
    link: str | None = None,
    dedupe_key: str | None = None,
    now: datetime | None = None,
) -> int:
    """Post to Slack or Teams channels (enabled webhooks among ``webhook_ids``) through the outbox."""
    now = now or utcnow()
    rows = [
        {
            "webhook_id": webhook.id,
            "channel": Channel.slack if webhook.kind == WebhookKind.slack else Channel.teams,
            "category": category[:50],
            "subject": subject[:300],
            "body_markdown": body_markdown,
            "link": link,
            "created_at": now,
            "next_attempt_at": now,
            "attempts": 0,
            "status": DeliveryStatus.pending,
            "dedupe_key": _stored_key(
                dedupe_key,
                Channel.slack if webhook.kind == WebhookKind.slack else Channel.teams,
                f"webhook:{webhook.id}",
            ),
            "message_key": uuid.uuid4().hex,
        }
        for webhook in repository.list_webhooks_by_ids(session, workspace_id, webhook_ids)
        if webhook.is_enabled
    ]
    return _insert_new(session, workspace_id, rows)


def _insert_new(session: Session, workspace_id: int, rows: list[dict[str, Any]]) -> int:
    keys = [row["dedupe_key"] for row in rows if row["dedupe_key"] is not None]
    existing = repository.existing_dedupe_keys(session, workspace_id, keys) if keys else set()
    fresh = [row for row in rows if row["dedupe_key"] is None or row["dedupe_key"] not in existing]
    if not fresh:
        return 0
    repository.insert_notifications(session, workspace_id, fresh)
    if any(row["status"] == DeliveryStatus.pending for row in fresh):
        request_delivery(session, workspace_id)
    return len(fresh)


def deliver_notifications(context: JobContext) -> dict[str, Any]:
    """The delivery job: send due email, Slack and Teams notifications (one workspace, or all that have some)."""
    return delivery.run_delivery(context, reschedule=request_delivery)


def delivery_job_definition() -> JobDefinition:
    return JobDefinition(
        name=DELIVERY_JOB,
        function=deliver_notifications,
        description="Send notifications waiting in the outbox by email, Slack and Microsoft Teams.",
        schedule="* * * * *",
        max_attempts=3,
    )


def request_delivery(session: Session, workspace_id: int, *, run_at: datetime | None = None) -> None:
    """Queue a delivery run for the workspace unless one is already queued to run by then."""
    run_at = run_at or utcnow()
    for job in jobs_service.list_jobs(
        session, workspace_id, statuses=[jobs_schemas.JobStatus.queued], limit=200
    ):
        if job.name == DELIVERY_JOB and job.workspace_id == workspace_id and job.run_at <= run_at:
            return
    jobs_service.enqueue_job(
        session,
        {DELIVERY_JOB: delivery_job_definition()},
        DELIVERY_JOB,
        workspace_id=workspace_id,
        run_at=run_at,
    )


def list_inbox(
    session: Session, workspace_id: int, person_id: int, *, limit: int = 50
) -> list[schemas.Notification]:
    """A person's in-app notifications, newest first."""
    rows = repository.list_notifications(
        session, workspace_id, person_id=person_id, channel=Channel.in_app, limit=limit
    )
    return [schemas.Notification.model_validate(row) for row in rows]


def count_unread(session: Session, workspace_id: int, person_id: int) -> int:
    return repository.count_unread(session, workspace_id, person_id)


def mark_notification_read(
    session: Session, workspace_id: int, notification_id: int, person_id: int
) -> Notification:
    notification = repository.get_notification(session, workspace_id, notification_id)
    if notification is None or notification.person_id != person_id or notification.channel != Channel.in_app:
        raise NotificationNotFound(f"notification {notification_id} is not in your inbox")
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.flush()
    return notification


@dataclass(frozen=True)
class OutboxItem:
    """One email, Slack or Teams message in the outbox, and where its delivery stands."""

    id: int
    channel: Channel
    category: str
    subject: str
    link: str | None
    person_id: int | None
    webhook_id: int | None
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, row: Notification) -> OutboxItem:
        return cls(
            id=row.id,
            channel=row.channel,
            category=row.category,
            subject=row.subject,
            link=row.link,
            person_id=row.person_id,
            webhook_id=row.webhook_id,
            status=row.status,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            last_error=row.last_error,
            created_at=row.created_at,
            sent_at=row.sent_at,
        )


def list_outbox(
    session: Session,
    workspace_id: int,
    *,
    statuses: Collection[DeliveryStatus] | None = None,
    limit: int = 100,
) -> list[OutboxItem]:
    """Email, Slack and Teams messages, newest first."""
    rows = repository.list_notifications(session, workspace_id, statuses=statuses, limit=limit * 2)
    return [OutboxItem.of(row) for row in rows if row.channel != Channel.in_app][:limit]


def count_outbox_by_status(session: Session, workspace_id: int) -> dict[str, int]:
    return repository.count_outbox_by_status(session, workspace_id)


def retry_notification(
    session: Session, workspace_id: int, notification_id: int, *, actor: str
) -> Notification:
    """Put a dead-lettered notification back in the queue with fresh tries (its last error is kept until then)."""
    notification = repository.get_notification(session, workspace_id, notification_id)
    if notification is None or notification.channel == Channel.in_app:
        raise NotificationNotFound(f"notification {notification_id} is not in the outbox")
    if notification.status not in (DeliveryStatus.dead, DeliveryStatus.skipped):
        raise NotDeadLettered(f"notification {notification_id} is {notification.status.value}")
    notification.status = DeliveryStatus.pending
    notification.attempts = 0
    notification.next_attempt_at = utcnow()
    session.flush()
    request_delivery(session, workspace_id)
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="comms.notification.retried",
        target=f"notification:{notification.id}",
    )
    return notification
