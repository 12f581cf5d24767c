"""OTLP decoding (protobuf and JSON alike) and the mapping of GenAI spans to events."""

import base64
import gzip
import json
from datetime import UTC, datetime

import pytest
import yaml
from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

from fixtures_path import require_shared_fixtures
from uptake.telemetry import otlp
from uptake.telemetry.event_schema import (
    BatchTooLarge,
    BatchUnreadable,
    UnsupportedBatchFormat,
    decode_events,
)

SHARED_FIXTURES_DIR = require_shared_fixtures()

OTLP_EXAMPLES = SHARED_FIXTURES_DIR / "otlp-examples"
SEMCONV = SHARED_FIXTURES_DIR / "otel-genai-semconv" / "model" / "gen-ai"
NAMES = otlp.AttributeNames()
TRACE_ID = "5b8efff798038103d269b633813fc60c"
SPAN_ID = "eee19b7ec3c1b174"
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
START = 1_777_000_000_000_000_000  # 2026-04-24T03:06:40Z


def attribute(key, value):
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    if isinstance(value, float):
        return KeyValue(key=key, value=AnyValue(double_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=value))


def protobuf_export(spans, resource=None) -> bytes:
    request = ExportTraceServiceRequest()
    resource_spans = ResourceSpans()
    resource_spans.resource.attributes.extend(attribute(k, v) for k, v in (resource or {}).items())
    scope_spans = ScopeSpans()
    scope_spans.scope.name = "tests"
    scope_spans.spans.extend(spans)
    resource_spans.scope_spans.append(scope_spans)
    request.resource_spans.append(resource_spans)
    return request.SerializeToString()


def genai_span(span_id="eee19b7ec3c1b174", **attributes) -> Span:
    values = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.provider.name": "openai",
        "gen_ai.usage.input_tokens": 120,
        "gen_ai.usage.output_tokens": 48,
        "uptake.use_case": "support-replies",
        "enduser.id": "alice@example.com",
    }
    values.update(attributes)
    span = Span(
        trace_id=bytes.fromhex(TRACE_ID),
        span_id=bytes.fromhex(span_id),
        name="chat gpt-4o",
        start_time_unix_nano=START,
        end_time_unix_nano=START + 1_500_000_000,
    )
    span.attributes.extend(attribute(k, v) for k, v in values.items() if v is not None)
    return span


def test_the_reference_json_trace_decodes_with_its_ids_times_and_attributes() -> None:
    body = (OTLP_EXAMPLES / "trace.json").read_bytes()
    expected = json.loads(body)["resourceSpans"][0]
    expected_span = expected["scopeSpans"][0]["spans"][0]

    [span] = otlp.decode_export(body, content_type="application/json", content_encoding=None)

    assert span.trace_id == expected_span["traceId"].lower()
    assert span.span_id == expected_span["spanId"].lower()
    assert span.start_time_unix_nano == int(expected_span["startTimeUnixNano"])
    assert span.end_time_unix_nano == int(expected_span["endTimeUnixNano"])
    assert span.attributes == {"my.span.attr": "some value"}
    assert span.resource_attributes == {"service.name": "my.service"}
    assert span.scope_name == expected["scopeSpans"][0]["scope"]["name"]


def test_the_reference_trace_is_no_genai_span_so_it_is_skipped_not_rejected() -> None:
    spans = otlp.decode_export(
        (OTLP_EXAMPLES / "trace.json").read_bytes(), content_type="application/json", content_encoding=None
    )
    mapped = otlp.map_spans(spans, NAMES)
    assert (mapped.events, mapped.rejected, mapped.skipped) == ([], [], 1)


def json_of(body: bytes) -> bytes:
    """The OTLP/JSON of a protobuf export: protobuf's JSON mapping, with ids in hex instead of base64."""
    as_json = MessageToDict(ExportTraceServiceRequest.FromString(body))
    for resource_spans in as_json["resourceSpans"]:
        for scope_spans in resource_spans["scopeSpans"]:
            for span in scope_spans["spans"]:
                for name in ("traceId", "spanId", "parentSpanId"):
                    if name in span:
                        span[name] = base64.b64decode(span[name]).hex().upper()
    return json.dumps(as_json).encode()


