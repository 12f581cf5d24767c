"""Event delivery (batches, retries, the disk spool, dead batches) against a small real HTTP server."""

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from uptake_sdk.client import Client

USE_CASE = "draft-ticket-replies"


def _spooled_event_ids(spool_dir: Path) -> list[str]:
    return [
        json.loads(line)["event_id"]
        for path in sorted(spool_dir.glob("batch-*.ndjson"))
        for line in path.read_text().splitlines()
    ]


def test_events_go_in_batches_of_batch_size(stand_in_server: Any, make_client: Any) -> None:
    client = make_client(stand_in_server.url, batch_size=10, flush_interval=60)
    for number in range(25):
        client.track(person=f"e-{number}", use_case=USE_CASE, kind="invoked")
    assert stand_in_server.wait_for_events(20, timeout=5)
    assert client.flush(timeout=5)
    assert [batch["size"] for batch in stand_in_server.batches] == [10, 10, 5]
    assert len(stand_in_server.events) == 25


def test_a_partial_batch_leaves_after_the_flush_interval(stand_in_server: Any, make_client: Any) -> None:
    client = make_client(stand_in_server.url, flush_interval=0.2)
    for number in range(3):
        client.track(person=f"e-{number}", use_case=USE_CASE, kind="shown")
    assert stand_in_server.wait_for_events(3, timeout=5)
    assert [batch["size"] for batch in stand_in_server.batches] == [3]


def test_large_batches_are_gzipped(stand_in_server: Any, make_client: Any) -> None:
    client = make_client(stand_in_server.url, batch_size=100, flush_interval=60)
    for number in range(100):
        client.track(
            person=f"e-{number}", use_case=USE_CASE, kind="invoked", attributes={"prompt": "x" * 300}
        )
    assert client.flush(timeout=5)
    assert [(batch["size"], batch["encoding"]) for batch in stand_in_server.batches] == [(100, "gzip")]
    assert len(stand_in_server.events) == 100


