"""The ``uptake`` command: the root app mounts each group's sub-app by name, and ``main`` runs it.

Each group lives in the module of its noun (``users.py`` holds ``uptake users ...``); the groups without a name
(``serve.py`` holds ``uptake serve`` and ``uptake worker``) add their commands at the top level. ``main`` turns
every expected failure into one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import sys

import typer

from uptake.cli import (
    audit,
    check,
    compliance,
    connectors,
    demo,
    events,
    imports,
    keys,
    metrics,
    migrate,
    people,
    report,
    serve,
    sso,
    users,
    workspaces,
)
from uptake.cli.command import CommandError, errors
from uptake.errors import UptakeError
from uptake.settings import SettingsError

app = typer.Typer(
    help="uptake: make AI adoption a managed, measured process.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
# The order of the help: commands first, then the groups.
app.add_typer(serve.app)
app.add_typer(migrate.app)
app.add_typer(check.app)
app.add_typer(demo.app)
app.add_typer(metrics.app)
app.add_typer(report.app)
app.add_typer(audit.app, name="audit")
app.add_typer(compliance.app, name="compliance")
app.add_typer(users.app, name="users")
app.add_typer(keys.app, name="keys")
app.add_typer(sso.app, name="sso")
app.add_typer(workspaces.app, name="workspaces")
app.add_typer(events.app, name="events")
app.add_typer(people.app, name="people")
app.add_typer(imports.app, name="import")
app.add_typer(connectors.app, name="connectors")


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
