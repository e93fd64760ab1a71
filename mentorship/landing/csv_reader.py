"""Staging a CSV file through DuckDB's reader: every record as text with the line it starts on, and
every line the reader cannot split (or a last record cut inside a quoted field) kept as a parse error."""

from __future__ import annotations

from pathlib import Path

import duckdb

from mentorship.landing.csv_scan import (
    blank_lines,
    first_bad_quote,
    line_numbers,
    read_header,
    sniff_encoding,
    unclosed_quote,
    unique_names,
)
from mentorship.landing.problems import UnusableFile
from mentorship.landing.sql import columns, ident, q
from mentorship.mapping import SourceMapping


def stage_csv(con: duckdb.DuckDBPyConnection, path: Path, sm: SourceMapping, table: str) -> list[str] | None:
    """Stage a CSV file; return its header's names as written (see ``stage_file``), None if unknown."""
    encoding = sm.encoding or sniff_encoding(path)
    opts = [
        f"encoding = {q(encoding)}",
        "all_varchar = true",
        "header = true",
        "store_rejects = true",
        "rejects_table = '_csv_rejects'",
        "rejects_scan = '_csv_reject_scans'",
    ]
    read = ", ".join(opts + ([f"delim = {q(sm.delimiter)}"] if sm.delimiter else []))
    _read_records(con, path, read)
    cols = [c for c in columns(con, "_records") if c != "_record"]
    if not cols:
        raise UnusableFile("has no header row")
    # A file cut inside a quoted field: when the cut falls within the sniffer's sample, it gives up
    # on quoting and the header keeps its quote marks; then the file is read again with the quote
    # stated, so every complete record parses and the cut one is a parse error. Later in a big
    # file, the sniffer quotes right and only the cut record is rejected as an unterminated quote.
    quoted_header = any(len(c) > 1 and c[0] == c[-1] == '"' for c in cols)
    unterminated = con.execute("select count(*) from _csv_rejects where error_type = 'UNQUOTED VALUE'").fetchone()[0]
    opener = unclosed_quote(path) if (quoted_header or unterminated) and encoding != "utf-16" else None
    written = None
    if opener is not None and quoted_header:
        reread = _reread_quoted(con, path, encoding, sm.delimiter, opts)
        if reread is None:  # not a cut after all: keep the first reading
            _read_records(con, path, read)
            opener = None
        else:
            cols, written = reread
    if written is None:
        written = (read_header(path, encoding, sm.delimiter, like=cols) or (None, None))[1]
    rejects = _rejects(con, path, encoding, sm.delimiter, opener)
    _number_lines(con, path, encoding, cols, rejects, table)
    return written


def _read_records(con: duckdb.DuckDBPyConnection, path: Path, options: str) -> None:
    """Read the file into temp table _records with DuckDB's ``read_csv`` options, its rejects into _csv_rejects."""
    con.execute("drop table if exists _csv_rejects; drop table if exists _csv_reject_scans")
    # DuckDB preserves insertion order, so row_number() over () is the record's position in the file.
    con.execute(
        f"create or replace temp table _records as select row_number() over () as _record, * "
        f"from read_csv({q(str(path))}, {options})"
    )


def _reread_quoted(
    con: duckdb.DuckDBPyConnection, path: Path, encoding: str, delimiter: str | None, opts: list[str]
) -> tuple[list[str], list[str]] | None:
    """Read a file that seems cut inside a quoted field again, with the quote and the header's names
    stated; return its columns and its header as written, or None when that reading fails."""
    delim, names = read_header(path, encoding, delimiter)
    spec = "{" + ", ".join(f"{q(n)}: 'VARCHAR'" for n in unique_names([n.strip() for n in names])) + "}"
    stated = (
        f"{', '.join(opts)}, auto_detect = false, delim = {q(delim)}, quote = '\"', escape = '\"', columns = {spec}"
    )
    try:
        _read_records(con, path, stated)
    except duckdb.Error:
        return None
    return [c for c in columns(con, "_records") if c != "_record"], names


def _rejects(
    con: duckdb.DuckDBPyConnection, path: Path, encoding: str, delimiter: str | None, opener: int | None
) -> list[tuple]:
    """The lines the reader rejected: (byte position, error kinds, message), the last one described as
    an unclosed quote when the file ends inside a quoted field opened at byte ``opener``."""
    rejects = con.execute(
        "select line_byte_position, string_agg(distinct lower(error_type), '; '), "
        "any_value(error_message) from _csv_rejects group by 1 order by 1"
    ).fetchall()
    if opener is not None and rejects and rejects[-1][0] <= opener and "unquoted value" in rejects[-1][1]:
        opened = line_numbers(path, [opener])[opener]
        wrong = first_bad_quote(path, encoding, delimiter)
        where = f"; quoting first goes wrong on line {wrong}" if wrong is not None and wrong < opened else ""
        rejects[-1] = (
            rejects[-1][0],
            "unclosed quote",
            f"a quoted field opened on line {opened} is never closed: the file was cut short or a value "
            f"holds a stray quote mark{where}",
        )
    return rejects


def _number_lines(
    con: duckdb.DuckDBPyConnection, path: Path, encoding: str, cols: list[str], rejects: list[tuple], table: str
) -> None:
    """Write temp table ``table`` from _records: each record with the line it starts on, and each
    rejected line as a row holding only its ``_parse_error``."""
    all_text = "concat_ws(chr(31), " + ", ".join(ident(c) for c in cols) + ")"
    embedded = con.execute(f"select count(*) from _records where contains({all_text}, chr(10))").fetchall()[0][0]
    # The line a record starts on: the header is line 1, each earlier record adds its own line and
    # any newlines quoted inside it, and each unparseable line before it adds one more.
    nl_before = (
        f"coalesce(sum(length({all_text}) - length(replace({all_text}, chr(10), ''))) over "
        f"(order by _record rows between unbounded preceding and 1 preceding), 0)"
        if embedded
        else "0"
    )
    con.execute(f"create or replace temp table _provisional as select *, 1 + _record + {nl_before} as _p from _records")
    # Lines the reader skips: unparseable lines (kept as parse errors) and empty lines (DuckDB drops
    # them). Each shifts every later record down one line; the j-th skipped line, on line L, shifts
    # the records whose provisional line is L - j + 1 or more by j.
    blanks = blank_lines(path) if encoding != "utf-16" else []
    if rejects or blanks:
        lines = line_numbers(path, [r[0] for r in rejects])
        skipped = sorted([(lines[b], f"{kind}: {msg}") for b, kind, msg in rejects] + [(n, None) for n in blanks])
        con.execute("create or replace temp table _reject_lines (line bigint, pos bigint, k bigint, error varchar)")
        con.executemany(
            "insert into _reject_lines values (?, ?, ?, ?)",
            [(line, line - j + 1, j, error) for j, (line, error) in enumerate(skipped, 1)],
        )
        con.execute(f"""create or replace temp table {table} as
            select p._record, p._p + coalesce(r.k, 0) as _line, null::varchar as _parse_error,
                   p.* exclude (_record, _p)
            from _provisional p asof left join _reject_lines r on p._p >= r.pos
            union all by name
            select null as _record, line as _line, error as _parse_error from _reject_lines where error is not null""")
    else:
        con.execute(
            f"create or replace temp table {table} as select _record, _p as _line, "
            f"null::varchar as _parse_error, * exclude (_record, _p) from _provisional"
        )
