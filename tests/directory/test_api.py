"""The directory API: people, teams and job roles, who sees what, query counts and workspace isolation."""

from __future__ import annotations

from fastapi.testclient import TestClient

from support import as_caller
from uptake.access.roles import Role, Scope
from uptake.db import session_scope
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service


def _organization(world, workspace_id: int) -> dict[str, int]:
    """Customer Service > Tier 1 Support > Night Shift, and Finance; a few people in them."""
    with session_scope(world.factory, workspace_id) as session:
        service_team = teams_service.create_team(session, workspace_id, name="Customer Service")
        tier1 = teams_service.create_team(
            session, workspace_id, name="Tier 1 Support", parent_id=service_team.id
        )
        night = teams_service.create_team(session, workspace_id, name="Night Shift", parent_id=tier1.id)
        finance = teams_service.create_team(session, workspace_id, name="Finance")
        agent = job_roles_service.create_job_role(session, workspace_id, name="Support agent")
        ana = people_service.create_person(
            session,
            workspace_id,
            email="ana@example.com",
            display_name="Ana Costa",
            external_id="E1",
            team_id=tier1.id,
            job_role_id=agent.id,
            job_title="Support agent",
            location="Lisbon",
        )
        ben = people_service.create_person(
            session,
            workspace_id,
            email="ben@example.com",
            display_name="Ben Okafor",
            external_id="E2",
            team_id=night.id,
            job_role_id=agent.id,
            manager_id=ana.id,
            location="Dublin",
        )
        carla = people_service.create_person(
            session,
            workspace_id,
            email="carla@example.com",
            display_name="Carla Weber",
            external_id="E3",
            team_id=finance.id,
            job_title="Accountant",
        )
        return {
            "service": service_team.id,
            "tier1": tier1.id,
            "night": night.id,
            "finance": finance.id,
            "agent": agent.id,
            "ana": ana.id,
            "ben": ben.id,
            "carla": carla.id,
        }


def test_program_lead_lists_people_of_a_team_with_its_subteams(client: TestClient, world) -> None:
    workspace = world.workspace()
    ids = _organization(world, workspace)
    as_caller(client, world.caller(workspace, Role.program_lead))

    response = client.get("/api/v1/people", params={"team_id": ids["service"]})

    assert response.status_code == 200
    body = response.json()
    assert [item["display_name"] for item in body["items"]] == ["Ana Costa", "Ben Okafor"]
    assert body["total"] == 2
    assert body["items"][1]["view"] == "full"
    assert body["items"][1]["email"] == "ben@example.com"
    assert body["items"][1]["manager_id"] == ids["ana"]
    assert body["items"][1]["team"] == {"id": ids["night"], "name": "Night Shift"}

    only_direct = client.get("/api/v1/people", params={"team_id": ids["service"], "include_subteams": False})
    assert only_direct.json()["total"] == 0


def test_search_and_filters(client: TestClient, world) -> None:
    workspace = world.workspace()
    ids = _organization(world, workspace)
    as_caller(client, world.caller(workspace, Role.program_lead))

    assert [
        p["display_name"] for p in client.get("/api/v1/people", params={"q": "okaf"}).json()["items"]
    ] == ["Ben Okafor"]
    by_role = client.get("/api/v1/people", params={"job_role_id": ids["agent"]}).json()
    assert by_role["total"] == 2
    by_location = client.get("/api/v1/people", params={"location": "lisbon"}).json()
    assert [p["id"] for p in by_location["items"]] == [ids["ana"]]
    reports = client.get("/api/v1/people", params={"manager_id": ids["ana"]}).json()
    assert [p["id"] for p in reports["items"]] == [ids["ben"]]


