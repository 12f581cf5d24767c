"""``uptake users``: who may log in and with which roles: the first admin, grants and revocations, passwords.

Its domain imports sit inside the commands, so that ``uptake --help`` does not pay for them (see
``uptake/cli/__init__.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from uptake.access.roles import Role
from uptake.cli.command import (
    CommandError,
    ConfigOption,
    WorkspaceOption,
    command_settings,
    console,
    database_session,
    resolve_workspace,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

app = typer.Typer(help="Manage people's access to uptake.", no_args_is_help=True)

ROLE_NAMES = "admin, program_lead, reviewer, team_lead, employee"


def person_id_by_email(session: Session, workspace_id: int, email: str) -> int:
    """The directory's person with this email, or a CommandError saying to add them first."""
    from uptake.directory.service import people as people_service

    person = people_service.get_person_by_email(session, workspace_id, email)
    if person is None:
        raise CommandError(
            f"EMAIL: nobody with the email {email} is in this workspace's directory — add them to the directory first"
        )
    return person.id


def _password_asked_for() -> str:
    return str(typer.prompt("Password (at least 12 characters)", hide_input=True, confirmation_prompt=True))


@app.command("create-admin")
def create_admin(
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
    from uptake.directory.service import people as people_service

    settings = command_settings(config)
    if password is None:
        password = _password_asked_for()
    with database_session(settings) as session:
        workspace_id = resolve_workspace(session, workspace)
        person = people_service.get_person_by_email(session, workspace_id, email)
        if person is None:
            person = people_service.create_person(session, workspace_id, email=email, display_name=name)
        auth_service.create_account(
            session, workspace_id, person_id=person.id, roles=[Role.admin], password=password
        )
        console.print(f"{email} is an admin and can log in with the password given.")


@app.command("grant")
def grant_role(
    email: Annotated[str, typer.Argument(help="The person's email, as in the directory")],
    role: Annotated[str, typer.Argument(help=ROLE_NAMES)],
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Give a person a role (and access to uptake, if they had none)."""
    from uptake.auth import service as auth_service

    settings = command_settings(config)
    with database_session(settings) as session:
        workspace_id = resolve_workspace(session, workspace)
        person_id = person_id_by_email(session, workspace_id, email)
        account = auth_service.grant_role(session, workspace_id, person_id, role, actor="system")
        roles = ", ".join(account.roles)
    console.print(f"{email} now holds: {roles}.")


@app.command("revoke")
def revoke_role(
    email: Annotated[str, typer.Argument(help="The person's email, as in the directory")],
    role: Annotated[str, typer.Argument(help=ROLE_NAMES)],
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Take a role granted in uptake away from a person (the last admin keeps theirs)."""
    from uptake.auth import service as auth_service

    settings = command_settings(config)
    with database_session(settings) as session:
        workspace_id = resolve_workspace(session, workspace)
        person_id = person_id_by_email(session, workspace_id, email)
        account = auth_service.revoke_role(session, workspace_id, person_id, role, actor="system")
        roles = ", ".join(account.roles) or "no granted role (employee)"
    console.print(f"{email} now holds: {roles}.")


@app.command("set-password")
def set_password(
    email: Annotated[str, typer.Argument(help="The person's email, as in the directory")],
    password: Annotated[
        str | None, typer.Option(help="At least 12 characters; asked for when not given", hide_input=True)
    ] = None,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Set or reset a person's local password (also unlocks an account locked by failed logins)."""
    from uptake.auth import service as auth_service

    settings = command_settings(config)
    if password is None:
        password = _password_asked_for()
    with database_session(settings) as session:
        workspace_id = resolve_workspace(session, workspace)
        person_id = person_id_by_email(session, workspace_id, email)
        auth_service.set_password(session, workspace_id, person_id, password, actor="system")
    console.print(f"{email} can log in with the new password.")


@app.command("list")
def list_users(workspace: WorkspaceOption = None, config: ConfigOption = None) -> None:
    """List the people who can log in, with their roles."""
    from uptake.auth import service as auth_service

    settings = command_settings(config)
    table = Table("email", "name", "roles", "roles from SSO", "password", "last login", "status")
    with database_session(settings) as session:
        workspace_id = resolve_workspace(session, workspace)
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
