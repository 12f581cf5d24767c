"""``uptake migrate``: an empty database is upgraded to the newest schema; a second run says it already is."""

from __future__ import annotations

import pytest

from uptake.migrations.commands import head_revision

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_an_empty_database_is_upgraded_once(run, tmp_path) -> None:
    env = {"UPTAKE_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    first = run("migrate", env=env)
    assert first.exit_code == 0, first.output
    assert f"Database schema upgraded: empty → {head_revision()}" in first.output
    again = run("migrate", env=env)
    assert again.exit_code == 0, again.output
    assert f"The database is already at the newest schema ({head_revision()})." in again.output


def test_the_test_database_is_already_at_the_newest_schema(run) -> None:
    result = run("migrate")
    assert result.exit_code == 0, result.output
    assert "already at the newest schema" in result.output
