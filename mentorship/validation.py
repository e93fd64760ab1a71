"""Row-level validation: the contract's Great Expectations suites over every row, and quarantine.

How the suites run, and why:

- GX 1.x cannot validate DuckDB through SQLAlchemy (GX issue #10738), so the suites run on pandas
  batches. Every row is validated, in bounded chunks of ``CHUNK_ROWS`` rows read from DuckDB, so
  memory stays flat from a 1,000-person pilot to tens of millions of survey rows.
- DuckDB does what it is good at before GX sees a row: it trims and types the raw text (with the
  mapping's value codes and date formats) and joins each row to its parent sources, so that
  cross-source rules (referential integrity, dates within employment) become row-level
  expectations on ordinary columns. Chunks are cut by a hash of the source's key, so every
  duplicate-key group lands in one chunk and ``expect_compound_columns_to_be_unique`` sees it whole.
- GX reports failing rows by a row id; DuckDB joins those ids back to file, line and offending text
  to fill ``validated.quarantine``. Rows that fail nothing are accepted; where several files carry
  the same key, the row from the latest file (name order) is the current one.
- ``great_expectations`` takes seconds to import, so it is imported on first use only.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import duckdb
import numpy as np
import pandas as pd

from mentorship.contract import ID_COLUMNS, LOAD_ORDER, SOURCES, Column, Rule, Source
from mentorship.landing import ident, q
from mentorship.mapping import Mapping, SourceMapping
from mentorship.warehouse import transaction

CHUNK_ROWS = 500_000
#: The fewest chunks checked by a pool of processes when the caller names no number of workers.
POOL_MIN_CHUNKS = 8
DEFAULT_MAX_REJECT_SHARE = 0.05
#: A file or a month is held to the reject limit once this many of its rows are quarantined (or all
#: of them, in a file of fewer rows): one typo in a ten-row file is not a broken file, while a month
#: whose every row is rejected would otherwise vanish inside a source that is 99% fine.
MIN_REJECTS_PER_PART = 5
# Trimmed from every value: spaces, tabs and line ends, and the no-break space, zero-width space and
# stray byte-order mark that spreadsheets and copy-paste leave around ids.
_BLANKS = "' \t\r\n' || chr(160) || chr(8203) || chr(65279)"
_TRUE = ("true", "t", "1", "yes", "y")
_FALSE = ("false", "f", "0", "no", "n")


class ValidationSetupError(RuntimeError):
    """Validation cannot start, e.g. a parent source has never been validated."""


@dataclass
class ValidationResult:
    source: str
    rows_read: int
    rows_accepted: int
    rows_quarantined: int
    rows_current: int
    rows_superseded: int
    absent_from_latest: int
    max_reject_share: float
    rules: list[dict] = field(default_factory=list)  # one per expectation, in suite order
    files: list[dict] = field(default_factory=list)  # per file: rows read, accepted, quarantined
    promoted: bool = True
    # files and months over the limit: scope, name, rows_read, rows_quarantined, rule, column, rule_rows
    breaches: list[dict] = field(default_factory=list)
    placeholders: dict[str, int] = field(default_factory=dict)  # column -> placeholder values read as empty

    @property
    def reject_share(self) -> float:
        return self.rows_quarantined / self.rows_read if self.rows_read else 0.0

    @property
    def over_limit(self) -> bool:
        """The source as a whole has more quarantined rows than the limit allows."""
        return self.reject_share > self.max_reject_share

    @property
    def blocked(self) -> bool:
        return self.over_limit or bool(self.breaches)

    @property
    def reasons(self) -> list[str]:
        """Why the source is blocked, one line per file or month over the limit, naming the main rule."""
        out = (
            [
                f"{self.rows_quarantined:,} of {self.rows_read:,} rows quarantined ({self.reject_share:.1%}; limit "
                f"{self.max_reject_share:.0%})"
            ]
            if self.over_limit
            else []
        )
        for b in self.breaches:
            where = (
                f"file {b['name']}" + (f" (month {b['month']})" if b.get("month") else "")
                if b["scope"] == "file"
                else f"month {b['name']} ({b['files']} files)"
            )
            out.append(
                f"{where}: {b['rows_quarantined']:,} of {b['rows_read']:,} rows quarantined "
                f"({b['rows_quarantined'] / b['rows_read']:.0%}; limit {self.max_reject_share:.0%} per file and "
                f"month), mostly {b['rule']} on {b['column']} ({b['rule_rows']:,} rows)"
            )
        return out

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_accepted + self.rows_quarantined and all(
            f["rows_read"] == f["rows_accepted"] + f["rows_quarantined"] for f in self.files
        )

    @property
    def issues_by_rule(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.rules:
            if r["unexpected"]:
                out[r["rule"]] = out.get(r["rule"], 0) + r["unexpected"]
        return dict(sorted(out.items()))

    def summary(self) -> str:
        head = (
            f"{self.source}: {self.rows_read:,} rows read, {self.rows_accepted:,} accepted, "
            f"{self.rows_quarantined:,} quarantined ({self.reject_share:.1%}; limit {self.max_reject_share:.0%})"
        )
        if self.blocked:
            head += " - BLOCKED, the last good validated table is kept: " + "; ".join(self.reasons)
        if self.placeholders:
            head += ". Placeholders read as empty: " + ", ".join(f"{c} {n:,}" for c, n in self.placeholders.items())
        return head


# ---------------------------------------------------------------------------------------------
# Typing raw text (SQL)


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


def _prepare(
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
        text = f"nullif({_trimmed(ident(c.name))}, '')" if c.name in raw_cols else "null::varchar"
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
            typed.append(f"case when {hit} then {text} end as {ident(c.name + '__placeholder')}")
            text = f"case when {ident(c.name + '__placeholder')} is null then {text} end"
        typed.append(f"{text} as {ident(c.name + '__text')}")
        expr = _typed(c, ident(c.name + "__text"), sm, folded and c.name in ids)
        typed.append(f"{expr} as {ident(c.name)}")
        if c.type != "VARCHAR":  # the typed expression again: the bare name would be the raw column
            t = ident(c.name + "__text")
            typed.append(
                f"case when {t} is not null and ({expr}) is null then {t} end as {ident(c.name + '__unparsed')}"
            )
        if c.earliest or c.latest:
            outside = " or ".join(
                ([f"({expr}) < date {q(c.earliest)}"] if c.earliest else [])
                + ([f"({expr}) > date {q(c.latest)}"] if c.latest else [])
            )
            typed.append(
                f"case when {outside} then {ident(c.name + '__text')} end as {ident(c.name + '__implausible')}"
            )
    # A data line that repeats the header (two extracts joined with `cat`): flagged as one whole-line
    # problem rather than as a type error in every column.
    present = [c for c in source.columns if c.name in raw_cols]
    echo = " + ".join(
        f"(lower(trim({ident(c.name)})) = {q(sm.columns.get(c.name, c.name).strip().lower())})::int" for c in present
    )
    typed.append(
        f"case when {echo or '0'} >= least(2, {len(present)}) and {len(present)} > 0 "
        f"then 'header line repeated at this line' end as _repeated_header"
    )
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


# ---------------------------------------------------------------------------------------------
# The suites (Great Expectations)


def build_suite(source: str):
    """The source's contract as a ``great_expectations.ExpectationSuite``.

    Each expectation's ``meta`` carries the quarantine rule name, the contract column and the
    plain-language meaning, which the report and the data contract's tables repeat.
    """
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
    from great_expectations.expectations.row_conditions import Column as Col

    _gx()  # a suite needs an active context before expectations can be added
    suite = gx.ExpectationSuite(name=f"mentorship_contract.{source}")
    for i, rule in enumerate(SOURCES[source].rules):
        kwargs = {k: v for k, v in rule.kwargs.items() if not (k in ("min_value", "max_value") and v is None)}
        if rule.when:
            kwargs["row_condition"] = Col(rule.when[0]).is_not_null()
        config = ExpectationConfiguration(
            type=rule.expectation,
            kwargs=kwargs,
            meta={"rule": rule.name, "column": rule.column, "meaning": rule.meaning, "index": i},
        )
        suite.add_expectation(config.to_domain_obj())
    return suite


_GX_LOCK = threading.Lock()


_WARM_UP: list[threading.Thread] = []
_WARM_UP_LOCK = threading.Lock()


def warm_up() -> threading.Thread:
    """Import Great Expectations and build its context in a background thread, once per process: the
    import takes seconds, and a run can spend them reading the landing files (DuckDB works outside
    Python's lock) rather than waiting for them at the first validated source."""
    with _WARM_UP_LOCK:
        if not _WARM_UP:
            _WARM_UP.append(threading.Thread(target=_gx, name="gx-warm-up", daemon=True))
            _WARM_UP[0].start()
    return _WARM_UP[0]


def _gx():
    with _GX_LOCK:  # one context, whichever thread asks first
        return _gx_context()


@cache
def _gx_context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("landing")
        .add_dataframe_asset("chunk")
        .add_batch_definition_whole_dataframe("whole chunk")
    )
    return context, batch


