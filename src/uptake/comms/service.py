"""Communication: announcements to cohorts, questions and answers and the FAQ, office hours, and the one door
every domain uses to notify people, ``enqueue_notification``.

The outbox is one table. Enqueuing writes the in-app row (delivered by being written) and one email row per person
who wants email (held for their digest when they chose one); ``delivery.py`` is the worker that sends email,
Slack and Teams rows with retries, backoff and dead-lettering (docs/notifications.md).

File length: about 800 lines, over the usual 500 because these flows share cohorts, the outbox and their
rules; the channel payloads (``channels.py``) and the sending worker (``delivery.py``) live apart.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.auth.principal import Principal
from uptake.auth.roles import Role
from uptake.catalog import service as catalog_service
from uptake.comms import delivery, repository, schemas
from uptake.comms.models import (
    Announcement,
    AnnouncementRecipient,
    AnnouncementStatus,
    Answer,
    Channel,
    DeliveryStatus,
    DigestMode,
    FaqEntry,
    Notification,
    NotificationPreference,
    OfficeHours,
    Question,
    QuestionStatus,
    Webhook,
    WebhookKind,
)
from uptake.db import across_workspaces, bind_workspace, utcnow
from uptake.directory import service as directory_service
from uptake.enablement import service as enablement_service
from uptake.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from uptake.jobs import service as jobs_service
from uptake.jobs.service import JobContext, JobDefinition
from uptake.rollout import service as rollout_service
from uptake.workspaces import service as workspaces_service

DELIVERY_JOB = "comms.deliver_notifications"
LEFT = "left"
SAMPLE_SIZE = 10


class AnnouncementNotFound(NotFound):
    title = "There is no such announcement."


class AnnouncementAlreadySent(Conflict):
    title = "This announcement was sent already."


class NotARecipient(NotFound):
    title = "This announcement was not sent to you."


class QuestionNotFound(NotFound):
    title = "There is no such question."


class AnswerNotFound(NotFound):
    title = "There is no such answer to this question."


class NotAnAnswerer(Forbidden):
    title = "Only the use case's owner, its champions and program leads answer its questions."


class AlreadyInFaq(Conflict):
    title = "This question is in the FAQ already."


class NotificationNotFound(NotFound):
    title = "There is no such notification."


class NotDeadLettered(Conflict):
    title = "Only a dead-lettered notification can be retried."


class WebhookNotFound(NotFound):
    title = "There is no such webhook."


class NotAHost(Forbidden):
    title = "Office hours are held by champions, team leads of the team, or program leads."


# -- cohorts ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    person_id: int
    display_name: str
    team_id: int | None
    job_role_id: int | None


def _subtrees(session: Session, workspace_id: int, team_ids: Iterable[int]) -> set[int]:
    found: set[int] = set()
    for team_id in team_ids:
        found.update(directory_service.subtree_team_ids(session, workspace_id, team_id))
    return found


def use_case_audience(
    session: Session, workspace_id: int, use_case_slug: str
) -> tuple[set[int], set[int]] | None:
    """The teams (with subteams) and job roles a use case is aimed at; None when it is aimed at everyone.

    These are the use case's users until rollout entitlements exist to say who may use it.
    """
    use_case = catalog_service.get_use_case_by_slug(session, workspace_id, use_case_slug)
    team_ids, role_ids = list(use_case.target_team_ids), list(use_case.target_job_role_ids)
    if not team_ids and not role_ids:
        return None
    return _subtrees(session, workspace_id, team_ids), set(role_ids)


def resolve_audience(session: Session, workspace_id: int, audience: schemas.Audience) -> list[Member]:
    """The people in a cohort now (everyone who has not left the organization, filtered by each dimension)."""
    people = [
        person
        for person in directory_service.person_snapshots(session, workspace_id)
        if str(person.employment_status) != LEFT
    ]
    if not audience.everyone:
        if audience.team_ids:
            for team_id in audience.team_ids:
                directory_service.get_team(session, workspace_id, team_id)
            teams = _subtrees(session, workspace_id, audience.team_ids)
            people = [person for person in people if person.team_id in teams]
        if audience.job_role_ids:
            for job_role_id in audience.job_role_ids:
                directory_service.get_job_role(session, workspace_id, job_role_id)
            roles = set(audience.job_role_ids)
            people = [person for person in people if person.job_role_id in roles]
        if audience.use_case_slugs:
            targets = [use_case_audience(session, workspace_id, slug) for slug in audience.use_case_slugs]
            if all(target is not None for target in targets):
                people = [
                    person
                    for person in people
                    if any(
                        person.team_id in target[0] or person.job_role_id in target[1]
                        for target in targets
                        if target is not None
                    )
                ]
        if audience.rollout_waves:
            in_waves = _rollout_wave_people(session, workspace_id, audience.rollout_waves)
            people = [person for person in people if person.id in in_waves]
    people.sort(key=lambda person: (person.display_name.lower(), person.id))
    return [Member(person.id, person.display_name, person.team_id, person.job_role_id) for person in people]


def _rollout_wave_people(
    session: Session, workspace_id: int, waves: list[schemas.RolloutWaveRef]
) -> set[int]:
    """The people the rollout grants each use case through the named wave, now."""
    found: set[int] = set()
    for index, reference in enumerate(waves):
        plan = rollout_service.get_plan(session, workspace_id, reference.use_case_slug)
        wave = next((item for item in plan.waves if item.name == reference.wave), None)
        if wave is None:
            raise InvalidInput(
                errors=[
                    FieldError(
                        f"audience.rollout_waves[{index}].wave",
                        f"the rollout of {reference.use_case_slug!r} has no wave {reference.wave!r}",
                    )
                ]
            )
        cohort = rollout_service.wave_cohort(session, workspace_id, reference.use_case_slug, wave)
        found.update(cohort.person_ids)
    return found


def preview_audience(
    session: Session, workspace_id: int, audience: schemas.Audience
) -> schemas.AudiencePreview:
    members = resolve_audience(session, workspace_id, audience)
    return schemas.AudiencePreview(count=len(members), sample=[m.display_name for m in members[:SAMPLE_SIZE]])


# -- announcements ----------------------------------------------------------------------------------------------


def _announcement_snapshot(announcement: Announcement) -> dict[str, Any]:
    return {
        "title": announcement.title,
        "audience": announcement.audience,
        "requires_acknowledgement": announcement.requires_acknowledgement,
        "status": str(announcement.status),
        "scheduled_for": announcement.scheduled_for,
        "audience_size": announcement.audience_size,
    }


def _check_webhooks(session: Session, workspace_id: int, webhook_ids: list[int]) -> None:
    found = {webhook.id for webhook in repository.list_webhooks_by_ids(session, workspace_id, webhook_ids)}
    errors = [
        FieldError(f"webhook_ids[{index}]", f"there is no webhook {webhook_id}")
        for index, webhook_id in enumerate(webhook_ids)
        if webhook_id not in found
    ]
    if errors:
        raise InvalidInput(errors=errors)


def create_announcement(
    session: Session,
    workspace_id: int,
    body: schemas.AnnouncementCreate,
    *,
    author: Principal,
    now: datetime | None = None,
) -> Announcement:
    """A draft, a scheduled announcement (``scheduled_for``), or one sent at once (``send_now``)."""
    now = now or utcnow()
    resolve_audience(session, workspace_id, body.audience)  # names every unknown team, role or use case now
    _check_webhooks(session, workspace_id, body.webhook_ids)
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
    return announcement


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


def find_recipient(
    session: Session, workspace_id: int, announcement_id: int, person_id: int
) -> AnnouncementRecipient | None:
    return repository.get_recipient(session, workspace_id, announcement_id, person_id)


def mark_announcement_read(
    session: Session, workspace_id: int, announcement_id: int, person_id: int, *, now: datetime | None = None
) -> AnnouncementRecipient | None:
    """The read receipt: set when a recipient opens the announcement (others may open it without one)."""
    recipient = repository.get_recipient(session, workspace_id, announcement_id, person_id)
    if recipient is not None and recipient.read_at is None:
        recipient.read_at = now or utcnow()
        session.flush()
    return recipient


def acknowledge_announcement(
    session: Session, workspace_id: int, announcement_id: int, person_id: int, *, now: datetime | None = None
) -> AnnouncementRecipient:
    """ "I have read it": recorded once, with the time."""
    now = now or utcnow()
    recipient = recipient_for(session, workspace_id, announcement_id, person_id)
    if recipient.acknowledged_at is None:
        recipient.acknowledged_at = now
        recipient.read_at = recipient.read_at or now
        session.flush()
    return recipient


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
    teams = {team.id: team for team in directory_service.list_all_teams(session, workspace_id)}
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
        roles = {role.id: role.name for role in directory_service.list_all_job_roles(session, workspace_id)}
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
    for workspace_id in _workspace_ids(context):
        with _workspace_session(context, workspace_id) as session:
            for announcement in repository.list_due_scheduled_announcements(session, workspace_id, now):
                send_announcement(session, workspace_id, announcement.id, actor="system", now=now)
                sent += 1
            session.commit()
    return {"sent": sent}


# -- questions and answers --------------------------------------------------------------------------------------


def _start_of_day(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


def ask_question(
    session: Session,
    workspace_id: int,
    body: schemas.QuestionCreate,
    *,
    asker: Principal,
    now: datetime | None = None,
) -> Question:
    """Ask about a use case. Asked anonymously, nothing about the asker is stored or logged: no asker id, no audit
    entry naming them, and only the day it was asked (an exact time could be matched against login activity).
    The owner and champions hear of it from a job that runs every quarter hour, not at the moment of asking."""
    now = now or utcnow()
    catalog_service.get_use_case_by_slug(session, workspace_id, body.use_case_slug)
    question = Question(
        workspace_id=workspace_id,
        use_case_slug=body.use_case_slug,
        title=body.title,
        body=body.body,
        asker_id=None if body.anonymous else asker.person_id,
        is_anonymous=body.anonymous,
        status=QuestionStatus.open,
        created_at=_start_of_day(now) if body.anonymous else now,
    )
    session.add(question)
    session.flush()
    if not body.anonymous:
        audit_service.record_audit_entry(
            session,
            workspace_id,
            actor=asker.actor,
            action="comms.question.asked",
            target=f"question:{question.id}",
            after={"use_case_slug": question.use_case_slug},
        )
    return question


def get_question(session: Session, workspace_id: int, question_id: int) -> Question:
    question = repository.get_question(session, workspace_id, question_id)
    if question is None:
        raise QuestionNotFound(f"question {question_id} does not exist", question_id=question_id)
    return question


def is_flagged(question: Question, *, flag_days: int, now: datetime | None = None) -> bool:
    return question.status == QuestionStatus.open and question.created_at < (now or utcnow()) - timedelta(
        days=flag_days
    )


def question_output(
    question: Question, answers: list[Answer], *, flag_days: int, viewer: Principal | None = None
) -> schemas.Question:
    sees_asker = viewer is not None and (
        viewer.person_id == question.asker_id or viewer.has_role(Role.program_lead)
    )
    return schemas.Question(
        id=question.id,
        use_case_slug=question.use_case_slug,
        title=question.title,
        body=question.body,
        is_anonymous=question.is_anonymous,
        asker_id=question.asker_id if sees_asker else None,
        status=question.status.value,
        asked_on=question.created_at,
        answered_at=question.answered_at,
        is_flagged=is_flagged(question, flag_days=flag_days),
        answers=[schemas.Answer.model_validate(answer) for answer in answers],
    )


def list_questions(
    session: Session,
    workspace_id: int,
    *,
    use_case_slug: str | None = None,
    status: QuestionStatus | None = None,
    limit: int = 100,
) -> list[tuple[Question, list[Answer]]]:
    questions = repository.list_questions(
        session, workspace_id, use_case_slug=use_case_slug, status=status, limit=limit
    )
    answers: dict[int, list[Answer]] = defaultdict(list)
    for answer in repository.list_answers(session, workspace_id, [question.id for question in questions]):
        answers[answer.question_id].append(answer)
    return [(question, answers[question.id]) for question in questions]


def question_with_answers(
    session: Session, workspace_id: int, question_id: int
) -> tuple[Question, list[Answer]]:
    question = get_question(session, workspace_id, question_id)
    return question, repository.list_answers(session, workspace_id, [question.id])


def answerer_ids(session: Session, workspace_id: int, use_case_slug: str) -> list[int]:
    """Who answers questions about a use case: its owner and its champions."""
    use_case = catalog_service.get_use_case_by_slug(session, workspace_id, use_case_slug)
    people = set(
        enablement_service.list_champion_person_ids(session, workspace_id, use_case_slug=use_case_slug)
    )
    if use_case.owner_id is not None:
        people.add(use_case.owner_id)
    return sorted(people)


def may_answer(session: Session, workspace_id: int, principal: Principal, use_case_slug: str) -> bool:
    if principal.has_role(Role.program_lead):
        return True
    return principal.person_id is not None and principal.person_id in answerer_ids(
        session, workspace_id, use_case_slug
    )


def answer_question(
    session: Session,
    workspace_id: int,
    question_id: int,
    body: schemas.AnswerCreate,
    *,
    author: Principal,
    now: datetime | None = None,
) -> Answer:
    """Answer as the use case's owner, one of its champions, or a program lead; a named asker is notified."""
    now = now or utcnow()
    question = get_question(session, workspace_id, question_id)
    if not may_answer(session, workspace_id, author, question.use_case_slug):
        raise NotAnAnswerer(f"you are neither the owner nor a champion of {question.use_case_slug!r}")
    answer = Answer(
        workspace_id=workspace_id,
        question_id=question.id,
        body_markdown=body.body_markdown,
        author_id=author.person_id,
        created_at=now,
    )
    session.add(answer)
    question.status = QuestionStatus.answered
    question.answered_at = question.answered_at or now
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=author.actor,
        action="comms.question.answered",
        target=f"question:{question.id}",
        after={"answer_id": answer.id},
    )
    if question.asker_id is not None and question.asker_id != author.person_id:
        enqueue_notification(
            session,
            workspace_id,
            person_ids=[question.asker_id],
            subject=f"Your question was answered: {question.title}",
            body_markdown=body.body_markdown,
            category="answer",
            link=f"/questions/{question.id}",
            dedupe_key=f"answer:{answer.id}",
            now=now,
        )
    return answer


