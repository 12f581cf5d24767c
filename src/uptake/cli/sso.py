"""``uptake sso``: a workspace's single sign-on (OpenID Connect): configure, show, check against the provider,
remove.

Its domain imports sit inside the commands, so that ``uptake --help`` does not pay for them (see
``uptake/cli/__init__.py``).
"""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from uptake.auth import schemas as auth_schemas
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

app = typer.Typer(help="Set up single sign-on (OpenID Connect) for a workspace.", no_args_is_help=True)


@app.command("configure")
def configure(
    issuer: Annotated[str | None, typer.Option(help="Issuer URL, exactly as the provider states it")] = None,
    client_id: Annotated[str | None, typer.Option(help="The client id uptake is registered under")] = None,
    client_secret: Annotated[
        str | None,
        typer.Option(
            help="Asked for when not given (kept when already stored and not given)", hide_input=True
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Provider name on the login button, e.g. Okta")] = None,
    scopes: Annotated[str | None, typer.Option(help="Default: 'openid email profile'")] = None,
    match: Annotated[
        str | None, typer.Option(help="email (match by email) or subject (sub = directory external id)")
    ] = None,
    groups_claim: Annotated[str | None, typer.Option(help="Claim holding the groups, e.g. groups")] = None,
    role_map: Annotated[
        list[str] | None,
        typer.Option("--role-map", help="GROUP=ROLE, repeatable, e.g. --role-map ai-leads=program_lead"),
    ] = None,
    jit: Annotated[
        bool | None, typer.Option("--jit/--no-jit", help="Create unknown people at their first login")
    ] = None,
    enabled: Annotated[bool | None, typer.Option("--enable/--disable", help="Show the login button")] = None,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Set or change a workspace's OpenID Connect provider; options not given keep their saved value."""
    from uptake.auth import sso
    from uptake.workspaces import service as workspaces_service

    mapping: dict[str, str] | None = None
    if role_map is not None:
        mapping = {}
        for item in role_map:
            group, separator, role = item.rpartition("=")
            if not separator or not group.strip():
                raise CommandError(f"--role-map: {item!r} is not GROUP=ROLE — e.g. ai-leads=program_lead")
            mapping[group.strip()] = role.strip()
    settings = command_settings(config)
    with database_session(settings) as session:
        workspace_id = resolve_workspace(session, workspace)
        stored = sso.get_sso_configuration(session, workspace_id)
        if stored is None and (issuer is None or client_id is None):
            raise CommandError("--issuer and --client-id are needed the first time")
        if stored is None and client_secret is None:
            client_secret = typer.prompt("Client secret", hide_input=True)
        values = {
            "provider_name": name or (stored.provider_name if stored else "Single sign-on"),
            "issuer_url": issuer or (stored.issuer_url if stored else ""),
            "client_id": client_id or (stored.client_id if stored else ""),
            "client_secret": client_secret,
            "scopes": scopes or (stored.scopes if stored else "openid email profile"),
            "match_claim": match or (stored.match_claim if stored else "email"),
            "groups_claim": groups_claim
            if groups_claim is not None
            else (stored.groups_claim if stored else None),
            "role_mapping": mapping if mapping is not None else (dict(stored.role_mapping) if stored else {}),
            "just_in_time_provisioning": jit
            if jit is not None
            else (stored.just_in_time_provisioning if stored else False),
            "is_enabled": enabled if enabled is not None else (stored.is_enabled if stored else True),
        }
        try:
            body = auth_schemas.SsoConfigurationSave.model_validate(values)
        except ValidationError as error:
            first = error.errors()[0]
            raise CommandError(f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}") from None
        configuration = sso.save_sso_configuration(session, settings, workspace_id, body, actor="system")
        slug = workspaces_service.get_workspace(session, workspace_id).slug
        callback = sso.redirect_uri(settings.base_url or f"http://{settings.host}:{settings.port}", slug)
        provider = configuration.provider_name
    console.print(f"Single sign-on with {provider} saved for '{slug}'. Register this redirect URI there:")
    print(callback)
    if settings.base_url is None:
        console.print("[yellow]UPTAKE_BASE_URL is not set: set it to the public URL people use.[/yellow]")


@app.command("show")
def show(workspace: WorkspaceOption = None, config: ConfigOption = None) -> None:
    """Print a workspace's single sign-on settings (the client secret is never shown)."""
    from uptake.auth import sso
    from uptake.workspaces import service as workspaces_service

    settings = command_settings(config)
    with database_session(settings) as session:
        workspace_id = resolve_workspace(session, workspace)
        stored = sso.get_sso_configuration(session, workspace_id)
        if stored is None:
            raise CommandError("this workspace has no single sign-on — set it up with 'uptake sso configure'")
        slug = workspaces_service.get_workspace(session, workspace_id).slug
        described = sso.describe_sso_configuration(
            stored,
            base_url=settings.base_url or f"http://{settings.host}:{settings.port}",
            workspace_slug=slug,
        )
        readable = sso.client_secret_is_readable(settings, stored)
    table = Table("setting", "value", title=f"Single sign-on of '{slug}'")
    for field, value in described.model_dump().items():
        if field == "client_secret_stored":
            value = "stored (encrypted)" if readable else "stored but unreadable: the secret key changed"
        table.add_row(field, str(value))
    console.print(table)


@app.command("check")
def check(workspace: WorkspaceOption = None, config: ConfigOption = None) -> None:
    """Fetch the provider's discovery document and keys, as a login would, and say what was found."""
    from uptake.auth import sso

    settings = command_settings(config)
    with database_session(settings) as session:
        workspace_id = resolve_workspace(session, workspace)
        metadata = sso.check_provider(session, workspace_id)
        stored = sso.get_sso_configuration(session, workspace_id)
        readable = stored is not None and sso.client_secret_is_readable(settings, stored)
    console.print(f"[green]✓[/green] issuer {metadata.issuer} answers")
    console.print(f"  authorization endpoint: {metadata.authorization_endpoint}")
    console.print(f"  token endpoint: {metadata.token_endpoint}")
    console.print(f"  keys: {metadata.jwks_uri} ({', '.join(metadata.signing_algorithms) or 'RS256'})")
    if not readable:
        errors.print(
            "[red]✗[/red] the stored client secret cannot be read — run 'uptake sso configure' again"
        )
        raise typer.Exit(1)


@app.command("remove")
def remove(workspace: WorkspaceOption = None, config: ConfigOption = None) -> None:
    """Remove a workspace's single sign-on; people then log in with passwords only."""
    from uptake.auth import sso

    settings = command_settings(config)
    with database_session(settings) as session:
        workspace_id = resolve_workspace(session, workspace)
        sso.delete_sso_configuration(session, workspace_id, actor="system")
    console.print("Single sign-on removed.")
