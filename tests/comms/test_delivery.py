"""The outbox worker against real receivers: Slack and Teams payloads to a local HTTP server standing in for their
incoming webhooks, an SMTP server that refuses one address (dead letter with its error), retries with backoff."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select, update

from comms.smtp_server import RecordingHandler, SmtpServer
from conftest import free_port
from support import as_caller
from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.comms import channels, schemas
from uptake.comms.models import Channel, DeliveryStatus, Notification
from uptake.comms.service import announcements as announcements_service
from uptake.comms.service import notifications as notifications_service
from uptake.comms.service import webhooks as webhooks_service
from uptake.db import session_scope
from uptake.errors import InvalidInput
from uptake.jobs.service import JobContext

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


class StandIn(BaseHTTPRequestHandler):
    """Answers like Slack's and Teams' incoming webhooks: 200 for a post, 404 under /gone/."""

    received: list[dict[str, Any]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(
            {"path": self.path, "key": self.headers.get("Idempotency-Key"), "json": json.loads(body)}
        )
        status = 404 if self.path.startswith("/gone/") else 200
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"ok" if status == 200 else b"no_service")

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def settings(settings):
    """The stand-in chat server listens on this machine, which webhooks may reach only by this setting."""
    return settings.model_copy(update={"webhook_allow_internal": True})


@pytest.fixture
def webhook_server():
    received: list[dict[str, Any]] = []
    handler = type("Handler", (StandIn,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()


def _deliver(world, settings, workspace: int) -> dict[str, Any]:
    with world.session() as session:
        context = JobContext(
            job_id=0, name=notifications_service.DELIVERY_JOB, workspace_id=workspace, payload={}, session=session,
            settings=settings, report_progress=lambda *args: None,
        )  # fmt: skip
        return notifications_service.deliver_notifications(context)


def test_slack_and_teams_get_the_payloads_their_webhooks_define(
    world, settings, client, webhook_server
) -> None:
    base, received = webhook_server
    workspace = world.workspace()
    admin = world.caller(workspace, Role.admin)
    as_caller(client, admin)
    slack = client.post(
        "/api/v1/webhooks", json={"name": "#ai-news", "kind": "slack", "url": f"{base}/services/T0/B0/x"}
    ).json()
    teams = client.post(
        "/api/v1/webhooks", json={"name": "AI", "kind": "teams", "url": f"{base}/teams"}
    ).json()
    gone = client.post(
        "/api/v1/webhooks", json={"name": "old", "kind": "slack", "url": f"{base}/gone/1"}
    ).json()
    assert slack["host"] == base.split("://")[1]
    sent = client.post(
        "/api/v1/announcements",
        json={
            "title": "Office hours on **Friday**",
            "body_markdown": "Bring **your** prompts. [Agenda](https://intranet.example/agenda) <script>",
            "audience": {"everyone": True},
            "webhook_ids": [slack["id"], teams["id"], gone["id"]],
            "send_now": True,
        },
    )
    assert sent.status_code == 201, sent.text
    live = settings.model_copy(update={"base_url": "https://uptake.acme.example"})
    assert _deliver(world, live, workspace)["sent"] == 2

    by_path = {item["path"]: item for item in received}
    slack_body = by_path["/services/T0/B0/x"]["json"]
    assert slack_body["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Office hours on **Friday**"},
    }
    assert slack_body["blocks"][1]["type"] == "section"
    assert slack_body["blocks"][1]["text"] == {
        "type": "mrkdwn",
        "text": "Bring *your* prompts. <https://intranet.example/agenda|Agenda> &lt;script&gt;",
    }
    button = slack_body["blocks"][2]["elements"][0]
    assert button["url"] == f"https://uptake.acme.example/announcements/{sent.json()['id']}"
    assert slack_body["text"].startswith("Office hours on **Friday**: Bring *your*")
    teams_body = by_path["/teams"]["json"]
    assert teams_body["type"] == "message"
    attachment = teams_body["attachments"][0]
    assert attachment["contentType"] == channels.ADAPTIVE_CARD_CONTENT_TYPE
    card = attachment["content"]
    assert (card["type"], card["version"], card["$schema"]) == (
        "AdaptiveCard",
        "1.4",
        channels.ADAPTIVE_CARD_SCHEMA,
    )
    assert card["actions"][0]["type"] == "Action.OpenUrl"
    assert by_path["/teams"]["key"]
    assert by_path["/teams"]["key"] != by_path["/services/T0/B0/x"]["key"]

    dead = client.get("/api/v1/notifications/outbox", params={"status": "dead"}).json()
    assert [(row["webhook_id"], row["attempts"]) for row in dead] == [(gone["id"], 1)]
    assert dead[0]["last_error"] == "webhook answered 404"  # the reply's body is never shown


class RefusingHandler(RecordingHandler):
    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("nobody"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_refused_address_is_dead_lettered_and_an_unreachable_server_is_retried(world, settings) -> None:
    workspace = world.workspace()
    known = world.person(workspace, email="kim@acme.example")
    unknown = world.person(workspace, email="nobody@acme.example")
    port = free_port()
    smtp = settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_security": "none",
            "smtp_timeout_seconds": 2,
        }
    )
    with session_scope(world.factory, workspace) as session:
        notifications_service.enqueue_notification(
            session,
            workspace,
            person_ids=[known, unknown],
            subject="Hello",
            body_markdown="Hi",
            category="test",
        )
    # No server yet: both tries fail and wait for their backoff.
    assert _deliver(world, smtp, workspace) == {"sent": 0, "retried": 2, "dead": 0, "skipped": 0}
    with session_scope(world.factory, workspace) as session:
        rows = notifications_service.list_outbox(session, workspace)
        assert {row.status for row in rows} == {DeliveryStatus.pending}
        assert all("SMTP connection failed" in (row.last_error or "") for row in rows)
        # the backoff has passed
        session.execute(
            update(Notification)
            .where(Notification.id.in_([row.id for row in rows]))
            .values(next_attempt_at=Notification.created_at)
        )
    handler = RefusingHandler()
    with SmtpServer(handler, port):
        assert _deliver(world, smtp, workspace) == {"sent": 1, "retried": 0, "dead": 1, "skipped": 0}
    assert [item.recipient for item in handler.wire] == ["kim@acme.example"]
    message = handler.wire[0].message
    assert message["Message-ID"].endswith("@localhost>")
    assert message.get_content_type() == "multipart/alternative"
    with session_scope(world.factory, workspace) as session:
        rows = {row.person_id: row for row in notifications_service.list_outbox(session, workspace)}
        assert rows[unknown].status == DeliveryStatus.dead
        assert rows[unknown].last_error.startswith("the SMTP server refused nobody@acme.example")
        assert (rows[known].status, rows[known].attempts) == (DeliveryStatus.sent, 2)
        assert rows[known].channel == Channel.email
        retried = notifications_service.retry_notification(
            session, workspace, rows[unknown].id, actor="admin"
        )
        assert (retried.status, retried.attempts) == (DeliveryStatus.pending, 0)


def test_without_smtp_settings_email_is_skipped_and_says_why(world, settings) -> None:
    workspace = world.workspace()
    person = world.person(workspace)
    with session_scope(world.factory, workspace) as session:
        author = Principal(workspace_id=workspace, roles=frozenset({Role.program_lead}))
        announcements_service.create_announcement(
            session,
            workspace,
            schemas.AnnouncementCreate(title="Hi", audience=schemas.Audience(everyone=True), send_now=True),
            author=author,
        )
    assert _deliver(world, settings, workspace)["skipped"] == 1
    with session_scope(world.factory, workspace) as session:
        (row,) = notifications_service.list_outbox(session, workspace)
        assert (row.person_id, row.status, row.last_error) == (
            person,
            DeliveryStatus.skipped,
            "email is not configured (UPTAKE_SMTP_HOST)",
        )


def test_a_webhook_into_the_servers_own_network_is_refused(world, settings, client) -> None:
    """As found: a webhook could point at loopback or the cloud metadata address, and the reply's body was
    shown in the outbox."""
    closed = settings.model_copy(update={"webhook_allow_internal": False})
    workspace = world.workspace()
    for url in (
        "http://127.0.0.1:8000/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/hook",
        "http://[::1]/hook",
        "http://localhost/hook",
    ):
        with session_scope(world.factory, workspace) as session, pytest.raises(InvalidInput) as refused:
            webhooks_service.create_webhook(
                session,
                workspace,
                schemas.WebhookCreate(name="x", kind="slack", url=url),
                actor="test",
                allow_internal=closed.webhook_allow_internal,
            )
        assert refused.value.errors[0].field == "url"
    assert webhooks_service.internal_destination("https://hooks.slack.com/services/x", resolve=False) is None


def test_a_stored_webhook_that_now_reaches_inside_is_refused_when_sending(
    world, settings, webhook_server
) -> None:
    base, received = webhook_server
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        webhook = webhooks_service.create_webhook(
            session,
            workspace,
            schemas.WebhookCreate(name="x", kind="slack", url=f"{base}/hook"),
            actor="test",
            allow_internal=True,
        )
        announcements_service.create_announcement(
            session,
            workspace,
            schemas.AnnouncementCreate(
                title="Hello",
                body_markdown="Hi",
                audience={"everyone": True},
                webhook_ids=[webhook.id],
                send_now=True,
            ),
            author=Principal(workspace_id=workspace, roles=frozenset({Role.program_lead})),
        )
    closed = settings.model_copy(update={"webhook_allow_internal": False})
    _deliver(world, closed, workspace)
    assert received == []
    with world.session(workspace) as session:
        dead = session.scalars(select(Notification).where(Notification.webhook_id == webhook.id)).all()
    assert [row.status for row in dead] == [DeliveryStatus.dead]
    assert "is an internal address" in dead[0].last_error
