"""The root of the ``uptake`` command: every command answers ``--help``; ``main`` turns a bad setting into one
clear line and a non-zero exit; the README's first steps run in order."""

from __future__ import annotations

import subprocess

import pytest

from cli.command_line import uptake

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def assert_one_clear_line(result: subprocess.CompletedProcess[str], setting: str, *fragments: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {setting}:"), lines[0]
    for fragment in fragments:
        assert fragment in lines[0]


def test_every_command_has_help(database_url) -> None:
    """Walks the whole command tree (so a new command is covered without a line here): each one answers --help."""
    import typer
    from typer.testing import CliRunner

    from uptake.cli import app

    assert uptake("--help").returncode == 0
    root = typer.main.get_command(app)
    runner = CliRunner()
    paths: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        paths.append(path)
        for name, child in getattr(command, "commands", {}).items():
            walk(child, [*path, name])

    walk(root, [])
    names = {" ".join(path) for path in paths}
    assert {
        "demo",
        "report",
        "metrics",
        "import people",
        "events prune",
        "people erase",
        "audit verify",
    } <= names
    for path in paths:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, f"uptake {' '.join(path)} --help: {result.output}"
        assert "Usage" in result.output


def test_the_commands_come_first_then_the_groups(database_url) -> None:
    import typer

    from uptake.cli import app

    assert list(typer.main.get_command(app).commands) == [
        "serve",
        "worker",
        "migrate",
        "check",
        "demo",
        "metrics",
        "report",
        "audit",
        "compliance",
        "users",
        "keys",
        "sso",
        "workspaces",
        "events",
        "people",
        "import",
        "connectors",
    ]


def test_unreachable_postgresql_is_one_line(tmp_path, database_url) -> None:
    result = uptake(
        "migrate",
        env={
            "UPTAKE_DATA_DIR": str(tmp_path),
            "UPTAKE_DATABASE_URL": "postgresql://uptake:secret@127.0.0.1:1/uptake",
        },
    )
    assert_one_clear_line(result, "UPTAKE_DATABASE_URL", "cannot connect", "start the database server")
    assert "secret" not in result.stderr


def test_unwritable_data_dir_is_one_line(tmp_path, database_url) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = uptake("migrate", env={"UPTAKE_DATA_DIR": str(blocker / "data")})
    assert_one_clear_line(result, "UPTAKE_DATA_DIR", "not a writable folder", "set UPTAKE_DATA_DIR")


def test_malformed_toml_is_one_line(tmp_path, database_url) -> None:
    config = tmp_path / "uptake.toml"
    config.write_text("[uptake]\nport = = 8000\n")
    result = uptake("check", "--config", str(config))
    assert_one_clear_line(result, "--config", "not valid TOML", "line 2")


def test_migrate_then_create_workspace_admin_and_key(tmp_path, database_url) -> None:
    env = {"UPTAKE_DATA_DIR": str(tmp_path / "data")}
    assert "upgraded" in uptake("migrate", env=env).stdout
    assert "already at the newest" in uptake("migrate", env=env).stdout
    assert uptake("workspaces", "create", "acme", "Acme Corp", env=env).returncode == 0
    made = uptake(
        "users", "create-admin", "root@acme.example", "--password", "a long enough password", env=env
    )
    assert made.returncode == 0, made.stderr
    key = uptake("keys", "create", "bot", "--scope", "events:write", env=env)
    assert key.returncode == 0
    assert key.stdout.strip().splitlines()[-1].startswith("upk_")
    bad = uptake("keys", "create", "bot", "--scope", "events:read", env=env)
    assert bad.returncode == 2
    assert "unknown scope 'events:read'" in bad.stderr
    weak = uptake("users", "create-admin", "b@acme.example", "--password", "short", env=env)
    assert weak.returncode == 1
    assert "password: must be at least 12 characters long" in weak.stderr