def promote_to_faq(
    session: Session, workspace_id: int, question_id: int, body: schemas.FaqPromotion, *, actor: Principal
) -> FaqEntry:
    """Copy an answered question (and one of its answers, or an edited text) into its use case's FAQ."""
    question, answers = question_with_answers(session, workspace_id, question_id)
    if not may_answer(session, workspace_id, actor, question.use_case_slug):
        raise NotAnAnswerer(f"you are neither the owner nor a champion of {question.use_case_slug!r}")
    if repository.get_faq_for_question(session, workspace_id, question.id) is not None:
        raise AlreadyInFaq(f"question {question.id} is in the FAQ already")
    answer_text = body.answer_markdown
    if answer_text is None:
        chosen = [a for a in answers if body.answer_id is None or a.id == body.answer_id]
        if not chosen:
            if body.answer_id is not None:
                raise AnswerNotFound(f"answer {body.answer_id} does not belong to question {question.id}")
            raise InvalidInput(
                errors=[FieldError("answer_markdown", "the question has no answer yet; write one")]
            )
        answer_text = chosen[-1].body_markdown
    entry = FaqEntry(
        workspace_id=workspace_id,
        use_case_slug=question.use_case_slug,
        question=body.question or question.title,
        answer_markdown=answer_text,
        question_id=question.id,
        position=repository.next_faq_position(session, workspace_id, question.use_case_slug),
    )
    session.add(entry)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor.actor,
        action="comms.faq.promoted",
        target=f"faq_entry:{entry.id}",
        after={"question_id": question.id, "use_case_slug": entry.use_case_slug},
    )
    return entry


