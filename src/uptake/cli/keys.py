"""``uptake keys``: API keys for the AI tools and integrations: create (shown once), list, revoke.

Its domain imports sit inside the commands, so that ``uptake --help`` does not pay for them (see
``uptake/cli/__init__.py``).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from uptake.access.roles import Scope
from uptake.cli.command import (
    CommandError,
    ConfigOption,
    WorkspaceOption,
    command_settings,
    console,
    database_session,
    resolve_workspace,
)

app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)


@app.command("create")
def create_key(
    name: Annotated[str, typer.Argument(help="What the key is for, e.g. 'support assistant'")],
    scope: Annotated[
        list[str],
        typer.Option(
            "--scope", "-s", help="events:write, entitlements:read, feedback:write, metrics:read, scim, admin"
        ),
    ],
    expires_in_days: Annotated[
        int | None, typer.Option(min=1, max=3650, help="The key stops working after this many days.")
    ] = None,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Create an API key; it is printed once and stored only as a hash."""
    from uptake.auth import service as auth_service

    known = {item.value: item for item in Scope}
    unknown = [value for value in scope if value not in known]
    if unknown:
        raise CommandError(f"--scope: unknown scope {unknown[0]!r}; choose from {', '.join(known)}")
    settings = command_settings(config)
    with database_session(settings) as session:
        workspace_id = resolve_workspace(session, workspace)
        key, plaintext = auth_service.create_api_key(
            session,
            workspace_id,
            name=name,
            scopes=[known[value] for value in scope],
            created_by=None,
            expires_in_days=expires_in_days,
        )
    console.print(
        f"API key {key.prefix}… created with scopes {', '.join(key.scopes)}. Copy it now, it is not shown again:"
    )
    print(plaintext)


@app.command("list")
def list_keys(workspace: WorkspaceOption = None, config: ConfigOption = None) -> None:
    """List API keys (prefix, scopes, last use)."""
    from uptake.auth import service as auth_service

    settings = command_settings(config)
    table = Table("id", "name", "key", "scopes", "last used", "expires", "revoked")
    with database_session(settings) as session:
        workspace_id = resolve_workspace(session, workspace)
        for key in auth_service.list_api_keys(session, workspace_id):
            table.add_row(
                str(key.id),
                key.name,
                f"{key.prefix}…",
                ", ".join(key.scopes),
                f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never",
                f"{key.expires_at:%Y-%m-%d}" if key.expires_at else "never",
                f"{key.revoked_at:%Y-%m-%d}" if key.revoked_at else "",
            )
    console.print(table)


@app.command("revoke")
def revoke_key(
    key_id: Annotated[int, typer.Argument(help="The key's id, from 'uptake keys list'")],
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Revoke an API key; calls with it fail from now on."""
    from uptake.auth import service as auth_service

    settings = command_settings(config)
    with database_session(settings) as session:
        workspace_id = resolve_workspace(session, workspace)
        key = auth_service.revoke_api_key(session, workspace_id, key_id, actor="system")
    console.print(f"API key {key.prefix}… is revoked.")
