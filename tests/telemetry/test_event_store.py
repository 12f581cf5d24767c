import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from uptake.telemetry.event_store import (
    STORED_EVENT_SCHEMA,
    AppendResult,
    EventStore,
    EventStoreError,
    events_database,
    rekey_events,
)

RECEIVED_AT = datetime(2026, 5, 1, 12, 0)


def stored_event(
    number: int, *, day: date = date(2026, 5, 1), person: str = "p" * 32, **fields: Any
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event_id": f"00000000-0000-4000-8000-{number:012d}",
        "time": datetime.combine(day, datetime.min.time()) + timedelta(hours=9),
        "day": day,
        "person": person,
        "use_case": "support-replies",
        "tool": "support-assistant",
        "kind": "accepted",
        "session_id": None,
        "minutes_saved": None,
        "rating": None,
        "category": None,
        "comment": None,
        "correction": None,
        "attributes": None,
        "source": "api",
        "received_at": RECEIVED_AT,
    }
    event.update(fields)
    return event


def stored_ids(store: EventStore, workspace_id: int) -> list[str]:
    with store._cursor() as cursor:
        rows = cursor.execute(
            "SELECT event_id FROM events WHERE workspace_id = ? ORDER BY event_id", [workspace_id]
        ).fetchall()
    return [row[0] for row in rows]


@pytest.mark.parametrize(
    ("url", "database"),
    [
        ("duckdb:///data/events.duckdb", "data/events.duckdb"),
        ("duckdb:////srv/uptake/events.duckdb", "/srv/uptake/events.duckdb"),
        ("duckdb:///:memory:", ":memory:"),
        ("duckdb://", ":memory:"),
    ],
)
def test_the_url_names_the_database(url, database):
    assert events_database(url) == database


def test_a_url_of_another_kind_is_refused_with_the_form_to_use():
    with pytest.raises(EventStoreError, match=r"duckdb:///path/to/events.duckdb"):
        EventStore("sqlite:///events.db")


def test_the_events_table_has_the_contract_columns_and_a_schema_version(store_url):
    EventStore(store_url).close()
    with EventStore(store_url) as store, store._cursor() as cursor:
        columns = cursor.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_name = 'events' ORDER BY ordinal_position"
        ).fetchall()
        versions = cursor.execute("SELECT component, version FROM schema_version").fetchall()
        store.ping()

    assert columns == [
        ("workspace_id", "INTEGER", "NO"),
        ("event_id", "VARCHAR", "NO"),
        ("time", "TIMESTAMP", "NO"),
        ("day", "DATE", "NO"),
        ("person", "VARCHAR", "NO"),
        ("use_case", "VARCHAR", "NO"),
        ("tool", "VARCHAR", "YES"),
        ("kind", "VARCHAR", "NO"),
        ("session_id", "VARCHAR", "YES"),
        ("minutes_saved", "DOUBLE", "YES"),
        ("rating", "SMALLINT", "YES"),
        ("category", "VARCHAR", "YES"),
        ("comment", "VARCHAR", "YES"),
        ("correction", "VARCHAR", "YES"),
        ("attributes", "VARCHAR", "YES"),
        ("source", "VARCHAR", "NO"),
        ("received_at", "TIMESTAMP", "NO"),
    ]
    assert versions == [("events", 1)]


def test_a_store_written_by_a_newer_uptake_is_refused(tmp_path):
    path = tmp_path / "events.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute(
            "CREATE TABLE schema_version (component VARCHAR PRIMARY KEY, version INTEGER NOT NULL)"
        )
        connection.execute("INSERT INTO schema_version VALUES ('events', 2)")

    with pytest.raises(EventStoreError, match="schema version 2"):
        EventStore(f"duckdb:///{path}")


def test_resending_a_batch_changes_nothing(store):
    batch = [stored_event(number) for number in range(5)]

    first = store.append(1, batch)
    second = store.append(1, batch)

    assert (first, second) == (AppendResult(5, 0), AppendResult(0, 5))
    assert store.count(1) == 5


