"""Everything uptake holds about one person, and its erasure.

**Access** (`export_personal_data`): the directory record, the account and roles, their usage and feedback
events (found through every pseudonym their identifiers give), the feedback they gave (signed in or named by a
tool), the incidents they reported, the questions they asked under their name and the answers they wrote, their
training completions, the announcements they were sent, their in-app notifications and their notification
preferences, and the Parquet exports of events made so far (copies outside uptake, listed with the instruction to
delete them). Anonymous survey answers and anonymous questions are never included: they are stored without a link
to anyone, so they cannot be found for a person, by design. Every export is audited.

**Erasure** (`erase_person`): the person's events leave the event store and their directory record is deleted,
which takes their account, login sessions, training attempts and completions, champion seats, notifications and
preferences with it (foreign keys with ON DELETE CASCADE); records they authored elsewhere (use cases they own,
reviews) stay, no longer pointing to anyone (ON DELETE SET NULL). Their feedback rows (by account or pseudonym,
with comments and corrections) are deleted; the incidents they reported, their named questions and their answers
stay for the others involved, with the texts they wrote replaced by a fixed note. Parquet exports cannot be
reached from here: the report lists them, to be deleted by whoever holds them. The chosen default deletes the
events. `keep_aggregates=True` instead re-keys them to one random pseudonym that is stored nowhere and clears
their free text (session id, comment, correction, attributes): adoption figures of the past stay as they were, and
nobody, holding the key or not, can link those events back to the person. The analytics snapshot tables in the
events store (people, entitlements, seats, completions) and the AI services discovery logs saw them use (linked to
them, or under one of their pseudonyms) are treated the same way. The erasure writes one audit
entry naming the person only by their former id, with the counts; the audit log never held names or emails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.auth import service as auth_service
from uptake.comms.service import announcements as announcements_service
from uptake.comms.service import notifications as notifications_service
from uptake.comms.service import preferences as preferences_service
from uptake.comms.service import questions as questions_service
from uptake.directory import schemas as directory_schemas
from uptake.directory.service import people as people_service
from uptake.discovery import service as discovery_service
from uptake.enablement.service import literacy as literacy_service
from uptake.errors import NotFound
from uptake.telemetry import service as telemetry_service
from uptake.telemetry.dependencies import EventStore
from uptake.trust import service as trust_service

MAX_EXPORTED_NOTIFICATIONS = 10_000

NOT_INCLUDED = (
    "Anonymous survey answers: they are stored without any link to a person and cannot be found for anyone.",
    "Questions asked anonymously: they store no asker and cannot be found for anyone.",
)
PARQUET_INSTRUCTION = (
    "These Parquet exports of the usage events were written outside uptake and may hold this person's events "
    "(under their pseudonyms above). uptake cannot change them: delete them, or export again after an erasure."
)


class PersonNotInDirectory(NotFound):
    title = "No person in this workspace has this email or external id."


@dataclass(frozen=True, slots=True)
class ErasureReport:
    person_id: int
    events_deleted: int
    events_rekeyed: int
    snapshot_rows: int
    feedback_deleted: int = 0
    texts_redacted: int = 0
    parquet_exports: tuple[str, ...] = ()


def find_person(session: Session, workspace_id: int, identifier: str) -> directory_schemas.PersonSnapshot:
    """The directory's person with this email (any case) or external id."""
    text = identifier.strip()
    person = people_service.get_person_by_email(session, workspace_id, text)
    if person is None:
        person = people_service.get_person_by_external_id(session, workspace_id, text)
    if person is None:
        raise PersonNotInDirectory(f"no person has the email or external id {text!r}", identifier=text)
    return person


def _pseudonyms(session: Session, workspace_id: int, person: directory_schemas.PersonSnapshot) -> list[str]:
    return telemetry_service.person_pseudonyms(
        session, workspace_id, [person.external_id, person.email, person.user_name]
    )


