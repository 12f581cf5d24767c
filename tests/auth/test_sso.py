"""Single sign-on end to end against a real OpenID Connect provider (oidc-provider-mock), run by the test.

The provider serves on 127.0.0.1 on a free port in a thread. Each test walks the browser's path: uptake's
``/login/sso/{workspace}`` → the provider's authorize endpoint (where the test picks the user, as a person would
on the provider's page) → uptake's callback, and then checks the session cookie belongs to the right person.
The provider is wrapped to enforce PKCE (S256) the way a real one does: a token request whose code verifier does
not match the authorization request's challenge is refused.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import oidc_provider_mock
import pytest
import werkzeug.serving
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi.testclient import TestClient
from sqlalchemy import select

from support import as_caller
from uptake.access.roles import Role
from uptake.audit.models import AuditEntry
from uptake.auth import schemas, sso
from uptake.auth.models import Account, LoginSession
from uptake.db import session_scope
from uptake.errors import InvalidInput

# The provider (oidc-provider-mock) uses Authlib server APIs that Authlib marks deprecated.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib.*")


@dataclass
class IdentityProvider:
    issuer: str
    challenges: dict[str, str] = field(default_factory=dict)  # code → S256 challenge of its authorization
    authorize_queries: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def set_user(self, subject: str, **claims: Any) -> None:
        response = httpx.put(f"{self.issuer}/users/{subject}", json=claims)
        assert response.status_code == 204, response.text


class PkceEnforcingProvider:
    """WSGI middleware around the mock provider: records the authorization requests and refuses a token
    request whose PKCE verifier does not hash to the challenge its code was issued for."""

    def __init__(self, app: Any, provider: IdentityProvider) -> None:
        self.app = app
        self.provider = provider

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path == "/oauth2/authorize" and environ["REQUEST_METHOD"] == "POST":
            query = {key: values[0] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
            self.provider.authorize_queries.append(query)

            def remember_code(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
                location = dict(headers).get("Location", "")
                code = parse_qs(urlsplit(location).query).get("code", [None])[0]
                if code and query.get("code_challenge_method") == "S256":
                    self.provider.challenges[code] = query["code_challenge"]
                return start_response(status, headers, *args)

            return self.app(environ, remember_code)
        if path == "/oauth2/token":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
            form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
            self.provider.token_requests.append(form)
            challenge = self.provider.challenges.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            if challenge is None or create_s256_code_challenge(verifier) != challenge:
                start_response("400 Bad Request", [("Content-Type", "application/json")])
                return [b'{"error": "invalid_grant", "error_description": "PKCE verification failed"}']
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def identity_provider() -> Iterator[IdentityProvider]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    provider = IdentityProvider(issuer="")
    application = PkceEnforcingProvider(oidc_provider_mock.app(require_nonce=True), provider)
    server = werkzeug.serving.make_server("127.0.0.1", 0, application, threaded=True)
    provider.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def configure_sso(world, workspace_id: int, issuer: str, **fields: Any) -> None:
    body = schemas.SsoConfigurationSave(
        provider_name=fields.pop("provider_name", "Acme IdP"),
        issuer_url=issuer,
        client_id="uptake-test-client",
        client_secret="client-secret-for-tests",  # type: ignore[arg-type]
        **fields,
    )
    with session_scope(world.factory, workspace_id) as session:
        sso.save_sso_configuration(session, world.settings, workspace_id, body, actor="system")


def log_in_at_provider(client: TestClient, workspace_slug: str, subject: str, next_path: str | None = None):
    """The browser's round trip: uptake → the provider (the user picks ``subject``) → uptake's callback."""
    start = client.get(
        f"/login/sso/{workspace_slug}",
        params={"next": next_path} if next_path else None,
        follow_redirects=False,
    )
    assert start.status_code == 303, start.text
    authorize_url = start.headers["location"]
    at_provider = httpx.post(authorize_url, data={"sub": subject}, follow_redirects=False)
    assert at_provider.status_code == 302, at_provider.text
    callback = urlsplit(at_provider.headers["location"])
    assert callback.path == f"/login/sso/{workspace_slug}/callback"
    return client.get(f"{callback.path}?{callback.query}", follow_redirects=False)


def test_sso_login_opens_a_session_for_the_right_person_with_roles_from_groups(
    client: TestClient, world, identity_provider: IdentityProvider
) -> None:
    workspace = world.workspace("acme-sso", name="Acme")
    world.person(workspace, email="someone.else@acme.example", name="Someone Else")
    alice = world.person(workspace, email="alice@acme.example", name="Alice Example")
    configure_sso(
        world,
        workspace,
        identity_provider.issuer,
        groups_claim="groups",
        role_mapping={"ai-leads": "program_lead", "auditors": "reviewer"},
    )
    identity_provider.set_user(
        "alice-subject",
        email="Alice@Acme.example",
        email_verified=True,
        name="Alice",
        groups=["ai-leads", "everyone"],
    )

    finished = log_in_at_provider(client, "acme-sso", "alice-subject", next_path="/account")

    assert finished.status_code == 303, finished.text
    assert finished.headers["location"] == "/account"
    cookies = finished.headers.get_list("set-cookie")
    session_cookie = next(cookie for cookie in cookies if cookie.startswith("uptake_session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=lax" in session_cookie
    assert any(cookie.startswith("uptake_sso=") and "Max-Age=0" in cookie for cookie in cookies)
    me = client.get("/api/v1/me").json()
    assert me["person_id"] == alice
    assert me["workspace_id"] == workspace
    assert set(me["roles"]) == {"employee", "program_lead"}
    # The authorization request used the code flow with PKCE S256, state and nonce, as the provider saw it.
    query = identity_provider.authorize_queries[-1]
    assert query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256"
    assert query["state"]
    assert query["nonce"]
    assert query["redirect_uri"] == "http://testserver/login/sso/acme-sso/callback"
    assert "code_verifier" in identity_provider.token_requests[-1]
    with world.session(workspace) as session:
        login = session.scalar(select(LoginSession).where(LoginSession.person_id == alice))
        assert login.method == "sso"
        account = session.scalar(select(Account).where(Account.person_id == alice))
        assert account.roles == []
        assert account.idp_roles == ["program_lead"]
        assert account.last_login_at is not None
        entry = session.scalar(
            select(AuditEntry).where(AuditEntry.action == "auth.account.idp_roles_changed")
        )
        assert entry.target == f"person:{alice}"
        assert "alice" not in str(entry.after).lower()


def test_groups_removed_at_the_provider_remove_the_role_at_the_next_login(
    client: TestClient, world, identity_provider: IdentityProvider
) -> None:
    workspace = world.workspace("groups-sso")
    bob = world.person(workspace, email="bob@acme.example", roles=[Role.reviewer])
    configure_sso(
        world, workspace, identity_provider.issuer, groups_claim="groups", role_mapping={"admins": "admin"}
    )
    identity_provider.set_user("bob-subject", email="bob@acme.example", groups=["admins"])
    assert log_in_at_provider(client, "groups-sso", "bob-subject").status_code == 303
    assert set(client.get("/api/v1/me").json()["roles"]) == {"admin", "reviewer", "employee"}

    identity_provider.set_user("bob-subject", email="bob@acme.example", groups=[])
    client.cookies.clear()
    assert log_in_at_provider(client, "groups-sso", "bob-subject").status_code == 303
    me = client.get("/api/v1/me").json()
    assert me["person_id"] == bob
    assert set(me["roles"]) == {"reviewer", "employee"}  # the role granted in uptake stays


def test_an_unknown_person_is_refused_with_a_clear_message(
    client: TestClient, world, identity_provider: IdentityProvider
) -> None:
    workspace = world.workspace("strict-sso", name="Strict")
    configure_sso(world, workspace, identity_provider.issuer)
    identity_provider.set_user("stranger-subject", email="stranger@elsewhere.example")

    refused = log_in_at_provider(client, "strict-sso", "stranger-subject")

    assert refused.status_code == 403
    assert "stranger@elsewhere.example" in refused.text
    assert "not in this workspace" in refused.text or "nobody with that email" in refused.text
    assert not any(cookie.startswith("uptake_session=") for cookie in refused.headers.get_list("set-cookie"))
    assert client.get("/api/v1/me").status_code == 401


def test_just_in_time_provisioning_adds_the_person_when_turned_on(
    client: TestClient, world, identity_provider: IdentityProvider
) -> None:
    workspace = world.workspace("jit-sso")
    configure_sso(world, workspace, identity_provider.issuer, just_in_time_provisioning=True)
    identity_provider.set_user("newcomer-subject", email="newcomer@acme.example", name="New Comer")

    assert log_in_at_provider(client, "jit-sso", "newcomer-subject").status_code == 303

    me = client.get("/api/v1/me").json()
    assert me["display_name"] == "New Comer"
    assert me["roles"] == ["employee"]
    from uptake.directory.service import people as people_service

    with world.session(workspace) as session:
        person = people_service.get_person(session, workspace, me["person_id"])
        assert person.email == "newcomer@acme.example"
        assert person.external_id == "newcomer-subject"


def test_people_can_be_matched_by_subject(
    client: TestClient, world, identity_provider: IdentityProvider
) -> None:
    workspace = world.workspace("subject-sso")
    from uptake.directory.service import people as people_service

    with session_scope(world.factory, workspace) as session:
        carol = people_service.create_person(
            session, workspace, email="carol@acme.example", display_name="Carol", external_id="00u-carol"
        ).id
    configure_sso(world, workspace, identity_provider.issuer, match_claim="subject", scopes="openid profile")
    identity_provider.set_user("00u-carol", name="Carol")  # no email at all: the subject is enough

    assert log_in_at_provider(client, "subject-sso", "00u-carol").status_code == 303
    assert client.get("/api/v1/me").json()["person_id"] == carol


def test_a_callback_with_another_state_is_refused(
    client: TestClient, world, identity_provider: IdentityProvider
) -> None:
    workspace = world.workspace("state-sso")
    world.person(workspace, email="dave@acme.example")
    configure_sso(world, workspace, identity_provider.issuer)
    identity_provider.set_user("dave-subject", email="dave@acme.example")
    start = client.get("/login/sso/state-sso", follow_redirects=False)
    at_provider = httpx.post(start.headers["location"], data={"sub": "dave-subject"}, follow_redirects=False)
    callback = urlsplit(at_provider.headers["location"])
    forged = {key: values[0] for key, values in parse_qs(callback.query).items()} | {"state": "forged"}

    refused = client.get(callback.path, params=forged, follow_redirects=False)

    assert refused.status_code == 400
    assert "does not belong to the login this browser started" in refused.text
    assert client.get("/api/v1/me").status_code == 401


def test_a_callback_without_the_browser_cookie_is_refused(
    client: TestClient, world, identity_provider: IdentityProvider
) -> None:
    workspace = world.workspace("cookie-sso")
    configure_sso(world, workspace, identity_provider.issuer)
    refused = client.get("/login/sso/cookie-sso/callback?code=abc&state=xyz", follow_redirects=False)
    assert refused.status_code == 400
    assert "start again" in refused.text


def test_the_provider_refusing_is_shown(
    client: TestClient, world, identity_provider: IdentityProvider
) -> None:
    workspace = world.workspace("deny-sso")
    configure_sso(world, workspace, identity_provider.issuer)
    start = client.get("/login/sso/deny-sso", follow_redirects=False)
    denied = httpx.post(start.headers["location"], data={"action": "deny"}, follow_redirects=False)
    callback = urlsplit(denied.headers["location"])
    shown = client.get(f"{callback.path}?{callback.query}", follow_redirects=False)
    assert shown.status_code == 401
    assert "access_denied" in shown.text


def test_a_deactivated_account_cannot_log_in_by_sso(
    client: TestClient, world, identity_provider: IdentityProvider
) -> None:
    from uptake.auth import service as auth_service

    workspace = world.workspace("off-sso")
    erin = world.person(workspace, email="erin@acme.example", roles=[Role.employee])
    world.person(workspace, roles=[Role.admin])
    with session_scope(world.factory, workspace) as session:
        auth_service.set_account_active(session, workspace, erin, False, actor="system")
    configure_sso(world, workspace, identity_provider.issuer)
    identity_provider.set_user("erin-subject", email="erin@acme.example")
    refused = log_in_at_provider(client, "off-sso", "erin-subject")
    assert refused.status_code == 403
    assert "deactivated" in refused.text


def test_sso_login_replaces_the_browsers_previous_session(
    client: TestClient, world, identity_provider: IdentityProvider
) -> None:
    workspace = world.workspace("rotate-sso")
    frank = world.caller(workspace, Role.employee)
    configure_sso(world, workspace, identity_provider.issuer)
    identity_provider.set_user("frank-subject", email=frank.email)
    as_caller(client, frank)
    old_cookie = client.cookies.get("uptake_session")

    finished = log_in_at_provider(client, "rotate-sso", "frank-subject")

    assert finished.status_code == 303
    new_cookie = finished.cookies.get("uptake_session")
    assert new_cookie
    assert new_cookie != old_cookie
    fresh = TestClient(client.app)
    fresh.cookies.set("uptake_session", new_cookie)
    assert fresh.get("/api/v1/me").json()["person_id"] == frank.person_id
    replay = TestClient(client.app)
    replay.cookies.set("uptake_session", old_cookie)
    assert replay.get("/api/v1/me").status_code == 401


def test_the_login_page_offers_one_button_per_workspace_with_sso(
    client: TestClient, world, identity_provider: IdentityProvider
) -> None:
    first = world.workspace("north", name="Northwind")
    second = world.workspace("south", name="Southwind")
    world.workspace("plain", name="Plain")
    configure_sso(world, first, identity_provider.issuer, provider_name="Okta")
    configure_sso(world, second, identity_provider.issuer, provider_name="Entra ID")
    page = client.get("/login")
    assert page.status_code == 200
    assert "Log in with Okta" in page.text
    assert "Log in with Entra ID" in page.text
    assert 'action="/login/sso/north"' in page.text
    assert 'action="/login/sso/south"' in page.text
    assert "/login/sso/plain" not in page.text


def test_sso_for_a_workspace_without_it_says_so(client: TestClient, world) -> None:
    world.workspace("nosso")
    response = client.get("/login/sso/nosso", follow_redirects=False)
    assert response.status_code == 404
    assert "not set up for this workspace" in response.text
    assert client.get("/login/sso/no-such-workspace", follow_redirects=False).status_code == 404


def test_an_unreachable_provider_is_a_clear_error(client: TestClient, world) -> None:
    workspace = world.workspace("down-sso")
    configure_sso(world, workspace, "http://127.0.0.1:9")  # the discard port: nothing answers
    response = client.get("/login/sso/down-sso", follow_redirects=False)
    assert response.status_code == 502
    assert "did not answer" in response.text


def test_an_unverified_email_never_provisions_a_person(
    client: TestClient, world, identity_provider: IdentityProvider
) -> None:
    """As found: matched by subject with just-in-time provisioning, an email the provider marks unverified
    became a directory person's email."""
    workspace = world.workspace("unverified-sso")
    configure_sso(
        world, workspace, identity_provider.issuer, match_claim="subject", just_in_time_provisioning=True
    )
    identity_provider.set_user("claims-ceo", email="ceo@acme.example", email_verified=False)
    refused = log_in_at_provider(client, "unverified-sso", "claims-ceo")
    assert refused.status_code == 401
    assert "not verified" in refused.text


