"""Staging one file under the contract's names: the header matched to the contract's columns (and the
mapping's), and a plain diagnosis when they do not meet: a missing header, a required or mapped column
absent, a contract column repeated, a Parquet column holding lists, a file of no data rows."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from mentorship.contract import SOURCES
from mentorship.landing.csv_reader import stage_csv
from mentorship.landing.parquet_excel import stage_excel, stage_parquet
from mentorship.landing.problems import UnusableFile
from mentorship.landing.sql import columns, ident
from mentorship.mapping import SourceMapping

# A header name that reads like a value (see _reads_like_data).
_VALUE_LIKE = re.compile(
    r"""^(?:
      [-+]?[$€£]?\d[\d,.' ]*(?:[eE][-+]?\d+)?%?           # a number: 60, -3, 4.5, 59,473, 1e3, 12%
    | \d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T]\d.*)?          # a date or timestamp: 2022-12-15, 15/12/2022
    | [A-Za-z]{1,4}[-_]?\d{3,}                               # an id: E0000104, P-0017, EMP_12345
    | [^@\s]+@[^@\s]+\.[^@\s]+                              # an e-mail address
    | (?:true|false|yes|no)                                  # a boolean
    )$""",
    re.X | re.I,
)


def header_key(name: str) -> str:
    """A header name as matched: Unicode NFKC, case-folded, with every character that is not a letter
    or digit removed, so 'Termination Date', 'termination-date', 'TerminationDate' and a name holding
    a zero-width or no-break space all match the contract column termination_date."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", name).casefold() if ch.isalnum())


def _reads_like_data(names: list[str], expected: set[str]) -> bool:
    """Whether a file's first line, read as its header, looks like a data row: the header is missing.

    A heuristic, so that a file-level message never copies data (ids, dates, salaries) into the
    report: the line reads like data when at least one name reads like a value (a number, a date or
    timestamp, an id such as letters followed by 3+ digits, an e-mail address, true/false/yes/no)
    and none is a column the contract or the mapping expects. Names are also split on , ; | and tab
    and stripped of quotes first, so a header read whole under the wrong delimiter is still judged
    by its parts. A real header with one odd name (a column called 2024) still has the expected
    names, so it is listed as found; a data row that happens to hold none of the patterns (only
    free text) is listed, which a headerless export of these sources never is.
    """
    tokens = [t.strip().strip("\"'").strip() for n in names for t in re.split(r"[,;|\t]", n)]
    wanted = {e.strip().lower() for e in expected}
    if any(t.lower() in wanted for t in tokens):
        return False
    return any(_VALUE_LIKE.match(t) for t in tokens)


def _positions(positions: list[int], written: list[str]) -> str:
    """'columns 8 and 10' (1-based header positions), with the spellings when they differ."""
    nums = [str(i + 1) for i in positions]
    text = "columns " + (", ".join(nums[:-1]) + " and " + nums[-1])
    spellings = [written[i] for i in positions]
    return text + (", written " + ", ".join(repr(w) for w in spellings) if len(set(spellings)) > 1 else "")


@dataclass
class _Match:
    """How a file's header meets the contract: the select list staging it, and what is wrong."""

    select: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)  # the file's columns taken (or dropped) for contract columns
    missing: list[str] = field(default_factory=list)
    absent_mapped: list[str] = field(default_factory=list)
    repeated: list[tuple[str, str]] = field(default_factory=list)
    bad_choice: list[str] = field(default_factory=list)
    holds_many: list[str] = field(default_factory=list)


def stage_file(
    con: duckdb.DuckDBPyConnection,
    source: str,
    path: Path,
    sm: SourceMapping,
    table: str,
    carried: list[str] | None = None,
) -> int:
    """Stage one file as contract-named text columns in temp table ``table``; return rows read.

    Raises ``UnusableFile`` with a plain description when the file cannot be used.

    Columns are matched by name as the header is written (DuckDB and pandas rename a repeated name, to
    base_salary_1 or base_salary.1), compared through ``header_key``: ignoring case, spaces,
    underscores, hyphens, dots and invisible characters. ``carried``, when given, receives the
    contract columns the file has. When a contract
    column (after the mapping) appears more than once, the file is refused, naming the columns and
    their positions, unless the mapping's ``duplicate_columns`` says which occurrence to use; the
    others are dropped. A repeated name that is not a contract column is harmless to the contract:
    its copies are kept as extra columns under the reader's names, as any extra column is.
    """
    if path.stat().st_size == 0:
        raise UnusableFile("is empty (0 bytes)")
    nested: dict[str, str] = {}  # Parquet columns that hold more than one value per row
    written = _stage_any(con, path, sm, nested)
    found = [c for c in columns(con, "_staged") if c not in ("_record", "_line", "_parse_error")]
    if not written or len(written) != len(found):
        written = found  # the header as written is unknown: DuckDB's names (a renamed repeat is not seen)
    match = _match(source, sm, found, written, nested, carried)
    _refuse(source, sm, found, match)
    n = con.execute("select count(*) from _staged").fetchall()[0][0]
    if n == 0:
        raise UnusableFile("holds no data rows (header only)")
    con.execute(
        f"create or replace temp table {table} as select _record, _line, _parse_error, {', '.join(match.select)} from _staged"
    )
    con.execute("drop table _staged")
    return n


