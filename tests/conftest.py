"""Shared test fixtures: a fresh, migrated database per test (SQLite always, PostgreSQL where it answers),
the ASGI app on it, and callers in every role.

PostgreSQL: ``UPTAKE_TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``). Each test gets its
own database, cloned from a migrated template made once per run, and dropped after. Where no server answers, the
PostgreSQL variants are skipped with the reason printed in the summary.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from support import World
from uptake.access.roles import Role
from uptake.app import create_app
from uptake.db import make_engine, make_session_factory
from uptake.migrations.commands import upgrade_database
from uptake.settings import Settings

# The command's console reads COLUMNS once, when it is imported: the CLI tests see a 200-column terminal whatever
# the shell running them has (a CI runner's COLUMNS=80 wrapped the lines they look for).
os.environ["COLUMNS"] = "200"

# Tests of behaviour that depends on the date: `make clock` runs them again with the system clock moved ahead
# (scripts/clock_ahead.py), so a test that only passes near the day it was written fails the build. A test elsewhere
# joins with `@pytest.mark.clock`; one here that is not about dates leaves with `clockless` and its reason.
CLOCK_SENSITIVE_FOLDERS = frozenset(
    {
        "comms",
        "connectors",
        "demo",
        "enablement",
        "governance",
        "jobs",
        "licences",
        "privacy",
        "rollout",
        "surveys",
        "trust",
    }
)

POSTGRES_URL = os.environ.get("UPTAKE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SECRET = "test-secret-key-" + "x" * 40
ROLES = [Role.admin, Role.program_lead, Role.reviewer, Role.team_lead, Role.employee]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests = Path(__file__).parent
    for item in items:
        folder = item.path.relative_to(tests).parts[0] if item.path.is_relative_to(tests) else ""
        if folder in CLOCK_SENSITIVE_FOLDERS and item.get_closest_marker("clockless") is None:
            item.add_marker(pytest.mark.clock)


def pytest_report_header(config: pytest.Config) -> str | None:
    ahead = os.environ.get("UPTAKE_CLOCK_AHEAD_DAYS")
    return f"system clock moved {ahead} days ahead (scripts/clock_ahead.py)" if ahead else None


def postgres_unavailable_reason() -> str | None:
    try:
        engine = make_engine(POSTGRES_URL, pool_size=1, max_overflow=0, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:
        return f"PostgreSQL does not answer at {POSTGRES_URL}: {str(error).splitlines()[0]}"
    return None


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    name = f"uptake_tmpl_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    template_url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(template_url)
    upgrade_database(engine)
    engine.dispose()
    yield name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "uptake.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def fresh_postgres_database(template: str) -> tuple[str, Callable[[], None]]:
    name = f"uptake_t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A fresh, migrated application database for one test, on each engine."""
    if request.param == "sqlite":
        target = tmp_path / "uptake.db"
        shutil.copy(sqlite_template, target)
        yield f"sqlite:///{target}"
        return
    template = request.getfixturevalue("postgres_template")
    url, drop = fresh_postgres_database(template)
    yield url
    drop()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    data_dir = tmp_path / "data"
    data_dir.mkdir(exist_ok=True)
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        events_url=f"duckdb:///{data_dir / 'events.duckdb'}",
        secret_key=SECRET,  # type: ignore[arg-type]
        run_worker=False,
        development_mode=True,  # the tests' identity providers run on this machine over plain http
        log_format="console",
        log_level="warning",
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[Any]:
    application = create_app(settings, start_worker=False)
    yield application
    application.state.event_store.close()
    application.state.engine.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine, settings: Settings) -> sessionmaker[Session]:
    return make_session_factory(engine, settings)


@pytest.fixture
def world(session_factory: sessionmaker[Session], settings: Settings) -> World:
    return World(session_factory, settings)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def count_queries(app: Any) -> Callable[[], Any]:
    """``with count_queries() as queries: ...`` then ``queries.count``: statements the app's engine ran."""
    from contextlib import contextmanager

    engine: Engine = app.state.engine

    @contextmanager
    def counter() -> Iterator[Any]:
        class Counter:
            count = 0
            statements: list[str] = []  # noqa: RUF012

        def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            Counter.count += 1
            Counter.statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield Counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counter


# -- a live server and a real browser ---------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LiveServer:
    base_url: str
    world: World
    settings: Settings
    app: Any

    def url(self, path: str) -> str:
        return self.base_url + path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_server(settings: Settings, world: World) -> Iterator[LiveServer]:
    """uptake served by a real uvicorn on a free port, over this test's fresh database (worker off)."""
    import uvicorn

    port = free_port()
    live_settings = settings.model_copy(update={"port": port, "base_url": f"http://127.0.0.1:{port}"})
    application = create_app(live_settings, start_worker=False)
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="uptake-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    yield LiveServer(f"http://127.0.0.1:{port}", world, live_settings, application)
    server.should_exit = True
    thread.join(timeout=15)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser); skipped, with the reason, if absent."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests need the playwright package (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context (no cookies) for one test; its page is ``browser.new_page()``."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    yield context
    context.close()


def log_in(page: Any, base_url: str, email: str, password: str) -> None:
    """Log in through the real login form."""
    page.goto(base_url + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
