"""An anonymous question leaves no trace of the asker: not in any table of the database (every table is read
before and after, and every row that appeared or changed is checked), not in the audit log, not in the logs."""

from __future__ import annotations

import json
from datetime import datetime, time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select

from enablement.enablement_builders import make_use_case
from support import as_caller
from uptake.access.roles import Role
from uptake.app import create_app
from uptake.comms.service import questions as questions_service
from uptake.db import session_scope
from uptake.directory.service import people as people_service
from uptake.jobs.service import JobContext

Snapshot = dict[str, set[tuple[Any, ...]]]


def _snapshot(engine) -> tuple[Snapshot, MetaData]:
    metadata = MetaData()
    metadata.reflect(engine)
    tables: Snapshot = {}
    with engine.connect() as connection:
        for table in metadata.tables.values():
            tables[table.name] = {tuple(map(_plain, row)) for row in connection.execute(select(table))}
    return tables, metadata


def _plain(value: Any) -> Any:
    """A cell as a hashable value (JSON columns come back as lists and dicts)."""
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


def _person_columns(metadata: MetaData, table_name: str) -> list[int]:
    """Positions of the columns of a table that point at a person."""
    table = metadata.tables[table_name]
    return [
        index
        for index, column in enumerate(table.columns)
        if any(key.target_fullname == "directory_person.id" for key in column.foreign_keys)
    ]


def test_an_anonymous_question_leaves_no_trace_of_the_asker(world, settings, capsys, caplog) -> None:
    # Built here, not in a fixture, so its logs (everything, as JSON) go to the stream capsys reads.
    verbose_app = create_app(settings.model_copy(update={"log_level": "debug", "log_format": "json"}))
    workspace = world.workspace()
    make_use_case(world, workspace, "claims-letters", title="Draft claims letters")
    asker = world.caller(workspace, Role.employee)
    with session_scope(world.factory, workspace) as session:
        person = people_service.get_person(session, workspace, asker.person_id)
        identifiers = {person.email, person.display_name, f"person:{person.id}"}
    engine = verbose_app.state.engine
    before, _ = _snapshot(engine)
    capsys.readouterr()
    caplog.clear()

    with TestClient(verbose_app, raise_server_exceptions=False) as client:
        as_caller(client, asker)
        page = client.post(
            "/questions",
            data={
                "csrf_token": asker.cookies["uptake_csrf"],
                "use_case_slug": "claims-letters",
                "title": "Can I paste a customer's medical report into it?",
                "anonymous": "yes",
            },
            follow_redirects=False,
        )
        assert page.status_code == 303
        api = client.post(
            "/api/v1/questions",
            json={"use_case_slug": "claims-letters", "title": "Who reads my prompts?", "anonymous": True},
        )
        assert api.status_code == 201
        assert api.json()["asker_id"] is None
        assert api.json()["is_anonymous"]
        shown = client.get(page.headers["location"])
        main = shown.text.split('<main id="main"', 1)[1]
        assert shown.status_code == 200
        assert "asked anonymously" in main.lower()
        assert person.display_name not in main

    after, metadata = _snapshot(engine)
    changed = {name: after[name] - before.get(name, set()) for name in after}
    changed = {name: rows for name, rows in changed.items() if rows}
    assert set(changed) == {"comms_question"}, "only the questions themselves may be written"
    assert {
        name: before[name] - after.get(name, set()) for name in before if before[name] - after[name]
    } == {}
    columns = [column.name for column in metadata.tables["comms_question"].columns]
    for row in changed["comms_question"]:
        stored = dict(zip(columns, row, strict=True))
        assert stored["asker_id"] is None
        asked = stored["created_at"]
        asked = asked if isinstance(asked, datetime) else datetime.fromisoformat(str(asked))
        assert asked.time() == time(0, 0), "an anonymous question keeps only the day it was asked"
    for name, rows in changed.items():
        for row in rows:
            assert not any(row[index] == asker.person_id for index in _person_columns(metadata, name))
            assert not any(identifier in str(value) for value in row for identifier in identifiers)

    logged = capsys.readouterr().err + "\n".join(record.getMessage() for record in caplog.records)
    assert '"path": "/api/v1/questions"' in logged  # the request log was captured
    for identifier in [*identifiers, asker.email, str(asker.cookies["uptake_session"])[:20]]:
        assert identifier not in logged
    for line in logged.splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            assert asker.person_id not in {entry.get("person_id"), entry.get("actor_id")}

    # The owner and champions hear of the questions later, from the batch job: still nothing of the asker.
    with world.session(workspace) as session:
        context = JobContext(
            job_id=0, name="comms.notify_question_owners", workspace_id=workspace, payload={},
            session=session, settings=world.settings, report_progress=lambda *args: None,
        )  # fmt: skip
        assert questions_service.notify_question_owners(context)["told"] == 2
    final, _ = _snapshot(engine)
    for name, rows in final.items():
        for row in rows - after.get(name, set()):
            assert not any(row[index] == asker.person_id for index in _person_columns(metadata, name))
            assert not any(identifier in str(value) for value in row for identifier in identifiers)
    verbose_app.state.event_store.close()
    verbose_app.state.engine.dispose()