def test_a_batch_holding_one_event_id_twice_stores_it_once_the_first_one(store):
    result = store.append(
        1, [stored_event(1, kind="invoked"), stored_event(2), stored_event(1, kind="accepted")]
    )

    assert result == AppendResult(accepted=2, duplicates=1)
    with store._cursor() as cursor:
        assert cursor.execute("SELECT kind FROM events WHERE event_id LIKE '%001'").fetchall() == [
            ("invoked",)
        ]


def test_a_partly_new_batch_stores_only_the_new_events(store):
    store.append(1, [stored_event(number) for number in range(3)])

    result = store.append(1, [stored_event(number) for number in range(2, 6)])

    assert result == AppendResult(accepted=3, duplicates=1)
    assert len(stored_ids(store, 1)) == 6


def test_the_same_event_id_in_two_workspaces_is_two_events(store):
    store.append(1, [stored_event(1)])

    assert store.append(2, [stored_event(1)]) == AppendResult(1, 0)
    assert (store.count(1), store.count(2), store.count()) == (1, 1, 2)


def test_a_resend_after_reopening_the_file_changes_nothing(store_url):
    with EventStore(store_url) as store:
        store.append(1, [stored_event(number) for number in range(3)])

    with EventStore(store_url) as reopened:
        assert reopened.append(1, [stored_event(number) for number in range(4)]) == AppendResult(1, 3)
        assert reopened.count(1) == 4


def test_two_stores_on_one_file_in_one_process_share_what_is_stored(store_url):
    with EventStore(store_url) as first, EventStore(store_url) as second:
        first.append(1, [stored_event(1)])
        second.append(1, [stored_event(2)])  # the second store learns of its own events...

        assert first.append(1, [stored_event(2)]) == AppendResult(0, 1)  # ...and the first one of them too
        assert second.count(1) == 2


