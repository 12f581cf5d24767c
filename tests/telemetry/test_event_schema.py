import gzip
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from uptake.telemetry.event_schema import (
    BatchTooLarge,
    BatchUnreadable,
    UnsupportedBatchFormat,
    decode_batch,
    decode_events,
    validate_event,
)

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
EVENT_ID = "3b241101-e2bb-4255-8caf-4136c566a962"
NO_KINDS: frozenset[str] = frozenset()


def valid_event(**fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event_id": EVENT_ID,
        "time": "2026-05-01T09:30:00+02:00",
        "person": "alice@example.com",
        "use_case": "support-replies",
        "tool": "support-assistant",
        "kind": "accepted",
    }
    event.update(fields)
    return event


def decode_json(events: list[Any], known_kinds: frozenset[str] = NO_KINDS, **options: Any):
    return decode_batch(
        json.dumps(events).encode(),
        content_type="application/json",
        content_encoding=None,
        known_kinds=known_kinds,
        now=NOW,
        **options,
    )


def errors_of(event: dict[str, Any], known_kinds: frozenset[str] = NO_KINDS) -> list[dict[str, str]]:
    """The errors the batch decoding gives one event; checks validate_event says the same."""
    result = decode_json([event], known_kinds)
    assert result.events.num_rows == 0
    [rejected] = result.rejected
    assert rejected.index == 0
    errors = [error.as_dict() for error in rejected.errors]
    assert errors == [error.as_dict() for error in validate_event(event, known_kinds=known_kinds, now=NOW)]
    return errors


def test_a_valid_event_is_decoded_with_its_time_in_utc_and_attributes_as_json():
    event = valid_event(
        event_id=EVENT_ID.upper(),
        session_id="s-1",
        minutes_saved=4.5,
        comment="fine",
        correction="better",
        attributes={"model": "gpt-x", "tokens": 120},
    )

    result = decode_json([event])

    assert result.rejected == []
    assert result.events.to_pylist() == [
        {
            "index": 0,
            "event_id": EVENT_ID,
            "time": datetime(2026, 5, 1, 7, 30),
            "person": "alice@example.com",
            "use_case": "support-replies",
            "tool": "support-assistant",
            "kind": "accepted",
            "session_id": "s-1",
            "minutes_saved": 4.5,
            "rating": None,
            "category": None,
            "comment": "fine",
            "correction": "better",
            "attributes": '{"model":"gpt-x","tokens":120}',
        }
    ]


def test_event_id_is_canonicalized_from_upper_case_and_from_32_hex_digits():
    events = [
        valid_event(event_id="3B241101-E2BB-4255-8CAF-4136C566A962"),
        valid_event(event_id="0b6f3d0e8f2a4c1bb2a9d1e0f3c4b5a6"),
    ]

    result = decode_json(events)

    assert result.events["event_id"].to_pylist() == [EVENT_ID, "0b6f3d0e-8f2a-4c1b-b2a9-d1e0f3c4b5a6"]


def test_a_feedback_event_carries_rating_and_category():
    result = decode_json([valid_event(kind="feedback", rating=4, category="great", comment="spot on")])

    assert result.rejected == []
    assert result.events.select(["rating", "category", "comment"]).to_pylist() == [
        {"rating": 4, "category": "great", "comment": "spot on"}
    ]


def test_a_tool_specific_kind_is_accepted_only_when_declared():
    event = valid_event(kind="summarized")

    assert decode_json([event], frozenset({"summarized"})).events["kind"].to_pylist() == ["summarized"]
    assert errors_of(event) == [
        {
            "field": "kind",
            "reason": "'summarized' is neither a standard kind (accepted, edited, feedback, invoked, rejected, "
            "shown) nor a kind declared for this workspace's tools; declare tool-specific kinds on the tool "
            "in the catalog",
        }
    ]


