"""The connectors' JSON routes, all for admins: create, list, change, test, sync now, and each one's history.

A secret goes in with create (or a change) and is never answered back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from uptake.access.dependencies import Admin, SessionDep, SettingsDep
from uptake.analytics.dependencies import AnalyticsDep
from uptake.connectors import schemas, service
from uptake.params import CSV_REQUEST_BODY, read_csv_body
from uptake.telemetry.dependencies import EventStoreDep

router = APIRouter(prefix="/connectors", tags=["connectors"])

IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]


@router.post("", status_code=201, response_model=schemas.Connector)
def create_connector(
    body: schemas.ConnectorCreate, session: SessionDep, settings: SettingsDep, admin: Admin
) -> schemas.Connector:
    return service.create_connector(
        session, admin.workspace_id, body, installation_key=settings.effective_secret_key, actor=admin.actor
    )


@router.get("", response_model=schemas.ConnectorPage)
def list_connectors(session: SessionDep, admin: Admin) -> schemas.ConnectorPage:
    return schemas.ConnectorPage(items=service.list_connectors(session, admin.workspace_id))


@router.get("/{connector_id}", response_model=schemas.Connector)
def get_connector(connector_id: IdPath, session: SessionDep, admin: Admin) -> schemas.Connector:
    return service.get_connector(session, admin.workspace_id, connector_id)


@router.patch("/{connector_id}", response_model=schemas.Connector)
def update_connector(
    connector_id: IdPath,
    body: schemas.ConnectorUpdate,
    session: SessionDep,
    settings: SettingsDep,
    admin: Admin,
) -> schemas.Connector:
    return service.update_connector(
        session,
        admin.workspace_id,
        connector_id,
        body,
        installation_key=settings.effective_secret_key,
        actor=admin.actor,
    )


@router.post("/{connector_id}/test", response_model=schemas.RunSummary)
def test_connector(
    connector_id: IdPath, session: SessionDep, settings: SettingsDep, admin: Admin
) -> schemas.RunSummary:
    """Sign in to the vendor and make the calls a sync needs, storing nothing; the run says what it found."""
    return service.check_connector(
        session,
        admin.workspace_id,
        connector_id,
        installation_key=settings.effective_secret_key,
        actor="test",
    )


@router.post("/{connector_id}/sync", status_code=202, response_model=schemas.SyncQueued)
def sync_connector(
    connector_id: IdPath, request: Request, session: SessionDep, admin: Admin
) -> schemas.SyncQueued:
    """Queue a sync now; the server's worker runs it, and its run appears in the history."""
    return service.request_sync(
        session, admin.workspace_id, connector_id, request.app.state.job_definitions, actor=admin.actor
    )


@router.get("/{connector_id}/runs", response_model=schemas.RunPage)
def list_runs(
    connector_id: IdPath,
    session: SessionDep,
    admin: Admin,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> schemas.RunPage:
    return schemas.RunPage(items=service.list_runs(session, admin.workspace_id, connector_id, limit=limit))


@router.get("/{connector_id}/accounts/unlinked", response_model=schemas.UnlinkedAccountPage)
def list_unlinked_accounts(
    connector_id: IdPath, session: SessionDep, admin: Admin, store: EventStoreDep
) -> schemas.UnlinkedAccountPage:
    """Vendor accounts holding a seat that nobody in the directory is linked to, with their last 30 days' usage."""
    items = service.list_unlinked_accounts(
        session,
        admin.workspace_id,
        connector_id,
        store=store,
        today=datetime.now(UTC).date(),
    )
    return schemas.UnlinkedAccountPage(items=items)


@router.post("/{connector_id}/accounts/links", status_code=201, response_model=schemas.AccountLink)
def link_account(
    connector_id: IdPath,
    body: schemas.AccountLinkCreate,
    session: SessionDep,
    admin: Admin,
    store: EventStoreDep,
    analytics: AnalyticsDep,
) -> schemas.AccountLink:
    """Link a vendor account to a directory person: its stored usage and its seat become the person's."""
    return service.link_account(
        session,
        admin.workspace_id,
        connector_id,
        body,
        store=store,
        actor=admin.actor,
        analytics=analytics,
    )


@router.post(
    "/{connector_id}/accounts/links/import",
    response_model=schemas.AccountLinkImport,
    openapi_extra=CSV_REQUEST_BODY,
)
async def import_account_links(
    connector_id: IdPath,
    request: Request,
    session: SessionDep,
    admin: Admin,
    store: EventStoreDep,
    analytics: AnalyticsDep,
) -> schemas.AccountLinkImport:
    """Link accounts from a CSV body of `account,person` rows (person: email or employee id); each bad row is
    named with its line and reason, the good ones linked all the same."""
    text = await read_csv_body(request)

    def run() -> schemas.AccountLinkImport:
        return service.import_account_links(
            session,
            admin.workspace_id,
            connector_id,
            text,
            store=store,
            actor=admin.actor,
            analytics=analytics,
        )

    return await run_in_threadpool(run)
