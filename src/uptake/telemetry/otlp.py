"""OpenTelemetry traces in, usage events out: OTLP/HTTP export requests (protobuf or JSON) decoded, and the spans
that follow the GenAI semantic conventions turned into `invoked` events. It stays whole: decoding OTLP and
mapping the GenAI conventions to events are one translation, read against the conventions.

**Which spans.** A span is a GenAI span when it carries `gen_ai.operation.name` (the one attribute the
conventions require on every GenAI client and agent span). Other spans — the HTTP and database spans an
instrumented service sends in the same export — are not usage: they are skipped, counted, and named in the
answer's warning, never rejected (an exporter retries or logs rejected spans, and nothing is wrong with them).

**Which person, use case and tool.** The conventions have no attribute for the use case, and the person is
not a GenAI attribute at all, so both come from attributes the deployment chooses (`Settings.otlp_*`,
defaults `uptake.use_case`, `enduser.id`, `uptake.tool`), looked up on the span first and on its resource
second, so an application can set them once on its resource. A GenAI span without a person or a use case is
rejected with the reason: it cannot be counted for anybody.

**One event per operation.** A GenAI span whose parent is a GenAI span of the same export (the model calls
and tool calls of an `invoke_agent` run) is part of its parent's operation: it makes no event of its own, so
one request of a person counts once. Exporters batch a trace's spans together as they end, so nested spans
nearly always arrive with their parent; one that arrives in another export counts on its own.

**Each span once.** The event id is a UUIDv5 of the trace id and span id: an exporter that resends a batch
(OTLP clients retry on 429, 502, 503, 504 and on timeouts) stores nothing twice.

**Feedback.** OpenTelemetry's GenAI conventions have no user-feedback event. The closest is the
`gen_ai.evaluation.result` event (an evaluator's verdict on an output); when a GenAI span carries one as a
span event, it becomes a `feedback` event for the same person and use case: `gen_ai.evaluation.score.value`
is the rating only when it is a whole number from 1 to 5, `gen_ai.evaluation.score.label` is the category
only when it is one of uptake's categories, `gen_ai.evaluation.explanation` is the comment; every value is
also kept in the event's attributes. Evaluations sent as log records (`/v1/logs`) are not read.

**Encodings.** Protobuf is decoded with `opentelemetry-proto`'s generated classes. OTLP/JSON is not the
protobuf JSON mapping (ids are hex, not base64; enums are integers), so it is read here directly, accepting
the lowerCamelCase field names the specification prescribes and the snake_case ones some senders use.
"""

from __future__ import annotations

import base64
import math
import uuid
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import msgspec
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from uptake.telemetry.event_schema import (
    FEEDBACK_CATEGORIES,
    MAX_BODY_BYTES,
    BatchTooLarge,
    BatchUnreadable,
    UnsupportedBatchFormat,
)
from uptake.telemetry.event_sources import deterministic_event_id

PROTOBUF_MEDIA_TYPE: Final = "application/x-protobuf"
JSON_MEDIA_TYPE: Final = "application/json"
OPERATION_NAME: Final = "gen_ai.operation.name"
EVALUATION_EVENT: Final = "gen_ai.evaluation.result"
OTLP_EVENT_NAMESPACE: Final = uuid.UUID("6f1c2a53-0b55-4d8e-9a57-2f9d3c1e7a10")
"""The UUIDv5 namespace of the event ids made from trace and span ids (fixed: changing it would store every
resent span a second time)."""

