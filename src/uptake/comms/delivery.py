"""The outbox worker: claims due notifications one at a time, sends each by its channel, records the outcome.

Each notification goes through three short transactions: claim (``sending``, with a lease), send, then mark
(``sent``; or back to ``pending`` with a backoff; or ``dead`` with the error kept after the last try or on a
permanent refusal). A worker that dies after the send but before the mark leaves the row ``sending``; once the
lease runs out another worker sends it again, with the same Message-ID (email) or Idempotency-Key (webhooks), so
a receiver that de-duplicates drops the second copy (docs/notifications.md says which do).
"""

from __future__ import annotations

import os
import random
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import structlog
from sqlalchemy.orm import Session, sessionmaker

from uptake.comms import channels, repository
from uptake.comms.models import Channel, DeliveryStatus, Notification, Webhook
from uptake.comms.service import webhooks as webhooks_service
from uptake.db import across_workspaces, bind_workspace, utcnow
from uptake.directory.service import people as people_service
from uptake.jobs import service as jobs_service
from uptake.jobs.service import JobContext
from uptake.settings import Settings

log = structlog.get_logger("uptake.comms.delivery")

BACKOFF_BASE_SECONDS = 30.0
BACKOFF_CAP_SECONDS = 6 * 3600.0
RUN_BUDGET_SECONDS = 240.0
RESCHEDULE_HORIZON = timedelta(minutes=2)
PERMANENT_HTTP_STATUSES = frozenset({400, 401, 403, 404, 410})


