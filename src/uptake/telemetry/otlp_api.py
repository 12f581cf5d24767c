"""`POST /v1/traces`: the OTLP/HTTP trace receiver, where OpenTelemetry exporters send GenAI spans.

An exporter is pointed at uptake with `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=https://uptake.example.com/v1/traces`
and `OTEL_EXPORTER_OTLP_TRACES_HEADERS=Authorization=Bearer <key with events:write>`. The answer follows the
OTLP/HTTP specification: 200 with an `ExportTraceServiceResponse` in the request's encoding, its
`partial_success` naming how many spans were rejected and why (a span rejected is never retried by the
exporter, so the message says what to fix). Bodies that cannot be read at all get 400, 413 or 415 as
problem+json; the body limit is the events API's (`events_max_body_bytes`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from sqlalchemy.orm import Session

from uptake.access.dependencies import EventsWriter, SessionDep, SettingsDep
from uptake.settings import Settings
from uptake.telemetry import otlp
from uptake.telemetry.api import read_body_within_limit
from uptake.telemetry.dependencies import get_event_store, get_ingest_contexts
from uptake.telemetry.event_sources import store_events
from uptake.telemetry.event_store import EventStore
from uptake.telemetry.ingest import IngestResult
from uptake.telemetry.service import IngestContexts

router = APIRouter(include_in_schema=False)  # an OTLP endpoint: the OpenTelemetry specification describes it

MAX_NAMED_REJECTIONS: Final = 5
"""How many rejected spans the answer's message names one by one; the count covers them all."""


@router.post(
    "/v1/traces",
    summary="Receive OpenTelemetry GenAI spans (OTLP/HTTP, protobuf or JSON, gzip accepted)",
    response_class=Response,
)
async def receive_traces(
    request: Request, session: SessionDep, settings: SettingsDep, writer: EventsWriter
) -> Response:
    body = await read_body_within_limit(request, settings.events_max_body_bytes)
    content_type = request.headers.get("content-type")
    store = get_event_store(request)
    response = await run_in_threadpool(
        _receive,
        session,
        store,
        get_ingest_contexts(request),
        settings,
        writer.workspace_id,
        body,
        content_type,
        request.headers.get("content-encoding"),
    )
    if (content_type or "").split(";")[0].strip().lower() == otlp.PROTOBUF_MEDIA_TYPE:
        return Response(response.SerializeToString(), media_type=otlp.PROTOBUF_MEDIA_TYPE)
    return JSONResponse(otlp.response_as_json(response))


def _receive(
    session: Session,
    store: EventStore,
    contexts: IngestContexts,
    settings: Settings,
    workspace_id: int,
    body: bytes,
    content_type: str | None,
    content_encoding: str | None,
) -> ExportTraceServiceResponse:
    spans = otlp.decode_export(
        body,
        content_type=content_type,
        content_encoding=content_encoding,
        max_body_bytes=settings.events_max_body_bytes,
    )
    names = otlp.AttributeNames(
        use_case=settings.otlp_use_case_attribute,
        person=settings.otlp_person_attribute,
        tool=settings.otlp_tool_attribute,
    )
    mapped = otlp.map_spans(spans, names)
    context = contexts.get(session, workspace_id)
    result = store_events(store, context, mapped.events, source="otlp", now=datetime.now(UTC))
    return _answer(mapped, result, names)


def _answer(
    mapped: otlp.MappedSpans, result: IngestResult, names: otlp.AttributeNames
) -> ExportTraceServiceResponse:
    """Count each rejected span once (its invoked event or an evaluation of it may be the one refused)."""
    reasons: dict[tuple[str, str], str] = {
        (rejection.trace_id, rejection.span_id): rejection.reason for rejection in mapped.rejected
    }
    for rejected in result.rejected:
        attributes = mapped.events[rejected.index].get("attributes") or {}
        key = (str(attributes.get("trace_id")), str(attributes.get("span_id")))
        reasons.setdefault(key, "; ".join(f"{error.field} {error.reason}" for error in rejected.errors))
    parts = [
        f"span {span_id} of trace {trace_id}: {reason}"
        for (trace_id, span_id), reason in list(reasons.items())[:MAX_NAMED_REJECTIONS]
    ]
    if len(reasons) > MAX_NAMED_REJECTIONS:
        parts.append(f"and {len(reasons) - MAX_NAMED_REJECTIONS} more")
    message = "; ".join(parts)
    if mapped.skipped:
        skipped = (
            f"{mapped.skipped} span(s) without {otlp.OPERATION_NAME} are not GenAI operations and were not "
            f"recorded (uptake reads the person from '{names.person}' and the use case from '{names.use_case}')"
        )
        message = f"{message}; {skipped}" if message else skipped
    return otlp.export_response(len(reasons), message)
