"""``uptake import`` as a user runs it: people from CSV (every bad row with line, column and reason; the exit
status non-zero only when the file cannot be read; ``--dry-run``), a folder of training modules, the GitHub
Copilot and Microsoft 365 Copilot usage reports, and licence seats (published to the figures, or queued for the
running server's worker)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from cli.command_line import uptake
from discovery.discovery_builders import generic_csv, make_organization, umbrella_log, umbrella_row
from enablement.enablement_builders import module_source
from fixtures_path import require_shared_fixtures
from licences.licences_builders import make_ledger
from uptake.db import session_scope
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.discovery import figures as discovery_figures
from uptake.enablement.service import modules as modules_service
from uptake.jobs import service as jobs_service
from uptake.jobs.service import JobContext
from uptake.licences import seats, service
from uptake.settings import Settings

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

SAMPLES = Path(__file__).parents[1] / "telemetry" / "samples"


# -- people -----------------------------------------------------------------------------------------------------

HEADER = "employee_id,mail,name,title,team,manager,location,status,start_date"


def import_people(csv_path: Path, database_url: str, data_dir: Path, *options: str):
    environment = {
        "UPTAKE_DATA_DIR": str(data_dir),
        "UPTAKE_DATABASE_URL": database_url,
        "UPTAKE_SECRET_KEY": "s" * 40,
    }
    return uptake("import", "people", str(csv_path), *options, env=environment)


def table_rows(output: str) -> list[list[str]]:
    """The cells of each row of the "Rows not imported" table Rich printed."""
    rows = []
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("│┃").split("│")]
        if len(cells) == 4 and cells[0].isdigit():
            rows.append(cells)
    return rows


def test_a_thousand_rows_with_ten_bad_ones_import_990_and_report_the_ten(
    tmp_path, database_url, world
) -> None:
    workspace = world.workspace(slug="acme")
    lines = [HEADER, "E0000,boss@example.com,The Boss,CEO,Leadership,,Hamburg,active,2015-01-01"]
    expected: list[list[str]] = []
    for number in range(1, 1000):
        external_id, email, start, manager = (
            f"E{number:04d}",
            f"person{number}@example.com",
            "2020-02-01",
            "E0000",
        )
        line = number + 2
        if number % 100 == 50:
            kind = (number // 100) % 3
            if kind == 0:
                email = "not-an-email"
                expected.append([str(line), external_id, "mail", "'not-an-email' is not an email address"])
            elif kind == 1:
                start = "31/02/2020"
                expected.append(
                    [str(line), external_id, "start_date", "'31/02/2020' must be a date like 2024-03-01"]
                )
            else:
                manager = "E9999"
                expected.append(
                    [
                        str(line),
                        external_id,
                        "manager",
                        "no person with external id E9999 in this file or the directory",
                    ]
                )
        lines.append(
            f"{external_id},{email},Person {number},Agent,Support/Tier 1,{manager},Lisbon,active,{start}"
        )
    csv_path = tmp_path / "people.csv"
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = import_people(csv_path, database_url, tmp_path / "data", "--workspace", "acme")

    assert result.returncode == 0, result.stderr
    assert "1,000 rows read: 990 created, 0 updated, 0 unchanged, 10 bad" in result.stdout
    assert table_rows(result.stdout) == expected
    with session_scope(world.factory, workspace) as session:
        assert people_service.count_people(session, workspace) == 990
        boss = people_service.get_person_by_external_id(session, workspace, "E0000")
        person = people_service.get_person_by_external_id(session, workspace, "E0999")
        assert boss is not None
        assert person is not None
        assert person.manager_id == boss.id

    again = import_people(csv_path, database_url, tmp_path / "data")  # the only workspace is the default
    assert "1,000 rows read: 0 created, 0 updated, 990 unchanged, 10 bad" in again.stdout


def test_a_dry_run_stores_nothing_and_names_a_manager_cycle(tmp_path, database_url, world) -> None:
    workspace = world.workspace()
    csv_path = tmp_path / "people.csv"
    csv_path.write_text(
        "\n".join(
            [
                HEADER,
                "A1,a1@example.com,Ann,,Ops,B2,,,",
                "B2,b2@example.com,Bo,,Ops,A1,,,",
                "C3,c3@example.com,Cy,,Ops,,,,",
            ]
        ),
        encoding="utf-8",
    )

    result = import_people(csv_path, database_url, tmp_path / "data", "--dry-run")

    assert result.returncode == 0, result.stderr
    assert "3 rows read: 1 would be created, 0 would be updated, 0 unchanged, 2 bad" in result.stdout
    assert table_rows(result.stdout) == [
        ["2", "A1", "manager", "manager cycle: A1 → B2 → A1"],
        ["3", "B2", "manager", "manager cycle: B2 → A1 → B2"],
    ]
    assert "Dry run: nothing was stored." in result.stdout
    with session_scope(world.factory, workspace) as session:
        assert people_service.count_people(session, workspace) == 0
        assert teams_service.count_teams(session, workspace) == 0


def test_only_a_file_that_cannot_be_read_fails(tmp_path, database_url, world) -> None:
    world.workspace()
    no_columns = tmp_path / "names.csv"
    no_columns.write_text("name,title\nAna,Agent\n", encoding="utf-8")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("external_id,email,name\nE1,jose@example.com,Jos\xe9\n".encode("latin-1"))
    all_bad = tmp_path / "all-bad.csv"
    all_bad.write_text("external_id,email,name\nE1,nope,Ana\n", encoding="utf-8")

    header = import_people(no_columns, database_url, tmp_path / "data")
    encoding = import_people(latin1, database_url, tmp_path / "data")
    missing = import_people(tmp_path / "nowhere.csv", database_url, tmp_path / "data")
    rows_only = import_people(all_bad, database_url, tmp_path / "data")

    assert header.returncode == 1
    assert re.fullmatch(
        r"error: external_id: no column for it; .*email: no column for it; .*\n", header.stderr
    )
    assert encoding.returncode == 2
    assert "is not UTF-8 text" in encoding.stderr
    assert missing.returncode == 2
    assert "no such file" in missing.stderr
    assert "Traceback" not in header.stderr + encoding.stderr + missing.stderr
    assert rows_only.returncode == 0  # the file was read; its one row is reported
    assert table_rows(rows_only.stdout) == [["2", "E1", "email", "'nope' is not an email address"]]


# -- seats ------------------------------------------------------------------------------------------------------

SEATS_CSV = (
    "tool,person,account,assigned_on\n"
    "copilot,ada@example.com,ada-gh,2025-01-06\n"
    "copilot,bob@example.com,,2025-01-07\n"
    "copilot,zed@example.com,,2025-01-07\n"
)


def import_seats(csv_path: Path, database_url: str, data_dir: Path, *options: str):
    environment = {
        "UPTAKE_DATA_DIR": str(data_dir),
        "UPTAKE_DATABASE_URL": database_url,
        "UPTAKE_SECRET_KEY": "s" * 40,
    }
    return uptake("import", "seats", str(csv_path), *options, env=environment)


def test_the_command_reports_bad_rows_and_publishes_the_seats(tmp_path, database_url, world):
    ledger = make_ledger(world)
    path = tmp_path / "seats.csv"
    path.write_text(SEATS_CSV, encoding="utf-8")
    data_dir = tmp_path / "data"
    dry = import_seats(path, database_url, data_dir, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "3 rows read: 2 would be created, 0 would be updated, 0 unchanged, 1 bad" in dry.stdout
    assert "no person with email or external id 'zed@example.com'" in dry.stdout
    assert "Dry run: nothing was stored." in dry.stdout
    done = import_seats(path, database_url, data_dir)
    assert done.returncode == 0, done.stderr
    assert "3 rows read: 2 created" in done.stdout
    with session_scope(world.factory, ledger.workspace_id) as session:
        assert seats.list_seats(session, ledger.workspace_id).total == 2
        expected = sorted(
            row["person"] for row in service.snapshot_rows(session, ledger.workspace_id)["seats"]
        )
    with duckdb.connect(str(data_dir / "events.duckdb")) as events:
        published = sorted(person for (person,) in events.execute("SELECT person FROM seats").fetchall())
    assert published == expected
    again = import_seats(path, database_url, data_dir)
    assert "0 created, 0 updated, 2 unchanged, 1 bad" in again.stdout
    missing = import_seats(tmp_path / "nope.csv", database_url, data_dir)
    assert missing.returncode != 0
    assert "no such file" in missing.stderr


def test_while_a_server_holds_the_events_store_the_command_queues_the_publication(
    tmp_path, database_url, world
):
    ledger = make_ledger(world)
    path = tmp_path / "seats.csv"
    path.write_text(SEATS_CSV, encoding="utf-8")
    data_dir = tmp_path / "data"
    data_dir.mkdir(exist_ok=True)
    with duckdb.connect(str(data_dir / "events.duckdb")):  # this process plays the server holding the file
        done = import_seats(path, database_url, data_dir)
    assert done.returncode == 0, done.stderr
    assert "The running server publishes the seats to the figures (a job is queued)." in done.stdout
    with session_scope(world.factory, ledger.workspace_id) as session:
        queued = jobs_service.list_jobs(session, workspace_id=ledger.workspace_id)
    assert [job.name for job in queued] == [service.PUBLISH_JOB]
    # The server's worker runs the job: the seats reach the figures.
    settings = Settings(data_dir=data_dir, database_url=database_url, secret_key="s" * 40)  # type: ignore[arg-type]
    with world.session() as session:
        context = JobContext(
            job_id=queued[0].id,
            name=service.PUBLISH_JOB,
            workspace_id=ledger.workspace_id,
            payload={},
            session=session,
            settings=settings,
            report_progress=lambda done, total, note: None,
        )
        assert service.publish_ledger_job(context) == {"workspace_id": ledger.workspace_id}
    with duckdb.connect(str(data_dir / "events.duckdb")) as events:
        assert events.execute("SELECT count(*) FROM seats").fetchone() == (2,)


# -- discovery --------------------------------------------------------------------------------------------------


def test_a_discovery_log_in_either_format_is_imported_with_each_bad_row_named(tmp_path, world, run):
    org = make_organization(world, {"Finance": 5})
    generic = tmp_path / "proxy.csv"
    rows = [("2026-12-01 10:00:00", f"finance{n}@example.com", "claude.ai", 1, 10) for n in range(1, 6)]
    generic.write_text(
        generic_csv([*rows, ("2026-12-01", "finance1@example.com", "", 1, 1)]), encoding="utf-8"
    )
    dry = run("import", "discovery", str(generic), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert (
        "6 rows read (generic): 5 to AI services, 0 elsewhere (not stored), 1 bad; 5 person-days would be"
        in (" ".join(dry.output.split()))
    )
    assert "is empty; name the domain, URL or app" in dry.output
    assert "Dry run: nothing was stored." in dry.output
    done = run("import", "discovery", str(generic))
    assert "5 person-days stored" in done.output
    again = run("import", "discovery", str(generic))
    assert "nothing changed" in again.output
    umbrella = tmp_path / "umbrella.csv"
    umbrella.write_text(
        umbrella_log(
            [umbrella_row(datetime(2026, 12, 2, 9), "F (finance1@example.com)", "https://gamma.app/x")]
        ),
        encoding="utf-8",
    )
    read = run("import", "discovery", str(umbrella), "--format", "umbrella")
    assert "1 rows read (umbrella): 1 to AI services" in " ".join(read.output.split())
    with session_scope(world.factory, org.workspace_id) as session:
        tools = {tool.slug: tool for tool in discovery_figures.overview(session, org.workspace_id).tools}
    assert (tools["claude"].people, tools["gamma"].is_suppressed) == (5, True)
    wrong = run("import", "discovery", str(umbrella), "--format", "zscaler")
    assert wrong.exit_code != 0
    assert "--format must be one of generic, umbrella" in wrong.output


# -- training ---------------------------------------------------------------------------------------------------

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000a49444154789c6300010000050001"
    "0d0a2db40000000049454e44ae426082"
)


def import_training(settings, folder: Path, workspace_slug: str):
    environment = {
        "UPTAKE_DATABASE_URL": settings.database_url,
        "UPTAKE_DATA_DIR": str(settings.data_dir),
        "UPTAKE_SECRET_KEY": settings.effective_secret_key,
    }
    return uptake("import", "training", str(folder), "--workspace", workspace_slug, env=environment)


def test_a_folder_of_modules_is_imported_once_and_a_bad_file_is_named(world, settings, tmp_path) -> None:
    workspace = world.workspace(slug="acme")
    folder = tmp_path / "training"
    (folder / "advanced").mkdir(parents=True)
    (folder / "prompt-basics.md").write_text(
        module_source(lesson="A good prompt:\n\n![the three parts](img/parts.png)\n"), encoding="utf-8"
    )
    (folder / "img").mkdir()
    (folder / "img" / "parts.png").write_bytes(PNG)
    (folder / "advanced" / "privacy.md").write_text(
        module_source("data-privacy", title="Data and privacy", quiz=False), encoding="utf-8"
    )
    (folder / "advanced" / "broken.md").write_text(
        "---\nslug: Broken Slug\n---\n# Lesson\n", encoding="utf-8"
    )
    (folder / "notes.txt").write_text("not a module", encoding="utf-8")

    first = import_training(settings, folder, "acme")
    assert first.returncode == 1, first.stderr
    assert "Traceback" not in first.stdout + first.stderr
    assert "advanced/broken.md: slug:" in first.stderr
    assert "advanced/broken.md: title: is required" in first.stderr
    with session_scope(world.factory, workspace) as session:
        modules = {module.slug: module for module in modules_service.list_modules(session, workspace)}
        assert set(modules) == {"prompt-basics", "data-privacy"}
        assert modules_service.list_image_names(session, workspace, modules["prompt-basics"]) == [
            "img/parts.png"
        ]

    (folder / "advanced" / "broken.md").unlink()
    second = import_training(settings, folder, "acme")
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("unchanged") == 2


def test_a_folder_that_is_not_there_is_named(run, world, tmp_path) -> None:
    world.workspace("acme")
    result = run("import", "training", str(tmp_path / "nowhere"))
    assert result.exit_code != 0
    assert f"error: {tmp_path / 'nowhere'}: no such folder" in result.output


# -- usage ------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_reports_import_and_bad_files_are_one_clear_line(tmp_path, database_url, world) -> None:
    shared_fixtures = require_shared_fixtures()
    world.workspace("acme")
    env = {"UPTAKE_DATA_DIR": str(tmp_path / "cli-data"), "UPTAKE_DATABASE_URL": database_url}
    people_map = tmp_path / "logins.csv"
    people_map.write_text("account,person\noctocat,octo@acme.example\n")
    report_answer = shared_fixtures / "github-copilot-metrics" / "copilot-users-usage-metrics.json"

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