def list_faq(session: Session, workspace_id: int, use_case_slug: str) -> list[FaqEntry]:
    return repository.list_faq(session, workspace_id, use_case_slug)


def notify_question_owners(context: JobContext) -> dict[str, Any]:
    """Every quarter hour: tell owners and champions of new questions, and (once) of questions unanswered for
    ``question_flag_days``. Batching keeps the moment of asking out of the outbox."""
    told, flagged = 0, 0
    flag_days = context.settings.question_flag_days
    for workspace_id in _workspace_ids(context):
        with _workspace_session(context, workspace_id) as session:
            now = utcnow()
            for question in repository.list_questions_to_tell_owners(session, workspace_id):
                people = _answerers_or_empty(session, workspace_id, question.use_case_slug)
                enqueue_notification(
                    session,
                    workspace_id,
                    person_ids=people,
                    subject=f"New question about {question.use_case_slug}: {question.title}",
                    body_markdown=question.body,
                    category="question",
                    link=f"/questions/{question.id}",
                    dedupe_key=f"question:{question.id}:asked",
                    now=now,
                )
                question.owners_notified = True
                told += 1
            for question in repository.list_unanswered_before(
                session, workspace_id, now - timedelta(days=flag_days)
            ):
                created = enqueue_notification(
                    session,
                    workspace_id,
                    person_ids=_answerers_or_empty(session, workspace_id, question.use_case_slug),
                    subject=f"Unanswered for {flag_days}+ days: {question.title}",
                    body_markdown=question.body,
                    category="question",
                    link=f"/questions/{question.id}",
                    dedupe_key=f"question:{question.id}:flagged",
                    now=now,
                )
                flagged += 1 if created else 0
            session.commit()
    return {"told": told, "flagged": flagged}


