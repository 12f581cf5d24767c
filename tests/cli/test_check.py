"""``uptake check``: the effective settings with secrets hidden, then one line per store, ✓ or ✗ with the fix."""

from __future__ import annotations

import pytest

from cli.command_line import uptake
from uptake.migrations.commands import head_revision

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_check_reports_each_store(tmp_path, database_url) -> None:
    env = {
        "UPTAKE_DATA_DIR": str(tmp_path),
        "UPTAKE_DATABASE_URL": database_url,
        "UPTAKE_SECRET_KEY": "s" * 40,
    }
    result = uptake("check", env=env)
    assert result.returncode == 0, result.stderr
    assert "set (hidden)" in result.stdout
    assert "s" * 40 not in result.stdout
    assert "✓ database" in result.stdout
    assert "(newest)" in result.stdout
    assert "✓ events store" in result.stdout


def test_an_empty_database_is_told_to_migrate(run, tmp_path) -> None:
    empty = tmp_path / "empty.db"
    result = run("check", env={"UPTAKE_DATABASE_URL": f"sqlite:///{empty}"})
    assert result.exit_code == 0, result.output
    assert f"schema empty; run 'uptake migrate' to reach {head_revision()}" in result.output


def test_a_data_dir_that_cannot_be_made_is_a_cross_and_exit_1(run, tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run("check", env={"UPTAKE_DATA_DIR": str(blocker / "data")})
    assert result.exit_code == 1
    assert "✗ data dir: UPTAKE_DATA_DIR:" in result.output
    assert "Effective settings" in result.output  # the table came first
    assert "set (hidden)" in result.output