class DeliveryFailed(Exception):
    """A try failed; ``permanent`` when trying again cannot help (a refused address, a removed webhook)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def backoff_delay(attempt: int, *, rng: random.Random | None = None) -> float:
    """Seconds before try ``attempt + 1``: 30 s doubling each time, at most 6 hours, ±20 % jitter."""
    base = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * (2 ** max(0, attempt - 1)))
    return float(base * (rng or random).uniform(0.8, 1.2))


def lease_seconds(settings: Settings) -> float:
    """How long a claim holds: the setting, but never shorter than one send can take."""
    return max(float(settings.notification_lease_seconds), settings.smtp_timeout_seconds + 1.0)


class Mailer:
    """One SMTP connection, opened on first use and reused for the following messages."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        assert settings.smtp_host is not None
        timeout = settings.smtp_timeout_seconds
        connection: smtplib.SMTP
        if settings.smtp_security == "tls":
            connection = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            connection = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
            if settings.smtp_security == "starttls":
                connection.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            connection.login(settings.smtp_username, password)
        return connection

    def send(self, message: EmailMessage, recipient: str) -> None:
        try:
            if self._connection is None:
                self._connection = self._connect()
            self._connection.send_message(message, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as error:
            self.close()
            raise DeliveryFailed(
                f"the SMTP server refused {recipient}: {error.recipients}", permanent=True
            ) from None
        except smtplib.SMTPResponseException as error:
            self.close()
            detail = (
                error.smtp_error.decode("utf-8", "replace")
                if isinstance(error.smtp_error, bytes)
                else error.smtp_error
            )
            raise DeliveryFailed(
                f"SMTP {error.smtp_code}: {detail}", permanent=500 <= error.smtp_code < 600
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise DeliveryFailed(f"SMTP connection failed: {type(error).__name__}: {error}") from None

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.quit()
            except (smtplib.SMTPException, OSError):
                self._connection.close()
            self._connection = None


def post_webhook(client: httpx.Client, url: str, payload: dict[str, Any], message_key: str) -> None:
    try:
        response = client.post(url, json=payload, headers={"Idempotency-Key": message_key})
    except httpx.HTTPError as error:
        raise DeliveryFailed(f"webhook call failed: {type(error).__name__}: {error}") from None
    if response.status_code >= 300:
        # The reply's body is never kept or shown: a webhook must not become a way to read another server.
        raise DeliveryFailed(
            f"webhook answered {response.status_code}",
            permanent=response.status_code in PERMANENT_HTTP_STATUSES,
        )


@dataclass
class DeliveryRun:
    """What one run of the delivery job did."""

    sent: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0
    workspaces: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "retried": self.retried, "dead": self.dead, "skipped": self.skipped}


@dataclass
class Senders:
    settings: Settings
    mailer: Mailer
    http: httpx.Client

    def close(self) -> None:
        self.mailer.close()
        self.http.close()


def _send(session: Session, workspace_id: int, notification: Notification, senders: Senders) -> None:
    settings = senders.settings
    message = channels.OutgoingMessage(
        subject=notification.subject,
        body_markdown=notification.body_markdown,
        link=notification.link,
        message_key=notification.message_key,
        category=notification.category,
    )
    link = channels.absolute_link(settings.base_url, notification.link)
    if notification.channel == Channel.email:
        if notification.person_id is None:
            raise DeliveryFailed("an email notification without a person", permanent=True)
        person = people_service.get_person(session, workspace_id, notification.person_id)
        email = channels.email_message(message, sender=settings.smtp_from, recipient=person.email, link=link)
        senders.mailer.send(email, person.email)
        return
    webhook: Webhook | None = (
        repository.get_webhook(session, workspace_id, notification.webhook_id)
        if notification.webhook_id
        else None
    )
    if webhook is None or not webhook.is_enabled:
        raise DeliveryFailed("the webhook was removed or switched off", permanent=True)
    payload = (
        channels.slack_payload(message, link=link)
        if notification.channel == Channel.slack
        else channels.teams_payload(message, link=link)
    )
    if not senders.settings.webhook_allow_internal:
        internal = webhooks_service.internal_destination(webhook.url, resolve=True)
        if internal is not None:
            raise DeliveryFailed(
                f"webhook refused: {internal} (setting webhook_allow_internal)", permanent=True
            )
    post_webhook(senders.http, webhook.url, payload, notification.message_key)


def deliver_workspace(
    factory: sessionmaker[Session],
    settings: Settings,
    workspace_id: int,
    *,
    senders: Senders,
    worker_id: str,
    deadline: float,
    run: DeliveryRun,
) -> None:
    """Send due notifications of one workspace until none is due or the time budget is spent."""
    lease = timedelta(seconds=lease_seconds(settings))
    while time.monotonic() < deadline:
        now = utcnow()
        with factory() as session:
            bind_workspace(session, workspace_id)
            notification_id = repository.claim_next_notification(
                session, workspace_id, worker_id=worker_id, now=now, claimed_until=now + lease
            )
            session.commit()
        if notification_id is None:
            return
        with factory() as session:
            bind_workspace(session, workspace_id)
            notification = repository.get_notification(session, workspace_id, notification_id)
            assert notification is not None
            attempts = notification.attempts
            if attempts > 1 and notification.last_error is None:
                # The last try ended without an outcome: its worker stopped while sending. The receiver may have
                # the message already; this try carries the same Message-ID / Idempotency-Key.
                log.warning(
                    "notification.resent_after_lost_claim",
                    notification_id=notification_id,
                    channel=notification.channel.value,
                    attempts=attempts,
                )
            values: dict[str, Any]
            if notification.channel == Channel.email and not settings.smtp_host:
                values = {
                    "status": DeliveryStatus.skipped,
                    "last_error": "email is not configured (UPTAKE_SMTP_HOST)",
                }
                run.skipped += 1
            else:
                try:
                    _send(session, workspace_id, notification, senders)
                except DeliveryFailed as error:
                    if error.permanent or attempts >= settings.notification_max_attempts:
                        values = {"status": DeliveryStatus.dead, "last_error": str(error)}
                        run.dead += 1
                        log.warning(
                            "notification.dead",
                            notification_id=notification_id,
                            attempts=attempts,
                            error=str(error),
                        )
                    else:
                        values = {
                            "status": DeliveryStatus.pending,
                            "last_error": str(error),
                            "next_attempt_at": utcnow() + timedelta(seconds=backoff_delay(attempts)),
                        }
                        run.retried += 1
                else:
                    values = {"status": DeliveryStatus.sent, "sent_at": utcnow(), "last_error": None}
                    run.sent += 1
            session.rollback()
            if not repository.finish_claim(session, workspace_id, notification_id, worker_id, values):
                log.warning("notification.claim_lost", notification_id=notification_id, worker=worker_id)
            session.commit()


def next_due_at(factory: sessionmaker[Session], workspace_id: int, now: datetime) -> datetime | None:
    """When something of this workspace next becomes due (a backoff ending, a dead worker's claim running out)."""
    soonest: datetime | None = None
    with factory() as session:
        bind_workspace(session, workspace_id)
        for notification in repository.list_notifications(
            session, workspace_id, statuses=[DeliveryStatus.pending, DeliveryStatus.sending], limit=10_000
        ):
            if notification.channel == Channel.in_app:
                continue
            due = (
                notification.claimed_until
                if notification.status == DeliveryStatus.sending
                else notification.next_attempt_at
            )
            if due is not None and (soonest is None or due < soonest):
                soonest = due
    return soonest


def run_delivery(context: JobContext, *, reschedule: Callable[..., None]) -> dict[str, Any]:
    """The job: deliver for the job's workspace (or every workspace with due notifications); when something falls
    due within two minutes, queue the next run for that moment rather than waiting for the minute tick."""
    settings = context.settings
    factory = jobs_service.job_session_factory(context.session)
    worker_id = f"{socket.gethostname()}:{os.getpid()}:job{context.job_id}"
    now = utcnow()
    if context.workspace_id is not None:
        workspace_ids = [context.workspace_id]
    else:
        with factory() as session, across_workspaces(session):
            workspace_ids = repository.workspace_ids_with_due_notifications(session, now)
    senders = Senders(settings, Mailer(settings), httpx.Client(timeout=settings.smtp_timeout_seconds))
    run = DeliveryRun(workspaces=workspace_ids)
    deadline = time.monotonic() + RUN_BUDGET_SECONDS
    try:
        for index, workspace_id in enumerate(workspace_ids, start=1):
            deliver_workspace(
                factory,
                settings,
                workspace_id,
                senders=senders,
                worker_id=worker_id,
                deadline=deadline,
                run=run,
            )
            context.progress(index, len(workspace_ids), f"workspace {workspace_id}")
    finally:
        senders.close()
    for workspace_id in workspace_ids:
        due = next_due_at(factory, workspace_id, utcnow())
        if due is not None and due - utcnow() < RESCHEDULE_HORIZON:
            with factory() as session:
                bind_workspace(session, workspace_id)
                reschedule(session, workspace_id, run_at=max(due, utcnow()))
                session.commit()
    return run.as_dict()
