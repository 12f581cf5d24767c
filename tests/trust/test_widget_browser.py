"""The feedback widget in a real browser, embedded in a page served from another origin under a strict content
security policy: the script loads, the form works, the browser's CORS preflight passes for the key's origin, and
the feedback arrives in uptake."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from conftest import free_port
from trust.trust_builders import USE_CASE, live_use_case
from uptake.access.roles import Role
from uptake.db import session_scope
from uptake.trust import schemas, service
from uptake.trust.models import Feedback

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


def embedding_page(uptake_url: str, key: str) -> bytes:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Support assistant</title></head>
<body>
<h1>Your draft reply</h1>
<p>Dear customer, your parcel left our warehouse yesterday.</p>
<div data-uptake-feedback data-event-id="3b241101-e2bb-4255-8caf-4136c566a962"></div>
<script src="{uptake_url}/widget/feedback.js" data-key="{key}" defer></script>
</body></html>""".encode()


@pytest.fixture
def other_origin() -> Iterator[tuple[str, dict[str, bytes | str]]]:
    """A tiny web server on another port: it serves whatever page the test puts in, with a strict CSP."""
    port = free_port()
    served: dict[str, bytes | str] = {"page": b"", "csp": ""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = served["page"]
            assert isinstance(body, bytes)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Security-Policy", str(served["csp"]))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, name="embedding-site", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", served
    server.shutdown()
    server.server_close()


def test_the_widget_posts_feedback_from_another_origin_under_a_strict_csp(
    live_server, browser, other_origin
) -> None:
    site, served = other_origin
    world = live_server.world
    workspace_id = world.workspace()
    lead = world.caller(workspace_id, Role.program_lead)
    live_use_case(world, workspace_id, owner_id=lead.person_id)
    with session_scope(world.factory, workspace_id) as session:
        key = service.create_widget_key(
            session,
            workspace_id,
            schemas.WidgetKeyCreate(use_case=USE_CASE, allowed_origins=[site]),
            actor="test",
        ).key
    served["page"] = embedding_page(live_server.base_url, key)
    served["csp"] = (
        f"default-src 'none'; script-src {live_server.base_url}; connect-src {live_server.base_url}; "
        "style-src 'none'; img-src 'none'; form-action 'none'; base-uri 'none'"
    )

    page = browser.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security" in message.text else None,
    )
    page.goto(site + "/")
    form = page.locator("form.uptake-feedback")
    form.wait_for()
    form.locator("input[name=rating][value='2']").check()
    form.locator("select[name=category]").select_option("incomplete")
    form.locator("textarea[name=comment]").fill("It left out the delivery date.")
    form.locator("button[type=submit]").click()
    status = form.locator(".uptake-feedback-status")
    status.filter(has_text="Thank you").wait_for()
    assert violations == []

    with session_scope(world.factory, workspace_id) as session:
        stored = session.scalars(select(Feedback).where(Feedback.workspace_id == workspace_id)).all()
        assert [
            (item.rating, item.category, item.comment, item.source, item.event_id) for item in stored
        ] == [
            (
                2,
                "incomplete",
                "It left out the delivery date.",
                "widget",
                "3b241101-e2bb-4255-8caf-4136c566a962",
            )
        ]
        assert stored[0].person_pseudonym is None
        assert stored[0].reporter_id is None
