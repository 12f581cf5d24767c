"""directory/service/teams.py: the team tree, its paths, moves, leads and head counts."""

from __future__ import annotations

import pytest

from directory.directory_builders import build_organization
from uptake.db import session_scope
from uptake.directory import schemas
from uptake.directory.service import teams as teams_service
from uptake.errors import InvalidInput, NotFound


def test_a_team_knows_its_path_subtree_ancestors_and_what_its_lead_may_see(world) -> None:
    workspace = world.workspace()
    ids = build_organization(world, workspace)
    with session_scope(world.factory, workspace) as session:
        night = teams_service.get_team(session, workspace, ids["night"])
        assert night == schemas.TeamSnapshot(
            id=ids["night"],
            name="Night Shift",
            parent_id=ids["tier1"],
            path=f"/{ids['service']}/{ids['tier1']}/{ids['night']}/",
            lead_id=None,
            external_id=None,
        )
        assert teams_service.path_ids(night) == [ids["service"], ids["tier1"], ids["night"]]
        assert [team.name for team in teams_service.team_ancestors(session, workspace, ids["night"])] == [
            "Customer Service",
            "Tier 1 Support",
        ]
        assert sorted(teams_service.subtree_team_ids(session, workspace, ids["tier1"])) == sorted(
            [ids["tier1"], ids["night"]]
        )
        assert teams_service.teams_led_by(session, workspace, ids["ana"]) == {ids["tier1"], ids["night"]}
        assert teams_service.get_team_by_name(session, workspace, "night shift") == night
        assert [team.name for team in teams_service.list_all_teams(session, workspace)] == [
            "Customer Service",
            "Finance",
            "Night Shift",
            "Tier 1 Support",
        ]
        with pytest.raises(teams_service.TeamNotFound):
            teams_service.get_team(session, workspace, 999)


def test_a_team_moves_with_its_subteams_but_never_below_itself(world) -> None:
    workspace = world.workspace()
    ids = build_organization(world, workspace)
    with session_scope(world.factory, workspace) as session:
        teams_service.update_team(
            session, workspace, ids["tier1"], schemas.TeamUpdate(parent_id=ids["finance"]), actor="lead"
        )
        night = teams_service.get_team(session, workspace, ids["night"])
        assert teams_service.path_ids(night) == [ids["finance"], ids["tier1"], ids["night"]]
        with pytest.raises(InvalidInput) as raised:
            teams_service.update_team(
                session, workspace, ids["tier1"], schemas.TeamUpdate(parent_id=ids["night"]), actor="lead"
            )
        assert [error.field for error in raised.value.errors] == ["parent_id"]
        top = teams_service.update_team(
            session, workspace, ids["tier1"], schemas.TeamUpdate(parent_id=None), actor="lead"
        )
        assert (top.parent_id, top.path) == (None, f"/{ids['tier1']}/")
        with pytest.raises(teams_service.TeamAlreadyExists):
            teams_service.create_team(session, workspace, name="FINANCE")
        with pytest.raises(teams_service.TeamAlreadyExists):
            teams_service.update_team(
                session, workspace, ids["night"], schemas.TeamUpdate(name="Finance"), actor="lead"
            )


def test_a_team_is_deleted_only_when_empty_and_its_lead_is_named_by_email(world) -> None:
    workspace = world.workspace()
    ids = build_organization(world, workspace)
    with session_scope(world.factory, workspace) as session:
        with pytest.raises(teams_service.TeamNotEmpty):
            teams_service.delete_team(session, workspace, ids["tier1"], actor="lead")
        empty = teams_service.create_team(session, workspace, name="Legal", actor="lead")
        assert empty.path == f"/{empty.id}/"
        led = teams_service.name_team_lead(session, workspace, empty.id, " CARLA@example.com ", actor="lead")
        assert led.lead_id == ids["carla"]
        with pytest.raises(InvalidInput) as raised:
            teams_service.name_team_lead(session, workspace, empty.id, "nobody@example.com", actor="lead")
        assert [error.field for error in raised.value.errors] == ["email"]
        assert teams_service.name_team_lead(session, workspace, empty.id, "", actor="lead").lead_id is None
        teams_service.delete_team(session, workspace, empty.id, actor="lead")
        with pytest.raises(NotFound):
            teams_service.get_team(session, workspace, empty.id)
        with pytest.raises(NotFound):
            teams_service.create_team(session, workspace, name="Orphans", parent_id=empty.id)


def test_the_tree_counts_members_directly_and_with_subteams(world) -> None:
    workspace = world.workspace()
    ids = build_organization(world, workspace)
    with session_scope(world.factory, workspace) as session:
        tree = teams_service.team_tree(session, workspace)
        assert [(node.team.name, node.direct_members, node.total_members) for node in tree] == [
            ("Customer Service", 0, 2),
            ("Finance", 1, 1),
        ]
        (tier1,) = tree[0].children
        assert [(node.team.name, node.total_members) for node in tier1.children] == [("Night Shift", 1)]
        output = teams_service.get_team_output(session, workspace, ids["tier1"])
        assert (output.member_count, output.ancestor_ids, output.lead_id) == (1, [ids["service"]], ids["ana"])
        assert teams_service.count_members_by_team(session, workspace, [ids["night"], ids["service"]]) == {
            ids["night"]: 1
        }
        assert teams_service.count_teams(session, workspace) == 4
