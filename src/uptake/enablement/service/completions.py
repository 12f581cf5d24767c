"""Completions: a module completed by passing its quiz or by reading it, many at once from elsewhere, and
whether a completion still counts.

Other domains ask ``completions_for_use_case`` (analytics' funnel and rollout gates: who is trained for U, since
when?).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.db import utcnow
from uptake.directory.service import people as people_service
from uptake.enablement import repository
from uptake.enablement.models import Completion, TrainingModule
from uptake.enablement.service.modules import (
    get_module,
    get_module_for_learner,
    required_module_rows,
)
from uptake.errors import Conflict, FieldError, InvalidInput


class ModuleHasQuiz(Conflict):
    title = "This module is completed by passing its quiz."


def record_completion(
    session: Session,
    workspace_id: int,
    module: TrainingModule,
    person_id: int,
    score: float | None,
    now: datetime,
) -> Completion:
    existing = repository.get_completion(session, workspace_id, module.id, person_id, module.version_major)
    if existing is not None:
        return existing
    completion = Completion(
        workspace_id=workspace_id,
        module_id=module.id,
        person_id=person_id,
        version_major=module.version_major,
        version_minor=module.version_minor,
        score_percent=score,
        completed_at=now,
    )
    session.add(completion)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=f"person:{person_id}",
        action="enablement.completion.recorded",
        target=f"training_module:{module.id}",
        after={"person_id": person_id, "version": completion.version, "score_percent": score},
    )
    return completion


def complete_reading(
    session: Session, workspace_id: int, slug: str, person_id: int, *, now: datetime | None = None
) -> Completion:
    """Complete a module that has no quiz, by having read it."""
    module = get_module_for_learner(session, workspace_id, slug)
    if module.questions:
        raise ModuleHasQuiz(f"{slug!r} is completed by passing its quiz", slug=slug)
    return record_completion(session, workspace_id, module, person_id, None, now or utcnow())


BULK_CHUNK = 2000  # ids per statement: well within SQLite's and PostgreSQL's limits on bound parameters


def record_completions_in_bulk(
    session: Session,
    workspace_id: int,
    slug: str,
    completions: Mapping[int, datetime],
    *,
    actor: str,
    score_percent: float | None = None,
) -> int:
    """Record many people's completion of a module's current major version at once (an import of training
    done elsewhere, the demo's history): one statement and one audit entry instead of one per person. People
    who already completed this version keep their completion; ids not in the workspace are refused by name.
    Returns how many completions were added."""
    module = get_module(session, workspace_id, slug, with_content=True)
    wanted = sorted(completions)
    known: set[int] = set()
    for start in range(0, len(wanted), BULK_CHUNK):
        chunk = wanted[start : start + BULK_CHUNK]
        known.update(person.id for person in people_service.list_people_by_ids(session, workspace_id, chunk))
    unknown = [person_id for person_id in completions if person_id not in known]
    if unknown:
        raise InvalidInput(
            errors=[FieldError(f"completions.{unknown[0]}", "is not a person of this workspace")]
        )
    done = repository.completed_person_ids(session, workspace_id, module.id, module.version_major)
    rows: list[dict[str, object]] = [
        {
            "workspace_id": workspace_id,
            "module_id": module.id,
            "person_id": person_id,
            "version_major": module.version_major,
            "version_minor": module.version_minor,
            "score_percent": score_percent if module.questions else None,
            "completed_at": completed_at,
        }
        for person_id, completed_at in sorted(completions.items())
        if person_id not in done
    ]
    for start in range(0, len(rows), BULK_CHUNK):
        repository.insert_completions(session, rows[start : start + BULK_CHUNK])
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="enablement.completion.imported",
        target=f"training_module:{module.id}",
        after={"version": module.version, "count": len(rows)},
    )
    return len(rows)


def recertification_due_at(module: TrainingModule) -> datetime:
    return module.major_version_at + timedelta(days=module.recertification_grace_days)


def completion_is_valid(module: TrainingModule, completion: Completion, now: datetime) -> bool:
    """A completion counts for the current major version, or for an older one until the grace period ends."""
    if completion.version_major >= module.version_major:
        return True
    return now < recertification_due_at(module)


def completions_for_use_case(
    session: Session,
    workspace_id: int,
    use_case_slug: str,
    *,
    person_ids: Collection[int] | None = None,
    now: datetime | None = None,
) -> dict[int, datetime]:
    """person id → when they became trained for the use case (the date of their last required completion), for
    every person (of ``person_ids``, when given) whose required training is complete and valid now. A use case
    that requires no training gives an empty mapping: nobody needs to be trained for it."""
    now = now or utcnow()
    modules = required_module_rows(session, workspace_id, use_case_slug)
    if not modules:
        return {}
    by_id = {module.id: module for module in modules}
    valid: dict[int, dict[int, datetime]] = defaultdict(dict)
    for completion in repository.list_completions_for_modules(
        session, workspace_id, list(by_id), person_ids=person_ids
    ):
        module = by_id[completion.module_id]
        if completion_is_valid(module, completion, now):
            seen = valid[completion.person_id].get(module.id)
            if seen is None or completion.completed_at < seen:
                valid[completion.person_id][module.id] = completion.completed_at
    return {
        person_id: max(dates.values()) for person_id, dates in valid.items() if len(dates) == len(modules)
    }
