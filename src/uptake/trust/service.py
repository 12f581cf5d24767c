"""The trust domain's door: feedback on outputs, widget keys, feedback themes, and the `incidents` snapshot other
domains read. Incidents (`incidents.py`) and the trust score and label (`trust_score.py`) are the domain's own;
the app layer and the demo use them directly. It stays whole: it is the one door of the domain, each part
(widget keys, feedback, themes, what an access or erasure request reads) is short, and incidents and the trust
score already live in their own modules.

The loop this closes: feedback (from the API, the SDK or the embeddable widget) can be escalated to an
incident; a severity-1 incident pauses its use case (a workspace setting, on by default); resolving an incident
tells everyone who reported it or gave feedback linked to it, through the comms outbox; a post-incident note
becomes a new use-card version; the incident burden moves the trust score shown on the use case's label.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from uptake.analytics import service as analytics_service
from uptake.audit import service as audit_service
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.db import across_workspaces, bind_workspace, bound_workspace, utcnow
from uptake.directory.service import people as people_service
from uptake.errors import FieldError, Forbidden, InvalidInput, NotFound, UptakeError
from uptake.jobs.service import JobContext
from uptake.telemetry import service as telemetry_service
from uptake.trust import incidents, repository, schemas, themes
from uptake.trust.models import Feedback, Incident, ThemeRun, WidgetKey

FEEDBACK_PAGE_SIZE = 50
PSEUDONYM_SHOWN = 8
WIDGET_KEY_PREFIX = "uwk_"
THEMES_JOB = "trust.find_feedback_themes"


class WidgetKeyNotFound(NotFound):
    title = "No such widget key."


class ThemeRunNotFound(NotFound):
    title = "No such theme run."


class FeedbackInAnothersName(Forbidden):
    title = "Only an integration key gives feedback in someone's name."


class TooManyWidgetPosts(UptakeError):
    status = 429
    title = "Too many feedback posts; wait before sending more."


class OriginNotAllowed(Forbidden):
    title = "This widget key does not accept feedback from this origin."


# --- widget keys -------------------------------------------------------------------------------------------


def create_widget_key(
    session: Session, workspace_id: int, body: schemas.WidgetKeyCreate, *, actor: str
) -> WidgetKey:
    """A public key for one use case's feedback widget, accepted from the given origins only."""
    use_case = catalog_service.get_use_case_ref(session, workspace_id, body.use_case)
    key = WidgetKey(
        workspace_id=workspace_id,
        key=WIDGET_KEY_PREFIX + secrets.token_urlsafe(24),
        use_case_id=use_case.id,
        allowed_origins=sorted({origin.rstrip("/") for origin in body.allowed_origins}),
    )
    session.add(key)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="trust.widget_key.create",
        target=f"widget_key:{key.id}",
        after={"use_case": use_case.slug, "allowed_origins": key.allowed_origins},
    )
    return key


def list_widget_keys(session: Session, workspace_id: int) -> list[WidgetKey]:
    return repository.list_widget_keys(session, workspace_id)


