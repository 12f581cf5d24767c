"""``uptake workspaces``: create one per organization (its slug and time zone checked first), and list them."""

from __future__ import annotations

import pytest

from uptake.workspaces import service as workspaces_service

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_create_then_list(run, world) -> None:
    created = run("workspaces", "create", "acme", "Acme Corporation", "--timezone", "Europe/Berlin")
    assert created.exit_code == 0, created.output
    assert "Workspace 'acme' created (id " in created.output
    assert run("workspaces", "create", "globex", "Globex").exit_code == 0
    listed = run("workspaces", "list")
    assert listed.exit_code == 0, listed.output
    assert "Acme Corporation" in listed.output
    assert "Europe/Berlin" in listed.output
    assert "Globex" in listed.output
    with world.session() as session:
        acme = workspaces_service.get_workspace_by_slug(session, "acme")
        assert (acme.name, acme.timezone, acme.privacy_floor) == ("Acme Corporation", "Europe/Berlin", 5)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("Acme Corp", "Acme"), "error: slug: Value error, use lowercase letters, digits and hyphens"),
        (("acme", "Acme", "--timezone", "Mars/Olympus"), "error: timezone: "),
    ],
)
def test_a_bad_slug_or_time_zone_is_named_before_anything_is_stored(run, world, args, message) -> None:
    result = run("workspaces", "create", *args)
    assert result.exit_code != 0
    assert message in result.output
    with world.session() as session:
        assert workspaces_service.list_workspaces(session) == []


def test_a_slug_already_taken_is_refused(run, world) -> None:
    world.workspace("acme")
    result = run("workspaces", "create", "acme", "Another Acme")
    assert result.exit_code != 0
    assert "error: the slug 'acme' is taken; choose another" in result.output
