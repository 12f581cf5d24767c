"""Where events and snapshots live: an analytics engine reached by URL, read and written through Ibis.

One metric definition runs on every engine. The URL picks the engine:

| URL | engine | tested |
| --- | --- | --- |
| `duckdb:///path/to/events.duckdb` (default), `duckdb://` (in memory) | DuckDB, embedded | yes |
| `postgres://user:password@host:5432/database` (or `postgresql://`) | PostgreSQL | yes (`-m postgres`) |
| `pyspark:///path/to/lake?master=local[2]` | Apache Spark; a local SparkSession reading Parquet | yes (`-m spark`) |
| `clickhouse://user:password@host:9000/database` | ClickHouse | no: by configuration |
| `snowflake://user:password@account/database/schema?warehouse=W` | Snowflake | no: by configuration |
| `bigquery://project/dataset` | BigQuery | no: by configuration |
| `trino://user@host:8080/catalog/schema` | Trino | no: by configuration |

The last four are handed to `ibis.connect` as they are; install the matching Ibis extra
(`ibis-framework[clickhouse]`, ...) to use them.

A Spark *lake* is a folder with one sub-folder per table, in Hive layout:
`events/workspace_id=N/day=YYYY-MM-DD/*.parquet` (as the telemetry export writes it), and
`<snapshot or activity_days>/workspace_id=N/*.parquet`. Each folder is read with its declared schema and
exposed to Spark SQL as a temporary view of the table's name; the snapshots and the activity table (small, read
by every metric) are cached in Spark's memory, the events are not.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs, urlsplit

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

EngineKind = Literal["duckdb", "postgres", "pyspark", "other"]

SPARK_TYPES = {
    "int16": "SMALLINT",
    "int32": "INT",
    "int64": "BIGINT",
    "float64": "DOUBLE",
    "string": "STRING",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP_NTZ",
}


IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


class EngineError(ValueError):
    """The URL or the engine cannot do what was asked."""


@dataclass(frozen=True)
class EventsBackend:
    """An open analytics engine: the Ibis backend, its kind and, for Spark, the lake folder."""

    kind: EngineKind
    connection: Any
    lake_path: Path | None = None


def connect(url: str = "duckdb://") -> EventsBackend:
    """Open the analytics engine named by `url` (see the module docstring for the forms)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "duckdb":
        path = parts.path or ":memory:"
        if parts.netloc:
            raise EngineError("A DuckDB URL has no host: write duckdb:///absolute/path.duckdb")
        return EventsBackend(kind="duckdb", connection=ibis.duckdb.connect(path))
    if scheme in ("postgres", "postgresql"):
        return EventsBackend(
            kind="postgres",
            connection=ibis.postgres.connect(
                host=parts.hostname or "localhost",
                port=parts.port or 5432,
                user=parts.username or "postgres",
                password=parts.password,
                database=parts.path.lstrip("/") or "postgres",
            ),
        )
    if scheme == "pyspark":
        if not parts.path:
            raise EngineError("A pyspark URL names the lake folder: pyspark:///path/to/lake")
        master = parse_qs(parts.query).get("master", ["local[2]"])[0]
        lake_path = Path(parts.path)
        return connect_spark(start_local_spark(master, lake_path), lake_path)
    if scheme in ("clickhouse", "snowflake", "bigquery", "trino"):
        return EventsBackend(kind="other", connection=ibis.connect(url))
    raise EngineError(f"Unknown analytics engine in URL {url!r}")


def connect_duckdb_file(path: str) -> EventsBackend:
    """DuckDB over the database file at `path` as given (relative or absolute, or `:memory:`).

    Within one process every connection to a file shares one database instance, so this reads what
    another connection (the events store) writes.
    """
    return EventsBackend(kind="duckdb", connection=ibis.duckdb.connect(path))


def start_local_spark(master: str, lake_path: Path) -> SparkSession:
    """A SparkSession tuned for a small machine: few shuffle partitions, no UI, UTC."""
    from pyspark.sql import SparkSession

    builder: Any = SparkSession.builder
    return (  # type: ignore[no-any-return]
        builder.master(master)
        .appName("uptake-analytics")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.sql.warehouse.dir", str(lake_path / "_warehouse"))
        .config("spark.driver.extraJavaOptions", "-Dderby.system.home=" + str(lake_path / "_derby"))
        .getOrCreate()
    )


def connect_spark(session: SparkSession, lake_path: Path) -> EventsBackend:
    """Use an existing SparkSession (local or on a cluster) over the lake at `lake_path`."""
    lake_path.mkdir(parents=True, exist_ok=True)
    return EventsBackend(kind="pyspark", connection=ibis.pyspark.connect(session), lake_path=lake_path)


def ensure_table(
    backend: EventsBackend, name: str, schema: Any, partition_columns: tuple[str, ...] = ("workspace_id",)
) -> ir.Table:
    """Create `name` with `schema` when it is missing (on Spark: expose the lake folder), and return it."""
    if backend.kind == "pyspark":
        register_lake_table(backend, name, schema, partition_columns)
    elif name not in backend.connection.list_tables():
        backend.connection.create_table(name, schema=schema)
    return backend.connection.table(name)


def register_lake_table(
    backend: EventsBackend, name: str, schema: Any, partition_columns: tuple[str, ...] = ("workspace_id",)
) -> None:
    """Expose `<lake>/<name>/` (Hive layout) to Spark SQL as the temporary view `name`."""
    session = backend.connection._session
    folder = _lake_folder(backend, name)
    ddl = ", ".join(f"`{column}` {_spark_type(schema[column])}" for column in schema.names)
    if any(folder.rglob("*.parquet")):
        frame = session.read.schema(ddl).option("basePath", str(folder)).parquet(str(folder))
    else:
        frame = session.createDataFrame([], ddl)
    frame = frame.select(*schema.names)
    if session.catalog.tableExists(name):
        session.catalog.uncacheTable(name)
    if (
        name != "events"
    ):  # snapshots and the activity table are small and read by every metric: keep them in memory
        frame = frame.cache()
    frame.createOrReplaceTempView(name)


