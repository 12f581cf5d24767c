"""A fake of GitHub's Copilot seat API on 127.0.0.1: a real HTTP server the tests start and read back."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeGitHub:
    """Answers `/orgs/{org}/copilot/billing/selected_users`; `queued` answers go first, then the normal one."""

    organization: str = "acme"
    token: str = "ghp_test"
    calls: list[Call] = field(default_factory=list)
    queued: list[tuple[int, dict[str, str], dict[str, Any]]] = field(default_factory=list)
    base_url: str = ""

    def answer(
        self, method: str, path: str, headers: dict[str, str], body: Any
    ) -> tuple[int, dict[str, str], Any]:
        self.calls.append(Call(method, path, headers, body))
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {}, {"message": "Bad credentials"}
        if path != f"/orgs/{self.organization}/copilot/billing/selected_users":
            return 404, {}, {"message": "Not Found"}
        if self.queued:
            return self.queued.pop(0)
        names = body.get("selected_usernames") if isinstance(body, dict) else None
        if not names:
            return 422, {}, {"message": "selected_usernames is required"}
        if method == "DELETE":
            return 200, {}, {"seats_cancelled": len(names)}
        if method == "POST":
            return 201, {}, {"seats_created": len(names)}
        return 405, {}, {"message": "Method not allowed"}


@contextmanager
def running_fake_github(fake: FakeGitHub | None = None) -> Iterator[FakeGitHub]:
    fake = fake or FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, extra, answer = fake.answer(self.command, self.path, headers, body)
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_POST = do_DELETE = do_GET = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
