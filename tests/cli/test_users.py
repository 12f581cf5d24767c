"""``uptake users``: the first admin, grant, revoke, set-password and list, run in-process against a test
database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from uptake.access.roles import Role
from uptake.auth.models import Account

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


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


def test_create_admin_asks_for_the_password_twice_and_adds_the_person(run, world) -> None:
    workspace = world.workspace("acme")
    made = run("users", "create-admin", "root@acme.example", "--name", "Root", input="a long password\n" * 2)
    assert made.exit_code == 0, made.output
    assert "root@acme.example is an admin and can log in with the password given." in made.output
    listed = run("users", "list")
    assert "Root" in listed.output
    assert "admin" in listed.output
    with world.session(workspace) as session:
        account = session.scalar(select(Account))
        assert account.roles == ["admin"]
        assert account.password_hash is not None


def test_a_command_needs_a_workspace_to_work_in(run, world) -> None:
    nothing = run("users", "list")
    assert nothing.exit_code != 0
    assert (
        "there is no workspace yet — create one with 'uptake workspaces create SLUG NAME'" in nothing.output
    )
    world.workspace("acme")
    world.workspace("globex")
    several = run("users", "list")
    assert several.exit_code != 0
    assert "there are several workspaces (acme, globex) — choose one with --workspace SLUG" in several.output
    assert run("users", "list", "--workspace", "globex").exit_code == 0
