"""Keeping the rollout state current: ETag polling, last good state, restarts."""

import json
from pathlib import Path
from typing import Any

import pytest

from uptake_sdk.local_evaluation import Decision, Reason

USE_CASE = "draft-ticket-replies"
ROLLOUT_STATE = {
    "version": 1,
    "use_cases": {
        USE_CASE: {"status": "active", "rules": [{"wave": "pilot", "people": ["e-ana"]}]},
        "summarize-calls": {"status": "active", "rules": [{"wave": "support", "teams": [3]}]},
    },
    "people": {"e-ana": {"teams": [3], "role": "agent", "trained": [], "acknowledged": []}},
    "aliases": {"ana.alves@example.org": "e-ana"},
}


def test_polling_uses_the_etag_and_picks_up_changes(
    stand_in_server: Any, make_client: Any, wait_until: Any
) -> None:
    stand_in_server.publish_state(ROLLOUT_STATE, '"v1"')
    client = make_client(stand_in_server.url)
    assert client.wait_for_rollout_state(timeout=5)
    assert wait_until(lambda: ('"v1"', 304) in stand_in_server.state_answers, 5)
    assert stand_in_server.state_answers[0] == (None, 200)

    paused = json.loads(json.dumps(ROLLOUT_STATE))
    paused["use_cases"][USE_CASE]["status"] = "paused"
    stand_in_server.publish_state(paused, '"v2"')
    assert wait_until(lambda: client.check("e-ana", USE_CASE).reason == Reason.DISABLED, 5)
    assert ('"v1"', 200) in stand_in_server.state_answers


def test_the_last_good_state_keeps_answering_and_survives_a_restart(
    stand_in_server: Any, tmp_path: Path, make_client: Any, wait_until: Any
) -> None:
    stand_in_server.publish_state(ROLLOUT_STATE, '"v1"')
    client = make_client(stand_in_server.url, spool_dir=tmp_path)
    assert client.wait_for_rollout_state(timeout=5)
    stand_in_server.stop()
    assert not client.refresh_rollout_state()
    assert client.check("e-ana", USE_CASE) == Decision(True, Reason.TARGETING_MATCH, "pilot")
    client.close(timeout=1)

    restarted = make_client(stand_in_server.url, spool_dir=tmp_path)
    assert restarted.wait_for_rollout_state(timeout=0)
    assert restarted.check("e-ana", USE_CASE) == Decision(True, Reason.TARGETING_MATCH, "pilot")


def test_an_unusable_state_document_keeps_the_previous_one(
    stand_in_server: Any, make_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    stand_in_server.publish_state(ROLLOUT_STATE, '"v1"')
    client = make_client(stand_in_server.url, refresh_interval=60)
    assert client.wait_for_rollout_state(timeout=5)
    stand_in_server.publish_state({"version": 2}, '"v2"')
    assert not client.refresh_rollout_state()
    assert client.entitled("e-ana", USE_CASE)
    assert "unsupported rollout state version 2" in caplog.text