def _run_suite(suite, frame: pd.DataFrame) -> list:
    context, batch_definition = _gx()
    suite = context.suites.add_or_update(suite)
    result = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(
        suite,
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": ["_rid"],
            "return_unexpected_index_query": False,
        },
    )
    return result.results


# ---------------------------------------------------------------------------------------------
# Validating a source


def validate_source(
    con: duckdb.DuckDBPyConnection,
    source_name: str,
    mapping: Mapping | None = None,
    max_reject_share: float = DEFAULT_MAX_REJECT_SHARE,
    load_date: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    log=None,
    workers: int | None = None,
    show_progress: bool = False,
    expectations: bool = True,
) -> ValidationResult:
    """Validate raw.<source> with its GX suite; write validated.<source> and the quarantine.

    Every failing (row, rule) goes to ``validated.quarantine``, which always shows the latest
    attempt. ``validated.<source>`` is replaced only when the share of quarantined rows is within
    ``max_reject_share``; above it the previous table stays as the last good data. A source of
    several chunks is checked by ``workers`` processes (default: one per core), chunk by chunk.

    Rows checked so far, of the source's total, go to ``log`` (Dagster's ``context.log``) with the time
    taken and left (``mentorship.progress``); without a logger, to the terminal when ``show_progress``.

    ``expectations=False`` skips the GX suite and accepts every row as typed: for the studies only,
    on the generator's own files, which are valid by construction (the pipeline and its tests always
    run the suite). It is most of a study organisation's time.
    """
    from mentorship.progress import Progress

    source = SOURCES[source_name]
    sm = (mapping or Mapping()).for_source(source_name)
    load_date = load_date or dt.date.today().isoformat()
    n_rows = con.execute(f"select count(*) from raw.{source_name}").fetchall()[0][0]
    n_chunks = max(1, math.ceil(n_rows / chunk_rows))
    extras = _prepare(con, source, sm, n_chunks, load_date)

    rules = source.rules
    needed = checked_columns(rules)
    stats = [
        {
            "rule": r.name,
            "column": r.column,
            "expectation": r.expectation,
            "meaning": r.meaning,
            "checked": 0,
            "unexpected": 0,
        }
        for r in rules
    ]
    failures = []

    def chunk_frame(chunk: int) -> pd.DataFrame:
        return _chunk_frame(con, needed, chunk)

    bar = (
        Progress(f"validating {source_name}", total=n_rows, unit="rows", log=log)
        if log is not None or show_progress
        else None
    )
    chunks = _checked_chunks(source_name, chunk_frame, n_chunks, workers) if expectations else ()
    for done, checked in enumerate(chunks, start=1):
        for i, n_checked, rids, error in checked:
            if error:
                raise RuntimeError(
                    f"{source_name}: expectation {rules[i].expectation} ({rules[i].meaning}) could not run: {error}"
                )
            stats[i]["checked"] += n_checked
            stats[i]["unexpected"] += len(rids)
            if len(rids):
                failures.append(pd.DataFrame({"rid": rids, "rule": i}))
        if bar is not None:
            bar.advance(max((n for _, n, _, _ in checked), default=0), f"chunk {done} of {n_chunks}")
    if bar is not None:
        bar.close()
    fail = (
        pd.concat(failures)
        if failures
        else pd.DataFrame({"rid": pd.Series(dtype="int64"), "rule": pd.Series(dtype="int64")})
    )
    # A line that does not parse has no fields (and a repeated header no values), so every other rule
    # fails on it too: report it once.
    parse = [i for i, r in enumerate(rules) if r.column == "*"]
    unparsed = fail["rule"].isin(parse)
    echoes = ~unparsed & fail["rid"].isin(fail.loc[unparsed, "rid"])
    for i, n in fail.loc[echoes, "rule"].value_counts().items():
        stats[i]["unexpected"] -= int(n)
    fail = fail[~echoes]
    con.register("_failure_frame", fail)
    con.execute("create or replace temp table _failures as select * from _failure_frame")
    con.unregister("_failure_frame")
    for s in stats:
        s["success"] = s["unexpected"] == 0
    return _write(con, source, rules, stats, extras, max_reject_share)


