"""Telemetry fixtures: a fixed clock, an event factory and a fresh DuckDB event store per test."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from uptake.telemetry.event_store import EventStore

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
"""The server's clock in these tests."""


def make_event(**fields: Any) -> dict[str, Any]:
    """A valid event as a client sends it; `fields` replace or add fields (None keeps a null)."""
    event: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "time": "2026-05-01T09:30:00+02:00",
        "person": "alice@example.com",
        "use_case": "support-replies",
        "tool": "support-assistant",
        "kind": "accepted",
    }
    event.update(fields)
    return event


def without(event: dict[str, Any], *names: str) -> dict[str, Any]:
    return {key: value for key, value in event.items() if key not in names}


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def event() -> Callable[..., dict[str, Any]]:
    return make_event


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"duckdb:///{tmp_path / 'events.duckdb'}"


@pytest.fixture
def store(store_url: str) -> Iterator[EventStore]:
    event_store = EventStore(store_url)
    yield event_store
    event_store.close()
