"""Spark (pyspark 4): local mode by default, a cluster's master, or a Spark Connect server.

Where the tables live (local mode, or a master whose nodes all see the warehouse folder at the same
path): each table is a Parquet folder,
``<warehouse>/<schema>/<name>``, registered in the session's in-memory catalog when an engine opens.
The alternative, Hive support with an embedded Derby metastore in the warehouse (the pyspark wheel
ships the jars), was not taken: embedded Derby lets one process at a time open the metastore, so two
Dagster step processes (or `make run` and a notebook) would fail with a lock error, and a crash can
leave the lock behind; it also adds seconds to every session start. Parquet folders have neither
problem: the files are the only state, any process can register them, and deleting a folder removes
its table. The ownership mark is a file in the folder (``_mentorship-impact``; Spark skips files that
start with ``_``) and, once registered, a table property. On Spark Connect the server's catalog holds
the tables (managed tables, marked by the table property alone).

Spark has no transactional DDL: a build writes the new table beside the old one and swaps the folders,
so a failed query leaves the old table; a crash during the swap itself can leave it missing, and the
next build writes it again.

ANSI mode stays on (Spark 4's default): DuckDB fails on an overflow, a bad cast or a division by zero
the SQL does not guard (``nullif``), and so does Spark in ANSI mode; without it Spark would return
NULL or a wrapped number where DuckDB stops, and the tables would differ silently.
"""

from __future__ import annotations

import atexit
import os
import shutil
import threading
import uuid
from pathlib import Path

import pyarrow as pa

from mentorship.engines import rewrite, spark_sql
from mentorship.engines.base import OWNER_MARK, SCHEMAS, Engine, EngineError

#: The table property and the file that mark a table as the pipeline's own.
OWNER_PROPERTY = "mentorship.owner"
MARK_FILE = "_" + OWNER_MARK
PROBE = "mentorship_write_check"

_lock = threading.Lock()
_session = None  # the process's SparkSession, shared by every engine
_created = False  # whether this module started it (and so stops it at exit)


def _config(master: str, warehouse: Path | None = None) -> dict[str, str]:
    """The session's settings: quiet, UTC, ANSI; in local mode also on loopback with small shuffles."""
    config = {
        "spark.master": master,
        "spark.app.name": "mentorship-impact",
        "spark.ui.enabled": "false",  # no web UI on a port nobody reads
        "spark.ui.showConsoleProgress": "false",  # no progress bars over the run's own lines
        "spark.sql.session.timeZone": "UTC",  # dates and timestamps as DuckDB reads them
        "spark.sql.ansi.enabled": "true",  # fail where DuckDB fails (module docstring)
        "spark.sql.catalogImplementation": "in-memory",  # tables are Parquet folders (module docstring)
        # Constraint propagation is slow on wide plans and, on a union over a checkpointed step, fails
        # inside Spark 4.3 (key not found in UnionBase.rewriteConstraints); the models do not need it.
        "spark.sql.constraintPropagation.enabled": "false",
    }
    if warehouse is not None:
        # Where Spark puts a database's folder (nothing of ours: the tables are folders we place); by
        # default the working directory's spark-warehouse.
        config["spark.sql.warehouse.dir"] = (warehouse / "_catalog").as_posix()
    if master.startswith("local"):
        config |= {
            "spark.driver.host": "127.0.0.1",  # nothing listens beyond this machine
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.driver.memory": "2g",  # local mode runs everything in the driver; the models need little
            "spark.sql.shuffle.partitions": "4",  # the default 200 is for clusters: tiny tasks cost more here
        }
    return config


def _java_missing() -> bool:
    return shutil.which("java") is None and not os.environ.get("JAVA_HOME")


def get_session(settings):
    """The process's SparkSession, started on first use and reused by every engine after (starting one
    costs seconds): the first engine's master, or Spark Connect server, serves the whole process."""
    global _session, _created
    with _lock:
        if _session is not None and not _stopped(_session):
            return _session
        where, setting = settings.where, settings.setting
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise EngineError(
                "spark",
                where,
                "MENTORSHIP_ENGINE",
                "pyspark is not installed: `MENTORSHIP_ENGINE=spark make run` installs it (the project's spark "
                "extra), or `uv sync --extra spark`",
            ) from None
        if settings.spark_remote:
            try:
                _session = SparkSession.builder.remote(settings.spark_remote).getOrCreate()
            except Exception as e:
                raise EngineError(
                    "spark", where, setting, f"cannot reach the Spark Connect server: {_reason(e)}"
                ) from None
            return _session
        if _java_missing():
            raise EngineError(
                "spark", where, "JAVA_HOME", "Spark needs a Java runtime (17 or later) and none was found"
            )
        if settings.spark_master.startswith("local"):
            # The JVM otherwise looks up this machine's address on the network (and says so on stderr).
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = SparkSession.builder
        warehouse = Path(settings.spark_warehouse or "data/spark-warehouse").absolute()
        for key, value in _config(settings.spark_master, warehouse).items():
            builder = builder.config(key, value)
        try:
            _session = builder.getOrCreate()
        except Exception as e:
            raise EngineError("spark", where, setting, f"cannot start Spark: {_reason(e)}") from None
        _session.sparkContext.setLogLevel("ERROR")  # Spark's INFO and WARN lines are not the user's business
        _created = True
        atexit.register(_stop)
        return _session


