"""Incidents: reported by anyone, owned, due by severity, moved through reported → triaged → mitigating →
resolved → closed. A severity-1 incident pauses its use case (a workspace setting, on by default) through the
catalog; resolving one tells everyone who reported it or gave feedback linked to it, through the comms outbox;
a post-incident note can become a new use-card version. Every change that moves the incidents snapshot (opening,
escalating, updating) pushes it to analytics itself, so no route can forget to. docs/incidents.md defines
severities and categories. It stays whole: the incident's lifecycle and what each step sets off read together."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.analytics import service as analytics_service
from uptake.audit import service as audit_service
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.comms.service import notifications as notifications_service
from uptake.db import utcnow
from uptake.directory.service import people as people_service
from uptake.errors import Conflict, FieldError, InvalidInput, NotFound
from uptake.trust import repository, schemas
from uptake.trust.models import Feedback, Incident, IncidentPerson, IncidentStatus, TrustSettings

SEVERITIES: dict[int, tuple[str, timedelta]] = {
    1: ("critical", timedelta(hours=24)),
    2: ("high", timedelta(days=3)),
    3: ("medium", timedelta(days=14)),
    4: ("low", timedelta(days=30)),
}
"""Severity → its name and the time the owner has to resolve it (docs/incidents.md defines each)."""

TRANSITIONS: dict[IncidentStatus, tuple[IncidentStatus, ...]] = {
    IncidentStatus.reported: (IncidentStatus.triaged,),
    IncidentStatus.triaged: (IncidentStatus.mitigating, IncidentStatus.resolved),
    IncidentStatus.mitigating: (IncidentStatus.resolved,),
    IncidentStatus.resolved: (IncidentStatus.closed, IncidentStatus.mitigating),
    IncidentStatus.closed: (),
}
OPEN_STATUSES = repository.OPEN_STATUSES


class FeedbackNotFound(NotFound):
    title = "No such feedback."


class IncidentNotFound(NotFound):
    title = "No such incident."


class IllegalIncidentTransition(Conflict):
    title = "The incident cannot move there from where it is."


class AlreadyEscalated(Conflict):
    title = "This feedback already belongs to an incident."


# --- settings ----------------------------------------------------------------------------------------------


def get_trust_settings(session: Session, workspace_id: int) -> TrustSettings:
    """The workspace's trust settings (the defaults, unsaved, when it never changed them)."""
    return repository.get_settings(session, workspace_id) or TrustSettings(
        workspace_id=workspace_id, pause_on_severity_1=True
    )


def update_trust_settings(
    session: Session, workspace_id: int, body: schemas.TrustSettingsUpdate, *, actor: str
) -> TrustSettings:
    stored = repository.get_settings(session, workspace_id)
    before = {"pause_on_severity_1": stored.pause_on_severity_1 if stored else True}
    if stored is None:
        stored = TrustSettings(workspace_id=workspace_id)
        session.add(stored)
    stored.pause_on_severity_1 = body.pause_on_severity_1
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="trust.settings.update",
        target="trust_settings",
        before=before,
        after={"pause_on_severity_1": stored.pause_on_severity_1},
    )
    return stored


# --- incidents ---------------------------------------------------------------------------------------------


def _due(severity: int, since: datetime) -> datetime:
    return since + SEVERITIES[severity][1]


def _link_person(
    session: Session, workspace_id: int, incident: Incident, person_id: int, relation: str
) -> None:
    known = {link.person_id for link in repository.people_of_incident(session, workspace_id, incident.id)}
    if person_id not in known:
        session.add(
            IncidentPerson(
                workspace_id=workspace_id, incident_id=incident.id, person_id=person_id, relation=relation
            )
        )
        session.flush()


def _incident_snapshot(incident: Incident) -> dict[str, Any]:
    return {
        "status": incident.status.value,
        "severity": incident.severity,
        "owner_id": incident.owner_id,
        "harm_type": incident.harm_type,
        "failure_type": incident.failure_type,
    }


