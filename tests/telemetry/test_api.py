"""POST /api/v1/events through the app: formats, limits, per-event answers, idempotence, unrecognized slugs."""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from support import as_caller
from uptake.access.roles import Role, Scope
from uptake.app import create_app
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.db import session_scope
from uptake.telemetry.event_store import EventStore

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def make_event(**fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "time": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "person": "alice@example.com",
        "use_case": "support-replies",
        "tool": "support-assistant",
        "kind": "accepted",
    }
    event.update(fields)
    return event


@pytest.fixture
def workspace_id(world) -> int:
    return world.workspace(timezone="Europe/Berlin")


@pytest.fixture
def key_headers(world, workspace_id) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.api_key(workspace_id, Scope.events_write)}"}


def stored(app: Any, workspace_id: int) -> int:
    store: EventStore = app.state.event_store
    return store.count(workspace_id)


def query(app: Any, sql: str) -> list[tuple[Any, ...]]:
    """Read the app's event store directly (the file belongs to the app's DuckDB instance)."""
    with app.state.event_store._cursor() as cursor:
        return list(cursor.execute(sql).fetchall())


def post(client: TestClient, headers: dict[str, str], events: list[Any], **extra: Any) -> Any:
    return client.post("/api/v1/events", content=json.dumps(events), headers={**headers, **extra})


