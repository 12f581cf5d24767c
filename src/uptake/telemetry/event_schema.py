"""The event as a client sends it (schema version 1), and the decoding of a whole batch of them. It stays whole:
the fast and the slow path below must reach the same verdict on every field, so they sit side by side.

`decode_batch` turns a request body (a JSON array or NDJSON, optionally gzip) into the valid events, as
one Arrow table, and the rejected ones, each with its index and every field that is wrong and why. A
malformed event never rejects its batch; only a body that cannot be read at all (not JSON, broken gzip,
too many events, too many bytes, an unsupported content type) raises, with the reason or the limit.
`decode_events` does the same for events already in Python form (importers, OpenTelemetry).

Two paths reach the same verdict:

- the fast path decodes the batch with msgspec straight into typed structs (types, ranges, required
  fields, the time zone) and then checks the rules that span fields or depend on the workspace
  (kind, future times, rating only on feedback, blank strings, the attributes' size) on whole columns;
- the slow path, `validate_event`, looks at one event in plain Python and names every error. It runs only
  for the events the fast path found wrong, so a clean batch never pays for the messages.

msgspec was measured against Pydantic's `TypeAdapter(list[Event]).validate_json` on the raw body: 200,000
events decode at about 1.4 million events/s with msgspec and 115,000 events/s with Pydantic, so msgspec
it is. Its one error per failure is why the messages come from `validate_event`; a test holds the two
paths to the same verdict on generated events.
"""

from __future__ import annotations

import re
import uuid
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Final, Literal, cast

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from msgspec import Meta

from uptake.errors import FieldError, PayloadTooLarge, UptakeError

EVENT_SCHEMA_VERSION: Final = 1
STANDARD_KINDS: Final = frozenset({"invoked", "shown", "accepted", "edited", "rejected", "feedback"})
FEEDBACK_CATEGORIES: Final = ("wrong", "incomplete", "unsafe", "slow", "not_useful", "great")
MAX_EVENTS_PER_BATCH: Final = 10_000
MAX_BODY_BYTES: Final = 16 * 1024 * 1024
"""Largest body, before and after gzip: 10,000 events of about 1.6 KiB each."""
MAX_FUTURE: Final = timedelta(minutes=5)
EARLIEST_TIME: Final = datetime(2000, 1, 1, tzinfo=UTC)
"""Times before this are refused: they come from machines whose clock was never set (1970-01-01)."""
MAX_SESSION_ID_CHARS: Final = 200
MAX_TEXT_CHARS: Final = 4000
MAX_MINUTES_SAVED: Final = 1440
MAX_ATTRIBUTES_BYTES: Final = 4096

JSON_MEDIA_TYPE: Final = "application/json"
NDJSON_MEDIA_TYPES: Final = frozenset({"application/x-ndjson", "application/ndjson"})

EVENT_FIELDS: Final = (
    "event_id",
    "time",
    "person",
    "use_case",
    "tool",
    "kind",
    "session_id",
    "minutes_saved",
    "rating",
    "category",
    "comment",
    "correction",
    "attributes",
)

DECODED_EVENT_SCHEMA: Final = pa.schema(
    [
        pa.field("index", pa.int32(), nullable=False),
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("time", pa.timestamp("us"), nullable=False),
        pa.field("person", pa.string(), nullable=False),
        pa.field("use_case", pa.string(), nullable=False),
        pa.field("tool", pa.string()),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("session_id", pa.string()),
        pa.field("minutes_saved", pa.float64()),
        pa.field("rating", pa.int16()),
        pa.field("category", pa.string()),
        pa.field("comment", pa.string()),
        pa.field("correction", pa.string()),
        pa.field("attributes", pa.string()),
    ]
)
"""A decoded valid event: its position in the batch, the event as sent with `event_id` canonical,
`time` in UTC without zone, the person as sent (not yet pseudonymized) and `attributes` as compact JSON."""

_Text = Annotated[str, Meta(max_length=MAX_TEXT_CHARS)]
_MinutesSaved = Annotated[float, Meta(ge=0, le=MAX_MINUTES_SAVED)]
_Rating = Annotated[int, Meta(ge=1, le=5)]
_Category = Literal["wrong", "incomplete", "unsafe", "slow", "not_useful", "great"]
_SessionId = Annotated[str, Meta(max_length=MAX_SESSION_ID_CHARS)]
_AwareTime = Annotated[datetime, Meta(tz=True)]


