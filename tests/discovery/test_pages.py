"""Discovery's pages. The issue's done-when: a discovery log with an unapproved assistant produces a candidate
use case in governance review in two clicks, and no page shows fewer than k people's usage of it to a
non-admin. Also the upload page, the named users (admins only, audited) and the domains page."""

from __future__ import annotations

import re
from datetime import datetime

from fastapi.testclient import TestClient

from discovery.discovery_builders import generic_csv, make_organization, umbrella_log, umbrella_row
from support import as_caller
from uptake.access.roles import Role
from uptake.audit import service as audit_service
from uptake.db import session_scope

CSV = {"content-type": "text/csv"}


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def log_with_a_small_and_a_large_tool() -> str:
    """Claude: 3 people of Finance (under k = 5); ChatGPT: 6 of Finance."""
    rows = [("2026-12-01 10:00:00", f"finance{n}@example.com", "claude.ai", 7, 100) for n in range(1, 4)]
    rows += [("2026-12-01 10:00:00", f"finance{n}@example.com", "chatgpt.com", 1, 100) for n in range(1, 7)]
    return generic_csv(rows)


def test_an_unapproved_assistant_reaches_governance_review_in_two_clicks(client: TestClient, world):
    org = make_organization(world, {"Finance": 6})
    lead = world.caller(org.workspace_id, Role.program_lead)
    as_caller(client, lead)
    client.post("/api/v1/discovery/imports", content=log_with_a_small_and_a_large_tool(), headers=CSV)

    page = client.get("/discovery")
    assert page.status_code == 200
    link = re.search(r'<tr data-tool="chatgpt"[^>]*>.*?href="([^"]+)" data-propose', page.text, re.S)
    assert link is not None
    # Click 1: the form, filled in.
    form = client.get(link.group(1))
    assert form.status_code == 200
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.text))
    assert (fields["tool_name"], fields["vendor"], fields["use_case_slug"]) == (
        "ChatGPT",
        "OpenAI",
        "chatgpt-candidate",
    )
    # Click 2: submit it as it is.
    action = re.search(r'<form method="post" action="([^"]+)"[^>]*data-candidate-form', form.text).group(1)
    submitted = client.post(
        action, data={name: value for name, value in fields.items()}, follow_redirects=False
    )
    assert submitted.status_code == 303
    review_path = submitted.headers["location"]
    assert re.fullmatch(r"/governance/reviews/\d+", review_path)

    review = client.get(f"/api/v1/reviews/{review_path.rsplit('/', 1)[1]}").json()
    assert (review["kind"], review["status"], review["use_case_slug"]) == (
        "intake",
        "open",
        "chatgpt-candidate",
    )
    assert review["evidence"]["people"] == 6
    assert review["evidence"]["teams"] == [{"team": "Finance", "people": 6}]
    assert review["id"] in [item["id"] for item in client.get("/api/v1/reviews").json()]
    use_case = client.get("/api/v1/use-cases/chatgpt-candidate").json()
    assert (use_case["status"], use_case["tool_slugs"], use_case["tags"]) == (
        "draft",
        ["chatgpt"],
        ["shadow-ai"],
    )
    assert "used by 6 people" in use_case["summary"]
    assert client.get("/api/v1/tools/chatgpt").json()["vendor"] == "OpenAI"
    shown = client.get(review_path)
    assert "Evidence: found in use" in shown.text
    with session_scope(world.factory, org.workspace_id) as session:
        actions = [
            entry.action for entry in audit_service.list_audit_entries(session, org.workspace_id, limit=20)
        ]
    assert {
        "catalog.tool.created",
        "catalog.use_case.created",
        "governance.review.opened",
        "discovery.tool.candidate",
    } <= set(actions)


