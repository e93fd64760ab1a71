"""Chunked validation: the columns a source's expectations read, one chunk of ``_prepared`` as a
pandas frame, and every chunk checked here or by a pool of processes."""

from __future__ import annotations

import os
from collections.abc import Callable

import duckdb
import pandas as pd

from mentorship.contract import Rule
from mentorship.landing.sql import ident
from mentorship.validation.suites import check_chunk

#: The fewest chunks checked by a pool of processes when the caller names no number of workers.
POOL_MIN_CHUNKS = 8


def checked_columns(rules: list[Rule]) -> list[str]:
    """The columns of ``_prepared`` that a source's expectations read, and the row id."""
    return sorted({"_rid"} | {c for r in rules for c in _columns_of(r)})


def chunk_frame(con: duckdb.DuckDBPyConnection, columns: list[str], chunk: int) -> pd.DataFrame:
    # Text arrives as pandas categoricals (through Arrow): GX copies the batch for every metric, and
    # copying a column of codes costs a fraction of copying Python strings. About five times faster
    # per chunk, measured, with the same verdicts (a test checks them against plain text columns).
    return (
        con.sql(f"select {', '.join(map(ident, columns))} from _prepared where _chunk = ?", params=[chunk])
        .to_arrow_table()
        .to_pandas(strings_to_categorical=True, date_as_object=False)
    )


def checked_chunks(source_name: str, read_chunk: Callable[[int], pd.DataFrame], n_chunks: int, workers: int | None):
    """``check_chunk`` over every chunk. One chunk runs here; several go to a pool of processes
    (GX is pure Python, so threads would share one core), with the next chunk read from DuckDB in
    this process while the pool works, and at most one waiting chunk per worker held in memory."""
    # A worker pays the Great Expectations import (about 5 s) before its first chunk, about what 5 to 10
    # chunks cost to check here, so a source of a few chunks is checked in this process.
    workers = min(n_chunks, workers or (os.cpu_count() or 1 if n_chunks >= POOL_MIN_CHUNKS else 1))
    if workers <= 1:
        for chunk in range(n_chunks):
            yield check_chunk(source_name, read_chunk(chunk))
        return
    from joblib.externals.loky import ProcessPoolExecutor

    # A pool of its own, shut down with the source: joblib's shared reusable executor would be left
    # to the effect step in a state it cannot use. loky's, because its workers start fresh (forking
    # would copy the parent's DuckDB connection and threads) without re-running the caller's script
    # (a spawned pool would, and fails in any script without a __main__ guard).
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending = []
        for chunk in range(n_chunks):
            pending.append(pool.submit(check_chunk, source_name, read_chunk(chunk)))
            if len(pending) > workers:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


def _columns_of(rule: Rule) -> set[str]:
    k = rule.kwargs
    cols = {k[c] for c in ("column", "column_A", "column_B") if c in k} | set(k.get("column_list", ())) | set(rule.when)
    return cols
