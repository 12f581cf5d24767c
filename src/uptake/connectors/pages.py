"""The connectors' pages, for admins: the list with a form to add one, and one connector with its test, its
"sync now", a new secret, and its history of runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import SecretStr, ValidationError
from sqlalchemy.orm import Session

from uptake.access.dependencies import AdminPage, SessionDep, SettingsDep
from uptake.analytics.dependencies import get_analytics
from uptake.connectors import schemas, service
from uptake.connectors.models import ConnectorKind
from uptake.errors import UptakeError
from uptake.telemetry.dependencies import get_event_store
from uptake.web.flash import flash
from uptake.web.templating import render

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=4000)]


def _act(request: Request, session: Session, back: str, done: Callable[[], str]) -> Response:
    """Run a form's action; flash what it said or why it was refused (undoing any part of it), and go back."""
    response = RedirectResponse(back, status_code=303)
    try:
        message = done()
    except ValidationError as error:
        session.rollback()
        reasons = "; ".join(f"{'.'.join(map(str, item['loc']))}: {item['msg']}" for item in error.errors())
        flash(request, response, reasons, "error")
        return response
    except UptakeError as error:
        session.rollback()
        reasons = "; ".join(f"{item.field}: {item.reason}" for item in error.errors)
        flash(request, response, f"{error.detail}{' — ' + reasons if reasons else ''}", "error")
        return response
    flash(request, response, message)
    return response


@router.get("/connectors")
def connectors_page(request: Request, session: SessionDep, admin: AdminPage) -> Response:
    return render(
        request,
        "connectors/list.html",
        {
            "connectors": service.list_connectors(session, admin.workspace_id),
            "kinds": list(ConnectorKind),
            "defaults": service.DEFAULTS,
        },
    )


@router.post("/connectors")
def add_connector(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    admin: AdminPage,
    name: Text = "",
    kind: Text = "",
    secret: Text = "",
    organization: Text = "",
    tenant_id: Text = "",
    client_id: Text = "",
    base_url: Text = "",
    login_url: Text = "",
    tool: Text = "",
    use_case: Text = "",
    backfill_days: Text = "",
) -> Response:
    def add() -> str:
        body = schemas.ConnectorCreate(
            name=name,
            kind=ConnectorKind(kind) if kind in set(ConnectorKind) else kind,
            secret=SecretStr(secret),
            organization=organization.strip() or None,
            tenant_id=tenant_id.strip() or None,
            client_id=client_id.strip() or None,
            base_url=base_url.strip() or None,
            login_url=login_url.strip() or None,
            tool=tool.strip() or None,
            use_case=use_case.strip() or None,
            backfill_days=int(backfill_days) if backfill_days.strip().isdigit() else None,
        )
        connector = service.create_connector(
            session,
            admin.workspace_id,
            body,
            installation_key=settings.effective_secret_key,
            actor=admin.actor,
        )
        return (
            f"Connector {connector.name} added; its secret is stored encrypted and will not be shown again."
        )

    return _act(request, session, "/connectors", add)


@router.get("/connectors/{connector_id}")
def connector_page(connector_id: int, request: Request, session: SessionDep, admin: AdminPage) -> Response:
    return render(
        request,
        "connectors/connector.html",
        {
            "connector": service.get_connector(session, admin.workspace_id, connector_id),
            "runs": service.list_runs(session, admin.workspace_id, connector_id, limit=30),
        },
    )


@router.post("/connectors/{connector_id}/test")
def test_connector(
    connector_id: int, request: Request, session: SessionDep, settings: SettingsDep, admin: AdminPage
) -> Response:
    def check() -> str:
        run = service.check_connector(
            session,
            admin.workspace_id,
            connector_id,
            installation_key=settings.effective_secret_key,
            actor="test",
        )
        if run.status.value == "failed":
            raise service.ConnectorTestFailed(run.message)
        return run.message

    return _act(request, session, f"/connectors/{connector_id}", check)


@router.post("/connectors/{connector_id}/sync")
def sync_connector(connector_id: int, request: Request, session: SessionDep, admin: AdminPage) -> Response:
    def queue() -> str:
        service.request_sync(
            session, admin.workspace_id, connector_id, request.app.state.job_definitions, actor=admin.actor
        )
        return "Sync queued: it appears below when it has run (reload the page)."

    return _act(request, session, f"/connectors/{connector_id}", queue)


@router.post("/connectors/{connector_id}/settings")
def update_connector(
    connector_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    admin: AdminPage,
    secret: Text = "",
    base_url: Text = "",
    is_enabled: Text = "",
) -> Response:
    def change() -> str:
        body = schemas.ConnectorUpdate(
            secret=SecretStr(secret) if secret.strip() else None,
            base_url=base_url.strip() or None,
            is_enabled=is_enabled == "1",
        )
        service.update_connector(
            session,
            admin.workspace_id,
            connector_id,
            body,
            installation_key=settings.effective_secret_key,
            actor=admin.actor,
        )
        return "Connector changed."

    return _act(request, session, f"/connectors/{connector_id}", change)


@router.get("/connectors/{connector_id}/accounts")
def accounts_page(connector_id: int, request: Request, session: SessionDep, admin: AdminPage) -> Response:
    """The accounts holding a seat that nobody in the directory is linked to, most used first, to link by hand."""
    return render(
        request,
        "connectors/accounts.html",
        {
            "connector": service.get_connector(session, admin.workspace_id, connector_id),
            "accounts": service.list_unlinked_accounts(
                session,
                admin.workspace_id,
                connector_id,
                store=get_event_store(request),
                today=datetime.now(UTC).date(),
            ),
        },
    )


@router.post("/connectors/{connector_id}/accounts")
def link_account(
    connector_id: int,
    request: Request,
    session: SessionDep,
    admin: AdminPage,
    account: Text = "",
    person: Text = "",
) -> Response:
    def link() -> str:
        linked = service.link_account(
            session,
            admin.workspace_id,
            connector_id,
            schemas.AccountLinkCreate(account=account, person=person),
            store=get_event_store(request),
            actor=admin.actor,
            analytics=get_analytics(request),
        )
        return (
            f"{linked.account} is linked: {linked.events_moved} stored event(s) and {linked.seats_linked} seat(s) "
            "now count for the person."
        )

    return _act(request, session, f"/connectors/{connector_id}/accounts", link)