REQUIRED = "is required: "


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"event_id": None}, ("event_id", "is required: a UUID the client makes for this event")),
        ({"event_id": "42"}, ("event_id", "must be a UUID, e.g. 3b241101-e2bb-4255-8caf-4136c566a962")),
        ({"event_id": 42}, ("event_id", "must be a UUID, e.g. 3b241101-e2bb-4255-8caf-4136c566a962")),
        (
            {"time": None},
            ("time", "is required: an RFC 3339 time with its offset, e.g. 2026-05-01T09:30:00+02:00"),
        ),
        (
            {"time": "2026-05-01T09:30:00"},
            ("time", "must include a time zone offset, e.g. 2026-05-01T09:30:00+02:00"),
        ),
        (
            {"time": "yesterday"},
            ("time", "must be an RFC 3339 time with its offset, e.g. 2026-05-01T09:30:00+02:00"),
        ),
        (
            {"time": 1777620600},
            ("time", "must be a string: an RFC 3339 time with its offset, e.g. 2026-05-01T09:30:00+02:00"),
        ),
        (
            {"time": "2026-05-01T12:05:01Z"},
            (
                "time",
                "is more than 5 minutes in the future (the server's time is 2026-05-01T12:00:00Z); "
                "check the clock of the machine that sent it",
            ),
        ),
        (
            {"time": "1970-01-01T00:00:00Z"},
            ("time", "is before 2000-01-01; check the clock of the machine that sent it"),
        ),
        ({"person": None}, ("person", "is required: the person's email or directory id")),
        ({"person": "  "}, ("person", "must not be blank: the person's email or directory id")),
        ({"person": 7}, ("person", "must be a string: the person's email or directory id")),
        ({"use_case": None}, ("use_case", "is required: the use case's slug")),
        ({"use_case": ""}, ("use_case", "must not be blank: the use case's slug")),
        ({"tool": ""}, ("tool", "must not be blank: the tool's slug, or null")),
        ({"tool": ["a"]}, ("tool", "must be a string (the tool's slug) or null")),
        (
            {"kind": None},
            (
                "kind",
                "is required: one of accepted, edited, feedback, invoked, rejected, shown, "
                "or a kind declared for the tool",
            ),
        ),
        ({"session_id": "s" * 201}, ("session_id", "is 201 characters long; at most 200 are allowed")),
        ({"session_id": 12}, ("session_id", "must be a string of at most 200 characters, or null")),
        ({"minutes_saved": -1}, ("minutes_saved", "must be a number from 0 to 1440 (minutes), or null")),
        ({"minutes_saved": 1440.5}, ("minutes_saved", "must be a number from 0 to 1440 (minutes), or null")),
        ({"minutes_saved": "5"}, ("minutes_saved", "must be a number from 0 to 1440 (minutes), or null")),
        ({"minutes_saved": True}, ("minutes_saved", "must be a number from 0 to 1440 (minutes), or null")),
        ({"kind": "feedback", "rating": 0}, ("rating", "must be a whole number from 1 to 5, or null")),
        ({"kind": "feedback", "rating": 6}, ("rating", "must be a whole number from 1 to 5, or null")),
        ({"kind": "feedback", "rating": 4.5}, ("rating", "must be a whole number from 1 to 5, or null")),
        ({"kind": "feedback", "rating": True}, ("rating", "must be a whole number from 1 to 5, or null")),
        ({"rating": 4}, ("rating", 'is only allowed on feedback events (kind "feedback")')),
        (
            {"kind": "feedback", "category": "meh"},
            ("category", "must be one of wrong, incomplete, unsafe, slow, not_useful, great, or null"),
        ),
        ({"category": "wrong"}, ("category", 'is only allowed on feedback events (kind "feedback")')),
        ({"comment": "x" * 4001}, ("comment", "is 4,001 characters long; at most 4,000 are allowed")),
        ({"correction": "x" * 4001}, ("correction", "is 4,001 characters long; at most 4,000 are allowed")),
        ({"attributes": [1, 2]}, ("attributes", "must be a JSON object (names to values), or null")),
        (
            {"attributes": {"text": "x" * 4090}},
            ("attributes", "is 4,101 bytes as JSON; at most 4,096 bytes (4 KiB) are allowed"),
        ),
        (
            {"minute_saved": 3},
            (
                "minute_saved",
                "is not a field of the event schema (version 1); put tool-specific data in `attributes`",
            ),
        ),
    ],
)
def test_each_rule_names_the_field_and_the_reason(fields, expected):
    event = {key: value for key, value in valid_event(**fields).items() if value is not None}

    assert errors_of(event) == [{"field": expected[0], "reason": expected[1]}]


