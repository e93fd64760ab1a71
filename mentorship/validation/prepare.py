"""Typing raw text in DuckDB before Great Expectations sees a row: each contract column trimmed,
mapped (value codes, date formats, placeholders) and typed, with the text that would not read as its
type, and each row joined to its parent sources, in temp table ``_prepared`` cut into chunks."""

from __future__ import annotations

import datetime as dt

import duckdb

from mentorship.contract import ID_COLUMNS, Column, Source
from mentorship.landing.sql import ident, q
from mentorship.mapping import SourceMapping

# Trimmed from every value: spaces, tabs and line ends, and the no-break space, zero-width space and
# stray byte-order mark that spreadsheets and copy-paste leave around ids.
_BLANKS = "' \t\r\n' || chr(160) || chr(8203) || chr(65279)"
_TRUE = ("true", "t", "1", "yes", "y")
_FALSE = ("false", "f", "0", "no", "n")


class ValidationSetupError(RuntimeError):
    """Validation cannot start, e.g. a parent source has never been validated."""


def _trimmed(col: str) -> str:
    # trim() with a character list is four times slower than plain trim() in DuckDB, so printable
    # ASCII (nearly every value) takes the plain one, which then trims the same.
    return f"case when regexp_matches({col}, '^[ -~]*$') then trim({col}) else trim({col}, {_BLANKS}) end"


def _mapped(text: str, codes: dict[str, str]) -> str:
    if not codes:
        return text
    whens = " ".join(f"when {q(code.lower())} then {q(val)}" for code, val in codes.items())
    return f"(case lower({text}) {whens} else {text} end)"


def _typed(c: Column, text: str, sm: SourceMapping, folded: bool = False) -> str:
    """SQL typing ``text`` as ``c``'s type; ``folded``: an id compared ignoring case (stored upper-cased)."""
    m = _mapped(text, sm.values.get(c.name, {}))
    if folded:
        return f"upper({m})"
    if c.type == "DATE":
        parsed = [f"try_strptime({m}, {q(f)})" for f in sm.formats_for(c.name)]
        return f"cast({parsed[0] if len(parsed) == 1 else 'coalesce(' + ', '.join(parsed) + ')'} as date)"
    if c.type == "INTEGER":  # whole numbers only: '3.0' is 3, '3.5' is a type error, not a rounded 4
        return f"try_cast(case when try_cast({m} as double) % 1 = 0 then try_cast({m} as double) end as integer)"
    if c.type == "DOUBLE":
        grouped = f" and not regexp_matches({m}, '^[+-]?[0-9]{{1,3}}([.][0-9]{{3}})+$')" if c.money else ""
        return f"(case when isfinite(try_cast({m} as double)){grouped} then try_cast({m} as double) end)"
    if c.type == "BOOLEAN":
        return (
            f"(case when lower({m}) in ({', '.join(map(q, _TRUE))}) then true "
            f"when lower({m}) in ({', '.join(map(q, _FALSE))}) then false end)"
        )
    return f"lower({m})" if c.allowed else m


def prepare(
    con: duckdb.DuckDBPyConnection, source: Source, sm: SourceMapping, n_chunks: int, load_date: str
) -> list[str]:
    """Build temp table _prepared; return the extra (non-contract) columns carried along."""
    raw_cols = [r[0] for r in con.execute(f"describe raw.{source.name}").fetchall()]
    contract = {c.name for c in source.columns}
    extras = [c for c in raw_cols if c not in contract and not c.startswith("_")]
    folded = sm.id_case == "insensitive"
    ids = set(ID_COLUMNS[source.name])
    typed = []
    for c in source.columns:
        typed += _column_exprs(c, sm, c.name in raw_cols, folded and c.name in ids)
    typed.append(_repeated_header(source, sm, raw_cols))
    clashes, clash_cols = _clashes(source, folded)
    joins, takes = _lookups(con, source)
    key = ", ".join(f"t.{ident(k)}" for k in source.key)
    con.execute(f"""
        create or replace temp table _prepared as
        with file_order as (
            -- later files (name order) win where files share a key; derived here, not stored, so a
            -- month loaded on its own never leaves another month's order stale
            select _source_file, row_number() over (order by _source_file) as _file_order
            from (select distinct _source_file from raw.{source.name})
        ),
        raw_rows as (
            select row_number() over () as _rid, f._file_order, r.*
            from raw.{source.name} as r
            inner join file_order as f using (_source_file)
        ),
        typed as (
            select _rid, _source_file, {"_month" if "_month" in raw_cols else "null::varchar as _month"},
                   _line, _file_order, _parse_error, {", ".join(typed)}
                   {"".join(", " + ident(e) for e in extras)}
            from raw_rows
        ){"".join(", " + c for c in clashes)}
        select t.*{"".join(", " + x for x in clash_cols + takes)}, {q(load_date)}::date as _load_date,
               hash({key}) % {n_chunks} as _chunk
        from typed as t
        {" ".join(joins)}
        order by _chunk, _rid""")
    return extras


