"""directory/service/people.py: people created, changed, marked as left and erased; what other domains get."""

from __future__ import annotations

import pytest

from directory.directory_builders import build_organization
from uptake.audit import service as audit_service
from uptake.db import session_scope
from uptake.directory import schemas
from uptake.directory.models import EmploymentStatus
from uptake.directory.service import people as people_service
from uptake.errors import InvalidInput


def test_a_person_is_created_once_by_email_external_id_and_user_name_with_known_references(world) -> None:
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        ana = people_service.create_person(
            session, workspace, email=" Ana@Example.com ", display_name="Ana", user_name="ana", actor="hr"
        )
        assert ana == schemas.PersonSnapshot(
            id=ana.id,
            workspace_id=workspace,
            external_id="ana@example.com",
            email="ana@example.com",
            display_name="Ana",
            user_name="ana",
            job_title=None,
            job_role_id=None,
            team_id=None,
            manager_id=None,
            location=None,
            employment_status=EmploymentStatus.active,
            start_date=None,
        )
        for fields in (
            {"email": "ANA@example.com"},
            {"email": "other@example.com", "external_id": "ana@example.com"},
            {"email": "other@example.com", "user_name": "ana"},
        ):
            with pytest.raises(people_service.PersonAlreadyExists):
                people_service.create_person(session, workspace, display_name="Again", **fields)
        with pytest.raises(InvalidInput) as raised:
            people_service.create_person(
                session,
                workspace,
                email="x@example.com",
                display_name="X",
                team_id=999,
                job_role_id=998,
                manager_id=997,
            )
        assert [error.field for error in raised.value.errors] == ["team_id", "job_role_id", "manager_id"]
        (created,) = audit_service.list_audit_entries(session, workspace, action="directory.person.created")
        assert (created.actor, created.target) == ("hr", f"person:{ana.id}")
        assert "Ana" not in str(created.after)
        assert "example.com" not in str(created.after)


def test_an_update_changes_only_what_is_sent_and_never_closes_a_manager_cycle(world) -> None:
    workspace = world.workspace()
    ids = build_organization(world, workspace)
    with session_scope(world.factory, workspace) as session:
        moved = people_service.update_person(
            session,
            workspace,
            ids["carla"],
            schemas.PersonUpdate(location="Porto", team_id=ids["tier1"]),
            actor="hr",
        )
        assert (moved.location, moved.team_id, moved.email) == ("Porto", ids["tier1"], "carla@example.com")
        with pytest.raises(InvalidInput) as raised:
            people_service.update_person(
                session, workspace, ids["carla"], schemas.PersonUpdate(email=None), actor="hr"
            )
        assert [error.field for error in raised.value.errors] == ["email"]
        with pytest.raises(people_service.PersonAlreadyExists):
            people_service.update_person(
                session, workspace, ids["carla"], schemas.PersonUpdate(email="ana@example.com"), actor="hr"
            )
        with pytest.raises(people_service.ManagerCycle) as cycle:  # Ana manages Ben
            people_service.update_person(
                session, workspace, ids["ana"], schemas.PersonUpdate(manager_id=ids["ben"]), actor="hr"
            )
        assert (
            cycle.value.errors[0].reason
            == f"makes a manager cycle: {ids['ana']} → {ids['ben']} → {ids['ana']}"
        )
    assert people_service.manager_cycle({2: 3, 3: None}, 1, 2) == []
    assert people_service.manager_cycle({2: 3, 3: 1}, 1, 2) == [1, 2, 3, 1]
    assert people_service.manager_cycle({2: 3, 3: 2}, 1, 2) == []  # an older cycle, not closed by this change


def test_leaving_keeps_the_record_erasing_removes_it_and_the_record_holds_everything(world) -> None:
    workspace = world.workspace()
    ids = build_organization(world, workspace)
    with session_scope(world.factory, workspace) as session:
        record = people_service.get_person_record(session, workspace, ids["ben"])
        assert (record.email, record.team.name, record.job_role.name, record.manager_id) == (
            "ben@example.com",
            "Night Shift",
            "Support agent",
            ids["ana"],
        )
        left = people_service.mark_person_left(session, workspace, ids["carla"], actor="hr")
        assert left.employment_status == EmploymentStatus.left
        people_service.mark_person_left(session, workspace, ids["carla"], actor="hr")
        assert len(audit_service.list_audit_entries(session, workspace, action="directory.person.left")) == 1
        people_service.delete_person(session, workspace, ids["carla"], actor="privacy")
        with pytest.raises(people_service.PersonNotFound):
            people_service.get_person(session, workspace, ids["carla"])
        assert people_service.get_person_by_email(session, workspace, "carla@example.com") is None
        assert people_service.count_people(session, workspace) == 2


def test_people_are_found_by_id_email_and_external_id_only_in_their_workspace(world) -> None:
    workspace, other = world.workspace(), world.workspace()
    ids = build_organization(world, workspace)
    with session_scope(world.factory, other) as session:
        stranger = people_service.create_person(
            session, other, email="ana@example.com", display_name="Other Ana"
        ).id
    with session_scope(world.factory, workspace) as session:
        found = people_service.list_people_by_ids(session, workspace, [ids["ana"], ids["ben"], stranger])
        assert sorted(person.display_name for person in found) == ["Ana Costa", "Ben Okafor"]
        assert people_service.get_person_by_external_id(session, workspace, "F7").id == ids["carla"]
        assert people_service.get_person_by_email(session, workspace, "nobody@example.com") is None
        assert {person.display_name for person in people_service.person_snapshots(session, workspace)} == {
            "Ana Costa",
            "Ben Okafor",
            "Carla Weber",
        }
        assert people_service.list_locations(session, workspace) == ["Dublin", "Lisbon"]
        assert [
            person.id for person in people_service.list_direct_reports(session, workspace, ids["ana"])
        ] == [ids["ben"]]
    with world.session() as session:
        everywhere = people_service.find_people_by_email_in_any_workspace(session, "ANA@example.com")
        assert sorted((person.workspace_id, person.id) for person in everywhere) == sorted(
            [(workspace, ids["ana"]), (other, stranger)]
        )


def test_people_are_added_and_changed_in_bulk(world) -> None:
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        added = people_service.add_people_in_bulk(
            session,
            workspace,
            [
                {"external_id": f"B{n}", "email": f"b{n}@example.com", "display_name": f"Bulk {n}"}
                for n in range(3)
            ],
        )
        people_service.update_people_in_bulk(session, workspace, [{"id": added[1], "location": "Oslo"}])
        found = {person.id: person for person in people_service.list_people_by_ids(session, workspace, added)}
    assert [found[person_id].external_id for person_id in added] == ["B0", "B1", "B2"]
    assert found[added[1]].location == "Oslo"