@pytest.mark.parametrize(
    "fields",
    [
        {"time": "2026-05-01T12:05:00Z"},
        {"time": "2000-01-01T00:00:00Z"},
        {"time": "2026-05-01T14:04:59.999999+02:00"},
        {"minutes_saved": 0},
        {"minutes_saved": 1440},
        {"session_id": "s" * 200},
        {"comment": "x" * 4000},
        {"attributes": {"text": "x" * 4085}},
        {"tool": None},
        {"kind": "shown"},
    ],
)
def test_values_at_the_limits_are_accepted(fields):
    result = decode_json([valid_event(**fields)])

    assert result.rejected == []
    assert result.events.num_rows == 1


def test_every_error_of_an_event_is_listed_in_field_order():
    event = {
        "event_id": "nope",
        "time": "2026-05-01T09:30:00",
        "use_case": "x",
        "kind": "invoked",
        "rating": 9,
        "x": 1,
    }

    assert errors_of(event) == [
        {"field": "event_id", "reason": "must be a UUID, e.g. 3b241101-e2bb-4255-8caf-4136c566a962"},
        {"field": "time", "reason": "must include a time zone offset, e.g. 2026-05-01T09:30:00+02:00"},
        {"field": "person", "reason": "is required: the person's email or directory id"},
        {"field": "rating", "reason": "must be a whole number from 1 to 5, or null"},
        {
            "field": "x",
            "reason": "is not a field of the event schema (version 1); put tool-specific data in `attributes`",
        },
    ]


def test_a_malformed_event_never_rejects_its_batch():
    second_id = "0b6f3d0e-8f2a-4c1b-b2a9-d1e0f3c4b5a6"
    events = [
        valid_event(),
        valid_event(event_id=second_id, kind="feedback", rating=9),
        42,
        valid_event(event_id="c56a4180-65aa-42ec-a945-5fd21dec0538"),
    ]

    result = decode_json(events)

    assert result.events["index"].to_pylist() == [0, 3]
    assert [rejected.as_dict() for rejected in result.rejected] == [
        {
            "index": 1,
            "event_id": second_id,
            "errors": [{"field": "rating", "reason": "must be a whole number from 1 to 5, or null"}],
        },
        {
            "index": 2,
            "event_id": None,
            "errors": [
                {
                    "field": "event",
                    "reason": "must be a JSON object with the event's fields (event_id, time, person, ...)",
                }
            ],
        },
    ]
    assert result.received == 4


def ndjson(*lines: str) -> bytes:
    return "\n".join(lines).encode()


def test_ndjson_with_a_line_that_is_not_json_rejects_only_that_line():
    body = ndjson(
        json.dumps(valid_event()),
        "",
        '{"event_id": "oops",',
        "   ",
        json.dumps(valid_event(event_id="0b6f3d0e-8f2a-4c1b-b2a9-d1e0f3c4b5a6")) + "\r",
        "",
    )

    result = decode_batch(
        body, content_type="application/x-ndjson", content_encoding=None, known_kinds=NO_KINDS, now=NOW
    )

    assert result.events["index"].to_pylist() == [0, 2]
    [rejected] = result.rejected
    assert rejected.index == 1
    assert rejected.event_id is None
    [error] = rejected.errors
    assert error.field == "event"
    assert error.reason.startswith("is not valid JSON (")


def test_gzip_bodies_are_read_in_both_formats():
    events = [valid_event(), valid_event(event_id="0b6f3d0e-8f2a-4c1b-b2a9-d1e0f3c4b5a6")]
    array_body = gzip.compress(json.dumps(events).encode())
    lines_body = gzip.compress(ndjson(*(json.dumps(event) for event in events)))

    for body, content_type in (
        (array_body, "application/json"),
        (lines_body, "application/x-ndjson; charset=utf-8"),
    ):
        result = decode_batch(
            body, content_type=content_type, content_encoding="gzip", known_kinds=NO_KINDS, now=NOW
        )
        assert result.events["event_id"].to_pylist() == [EVENT_ID, "0b6f3d0e-8f2a-4c1b-b2a9-d1e0f3c4b5a6"]


def test_broken_and_truncated_gzip_are_unreadable():
    body = gzip.compress(json.dumps([valid_event()]).encode())

    with pytest.raises(BatchUnreadable, match="not valid gzip"):
        decode_batch(b"plain text", content_type=None, content_encoding="gzip", known_kinds=NO_KINDS, now=NOW)
    with pytest.raises(BatchUnreadable, match="truncated"):
        decode_batch(body[:-12], content_type=None, content_encoding="gzip", known_kinds=NO_KINDS, now=NOW)


