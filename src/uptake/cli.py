"""The ``uptake`` command. Each subcommand builds the settings once and passes them on."""

from __future__ import annotations

import shutil
import signal
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from uptake.errors import UptakeError
from uptake.settings import Settings, SettingsError, load_settings, masked, prepare_data_dir

app = typer.Typer(
    help="uptake: make AI adoption a managed, measured process.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
audit_app = typer.Typer(help="Check the tamper-evident audit log.", no_args_is_help=True)
users_app = typer.Typer(help="Manage people's access to uptake.", no_args_is_help=True)
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
sso_app = typer.Typer(help="Set up single sign-on (OpenID Connect) for a workspace.", no_args_is_help=True)
workspaces_app = typer.Typer(help="Create and list workspaces (one per organization).", no_args_is_help=True)
import_app = typer.Typer(help="Import people and usage from files.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")
app.add_typer(sso_app, name="sso")
app.add_typer(workspaces_app, name="workspaces")
events_app = typer.Typer(help="Retention and export of the usage events.", no_args_is_help=True)
app.add_typer(events_app, name="events")
people_app = typer.Typer(help="A person's rights: export or erase what uptake holds.", no_args_is_help=True)
app.add_typer(people_app, name="people")
app.add_typer(import_app, name="import")

console = Console()
errors = Console(stderr=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="A TOML file of settings (keys as in docs/settings.md).")
]
WorkspaceOption = Annotated[
    str | None, typer.Option("--workspace", "-w", help="Workspace slug (default: the only one).")
]


_Opened = TypeVar("_Opened")


class CommandError(Exception):
    """A command cannot do what was asked; the message says why and what to do."""


def _settings(config: Path | None, **overrides: Any) -> Settings:
    return prepare_data_dir(load_settings(config, **{k: v for k, v in overrides.items() if v is not None}))


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _session_factory(settings: Settings) -> Any:
    from uptake.db import make_session_factory
    from uptake.stores import connect_database

    return make_session_factory(connect_database(settings))


def _opened_events_store(settings: Settings, open_it: Callable[[str], _Opened], instead: str = "") -> _Opened:
    """Open the events store (or an analytics engine over it). A running server holds DuckDB's file lock; that
    error, and any other failure to open, becomes one line saying what to do ``instead``."""
    try:
        return open_it(settings.effective_events_url)
    except Exception as error:  # noqa: BLE001 - DuckDB's lock error and any other failure to open, said plainly
        problem = (
            f"cannot open the events store {settings.effective_events_url} ({str(error).splitlines()[0]})"
        )
        raise CommandError(f"{problem}; {instead}" if instead else problem) from None


def _resolve_workspace(session: Any, slug: str | None) -> int:
    from uptake.db import bind_workspace
    from uptake.workspaces import service as workspaces_service

    if slug is not None:
        workspace = workspaces_service.get_workspace_by_slug(session, slug)
    else:
        workspaces = workspaces_service.list_workspaces(session)
        if not workspaces:
            raise CommandError(
                "there is no workspace yet — create one with 'uptake workspaces create SLUG NAME'"
            )
        if len(workspaces) > 1:
            names = ", ".join(workspace.slug for workspace in workspaces)
            raise CommandError(f"there are several workspaces ({names}) — choose one with --workspace SLUG")
        workspace = workspaces[0]
    bind_workspace(session, workspace.id)
    return workspace.id


# -- serving ----------------------------------------------------------------------------------------------------


@app.command()
def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on (UPTAKE_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (UPTAKE_PORT).")] = None,
    worker: Annotated[
        bool | None, typer.Option("--worker/--no-worker", help="Run background jobs in this process.")
    ] = None,
) -> None:
    """Migrate the database to the newest schema, then serve the web app and API."""
    settings = _settings(config, host=host, port=port, run_worker=worker)
    _serve(settings)


def _serve(settings: Settings) -> None:
    import uvicorn

    from uptake.app import create_app
    from uptake.stores import check_events_store, migrate_database

    before, after = migrate_database(settings)
    if before != after:
        console.print(f"Database schema upgraded: {before or 'empty'} → {after}")
    check_events_store(settings)
    application = create_app(settings)
    console.print(
        f"uptake is serving at [bold]http://{settings.host}:{settings.port}[/bold]  (Ctrl+C stops it)"
    )
    uvicorn.run(application, host=settings.host, port=settings.port, log_config=None, access_log=False)