def test_no_page_shows_fewer_than_k_peoples_usage_to_a_non_admin(client: TestClient, world):
    org = make_organization(world, {"Finance": 6})
    lead = world.caller(org.workspace_id, Role.program_lead)
    as_caller(client, lead)
    client.post("/api/v1/discovery/imports", content=log_with_a_small_and_a_large_tool(), headers=CSV)
    # Claude goes to review too, so its evidence travels to the reviewers.
    client.post(
        "/api/v1/discovery/tools/claude/candidate",
        json={
            "tool_name": "Claude",
            "vendor": "Anthropic",
            "use_case_slug": "claude-candidate",
            "use_case_title": "Claude",
        },
    )
    review_id = client.get("/api/v1/discovery/tools/claude").json()["review_id"]
    reviewer = world.caller(org.workspace_id, Role.reviewer)
    pages = {
        "/discovery": lead,
        "/discovery/tools/claude": lead,
        "/discovery/tools/claude/candidate": lead,
        "/api/v1/discovery/tools": lead,
        "/api/v1/discovery/tools/claude": lead,
        f"/governance/reviews/{review_id}": reviewer,
        f"/api/v1/reviews/{review_id}": reviewer,
        "/use-cases/claude-candidate": reviewer,
        "/api/v1/use-cases/claude-candidate": reviewer,
    }
    for path, caller in pages.items():
        as_caller(client, caller)
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.text
        for n in range(1, 4):
            assert f"finance{n}@" not in text, path
            assert f"Finance {n}" not in text, path
    as_caller(client, lead)
    claude = client.get("/api/v1/discovery/tools/claude").json()
    assert claude["is_suppressed"]
    assert all(claude[name] is None for name in ("people", "requests", "bytes", "first_seen", "last_seen"))
    assert claude["teams"] == []
    assert claude["trend"] == []
    tool_page = squeeze(client.get("/discovery/tools/claude").text)
    assert "Used by fewer than 5 people: every figure about them is withheld." in tool_page
    overview = client.get("/discovery").text
    assert "fewer than 5" in squeeze(re.search(r'<tr data-tool="claude".*?</tr>', overview, re.S).group(0))
    as_caller(client, reviewer)
    evidence = client.get(f"/api/v1/reviews/{review_id}").json()["evidence"]
    assert (evidence["people"], evidence["requests"], evidence["teams"]) == (None, None, [])
    assert "fewer than 5 people" in evidence["summary"]
    # Team leads, reviewers and employees do not reach the discovery pages at all.
    for role in (Role.team_lead, Role.reviewer, Role.employee):
        as_caller(client, world.caller(org.workspace_id, role))
        assert client.get("/discovery").status_code == 403
        assert client.get("/api/v1/discovery/tools/claude").status_code == 403


def test_named_users_are_shown_to_admins_only_and_the_view_is_audited(client: TestClient, world):
    org = make_organization(world, {"Finance": 6})
    as_caller(client, world.caller(org.workspace_id, Role.program_lead))
    client.post("/api/v1/discovery/imports", content=log_with_a_small_and_a_large_tool(), headers=CSV)
    assert "Who used it" not in client.get("/discovery/tools/claude").text
    assert client.get("/discovery/tools/claude/users").status_code == 403
    as_caller(client, world.caller(org.workspace_id, Role.admin))
    assert "Who used it" in client.get("/discovery/tools/claude").text
    users = client.get("/discovery/tools/claude/users")
    assert users.status_code == 200
    assert all(f"finance{n}@example.com" in users.text for n in range(1, 4))
    with session_scope(world.factory, org.workspace_id) as session:
        entries = audit_service.list_audit_entries(session, org.workspace_id, action="discovery.users.viewed")
    assert [entry.after for entry in entries] == [{"people_shown": 3, "named": 3}]


def test_the_upload_page_reads_both_formats_and_names_each_bad_row(client: TestClient, world):
    org = make_organization(world, {"Finance": 6})
    as_caller(client, world.caller(org.workspace_id, Role.program_lead))
    generic = generic_csv(
        [
            ("2026-12-01 10:00:00", "finance1@example.com", "claude.ai", 1, 1),
            ("2026-12-01", "", "claude.ai", 1, 1),
        ]
    )
    dry = client.post(
        "/discovery/import",
        files={"file": ("proxy.csv", generic.encode(), "text/csv")},
        data={"dry_run": "1"},
    )
    assert dry.status_code == 200
    assert "dry run, nothing stored" in dry.text
    assert "is empty; name who made the request" in squeeze(
        re.search(r'data-line="3".*?</tr>', dry.text, re.S).group(0)
    )
    umbrella = umbrella_log(
        [umbrella_row(datetime(2026, 12, 1, 9), "Finance 1 (finance1@example.com)", "https://claude.ai/new")]
    )
    stored = client.post(
        "/discovery/import",
        files={"file": ("proxy.csv", umbrella.encode(), "text/csv")},
        data={"log_format": "umbrella"},
    )
    assert "1 rows read (umbrella): 1 to AI services" in squeeze(stored.text)
    again = client.post("/discovery/import", files={"file": ("proxy.csv", umbrella.encode(), "text/csv")})
    assert "nothing changed" in squeeze(again.text)
    unreadable = client.post("/discovery/import", files={"file": ("x.csv", b"\xff\xfe", "text/csv")})
    assert unreadable.status_code == 422
    assert "not UTF-8" in unreadable.text


def test_the_domains_page_adds_and_removes_a_workspace_domain(client: TestClient, world):
    workspace_id = world.workspace()
    as_caller(client, world.caller(workspace_id, Role.program_lead))
    added = client.post(
        "/discovery/services",
        data={
            "domain": "ai.acme.example",
            "tool_slug": "acme-ai",
            "tool_name": "Acme AI",
            "category": "chat",
        },
    )
    assert "ai.acme.example is mapped to Acme AI." in added.text
    assert 'data-domain="ai.acme.example"' in added.text
    refused = client.post(
        "/discovery/services", data={"domain": "nope", "tool_slug": "x", "tool_name": "X", "category": "chat"}
    )
    assert "must be a host name" in refused.text
    removed = client.post("/discovery/services/remove", data={"domain": "ai.acme.example"})
    assert 'data-domain="ai.acme.example"' not in removed.text