def _affected_ids(
    session: Session, workspace_id: int, slugs: Sequence[str], primary: catalog_schemas.UseCaseRef
) -> list[int]:
    ids: list[int] = []
    for index, slug in enumerate(slugs):
        found = catalog_service.find_use_case_ref(session, workspace_id, slug)
        if found is None:
            raise InvalidInput(
                errors=[FieldError(f"also_affected[{index}]", f"no use case has the slug {slug!r}")]
            )
        if found.id != primary.id and found.id not in ids:
            ids.append(found.id)
    return ids


def report_incident(
    session: Session,
    workspace_id: int,
    body: schemas.IncidentCreate,
    *,
    actor: str,
    reporter_id: int | None,
    analytics: analytics_service.Analytics | None,
    source: str = "page",
) -> Incident:
    """Open an incident; it is due by its severity, and a severity-1 one pauses the use case when the
    workspace says so. ``analytics`` gets the incidents snapshot (None: a caller without an engine)."""
    incident = _open_incident(
        session, workspace_id, body, actor=actor, reporter_id=reporter_id, source=source
    )
    publish_incidents(session, workspace_id, analytics)
    return incident


def _open_incident(
    session: Session,
    workspace_id: int,
    body: schemas.IncidentCreate,
    *,
    actor: str,
    reporter_id: int | None,
    source: str,
) -> Incident:
    use_case = catalog_service.get_use_case_ref(session, workspace_id, body.use_case)
    now = utcnow()
    incident = Incident(
        workspace_id=workspace_id,
        use_case_id=use_case.id,
        also_affected=_affected_ids(session, workspace_id, body.also_affected, use_case),
        title=body.title,
        description=body.description,
        evidence=body.evidence,
        severity=body.severity,
        harm_type=body.harm_type,
        failure_type=body.failure_type,
        status=IncidentStatus.reported,
        source=source,
        owner_id=use_case.owner_id,
        reported_by_id=reporter_id,
        due_at=_due(body.severity, now),
        reported_at=now,
    )
    session.add(incident)
    session.flush()
    if reporter_id is not None:
        _link_person(session, workspace_id, incident, reporter_id, "reporter")
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="trust.incident.report",
        target=f"incident:{incident.id}",
        after={**_incident_snapshot(incident), "use_case": use_case.slug},
    )
    _pause_if_critical(session, workspace_id, incident, use_case, actor=actor)
    return incident


def _pause_if_critical(
    session: Session,
    workspace_id: int,
    incident: Incident,
    use_case: catalog_schemas.UseCaseRef,
    *,
    actor: str,
) -> None:
    if incident.severity != 1 or incident.paused_use_case:
        return
    if not get_trust_settings(session, workspace_id).pause_on_severity_1:
        return
    if use_case.status not in catalog_schemas.LIVE_STATUSES:
        return
    catalog_service.pause_use_case(
        session, workspace_id, use_case.slug, actor=actor, reason=f"severity-1 incident #{incident.id}"
    )
    incident.paused_use_case = True
    session.flush()


def escalate_feedback(
    session: Session,
    workspace_id: int,
    feedback_id: int,
    body: schemas.FeedbackEscalation,
    *,
    actor: str,
    reporter_id: int | None,
    analytics: analytics_service.Analytics | None,
    source: str = "feedback",
) -> Incident:
    """Turn feedback into an incident; whoever gave it (when signed in) is told the outcome. ``analytics`` gets
    the incidents snapshot (None: a caller without an engine)."""
    feedback = repository.get_feedback(session, workspace_id, feedback_id)
    if feedback is None:
        raise FeedbackNotFound(f"no feedback has the id {feedback_id}", feedback_id=feedback_id)
    if feedback.incident_id is not None:
        raise AlreadyEscalated(
            f"feedback {feedback_id} is already part of incident {feedback.incident_id}",
            incident_id=feedback.incident_id,
        )
    use_case = catalog_service.get_use_case_ref_by_id(session, workspace_id, feedback.use_case_id)
    evidence = "\n".join(
        part
        for part in (
            f"Feedback #{feedback.id} ({feedback.source})",
            f"Rating: {feedback.rating}" if feedback.rating else "",
            f"Category: {feedback.category}" if feedback.category else "",
            f"Event: {feedback.event_id}" if feedback.event_id else "",
            f"Correction offered: {feedback.correction}" if feedback.correction else "",
        )
        if part
    )
    incident = _open_incident(
        session,
        workspace_id,
        schemas.IncidentCreate(
            use_case=use_case.slug,
            title=body.title,
            description=body.description or feedback.comment or body.title,
            evidence=evidence,
            severity=body.severity,
            harm_type=body.harm_type,
            failure_type=body.failure_type,
        ),
        actor=actor,
        reporter_id=reporter_id,
        source=source,
    )
    link_feedback(session, workspace_id, incident, feedback)
    publish_incidents(session, workspace_id, analytics)
    return incident