@app.command()
def worker(
    config: ConfigOption = None,
    once: Annotated[bool, typer.Option(help="Run the jobs that are due, then exit.")] = False,
) -> None:
    """Run the background job runner as its own process (any number may run beside the server)."""
    from uptake.jobs.definitions import job_definitions
    from uptake.jobs.runner import Worker
    from uptake.observability import configure_logging

    settings = _settings(config)
    configure_logging(settings.log_level, settings.log_format)
    runner = Worker(settings, _session_factory(settings), job_definitions())
    if once:
        ran = runner.run_until_idle()
        console.print(f"{ran} job(s) ran.")
        return
    signal.signal(signal.SIGTERM, lambda *_: runner.stop(timeout=0))
    try:
        runner.run_forever()
    except KeyboardInterrupt:
        runner.stop(timeout=0)


@app.command()
def migrate(config: ConfigOption = None) -> None:
    """Upgrade the application database to the newest schema (Alembic)."""
    from uptake.stores import migrate_database

    settings = _settings(config)
    before, after = migrate_database(settings)
    if before == after:
        console.print(f"The database is already at the newest schema ({after}).")
    else:
        console.print(f"Database schema upgraded: {before or 'empty'} → {after}")


@app.command()
def check(config: ConfigOption = None) -> None:
    """Print the effective settings (secrets masked) and check that each store can be reached."""
    from uptake.stores import check_events_store

    settings = load_settings(config)
    table = Table("setting", "value", "from", title="Effective settings")
    explicit = settings.model_fields_set
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if name == "secret_key":
            shown = (
                "set (hidden)" if value is not None else f"generated into {settings.data_dir / 'secret_key'}"
            )
        elif name == "database_url":
            shown = masked(settings.effective_database_url)
        elif name == "events_url":
            shown = settings.effective_events_url
        else:
            shown = str(value)
        table.add_row(f"UPTAKE_{name.upper()}", shown, "set" if name in explicit else "default")
    console.print(table)

    failures: list[SettingsError] = []
    steps: list[tuple[str, Callable[[], str]]] = [
        ("data dir", lambda: f"{prepare_data_dir(settings).data_dir.resolve()} is writable"),
        ("database", lambda: _describe_database(settings)),
        ("events store", lambda: check_events_store(prepare_data_dir(settings))),
    ]
    for label, step in steps:
        try:
            console.print(f"[green]✓[/green] {label}: {step()}")
        except SettingsError as error:
            failures.append(error)
            errors.print(f"[red]✗[/red] {label}: {error}", soft_wrap=True)
    if failures:
        raise typer.Exit(1)


def _describe_database(settings: Settings) -> str:
    from uptake.stores import database_status

    current, head = database_status(settings)
    url = masked(settings.effective_database_url)
    if current == head:
        return f"{url} answers, schema {head} (newest)"
    return f"{url} answers, schema {current or 'empty'}; run 'uptake migrate' to reach {head}"


# -- the demo ---------------------------------------------------------------------------------------------------