def _answerers_or_empty(session: Session, workspace_id: int, use_case_slug: str) -> list[int]:
    if catalog_service.find_use_case_by_slug(session, workspace_id, use_case_slug) is None:
        return []
    return answerer_ids(session, workspace_id, use_case_slug)


# -- office hours -----------------------------------------------------------------------------------------------


def schedule_office_hours(
    session: Session, workspace_id: int, body: schemas.OfficeHoursCreate, *, host: Principal
) -> OfficeHours:
    """Office hours (time, place or link, topic), announced at once to the team (with subteams) or the use case's
    users, and posted to the team's Slack/Teams channels."""
    if host.person_id is None:
        raise NotAHost("office hours are held by a person")
    if body.team_id is not None:
        directory_service.get_team(session, workspace_id, body.team_id)
    if body.use_case_slug is not None:
        catalog_service.get_use_case_by_slug(session, workspace_id, body.use_case_slug)
    champions = enablement_service.list_champions(
        session, workspace_id, team_id=body.team_id, use_case_slug=body.use_case_slug
    )
    is_host = (
        host.has_role(Role.program_lead)
        or any(champion.person_id == host.person_id for champion in champions)
        or (body.team_id is not None and host.leads_team(body.team_id))
    )
    if not is_host:
        raise NotAHost("you are not a champion here, nor the team's lead")
    office_hours = OfficeHours(
        workspace_id=workspace_id,
        host_id=host.person_id,
        team_id=body.team_id,
        use_case_slug=body.use_case_slug,
        starts_at=body.starts_at,
        duration_minutes=body.duration_minutes,
        location=body.location,
        topic=body.topic,
    )
    session.add(office_hours)
    session.flush()
    audience = schemas.Audience(
        team_ids=[body.team_id] if body.team_id else [],
        use_case_slugs=[body.use_case_slug] if body.use_case_slug and body.team_id is None else [],
    )
    when = body.starts_at.astimezone(UTC).strftime("%A %d %B %Y, %H:%M UTC")
    webhooks = []
    if body.team_id is not None:
        team_ids = [team.id for team in directory_service.team_ancestors(session, workspace_id, body.team_id)]
        webhooks = [
            webhook.id
            for webhook in repository.list_webhooks_for_teams(
                session, workspace_id, [*team_ids, body.team_id]
            )
        ]
    announcement = create_announcement(
        session,
        workspace_id,
        schemas.AnnouncementCreate(
            title=f"Office hours: {body.topic}",
            body_markdown=(
                f"**When:** {when} ({body.duration_minutes} minutes)\n\n**Where:** {body.location}\n\n"
                f"Bring your questions about {body.topic}."
            ),
            audience=audience,
            webhook_ids=webhooks,
            send_now=True,
        ),
        author=host,
    )
    office_hours.announcement_id = announcement.id
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=host.actor,
        action="comms.office_hours.scheduled",
        target=f"office_hours:{office_hours.id}",
        after={
            "team_id": body.team_id,
            "use_case_slug": body.use_case_slug,
            "announcement_id": announcement.id,
        },
    )
    return office_hours


