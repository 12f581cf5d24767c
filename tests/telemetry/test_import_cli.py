"""`uptake import github-copilot` and `uptake import m365-copilot` as a user runs them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures_path import require_shared_fixtures

SHARED_FIXTURES_DIR = require_shared_fixtures()

SAMPLES = Path(__file__).parent / "samples"

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def uptake(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("UPTAKE_")}
    environment.update(env)
    environment["COLUMNS"] = "200"
    return subprocess.run(
        [sys.executable, "-m", "uptake", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_reports_import_and_bad_files_are_one_clear_line(tmp_path, database_url, world) -> None:
    world.workspace("acme")
    env = {"UPTAKE_DATA_DIR": str(tmp_path / "cli-data"), "UPTAKE_DATABASE_URL": database_url}
    people_map = tmp_path / "logins.csv"
    people_map.write_text("account,person\noctocat,octo@acme.example\n")
    report_answer = SHARED_FIXTURES_DIR / "github-copilot-metrics" / "copilot-users-usage-metrics.json"

    github = uptake(
        "import", "github-copilot", str(SAMPLES / "github-copilot-users-1-day.ndjson"), "--people-map", str(people_map),
        env=env,
    )  # fmt: skip
    m365 = uptake("import", "m365-copilot", str(SAMPLES / "m365-copilot-usage-user-detail.csv"), env=env)
    links = uptake("import", "github-copilot", str(report_answer), env=env)

    assert github.returncode == 0, github.stderr
    assert "11 events from github-copilot-users-1-day.ndjson: 11 stored, 0 already stored, 0 problem(s)." in (
        github.stdout
    )
    assert "not in the catalog yet (stored all the same): github-copilot" in github.stdout
    assert m365.returncode == 0, m365.stderr
    assert "5 events from m365-copilot-usage-user-detail.csv: 5 stored" in m365.stdout
    assert "note: 1 licensed person(s) show no Copilot activity" in m365.stdout
    assert links.returncode == 2
    assert "Traceback" not in links.stderr
    [line] = [line for line in links.stderr.splitlines() if line.strip()]
    assert line.startswith("error: ")
    assert "2025-07-01 to 2025-07-28" in line


def test_import_lists_its_sources(database_url) -> None:
    result = uptake("import", "--help", env={})
    assert result.returncode == 0
    assert "github-copilot" in result.stdout
    assert "m365-copilot" in result.stdout


@pytest.mark.slow
def test_a_store_held_by_a_running_server_is_one_clear_line(tmp_path, database_url, world) -> None:
    from uptake.telemetry.event_store import EventStore

    world.workspace("acme")
    data_dir = tmp_path / "cli-data"
    env = {"UPTAKE_DATA_DIR": str(data_dir), "UPTAKE_DATABASE_URL": database_url}
    data_dir.mkdir()
    with EventStore(f"duckdb:///{data_dir / 'events.duckdb'}"):  # as the server holds it
        result = uptake(
            "import", "m365-copilot", str(SAMPLES / "m365-copilot-usage-user-detail.csv"), env=env
        )
    assert result.returncode == 2
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith("error: cannot open the events store")
    assert "upload the report on its Import usage page" in line
