"""Discovery's API: the log imported over HTTP (both formats, good and bad rows, dry run, the same file again),
figures behind the floor, named users for admins only (audited), the decisions, the workspace's own domains,
and workspace isolation."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from discovery.discovery_builders import generic_csv, make_organization, umbrella_log, umbrella_row
from support import as_caller
from uptake.access.roles import Role, Scope
from uptake.audit import service as audit_service
from uptake.db import session_scope

CSV = {"content-type": "text/csv"}


def generic_log() -> str:
    rows = [("2026-12-01 10:00:00", f"finance{n}@example.com", "claude.ai", 1, 100) for n in range(1, 6)]
    rows += [("2026-12-01 10:00:00", "finance1@example.com", "claude.ai", "many", 100)]
    rows += [("not a time", "finance2@example.com", "claude.ai", 1, 100)]
    rows += [("2026-12-01 11:00:00", "finance1@example.com", "news.example.com", 1, 100)]
    rows += [
        ("2026-12-02 10:00:00", f"finance{n}@example.com", "gemini.google.com", 1, 100) for n in range(1, 3)
    ]
    return generic_csv(rows)


def test_a_generic_log_over_http_gets_the_clis_report(client: TestClient, world):
    org = make_organization(world, {"Finance": 5})
    as_caller(client, world.caller(org.workspace_id, Role.program_lead))
    dry = client.post(
        "/api/v1/discovery/imports?dry_run=true&file_name=proxy.csv", content=generic_log(), headers=CSV
    )
    assert dry.status_code == 200
    body = dry.json()
    assert {
        key: body[key]
        for key in ("dry_run", "log_format", "rows_read", "rows_matched", "rows_other", "rejected")
    } == {
        "dry_run": True,
        "log_format": "generic",
        "rows_read": 10,
        "rows_matched": 7,
        "rows_other": 1,
        "rejected": 2,
    }
    assert body["rejections"] == [
        {"line": 7, "column": "requests", "reason": "'many' is not a whole number of requests"},
        {
            "line": 8,
            "column": "time",
            "reason": "'not a time' must be a time like 2026-12-01 09:30:00 (UTC unless it says), or Unix seconds",
        },
    ]
    assert client.get("/api/v1/discovery/tools").json()["tools"] == []
    stored = client.post(
        "/api/v1/discovery/imports?file_name=proxy.csv", content=generic_log(), headers=CSV
    ).json()
    assert (stored["dry_run"], stored["sightings"], stored["tools"]) == (False, 7, ["claude", "gemini"])
    again = client.post("/api/v1/discovery/imports", content=generic_log(), headers=CSV).json()
    assert again["already_imported_at"] is not None
    assert again["sightings"] == 0
    tools = {tool["slug"]: tool for tool in client.get("/api/v1/discovery/tools").json()["tools"]}
    assert (tools["claude"]["people"], tools["claude"]["requests"]) == (5, 5)
    assert tools["gemini"]["is_suppressed"]
    assert tools["gemini"]["people"] is None
    imports = client.get("/api/v1/discovery/imports").json()
    assert [(item["file_name"], item["rows_read"], item["rows_rejected"]) for item in imports] == [
        ("proxy.csv", 10, 2)
    ]


def test_an_umbrella_log_over_http_with_an_admin_key(client: TestClient, world):
    org = make_organization(world, {"Sales": 5})
    key = world.api_key(org.workspace_id, Scope.admin)
    rows = [
        umbrella_row(
            datetime(2026, 12, 1, 9, n),
            f"Sales {n} (sales{n}@example.com)",
            "https://www.perplexity.ai/search",
        )
        for n in range(1, 6)
    ]
    rows.append(["2026-12-01 09:00:00", "too few fields"])
    response = client.post(
        "/api/v1/discovery/imports",
        content=umbrella_log(rows),
        headers={**CSV, "Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["log_format"], body["rows_matched"], body["rejected"], body["people_linked"]) == (
        "umbrella",
        5,
        1,
        5,
    )
    assert body["rejections"][0]["line"] == 6
    unreadable = client.post(
        "/api/v1/discovery/imports",
        content="when,who\n1,2\n",
        headers={**CSV, "Authorization": f"Bearer {key}"},
    )
    assert unreadable.status_code == 422
    assert unreadable.headers["content-type"] == "application/problem+json"
    assert unreadable.json()["errors"][0]["field"] == "file"


def test_named_users_are_for_admins_only_and_each_view_is_audited(client: TestClient, world):
    org = make_organization(world, {"Finance": 5})
    as_caller(client, world.caller(org.workspace_id, Role.program_lead))
    client.post("/api/v1/discovery/imports", content=generic_log(), headers=CSV)
    refused = client.get("/api/v1/discovery/tools/claude/users")
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    as_caller(client, world.caller(org.workspace_id, Role.admin))
    users = client.get("/api/v1/discovery/tools/claude/users").json()
    assert [user["email"] for user in users] == [f"finance{n}@example.com" for n in range(1, 6)]
    with session_scope(world.factory, org.workspace_id) as session:
        entries = audit_service.list_audit_entries(session, org.workspace_id, action="discovery.users.viewed")
    assert len(entries) == 1


def test_dismiss_block_and_candidate_over_the_api(client: TestClient, world):
    org = make_organization(world, {"Finance": 5})
    lead = world.caller(org.workspace_id, Role.program_lead)
    as_caller(client, lead)
    client.post("/api/v1/discovery/imports", content=generic_log(), headers=CSV)
    dismissed = client.post("/api/v1/discovery/tools/gemini/dismissal", json={"note": "false match"})
    assert (dismissed.status_code, dismissed.json()["status"]) == (200, "dismissed")
    blocked = client.post("/api/v1/discovery/tools/gemini/block", json={"note": "not allowed"})
    assert (blocked.json()["status"], blocked.json()["people_told"]) == ("blocked", 2)
    candidate = client.post(
        "/api/v1/discovery/tools/claude/candidate",
        json={
            "tool_name": "Claude",
            "vendor": "Anthropic",
            "use_case_slug": "claude-drafting",
            "use_case_title": "Draft with Claude",
        },
    )
    assert candidate.status_code == 201, candidate.text
    assert candidate.json()["status"] == "candidate"
    again = client.post(
        "/api/v1/discovery/tools/claude/candidate",
        json={
            "tool_name": "Claude",
            "vendor": "Anthropic",
            "use_case_slug": "claude-2",
            "use_case_title": "Again",
        },
    )
    assert again.status_code == 409
    missing = client.post("/api/v1/discovery/tools/no-such-tool/dismissal", json={})
    assert missing.status_code == 404
    bad = client.post("/api/v1/discovery/tools/claude/dismissal", json={"note": "x" * 3000, "other": 1})
    assert bad.status_code == 422
    assert {error["field"] for error in bad.json()["errors"]} == {"note", "other"}


def test_the_workspaces_own_domains_over_the_api(client: TestClient, world):
    workspace_id = world.workspace()
    as_caller(client, world.caller(workspace_id, Role.program_lead))
    added = client.post(
        "/api/v1/discovery/service-domains",
        json={
            "domain": "gpt.acme.internal.ai",
            "tool_slug": "acme-gpt",
            "tool_name": "Acme GPT",
            "category": "chat",
        },
    )
    assert added.status_code == 201
    bad = client.post(
        "/api/v1/discovery/service-domains",
        json={"domain": "not a domain", "tool_slug": "x", "tool_name": "X", "category": "toys"},
    )
    assert bad.status_code == 422
    assert {error["field"] for error in bad.json()["errors"]} == {"domain", "category"}
    listed = client.get("/api/v1/discovery/service-domains").json()
    assert listed[0]["domain"] == "gpt.acme.internal.ai"
    assert client.delete("/api/v1/discovery/service-domains/gpt.acme.internal.ai").status_code == 204
    assert client.delete("/api/v1/discovery/service-domains/gpt.acme.internal.ai").status_code == 404


def test_another_workspace_sees_none_of_it(client: TestClient, world):
    org = make_organization(world, {"Finance": 5})
    as_caller(client, world.caller(org.workspace_id, Role.program_lead))
    client.post("/api/v1/discovery/imports", content=generic_log(), headers=CSV)
    other = world.workspace()
    as_caller(client, world.caller(other, Role.admin))
    assert client.get("/api/v1/discovery/tools").json()["tools"] == []
    assert client.get("/api/v1/discovery/tools/claude").status_code == 404
    assert client.get("/api/v1/discovery/tools/claude/users").status_code == 404


def test_listing_the_tools_takes_a_few_queries(client: TestClient, world, count_queries):
    org = make_organization(world, {"Finance": 5})
    as_caller(client, world.caller(org.workspace_id, Role.program_lead))
    rows = [
        ("2026-12-01 10:00:00", f"finance{n}@example.com", domain, 1, 1)
        for n in range(1, 6)
        for domain in ("claude.ai", "chatgpt.com", "poe.com", "gamma.app")
    ]
    client.post("/api/v1/discovery/imports", content=generic_csv(rows), headers=CSV)
    with count_queries() as queries:
        assert len(client.get("/api/v1/discovery/tools").json()["tools"]) == 4
    assert queries.count <= 12
