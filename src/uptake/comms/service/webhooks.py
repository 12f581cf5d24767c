"""Webhooks: the Slack and Microsoft Teams channels announcements and office hours are posted to."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.comms import repository, schemas
from uptake.comms.models import Webhook, WebhookKind
from uptake.directory.service import teams as teams_service
from uptake.errors import FieldError, InvalidInput, NotFound


class WebhookNotFound(NotFound):
    title = "There is no such webhook."


def _is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_reserved
        or address.is_unspecified
        or address.is_multicast
    )


def internal_destination(url: str, *, resolve: bool) -> str | None:
    """Why ``url`` points inside the network (loopback, link-local such as cloud metadata, private ranges), or
    None. Without ``resolve`` only addresses written in the URL (and ``localhost``) are known; with it, every
    address the host name resolves to is checked (a name that does not resolve is left to the HTTP call)."""
    host = (urlsplit(url).hostname or "").strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return f"{host} is this machine"
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        return f"{host} is an internal address" if _is_internal(literal) else None
    if not resolve:
        return None
    try:
        resolved = {info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError):
        return None
    for address in sorted(resolved):
        if _is_internal(ipaddress.ip_address(str(address).split("%", 1)[0])):
            return f"{host} resolves to the internal address {address}"
    return None


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
    session: Session,
    workspace_id: int,
    body: schemas.WebhookCreate,
    *,
    actor: str,
    allow_internal: bool = False,
) -> Webhook:
    """Store a webhook; a URL to loopback, link-local or private addresses is refused unless ``allow_internal``
    (the setting ``webhook_allow_internal``): a webhook must not be a way into the server's own network."""
    internal = None if allow_internal else internal_destination(body.url, resolve=False)
    if internal is not None:
        raise InvalidInput(
            errors=[
                FieldError(
                    "url", f"must reach the outside world: {internal} (setting webhook_allow_internal)"
                )
            ]
        )
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