def checked_columns(rules: list[Rule]) -> list[str]:
    """The columns of ``_prepared`` that a source's expectations read, and the row id."""
    return sorted({"_rid"} | {c for r in rules for c in _columns_of(r)})


def _chunk_frame(con: duckdb.DuckDBPyConnection, columns: list[str], chunk: int) -> pd.DataFrame:
    # Text arrives as pandas categoricals (through Arrow): GX copies the batch for every metric, and
    # copying a column of codes costs a fraction of copying Python strings. About five times faster
    # per chunk, measured, with the same verdicts (a test checks them against plain text columns).
    return (
        con.sql(f"select {', '.join(map(ident, columns))} from _prepared where _chunk = ?", params=[chunk])
        .to_arrow_table()
        .to_pandas(strings_to_categorical=True, date_as_object=False)
    )


@cache
def _suite(source_name: str):
    return build_suite(source_name)


def check_chunk(source_name: str, frame: pd.DataFrame) -> list[tuple[int, int, np.ndarray, str | None]]:
    """The source's suite on one chunk: per expectation, (its index, rows checked, failing row ids,
    the error if it could not run)."""
    out = []
    for res in _run_suite(_suite(source_name), frame):
        info = res.exception_info or {}
        bad = res.result.get("unexpected_index_list") or []
        out.append(
            (
                res.expectation_config.meta["index"],
                int(res.result.get("element_count") or 0),
                np.fromiter((b["_rid"] for b in bad), dtype=np.int64, count=len(bad)),
                info.get("exception_message") if info.get("raised_exception") else None,
            )
        )
    return out


