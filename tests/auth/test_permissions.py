"""Every route the app registers × every role: the allow/deny table below is the contract.

A route added without a row here fails ``test_every_route_has_a_rule``; a route whose access differs from its row
fails ``test_each_role_gets_exactly_its_access``. Keep the table in step with the routes, written by hand.
"""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from support import as_caller
from uptake.auth.roles import Role, Scope

ANON = "anonymous"
KEY = "integration"
ADMIN, LEAD, REVIEWER, TEAM_LEAD, EMPLOYEE = "admin", "program_lead", "reviewer", "team_lead", "employee"
ALL_CALLERS = (ANON, KEY, ADMIN, LEAD, REVIEWER, TEAM_LEAD, EMPLOYEE)

PUBLIC = frozenset(ALL_CALLERS)
PEOPLE = frozenset({ADMIN, LEAD, REVIEWER, TEAM_LEAD, EMPLOYEE})
ADMINS = frozenset({ADMIN})
REVIEWERS = frozenset({ADMIN, LEAD, REVIEWER})

EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    # operations
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    # workspace
    ("GET", "/api/v1/workspace"): PEOPLE,
    ("PATCH", "/api/v1/workspace"): ADMINS,
    ("GET", "/"): PEOPLE,
    ("GET", "/settings/workspace"): ADMINS,
    ("POST", "/settings/workspace"): ADMINS,
    # access
    ("GET", "/api/v1/me"): PEOPLE,
    ("DELETE", "/api/v1/me/sessions"): PEOPLE,
    ("GET", "/api/v1/api-keys"): ADMINS,
    ("POST", "/api/v1/api-keys"): ADMINS,
    ("DELETE", "/api/v1/api-keys/{key_id}"): ADMINS,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/settings/api-keys"): ADMINS,
    ("POST", "/settings/api-keys"): ADMINS,
    ("POST", "/settings/api-keys/{key_id}/revoke"): ADMINS,
    # audit
    ("GET", "/api/v1/audit/entries"): REVIEWERS,
    ("GET", "/api/v1/audit/verification"): REVIEWERS,
    ("GET", "/audit"): REVIEWERS,
    # jobs
    ("GET", "/api/v1/jobs"): ADMINS,
    ("POST", "/api/v1/jobs/{job_id}/retry"): ADMINS,
    ("GET", "/jobs"): ADMINS,
    ("POST", "/jobs/{job_id}/retry"): ADMINS,
}


def registered_routes(app) -> set[tuple[str, str]]:
    """Every (method, full path) the app answers, including routes of included routers."""
    found = set()
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            for method in set(context.methods or ()) - {"HEAD"}:
                found.add((method, context.path))
    return found


def test_every_route_has_a_rule(app) -> None:
    routes = registered_routes(app)
    missing = sorted(routes - EXPECTED.keys())
    stale = sorted(EXPECTED.keys() - routes)
    assert missing == [], "routes without a row in EXPECTED"
    assert stale == [], "rows in EXPECTED for routes that no longer exist"


@pytest.fixture
def callers(world):
    workspace = world.workspace()
    made = {role.value: world.caller(workspace, role) for role in Role if role != Role.integration}
    key = world.api_key(workspace, *[scope for scope in Scope if scope != Scope.admin])
    return workspace, made, key


def _call(client: TestClient, method: str, path: str):
    url = path.replace("{key_id}", "999999").replace("{job_id}", "999999")
    kwargs = {"json": {}} if method in ("POST", "PATCH", "PUT") and url.startswith("/api/") else {}
    if method in ("POST", "PATCH", "PUT") and not url.startswith("/api/"):
        kwargs = {"data": {"csrf_token": client.cookies.get("uptake_csrf", "")}}
    return client.request(method, url, follow_redirects=False, **kwargs)


def _is_denied(response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code == 303 and response.headers.get("location", "").startswith("/login?next=")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_each_role_gets_exactly_its_access(app, client: TestClient, callers) -> None:
    _, people, key = callers
    mismatches = []
    # Routes that end the caller's login come last, so they do not turn every later call into a 401.
    ending = {("DELETE", "/api/v1/me/sessions"), ("POST", "/logout")}
    for (method, path), allowed in sorted(EXPECTED.items(), key=lambda item: (item[0] in ending, item[0])):
        for caller in ALL_CALLERS:
            client.cookies.clear()
            client.headers.pop("X-CSRF-Token", None)
            client.headers.pop("Authorization", None)
            if caller == KEY:
                client.headers["Authorization"] = f"Bearer {key}"
            elif caller != ANON:
                as_caller(client, people[caller])
            else:
                client.cookies.set("uptake_csrf", "anonymous-token")
                client.headers["X-CSRF-Token"] = "anonymous-token"
            response = _call(client, method, path)
            if response.status_code >= 500:
                mismatches.append(f"{method} {path} as {caller}: server error {response.status_code}")
            elif _is_denied(response) == (caller in allowed):
                verdict = "denied" if _is_denied(response) else f"allowed ({response.status_code})"
                mismatches.append(f"{method} {path} as {caller}: {verdict}")
    assert not mismatches, "\n".join(mismatches)
