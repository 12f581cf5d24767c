"""The SDK against a real uptake server process: killed mid-stream (SIGKILL), restarted on the same port and data,
and every event is stored exactly once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from uptake.access.roles import Scope
from uptake.telemetry.event_store import EventStore
from uptake_sdk.client import Client

pytestmark = [pytest.mark.parametrize("database_url", ["sqlite"], indirect=True), pytest.mark.slow]

EVENTS_BEFORE_KILL = 600
EVENTS_WHILE_DOWN = 300
EVENTS_AFTER_RESTART = 300


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def spooled(tmp_path: Path) -> list[Path]:
    return list((tmp_path / "spool").rglob("*.ndjson"))


class ServerProcess:
    """`uptake serve` in its own process on a fixed port and data dir: started, killed, started again."""

    def __init__(self, settings, port: int, log: Path) -> None:
        self.port = port
        self.log = log
        self.environment = {key: value for key, value in os.environ.items() if not key.startswith("UPTAKE_")}
        self.environment.update(
            UPTAKE_DATA_DIR=str(settings.data_dir),
            UPTAKE_DATABASE_URL=settings.effective_database_url,
            UPTAKE_EVENTS_URL=settings.effective_events_url,
            UPTAKE_SECRET_KEY=settings.effective_secret_key,
            UPTAKE_PORT=str(port),
            UPTAKE_RUN_WORKER="false",
            UPTAKE_LOG_LEVEL="warning",
        )
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uptake", "serve"], env=self.environment, stdout=log, stderr=log
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the server did not answer in time")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; whatever the server had not committed is gone."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        with pytest.raises(httpx.TransportError):
            httpx.get(self.url + "/healthz", timeout=1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def server(settings, tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(settings, free_port(), tmp_path / "server.log")
    yield process
    process.stop()


def test_events_survive_a_killed_server_exactly_once(world, settings, server, tmp_path: Path) -> None:
    workspace_id = world.workspace()
    key = world.api_key(workspace_id, Scope.events_write)
    server.start()
    client = Client(
        server.url,
        key,
        spool_dir=tmp_path / "spool",
        batch_size=50,
        flush_interval=0.02,
        max_attempts=2,
        initial_backoff=0.05,
        max_backoff=0.2,
        timeout=2.0,
        refresh_interval=3600,
    )
    sent: list[str] = []

    def track(count: int) -> None:
        for number in range(count):
            sent.append(
                client.track(
                    person=f"person{number % 40}@example.com",
                    use_case="support-replies",
                    kind="invoked",
                    tool="support-assistant",
                    attributes={"n": len(sent)},
                )
            )
            if number % 25 == 0:
                time.sleep(0.005)

    try:
        track(EVENTS_BEFORE_KILL)
        deadline = time.monotonic() + 30
        while client.delivery_stats().accepted < EVENTS_BEFORE_KILL // 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill()  # mid-stream: batches are in flight and queued
        track(EVENTS_WHILE_DOWN)
        deadline = time.monotonic() + 20
        while not client.delivery_stats().is_offline and time.monotonic() < deadline:
            time.sleep(0.01)
        assert client.delivery_stats().is_offline  # the client spools while nothing listens
        server.start()
        track(EVENTS_AFTER_RESTART)
        # Delivery comes back online on its next retry of the oldest spooled batch, then resends the spool.
        deadline = time.monotonic() + 60
        while (client.delivery_stats().is_offline or spooled(tmp_path)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.flush(timeout=60)
    finally:
        client.close(timeout=10)
    stats = client.delivery_stats()
    assert stats.rejected == 0
    assert stats.dead_batches == 0
    server.stop()

    with EventStore(settings.effective_events_url) as store, store._cursor() as cursor:
        stored = [row[0] for row in cursor.execute("SELECT event_id FROM events").fetchall()]
        sources = {row[0] for row in cursor.execute("SELECT DISTINCT source FROM events").fetchall()}
    assert len(stored) == len(sent) == EVENTS_BEFORE_KILL + EVENTS_WHILE_DOWN + EVENTS_AFTER_RESTART
    assert sorted(stored) == sorted(sent)
    assert sources == {"sdk"}
    assert spooled(tmp_path) == []
