"""A person's rights: the export holds everything about them, the erasure leaves nothing linkable in either store."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

from trust.trust_builders import USE_CASE, live_use_case
from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.audit import service as audit_service
from uptake.catalog import service as catalog_service
from uptake.comms import schemas as comms_schemas
from uptake.comms.service import questions as questions_service
from uptake.db import session_scope
from uptake.directory.service import people as people_service
from uptake.discovery import service as discovery_service
from uptake.discovery.models import Sighting
from uptake.enablement.service import completions as completions_service
from uptake.enablement.service import modules as modules_service
from uptake.privacy import service
from uptake.telemetry import service as telemetry_service
from uptake.telemetry.event_store import EventStore
from uptake.trust import incidents as trust_incidents
from uptake.trust import schemas as trust_schemas
from uptake.trust import service as trust_service

NOW = datetime.now(UTC)
MODULE = """---
slug: prompt-basics
title: Writing good prompts
summary: How to ask an AI assistant for what you need.
version: "1.0"
estimated_minutes: 10
---
# Why prompts matter

Say what you want, for whom, and in what form.
"""


def make_event(person: str, **fields: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "time": (NOW - timedelta(hours=1)).isoformat(),
        "person": person,
        "use_case": "support-replies",
        "tool": "support-assistant",
        "kind": "invoked",
        **fields,
    }


@pytest.fixture
def store(settings) -> Any:
    with EventStore(settings.effective_events_url) as event_store:
        yield event_store


@pytest.fixture
def people(world, store) -> dict[str, Any]:
    """Alice (account, training, events by email and by id, feedback, a snapshot row) and Bob beside her."""
    workspace_id = world.workspace()
    alice_email = "alice.liddell@example.com"
    # Her events sent before the directory knew her carry her email's pseudonym.
    send(world, store, workspace_id, [make_event("Alice.Liddell@example.com")])
    # So does a proxy log imported then (an AI service she used), unlinked to anyone.
    discover(
        world, workspace_id, "time,user,domain\n2026-12-01 10:00:00,Alice.Liddell@example.com,claude.ai\n"
    )
    alice = world.person(workspace_id, email=alice_email, name="Alice Liddell", roles=[Role.employee])
    bob = world.person(workspace_id, email="bob@example.com", name="Bob Builder")
    discover(
        world,
        workspace_id,
        f"time,user,domain\n2026-12-02 10:00:00,{alice_email},chatgpt.com\n"
        "2026-12-02 10:00:00,bob@example.com,chatgpt.com\n",
    )
    with session_scope(world.factory, workspace_id) as session:
        modules_service.save_module_source(session, workspace_id, MODULE, actor="test", author_id=None)
        completions_service.complete_reading(session, workspace_id, "prompt-basics", alice)
    send(
        world,
        store,
        workspace_id,
        [
            make_event(alice_email),
            make_event(alice_email, kind="feedback", rating=2, comment="It invented an order number."),
            make_event("bob@example.com"),
        ],
    )
    live_use_case(world, workspace_id)
    with session_scope(world.factory, workspace_id) as session:
        use_case = catalog_service.get_use_case_by_slug(session, workspace_id, USE_CASE)
        trust_service.record_feedback(
            session,
            workspace_id,
            use_case,
            {"rating": 1, "comment": "The summary dropped the refund."},
            source="api",
            giver=trust_service.FeedbackGiver(identifier=alice_email),
        )
        trust_service.record_feedback(
            session,
            workspace_id,
            use_case,
            {"rating": 2, "correction": "Refund of 40 EUR, not 14."},
            source="page",
            giver=trust_service.FeedbackGiver(person_id=alice),
        )
        trust_incidents.report_incident(
            session,
            workspace_id,
            trust_schemas.IncidentCreate(
                use_case=USE_CASE,
                title="Wrong refund amount",
                description="I, Alice Liddell, saw it quote my own account number.",
            ),
            actor=f"person:{alice}",
            reporter_id=alice,
            analytics=None,
        )
        questions_service.ask_question(
            session,
            workspace_id,
            comms_schemas.QuestionCreate(
                use_case_slug=USE_CASE, title="Why did it quote my account?", body="Signed, Alice Liddell"
            ),
            asker=Principal(workspace_id=workspace_id, person_id=alice, roles=frozenset({Role.employee})),
        )
    with world.session(workspace_id) as session:
        pseudonyms = telemetry_service.person_pseudonyms(session, workspace_id, [alice_email])
    with store._writing() as cursor:
        cursor.execute("CREATE TABLE people (workspace_id INTEGER, person VARCHAR, team_id BIGINT)")
        cursor.execute(
            "INSERT INTO people VALUES (?, ?, 1), (?, 'someone-else', 1)",
            [workspace_id, pseudonyms[0], workspace_id],
        )
    return {"workspace_id": workspace_id, "alice": alice, "bob": bob, "email": alice_email}


def discover(world, workspace_id: int, log: str) -> None:
    with session_scope(world.factory, workspace_id) as session:
        discovery_service.import_log(session, workspace_id, io.StringIO(log), dry_run=False, actor="system")


def send(world, store: EventStore, workspace_id: int, events: list[dict[str, Any]]) -> None:
    with world.session(workspace_id) as session:
        context = telemetry_service.ingest_context(session, workspace_id)
    result = telemetry_service.ingest_request_body(
        store, context, body=json.dumps(events).encode(), content_type=None, content_encoding=None
    )
    assert result.accepted == len(events), result.rejected


def test_the_export_holds_the_record_the_events_and_the_training(world, store, people) -> None:
    workspace_id = people["workspace_id"]
    with session_scope(world.factory, workspace_id) as session:
        export = service.export_personal_data(
            session, store, workspace_id, "ALICE.LIDDELL@example.com", actor="system"
        )
    assert export["person"]["email"] == people["email"]
    assert export["person"]["display_name"] == "Alice Liddell"
    assert export["account"]["roles"] == ["employee"]
    assert len(export["events"]) == 3
    assert {event["kind"] for event in export["events"]} == {"invoked", "feedback"}
    assert any(event["comment"] == "It invented an order number." for event in export["events"])
    assert [entry["module_slug"] for entry in export["training_completions"]] == ["prompt-basics"]
    assert [item["comment"] for item in export["feedback"]] == ["The summary dropped the refund.", None]
    assert [item["title"] for item in export["incidents_reported"]] == ["Wrong refund amount"]
    assert [item["title"] for item in export["questions_asked"]] == ["Why did it quote my account?"]
    assert export["answers_written"] == []
    assert export["parquet_exports"] == {"instruction": None, "exports": []}
    assert export["announcements_received"] == []
    assert export["notifications"] == []
    assert export["notification_preferences"]["email_enabled"] is True
    assert [(seen["day"], seen["tool"]) for seen in export["ai_services_seen"]] == [
        ("2026-12-01", "claude"),
        ("2026-12-02", "chatgpt"),
    ]
    assert export["not_included"]
    json.dumps(export)  # JSON-ready as it is
    with world.session(workspace_id) as session:
        audited = audit_service.list_audit_entries(session, workspace_id, action="privacy.person.exported")
    assert [(entry.actor, entry.target) for entry in audited] == [("system", f"person:{people['alice']}")]
    with world.session(workspace_id) as session, pytest.raises(service.PersonNotInDirectory):
        service.export_personal_data(session, store, workspace_id, "nobody@example.com", actor="system")


def sql_mentions(engine: Any, needles: list[str]) -> list[str]:
    """Every (table.column) of the application database whose text holds one of `needles`."""
    found = []
    inspector = inspect(engine)
    with engine.connect() as connection:
        for table in inspector.get_table_names():
            for column in inspector.get_columns(table):
                rows = connection.execute(text(f'SELECT "{column["name"]}" FROM "{table}"')).scalars()
                for value in rows:
                    if value is not None and any(needle in str(value).lower() for needle in needles):
                        found.append(f"{table}.{column['name']}")
                        break
    return found


def duckdb_mentions(store: EventStore, needles: list[str]) -> list[str]:
    found = []
    with store._cursor() as cursor:
        tables = [
            row[0] for row in cursor.execute("SELECT table_name FROM information_schema.tables").fetchall()
        ]
        for table in tables:
            for row in cursor.execute(f'SELECT * FROM "{table}"').fetchall():
                if any(needle in str(value).lower() for value in row for needle in needles):
                    found.append(table)
                    break
    return found


@pytest.mark.parametrize("keep_aggregates", [False, True])
def test_erasure_leaves_nothing_linkable_in_either_store(
    world, store, people, engine, keep_aggregates
) -> None:
    workspace_id, alice = people["workspace_id"], people["alice"]
    with world.session(workspace_id) as session:
        pseudonyms = telemetry_service.person_pseudonyms(session, workspace_id, [people["email"]])
    needles = [
        people["email"],
        "alice liddell",
        "invented an order number",
        "dropped the refund",
        "40 eur",
        "quote my",
        *pseudonyms,
    ]
    assert sql_mentions(engine, needles)
    assert set(duckdb_mentions(store, needles)) == {"events", "people"}

    with session_scope(world.factory, workspace_id) as session:
        report = service.erase_person(
            session, store, workspace_id, people["email"], actor="person:1", keep_aggregates=keep_aggregates
        )
    assert report.person_id == alice
    assert (report.events_deleted, report.events_rekeyed) == ((0, 3) if keep_aggregates else (3, 0))
    assert report.snapshot_rows == 1

    assert sql_mentions(engine, needles) == []
    assert duckdb_mentions(store, needles) == []
    assert store.count(workspace_id) == (4 if keep_aggregates else 1)
    if keep_aggregates:
        with store._cursor() as cursor:
            per_person = cursor.execute(
                "SELECT count(*), count(comment), count(session_id) FROM events GROUP BY person ORDER BY 1"
            ).fetchall()
        assert per_person == [(1, 0, 0), (3, 0, 0)]  # Bob, and Alice's three under one unlinkable pseudonym
    with world.session(workspace_id) as session:
        assert people_service.get_person_by_email(session, workspace_id, "bob@example.com") is not None
        entries = audit_service.list_audit_entries(session, workspace_id, action="privacy.person.erased")
        assert [entry.target for entry in entries] == [f"person:{alice}"]
        assert entries[0].after["keep_aggregates"] is keep_aggregates
        assert entries[0].after["discovery_sightings"] == 2
        sightings = session.scalars(select(Sighting)).all()
        assert len(sightings) == (
            3 if keep_aggregates else 1
        )  # Bob's stays; Alice's only as unlinkable figures
        assert audit_service.verify_audit_chain(session, workspace_id).is_intact


def test_parquet_exports_are_listed_with_the_instruction_to_delete_them(
    world, store, people, tmp_path
) -> None:
    workspace_id = people["workspace_id"]
    with session_scope(world.factory, workspace_id) as session:
        telemetry_service.record_events_export(
            session, [workspace_id], tmp_path / "lake", since=None, until=None, files=3
        )
    with session_scope(world.factory, workspace_id) as session:
        export = service.export_personal_data(session, store, workspace_id, people["email"], actor="system")
        report = service.erase_person(session, store, workspace_id, people["email"], actor="system")
    listed = export["parquet_exports"]
    assert "delete them" in listed["instruction"]
    assert [item["directory"] for item in listed["exports"]] == [
        str((tmp_path / "lake" / "events").resolve())
    ]
    assert report.parquet_exports == (str((tmp_path / "lake" / "events").resolve()),)
