"""The ingest's answers as Pydantic models (for the OpenAPI document), and the event as the OpenAPI body states it.

The body itself is never decoded through these: `event_schema` decodes it with msgspec, many times faster.
`EVENT_OPENAPI_SCHEMA` states the same rules for readers of the API document (docs/events.md has the prose).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final

from pydantic import BaseModel, Field

from uptake.telemetry.event_schema import (
    EVENT_SCHEMA_VERSION,
    FEEDBACK_CATEGORIES,
    MAX_ATTRIBUTES_BYTES,
    MAX_MINUTES_SAVED,
    MAX_SESSION_ID_CHARS,
    MAX_TEXT_CHARS,
    STANDARD_KINDS,
)


def _nullable(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}], "description": description}


EVENT_OPENAPI_SCHEMA: Final[dict[str, Any]] = {
    "title": f"Event (schema version {EVENT_SCHEMA_VERSION})",
    "type": "object",
    "additionalProperties": False,
    "required": ["event_id", "time", "person", "use_case", "kind"],
    "properties": {
        "event_id": {
            "type": "string",
            "format": "uuid",
            "description": "A UUID the client makes; an event_id already stored in the workspace is a duplicate.",
        },
        "time": {
            "type": "string",
            "format": "date-time",
            "description": "When it happened, RFC 3339 with its offset; at most 5 minutes in the future.",
        },
        "person": {
            "type": "string",
            "minLength": 1,
            "description": "The person's directory external id or email; pseudonymized on arrival.",
        },
        "use_case": {"type": "string", "minLength": 1, "description": "The use case's slug."},
        "tool": _nullable({"type": "string", "minLength": 1}, "The tool's slug."),
        "kind": {
            "type": "string",
            "description": f"One of {', '.join(sorted(STANDARD_KINDS))}, or a kind declared for the tool.",
        },
        "session_id": _nullable(
            {"type": "string", "maxLength": MAX_SESSION_ID_CHARS}, "Groups the events of one working session."
        ),
        "minutes_saved": _nullable(
            {"type": "number", "minimum": 0, "maximum": MAX_MINUTES_SAVED}, "Minutes the output saved."
        ),
        "rating": _nullable({"type": "integer", "minimum": 1, "maximum": 5}, "Feedback events only: 1 to 5."),
        "category": _nullable({"enum": list(FEEDBACK_CATEGORIES)}, "Feedback events only."),
        "comment": _nullable(
            {"type": "string", "maxLength": MAX_TEXT_CHARS}, "Feedback in the person's words."
        ),
        "correction": _nullable(
            {"type": "string", "maxLength": MAX_TEXT_CHARS}, "What the output should have been."
        ),
        "attributes": _nullable(
            {"type": "object"}, f"A small JSON map, at most {MAX_ATTRIBUTES_BYTES:,} bytes as JSON."
        ),
    },
}


class FieldErrorOut(BaseModel):
    field: str
    reason: str


class RejectedEventOut(BaseModel):
    index: int = Field(description="The event's position in the batch (NDJSON: among the non-blank lines).")
    event_id: str | None
    errors: list[FieldErrorOut]


class UnrecognizedSlugs(BaseModel):
    use_cases: list[str] = Field(description="Use case slugs of stored events the catalog does not know.")
    tools: list[str] = Field(description="Tool slugs of stored events the catalog does not know.")


class IngestAnswer(BaseModel):
    """What became of a batch: every event is accepted, a duplicate (already stored), or rejected with why."""

    accepted: int
    duplicates: int
    rejected: list[RejectedEventOut]
    unrecognized: UnrecognizedSlugs


class UnrecognizedSlugOut(BaseModel):
    slug: str
    events: int
    people: int
    first_seen: datetime
    last_seen: datetime


class UnrecognizedUsageOut(BaseModel):
    """Slugs that events of the period name and the catalog does not know, most events first."""

    since: date
    use_cases: list[UnrecognizedSlugOut]
    tools: list[UnrecognizedSlugOut]
