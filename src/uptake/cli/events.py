"""``uptake events``: the usage events' retention (prune) and their export as Parquet partitioned by day.

Its domain imports sit inside the commands, so that ``uptake --help`` does not pay for them (see
``uptake/cli/__init__.py``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from uptake.cli.command import (
    CommandError,
    ConfigOption,
    command_settings,
    console,
    database_session,
    events_store,
    progress_bars,
)

app = typer.Typer(help="Retention and export of the usage events.", no_args_is_help=True)

SERVER_HOLDS_THE_STORE = (
    "a running uptake server owns the file: stop it first, or let its scheduled job do this"
)
"""What to do instead when a running server holds the events store (``people`` commands say it too)."""

AllWorkspacesOption = Annotated[
    str | None, typer.Option("--workspace", "-w", help="Workspace slug (default: every workspace).")
]


@app.command("prune")
def prune(workspace: AllWorkspacesOption = None, config: ConfigOption = None) -> None:
    """Delete the events older than each workspace's retention period (event_retention_days)."""
    from uptake.telemetry import service as telemetry_service
    from uptake.workspaces import service as workspaces_service

    settings = command_settings(config)
    with (
        database_session(settings) as session,
        events_store(settings, SERVER_HOLDS_THE_STORE) as store,
    ):
        workspace_ids = None
        if workspace is not None:
            workspace_ids = [workspaces_service.get_workspace_by_slug(session, workspace).id]
        table = Table("workspace", "retention (days)", "kept from", "events deleted", title="Events pruned")
        with progress_bars() as progress:
            task = progress.add_task("Pruning events", total=len(workspace_ids or []) or None)

            def done(outcome: telemetry_service.PruneOutcome) -> None:
                table.add_row(
                    outcome.workspace_slug,
                    str(outcome.retention_days),
                    outcome.kept_from.isoformat(),
                    f"{outcome.deleted:,}",
                )
                progress.advance(task)

            outcomes = telemetry_service.prune_expired_events(
                session, store, workspace_ids=workspace_ids, on_workspace_done=done
            )
            progress.update(task, total=len(outcomes), completed=len(outcomes))
    console.print(table)


@app.command("export")
def export(
    directory: Annotated[
        Path, typer.Argument(help="Folder to write events/workspace_id=N/day=YYYY-MM-DD/ into.")
    ],
    workspace: AllWorkspacesOption = None,
    since: Annotated[str | None, typer.Option(help="First day to export, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Last day to export, YYYY-MM-DD.")] = None,
    config: ConfigOption = None,
) -> None:
    """Write the events as Parquet partitioned by day (Hive layout), as Spark, Trino and warehouses read them."""
    from uptake.telemetry import service as telemetry_service
    from uptake.workspaces import service as workspaces_service

    first, last = day_option("--since", since), day_option("--until", until)
    settings = command_settings(config)
    with (
        database_session(settings) as session,
        events_store(settings, SERVER_HOLDS_THE_STORE) as store,
    ):
        workspace_id = workspaces_service.get_workspace_by_slug(session, workspace).id if workspace else None
        with progress_bars() as progress:
            task = progress.add_task("Exporting months", total=None)

            def done(months_done: int, months: int) -> None:
                progress.update(task, completed=months_done, total=months)

            files = telemetry_service.export_events(
                store, directory, workspace_id=workspace_id, since=first, until=last, on_partition_done=done
            )
        exported = (
            [workspace_id]
            if workspace_id is not None
            else [item.id for item in workspaces_service.list_workspaces(session)]
        )
        telemetry_service.record_events_export(
            session, exported, directory, since=first, until=last, files=len(files)
        )
    console.print(f"{len(files):,} Parquet files written under {directory / 'events'}.")


def day_option(name: str, value: str | None) -> date | None:
    """The day an option gives as YYYY-MM-DD, or a CommandError naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{name}: {value!r} is not a day; write it as YYYY-MM-DD") from None
