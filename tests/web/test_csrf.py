"""The CSRF middleware reads a form's token without buffering large anonymous forms."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from uptake.access.roles import Role

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _post_form(app, cookies: str, chunks: int) -> tuple[int, int]:
    """POST a urlencoded form of ``chunks`` KiB to /login straight through ASGI; (status, chunks read)."""
    read = 0
    answer: dict = {}

    async def receive() -> dict:
        nonlocal read
        read += 1
        return {"type": "http.request", "body": b"a" * 1024, "more_body": read < chunks}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/login",
        "raw_path": b"/login",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"cookie", cookies.encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    # A thread of its own: a browser test earlier in the run may leave an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as runner:
        runner.submit(asyncio.run, app(scope, receive, send)).result()
    return answer["status"], read


def test_an_anonymous_form_is_not_buffered_past_a_small_limit(app, client: TestClient, world) -> None:
    """As found: an anonymous form was buffered up to 64 MiB before anyone was authenticated."""
    status, read = _post_form(app, "uptake_csrf=token", chunks=2048)
    assert status == 413
    assert read <= 65
    no_cookie_status, no_cookie_read = _post_form(app, "", chunks=2048)
    assert (no_cookie_status, no_cookie_read) == (403, 0)
    caller = world.caller(world.workspace(), Role.admin)
    cookies = "; ".join(f"{name}={value}" for name, value in caller.cookies.items())
    signed_in_status, signed_in_read = _post_form(app, cookies, chunks=256)
    assert signed_in_read == 256  # a signed-in person's form (an upload) is read whole
    assert signed_in_status == 403  # its token is missing: refused after reading
