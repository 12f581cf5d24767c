"""``uptake import people`` as a user runs it: the report, every bad row with line, column and reason, the exit
status (non-zero only when the file cannot be read), and ``--dry-run``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from uptake.db import session_scope
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

HEADER = "employee_id,mail,name,title,team,manager,location,status,start_date"


def import_people(
    csv_path: Path, database_url: str, data_dir: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("UPTAKE_")}
    environment.update(
        {
            "UPTAKE_DATA_DIR": str(data_dir),
            "UPTAKE_DATABASE_URL": database_url,
            "UPTAKE_SECRET_KEY": "s" * 40,
            "COLUMNS": "200",
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "uptake", "import", "people", str(csv_path), *options],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


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
