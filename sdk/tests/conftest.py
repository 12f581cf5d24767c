import gzip
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from reference_fixtures import require_shared_fixtures
from uptake_sdk.client import Client

API_KEY = "uptake-test-key"


@pytest.fixture
def shared_fixtures() -> Path:
    return require_shared_fixtures()


class StandInServer:
    """A small real HTTP server speaking uptake's ingest contract and serving a rollout state.

    Ingest is idempotent by event_id, as the contract requires; `arrivals` counts every time an event
    reached the server, so tests can tell "stored once" from "sent once". `scripted_statuses` makes the
    next batches fail with the given statuses; `largest_batch` answers 413 above that many events; events
    whose kind is `bogus` are rejected one by one in a 200 answer.
    """

    def __init__(self) -> None:
        self.events: dict[str, dict[str, Any]] = {}
        self.arrivals: Counter[str] = Counter()
        self.batches: list[dict[str, Any]] = []
        self.scripted_statuses: list[int] = []
        self.largest_batch: int | None = None
        self.state_document: dict[str, Any] | None = None
        self.state_etag = ""
        self.state_answers: list[tuple[str | None, int]] = []
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, port: int = 0) -> "StandInServer":
        handler = _handler_for(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def publish_state(self, document: dict[str, Any], etag: str) -> None:
        with self.lock:
            self.state_document = document
            self.state_etag = etag

    def wait_for_events(self, count: int, timeout: float = 10.0) -> bool:
        return _wait_until(lambda: len(self.events) >= count, timeout)

    def ingest(self, events: list[dict[str, Any]], encoding: str | None) -> tuple[int, dict[str, Any]]:
        with self.lock:
            event_ids = [event.get("event_id") for event in events]
            self.batches.append({"size": len(events), "event_ids": event_ids, "encoding": encoding})
            if self.scripted_statuses:
                return self.scripted_statuses.pop(0), {"title": "scripted failure"}
            if self.largest_batch is not None and len(events) > self.largest_batch:
                return 413, {"title": "batch too large"}
            accepted, duplicates, rejected = 0, 0, []
            for index, event in enumerate(events):
                if event.get("kind") == "bogus":
                    rejected.append(
                        {
                            "index": index,
                            "event_id": event.get("event_id"),
                            "errors": [{"field": "kind", "reason": "is not a known kind"}],
                        }
                    )
                    continue
                self.arrivals[event["event_id"]] += 1
                if event["event_id"] in self.events:
                    duplicates += 1
                else:
                    self.events[event["event_id"]] = event
                    accepted += 1
            answer = {
                "accepted": accepted,
                "duplicates": duplicates,
                "rejected": rejected,
                "unrecognized": {"use_cases": [], "tools": []},
            }
            return 200, answer


def _handler_for(server: StandInServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
            content = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def do_POST(self) -> None:
            if self.headers.get("Authorization") != f"Bearer {API_KEY}":
                self._answer(401, {"title": "unauthorized"})
                return
            if self.path != "/api/v1/events":
                self._answer(404, {"title": "not found"})
                return
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            text = body.decode()
            if self.headers.get("Content-Type", "").startswith("application/x-ndjson"):
                events = [json.loads(line) for line in text.splitlines() if line.strip()]
            else:
                events = json.loads(text)
            status, answer = server.ingest(events, self.headers.get("Content-Encoding"))
            self._answer(status, answer)

        def do_GET(self) -> None:
            if self.path != "/api/v1/rollout-state":
                self._answer(404, {"title": "not found"})
                return
            with server.lock:
                document, etag = server.state_document, server.state_etag
                asked_with = self.headers.get("If-None-Match")
                if document is None:
                    status = 503
                elif asked_with == etag:
                    status = 304
                else:
                    status = 200
                server.state_answers.append((asked_with, status))
            if status == 200:
                self._answer(200, document, {"ETag": etag})
            elif status == 304:
                self._answer(304, None, {"ETag": etag})
            else:
                self._answer(status, {"title": "no state"})

    return Handler


def _wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


@pytest.fixture
def wait_until() -> Callable[[Callable[[], bool], float], bool]:
    return _wait_until


@pytest.fixture
def start_stand_in_server() -> Iterator[Callable[..., StandInServer]]:
    """Start stand-in servers (on a given port, or any free one); all are stopped after the test."""
    servers: list[StandInServer] = []

    def start(port: int = 0) -> StandInServer:
        server = StandInServer().start(port)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def stand_in_server(start_stand_in_server: Callable[..., StandInServer]) -> StandInServer:
    return start_stand_in_server()


@pytest.fixture
def api_key() -> str:
    return API_KEY


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on (it was free a moment ago), for a server that is down."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def make_client() -> Iterator[Callable[..., Client]]:
    """Build clients with fast test timings; every one is closed at the end of the test."""
    clients: list[Client] = []

    def build(base_url: str, **options: Any) -> Client:
        settings: dict[str, Any] = {
            "flush_interval": 0.05,
            "initial_backoff": 0.02,
            "max_backoff": 0.1,
            "timeout": 2.0,
            "refresh_interval": 0.05,
        }
        settings.update(options)
        client = Client(base_url, API_KEY, **settings)
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close(timeout=1.0)
