"""enablement/service/literacy.py: a person's AI-literacy record and its coverage per team."""

from __future__ import annotations

from datetime import UTC, datetime

from enablement.enablement_builders import make_module, quiz_answers
from uptake.db import session_scope
from uptake.directory.schemas import PersonUpdate
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.enablement.service import literacy as literacy_service
from uptake.enablement.service import quizzes as quizzes_service

NOW = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


def test_the_literacy_record_names_the_person_their_team_and_role_and_every_completion(world) -> None:
    workspace = world.workspace()
    slug = make_module(world, workspace)
    with session_scope(world.factory, workspace) as session:
        team = teams_service.create_team(session, workspace, name="Claims").id
        role = job_roles_service.create_job_role(session, workspace, name="Handler").id
        person = people_service.create_person(
            session, workspace, email="ana@example.com", display_name="Ana", team_id=team, job_role_id=role
        ).id
        quizzes_service.submit_quiz(
            session, workspace, slug, person, quiz_answers(session, workspace, slug, True), now=NOW
        )
        record = literacy_service.literacy_record(session, workspace, person, now=NOW)
    assert (record.display_name, record.email, record.team, record.job_role, record.generated_at) == (
        "Ana",
        "ana@example.com",
        "Claims",
        "Handler",
        NOW,
    )
    assert [
        (entry.module_slug, entry.version, entry.completed_at, entry.is_current) for entry in record.entries
    ] == [(slug, "1.0", NOW, True)]


def test_coverage_hides_teams_below_the_privacy_floor(world) -> None:
    workspace = world.workspace()
    slug = make_module(world, workspace)
    with session_scope(world.factory, workspace) as session:
        big = teams_service.create_team(session, workspace, name="Claims")
        small = teams_service.create_team(session, workspace, name="Legal")
        big_id, small_id = big.id, small.id
    people = []
    for index in range(6):
        person = world.person(workspace)
        people.append(person)
        with session_scope(world.factory, workspace) as session:
            moved = PersonUpdate(team_id=big_id if index < 5 else small_id)
            people_service.update_person(session, workspace, person, moved, actor="test")
    with session_scope(world.factory, workspace) as session:
        for person in people[:3]:
            quizzes_service.submit_quiz(
                session, workspace, slug, person, quiz_answers(session, workspace, slug, True)
            )
        rows = {
            row.team_name: row
            for row in literacy_service.literacy_coverage(session, workspace, privacy_floor=5)
        }
    assert (rows["Claims"].people, rows["Claims"].trained, rows["Claims"].suppressed) == (5, 3, False)
    assert (rows["Legal"].people, rows["Legal"].trained, rows["Legal"].suppressed) == (None, None, True)