def _checked_chunks(source_name: str, chunk_frame: Callable[[int], pd.DataFrame], n_chunks: int, workers: int | None):
    """``check_chunk`` over every chunk. One chunk runs here; several go to a pool of processes
    (GX is pure Python, so threads would share one core), with the next chunk read from DuckDB in
    this process while the pool works, and at most one waiting chunk per worker held in memory."""
    # A worker pays the Great Expectations import (about 5 s) before its first chunk, about what 5 to 10
    # chunks cost to check here, so a source of a few chunks is checked in this process.
    workers = min(n_chunks, workers or (os.cpu_count() or 1 if n_chunks >= POOL_MIN_CHUNKS else 1))
    if workers <= 1:
        for chunk in range(n_chunks):
            yield check_chunk(source_name, chunk_frame(chunk))
        return
    from joblib.externals.loky import ProcessPoolExecutor

    # A pool of its own, shut down with the source: joblib's shared reusable executor would be left
    # to the effect step in a state it cannot use. loky's, because its workers start fresh (forking
    # would copy the parent's DuckDB connection and threads) without re-running the caller's script
    # (a spawned pool would, and fails in any script without a __main__ guard).
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending = []
        for chunk in range(n_chunks):
            pending.append(pool.submit(check_chunk, source_name, chunk_frame(chunk)))
            if len(pending) > workers:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


def _columns_of(rule: Rule) -> set[str]:
    k = rule.kwargs
    cols = {k[c] for c in ("column", "column_A", "column_B") if c in k} | set(k.get("column_list", ())) | set(rule.when)
    return cols


