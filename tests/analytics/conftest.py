"""Fixtures for analytics tests: engines with an events table made from the event contract."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from analytics.analytics_workspace import Workspace, create_events_table
from uptake.analytics import engines


@pytest.fixture
def duckdb_backend() -> Iterator[engines.EventsBackend]:
    backend = engines.connect("duckdb://")
    create_events_table(backend)
    yield backend
    backend.connection.disconnect()


@pytest.fixture
def workspace(duckdb_backend: engines.EventsBackend) -> Workspace:
    return Workspace(duckdb_backend)


# --- engines for the conformance test -------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped after (skips when none answers)."""
    base = os.environ.get("UPTAKE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        admin = psycopg.connect(base, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL does not answer at {base}: {error}")
    name = f"uptake_t_{secrets.token_hex(6)}"
    admin.execute(f"CREATE DATABASE {name}")
    url = base.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


@pytest.fixture(scope="session")
def spark_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One local SparkSession for the whole test session (skips when Java or PySpark is missing)."""
    if shutil.which("java") is None:
        pytest.skip("Java is not installed: Spark needs a JVM (Java 17)")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.skip("PySpark is not installed (pip install -e '.[dev]')")
    lake_root = tmp_path_factory.mktemp("spark")
    session = engines.start_local_spark("local[2]", Path(lake_root))
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
