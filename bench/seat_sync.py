"""Benchmark of the seat ledger's sync (what a connector runs each day) and of publishing the ledger.

    .venv/bin/python bench/seat_sync.py                        # 50,000 seats on SQLite
    .venv/bin/python bench/seat_sync.py --seats 10000
    .venv/bin/python bench/seat_sync.py --database-url postgresql://postgres@127.0.0.1:5432/test

On a fresh, migrated database (a temporary SQLite file, or a new database on the PostgreSQL server given), with
`--seats` people in the directory (a raw bulk insert) and one tool, it times:

  a  the first sync: every person's seat assigned (half of them linked to a person and a GitHub login, the
     other half a login nobody linked yet)
  b  the same list again: every seat found unchanged (a daily sync on a quiet day)
  c  the next day: 2 % of the holders gone (released), 2 % new (assigned)
  d  the ledger's snapshots for analytics (every seat with its holder's pseudonym, and the contracts)

It prints the wall time and the peak RSS of the process. Goal: a sync of 50,000 seats in seconds, far inside the
2 minutes a whole GitHub sync of 50,000 seats and 30 days of reports may take. Measured on SQLite, 2 cores under
a load average of 12: a 9.2 s, b 5.0 s, c 4.5 s, d 5.1 s, peak RSS 419 MiB; on PostgreSQL 15.9 s, 3.2 s,
3.0 s, 3.2 s, 429 MiB. A database made on a PostgreSQL server is dropped at the end.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.db import make_engine, make_session_factory, session_scope
from uptake.directory.models import Person
from uptake.licences import schemas, service
from uptake.migrations.commands import upgrade_database
from uptake.settings import Settings
from uptake.workspaces import schemas as workspace_schemas
from uptake.workspaces import service as workspaces_service

DAY = date(2025, 3, 3)


def fresh_database(url: str | None) -> tuple[str, str | None]:
    """A new database's URL, and its name when it was made on a PostgreSQL server (to drop it after)."""
    if url is None:
        return f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}", None
    name = f"uptake_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False), name


def drop_database(url: str, name: str) -> None:
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def timed(label: str, action) -> object:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = action()
    print(f"{label:<58} {time.perf_counter() - started:8.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seats", type=int, default=50_000)
    parser.add_argument("--database-url", default=None)
    arguments = parser.parse_args()
    count = arguments.seats
    database_url, made = fresh_database(arguments.database_url)
    engine = make_engine(database_url)
    try:
        run(engine, count)
    finally:
        engine.dispose()
        if made is not None:
            drop_database(arguments.database_url, made)


def run(engine: Engine, count: int) -> None:
    upgrade_database(engine)
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(data_dir=Path(data_dir), secret_key="bench-secret-key-" + "x" * 32)  # type: ignore[arg-type]
        run_in(make_session_factory(engine, settings), count)


def run_in(factory: sessionmaker[Session], count: int) -> None:
    with session_scope(factory) as session:
        workspace_id = workspaces_service.create_workspace(
            session, workspace_schemas.WorkspaceCreate(slug="bench", name="Bench")
        ).id
    with session_scope(factory, workspace_id) as session:
        session.execute(
            insert(Person),
            [
                {
                    "workspace_id": workspace_id,
                    "external_id": f"E{number}",
                    "email": f"p{number}@example.com",
                    "display_name": f"Person {number}",
                }
                for number in range(count)
            ],
        )
        catalog_service.create_tool(
            session,
            workspace_id,
            catalog_schemas.ToolCreate(
                slug="copilot", name="Copilot", vendor="GitHub", cost_per_seat_month=19
            ),
            actor="bench",
        )
        ids = [
            person_id for (person_id,) in session.execute(text("SELECT id FROM directory_person ORDER BY id"))
        ]

    def holders(day_offset: int = 0) -> list[schemas.SeatHolder]:
        chosen = ids[: count - day_offset * count // 50]
        listed = [
            schemas.SeatHolder(person_id=person_id, account=f"login-{person_id}")
            if index % 2
            else schemas.SeatHolder(account=f"login-{person_id}")
            for index, person_id in enumerate(chosen)
        ]
        return listed + [
            schemas.SeatHolder(account=f"new-{day_offset}-{n}") for n in range(day_offset * count // 50)
        ]

    def sync(listed: list[schemas.SeatHolder], day: date) -> schemas.SeatSyncReport:
        with session_scope(factory, workspace_id) as session:
            return service.sync_seats(
                session,
                workspace_id,
                tool="copilot",
                source="github",
                as_of=day,
                holders=listed,
                actor="bench",
            )

    first = timed(f"a  first sync: {count:,} seats assigned", lambda: sync(holders(), DAY))
    again = timed("b  the same list again: nothing changes", lambda: sync(holders(), DAY))
    churn = timed("c  the next day: 2 % released, 2 % assigned", lambda: sync(holders(1), date(2025, 3, 4)))

    def snapshot() -> int:
        with session_scope(factory, workspace_id) as session:
            return len(service.snapshot_rows(session, workspace_id)["seats"])

    rows = timed("d  the ledger's snapshots for analytics", snapshot)
    for label, report in (("first", first), ("again", again), ("churn", churn)):
        print(f"   {label}: {report.model_dump(include={'assigned', 'released', 'updated', 'unchanged'})}")  # type: ignore[attr-defined]
    print(f"   snapshot rows: {rows:,}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
