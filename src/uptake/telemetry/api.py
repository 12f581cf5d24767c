"""The ingest endpoint, `POST /api/v1/events`, and the program lead's list of unrecognized slugs.

The body is read as bytes and handed to `event_schema.decode_batch` (msgspec, on whole columns) in a worker
thread: no Pydantic model is built per event, and the event loop stays free while a batch is decoded and
stored. The body is counted as it arrives, so an oversized body is refused before it is all read.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from uptake.access.dependencies import EventsWriter, ProgramLead, SessionDep, SettingsDep
from uptake.errors import PROBLEM_CONTENT_TYPE
from uptake.telemetry import schemas, service
from uptake.telemetry.dependencies import get_event_store, get_ingest_contexts
from uptake.telemetry.event_schema import JSON_MEDIA_TYPE, BatchTooLarge
from uptake.telemetry.event_store import EventStore

router = APIRouter(prefix="/events", tags=["events"])

_PROBLEM = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
_INGEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": (
            "A JSON array of events (Content-Type: application/json), or NDJSON, one event per line "
            "(application/x-ndjson); either may be gzip-compressed (Content-Encoding: gzip). At most "
            "`events_max_batch` events (10,000 by default) and `events_max_body_bytes` bytes (16 MiB), as sent "
            "and once decompressed. The event schema is documented in docs/events.md."
        ),
        "content": {
            JSON_MEDIA_TYPE: {
                "schema": {"type": "array", "maxItems": 10_000, "items": schemas.EVENT_OPENAPI_SCHEMA}
            },
            "application/x-ndjson": {
                "schema": {
                    "type": "string",
                    "description": "One JSON event per line; blank lines are skipped.",
                }
            },
        },
    }
}
_INGEST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Every event is accepted, a duplicate, or rejected (with its index, field and reason)."
    },
    415: {"description": "A content type or encoding the ingest does not read.", "content": _PROBLEM},
}


def _event_store(request: Request) -> EventStore:
    store = get_event_store(request)
    return store


async def read_body_within_limit(request: Request, max_body_bytes: int) -> bytes:
    """The request's body, read chunk by chunk and abandoned (413) as soon as it passes ``max_body_bytes``, with
    or without a Content-Length (a chunked upload announces none)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_body_bytes:
        raise _body_too_large(int(declared), max_body_bytes)
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_body_bytes:
            raise _body_too_large(size, max_body_bytes)
        parts.append(chunk)
    return b"".join(parts)


def _body_too_large(size: int, max_body_bytes: int) -> BatchTooLarge:
    return BatchTooLarge(
        f"The body is more than {max_body_bytes:,} bytes ({size:,} so far); at most {max_body_bytes:,} bytes "
        "are accepted (setting events_max_body_bytes). Send smaller batches.",
        limit=max_body_bytes,
        unit="bytes",
    )


@router.post(
    "",
    summary="Send a batch of usage events",
    response_model=schemas.IngestAnswer,
    responses=_INGEST_RESPONSES,
    openapi_extra=_INGEST_BODY,
)
async def ingest_events(
    request: Request, writer: EventsWriter, session: SessionDep, settings: SettingsDep
) -> Response:
    """Validate, pseudonymize and store a batch. A malformed event never rejects its batch: the valid events
    are stored and each bad one is named with its index, field and reason. Resending a batch changes nothing
    (its events come back as duplicates). Use cases and tools the catalog does not know are stored and listed
    under `unrecognized`."""
    body = await read_body_within_limit(request, settings.events_max_body_bytes)
    store = _event_store(request)
    contexts = get_ingest_contexts(request)

    def ingest() -> bytes:
        context = contexts.get(session, writer.workspace_id)
        result = service.ingest_request_body(
            store,
            context,
            body=body,
            content_type=request.headers.get("content-type"),
            content_encoding=request.headers.get("content-encoding"),
            source="sdk" if request.headers.get("user-agent", "").startswith("uptake-python-sdk/") else "api",
            max_events=settings.events_max_batch,
            max_body_bytes=settings.events_max_body_bytes,
        )
        return msgspec.json.encode(result.as_response())

    return Response(await run_in_threadpool(ingest), media_type=JSON_MEDIA_TYPE)


@router.get("/unrecognized", response_model=schemas.UnrecognizedUsageOut)
def list_unrecognized_slugs(
    request: Request,
    session: SessionDep,
    lead: ProgramLead,
    days: Annotated[int, Query(ge=1, le=3660, description="Look at the events of this many last days.")] = 30,
) -> schemas.UnrecognizedUsageOut:
    """Use cases and tools that events name and the catalog does not know, with their events, people and
    first and last time seen: add them to the catalog, or fix the tool that sends them."""
    usage = service.unrecognized_usage(session, _event_store(request), lead.workspace_id, days=days)
    return schemas.UnrecognizedUsageOut.model_validate(usage, from_attributes=True)