@app.command()
def demo(
    data_dir: Annotated[Path, typer.Option(help="Folder for the demo's data; made fresh each time.")] = Path(
        "uptake-demo"
    ),
    people: Annotated[
        int, typer.Option(min=50, max=200_000, help="How many people the organization has.")
    ] = 3000,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the demo when it is ready.")
    ] = True,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Create a fresh demo organization (Northwind Mutual) in its own data dir and serve it."""
    from uptake.analytics.service import Analytics, connect_events_engine
    from uptake.db import make_session_factory, session_scope
    from uptake.demo.organization import DEMO_PASSWORD, create_demo_organization, record_demo_usage
    from uptake.demo.service import DEMO_MARKER
    from uptake.stores import connect_database, migrate_database
    from uptake.telemetry.event_store import EventStore

    if data_dir.exists():
        if not (data_dir / DEMO_MARKER).exists():
            raise CommandError(
                f"{data_dir} exists and was not made by 'uptake demo' — choose another --data-dir or remove it yourself"
            )
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    (data_dir / DEMO_MARKER).write_text("made by uptake demo; deleted and remade by the next 'uptake demo'\n")
    settings = prepare_data_dir(load_settings(None, data_dir=data_dir, host=host, port=port))
    migrate_database(settings)
    factory = make_session_factory(connect_database(settings))
    with _progress() as progress:
        tasks: dict[str, Any] = {}

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = progress.add_task(f"Creating {step}", total=total)
            progress.update(tasks[step], completed=done, total=total)

        today = date.today()
        with session_scope(factory) as session:
            summary = create_demo_organization(session, people=people, today=today, progress=report)
        store = EventStore(settings.effective_events_url)
        analytics = Analytics(connect_events_engine(settings.effective_events_url))
        try:
            with session_scope(factory, summary.workspace_id) as session:
                events = record_demo_usage(
                    session,
                    summary,
                    today=today,
                    append_events=lambda batch: store.append(summary.workspace_id, batch),
                    push_snapshot=lambda name, rows: analytics.write_snapshot(
                        name, rows, workspace_id=summary.workspace_id
                    ),
                    analytics=analytics,
                    progress=report,
                )
        finally:
            analytics.backend.connection.disconnect()
            store.close()
    table = Table(title="Demo logins")
    table.add_column("persona")
    table.add_column("email", no_wrap=True)
    table.add_column("password", no_wrap=True)
    for persona in summary.personas:
        table.add_row(persona.label, persona.email, DEMO_PASSWORD)
    console.print(table)
    console.print(
        f"{summary.people:,} people in {summary.teams} teams, {len(summary.catalog.use_cases)} AI use cases and"
        f" {events:,} usage events, in workspace '{summary.workspace_slug}'."
    )
    if serve_after:
        _serve(settings)


# -- workspaces, users and keys ---------------------------------------------------------------------------------


@workspaces_app.command("create")
def workspaces_create(
    slug: Annotated[str, typer.Argument(help="Short name used in URLs, e.g. acme")],
    name: Annotated[str, typer.Argument(help="The organization's name")],
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/Berlin")] = "UTC",
    config: ConfigOption = None,
) -> None:
    """Create a workspace for an organization."""
    from pydantic import ValidationError

    from uptake.db import session_scope
    from uptake.workspaces import schemas, service

    try:
        body = schemas.WorkspaceCreate(slug=slug, name=name, timezone=timezone)
    except ValidationError as error:
        first = error.errors()[0]
        raise CommandError(f"{first['loc'][0]}: {first['msg']}") from None
    settings = _settings(config)
    with session_scope(_session_factory(settings)) as session:
        workspace = service.create_workspace(session, body)
        console.print(f"Workspace '{workspace.slug}' created (id {workspace.id}).")


@workspaces_app.command("list")
def workspaces_list(config: ConfigOption = None) -> None:
    """List the workspaces."""
    from uptake.db import session_scope
    from uptake.workspaces import service

    settings = _settings(config)
    table = Table("id", "slug", "name", "time zone", "privacy floor")
    with session_scope(_session_factory(settings)) as session:
        for workspace in service.list_workspaces(session):
            table.add_row(
                str(workspace.id),
                workspace.slug,
                workspace.name,
                workspace.timezone,
                str(workspace.privacy_floor),
            )
    console.print(table)


@users_app.command("create-admin")
def users_create_admin(
    email: Annotated[str, typer.Argument(help="The admin's email (also their login)")],
    name: Annotated[str, typer.Option(help="Display name")] = "Administrator",
    password: Annotated[
        str | None, typer.Option(help="At least 12 characters; asked for when not given", hide_input=True)
    ] = None,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Make the first admin of a workspace (a local account with a password)."""
    from uptake.auth import service as auth_service
    from uptake.auth.roles import Role
    from uptake.db import session_scope
    from uptake.directory.service import people as people_service

    settings = _settings(config)
    if password is None:
        password = typer.prompt(
            "Password (at least 12 characters)", hide_input=True, confirmation_prompt=True
        )
    with session_scope(_session_factory(settings)) as session:
        workspace_id = _resolve_workspace(session, workspace)
        person = people_service.get_person_by_email(session, workspace_id, email)
        if person is None:
            person = people_service.create_person(session, workspace_id, email=email, display_name=name)
        auth_service.create_account(
            session, workspace_id, person_id=person.id, roles=[Role.admin], password=password
        )
        console.print(f"{email} is an admin and can log in with the password given.")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="What the key is for, e.g. 'support assistant'")],
    scope: Annotated[
        list[str],
        typer.Option("--scope", "-s", help="events:write, entitlements:read, feedback:write, scim, admin"),
    ],
    expires_in_days: Annotated[
        int | None, typer.Option(min=1, max=3650, help="The key stops working after this many days.")
    ] = None,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Create an API key; it is printed once and stored only as a hash."""
    from uptake.auth import service as auth_service
    from uptake.auth.roles import Scope
    from uptake.db import session_scope

    known = {item.value: item for item in Scope}
    unknown = [value for value in scope if value not in known]
    if unknown:
        raise CommandError(f"--scope: unknown scope {unknown[0]!r}; choose from {', '.join(known)}")
    settings = _settings(config)
    with session_scope(_session_factory(settings)) as session:
        workspace_id = _resolve_workspace(session, workspace)
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


@keys_app.command("list")
def keys_list(workspace: WorkspaceOption = None, config: ConfigOption = None) -> None:
    """List API keys (prefix, scopes, last use)."""
    from uptake.auth import service as auth_service
    from uptake.db import session_scope

    settings = _settings(config)
    table = Table("id", "name", "key", "scopes", "last used", "expires", "revoked")
    with session_scope(_session_factory(settings)) as session:
        workspace_id = _resolve_workspace(session, workspace)
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


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[int, typer.Argument(help="The key's id, from 'uptake keys list'")],
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Revoke an API key; calls with it fail from now on."""
    from uptake.auth import service as auth_service
    from uptake.db import session_scope

    settings = _settings(config)
    with session_scope(_session_factory(settings)) as session:
        workspace_id = _resolve_workspace(session, workspace)
        key = auth_service.revoke_api_key(session, workspace_id, key_id, actor="system")
    console.print(f"API key {key.prefix}… is revoked.")