def test_protobuf_and_json_encodings_of_one_span_decode_alike() -> None:
    body = protobuf_export([genai_span()], resource={"service.name": "support-bot"})
    as_json = json.loads(json_of(body))

    from_protobuf = otlp.decode_export(body, content_type="application/x-protobuf", content_encoding=None)
    from_json = otlp.decode_export(
        gzip.compress(json.dumps(as_json).encode()),
        content_type="application/json; charset=utf-8",
        content_encoding="gzip",
    )
    assert from_json == from_protobuf
    assert from_protobuf[0].attributes["gen_ai.usage.input_tokens"] == 120


def test_a_genai_span_becomes_an_invoked_event_with_its_model_and_tokens() -> None:
    spans = otlp.decode_export(
        protobuf_export([genai_span(**{"gen_ai.conversation.id": "conv-7", "uptake.tool": "support-bot"})]),
        content_type="application/x-protobuf",
        content_encoding=None,
    )
    [event] = otlp.map_spans(spans, NAMES).events

    assert event["kind"] == "invoked"
    assert event["event_id"] == otlp.span_event_id(TRACE_ID, SPAN_ID)
    assert event["time"] == datetime(2026, 4, 24, 3, 6, 40, tzinfo=UTC)
    assert (event["person"], event["use_case"], event["tool"]) == (
        "alice@example.com",
        "support-replies",
        "support-bot",
    )
    assert event["session_id"] == "conv-7"
    assert event["attributes"] == {
        "trace_id": TRACE_ID,
        "span_id": SPAN_ID,
        "operation": "chat",
        "model": "gpt-4o",
        "provider": "openai",
        "input_tokens": 120,
        "output_tokens": 48,
        "duration_ms": 1500.0,
    }
    decoded = decode_events([event], known_kinds=frozenset(), now=NOW)
    assert decoded.rejected == []


def test_person_and_use_case_come_from_the_resource_when_the_span_has_none() -> None:
    span = genai_span(**{"enduser.id": None, "uptake.use_case": None})
    spans = otlp.decode_export(
        protobuf_export([span], resource={"enduser.id": "bob@example.com", "uptake.use_case": "drafting"}),
        content_type="application/x-protobuf",
        content_encoding=None,
    )
    [event] = otlp.map_spans(spans, NAMES).events
    assert (event["person"], event["use_case"]) == ("bob@example.com", "drafting")


def test_configured_attribute_names_are_read_instead_of_the_defaults() -> None:
    span = genai_span(**{"user.id": "carol@example.com", "app.workflow": "triage"})
    spans = otlp.decode_export(
        protobuf_export([span]), content_type="application/x-protobuf", content_encoding=None
    )
    names = otlp.AttributeNames(use_case="app.workflow", person="user.id", tool="uptake.tool")
    [event] = otlp.map_spans(spans, names).events
    assert (event["person"], event["use_case"]) == ("carol@example.com", "triage")


def test_a_genai_span_without_person_is_rejected_with_the_attribute_named() -> None:
    spans = otlp.decode_export(
        protobuf_export([genai_span(**{"enduser.id": None, "uptake.use_case": " "})]),
        content_type="application/x-protobuf",
        content_encoding=None,
    )
    mapped = otlp.map_spans(spans, NAMES)
    assert mapped.events == []
    assert mapped.rejected == [
        otlp.SpanRejection(
            TRACE_ID,
            SPAN_ID,
            "has no 'enduser.id' and 'uptake.use_case' attribute on the span or its resource",
        )
    ]


def test_an_evaluation_event_becomes_feedback_with_rating_category_and_comment() -> None:
    span = genai_span()
    evaluation = span.events.add(name="gen_ai.evaluation.result", time_unix_nano=START + 2_000_000_000)
    evaluation.attributes.extend(
        [
            attribute("gen_ai.evaluation.name", "Helpfulness"),
            attribute("gen_ai.evaluation.score.value", 4.0),
            attribute("gen_ai.evaluation.score.label", "great"),
            attribute("gen_ai.evaluation.explanation", "Answered the question fully."),
        ]
    )
    unscored = span.events.add(name="gen_ai.evaluation.result", time_unix_nano=START + 3_000_000_000)
    unscored.attributes.extend(
        [attribute("gen_ai.evaluation.name", "Relevance"), attribute("gen_ai.evaluation.score.value", 0.83)]
    )
    spans = otlp.decode_export(
        protobuf_export([span]), content_type="application/x-protobuf", content_encoding=None
    )
    invoked, feedback, unrated = otlp.map_spans(spans, NAMES).events

    assert invoked["kind"] == "invoked"
    assert feedback["kind"] == "feedback"
    assert (feedback["rating"], feedback["category"], feedback["comment"]) == (
        4,
        "great",
        "Answered the question fully.",
    )
    assert feedback["attributes"]["evaluation"] == "Helpfulness"
    assert (unrated["rating"], unrated["category"], unrated["attributes"]["score"]) == (None, None, 0.83)
    assert len({invoked["event_id"], feedback["event_id"], unrated["event_id"]}) == 3
    assert decode_events([invoked, feedback, unrated], known_kinds=frozenset(), now=NOW).rejected == []


