"""``uptake connectors``: add (the secret from the environment or a hidden prompt, never an argument), list,
test and sync against a fake GitHub on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import text

from connectors.connectors_builders import TOKEN, FakeGitHub, make_workspace, seat, user_day

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
NOW = datetime(2025, 7, 3, 6, 0, tzinfo=UTC)


def add(run, fake: FakeGitHub, *extra: str, env=None):
    return run(
        "connectors",
        "add",
        "github-acme",
        "--kind",
        "github-copilot",
        "--organization",
        fake.organization,
        "--base-url",
        fake.base_url,
        "--backfill-days",
        "1",
        *extra,
        env=env,
    )


def test_add_reads_the_secret_from_the_environment_and_keeps_it_encrypted(run, world, httpserver):
    fake = FakeGitHub(httpserver)
    workspace_id = make_workspace(world)

    added = add(run, fake, "--secret-env", "GITHUB_TOKEN", env={"GITHUB_TOKEN": TOKEN})

    assert added.exit_code == 0, added.output
    assert "Connector github-acme added" in added.output
    assert TOKEN not in added.output
    with world.session(workspace_id) as session:
        assert (
            TOKEN
            not in session.execute(text("SELECT secret_encrypted FROM connectors_connector")).scalar_one()
        )
    assert "github-acme" in run("connectors", "list").output


def test_add_asks_for_the_secret_without_echo(run, world):
    make_workspace(world)
    added = run(
        "connectors", "add", "gh", "--kind", "github-copilot", "--organization", "acme", input=f"{TOKEN}\n"
    )
    assert added.exit_code == 0, added.output
    assert TOKEN not in added.output


def test_add_refuses_an_unknown_kind_and_a_missing_organization(run, world):
    make_workspace(world)
    assert "choose github-copilot or m365-copilot" in run("connectors", "add", "x", "--kind", "slack").output
    missing = run("connectors", "add", "x", "--kind", "github-copilot", input="secret\n")
    assert missing.exit_code != 0
    assert "organization is required" in missing.output


def test_test_and_sync_print_what_the_vendor_said_and_what_was_stored(run, world, httpserver):
    fake = FakeGitHub(httpserver)
    fake.seat_pages = [[seat("octocat"), seat("hubot")]]
    yesterday = NOW.date() - timedelta(days=1)
    fake.add_day(yesterday, [user_day("octocat", yesterday)])
    make_workspace(world)
    assert add(run, fake, "--secret-env", "T", env={"T": TOKEN}).exit_code == 0

    with time_machine.travel(NOW, tick=False):
        tested = run("connectors", "test", "github-acme")
        synced = run("connectors", "sync", "github-acme")
        again = run("connectors", "sync", "github-acme")

    assert tested.exit_code == 0, tested.output
    assert "2 Copilot seat(s)" in tested.output
    assert synced.exit_code == 0, synced.output
    assert "stored: 2 seats assigned" in synced.output
    assert "5 events" in synced.output
    assert again.exit_code == 0
    assert "stored: 0 seats assigned, 0 seats released, 0 seats updated" in again.output
    assert "skipped: 2 seat: unchanged since the last sync" in again.output


def test_a_failing_test_exits_non_zero(run, world, httpserver):
    fake = FakeGitHub(httpserver)
    make_workspace(world)
    assert add(run, fake, "--secret-env", "T", env={"T": "ghp_wrong"}).exit_code == 0
    tested = run("connectors", "test", "github-acme")
    assert tested.exit_code == 1
    assert "The token is wrong, revoked or expired" in tested.output
