"""The engine interface every warehouse engine implements, and its errors."""

from __future__ import annotations

from abc import ABC, abstractmethod

import pandas as pd
import pyarrow as pa

ENGINES = ("duckdb", "postgres", "spark")
#: The two schemas the pipeline writes in a target: the validated sources, and what the models build.
SCHEMAS = ("validated", "analytics")
#: What marks a table as the pipeline's own (a table comment on PostgreSQL, a table property on Spark):
#: a table without it is never replaced or dropped.
OWNER_MARK = "mentorship-impact"


class EngineError(RuntimeError):
    """The engine cannot be used: unreachable, refused credentials, or a missing privilege. Raised
    before anything is written. The message names the engine, the host and the setting to change."""

    def __init__(self, engine: str, where: str, setting: str, problem: str):
        self.engine, self.where, self.setting = engine, where, setting
        super().__init__(f"{engine} at {where}: {problem} (check {setting})")


class ForeignTableError(EngineError):
    """A table the pipeline would write already exists and was not created by it."""


class Engine(ABC):
    """A warehouse engine that holds the validated sources and the models' tables.

    SQL handed to any method is DuckDB's dialect, the dialect the SQL files are written in; parameters
    are named (``$role``) and passed in ``params``."""

    name: str
    #: Where the engine runs (host and port, or the Spark master), for messages.
    where: str
    #: The setting that points at it, for messages.
    setting: str

    @abstractmethod
    def fetch_arrow(self, sql: str, params: dict | None = None) -> pa.Table:
        """The query's result as an Arrow table."""

    def fetch_frame(self, sql: str, params: dict | None = None) -> pd.DataFrame:
        """The query's result as a pandas frame typed as DuckDB's ``.df()`` types it, whatever the engine:
        dates and timestamps as naive microsecond timestamps, decimals as doubles, integers and booleans with a
        NULL as pandas' nullable types. The exports are written from these frames."""
        return as_frame(self.fetch_arrow(sql, params))

    @abstractmethod
    def build(self, table: str, sql: str, variables: dict, macros: str) -> int:
        """Replace ``table`` (``schema.name``) with the result of the model ``sql``; return its rows.

        ``variables`` are the values the SQL reads with ``getvariable``; ``macros`` the macro file the
        SQL may call."""

    @abstractmethod
    def write_tables(self, tables: dict[str, pa.Table]) -> None:
        """Replace each ``schema.name`` with its Arrow table (together, where the engine has
        transactions)."""

    def check(self, tables: list[str]) -> None:
        """Stop before anything is written when the engine cannot take the run: reachable, the
        credentials accepted, tables creatable in both schemas, and none of ``tables`` a table the
        pipeline did not create. Raises EngineError or ForeignTableError. DuckDB's embedded warehouse
        is the pipeline's own: nothing to check."""
        return

    def close(self) -> None:
        """Release the connection (a no-op where the caller owns it)."""
        return

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- tables the pipeline owns (PostgreSQL, Spark) --------------------------------------------
    prefix: str = ""

    def _table(self, table: str) -> tuple[str, str]:
        """``schema.name`` as the engine's (schema with the configured prefix, name)."""
        schema, name = table.split(".")
        return self.prefix + schema, name

    def _foreign(self, schema: str, name: str) -> bool:
        """A table of that name exists and was not created by the pipeline."""
        return False

    def _guard(self, tables) -> None:
        """Refuse, before writing, any of ``tables`` the pipeline did not create."""
        for table in tables:
            schema, name = self._table(table)
            if self._foreign(schema, name):
                raise ForeignTableError(
                    self.name,
                    self.where,
                    "MENTORSHIP_SCHEMA_PREFIX",
                    f"the table {schema}.{name} exists and was not created by this pipeline; it is left as it is "
                    "and nothing was written. Point the pipeline at its own schemas with a prefix",
                )

    def count(self, table: str) -> int:
        return self.fetch_arrow(f"select count(*) as n from {table}").column(0)[0].as_py()


def as_frame(table: pa.Table) -> pd.DataFrame:
    """``table`` as DuckDB's ``.df()`` would give it (``Engine.fetch_frame``)."""
    nullable = {}
    for i, field in enumerate(table.schema):
        t = field.type
        if pa.types.is_date(t) or pa.types.is_timestamp(t):
            if pa.types.is_timestamp(t) and t.tz is not None:
                table = table.set_column(i, field.name, pa.compute.local_timestamp(table.column(i)))
            table = table.set_column(i, field.name, table.column(i).cast(pa.timestamp("us")))
        elif pa.types.is_decimal(t):
            table = table.set_column(i, field.name, table.column(i).cast(pa.float64()))
        elif pa.types.is_boolean(t) and table.column(i).null_count:
            nullable[field.name] = pd.BooleanDtype()
        elif pa.types.is_integer(t) and table.column(i).null_count:
            nullable[field.name] = pd.api.types.pandas_dtype(
                f"{'U' if pa.types.is_unsigned_integer(t) else ''}Int{t.bit_width}"
            )
    frame = table.to_pandas()
    for name, dtype in nullable.items():
        frame[name] = frame[name].astype(dtype)
    return frame
