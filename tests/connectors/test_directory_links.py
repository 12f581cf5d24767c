"""Who is who from the directory's own sources: a people CSV's `github_login`/`microsoft_upn` columns and SCIM's
uptake extension link vendor accounts to people; the usage and seats stored under an account before the link
become the person's (the job the link queues); an account claimed for two people is refused, by row or by 409."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.connectors_builders import FakeGitHub, add_github_connector, make_workspace, seat, user_day
from support import job_context
from uptake.access.roles import Scope
from uptake.connectors import service
from uptake.db import session_scope
from uptake.directory import people_import
from uptake.directory.scim_discovery import UPTAKE_SCHEMA, USER_SCHEMA
from uptake.directory.service import people as people_service
from uptake.directory.service import vendor_accounts as vendor_accounts_service
from uptake.jobs import service as jobs_service
from uptake.jobs.schemas import JobStatus
from uptake.licences import service as licences_service
from uptake.telemetry import service as telemetry_service
from uptake.telemetry.event_store import EventStore

NOW = datetime(2025, 7, 3, 6, 0, tzinfo=UTC)
YESTERDAY = NOW.date() - timedelta(days=1)
HEADER = "employee_id,email,name,GitHub Login,UPN"
SCIM = "application/scim+json"


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


def synced_workspace(world, github, store) -> int:
    """A workspace whose GitHub connector stored seats and usage under logins nobody is linked to yet."""
    workspace_id = make_workspace(world)
    connector_id = add_github_connector(world, workspace_id, github, backfill_days=1)
    with session_scope(world.factory, workspace_id) as session:
        run = service.sync_connector(
            session,
            workspace_id,
            connector_id,
            installation_key=world.settings.effective_secret_key,
            store=store,
            trigger="test",
            now=NOW,
            sleep=lambda seconds: None,
        )
    assert run.stored["events"] == 6
    return workspace_id


def import_people(world, workspace_id, *rows: str, dry_run: bool = False):
    lines = [line + "\n" for line in (HEADER, *rows)]
    with session_scope(world.factory, workspace_id) as session:
        return people_import.import_people(session, workspace_id, lines, dry_run=dry_run, actor="person:1")


def run_queued_take_overs(world, workspace_id) -> list[dict]:
    """Run the take-over jobs the links queued, as the server's worker does."""
    results = []
    with session_scope(world.factory) as session:
        jobs = jobs_service.list_jobs(session, workspace_id, statuses=[JobStatus.queued])
        queued = [(job.id, job.payload) for job in jobs if job.name == service.REATTRIBUTE_JOB]
    for job_id, payload in sorted(queued):
        with session_scope(world.factory) as session:
            context = job_context(world, session, service.REATTRIBUTE_JOB, workspace_id)
            context.payload = payload
            results.append(service.take_over_linked_accounts_job(context))
            jobs_service.get_job(session, job_id, workspace_id).status = JobStatus.succeeded
    return results


def events_of(world, workspace_id, store, identifier: str) -> int:
    with session_scope(world.factory, workspace_id) as session:
        key = telemetry_service.pseudonym_key(session, workspace_id)
    return len(store.events_for_person(workspace_id, telemetry_service.pseudonymize_person(key, identifier)))


def links_of(world, workspace_id, vendor: str) -> dict[str, tuple[int, str]]:
    with session_scope(world.factory, workspace_id) as session:
        return {
            link.account: (link.person_id, link.source)
            for link in vendor_accounts_service.list_vendor_account_links(session, workspace_id, vendor)
        }


def person_id(world, workspace_id, external_id: str) -> int:
    with session_scope(world.factory, workspace_id) as session:
        person = people_service.get_person_by_external_id(session, workspace_id, external_id)
        assert person is not None
        return person.id


def test_a_people_csv_links_logins_and_the_usage_stored_before_becomes_the_people_s(world, github, store):
    workspace_id = synced_workspace(world, github, store)
    assert events_of(world, workspace_id, store, "octocat") == 5

    dry = import_people(world, workspace_id, "E-ada,ada@acme.example,Ada,OctoCat,", dry_run=True)
    assert (dry.created, dry.accounts_linked) == (1, 1)
    assert links_of(world, workspace_id, "github") == {}

    report = import_people(
        world,
        workspace_id,
        "E-ada,ada@acme.example,Ada,OctoCat,",
        "E-bob,bob@acme.example,Bob,hubot,bob.m365@acme.onmicrosoft.com",
        "E-cy,cy@acme.example,Cy,,",
    )

    assert (report.created, report.rejected, report.accounts_linked) == (3, 0, 3)
    ada, bob = person_id(world, workspace_id, "E-ada"), person_id(world, workspace_id, "E-bob")
    assert links_of(world, workspace_id, "github") == {
        "octocat": (ada, "people_import"),
        "hubot": (bob, "people_import"),
    }
    assert links_of(world, workspace_id, "microsoft") == {
        "bob.m365@acme.onmicrosoft.com": (bob, "people_import")
    }
    # the usage moves when the server's worker runs the job the import queued
    assert events_of(world, workspace_id, store, "octocat") == 5
    [result] = run_queued_take_overs(world, workspace_id)
    assert result == {"accounts": 3, "events_moved": 6, "seats_linked": 2}
    assert events_of(world, workspace_id, store, "octocat") == 0
    assert events_of(world, workspace_id, store, "E-ada") == 5
    assert events_of(world, workspace_id, store, "E-bob") == 1
    with session_scope(world.factory, workspace_id) as session:
        assert licences_service.unlinked_seat_accounts(session, workspace_id, "github-copilot") == [
            "monalisa"
        ]

    again = import_people(world, workspace_id, "E-ada,ada@acme.example,Ada,octocat,")
    assert (again.unchanged, again.accounts_linked) == (1, 0)
    assert run_queued_take_overs(world, workspace_id) == []