def _stopped(spark) -> bool:
    """Whether the session's context was stopped (by its owner, or a test)."""
    try:
        return spark.sparkContext._jsc is None
    except Exception:  # Spark Connect has no local context
        return False


def _stop() -> None:
    global _session
    if _session is not None and _created:
        _session.stop()
    _session = None


def _spill_level():
    from pyspark import StorageLevel

    return StorageLevel.MEMORY_AND_DISK  # a step larger than memory goes to disk rather than failing


def doubles(df):
    """DECIMAL columns as DOUBLE: Spark keeps decimals where DuckDB computes in doubles, and the effect
    step needs floats."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import DecimalType

    if not any(isinstance(f.dataType, DecimalType) for f in df.schema.fields):
        return df
    return df.select(
        [
            F.col(f"`{f.name}`").cast("double").alias(f.name)
            if isinstance(f.dataType, DecimalType)
            else F.col(f"`{f.name}`")
            for f in df.schema.fields
        ]
    )


def plain(table: pa.Table) -> pa.Table:
    """Dictionary columns (DuckDB's enums, pandas categoricals) as their values, which Spark takes, and
    all-NULL columns of no type (pandas) as text: Parquet cannot store Spark's void type."""
    for i, f in enumerate(table.schema):
        if pa.types.is_dictionary(f.type):
            table = table.set_column(i, f.name, table.column(i).cast(f.type.value_type))
        elif pa.types.is_null(f.type):
            table = table.set_column(i, f.name, table.column(i).cast(pa.string()))
    return table


class SparkEngine(Engine):
    name = "spark"

    def __init__(self, settings):
        self.where, self.setting = settings.where, settings.setting
        self.prefix = settings.schema_prefix
        self.remote = bool(settings.spark_remote)
        self.warehouse = None if self.remote else Path(settings.spark_warehouse or "data/spark-warehouse").absolute()
        self.spark = get_session(settings)
        if not self.remote:
            self._register()

    # -- naming -------------------------------------------------------------------------------
    def _folder(self, schema: str, name: str) -> Path:
        return self.warehouse / schema / name

    # -- reading ------------------------------------------------------------------------------
    def sql(self, sql: str, **kw) -> str:
        return rewrite.to_target(sql, "spark", prefix=self.prefix, **kw)

    def fetch_arrow(self, sql: str, params: dict | None = None) -> pa.Table:
        return doubles(self.spark.sql(self.sql(sql, params=params))).toArrow()

    # -- the catalog --------------------------------------------------------------------------
    def _exists(self, schema: str, name: str) -> bool:
        return self.spark.catalog.databaseExists(schema) and self.spark.catalog.tableExists(f"{schema}.{name}")

    def _marked(self, schema: str, name: str) -> bool:
        """Whether the registered table carries the pipeline's property."""
        rows = self.spark.sql(f"show tblproperties {schema}.{name}").collect()
        return any(r[0] == OWNER_PROPERTY and str(r[1]).startswith(OWNER_MARK) for r in rows)

    def _create_schema(self, schema: str) -> None:
        self.spark.sql(f"create database if not exists {schema}")

    def _register(self) -> None:
        """Every marked folder in the warehouse registered as its table: how a table built by an earlier
        process is found by this one. An unmarked table of the same name is left alone (the guard
        refuses to touch it)."""
        for schema in (self.prefix + s for s in SCHEMAS):
            folder = self.warehouse / schema
            if not folder.is_dir():
                continue
            self._create_schema(schema)
            for table in sorted(p for p in folder.iterdir() if (p / MARK_FILE).exists()):
                if self._exists(schema, table.name):
                    if not self._marked(schema, table.name):
                        continue
                    self.spark.sql(f"drop table {schema}.{table.name}")  # external: the files stay
                self._attach(schema, table.name)

    def _attach(self, schema: str, name: str) -> None:
        # The schema is read from the Parquet files; the property marks it for the guard.
        self.spark.sql(
            f"create table {schema}.{name} using parquet location '{self._folder(schema, name).as_posix()}' "
            f"tblproperties ('{OWNER_PROPERTY}' = '{OWNER_MARK}: built by the mentorship pipeline')"
        )

    # -- the guard ----------------------------------------------------------------------------
    def _foreign(self, schema: str, name: str) -> bool:
        if self._exists(schema, name) and not self._marked(schema, name):
            return True
        if self.remote:
            return False
        folder = self._folder(schema, name)
        return folder.exists() and not (folder / MARK_FILE).exists()

    def check(self, tables: list[str]) -> None:
        try:
            for schema in (self.prefix + s for s in SCHEMAS):
                self._create_schema(schema)
                self._guard([f"{schema.removeprefix(self.prefix)}.{PROBE}"])  # the probe's name, too
                self._store(self.spark.sql("select 1 as x"), schema, PROBE)
                self._drop(schema, PROBE)
        except EngineError:
            raise
        except Exception as e:
            where = f" in {self.warehouse}" if self.warehouse else ""
            setting = "MENTORSHIP_SPARK_WAREHOUSE" if self.warehouse else self.setting
            raise EngineError(self.name, self.where, setting, f"cannot create tables{where}: {_reason(e)}") from None
        self._guard(tables)

    # -- writing ------------------------------------------------------------------------------
    def _drop(self, schema: str, name: str) -> None:
        """The table and (local) its folder; only ever called on a table the guard let through."""
        self.spark.sql(f"drop table if exists {schema}.{name}")
        if not self.remote:
            shutil.rmtree(self._folder(schema, name), ignore_errors=True)

    def _store(self, df, schema: str, name: str, ordered: bool = False) -> None:
        """Replace ``schema.name`` with ``df``, marked as the pipeline's. ``ordered``: written as one file,
        which Spark reads back in the order written, as DuckDB and PostgreSQL return a table's rows."""
        self._create_schema(schema)
        if ordered:
            df = df.coalesce(1)
        if self.remote:
            df.write.mode("overwrite").format("parquet").saveAsTable(f"{schema}.{name}")
            self.spark.sql(
                f"alter table {schema}.{name} set tblproperties "
                f"('{OWNER_PROPERTY}' = '{OWNER_MARK}: built by the mentorship pipeline')"
            )
            return
        folder = self._folder(schema, name)
        # Written beside the old table, then swapped in: a failed query leaves the old one whole.
        staging = folder.with_name(f".{name}.{uuid.uuid4().hex[:8]}")
        try:
            df.write.format("parquet").save(staging.as_posix())
            (staging / MARK_FILE).write_text(f"{OWNER_MARK}: built by the mentorship pipeline\n")
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self.spark.sql(f"drop table if exists {schema}.{name}")  # external: only the entry goes
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
        self._attach(schema, name)

    def build(self, table: str, sql: str, variables: dict, macros: str) -> int:
        self._guard([table])
        schema, name = self._table(table)
        query = self.sql(sql, variables=variables, macros=macros, label=f"{name}.sql")
        ctes, final = spark_sql.steps(query, f"__{name}_{uuid.uuid4().hex[:8]}")
        cached = []
        try:
            for view, select in ctes:
                cached.append(self._step(view, select))
            # A model that ends in ORDER BY (the small published tables) is read back in that order.
            self._store(doubles(self.spark.sql(final)), schema, name, ordered=rewrite.ends_ordered(sql))
        finally:
            self._release(ctes, cached)
        return self.spark.sql(f"select count(*) from {schema}.{name}").collect()[0][0]

    def _step(self, view: str, select: str):
        """One CTE computed once and kept for the steps after it. A local checkpoint (memory, then
        disk) rather than a cache: it also cuts the plan's lineage, so a later step's plan does not
        nest every step before it (a cache's plan does, and printing it ran the driver out of memory)."""
        df = self.spark.sql(select).localCheckpoint(eager=True, storageLevel=_spill_level())
        df.createOrReplaceTempView(view)
        return df

    def _release(self, ctes, cached) -> None:
        for view, _ in ctes:
            self.spark.catalog.dropTempView(view)
        cached.clear()  # the checkpoints' blocks go when Spark's cleaner sees them unreferenced

    def write_tables(self, tables: dict[str, pa.Table]) -> None:
        self._guard(tables)
        for table, data in tables.items():
            schema, name = self._table(table)
            if not isinstance(data, pa.Table):
                data = pa.Table.from_pandas(data, preserve_index=False)
            # The effect tables are read back in the order they were computed; a validated source at scale
            # (above ORDERED_ROWS) is written in parallel, and nothing reads it by position.
            ordered = data.num_rows <= ORDERED_ROWS
            self._store(self.spark.createDataFrame(plain(data)), schema, name, ordered=ordered)

    def close(self) -> None:
        """Nothing to release: the session is the process's, reused by the next engine (starting one
        costs seconds), and stopped when the process exits."""


#: Up to this many rows, a table written from Arrow keeps its row order (one file).
ORDERED_ROWS = 1_000_000


def _reason(e: Exception) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
