"""The SDK client's public API against a small real HTTP server (StandInServer in conftest.py)."""

import subprocess
import sys
import textwrap
import uuid
from datetime import UTC, datetime, timedelta, timezone
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


def test_events_carry_the_contract_fields(stand_in_server: Any, make_client: Any) -> None:
    client = make_client(stand_in_server.url)
    at = datetime(2025, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    given_id = "6F9619FF-8B86-D011-B42D-00C04FC964FF"
    event_id = client.track(
        person="ana.alves@example.org",
        use_case=USE_CASE,
        kind="accepted",
        tool="support-assistant",
        session_id="s-1",
        minutes_saved=4.5,
        attributes={"ticket_tier": 1},
        time=at,
        event_id=given_id,
    )
    feedback_id = client.feedback(
        person="e-ana",
        use_case=USE_CASE,
        rating=2,
        category="incomplete",
        comment="missed the refund",
        tool="sa",
    )
    assert client.flush(timeout=5)
    assert event_id == given_id.lower()
    assert stand_in_server.events[event_id] == {
        "event_id": "6f9619ff-8b86-d011-b42d-00c04fc964ff",
        "time": "2025-05-01T09:30:00+02:00",
        "person": "ana.alves@example.org",
        "use_case": USE_CASE,
        "kind": "accepted",
        "tool": "support-assistant",
        "session_id": "s-1",
        "minutes_saved": 4.5,
        "attributes": {"ticket_tier": 1},
    }
    feedback = stand_in_server.events[feedback_id]
    assert {key: feedback[key] for key in ("kind", "rating", "category", "comment", "tool")} == {
        "kind": "feedback",
        "rating": 2,
        "category": "incomplete",
        "comment": "missed the refund",
        "tool": "sa",
    }
    sent_at = datetime.fromisoformat(feedback["time"])
    assert sent_at.utcoffset() == timedelta(0)
    assert abs(sent_at - datetime.now(UTC)) < timedelta(minutes=1)
    assert str(uuid.UUID(feedback_id)) == feedback_id


def test_programming_errors_raise(stand_in_server: Any, make_client: Any) -> None:
    client = make_client(stand_in_server.url)
    with pytest.raises(ValueError, match="person is required"):
        client.track(person="  ", use_case=USE_CASE, kind="invoked")
    with pytest.raises(ValueError, match="UTC offset"):
        client.track(person="e-ana", use_case=USE_CASE, kind="invoked", time=datetime(2025, 5, 1))
    with pytest.raises(ValueError):
        client.track(person="e-ana", use_case=USE_CASE, kind="invoked", minutes_saved=float("nan"))
    assert client.flush(timeout=2)
    assert stand_in_server.batches == []


def test_close_flushes(stand_in_server: Any, make_client: Any) -> None:
    client = make_client(stand_in_server.url, flush_interval=60)
    sent = [client.track(person=f"e-{number}", use_case=USE_CASE, kind="invoked") for number in range(7)]
    client.close(timeout=5)
    assert set(stand_in_server.events) == set(sent)


def test_interpreter_exit_flushes(stand_in_server: Any, api_key: str) -> None:
    script = textwrap.dedent(
        f"""
        from uptake_sdk.client import Client
        client = Client({stand_in_server.url!r}, {api_key!r}, flush_interval=60, refresh_interval=60)
        for number in range(3):
            client.track(person=f"e-{{number}}", use_case={USE_CASE!r}, kind="invoked",
                         event_id=f"00000000-0000-4000-8000-00000000000{{number}}")
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    assert sorted(stand_in_server.events) == [
        f"00000000-0000-4000-8000-00000000000{number}" for number in range(3)
    ]


def test_checks_answer_from_the_rollout_state(stand_in_server: Any, make_client: Any) -> None:
    stand_in_server.publish_state(ROLLOUT_STATE, '"v1"')
    client = make_client(stand_in_server.url)
    assert client.wait_for_rollout_state(timeout=5)
    assert client.entitled("Ana.Alves@example.org", USE_CASE)
    assert client.check("e-ana", "summarize-calls") == Decision(True, Reason.TARGETING_MATCH, "support")
    assert client.check("e-ben", USE_CASE) == Decision(False, Reason.DEFAULT)
    assert client.check("e-ana", "unknown-use-case") == Decision(False, Reason.UNKNOWN_USE_CASE)


def test_no_state_ever_loaded_answers_state_unavailable(closed_port: int, make_client: Any) -> None:
    client = make_client(f"http://127.0.0.1:{closed_port}")
    assert not client.wait_for_rollout_state(timeout=0.2)
    assert client.check("e-ana", USE_CASE) == Decision(False, Reason.STATE_UNAVAILABLE)
    assert not client.entitled("e-ana", USE_CASE)
