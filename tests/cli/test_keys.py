"""``uptake keys``: create (printed once, stored as a hash), list with expiry and last use, revoke."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from uptake.auth.models import ApiKey

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


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


def test_the_key_is_printed_once_and_stored_as_a_hash(run, world) -> None:
    workspace = world.workspace("acme")
    created = run("keys", "create", "bot", "-s", "events:write", "-s", "feedback:write")
    assert created.exit_code == 0, created.output
    plaintext = created.output.strip().splitlines()[-1]
    assert plaintext.startswith("upk_")
    assert "created with scopes events:write, feedback:write" in created.output
    with world.session(workspace) as session:
        key = session.scalar(select(ApiKey))
        assert plaintext not in (key.secret_hash, key.prefix)
        assert plaintext.startswith(key.prefix)
    assert plaintext not in run("keys", "list").output


def test_revoke_a_key_then_list_it_as_revoked(run, world) -> None:
    workspace = world.workspace("acme")
    assert run("keys", "create", "bot", "--scope", "events:write").exit_code == 0
    with world.session(workspace) as session:
        key_id = session.scalar(select(ApiKey.id))
    revoked = run("keys", "revoke", str(key_id))
    assert revoked.exit_code == 0, revoked.output
    assert "is revoked." in revoked.output
    with world.session(workspace) as session:
        assert session.scalar(select(ApiKey.revoked_at)) is not None


def test_an_unknown_scope_names_the_choices(run, world) -> None:
    workspace = world.workspace("acme")
    result = run("keys", "create", "bot", "--scope", "events:read")
    assert result.exit_code != 0
    assert "--scope: unknown scope 'events:read'; choose from events:write" in result.output
    with world.session(workspace) as session:
        assert session.scalar(select(ApiKey)) is None
