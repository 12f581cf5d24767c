"""Office hours: held by champions, team leads of the team, or program leads, and announced at once to the team
(with subteams) or the use case's users, and to the team's Slack/Teams channels.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.audit import service as audit_service
from uptake.catalog import service as catalog_service
from uptake.comms import repository, schemas
from uptake.comms.models import OfficeHours
from uptake.comms.service.announcements import create_announcement
from uptake.db import utcnow
from uptake.directory.service import teams as teams_service
from uptake.enablement.service import champions as champions_service
from uptake.errors import Forbidden


class NotAHost(Forbidden):
    title = "Office hours are held by champions, team leads of the team, or program leads."


def schedule_office_hours(
    session: Session, workspace_id: int, body: schemas.OfficeHoursCreate, *, host: Principal
) -> schemas.OfficeHours:
    """Office hours (time, place or link, topic), announced at once to the team (with subteams) or the use case's
    users, and posted to the team's Slack/Teams channels."""
    if host.person_id is None:
        raise NotAHost("office hours are held by a person")
    if body.team_id is not None:
        teams_service.get_team(session, workspace_id, body.team_id)
    if body.use_case_slug is not None:
        catalog_service.get_use_case_by_slug(session, workspace_id, body.use_case_slug)
    champions = champions_service.list_champions(
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
        team_ids = [team.id for team in teams_service.team_ancestors(session, workspace_id, body.team_id)]
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
    return schemas.OfficeHours.model_validate(office_hours)


def list_office_hours(
    session: Session,
    workspace_id: int,
    *,
    team_id: int | None = None,
    use_case_slug: str | None = None,
    now: datetime | None = None,
) -> list[schemas.OfficeHours]:
    """Upcoming office hours (from an hour ago on); a team's include those of the teams above it."""
    since = (now or utcnow()) - timedelta(hours=1)
    team_ids = None
    if team_id is not None:
        team_ids = [t.id for t in teams_service.team_ancestors(session, workspace_id, team_id)] + [team_id]
    rows = repository.list_office_hours(
        session, workspace_id, since=since, team_ids=team_ids, use_case_slug=use_case_slug
    )
    return [schemas.OfficeHours.model_validate(row) for row in rows]