def list_office_hours(
    session: Session,
    workspace_id: int,
    *,
    team_id: int | None = None,
    use_case_slug: str | None = None,
    now: datetime | None = None,
) -> list[OfficeHours]:
    """Upcoming office hours (from an hour ago on); a team's include those of the teams above it."""
    since = (now or utcnow()) - timedelta(hours=1)
    team_ids = None
    if team_id is not None:
        team_ids = [t.id for t in directory_service.team_ancestors(session, workspace_id, team_id)] + [
            team_id
        ]
    return repository.list_office_hours(
        session, workspace_id, since=since, team_ids=team_ids, use_case_slug=use_case_slug
    )


# -- notifications: the outbox door -----------------------------------------------------------------------------


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
        directory_service.list_people_by_ids(session, workspace_id, sorted(wanted))
        if len(wanted) <= FEW_RECIPIENTS
        else directory_service.person_snapshots(session, workspace_id)
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
        session, workspace_id, statuses=[jobs_service.JobStatus.queued], limit=200
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


def send_digests(context: JobContext) -> dict[str, Any]:
    """Each morning (07:05 UTC): gather each person's held email into one digest (weekly ones on Mondays)."""
    now = utcnow()
    digests = 0
    for workspace_id in _workspace_ids(context, status=DeliveryStatus.held):
        with _workspace_session(context, workspace_id) as session:
            held = repository.list_held_for_digest(session, workspace_id)
            by_person: dict[int, list[Notification]] = defaultdict(list)
            for notification in held:
                if notification.person_id is not None:
                    by_person[notification.person_id].append(notification)
            preferences = repository.preferences_for(session, workspace_id, list(by_person))
            for person_id, items in by_person.items():
                preference = preferences.get(person_id)
                if preference is not None and preference.digest == DigestMode.weekly and now.weekday() != 0:
                    continue
                lines = [
                    f"- **{item.subject}**" + (f" — [open]({item.link})" if item.link else "")
                    for item in items
                ]
                digest = Notification(
                    workspace_id=workspace_id,
                    person_id=person_id,
                    channel=Channel.email,
                    category="digest",
                    subject=f"Your uptake digest: {len(items)} update{'s' if len(items) != 1 else ''}",
                    body_markdown="What happened since your last digest:\n\n" + "\n".join(lines),
                    link="/notifications",
                    dedupe_key=f"digest|{person_id}|{now:%Y-%m-%d}",
                    message_key=uuid.uuid4().hex,
                    status=DeliveryStatus.pending,
                    next_attempt_at=now,
                    created_at=now,
                )
                session.add(digest)
                session.flush()
                for item in items:
                    item.status = DeliveryStatus.digested
                    item.digest_id = digest.id
                digests += 1
            session.flush()
            if digests:
                request_delivery(session, workspace_id)
            session.commit()
    return {"digests": digests}