def link_feedback(session: Session, workspace_id: int, incident: Incident, feedback: Feedback) -> None:
    """Attach feedback to an incident: its signed-in giver joins the people told of the outcome."""
    feedback.incident_id = incident.id
    if feedback.reporter_id is not None:
        _link_person(session, workspace_id, incident, feedback.reporter_id, "feedback")
    session.flush()


def get_incident(session: Session, workspace_id: int, incident_id: int) -> Incident:
    incident = repository.get_incident(session, workspace_id, incident_id)
    if incident is None:
        raise IncidentNotFound(f"no incident has the id {incident_id}", incident_id=incident_id)
    return incident


def sees_all_incidents(caller: Principal) -> bool:
    """Reviewers and program leads see every incident; others only those they reported or are linked to."""
    return caller.has_role(Role.reviewer, Role.program_lead)


def get_incident_for_viewer(
    session: Session, workspace_id: int, incident_id: int, *, person_id: int | None, sees_all: bool
) -> Incident:
    """The incident, for someone who may see it: reviewers and leads see all, others the incidents they
    reported or are linked to (anyone else gets "not found")."""
    incident = get_incident(session, workspace_id, incident_id)
    if sees_all:
        return incident
    linked = {link.person_id for link in repository.people_of_incident(session, workspace_id, incident.id)}
    if person_id is None or (person_id != incident.reported_by_id and person_id not in linked):
        raise IncidentNotFound(f"no incident has the id {incident_id}", incident_id=incident_id)
    return incident


def list_incidents(
    session: Session,
    workspace_id: int,
    *,
    use_case: str | None = None,
    status: IncidentStatus | None = None,
    severity: int | None = None,
    open_only: bool = False,
) -> list[Incident]:
    use_case_id = catalog_service.get_use_case_ref(session, workspace_id, use_case).id if use_case else None
    statuses = [status] if status is not None else (OPEN_STATUSES if open_only else None)
    return repository.list_incidents(
        session, workspace_id, use_case_id=use_case_id, statuses=statuses, severity=severity
    )


def awaits_confirmation(incident: Incident) -> bool:
    """Whether the incident came from the widget (which anyone can post to) and no person triaged it yet: it
    waits in triage and counts nowhere (trust score, gates, trust label) until then."""
    return incident.source == "widget" and incident.triaged_at is None


def incident_snapshot_rows(session: Session, workspace_id: int) -> list[dict[str, Any]]:
    """The `incidents` snapshot analytics reads: one row per incident and affected use case (widget incidents
    only once a person confirmed them)."""
    incidents = [
        incident
        for incident in repository.list_all_incidents(session, workspace_id)
        if not awaits_confirmation(incident)
    ]
    ids = {incident.use_case_id for incident in incidents} | {
        other for incident in incidents for other in incident.also_affected
    }
    slugs = {
        use_case.id: use_case.slug
        for use_case in catalog_service.list_use_case_refs_by_ids(session, workspace_id, ids)
    }
    rows = []
    for incident in incidents:
        for use_case_id in (incident.use_case_id, *incident.also_affected):
            if use_case_id in slugs:
                rows.append(
                    {
                        "workspace_id": workspace_id,
                        "use_case": slugs[use_case_id],
                        "severity": incident.severity,
                        "opened_day": incident.reported_at.date(),
                        "resolved_day": incident.resolved_at.date() if incident.resolved_at else None,
                    }
                )
    return rows


