"""``uptake audit verify``: an intact chain per workspace, and the first tampered entry named (exit 1)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from cli.command_line import uptake
from support import raw_engine
from uptake.audit import service as audit_service
from uptake.db import session_scope

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_audit_verify_names_the_tampered_entry(tmp_path, database_url, world) -> None:
    workspace = world.workspace(slug="acme")
    with session_scope(world.factory, workspace) as session:
        for index in range(4):
            audit_service.record_audit_entry(
                session, workspace, actor="system", action="t.x", target=f"t:{index}"
            )
    env = {
        "UPTAKE_DATA_DIR": str(world.settings.data_dir),
        "UPTAKE_DATABASE_URL": database_url,
        "UPTAKE_SECRET_KEY": world.settings.effective_secret_key,
    }
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


def test_one_workspace_or_every_one(run, world) -> None:
    world.workspace(slug="acme")
    world.workspace(slug="globex")
    every = run("audit", "verify")
    assert every.exit_code == 0, every.output
    assert "acme:" in every.output
    assert "globex:" in every.output
    one = run("audit", "verify", "--workspace", "globex")
    assert one.exit_code == 0, one.output
    assert "globex:" in one.output
    assert "acme" not in one.output
    unknown = run("audit", "verify", "--workspace", "initech")
    assert unknown.exit_code != 0
    assert "initech" in unknown.output


def test_audit_seal_checkpoints_every_chain(run, world) -> None:
    world.workspace(slug="acme")
    (world.settings.data_dir / "audit-checkpoint.json").unlink()
    missing = run("audit", "verify")
    assert missing.exit_code == 1
    assert "uptake audit seal" in missing.output
    sealed = run("audit", "seal")
    assert sealed.exit_code == 0, sealed.output
    assert "acme: 1 entries, head checkpointed" in sealed.output
    assert run("audit", "verify").exit_code == 0
