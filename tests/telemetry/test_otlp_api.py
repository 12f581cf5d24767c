"""`POST /v1/traces`: the real OpenTelemetry SDK and its OTLP/HTTP exporter against a live server, and
OTLP/JSON bodies through the app."""

import asyncio
import gzip
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
import pytest
from fastapi.testclient import TestClient
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from fixtures_path import require_shared_fixtures
from uptake.access.roles import Scope
from uptake.app import create_app
from uptake.telemetry import otlp
from uptake.telemetry.pseudonyms import pseudonymize_person
from uptake.telemetry.service import ingest_context

SHARED_FIXTURES_DIR = require_shared_fixtures()

TRACE_JSON = SHARED_FIXTURES_DIR / "otlp-examples" / "trace.json"


def record_genai_spans(resource_attributes: dict[str, str]) -> list:
    """Three spans made by the SDK as an instrumented application makes them: two GenAI calls, one HTTP call."""
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create(resource_attributes))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("support-bot")
    with tracer.start_as_current_span("POST /answer", attributes={"http.request.method": "POST"}):
        for model, person in (("gpt-4o", "alice@example.com"), ("claude-sonnet-4", "bob@example.com")):
            with tracer.start_as_current_span(
                f"chat {model}",
                attributes={
                    "gen_ai.operation.name": "chat",
                    "gen_ai.request.model": model,
                    "gen_ai.provider.name": "openai" if model.startswith("gpt") else "anthropic",
                    "gen_ai.usage.input_tokens": 310,
                    "gen_ai.usage.output_tokens": 95,
                    "enduser.id": person,
                },
            ):
                pass
    provider.shutdown()
    return list(memory.get_finished_spans())


def stored_events(live, workspace_id: int, person: str) -> list[dict]:
    with live.world.session(workspace_id) as session:
        context = ingest_context(session, workspace_id)
    pseudonym = pseudonymize_person(context.pseudonym_key, person, context.directory_map)
    return live.app.state.event_store.events_for_person(workspace_id, pseudonym)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_sdk_exporter_delivers_genai_spans_once_each(live_server) -> None:
    world = live_server.world
    workspace = world.workspace()
    world.person(workspace, email="alice@example.com")
    key = world.api_key(workspace, Scope.events_write)
    spans = record_genai_spans({"service.name": "support-bot", "uptake.use_case": "support-replies"})
    exporter = OTLPSpanExporter(
        endpoint=live_server.url("/v1/traces"),
        headers={"Authorization": f"Bearer {key}"},
        compression=Compression.Gzip,
    )

    assert exporter.export(spans) == SpanExportResult.SUCCESS
    store = live_server.app.state.event_store
    assert store.count(workspace) == 2
    assert exporter.export(spans) == SpanExportResult.SUCCESS  # a resent export stores nothing again
    assert store.count(workspace) == 2
    exporter.shutdown()

    [alice] = stored_events(live_server, workspace, "alice@example.com")
    genai = next(span for span in spans if span.attributes.get("gen_ai.request.model") == "gpt-4o")
    trace_id = f"{genai.context.trace_id:032x}"
    span_id = f"{genai.context.span_id:016x}"
    assert alice["event_id"] == otlp.span_event_id(trace_id, span_id)
    assert (alice["kind"], alice["use_case"], alice["source"]) == ("invoked", "support-replies", "otlp")
    assert json.loads(alice["attributes"])["model"] == "gpt-4o"
    assert alice["person"] != "alice@example.com"
    [bob] = stored_events(live_server, workspace, "bob@example.com")
    assert json.loads(bob["attributes"])["provider"] == "anthropic"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_spans_without_a_use_case_come_back_as_partial_success(live_server) -> None:
    world = live_server.world
    workspace = world.workspace()
    key = world.api_key(workspace, Scope.events_write)
    spans = record_genai_spans({"service.name": "support-bot"})
    exporter = OTLPSpanExporter(
        endpoint=live_server.url("/v1/traces"), headers={"Authorization": f"Bearer {key}"}
    )
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    body = encode_spans(spans).SerializeToString()
    response = httpx.post(
        live_server.url("/v1/traces"),
        content=body,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/x-protobuf"},
    )
    exporter.shutdown()

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-protobuf"
    answer = ExportTraceServiceResponse.FromString(response.content)
    assert answer.partial_success.rejected_spans == 2
    assert "has no 'uptake.use_case' attribute" in answer.partial_success.error_message
    assert "1 span(s) without gen_ai.operation.name" in answer.partial_success.error_message
    assert live_server.app.state.event_store.count(workspace) == 0