def _write(
    con, source: Source, rules: list[Rule], stats: list[dict], extras: list[str], max_reject_share: float
) -> ValidationResult:
    name = source.name
    con.execute("create schema if not exists validated")
    con.execute("""create table if not exists validated.quarantine (
        source varchar, file varchar, line bigint, "column" varchar, rule varchar, value varchar,
        loaded_at timestamp, expectation varchar)""")
    issue_rows = "\nunion all\n".join(
        f"""select f.rid, p._source_file as file, p._line as line, {q(r.column if r.column != "*" else "(whole line)")}
                   as "column", {q(r.name)} as rule, cast({r.value or ident(r.column + "__text")} as varchar) as value,
                   {q(r.expectation)} as expectation
            from _failures f join _prepared p on p._rid = f.rid where f.rule = {i}"""
        for i, r in enumerate(rules)
        if stats[i]["unexpected"]
    )
    con.execute(
        "create or replace temp table _issues as "
        + (
            issue_rows
            or 'select null::bigint as rid, null::varchar as file, null::bigint as line, null::varchar as "column", '
            "null::varchar as rule, null::varchar as value, null::varchar as expectation limit 0"
        )
    )
    contract_cols = [c.name for c in source.columns]
    key = ", ".join(ident(k) for k in source.key)
    con.execute(f"""
        create or replace temp table _accepted as
        select {", ".join(map(ident, contract_cols + extras))}, _source_file, _line as _source_line, _file_order,
               row_number() over (partition by {key} order by _file_order desc, _line desc) = 1 as _current
        from _prepared p
        anti join (select distinct rid from _issues) i on i.rid = p._rid""")
    (read,) = con.execute("select count(*) from _prepared").fetchall()[0]
    accepted, current, absent = con.execute(
        "select count(*), count(*) filter (where _current), "
        "count(*) filter (where _current and _file_order < (select max(_file_order) from _prepared)) "
        "from _accepted"
    ).fetchall()[0]
    (quarantined,) = con.execute("select count(distinct rid) from _issues").fetchall()[0]
    files = [
        dict(zip(("file", "rows_read", "rows_accepted", "rows_quarantined"), r))
        for r in con.execute("""
        select p._source_file, count(*), count(*) - count(i.rid), count(i.rid)
        from _prepared p left join (select distinct rid from _issues) i on i.rid = p._rid
        group by p._source_file, p._file_order order by p._file_order""").fetchall()
    ]
    result = ValidationResult(
        name,
        read,
        accepted,
        quarantined,
        current,
        accepted - current,
        absent if source.snapshot else 0,
        max_reject_share,
        stats,
        files,
        breaches=_breaches(con, max_reject_share),
        placeholders=_placeholders(con, source),
    )
    result.promoted = not result.blocked
    with transaction(con):
        con.execute("delete from validated.quarantine where source = ?", [name])
        con.execute(f"""insert into validated.quarantine
            select {q(name)}, file, line, "column", rule, value, current_timestamp, expectation from _issues
            order by file, line, "column", rule""")
        if result.promoted:
            con.execute(f"""create or replace table validated.{name} as
                select * exclude (_current, _file_order) from _accepted where _current
                order by _source_file, _source_line""")
        _record_results(con, result)
    return result


def _breaches(con, limit: float) -> list[dict]:
    """Files, and months of several files, with more quarantined rows than the limit allows (and at
    least ``MIN_REJECTS_PER_PART``, or all of them), each with the rule that quarantined most rows."""
    return [
        dict(
            zip(("scope", "name", "month", "files", "rows_read", "rows_quarantined", "rule", "column", "rule_rows"), r)
        )
        for r in con.execute(
            f"""
        with bad as (select distinct rid from _issues),
        rows_ as (
            select p._source_file as file, p._month as month, bad.rid is not null as quarantined
            from _prepared as p left join bad on bad.rid = p._rid
        ),
        parts as (
            select 'file' as scope, file as name, any_value(month) as month, 1 as files,
                   count(*) as n, count(*) filter (where quarantined) as k
            from rows_ group by file
            union all
            select 'month', month, month, count(distinct file), count(*), count(*) filter (where quarantined)
            from rows_ where month is not null group by month having count(distinct file) > 1
        ),
        over as (
            select * from parts where k > ? * n and k >= least(n, {MIN_REJECTS_PER_PART})
        ),
        by_rule as (
            select o.scope, o.name, i.rule, i."column", count(distinct i.rid) as rule_rows
            from over as o
            join _prepared as p on (o.scope = 'file' and p._source_file = o.name) or (o.scope = 'month' and p._month = o.name)
            join _issues as i on i.rid = p._rid
            group by all
        )
        select o.scope, o.name, o.month, o.files, o.n, o.k,
               arg_max(r.rule, r.rule_rows), arg_max(r."column", r.rule_rows), max(r.rule_rows)
        from over as o join by_rule as r using (scope, name)
        group by all
        order by o.scope, o.name""",
            [limit],
        ).fetchall()
    ]


