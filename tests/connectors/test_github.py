"""The GitHub Copilot connector against a fake GitHub on 127.0.0.1: seats by pages into the ledger, daily
usage reports through their download links into the events, rate limits, refusals, resumption, idempotence."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from connectors.connectors_builders import (
    FakeGitHub,
    add_github_connector,
    fixture,
    make_workspace,
    ndjson,
    seat,
    user_day,
)
from uptake.connectors import service
from uptake.db import session_scope
from uptake.licences import service as licences_service
from uptake.telemetry.event_store import EventStore

NOW = datetime(2025, 7, 3, 6, 0, tzinfo=UTC)
TODAY = NOW.date()
DAYS = [TODAY - timedelta(days=n) for n in (3, 2, 1)]  # back-filled on the first run: 3 days up to yesterday


@pytest.fixture
def store(settings):
    with EventStore(settings.effective_events_url) as events:
        yield events


@pytest.fixture
def github(httpserver):
    fake = FakeGitHub(httpserver)
    documented = fixture("example-copilot-seats-list.json")["seats"]  # octocat, and octokitten cancelled
    fake.seat_pages = [documented, [seat("hubot"), seat("monalisa")], [seat("mona-2")]]
    for day in DAYS:
        fake.add_day(
            day, [user_day("octocat", day), user_day("hubot", day, prompts=1, generated=0, accepted=0)]
        )
    return fake


def sync(world, workspace_id, connector_id, store, *, now=NOW):
    waits: list[float] = []
    with session_scope(world.factory, workspace_id) as session:
        run = service.sync_connector(
            session,
            workspace_id,
            connector_id,
            installation_key=world.settings.effective_secret_key,
            store=store,
            trigger="test",
            now=now,
            sleep=waits.append,
        )
    return run, waits


def open_seats(world, workspace_id):
    with session_scope(world.factory, workspace_id) as session:
        rows = licences_service.snapshot_rows(session, workspace_id)["seats"]
    return [row for row in rows if row["end_day"] is None]


def test_a_sync_reads_every_seat_page_and_every_day_up_to_yesterday(world, github, store):
    workspace_id = make_workspace(world)
    connector_id = add_github_connector(world, workspace_id, github)

    run, waits = sync(world, workspace_id, connector_id, store)

    assert run.status.value == "succeeded", run.message
    assert run.read["seat pages"] == 3
    assert run.read["seats"] == 5
    assert run.stored["seats assigned"] == 4  # octokitten's seat is pending cancellation
    assert {
        "what": "seat",
        "why": "pending cancellation: GitHub lists it until the billing cycle ends",
        "count": 1,
    } in run.skipped
    assert len(open_seats(world, workspace_id)) == 4
    # (3 invoked + 1 accepted + 2 rejected) for octocat and one invoked for hubot, each day
    assert run.stored["events"] == store.count(workspace_id) == 3 * (2 + 1 + 2 + 1)
    assert (run.days_from, run.days_to) == (DAYS[0], DAYS[-1])
    assert waits == []
    seat_calls = [path for path in github.paths_called() if "/billing/seats" in path]
    assert len(seat_calls) == 3
    assert "page=3" in seat_calls[-1]
    with session_scope(world.factory, workspace_id) as session:
        assert service.get_connector(session, workspace_id, connector_id).synced_through == DAYS[-1]


def test_a_second_sync_the_same_day_adds_nothing(world, github, store):
    workspace_id = make_workspace(world)
    connector_id = add_github_connector(world, workspace_id, github)
    sync(world, workspace_id, connector_id, store)
    events = store.count(workspace_id)
    calls = len(github.calls)

    again, _ = sync(world, workspace_id, connector_id, store, now=NOW + timedelta(hours=3))

    assert again.status.value == "succeeded"
    assert again.stored == {"seats assigned": 0, "seats released": 0, "seats updated": 0}
    assert {"what": "seat", "why": "unchanged since the last sync", "count": 4} in again.skipped
    assert store.count(workspace_id) == events
    assert not [path for _, path, _ in github.calls[calls:] if "/metrics/" in path]  # no day to read again


def test_a_day_read_again_stores_nothing_twice(world, github, store):
    """Forgetting how far it synced (a lost checkpoint) costs calls, never duplicates."""
    workspace_id = make_workspace(world)
    connector_id = add_github_connector(world, workspace_id, github)
    sync(world, workspace_id, connector_id, store)
    events = store.count(workspace_id)
    with session_scope(world.factory, workspace_id) as session:
        from uptake.connectors import repository

        repository.get_connector(session, workspace_id, connector_id).synced_through = None

    again, _ = sync(world, workspace_id, connector_id, store)

    assert again.stored["events"] == 0
    assert {"what": "event", "why": "stored already (read before)", "count": events} in again.skipped
    assert store.count(workspace_id) == events


def test_rate_limits_are_waited_out_with_retry_after(world, github, store):
    workspace_id = make_workspace(world)
    connector_id = add_github_connector(world, workspace_id, github)
    github.fail_next("/orgs/acme/copilot/billing/seats", 429, {"Retry-After": "7"}, {"message": "slow down"})
    github.fail_next(
        "/orgs/acme/copilot/metrics/reports/users-1-day",
        403,
        {"Retry-After": "3"},
        {"message": "You have exceeded a secondary rate limit."},
    )
    github.fail_next("/orgs/acme/copilot/metrics/reports/users-1-day", 503)

    run, waits = sync(world, workspace_id, connector_id, store)

    assert run.status.value == "succeeded", run.message
    assert waits == [7.0, 3.0, 2.0]  # as asked, as asked, then backoff on the second try
    assert "waited 12 s for the vendor's rate limits" in run.message
    assert run.stored["seats assigned"] == 4


@pytest.mark.parametrize(
    ("status", "says"),
    [
        (401, "The token is wrong, revoked or expired"),
        (403, "'GitHub Copilot Business' (read) and 'Organization Copilot metrics' (read)"),
    ],
)
def test_a_refused_token_fails_the_run_with_what_to_fix(world, github, store, status, says):
    workspace_id = make_workspace(world)
    connector_id = add_github_connector(world, workspace_id, github)
    github.fail_next("/orgs/acme/copilot/billing/seats", status, body={"message": "Must have admin rights"})
    github.fail_next(
        "/orgs/acme/copilot/metrics/reports/users-1-day", status, body={"message": "Must have admin rights"}
    )

    run, waits = sync(world, workspace_id, connector_id, store)

    assert run.status.value == "failed"
    assert f"GitHub answered {status}: Must have admin rights" in run.message
    assert says in run.message
    assert waits == []  # a refusal is not retried
    assert open_seats(world, workspace_id) == []
    assert github.token not in run.message


def test_a_download_link_that_fails_once_is_tried_again(world, github, store):
    workspace_id = make_workspace(world)
    connector_id = add_github_connector(world, workspace_id, github)
    github.fail_next(f"/files/users-1-day/{DAYS[0]}/0", 500)

    run, waits = sync(world, workspace_id, connector_id, store)

    assert run.status.value == "succeeded", run.message
    assert run.stored["events"] == 18
    assert waits == [1.0]


def test_a_failed_day_keeps_the_days_before_and_the_next_sync_resumes_there(world, github, store):
    workspace_id = make_workspace(world)
    connector_id = add_github_connector(world, workspace_id, github)
    for _ in range(2):  # the link fails on both tries
        github.fail_next(f"/files/users-1-day/{DAYS[1]}/0", 500)

    run, _ = sync(world, workspace_id, connector_id, store)

    assert run.status.value == "failed"
    assert f"usage of {DAYS[1]}" in run.message
    assert "the next sync resumes here" in run.message
    assert "sig" not in run.message
    assert run.stored["events"] == 6  # the first day
    assert run.stored["seats assigned"] == 4  # the seats did not depend on the usage
    with session_scope(world.factory, workspace_id) as session:
        assert service.get_connector(session, workspace_id, connector_id).synced_through == DAYS[0]

    resumed, _ = sync(world, workspace_id, connector_id, store)

    assert resumed.status.value == "succeeded"
    assert (resumed.days_from, resumed.days_to) == (DAYS[1], DAYS[2])
    assert store.count(workspace_id) == 18


def test_a_failing_seat_page_leaves_the_ledger_as_it_was(world, github, store):
    workspace_id = make_workspace(world)
    connector_id = add_github_connector(world, workspace_id, github)
    sync(world, workspace_id, connector_id, store)
    for _ in range(5):
        github.fail_next("/orgs/acme/copilot/billing/seats", 502)
    github.seat_pages = [[seat("newcomer")]]

    run, waits = sync(world, workspace_id, connector_id, store, now=NOW + timedelta(days=1))

    assert run.status.value == "failed"
    assert "the seat ledger was left as it was" in run.message
    assert len(waits) == 4
    assert len(open_seats(world, workspace_id)) == 4


def test_a_day_without_a_report_is_skipped_and_yesterday_is_asked_again(world, github, store):
    workspace_id = make_workspace(world)
    connector_id = add_github_connector(world, workspace_id, github)
    del github.reports[("users-1-day", DAYS[0].isoformat())]  # a day GitHub has no report for
    del github.reports[("users-1-day", DAYS[2].isoformat())]  # yesterday's is not ready yet
    github.reports[("users-1-day", DAYS[1].isoformat())] = []  # a day with no usage at all

    run, _ = sync(world, workspace_id, connector_id, store)

    assert run.status.value == "succeeded"
    assert {
        "what": f"users-1-day {DAYS[0]}",
        "why": "GitHub has no report for this day",
        "count": 1,
    } in run.skipped
    assert {
        "what": f"users-1-day {DAYS[1]}",
        "why": "no usage that day (the report has no files)",
        "count": 1,
    } in run.skipped
    assert f"no users-1-day report for {DAYS[2]} yet" in run.message
    assert run.days_to == DAYS[1]
    assert store.count(workspace_id) == 0


def test_the_documented_report_answer_leads_to_its_files(world, httpserver, store):
    """GitHub's documented users-1-day answer (two download links), its links moved to the fake."""
    fake = FakeGitHub(httpserver)
    documented = fixture("copilot-users-one-day-usage-metrics.json")
    day = date.fromisoformat(documented["report_day"])
    files = [ndjson([user_day("octocat", day)]), ndjson([user_day("hubot", day), user_day("monalisa", day)])]
    fake.serve_answer("users-1-day", documented, files)
    workspace_id = make_workspace(world)
    connector_id = add_github_connector(world, workspace_id, fake, backfill_days=1)

    run, _ = sync(
        world, workspace_id, connector_id, store, now=datetime.combine(day + timedelta(days=1), time(8), UTC)
    )

    assert run.status.value == "succeeded", run.message
    assert run.read["report files"] == 2
    assert run.stored["events"] == 3 * 5
    assert [path for path in fake.paths_called() if path.endswith(".ndjson")] == [
        "/copilot-usage-report-1.ndjson",
        "/copilot-usage-report-2.ndjson",
    ]
