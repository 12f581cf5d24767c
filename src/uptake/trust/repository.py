"""Every query of the trust domain, each scoped to one workspace (the widget key lookup finds the workspace)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from uptake.trust.models import (
    Feedback,
    Incident,
    IncidentPerson,
    IncidentStatus,
    ThemeRun,
    TrustSettings,
    WidgetKey,
)

OPEN_STATUSES = (IncidentStatus.reported, IncidentStatus.triaged, IncidentStatus.mitigating)


def get_settings(session: Session, workspace_id: int) -> TrustSettings | None:
    return session.scalar(select(TrustSettings).where(TrustSettings.workspace_id == workspace_id))


def find_widget_key(session: Session, key: str) -> WidgetKey | None:
    """The widget key with this value in any workspace (the caller opens the cross-workspace scope)."""
    return session.scalar(select(WidgetKey).where(WidgetKey.key == key))


def get_widget_key(session: Session, workspace_id: int, key_id: int) -> WidgetKey | None:
    return session.scalar(
        select(WidgetKey).where(WidgetKey.workspace_id == workspace_id, WidgetKey.id == key_id)
    )


def list_widget_keys(session: Session, workspace_id: int, use_case_id: int | None = None) -> list[WidgetKey]:
    query = select(WidgetKey).where(WidgetKey.workspace_id == workspace_id).order_by(WidgetKey.id)
    if use_case_id is not None:
        query = query.where(WidgetKey.use_case_id == use_case_id)
    return list(session.scalars(query))


def get_feedback(session: Session, workspace_id: int, feedback_id: int) -> Feedback | None:
    return session.scalar(
        select(Feedback).where(Feedback.workspace_id == workspace_id, Feedback.id == feedback_id)
    )


def list_feedback(
    session: Session,
    workspace_id: int,
    use_case_id: int,
    *,
    category: str | None = None,
    min_rating: int | None = None,
    max_rating: int | None = None,
    source: str | None = None,
    with_comment: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Feedback], int, int]:
    """The matching feedback (newest first, one page), how many match, and how many distinct givers they have
    (a pseudonym, else a session, else the feedback itself counts as one giver)."""
    conditions = [Feedback.workspace_id == workspace_id, Feedback.use_case_id == use_case_id]
    if category is not None:
        conditions.append(Feedback.category == category)
    if min_rating is not None:
        conditions.append(Feedback.rating >= min_rating)
    if max_rating is not None:
        conditions.append(Feedback.rating <= max_rating)
    if source is not None:
        conditions.append(Feedback.source == source)
    if with_comment is True:
        conditions.append(Feedback.comment.is_not(None))
    if with_comment is False:
        conditions.append(Feedback.comment.is_(None))
    if since is not None:
        conditions.append(Feedback.created_at >= since)
    if until is not None:
        conditions.append(Feedback.created_at < until)
    giver = func.coalesce(Feedback.person_pseudonym, Feedback.session_id, cast(Feedback.id, String))
    total, givers = session.execute(
        select(func.count(Feedback.id), func.count(func.distinct(giver))).where(*conditions)
    ).one()
    rows = session.scalars(
        select(Feedback)
        .where(*conditions)
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total), int(givers)


def list_comments(session: Session, workspace_id: int, use_case_id: int | None) -> list[str]:
    query = select(Feedback.comment).where(
        Feedback.workspace_id == workspace_id, Feedback.comment.is_not(None)
    )
    if use_case_id is not None:
        query = query.where(Feedback.use_case_id == use_case_id)
    return [
        comment for comment in session.scalars(query.order_by(Feedback.id)) if comment and comment.strip()
    ]


def get_incident(session: Session, workspace_id: int, incident_id: int) -> Incident | None:
    return session.scalar(
        select(Incident).where(Incident.workspace_id == workspace_id, Incident.id == incident_id)
    )


def list_incidents(
    session: Session,
    workspace_id: int,
    *,
    use_case_id: int | None = None,
    statuses: Collection[IncidentStatus] | None = None,
    severity: int | None = None,
    limit: int = 200,
) -> list[Incident]:
    query = select(Incident).where(Incident.workspace_id == workspace_id)
    if use_case_id is not None:
        query = query.where(Incident.use_case_id == use_case_id)
    if statuses is not None:
        query = query.where(Incident.status.in_(list(statuses)))
    if severity is not None:
        query = query.where(Incident.severity == severity)
    return list(session.scalars(query.order_by(Incident.severity, Incident.reported_at.desc()).limit(limit)))


def list_all_incidents(session: Session, workspace_id: int) -> list[Incident]:
    return list(
        session.scalars(select(Incident).where(Incident.workspace_id == workspace_id).order_by(Incident.id))
    )


def people_of_incident(session: Session, workspace_id: int, incident_id: int) -> list[IncidentPerson]:
    return list(
        session.scalars(
            select(IncidentPerson).where(
                IncidentPerson.workspace_id == workspace_id, IncidentPerson.incident_id == incident_id
            )
        )
    )


def count_people_of_incidents(
    session: Session, workspace_id: int, incident_ids: Collection[int]
) -> dict[int, int]:
    if not incident_ids:
        return {}
    rows = session.execute(
        select(IncidentPerson.incident_id, func.count(IncidentPerson.id))
        .where(
            IncidentPerson.workspace_id == workspace_id, IncidentPerson.incident_id.in_(list(incident_ids))
        )
        .group_by(IncidentPerson.incident_id)
    )
    return {int(incident_id): int(count) for incident_id, count in rows}


def get_theme_run(session: Session, workspace_id: int, run_id: int) -> ThemeRun | None:
    return session.scalar(
        select(ThemeRun).where(ThemeRun.workspace_id == workspace_id, ThemeRun.id == run_id)
    )


def latest_theme_run(session: Session, workspace_id: int, use_case_id: int | None) -> ThemeRun | None:
    query = select(ThemeRun).where(ThemeRun.workspace_id == workspace_id)
    query = query.where(
        ThemeRun.use_case_id == use_case_id if use_case_id is not None else ThemeRun.use_case_id.is_(None)
    )
    return session.scalar(query.order_by(ThemeRun.id.desc()).limit(1))


def list_feedback_of_person(
    session: Session, workspace_id: int, person_id: int, pseudonyms: Collection[str]
) -> list[Feedback]:
    """Feedback the person gave: signed in (reporter) or named by a tool (their pseudonym)."""
    who = Feedback.reporter_id == person_id
    if pseudonyms:
        who = who | Feedback.person_pseudonym.in_(list(pseudonyms))
    query = select(Feedback).where(Feedback.workspace_id == workspace_id, who).order_by(Feedback.id)
    return list(session.scalars(query))


def list_incidents_reported_by(session: Session, workspace_id: int, person_id: int) -> list[Incident]:
    query = (
        select(Incident)
        .where(Incident.workspace_id == workspace_id, Incident.reported_by_id == person_id)
        .order_by(Incident.id)
    )
    return list(session.scalars(query))
