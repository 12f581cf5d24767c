"""``uptake workspaces``: create and list workspaces (one per organization).

Its domain imports sit inside the commands, so that ``uptake --help`` does not pay for them (see
``uptake/cli/__init__.py``).
"""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from uptake.cli.command import CommandError, ConfigOption, command_settings, console, database_session
from uptake.workspaces import schemas

app = typer.Typer(help="Create and list workspaces (one per organization).", no_args_is_help=True)


@app.command("create")
def create_workspace(
    slug: Annotated[str, typer.Argument(help="Short name used in URLs, e.g. acme")],
    name: Annotated[str, typer.Argument(help="The organization's name")],
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/Berlin")] = "UTC",
    config: ConfigOption = None,
) -> None:
    """Create a workspace for an organization."""
    from uptake.workspaces import service as workspaces_service

    try:
        body = schemas.WorkspaceCreate(slug=slug, name=name, timezone=timezone)
    except ValidationError as error:
        first = error.errors()[0]
        raise CommandError(f"{first['loc'][0]}: {first['msg']}") from None
    settings = command_settings(config)
    with database_session(settings) as session:
        workspace = workspaces_service.create_workspace(session, body)
        console.print(f"Workspace '{workspace.slug}' created (id {workspace.id}).")


@app.command("list")
def list_workspaces(config: ConfigOption = None) -> None:
    """List the workspaces."""
    from uptake.workspaces import service as workspaces_service

    settings = command_settings(config)
    table = Table("id", "slug", "name", "time zone", "privacy floor")
    with database_session(settings) as session:
        for workspace in workspaces_service.list_workspaces(session):
            table.add_row(
                str(workspace.id),
                workspace.slug,
                workspace.name,
                workspace.timezone,
                str(workspace.privacy_floor),
            )
    console.print(table)
