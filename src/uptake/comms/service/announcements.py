"""Announcements: drafted, scheduled or sent to a cohort, with read receipts, acknowledgements and a report per
part of the cohort that keeps the privacy floor.

Other domains and the demo get announcements as ``schemas.Announcement`` and read receipts as ``Receipt``; the
domain's own pages and API read the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from uptake.access.principal import Principal
from uptake.audit import service as audit_service
from uptake.comms import repository, schemas
from uptake.comms.models import Announcement, AnnouncementRecipient, AnnouncementStatus
from uptake.comms.service.audiences import resolve_audience
from uptake.comms.service.job_workspaces import job_workspace_ids, job_workspace_session
from uptake.comms.service.notifications import enqueue_notification, enqueue_webhook_message
from uptake.comms.service.webhooks import check_webhook_ids
from uptake.db import utcnow
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import teams as teams_service
from uptake.errors import Conflict, FieldError, InvalidInput, NotFound
from uptake.jobs.service import JobContext


class AnnouncementNotFound(NotFound):
    title = "There is no such announcement."


class AnnouncementAlreadySent(Conflict):
    title = "This announcement was sent already."


class NotARecipient(NotFound):
    title = "This announcement was not sent to you."


def _announcement_snapshot(announcement: Announcement) -> dict[str, Any]:
    return {
        "title": announcement.title,
        "audience": announcement.audience,
        "requires_acknowledgement": announcement.requires_acknowledgement,
        "status": str(announcement.status),
        "scheduled_for": announcement.scheduled_for,
        "audience_size": announcement.audience_size,
    }


def create_announcement(
    session: Session,
    workspace_id: int,
    body: schemas.AnnouncementCreate,
    *,
    author: Principal,
    now: datetime | None = None,
) -> schemas.Announcement:
    """A draft, a scheduled announcement (``scheduled_for``), or one sent at once (``send_now``)."""
    now = now or utcnow()
    resolve_audience(session, workspace_id, body.audience)  # names every unknown team, role or use case now
    check_webhook_ids(session, workspace_id, body.webhook_ids)
    if body.scheduled_for is not None and body.scheduled_for <= now and not body.send_now:
        raise InvalidInput(errors=[FieldError("scheduled_for", "must be in the future (or send it now)")])
    announcement = Announcement(
        workspace_id=workspace_id,
        title=body.title,
        body_markdown=body.body_markdown,
        audience=body.audience.model_dump(mode="json"),
        requires_acknowledgement=body.requires_acknowledgement,
        webhook_ids=list(body.webhook_ids),
        status=AnnouncementStatus.scheduled
        if body.scheduled_for and not body.send_now
        else AnnouncementStatus.draft,
        scheduled_for=None if body.send_now else body.scheduled_for,
        author_id=author.person_id,
        created_at=now,
    )
    session.add(announcement)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=author.actor,
        action="comms.announcement.created",
        target=f"announcement:{announcement.id}",
        after=_announcement_snapshot(announcement),
    )
    if body.send_now:
        send_announcement(session, workspace_id, announcement.id, actor=author.actor, now=now)
    return schemas.Announcement.model_validate(announcement)


def get_announcement(session: Session, workspace_id: int, announcement_id: int) -> Announcement:
    announcement = repository.get_announcement(session, workspace_id, announcement_id)
    if announcement is None:
        raise AnnouncementNotFound(
            f"announcement {announcement_id} does not exist", announcement_id=announcement_id
        )
    return announcement


def list_announcements(session: Session, workspace_id: int) -> list[Announcement]:
    return repository.list_announcements(session, workspace_id)


def schedule_announcement(
    session: Session, workspace_id: int, announcement_id: int, scheduled_for: datetime | None, *, actor: str
) -> Announcement:
    """Schedule a draft (or reschedule), or turn a scheduled one back into a draft with ``None``."""
    announcement = get_announcement(session, workspace_id, announcement_id)
    if announcement.status == AnnouncementStatus.sent:
        raise AnnouncementAlreadySent(f"announcement {announcement_id} was sent at {announcement.sent_at}")
    if scheduled_for is not None and scheduled_for <= utcnow():
        raise InvalidInput(errors=[FieldError("scheduled_for", "must be in the future")])
    before = _announcement_snapshot(announcement)
    announcement.scheduled_for = scheduled_for
    announcement.status = AnnouncementStatus.scheduled if scheduled_for else AnnouncementStatus.draft
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="comms.announcement.scheduled",
        target=f"announcement:{announcement.id}",
        before=before,
        after=_announcement_snapshot(announcement),
    )
    return announcement


def send_announcement(
    session: Session, workspace_id: int, announcement_id: int, *, actor: str, now: datetime | None = None
) -> Announcement:
    """Send to the cohort as it is now: recipients are recorded (for read receipts), each is notified through the
    outbox, and the chosen Slack/Teams channels get one post each."""
    now = now or utcnow()
    announcement = get_announcement(session, workspace_id, announcement_id)
    if announcement.status == AnnouncementStatus.sent:
        raise AnnouncementAlreadySent(f"announcement {announcement_id} was sent at {announcement.sent_at}")
    audience = schemas.Audience.model_validate(announcement.audience)
    members = resolve_audience(session, workspace_id, audience)
    repository.insert_recipients(
        session,
        workspace_id,
        [
            {
                "announcement_id": announcement.id,
                "person_id": member.person_id,
                "team_id": member.team_id,
                "job_role_id": member.job_role_id,
            }
            for member in members
        ],
    )
    before = _announcement_snapshot(announcement)
    announcement.status = AnnouncementStatus.sent
    announcement.sent_at = now
    announcement.audience_size = len(members)
    session.flush()
    link = f"/announcements/{announcement.id}"
    suffix = "\n\nPlease confirm that you have read it." if announcement.requires_acknowledgement else ""
    enqueue_notification(
        session,
        workspace_id,
        person_ids=[member.person_id for member in members],
        subject=announcement.title,
        body_markdown=announcement.body_markdown + suffix,
        category="announcement",
        link=link,
        dedupe_key=f"announcement:{announcement.id}",
        now=now,
    )
    if announcement.webhook_ids:
        enqueue_webhook_message(
            session,
            workspace_id,
            webhook_ids=announcement.webhook_ids,
            subject=announcement.title,
            body_markdown=announcement.body_markdown,
            category="announcement",
            link=link,
            dedupe_key=f"announcement:{announcement.id}",
            now=now,
        )
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="comms.announcement.sent",
        target=f"announcement:{announcement.id}",
        before=before,
        after=_announcement_snapshot(announcement),
    )
    return announcement


def recipient_for(
    session: Session, workspace_id: int, announcement_id: int, person_id: int
) -> AnnouncementRecipient:
    recipient = repository.get_recipient(session, workspace_id, announcement_id, person_id)
    if recipient is None:
        raise NotARecipient(
            f"announcement {announcement_id} was not sent to you", announcement_id=announcement_id
        )
    return recipient


@dataclass(frozen=True)
class Receipt:
    """When one recipient read and acknowledged an announcement (None: not yet)."""

    announcement_id: int
    person_id: int
    read_at: datetime | None
    acknowledged_at: datetime | None

    @classmethod
    def of(cls, recipient: AnnouncementRecipient) -> Receipt:
        return cls(
            recipient.announcement_id, recipient.person_id, recipient.read_at, recipient.acknowledged_at
        )


def mark_announcement_read(
    session: Session, workspace_id: int, announcement_id: int, person_id: int, *, now: datetime | None = None
) -> Receipt | None:
    """The read receipt: set when a recipient opens the announcement (others may open it without one, and get
    None)."""
    recipient = repository.get_recipient(session, workspace_id, announcement_id, person_id)
    if recipient is None:
        return None
    if recipient.read_at is None:
        recipient.read_at = now or utcnow()
        session.flush()
    return Receipt.of(recipient)


def acknowledge_announcement(
    session: Session, workspace_id: int, announcement_id: int, person_id: int, *, now: datetime | None = None
) -> Receipt:
    """ "I have read it": recorded once, with the time."""
    now = now or utcnow()
    recipient = recipient_for(session, workspace_id, announcement_id, person_id)
    if recipient.acknowledged_at is None:
        recipient.acknowledged_at = now
        recipient.read_at = recipient.read_at or now
        session.flush()
    return Receipt.of(recipient)


def list_my_announcements(
    session: Session, workspace_id: int, person_id: int
) -> list[schemas.MyAnnouncement]:
    return [
        schemas.MyAnnouncement(
            **schemas.Announcement.model_validate(announcement).model_dump(),
            read_at=recipient.read_at,
            acknowledged_at=recipient.acknowledged_at,
        )
        for announcement, recipient in repository.list_announcements_for_person(
            session, workspace_id, person_id
        )
    ]


def _completion_row(
    label: str, recipients: list[AnnouncementRecipient], privacy_floor: int
) -> schemas.CohortCompletion:
    suppressed = len(recipients) < privacy_floor
    return schemas.CohortCompletion(
        cohort=label,
        recipients=None if suppressed else len(recipients),
        read=None if suppressed else sum(1 for r in recipients if r.read_at is not None),
        acknowledged=None if suppressed else sum(1 for r in recipients if r.acknowledged_at is not None),
        suppressed=suppressed,
    )


def announcement_report(
    session: Session, workspace_id: int, announcement_id: int, *, privacy_floor: int
) -> schemas.AnnouncementReport:
    """Read and acknowledged, in all and per part of the cohort (each team chosen, or each top-level team; each
    job role chosen). A part of fewer than ``privacy_floor`` people shows no figures; when exactly one part of a
    breakdown would be hidden, the next smallest is hidden too, so no part can be worked out by subtraction."""
    announcement = get_announcement(session, workspace_id, announcement_id)
    recipients = repository.list_recipients(session, workspace_id, announcement.id)
    audience = schemas.Audience.model_validate(announcement.audience)
    teams = {team.id: team for team in teams_service.list_all_teams(session, workspace_id)}
    breakdowns: list[list[tuple[str, list[AnnouncementRecipient]]]] = []
    chosen_teams = audience.team_ids or [team.id for team in teams.values() if team.parent_id is None]
    by_team: list[tuple[str, list[AnnouncementRecipient]]] = []
    for team_id in chosen_teams:
        if team_id not in teams:
            continue
        prefix = teams[team_id].path
        inside = {other.id for other in teams.values() if other.path.startswith(prefix)}
        by_team.append((f"team: {teams[team_id].name}", [r for r in recipients if r.team_id in inside]))
    breakdowns.append(by_team)
    if audience.job_role_ids:
        roles = {role.id: role.name for role in job_roles_service.list_all_job_roles(session, workspace_id)}
        breakdowns.append(
            [
                (
                    f"job role: {roles.get(role_id, role_id)}",
                    [r for r in recipients if r.job_role_id == role_id],
                )
                for role_id in audience.job_role_ids
            ]
        )
    cohorts: list[schemas.CohortCompletion] = []
    for breakdown in breakdowns:
        rows = [_completion_row(label, members, privacy_floor) for label, members in breakdown]
        hidden = [index for index, row in enumerate(rows) if row.suppressed]
        if len(hidden) == 1 and len(rows) > 1:
            visible = sorted(
                (index for index, row in enumerate(rows) if not row.suppressed),
                key=lambda index: (len(breakdown[index][1]), index),
            )
            if visible:
                rows[visible[0]] = schemas.CohortCompletion(
                    cohort=rows[visible[0]].cohort,
                    recipients=None,
                    read=None,
                    acknowledged=None,
                    suppressed=True,
                )
        cohorts.extend(rows)
    return schemas.AnnouncementReport(
        announcement_id=announcement.id,
        requires_acknowledgement=announcement.requires_acknowledgement,
        total=_completion_row("everyone it was sent to", recipients, privacy_floor),
        cohorts=cohorts,
    )


def send_scheduled_announcements(context: JobContext) -> dict[str, Any]:
    """The scheduled job: send every announcement whose time has come."""
    now = utcnow()
    sent = 0
    for workspace_id in job_workspace_ids(context):
        with job_workspace_session(context, workspace_id) as session:
            for announcement in repository.list_due_scheduled_announcements(session, workspace_id, now):
                send_announcement(session, workspace_id, announcement.id, actor="system", now=now)
                sent += 1
            session.commit()
    return {"sent": sent}