def test_event_ids_are_the_same_for_the_same_span_and_differ_between_spans() -> None:
    assert otlp.span_event_id(TRACE_ID, SPAN_ID) == otlp.span_event_id(TRACE_ID, SPAN_ID)
    assert otlp.span_event_id(TRACE_ID, SPAN_ID) != otlp.span_event_id(TRACE_ID, "eee19b7ec3c1b175")


@pytest.mark.parametrize(
    ("body", "content_type", "content_encoding", "error"),
    [
        (b"{}", "text/plain", None, UnsupportedBatchFormat),
        (b"{}", "application/json", "br", UnsupportedBatchFormat),
        (b"not json", "application/json", None, BatchUnreadable),
        (b'{"resourceSpans": {}}', "application/json", None, BatchUnreadable),
        (
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "xyz"}]}]}]}',
            "application/json",
            None,
            BatchUnreadable,
        ),
        (b"\xff\xff\xff", "application/x-protobuf", None, BatchUnreadable),
        (b"\x1f\x8b broken", "application/x-protobuf", "gzip", BatchUnreadable),
        (gzip.compress(b" " * 2048, mtime=0), "application/json", "gzip", BatchTooLarge),
    ],
)
def test_unreadable_bodies_name_why(body, content_type, content_encoding, error) -> None:
    with pytest.raises(error):
        otlp.decode_export(
            body, content_type=content_type, content_encoding=content_encoding, max_body_bytes=1024
        )


def test_every_genai_attribute_uptake_maps_is_in_the_semantic_conventions_registry() -> None:
    registry = yaml.safe_load((SEMCONV / "registry.yaml").read_text())
    defined = {
        attribute["id"]: attribute
        for group in registry["groups"]
        for attribute in group.get("attributes", [])
    }
    mapped = {*otlp.GENAI_ATTRIBUTES, *otlp.EVALUATION_ATTRIBUTES, otlp.CONVERSATION_ATTRIBUTE}
    assert sorted(mapped - defined.keys()) == []
    assert defined["gen_ai.usage.input_tokens"]["type"] == "int"
    assert defined["gen_ai.usage.output_tokens"]["type"] == "int"
    assert defined["gen_ai.evaluation.score.value"]["type"] == "double"
    assert "chat" in {member["value"] for member in defined[otlp.OPERATION_NAME]["type"]["members"]}
    deprecated = yaml.safe_load((SEMCONV / "deprecated" / "registry-deprecated.yaml").read_text())
    deprecated_ids = {a.get("id") for group in deprecated["groups"] for a in group.get("attributes", [])}
    assert otlp.DEPRECATED_PROVIDER_ATTRIBUTE in deprecated_ids


def test_the_evaluation_event_name_is_the_one_the_conventions_define() -> None:
    events = yaml.safe_load((SEMCONV / "events.yaml").read_text())
    names = {group.get("name") for group in events["groups"] if group.get("type") == "event"}
    assert otlp.EVALUATION_EVENT in names


def test_genai_spans_inside_another_genai_span_count_with_it() -> None:
    agent = genai_span(span_id="0000000000000001", **{"gen_ai.operation.name": "invoke_agent"})
    chat = genai_span(span_id="0000000000000002")
    chat.parent_span_id = bytes.fromhex("0000000000000001")
    tool = genai_span(span_id="0000000000000003", **{"gen_ai.operation.name": "execute_tool"})
    tool.parent_span_id = bytes.fromhex("0000000000000001")
    elsewhere = genai_span(span_id="0000000000000004")
    elsewhere.parent_span_id = bytes.fromhex("00000000000000ff")  # its parent is not in this export
    body = protobuf_export([chat, tool, agent, elsewhere])

    for spans in (
        otlp.decode_export(body, content_type="application/x-protobuf", content_encoding=None),
        otlp.decode_export(json_of(body), content_type="application/json", content_encoding=None),
    ):
        mapped = otlp.map_spans(spans, NAMES)
        assert [event["attributes"]["span_id"] for event in mapped.events] == [
            "0000000000000001",
            "0000000000000004",
        ]
        assert (mapped.nested, mapped.skipped) == (2, 0)
