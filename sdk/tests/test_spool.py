import json
from pathlib import Path

from uptake_sdk.spool import Spool


def test_batches_are_written_whole_and_listed_oldest_first(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    first = spool.write_batch(['{"event_id":"a"}', '{"event_id":"b"}'])
    second = spool.write_batch(['{"event_id":"c"}'])
    assert spool.pending_batches() == [first, second]
    assert first.read_text() == '{"event_id":"a"}\n{"event_id":"b"}\n'
    assert Spool.read_batch(first) == ['{"event_id":"a"}', '{"event_id":"b"}']
    assert [path.name for path in (tmp_path / "spool").iterdir() if path.name.endswith(".tmp")] == []


def test_removing_a_batch_twice_is_harmless(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    batch = spool.write_batch(['{"event_id":"a"}'])
    Spool.remove_batch(batch)
    Spool.remove_batch(batch)
    assert spool.pending_batches() == []
    assert not spool.has_pending_batches()


def test_a_missing_directory_has_nothing_pending(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "not-yet")
    assert spool.pending_batches() == []
    assert not spool.has_pending_batches()
    assert spool.dead_batches() == []
    assert spool.load_rollout_state() is None


def test_dead_batches_keep_the_servers_answer_and_are_not_pending(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    dead = spool.write_dead_batch(['{"event_id":"a"}'], 400, '{"title":"invalid body"}')
    assert spool.pending_batches() == []
    assert spool.dead_batches() == [dead]
    reason = json.loads(dead.with_name(dead.name.removesuffix(".ndjson") + ".reason.json").read_text())
    assert reason == {"status": 400, "detail": '{"title":"invalid body"}'}


def test_an_unreadable_line_is_still_read_for_the_server_to_judge(tmp_path: Path) -> None:
    batch = tmp_path / "batch-00000000000000000001-1-000000.ndjson"
    batch.write_bytes(b'{"event_id":"a"}\n\xff\xfe\n\n')
    assert Spool.read_batch(batch) == ['{"event_id":"a"}', "\ufffd\ufffd"]


def test_the_rollout_state_round_trips(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    document = {"version": 1, "use_cases": {"draft-ticket-replies": {"status": "active", "rules": []}}}
    spool.save_rollout_state('"v7"', document)
    assert spool.load_rollout_state() == ('"v7"', document)
    assert spool.pending_batches() == []


def test_a_damaged_saved_state_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "rollout-state.json").write_text('{"etag": "v1", "sta')
    assert Spool(tmp_path).load_rollout_state() is None
    (tmp_path / "rollout-state.json").write_text('["not", "an", "object"]')
    assert Spool(tmp_path).load_rollout_state() is None