GENAI_ATTRIBUTES: Final = {
    "gen_ai.operation.name": "operation",
    "gen_ai.request.model": "model",
    "gen_ai.response.model": "response_model",
    "gen_ai.provider.name": "provider",
    "gen_ai.usage.input_tokens": "input_tokens",
    "gen_ai.usage.output_tokens": "output_tokens",
    "gen_ai.agent.name": "agent",
}
"""The GenAI span attributes kept on the event, under the shorter name they get in `attributes`."""
DEPRECATED_PROVIDER_ATTRIBUTE: Final = "gen_ai.system"
"""What `gen_ai.provider.name` was called before semantic conventions 1.37; still sent by older libraries."""
CONVERSATION_ATTRIBUTE: Final = "gen_ai.conversation.id"
EVALUATION_ATTRIBUTES: Final = {
    "gen_ai.evaluation.name": "evaluation",
    "gen_ai.evaluation.score.value": "score",
    "gen_ai.evaluation.score.label": "label",
    "gen_ai.evaluation.explanation": "explanation",
}
MINUTES_SAVED_ATTRIBUTE: Final = "uptake.minutes_saved"
_MAX_ATTRIBUTE_TEXT: Final = 200
_JSON_DECODER: Final = msgspec.json.Decoder()


@dataclass(frozen=True, slots=True)
class AttributeNames:
    """Which span or resource attributes name the use case, the person and the tool (from the settings)."""

    use_case: str = "uptake.use_case"
    person: str = "enduser.id"
    tool: str = "uptake.tool"


@dataclass(frozen=True, slots=True)
class SpanEvent:
    name: str
    time_unix_nano: int
    attributes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Span:
    """One span as the export carried it, both encodings alike: ids in lower-case hex, times in ns."""

    trace_id: str
    span_id: str
    name: str
    start_time_unix_nano: int
    end_time_unix_nano: int
    attributes: dict[str, Any]
    resource_attributes: dict[str, Any]
    scope_name: str
    events: list[SpanEvent] = field(default_factory=list)
    status_code: int = 0
    parent_span_id: str = ""


@dataclass(frozen=True, slots=True)
class SpanRejection:
    trace_id: str
    span_id: str
    reason: str


@dataclass(slots=True)
class MappedSpans:
    """The events made from an export, the GenAI spans that could not become one, and the others skipped."""

    events: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[SpanRejection] = field(default_factory=list)
    skipped: int = 0
    nested: int = 0
    """GenAI spans inside another GenAI span of the export (a model call of an agent run): counted with it."""


# -- decoding ---------------------------------------------------------------------------------------------------