def _stage_any(
    con: duckdb.DuckDBPyConnection, path: Path, sm: SourceMapping, nested: dict[str, str]
) -> list[str] | None:
    """Stage the file as read, in temp table _staged, by its suffix's reader; return its header as written."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return stage_csv(con, path, sm, "_staged")
        if suffix == ".parquet":
            return stage_parquet(con, path, "_staged", nested)
        return stage_excel(con, path, sm, "_staged")
    except duckdb.Error as e:
        raise UnusableFile(f"cannot be read: {str(e).splitlines()[0]}") from e


def _match(
    source: str,
    sm: SourceMapping,
    found: list[str],
    written: list[str],
    nested: dict[str, str],
    carried: list[str] | None,
) -> _Match:
    """Match the contract's columns (after the mapping) to the file's, then keep its extra columns."""
    at: dict[str, list[int]] = {}  # name as matched -> its positions in the header
    for i, name in enumerate(written):
        at.setdefault(header_key(name), []).append(i)
    contract = SOURCES[source]
    m = _Match()
    for col in contract.columns:
        wanted = sm.columns.get(col.name, col.name)
        positions = at.get(header_key(wanted), [])
        actual = found[positions[0]] if positions else None
        if len(positions) > 1:
            actual = _choose(source, sm, col.name, wanted, positions, found, written, m)
        if actual is None:
            if col.name in sm.columns:
                m.absent_mapped.append(f"'{wanted}' (for {col.name})")
            elif col.required and not (col.name == "construct" and sm.constructs):
                m.missing.append(col.name)
            m.select.append(f"null::varchar as {ident(col.name)}")
        else:
            m.used.add(actual)
            m.select.append(f"{ident(actual)} as {ident(col.name)}")
            if actual in nested:
                named = col.name if actual == col.name else f"'{actual}' (for {col.name})"
                m.holds_many.append(f"column {named} holds {nested[actual]} in this Parquet file")
            if carried is not None:
                carried.append(col.name)
    contract_keys = {header_key(c.name) for c in contract.columns}
    for c in found:
        if c not in m.used:  # extra columns are kept, renamed only if they would shadow a contract column
            m.select.append(f"{ident(c)} as {ident(c + '_unmapped' if header_key(c) in contract_keys else c)}")
    return m


def _choose(
    source: str,
    sm: SourceMapping,
    name: str,
    wanted: str,
    positions: list[int],
    found: list[str],
    written: list[str],
    m: _Match,
) -> str:
    """The occurrence of a repeated contract column that the mapping's ``duplicate_columns`` chooses;
    the first one, the file being refused, when the mapping chooses none or one the file lacks."""
    m.used.update(found[i] for i in positions)  # the occurrences not chosen are dropped
    choice = sm.duplicate_columns.get(name)
    named = name if wanted == name else f"'{wanted}' (for {name})"
    where = _positions(positions, written)
    if choice is None:
        m.repeated.append((name, f"{len(positions)} columns named {named} ({where})"))
    elif choice != "last" and choice > len(positions):
        m.bad_choice.append(
            f"the mapping's sources.{source}.duplicate_columns chooses column {choice} of "
            f"those named {named}, but the file has {len(positions)} ({where})"
        )
    else:
        return found[positions[-1] if choice == "last" else positions[choice - 1]]
    return found[positions[0]]


def _refuse(source: str, sm: SourceMapping, found: list[str], m: _Match) -> None:
    """Raise ``UnusableFile`` for the first kind of mismatch the file has, naming every instance of it."""
    if m.absent_mapped or m.missing:
        expected = {c.name for c in SOURCES[source].columns} | set(sm.columns.values())
        found_text = _found_text(found, expected)
    if m.absent_mapped:
        raise UnusableFile(
            f"the mapping names column(s) {', '.join(m.absent_mapped)} that the file does not have{found_text}"
        )
    if m.missing:
        hint = ""
        if len(found) == 1 and any(d in found[0] for d in ",;|\t"):
            hint = (
                " The header reads as one column, so the delimiter is probably not what the file uses; "
                f"set sources.{source}.csv.delimiter in the mapping file."
            )
        raise UnusableFile(f"lacks required column(s) {', '.join(m.missing)}{found_text}.{hint}")
    if m.holds_many:
        raise UnusableFile("; ".join(m.holds_many) + "; a contract column must hold one value per row")
    if m.bad_choice:
        raise UnusableFile("; ".join(m.bad_choice))
    if m.repeated:
        example = ", ".join(f"{name}: 2" for name, _ in m.repeated)
        raise UnusableFile(
            f"has {' and '.join(text for _, text in m.repeated)}; say which one to use with "
            f"sources.{source}.duplicate_columns: {{{example}}} in the mapping file (a number counts "
            f"them in the order they appear, 1 for the first; or first, last)"
        )


def _found_text(found: list[str], expected: set[str]) -> str:
    """The columns found, for a message about missing ones; never a data row (see ``_reads_like_data``)."""
    if _reads_like_data(found, expected):  # never copy a data row into the report
        return (
            f"; its first line reads like data, not column names, so the header seems to be missing "
            f"({len(found)} column(s) read; the values are not shown)"
        )
    return " (found: " + ", ".join(found[:12]) + (", ..." if len(found) > 12 else "") + ")"
