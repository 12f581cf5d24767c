"""Webhooks: the Slack and Microsoft Teams channels announcements and office hours are posted to."""

from __future__ import annotations

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.comms import repository, schemas
from uptake.comms.models import Webhook, WebhookKind
from uptake.directory.service import teams as teams_service
from uptake.errors import FieldError, InvalidInput, NotFound


class WebhookNotFound(NotFound):
    title = "There is no such webhook."


def check_webhook_ids(session: Session, workspace_id: int, webhook_ids: list[int]) -> None:
    found = {webhook.id for webhook in repository.list_webhooks_by_ids(session, workspace_id, webhook_ids)}
    errors = [
        FieldError(f"webhook_ids[{index}]", f"there is no webhook {webhook_id}")
        for index, webhook_id in enumerate(webhook_ids)
        if webhook_id not in found
    ]
    if errors:
        raise InvalidInput(errors=errors)


def webhook_output(webhook: Webhook) -> schemas.Webhook:
    host = webhook.url.split("://", 1)[-1].split("/", 1)[0]
    return schemas.Webhook(
        id=webhook.id,
        name=webhook.name,
        kind=webhook.kind.value,
        host=host,
        team_id=webhook.team_id,
        is_enabled=webhook.is_enabled,
    )


def list_webhooks(session: Session, workspace_id: int) -> list[Webhook]:
    return repository.list_webhooks(session, workspace_id)


def create_webhook(
    session: Session, workspace_id: int, body: schemas.WebhookCreate, *, actor: str
) -> Webhook:
    if body.team_id is not None:
        teams_service.get_team(session, workspace_id, body.team_id)
    webhook = Webhook(
        workspace_id=workspace_id,
        name=body.name,
        kind=WebhookKind(body.kind),
        url=body.url,
        team_id=body.team_id,
    )
    session.add(webhook)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="comms.webhook.created",
        target=f"webhook:{webhook.id}",
        after={"name": webhook.name, "kind": webhook.kind.value, "team_id": webhook.team_id},
    )
    return webhook


def delete_webhook(session: Session, workspace_id: int, webhook_id: int, *, actor: str) -> None:
    webhook = repository.get_webhook(session, workspace_id, webhook_id)
    if webhook is None:
        raise WebhookNotFound(f"webhook {webhook_id} does not exist", webhook_id=webhook_id)
    session.delete(webhook)
    session.flush()
    audit_service.record_audit_entry(
        session, workspace_id, actor=actor, action="comms.webhook.deleted", target=f"webhook:{webhook_id}"
    )