def test_a_missing_email_verified_claim_follows_the_setting(
    world, identity_provider: IdentityProvider
) -> None:
    workspace = world.workspace("strict-sso")
    configure_sso(world, workspace, identity_provider.issuer)
    with world.session(workspace) as session:
        configuration = sso.get_sso_configuration(session, workspace)
    claims = {"sub": "s", "email": "e@acme.example"}
    strict = world.settings.model_copy(update={"sso_missing_email_verified": "refuse"})
    with pytest.raises(sso.SsoLoginRefused, match="does not say"):
        sso._check_email_verified(configuration, claims, "e@acme.example", strict)
    sso._check_email_verified(configuration, claims, "e@acme.example", world.settings)  # accept: the default


def test_an_http_issuer_is_refused_outside_development_mode(world) -> None:
    workspace = world.workspace()
    production = world.settings.model_copy(update={"development_mode": False})
    body = schemas.SsoConfigurationSave(
        provider_name="Acme IdP",
        issuer_url="http://127.0.0.1:9/",
        client_id="uptake-test-client",
        client_secret="client-secret-for-tests",  # type: ignore[arg-type]
    )
    with world.session(workspace) as session, pytest.raises(InvalidInput) as refused:
        sso.save_sso_configuration(session, production, workspace, body, actor="system")
    assert refused.value.errors[0].field == "issuer_url"
    with world.session(workspace) as session:
        sso.save_sso_configuration(session, world.settings, workspace, body, actor="system")  # development
