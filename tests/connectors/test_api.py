"""The connectors' API: admins create, list, change, test and sync connectors; the secret goes in and never
comes out (not in answers, runs, the audit log, nor the database in clear)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import text

from connectors.connectors_builders import TOKEN, FakeGitHub, make_workspace, seat, user_day
from support import as_caller, job_context
from uptake.access.roles import Role
from uptake.connectors import service
from uptake.db import session_scope

NOW = datetime(2025, 7, 3, 6, 0, tzinfo=UTC)


def github_body(fake: FakeGitHub, **fields):
    return {
        "name": "github-acme",
        "kind": "github_copilot",
        "organization": fake.organization,
        "secret": TOKEN,
        "base_url": fake.base_url,
        "backfill_days": 2,
        **fields,
    }


def test_an_admin_creates_a_connector_whose_secret_is_never_shown_again(client, world, httpserver):
    fake = FakeGitHub(httpserver)
    workspace_id = make_workspace(world)
    as_caller(client, world.caller(workspace_id, Role.admin))

    created = client.post("/api/v1/connectors", json=github_body(fake))

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["has_secret"] is True
    assert body["tool"] == "github-copilot"
    assert body["base_url"] == fake.base_url
    assert TOKEN not in created.text
    listed = client.get("/api/v1/connectors")
    assert [item["name"] for item in listed.json()["items"]] == ["github-acme"]
    assert TOKEN not in listed.text
    with world.session(workspace_id) as session:
        stored = session.execute(text("SELECT secret_encrypted FROM connectors_connector")).scalar_one()
        audit = " ".join(str(row) for row in session.execute(text("SELECT * FROM audit_entry")).all())
    assert TOKEN not in stored
    assert TOKEN not in audit
    assert "connectors.created" in audit


def test_bad_input_names_the_field_and_the_reason(client, world):
    workspace_id = make_workspace(world)
    as_caller(client, world.caller(workspace_id, Role.admin))

    missing = client.post("/api/v1/connectors", json={"name": "gh", "kind": "github_copilot", "secret": "x"})
    unknown_tool = client.post(
        "/api/v1/connectors",
        json={"name": "gh", "kind": "github_copilot", "secret": "x", "organization": "acme", "tool": "nope"},
    )

    assert missing.status_code == 422
    assert missing.headers["content-type"] == "application/problem+json"
    assert "organization is required" in missing.text
    assert unknown_tool.status_code == 422
    assert unknown_tool.json()["errors"][0]["field"] == "tool"


def test_a_program_lead_may_not_see_connectors(client, world):
    workspace_id = make_workspace(world)
    as_caller(client, world.caller(workspace_id, Role.program_lead))
    assert client.get("/api/v1/connectors").status_code == 403


def test_connectors_stay_in_their_workspace(client, world, httpserver):
    fake = FakeGitHub(httpserver)
    mine, theirs = make_workspace(world), make_workspace(world)
    as_caller(client, world.caller(theirs, Role.admin))
    other = client.post("/api/v1/connectors", json=github_body(fake)).json()
    as_caller(client, world.caller(mine, Role.admin))

    assert client.get("/api/v1/connectors").json()["items"] == []
    assert client.get(f"/api/v1/connectors/{other['id']}").status_code == 404
    assert client.post(f"/api/v1/connectors/{other['id']}/sync").status_code == 404


def test_the_test_says_what_the_vendor_answered(client, world, httpserver):
    fake = FakeGitHub(httpserver)
    fake.seat_pages = [[seat("octocat"), seat("hubot")]]
    workspace_id = make_workspace(world)
    as_caller(client, world.caller(workspace_id, Role.admin))
    connector = client.post("/api/v1/connectors", json=github_body(fake)).json()

    good = client.post(f"/api/v1/connectors/{connector['id']}/test")
    client.patch(f"/api/v1/connectors/{connector['id']}", json={"secret": "ghp_revoked"})
    bad = client.post(f"/api/v1/connectors/{connector['id']}/test")

    assert good.json()["status"] == "succeeded"
    assert "GitHub organization acme: 2 Copilot seat(s)" in good.json()["message"]
    assert bad.json()["status"] == "failed"
    assert "The token is wrong, revoked or expired" in bad.json()["message"]
    assert "ghp_revoked" not in bad.text
    history = client.get(f"/api/v1/connectors/{connector['id']}/runs").json()["items"]
    assert [run["status"] for run in history] == ["failed", "succeeded"]


def test_sync_now_queues_a_job_whose_run_shows_in_the_history(client, world, httpserver):
    fake = FakeGitHub(httpserver)
    fake.seat_pages = [[seat("octocat")]]
    yesterday = NOW.date() - timedelta(days=1)
    fake.add_day(yesterday, [user_day("octocat", yesterday)])
    workspace_id = make_workspace(world)
    as_caller(client, world.caller(workspace_id, Role.admin))
    connector = client.post("/api/v1/connectors", json=github_body(fake, backfill_days=1)).json()

    queued = client.post(f"/api/v1/connectors/{connector['id']}/sync")

    assert queued.status_code == 202
    assert queued.json()["status"] == "queued"
    with session_scope(world.factory) as session, time_machine.travel(NOW, tick=False):
        context = job_context(world, session, service.SYNC_JOB, workspace_id)
        context.payload = {"connector_id": connector["id"], "trigger": "person"}
        result = service.sync_connector_job(context)
    assert result["status"] == "succeeded"
    [run] = client.get(f"/api/v1/connectors/{connector['id']}/runs").json()["items"]
    assert run["kind"] == "sync"
    assert run["stored"]["seats assigned"] == 1
    assert run["stored"]["events"] == 5
    assert run["days_from"] == run["days_to"] == yesterday.isoformat()
    page = client.get(f"/connectors/{connector['id']}")
    assert page.status_code == 200
    assert "1 seats assigned" in page.text
    assert TOKEN not in page.text