class _Event(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """The fast path's typed event; every rule it cannot express is checked on columns afterwards.

    `gc=False`: decoded events hold only strings, numbers and JSON maps, never a cycle, and keeping
    200,000 of them out of the garbage collector's sight doubles decoding speed.
    """

    event_id: str
    time: _AwareTime
    person: str
    use_case: str
    kind: str
    tool: str | None = None
    session_id: _SessionId | None = None
    minutes_saved: _MinutesSaved | None = None
    rating: _Rating | None = None
    category: _Category | None = None
    comment: _Text | None = None
    correction: _Text | None = None
    attributes: dict[str, Any] | None = None


_EVENT_DECODER: Final = msgspec.json.Decoder(_Event)
_EVENT_LIST_DECODER: Final = msgspec.json.Decoder(list[_Event])
_RAW_LIST_DECODER: Final = msgspec.json.Decoder(list[msgspec.Raw])
_ANY_DECODER: Final = msgspec.json.Decoder()
_ENCODER: Final = msgspec.json.Encoder()
_CANONICAL_UUID: Final = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_UUID_FORMS: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32}"
)
_JSON_WHITESPACE: Final = b" \t\r"
_TIME_EXAMPLE: Final = "2026-05-01T09:30:00+02:00"


class BatchRejected(UptakeError):
    """The body as a whole cannot be read; no event of it was looked at."""

    status = 400
    title = "The batch cannot be read."


class BatchUnreadable(BatchRejected):
    """Not JSON where JSON was announced, not an array of events, or broken gzip."""


class UnsupportedBatchFormat(BatchRejected):
    """A content type or content encoding the ingest does not read."""

    status = 415
    title = "The batch's format is not supported."


class BatchTooLarge(PayloadTooLarge):
    """More events, or more bytes, than one batch may carry; `limit` and `unit` name the limit."""

    title = "The batch is too large."

    def __init__(self, detail: str, *, limit: int, unit: Literal["events", "bytes"]) -> None:
        super().__init__(detail, limit=limit, unit=unit)
        self.limit = limit
        self.unit = unit


@dataclass(frozen=True, slots=True)
class RejectedEvent:
    """One event that was not stored: its position in the batch, its id if readable, and why."""

    index: int
    event_id: str | None
    errors: tuple[FieldError, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "event_id": self.event_id,
            "errors": [error.as_dict() for error in self.errors],
        }


@dataclass(frozen=True, slots=True)
class DecodedBatch:
    """The valid events (`DECODED_EVENT_SCHEMA`) and the rejected ones, ordered by index."""

    events: pa.Table
    rejected: list[RejectedEvent]

    @property
    def received(self) -> int:
        return int(self.events.num_rows) + len(self.rejected)


