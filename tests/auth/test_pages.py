"""The access pages a person uses: my account, users and roles, API keys, single sign-on settings."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from support import as_caller
from uptake.access.roles import Role
from uptake.auth.models import Account, SsoConfiguration


def form(client: TestClient, **fields: str) -> dict[str, str]:
    return {"csrf_token": client.cookies.get("uptake_csrf", ""), **fields}


def test_my_account_lists_my_sessions_and_logs_out_everywhere(client: TestClient, world) -> None:
    workspace = world.workspace()
    caller = world.caller(workspace, Role.reviewer)
    as_caller(client, caller)
    page = client.get("/account")
    assert page.status_code == 200
    assert caller.email in page.text
    assert "this browser" in page.text
    assert "reviewer" in page.text
    assert page.text.count('action="/account/sessions/') == 2  # one "End" button, one "Log out everywhere"

    ended = client.post("/account/sessions/end-all", data=form(client), follow_redirects=False)
    assert ended.status_code == 303
    assert ended.headers["location"] == "/login"
    as_caller(client, caller)
    assert client.get("/account", follow_redirects=False).headers["location"].startswith("/login")


def test_users_page_gives_access_grants_and_revokes(client: TestClient, world) -> None:
    workspace = world.workspace()
    admin = world.caller(workspace, Role.admin)
    person = world.person(workspace, email="lin@acme.example", name="Lin Park")
    as_caller(client, admin)

    unknown = client.post("/settings/users", data=form(client, email="nobody@acme.example", role="reviewer"))
    assert unknown.status_code == 422
    assert "nobody with the email nobody@acme.example" in unknown.text

    given = client.post(
        "/settings/users",
        data=form(client, email="lin@acme.example", role="reviewer"),
        follow_redirects=False,
    )
    assert given.status_code == 303
    page = client.get("/settings/users")
    assert "Lin Park" in page.text
    assert "Lin Park can now log in as reviewer." in page.text
    assert f'action="/settings/users/{person}/roles/reviewer/revoke"' in page.text

    client.post(f"/settings/users/{person}/roles", data=form(client, role="program_lead"))
    client.post(f"/settings/users/{person}/roles/reviewer/revoke", data=form(client))
    with world.session(workspace) as session:
        account = session.scalar(select(Account).where(Account.person_id == person))
        assert account.roles == ["program_lead"]


def test_users_page_sets_passwords_and_deactivates(client: TestClient, world) -> None:
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.admin))
    person = world.person(workspace, roles=[Role.employee])
    short = client.post(f"/settings/users/{person}/password", data=form(client, password="short"))
    assert "must be at least 12 characters long" in short.text
    client.post(f"/settings/users/{person}/password", data=form(client, password="long enough password"))
    client.post(f"/settings/users/{person}/deactivate", data=form(client))
    with world.session(workspace) as session:
        account = session.scalar(select(Account).where(Account.person_id == person))
        assert account.password_hash is not None
        assert account.is_active is False
    page = client.get("/settings/users")
    assert "deactivated" in page.text
    client.post(f"/settings/users/{person}/activate", data=form(client))
    with world.session(workspace) as session:
        assert session.scalar(select(Account.is_active).where(Account.person_id == person)) is True


def test_the_last_admin_is_told_why_they_cannot_deactivate_themselves(client: TestClient, world) -> None:
    workspace = world.workspace()
    admin = world.caller(workspace, Role.admin)
    as_caller(client, admin)
    answer = client.post(f"/settings/users/{admin.person_id}/deactivate", data=form(client))
    assert answer.status_code == 200
    assert "last active admin" in answer.text


def test_api_keys_page_creates_a_key_with_expiry(client: TestClient, world) -> None:
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.admin))
    page = client.get("/settings/api-keys")
    for scope in ("events:write", "entitlements:read", "feedback:write", "scim", "admin"):
        assert f'value="{scope}"' in page.text
    created = client.post(
        "/settings/api-keys",
        data=form(client, name="Support bot", scopes="feedback:write", expires_in_days="90"),
    )
    assert created.status_code == 201
    assert re.search(r"upk_[0-9a-f]{8}_", created.text)
    assert "never" in created.text  # last used: never
    bad = client.post("/settings/api-keys", data=form(client, name="x", scopes="scim", expires_in_days="0"))
    assert bad.status_code == 422
    assert "expires_in_days" in bad.text


def test_sso_settings_page_saves_and_never_shows_the_secret(client: TestClient, world) -> None:
    workspace = world.workspace("acme-page")
    as_caller(client, world.caller(workspace, Role.admin))
    page = client.get("/settings/sso")
    assert "http://testserver/login/sso/acme-page/callback" in page.text
    fields = {
        "provider_name": "Okta",
        "issuer_url": "https://acme.okta.example",
        "client_id": "0oa-client",
        "client_secret": "page-secret-value",
        "scopes": "openid email profile",
        "match_claim": "email",
        "groups_claim": "groups",
        "role_mapping": "ai-leads = program_lead\n# a comment\nreviewers=reviewer\n",
        "is_enabled": "on",
    }
    saved = client.post("/settings/sso", data=form(client, **fields), follow_redirects=False)
    assert saved.status_code == 303, saved.text
    page = client.get("/settings/sso")
    assert "page-secret-value" not in page.text
    assert "A secret is stored (encrypted)" in page.text
    assert "ai-leads = program_lead" in page.text
    with world.session(workspace) as session:
        stored = session.scalar(select(SsoConfiguration))
        assert stored.role_mapping == {"ai-leads": "program_lead", "reviewers": "reviewer"}
        assert stored.just_in_time_provisioning is False
    login = TestClient(client.app).get("/login")
    assert "Log in with Okta" in login.text

    invalid = client.post("/settings/sso", data=form(client, **{**fields, "role_mapping": "leads = boss"}))
    assert invalid.status_code == 422
    assert "boss is not a role a person can hold" in invalid.text

    removed = client.post("/settings/sso/delete", data=form(client), follow_redirects=False)
    assert removed.status_code == 303
    assert "Log in with Okta" not in TestClient(client.app).get("/login").text


def test_navigation_shows_admin_pages_to_admins_only(client: TestClient, world) -> None:
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.employee))
    home = client.get("/")
    assert 'href="/account"' in home.text
    assert 'href="/settings/users"' not in home.text
    as_caller(client, world.caller(workspace, Role.admin))
    home = client.get("/")
    assert 'href="/settings/users"' in home.text
    assert 'href="/settings/sso"' in home.text