def test_a_gzip_body_that_expands_beyond_the_limit_is_too_large():
    body = gzip.compress(b" " * 2_000_000 + b"[]")

    with pytest.raises(BatchTooLarge) as raised:
        decode_batch(
            body,
            content_type=None,
            content_encoding="gzip",
            known_kinds=NO_KINDS,
            now=NOW,
            max_body_bytes=1_000_000,
        )

    assert (raised.value.limit, raised.value.unit, raised.value.status) == (1_000_000, "bytes", 413)


def test_a_body_over_the_byte_limit_is_too_large_before_anything_is_read():
    with pytest.raises(BatchTooLarge) as raised:
        decode_json([valid_event()] * 3, max_body_bytes=100)

    assert raised.value.limit == 100
    assert raised.value.problem()["limit"] == 100
    assert "at most 100 bytes" in raised.value.detail


@pytest.mark.parametrize("content_type", ["application/json", "application/x-ndjson"])
def test_more_than_10000_events_is_too_large_and_10000_is_fine(content_type):
    event = json.dumps(valid_event())
    if content_type == "application/json":
        bodies = {count: ("[" + ",".join([event] * count) + "]").encode() for count in (10_000, 10_001)}
    else:
        bodies = {count: "\n".join([event] * count).encode() for count in (10_000, 10_001)}

    with pytest.raises(BatchTooLarge) as raised:
        decode_batch(
            bodies[10_001], content_type=content_type, content_encoding=None, known_kinds=NO_KINDS, now=NOW
        )
    result = decode_batch(
        bodies[10_000], content_type=content_type, content_encoding=None, known_kinds=NO_KINDS, now=NOW
    )

    assert (raised.value.limit, raised.value.unit) == (10_000, "events")
    assert "10,001 events; at most 10,000" in raised.value.detail
    assert result.events.num_rows == 10_000


def test_too_many_events_is_found_even_when_some_are_malformed():
    body = json.dumps([valid_event()] * 10_000 + [{"bad": True}]).encode()

    with pytest.raises(BatchTooLarge):
        decode_batch(body, content_type=None, content_encoding=None, known_kinds=NO_KINDS, now=NOW)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json at all", "The body is not valid JSON"),
        (b'[{"event_id": ', "The body is not valid JSON"),
        (b"", "The body is not valid JSON"),
        (b'{"event_id": "x"}', "The body must be a JSON array of events"),
    ],
)
def test_a_body_that_is_not_a_json_array_is_unreadable(body, message):
    with pytest.raises(BatchUnreadable, match=message) as raised:
        decode_batch(
            body, content_type="application/json", content_encoding=None, known_kinds=NO_KINDS, now=NOW
        )

    assert raised.value.status == 400


def test_an_empty_array_and_an_empty_ndjson_body_are_empty_batches():
    for body, content_type in ((b"[]", "application/json"), (b"\n", "application/x-ndjson")):
        result = decode_batch(
            body, content_type=content_type, content_encoding=None, known_kinds=NO_KINDS, now=NOW
        )
        assert (result.events.num_rows, result.rejected) == (0, [])


def test_unsupported_content_type_and_encoding_are_refused():
    with pytest.raises(UnsupportedBatchFormat, match="text/csv") as raised:
        decode_batch(b"[]", content_type="text/csv", content_encoding=None, known_kinds=NO_KINDS, now=NOW)
    assert raised.value.status == 415
    with pytest.raises(UnsupportedBatchFormat, match="br"):
        decode_batch(b"[]", content_type=None, content_encoding="br", known_kinds=NO_KINDS, now=NOW)


