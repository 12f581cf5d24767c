"""Local login, sessions, logout and API keys, through the ASGI app."""

from __future__ import annotations

from fastapi.testclient import TestClient

from support import as_caller
from uptake.access.roles import Role, Scope
from uptake.audit import service as audit_service

PASSWORD = "correct horse battery"


def _login(client: TestClient, email: str, password: str, next_path: str = "/"):
    client.get("/login")
    token = client.cookies.get("uptake_csrf")
    return client.post(
        "/login",
        data={"email": email, "password": password, "next": next_path, "csrf_token": token},
        follow_redirects=False,
    )


def test_login_with_password_opens_a_session(client: TestClient, world) -> None:
    workspace = world.workspace(name="Acme")
    world.person(
        workspace, roles=[Role.program_lead], email="lead@acme.example", password=PASSWORD, name="Lee"
    )
    response = _login(client, "Lead@Acme.example", PASSWORD, "/audit")
    assert response.status_code == 303
    assert response.headers["location"] == "/audit"
    home = client.get("/")
    assert home.status_code == 200
    assert "Acme" in home.text
    assert "Lee" in home.text


def test_wrong_password_says_so_and_locks_after_five(client: TestClient, world) -> None:
    workspace = world.workspace()
    world.person(workspace, roles=[Role.employee], email="e@example.com", password=PASSWORD)
    for _ in range(5):
        response = _login(client, "e@example.com", "wrong password!")
        assert response.status_code == 401
        assert "The email or password is wrong." in response.text
    response = _login(client, "e@example.com", PASSWORD)
    assert response.status_code == 429
    assert "try again after" in response.text


def test_open_redirect_after_login_is_refused(client: TestClient, world) -> None:
    workspace = world.workspace()
    world.person(workspace, roles=[Role.employee], email="e@example.com", password=PASSWORD)
    response = _login(client, "e@example.com", PASSWORD, "https://evil.example/")
    assert response.headers["location"] == "/"


def test_pages_send_anonymous_visitors_to_login(client: TestClient) -> None:
    response = client.get("/audit?verify=true", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Faudit%3Fverify%3Dtrue"


def test_logout_ends_the_session(client: TestClient, world) -> None:
    workspace = world.workspace()
    caller = world.caller(workspace, Role.employee)
    as_caller(client, caller)
    assert client.get("/api/v1/me").status_code == 200
    client.post("/logout", data={"csrf_token": caller.cookies["uptake_csrf"]}, follow_redirects=False)
    as_caller(client, caller)  # replay the old cookie
    assert client.get("/api/v1/me").status_code == 401


def test_logout_everywhere_revokes_every_session(client: TestClient, world) -> None:
    workspace = world.workspace()
    caller = world.caller(workspace, Role.employee)
    as_caller(client, caller)
    assert client.delete("/api/v1/me/sessions").json() == {"sessions_revoked": 1}
    assert client.get("/api/v1/me").status_code == 401


def test_api_key_is_shown_once_stored_hashed_and_revocable(client: TestClient, world) -> None:
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.admin))
    created = client.post("/api/v1/api-keys", json={"name": "support bot", "scopes": ["events:write"]})
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith(created.json()["prefix"] + "_")
    listed = client.get("/api/v1/api-keys").json()
    assert "key" not in listed[0]
    with world.session(workspace) as session:
        from sqlalchemy import select

        from uptake.auth.models import ApiKey

        stored = session.scalar(select(ApiKey))
        assert key not in (stored.secret_hash, stored.prefix)

    machine = TestClient(client.app)
    assert machine.get("/api/v1/me", headers={"authorization": f"Bearer {key}"}).status_code == 403
    revoked = client.delete(f"/api/v1/api-keys/{created.json()['id']}")
    assert revoked.status_code == 204
    after = machine.get("/api/v1/me", headers={"authorization": f"Bearer {key}"})
    assert after.status_code == 401
    assert after.json()["detail"] == "the API key is unknown, revoked or expired"


def test_a_key_of_one_workspace_sees_only_that_workspace(client: TestClient, world) -> None:
    first = world.workspace(name="First")
    second = world.workspace(name="Second")
    key = world.api_key(first, Scope.admin)
    response = client.get("/api/v1/workspace", headers={"authorization": f"Bearer {key}"})
    assert response.status_code == 403  # an admin-scoped key is not a person: workspace pages are for people
    as_caller(client, world.caller(second, Role.admin))
    assert client.get("/api/v1/workspace").json()["name"] == "Second"


