"""``uptake connectors``: vendor connections that sync on their own: add, list, test, sync.

A secret is never an argument (it would stay in the shell's history): ``add`` reads it from the environment
variable ``--secret-env`` names, else asks for it without echo. Its domain imports sit inside the commands,
so that ``uptake --help`` does not pay for them (see ``uptake/cli/__init__.py``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from uptake.cli.command import (
    CommandError,
    ConfigOption,
    WorkspaceOption,
    command_settings,
    console,
    database_session,
    errors,
    resolve_workspace,
)

if TYPE_CHECKING:
    from uptake.connectors.schemas import RunSummary

app = typer.Typer(
    help="Add, list, test and sync vendor connectors (GitHub, Microsoft 365).", no_args_is_help=True
)
KINDS = {"github-copilot": "github_copilot", "m365-copilot": "microsoft_365_copilot"}
ConnectorArgument = Annotated[
    str, typer.Argument(help="The connector's name (or id), from 'uptake connectors list'.")
]


@app.command("add")
def add_connector(
    name: Annotated[str, typer.Argument(help="A name for the connector, e.g. github-acme.")],
    kind: Annotated[str, typer.Option("--kind", help="github-copilot or m365-copilot.")],
    organization: Annotated[str | None, typer.Option(help="GitHub: the organization.")] = None,
    tenant_id: Annotated[
        str | None, typer.Option("--tenant-id", help="Microsoft 365: the tenant id.")
    ] = None,
    client_id: Annotated[
        str | None, typer.Option("--client-id", help="Microsoft 365: the app registration's client id.")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="The API's address: GitHub Enterprise Server or a national cloud."),
    ] = None,
    login_url: Annotated[
        str | None,
        typer.Option("--login-url", help="Microsoft 365 in a national cloud: its sign-in address."),
    ] = None,
    tool: Annotated[str | None, typer.Option(help="The catalog tool its seats and events count for.")] = None,
    use_case: Annotated[
        str | None, typer.Option("--use-case", help="The use case its events count for.")
    ] = None,
    backfill_days: Annotated[
        int | None, typer.Option("--backfill-days", min=0, max=366, help="Days the first sync reads back.")
    ] = None,
    secret_env: Annotated[
        str | None,
        typer.Option("--secret-env", help="The environment variable holding the token or client secret."),
    ] = None,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Add a connector; its token (GitHub) or client secret (Microsoft) is stored encrypted, never shown again."""
    from pydantic import SecretStr, ValidationError

    from uptake.connectors import schemas
    from uptake.connectors import service as connectors_service

    if kind not in KINDS:
        raise CommandError(f"--kind: choose {' or '.join(KINDS)}")
    if secret_env is not None:
        secret = os.environ.get(secret_env, "")
        if not secret:
            raise CommandError(f"--secret-env: the environment variable {secret_env} is empty or unset")
    else:
        secret = typer.prompt("Token or client secret", hide_input=True)
    try:
        body = schemas.ConnectorCreate(
            name=name,
            kind=KINDS[kind],
            secret=SecretStr(secret),
            organization=organization,
            tenant_id=tenant_id,
            client_id=client_id,
            base_url=base_url,
            login_url=login_url,
            tool=tool,
            use_case=use_case,
            backfill_days=backfill_days,
        )
    except ValidationError as error:
        reasons = "; ".join(
            f"{'.'.join(map(str, item['loc'])) or 'input'}: {item['msg']}" for item in error.errors()
        )
        raise CommandError(reasons) from None
    settings = command_settings(config)
    with database_session(settings) as session:
        workspace_id = resolve_workspace(session, workspace)
        connector = connectors_service.create_connector(
            session, workspace_id, body, installation_key=settings.effective_secret_key, actor="system"
        )
    console.print(
        f"Connector {connector.name} added ({connector.base_url}); its secret is stored encrypted. "
        f"Try it with 'uptake connectors test {connector.name}'.",
        highlight=False,
    )


