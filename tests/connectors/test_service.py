"""The connectors' decisions: the failing streak that tells the admins, the daily job over every workspace,
secrets after a key change, and GitHub's seat calls handed to the reassignment queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.connectors_builders import TOKEN, FakeGitHub, add_github_connector, make_workspace, seat
from support import job_context
from uptake.access.roles import Role
from uptake.comms.service import notifications as notifications_service
from uptake.connectors import service
from uptake.db import session_scope
from uptake.telemetry.event_store import EventStore

NOW = datetime(2025, 7, 3, 6, 0, tzinfo=UTC)


@pytest.fixture
def store(settings):
    with EventStore(settings.effective_events_url) as events:
        yield events


def sync(world, workspace_id, connector_id, store, now):
    with session_scope(world.factory, workspace_id) as session:
        return service.sync_connector(
            session,
            workspace_id,
            connector_id,
            installation_key=world.settings.effective_secret_key,
            store=store,
            trigger="test",
            now=now,
            sleep=lambda seconds: None,
        )


def inbox(world, workspace_id, person_id):
    with session_scope(world.factory, workspace_id) as session:
        return notifications_service.list_inbox(session, workspace_id, person_id)


def test_a_connector_failing_three_days_in_a_row_tells_the_admins_once(world, httpserver, store):
    fake = FakeGitHub(httpserver, token="ghp_the_right_one")
    workspace_id = make_workspace(world)
    admin = world.person(workspace_id, roles=[Role.admin])
    lead = world.person(workspace_id, roles=[Role.program_lead])
    connector_id = add_github_connector(world, workspace_id, fake)  # with a token GitHub refuses

    for day in range(2):
        assert (
            sync(world, workspace_id, connector_id, store, NOW + timedelta(days=day)).status.value == "failed"
        )
    assert inbox(world, workspace_id, admin) == []
    sync(world, workspace_id, connector_id, store, NOW + timedelta(days=2))
    sync(world, workspace_id, connector_id, store, NOW + timedelta(days=2, hours=5))
    sync(world, workspace_id, connector_id, store, NOW + timedelta(days=3))

    [notice] = inbox(world, workspace_id, admin)
    assert notice.subject == "The github connector has failed for 3 days"
    assert "The token is wrong, revoked or expired" in notice.body_markdown
    assert TOKEN not in notice.body_markdown
    assert notice.link == f"/connectors/{connector_id}"
    assert inbox(world, workspace_id, lead) == []
    with session_scope(world.factory, workspace_id) as session:
        assert service.get_connector(session, workspace_id, connector_id).failing_since == NOW.date()


def test_a_success_ends_the_streak(world, httpserver, store):
    fake = FakeGitHub(httpserver)
    workspace_id = make_workspace(world)
    admin = world.person(workspace_id, roles=[Role.admin])
    connector_id = add_github_connector(world, workspace_id, fake, backfill_days=0)
    for day in (0, 1):
        fake.fail_next("/orgs/acme/copilot/billing/seats", 401)
        sync(world, workspace_id, connector_id, store, NOW + timedelta(days=day))
    assert sync(world, workspace_id, connector_id, store, NOW + timedelta(days=2)).status.value == "succeeded"
    fake.fail_next("/orgs/acme/copilot/billing/seats", 401)
    sync(world, workspace_id, connector_id, store, NOW + timedelta(days=3))

    assert inbox(world, workspace_id, admin) == []
    with session_scope(world.factory, workspace_id) as session:
        assert service.get_connector(
            session, workspace_id, connector_id
        ).failing_since == NOW.date() + timedelta(days=3)


def test_a_secret_sealed_under_another_installation_key_says_to_set_it_again(world, httpserver, store):
    fake = FakeGitHub(httpserver)
    workspace_id = make_workspace(world)
    connector_id = add_github_connector(world, workspace_id, fake)
    with session_scope(world.factory, workspace_id) as session:
        run = service.sync_connector(
            session,
            workspace_id,
            connector_id,
            installation_key="another installation's key",
            store=store,
            trigger="test",
            now=NOW,
        )
    assert run.status.value == "failed"
    assert "secret key changed. Set it again" in run.message
    assert fake.calls == []


def test_the_daily_job_syncs_every_enabled_connector_of_every_workspace(world, httpserver, settings):
    fake = FakeGitHub(httpserver)
    fake.seat_pages = [[seat("octocat")]]
    first, second = make_workspace(world), make_workspace(world)
    good = add_github_connector(world, first, fake, backfill_days=0)
    refused = add_github_connector(world, second, fake, secret="ghp_wrong", backfill_days=0)
    add_github_connector(world, second, fake, name="off", backfill_days=0, is_enabled=False)

    with session_scope(world.factory) as session:
        result = service.sync_all_connectors_job(
            job_context(world, session, service.SCHEDULED_SYNC_JOB, None)
        )

    assert result == {
        "connectors": 2,
        "runs": {f"{first}:{good}": "succeeded", f"{second}:{refused}": "failed"},
    }


def test_the_reassignment_queue_gets_github_seat_calls_for_a_connected_tool(world, httpserver):
    fake = FakeGitHub(httpserver)
    workspace_id = make_workspace(world)
    add_github_connector(world, workspace_id, fake)
    administrators = service.seat_administrators(world.settings)
    with session_scope(world.factory, workspace_id) as session:
        github = administrators(session, workspace_id, "github-copilot")
        other = administrators(session, workspace_id, "m365-copilot")
    assert github is not None
    assert github.vendor == "GitHub"
    assert github.connection.organization == "acme"
    assert github.connection.base_url == fake.base_url
    assert github.connection.token.get_secret_value() == TOKEN
    assert other is None