def test_employee_sees_a_basic_directory_and_their_own_record(client: TestClient, world) -> None:
    workspace = world.workspace()
    ids = _organization(world, workspace)
    employee = world.caller(workspace, Role.employee)
    as_caller(client, employee)

    ben = client.get(f"/api/v1/people/{ids['ben']}").json()
    assert ben["view"] == "basic"
    assert ben["display_name"] == "Ben Okafor"
    assert ben["team"]["name"] == "Night Shift"
    assert ben["email"] is None
    assert ben["manager_id"] is None
    assert ben["location"] is None

    me = client.get(f"/api/v1/people/{employee.person_id}").json()
    assert me["view"] == "full"
    assert me["email"] == employee.email

    assert client.get("/api/v1/people", params={"location": "Lisbon"}).status_code == 403
    # a search never matches on emails for someone who may not see them
    assert client.get("/api/v1/people", params={"q": "ben@example"}).json()["total"] == 0


def test_team_lead_sees_their_teams_and_subteams_in_full(client: TestClient, world) -> None:
    workspace = world.workspace()
    ids = _organization(world, workspace)
    lead = world.caller(workspace, Role.team_lead)
    with session_scope(world.factory, workspace) as session:
        teams_service.set_team_lead(session, workspace, ids["tier1"], lead.person_id)
    as_caller(client, lead)

    views = {p["display_name"]: p["view"] for p in client.get("/api/v1/people").json()["items"]}

    assert views["Ana Costa"] == "full"  # Tier 1 Support, which they lead
    assert views["Ben Okafor"] == "full"  # Night Shift, a subteam of it
    assert views["Carla Weber"] == "basic"  # Finance


def test_create_update_and_delete_a_person(client: TestClient, world) -> None:
    workspace = world.workspace()
    ids = _organization(world, workspace)
    as_caller(client, world.caller(workspace, Role.program_lead))

    created = client.post(
        "/api/v1/people",
        json={"email": " Dara@Example.com ", "display_name": "Dara Ito", "team_id": ids["finance"]},
    )
    assert created.status_code == 201, created.text
    person = created.json()
    assert person["email"] == "dara@example.com"
    assert person["external_id"] == "dara@example.com"
    assert person["team"]["name"] == "Finance"

    changed = client.patch(
        f"/api/v1/people/{person['id']}", json={"job_title": "Controller", "location": None}
    )
    assert changed.status_code == 200
    assert changed.json()["job_title"] == "Controller"

    duplicate = client.post("/api/v1/people", json={"email": "dara@example.com", "display_name": "Other"})
    assert duplicate.status_code == 409
    assert duplicate.headers["content-type"] == "application/problem+json"

    bad = client.patch(f"/api/v1/people/{person['id']}", json={"team_id": 999999})
    assert bad.status_code == 422
    assert bad.json()["errors"] == [{"field": "team_id", "reason": "there is no team 999999"}]


def test_a_manager_cycle_is_refused_with_the_cycle_named(client: TestClient, world) -> None:
    workspace = world.workspace()
    ids = _organization(world, workspace)
    as_caller(client, world.caller(workspace, Role.program_lead))

    response = client.patch(f"/api/v1/people/{ids['ana']}", json={"manager_id": ids["ben"]})

    assert response.status_code == 422
    chain = f"{ids['ana']} → {ids['ben']} → {ids['ana']}"
    assert response.json()["errors"] == [{"field": "manager_id", "reason": f"makes a manager cycle: {chain}"}]


def test_deleting_a_person_needs_an_admin(client: TestClient, world) -> None:
    workspace = world.workspace()
    ids = _organization(world, workspace)
    as_caller(client, world.caller(workspace, Role.program_lead))
    assert client.delete(f"/api/v1/people/{ids['carla']}").status_code == 403
    as_caller(client, world.caller(workspace, Role.admin))
    assert client.delete(f"/api/v1/people/{ids['carla']}").status_code == 204
    assert client.get(f"/api/v1/people/{ids['carla']}").status_code == 404


