"""enablement/service/champions.py: who nominates champions where, and whom a team can ask."""

from __future__ import annotations

import pytest

from enablement.enablement_builders import make_use_case
from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.db import session_scope
from uptake.directory.service import teams as teams_service
from uptake.enablement import schemas
from uptake.enablement.service import champions as champions_service
from uptake.errors import Forbidden


def _lead_of(workspace: int, *team_ids: int) -> Principal:
    return Principal(
        workspace_id=workspace,
        roles=frozenset({Role.team_lead}),
        person_id=None,
        team_ids=frozenset(team_ids),
    )


def test_a_team_lead_nominates_in_their_teams_and_a_team_asks_the_champions_above_it(world) -> None:
    workspace = world.workspace()
    cleo, finn, gus = (world.person(workspace, name=name) for name in ("Cleo", "Finn", "Gus"))
    make_use_case(world, workspace, "claims-letters")
    with session_scope(world.factory, workspace) as session:
        claims = teams_service.create_team(session, workspace, name="Claims").id
        north = teams_service.create_team(session, workspace, name="Claims North", parent_id=claims).id
        sales = teams_service.create_team(session, workspace, name="Sales").id
        lead = _lead_of(workspace, claims, north)
        above = champions_service.nominate_champion(
            session,
            workspace,
            schemas.ChampionCreate(person_id=cleo, team_id=claims, note="Ask me"),
            nominated_by=lead,
        )
        assert (above.person_id, above.display_name, above.team_id, above.note) == (
            cleo,
            "Cleo",
            claims,
            "Ask me",
        )
        champions_service.nominate_champion(
            session, workspace, schemas.ChampionCreate(person_id=finn, team_id=north), nominated_by=lead
        )
        with pytest.raises(Forbidden):
            champions_service.nominate_champion(
                session, workspace, schemas.ChampionCreate(person_id=gus, team_id=sales), nominated_by=lead
            )
        with pytest.raises(Forbidden):  # a use case's champions are a program lead's choice
            champions_service.nominate_champion(
                session,
                workspace,
                schemas.ChampionCreate(person_id=gus, use_case_slug="claims-letters"),
                nominated_by=lead,
            )
        program_lead = Principal(workspace_id=workspace, roles=frozenset({Role.program_lead}))
        champions_service.nominate_champion(
            session,
            workspace,
            schemas.ChampionCreate(person_id=gus, use_case_slug="claims-letters"),
            nominated_by=program_lead,
        )
        with pytest.raises(champions_service.ChampionAlreadyNominated):
            champions_service.nominate_champion(
                session,
                workspace,
                schemas.ChampionCreate(person_id=cleo, team_id=claims),
                nominated_by=program_lead,
            )
        assert {
            c.display_name for c in champions_service.list_champions(session, workspace, team_id=north)
        } == {"Cleo", "Finn"}
        assert [
            c.display_name for c in champions_service.list_champions(session, workspace, team_id=claims)
        ] == ["Cleo"]
        assert champions_service.list_champion_person_ids(
            session, workspace, use_case_slug="claims-letters"
        ) == [gus]
        assert champions_service.is_champion(session, workspace, gus, use_case_slug="claims-letters")
        assert not champions_service.is_champion(session, workspace, cleo, use_case_slug="claims-letters")


def test_a_champion_is_removed_by_a_lead_of_their_team_only(world) -> None:
    workspace = world.workspace()
    cleo = world.person(workspace, name="Cleo")
    with session_scope(world.factory, workspace) as session:
        claims = teams_service.create_team(session, workspace, name="Claims").id
        sales = teams_service.create_team(session, workspace, name="Sales").id
        champion = champions_service.nominate_champion(
            session,
            workspace,
            schemas.ChampionCreate(person_id=cleo, team_id=claims),
            nominated_by=_lead_of(workspace, claims),
        )
        with pytest.raises(Forbidden):
            champions_service.remove_champion(
                session, workspace, champion.id, removed_by=_lead_of(workspace, sales)
            )
        champions_service.remove_champion(
            session, workspace, champion.id, removed_by=_lead_of(workspace, claims)
        )
        assert champions_service.list_champions(session, workspace) == []
        with pytest.raises(champions_service.ChampionNotFound):
            champions_service.remove_champion(
                session, workspace, champion.id, removed_by=_lead_of(workspace, claims)
            )
