"""Reach the two stores and say exactly what to fix when one cannot be reached."""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from uptake.db import make_engine
from uptake.migrations.commands import current_revision, head_revision, upgrade_database
from uptake.settings import Settings, SettingsError, masked


def _first_line(error: BaseException) -> str:
    text_ = str(getattr(error, "orig", None) or error).strip().splitlines()
    return text_[0][:240] if text_ else type(error).__name__


def connect_database(settings: Settings) -> Engine:
    """An engine that has answered ``SELECT 1``; SettingsError naming UPTAKE_DATABASE_URL otherwise."""
    url = settings.effective_database_url
    try:
        engine = make_engine(url)
    except (ArgumentError, NoSuchModuleError, ValueError) as error:
        raise SettingsError(
            "UPTAKE_DATABASE_URL",
            f"{masked(url)} is not a database URL uptake understands ({_first_line(error)})",
            "use sqlite:///path/to/uptake.db or postgresql://user:password@host:5432/database",
        ) from None
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as error:
        engine.dispose()
        raise SettingsError(
            "UPTAKE_DATABASE_URL",
            f"cannot connect to {masked(url)} ({_first_line(error)})",
            "start the database server or correct the host, port, user, password and database name",
        ) from None
    return engine


def migrate_database(settings: Settings) -> tuple[str | None, str]:
    """Upgrade the application database to the newest schema; returns (before, after) revisions."""
    engine = connect_database(settings)
    try:
        before = current_revision(engine)
        upgrade_database(engine)
        return before, head_revision()
    finally:
        engine.dispose()


def database_status(settings: Settings) -> tuple[str | None, str]:
    engine = connect_database(settings)
    try:
        return current_revision(engine), head_revision()
    finally:
        engine.dispose()


def check_events_store(settings: Settings) -> str:
    """Open the events store once; returns a short description, SettingsError naming UPTAKE_EVENTS_URL otherwise."""
    from uptake.telemetry.event_store import EventStore

    url = settings.effective_events_url
    try:
        store = EventStore(url)
    except Exception as error:  # noqa: BLE001 - every failure to open is reported with its reason
        reason = _first_line(error)
        if "lock" in reason.lower():
            return f"{url} (in use by a running uptake server, which owns the file)"
        raise SettingsError(
            "UPTAKE_EVENTS_URL",
            f"cannot open {url} ({reason})",
            "use duckdb:///path/to/events.duckdb in a writable folder",
        ) from None
    try:
        store.ping()
    finally:
        store.close()
    return url