def list_inbox(session: Session, workspace_id: int, person_id: int, *, limit: int = 50) -> list[Notification]:
    return repository.list_notifications(
        session, workspace_id, person_id=person_id, channel=Channel.in_app, limit=limit
    )


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


def list_outbox(
    session: Session,
    workspace_id: int,
    *,
    statuses: Collection[DeliveryStatus] | None = None,
    limit: int = 100,
) -> list[Notification]:
    rows = repository.list_notifications(session, workspace_id, statuses=statuses, limit=limit * 2)
    return [row for row in rows if row.channel != Channel.in_app][:limit]


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


def get_preferences(session: Session, workspace_id: int, person_id: int) -> schemas.NotificationPreferences:
    preference = repository.get_preference(session, workspace_id, person_id)
    if preference is None:
        return schemas.NotificationPreferences(email_enabled=True, digest="immediate", muted_categories=[])
    return schemas.NotificationPreferences.model_validate(preference)


def update_preferences(
    session: Session, workspace_id: int, person_id: int, body: schemas.NotificationPreferencesUpdate
) -> schemas.NotificationPreferences:
    preference = repository.get_preference(session, workspace_id, person_id)
    if preference is None:
        preference = NotificationPreference(
            workspace_id=workspace_id,
            person_id=person_id,
            email_enabled=True,
            digest=DigestMode.immediate,
            muted_categories=[],
        )
        session.add(preference)
    if body.email_enabled is not None:
        preference.email_enabled = body.email_enabled
    if body.digest is not None:
        preference.digest = DigestMode(body.digest)
    if body.muted_categories is not None:
        preference.muted_categories = sorted(set(body.muted_categories))
    session.flush()
    return schemas.NotificationPreferences.model_validate(preference)