def test_concurrent_appends_from_two_threads_store_each_event_exactly_once(store):
    batches = [
        [stored_event(number) for number in range(start, start + 300)] for start in range(0, 3000, 150)
    ]
    results: list[AppendResult] = []
    errors: list[BaseException] = []

    def send(own_batches: list[list[dict[str, Any]]]) -> None:
        try:
            for batch in own_batches:
                results.append(store.append(1, batch))
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=send, args=(batches,)),
        threading.Thread(target=send, args=(batches[::-1],)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    ids = stored_ids(store, 1)
    assert len(ids) == len(set(ids)) == 3150
    assert sum(result.accepted for result in results) == 3150
    assert sum(result.accepted + result.duplicates for result in results) == 2 * 300 * len(batches)


def test_appends_waiting_for_the_lock_share_one_commit_and_a_bad_batch_fails_alone(store):
    outcomes: dict[str, Any] = {}

    def append(name: str, batch: list[dict[str, Any]]) -> None:
        try:
            outcomes[name] = store.append(1, batch)
        except duckdb.ConstraintException as error:
            outcomes[name] = error

    batches = {
        "first": [stored_event(1), stored_event(2)],
        "broken": [stored_event(3, kind=None)],
        "repeat": [stored_event(2), stored_event(4)],
    }
    with store._writer.lock:  # an append in progress: the others queue up behind it
        threads = [threading.Thread(target=append, args=item) for item in batches.items()]
        for thread in threads:
            thread.start()
        while len(store._writer.pending) < len(batches):
            threading.Event().wait(0.005)
    for thread in threads:
        thread.join()

    assert outcomes["first"] == AppendResult(2, 0)
    assert outcomes["repeat"] in (AppendResult(1, 1), AppendResult(2, 0))  # after or before "first"
    assert isinstance(outcomes["broken"], duckdb.ConstraintException)
    assert stored_ids(store, 1) == [stored_event(number)["event_id"] for number in (1, 2, 4)]


def test_many_threads_appending_small_batches_store_each_event_once(store):
    def send(offset: int) -> None:
        for start in range(0, 200, 20):
            store.append(1, [stored_event((offset + start + number) % 500) for number in range(20)])

    threads = [threading.Thread(target=send, args=(offset,)) for offset in range(0, 800, 100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    ids = stored_ids(store, 1)
    assert len(ids) == len(set(ids)) == 500


def test_a_batch_is_stored_in_day_order(store):
    days = [date(2026, 5, 3), date(2026, 5, 1), date(2026, 5, 2), date(2026, 5, 1)]

    store.append(1, [stored_event(number, day=day) for number, day in enumerate(days)])

    with store._cursor() as cursor:
        stored_days = [row[0] for row in cursor.execute("SELECT day FROM events ORDER BY rowid").fetchall()]
    assert stored_days == sorted(days)


def test_append_takes_an_arrow_table_and_names_missing_columns(store):
    table = pa.Table.from_pylist([stored_event(1)], schema=STORED_EVENT_SCHEMA)

    assert store.append(1, table) == AppendResult(1, 0)
    with pytest.raises(EventStoreError, match="lack the columns day"):
        store.append(1, table.drop_columns(["day"]))
    assert store.append(1, []) == AppendResult(0, 0)


def test_prune_deletes_only_the_workspaces_days_before_the_date(store):
    store.append(1, [stored_event(number, day=date(2026, 4, 28 + number)) for number in range(3)])
    store.append(2, [stored_event(9, day=date(2026, 4, 1))])

    assert store.prune(1, older_than=date(2026, 4, 30)) == 2

    with store._cursor() as cursor:
        remaining = cursor.execute("SELECT workspace_id, day FROM events ORDER BY 1, 2").fetchall()
    assert remaining == [(1, date(2026, 4, 30)), (2, date(2026, 4, 1))]


def test_pruned_events_can_be_sent_again(store):
    store.append(1, [stored_event(1, day=date(2026, 1, 1))])
    store.prune(1, older_than=date(2026, 2, 1))

    assert store.append(1, [stored_event(1, day=date(2026, 1, 1))]) == AppendResult(1, 0)


def read_export(directory: Path) -> list[dict[str, Any]]:
    partitioning = ds.partitioning(
        pa.schema([("workspace_id", pa.int32()), ("day", pa.date32())]), flavor="hive"
    )
    table = ds.dataset(directory, format="parquet", partitioning=partitioning).to_table()
    return sorted(table.to_pylist(), key=lambda row: (row["workspace_id"], row["event_id"]))


def test_export_writes_hive_partitions_by_workspace_and_day(store, tmp_path):
    store.append(
        1, [stored_event(1, day=date(2026, 5, 1), comment="fine"), stored_event(2, day=date(2026, 5, 2))]
    )
    store.append(2, [stored_event(3, day=date(2026, 5, 1))])
    export = tmp_path / "lake" / "events"

    files = store.export_parquet(export)

    assert [path.relative_to(export).as_posix() for path in files] == [
        "workspace_id=1/day=2026-05-01/events_0.parquet",
        "workspace_id=1/day=2026-05-02/events_0.parquet",
        "workspace_id=2/day=2026-05-01/events_0.parquet",
    ]
    rows = read_export(export)
    assert [(row["workspace_id"], row["day"], row["event_id"][-1]) for row in rows] == [
        (1, date(2026, 5, 1), "1"),
        (1, date(2026, 5, 2), "2"),
        (2, date(2026, 5, 1), "3"),
    ]
    assert rows[0]["comment"] == "fine"
    assert rows[0]["time"] == datetime(2026, 5, 1, 9, 0)
    assert set(rows[0]) == set(STORED_EVENT_SCHEMA.names) | {"workspace_id"}


def test_export_selects_a_workspace_and_days_and_a_repeat_replaces_instead_of_doubling(store, tmp_path):
    store.append(1, [stored_event(number, day=date(2026, 5, number)) for number in range(1, 5)])
    store.append(2, [stored_event(9, day=date(2026, 5, 2))])
    export = tmp_path / "events"

    files = store.export_parquet(export, workspace_id=1, since=date(2026, 5, 2), until=date(2026, 5, 3))
    store.append(1, [stored_event(10, day=date(2026, 5, 2))])
    files_again = store.export_parquet(export, workspace_id=1, since=date(2026, 5, 2), until=date(2026, 5, 3))

    assert len(files) == len(files_again) == 2
    assert [(row["day"].day, row["event_id"][-2:]) for row in read_export(export)] == [
        (2, "02"),
        (3, "03"),
        (2, "10"),
    ]
    assert store.export_parquet(tmp_path / "none", workspace_id=3) == []


def test_erase_person_deletes_only_their_events(store):
    store.append(
        1,
        [
            stored_event(1, person="a" * 32),
            stored_event(2, person="b" * 32),
            stored_event(3, person="a" * 32),
        ],
    )
    store.append(2, [stored_event(1, person="a" * 32)])

    assert store.erase_person(1, "a" * 32) == 2

    assert store.events_for_person(1, "a" * 32) == []
    assert [row["event_id"][-1] for row in store.events_for_person(1, "b" * 32)] == ["2"]
    assert store.count(2) == 1


def test_rekey_person_moves_their_events_to_a_new_pseudonym_and_clears_what_could_identify_them(store):
    store.append(
        1,
        [
            stored_event(
                1, person="a" * 32, session_id="s1", comment="I am Alice", correction="c", attributes="{}"
            ),
            stored_event(2, person="b" * 32, comment="keep"),
        ],
    )

    assert store.rekey_person(1, "a" * 32, "f" * 32) == 1

    assert store.events_for_person(1, "a" * 32) == []
    [rekeyed] = store.events_for_person(1, "f" * 32)
    assert (rekeyed["session_id"], rekeyed["comment"], rekeyed["correction"], rekeyed["attributes"]) == (
        None,
        None,
        None,
        None,
    )
    assert rekeyed["kind"] == "accepted"
    assert store.events_for_person(1, "b" * 32)[0]["comment"] == "keep"


def test_rekey_events_replaces_pseudonyms_of_one_workspace_in_one_go(store):
    store.append(
        1,
        [
            stored_event(1, person="a" * 32),
            stored_event(2, person="b" * 32),
            stored_event(3, person="c" * 32),
        ],
    )
    store.append(2, [stored_event(1, person="a" * 32)])

    changed = rekey_events(store, 1, {"a" * 32: "b" * 32, "b" * 32: "a" * 32})

    assert changed == 2
    assert [row["event_id"][-1] for row in store.events_for_person(1, "a" * 32)] == ["2"]
    assert [row["event_id"][-1] for row in store.events_for_person(1, "b" * 32)] == ["1"]
    assert [row["event_id"][-1] for row in store.events_for_person(1, "c" * 32)] == ["3"]
    assert len(store.events_for_person(2, "a" * 32)) == 1
    assert rekey_events(store, 1, {}) == 0


def test_events_for_person_lists_their_events_oldest_first(store):
    store.append(
        1,
        [
            stored_event(1, time=datetime(2026, 5, 1, 15, 0)),
            stored_event(2, time=datetime(2026, 5, 1, 8, 0), kind="feedback", rating=2, category="wrong"),
        ],
    )

    rows = store.events_for_person(1, "p" * 32)

    assert [(row["event_id"][-1], row["kind"], row["rating"]) for row in rows] == [
        ("2", "feedback", 2),
        ("1", "accepted", None),
    ]
    assert rows[0]["workspace_id"] == 1


def test_a_closed_store_says_so(store_url):
    store = EventStore(store_url)
    store.close()

    with pytest.raises(EventStoreError, match="is closed"):
        store.count()


def test_memory_limit_must_be_a_size():
    with pytest.raises(EventStoreError, match="512MB"):
        EventStore("duckdb:///:memory:", memory_limit="half")
    with EventStore("duckdb:///:memory:", memory_limit="256MB") as store, store._cursor() as cursor:
        assert cursor.execute("SELECT current_setting('memory_limit')").fetchone()[0] in (
            "256.0 MiB",
            "244.1 MiB",
        )
