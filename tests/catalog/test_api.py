"""The catalog's JSON API: tools, use cases, use cards and their versions, transitions, data classes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from catalog.catalog_builders import (
    CARD,
    answer,
    create_tool,
    create_use_case,
    make_directory,
    ready_use_case,
    write_card,
)
from support import as_caller
from uptake.access.roles import Role
from uptake.audit import service as audit_service


@pytest.fixture
def lead_world(world, client: TestClient):
    workspace = world.workspace()
    lead = world.caller(workspace, Role.program_lead)
    as_caller(client, lead)
    return workspace, lead, make_directory(world, workspace)


def test_a_tool_is_registered_read_and_changed(client: TestClient, lead_world) -> None:
    tool = create_tool(client, contract_renewal_on="2027-03-31", hosting="own_cloud", data_residency="EU")
    assert tool["slug"] == "support-assistant"
    assert tool["cost_per_seat_month"] == 30.0
    assert tool["contract_renewal_on"] == "2027-03-31"
    changed = client.patch(
        "/api/v1/tools/support-assistant", json={"cost_per_seat_month": 27.5, "seats_purchased": 80}
    )
    assert changed.status_code == 200
    assert (changed.json()["cost_per_seat_month"], changed.json()["seats_purchased"]) == (27.5, 80)
    listed = client.get("/api/v1/tools").json()
    assert [(t["slug"], t["cost_per_seat_month"]) for t in listed] == [("support-assistant", 27.5)]
    duplicate = client.post(
        "/api/v1/tools", json={"slug": "support-assistant", "name": "Again", "vendor": "X"}
    )
    assert duplicate.status_code == 409
    assert duplicate.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "slug", ["Support", "-support", "support-", "support assistant", "a" * 64, "new", ""]
)
def test_use_case_slugs_are_validated(client: TestClient, lead_world, slug: str) -> None:
    response = client.post("/api/v1/use-cases", json={"slug": slug, "title": "Drafting"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "slug"


def test_a_use_case_is_drafted_with_its_links_and_its_slug_never_changes(
    client: TestClient, lead_world
) -> None:
    _, _, directory = lead_world
    create_tool(client)
    use_case = create_use_case(client, "support-first-replies", directory, tags=["support", "drafting"])
    assert use_case["status"] == "draft"
    assert use_case["tool_slugs"] == ["support-assistant"]
    assert use_case["target_job_role_ids"] == [directory.job_role_id]
    assert use_case["use_card_version"] == 0
    assert use_case["required_training"] == []
    again = client.post("/api/v1/use-cases", json={"slug": "support-first-replies", "title": "Other"})
    assert again.status_code == 409
    renamed = client.patch("/api/v1/use-cases/support-first-replies", json={"slug": "other"})
    assert renamed.status_code == 422
    changed = client.patch(
        "/api/v1/use-cases/support-first-replies",
        json={"title": "First replies", "required_training": ["ai-basics"]},
    )
    assert changed.json()["title"] == "First replies"
    assert changed.json()["required_training"] == ["ai-basics"]
    assert changed.json()["tool_slugs"] == ["support-assistant"]


def test_saving_a_use_case_keeps_the_links_it_already_has(client: TestClient, lead_world) -> None:
    _, _, directory = lead_world
    create_tool(client)
    create_tool(client, "writing-aid", name="Writing aid")
    create_use_case(client, "replies", directory)
    links = {
        "tool_slugs": ["support-assistant"],
        "target_job_role_ids": [directory.job_role_id],
        "target_team_ids": [directory.team_id],
    }
    same = client.patch("/api/v1/use-cases/replies", json={"title": "Replies", **links})
    assert same.status_code == 200, same.text
    assert {key: same.json()[key] for key in links} == links
    kept_and_added = client.patch(
        "/api/v1/use-cases/replies",
        json={"tool_slugs": ["writing-aid", "support-assistant"], "target_team_ids": []},
    )
    assert kept_and_added.status_code == 200, kept_and_added.text
    assert kept_and_added.json()["tool_slugs"] == ["support-assistant", "writing-aid"]
    assert kept_and_added.json()["target_team_ids"] == []
    assert kept_and_added.json()["target_job_role_ids"] == [directory.job_role_id]
    dropped = client.patch("/api/v1/use-cases/replies", json={"tool_slugs": ["writing-aid"]})
    assert dropped.json()["tool_slugs"] == ["writing-aid"]
    assert client.get("/api/v1/use-cases/replies").json()["tool_slugs"] == ["writing-aid"]


def test_references_to_the_directory_and_tools_are_checked(client: TestClient, lead_world) -> None:
    response = client.post(
        "/api/v1/use-cases",
        json={
            "slug": "x",
            "title": "X",
            "owner_id": 999_999,
            "tool_slugs": ["nope"],
            "target_team_ids": [999_998],
            "allowed_data_classes": ["secret-sauce"],
        },
    )
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"owner_id", "tool_slugs[0]", "target_team_ids[0]", "allowed_data_classes[0]"}


def test_use_card_versions_changelog_and_diff(client: TestClient, lead_world) -> None:
    _, _, directory = lead_world
    create_tool(client)
    create_use_case(client, "replies", directory)
    first = write_card(client, "replies")
    assert first["version"] == 1
    second = write_card(
        client,
        "replies",
        changelog="Warn about invented order numbers",
        trust_output=CARD["trust_output"] + "\nIt also invents delivery dates.",
    )
    assert second["version"] == 2
    same = {**CARD, "trust_output": second["trust_output"], "changelog": "again"}
    unchanged = client.post("/api/v1/use-cases/replies/use-card/versions", json=same)
    assert unchanged.status_code == 409
    versions = client.get("/api/v1/use-cases/replies/use-card/versions").json()
    assert [(v["version"], v["changelog"]) for v in versions] == [
        (2, "Warn about invented order numbers"),
        (1, "First version"),
    ]
    diff = client.get("/api/v1/use-cases/replies/use-card/diff", params={"from": 1, "to": 2}).json()
    changed = [section for section in diff["sections"] if section["is_changed"]]
    assert [section["key"] for section in changed] == ["trust_output"]
    assert [line for line in changed[0]["lines"] if line["kind"] != "same"] == [
        {"kind": "added", "text": "It also invents delivery dates."}
    ]
    assert client.get("/api/v1/use-cases/replies/use-card").json()["version"] == 2
    assert client.get("/api/v1/use-cases/replies/use-card/versions/3").status_code == 404


def test_completeness_names_what_is_missing_or_thin(client: TestClient, lead_world) -> None:
    client.post("/api/v1/use-cases", json={"slug": "bare", "title": "Bare", "summary": "Too short."})
    report = client.get("/api/v1/use-cases/bare/completeness").json()
    assert report["is_complete"] is False
    states = {item["field"]: item["state"] for item in report["items"]}
    assert states["summary"] == "thin"
    assert states["owner_id"] == "missing"
    assert states["use_card.trust_output"] == "missing"
    write_card(client, "bare", trust_output="Mostly right.")
    states = {
        i["field"]: i["state"] for i in client.get("/api/v1/use-cases/bare/completeness").json()["items"]
    }
    assert states["use_card.trust_output"] == "thin"
    assert states["use_card.role_impact"] == "complete"


def test_submitting_an_incomplete_use_case_names_the_gaps(client: TestClient, lead_world) -> None:
    client.post("/api/v1/use-cases", json={"slug": "bare", "title": "Bare"})
    response = client.post("/api/v1/use-cases/bare/transitions", json={"to": "in_review"})
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"owner_id", "tool_ids", "use_card.when_wrong"} <= fields
    assert client.get("/api/v1/use-cases/bare").json()["status"] == "draft"


def test_illegal_transitions_are_refused_with_the_allowed_ones_named(client: TestClient, lead_world) -> None:
    _, _, directory = lead_world
    create_tool(client)
    create_use_case(client, "replies", directory)
    response = client.post("/api/v1/use-cases/replies/transitions", json={"to": "generally_available"})
    assert response.status_code == 409
    body = response.json()
    assert body["type"] == "/problems/illegal-transition"
    assert body["current_status"] == "draft"
    assert body["allowed"] == ["in_review", "paused", "retired"]
    assert "in_review (submit, by submission)" in body["detail"]
    approved = client.post("/api/v1/use-cases/replies/transitions", json={"to": "approved"})
    assert approved.status_code == 409


def test_approval_cannot_be_asked_for_through_transitions(client: TestClient, lead_world) -> None:
    _, _, directory = lead_world
    create_tool(client)
    ready_use_case(client, "replies", directory)
    assert client.post("/api/v1/use-cases/replies/transitions", json={"to": "in_review"}).status_code == 200
    response = client.post("/api/v1/use-cases/replies/transitions", json={"to": "approved"})
    assert response.status_code == 409
    assert "only its review decides approved" in response.json()["detail"]


def test_pause_and_resume_return_to_where_it_was(client: TestClient, lead_world, world) -> None:
    workspace, _, directory = lead_world
    create_tool(client)
    ready_use_case(client, "replies", directory)
    client.post("/api/v1/use-cases/replies/transitions", json={"to": "in_review"})
    paused = client.post(
        "/api/v1/use-cases/replies/transitions", json={"to": "paused", "reason": "incident 4"}
    )
    assert (paused.json()["status"], paused.json()["paused_from"]) == ("paused", "in_review")
    wrong = client.post("/api/v1/use-cases/replies/transitions", json={"to": "draft"})
    assert wrong.status_code == 409
    assert wrong.json()["allowed"] == ["in_review", "retired"]
    resumed = client.post("/api/v1/use-cases/replies/transitions", json={"to": "in_review"})
    assert (resumed.json()["status"], resumed.json()["paused_from"]) == ("in_review", None)
    with world.session(workspace) as session:
        entries = audit_service.list_audit_entries(session, workspace, action="catalog.use_case.transitioned")
        assert [(entry.after["status"], entry.after["action"]) for entry in reversed(entries)] == [
            ("in_review", "submit"),
            ("paused", "pause"),
            ("in_review", "resume"),
        ]
        assert entries[1].after["reason"] == "incident 4"


def test_withdrawing_closes_the_open_review(client: TestClient, lead_world) -> None:
    _, _, directory = lead_world
    create_tool(client)
    ready_use_case(client, "replies", directory)
    client.post("/api/v1/use-cases/replies/transitions", json={"to": "in_review"})
    assert (
        client.post("/api/v1/use-cases/replies/transitions", json={"to": "draft"}).json()["status"] == "draft"
    )
    reviews = client.get("/api/v1/use-cases/replies/reviews").json()
    assert [review["status"] for review in reviews] == ["withdrawn"]


def test_employees_see_only_published_use_cases(client: TestClient, lead_world, world) -> None:
    workspace, _, directory = lead_world
    create_tool(client)
    create_use_case(client, "draft-one", directory)
    employee = world.caller(workspace, Role.employee)
    as_caller(client, employee)
    assert client.get("/api/v1/use-cases").json()["total"] == 0
    assert client.get("/api/v1/use-cases/draft-one").status_code == 404
    assert client.get("/api/v1/use-cases/draft-one/use-card/versions").status_code == 404
    assert client.post("/api/v1/use-cases", json={"slug": "mine", "title": "Mine"}).status_code == 403


def test_search_and_filters(client: TestClient, lead_world) -> None:
    _, _, directory = lead_world
    create_tool(client)
    create_tool(client, slug="code-helper", name="Code helper")
    create_use_case(client, "replies", directory, title="Draft support replies")
    create_use_case(client, "reviews", directory, title="Review pull requests", tool_slug="code-helper")
    create_use_case(client, "percent", directory, title="100% literal_match")

    def slugs(**params) -> list[str]:
        return [item["slug"] for item in client.get("/api/v1/use-cases", params=params).json()["items"]]

    assert slugs(q="Draft SUPPORT") == ["replies"]
    assert slugs(q="pull") == ["reviews"]
    assert slugs(tool="code-helper") == ["reviews"]
    assert slugs(q="%") == ["percent"]
    assert slugs(q="_") == ["percent"]
    assert slugs(status="draft") == ["percent", "replies", "reviews"]
    assert slugs(status="approved") == []


def test_for_me_keeps_use_cases_aimed_at_my_role_or_team(client: TestClient, lead_world, world) -> None:
    from uptake.db import session_scope
    from uptake.directory.schemas import PersonUpdate
    from uptake.directory.service import job_roles as job_roles_service
    from uptake.directory.service import people as people_service
    from uptake.directory.service import teams as teams_service

    workspace, lead, directory = lead_world
    with session_scope(world.factory, workspace) as session:
        sub_team = teams_service.create_team(session, workspace, name="Tier 1", parent_id=directory.team_id)
        other_role = job_roles_service.create_job_role(session, workspace, name="Developer")
        people_service.update_person(
            session, workspace, lead.person_id, PersonUpdate(team_id=sub_team.id), actor="test"
        )
        other_role_id = other_role.id
    create_tool(client)
    create_use_case(
        client, "for-support", directory, target_job_role_ids=[], target_team_ids=[directory.team_id]
    )
    create_use_case(
        client, "for-developers", directory, target_job_role_ids=[other_role_id], target_team_ids=[]
    )
    items = client.get("/api/v1/use-cases", params={"for_me": True}).json()["items"]
    assert [item["slug"] for item in items] == ["for-support"]


def test_data_classes_are_configurable(client: TestClient, lead_world) -> None:
    assert [c["slug"] for c in client.get("/api/v1/data-classes").json()] == [
        "public",
        "internal",
        "confidential",
        "restricted",
    ]
    replaced = client.put(
        "/api/v1/data-classes",
        json=[
            {"slug": "open", "name": "Open"},
            {"slug": "secret", "name": "Secret", "description": "Board only"},
        ],
    )
    assert [c["slug"] for c in replaced.json()] == ["open", "secret"]
    refused = client.post(
        "/api/v1/use-cases", json={"slug": "x", "title": "X", "allowed_data_classes": ["internal"]}
    )
    assert refused.status_code == 422
    assert (
        client.put(
            "/api/v1/data-classes", json=[{"slug": "a", "name": "A"}, {"slug": "a", "name": "B"}]
        ).status_code
        == 422
    )


def test_another_workspace_sees_nothing(client: TestClient, lead_world, world) -> None:
    _, _, directory = lead_world
    create_tool(client)
    ready_use_case(client, "replies", directory)
    other = world.workspace()
    as_caller(client, world.caller(other, Role.program_lead))
    assert client.get("/api/v1/tools").json() == []
    assert client.get("/api/v1/tools/support-assistant").status_code == 404
    assert client.get("/api/v1/use-cases").json()["total"] == 0
    assert client.get("/api/v1/use-cases/replies").status_code == 404
    assert client.get("/api/v1/use-cases/replies/use-card/versions").status_code == 404
    assert client.patch("/api/v1/use-cases/replies", json={"title": "Mine now"}).status_code == 404
    assert client.post("/api/v1/use-cases/replies/transitions", json={"to": "retired"}).status_code == 404
    # the same slug is free in the other workspace
    assert client.post("/api/v1/use-cases", json={"slug": "replies", "title": "Ours"}).status_code == 201


def test_list_endpoints_query_count_does_not_grow(client: TestClient, lead_world, count_queries) -> None:
    _, _, directory = lead_world
    create_tool(client)

    def counted(path: str) -> int:
        with count_queries() as queries:
            assert client.get(path).status_code == 200
        return queries.count

    create_use_case(client, "case-0", directory)
    write_card(client, "case-0")
    few = {
        path: counted(path)
        for path in ("/api/v1/use-cases", "/api/v1/tools", "/api/v1/use-cases/case-0/use-card/versions")
    }
    for number in range(1, 15):
        create_use_case(client, f"case-{number}", directory)
        create_tool(client, slug=f"tool-{number}")
        write_card(
            client, "case-0", changelog=f"change {number}", approvals=CARD["approvals"] + f" ({number})"
        )
    many = {path: counted(path) for path in few}
    assert many == few
    assert many["/api/v1/use-cases"] <= 12


def test_risk_tier_filter_follows_the_assessment(client: TestClient, lead_world) -> None:
    _, _, directory = lead_world
    create_tool(client)
    ready_use_case(client, "replies", directory)
    create_use_case(client, "screening", directory)
    write_card(client, "screening")
    answer(client, "screening", annex_iii_areas=["employment"])
    assert [i["slug"] for i in client.get("/api/v1/use-cases", params={"tier": "high"}).json()["items"]] == [
        "screening"
    ]
    assert [
        i["slug"] for i in client.get("/api/v1/use-cases", params={"tier": "minimal"}).json()["items"]
    ] == ["replies"]
