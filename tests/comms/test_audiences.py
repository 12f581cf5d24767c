"""comms/service/audiences.py: who a cohort holds now."""

from __future__ import annotations

import pytest

from comms.comms_builders import add_person
from enablement.enablement_builders import make_use_case
from uptake.comms import schemas
from uptake.comms.service import audiences as audiences_service
from uptake.db import session_scope
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import teams as teams_service
from uptake.errors import NotFound


def _organization(session, workspace: int) -> dict[str, int]:
    """Claims (with Claims North below it) and Sales; handlers in both; one person of Claims has left."""
    claims = teams_service.create_team(session, workspace, name="Claims").id
    north = teams_service.create_team(session, workspace, name="Claims North", parent_id=claims).id
    sales = teams_service.create_team(session, workspace, name="Sales").id
    handler = job_roles_service.create_job_role(session, workspace, name="Handler").id
    add_person(session, workspace, "ana", team_id=claims)
    add_person(session, workspace, "Bea", team_id=north, job_role_id=handler)
    add_person(session, workspace, "Carl", team_id=claims, left=True)
    add_person(session, workspace, "Dan", team_id=sales, job_role_id=handler)
    return {"claims": claims, "north": north, "sales": sales, "handler": handler}


def _names(members: list[audiences_service.Member]) -> list[str]:
    return [member.display_name for member in members]


def test_a_cohort_holds_teams_with_their_subteams_and_job_roles_by_name_without_leavers(world) -> None:
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        ids = _organization(session, workspace)
        claims = schemas.Audience(team_ids=[ids["claims"]])
        assert _names(audiences_service.resolve_audience(session, workspace, claims)) == ["ana", "Bea"]
        handlers_in_claims = schemas.Audience(team_ids=[ids["claims"]], job_role_ids=[ids["handler"]])
        (bea,) = audiences_service.resolve_audience(session, workspace, handlers_in_claims)
        assert (bea.display_name, bea.team_id, bea.job_role_id) == ("Bea", ids["north"], ids["handler"])
        everyone = schemas.Audience(everyone=True)
        assert _names(audiences_service.resolve_audience(session, workspace, everyone)) == [
            "ana",
            "Bea",
            "Dan",
        ]


def test_the_preview_counts_the_cohort_and_names_the_first_few(world) -> None:
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        ids = _organization(session, workspace)
        for number in range(audiences_service.SAMPLE_SIZE + 2):
            add_person(session, workspace, f"Seller {number:02}", team_id=ids["sales"])
        preview = audiences_service.preview_audience(
            session, workspace, schemas.Audience(team_ids=[ids["sales"]])
        )
    assert preview.count == audiences_service.SAMPLE_SIZE + 3
    assert len(preview.sample) == audiences_service.SAMPLE_SIZE
    assert preview.sample[0] == "Dan"


def test_a_use_case_cohort_is_the_teams_and_roles_it_is_aimed_at(world) -> None:
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        ids = _organization(session, workspace)
    make_use_case(world, workspace, "claims-letters", target_team_ids=[ids["claims"]])
    make_use_case(world, workspace, "for-everyone")
    with session_scope(world.factory, workspace) as session:
        aimed = audiences_service.use_case_audience(session, workspace, "claims-letters")
        assert aimed == ({ids["claims"], ids["north"]}, set())
        assert audiences_service.use_case_audience(session, workspace, "for-everyone") is None
        users = schemas.Audience(use_case_slugs=["claims-letters"])
        assert _names(audiences_service.resolve_audience(session, workspace, users)) == ["ana", "Bea"]
        anyone = schemas.Audience(use_case_slugs=["for-everyone"])
        assert _names(audiences_service.resolve_audience(session, workspace, anyone)) == ["ana", "Bea", "Dan"]


def test_an_unknown_team_job_role_or_wave_is_refused(world) -> None:
    workspace = world.workspace()
    make_use_case(world, workspace, "claims-letters")
    with session_scope(world.factory, workspace) as session:
        with pytest.raises(NotFound):
            audiences_service.resolve_audience(session, workspace, schemas.Audience(team_ids=[999]))
        with pytest.raises(NotFound):
            audiences_service.resolve_audience(session, workspace, schemas.Audience(job_role_ids=[999]))
        with pytest.raises(NotFound):  # the use case has no rollout plan
            audiences_service.resolve_audience(
                session,
                workspace,
                schemas.Audience(
                    rollout_waves=[schemas.RolloutWaveRef(use_case_slug="claims-letters", wave="x")]
                ),
            )
