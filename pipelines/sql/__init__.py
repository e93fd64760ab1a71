"""The pipeline's SQL, one lower-case CTE chain per file, read relative to this package."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb

from mentorship.warehouse import transaction

SQL_DIR = Path(__file__).parent


@cache
def read_sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text()


def register_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The macros the SQL files share (``macros.sql``), as temporary macros on ``con``."""
    con.execute(read_sql("macros"))


def build_table(con: duckdb.DuckDBPyConnection, schema: str, name: str, params: dict | None = None) -> int:
    """Replace ``schema.name`` with the result of ``<name>.sql`` in one transaction; return its row count."""
    register_macros(con)
    con.execute(f"create schema if not exists {schema}")
    with transaction(con):
        con.execute(f"create or replace table {schema}.{name} as {read_sql(name)}", params or {})
    return con.execute(f"select count(*) from {schema}.{name}").fetchall()[0][0]
