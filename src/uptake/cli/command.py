"""What every ``uptake`` command shares: the ``--config`` and ``--workspace`` options, the settings built once,
a database session, the workspace it works in, the events store, the console and progress bars, and
``CommandError``, the failure ``main`` prints as one line.

SQLAlchemy and the domains are imported inside the functions that use them, so that ``uptake --help`` does not
pay for them (see ``uptake/cli/__init__.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from uptake.settings import Settings, load_settings, prepare_data_dir

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from uptake.telemetry.event_store import EventStore

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


def command_settings(config: Path | None, **overrides: Any) -> Settings:
    """The settings from ``--config``, the environment and the options given (None: not given), data dir ready."""
    return prepare_data_dir(load_settings(config, **{k: v for k, v in overrides.items() if v is not None}))


def progress_bars() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def session_factory(settings: Settings) -> sessionmaker[Session]:
    from uptake.db import make_session_factory
    from uptake.stores import connect_database

    return make_session_factory(connect_database(settings), settings)


def database_session(settings: Settings, workspace_id: int | None = None) -> AbstractContextManager[Session]:
    """One unit of work on the application database: commits once at the end, rolls back on any error."""
    from uptake.db import session_scope

    return session_scope(session_factory(settings), workspace_id)


def resolve_workspace(session: Session, slug: str | None) -> int:
    """The workspace ``--workspace`` names, or the only one there is; the session is bound to it."""
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


def opened_events_store(settings: Settings, open_it: Callable[[str], _Opened], instead: str = "") -> _Opened:
    """Open the events store (or an analytics engine over it). A running server holds DuckDB's file lock; that
    error, and any other failure to open, becomes one line saying what to do ``instead``."""
    try:
        return open_it(settings.effective_events_url)
    except Exception as error:  # noqa: BLE001 - DuckDB's lock error and any other failure to open, said plainly
        problem = (
            f"cannot open the events store {settings.effective_events_url} ({str(error).splitlines()[0]})"
        )
        raise CommandError(f"{problem}; {instead}" if instead else problem) from None


def events_store(settings: Settings, instead: str) -> EventStore:
    """The event store, opened for writing; ``instead`` says what to do when a running server holds it."""
    from uptake.telemetry.event_store import EventStore

    return opened_events_store(settings, EventStore, instead)