def publish_incidents(
    session: Session, workspace_id: int, analytics: analytics_service.Analytics | None
) -> int:
    """Push the incidents snapshot to analytics, so the trust score and the rollout gates read the incidents as
    they are; every change here calls it. Without an engine (None), nothing is pushed and 0 is answered."""
    if analytics is None:
        return 0
    session.flush()
    return analytics.write_snapshot(
        "incidents", incident_snapshot_rows(session, workspace_id), workspace_id=workspace_id
    )


def open_incidents(
    session: Session, workspace_id: int, use_case: str | None = None, severity: int | None = None
) -> list[Incident]:
    """Incidents not yet resolved (reported, triaged or mitigating), of one use case and/or severity: what a
    rollout gate reads as "no open severity-1 incident". A use case counts when it is the incident's own or
    among those also affected. Widget incidents no one has confirmed yet are left out."""
    found = None
    if use_case is not None:
        found = catalog_service.find_use_case_ref(session, workspace_id, use_case)
        if found is None:
            return []
    return [
        incident
        for incident in repository.list_incidents(
            session, workspace_id, statuses=OPEN_STATUSES, severity=severity
        )
        if not awaits_confirmation(incident)
        and (found is None or incident.use_case_id == found.id or found.id in incident.also_affected)
    ]


def update_incident(
    session: Session,
    workspace_id: int,
    incident_id: int,
    body: schemas.IncidentUpdate,
    *,
    actor: str,
    analytics: analytics_service.Analytics | None,
) -> Incident:
    """Change owner, severity or categories, and/or move the incident along its lifecycle. Resolving needs a
    root cause and a fix, and tells everyone linked to the incident the outcome through the outbox.
    ``analytics`` gets the incidents snapshot (None: a caller without an engine)."""
    incident = get_incident(session, workspace_id, incident_id)
    before = _incident_snapshot(incident)
    fields = body.model_dump(exclude_unset=True)
    if "owner_id" in fields and body.owner_id is not None:
        people_service.get_person(session, workspace_id, body.owner_id)
        incident.owner_id = body.owner_id
    for name in ("harm_type", "failure_type"):
        if fields.get(name) is not None:
            setattr(incident, name, fields[name])
    for name in ("root_cause", "fix"):
        if name in fields:
            setattr(incident, name, (fields[name] or "").strip() or None)
    if body.severity is not None and body.severity != incident.severity:
        incident.severity = body.severity
        incident.due_at = _due(body.severity, incident.reported_at)
    if body.status is not None and body.status != incident.status:
        _move(session, workspace_id, incident, body.status)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="trust.incident.update",
        target=f"incident:{incident.id}",
        before=before,
        after=_incident_snapshot(incident),
    )
    use_case = catalog_service.get_use_case_ref_by_id(session, workspace_id, incident.use_case_id)
    if incident.status in OPEN_STATUSES:
        _pause_if_critical(session, workspace_id, incident, use_case, actor=actor)
    if body.status == IncidentStatus.resolved and before["status"] != IncidentStatus.resolved.value:
        _tell_outcome(session, workspace_id, incident, use_case)
    publish_incidents(session, workspace_id, analytics)
    return incident


def _move(session: Session, workspace_id: int, incident: Incident, target: IncidentStatus) -> None:
    allowed = TRANSITIONS[incident.status]
    if target not in allowed:
        names = ", ".join(status.value for status in allowed) or "nothing (it is closed)"
        raise IllegalIncidentTransition(
            f"a {incident.status.value} incident can move to {names}, not {target.value}",
            status=incident.status.value,
        )
    now = utcnow()
    if target == IncidentStatus.resolved:
        missing = [
            FieldError(name, "say what it was before resolving")
            for name in ("root_cause", "fix")
            if not getattr(incident, name)
        ]
        if missing:
            raise InvalidInput(errors=missing)
        incident.resolved_at = now
    if target == IncidentStatus.triaged:
        incident.triaged_at = now
    if target == IncidentStatus.closed:
        incident.closed_at = now
    if target == IncidentStatus.mitigating and incident.status == IncidentStatus.resolved:
        incident.resolved_at = None
    incident.status = target


