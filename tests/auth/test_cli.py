"""The access commands: ``uptake users grant/revoke/list/set-password``, ``uptake keys`` with expiry and
``uptake sso configure/show/remove``, run in-process against a test database."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from conftest import SECRET
from uptake.auth import sso
from uptake.auth.models import Account, ApiKey, SsoConfiguration
from uptake.auth.roles import Role
from uptake.cli import app

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def run(settings):
    runner = CliRunner()
    environment = {
        "UPTAKE_DATABASE_URL": settings.database_url,
        "UPTAKE_DATA_DIR": str(settings.data_dir),
        "UPTAKE_EVENTS_URL": settings.events_url,
        "UPTAKE_SECRET_KEY": SECRET,
        "COLUMNS": "200",
    }

    def invoke(*args: str, input: str | None = None) -> Outcome:
        result = runner.invoke(app, list(args), env=environment, input=input)
        failure = result.exception if not isinstance(result.exception, SystemExit) else None
        # main() prints an expected failure as one line; in-process, the exception carries that line.
        detail = "; ".join(f"{item.field}: {item.reason}" for item in getattr(failure, "errors", [])) or str(
            failure or ""
        )
        return Outcome(result.exit_code, result.output + (f"error: {detail}" if failure else ""))

    return invoke


@dataclass
class Outcome:
    exit_code: int
    output: str


def test_users_grant_revoke_and_list(run, world) -> None:
    workspace = world.workspace("acme")
    world.person(workspace, roles=[Role.admin], email="root@acme.example")
    person = world.person(workspace, email="kim@acme.example", name="Kim Lee")

    granted = run("users", "grant", "kim@acme.example", "reviewer")
    assert granted.exit_code == 0, granted.output
    assert "kim@acme.example now holds: reviewer." in granted.output
    assert run("users", "grant", "kim@acme.example", "team_lead").exit_code == 0
    revoked = run("users", "revoke", "kim@acme.example", "reviewer")
    assert "now holds: team_lead." in revoked.output
    listed = run("users", "list")
    assert "Kim Lee" in listed.output
    assert "team_lead" in listed.output
    with world.session(workspace) as session:
        assert session.scalar(select(Account.roles).where(Account.person_id == person)) == ["team_lead"]


def test_users_commands_explain_mistakes(run, world) -> None:
    workspace = world.workspace("acme")
    world.person(workspace, roles=[Role.admin], email="root@acme.example")
    unknown = run("users", "grant", "ghost@acme.example", "reviewer")
    assert unknown.exit_code != 0
    assert "nobody with the email ghost@acme.example" in unknown.output
    world.person(workspace, email="kim@acme.example")
    bad_role = run("users", "grant", "kim@acme.example", "integration")
    assert bad_role.exit_code != 0
    assert "integration cannot be given to a person" in bad_role.output
    last_admin = run("users", "revoke", "root@acme.example", "admin")
    assert last_admin.exit_code != 0
    assert "last active admin" in last_admin.output


def test_users_set_password(run, world) -> None:
    workspace = world.workspace("acme")
    person = world.person(workspace, email="kim@acme.example")
    result = run("users", "set-password", "kim@acme.example", "--password", "twelve chars ok")
    assert result.exit_code == 0, result.output
    with world.session(workspace) as session:
        assert session.scalar(select(Account.password_hash).where(Account.person_id == person)) is not None


def test_keys_create_with_expiry_and_list(run, world) -> None:
    workspace = world.workspace("acme")
    created = run("keys", "create", "pilot", "--scope", "events:write", "--expires-in-days", "14")
    assert created.exit_code == 0, created.output
    with world.session(workspace) as session:
        key = session.scalar(select(ApiKey))
        assert key.expires_at is not None
        expiry = f"{key.expires_at:%Y-%m-%d}"
    listed = run("keys", "list")
    assert expiry in listed.output
    assert "never" in listed.output  # never used


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