def test_tracking_from_many_threads_delivers_each_event_once(stand_in_server: Any, make_client: Any) -> None:
    client = make_client(stand_in_server.url, batch_size=50)
    sent: list[str] = []
    lock = threading.Lock()

    def track_many(thread_number: int) -> None:
        for number in range(250):
            event_id = client.track(person=f"e-{thread_number}-{number}", use_case=USE_CASE, kind="invoked")
            with lock:
                sent.append(event_id)

    threads = [threading.Thread(target=track_many, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert client.flush(timeout=10)
    assert set(stand_in_server.events) == set(sent)
    assert len(sent) == 1_000
    assert set(stand_in_server.arrivals.values()) == {1}


def test_a_server_that_is_down_makes_events_spool_then_arrive_exactly_once(
    closed_port: int, tmp_path: Path, make_client: Any, start_stand_in_server: Any, wait_until: Any
) -> None:
    client = make_client(f"http://127.0.0.1:{closed_port}", spool_dir=tmp_path, batch_size=10)
    sent = [client.track(person=f"e-{number}", use_case=USE_CASE, kind="invoked") for number in range(30)]
    assert client.flush(timeout=5)
    assert sorted(_spooled_event_ids(tmp_path)) == sorted(sent)
    assert client.delivery_stats().is_offline

    server = start_stand_in_server(closed_port)
    more = client.track(person="e-late", use_case=USE_CASE, kind="invoked")
    assert server.wait_for_events(31, timeout=10)
    assert client.flush(timeout=5)
    assert set(server.events) == {*sent, more}
    assert set(server.arrivals.values()) == {1}
    assert wait_until(lambda: list(tmp_path.glob("batch-*.ndjson")) == [], 5)
    assert not client.delivery_stats().is_offline
    # The spool went first, oldest batch first.
    first_ids = server.batches[0]["event_ids"]
    assert first_ids == sent[: len(first_ids)]


def test_a_restart_resends_what_the_previous_process_spooled(
    closed_port: int, tmp_path: Path, make_client: Any, start_stand_in_server: Any, wait_until: Any
) -> None:
    before = make_client(f"http://127.0.0.1:{closed_port}", spool_dir=tmp_path)
    sent = [before.track(person=f"e-{number}", use_case=USE_CASE, kind="invoked") for number in range(5)]
    before.close(timeout=3)
    assert sorted(_spooled_event_ids(tmp_path)) == sorted(sent)
    with pytest.raises(RuntimeError, match="closed"):
        before.track(person="e-1", use_case=USE_CASE, kind="invoked")

    server = start_stand_in_server(closed_port)
    make_client(server.url, spool_dir=tmp_path)
    assert server.wait_for_events(5, timeout=10)
    assert set(server.events) == set(sent)
    assert wait_until(lambda: _spooled_event_ids(tmp_path) == [], 5)
    assert set(server.arrivals.values()) == {1}


def test_rejected_events_are_logged_and_never_resent(
    stand_in_server: Any, make_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="uptake_sdk")
    client = make_client(stand_in_server.url)
    good = client.track(person="e-ana", use_case=USE_CASE, kind="accepted")
    bogus = client.track(person="e-ana", use_case=USE_CASE, kind="bogus")
    assert client.flush(timeout=5)
    time.sleep(0.3)
    assert client.flush(timeout=5)
    assert len(stand_in_server.batches) == 1
    assert set(stand_in_server.events) == {good}
    assert f"rejected event {bogus}: kind: is not a known kind" in caplog.text
    stats = client.delivery_stats()
    assert (stats.accepted, stats.rejected, stats.dead_batches) == (1, 1, 0)


def test_a_refused_batch_goes_to_the_dead_folder(
    stand_in_server: Any, tmp_path: Path, make_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    stand_in_server.scripted_statuses = [400]
    client = make_client(stand_in_server.url, spool_dir=tmp_path)
    sent = [client.track(person=f"e-{number}", use_case=USE_CASE, kind="invoked") for number in range(3)]
    assert client.flush(timeout=5)
    time.sleep(0.3)
    assert len(stand_in_server.batches) == 1
    dead = sorted((tmp_path / "dead").glob("batch-*.ndjson"))
    assert len(dead) == 1
    assert [json.loads(line)["event_id"] for line in dead[0].read_text().splitlines()] == sent
    reason = json.loads(dead[0].with_name(dead[0].name.replace(".ndjson", ".reason.json")).read_text())
    assert reason["status"] == 400
    assert "scripted failure" in reason["detail"]
    assert list(tmp_path.glob("batch-*.ndjson")) == []
    assert "refused a batch of 3 events with 400" in caplog.text


def test_an_unauthorized_batch_is_kept_not_dropped(stand_in_server: Any, tmp_path: Path) -> None:
    client = Client(stand_in_server.url, "wrong-key", spool_dir=tmp_path, flush_interval=0.05)
    try:
        client.track(person="e-ana", use_case=USE_CASE, kind="invoked")
        assert client.flush(timeout=5)
    finally:
        client.close(timeout=1)
    assert stand_in_server.events == {}
    assert len(list((tmp_path / "dead").glob("batch-*.ndjson"))) == 1


def test_server_errors_and_throttling_are_retried(stand_in_server: Any, make_client: Any) -> None:
    stand_in_server.scripted_statuses = [503, 429, 500]
    client = make_client(stand_in_server.url, max_attempts=5)
    sent = [client.track(person=f"e-{number}", use_case=USE_CASE, kind="invoked") for number in range(2)]
    assert stand_in_server.wait_for_events(2, timeout=10)
    assert [batch["size"] for batch in stand_in_server.batches] == [2, 2, 2, 2]
    assert set(stand_in_server.events) == set(sent)
    assert client.delivery_stats().spooled_batches == 0


def test_a_batch_too_large_is_split(stand_in_server: Any, make_client: Any) -> None:
    stand_in_server.largest_batch = 2
    client = make_client(stand_in_server.url, batch_size=5, flush_interval=60)
    sent = [client.track(person=f"e-{number}", use_case=USE_CASE, kind="invoked") for number in range(5)]
    assert client.flush(timeout=5)
    assert [batch["size"] for batch in stand_in_server.batches] == [5, 2, 3, 1, 2]
    assert set(stand_in_server.events) == set(sent)


def test_without_a_spool_a_full_queue_drops_the_oldest_and_says_so(
    closed_port: int, make_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="uptake_sdk")
    client = make_client(f"http://127.0.0.1:{closed_port}", batch_size=10, max_queue=10)
    for number in range(40):
        client.track(person=f"e-{number}", use_case=USE_CASE, kind="invoked")
    stats = client.delivery_stats()
    assert stats.dropped >= 20
    assert stats.queued <= 20
    assert "the event queue is full (10)" in caplog.text
    assert not client.flush(timeout=0.2)
