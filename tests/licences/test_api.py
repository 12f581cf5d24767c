"""The seat ledger's API: contracts and seats, the CSV import over HTTP, the seat figures, the queue's decisions,
query counts and workspace isolation."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from licences.licences_builders import make_ledger
from support import as_caller
from uptake.access.roles import Role
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.db import session_scope
from uptake.directory.service import people as people_service
from uptake.licences import policies, schemas, seats
from uptake.licences import service as licences_service

SEATS_CSV = (
    "tool,person,account,assigned_on,released_on\n"
    + "".join(
        f"copilot,{name}@example.com,{name}-gh,2025-01-0{day},\n" for day, name in enumerate("abcdef", 1)
    )
    + "copilot,zed@example.com,,2025-01-01,\n"
    + "copilot,a@example.com,,2025-13-01,\n"
)


def people(world, workspace_id: int, names: str = "abcdef") -> dict[str, int]:
    with session_scope(world.factory, workspace_id) as session:
        return {
            name: people_service.create_person(
                session,
                workspace_id,
                email=f"{name}@example.com",
                display_name=name.upper(),
                external_id=name,
            ).id
            for name in names
        }


def test_contracts_and_seats_over_the_api(client: TestClient, world):
    ledger = make_ledger(world)
    as_caller(client, world.caller(ledger.workspace_id, Role.program_lead))
    contract = client.post(
        "/api/v1/licences/contracts",
        json={
            "tool": "copilot",
            "seats_purchased": 50,
            "price_per_seat": 228,
            "price_period": "year",
            "currency": "USD",
            "starts_on": "2024-06-01",
            "renews_on": "2025-06-01",
            "notice_days": 30,
        },
    )
    assert contract.status_code == 201
    assert contract.json()["monthly_price_per_seat"] == 19.0
    assert contract.json()["notice_deadline"] == "2025-05-02"
    bad = client.post(
        "/api/v1/licences/contracts",
        json={
            "tool": "copilot",
            "seats_purchased": -1,
            "price_per_seat": 1,
            "currency": "usd",
            "starts_on": "x",
        },
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert {error["field"] for error in bad.json()["errors"]} == {"seats_purchased", "currency", "starts_on"}
    changed = client.patch(
        f"/api/v1/licences/contracts/{contract.json()['id']}", json={"seats_purchased": 60}
    )
    assert changed.json()["seats_purchased"] == 60
    assert (
        client.get("/api/v1/licences/contracts", params={"tool": "copilot"}).json()[0]["seats_purchased"]
        == 60
    )

    seat = client.post(
        "/api/v1/licences/seats",
        json={"tool": "copilot", "person": "ada@example.com", "assigned_on": "2025-01-06"},
    )
    assert seat.status_code == 201
    assert (seat.json()["person_name"], seat.json()["source"]) == ("Ada", "manual")
    again = client.post("/api/v1/licences/seats", json={"tool": "copilot", "person": "E-ada"})
    assert again.status_code == 409
    assert again.json()["seat_id"] == seat.json()["id"]
    unknown = client.post("/api/v1/licences/seats", json={"tool": "copilot", "person": "nobody@example.com"})
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (422, "person")
    nobody = client.post("/api/v1/licences/seats", json={"tool": "copilot"})
    assert nobody.status_code == 422
    released = client.post(
        f"/api/v1/licences/seats/{seat.json()['id']}/release", json={"released_on": "2025-02-01"}
    )
    assert released.json()["released_on"] == "2025-02-01"
    assert client.get("/api/v1/licences/seats", params={"held_on": "2025-02-01"}).json()["total"] == 0
    assert client.get("/api/v1/licences/seats", params={"held_on": "2025-01-31"}).json()["total"] == 1
    assert client.delete(f"/api/v1/licences/contracts/{contract.json()['id']}").status_code == 204
    assert client.get("/api/v1/licences/contracts").json() == []


def test_seats_imported_over_http_get_the_clis_report_and_reach_the_figures(client: TestClient, world):
    workspace_id = world.workspace()
    people(world, workspace_id)
    as_caller(client, world.caller(workspace_id, Role.program_lead))
    assert (
        client.post(
            "/api/v1/tools", json={"slug": "copilot", "name": "Copilot", "vendor": "GitHub"}
        ).status_code
        == 201
    )
    client.post(
        "/api/v1/licences/contracts",
        json={
            "tool": "copilot",
            "seats_purchased": 10,
            "price_per_seat": 19,
            "currency": "USD",
            "starts_on": "2024-12-01",
        },
    )
    headers = {"content-type": "text/csv"}
    dry = client.post("/api/v1/licences/seats/import?dry_run=true", content=SEATS_CSV, headers=headers)
    assert dry.status_code == 200
    assert {key: dry.json()[key] for key in ("dry_run", "rows_read", "created", "rejected")} == {
        "dry_run": True,
        "rows_read": 8,
        "created": 6,
        "rejected": 2,
    }
    assert client.get("/api/v1/licences/seats").json()["total"] == 0
    report = client.post("/api/v1/licences/seats/import", content=SEATS_CSV, headers=headers).json()
    assert report["created"] == 6
    assert report["rejections"] == [
        {
            "line": 8,
            "holder": "zed@example.com",
            "column": "person",
            "reason": "no person with email or external id 'zed@example.com'",
        },
        {
            "line": 9,
            "holder": "a@example.com",
            "column": "assigned_on",
            "reason": "'2025-13-01' must be a date like 2025-03-01",
        },
    ]
    again = client.post("/api/v1/licences/seats/import", content=SEATS_CSV, headers=headers).json()
    assert (again["created"], again["unchanged"]) == (0, 6)
    figures = client.get(
        "/api/v1/metrics/seat_utilization", params={"by": "tool", "from": "2025-02-01", "to": "2025-02-01"}
    ).json()
    [row] = figures["rows"]
    assert {
        key: row[key]
        for key in ("tool", "currency", "purchased", "assigned", "unassigned", "never_activated")
    } == {
        "tool": "copilot",
        "currency": "USD",
        "purchased": 10,
        "assigned": 6,
        "unassigned": 4,
        "never_activated": 6,
    }
    assert row["monthly_cost"] == 190.0
    bad_header = client.post("/api/v1/licences/seats/import", content="name,when\nx,y\n", headers=headers)
    assert bad_header.status_code == 422
    assert {error["field"] for error in bad_header.json()["errors"]} == {"tool", "person"}
    not_text = client.post("/api/v1/licences/seats/import", content=b"\xff\xfe\x00bad", headers=headers)
    assert (not_text.status_code, not_text.json()["errors"][0]["field"]) == (422, "body")


def test_the_licence_owner_decides_and_the_holder_keeps(client: TestClient, world, app):
    ledger = make_ledger(world)
    owner = world.caller(ledger.workspace_id, Role.employee)
    holder = world.caller(ledger.workspace_id, Role.employee)
    with session_scope(world.factory, ledger.workspace_id) as session:
        catalog_service.update_tool(
            session,
            ledger.workspace_id,
            "copilot",
            catalog_schemas.ToolUpdate(owner_id=owner.person_id),
            actor="test",
        )
        licences_service.sync_seats(
            session,
            ledger.workspace_id,
            tool="copilot",
            source="github",
            as_of=date(2024, 1, 1),
            holders=[schemas.SeatHolder(person_id=holder.person_id, account="holder-gh")],
            actor="test",
        )
        policies.set_policy(
            session, ledger.workspace_id, "copilot", schemas.SeatPolicyUpdate(idle_days=30), actor="test"
        )
    lead = world.caller(ledger.workspace_id, Role.program_lead)
    as_caller(client, lead)
    run = client.post("/api/v1/licences/queue-runs")
    assert run.status_code == 200
    [item_id] = run.json()["ids"]
    # The tool has an owner: a program lead does not decide its seats; the owner does.
    refused = client.post(f"/api/v1/licences/reassignments/{item_id}/approval", json={})
    assert (refused.status_code, refused.json()["title"]) == (
        403,
        "Only the tool's licence owner (or an admin) decides about its seats.",
    )
    as_caller(client, owner)
    approved = client.post(f"/api/v1/licences/reassignments/{item_id}/approval", json={})
    assert (approved.status_code, approved.json()["status"]) == (200, "notice_sent")
    assert client.post(f"/api/v1/licences/reassignments/{item_id}/approval", json={}).status_code == 409
    assert (
        client.post(f"/api/v1/licences/reassignments/{item_id}/keep").status_code == 403
    )  # not the owner's seat
    as_caller(client, lead)
    listed = client.get("/api/v1/licences/reassignments", params={"open": "true"}).json()
    assert [(item["id"], item["holder_person_id"], item["status"]) for item in listed] == [
        (item_id, holder.person_id, "notice_sent")
    ]
    as_caller(client, holder)
    assert [seat["account"] for seat in client.get("/api/v1/licences/seats/mine").json()] == ["holder-gh"]
    kept = client.post(f"/api/v1/licences/reassignments/{item_id}/keep")
    assert (kept.status_code, kept.json()["status"]) == (200, "kept")


def test_employees_ask_for_seats_and_see_their_own(client: TestClient, world):
    ledger = make_ledger(world)
    employee = world.caller(ledger.workspace_id, Role.employee)
    as_caller(client, employee)
    asked = client.post("/api/v1/licences/seat-requests", json={"tool": "copilot", "account": "Me-GH"})
    assert asked.status_code == 201
    assert (asked.json()["account"], asked.json()["position"]) == ("me-gh", 1)
    assert client.post("/api/v1/licences/seat-requests", json={"tool": "copilot"}).status_code == 409
    for_someone = client.post(
        "/api/v1/licences/seat-requests", json={"tool": "copilot", "person": "ada@example.com"}
    )
    assert for_someone.status_code == 403
    assert [item["status"] for item in client.get("/api/v1/licences/seat-requests/mine").json()] == [
        "waiting"
    ]
    assert client.get("/api/v1/licences/seats/mine").json() == []
    assert client.delete(f"/api/v1/licences/seat-requests/{asked.json()['id']}").status_code == 204
    assert [item["status"] for item in client.get("/api/v1/licences/seat-requests/mine").json()] == [
        "withdrawn"
    ]


def test_listing_seats_takes_a_few_queries_and_shows_one_workspace(client: TestClient, world, count_queries):
    ours, theirs = make_ledger(world), make_ledger(world)
    as_caller(client, world.caller(ours.workspace_id, Role.program_lead))
    with session_scope(world.factory, theirs.workspace_id) as session:
        licences_service.sync_seats(
            session,
            theirs.workspace_id,
            tool="copilot",
            source="github",
            as_of=date(2025, 1, 1),
            holders=[schemas.SeatHolder(person_id=person_id) for person_id in theirs.people.values()],
            actor="test",
        )
    assert client.get("/api/v1/licences/seats").json()["total"] == 0
    with count_queries() as few:
        assert client.get("/api/v1/licences/seats").status_code == 200
    extra = people(world, ours.workspace_id, "ghijklmnopqrstuvwxyz")
    with session_scope(world.factory, ours.workspace_id) as session:
        licences_service.sync_seats(
            session,
            ours.workspace_id,
            tool="copilot",
            source="csv",
            as_of=date(2025, 1, 1),
            holders=[schemas.SeatHolder(person_id=person_id) for person_id in extra.values()],
            actor="test",
        )
    with count_queries() as many:
        listed = client.get("/api/v1/licences/seats").json()
    assert listed["total"] == 20
    assert {item["person_id"] for item in listed["items"]} == set(extra.values())
    assert many.count <= few.count + 1  # the holders' names, once
    assert many.count <= 8
    with session_scope(world.factory, theirs.workspace_id) as session:
        their_seat = licences_service.snapshot_rows(session, theirs.workspace_id)["seats"]
    assert len(their_seat) == 5  # they have seats; ours cannot reach them
    with world.session(theirs.workspace_id) as session:
        their_id = seats.list_seats(session, theirs.workspace_id).items[0].id
    assert client.post(f"/api/v1/licences/seats/{their_id}/release", json={}).status_code == 404
