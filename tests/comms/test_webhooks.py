"""comms/service/webhooks.py: the Slack and Teams channels, listed without their secret address."""

from __future__ import annotations

import pytest

from uptake.audit import service as audit_service
from uptake.comms import schemas
from uptake.comms.service import notifications as notifications_service
from uptake.comms.service import webhooks as webhooks_service
from uptake.db import session_scope
from uptake.directory.service import teams as teams_service
from uptake.errors import InvalidInput, NotFound

SECRET_URL = "https://hooks.slack.com/services/T000/B000/secret-token"


def test_a_webhook_is_listed_by_its_host_only_and_deleted_with_an_audit_entry(world) -> None:
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        claims = teams_service.create_team(session, workspace, name="Claims").id
        created = webhooks_service.create_webhook(
            session,
            workspace,
            schemas.WebhookCreate(name="#claims-ai", kind="slack", url=SECRET_URL, team_id=claims),
            actor="admin",
        )
        (listed,) = [
            webhooks_service.webhook_output(item)
            for item in webhooks_service.list_webhooks(session, workspace)
        ]
        assert listed == schemas.Webhook(
            id=created.id,
            name="#claims-ai",
            kind="slack",
            host="hooks.slack.com",
            team_id=claims,
            is_enabled=True,
        )
        assert "secret-token" not in str(
            audit_service.list_audit_entries(session, workspace, action="comms.webhook.created")[0].after
        )
        webhooks_service.delete_webhook(session, workspace, created.id, actor="admin")
        assert webhooks_service.list_webhooks(session, workspace) == []
        with pytest.raises(webhooks_service.WebhookNotFound):
            webhooks_service.delete_webhook(session, workspace, created.id, actor="admin")
        with pytest.raises(NotFound):
            webhooks_service.create_webhook(
                session,
                workspace,
                schemas.WebhookCreate(name="x", kind="teams", url=SECRET_URL, team_id=999),
                actor="admin",
            )


def test_unknown_webhooks_are_named_by_position_and_disabled_ones_get_no_post(world) -> None:
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        on, off = (
            webhooks_service.create_webhook(
                session,
                workspace,
                schemas.WebhookCreate(name=name, kind="teams", url=SECRET_URL),
                actor="admin",
            )
            for name in ("on", "off")
        )
        off.is_enabled = False
        session.flush()
        webhooks_service.check_webhook_ids(session, workspace, [on.id, off.id])
        with pytest.raises(InvalidInput) as raised:
            webhooks_service.check_webhook_ids(session, workspace, [on.id, 999])
        assert [(error.field, error.reason) for error in raised.value.errors] == [
            ("webhook_ids[1]", "there is no webhook 999")
        ]
        posted = notifications_service.enqueue_webhook_message(
            session,
            workspace,
            webhook_ids=[on.id, off.id],
            subject="News",
            body_markdown="",
            category="announcement",
        )
        assert posted == 1
        assert [
            (item.webhook_id, item.channel.value)
            for item in notifications_service.list_outbox(session, workspace)
        ] == [(on.id, "teams")]
