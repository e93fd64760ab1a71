"""Validating one source: its rows prepared in DuckDB, checked chunk by chunk by its suite, and each
failing (row, rule) tallied into temp table ``_failures`` for the quarantine."""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import pandas as pd

from mentorship.contract import SOURCES, Rule
from mentorship.mapping import Mapping
from mentorship.validation.chunks import checked_chunks, checked_columns, chunk_frame
from mentorship.validation.limits import DEFAULT_MAX_REJECT_SHARE
from mentorship.validation.prepare import prepare
from mentorship.validation.quarantine import write
from mentorship.validation.result import ValidationResult

CHUNK_ROWS = 500_000


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
    extras = prepare(con, source, sm, n_chunks, load_date)

    rules = source.rules
    needed = checked_columns(rules)
    stats = [_no_counts(r) for r in rules]
    bar = (
        Progress(f"validating {source_name}", total=n_rows, unit="rows", log=log)
        if log is not None or show_progress
        else None
    )
    chunks = (
        checked_chunks(source_name, lambda chunk: chunk_frame(con, needed, chunk), n_chunks, workers)
        if expectations
        else ()
    )
    failures = _tally(source_name, rules, chunks, stats, bar, n_chunks)
    if bar is not None:
        bar.close()
    _store_failures(con, failures, rules, stats)
    for s in stats:
        s["success"] = s["unexpected"] == 0
    return write(con, source, rules, stats, extras, max_reject_share)


def _no_counts(r: Rule) -> dict:
    """A rule's entry in the result, before any chunk is checked."""
    return {
        "rule": r.name,
        "column": r.column,
        "expectation": r.expectation,
        "meaning": r.meaning,
        "checked": 0,
        "unexpected": 0,
    }


def _tally(source_name: str, rules: list[Rule], chunks, stats: list[dict], bar, n_chunks: int) -> list[pd.DataFrame]:
    """Add each checked chunk's counts to ``stats``; return its failing (row id, rule index) frames."""
    failures = []
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
    return failures


def _store_failures(
    con: duckdb.DuckDBPyConnection, failures: list[pd.DataFrame], rules: list[Rule], stats: list[dict]
) -> None:
    """Write temp table _failures, each failing row of an unparseable line reported once."""
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
