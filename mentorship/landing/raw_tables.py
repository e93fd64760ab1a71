"""Writing the raw layer: the log of each attempt's file checks, and raw.<source> with
raw.landing_files replaced together (whole, or the months loaded) in one transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mentorship.contract import SOURCES
from mentorship.landing.problems import FileProblem
from mentorship.landing.sql import columns, ident, q
from mentorship.warehouse import transaction

if TYPE_CHECKING:
    from mentorship.landing.load import LoadResult


def _month_filter(months: list[str] | None) -> tuple[str, list]:
    if months is None:
        return "", []
    return f" and month in ({', '.join('?' * len(months))})" if months else " and false", list(months)


def record_checks(con, source: str, result: LoadResult, problems: list[FileProblem], months) -> None:
    """Log this attempt's file checks (a log, not data: it is written even when the load is refused)."""
    why = {p.file: p.problem for p in problems}
    con.execute("create schema if not exists raw")
    con.execute("""create table if not exists raw.file_checks (source varchar, file varchar, status varchar,
        "rows" bigint, problem varchar, checked_at timestamp, month varchar)""")
    con.execute("alter table raw.file_checks add column if not exists month varchar")
    where, args = _month_filter(months)
    con.execute(f"delete from raw.file_checks where source = ?{where}", [source, *args])
    logged = {f["file"] for f in result.files}
    rows = [
        (
            source,
            f["file"],
            f["status"],
            f["rows"],
            why.get(f["file"], f"same content as {f['duplicate_of']}" if f["duplicate_of"] else None),
            f["month"],
        )
        for f in result.files
    ] + [(source, p.file, "failed", 0, p.problem, None) for p in problems if p.file not in logged]
    if rows:
        con.executemany(
            'insert into raw.file_checks by name select ? as source, ? as file, ? as status, ? as "rows", '
            "? as problem, current_timestamp as checked_at, ? as month",
            rows,
        )


def write_raw(con, source: str, result: LoadResult, staged: list[tuple[int, str, str | None]], months) -> None:
    """Replace raw.<source> (or, with ``months``, delete and re-insert those months) in one transaction."""
    table = f"raw.{source}"
    union = "\nunion all by name\n".join(
        f"select {q(name)} as _source_file, {q(month) if month else 'null'}::varchar as _month, * from _file_{i}"
        for i, name, month in staged
    )
    con.execute("create schema if not exists raw")
    con.execute("""create table if not exists raw.landing_files (source varchar, file varchar, sha256 varchar,
        bytes bigint, "rows" bigint, status varchar, duplicate_of varchar, file_order integer, loaded_at timestamp,
        month varchar)""")
    con.execute("alter table raw.landing_files add column if not exists month varchar")
    where, args = _month_filter(months)
    with transaction(con):
        if months is None:
            con.execute(f"create or replace table {table} as select *, current_timestamp as _loaded_at from ({union})")
        else:
            _replace_months(con, source, union if staged else None, months)
        con.execute(f"delete from raw.landing_files where source = ?{where}", [source, *args])
        if result.files:
            con.executemany(
                "insert into raw.landing_files by name select ? as source, ? as file, ? as sha256, "
                '? as bytes, ? as "rows", ? as status, ? as duplicate_of, ? as file_order, '
                "current_timestamp as loaded_at, ? as month",
                [
                    (
                        source,
                        f["file"],
                        f["sha256"],
                        f["bytes"],
                        f["rows"],
                        f["status"],
                        f["duplicate_of"],
                        f["file_order"],
                        f["month"],
                    )
                    for f in result.files
                ],
            )


def _replace_months(con, source: str, union: str | None, months: list[str]) -> None:
    """Delete ``months`` from raw.<source> (created if need be) and insert the staged files' rows
    (``union``; None when no file was staged), adding any new extra column."""
    table = f"raw.{source}"
    cols = ", ".join(f"{ident(c.name)} varchar" for c in SOURCES[source].columns)
    con.execute(
        f"create table if not exists {table} (_source_file varchar, _month varchar, _record bigint, "
        f"_line bigint, _parse_error varchar, {cols}, _loaded_at timestamp with time zone)"
    )
    con.execute(
        f"delete from {table} where _month in ({', '.join('?' * len(months))})" if months else "select 1", list(months)
    )
    if union is not None:
        con.execute(
            f"create or replace temp table _incoming as select *, current_timestamp as _loaded_at from ({union})"
        )
        have = set(columns(con, table))
        for c in columns(con, "_incoming"):
            if c not in have:  # a new extra column in this month's files
                con.execute(f"alter table {table} add column {ident(c)} varchar")
        con.execute(f"insert into {table} by name select * from _incoming")
        con.execute("drop table _incoming")
