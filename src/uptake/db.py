"""The application database: engine, sessions, the declarative Base and the workspace (tenant) scoping.

Every tenant-owned table uses :class:`WorkspaceMixin`. A session is bound to exactly one workspace with
:func:`bind_workspace`; from then on every ORM read, update and delete it runs is filtered to that workspace, and
every row it writes is stamped with (and checked against) it. A session that is bound to no workspace refuses to
touch tenant tables at all. The only way across workspaces is the explicit :func:`across_workspaces` block, used
where the workspace is not known yet (finding which workspace an API key or a login belongs to) and by
operators' commands. So a cross-workspace read cannot happen by forgetting a ``where``: it needs a visible opt-in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, ForeignKey, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from uptake.errors import UptakeError
from uptake.settings import Settings

WORKSPACE_KEY = "uptake.workspace_id"
ACROSS_KEY = "uptake.across_workspaces"
SETTINGS_KEY = "uptake.settings"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class WorkspaceNotBound(UptakeError):
    status = 500
    title = "A tenant table was queried by a session bound to no workspace."


class CrossWorkspaceAccess(UptakeError):
    status = 500
    title = "A session tried to reach another workspace's data."


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored as UTC and always returned timezone-aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 - SQLAlchemy reads this class attribute


class WorkspaceMixin:
    """Marks a table as owned by one workspace; the session scoping keys on this mixin."""

    @declared_attr
    def workspace_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), index=True, nullable=False)


def engine_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the common way (``postgresql://`` or ``postgres://``)."""
    parsed = make_url(
        url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url
    )
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _configure_sqlite(dbapi_connection: Any, connection_record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for the application database: SQLite in WAL mode with foreign keys on, or PostgreSQL."""
    url = engine_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10}, **options)
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    options.setdefault("pool_pre_ping", True)
    options.setdefault("pool_size", 10)
    options.setdefault("max_overflow", 20)
    return create_engine(url, **options)


def make_session_factory(engine: Engine, settings: Settings) -> sessionmaker[Session]:
    """Sessions on ``engine`` that carry the installation's settings (the audit log seals entries with its key)."""
    return sessionmaker(engine, expire_on_commit=False, autoflush=True, info={SETTINGS_KEY: settings})


def installation_settings(session: Session) -> Settings | None:
    """The settings the session's factory was made with (None for a bare ``Session``)."""
    value = session.info.get(SETTINGS_KEY)
    return value if isinstance(value, Settings) else None


def bind_workspace(session: Session, workspace_id: int) -> None:
    """Bind ``session`` to one workspace for its whole life; rebinding to another workspace is refused."""
    current = session.info.get(WORKSPACE_KEY)
    if current is not None and current != workspace_id:
        raise CrossWorkspaceAccess(f"session is bound to workspace {current}, not {workspace_id}")
    session.info[WORKSPACE_KEY] = workspace_id


def bound_workspace(session: Session) -> int | None:
    value = session.info.get(WORKSPACE_KEY)
    return int(value) if value is not None else None


@contextmanager
def across_workspaces(session: Session) -> Iterator[Session]:
    """The explicit, visible opt-out of workspace scoping, for lookups that find the workspace itself."""
    previous = session.info.get(ACROSS_KEY, False)
    session.info[ACROSS_KEY] = True
    try:
        yield session
    finally:
        session.info[ACROSS_KEY] = previous


def _touches_tenant_table(state: ORMExecuteState) -> bool:
    return any(issubclass(mapper.class_, WorkspaceMixin) for mapper in state.all_mappers)


@event.listens_for(Session, "do_orm_execute")
def _scope_to_workspace(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria added to the parent statement already propagate to these loads
    session = state.session
    if session.info.get(ACROSS_KEY):
        return
    workspace_id = session.info.get(WORKSPACE_KEY)
    if workspace_id is None and _touches_tenant_table(state):
        raise WorkspaceNotBound("bind the session to a workspace before querying tenant tables")
    state.statement = state.statement.options(
        with_loader_criteria(
            WorkspaceMixin,
            lambda cls: cls.workspace_id == workspace_id,
            include_aliases=True,
        )
    )


@event.listens_for(Session, "before_flush")
def _stamp_workspace(session: Session, flush_context: Any, instances: Any) -> None:
    workspace_id = session.info.get(WORKSPACE_KEY)
    across = session.info.get(ACROSS_KEY, False)
    for instance in list(session.new) + list(session.dirty):
        if not isinstance(instance, WorkspaceMixin):
            continue
        if instance.workspace_id is None:
            if workspace_id is None:
                raise WorkspaceNotBound(f"cannot store a {type(instance).__name__} without a workspace")
            instance.workspace_id = workspace_id
        elif workspace_id is not None and instance.workspace_id != workspace_id and not across:
            raise CrossWorkspaceAccess(
                f"a {type(instance).__name__} of workspace {instance.workspace_id} in a session bound to {workspace_id}"
            )


@contextmanager
def session_scope(factory: sessionmaker[Session], workspace_id: int | None = None) -> Iterator[Session]:
    """A unit of work for commands and jobs: commits once at the end, rolls back on any error."""
    session = factory()
    if workspace_id is not None:
        bind_workspace(session, workspace_id)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