def _person_id_by_email(session: Any, workspace_id: int, email: str) -> int:
    from uptake.directory.service import people as people_service

    person = people_service.get_person_by_email(session, workspace_id, email)
    if person is None:
        raise CommandError(
            f"EMAIL: nobody with the email {email} is in this workspace's directory — add them to the directory first"
        )
    return person.id


ROLE_NAMES = "admin, program_lead, reviewer, team_lead, employee"


@users_app.command("grant")
def users_grant(
    email: Annotated[str, typer.Argument(help="The person's email, as in the directory")],
    role: Annotated[str, typer.Argument(help=ROLE_NAMES)],
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Give a person a role (and access to uptake, if they had none)."""
    from uptake.auth import service as auth_service
    from uptake.db import session_scope

    settings = _settings(config)
    with session_scope(_session_factory(settings)) as session:
        workspace_id = _resolve_workspace(session, workspace)
        person_id = _person_id_by_email(session, workspace_id, email)
        account = auth_service.grant_role(session, workspace_id, person_id, role, actor="system")
        roles = ", ".join(account.roles)
    console.print(f"{email} now holds: {roles}.")


@users_app.command("revoke")
def users_revoke(
    email: Annotated[str, typer.Argument(help="The person's email, as in the directory")],
    role: Annotated[str, typer.Argument(help=ROLE_NAMES)],
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Take a role granted in uptake away from a person (the last admin keeps theirs)."""
    from uptake.auth import service as auth_service
    from uptake.db import session_scope

    settings = _settings(config)
    with session_scope(_session_factory(settings)) as session:
        workspace_id = _resolve_workspace(session, workspace)
        person_id = _person_id_by_email(session, workspace_id, email)
        account = auth_service.revoke_role(session, workspace_id, person_id, role, actor="system")
        roles = ", ".join(account.roles) or "no granted role (employee)"
    console.print(f"{email} now holds: {roles}.")


@users_app.command("set-password")
def users_set_password(
    email: Annotated[str, typer.Argument(help="The person's email, as in the directory")],
    password: Annotated[
        str | None, typer.Option(help="At least 12 characters; asked for when not given", hide_input=True)
    ] = None,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Set or reset a person's local password (also unlocks an account locked by failed logins)."""
    from uptake.auth import service as auth_service
    from uptake.db import session_scope

    settings = _settings(config)
    if password is None:
        password = typer.prompt(
            "Password (at least 12 characters)", hide_input=True, confirmation_prompt=True
        )
    with session_scope(_session_factory(settings)) as session:
        workspace_id = _resolve_workspace(session, workspace)
        person_id = _person_id_by_email(session, workspace_id, email)
        auth_service.set_password(session, workspace_id, person_id, password, actor="system")
    console.print(f"{email} can log in with the new password.")


@users_app.command("list")
def users_list(workspace: WorkspaceOption = None, config: ConfigOption = None) -> None:
    """List the people who can log in, with their roles."""
    from uptake.auth import service as auth_service
    from uptake.db import session_scope

    settings = _settings(config)
    table = Table("email", "name", "roles", "roles from SSO", "password", "last login", "status")
    with session_scope(_session_factory(settings)) as session:
        workspace_id = _resolve_workspace(session, workspace)
        for user in auth_service.list_users(session, workspace_id):
            table.add_row(
                user.email,
                user.display_name,
                ", ".join(user.roles) or "employee",
                ", ".join(user.idp_roles),
                "set" if user.has_password else "",
                f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else "never",
                "active" if user.is_active else "deactivated",
            )
    console.print(table)


# -- single sign-on ---------------------------------------------------------------------------------------------


@sso_app.command("configure")
def sso_configure(
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
    from pydantic import ValidationError

    from uptake.auth import schemas as auth_schemas
    from uptake.auth import sso
    from uptake.db import session_scope
    from uptake.workspaces import service as workspaces_service

    mapping: dict[str, str] | None = None
    if role_map is not None:
        mapping = {}
        for item in role_map:
            group, separator, role = item.rpartition("=")
            if not separator or not group.strip():
                raise CommandError(f"--role-map: {item!r} is not GROUP=ROLE — e.g. ai-leads=program_lead")
            mapping[group.strip()] = role.strip()
    settings = _settings(config)
    with session_scope(_session_factory(settings)) as session:
        workspace_id = _resolve_workspace(session, workspace)
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


@sso_app.command("show")
def sso_show(workspace: WorkspaceOption = None, config: ConfigOption = None) -> None:
    """Print a workspace's single sign-on settings (the client secret is never shown)."""
    from uptake.auth import sso
    from uptake.db import session_scope
    from uptake.workspaces import service as workspaces_service

    settings = _settings(config)
    with session_scope(_session_factory(settings)) as session:
        workspace_id = _resolve_workspace(session, workspace)
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


@sso_app.command("check")
def sso_check(workspace: WorkspaceOption = None, config: ConfigOption = None) -> None:
    """Fetch the provider's discovery document and keys, as a login would, and say what was found."""
    from uptake.auth import sso
    from uptake.db import session_scope

    settings = _settings(config)
    with session_scope(_session_factory(settings)) as session:
        workspace_id = _resolve_workspace(session, workspace)
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


@sso_app.command("remove")
def sso_remove(workspace: WorkspaceOption = None, config: ConfigOption = None) -> None:
    """Remove a workspace's single sign-on; people then log in with passwords only."""
    from uptake.auth import sso
    from uptake.db import session_scope

    settings = _settings(config)
    with session_scope(_session_factory(settings)) as session:
        workspace_id = _resolve_workspace(session, workspace)
        sso.delete_sso_configuration(session, workspace_id, actor="system")
    console.print("Single sign-on removed.")


# -- the audit log ----------------------------------------------------------------------------------------------


@audit_app.command("verify")
def audit_verify(workspace: WorkspaceOption = None, config: ConfigOption = None) -> None:
    """Walk the audit log's hash chain; exit 1 and name the first broken entry if it was tampered with."""
    from uptake.audit import service as audit_service
    from uptake.db import across_workspaces, session_scope
    from uptake.workspaces import service as workspaces_service

    settings = _settings(config)
    broken = False
    with session_scope(_session_factory(settings)) as session, across_workspaces(session):
        targets = (
            [workspaces_service.get_workspace_by_slug(session, workspace)]
            if workspace
            else workspaces_service.list_workspaces(session)
        )
        for target in targets:
            report = audit_service.verify_audit_chain(session, target.id)
            if report.first_break is None:
                console.print(
                    f"[green]✓[/green] {target.slug}: {report.entries_checked} entries, chain intact"
                )
            else:
                broken = True
                brk = report.first_break
                errors.print(
                    f"[red]✗[/red] {target.slug}: the chain breaks at entry #{brk.seq} (id {brk.entry_id}): "
                    f"{brk.reason}"
                )
    if broken:
        raise typer.Exit(1)


# -- events: retention and export --------------------------------------------------------------------------------


def _open_events_store(settings: Settings) -> Any:
    from uptake.telemetry import service as telemetry_service

    return _opened_events_store(
        settings,
        telemetry_service.EventStore,
        "a running uptake server owns the file: stop it first, or let its scheduled job do this",
    )


@events_app.command("prune")
def events_prune(
    workspace: Annotated[
        str | None, typer.Option("--workspace", "-w", help="Workspace slug (default: every workspace).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Delete the events older than each workspace's retention period (event_retention_days)."""
    from uptake.db import session_scope
    from uptake.telemetry import service as telemetry_service
    from uptake.workspaces import service as workspaces_service

    settings = _settings(config)
    with session_scope(_session_factory(settings)) as session, _open_events_store(settings) as store:
        workspace_ids = None
        if workspace is not None:
            workspace_ids = [workspaces_service.get_workspace_by_slug(session, workspace).id]
        table = Table("workspace", "retention (days)", "kept from", "events deleted", title="Events pruned")
        with _progress() as progress:
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


@events_app.command("export")
def events_export(
    directory: Annotated[
        Path, typer.Argument(help="Folder to write events/workspace_id=N/day=YYYY-MM-DD/ into.")
    ],
    workspace: Annotated[
        str | None, typer.Option("--workspace", "-w", help="Workspace slug (default: every workspace).")
    ] = None,
    since: Annotated[str | None, typer.Option(help="First day to export, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Last day to export, YYYY-MM-DD.")] = None,
    config: ConfigOption = None,
) -> None:
    """Write the events as Parquet partitioned by day (Hive layout), as Spark, Trino and warehouses read them."""
    from uptake.db import session_scope
    from uptake.telemetry import service as telemetry_service
    from uptake.workspaces import service as workspaces_service

    first, last = _day_option("--since", since), _day_option("--until", until)
    settings = _settings(config)
    with session_scope(_session_factory(settings)) as session, _open_events_store(settings) as store:
        workspace_id = workspaces_service.get_workspace_by_slug(session, workspace).id if workspace else None
        with _progress() as progress:
            task = progress.add_task("Exporting months", total=None)

            def done(months_done: int, months: int) -> None:
                progress.update(task, completed=months_done, total=months)

            files = telemetry_service.export_events(
                store, directory, workspace_id=workspace_id, since=first, until=last, on_partition_done=done
            )
    console.print(f"{len(files):,} Parquet files written under {directory / 'events'}.")


def _day_option(name: str, value: str | None) -> Any:
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{name}: {value!r} is not a day; write it as YYYY-MM-DD") from None


# -- people: a person's rights ----------------------------------------------------------------------------------


@people_app.command("export")
def people_export(
    person: Annotated[str, typer.Argument(help="The person's email or external id.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the JSON to this file (default: stdout).")
    ] = None,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Print (or write) everything uptake holds about one person, as JSON."""
    import json

    from uptake.db import session_scope
    from uptake.privacy import service as privacy_service

    settings = _settings(config)
    with session_scope(_session_factory(settings)) as session, _open_events_store(settings) as store:
        workspace_id = _resolve_workspace(session, workspace)
        export = privacy_service.export_personal_data(session, store, workspace_id, person)
    text = json.dumps(export, indent=2, ensure_ascii=False)
    if output is None:
        print(text)
        return
    output.write_text(text + "\n", encoding="utf-8")
    errors.print(f"{len(export['events']):,} events and the directory record written to {output}.")


@people_app.command("erase")
def people_erase(
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
    from uptake.db import session_scope
    from uptake.privacy import service as privacy_service

    settings = _settings(config)
    if not yes:
        typer.confirm(f"Erase {person} and their events? This cannot be undone", abort=True)
    with session_scope(_session_factory(settings)) as session, _open_events_store(settings) as store:
        workspace_id = _resolve_workspace(session, workspace)
        report = privacy_service.erase_person(
            session, store, workspace_id, person, actor="system", keep_aggregates=keep_aggregates
        )
    events = (
        f"{report.events_rekeyed:,} events re-keyed to an unlinkable pseudonym"
        if keep_aggregates
        else f"{report.events_deleted:,} events deleted"
    )
    console.print(f"Person {report.person_id} erased: directory record removed, {events}.")


# -- people imports ---------------------------------------------------------------------------------------------


@import_app.command("people")
def import_people(
    file: Annotated[Path, typer.Argument(help="A CSV file, header row first (see docs/people-import.md).")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change and store nothing.")
    ] = False,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Import people from CSV: upsert by external id, teams and managers linked by name or id.

    Every bad row is reported with its line, column and reason, and the good rows are imported all the same.
    The exit status is non-zero only when the file cannot be read at all.
    """
    from uptake.db import session_scope
    from uptake.directory import people_import as importer

    if not file.is_file():
        raise CommandError(f"{file}: no such file")
    settings = _settings(config)
    size = max(1, file.stat().st_size)
    with _progress() as progress:
        reading = progress.add_task("reading", total=size)
        tasks: dict[str, Any] = {}

        def lines_read(handle: Any) -> Any:
            characters = 0
            for number, line in enumerate(handle, start=1):
                characters += len(line)
                if number % 5000 == 0:
                    progress.update(reading, completed=min(characters, size))
                yield line
            progress.update(reading, completed=size)

        def advance(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = progress.add_task(step, total=max(total, 1))
            progress.update(tasks[step], completed=done, total=max(total, 1))

        try:
            with (
                session_scope(_session_factory(settings)) as session,
                file.open(encoding="utf-8-sig", newline="") as handle,
            ):
                workspace_id = _resolve_workspace(session, workspace)
                report = importer.import_people(
                    session,
                    workspace_id,
                    lines_read(handle),
                    dry_run=dry_run,
                    actor="system",
                    progress=advance,
                )
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text; save it as 'CSV UTF-8' and run again") from None
    _print_import_report(report)


@import_app.command("training")
def import_training(
    folder: Annotated[
        Path, typer.Argument(help="A folder of Markdown modules with front matter (docs/training-format.md).")
    ],
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Import training modules: each Markdown file (with its images) is created, updated or left unchanged.

    A file with a mistake is reported with its field and reason and left out; the others are imported. The exit
    status is 1 when any file failed.
    """
    from uptake.db import session_scope
    from uptake.enablement import training_import

    if not folder.is_dir():
        raise CommandError(f"{folder}: no such folder")
    settings = _settings(config)
    files = training_import.training_files(folder)
    with _progress() as progress, session_scope(_session_factory(settings)) as session:
        task = progress.add_task("Importing modules", total=len(files))
        workspace_id = _resolve_workspace(session, workspace)
        results = training_import.import_training_folder(
            session, workspace_id, folder, actor="system", on_file_done=lambda _: progress.advance(task)
        )
    table = Table("file", "module", "version", "outcome", title=f"Training modules from {folder}")
    for result in results:
        table.add_row(result.path, result.slug or "–", result.version or "–", result.outcome)
    console.print(table)
    failed = [result for result in results if result.outcome == "failed"]
    for result in failed:
        for error in result.errors:
            errors.print(f"{result.path}: {error.field}: {error.reason}", highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)


def _print_import_report(report: Any) -> None:
    verb = "would be " if report.dry_run else ""
    console.print(
        f"{report.rows_read:,} rows read: {report.created:,} {verb}created, {report.updated:,} {verb}updated, "
        f"{report.unchanged:,} unchanged, {report.rejected:,} bad "
        f"({report.teams_created:,} teams and {report.job_roles_created:,} job roles {verb}created)",
        highlight=False,
    )
    if report.ignored_headers:
        console.print(f"Columns ignored: {', '.join(report.ignored_headers)}", highlight=False)
    if report.rejections:
        table = Table("line", "external id", "column", "reason", title="Rows not imported")
        for rejection in report.rejections:
            table.add_row(
                str(rejection.line), rejection.external_id or "", rejection.column, rejection.reason
            )
        console.print(table)
    if report.dry_run:
        console.print("Dry run: nothing was stored.")


# -- usage imports ----------------------------------------------------------------------------------------------

UseCaseOption = Annotated[
    str | None,
    typer.Option("--use-case", help="Use case slug the events count for (default: the source's name)."),
]
ToolOption = Annotated[
    str | None, typer.Option("--tool", help="Tool slug the events carry (default: the source's name).")
]


@import_app.command("github-copilot")
def import_github_copilot(
    file: Annotated[Path, typer.Argument(help="An NDJSON usage report, or the seat list JSON.", exists=True)],
    people_map: Annotated[
        Path | None,
        typer.Option("--people-map", help="CSV of GitHub login,person (email or directory id).", exists=True),
    ] = None,
    use_case: UseCaseOption = None,
    tool: ToolOption = None,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Import GitHub Copilot usage metrics (REST API usage reports); importing a file again changes nothing."""
    _import_usage("github-copilot", file, people_map, use_case, tool, workspace, config)


@import_app.command("m365-copilot")
def import_m365_copilot(
    file: Annotated[
        Path, typer.Argument(help="The user-detail report: admin centre CSV or Graph JSON.", exists=True)
    ],
    use_case: UseCaseOption = None,
    tool: ToolOption = None,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Import the Microsoft 365 Copilot usage user-detail report; importing a file again changes nothing."""
    _import_usage("m365-copilot", file, None, use_case, tool, workspace, config)


def _open_store_for_import(settings: Settings) -> Any:
    from uptake.telemetry.event_store import EventStore

    return _opened_events_store(
        settings,
        EventStore,
        "a running uptake server owns the file: stop it first, or upload the report on its Import usage page "
        "(/telemetry/import)",
    )


def _import_usage(
    name: str,
    file: Path,
    people_map: Path | None,
    use_case: str | None,
    tool: str | None,
    workspace: str | None,
    config: Path | None,
) -> None:
    from datetime import UTC, datetime

    from uptake.db import session_scope
    from uptake.telemetry import service as telemetry_service
    from uptake.telemetry.importers import ImportFileUnreadable, ImportOptions, run_import
    from uptake.telemetry.importers.sources import IMPORT_SOURCES, read_people_map, record_usage_import

    source = IMPORT_SOURCES[name]
    settings = _settings(config)
    try:
        options = ImportOptions(
            use_case=use_case or source.default_use_case,
            tool=tool or source.default_tool,
            people_map=read_people_map(people_map.read_bytes()) if people_map else {},
        )
        with session_scope(_session_factory(settings)) as session:
            workspace_id = _resolve_workspace(session, workspace)
            context = telemetry_service.ingest_context(session, workspace_id)
        with (
            _open_store_for_import(settings) as store,
            file.open("rb") as stream,
            _progress() as progress,
        ):
            task = progress.add_task(f"Importing {file.name}", total=file.stat().st_size)
            summary = run_import(
                source.importer,
                stream,
                store,
                context,
                options,
                source=source.event_source,
                now=datetime.now(UTC),
                on_progress=lambda position: progress.update(task, completed=position),
            )
        with session_scope(_session_factory(settings), workspace_id) as session:
            record_usage_import(
                session, workspace_id, actor="system", source=source, file_name=file.name, summary=summary
            )
    except ImportFileUnreadable as error:
        raise CommandError(f"{file}: {error}") from None
    console.print(
        f"{summary.events:,} events from {file.name}: {summary.accepted:,} stored, "
        f"{summary.duplicates:,} already stored, {summary.problem_count:,} problem(s)."
    )
    for note in summary.notes:
        console.print(f"note: {note}", highlight=False)
    for problem in summary.problems:
        errors.print(f"line {problem.line}: {problem.reason}", highlight=False)
    if summary.problem_count > len(summary.problems):
        errors.print(f"… and {summary.problem_count - len(summary.problems):,} more problem(s)")
    if summary.unrecognized_use_cases or summary.unrecognized_tools:
        unknown = sorted(summary.unrecognized_use_cases | summary.unrecognized_tools)
        console.print(f"not in the catalog yet (stored all the same): {', '.join(unknown)}", highlight=False)


# -- adoption metrics ----------------------------------------------------------------------------------------------


@app.command("metrics")
def metrics_command(
    name: Annotated[str, typer.Argument(help="The metric (adoption_rate, funnel, retention, ...)")],
    start: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First day (default: 28 days ago)")
    ] = None,
    end: Annotated[
        datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (default: today)")
    ] = None,
    grain: Annotated[str | None, typer.Option("--grain", help="day, week or month: a time series")] = None,
    by: Annotated[
        list[str] | None, typer.Option("--by", help="use_case, tool, team, role (repeat or comma)")
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Print one adoption metric after the workspace's privacy floor (the server must not be running)."""
    import csv
    import json

    from uptake.analytics import service as analytics_service
    from uptake.db import session_scope

    if output not in ("table", "csv", "json"):
        raise CommandError(f"--format: {output!r} is not one of table, csv, json")
    settings = _settings(config)
    with session_scope(_session_factory(settings)) as session:
        workspace_id = _resolve_workspace(session, workspace)
        grouping = analytics_service.parse_grouping(by or [], grain)
        definition = analytics_service.check_grouping(name, grouping)
        today = analytics_service.workspace_today(session, workspace_id)
        period = analytics_service.resolve_period(
            None, start.date() if start else None, end.date() if end else None, today
        )
        backend = _opened_events_store(settings, analytics_service.connect_events_engine)
        published = analytics_service.Analytics(backend).metric(session, workspace_id, name, period, grouping)
    columns = [*published.keys, *definition.figures, "people", "suppressed"]
    if output == "json":
        console.print_json(json.dumps({"metric": name, "rows": published.rows}, default=str))
    elif output == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(published.rows)
    else:
        table = Table(title=f"{name} ({definition.unit}), {period.start} to {period.end}, k = {published.k}")
        for column in columns:
            table.add_column(column, justify="left" if column in published.keys else "right")
        for row in published.rows:
            table.add_row(*[_metric_cell(row.get(column), row["suppressed"]) for column in columns])
        console.print(table)


def _metric_cell(value: Any, suppressed: bool) -> str:
    if value is None:
        return "suppressed" if suppressed else "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def main() -> None:
    """Entry point: expected failures become one line on stderr and a non-zero exit, never a traceback."""
    try:
        app()
    except SettingsError as error:
        errors.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except CommandError as error:
        errors.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except UptakeError as error:
        detail = "; ".join(f"{item.field}: {item.reason}" for item in error.errors) or error.detail
        errors.print(f"[red]error:[/red] {detail}", highlight=False, soft_wrap=True)
        sys.exit(1)


# -- the executive report ---------------------------------------------------------------------------------------


@app.command("report")
def report_command(
    period: Annotated[
        str | None,
        typer.Option(
            "--period", help="last_28_days, last_month, this_quarter, ... (default: the last four weeks)"
        ),
    ] = None,
    output: Annotated[str, typer.Option("--format", help="pdf or html")] = "pdf",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="File to write (default: a name from the period)")
    ] = None,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Write the executive report (reach, depth, impact, trust, risk, cost) as PDF or HTML (server stopped)."""
    from uptake.analytics import service as analytics_service
    from uptake.db import session_scope
    from uptake.reports import dashboards, executive

    if output not in ("pdf", "html"):
        raise CommandError(f"--format: {output!r} is not one of pdf, html")
    settings = _settings(config)
    with session_scope(_session_factory(settings)) as session:
        workspace_id = _resolve_workspace(session, workspace)
        today = analytics_service.workspace_today(session, workspace_id)
        chosen = (
            analytics_service.resolve_period(period, None, None, today)
            if period
            else dashboards.default_period(today)
        )
        backend = _opened_events_store(
            settings,
            analytics_service.connect_events_engine,
            "stop the server or run the report from its page",
        )
        with _progress() as progress:
            task = progress.add_task("Computing the figures", total=2)
            report = executive.build_report(
                session, workspace_id, analytics_service.Analytics(backend), period=chosen
            )
            progress.update(task, advance=1, description=f"Rendering the {output.upper()}")
            try:
                content = (
                    executive.render_pdf(report)
                    if output == "pdf"
                    else executive.render_html(report).encode()
                )
            except executive.ReportRenderingUnavailable as error:
                raise CommandError(str(error)) from None
            progress.update(task, advance=1)
    target = out or Path(f"ai-adoption-{chosen.start.isoformat()}-{chosen.end.isoformat()}.{output}")
    target.write_bytes(content)
    console.print(f"Wrote {target} ({len(content):,} bytes).")