def decode_batch(
    body: bytes,
    *,
    content_type: str | None,
    content_encoding: str | None,
    known_kinds: frozenset[str],
    now: datetime,
    max_events: int = MAX_EVENTS_PER_BATCH,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> DecodedBatch:
    """Decode and validate a request body of events.

    `content_type` is `application/json` (an array; the default when None) or `application/x-ndjson`
    (one event per line; blank lines are skipped and do not count as events, so `index` is the event's
    position among the events). `known_kinds` are the tool-specific kinds the workspace declared; the
    standard kinds are always accepted. `now` (aware) is the server's clock against which "more than 5
    minutes in the future" is judged. `max_body_bytes` applies before and after gzip.

    Raises `BatchTooLarge` (413), `UnsupportedBatchFormat` (415) or `BatchUnreadable` (400), also for JSON
    nested deeper than the decoder follows (an event is never more than a few levels deep).
    """
    try:
        return _decode_batch(
            body,
            content_type=content_type,
            content_encoding=content_encoding,
            known_kinds=known_kinds,
            now=now,
            max_events=max_events,
            max_body_bytes=max_body_bytes,
        )
    except RecursionError:
        raise BatchUnreadable(NESTED_TOO_DEEP) from None


NESTED_TOO_DEEP: Final = (
    "The body's JSON is nested too deeply to be events; send a flat array of event objects."
)


def _decode_batch(
    body: bytes,
    *,
    content_type: str | None,
    content_encoding: str | None,
    known_kinds: frozenset[str],
    now: datetime,
    max_events: int,
    max_body_bytes: int,
) -> DecodedBatch:
    _require_aware(now)
    is_ndjson = _is_ndjson(content_type)
    if len(body) > max_body_bytes:
        raise BatchTooLarge(
            f"The body is {len(body):,} bytes; at most {max_body_bytes:,} bytes are accepted.",
            limit=max_body_bytes,
            unit="bytes",
        )
    body = _decompress(body, content_encoding, max_body_bytes)
    if is_ndjson:
        lines = [line for line in body.split(b"\n") if line.strip(_JSON_WHITESPACE)]
        if len(lines) > max_events:
            raise _too_many(len(lines), max_events)
        decoded = [_decode_one(line) for line in lines]
        return _finish(decoded, lines.__getitem__, all_typed=False, known_kinds=known_kinds, now=now)
    try:
        typed: list[_Event] = _EVENT_LIST_DECODER.decode(body)
    except (msgspec.ValidationError, msgspec.DecodeError):
        items = _raw_items(body)
        if len(items) > max_events:
            raise _too_many(len(items), max_events) from None
        decoded = [_decode_one(item) for item in items]
        return _finish(decoded, items.__getitem__, all_typed=False, known_kinds=known_kinds, now=now)
    if len(typed) > max_events:
        raise _too_many(len(typed), max_events)
    return _finish(typed, _lazy_raw_items(body), all_typed=True, known_kinds=known_kinds, now=now)


def decode_events(
    events: Iterable[object],
    *,
    known_kinds: frozenset[str],
    now: datetime,
) -> DecodedBatch:
    """Validate events already in Python form: maps with the body's fields, where `time` may also be an
    aware `datetime`. There is no limit on their number: the caller chooses its batches."""
    _require_aware(now)
    items = list(events)
    try:
        typed: list[_Event] = msgspec.convert(items, list[_Event])
    except msgspec.ValidationError:
        decoded = [_convert_one(item) for item in items]
        return _finish(decoded, items.__getitem__, all_typed=False, known_kinds=known_kinds, now=now)
    return _finish(typed, items.__getitem__, all_typed=True, known_kinds=known_kinds, now=now)


def validate_event(value: object, *, known_kinds: frozenset[str], now: datetime) -> list[FieldError]:
    """Every error of one event, in the schema's field order, each naming the field and what to do.

    `value` is the event as decoded from JSON, or given in Python form; no errors means valid.
    """
    if not isinstance(value, Mapping):
        return [
            FieldError("event", "must be a JSON object with the event's fields (event_id, time, person, ...)")
        ]
    errors: list[FieldError] = []
    kind = value.get("kind")

    event_id = value.get("event_id")
    if event_id is None:
        errors.append(FieldError("event_id", "is required: a UUID the client makes for this event"))
    elif _canonical_event_id(event_id) is None:
        errors.append(FieldError("event_id", "must be a UUID, e.g. 3b241101-e2bb-4255-8caf-4136c566a962"))

    errors.extend(_time_errors(value.get("time"), now))

    for field, what in (
        ("person", "the person's email or directory id"),
        ("use_case", "the use case's slug"),
    ):
        text = value.get(field)
        if text is None:
            errors.append(FieldError(field, f"is required: {what}"))
        elif not isinstance(text, str):
            errors.append(FieldError(field, f"must be a string: {what}"))
        elif not text.strip():
            errors.append(FieldError(field, f"must not be blank: {what}"))
        elif not _is_unicode(text):
            errors.append(FieldError(field, _NOT_UNICODE))

    tool = value.get("tool")
    if tool is not None:
        if not isinstance(tool, str):
            errors.append(FieldError("tool", "must be a string (the tool's slug) or null"))
        elif not tool.strip():
            errors.append(FieldError("tool", "must not be blank: the tool's slug, or null"))
        elif not _is_unicode(tool):
            errors.append(FieldError("tool", _NOT_UNICODE))

    standard_kinds = ", ".join(sorted(STANDARD_KINDS))
    if kind is None:
        errors.append(
            FieldError("kind", f"is required: one of {standard_kinds}, or a kind declared for the tool")
        )
    elif not isinstance(kind, str):
        errors.append(
            FieldError("kind", f"must be a string: one of {standard_kinds}, or a kind declared for the tool")
        )
    elif kind not in STANDARD_KINDS and kind not in known_kinds:
        errors.append(
            FieldError(
                "kind",
                f"{kind!r} is neither a standard kind ({standard_kinds}) nor a kind declared for this "
                "workspace's tools; declare tool-specific kinds on the tool in the catalog",
            )
        )
    elif not _is_unicode(kind):
        errors.append(FieldError("kind", _NOT_UNICODE))

    errors.extend(_text_errors(value, "session_id", _SessionId, MAX_SESSION_ID_CHARS))

    minutes_saved = value.get("minutes_saved")
    if minutes_saved is not None and not _converts(minutes_saved, _MinutesSaved):
        errors.append(
            FieldError("minutes_saved", f"must be a number from 0 to {MAX_MINUTES_SAVED} (minutes), or null")
        )

    is_feedback = kind == "feedback"
    rating = value.get("rating")
    if rating is not None:
        if not _converts(rating, _Rating):
            errors.append(FieldError("rating", "must be a whole number from 1 to 5, or null"))
        elif not is_feedback:
            errors.append(FieldError("rating", 'is only allowed on feedback events (kind "feedback")'))
    category = value.get("category")
    if category is not None:
        if not _converts(category, _Category):
            errors.append(FieldError("category", f"must be one of {', '.join(FEEDBACK_CATEGORIES)}, or null"))
        elif not is_feedback:
            errors.append(FieldError("category", 'is only allowed on feedback events (kind "feedback")'))

    errors.extend(_text_errors(value, "comment", _Text, MAX_TEXT_CHARS))
    errors.extend(_text_errors(value, "correction", _Text, MAX_TEXT_CHARS))

    attributes = value.get("attributes")
    if attributes is not None:
        if not _converts(attributes, dict[str, Any]):
            errors.append(FieldError("attributes", "must be a JSON object (names to values), or null"))
        else:
            encoded = _encoded_attributes(attributes)
            if encoded is None:
                errors.append(
                    FieldError("attributes", "must hold only JSON values (text, numbers, lists, maps)")
                )
            elif len(encoded) > MAX_ATTRIBUTES_BYTES:
                errors.append(
                    FieldError(
                        "attributes",
                        f"is {len(encoded):,} bytes as JSON; at most {MAX_ATTRIBUTES_BYTES:,} bytes (4 KiB) "
                        "are allowed",
                    )
                )

    errors.extend(
        FieldError(
            str(field),
            "is not a field of the event schema (version 1); put tool-specific data in `attributes`",
        )
        for field in value
        if field not in EVENT_FIELDS
    )
    return errors


# --- the body ------------------------------------------------------------------------------------------


def _require_aware(now: datetime) -> None:
    if now.utcoffset() is None:
        raise ValueError("`now` must be an aware datetime (e.g. datetime.now(UTC))")


def _is_ndjson(content_type: str | None) -> bool:
    media_type = (content_type or JSON_MEDIA_TYPE).split(";", 1)[0].strip().lower()
    if media_type == JSON_MEDIA_TYPE:
        return False
    if media_type in NDJSON_MEDIA_TYPES:
        return True
    raise UnsupportedBatchFormat(
        f"Content-Type {media_type!r} is not supported; send application/json (an array of events) "
        "or application/x-ndjson (one event per line).",
        content_type=media_type,
    )


def _decompress(body: bytes, content_encoding: str | None, max_body_bytes: int) -> bytes:
    """The body without its gzip, never more than `max_body_bytes` of it (a small bomb stays small)."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding == "identity":
        return body
    if encoding not in ("gzip", "x-gzip"):
        raise UnsupportedBatchFormat(
            f"Content-Encoding {encoding!r} is not supported; send gzip or no encoding.",
            content_encoding=encoding,
        )
    parts: list[bytes] = []
    size = 0
    rest = body
    while rest:
        decompressor = zlib.decompressobj(wbits=31)
        try:
            part = decompressor.decompress(rest, max_body_bytes + 1 - size)
        except zlib.error as error:
            raise BatchUnreadable(f"The body is not valid gzip ({error}).") from None
        size += len(part)
        if size > max_body_bytes or decompressor.unconsumed_tail:
            raise BatchTooLarge(
                f"The body is more than {max_body_bytes:,} bytes once decompressed; "
                f"at most {max_body_bytes:,} bytes are accepted.",
                limit=max_body_bytes,
                unit="bytes",
            )
        if not decompressor.eof:
            raise BatchUnreadable("The gzip body is truncated: it ends before the compressed data does.")
        parts.append(part)
        rest = decompressor.unused_data
    return b"".join(parts)


def _too_many(count: int, max_events: int) -> BatchTooLarge:
    return BatchTooLarge(
        f"The batch has {count:,} events; at most {max_events:,} are accepted per batch. "
        "Split it into smaller batches.",
        limit=max_events,
        unit="events",
    )


def _raw_items(body: bytes) -> list[msgspec.Raw]:
    try:
        return _RAW_LIST_DECODER.decode(body)
    except msgspec.ValidationError:
        raise BatchUnreadable(
            "The body must be a JSON array of events (or NDJSON, one event per line, sent with "
            "Content-Type: application/x-ndjson)."
        ) from None
    except msgspec.DecodeError as error:
        raise BatchUnreadable(f"The body is not valid JSON ({error}).") from None


def _lazy_raw_items(body: bytes) -> Callable[[int], object]:
    """The batch's events one by one, split only if a message has to be written for one of them."""
    items: list[list[msgspec.Raw]] = []

    def item_at(index: int) -> object:
        if not items:
            items.append(_raw_items(body))
        return items[0][index]

    return item_at


def _decode_one(item: bytes | msgspec.Raw) -> _Event | str:
    try:
        return _EVENT_DECODER.decode(item)
    except (msgspec.ValidationError, msgspec.DecodeError) as error:
        return str(error)


def _convert_one(item: object) -> _Event | str:
    try:
        return msgspec.convert(item, _Event)
    except msgspec.ValidationError as error:
        return str(error)


# --- the rules msgspec cannot check, on whole columns ----------------------------------------------------


def _finish(
    decoded: Sequence[_Event | str],
    item_at: Callable[[int], object],
    *,
    all_typed: bool,
    known_kinds: frozenset[str],
    now: datetime,
) -> DecodedBatch:
    """The valid events as columns; every other event gets its messages from `validate_event`."""
    if all_typed:
        suspects: dict[int, str] = {}
        rows = list(range(len(decoded)))
        events = cast(list[_Event], decoded)
    else:
        suspects = {index: item for index, item in enumerate(decoded) if isinstance(item, str)}
        rows = [index for index, item in enumerate(decoded) if not isinstance(item, str)]
        events = [item for item in decoded if not isinstance(item, str)]
    try:
        table, broken = _columns(events, rows, known_kinds=known_kinds, now=now)
    except UnicodeEncodeError:
        # Only events given in Python form can hold unpaired surrogates, which Arrow cannot store.
        for index, event in zip(rows, events, strict=True):
            if not _event_is_unicode(event):
                suspects[index] = _NOT_UNICODE
        events = [event for index, event in zip(rows, events, strict=True) if index not in suspects]
        rows = [index for index in rows if index not in suspects]
        table, broken = _columns(events, rows, known_kinds=known_kinds, now=now)
    if broken.size:
        for row in broken.tolist():
            suspects[rows[row]] = "breaks a rule of the event schema"
        keep = np.ones(table.num_rows, dtype=bool)
        keep[broken] = False
        table = table.filter(pa.array(keep))
    rejected = [
        _rejected_event(index, item_at(index), suspects[index], known_kinds=known_kinds, now=now)
        for index in sorted(suspects)
    ]
    return DecodedBatch(table, rejected)


def _rejected_event(
    index: int, item: object, fallback_reason: str, *, known_kinds: frozenset[str], now: datetime
) -> RejectedEvent:
    if isinstance(item, bytes | msgspec.Raw):
        try:
            item = _ANY_DECODER.decode(item)
        except msgspec.DecodeError as error:
            return RejectedEvent(index, None, (FieldError("event", f"is not valid JSON ({error})"),))
    errors = validate_event(item, known_kinds=known_kinds, now=now)
    if not errors:
        # The column rules and validate_event disagree; a test keeps this from happening.
        errors = [FieldError("event", fallback_reason)]
    event_id = item.get("event_id") if isinstance(item, Mapping) else None
    if isinstance(event_id, str):
        event_id = _canonical_event_id(event_id) or event_id[:100]
    return RejectedEvent(index, event_id if isinstance(event_id, str) else None, tuple(errors))


def _columns(
    events: list[_Event], rows: list[int], *, known_kinds: frozenset[str], now: datetime
) -> tuple[pa.Table, np.ndarray[Any, np.dtype[np.intp]]]:
    """The table of typed events, and the row numbers of those that break a rule msgspec cannot check."""
    count = len(events)
    if count == 0:
        return DECODED_EVENT_SCHEMA.empty_table(), np.array([], dtype=np.intp)
    event_ids, broken = _canonical_event_ids([event.event_id for event in events])
    times = pa.array([event.time for event in events], pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us"))
    person = pa.array([event.person for event in events], pa.string())
    use_case = pa.array([event.use_case for event in events], pa.string())
    tool = pa.array([event.tool for event in events], pa.string())
    kind = pa.array([event.kind for event in events], pa.string())
    rating = pa.array([event.rating for event in events], pa.int16())
    category = pa.array([event.category for event in events], pa.string())
    attributes, broken_attributes = _attributes_column([event.attributes for event in events])
    table = pa.Table.from_arrays(
        [
            pa.array(rows, pa.int32()),
            event_ids,
            times,
            person,
            use_case,
            tool,
            kind,
            pa.array([event.session_id for event in events], pa.string()),
            pa.array([event.minutes_saved for event in events], pa.float64()),
            rating,
            category,
            pa.array([event.comment for event in events], pa.string()),
            pa.array([event.correction for event in events], pa.string()),
            attributes,
        ],
        schema=DECODED_EVENT_SCHEMA,
    )
    broken |= broken_attributes
    broken |= _times_out_of_range(times, now)
    broken |= _blank(person) | _blank(use_case) | _blank(tool)
    broken |= _values_outside(kind, STANDARD_KINDS | known_kinds)
    has_feedback_field = pc.or_(pc.is_valid(rating), pc.is_valid(category))
    broken |= _as_numpy(pc.and_(has_feedback_field, pc.not_equal(kind, "feedback")))
    return table, np.flatnonzero(broken)


def _as_numpy(mask: pa.Array | pa.ChunkedArray) -> np.ndarray[Any, np.dtype[np.bool_]]:
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def _canonical_event_ids(values: list[str]) -> tuple[pa.Array, np.ndarray[Any, np.dtype[np.bool_]]]:
    """Lower-case hyphenated UUIDs as they are; other spellings through `uuid.UUID`; the rest broken."""
    lowered = pc.utf8_lower(pa.array(values, pa.string()))
    is_canonical = _as_numpy(pc.match_substring_regex(lowered, _CANONICAL_UUID))
    broken = np.zeros(len(values), dtype=bool)
    if is_canonical.all():
        return lowered, broken
    fixed: list[str | None] = lowered.to_pylist()
    for row in np.flatnonzero(~is_canonical).tolist():
        canonical = _canonical_event_id(values[row])
        if canonical is None:
            broken[row] = True
        else:
            fixed[row] = canonical
    return pa.array(fixed, pa.string()), broken


def _canonical_event_id(value: object) -> str | None:
    """`3B241101-E2BB-…` or 32 hex digits → `3b241101-e2bb-…`; anything else → None."""
    if not isinstance(value, str) or not _UUID_FORMS.fullmatch(value):
        return None
    return str(uuid.UUID(value))


def _attributes_column(
    values: list[dict[str, Any] | None],
) -> tuple[pa.Array, np.ndarray[Any, np.dtype[np.bool_]]]:
    broken = np.zeros(len(values), dtype=bool)
    texts: list[str | None] = [None] * len(values)
    encode = _ENCODER.encode
    for row, attributes in enumerate(values):
        if attributes is not None:
            try:
                encoded = encode(attributes)
            except (TypeError, ValueError, OverflowError, msgspec.EncodeError):
                broken[row] = True
                continue
            if len(encoded) > MAX_ATTRIBUTES_BYTES:
                broken[row] = True
            else:
                texts[row] = encoded.decode()
    return pa.array(texts, pa.string()), broken


def _encoded_attributes(attributes: object) -> bytes | None:
    try:
        return _ENCODER.encode(attributes)
    except (TypeError, ValueError, OverflowError, msgspec.EncodeError):
        return None


def _times_out_of_range(times: pa.Array, now: datetime) -> np.ndarray[Any, np.dtype[np.bool_]]:
    latest = pa.scalar(_naive_utc(now + MAX_FUTURE), pa.timestamp("us"))
    earliest = pa.scalar(_naive_utc(EARLIEST_TIME), pa.timestamp("us"))
    return _as_numpy(pc.or_(pc.greater(times, latest), pc.less(times, earliest)))


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _blank(column: pa.Array) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Rows whose text is empty or only white space, judged by Python's `str.strip` on distinct values."""
    blanks = [value for value in pc.unique(column).to_pylist() if value is not None and not value.strip()]
    if not blanks:
        return np.zeros(len(column), dtype=bool)
    return _as_numpy(pc.is_in(column, value_set=pa.array(blanks, pa.string())))


def _values_outside(column: pa.Array, allowed: frozenset[str]) -> np.ndarray[Any, np.dtype[np.bool_]]:
    outside = [value for value in pc.unique(column).to_pylist() if value not in allowed]
    if not outside:
        return np.zeros(len(column), dtype=bool)
    return _as_numpy(pc.is_in(column, value_set=pa.array(outside, pa.string())))


# --- the slow path's pieces ----------------------------------------------------------------------------

_NOT_UNICODE: Final = "must be valid Unicode text (it holds an unpaired surrogate)"


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _event_is_unicode(event: _Event) -> bool:
    texts = (
        event.event_id,
        event.person,
        event.use_case,
        event.kind,
        event.tool,
        event.session_id,
        event.category,
        event.comment,
        event.correction,
    )
    return all(_is_unicode(text) for text in texts if text is not None)


def _converts(value: object, type_: Any) -> bool:
    try:
        msgspec.convert(value, type_)
    except msgspec.ValidationError:
        return False
    return True


def _text_errors(value: Mapping[Any, Any], field: str, type_: Any, max_chars: int) -> list[FieldError]:
    text = value.get(field)
    if text is None:
        return []
    if not isinstance(text, str):
        return [FieldError(field, f"must be a string of at most {max_chars:,} characters, or null")]
    if not _converts(text, type_):
        return [FieldError(field, f"is {len(text):,} characters long; at most {max_chars:,} are allowed")]
    if not _is_unicode(text):
        return [FieldError(field, _NOT_UNICODE)]
    return []


def _time_errors(value: object, now: datetime) -> list[FieldError]:
    example = f"an RFC 3339 time with its offset, e.g. {_TIME_EXAMPLE}"
    if value is None:
        return [FieldError("time", f"is required: {example}")]
    if not isinstance(value, str | datetime):
        return [FieldError("time", f"must be a string: {example}")]
    try:
        moment = msgspec.convert(value, _AwareTime)
    except msgspec.ValidationError:
        if _converts(value, datetime):
            return [FieldError("time", f"must include a time zone offset, e.g. {_TIME_EXAMPLE}")]
        return [FieldError("time", f"must be {example}")]
    utc = _utc_microseconds(moment)
    if utc > _utc_microseconds(now + MAX_FUTURE):
        return [
            FieldError(
                "time",
                f"is more than {MAX_FUTURE.seconds // 60} minutes in the future (the server's time is "
                f"{_naive_utc(now):%Y-%m-%dT%H:%M:%SZ}); check the clock of the machine that sent it",
            )
        ]
    if utc < _utc_microseconds(EARLIEST_TIME):
        return [
            FieldError(
                "time",
                f"is before {EARLIEST_TIME:%Y-%m-%d}; check the clock of the machine that sent it",
            )
        ]
    return []


def _utc_microseconds(moment: datetime) -> int:
    """Microseconds since 1970 in UTC, without the overflow `astimezone` meets near year 1 and 9999."""
    offset = moment.utcoffset() or timedelta(0)
    local = moment.replace(tzinfo=None) - datetime(1970, 1, 1)
    return (local - offset) // timedelta(microseconds=1)