# -- webhooks ---------------------------------------------------------------------------------------------------


def webhook_output(webhook: Webhook) -> schemas.Webhook:
    host = webhook.url.split("://", 1)[-1].split("/", 1)[0]
    return schemas.Webhook(
        id=webhook.id,
        name=webhook.name,
        kind=webhook.kind.value,
        host=host,
        team_id=webhook.team_id,
        is_enabled=webhook.is_enabled,
    )


def list_webhooks(session: Session, workspace_id: int) -> list[Webhook]:
    return repository.list_webhooks(session, workspace_id)


def create_webhook(
    session: Session, workspace_id: int, body: schemas.WebhookCreate, *, actor: str
) -> Webhook:
    if body.team_id is not None:
        directory_service.get_team(session, workspace_id, body.team_id)
    webhook = Webhook(
        workspace_id=workspace_id,
        name=body.name,
        kind=WebhookKind(body.kind),
        url=body.url,
        team_id=body.team_id,
    )
    session.add(webhook)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="comms.webhook.created",
        target=f"webhook:{webhook.id}",
        after={"name": webhook.name, "kind": webhook.kind.value, "team_id": webhook.team_id},
    )
    return webhook


def delete_webhook(session: Session, workspace_id: int, webhook_id: int, *, actor: str) -> None:
    webhook = repository.get_webhook(session, workspace_id, webhook_id)
    if webhook is None:
        raise WebhookNotFound(f"webhook {webhook_id} does not exist", webhook_id=webhook_id)
    session.delete(webhook)
    session.flush()
    audit_service.record_audit_entry(
        session, workspace_id, actor=actor, action="comms.webhook.deleted", target=f"webhook:{webhook_id}"
    )


# -- jobs across workspaces -------------------------------------------------------------------------------------


def _workspace_ids(context: JobContext, *, status: DeliveryStatus | None = None) -> list[int]:
    if context.workspace_id is not None:
        return [context.workspace_id]
    with across_workspaces(context.session):
        if status is not None:
            return repository.workspace_ids_with(context.session, status)
        return [workspace.id for workspace in workspaces_service.list_workspaces(context.session)]


def _workspace_session(context: JobContext, workspace_id: int) -> Session:
    session = jobs_service.job_session_factory(context.session)()
    bind_workspace(session, workspace_id)
    return session
