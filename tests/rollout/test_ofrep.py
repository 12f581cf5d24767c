"""OFREP against a live server, asked by the real OpenFeature SDK and its OFREP provider; the protocol's
error bodies and the bulk endpoint's ETag."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openfeature import api as openfeature
from openfeature.contrib.provider.ofrep import OFREPProvider
from openfeature.evaluation_context import EvaluationContext
from openfeature.exception import ErrorCode
from openfeature.flag_evaluation import Reason

from rollout.rollout_builders import USE_CASE, build_organization, create_plan, live_use_case
from support import as_caller
from uptake.access.roles import Role, Scope
from uptake.db import session_scope
from uptake.directory.service import teams as teams_service
from uptake.rollout import service
from uptake_sdk.client import Client

# The machine running the tests may be busy: a slow answer is not what these tests are about.
TIMEOUT = 30.0


def post(url: str, **kwargs) -> httpx.Response:
    return httpx.post(url, timeout=TIMEOUT, **kwargs)


@pytest.fixture
def rolled_out(live_server):
    world = live_server.world
    organization = build_organization(world)
    workspace = organization.workspace_id
    live_use_case(world, workspace)
    create_plan(world, workspace, [{"name": "pilot", "team_ids": [organization.support]}])
    with session_scope(world.factory, workspace) as session:
        service.start_rollout(session, workspace, USE_CASE, actor="test")
    return organization, world.api_key(workspace, Scope.entitlements_read)


@pytest.fixture
def openfeature_client(live_server, rolled_out) -> Iterator[openfeature.OpenFeatureClient]:
    _, key = rolled_out
    provider = OFREPProvider(
        live_server.base_url, headers_factory=lambda: {"Authorization": f"Bearer {key}"}, timeout=TIMEOUT
    )
    openfeature.set_provider(provider)
    yield openfeature.get_client()
    openfeature.clear_providers()


# Out of `make clock`: at +45 days (CI, 2026-12-07) the provider got ERROR, not TARGETING_MATCH. Repeated at +45 days
# (17 runs, load 2 to 15 on 2 cores) it failed once, and then in its sibling below (GENERAL instead of
# FLAG_NOT_FOUND): a transport failure under load, not a date; under libfaketime these calls take 3 to 4 times as
# long. The assertions now carry the provider's error message, so the next failure names its cause.
@pytest.mark.clockless
def test_an_openfeature_client_is_answered_and_pausing_flips_the_next_answer(
    live_server, rolled_out, openfeature_client
):
    organization, _ = rolled_out
    agent = EvaluationContext(targeting_key=organization.emails[organization.agents[0]])
    analyst = EvaluationContext(targeting_key=organization.external_ids[organization.analysts[0]])

    granted = openfeature_client.get_boolean_details(USE_CASE, False, agent)
    assert (granted.value, granted.reason, granted.variant) == (True, Reason.TARGETING_MATCH, "on"), (
        granted.error_code,
        granted.error_message,
    )
    assert granted.flag_metadata["wave"] == "pilot"
    not_yet = openfeature_client.get_boolean_details(USE_CASE, True, analyst)
    assert (not_yet.value, not_yet.reason, not_yet.variant) == (False, Reason.DEFAULT, "off")

    with session_scope(live_server.world.factory, organization.workspace_id) as session:
        service.pause_rollout(
            session, organization.workspace_id, USE_CASE, "a severity-1 incident", actor="test"
        )
    paused = openfeature_client.get_boolean_details(USE_CASE, True, agent)
    assert (paused.value, paused.reason) == (False, Reason.DISABLED)


def test_protocol_errors_reach_the_openfeature_client_with_their_codes(
    live_server, rolled_out, openfeature_client
):
    organization, _ = rolled_out
    agent = EvaluationContext(targeting_key=organization.emails[organization.agents[0]])
    missing = openfeature_client.get_boolean_details("no-such-use-case", False, agent)
    assert (missing.value, missing.error_code) == (False, ErrorCode.FLAG_NOT_FOUND), missing.error_message
    anonymous = openfeature_client.get_boolean_details(USE_CASE, False, EvaluationContext())
    assert anonymous.error_code == ErrorCode.TARGETING_KEY_MISSING, anonymous.error_message


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "PARSE_ERROR"),
        (b"[1, 2]", "PARSE_ERROR"),
        (b'{"context": "jane"}', "INVALID_CONTEXT"),
        (b'{"context": {"targetingKey": 7}}', "INVALID_CONTEXT"),
        (b'{"context": {}}', "TARGETING_KEY_MISSING"),
        (b"{}", "TARGETING_KEY_MISSING"),
    ],
)
def test_a_bad_request_gets_the_protocols_error_body(live_server, rolled_out, body, code):
    _, key = rolled_out
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    single = post(live_server.url(f"/ofrep/v1/evaluate/flags/{USE_CASE}"), content=body, headers=headers)
    assert (single.status_code, single.json()["errorCode"], single.json()["key"]) == (400, code, USE_CASE)
    assert single.json()["errorDetails"]
    bulk = post(live_server.url("/ofrep/v1/evaluate/flags"), content=body, headers=headers)
    assert (bulk.status_code, bulk.json()["errorCode"]) == (400, code)


def test_bulk_evaluation_answers_every_use_case_with_an_etag(live_server, rolled_out):
    organization, key = rolled_out
    live_use_case(live_server.world, organization.workspace_id, "summarize-calls")
    headers = {"Authorization": f"Bearer {key}"}
    body = {"context": {"targetingKey": organization.emails[organization.agents[0]]}}
    first = post(live_server.url("/ofrep/v1/evaluate/flags"), json=body, headers=headers)
    assert first.status_code == 200
    flags = {flag["key"]: flag for flag in first.json()["flags"]}
    assert (flags[USE_CASE]["value"], flags[USE_CASE]["reason"]) == (True, "TARGETING_MATCH")
    assert (flags["summarize-calls"]["value"], flags["summarize-calls"]["reason"]) == (False, "DEFAULT")
    etag = first.headers["ETag"]
    again = post(
        live_server.url("/ofrep/v1/evaluate/flags"), json=body, headers={**headers, "If-None-Match": etag}
    )
    assert (again.status_code, again.headers["ETag"]) == (304, etag)
    with session_scope(live_server.world.factory, organization.workspace_id) as session:
        service.pause_rollout(session, organization.workspace_id, USE_CASE, "kill switch", actor="test")
    changed = post(
        live_server.url("/ofrep/v1/evaluate/flags"), json=body, headers={**headers, "If-None-Match": etag}
    )
    assert changed.status_code == 200
    assert {flag["key"]: flag["reason"] for flag in changed.json()["flags"]}[USE_CASE] == "DISABLED"


def test_the_sdk_downloads_the_state_evaluates_locally_and_sees_a_pause_at_its_next_refresh(
    live_server, rolled_out
):
    organization, key = rolled_out
    agent = organization.emails[organization.agents[0]]
    client = Client(live_server.base_url, key, refresh_interval=3600, timeout=TIMEOUT)
    try:
        assert client.wait_for_rollout_state(timeout=10)
        assert client.check(agent, USE_CASE).wave == "pilot"
        with session_scope(live_server.world.factory, organization.workspace_id) as session:
            service.pause_rollout(session, organization.workspace_id, USE_CASE, "kill switch", actor="test")
        assert client.entitled(agent, USE_CASE)  # until the next refresh
        assert client.refresh_rollout_state()
        assert client.check(agent, USE_CASE).reason == "DISABLED"
    finally:
        client.close(timeout=2)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
request_bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.dictionaries(
        st.sampled_from(["context", "flags", "targetingKey"]),
        st.dictionaries(st.sampled_from(["targetingKey", "email", "team"]), json_values, max_size=3)
        | json_values,
        max_size=2,
    ).map(lambda value: json.dumps(value).encode()),
)


@pytest.mark.clockless  # generated request bodies, not dates
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_request_body_breaks_ofrep(world, client) -> None:
    """OFREP stays out of the OpenAPI document the API fuzz test reads, so it is fuzzed here."""
    workspace = world.workspace()
    live_use_case(world, workspace)
    headers = {"Authorization": f"Bearer {world.api_key(workspace, Scope.entitlements_read)}"}

    @given(body=request_bodies, key=st.sampled_from([USE_CASE, "no-such", "x" * 70]))
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def fuzz(body: bytes, key: str) -> None:
        single = client.post(f"/ofrep/v1/evaluate/flags/{key}", content=body, headers=headers)
        assert single.status_code in (200, 400, 404), single.text
        assert single.headers["content-type"] == "application/json"
        bulk = client.post("/ofrep/v1/evaluate/flags", content=body, headers=headers)
        assert bulk.status_code in (200, 400), bulk.text
        if bulk.status_code == 400:
            assert bulk.json()["errorCode"] in ("PARSE_ERROR", "INVALID_CONTEXT", "TARGETING_KEY_MISSING")

    fuzz()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_person_asks_ofrep_only_about_themself_and_the_teams_they_lead(world, client, organization) -> None:
    """As found: an employee's evaluation with a colleague's targetingKey returned the colleague's entitlements."""
    workspace = organization.workspace_id
    live_use_case(world, workspace)
    colleague = {"context": {"targetingKey": organization.emails[organization.agents[0]]}}
    employee = world.caller(workspace, Role.employee)
    as_caller(client, employee)
    for url in (f"/ofrep/v1/evaluate/flags/{USE_CASE}", "/ofrep/v1/evaluate/flags"):
        refused = client.post(url, json=colleague)
        assert refused.status_code == 403, refused.text
        assert "missing" not in refused.text
        assert client.post(url, json={"context": {"targetingKey": employee.email}}).status_code == 200
    team_lead = world.caller(workspace, Role.team_lead)
    with session_scope(world.factory, workspace) as session:
        teams_service.set_team_lead(session, workspace, organization.support, team_lead.person_id)
    as_caller(client, team_lead)
    assert client.post("/ofrep/v1/evaluate/flags", json=colleague).status_code == 200
    analyst = {"context": {"targetingKey": organization.emails[organization.analysts[0]]}}
    assert client.post("/ofrep/v1/evaluate/flags", json=analyst).status_code == 403
    key = world.api_key(workspace, Scope.entitlements_read)
    client.cookies.clear()
    answer = client.post("/ofrep/v1/evaluate/flags", json=analyst, headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 200
    assert answer.json()["flags"]
