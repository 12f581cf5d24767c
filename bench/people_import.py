"""Benchmark of the people CSV import, against baselines measured in the same run.

    .venv/bin/python bench/people_import.py                      # 100,000 rows on SQLite
    .venv/bin/python bench/people_import.py --rows 20000
    .venv/bin/python bench/people_import.py --database-url postgresql://postgres@127.0.0.1:5432/test

The CSV is generated in the run (seed 11): a management chain (every person but the first reports to someone
on an earlier line), 240 teams written as paths three levels deep (``Division 3/Department 12/Team 57``), 30 job
roles, locations, statuses and start dates. On a fresh, migrated database (a temporary SQLite file, or a new
database on the PostgreSQL server given) it times:

  a  ``csv.DictReader`` reading the file into dicts: the floor of any CSV import in Python
  b  a raw SQLAlchemy Core bulk insert of the same 100,000 people (no checks, no teams, no managers) into a
     second workspace: the floor the database sets
  c  ``import_people`` as ``uptake import people`` runs it: read and check every row, plan (teams, job roles,
     managers, cycles), write, all in one transaction
  d  the same file again: every row compared and found unchanged (the daily re-import of an HR export)

Goal: (c) well under a minute for 100,000 rows.
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from uptake.db import make_engine, make_session_factory, session_scope
from uptake.directory import people_import
from uptake.directory.models import Person
from uptake.migrations.commands import upgrade_database
from uptake.settings import Settings
from uptake.workspaces import schemas as workspace_schemas
from uptake.workspaces import service as workspaces_service

HEADER = [
    "employee_id",
    "email",
    "first_name",
    "last_name",
    "job_title",
    "job_role",
    "department",
    "manager_id",
    "location",
    "status",
    "hire_date",
]
LOCATIONS = ["Hamburg", "Lisbon", "Dublin", "Austin", "Singapore", "Warsaw"]
STATUSES = ["active"] * 18 + ["leave", "left"]


def write_people_csv(path: Path, rows: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    teams = [
        f"Division {division}/Department {division * 10 + department}/Team {division * 100 + department * 10 + team}"
        for division in range(1, 5)
        for department in range(1, 7)
        for team in range(1, 11)
    ]
    roles = [f"Role {number}" for number in range(1, 31)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for number in range(rows):
            manager = f"E{rng.randrange(max(1, number // 8)):06d}" if number else ""
            writer.writerow(
                [
                    f"E{number:06d}",
                    f"person{number}@example.com",
                    f"Given{number}",
                    f"Family{number % 997}",
                    "Specialist",
                    rng.choice(roles),
                    rng.choice(teams),
                    manager,
                    rng.choice(LOCATIONS),
                    rng.choice(STATUSES),
                    (date(2010, 1, 1) + timedelta(days=rng.randrange(5000))).isoformat(),
                ]
            )


def timed(label: str, action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    print(f"  {label:<62} {seconds:8.2f} s")
    return seconds, result


def fresh_database(url: str | None, folder: Path) -> tuple[str, Callable[[], None]]:
    if url is None:
        return f"sqlite:///{folder / 'bench.db'}", lambda: None
    name = f"uptake_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(url).set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="a PostgreSQL server to create a scratch database on")
    arguments = parser.parse_args()
    rows = arguments.rows

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        csv_path = folder / "people.csv"
        write_people_csv(csv_path, rows)
        url, drop = fresh_database(arguments.database_url, folder)
        engine = make_engine(url)
        try:
            upgrade_database(engine)
            settings = Settings(data_dir=folder, secret_key="bench-secret-key-" + "x" * 32)  # type: ignore[arg-type]
            factory = make_session_factory(engine, settings)
            with session_scope(factory) as session:
                workspaces = [
                    workspaces_service.create_workspace(
                        session, workspace_schemas.WorkspaceCreate(slug=slug, name=slug.title())
                    ).id
                    for slug in ("import", "baseline")
                ]
            print(
                f"{rows:,} people on {make_url(url).get_backend_name()} ({csv_path.stat().st_size:,} bytes)"
            )

            def parse() -> list[dict[str, str]]:
                with csv_path.open(newline="", encoding="utf-8") as handle:
                    return list(csv.DictReader(handle))

            parse_seconds, parsed = timed("a  csv.DictReader parse", parse)

            def raw_insert() -> None:
                values = [
                    {
                        "workspace_id": workspaces[1],
                        "external_id": row["employee_id"],
                        "email": row["email"],
                        "display_name": f"{row['first_name']} {row['last_name']}",
                        "job_title": row["job_title"],
                        "location": row["location"],
                        "employment_status": row["status"],
                        "start_date": date.fromisoformat(row["hire_date"]),
                    }
                    for row in parsed
                ]
                with engine.begin() as connection:
                    for start in range(0, len(values), 2000):
                        connection.execute(insert(Person), values[start : start + 2000])

            insert_seconds, _ = timed("b  raw SQLAlchemy bulk insert of the same people", raw_insert)

            def run_import() -> people_import.ImportReport:
                with (
                    session_scope(factory, workspaces[0]) as session,
                    csv_path.open(encoding="utf-8-sig", newline="") as handle,
                ):
                    return people_import.import_people(
                        session, workspaces[0], handle, dry_run=False, actor="system"
                    )

            import_seconds, report = timed("c  import_people (read, check, plan, write)", run_import)
            again_seconds, again = timed("d  import_people again (all unchanged)", run_import)
        finally:
            engine.dispose()
            drop()

    assert report.created == rows, report.counts()
    assert report.rejected == 0, report.counts()
    assert again.unchanged == rows, again.counts()
    print()
    print(
        f"import:   {rows / import_seconds:10,.0f} rows/s  ({report.teams_created} teams, "
        f"{report.job_roles_created} job roles created)"
    )
    print(f"re-run:   {rows / again_seconds:10,.0f} rows/s")
    print(
        f"baseline: {rows / parse_seconds:10,.0f} rows/s parsed (a), {rows / insert_seconds:,.0f} rows/s inserted (b)"
    )
    print(f"import / (parse + raw insert) = {import_seconds / (parse_seconds + insert_seconds):.1f}x")
    verdict = "well under a minute" if import_seconds < 30 else "TOO SLOW: the goal is well under a minute"
    print(f"goal: {rows:,} rows well under 60 s -> {import_seconds:.1f} s, {verdict}")


if __name__ == "__main__":
    main()