def _tell_outcome(
    session: Session, workspace_id: int, incident: Incident, use_case: catalog_schemas.UseCaseRef
) -> int:
    people = {link.person_id for link in repository.people_of_incident(session, workspace_id, incident.id)}
    if incident.reported_by_id is not None:
        people.add(incident.reported_by_id)
    body = (
        f"Thank you for telling us. The incident you reported or gave feedback on, **{incident.title}**, "
        f"about *{use_case.title}*, is resolved.\n\n**What caused it:** {incident.root_cause}\n\n"
        f"**What we changed:** {incident.fix}"
    )
    resolved_at = incident.resolved_at.isoformat() if incident.resolved_at else ""
    return notifications_service.enqueue_notification(
        session,
        workspace_id,
        person_ids=sorted(people),
        subject=f"Resolved: {incident.title}"[:300],
        body_markdown=body,
        category="incident",
        link=f"/incidents/{incident.id}",
        dedupe_key=f"incident:{incident.id}:resolved:{resolved_at}",
    )


def publish_post_incident_note(
    session: Session,
    workspace_id: int,
    incident_id: int,
    body: schemas.PostIncidentNote,
    *,
    actor: str,
    author_id: int | None,
) -> Incident:
    """Keep the lesson of a resolved incident; with `update_use_card`, add it to the use card's "when it is
    wrong" section as a new version whose changelog names the incident."""
    incident = get_incident(session, workspace_id, incident_id)
    if incident.status not in (IncidentStatus.resolved, IncidentStatus.closed):
        raise IllegalIncidentTransition(
            "a post-incident note follows the resolution; resolve the incident first",
            status=incident.status.value,
        )
    incident.post_incident_note = body.note
    if body.update_use_card:
        use_case = catalog_service.get_use_case_ref_by_id(session, workspace_id, incident.use_case_id)
        card = catalog_service.get_use_card(session, workspace_id, use_case)
        content = (
            catalog_schemas.UseCardContent.model_validate(card) if card else catalog_schemas.UseCardContent()
        )
        day = (incident.resolved_at or utcnow()).date().isoformat()
        addition = f"**After incident #{incident.id} ({day}):** {body.note}"
        content.when_wrong = f"{content.when_wrong}\n\n{addition}".strip()
        catalog_service.record_use_card_version(
            session,
            workspace_id,
            use_case.slug,
            content,
            changelog=f"After incident #{incident.id}: {incident.title}"[:500],
            actor=actor,
            author_id=author_id,
        )
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="trust.incident.note",
        target=f"incident:{incident.id}",
        after={"use_card_updated": body.update_use_card},
    )
    session.flush()
    return incident


def incident_output(
    session: Session, workspace_id: int, incidents: Sequence[Incident]
) -> list[schemas.Incident]:
    """Incidents as the API shows them: use case slugs, whether overdue, how many people will be told."""
    ids = {incident.use_case_id for incident in incidents} | {
        other for incident in incidents for other in incident.also_affected
    }
    slugs = {
        use_case.id: use_case.slug
        for use_case in catalog_service.list_use_case_refs_by_ids(session, workspace_id, ids)
    }
    people = repository.count_people_of_incidents(
        session, workspace_id, [incident.id for incident in incidents]
    )
    now = utcnow()
    return [
        schemas.Incident(
            id=incident.id,
            use_case=slugs.get(incident.use_case_id, ""),
            also_affected=[slugs.get(other, "") for other in incident.also_affected],
            title=incident.title,
            description=incident.description,
            evidence=incident.evidence,
            severity=incident.severity,
            harm_type=incident.harm_type,
            failure_type=incident.failure_type,
            status=incident.status,
            source=incident.source,
            owner_id=incident.owner_id,
            due_at=incident.due_at,
            is_overdue=incident.status in OPEN_STATUSES and naive_utc(incident.due_at) < naive_utc(now),
            root_cause=incident.root_cause,
            fix=incident.fix,
            post_incident_note=incident.post_incident_note,
            paused_use_case=incident.paused_use_case,
            reported_at=incident.reported_at,
            triaged_at=incident.triaged_at,
            resolved_at=incident.resolved_at,
            closed_at=incident.closed_at,
            people_to_tell=people.get(incident.id, 0),
        )
        for incident in incidents
    ]


def naive_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def allowed_incident_moves(incident: Incident) -> tuple[IncidentStatus, ...]:
    return TRANSITIONS[incident.status]
