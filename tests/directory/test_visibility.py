"""directory/service/visibility.py: who may see whom, in the API's view and in the pages' browsing scope."""

from __future__ import annotations

import pytest

from directory.directory_builders import build_organization
from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.db import session_scope
from uptake.directory.repository import PeopleFilter
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.directory.service import visibility as visibility_service


def _caller(workspace: int, role: Role, person_id: int | None) -> Principal:
    return Principal(workspace_id=workspace, roles=frozenset({role}), person_id=person_id)


def test_the_browsing_scope_is_enforced_by_the_service(world) -> None:
    """The pages only ask; the service narrows every query to the team lead's teams."""
    workspace = world.workspace()
    ids = build_organization(world, workspace)
    lead = world.caller(workspace, Role.team_lead)
    with session_scope(world.factory, workspace) as session:
        teams_service.set_team_lead(session, workspace, ids["night"], lead.person_id)
        scope = visibility_service.BrowsingScope(
            lead.person_id, frozenset(teams_service.teams_led_by(session, workspace, lead.person_id))
        )
        people, total = visibility_service.browse_people(
            session, workspace, scope, PeopleFilter(), team_id=ids["night"]
        )
        assert ([person.display_name for person in people], total) == (["Ben Okafor"], 1)
        everyone, _ = visibility_service.browse_people(session, workspace, scope, PeopleFilter())
        assert [person.display_name for person in everyone] == ["Ben Okafor"]
        assert (
            visibility_service.browse_direct_reports(session, workspace, scope, ids["ana"])[0].id
            == ids["ben"]
        )
        assert scope.includes_person(people_service.get_person(session, workspace, lead.person_id))


def test_the_api_view_shows_leads_their_teams_in_full_and_everyone_a_basic_directory(world) -> None:
    workspace = world.workspace()
    ids = build_organization(world, workspace)
    with session_scope(world.factory, workspace) as session:
        ana = people_service.get_person_with_relations(session, workspace, ids["ana"])
        ben = people_service.get_person_with_relations(session, workspace, ids["ben"])
        carla = people_service.get_person_with_relations(session, workspace, ids["carla"])
        program = visibility_service.directory_view(
            session, workspace, _caller(workspace, Role.program_lead, None)
        )
        assert program.sees_everyone
        assert program.may_filter_by_private_fields()
        lead = visibility_service.directory_view(
            session, workspace, _caller(workspace, Role.team_lead, ids["ana"])
        )
        assert (lead.sees_in_full(ben), lead.sees_in_full(carla), lead.may_filter_by_private_fields()) == (
            True,
            False,
            False,
        )
        reader = visibility_service.directory_view(
            session, workspace, _caller(workspace, Role.employee, ids["carla"])
        )
        assert (reader.sees_in_full(carla), reader.sees_in_full(ana)) == (True, False)
        basic = visibility_service.person_output(ana, reader)
        assert (basic.view, basic.display_name, basic.email, basic.location) == (
            "basic",
            "Ana Costa",
            None,
            None,
        )
        assert basic.team is not None
        assert basic.team.name == "Tier 1 Support"
        full = visibility_service.person_output(ana, program)
        assert (full.view, full.email, full.location) == ("full", "ana@example.com", "Lisbon")


def test_outside_the_browsing_scope_people_and_teams_do_not_exist(world) -> None:
    workspace = world.workspace()
    ids = build_organization(world, workspace)
    with session_scope(world.factory, workspace) as session:
        scope = visibility_service.browsing_scope(
            session, workspace, _caller(workspace, Role.team_lead, ids["ana"])
        )
        assert scope.team_ids == frozenset({ids["tier1"], ids["night"]})
        assert (
            visibility_service.browse_person(session, workspace, scope, ids["ben"]).display_name
            == "Ben Okafor"
        )
        with pytest.raises(people_service.PersonNotFound):
            visibility_service.browse_person(session, workspace, scope, ids["carla"])
        with pytest.raises(teams_service.TeamNotFound):
            visibility_service.browse_team(session, workspace, scope, ids["finance"])
        assert [team.name for team in visibility_service.browse_teams(session, workspace, scope)] == [
            "Night Shift",
            "Tier 1 Support",
        ]
        (root,) = visibility_service.browse_team_tree(session, workspace, scope)
        assert (root.team.name, root.total_members, [child.team.name for child in root.children]) == (
            "Tier 1 Support",
            2,
            ["Night Shift"],
        )
        roles = {
            role.name: role.people_count
            for role in visibility_service.browse_job_roles(session, workspace, scope)
        }
        assert roles == {"Accountant": 0, "Support agent": 2}
        everything = visibility_service.browsing_scope(
            session, workspace, _caller(workspace, Role.program_lead, None)
        )
        assert everything.is_everything
        _, total = visibility_service.browse_people(session, workspace, everything, PeopleFilter())
        assert total == 3
