"""The AI-literacy record of a person (evidence for the EU AI Act's Art. 4 duty) and its coverage per team, under the
privacy floor.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy.orm import Session

from uptake.db import utcnow
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.enablement import repository, schemas
from uptake.enablement.models import ModuleStatus
from uptake.enablement.service.completions import completion_is_valid
from uptake.enablement.service.modules import get_module

LEFT = "left"


def literacy_record(
    session: Session, workspace_id: int, person_id: int, *, now: datetime | None = None
) -> schemas.LiteracyRecord:
    """Every module a person completed and when: evidence for the EU AI Act's Art. 4 AI-literacy duty."""
    now = now or utcnow()
    person = people_service.get_person_record(session, workspace_id, person_id)
    completions = repository.list_completions_for_person(session, workspace_id, person_id)
    modules = {
        module.id: module
        for module in repository.list_modules_by_ids(
            session, workspace_id, {c.module_id for c in completions}
        )
    }
    entries = [
        schemas.LiteracyEntry(
            module_slug=modules[completion.module_id].slug,
            module_title=modules[completion.module_id].title,
            version=completion.version,
            score_percent=completion.score_percent,
            completed_at=completion.completed_at,
            is_current=completion_is_valid(modules[completion.module_id], completion, now),
        )
        for completion in completions
    ]
    return schemas.LiteracyRecord(
        person_id=person.id,
        display_name=person.display_name,
        email=person.email,
        team=person.team.name if person.team else None,
        job_role=person.job_role.name if person.job_role else None,
        generated_at=now,
        entries=entries,
    )


def literacy_coverage(
    session: Session,
    workspace_id: int,
    *,
    privacy_floor: int,
    module_slug: str | None = None,
    now: datetime | None = None,
) -> list[schemas.TeamCoverage]:
    """Per team (with its subteams): people, people with a valid completion (of ``module_slug``, or of any module),
    and people whose role's learning paths are complete. A team of fewer than ``privacy_floor`` people shows no
    figures. Listed as the team tree, parents before their subteams."""
    now = now or utcnow()
    if module_slug is not None:
        modules = [get_module(session, workspace_id, module_slug)]
    else:
        modules = repository.list_modules(session, workspace_id, statuses=[ModuleStatus.published])
    by_id = {module.id: module for module in modules}
    people = [
        person
        for person in people_service.person_snapshots(session, workspace_id)
        if str(person.employment_status) != LEFT
    ]
    trained: set[int] = set()
    valid_modules: dict[int, set[int]] = defaultdict(set)
    for completion in repository.list_completions_for_modules(session, workspace_id, list(by_id)):
        if completion_is_valid(by_id[completion.module_id], completion, now):
            trained.add(completion.person_id)
            valid_modules[completion.person_id].add(completion.module_id)
    path_modules: dict[int | None, set[int]] = defaultdict(set)
    everyone: set[int] = set()
    for path in repository.list_learning_paths(session, workspace_id):
        target = everyone if path.job_role_id is None else path_modules[path.job_role_id]
        target.update(step.module_id for step in path.steps if step.module_id in by_id)

    def required_complete(person_id: int, job_role_id: int | None) -> bool:
        needed = everyone | path_modules.get(job_role_id, set())
        return needed <= valid_modules.get(person_id, set())

    teams = teams_service.list_all_teams(session, workspace_id)
    members: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for person in people:
        if person.team_id is not None:
            members[person.team_id].append((person.id, person.job_role_id))
    rows = []
    for team in sorted(
        teams, key=lambda item: [int(part) for part in item.path.strip("/").split("/") if part]
    ):
        prefix = team.path
        inside = [
            member for other in teams if other.path.startswith(prefix) for member in members.get(other.id, [])
        ]
        count = len(inside)
        suppressed = count < privacy_floor
        rows.append(
            schemas.TeamCoverage(
                team_id=team.id,
                team_name=team.name,
                depth=max(0, team.path.strip("/").count("/")),
                people=None if suppressed else count,
                trained=None if suppressed else sum(1 for person_id, _ in inside if person_id in trained),
                required_complete=None
                if suppressed
                else sum(1 for person_id, role in inside if required_complete(person_id, role)),
                suppressed=suppressed,
                suppression_reason=f"fewer than {privacy_floor} people" if suppressed else None,
            )
        )
    return rows