def _placeholders(con, source: Source) -> dict[str, int]:
    cols = [c.name for c in source.columns if f"{c.name}__placeholder" in _prepared_columns(con)]
    if not cols:
        return {}
    counts = con.execute(
        "select " + ", ".join(f"count({ident(c + '__placeholder')})" for c in cols) + " from _prepared"
    ).fetchall()[0]
    return {c: n for c, n in zip(cols, counts) if n}


def _prepared_columns(con) -> set[str]:
    return {r[0] for r in con.execute("describe _prepared").fetchall()}


def _record_results(con, r: ValidationResult) -> None:
    con.execute("""create table if not exists validated.validation_results (
        source varchar, rule_index integer, rule varchar, "column" varchar, expectation varchar, meaning varchar,
        checked bigint, unexpected bigint, success boolean, validated_at timestamp)""")
    con.execute("""create table if not exists validated.validation_runs (
        source varchar, rows_read bigint, rows_accepted bigint, rows_quarantined bigint, rows_current bigint,
        rows_superseded bigint, absent_from_latest bigint, reject_share double, max_reject_share double,
        promoted boolean, validated_at timestamp)""")
    con.execute("alter table validated.validation_runs add column if not exists blocked_by varchar")
    con.execute("alter table validated.validation_runs add column if not exists placeholders varchar")
    con.execute("delete from validated.validation_results where source = ?", [r.source])
    con.executemany(
        "insert into validated.validation_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
        [
            (
                r.source,
                i,
                s["rule"],
                s["column"],
                s["expectation"],
                s["meaning"],
                s["checked"],
                s["unexpected"],
                s["success"],
            )
            for i, s in enumerate(r.rules)
        ],
    )
    con.execute("delete from validated.validation_runs where source = ?", [r.source])
    con.execute(
        "insert into validated.validation_runs by name select ? as source, ? as rows_read, ? as rows_accepted, "
        "? as rows_quarantined, ? as rows_current, ? as rows_superseded, ? as absent_from_latest, "
        "? as reject_share, ? as max_reject_share, ? as promoted, current_timestamp as validated_at, "
        "? as blocked_by, ? as placeholders",
        [
            r.source,
            r.rows_read,
            r.rows_accepted,
            r.rows_quarantined,
            r.rows_current,
            r.rows_superseded,
            r.absent_from_latest,
            r.reject_share,
            r.max_reject_share,
            r.promoted,
            "\n".join(r.reasons) or None,
            json.dumps(r.placeholders) if r.placeholders else None,
        ],
    )


def descendants(source: str) -> list[str]:
    """Sources that look ``source`` up, directly or not, in load order."""
    out: list[str] = []
    for s in LOAD_ORDER:
        if s != source and any(p == source or p in out for p in SOURCES[s].parents):
            out.append(s)
    return out


def ingest(
    con: duckdb.DuckDBPyConnection, landing_dir, mapping: Mapping | None = None, sources: list[str] | None = None, **kw
) -> dict[str, ValidationResult]:
    """Load and validate ``sources`` (default: all) in dependency order, outside Dagster.

    Stops at the first source whose files fail (``FileContractError``) or whose reject share is
    over the limit, like the asset graph does.
    """
    from mentorship.landing import load_raw

    results = {}
    for s in [s for s in LOAD_ORDER if sources is None or s in sources]:
        load_raw(con, s, landing_dir, mapping)
        results[s] = validate_source(con, s, mapping, **kw)
        if results[s].blocked:
            break
    return results