def decode_export(
    body: bytes,
    *,
    content_type: str | None,
    content_encoding: str | None,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> list[Span]:
    """The spans of an OTLP/HTTP trace export body.

    Raises `BatchTooLarge` (413), `UnsupportedBatchFormat` (415) or `BatchUnreadable` (400).
    """
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type not in (PROTOBUF_MEDIA_TYPE, JSON_MEDIA_TYPE):
        raise UnsupportedBatchFormat(
            f"Content-Type {content_type or '(none)'} is not read here; send {PROTOBUF_MEDIA_TYPE} or "
            f"{JSON_MEDIA_TYPE} (OTLP/HTTP)."
        )
    body = _decompress(body, content_encoding, max_body_bytes)
    if media_type == PROTOBUF_MEDIA_TYPE:
        return list(_spans_from_protobuf(body))
    return list(_spans_from_json(body))


def _decompress(body: bytes, content_encoding: str | None, max_body_bytes: int) -> bytes:
    if len(body) > max_body_bytes:
        raise _too_large(len(body), max_body_bytes)
    encoding = (content_encoding or "identity").strip().lower()
    if encoding == "identity":
        return body
    if encoding != "gzip":
        raise UnsupportedBatchFormat(
            f"Content-Encoding {content_encoding} is not read here; send gzip or none."
        )
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        inflated = inflater.decompress(body, max_body_bytes + 1)
    except zlib.error as error:
        raise BatchUnreadable(f"The gzip body cannot be decompressed ({error}).") from None
    if len(inflated) > max_body_bytes:
        raise _too_large(len(inflated), max_body_bytes, decompressed=True)
    if not inflater.eof:
        raise BatchUnreadable("The gzip body is cut short.")
    return inflated


def _too_large(size: int, limit: int, *, decompressed: bool = False) -> BatchTooLarge:
    what = "decompressed body" if decompressed else "body"
    return BatchTooLarge(
        f"The {what} is {'over ' if decompressed else ''}{size:,} bytes; at most {limit:,} bytes are accepted.",
        limit=limit,
        unit="bytes",
    )


def _spans_from_protobuf(body: bytes) -> Iterator[Span]:
    try:
        request = ExportTraceServiceRequest.FromString(body)
    except DecodeError as error:
        raise BatchUnreadable(
            f"The body is not an OTLP ExportTraceServiceRequest in protobuf ({error})."
        ) from None
    for resource_spans in request.resource_spans:
        resource = _protobuf_attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                yield Span(
                    trace_id=span.trace_id.hex(),
                    span_id=span.span_id.hex(),
                    name=span.name,
                    start_time_unix_nano=span.start_time_unix_nano,
                    end_time_unix_nano=span.end_time_unix_nano,
                    attributes=_protobuf_attributes(span.attributes),
                    resource_attributes=resource,
                    scope_name=scope_spans.scope.name,
                    events=[
                        SpanEvent(event.name, event.time_unix_nano, _protobuf_attributes(event.attributes))
                        for event in span.events
                    ],
                    status_code=span.status.code,
                    parent_span_id=span.parent_span_id.hex(),
                )


def _protobuf_attributes(pairs: Any) -> dict[str, Any]:
    return {pair.key: _protobuf_value(pair.value) for pair in pairs}


def _protobuf_value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [_protobuf_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        items: list[KeyValue] = list(value.kvlist_value.values)
        return {item.key: _protobuf_value(item.value) for item in items}
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode()
    return getattr(value, kind)


def _spans_from_json(body: bytes) -> Iterator[Span]:
    try:
        request = _JSON_DECODER.decode(body)
    except msgspec.DecodeError as error:
        raise BatchUnreadable(f"The body is not JSON ({error}).") from None
    except RecursionError:
        raise BatchUnreadable("The body's JSON is nested too deeply to be an OTLP export.") from None
    if not isinstance(request, dict):
        raise BatchUnreadable('The body must be an OTLP/JSON object: {"resourceSpans": [...]}.')
    try:
        for resource_spans in _list(request, "resourceSpans", "resource_spans"):
            resource = _json_attributes(_object(resource_spans, "resource"))
            for scope_spans in _list(resource_spans, "scopeSpans", "scope_spans"):
                scope = _object(scope_spans, "scope")
                for span in _list(scope_spans, "spans"):
                    yield _json_span(span, resource, str(scope.get("name") or ""))
    except (TypeError, ValueError, AttributeError) as error:
        raise BatchUnreadable(f"The body is not OTLP/JSON trace data ({error}).") from None


def _json_span(span: Mapping[str, Any], resource: dict[str, Any], scope_name: str) -> Span:
    status = _object(span, "status")
    return Span(
        trace_id=_hex_id(_field(span, "traceId", "trace_id"), 16),
        span_id=_hex_id(_field(span, "spanId", "span_id"), 8),
        name=str(span.get("name") or ""),
        start_time_unix_nano=_int(_field(span, "startTimeUnixNano", "start_time_unix_nano")),
        end_time_unix_nano=_int(_field(span, "endTimeUnixNano", "end_time_unix_nano")),
        attributes=_json_attributes(span),
        resource_attributes=resource,
        scope_name=scope_name,
        events=[
            SpanEvent(
                str(event.get("name") or ""),
                _int(_field(event, "timeUnixNano", "time_unix_nano")),
                _json_attributes(event),
            )
            for event in _list(span, "events")
        ],
        status_code=_int(status.get("code")),
        parent_span_id=_hex_id(parent, 8)
        if (parent := _field(span, "parentSpanId", "parent_span_id"))
        else "",
    )


def _field(item: Mapping[str, Any], camel: str, snake: str) -> Any:
    return item[camel] if camel in item else item.get(snake)


def _list(item: Mapping[str, Any], camel: str, snake: str | None = None) -> list[Any]:
    value = _field(item, camel, snake) if snake else item.get(camel)
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"{camel} must be an array")
    return value


def _object(item: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = item.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be an object")
    return value


def _hex_id(value: Any, size: int) -> str:
    """OTLP/JSON ids are hex strings (any case); an absent id is all zeros, an invalid one an error."""
    if value in (None, ""):
        return "00" * size
    text = str(value).lower()
    if len(text) != size * 2 or any(character not in "0123456789abcdef" for character in text):
        raise ValueError(f"the id {value!r} is not {size} bytes in hex")
    return text


def _int(value: Any) -> int:
    """OTLP/JSON carries 64-bit integers as decimal strings (JavaScript's numbers lose precision) or numbers."""
    if value in (None, ""):
        return 0
    return int(value)


def _json_attributes(item: Mapping[str, Any]) -> dict[str, Any]:
    return {str(pair["key"]): _json_value(pair.get("value") or {}) for pair in _list(item, "attributes")}


def _json_value(value: Mapping[str, Any]) -> Any:
    if "stringValue" in value or "string_value" in value:
        return _field(value, "stringValue", "string_value")
    if "boolValue" in value or "bool_value" in value:
        return bool(_field(value, "boolValue", "bool_value"))
    if "intValue" in value or "int_value" in value:
        return _int(_field(value, "intValue", "int_value"))
    if "doubleValue" in value or "double_value" in value:
        return float(_field(value, "doubleValue", "double_value"))
    if "arrayValue" in value or "array_value" in value:
        array = _field(value, "arrayValue", "array_value") or {}
        return [_json_value(item or {}) for item in _list(array, "values")]
    if "kvlistValue" in value or "kvlist_value" in value:
        return _json_attributes(
            {"attributes": (_field(value, "kvlistValue", "kvlist_value") or {}).get("values")}
        )
    if "bytesValue" in value or "bytes_value" in value:
        return str(_field(value, "bytesValue", "bytes_value"))
    return None


# -- mapping ----------------------------------------------------------------------------------------------------


def map_spans(spans: list[Span], names: AttributeNames) -> MappedSpans:
    """The events (in the ingest's Python form) made from the GenAI spans, and why the others were not."""
    mapped = MappedSpans()
    operations = {(span.trace_id, span.span_id) for span in spans if OPERATION_NAME in span.attributes}
    for span in spans:
        if OPERATION_NAME not in span.attributes:
            mapped.skipped += 1
            continue
        if span.parent_span_id and (span.trace_id, span.parent_span_id) in operations:
            mapped.nested += 1
            continue
        person = _text_attribute(span, names.person)
        use_case = _text_attribute(span, names.use_case)
        if person is None or use_case is None:
            missing = " and ".join(
                f"'{name}'"
                for name, value in ((names.person, person), (names.use_case, use_case))
                if value is None
            )
            mapped.rejected.append(
                SpanRejection(
                    span.trace_id, span.span_id, f"has no {missing} attribute on the span or its resource"
                )
            )
            continue
        tool = _text_attribute(span, names.tool)
        mapped.events.append(_invoked_event(span, person, use_case, tool))
        mapped.events.extend(
            _feedback_event(span, event, position, person, use_case, tool)
            for position, event in enumerate(span.events)
            if event.name == EVALUATION_EVENT
        )
    return mapped


def span_event_id(trace_id: str, span_id: str, suffix: str = "") -> str:
    """The event id of a span (or of its n-th evaluation, with a suffix): the same on every resend."""
    return deterministic_event_id(OTLP_EVENT_NAMESPACE, f"{trace_id}:{span_id}{suffix}")


def _invoked_event(span: Span, person: str, use_case: str, tool: str | None) -> dict[str, Any]:
    attributes: dict[str, Any] = {"trace_id": span.trace_id, "span_id": span.span_id}
    for name, short in GENAI_ATTRIBUTES.items():
        value = span.attributes.get(name)
        if value is not None:
            attributes[short] = _bounded(value)
    if "provider" not in attributes and DEPRECATED_PROVIDER_ATTRIBUTE in span.attributes:
        attributes["provider"] = _bounded(span.attributes[DEPRECATED_PROVIDER_ATTRIBUTE])
    if span.end_time_unix_nano >= span.start_time_unix_nano > 0:
        attributes["duration_ms"] = round((span.end_time_unix_nano - span.start_time_unix_nano) / 1e6, 3)
    if span.status_code == 2:
        attributes["error"] = True
    event: dict[str, Any] = {
        "event_id": span_event_id(span.trace_id, span.span_id),
        "time": _time(span.start_time_unix_nano),
        "person": person,
        "use_case": use_case,
        "tool": tool,
        "kind": "invoked",
        "session_id": _session_id(span),
        "attributes": attributes,
    }
    minutes_saved = span.attributes.get(MINUTES_SAVED_ATTRIBUTE)
    if minutes_saved is not None:
        event["minutes_saved"] = minutes_saved
    return event


def _feedback_event(
    span: Span, evaluation: SpanEvent, position: int, person: str, use_case: str, tool: str | None
) -> dict[str, Any]:
    attributes: dict[str, Any] = {"trace_id": span.trace_id, "span_id": span.span_id}
    for name, short in EVALUATION_ATTRIBUTES.items():
        value = evaluation.attributes.get(name)
        if value is not None:
            attributes[short] = _bounded(value)
    score = evaluation.attributes.get("gen_ai.evaluation.score.value")
    label = evaluation.attributes.get("gen_ai.evaluation.score.label")
    explanation = evaluation.attributes.get("gen_ai.evaluation.explanation")
    rating = None
    if (
        isinstance(score, int | float)
        and math.isfinite(score)
        and float(score).is_integer()
        and 1 <= score <= 5
    ):
        rating = int(score)
    return {
        "event_id": span_event_id(span.trace_id, span.span_id, f":evaluation:{position}"),
        "time": _time(evaluation.time_unix_nano or span.end_time_unix_nano or span.start_time_unix_nano),
        "person": person,
        "use_case": use_case,
        "tool": tool,
        "kind": "feedback",
        "session_id": _session_id(span),
        "rating": rating,
        "category": label if label in FEEDBACK_CATEGORIES else None,
        "comment": explanation if isinstance(explanation, str) and explanation.strip() else None,
        "attributes": attributes,
    }


def _text_attribute(span: Span, name: str) -> str | None:
    """The attribute as text, from the span or else its resource; None when absent or blank."""
    value = span.attributes.get(name, span.resource_attributes.get(name))
    if value is None or isinstance(value, list | dict):
        return None
    text = str(value).strip()
    return text or None


def _session_id(span: Span) -> str | None:
    conversation = span.attributes.get(CONVERSATION_ATTRIBUTE)
    return str(conversation)[:200] if conversation not in (None, "") else None


def _bounded(value: Any) -> Any:
    """Attribute values kept on an event: texts cut to 200 characters, so the attributes stay small."""
    if isinstance(value, str):
        return value[:_MAX_ATTRIBUTE_TEXT]
    if isinstance(value, list | dict):
        return str(value)[:_MAX_ATTRIBUTE_TEXT]
    return value


def _time(unix_nano: int) -> datetime:
    """A span time as an aware datetime (microseconds: the store's precision). A zero time stays 1970, which
    the event validation refuses with its reason."""
    return datetime.fromtimestamp(unix_nano // 1000 / 1e6, tz=UTC)


# -- the answer -------------------------------------------------------------------------------------------------


def export_response(rejected_spans: int, message: str) -> ExportTraceServiceResponse:
    """The ExportTraceServiceResponse: `partial_success` set when spans were rejected or there is a warning
    (the specification leaves it unset for a full success)."""
    response = ExportTraceServiceResponse()
    if rejected_spans or message:
        response.partial_success.rejected_spans = rejected_spans
        response.partial_success.error_message = message
    return response


def response_as_json(response: ExportTraceServiceResponse) -> dict[str, Any]:
    """The OTLP/JSON form of the response (int64 as a decimal string, as OTLP/JSON writes it)."""
    if not response.HasField("partial_success"):
        return {}
    partial = response.partial_success
    return {
        "partialSuccess": {
            "rejectedSpans": str(partial.rejected_spans),
            "errorMessage": partial.error_message,
        }
    }
