import gzip
import json
import uuid
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from uptake.telemetry.event_schema import BatchTooLarge
from uptake.telemetry.event_store import EventStore
from uptake.telemetry.ingest import IngestResult, ingest_batch, ingest_events, local_days
from uptake.telemetry.pseudonyms import build_directory_map, pseudonymize

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
KEY = b"workspace-1-pseudonym-key"
DIRECTORY = build_directory_map([("E1234", "alice@example.com"), ("E5678", "bob@example.com")])
ALICE = pseudonymize(KEY, "e1234")


def event(**fields: Any) -> dict[str, Any]:
    sent: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "time": "2026-05-01T09:30:00+02:00",
        "person": "alice@example.com",
        "use_case": "support-replies",
        "tool": "support-assistant",
        "kind": "accepted",
    }
    sent.update(fields)
    return sent


def send(
    store: EventStore,
    events: list[Any],
    *,
    workspace_timezone: str = "Europe/Berlin",
    content_type: str = "application/json",
    content_encoding: str | None = None,
    body: bytes | None = None,
    workspace_id: int = 1,
    now: datetime = NOW,
) -> IngestResult:
    if body is None:
        body = json.dumps(events).encode()
    return ingest_batch(
        store,
        workspace_id=workspace_id,
        body=body,
        content_type=content_type,
        content_encoding=content_encoding,
        pseudonym_key=KEY,
        directory_map=DIRECTORY,
        workspace_timezone=workspace_timezone,
        known_use_cases={"support-replies"},
        known_tools={"support-assistant"},
        known_kinds=frozenset({"summarized"}),
        source="api",
        now=now,
    )


def stored_rows(store: EventStore) -> list[dict[str, Any]]:
    with store._cursor() as cursor:
        result = cursor.execute("SELECT * FROM events ORDER BY time, event_id")
        names = [column[0] for column in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def test_a_batch_is_stored_pseudonymized_dated_and_stamped(store):
    sent = event(event_id="3B241101-E2BB-4255-8CAF-4136C566A962", minutes_saved=3, attributes={"model": "m"})

    result = send(store, [sent])

    assert result == IngestResult(1, 0, [], set(), set())
    assert stored_rows(store) == [
        {
            "workspace_id": 1,
            "event_id": "3b241101-e2bb-4255-8caf-4136c566a962",
            "time": datetime(2026, 5, 1, 7, 30),
            "day": date(2026, 5, 1),
            "person": ALICE,
            "use_case": "support-replies",
            "tool": "support-assistant",
            "kind": "accepted",
            "session_id": None,
            "minutes_saved": 3.0,
            "rating": None,
            "category": None,
            "comment": None,
            "correction": None,
            "attributes": '{"model":"m"}',
            "source": "api",
            "received_at": datetime(2026, 5, 1, 12, 0),
        }
    ]


def test_the_person_is_never_stored_and_both_spellings_give_one_pseudonym(store):
    send(
        store, [event(person=" Alice@Example.com"), event(person="E1234"), event(person="carol@example.com")]
    )

    people = [row["person"] for row in stored_rows(store)]
    assert people.count(ALICE) == 2
    assert pseudonymize(KEY, "carol@example.com") in people
    with store._cursor() as cursor:
        text = str(cursor.execute("SELECT * FROM events").fetchall()).lower()
    assert "alice" not in text
    assert "e1234" not in text
    assert "carol" not in text


@pytest.mark.parametrize(
    ("time", "workspace_timezone", "day"),
    [
        ("2026-05-01T23:30:00+00:00", "Europe/Berlin", date(2026, 5, 2)),
        ("2026-05-01T21:59:59+00:00", "Europe/Berlin", date(2026, 5, 1)),
        ("2026-05-01T22:00:00+00:00", "Europe/Berlin", date(2026, 5, 2)),
        ("2026-05-01T01:30:00+00:00", "America/New_York", date(2026, 4, 30)),
        ("2026-05-01T23:30:00+00:00", "UTC", date(2026, 5, 1)),
        # Berlin moves to summer time at 01:00 UTC on 29 March 2026: 23:00 local that day is 21:00 UTC.
        ("2026-03-28T23:30:00+00:00", "Europe/Berlin", date(2026, 3, 29)),
        ("2026-03-29T21:59:00+00:00", "Europe/Berlin", date(2026, 3, 29)),
        ("2026-03-29T22:00:00+00:00", "Europe/Berlin", date(2026, 3, 30)),
        ("2026-04-30T18:14:00+00:00", "Asia/Kathmandu", date(2026, 4, 30)),
        ("2026-04-30T18:15:00+00:00", "Asia/Kathmandu", date(2026, 5, 1)),
    ],
)
def test_the_day_is_the_date_in_the_workspace_time_zone(store, time, workspace_timezone, day):
    send(
        store, [event(time=time)], workspace_timezone=workspace_timezone, now=datetime(2026, 6, 1, tzinfo=UTC)
    )

    assert [row["day"] for row in stored_rows(store)] == [day]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 12, 31)),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from(
        ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Chatham"]
    ),
)
def test_local_days_matches_python_for_any_times(times, zone_name):
    zone = ZoneInfo(zone_name)
    expected = [moment.replace(tzinfo=UTC).astimezone(zone).date() for moment in times]

    assert local_days(pa.array(times, pa.timestamp("us")), zone).to_pylist() == expected