def json_export(*spans: dict, resource: dict | None = None) -> dict:
    def attributes(values: dict) -> list[dict]:
        typed = {str: "stringValue", int: "intValue", float: "doubleValue"}
        return [
            {"key": k, "value": {typed[type(v)]: str(v) if isinstance(v, int) else v}}
            for k, v in values.items()
        ]

    return {
        "resourceSpans": [
            {
                "resource": {"attributes": attributes(resource or {})},
                "scopeSpans": [
                    {
                        "scope": {"name": "tests"},
                        "spans": [
                            {
                                "traceId": span["trace_id"],
                                "spanId": span["span_id"],
                                "name": "chat",
                                "kind": 3,
                                "startTimeUnixNano": "1777000000000000000",
                                "endTimeUnixNano": "1777000001000000000",
                                "attributes": attributes(span["attributes"]),
                            }
                            for span in spans
                        ],
                    }
                ],
            }
        ]
    }


GENAI = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 12}


def test_json_exports_are_stored_and_answered_in_json(client, world) -> None:
    workspace = world.workspace()
    key = world.api_key(workspace, Scope.events_write)
    body = json_export(
        {"trace_id": "0af7651916cd43dd8448eb211c80319c", "span_id": "b7ad6b7169203331", "attributes": GENAI},
        {"trace_id": "0af7651916cd43dd8448eb211c80319c", "span_id": "b7ad6b7169203332", "attributes": GENAI},
        resource={"enduser.id": "alice@example.com", "uptake.use_case": "drafting"},
    )
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    first = client.post("/v1/traces", content=json.dumps(body), headers=headers)
    again = client.post(
        "/v1/traces",
        content=gzip.compress(json.dumps(body).encode()),
        headers={**headers, "Content-Encoding": "gzip"},
    )

    assert (first.status_code, first.json()) == (200, {})
    assert (again.status_code, again.json()) == (200, {})
    assert client.app.state.event_store.count(workspace) == 2