def test_teams_form_a_tree_that_moves_with_its_subteams(client: TestClient, world) -> None:
    workspace = world.workspace()
    ids = _organization(world, workspace)
    as_caller(client, world.caller(workspace, Role.program_lead))

    night = client.get(f"/api/v1/teams/{ids['night']}").json()
    assert night["ancestor_ids"] == [ids["service"], ids["tier1"]]
    assert night["member_count"] == 1

    moved = client.patch(f"/api/v1/teams/{ids['tier1']}", json={"parent_id": ids["finance"]})
    assert moved.status_code == 200
    assert moved.json()["ancestor_ids"] == [ids["finance"]]
    assert client.get(f"/api/v1/teams/{ids['night']}").json()["ancestor_ids"] == [
        ids["finance"],
        ids["tier1"],
    ]
    assert client.get("/api/v1/people", params={"team_id": ids["finance"]}).json()["total"] == 3

    below_itself = client.patch(f"/api/v1/teams/{ids['finance']}", json={"parent_id": ids["night"]})
    assert below_itself.status_code == 422
    assert below_itself.json()["errors"][0]["field"] == "parent_id"

    subteams = client.get("/api/v1/teams", params={"parent_id": ids["finance"]}).json()
    assert [team["name"] for team in subteams["items"]] == ["Tier 1 Support"]
    top = client.get("/api/v1/teams", params={"top_level": True}).json()
    assert [team["name"] for team in top["items"]] == ["Customer Service", "Finance"]


def test_create_and_delete_teams(client: TestClient, world) -> None:
    workspace = world.workspace()
    ids = _organization(world, workspace)
    as_caller(client, world.caller(workspace, Role.program_lead))

    created = client.post("/api/v1/teams", json={"name": "Claims", "parent_id": ids["service"]})
    assert created.status_code == 201
    assert created.json()["ancestor_ids"] == [ids["service"]]
    assert client.post("/api/v1/teams", json={"name": "claims"}).status_code == 409
    assert client.post("/api/v1/teams", json={"name": "A/B"}).status_code == 422

    assert client.delete(f"/api/v1/teams/{ids['tier1']}").status_code == 409
    assert client.delete(f"/api/v1/teams/{created.json()['id']}").status_code == 204


def test_job_roles(client: TestClient, world) -> None:
    workspace = world.workspace()
    ids = _organization(world, workspace)
    as_caller(client, world.caller(workspace, Role.program_lead))

    listed = client.get("/api/v1/job-roles").json()
    assert listed["items"] == [
        {"id": ids["agent"], "name": "Support agent", "description": None, "people_count": 2}
    ]
    created = client.post("/api/v1/job-roles", json={"name": "Accountant", "description": "Books"})
    assert created.status_code == 201
    role_id = created.json()["id"]
    renamed = client.patch(f"/api/v1/job-roles/{role_id}", json={"name": "Senior accountant"})
    assert renamed.json()["name"] == "Senior accountant"
    assert client.post("/api/v1/job-roles", json={"name": "support AGENT"}).status_code == 409
    assert client.delete(f"/api/v1/job-roles/{role_id}").status_code == 204
    assert client.get(f"/api/v1/job-roles/{role_id}").status_code == 404


def test_list_people_query_count_does_not_grow_with_people(client: TestClient, world, count_queries) -> None:
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.program_lead))
    with count_queries() as few:
        assert client.get("/api/v1/people").status_code == 200
    ids = _organization(world, workspace)
    with session_scope(world.factory, workspace) as session:
        for number in range(30):
            people_service.create_person(
                session,
                workspace,
                email=f"p{number}@example.com",
                display_name=f"Person {number}",
                team_id=ids["finance"] if number % 2 else ids["night"],
            )
    with count_queries() as many:
        response = client.get("/api/v1/people")
    assert response.json()["total"] == 34
    assert many.count <= few.count + 2  # the team and job role loads, once each
    assert many.count <= 10


def test_list_teams_and_job_roles_query_counts(client: TestClient, world, count_queries) -> None:
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.program_lead))
    _organization(world, workspace)
    with count_queries() as teams:
        assert len(client.get("/api/v1/teams").json()["items"]) == 4
    with count_queries() as roles:
        assert len(client.get("/api/v1/job-roles").json()["items"]) == 1
    assert teams.count <= 8
    assert roles.count <= 8


