"""Staging Parquet files and Excel sheets: every row as text, dates at midnight kept as plain dates."""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from mentorship.landing.problems import UnusableFile
from mentorship.landing.sql import columns, ident, q
from mentorship.mapping import SourceMapping

# Excel and Parquet dates arrive as timestamps at midnight; keep them as plain dates.
_MIDNIGHT = r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(\.0+)?$"
_NESTED_KINDS = (("STRUCT", "structs"), ("MAP", "maps"), ("UNION", "unions"))


def _nested_kind(column_type: str) -> str | None:
    """'lists', 'arrays', 'structs', 'maps' or 'unions' for a nested DuckDB type, None for a plain one."""
    if column_type.endswith("[]"):
        return "lists"
    if column_type.endswith("]"):
        return "arrays"
    return next((kind for prefix, kind in _NESTED_KINDS if column_type.startswith(prefix)), None)


def stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, table: str, nested: dict[str, str]) -> list[str]:
    """Stage a Parquet file; return its columns' names as written in its schema. ``nested`` receives
    the columns holding lists, arrays, structs, maps or unions, with their kind and type."""
    con.execute(
        f"create or replace temp view _pq as select * from read_parquet({q(str(path))}, file_row_number = true)"
    )
    types = con.execute("select column_name, column_type from (describe _pq)").fetchall()
    for name, column_type in types:
        if kind := _nested_kind(column_type):
            nested[name] = f"{kind} ({column_type})"
    cols = [c for c in columns(con, "_pq") if c != "file_row_number"]
    text = ", ".join(f"regexp_replace({ident(c)}::varchar, {q(_MIDNIGHT)}, '\\1') as {ident(c)}" for c in cols)
    con.execute(
        f"create or replace temp table {table} as select file_row_number + 1 as _record, "
        f"file_row_number + 1 as _line, null::varchar as _parse_error, {text} from _pq"
    )
    try:
        return pq.read_schema(path).names
    except (OSError, ValueError):  # DuckDB read it, so its names stand
        return None


def stage_excel(con: duckdb.DuckDBPyConnection, path: Path, sm: SourceMapping, table: str) -> list[str]:
    """Stage a sheet; return its header row as written (pandas renames a repeated name to name.1)."""
    # Excel sheets hold at most 1,048,576 rows, so reading one through pandas is bounded.
    try:
        # Only empty cells are empty, as in a CSV file: pandas' default would read the text NA (North
        # America), N/A, NULL, None or nan as missing.
        text = {"dtype": str, "engine": "openpyxl", "keep_default_na": False, "na_values": [""]}
        frame = pd.read_excel(path, sheet_name=sm.sheet, **text)
        header = pd.read_excel(path, sheet_name=sm.sheet, header=None, nrows=1, **text)
    except (FileNotFoundError, PermissionError):
        raise  # the file's own problem, not a broken workbook
    except (ValueError, KeyError, OSError, zipfile.BadZipFile) as e:
        raise UnusableFile(f"cannot be read as an Excel workbook: {e}") from e
    frame.columns = [str(c) for c in frame.columns]
    con.register("_xl", frame)
    text = ", ".join(f"regexp_replace({ident(c)}, {q(_MIDNIGHT)}, '\\1') as {ident(c)}" for c in frame.columns)
    # Spreadsheet row numbers: the header is row 1.
    con.execute(
        f"create or replace temp table {table} as select row_number() over () as _record, "
        f"row_number() over () + 1 as _line, null::varchar as _parse_error, {text} from _xl"
    )
    con.unregister("_xl")
    return ["" if pd.isna(v) else str(v) for v in header.iloc[0]] if len(header) else []
