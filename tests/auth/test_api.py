"""The access API: my sessions, users and roles, API key expiry, SSO settings — through the ASGI app."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from support import as_caller
from uptake.access.roles import Role
from uptake.auth.models import SsoConfiguration


def test_users_are_listed_with_roles_and_can_be_granted_and_revoked(client: TestClient, world) -> None:
    workspace = world.workspace()
    admin = world.caller(workspace, Role.admin)
    ada = world.person(workspace, email="ada@acme.example", name="Ada Lovelace")
    as_caller(client, admin)

    created = client.post("/api/v1/users", json={"person_id": ada, "roles": ["reviewer"]})
    assert created.status_code == 201, created.text
    assert created.json() == {
        "person_id": ada,
        "display_name": "Ada Lovelace",
        "email": "ada@acme.example",
        "roles": ["reviewer"],
        "idp_roles": [],
        "is_active": True,
        "has_password": False,
        "last_login_at": None,
    }
    granted = client.put(f"/api/v1/users/{ada}/roles/program_lead")
    assert granted.json()["roles"] == ["program_lead", "reviewer"]
    revoked = client.delete(f"/api/v1/users/{ada}/roles/reviewer")
    assert revoked.json()["roles"] == ["program_lead"]
    listed = client.get("/api/v1/users").json()
    assert [(user["display_name"], user["roles"]) for user in listed] == [
        ("Ada Lovelace", ["program_lead"]),
        (listed[1]["display_name"], ["admin"]),
    ]


def test_a_role_that_is_not_for_people_is_refused(client: TestClient, world) -> None:
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.admin))
    person = world.person(workspace)
    response = client.put(f"/api/v1/users/{person}/roles/integration")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "role"


def test_the_last_admin_cannot_revoke_their_own_role(client: TestClient, world) -> None:
    workspace = world.workspace()
    admin = world.caller(workspace, Role.admin)
    as_caller(client, admin)
    response = client.delete(f"/api/v1/users/{admin.person_id}/roles/admin")
    assert response.status_code == 409
    assert "last active admin" in response.json()["detail"]


def test_deactivating_a_user_ends_their_sessions_at_once(client: TestClient, world) -> None:
    workspace = world.workspace()
    admin = world.caller(workspace, Role.admin)
    employee = world.caller(workspace, Role.employee)
    as_caller(client, admin)
    response = client.patch(f"/api/v1/users/{employee.person_id}", json={"is_active": False})
    assert response.json()["is_active"] is False
    other = TestClient(client.app)
    as_caller(other, employee)
    assert other.get("/api/v1/me").status_code == 401


def test_an_admin_sets_a_password_the_person_can_log_in_with(client: TestClient, world) -> None:
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.admin))
    person = world.person(workspace, email="new@acme.example", roles=[Role.employee])
    too_short = client.put(f"/api/v1/users/{person}/password", json={"password": "short"})
    assert too_short.status_code == 422
    assert (
        client.put(
            f"/api/v1/users/{person}/password", json={"password": "a long enough password"}
        ).status_code
        == 204
    )
    users = {user["person_id"]: user for user in client.get("/api/v1/users").json()}
    assert users[person]["has_password"] is True
    browser = TestClient(client.app)
    browser.get("/login")
    answer = browser.post(
        "/login",
        data={
            "email": "new@acme.example",
            "password": "a long enough password",
            "csrf_token": browser.cookies.get("uptake_csrf"),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303


def test_my_sessions_are_listed_and_one_can_be_ended(client: TestClient, world) -> None:
    workspace = world.workspace()
    caller = world.caller(workspace, Role.employee)
    second = world.caller(workspace, Role.employee)  # someone else's session is never listed
    as_caller(client, caller)
    sessions = client.get("/api/v1/me/sessions").json()
    assert len(sessions) == 1
    assert sessions[0]["is_current"] is True
    assert sessions[0]["method"] == "test"
    assert sessions[0]["user_agent"] == "pytest"
    other_browser = TestClient(client.app)
    as_caller(other_browser, second)
    other_id = other_browser.get("/api/v1/me/sessions").json()[0]["id"]
    assert client.delete(f"/api/v1/me/sessions/{other_id}").status_code == 404
    assert client.delete(f"/api/v1/me/sessions/{sessions[0]['id']}").status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_api_keys_show_expiry_and_last_use(client: TestClient, world) -> None:
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.admin))
    created = client.post(
        "/api/v1/api-keys", json={"name": "pilot", "scopes": ["admin"], "expires_in_days": 7}
    ).json()
    assert created["expires_at"] is not None
    assert created["last_used_at"] is None
    machine = TestClient(client.app)
    assert (
        machine.get("/api/v1/api-keys", headers={"authorization": f"Bearer {created['key']}"}).status_code
        == 200
    )
    listed = client.get("/api/v1/api-keys").json()
    assert listed[0]["last_used_at"] is not None
    invalid = client.post(
        "/api/v1/api-keys", json={"name": "x", "scopes": ["events:write"], "expires_in_days": 0}
    )
    assert invalid.status_code == 422


def test_me_tells_a_team_lead_their_teams(client: TestClient, world) -> None:
    from uptake.db import session_scope
    from uptake.directory.service import teams as teams_service

    workspace = world.workspace()
    lead = world.caller(workspace, Role.team_lead)
    with session_scope(world.factory, workspace) as session:
        team = teams_service.create_team(session, workspace, name="Claims")
        sub = teams_service.create_team(session, workspace, name="Claims Night", parent_id=team.id)
        teams_service.set_team_lead(session, workspace, team.id, lead.person_id)
        expected = sorted([team.id, sub.id])
    as_caller(client, lead)
    assert client.get("/api/v1/me").json()["team_ids"] == expected


def test_sso_settings_round_trip_without_ever_returning_the_secret(client: TestClient, world) -> None:
    workspace = world.workspace("acme-api")
    as_caller(client, world.caller(workspace, Role.admin))
    assert client.get("/api/v1/sso-configuration").status_code == 404
    body = {
        "provider_name": "Okta",
        "issuer_url": "https://acme.okta.example",
        "client_id": "0oa-uptake",
        "client_secret": "s3cr3t-value",
        "groups_claim": "groups",
        "role_mapping": {"ai-leads": "program_lead"},
    }
    saved = client.put("/api/v1/sso-configuration", json=body)
    assert saved.status_code == 200, saved.text
    assert "s3cr3t-value" not in saved.text
    assert saved.json()["client_secret_stored"] is True
    assert saved.json()["redirect_uri"] == "http://testserver/login/sso/acme-api/callback"
    assert saved.json()["role_mapping"] == {"ai-leads": "program_lead"}
    # Saving again without a secret keeps the stored one.
    changed = client.put(
        "/api/v1/sso-configuration", json={**body, "client_secret": None, "provider_name": "Okta SSO"}
    )
    assert changed.json()["provider_name"] == "Okta SSO"
    with world.session(workspace) as session:
        from uptake.auth import sso

        stored = session.scalar(select(SsoConfiguration))
        assert sso.decrypt_client_secret(world.settings, stored) == "s3cr3t-value"
    assert client.delete("/api/v1/sso-configuration").status_code == 204
    assert client.get("/api/v1/sso-configuration").status_code == 404


def test_sso_settings_are_checked(client: TestClient, world) -> None:
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.admin))
    response = client.put(
        "/api/v1/sso-configuration",
        json={
            "provider_name": "IdP",
            "issuer_url": "http://idp.example",
            "client_id": "c",
            "scopes": "email profile",
            "role_mapping": {"leads": "program_lead"},
        },
    )
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"issuer_url", "scopes", "client_secret", "groups_claim"}
    wrong_role = client.put(
        "/api/v1/sso-configuration",
        json={
            "provider_name": "IdP",
            "issuer_url": "https://idp.example",
            "client_id": "c",
            "client_secret": "x",
            "groups_claim": "groups",
            "role_mapping": {"leads": "integration"},
        },
    )
    assert wrong_role.status_code == 422