def test_a_login_claimed_for_two_people_rejects_the_row_naming_the_column_and_keeps_the_rest(world):
    workspace_id = make_workspace(world)
    import_people(world, workspace_id, "E-zed,zed@acme.example,Zed,monalisa,")

    report = import_people(
        world,
        workspace_id,
        "E-ada,ada@acme.example,Ada,octocat,",
        "E-bob,bob@acme.example,Bob,OCTOCAT,",  # the same login as line 2
        "E-cy,cy@acme.example,Cy,monalisa,",  # Zed's already
        "E-dee,dee@acme.example,Dee,not a login,",
        "E-eve,eve@acme.example,Eve,,eve at acme",
        "E-zed,zed@acme.example,Zed Z,monalisa,",  # Zed keeps it
    )

    assert [rejection.as_dict() for rejection in report.rejections] == [
        {
            "line": 3,
            "external_id": "E-bob",
            "column": "GitHub Login",
            "reason": "octocat is already E-ada's on line 2; an account is one person's",
        },
        {
            "line": 4,
            "external_id": "E-cy",
            "column": "GitHub Login",
            "reason": "monalisa is linked to E-zed already; an account is one person's "
            "(move the link on the connector's accounts page)",
        },
        {
            "line": 5,
            "external_id": "E-dee",
            "column": "GitHub Login",
            "reason": "'not a login' is not a GitHub login (letters, digits, '-' and '_')",
        },
        {
            "line": 6,
            "external_id": "E-eve",
            "column": "UPN",
            "reason": "'eve at acme' is not a user principal name (no spaces), like ada@example.com",
        },
    ]
    assert (report.created, report.updated, report.accounts_linked) == (1, 1, 1)
    assert links_of(world, workspace_id, "github") == {
        "octocat": (person_id(world, workspace_id, "E-ada"), "people_import"),
        "monalisa": (person_id(world, workspace_id, "E-zed"), "people_import"),
    }


def scim_user(user_name: str, **uptake: str) -> dict:
    body: dict = {
        "schemas": [USER_SCHEMA, UPTAKE_SCHEMA],
        "userName": user_name,
        "emails": [{"value": user_name, "primary": True}],
        "displayName": user_name.split("@")[0].title(),
    }
    if uptake:
        body[UPTAKE_SCHEMA] = uptake
    return body


def test_scim_s_uptake_extension_links_accounts_and_refuses_one_linked_to_someone_else(
    client, world, github, store
):
    workspace_id = synced_workspace(world, github, store)
    headers = {"Authorization": f"Bearer {world.api_key(workspace_id, Scope.scim)}", "Content-Type": SCIM}

    created = client.post(
        "/scim/v2/Users", json=scim_user("ada@acme.example", githubLogin="OctoCat"), headers=headers
    )

    assert created.status_code == 201, created.text
    ada = int(created.json()["id"])
    assert created.json()[UPTAKE_SCHEMA] == {"githubLogin": "OctoCat"}
    assert UPTAKE_SCHEMA in created.json()["schemas"]
    assert links_of(world, workspace_id, "github") == {"octocat": (ada, "scim")}
    assert run_queued_take_overs(world, workspace_id) == [
        {"accounts": 1, "events_moved": 5, "seats_linked": 1}
    ]
    assert events_of(world, workspace_id, store, "ada@acme.example") == 5  # SCIM's externalId: the userName

    taken = client.post(
        "/scim/v2/Users", json=scim_user("bob@acme.example", githubLogin="octocat"), headers=headers
    )
    assert taken.status_code == 409, taken.text
    assert taken.json()["scimType"] == "uniqueness"
    assert taken.json()["detail"] == f"githubLogin 'octocat' is linked to another person (id {ada})"

    bad = client.post(
        "/scim/v2/Users", json=scim_user("cy@acme.example", githubLogin="no spaces"), headers=headers
    )
    assert bad.status_code == 400, bad.text
    assert bad.json()["scimType"] == "invalidValue"
    assert "githubLogin" in bad.json()["detail"]

    patched = client.patch(
        f"/scim/v2/Users/{ada}",
        json={
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {
                    "op": "replace",
                    "path": f"{UPTAKE_SCHEMA}:microsoftUpn",
                    "value": "ada@acme.onmicrosoft.com",
                }
            ],
        },
        headers=headers,
    )
    assert patched.status_code == 200, patched.text
    assert links_of(world, workspace_id, "microsoft") == {"ada@acme.onmicrosoft.com": (ada, "scim")}


def test_the_scim_schemas_and_resource_types_publish_the_uptake_extension(client, world):
    workspace_id = world.workspace()
    headers = {"Authorization": f"Bearer {world.api_key(workspace_id, Scope.scim)}"}

    schema = client.get(f"/scim/v2/Schemas/{UPTAKE_SCHEMA}", headers=headers)
    user_type = client.get("/scim/v2/ResourceTypes/User", headers=headers)

    assert schema.status_code == 200, schema.text
    assert [(item["name"], item["type"], item["uniqueness"]) for item in schema.json()["attributes"]] == [
        ("githubLogin", "string", "server"),
        ("microsoftUpn", "string", "server"),
    ]
    assert {"schema": UPTAKE_SCHEMA, "required": False} in user_type.json()["schemaExtensions"]
