"""Audiences: who a cohort (teams with their subteams, job roles, a use case's users, rollout waves) holds now.

Announcements, office hours and surveys resolve their cohorts here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from uptake.catalog import service as catalog_service
from uptake.comms import schemas
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.errors import FieldError, InvalidInput
from uptake.rollout import service as rollout_service

LEFT = "left"


SAMPLE_SIZE = 10


@dataclass(frozen=True)
class Member:
    person_id: int
    display_name: str
    team_id: int | None
    job_role_id: int | None


def _subtrees(session: Session, workspace_id: int, team_ids: Iterable[int]) -> set[int]:
    found: set[int] = set()
    for team_id in team_ids:
        found.update(teams_service.subtree_team_ids(session, workspace_id, team_id))
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
        for person in people_service.person_snapshots(session, workspace_id)
        if str(person.employment_status) != LEFT
    ]
    if not audience.everyone:
        if audience.team_ids:
            for team_id in audience.team_ids:
                teams_service.get_team(session, workspace_id, team_id)
            teams = _subtrees(session, workspace_id, audience.team_ids)
            people = [person for person in people if person.team_id in teams]
        if audience.job_role_ids:
            for job_role_id in audience.job_role_ids:
                job_roles_service.get_job_role(session, workspace_id, job_role_id)
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
