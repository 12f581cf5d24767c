"""Who is who: GitHub logins linked to directory people from the organization's SAML identities or by hand;
a link made after the usage was stored moves that usage and the seat to the person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.connectors_builders import FakeGitHub, add_github_connector, make_workspace, seat, user_day
from support import as_caller
from uptake.access.roles import Role
from uptake.connectors import schemas, service
from uptake.db import session_scope
from uptake.directory.service import people as people_service
from uptake.directory.service import vendor_accounts as vendor_accounts_service
from uptake.licences import service as licences_service
from uptake.telemetry import service as telemetry_service
from uptake.telemetry.event_store import EventStore

NOW = datetime(2025, 7, 3, 6, 0, tzinfo=UTC)
YESTERDAY = NOW.date() - timedelta(days=1)


@pytest.fixture
def store(settings):
    with EventStore(settings.effective_events_url) as events:
        yield events


@pytest.fixture
def github(httpserver):
    fake = FakeGitHub(httpserver)
    fake.seat_pages = [[seat("octocat"), seat("hubot"), seat("monalisa")]]
    fake.add_day(
        YESTERDAY,
        [user_day("octocat", YESTERDAY), user_day("hubot", YESTERDAY, prompts=1, generated=0, accepted=0)],
    )
    return fake


def directory(world, workspace_id) -> dict[str, int]:
    with session_scope(world.factory, workspace_id) as session:
        return {
            name: people_service.create_person(
                session,
                workspace_id,
                email=f"{name}@acme.example",
                display_name=name.title(),
                external_id=f"E-{name}",
            ).id
            for name in ("ada", "bob")
        }


def sync(world, workspace_id, connector_id, store):
    with session_scope(world.factory, workspace_id) as session:
        return service.sync_connector(
            session,
            workspace_id,
            connector_id,
            installation_key=world.settings.effective_secret_key,
            store=store,
            trigger="test",
            now=NOW,
            sleep=lambda seconds: None,
        )


def events_of(world, workspace_id, store, identifier: str) -> int:
    with session_scope(world.factory, workspace_id) as session:
        key = telemetry_service.pseudonym_key(session, workspace_id)
    return len(store.events_for_person(workspace_id, telemetry_service.pseudonymize_person(key, identifier)))


def test_saml_identities_link_logins_to_people_before_their_usage_is_stored(world, github, store):
    workspace_id = make_workspace(world)
    people = directory(world, workspace_id)
    github.saml = [("octocat", "ada@acme.example"), ("hubot", "someone-else@acme.example")]
    connector_id = add_github_connector(world, workspace_id, github, backfill_days=1)

    run = sync(world, workspace_id, connector_id, store)

    assert run.read["SAML identities"] == 2
    assert run.stored["accounts linked"] == 1
    assert events_of(world, workspace_id, store, "E-ada") == 5
    assert events_of(world, workspace_id, store, "octocat") == 0
    assert events_of(world, workspace_id, store, "hubot") == 1  # nobody in the directory has that email
    with session_scope(world.factory, workspace_id) as session:
        links = vendor_accounts_service.list_vendor_account_links(session, workspace_id, "github")
        assert [(link.account, link.person_id, link.source) for link in links] == [
            ("octocat", people["ada"], "vendor")
        ]
        assert licences_service.unlinked_seat_accounts(session, workspace_id, "github-copilot") == [
            "hubot",
            "monalisa",
        ]


def test_a_link_by_hand_moves_the_stored_usage_and_the_seat_to_the_person(client, world, github, store, app):
    workspace_id = make_workspace(world)
    people = directory(world, workspace_id)
    connector_id = add_github_connector(world, workspace_id, github, backfill_days=1)
    sync(world, workspace_id, connector_id, store)
    assert events_of(world, workspace_id, store, "octocat") == 5
    as_caller(client, world.caller(workspace_id, Role.admin))

    answer = client.get(f"/api/v1/connectors/{connector_id}/accounts/unlinked")
    assert answer.status_code == 200, answer.text
    assert {item["account"] for item in answer.json()["items"]} == {"octocat", "hubot", "monalisa"}
    page = client.get(f"/connectors/{connector_id}/accounts")
    assert page.status_code == 200
    assert 'data-account="monalisa"' in page.text
    with session_scope(world.factory, workspace_id) as session:
        unlinked = [
            item.model_dump(mode="json")
            for item in service.list_unlinked_accounts(
                session, workspace_id, connector_id, store=store, today=NOW.date()
            )
        ]
    assert unlinked == [
        {"account": "octocat", "events_30_days": 5, "last_day": YESTERDAY.isoformat()},
        {"account": "hubot", "events_30_days": 1, "last_day": YESTERDAY.isoformat()},
        {"account": "monalisa", "events_30_days": 0, "last_day": None},
    ]
    linked = client.post(
        f"/api/v1/connectors/{connector_id}/accounts/links",
        json={"account": "OctoCat", "person": "ada@acme.example"},
    )

    assert linked.status_code == 201, linked.text
    assert linked.json() == {
        "vendor": "github",
        "account": "octocat",
        "person_id": people["ada"],
        "events_moved": 5,
        "seats_linked": 1,
    }
    assert events_of(world, workspace_id, store, "octocat") == 0
    assert events_of(world, workspace_id, store, "E-ada") == 5
    with session_scope(world.factory, workspace_id) as session:
        assert licences_service.unlinked_seat_accounts(session, workspace_id, "github-copilot") == [
            "hubot",
            "monalisa",
        ]
    # the next sync keeps both with the person, and adds nothing
    again = sync(world, workspace_id, connector_id, store)
    assert again.stored.get("seats updated", 0) == 0
    assert events_of(world, workspace_id, store, "E-ada") == 5


def test_a_link_to_someone_not_in_the_directory_names_the_field(client, world, github):
    workspace_id = make_workspace(world)
    connector_id = add_github_connector(world, workspace_id, github)
    as_caller(client, world.caller(workspace_id, Role.admin))
    refused = client.post(
        f"/api/v1/connectors/{connector_id}/accounts/links",
        json={"account": "octocat", "person": "nobody@acme.example"},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "person", "reason": "no one in the directory has the email or id 'nobody@acme.example'"}
    ]


def test_the_schema_keeps_accounts_lower_case():
    assert schemas.AccountLinkCreate(account=" OctoCat ", person="ada@acme.example").account == "octocat"


def test_a_csv_of_account_links_links_the_good_rows_and_names_the_bad(client, world, github, store):
    workspace_id = make_workspace(world)
    people = directory(world, workspace_id)
    connector_id = add_github_connector(world, workspace_id, github, backfill_days=1)
    sync(world, workspace_id, connector_id, store)
    as_caller(client, world.caller(workspace_id, Role.admin))
    body = "account,person\noctocat,ada@acme.example\nhubot,E-bob\nmonalisa,nobody@acme.example\njust-one-column\n"

    first = client.post(
        f"/api/v1/connectors/{connector_id}/accounts/links/import",
        content=body,
        headers={"content-type": "text/csv"},
    )
    again = client.post(
        f"/api/v1/connectors/{connector_id}/accounts/links/import",
        content=body,
        headers={"content-type": "text/csv"},
    )

    assert first.status_code == 200, first.text
    assert first.json() == {
        "linked": 2,
        "events_moved": 6,
        "seats_linked": 2,
        "rejected": [
            {"line": 4, "reason": "no one in the directory has the email or id 'nobody@acme.example'"},
            {"line": 5, "reason": "expected two columns, account and person"},
        ],
    }
    assert again.json()["events_moved"] == again.json()["seats_linked"] == 0
    assert events_of(world, workspace_id, store, "E-bob") == 1
    with session_scope(world.factory, workspace_id) as session:
        links = vendor_accounts_service.vendor_account_links(session, workspace_id, "github")
    assert links == {"octocat": people["ada"], "hubot": people["bob"]}
