"""``uptake people export`` and ``uptake people erase`` (the real command)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.command_line import environment_of, uptake
from uptake.directory.service import people as people_service

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.mark.slow
def test_export_to_a_file_then_erase(world, settings, tmp_path: Path) -> None:
    workspace_id = world.workspace()
    person_id = world.person(workspace_id, email="erin@example.com", name="Erin Example")
    env = environment_of(settings)

    written = uptake("people", "export", "erin@example.com", "--output", str(tmp_path / "erin.json"), env=env)
    assert written.returncode == 0, written.stderr
    assert json.loads((tmp_path / "erin.json").read_text())["person"]["display_name"] == "Erin Example"
    written = uptake("people", "export", "erin@example.com", "--output", str(tmp_path / "erin.json"), env=env)
    assert written.returncode == 0, written.stderr
    assert json.loads((tmp_path / "erin.json").read_text())["person"]["id"] == person_id

    unknown = uptake("people", "erase", "nobody@example.com", "--yes", env=env)
    assert unknown.returncode == 1
    assert "nobody@example.com" in unknown.stderr

    erased = uptake("people", "erase", "erin@example.com", "--yes", env=env)
    assert erased.returncode == 0, erased.stderr
    assert f"Person {person_id} erased" in erased.stdout
    with world.session(workspace_id) as session:
        assert people_service.get_person_by_email(session, workspace_id, "erin@example.com") is None


def test_export_to_stdout_is_the_json_alone(run, world) -> None:
    workspace_id = world.workspace()
    world.person(workspace_id, email="erin@example.com", name="Erin Example")
    result = run("people", "export", "erin@example.com")
    assert result.exit_code == 0, result.output
    exported = json.loads(result.output)
    assert exported["person"]["display_name"] == "Erin Example"
    assert exported["events"] == []


def test_erase_asks_first_and_a_no_keeps_the_person(run, world) -> None:
    workspace_id = world.workspace()
    world.person(workspace_id, email="erin@example.com")
    refused = run("people", "erase", "erin@example.com", input="n\n")
    assert refused.exit_code == 1
    assert "Erase erin@example.com and their events? This cannot be undone" in refused.output
    assert "Aborted" in refused.output
    with world.session(workspace_id) as session:
        assert people_service.get_person_by_email(session, workspace_id, "erin@example.com") is not None
    kept = run("people", "erase", "erin@example.com", "--keep-aggregates", input="y\n")
    assert kept.exit_code == 0, kept.output
    assert "0 events re-keyed to an unlinkable pseudonym" in kept.output
