"""Migrations produce the models' schema, and the same schema on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from uptake.db import make_engine
from uptake.migrations.commands import current_revision, head_revision, upgrade_database
from uptake.migrations.models import load_all_models


def test_migrations_match_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, load_all_models())
    engine.dispose()
    assert differences == []


def test_database_is_at_head(database_url: str) -> None:
    engine = make_engine(database_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_upgrading_twice_changes_nothing(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'twice.db'}")
    upgrade_database(engine)
    upgrade_database(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def _type_family(column_type: Any) -> str:
    python_type = None
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        python_type = None
    name = type(column_type).__name__.upper()
    if "JSON" in name:
        return "json"
    if name in ("BLOB", "BYTEA", "LARGEBINARY"):
        return "binary"
    if python_type is bool or "BOOL" in name:
        return "bool"
    if "TIMESTAMP" in name or "DATETIME" in name:
        return "datetime"
    if name == "DATE":
        return "date"
    if python_type is int or "INT" in name:
        return "int"
    if python_type is float or name in ("FLOAT", "REAL", "DOUBLE", "DOUBLE_PRECISION", "NUMERIC"):
        return "float"
    if python_type is str or "CHAR" in name or "TEXT" in name:
        length = getattr(column_type, "length", None)
        return f"str({length})" if length else "text"
    return name.lower()


def describe_schema(engine: Engine) -> dict[str, Any]:
    inspector = inspect(engine)
    schema: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        if table == "alembic_version":
            continue
        schema[table] = {
            "columns": {
                column["name"]: (_type_family(column["type"]), column["nullable"])
                for column in inspector.get_columns(table)
            },
            "primary_key": tuple(inspector.get_pk_constraint(table)["constrained_columns"]),
            "foreign_keys": sorted(
                (
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    (fk.get("options") or {}).get("ondelete"),
                    fk["name"],
                )
                for fk in inspector.get_foreign_keys(table)
            ),
            "unique": sorted(
                (unique["name"], tuple(unique["column_names"]))
                for unique in inspector.get_unique_constraints(table)
            ),
            "indexes": sorted(
                (index["name"], tuple(index["column_names"]), bool(index["unique"]))
                for index in inspector.get_indexes(table)
                if not index.get("duplicates_constraint")
            ),
        }
    return schema


@pytest.mark.postgres
def test_sqlite_and_postgresql_get_the_same_schema(sqlite_template, postgres_template) -> None:
    from conftest import fresh_postgres_database

    sqlite_engine = make_engine(f"sqlite:///{sqlite_template}")
    url, drop = fresh_postgres_database(postgres_template)
    postgres_engine = make_engine(url)
    try:
        sqlite_schema = describe_schema(sqlite_engine)
        postgres_schema = describe_schema(postgres_engine)
        assert sqlite_schema.keys() == postgres_schema.keys()
        for table in sqlite_schema:
            assert sqlite_schema[table] == postgres_schema[table], table
        assert len(sqlite_schema) >= 8
    finally:
        sqlite_engine.dispose()
        postgres_engine.dispose()
        drop()


POSTGRESQL_NAME_LIMIT = 63


def test_every_constraint_and_index_name_fits_postgresql(sqlite_template) -> None:
    """PostgreSQL cuts longer names (with a hash), so the two schemas would differ: give such a one a short name."""
    schema = describe_schema(make_engine(f"sqlite:///{sqlite_template}"))
    names = [
        name
        for table in schema.values()
        for name in [
            *(fk[4] for fk in table["foreign_keys"]),
            *(unique[0] for unique in table["unique"]),
            *(index[0] for index in table["indexes"]),
        ]
        if name
    ]
    assert names
    assert [name for name in names if len(name) > POSTGRESQL_NAME_LIMIT] == []
