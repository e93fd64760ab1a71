"""The load of a source's landing files into raw.<source>: which files a run reads (its months),
duplicates by content, files refused for their name or for lacking columns earlier files carry,
and every file staged before anything is replaced."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from mentorship.contract import SOURCES
from mentorship.landing.files import (
    FILE_SUFFIXES,
    file_month,
    file_sha256,
    landing_files,
    not_a_file,
    os_problem,
    other_files,
)
from mentorship.landing.headers import stage_file
from mentorship.landing.problems import FileContractError, FileProblem, UnusableFile
from mentorship.landing.raw_tables import record_checks, write_raw
from mentorship.mapping import Mapping, SourceMapping


@dataclass
class LoadResult:
    source: str
    files: list[dict] = field(default_factory=list)  # one entry per landing file, duplicates included
    months: list[str] | None = None  # the months loaded; None: every file, the table replaced whole

    @property
    def rows_read(self) -> int:
        return sum(f["rows"] for f in self.files)


@dataclass(frozen=True)
class _Plan:
    """What one load reads: the source, its mapping, and the months it loads (None: every file)."""

    source: str
    sm: SourceMapping
    monthly: bool
    months: list[str] | None
    progress: Callable[[str], None] | None


@dataclass
class _Staging:
    """What staging the files has gathered so far."""

    result: LoadResult
    problems: list[FileProblem]
    staged: list[tuple[int, str, str | None]] = field(default_factory=list)  # (file order, name, month)
    seen: dict[str, str] = field(default_factory=dict)  # sha256 -> the first file with those bytes
    carriers: dict[str, list[str]] = field(default_factory=dict)  # contract column -> files loaded so far with it


def load_raw(
    con: duckdb.DuckDBPyConnection,
    source: str,
    landing_dir: Path,
    mapping: Mapping | None = None,
    progress: Callable[[str], None] | None = None,
    months: list[str] | None = None,
    month_span: tuple[str, str] | None = None,
) -> LoadResult:
    """Load a source's landing files into raw.<source>, atomically.

    ``months`` (monthly sources only) limits the load to files named with those months: their rows in
    raw.<source> are deleted and re-inserted, and other months' rows are not touched, so loading a
    month twice gives the same table and a backfill of three months equals three single-month
    loads. Without ``months`` the whole table is replaced from every file. ``month_span`` (first,
    last) is the range a file's month must fall in; a file outside it could never be loaded by any
    month's run, so it is refused rather than silently left out.

    A file whose bytes equal an earlier file's (by SHA-256, name order over the whole folder, not
    just the months loaded) is recorded as a duplicate and not read again, so dropping the same
    extract twice adds nothing; for a monthly source, a file equal to another month's file is a
    problem (a re-sent file would leave its own month empty). Every file is staged before anything is replaced; any file-level
    problem raises ``FileContractError`` naming each bad file and leaves ``raw.<source>`` and
    ``raw.landing_files`` as they were.
    """
    mapping = mapping or Mapping()
    sm = mapping.for_source(source)
    monthly = SOURCES[source].monthly
    files = landing_files(landing_dir, source)
    if months is not None and not (monthly and _has_months(con, source) is not False):
        months = None  # not monthly, or a table from before partitions: it is rebuilt from every month
    plan = _Plan(source, sm, monthly, months, progress)
    not_read = [
        FileProblem(p.name, why)
        for p, why in other_files(landing_dir, source)
        if not monthly or months is None or file_month(p.name.rstrip()) in (*months, None)
    ]
    if not files:
        raise FileContractError(
            source,
            [
                FileProblem(
                    f"{Path(landing_dir) / source}/*", f"no {', '.join(FILE_SUFFIXES)} files in the landing folder"
                ),
                *not_read,
            ],
        )
    state = _Staging(LoadResult(source, months=months), _unplaced(plan, files, month_span) + not_read)
    try:
        _stage_all(con, plan, files, state)
        record_checks(con, source, state.result, state.problems, months)
        if state.problems:
            raise FileContractError(source, state.problems)
        write_raw(con, source, state.result, state.staged, months)
    finally:
        for i, _, _ in state.staged:
            con.execute(f"drop table if exists _file_{i}")
    return state.result


def _unplaced(plan: _Plan, files: list[Path], month_span: tuple[str, str] | None) -> list[FileProblem]:
    """Files of a monthly source whose name carries no month, or one outside ``month_span``."""
    source = plan.source
    unplaced = [
        FileProblem(
            p.name,
            f"has no month in its name: {source} arrives in monthly batches and each file "
            f"loads into the month its name carries (YYYY-MM), e.g. {source}_2025-03{p.suffix}; "
            f"rename it",
        )
        for p in files
        if plan.monthly and file_month(p) is None
    ]
    if plan.monthly and month_span:
        unplaced += [
            FileProblem(
                p.name,
                f"names the month {file_month(p)}, outside the months this pipeline keeps "
                f"({month_span[0]} to {month_span[1]}); fix the name, or set "
                f"MENTORSHIP_FIRST_MONTH to an earlier month for older extracts",
            )
            for p in files
            if file_month(p) and not month_span[0] <= file_month(p) <= month_span[1]
        ]
    return unplaced


def _stage_all(con: duckdb.DuckDBPyConnection, plan: _Plan, files: list[Path], state: _Staging) -> None:
    """Stage every file; each file's problem, OS errors included, is collected rather than raised.

    A file of a month outside ``months`` is only hashed for duplicate detection; if it cannot be
    read it is skipped here and reported by the run that loads its own month.
    """
    for i, path in enumerate(files, 1):
        entry = _check_file(con, plan, path, i, len(files), state)
        if entry is not None:
            state.result.files.append(entry)
    months = plan.months
    empty = sorted(set(months or ()) - {f["month"] for f in state.result.files})
    if empty and plan.progress:
        plan.progress(
            f"{plan.source}: {len(empty)} of {len(months)} months have no file and hold no rows "
            f"({', '.join(empty[:3])}{', ...' if len(empty) > 3 else ''})"
        )


def _check_file(
    con: duckdb.DuckDBPyConnection, plan: _Plan, path: Path, i: int, n_files: int, state: _Staging
) -> dict | None:
    """The file's entry in the load's list, staged unless it is refused or a duplicate; None for a
    file of a month this load does not read."""
    month = file_month(path) if plan.monthly else None
    ours = plan.months is None or month in plan.months
    entry = {
        "file": path.name,
        "sha256": None,
        "bytes": None,
        "rows": 0,
        "status": "loaded",
        "duplicate_of": None,
        "file_order": i,
        "month": month,
    }
    why = not_a_file(path)
    if why is None:
        try:
            entry.update(sha256=file_sha256(path), bytes=path.stat().st_size)
        except OSError as e:
            why = os_problem(e)
    if why is not None:
        if not ours:
            return None
        state.problems.append(FileProblem(path.name, why))
        entry["status"] = "failed"
        return entry
    digest = entry["sha256"]
    duplicate = digest in state.seen
    if not duplicate:
        state.seen[digest] = path.name
    if not ours:
        return None  # another month's file: hashed for duplicate detection only
    first = state.seen[digest]
    other_month = file_month(first) if duplicate and plan.monthly else None
    if duplicate and month and other_month and other_month != month:
        state.problems.append(
            FileProblem(
                path.name,
                f"has the same content as {first}, the file of another month ({other_month}): "
                f"re-sent by mistake? The month {month} would be empty",
            )
        )
        entry.update(status="failed", duplicate_of=first)
    elif duplicate:
        entry.update(status="duplicate", duplicate_of=first)
        if plan.progress:
            plan.progress(f"{plan.source}: {path.name} has the same content as {first}; not read again")
    elif not (plan.monthly and month is None):
        _stage_entry(con, plan, path, entry, n_files, state)
    else:
        entry["status"] = "failed"
    return entry


def _stage_entry(
    con: duckdb.DuckDBPyConnection, plan: _Plan, path: Path, entry: dict, n_files: int, state: _Staging
) -> None:
    """Stage a file as temp table _file_<order>, or record its problem."""
    i = entry["file_order"]
    try:  # every file is staged, so one run reports every broken file at once
        carried: list[str] = []
        entry["rows"] = stage_file(con, plan.source, path, plan.sm, f"_file_{i}", carried)
        state.staged.append((i, path.name, entry["month"]))  # dropped in load_raw's finally, refused or not
        _lost_columns(plan.source, path, carried, state.carriers, plan.monthly)
    except UnusableFile as p:
        state.problems.append(FileProblem(path.name, str(p)))
        entry["status"] = "failed"
    except OSError as e:  # unreadable, or gone since it was hashed
        state.problems.append(FileProblem(path.name, os_problem(e)))
        entry["status"] = "failed"
    if plan.progress:
        plan.progress(f"{plan.source}: read {path.name} ({entry['rows']:,} rows), file {i} of {n_files}")


def _lost_columns(source: str, path: Path, carried: list[str], carriers: dict[str, list[str]], monthly: bool) -> None:
    """Refuse a file lacking contract columns that earlier files of its source (in name order) carry:
    its rows would have them blank, and a later snapshot's blanks win over the earlier values."""
    lost = [c.name for c in SOURCES[source].columns if c.name in carriers and c.name not in carried]
    for name in carried:
        carriers.setdefault(name, []).append(path.name)
    if lost:
        earlier = sorted({f for c in lost for f in carriers[c]})
        shown = ", ".join(earlier[:3]) + (f" and {len(earlier) - 3} more" if len(earlier) > 3 else "")
        what = "a file" if monthly else "a snapshot"
        raise UnusableFile(
            f"lacks column(s) {', '.join(lost)} that earlier files of {source} carry ({shown}); "
            f"{what} without them would blank them for every row it carries"
        )


def _has_months(con, source: str) -> bool | None:
    """Whether raw.<source> is keyed by month; None when it does not exist yet."""
    cols = [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ?", [source]
        ).fetchall()
    ]
    return ("_month" in cols) if cols else None
