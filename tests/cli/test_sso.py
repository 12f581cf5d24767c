"""``uptake sso``: configure, show, check and remove a workspace's OpenID Connect provider, in-process against a
test database. ``check`` asks a real provider (oidc-provider-mock, served on this machine)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import oidc_provider_mock
import pytest
import werkzeug.serving
from sqlalchemy import select

from uptake.auth import sso
from uptake.auth.models import SsoConfiguration

# The provider (oidc-provider-mock) uses Authlib server APIs that Authlib marks deprecated.
pytestmark = [
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib.*"),
]


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    """The issuer URL of an OpenID Connect provider answering on this machine."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = werkzeug.serving.make_server("127.0.0.1", 0, oidc_provider_mock.app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def test_sso_configure_show_and_remove(run, world) -> None:
    workspace = world.workspace("acme")
    first = run(
        "sso",
        "configure",
        "--issuer",
        "https://acme.okta.example",
        "--client-id",
        "0oa-cli",
        "--client-secret",
        "cli-secret-value",
        "--name",
        "Okta",
        "--groups-claim",
        "groups",
        "--role-map",
        "ai-leads=program_lead",
        "--role-map",
        "auditors=reviewer",
    )
    assert first.exit_code == 0, first.output
    assert "/login/sso/acme/callback" in first.output
    # Options not given keep their saved value, the secret included.
    second = run("sso", "configure", "--jit")
    assert second.exit_code == 0, second.output
    with world.session(workspace) as session:
        stored = session.scalar(select(SsoConfiguration))
        assert stored.provider_name == "Okta"
        assert stored.role_mapping == {"ai-leads": "program_lead", "auditors": "reviewer"}
        assert stored.just_in_time_provisioning is True
        assert sso.decrypt_client_secret(world.settings, stored) == "cli-secret-value"
    shown = run("sso", "show")
    assert shown.exit_code == 0
    assert "0oa-cli" in shown.output
    assert "cli-secret-value" not in shown.output
    assert "stored (encrypted)" in shown.output
    bad = run("sso", "configure", "--role-map", "no-equals-sign")
    assert bad.exit_code != 0
    assert "GROUP=ROLE" in bad.output
    assert run("sso", "remove").exit_code == 0
    assert run("sso", "show").exit_code != 0


def test_sso_configure_needs_issuer_and_client_the_first_time(run, world) -> None:
    world.workspace("acme")
    result = run("sso", "configure", "--client-secret", "x")
    assert result.exit_code != 0
    assert "--issuer and --client-id are needed" in result.output


def test_the_client_secret_is_asked_for_the_first_time(run, world) -> None:
    workspace = world.workspace("acme")
    result = run(
        "sso", "configure", "--issuer", "https://acme.okta.example", "--client-id", "0oa-cli", input="typed\n"
    )
    assert result.exit_code == 0, result.output
    assert "Single sign-on with Single sign-on saved for 'acme'" in result.output
    assert "UPTAKE_BASE_URL is not set" in result.output
    with world.session(workspace) as session:
        stored = session.scalar(select(SsoConfiguration))
        assert sso.decrypt_client_secret(world.settings, stored) == "typed"


def test_a_value_the_schema_refuses_names_its_field(run, world) -> None:
    world.workspace("acme")
    result = run(
        "sso", "configure", "--issuer", "https://acme.okta.example", "--client-id", "c", "--client-secret", "s",
        "--match", "shoe-size",
    )  # fmt: skip
    assert result.exit_code != 0
    assert "error: match_claim: " in result.output


def test_check_asks_the_provider_as_a_login_would(run, world, issuer) -> None:
    world.workspace("acme")
    configured = run("sso", "configure", "--issuer", issuer, "--client-id", "c", "--client-secret", "s")
    assert configured.exit_code == 0, configured.output
    result = run("sso", "check")
    assert result.exit_code == 0, result.output
    assert f"✓ issuer {issuer} answers" in result.output
    assert "token endpoint: " in result.output
    assert "keys: " in result.output


def test_check_says_when_the_secret_cannot_be_read(run, world, issuer) -> None:
    world.workspace("acme")
    assert (
        run("sso", "configure", "--issuer", issuer, "--client-id", "c", "--client-secret", "s").exit_code == 0
    )
    result = run("sso", "check", env={"UPTAKE_SECRET_KEY": "another-secret-key-" + "y" * 40})
    assert result.exit_code == 1
    assert "the stored client secret cannot be read — run 'uptake sso configure' again" in result.output


def test_check_names_a_provider_that_does_not_answer(run, world) -> None:
    world.workspace("acme")
    configured = run(
        "sso", "configure", "--issuer", "http://127.0.0.1:9", "--client-id", "c", "--client-secret", "s"
    )  # the discard port: nothing answers
    assert configured.exit_code == 0, configured.output
    result = run("sso", "check")
    assert result.exit_code != 0
    assert "did not answer" in result.output
