"""The ``uptake`` command as a user runs it: help everywhere, one clear line for bad settings, audit verify."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from support import raw_engine
from uptake.audit import service as audit_service
from uptake.db import session_scope

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def uptake(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("UPTAKE_")}
    environment.update(env or {})
    environment["COLUMNS"] = "200"
    return subprocess.run(
        [sys.executable, "-m", "uptake", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=120,
        check=False,
    )


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


def test_audit_verify_names_the_tampered_entry(tmp_path, database_url, world) -> None:
    workspace = world.workspace(slug="acme")
    with session_scope(world.factory, workspace) as session:
        for index in range(4):
            audit_service.record_audit_entry(
                session, workspace, actor="system", action="t.x", target=f"t:{index}"
            )
    env = {"UPTAKE_DATA_DIR": str(tmp_path), "UPTAKE_DATABASE_URL": database_url}
    intact = uptake("audit", "verify", env=env)
    assert intact.returncode == 0
    assert "acme: 5 entries, chain intact" in intact.stdout

    engine = raw_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER audit_entry_no_update"))
        connection.execute(text("UPDATE audit_entry SET target = 't:forged' WHERE seq = 3"))
    engine.dispose()
    broken = uptake("audit", "verify", env=env)
    assert broken.returncode == 1
    assert "the chain breaks at entry #3" in broken.stderr
    assert "edited after it was written" in broken.stderr
