"""``uptake people``: a person's rights: export everything uptake holds about them, or erase it.

Its domain imports sit inside the commands, so that ``uptake --help`` does not pay for them (see
``uptake/cli/__init__.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from uptake.cli.command import (
    ConfigOption,
    WorkspaceOption,
    command_settings,
    console,
    database_session,
    errors,
    events_store,
    resolve_workspace,
)
from uptake.cli.events import SERVER_HOLDS_THE_STORE

app = typer.Typer(help="A person's rights: export or erase what uptake holds.", no_args_is_help=True)


@app.command("export")
def export(
    person: Annotated[str, typer.Argument(help="The person's email or external id.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the JSON to this file (default: stdout).")
    ] = None,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Print (or write) everything uptake holds about one person, as JSON."""
    from uptake.privacy import service as privacy_service

    settings = command_settings(config)
    with (
        database_session(settings) as session,
        events_store(settings, SERVER_HOLDS_THE_STORE) as store,
    ):
        workspace_id = resolve_workspace(session, workspace)
        exported = privacy_service.export_personal_data(session, store, workspace_id, person, actor="system")
    text = json.dumps(exported, indent=2, ensure_ascii=False)
    if output is None:
        print(text)
        return
    output.write_text(text + "\n", encoding="utf-8")
    errors.print(f"{len(exported['events']):,} events and the directory record written to {output}.")


@app.command("erase")
def erase(
    person: Annotated[str, typer.Argument(help="The person's email or external id.")],
    keep_aggregates: Annotated[
        bool,
        typer.Option(
            "--keep-aggregates",
            help="Re-key their events to a random pseudonym kept nowhere (and clear their comments) "
            "instead of deleting them, so past adoption figures stay.",
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Erase a person: their directory record (account, training, notifications) and their events."""
    from uptake.privacy import service as privacy_service

    settings = command_settings(config)
    if not yes:
        typer.confirm(f"Erase {person} and their events? This cannot be undone", abort=True)
    with (
        database_session(settings) as session,
        events_store(settings, SERVER_HOLDS_THE_STORE) as store,
    ):
        workspace_id = resolve_workspace(session, workspace)
        report = privacy_service.erase_person(
            session, store, workspace_id, person, actor="system", keep_aggregates=keep_aggregates
        )
    events = (
        f"{report.events_rekeyed:,} events re-keyed to an unlinkable pseudonym"
        if keep_aggregates
        else f"{report.events_deleted:,} events deleted"
    )
    console.print(
        f"Person {report.person_id} erased: directory record removed, {events}, "
        f"{report.feedback_deleted:,} feedback deleted, {report.texts_redacted:,} texts they wrote redacted."
    )
    for directory in report.parquet_exports:
        errors.print(
            f"A Parquet export of events may still hold their events: delete or re-export {directory}"
        )