def test_events_in_python_form_take_aware_datetimes_and_refuse_naive_ones_and_surrogates():
    events = [
        valid_event(time=datetime(2026, 5, 1, 9, 30, tzinfo=UTC)),
        valid_event(event_id="0b6f3d0e-8f2a-4c1b-b2a9-d1e0f3c4b5a6", time=datetime(2026, 5, 1, 9, 30)),
        valid_event(event_id="c56a4180-65aa-42ec-a945-5fd21dec0538", comment="bad \ud800 text"),
    ]

    result = decode_events(events, known_kinds=NO_KINDS, now=NOW)

    assert result.events.select(["index", "time"]).to_pylist() == [
        {"index": 0, "time": datetime(2026, 5, 1, 9, 30)}
    ]
    assert [
        (rejected.index, [error.as_dict() for error in rejected.errors]) for rejected in result.rejected
    ] == [
        (1, [{"field": "time", "reason": "must include a time zone offset, e.g. 2026-05-01T09:30:00+02:00"}]),
        (2, [{"field": "comment", "reason": "must be valid Unicode text (it holds an unpaired surrogate)"}]),
    ]


def test_now_must_be_aware():
    with pytest.raises(ValueError, match="aware"):
        decode_events([], known_kinds=NO_KINDS, now=datetime(2026, 5, 1))


# The fast path (msgspec, then rules on columns) and validate_event must always agree.

TEXT = st.text(max_size=8)
FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "event_id": st.one_of(
        st.uuids().map(str),
        st.uuids().map(lambda value: str(value).upper()),
        st.uuids().map(lambda value: value.hex),
        TEXT,
        st.integers(),
    ),
    "time": st.one_of(
        st.datetimes(
            min_value=datetime(1990, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
        ).map(lambda moment: moment.isoformat()),
        st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 1, 1)).map(datetime.isoformat),
        st.sampled_from(["2026-05-01T12:05:00Z", "2026-05-01T12:05:00.000001Z", "2026-05-01", "soon"]),
        st.integers(),
    ),
    "person": st.one_of(TEXT, st.sampled_from(["alice@example.com", " ", "\u2003", "\x1c"]), st.integers()),
    "use_case": st.one_of(TEXT, st.just("support-replies")),
    "tool": st.one_of(st.none(), TEXT, st.just(" ")),
    "kind": st.one_of(
        st.sampled_from(["invoked", "shown", "feedback", "accepted", "summarized", "Invoked"]), TEXT
    ),
    "session_id": st.one_of(st.none(), st.text(max_size=3), st.just("s" * 201), st.integers()),
    "minutes_saved": st.one_of(
        st.none(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.integers(-5, 2000),
        st.booleans(),
        TEXT,
    ),
    "rating": st.one_of(st.none(), st.integers(-1, 7), st.floats(0, 6, allow_nan=False), st.booleans()),
    "category": st.one_of(st.none(), st.sampled_from(["wrong", "great", "nope"])),
    "comment": st.one_of(st.none(), TEXT, st.just("x" * 4001)),
    "correction": st.one_of(st.none(), TEXT),
    "attributes": st.one_of(
        st.none(),
        st.dictionaries(st.text(max_size=3), st.one_of(st.integers(), TEXT, st.none()), max_size=3),
        st.just({"big": "x" * 5000}),
        st.lists(st.integers(), max_size=2),
    ),
    "unknown": st.integers(),
}


@st.composite
def event_dicts(draw: st.DrawFn) -> dict[str, Any]:
    event = valid_event()
    for name, values in FIELD_VALUES.items():
        if draw(st.booleans()):
            event[name] = draw(values)
        elif draw(st.integers(0, 9)) == 0:
            event.pop(name, None)
    return event


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(event_dicts(), st.integers(), st.just([])), max_size=8))
def test_the_fast_path_and_validate_event_agree(events):
    known_kinds = frozenset({"summarized"})
    expected = [validate_event(event, known_kinds=known_kinds, now=NOW) for event in events]

    for result in (decode_json(events, known_kinds), decode_events(events, known_kinds=known_kinds, now=NOW)):
        assert result.events["index"].to_pylist() == [
            index for index, errors in enumerate(expected) if not errors
        ]
        assert {rejected.index: list(rejected.errors) for rejected in result.rejected} == {
            index: errors for index, errors in enumerate(expected) if errors
        }


def test_times_an_instant_past_the_future_limit_agree_on_both_paths():
    limit = NOW + timedelta(minutes=5)
    events = [
        valid_event(time=limit.isoformat()),
        valid_event(time=(limit + timedelta(microseconds=1)).isoformat()),
    ]

    result = decode_json(events)

    assert result.events["index"].to_pylist() == [0]
    assert [rejected.index for rejected in result.rejected] == [1]