def test_unknown_use_cases_and_tools_are_stored_and_reported(store):
    result = send(
        store,
        [
            event(use_case="contract-review", tool="legal-bot"),
            event(use_case="contract-review", tool=None),
            event(tool="copilot"),
        ],
    )

    assert (result.accepted, result.unrecognized_use_cases, result.unrecognized_tools) == (
        3,
        {"contract-review"},
        {"legal-bot", "copilot"},
    )
    assert result.as_response()["unrecognized"] == {
        "use_cases": ["contract-review"],
        "tools": ["copilot", "legal-bot"],
    }
    assert sorted(row["use_case"] for row in stored_rows(store)) == [
        "contract-review",
        "contract-review",
        "support-replies",
    ]


def test_a_batch_with_malformed_events_stores_the_valid_ones_and_names_every_bad_one(store):
    good = [event(), event(kind="summarized")]
    bad_id = str(uuid.uuid4())
    batch = [good[0], event(event_id=bad_id, time="2026-05-01T09:30:00"), {"person": "x"}, good[1]]

    result = send(store, batch)

    assert (result.accepted, result.duplicates) == (2, 0)
    assert result.as_response()["rejected"] == [
        {
            "index": 1,
            "event_id": bad_id,
            "errors": [
                {"field": "time", "reason": "must include a time zone offset, e.g. 2026-05-01T09:30:00+02:00"}
            ],
        },
        {
            "index": 2,
            "event_id": None,
            "errors": [
                {"field": "event_id", "reason": "is required: a UUID the client makes for this event"},
                {
                    "field": "time",
                    "reason": "is required: an RFC 3339 time with its offset, e.g. 2026-05-01T09:30:00+02:00",
                },
                {"field": "use_case", "reason": "is required: the use case's slug"},
                {
                    "field": "kind",
                    "reason": "is required: one of accepted, edited, feedback, invoked, rejected, shown, "
                    "or a kind declared for the tool",
                },
            ],
        },
    ]
    assert sorted(row["event_id"] for row in stored_rows(store)) == sorted(sent["event_id"] for sent in good)


def test_resending_a_batch_is_a_no_op_and_a_repeated_id_counts_once(store):
    repeated = event()
    batch = [event(), repeated, dict(repeated, kind="edited")]

    first = send(store, batch)
    rows_after_first = stored_rows(store)
    second = send(store, batch)

    assert (first.accepted, first.duplicates) == (2, 1)
    assert (second.accepted, second.duplicates) == (0, 3)
    assert stored_rows(store) == rows_after_first


