"""Reading landing files into raw tables, and typing raw rows against the contract.

Everything here is set-based SQL inside DuckDB; Python only loops over files and columns.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from mentorship.contract import SOURCES, Source

FILE_PATTERNS = ("*.csv", "*.parquet")


class FileContractError(Exception):
    """A whole file cannot be used: it is unreadable, empty or lacks a required column."""


def landing_files(landing_dir: Path, source: str) -> list[Path]:
    folder = Path(landing_dir) / source
    return sorted(p for pat in FILE_PATTERNS for p in folder.glob(pat))


def _quote(s: str) -> str:
    return "'" + str(s).replace("'", "''") + "'"


def _ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def _file_select(path: Path) -> str:
    """One file as text columns with its provenance; row numbers count data records from 1."""
    if path.suffix == ".parquet":
        return (f"select {_quote(path.name)} as _source_file, file_row_number + 1 as _source_row, "
                f"columns(* exclude (file_row_number))::varchar "
                f"from read_parquet({_quote(str(path))}, file_row_number = true)")
    # row_number() over () follows file order because DuckDB preserves insertion order.
    return (f"select {_quote(path.name)} as _source_file, row_number() over () as _source_row, * "
            f"from read_csv({_quote(str(path))}, all_varchar = true, header = true)")


def check_file(con: duckdb.DuckDBPyConnection, source: Source, path: Path) -> int:
    """Raise FileContractError naming the file and the problem; return the file's row count."""
    try:
        cols = [r[0] for r in con.execute(f"describe {_file_select(path)}").fetchall()]
        n = con.execute(f"select count(*) from ({_file_select(path)})").fetchone()[0]
    except duckdb.Error as e:
        raise FileContractError(f"{source.name}: file {path.name} cannot be read: {str(e).splitlines()[0]}") from e
    missing = [c for c in source.required if c not in cols]
    if missing:
        raise FileContractError(f"{source.name}: file {path.name} lacks required column(s) {', '.join(missing)} "
                                f"(found: {', '.join(c for c in cols if not c.startswith('_source'))})")
    if n == 0:
        raise FileContractError(f"{source.name}: file {path.name} holds no data rows")
    return n


def load_raw(con: duckdb.DuckDBPyConnection, source_name: str, landing_dir: Path,
             progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Replace raw.<source> with every row of every landing file, atomically.

    Files are checked first, so a broken file raises before the last good table is touched.
    Returns rows read per file; ``progress`` receives a line per file checked.
    """
    source = SOURCES[source_name]
    files = landing_files(landing_dir, source_name)
    if not files:
        raise FileContractError(f"{source_name}: no .csv or .parquet files in {Path(landing_dir) / source_name}")
    counts = {}
    for i, p in enumerate(files, 1):
        counts[p.name] = check_file(con, source, p)
        if progress:
            progress(f"{source_name}: checked {p.name} ({counts[p.name]:,} rows), file {i} of {len(files)}")
    union = "\nunion all by name\n".join(_file_select(p) for p in files)
    con.execute("create schema if not exists raw")
    con.execute("begin transaction")
    try:
        con.execute(f"create or replace table raw.{source_name} as "
                    f"select *, current_timestamp as _loaded_at from ({union})")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return counts


def validate(con: duckdb.DuckDBPyConnection, source_name: str) -> dict[str, int]:
    """Type raw.<source> into validated.<source>; rows breaking a rule go to validated.quarantine.

    A row is quarantined once per broken rule and column, and accepted only if it breaks none, so
    rows read = rows accepted + rows quarantined (distinct rows) always holds.
    """
    source = SOURCES[source_name]
    raw_cols = [r[0] for r in con.execute(f"describe raw.{source_name}").fetchall()]
    contract = {c.name for c in source.columns}
    extras = [c for c in raw_cols if c not in contract and not c.startswith("_")]
    typed_cols, checks = [], []
    for c in source.columns:
        col = _ident(c.name)
        text = f"nullif(trim({col}), '')" if c.name in raw_cols else "null::varchar"
        typed_cols.append(f"{text} as {_ident(c.name + '__text')}")
        typed_cols.append(f"try_cast({text} as {c.type}) as {col}")
        t, v = _ident(c.name + "__text"), col
        rule = []
        if c.required:
            rule.append(f"when {t} is null then 'required'")
        rule.append(f"when {t} is not null and {v} is null then 'type:{c.type.lower()}'")
        if c.allowed:
            allowed = ", ".join(_quote(a) for a in c.allowed)
            rule.append(f"when {t} is not null and lower({t}) not in ({allowed}) then 'allowed_values'")
        checks.append(f"{{'column': {_quote(c.name)}, 'rule': case {' '.join(rule)} end, 'value': {t}}}")
    extra_sql = "".join(f", {_ident(e)}" for e in extras)
    con.execute("create schema if not exists validated")
    con.execute("""create table if not exists validated.quarantine (
        source varchar, file varchar, "row" bigint, "column" varchar, rule varchar, value varchar,
        loaded_at timestamp)""")
    con.execute("begin transaction")
    try:
        con.execute(f"""
            create or replace temp table _typed as
            select _source_file, _source_row, {', '.join(typed_cols)}{extra_sql}
            from raw.{source_name}""")
        con.execute(f"""
            create or replace temp table _issues as
            with checks as (
                select _source_file, _source_row,
                       unnest(list_filter([{', '.join(checks)}], lambda x: x.rule is not null)) as issue
                from _typed
            )
            select _source_file as file, _source_row as "row", issue."column" as "column",
                   issue.rule as rule, issue.value as value
            from checks""")
        con.execute("delete from validated.quarantine where source = ?", [source_name])
        con.execute(f"""insert into validated.quarantine
            select {_quote(source_name)}, file, "row", "column", rule, value, current_timestamp from _issues""")
        enum_fix = {c.name: f"lower({_ident(c.name)}) as {_ident(c.name)}" for c in source.columns if c.allowed}
        select_cols = ", ".join([enum_fix.get(c.name, _ident(c.name)) for c in source.columns]
                                + [_ident(e) for e in extras])
        con.execute(f"""
            create or replace table validated.{source_name} as
            select {select_cols}, t._source_file, t._source_row
            from _typed t
            anti join (select distinct file, "row" from _issues) q
              on q.file = t._source_file and q."row" = t._source_row""")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    read = con.execute(f"select count(*) from raw.{source_name}").fetchone()[0]
    accepted = con.execute(f"select count(*) from validated.{source_name}").fetchone()[0]
    rejected = con.execute("select count(distinct (file, \"row\")) from _issues").fetchone()[0]
    by_rule = dict(con.execute("select rule, count(*) from _issues group by rule order by rule").fetchall())
    return {"rows_read": read, "rows_accepted": accepted, "rows_quarantined": rejected, "issues_by_rule": by_rule}