def export_personal_data(
    session: Session, store: EventStore, workspace_id: int, identifier: str, *, actor: str
) -> dict[str, Any]:
    """Everything held about the person, as a JSON-ready map (the answer to an access request); audited."""
    person = find_person(session, workspace_id, identifier)
    record = people_service.get_person_record(session, workspace_id, person.id)
    pseudonyms = _pseudonyms(session, workspace_id, person)
    roles = auth_service.account_roles(session, workspace_id, person.id)
    last_login = auth_service.last_login(session, workspace_id, person.id)
    events = telemetry_service.events_of_person(store, workspace_id, pseudonyms)
    literacy = literacy_service.literacy_record(session, workspace_id, person.id)
    announcements = announcements_service.list_my_announcements(session, workspace_id, person.id)
    inbox = notifications_service.list_inbox(
        session, workspace_id, person.id, limit=MAX_EXPORTED_NOTIFICATIONS
    )
    preferences = preferences_service.get_preferences(session, workspace_id, person.id)
    sightings = discovery_service.sightings_of_person(
        session, workspace_id, person_id=person.id, pseudonyms=pseudonyms
    )
    contributions = trust_service.personal_contributions(session, workspace_id, person.id, pseudonyms)
    conversations = questions_service.personal_questions_and_answers(session, workspace_id, person.id)
    exports = telemetry_service.list_events_exports(session, workspace_id)
    export: dict[str, Any] = _json_ready(
        {
            "generated_at": datetime.now(UTC),
            "workspace_id": workspace_id,
            "person": {
                "id": record.id,
                "external_id": record.external_id,
                "email": record.email,
                "display_name": record.display_name,
                "user_name": record.user_name,
                "job_title": record.job_title,
                "job_role": record.job_role.name if record.job_role else None,
                "team": record.team.name if record.team else None,
                "manager_id": record.manager_id,
                "location": record.location,
                "employment_status": record.employment_status.value,
                "start_date": record.start_date,
                "identity_provider_attributes": record.scim_attributes,
                "created_at": record.created_at,
                "updated_at": record.updated_at,
            },
            "account": {"roles": sorted(roles), "last_login_at": last_login},
            "pseudonyms": pseudonyms,
            "events": [
                {key: value for key, value in event.items() if key != "workspace_id"} for event in events
            ],
            "ai_services_seen": sightings,
            "feedback": contributions["feedback"],
            "incidents_reported": contributions["incidents_reported"],
            "questions_asked": conversations["questions_asked"],
            "answers_written": conversations["answers_written"],
            "training_completions": [entry.model_dump(mode="json") for entry in literacy.entries],
            "announcements_received": [
                {
                    "id": item.id,
                    "title": item.title,
                    "sent_at": item.sent_at,
                    "read_at": item.read_at,
                    "acknowledged_at": item.acknowledged_at,
                }
                for item in announcements
            ],
            "notifications": [
                {
                    "category": item.category,
                    "subject": item.subject,
                    "created_at": item.created_at,
                    "read_at": item.read_at,
                }
                for item in inbox
            ],
            "notification_preferences": preferences.model_dump(mode="json"),
            "parquet_exports": {"instruction": PARQUET_INSTRUCTION if exports else None, "exports": exports},
            "not_included": list(NOT_INCLUDED),
        }
    )
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="privacy.person.exported",
        target=f"person:{person.id}",
        after={"events": len(export["events"])},
    )
    return export


def erase_person(
    session: Session,
    store: EventStore,
    workspace_id: int,
    identifier: str,
    *,
    actor: str,
    keep_aggregates: bool = False,
) -> ErasureReport:
    """Erase the person (see the module notes); the caller commits the application database."""
    person = find_person(session, workspace_id, identifier)
    person_id = person.id
    pseudonyms = _pseudonyms(session, workspace_id, person)
    erased = telemetry_service.erase_person_data(
        store, workspace_id, pseudonyms, keep_aggregates=keep_aggregates
    )
    sightings = discovery_service.erase_person_sightings(
        session, workspace_id, person_id=person_id, pseudonyms=pseudonyms, keep_aggregates=keep_aggregates
    )
    contributions = trust_service.erase_person_contributions(session, workspace_id, person_id, pseudonyms)
    conversations = questions_service.erase_person_questions_and_answers(session, workspace_id, person_id)
    exports = telemetry_service.list_events_exports(session, workspace_id)
    people_service.delete_person(session, workspace_id, person_id, actor=actor)
    report = ErasureReport(
        person_id=person_id,
        events_deleted=0 if keep_aggregates else erased.events,
        events_rekeyed=erased.events if keep_aggregates else 0,
        snapshot_rows=erased.snapshot_rows,
        feedback_deleted=contributions["feedback_deleted"],
        texts_redacted=contributions["incidents_redacted"]
        + conversations["questions_redacted"]
        + conversations["answers_redacted"],
        parquet_exports=tuple(sorted({str(item["directory"]) for item in exports})),
    )
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="privacy.person.erased",
        target=f"person:{person_id}",
        after={
            "events_deleted": report.events_deleted,
            "events_rekeyed": report.events_rekeyed,
            "snapshot_rows": report.snapshot_rows,
            "feedback_deleted": report.feedback_deleted,
            "texts_redacted": report.texts_redacted,
            "keep_aggregates": keep_aggregates,
            "discovery_sightings": sightings,
        },
    )
    return report


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