def test_a_span_the_event_validation_refuses_is_named_in_the_json_answer(client, world) -> None:
    workspace = world.workspace()
    key = world.api_key(workspace, Scope.events_write)
    body = json_export(
        {
            "trace_id": "0af7651916cd43dd8448eb211c80319c",
            "span_id": "b7ad6b7169203331",
            "attributes": {**GENAI, "uptake.minutes_saved": 99999.0},
        },
        resource={"enduser.id": "alice@example.com", "uptake.use_case": "drafting"},
    )
    response = client.post(
        "/v1/traces",
        content=json.dumps(body),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    partial = response.json()["partialSuccess"]
    assert partial["rejectedSpans"] == "1"
    assert (
        "span b7ad6b7169203331 of trace 0af7651916cd43dd8448eb211c80319c: minutes_saved"
        in partial["errorMessage"]
    )


def test_the_reference_trace_is_accepted_with_a_warning(client, world) -> None:
    workspace = world.workspace()
    key = world.api_key(workspace, Scope.events_write)
    response = client.post(
        "/v1/traces",
        content=TRACE_JSON.read_bytes(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert response.json()["partialSuccess"]["rejectedSpans"] == "0"
    assert "without gen_ai.operation.name" in response.json()["partialSuccess"]["errorMessage"]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Content-Type": "text/plain"}, 415),
        ({"Content-Type": "application/json", "Content-Encoding": "gzip"}, 400),
        ({"Content-Type": "application/json"}, 400),
    ],
)
def test_unreadable_bodies_are_problems(client, world, headers, status) -> None:
    workspace = world.workspace()
    key = world.api_key(workspace, Scope.events_write)
    response = client.post(
        "/v1/traces", content=b"{not json", headers={"Authorization": f"Bearer {key}", **headers}
    )
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_key_without_events_write_is_refused(client, world) -> None:
    workspace = world.workspace()
    key = world.api_key(workspace, Scope.feedback_write)
    response = client.post(
        "/v1/traces",
        content=b"{}",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert response.status_code == 403


def test_a_body_over_the_events_limit_is_413_naming_it(settings, world) -> None:
    from fastapi.testclient import TestClient

    from uptake.app import create_app

    application = create_app(settings.model_copy(update={"events_max_body_bytes": 1024}), start_worker=False)
    workspace = world.workspace()
    key = world.api_key(workspace, Scope.events_write)
    body = json.dumps(json_export(resource={"padding": "x" * 2048})).encode()
    try:
        with TestClient(application) as client:
            plain = client.post(
                "/v1/traces",
                content=body,
                headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            )
            zipped = client.post(
                "/v1/traces",
                content=gzip.compress(body),
                headers={
                    "Authorization": f"Bearer {key}",
                    "Content-Type": "application/json",
                    "Content-Encoding": "gzip",
                },
            )
    finally:
        application.state.event_store.close()
        application.state.engine.dispose()
    assert plain.status_code == 413
    assert "at most 1,024 bytes" in plain.json()["detail"]
    assert zipped.status_code == 413
    assert "decompressed body" in zipped.json()["detail"]


def test_the_reference_trace_made_a_genai_span_is_stored_with_its_ids_and_time(client, world) -> None:
    workspace = world.workspace()
    key = world.api_key(workspace, Scope.events_write)
    export = json.loads(TRACE_JSON.read_text())
    span = export["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    span["attributes"] += [
        {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
        {"key": "enduser.id", "value": {"stringValue": "alice@example.com"}},
        {"key": "uptake.use_case", "value": {"stringValue": "drafting"}},
    ]
    response = client.post(
        "/v1/traces",
        content=json.dumps(export),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert (response.status_code, response.json()) == (200, {})
    with world.session(workspace) as session:
        context = ingest_context(session, workspace)
    pseudonym = pseudonymize_person(context.pseudonym_key, "alice@example.com", context.directory_map)
    [event] = client.app.state.event_store.events_for_person(workspace, pseudonym)
    trace_id, span_id = span["traceId"].lower(), span["spanId"].lower()
    assert event["event_id"] == otlp.span_event_id(trace_id, span_id)
    assert (json.loads(event["attributes"])["trace_id"], json.loads(event["attributes"])["span_id"]) == (
        trace_id,
        span_id,
    )
    assert event["time"] == datetime.fromtimestamp(int(span["startTimeUnixNano"]) / 1e9, UTC).replace(
        tzinfo=None
    )
    assert json.loads(event["attributes"])["duration_ms"] == 1000.0


def test_a_body_without_content_length_stops_being_read_at_the_limit(settings, world) -> None:
    """As found: /v1/traces read a chunked body (no Content-Length) whole before answering 413."""
    limited = settings.model_copy(update={"events_max_body_bytes": 4096})
    application = create_app(limited, start_worker=False)
    workspace = world.workspace()
    key = world.api_key(workspace, Scope.events_write)
    chunks_read = 0
    answer: dict = {}

    async def receive() -> dict:
        nonlocal chunks_read
        chunks_read += 1
        return {"type": "http.request", "body": b"x" * 1024, "more_body": chunks_read < 1000}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/traces",
        "raw_path": b"/v1/traces",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", f"Bearer {key}".encode()),
            (b"content-type", b"application/json"),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    with TestClient(application), ThreadPoolExecutor(max_workers=1) as runner:  # the lifespan around the call
        # A thread of its own: a browser test earlier in the run may leave an event loop running in this one.
        runner.submit(asyncio.run, application(scope, receive, send)).result()
    assert answer["status"] == 413
    assert chunks_read <= 8  # 4 KiB allowed: it stopped at the limit, not after 1,000 KiB


@pytest.mark.parametrize("path", ["/v1/traces", "/api/v1/events"])
def test_deeply_nested_json_is_a_bad_request(client, world, path) -> None:
    """As found: 100,000 levels of nesting gave 500 on both ingest endpoints."""
    workspace = world.workspace()
    key = world.api_key(workspace, Scope.events_write)
    nested = b"[" * 100_000 + b"]" * 100_000
    answer = client.post(
        path, content=nested, headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    )
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
