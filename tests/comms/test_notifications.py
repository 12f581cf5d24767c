"""comms/service/notifications.py: enqueuing (in-app, email, held, deduplicated), the inbox, the outbox, retries."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from comms.comms_builders import add_person
from uptake.comms import schemas
from uptake.comms.models import Channel, DeliveryStatus, Notification
from uptake.comms.service import notifications as notifications_service
from uptake.comms.service import preferences as preferences_service
from uptake.db import session_scope
from uptake.jobs import schemas as jobs_schemas
from uptake.jobs import service as jobs_service


def _notify(session, workspace: int, people: list[int], **fields) -> int:
    return notifications_service.enqueue_notification(
        session,
        workspace,
        person_ids=people,
        subject=fields.pop("subject", "Hello"),
        body_markdown="Hi",
        category=fields.pop("category", "announcement"),
        **fields,
    )


def _outbox(session, workspace: int) -> list[tuple[int | None, str, str]]:
    return sorted(
        (item.person_id, item.channel.value, item.status.value)
        for item in notifications_service.list_outbox(session, workspace)
    )


def test_everyone_still_here_gets_one_in_app_notification_and_an_email_as_they_prefer(world) -> None:
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        plain, quiet, digest, muting = (
            add_person(session, workspace, name) for name in ("Ana", "Ben", "Cy", "Di")
        )
        gone = add_person(session, workspace, "Ed", left=True)
        for person, change in (
            (quiet, schemas.NotificationPreferencesUpdate(email_enabled=False)),
            (digest, schemas.NotificationPreferencesUpdate(digest="daily")),
            (muting, schemas.NotificationPreferencesUpdate(muted_categories=["announcement"])),
        ):
            preferences_service.update_preferences(session, workspace, person, change)
        added = _notify(session, workspace, [plain, quiet, digest, muting, gone, 999], dedupe_key="welcome")
        assert added == 4 + 2  # four in-app notifications, an email for Ana and one held for Cy's digest
        assert _outbox(session, workspace) == [(plain, "email", "pending"), (digest, "email", "held")]
        assert _notify(session, workspace, [plain, quiet], dedupe_key="welcome") == 0
        assert _notify(session, workspace, [plain]) == 2  # without a key, nothing is deduplicated
        assert _notify(session, workspace, []) == 0
        for person in (plain, quiet, digest, muting):
            assert notifications_service.count_unread(session, workspace, person) >= 1
        assert notifications_service.list_inbox(session, workspace, gone) == []


def test_a_notification_is_read_only_from_its_own_inbox(world) -> None:
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        ana, ben = add_person(session, workspace, "Ana"), add_person(session, workspace, "Ben")
        _notify(session, workspace, [ana], subject="For Ana", link="/questions/1")
        (item,) = notifications_service.list_inbox(session, workspace, ana)
        assert (item.subject, item.link, item.read_at) == ("For Ana", "/questions/1", None)
        with pytest.raises(notifications_service.NotificationNotFound):
            notifications_service.mark_notification_read(session, workspace, item.id, ben)
        read = notifications_service.mark_notification_read(session, workspace, item.id, ana)
        assert read.read_at is not None
        assert notifications_service.count_unread(session, workspace, ana) == 0
        (email,) = notifications_service.list_outbox(session, workspace)
        with pytest.raises(notifications_service.NotificationNotFound):  # an email is not in anyone's inbox
            notifications_service.mark_notification_read(session, workspace, email.id, ana)


def test_only_a_dead_letter_is_retried_and_one_delivery_run_is_queued_for_all(world) -> None:
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        ana = add_person(session, workspace, "Ana")
        _notify(session, workspace, [ana], subject="First")
        _notify(session, workspace, [ana], subject="Second")
        queued = jobs_service.list_jobs(session, workspace, statuses=[jobs_schemas.JobStatus.queued])
        assert [job.name for job in queued] == [notifications_service.DELIVERY_JOB]
        email = next(
            item for item in notifications_service.list_outbox(session, workspace) if item.subject == "First"
        )
        with pytest.raises(notifications_service.NotDeadLettered):
            notifications_service.retry_notification(session, workspace, email.id, actor="admin")
        session.execute(
            update(Notification)
            .where(Notification.id == email.id)
            .values(
                status=DeliveryStatus.dead, attempts=3, last_error="the SMTP server refused ana@example.com"
            )
        )
        retried = notifications_service.retry_notification(session, workspace, email.id, actor="admin")
        assert (retried.status, retried.attempts, retried.channel) == (
            DeliveryStatus.pending,
            0,
            Channel.email,
        )
        (in_app,) = [
            item
            for item in notifications_service.list_inbox(session, workspace, ana)
            if item.subject == "First"
        ]
        with pytest.raises(notifications_service.NotificationNotFound):
            notifications_service.retry_notification(session, workspace, in_app.id, actor="admin")
        assert notifications_service.count_outbox_by_status(session, workspace) == {"pending": 2}