def test_no_list_shows_another_workspace(client: TestClient, world) -> None:
    ours = world.workspace()
    theirs = world.workspace()
    _organization(world, theirs)
    our_lead = world.caller(ours, Role.program_lead)
    as_caller(client, our_lead)

    people = client.get("/api/v1/people").json()
    assert [person["id"] for person in people["items"]] == [our_lead.person_id]
    assert client.get("/api/v1/teams").json()["total"] == 0
    assert client.get("/api/v1/job-roles").json()["total"] == 0
    with session_scope(world.factory, theirs) as session:
        their_person = people_service.get_person_by_external_id(session, theirs, "E1")
        their_team = teams_service.get_team_by_name(session, theirs, "Finance")
        assert their_person is not None
        assert their_team is not None
        their_person_id, their_team_id = their_person.id, their_team.id
    assert client.get(f"/api/v1/people/{their_person_id}").status_code == 404
    assert client.get(f"/api/v1/teams/{their_team_id}").status_code == 404
    assert client.patch(f"/api/v1/people/{their_person_id}", json={"job_title": "x"}).status_code == 404
    assert client.get("/api/v1/people", params={"team_id": their_team_id}).status_code == 404


def test_people_are_imported_over_http_with_the_clis_report(client: TestClient, world) -> None:
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.program_lead))
    people_csv = (
        "employee_id,email,name,team,manager\n"
        "E1,ana@example.com,Ana Costa,Customer Service/Tier 1,\n"
        "E2,ben@example.com,Ben Okafor,Customer Service/Tier 1,E1\n"
        "E3,not-an-email,Carla Weber,Finance,\n"
        "E4,dan@example.com,Dan Li,Finance,E9\n"
    )
    headers = {"content-type": "text/csv"}
    dry = client.post("/api/v1/people/import?dry_run=true", content=people_csv, headers=headers)
    assert dry.status_code == 200
    assert {key: dry.json()[key] for key in ("dry_run", "rows_read", "created", "rejected")} == {
        "dry_run": True,
        "rows_read": 4,
        "created": 2,
        "rejected": 2,
    }
    assert client.get("/api/v1/people").json()["total"] == 1  # the caller only
    report = client.post("/api/v1/people/import", content=people_csv, headers=headers).json()
    assert (report["created"], report["teams_created"]) == (2, 2)
    assert report["rejections"] == [
        {
            "line": 4,
            "external_id": "E3",
            "column": "email",
            "reason": "'not-an-email' is not an email address",
        },
        {
            "line": 5,
            "external_id": "E4",
            "column": "manager",
            "reason": "no person with external id E9 in this file or the directory",
        },
    ]
    again = client.post("/api/v1/people/import", content=people_csv, headers=headers).json()
    assert (again["created"], again["unchanged"]) == (0, 2)
    unreadable = client.post("/api/v1/people/import", content="name\nx\n", headers=headers)
    assert unreadable.status_code == 422
    assert {error["field"] for error in unreadable.json()["errors"]} == {"external_id", "email"}


def test_an_admin_key_pushes_the_nightly_people_export(client: TestClient, world) -> None:
    workspace = world.workspace()
    key = world.api_key(workspace, Scope.admin)
    sent = client.post(
        "/api/v1/people/import",
        content="employee_id,email,name\nE1,ana@example.com,Ana Costa\n",
        headers={"content-type": "text/csv", "authorization": f"Bearer {key}"},
    )
    assert (sent.status_code, sent.json()["created"]) == (200, 1)
    events_key = world.api_key(workspace, Scope.events_write)
    refused = client.post(
        "/api/v1/people/import",
        content="employee_id,email,name\n",
        headers={"content-type": "text/csv", "authorization": f"Bearer {events_key}"},
    )
    assert refused.status_code == 403