@app.command("list")
def list_connectors(workspace: WorkspaceOption = None, config: ConfigOption = None) -> None:
    """List the connectors: vendor, tool, the last day synced and the last run."""
    from uptake.connectors import service as connectors_service

    settings = command_settings(config)
    table = Table("id", "name", "vendor", "tool", "synced through", "last run", "state")
    with database_session(settings) as session:
        workspace_id = resolve_workspace(session, workspace)
        for connector in connectors_service.list_connectors(session, workspace_id):
            last = connector.last_run
            state = (
                "switched off"
                if not connector.is_enabled
                else f"failing since {connector.failing_since}"
                if connector.failing_since
                else "ok"
            )
            table.add_row(
                str(connector.id),
                connector.name,
                connector.organization or connector.tenant_id or "",
                connector.tool,
                str(connector.synced_through or "—"),
                f"{last.kind.value} {last.status.value} {last.started_at:%Y-%m-%d %H:%M}" if last else "—",
                state,
            )
    console.print(table)


def _print_run(run: RunSummary) -> None:
    def counts(values: dict[str, object]) -> str:
        return (
            ", ".join(f"{count:,} {name}" for name, count in values.items() if isinstance(count, int))
            or "nothing"
        )

    console.print(f"{run.kind.value} {run.status.value}", highlight=False)
    if run.kind.value == "sync":
        days = f" ({run.days_from} to {run.days_to})" if run.days_from else ""
        console.print(f"read: {counts(run.read)}{days}", highlight=False)
        console.print(f"stored: {counts(run.stored)}", highlight=False)
        for item in run.skipped:
            console.print(f"skipped: {item['count']:,} {item['what']}: {item['why']}", highlight=False)
    if run.message:
        (errors if run.status.value == "failed" else console).print(
            run.message, highlight=False, soft_wrap=True
        )


@app.command("test")
def check_connector(
    connector: ConnectorArgument, workspace: WorkspaceOption = None, config: ConfigOption = None
) -> None:
    """Sign in to the vendor and make the calls a sync needs, storing nothing."""
    from uptake.connectors import service as connectors_service

    settings = command_settings(config)
    with database_session(settings) as session:
        workspace_id = resolve_workspace(session, workspace)
        connector_id = connectors_service.find_connector_id(session, workspace_id, connector)
        run = connectors_service.check_connector(
            session,
            workspace_id,
            connector_id,
            installation_key=settings.effective_secret_key,
            actor="command",
        )
    _print_run(run)
    if run.status.value == "failed":
        raise typer.Exit(1)


@app.command("sync")
def sync_connector(
    connector: ConnectorArgument, workspace: WorkspaceOption = None, config: ConfigOption = None
) -> None:
    """Sync a connector now: seats into the seat ledger, usage up to yesterday into the events. While a server
    runs (it holds the events store), the sync is queued for its worker instead."""
    from uptake.analytics import service as analytics_service
    from uptake.app.jobs import job_definitions
    from uptake.connectors import service as connectors_service
    from uptake.telemetry import service as telemetry_service

    settings = command_settings(config)
    with database_session(settings) as session:
        workspace_id = resolve_workspace(session, workspace)
        connector_id = connectors_service.find_connector_id(session, workspace_id, connector)
        try:
            store = telemetry_service.open_event_store(settings.effective_events_url)
        except Exception:  # noqa: BLE001 - a running server holds DuckDB's file: its worker syncs instead
            queued = connectors_service.request_sync(
                session, workspace_id, connector_id, job_definitions(), actor="command"
            )
            console.print(
                f"The running server's worker syncs it (job {queued.job_id}); see its history on its page."
            )
            return
        with store:
            analytics = analytics_service.Analytics(
                analytics_service.connect_events_engine(settings.effective_events_url)
            )
            run = connectors_service.sync_connector(
                session,
                workspace_id,
                connector_id,
                installation_key=settings.effective_secret_key,
                store=store,
                trigger="command",
                analytics=analytics,
            )
    _print_run(run)
    if run.status.value == "failed":
        raise typer.Exit(1)