def revoke_widget_key(session: Session, workspace_id: int, key_id: int, *, actor: str) -> WidgetKey:
    key = repository.get_widget_key(session, workspace_id, key_id)
    if key is None:
        raise WidgetKeyNotFound(f"no widget key has the id {key_id}", key_id=key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit_service.record_audit_entry(
            session,
            workspace_id,
            actor=actor,
            action="trust.widget_key.revoke",
            target=f"widget_key:{key.id}",
        )
    return key


def widget_key_for(session: Session, key: str) -> WidgetKey:
    """The live widget key with this value; binds the session to its workspace."""
    with across_workspaces(session):
        found = repository.find_widget_key(session, key)
    bound = bound_workspace(session)
    if found is None or found.revoked_at is not None or bound not in (None, found.workspace_id):
        raise WidgetKeyNotFound("this widget key is unknown or revoked")
    bind_workspace(session, found.workspace_id)
    return found


def widget_key_output(session: Session, workspace_id: int, key: WidgetKey) -> schemas.WidgetKey:
    return schemas.WidgetKey(
        id=key.id,
        key=key.key,
        use_case=catalog_service.get_use_case_ref_by_id(session, workspace_id, key.use_case_id).slug,
        allowed_origins=key.allowed_origins,
        created_at=key.created_at,
        revoked_at=key.revoked_at,
    )


def is_origin_allowed(key: WidgetKey, origin: str | None) -> bool:
    return origin is not None and origin.rstrip("/") in key.allowed_origins


# --- feedback ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackGiver:
    """Who gave feedback: a signed-in person (kept to close the loop), an identifier a tool sent, or no one."""

    person_id: int | None = None
    identifier: str | None = None


def _check_feedback(values: dict[str, Any]) -> None:
    if all(values.get(name) in (None, "") for name in ("rating", "thumbs_up", "category", "comment")):
        raise InvalidInput(
            errors=[
                FieldError("rating", "give at least a rating, a thumbs up or down, a category or a comment")
            ]
        )


def record_feedback(
    session: Session,
    workspace_id: int,
    use_case: catalog_schemas.UseCaseRef,
    values: dict[str, Any],
    *,
    source: str,
    giver: FeedbackGiver,
    store: Any | None = None,
) -> Feedback:
    """Store feedback on an output and, when it names a person, send it on as a `feedback` event (so the
    rating counts in the trust score); the person is kept only as a pseudonym."""
    _check_feedback(values)
    identifier = giver.identifier
    if giver.person_id is not None and identifier is None:
        identifier = people_service.get_person(session, workspace_id, giver.person_id).email
    pseudonym = None
    if identifier:
        pseudonym = telemetry_service.person_pseudonyms(session, workspace_id, [identifier])[0]
    comment = (values.get("comment") or "").strip() or None
    correction = (values.get("correction") or "").strip() or None
    feedback = Feedback(
        workspace_id=workspace_id,
        use_case_id=use_case.id,
        rating=values.get("rating"),
        thumbs_up=values.get("thumbs_up"),
        category=values.get("category"),
        comment=comment,
        correction=correction,
        event_id=values.get("event_id"),
        session_id=values.get("session_id"),
        person_pseudonym=pseudonym,
        reporter_id=giver.person_id,
        source=source,
    )
    session.add(feedback)
    session.flush()
    if store is not None and identifier:
        _send_feedback_event(session, workspace_id, store, use_case.slug, feedback, identifier)
    return feedback


def _send_feedback_event(
    session: Session, workspace_id: int, store: Any, slug: str, feedback: Feedback, identifier: str
) -> None:
    rating = feedback.rating
    if rating is None and feedback.thumbs_up is not None:
        rating = 5 if feedback.thumbs_up else 1
    event = {
        "event_id": str(uuid.uuid4()),
        "time": utcnow().isoformat(),
        "person": identifier,
        "use_case": slug,
        "kind": "feedback",
        "session_id": feedback.session_id,
        "rating": rating,
        "category": feedback.category,
        "comment": feedback.comment,
        "correction": feedback.correction,
    }
    telemetry_service.ingest_request_body(
        store,
        telemetry_service.ingest_context(session, workspace_id),
        body=json.dumps([{key: value for key, value in event.items() if value is not None}]).encode(),
        content_type="application/json",
        content_encoding=None,
        source="api",
    )


def record_api_feedback(
    session: Session,
    workspace_id: int,
    body: schemas.FeedbackCreate,
    *,
    person_id: int | None,
    store: Any | None = None,
) -> Feedback:
    """Feedback through the API: a signed-in person's (``person_id``) is always their own; only a key (no
    ``person_id``) may name the person it is from."""
    if person_id is not None and body.person is not None:
        raise FeedbackInAnothersName(
            errors=[
                FieldError(
                    "person",
                    "a signed-in person's feedback is their own: leave person out (keys may send it)",
                )
            ]
        )
    use_case = catalog_service.get_use_case_ref(session, workspace_id, body.use_case)
    giver = FeedbackGiver(person_id=person_id, identifier=body.person)
    return record_feedback(
        session,
        workspace_id,
        use_case,
        body.model_dump(exclude={"use_case", "person"}),
        source="api",
        giver=giver,
        store=store,
    )


def record_widget_feedback(
    session: Session,
    key: WidgetKey,
    body: schemas.WidgetFeedbackCreate,
    *,
    analytics: analytics_service.Analytics | None,
) -> tuple[Feedback, Incident | None]:
    """Feedback from the embedded widget; with `report_incident`, it also opens an incident (severity 3,
    triaged by the use case's owner), since the widget's user cannot judge severity. Anyone can post to the
    widget, so its incident counts toward the trust score and the gates only once a person triages it."""
    use_case = catalog_service.get_use_case_ref_by_id(session, key.workspace_id, key.use_case_id)
    values = body.model_dump(exclude={"report_incident"})
    feedback = record_feedback(
        session, key.workspace_id, use_case, values, source="widget", giver=FeedbackGiver()
    )
    incident = None
    if body.report_incident:
        summary = (feedback.comment or feedback.category or "a problem").strip()
        incident = incidents.escalate_feedback(
            session,
            key.workspace_id,
            feedback.id,
            schemas.FeedbackEscalation(
                title=f"Reported from the widget: {summary[:250]}",
                description=feedback.comment or "",
                severity=3,
                failure_type="harmful_content" if feedback.category == "unsafe" else "other",
            ),
            actor=f"widget_key:{key.id}",
            reporter_id=None,
            analytics=analytics,
            source="widget",
        )
    return feedback, incident


@dataclass(frozen=True)
class FeedbackFilters:
    category: str | None = None
    min_rating: int | None = None
    max_rating: int | None = None
    source: str | None = None
    with_comment: bool | None = None
    since: date | None = None
    until: date | None = None
    page: int = 1


def _day_start(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day) if day else None


def list_feedback(
    session: Session, workspace_id: int, slug: str, filters: FeedbackFilters
) -> schemas.FeedbackPage:
    """One page of a use case's feedback, newest first. Comments and corrections are shown only when the
    matching feedback comes from at least the privacy floor's number of people; givers are short pseudonyms."""
    use_case = catalog_service.get_use_case_ref(session, workspace_id, slug)
    floor = privacy_floor(session, workspace_id)
    rows, total, givers = repository.list_feedback(
        session,
        workspace_id,
        use_case.id,
        category=filters.category,
        min_rating=filters.min_rating,
        max_rating=filters.max_rating,
        source=filters.source,
        with_comment=filters.with_comment,
        since=_day_start(filters.since),
        until=_day_start(filters.until + timedelta(days=1)) if filters.until else None,
        limit=FEEDBACK_PAGE_SIZE,
        offset=(max(filters.page, 1) - 1) * FEEDBACK_PAGE_SIZE,
    )
    shows_text = givers >= floor
    items = [
        schemas.Feedback(
            id=row.id,
            use_case=use_case.slug,
            rating=row.rating,
            thumbs_up=row.thumbs_up,
            category=row.category,
            comment=row.comment if shows_text else None,
            correction=row.correction if shows_text else None,
            event_id=row.event_id,
            person=row.person_pseudonym[:PSEUDONYM_SHOWN] if row.person_pseudonym else None,
            source=row.source,
            incident_id=row.incident_id,
            created_at=row.created_at,
        )
        for row in rows
    ]
    return schemas.FeedbackPage(
        items=items,
        total=total,
        people=givers if shows_text else None,
        comments_suppressed=None if shows_text else f"comments from fewer than {floor} people are not shown",
    )


def privacy_floor(session: Session, workspace_id: int) -> int:
    return analytics_service.workspace_settings(session, workspace_id).privacy_floor


# --- themes -------------------------------------------------------------------------------------------------


def request_themes(
    session: Session, workspace_id: int, body: schemas.ThemeRunCreate, *, enqueue: Any
) -> ThemeRun:
    """Queue a theme run over the comments of one use case (or all); `enqueue(name, payload)` queues the job."""
    use_case_id = (
        catalog_service.get_use_case_ref(session, workspace_id, body.use_case).id if body.use_case else None
    )
    run = ThemeRun(workspace_id=workspace_id, use_case_id=use_case_id, status="queued")
    session.add(run)
    session.flush()
    run.job_id = enqueue(THEMES_JOB, {"theme_run_id": run.id})
    return run


def find_feedback_themes(context: JobContext) -> dict[str, Any]:
    """The background job: group the comments of a queued theme run into themes, reporting progress."""
    workspace_id = context.workspace_id
    run_id = int(context.payload["theme_run_id"])
    if workspace_id is None:
        raise ValueError("a theme run belongs to a workspace")
    session = context.session
    bind_workspace(session, workspace_id)
    run = repository.get_theme_run(session, workspace_id, run_id)
    if run is None:
        raise ThemeRunNotFound(f"no theme run has the id {run_id}", run_id=run_id)
    # Nothing is written before the clustering: progress is reported on another connection, and SQLite
    # allows one writer at a time.
    comments = repository.list_comments(session, workspace_id, run.use_case_id)
    floor = privacy_floor(session, workspace_id)
    result = themes.find_themes(
        comments, progress=lambda done, total, note: context.progress(done, total, note)
    )
    run.method = result.method
    run.comment_count = len(comments)
    run.themes = [
        {
            "label": theme.label,
            "count": theme.count,
            "representatives": theme.representatives if theme.count >= floor else [],
        }
        for theme in result.themes
    ]
    run.status = "done"
    run.finished_at = utcnow()
    return {"comments": len(comments), "themes": len(result.themes), "method": result.method}


def get_theme_run(session: Session, workspace_id: int, run_id: int) -> ThemeRun:
    run = repository.get_theme_run(session, workspace_id, run_id)
    if run is None:
        raise ThemeRunNotFound(f"no theme run has the id {run_id}", run_id=run_id)
    return run


def latest_theme_run(session: Session, workspace_id: int, slug: str | None) -> ThemeRun | None:
    use_case_id = catalog_service.get_use_case_ref(session, workspace_id, slug).id if slug else None
    return repository.latest_theme_run(session, workspace_id, use_case_id)


def theme_run_output(session: Session, workspace_id: int, run: ThemeRun) -> schemas.ThemeRun:
    slug = (
        catalog_service.get_use_case_ref_by_id(session, workspace_id, run.use_case_id).slug
        if run.use_case_id
        else None
    )
    return schemas.ThemeRun(
        id=run.id,
        use_case=slug,
        status=run.status,
        method=run.method,
        job_id=run.job_id,
        comment_count=run.comment_count,
        themes=[schemas.Theme(**theme) for theme in run.themes],
        created_at=run.created_at,
        finished_at=run.finished_at,
    )


def incident_snapshot_rows(session: Session, workspace_id: int) -> list[dict[str, Any]]:
    """The `incidents` snapshot analytics reads (reports show it beside their figures); see ``incidents``."""
    return incidents.incident_snapshot_rows(session, workspace_id)


def incidents_of_use_case(session: Session, workspace_id: int, use_case_id: int) -> list[Incident]:
    """Every incident of the use case, its own or one it also affected, oldest first (a compliance pack's incident
    log); widget incidents only once a person confirmed them."""
    return sorted(
        (
            incident
            for incident in repository.list_all_incidents(session, workspace_id)
            if not incidents.awaits_confirmation(incident)
            and (incident.use_case_id == use_case_id or use_case_id in incident.also_affected)
        ),
        key=lambda incident: (incident.reported_at, incident.id),
    )


# --- a person's feedback and incidents, for access and erasure requests -------------------------------------------

ERASED_TEXT = "[removed: written by a person who was erased]"


def personal_contributions(
    session: Session, workspace_id: int, person_id: int, pseudonyms: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """The feedback the person gave (signed in, or named by a tool) and the incidents they reported."""
    feedback = repository.list_feedback_of_person(session, workspace_id, person_id, pseudonyms)
    reported = repository.list_incidents_reported_by(session, workspace_id, person_id)
    return {
        "feedback": [
            {
                "id": item.id,
                "use_case_id": item.use_case_id,
                "rating": item.rating,
                "thumbs_up": item.thumbs_up,
                "category": item.category,
                "comment": item.comment,
                "correction": item.correction,
                "source": item.source,
                "created_at": item.created_at,
            }
            for item in feedback
        ],
        "incidents_reported": [
            {
                "id": item.id,
                "use_case_id": item.use_case_id,
                "title": item.title,
                "description": item.description,
                "evidence": item.evidence,
                "status": str(item.status),
                "reported_at": item.reported_at,
            }
            for item in reported
        ],
    }


def erase_person_contributions(
    session: Session, workspace_id: int, person_id: int, pseudonyms: list[str]
) -> dict[str, int]:
    """Delete the person's feedback (its comments and corrections with it); keep the incidents they reported,
    for their owners and the trust score, with the texts the person wrote replaced by :data:`ERASED_TEXT`."""
    feedback = repository.list_feedback_of_person(session, workspace_id, person_id, pseudonyms)
    for item in feedback:
        session.delete(item)
    incidents = repository.list_incidents_reported_by(session, workspace_id, person_id)
    for incident in incidents:
        incident.title = ERASED_TEXT
        incident.description = ERASED_TEXT
        incident.evidence = None
    session.flush()
    return {"feedback_deleted": len(feedback), "incidents_redacted": len(incidents)}