def test_a_json_batch_is_stored_with_people_pseudonymized(client, app, key_headers, workspace_id) -> None:
    events = [make_event(person="alice@example.com"), make_event(person="bob@example.com", kind="shown")]
    response = post(client, key_headers, events, **{"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "accepted": 2,
        "duplicates": 0,
        "rejected": [],
        "unrecognized": {"use_cases": ["support-replies"], "tools": ["support-assistant"]},
    }
    assert stored(app, workspace_id) == 2
    persons = {row[0] for row in query(app, "SELECT person FROM events")}
    sources = {row[0] for row in query(app, "SELECT source FROM events")}
    assert len(persons) == 2
    assert not any("@" in person for person in persons)
    assert sources == {"api"}


def test_gzip_ndjson_is_read(client, app, key_headers, workspace_id) -> None:
    events = [make_event() for _ in range(50)]
    body = gzip.compress(("\n".join(json.dumps(event) for event in events) + "\n\n").encode())
    response = client.post(
        "/api/v1/events",
        content=body,
        headers={**key_headers, "Content-Type": "application/x-ndjson", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 50
    assert stored(app, workspace_id) == 50


def test_resending_any_batch_changes_nothing(client, app, key_headers, workspace_id) -> None:
    batches = [[make_event() for _ in range(20)] for _ in range(3)]
    for batch in batches:
        assert post(client, key_headers, batch).json()["accepted"] == 20
    snapshot = query(app, "SELECT * EXCLUDE (received_at) FROM events ORDER BY event_id")
    for batch in (batches[1], batches[0], batches[2], batches[1] + batches[0]):
        answer = post(client, key_headers, batch).json()
        assert answer["accepted"] == 0
        assert answer["duplicates"] == len(batch)
    assert query(app, "SELECT * EXCLUDE (received_at) FROM events ORDER BY event_id") == snapshot
    assert stored(app, workspace_id) == 60


def test_a_malformed_batch_stores_the_valid_events_and_names_every_bad_one(
    client, app, key_headers, workspace_id
) -> None:
    good = [make_event() for _ in range(3)]
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    batch: list[Any] = [
        good[0],
        make_event(event_id="not-a-uuid"),
        good[1],
        make_event(time="2026-05-01T09:30:00"),
        make_event(time=future, rating=9),
        "just a string",
        {"event_id": str(uuid.uuid4())},
        good[2],
    ]
    response = post(client, key_headers, batch)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["accepted"] == 3
    rejected = {item["index"]: {error["field"] for error in item["errors"]} for item in answer["rejected"]}
    assert rejected == {
        1: {"event_id"},
        3: {"time"},
        4: {"time", "rating"},
        5: {"event"},
        6: {"time", "person", "use_case", "kind"},
    }
    assert all(error["reason"] for item in answer["rejected"] for error in item["errors"])
    assert answer["rejected"][0]["event_id"] == "not-a-uuid"
    assert stored(app, workspace_id) == 3


def test_unreadable_bodies_are_refused_as_a_whole(client, key_headers) -> None:
    not_json = client.post("/api/v1/events", content=b"[{", headers=key_headers)
    assert not_json.status_code == 400
    assert not_json.headers["content-type"] == "application/problem+json"
    xml = client.post("/api/v1/events", content=b"<a/>", headers={**key_headers, "Content-Type": "text/xml"})
    assert xml.status_code == 415
    assert "text/xml" in xml.json()["detail"]
    broken_gzip = client.post(
        "/api/v1/events", content=b"not gzip", headers={**key_headers, "Content-Encoding": "gzip"}
    )
    assert broken_gzip.status_code == 400


@pytest.fixture
def small_limits_client(settings, world) -> Any:
    limited = settings.model_copy(update={"events_max_batch": 5, "events_max_body_bytes": 4096})
    application = create_app(limited, start_worker=False)
    with TestClient(application, raise_server_exceptions=False) as test_client:
        yield test_client
    application.state.event_store.close()
    application.state.engine.dispose()


def test_batch_and_body_limits_answer_413_naming_the_limit(small_limits_client, key_headers) -> None:
    too_many = post(small_limits_client, key_headers, [make_event() for _ in range(6)])
    assert too_many.status_code == 413
    assert too_many.json()["limit"] == 5
    assert too_many.json()["unit"] == "events"
    assert "at most 5" in too_many.json()["detail"]

    too_big = post(small_limits_client, key_headers, [make_event(comment="x" * 3000) for _ in range(2)])
    assert too_big.status_code == 413
    assert (too_big.json()["limit"], too_big.json()["unit"]) == (4096, "bytes")

    bomb = gzip.compress(json.dumps([make_event(comment=" " * 3000) for _ in range(3)]).encode())
    assert len(bomb) < 4096
    inflated = small_limits_client.post(
        "/api/v1/events", content=bomb, headers={**key_headers, "Content-Encoding": "gzip"}
    )
    assert inflated.status_code == 413
    assert "decompressed" in inflated.json()["detail"]

    fits = post(small_limits_client, key_headers, [make_event() for _ in range(5)])
    assert fits.json()["accepted"] == 5


def test_only_an_events_key_or_admin_may_send(client, world, workspace_id) -> None:
    feedback_key = world.api_key(workspace_id, Scope.feedback_write)
    refused = post(client, {"Authorization": f"Bearer {feedback_key}"}, [make_event()])
    assert refused.status_code == 403
    assert "events:write" in refused.json()["detail"]


def test_unrecognized_slugs_are_listed_for_the_program_lead(
    client, app, world, workspace_id, key_headers
) -> None:
    with session_scope(world.factory, workspace_id) as session:
        catalog_service.create_tool(
            session,
            workspace_id,
            catalog_schemas.ToolCreate(slug="support-assistant", name="Support assistant", vendor="Acme"),
            actor="system",
        )
    events = [
        make_event(use_case="draft-replies", person="alice@example.com"),
        make_event(use_case="draft-replies", person="bob@example.com"),
        make_event(use_case="summaries", tool="shadow-chat"),
    ]
    answer = post(client, key_headers, events).json()
    assert answer["accepted"] == 3
    assert answer["unrecognized"] == {"use_cases": ["draft-replies", "summaries"], "tools": ["shadow-chat"]}

    as_caller(client, world.caller(workspace_id, Role.program_lead))
    listed = client.get("/api/v1/events/unrecognized")
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert [(slug["slug"], slug["events"], slug["people"]) for slug in body["use_cases"]] == [
        ("draft-replies", 2, 2),
        ("summaries", 1, 1),
    ]
    assert [slug["slug"] for slug in body["tools"]] == ["shadow-chat"]

    page = client.get("/telemetry/unrecognized")
    assert page.status_code == 200
    assert "draft-replies" in page.text
    assert "shadow-chat" in page.text
    assert "support-assistant" not in page.text


def test_the_openapi_document_describes_the_body(client) -> None:
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/events"]["post"]
    content = operation["requestBody"]["content"]
    assert set(content) == {"application/json", "application/x-ndjson"}
    event = content["application/json"]["schema"]["items"]
    assert event["required"] == ["event_id", "time", "person", "use_case", "kind"]
    assert {"200", "413", "415"} <= set(operation["responses"])


BREAKAGES: dict[str, tuple[str, Any]] = {
    "event_id": ("event_id", "not-a-uuid"),
    "time": ("time", "yesterday"),
    "kind": ("kind", "clicked"),
    "rating": ("rating", 7),
    "minutes_saved": ("minutes_saved", -1),
}


@hypothesis_settings(
    max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
@given(
    data=st.data(),
    plan=st.lists(
        st.lists(st.sampled_from([None, *BREAKAGES]), min_size=1, max_size=12), min_size=1, max_size=4
    ),
)
def test_any_mix_of_batches_and_resends_stores_each_valid_event_once(
    client, app, key_headers, data, plan
) -> None:
    store: EventStore = app.state.event_store
    before = {row[0] for row in query(app, "SELECT event_id FROM events")}
    batches = []
    for breakages in plan:
        batch = []
        for breakage in breakages:
            event = make_event()
            if breakage is not None:
                field, value = BREAKAGES[breakage]
                event[field] = value
            batch.append((breakage, event))
        batches.append(batch)
    sends = batches + data.draw(st.lists(st.sampled_from(batches), max_size=4), label="resent")
    seen: set[str] = set()
    for batch in sends:
        answer = post(client, key_headers, [event for _, event in batch]).json()
        valid = [event["event_id"] for breakage, event in batch if breakage is None]
        assert answer["accepted"] == len(set(valid) - seen)
        assert answer["accepted"] + answer["duplicates"] + len(answer["rejected"]) == len(batch)
        assert [item["index"] for item in answer["rejected"]] == [
            index for index, (breakage, _) in enumerate(batch) if breakage is not None
        ]
        for item in answer["rejected"]:
            assert BREAKAGES[batch[item["index"]][0]][0] in {error["field"] for error in item["errors"]}
        seen |= set(valid)
    stored = {row[0] for row in query(app, "SELECT event_id FROM events")} - before
    assert stored == seen
    assert store.count() == len(before) + len(seen)
