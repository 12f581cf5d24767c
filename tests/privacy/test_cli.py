"""`uptake people export` and `uptake people erase` (the real command)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from uptake.directory.service import people as people_service

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def uptake(settings, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("UPTAKE_")}
    environment.update(
        UPTAKE_DATA_DIR=str(settings.data_dir),
        UPTAKE_DATABASE_URL=settings.effective_database_url,
        UPTAKE_EVENTS_URL=settings.effective_events_url,
        UPTAKE_SECRET_KEY=settings.effective_secret_key,
        COLUMNS="200",
    )
    return subprocess.run(
        [sys.executable, "-m", "uptake", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_export_to_a_file_then_erase(world, settings, tmp_path: Path) -> None:
    workspace_id = world.workspace()
    person_id = world.person(workspace_id, email="erin@example.com", name="Erin Example")

    written = uptake(
        settings, "people", "export", "erin@example.com", "--output", str(tmp_path / "erin.json")
    )
    assert written.returncode == 0, written.stderr
    assert json.loads((tmp_path / "erin.json").read_text())["person"]["display_name"] == "Erin Example"
    written = uptake(
        settings, "people", "export", "erin@example.com", "--output", str(tmp_path / "erin.json")
    )
    assert written.returncode == 0, written.stderr
    assert json.loads((tmp_path / "erin.json").read_text())["person"]["id"] == person_id

    unknown = uptake(settings, "people", "erase", "nobody@example.com", "--yes")
    assert unknown.returncode == 1
    assert "nobody@example.com" in unknown.stderr

    erased = uptake(settings, "people", "erase", "erin@example.com", "--yes")
    assert erased.returncode == 0, erased.stderr
    assert f"Person {person_id} erased" in erased.stdout
    with world.session(workspace_id) as session:
        assert people_service.get_person_by_email(session, workspace_id, "erin@example.com") is None