def _column_exprs(c: Column, sm: SourceMapping, in_file: bool, folded: bool) -> list[str]:
    """The prepared columns of contract column ``c``: its placeholder, text, typed value, the text
    that does not read as its type and the value outside its plausible range (as apply)."""
    out = []
    text = f"nullif({_trimmed(ident(c.name))}, '')" if in_file else "null::varchar"
    if c.name == "construct" and sm.constructs:  # the mapping's constructs win over the file's
        whens = " ".join(f"when {q(item)} then {q(construct)}" for item, construct in sm.constructs.items())
        text = f"coalesce(case item_id__text {whens} end, {text})"
    if placeholders := sm.no_value_for(c):
        # A placeholder reads as empty, matched as written or, for a date, as the date it reads as in
        # the mapping's format (9999-12-31 also as 31/12/9999); the count is reported per column.
        dates = [d for d in placeholders if _iso_date(d)]
        hit = f"{text} in ({', '.join(map(q, placeholders))})" + (
            f" or {_typed(c, text, sm)} in ({', '.join(f'date {q(d)}' for d in dates)})"
            if c.type == "DATE" and dates
            else ""
        )
        out.append(f"case when {hit} then {text} end as {ident(c.name + '__placeholder')}")
        text = f"case when {ident(c.name + '__placeholder')} is null then {text} end"
    out.append(f"{text} as {ident(c.name + '__text')}")
    expr = _typed(c, ident(c.name + "__text"), sm, folded)
    out.append(f"{expr} as {ident(c.name)}")
    if c.type != "VARCHAR":  # the typed expression again: the bare name would be the raw column
        t = ident(c.name + "__text")
        out.append(f"case when {t} is not null and ({expr}) is null then {t} end as {ident(c.name + '__unparsed')}")
    if c.earliest or c.latest:
        outside = " or ".join(
            ([f"({expr}) < date {q(c.earliest)}"] if c.earliest else [])
            + ([f"({expr}) > date {q(c.latest)}"] if c.latest else [])
        )
        out.append(f"case when {outside} then {ident(c.name + '__text')} end as {ident(c.name + '__implausible')}")
    return out


def _repeated_header(source: Source, sm: SourceMapping, raw_cols: list[str]) -> str:
    # A data line that repeats the header (two extracts joined with `cat`): flagged as one whole-line
    # problem rather than as a type error in every column.
    present = [c for c in source.columns if c.name in raw_cols]
    echo = " + ".join(
        f"(lower(trim({ident(c.name)})) = {q(sm.columns.get(c.name, c.name).strip().lower())})::int" for c in present
    )
    return (
        f"case when {echo or '0'} >= least(2, {len(present)}) and {len(present)} > 0 "
        f"then 'header line repeated at this line' end as _repeated_header"
    )


def _clashes(source: Source, folded: bool) -> tuple[list[str], list[str]]:
    """The common table expressions and the flag columns for ids spelled in two cases."""
    # Two spellings of one id that differ only in case: every row carrying either is flagged, since
    # which is right cannot be told from the data (a merge of two systems, or a case-sensitive source).
    clashes, clash_cols = [], []
    for j, col in enumerate(source.clash_columns):
        v = ident(col)
        clashes.append(f"""clash_{j} as (
            select v from (select distinct {v} as v from typed where {v} is not null)
            qualify count(*) over (partition by upper(v)) > 1)""")
        clash_cols.append(
            f"case when not {folded} and t.{v} in (select v from clash_{j}) "
            f"then t.{ident(col + '__text')} end as {ident(col + '__case_clash')}"
        )
    return clashes, clash_cols


def _lookups(con: duckdb.DuckDBPyConnection, source: Source) -> tuple[list[str], list[str]]:
    """The joins to the parent sources' validated tables, and the columns they add to each row."""
    joins, takes = [], []
    for i, lk in enumerate(source.lookups):
        if not _exists(con, "validated", lk.parent):
            raise ValidationSetupError(
                f"{source.name} is checked against {lk.parent}, which has not been "
                f"validated yet; validate {lk.parent} first"
            )
        col, pk = ident(lk.column), ident(lk.parent_key)
        joins.append(f"left join validated.{lk.parent} as l{i} on l{i}.{pk} = t.{col}")
        # Matched only when case is ignored: a reference spelled differently from its parent's key.
        joins.append(
            f"left join (select distinct upper({pk}) as k from validated.{lk.parent}) as u{i} "
            f"on l{i}.{pk} is null and u{i}.k = upper(t.{col})"
        )
        takes += [f"l{i}.{ident(p)} as {ident(n)}" for n, p in lk.take]
        takes.append(
            f"case when t.{col} is not null and l{i}.{pk} is null and u{i}.k is null "
            f"then t.{ident(lk.column + '__text')} end as {ident(lk.column + '__unmatched')}"
        )
        takes.append(
            f"case when u{i}.k is not null then t.{ident(lk.column + '__text')} end "
            f"as {ident(lk.column + '__case_only')}"
        )
    return joins, takes


def _iso_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
        return True
    except ValueError:
        return False


def _exists(con, schema: str, table: str) -> bool:
    return (
        con.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?", [schema, table]
        ).fetchall()[0][0]
        > 0
    )
