"""The rollout state document (version 1, defined in `uptake_sdk.local_evaluation`) built from the database.

The server publishes exactly what the SDK evaluates, and answers its own REST and OFREP checks by running the
SDK's `Evaluator` on the same document, so a decision never differs between the three ways of asking.

- Use cases: every use case of the workspace; ``status`` is ``active`` when the catalog has it live
  (approved, piloting, rolling out, generally available), otherwise the catalog status (``paused``,
  ``draft``, ``retired``...), which grants nobody: pausing is the kill switch.
- Rules: the plan's waves that have started (active, held or completed), in plan order; a wave that is
  still planned grants nobody. A generally available use case gets a last rule for everyone
  (``generally-available``), requiring the use case's training when it names some.
- Teams and roles are published as directory ids (strings), so renaming a team changes nothing; a person's
  ``teams`` hold their team and every team above it, so a wave aimed at a department covers its subteams.
- People are keyed by their canonical external id; their email is an alias. People who left are not
  published: their identifiers are unknown to the document.
- ``requires_training`` is published only when the use case names required training (otherwise there is
  nothing to complete); ``trained`` lists the use cases whose required training the person completed and
  that is still valid. ``acknowledged`` lists the use cases whose *current* use-card version they confirmed.

`build_rollout_state` with ``only_person`` builds the same document restricted to one person (their facts,
and named-people lists filtered to them): the decision for that person is identical, and it costs a few
queries instead of reading the whole directory.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.enablement.service import completions as completions_service
from uptake.rollout import repository
from uptake.rollout.models import RolloutWave
from uptake_sdk.bucketing import canonical_person_key
from uptake_sdk.local_evaluation import STATE_DOCUMENT_VERSION

GENERALLY_AVAILABLE_WAVE = "generally-available"
ALL_USE_CASES = 100_000


@dataclass(frozen=True)
class KnownPerson:
    """A directory person as the state document names them."""

    id: int
    key: str
    email: str
    team_id: int | None
    job_role_id: int | None


def person_key(external_id: str) -> str:
    return canonical_person_key(external_id)


def find_person(session: Session, workspace_id: int, identifier: str) -> KnownPerson | None:
    """The directory person an identifier (email or external id, any case or spacing) names, if any."""
    text = identifier.strip()
    if not text or "\x00" in text:
        return None  # no directory entry has it (and PostgreSQL refuses NUL in text)
    person = people_service.get_person_by_email(session, workspace_id, text)
    if person is None:
        person = people_service.get_person_by_external_id(session, workspace_id, text)
    if person is None or person.employment_status == "left":
        return None
    return KnownPerson(
        person.id, person_key(person.external_id), person.email, person.team_id, person.job_role_id
    )


def list_published_people(session: Session, workspace_id: int) -> list[KnownPerson]:
    """Everyone in the directory but those who left: the people the full document publishes."""
    return [
        KnownPerson(row.id, person_key(row.external_id), row.email, row.team_id, row.job_role_id)
        for row in people_service.person_snapshots(session, workspace_id)
        if row.employment_status != "left"
    ]


def _team_lineages(session: Session, workspace_id: int, team_ids: set[int]) -> dict[int, list[str]]:
    """team id → the team and every team above it, as strings."""
    if not team_ids:
        return {}
    if len(team_ids) == 1:
        (team_id,) = team_ids
        team = teams_service.get_team(session, workspace_id, team_id)
        return {team_id: [str(ancestor) for ancestor in teams_service.path_ids(team)]}
    return {
        team.id: [str(ancestor) for ancestor in teams_service.path_ids(team)]
        for team in teams_service.list_all_teams(session, workspace_id)
        if team.id in team_ids
    }


def build_rollout_state(
    session: Session,
    workspace_id: int,
    *,
    only_person: KnownPerson | None = None,
    restrict_to_person: bool = False,
    only_use_case: str | None = None,
    generated_at: datetime | None = None,
) -> dict[str, Any]:
    """The workspace's rollout state document; with ``restrict_to_person``, only ``only_person``'s part of it
    (``only_person`` None then means an identifier the directory does not know: no facts at all); with
    ``only_use_case``, only that use case (none when the slug is unknown)."""
    if only_use_case is None:
        use_cases, _ = catalog_service.list_use_cases(session, workspace_id, limit=ALL_USE_CASES)
    else:
        found = catalog_service.find_use_case_by_slug(session, workspace_id, only_use_case)
        use_cases = [found] if found is not None else []
    if not use_cases:
        return {"version": STATE_DOCUMENT_VERSION, "use_cases": {}, "people": {}, "aliases": {}}
    waves_by_use_case: dict[int, list[RolloutWave]] = defaultdict(list)
    for use_case_id, wave in repository.list_started_waves(
        session, workspace_id, use_case_id=use_cases[0].id if only_use_case is not None else None
    ):
        waves_by_use_case[use_case_id].append(wave)
    if restrict_to_person:
        people = [only_person] if only_person is not None else []
    else:
        people = list_published_people(session, workspace_id)
    keys_by_id = {person.id: person.key for person in people}
    lineages = _team_lineages(
        session, workspace_id, {person.team_id for person in people if person.team_id is not None}
    )
    person_ids = list(keys_by_id)
    trained: dict[int, list[str]] = defaultdict(list)
    acknowledged: dict[int, list[str]] = defaultdict(list)
    needs_acknowledgements = any(
        wave.requires_acknowledgement for waves in waves_by_use_case.values() for wave in waves
    )
    if person_ids and needs_acknowledgements:
        current_versions = {
            use_case.id: (use_case.slug, use_case.use_card_version)
            for use_case in use_cases
            if use_case.use_card_version
        }
        for person_id, use_case_id, version in repository.acknowledged_versions(
            session, workspace_id, person_ids=person_ids if restrict_to_person else None
        ):
            slug_and_version = current_versions.get(use_case_id)
            if slug_and_version is not None and slug_and_version[1] == version and person_id in keys_by_id:
                acknowledged[person_id].append(slug_and_version[0])

    documents: dict[str, Any] = {}
    for use_case in use_cases:
        is_live = use_case.status in catalog_schemas.LIVE_STATUSES
        requires_training_at_all = bool(use_case.required_training)
        rules: list[dict[str, Any]] = []
        for wave in waves_by_use_case.get(use_case.id, []):
            rule: dict[str, Any] = {"wave": wave.name}
            named = [keys_by_id[person_id] for person_id in wave.person_ids if person_id in keys_by_id]
            if named:
                rule["people"] = sorted(named)
            if wave.team_ids:
                rule["teams"] = [str(team_id) for team_id in wave.team_ids]
            if wave.job_role_ids:
                rule["roles"] = [str(job_role_id) for job_role_id in wave.job_role_ids]
            if wave.person_ids and not named and not wave.team_ids and not wave.job_role_ids:
                continue  # only named people, none of them published here: the wave matches nobody
            if wave.percentage is not None:
                rule["percentage"] = wave.percentage
            if wave.requires_training and requires_training_at_all:
                rule["requires_training"] = True
            if wave.requires_acknowledgement:
                rule["requires_acknowledgement"] = True
            rules.append(rule)
        if use_case.status == catalog_schemas.UseCaseStatus.generally_available:
            rules.append({"wave": GENERALLY_AVAILABLE_WAVE, "requires_training": requires_training_at_all})
        if is_live and person_ids and any(rule.get("requires_training") for rule in rules):
            for person_id in completions_service.completions_for_use_case(
                session, workspace_id, use_case.slug, person_ids=person_ids if restrict_to_person else None
            ):
                if person_id in keys_by_id:
                    trained[person_id].append(use_case.slug)
        documents[use_case.slug] = {
            "status": "active" if is_live else use_case.status.value,
            "rules": rules,
        }

    published_people: dict[str, Any] = {}
    aliases: dict[str, str] = {}
    for person in people:
        published_people[person.key] = {
            "teams": lineages.get(person.team_id, []) if person.team_id is not None else [],
            "role": None if person.job_role_id is None else str(person.job_role_id),
            "trained": sorted(trained.get(person.id, [])),
            "acknowledged": sorted(acknowledged.get(person.id, [])),
        }
        email = canonical_person_key(person.email)
        if email != person.key:
            aliases[email] = person.key
    document: dict[str, Any] = {
        "version": STATE_DOCUMENT_VERSION,
        "use_cases": documents,
        "people": published_people,
        "aliases": aliases,
    }
    if generated_at is not None:
        document["generated_at"] = generated_at.isoformat()
    return document


def state_etag(document: dict[str, Any]) -> str:
    """A strong ETag over the document's content (``generated_at`` aside, so an unchanged state keeps it)."""
    content = {key: value for key, value in document.items() if key != "generated_at"}
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    return '"' + hashlib.sha256(encoded).hexdigest()[:32] + '"'
