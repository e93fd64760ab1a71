"""DuckDB, the embedded default: the SQL runs as written, on the caller's connection."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from mentorship.engines.base import Engine
from mentorship.warehouse import transaction


class DuckEngine(Engine):
    name = "duckdb"
    setting = "MENTORSHIP_DUCKDB"

    def __init__(self, con: duckdb.DuckDBPyConnection, where: str = "the embedded warehouse"):
        self.con = con
        self.where = where

    def fetch_arrow(self, sql: str, params: dict | None = None) -> pa.Table:
        return self.con.sql(sql, params=params).to_arrow_table()

    def fetch_frame(self, sql: str, params: dict | None = None):
        return self.con.sql(sql, params=params).df()

    def build(self, table: str, sql: str, variables: dict, macros: str) -> int:
        for name, value in variables.items():
            self.con.execute(f"set variable {name} = ?", [value])
        self.con.execute(macros)
        self.con.execute(f"create schema if not exists {table.split('.')[0]}")
        with transaction(self.con):
            self.con.execute(f"create or replace table {table} as {sql}")
        return self.con.execute(f"select count(*) from {table}").fetchall()[0][0]

    def write_tables(self, tables: dict) -> None:
        for schema in {t.split(".")[0] for t in tables}:
            self.con.execute(f"create schema if not exists {schema}")
        with transaction(self.con):
            for table, frame in tables.items():
                self.con.register("_frame", frame)
                self.con.execute(f"create or replace table {table} as select * from _frame")
                self.con.unregister("_frame")


def as_engine(source) -> Engine:
    """``source`` as an Engine: an Engine as it is, a DuckDB connection wrapped."""
    return source if isinstance(source, Engine) else DuckEngine(source)