def replace_workspace_rows(
    backend: EventsBackend, name: str, schema: Any, rows: pa.Table, workspace_id: int
) -> None:
    """Replace every row of `workspace_id` in table `name` by `rows` (one transaction where the engine has them)."""
    ensure_table(backend, name, schema)
    rows = rows.select(schema.names)
    if backend.kind == "duckdb":
        raw = backend.connection.con
        raw.execute("BEGIN TRANSACTION")
        try:
            raw.execute(_delete_statement(name, workspace_id))
            raw.register("uptake_incoming_rows", rows)
            raw.execute(
                _insert_statement(name, schema.names, _select_all(schema.names, "uptake_incoming_rows"))
            )
            raw.unregister("uptake_incoming_rows")
            raw.execute("COMMIT")
        except BaseException:
            raw.execute("ROLLBACK")
            raise
    elif backend.kind == "postgres":
        raw = backend.connection.con
        with raw.transaction(), raw.cursor() as cursor:
            cursor.execute(_delete_statement(name, workspace_id))
            with cursor.copy(_copy_statement(name, schema.names)) as copy:
                for row in rows.to_pylist():
                    copy.write_row([row[column] for column in schema.names])
    elif backend.kind == "pyspark":
        partition = _lake_folder(backend, name) / f"workspace_id={workspace_id}"
        if partition.exists():
            shutil.rmtree(partition)
        partition.mkdir(parents=True)
        pq.write_table(rows.drop_columns(["workspace_id"]), partition / "part-0.parquet")
        register_lake_table(backend, name, schema)
    else:
        backend.connection.raw_sql(_delete_statement(name, workspace_id))
        backend.connection.insert(name, rows)


def replace_workspace_rows_from_query(
    backend: EventsBackend, name: str, schema: Any, query: ir.Table, workspace_id: int
) -> None:
    """Replace every row of `workspace_id` in `name` by the result of `query`, computed inside the engine."""
    ensure_table(backend, name, schema)
    query = query.select(schema.names)
    if backend.kind in ("duckdb", "postgres"):
        delete_sql = _delete_statement(name, workspace_id)
        insert_sql = _insert_statement(name, schema.names, backend.connection.compile(query))
        if backend.kind == "duckdb":
            raw = backend.connection.con
            raw.execute("BEGIN TRANSACTION")
            try:
                raw.execute(delete_sql)
                raw.execute(insert_sql)
                raw.execute("COMMIT")
            except BaseException:
                raw.execute("ROLLBACK")
                raise
        else:
            with backend.connection.con.transaction(), backend.connection.con.cursor() as cursor:
                cursor.execute(delete_sql)
                cursor.execute(insert_sql)
    elif backend.kind == "pyspark":
        session = backend.connection._session
        frame = session.sql(backend.connection.compile(query)).selectExpr(
            *[
                f"CAST(`{column}` AS {_spark_type(schema[column])}) AS `{column}`"
                for column in schema.names
                if column != "workspace_id"
            ]
        )
        partition = _lake_folder(backend, name) / f"workspace_id={workspace_id}"
        staging = _lake_folder(backend, name).parent / f"_staging_{name}_{workspace_id}"
        frame.write.mode("overwrite").parquet(str(staging))
        if partition.exists():
            shutil.rmtree(partition)
        partition.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(partition)
        register_lake_table(backend, name, schema)
    else:
        backend.connection.raw_sql(_delete_statement(name, workspace_id))
        backend.connection.insert(name, query)


def to_arrow(backend: EventsBackend, expression: ir.Table) -> pa.Table:
    """Run `expression` on the engine and return the rows."""
    result: pa.Table = backend.connection.to_pyarrow(expression)
    return result


def _quoted(identifier: str) -> str:
    """A table or column name, double-quoted after checking it is a plain lower-case identifier."""
    if not IDENTIFIER.fullmatch(identifier):
        raise EngineError(f"Not a plain identifier: {identifier!r}")
    return f'"{identifier}"'


def _delete_statement(table: str, workspace_id: int) -> str:
    return f"DELETE FROM {_quoted(table)} WHERE workspace_id = {int(workspace_id)}"  # noqa: S608 (quoted names)


def _insert_statement(table: str, columns: Sequence[str], select_sql: str) -> str:
    listed = ", ".join(_quoted(column) for column in columns)
    return f"INSERT INTO {_quoted(table)} ({listed}) {select_sql}"


def _select_all(columns: Sequence[str], source: str) -> str:
    listed = ", ".join(_quoted(column) for column in columns)
    return f"SELECT {listed} FROM {_quoted(source)}"  # noqa: S608 (quoted names)


def _copy_statement(table: str, columns: Sequence[str]) -> str:
    listed = ", ".join(_quoted(column) for column in columns)
    return f"COPY {_quoted(table)} ({listed}) FROM STDIN"


def _lake_folder(backend: EventsBackend, name: str) -> Path:
    if backend.lake_path is None:
        raise EngineError("This engine has no lake folder")
    return backend.lake_path / name


def _spark_type(data_type: Any) -> str:
    name = "timestamp" if data_type.is_timestamp() else str(data_type).lstrip("!")
    try:
        return SPARK_TYPES[name]
    except KeyError:
        raise EngineError(f"No Spark type for {data_type}") from None