def test_malformed_authorization_header_is_explained(client: TestClient) -> None:
    response = client.get("/api/v1/me", headers={"authorization": "Basic abc"})
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


def test_many_failures_from_one_address_are_slowed_down_across_emails(client: TestClient, world) -> None:
    from uptake.auth import service as auth_service

    workspace = world.workspace()
    world.person(workspace, roles=[Role.employee], email="real@example.com", password=PASSWORD)
    for number in range(auth_service.MAX_FAILED_LOGINS_PER_CLIENT):
        response = _login(client, f"guess{number}@example.com", "wrong password!")
        assert response.status_code == 401
    throttled = _login(client, "real@example.com", PASSWORD)
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["retry-after"]) <= 15 * 60
    assert "failed logins from your address" in throttled.text


def test_a_locked_account_says_when_to_retry(client: TestClient, world) -> None:
    workspace = world.workspace()
    world.person(workspace, roles=[Role.employee], email="e@example.com", password=PASSWORD)
    for _ in range(5):
        _login(client, "e@example.com", "wrong password!")
    locked = _login(client, "e@example.com", PASSWORD)
    assert locked.status_code == 429
    assert 14 * 60 <= int(locked.headers["retry-after"]) <= 15 * 60


def test_logging_in_again_replaces_the_previous_session(client: TestClient, world) -> None:
    workspace = world.workspace()
    world.person(workspace, roles=[Role.employee], email="e@example.com", password=PASSWORD)
    first = _login(client, "e@example.com", PASSWORD)
    old_cookie = first.cookies.get("uptake_session")
    second = _login(client, "e@example.com", PASSWORD)
    new_cookie = second.cookies.get("uptake_session")
    assert new_cookie
    assert new_cookie != old_cookie
    replay = TestClient(client.app)
    replay.cookies.set("uptake_session", old_cookie)
    assert replay.get("/api/v1/me").status_code == 401
    from sqlalchemy import select

    from uptake.auth.models import LoginSession

    with world.session(workspace) as session:
        logins = list(session.scalars(select(LoginSession).order_by(LoginSession.id)))
        assert [(login.method, login.revoked_at is not None) for login in logins] == [
            ("password", True),
            ("password", False),
        ]
        assert logins[1].ip_address == "testclient"


def test_session_cookie_is_http_only_and_same_site(client: TestClient, world) -> None:
    workspace = world.workspace()
    world.person(workspace, roles=[Role.employee], email="e@example.com", password=PASSWORD)
    response = _login(client, "e@example.com", PASSWORD)
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("uptake_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Max-Age=43200" in cookie


def test_logins_and_failed_logins_are_audited(client: TestClient, world) -> None:
    workspace = world.workspace()
    person = world.person(workspace, roles=[Role.employee], email="e@example.com", password=PASSWORD)
    assert _login(client, "e@example.com", "wrong password!").status_code == 401
    assert _login(client, "e@example.com", PASSWORD).status_code == 303
    with world.session(workspace) as session:
        entries = audit_service.list_audit_entries(session, workspace, action="auth.login")
    assert [(entry.action, entry.target, entry.after) for entry in reversed(entries)] == [
        ("auth.login.failed", f"person:{person}", {"method": "password"}),
        ("auth.login", f"person:{person}", {"method": "password"}),
    ]


def test_the_lock_out_answers_the_same_for_unknown_emails_and_counts_per_address(
    client: TestClient, world
) -> None:
    """As found: five wrong passwords locked a real account (429) but not an unknown email (401), telling which
    accounts exist; and anyone anywhere could lock a person out."""
    workspace = world.workspace()
    world.person(workspace, roles=[Role.employee], email="real@example.com", password=PASSWORD)
    answers = {}
    for email in ("real@example.com", "nobody@example.com"):
        for _ in range(5):
            assert _login(client, email, "wrong password!").status_code == 401
        sixth = _login(client, email, "wrong password!")
        answers[email] = (sixth.status_code, sixth.text.replace(email, "EMAIL"))
    assert answers["real@example.com"][0] == answers["nobody@example.com"][0] == 429
    with TestClient(client.app, client=("198.51.100.9", 50000)) as elsewhere:
        assert _login(elsewhere, "real@example.com", PASSWORD).status_code == 303
