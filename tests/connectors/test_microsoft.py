"""The Microsoft 365 Copilot connector against a fake tenant on 127.0.0.1: client-credentials sign-in (and a
new token when one expires), the user-detail report by pages, its licensed users as seats, and a daily pull
that adds a day of activity each time a last-activity date moves."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from connectors.connectors_builders import FakeMicrosoft, add_microsoft_connector, make_workspace
from uptake.connectors import service
from uptake.db import session_scope
from uptake.directory.service import people as people_service
from uptake.licences import seats
from uptake.licences import service as licences_service
from uptake.telemetry.event_store import EventStore

NOW = datetime(2025, 10, 6, 6, 0, tzinfo=UTC)


def row(upn: str, refreshed: date, **apps: date | None) -> dict:
    """A user-detail row: `apps` as `word=date(...)` etc.; the overall last activity is the latest of them."""
    dates = [day for day in apps.values() if day is not None]
    return {
        "reportRefreshDate": refreshed.isoformat(),
        "reportPeriod": 7,
        "userPrincipalName": upn,
        "displayName": upn.split("@")[0].title(),
        "lastActivityDate": max(dates).isoformat() if dates else None,
        **{f"{app}CopilotLastActivityDate": (day.isoformat() if day else None) for app, day in apps.items()},
    }


def rows_of(day: date) -> list[dict]:
    """Alice used Word and Teams the day before `day`; Bob used PowerPoint on 2025-09-20; Cy never used it."""
    yesterday = day - timedelta(days=1)
    return [
        row("alice@contoso.com", day, word=yesterday, microsoftTeams=yesterday),
        row("bob@contoso.com", day, powerPoint=date(2025, 9, 20)),
        row("cy@contoso.com", day),
    ]


@pytest.fixture
def store(settings):
    with EventStore(settings.effective_events_url) as events:
        yield events


@pytest.fixture
def tenant(httpserver):
    fake = FakeMicrosoft(httpserver, page_size=2)
    fake.rows = rows_of(NOW.date())
    return fake


def sync(world, workspace_id, connector_id, store, *, now=NOW, waits=None):
    with session_scope(world.factory, workspace_id) as session:
        return service.sync_connector(
            session,
            workspace_id,
            connector_id,
            installation_key=world.settings.effective_secret_key,
            store=store,
            trigger="test",
            now=now,
            sleep=(waits.append if waits is not None else lambda seconds: None),
        )


def test_licensed_users_become_seats_and_app_dates_become_events(world, tenant, store):
    workspace_id = make_workspace(world)
    with session_scope(world.factory, workspace_id) as session:
        alice = people_service.create_person(
            session, workspace_id, email="alice@contoso.com", display_name="Alice"
        ).id
    connector_id = add_microsoft_connector(world, workspace_id, tenant)

    run = sync(world, workspace_id, connector_id, store)

    assert run.status.value == "succeeded", run.message
    assert run.read == {"report pages": 2, "licensed users": 3, "events": 3}
    assert run.stored["seats assigned"] == 3
    assert run.stored["events"] == store.count(workspace_id) == 3  # Alice's Word and Teams days, Bob's one
    with session_scope(world.factory, workspace_id) as session:
        held = licences_service.snapshot_rows(session, workspace_id)["seats"]
        assert len(held) == 3
        assert {seat["tool"] for seat in held} == {"m365-copilot"}
        connector = service.get_connector(session, workspace_id, connector_id)
    assert connector.synced_through == NOW.date() - timedelta(days=1)
    assert alice in {seat["person_id"] for seat in _seats(world, workspace_id)}
    assert len(tenant.tokens_issued) == 1


def _seats(world, workspace_id):
    with session_scope(world.factory, workspace_id) as session:
        return [
            seat.model_dump() for seat in seats.list_seats(session, workspace_id, tool="m365-copilot").items
        ]


def test_a_daily_pull_adds_a_day_each_time_a_last_activity_date_moves(world, tenant, store):
    workspace_id = make_workspace(world)
    connector_id = add_microsoft_connector(world, workspace_id, tenant)
    sync(world, workspace_id, connector_id, store)
    again_same_day = sync(world, workspace_id, connector_id, store, now=NOW + timedelta(hours=2))
    assert again_same_day.stored["events"] == 0
    assert again_same_day.stored["seats assigned"] == 0

    tomorrow = NOW + timedelta(days=1)
    tenant.rows = rows_of(tomorrow.date())  # Alice used Word and Teams again today
    tenant.rows = tenant.rows[:2]  # Cy's licence was taken back
    next_day = sync(world, workspace_id, connector_id, store, now=tomorrow)

    assert next_day.stored["events"] == 2
    assert next_day.stored["seats released"] == 1
    assert store.count(workspace_id) == 5


def test_an_expired_token_is_fetched_again(world, tenant, store):
    tenant.pages_per_token = 1  # Graph says the token expired after each page
    workspace_id = make_workspace(world)
    connector_id = add_microsoft_connector(world, workspace_id, tenant)

    run = sync(world, workspace_id, connector_id, store)

    assert run.status.value == "succeeded", run.message
    assert run.read["report pages"] == 2
    assert tenant.tokens_issued == ["token-1", "token-2"]


def test_a_token_about_to_expire_is_renewed_before_the_call(world, tenant, store):
    tenant.expires_in = 30  # under the minute of leeway: every call gets a fresh token
    workspace_id = make_workspace(world)
    connector_id = add_microsoft_connector(world, workspace_id, tenant)
    assert sync(world, workspace_id, connector_id, store).status.value == "succeeded"
    assert len(tenant.tokens_issued) == 2


def test_a_wrong_client_secret_says_so(world, tenant, store):
    workspace_id = make_workspace(world)
    connector_id = add_microsoft_connector(world, workspace_id, tenant, secret="not-the-secret")

    run = sync(world, workspace_id, connector_id, store)

    assert run.status.value == "failed"
    assert "Microsoft refused the sign-in: invalid_client" in run.message
    assert "Check the tenant id, client id and client secret" in run.message
    assert "not-the-secret" not in run.message


def test_a_missing_permission_names_it_and_a_rate_limit_is_waited_out(world, tenant, store):
    workspace_id = make_workspace(world)
    connector_id = add_microsoft_connector(world, workspace_id, tenant)
    tenant.failures = [(429, {"Retry-After": "4"}, {"error": {"message": "Too many requests"}})]
    waits: list[float] = []
    assert sync(world, workspace_id, connector_id, store, waits=waits).status.value == "succeeded"
    assert waits == [4.0]

    tenant.failures = [(403, {}, {"error": {"code": "Forbidden", "message": "Insufficient privileges."}})]
    refused = sync(world, workspace_id, connector_id, store, now=NOW + timedelta(days=1))

    assert refused.status.value == "failed"
    assert "Microsoft Graph answered 403: Insufficient privileges." in refused.message
    assert "Reports.Read.All" in refused.message
    assert "the seat ledger was left as it was" in refused.message


def test_the_test_signs_in_and_reads_the_first_page(world, tenant):
    workspace_id = make_workspace(world)
    connector_id = add_microsoft_connector(world, workspace_id, tenant)
    with session_scope(world.factory, workspace_id) as session:
        run = service.check_connector(
            session,
            workspace_id,
            connector_id,
            installation_key=world.settings.effective_secret_key,
            actor="test",
        )
    assert run.status.value == "succeeded", run.message
    assert "signed in; the first page of the Copilot usage report lists 2 licensed user(s)" in run.message
