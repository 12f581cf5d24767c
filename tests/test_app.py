"""The application shell: problem+json errors, health, metrics, request ids, CSRF, commit at the edge."""

from __future__ import annotations

from fastapi.testclient import TestClient

from support import as_caller
from uptake.access.dependencies import SessionDep
from uptake.access.roles import Role, Scope
from uptake.app import create_app
from uptake.directory.models import Person


def test_unknown_api_path_is_problem_json(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404
    assert body["detail"] == "nothing is at /api/v1/nothing-here"
    assert body["request_id"] == response.headers["x-request-id"]


def test_unknown_page_is_an_html_error_page(client: TestClient) -> None:
    response = client.get("/nothing-here", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "nothing is at /nothing-here" in response.text
    assert "Go to the home page" in response.text


def test_invalid_input_names_each_field_and_reason(client: TestClient, world) -> None:
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.admin))
    response = client.patch(
        "/api/v1/workspace", json={"privacy_floor": 2, "timezone": "Mars/Olympus", "x": 1}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = {error["field"]: error["reason"] for error in response.json()["errors"]}
    assert errors["privacy_floor"] == "Input should be greater than or equal to 3"
    assert "IANA time zone" in errors["timezone"]
    assert errors["x"] == "Extra inputs are not permitted"


def test_valid_update_is_stored_and_audited(client: TestClient, world) -> None:
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.admin))
    response = client.patch("/api/v1/workspace", json={"privacy_floor": 7, "timezone": "Europe/Lisbon"})
    assert response.status_code == 200
    assert response.json()["privacy_floor"] == 7
    entries = client.get("/api/v1/audit/entries", params={"action": "workspace.updated"}).json()
    assert entries[0]["before"]["privacy_floor"] == 5
    assert entries[0]["after"]["privacy_floor"] == 7


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": {"ok": True}, "events": {"ok": True}}


def test_readiness_fails_when_a_store_is_gone(client: TestClient, app) -> None:
    from uptake.db import make_engine

    working = app.state.engine
    app.state.engine = make_engine("sqlite:////nonexistent-folder/uptake.db")
    try:
        response = client.get("/readyz")
    finally:
        app.state.engine.dispose()
        app.state.engine = working
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["checks"]["database"] == {
        "ok": False,
        "reason": "(sqlite3.OperationalError) unable to open database file",
    }
    assert response.json()["detail"] == "these stores do not answer: database"


def test_metrics_count_requests(client: TestClient, world) -> None:
    client.get("/healthz")
    assert client.get("/metrics").status_code == 401  # as found: open to anyone
    key = world.api_key(world.workspace(), Scope.metrics_read)
    text = client.get("/metrics", headers={"Authorization": f"Bearer {key}"}).text
    assert 'uptake_http_requests_total{method="GET",route="/healthz",status="200"}' in text


def test_metrics_public_opens_the_metrics_to_anyone(settings) -> None:
    with TestClient(
        create_app(settings.model_copy(update={"metrics_public": True}), start_worker=False)
    ) as client:
        assert client.get("/metrics").status_code == 200


def test_request_id_is_kept_when_sent(client: TestClient) -> None:
    response = client.get("/healthz", headers={"x-request-id": "abc123"})
    assert response.headers["x-request-id"] == "abc123"


def test_form_post_without_csrf_token_is_refused(client: TestClient, world) -> None:
    workspace = world.workspace()
    caller = world.caller(workspace, Role.admin)
    as_caller(client, caller)
    client.headers.pop("X-CSRF-Token")
    response = client.post("/settings/api-keys", data={"name": "x", "scopes": "events:write"})
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/csrf-token-missing"
    response = client.post(
        "/settings/api-keys",
        data={"name": "x", "scopes": "events:write", "csrf_token": caller.cookies["uptake_csrf"]},
    )
    assert response.status_code == 201
    assert "Copy it now" in response.text


def test_api_call_with_cookie_needs_the_csrf_header(client: TestClient, world) -> None:
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.admin))
    client.headers["X-CSRF-Token"] = "wrong"
    assert client.patch("/api/v1/workspace", json={"name": "New"}).status_code == 403


def test_first_visit_sets_the_csrf_cookie(client: TestClient) -> None:
    response = client.get("/login")
    assert "uptake_csrf=" in response.headers["set-cookie"]
    assert "SameSite=Strict" in response.headers["set-cookie"]


def test_a_failing_commit_answers_with_an_error_never_200(app, client: TestClient, world) -> None:
    workspace = world.workspace()
    world.person(workspace, email="taken@example.com")

    @app.post("/api/v1/test-duplicate", include_in_schema=False)
    def add_duplicate(session: SessionDep) -> dict[str, str]:
        from uptake.db import bind_workspace

        bind_workspace(session, workspace)
        session.add(Person(external_id="new", email="taken@example.com", display_name="Duplicate"))
        return {"status": "stored"}

    key = world.api_key(workspace, Scope.events_write)
    response = client.post("/api/v1/test-duplicate", headers={"authorization": f"Bearer {key}"})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    with world.session(workspace) as session:
        from sqlalchemy import func, select

        assert (
            session.scalar(
                select(func.count()).select_from(Person).where(Person.email == "taken@example.com")
            )
            == 1
        )


def test_openapi_is_served_under_the_api(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "uptake"
    assert "/api/v1/workspace" in spec["paths"]


def test_pages_carry_a_strict_content_security_policy_and_refuse_framing(client: TestClient) -> None:
    page = client.get("/login")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert client.get("/healthz").headers["x-content-type-options"] == "nosniff"


def test_cookies_are_secure_by_default_when_the_base_url_is_https(settings) -> None:
    assert not settings.effective_secure_cookies
    assert settings.model_copy(update={"base_url": "https://uptake.example.org"}).effective_secure_cookies
    assert not settings.model_copy(
        update={"base_url": "https://uptake.example.org", "secure_cookies": False}
    ).effective_secure_cookies