def test_gzip_ndjson_with_a_broken_line(store):
    lines = [json.dumps(event()), "{broken", json.dumps(event())]
    body = gzip.compress("\n".join(lines).encode())

    result = send(store, [], body=body, content_type="application/x-ndjson", content_encoding="gzip")

    assert result.accepted == 2
    assert [rejected.index for rejected in result.rejected] == [1]


def test_a_batch_over_the_limit_stores_nothing(store):
    body = ("[" + ",".join([json.dumps(event())] * 10_001) + "]").encode()

    with pytest.raises(BatchTooLarge):
        send(store, [], body=body)

    assert store.count() == 0


def test_ingest_events_takes_python_events_from_importers(store):
    events = [
        event(time=datetime(2026, 4, 30, 22, 30, tzinfo=UTC), person="bob@example.com"),
        event(time=datetime(2026, 4, 30, 22, 30)),
    ]

    result = ingest_events(
        store,
        workspace_id=7,
        events=events,
        pseudonym_key=KEY,
        directory_map=DIRECTORY,
        workspace_timezone="Europe/Berlin",
        known_use_cases=set(),
        known_tools=set(),
        known_kinds=frozenset(),
        source="github_copilot",
        now=NOW,
    )

    assert (result.accepted, [rejected.index for rejected in result.rejected]) == (1, [1])
    [row] = stored_rows(store)
    assert (row["workspace_id"], row["day"], row["person"], row["source"]) == (
        7,
        date(2026, 5, 1),
        pseudonymize(KEY, "e5678"),
        "github_copilot",
    )


def test_an_unknown_source_or_time_zone_is_a_programming_error(store):
    with pytest.raises(ValueError, match="unknown event source 'web'"):
        ingest_events(
            store, workspace_id=1, events=[], pseudonym_key=KEY, directory_map=None, workspace_timezone="UTC",
            known_use_cases=set(), known_tools=set(), known_kinds=frozenset(), source="web", now=NOW,
        )  # fmt: skip
    with pytest.raises(ZoneInfoNotFoundError):
        send(store, [event()], workspace_timezone="Mars/Olympus_Mons")


# For any list of valid and invalid events: every event is counted once, every valid one stored once.

EVENT_IDS = [str(uuid.UUID(int=number)) for number in range(1, 6)]


@st.composite
def sent_events(draw: st.DrawFn) -> Any:
    sent = event(event_id=draw(st.sampled_from([*EVENT_IDS, "not-a-uuid"])))
    if draw(st.booleans()):
        sent["time"] = draw(
            st.sampled_from(["2026-05-01T09:30:00", "2026-05-01T12:10:00Z", "2026-04-30T23:30:00-05:00"])
        )
    if draw(st.booleans()):
        sent["kind"] = draw(st.sampled_from(["invoked", "feedback", "nope"]))
    if draw(st.booleans()):
        sent["rating"] = draw(st.integers(0, 6))
    if draw(st.booleans()):
        sent["person"] = draw(st.sampled_from(["bob@example.com", " ", "E1234"]))
    if draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from([None, 3, "text", []]))
    return sent


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(sent_events(), max_size=12), min_size=1, max_size=3))
def test_every_event_sent_is_accepted_a_duplicate_or_rejected_and_valid_ones_are_stored_once(batches):
    with EventStore("duckdb:///:memory:") as store:
        valid_ids: set[str] = set()
        for batch in batches:
            result = send(store, batch)
            assert result.accepted + result.duplicates + len(result.rejected) == len(batch)
            rejected = {rejected.index for rejected in result.rejected}
            valid_ids |= {sent["event_id"] for index, sent in enumerate(batch) if index not in rejected}
        stored = Counter(row["event_id"] for row in stored_rows(store))
    assert set(stored) == valid_ids
    assert all(count == 1 for count in stored.values())


def test_the_stored_time_is_the_instant_sent_whatever_its_offset(store):
    send(store, [event(time="2026-05-01T03:30:00.123456-07:00")])

    [row] = stored_rows(store)
    assert row["time"] == datetime(2026, 5, 1, 10, 30, 0, 123456)
