"""Reading landing files into raw tables: file-level checks, provenance, duplicate drops.

Each landing file becomes text columns named by the contract (through the mapping), with its
file name, the line a record starts on and its record number. A file that cannot be used at all
(a dangling link, unreadable or vanished, empty, header only, undecodable, a required column
missing, a mapped column absent, a contract column repeated) raises ``FileContractError`` listing
every such problem, before the last good ``raw.<source>`` is touched. Lines the CSV parser cannot
split into the header's columns, and a last record cut inside a quoted field, are kept as rows with
a ``_parse_error`` so that validation quarantines them and rows read = accepted + quarantined.

All heavy work is SQL inside DuckDB; Python only loops over files and columns.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import mmap
import os
import re
import stat
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from mentorship.contract import SOURCES
from mentorship.mapping import Mapping, SourceMapping
from mentorship.warehouse import transaction

FILE_SUFFIXES = (".csv", ".parquet", ".xlsx")
_SNIFF_BYTES = 1 << 20
# One well-formed UTF-8 multibyte sequence (no overlongs, no surrogates).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
# Excel and Parquet dates arrive as timestamps at midnight; keep them as plain dates.
_MIDNIGHT = r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(\.0+)?$"
_MONTH = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_](0[1-9]|1[0-2])(?!\d)")
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


@dataclass(frozen=True)
class FileProblem:
    file: str
    problem: str


class FileContractError(Exception):
    """At least one file of a source cannot be used; the source's raw table was left as it was."""

    def __init__(self, source: str, problems: list[FileProblem]):
        self.source, self.problems = source, problems
        super().__init__("\n".join(f"{source}: file {p.file}: {p.problem}" for p in problems))


@dataclass
class LoadResult:
    source: str
    files: list[dict] = field(default_factory=list)  # one entry per landing file, duplicates included
    months: list[str] | None = None  # the months loaded; None: every file, the table replaced whole

    @property
    def rows_read(self) -> int:
        return sum(f["rows"] for f in self.files)


def landing_files(landing_dir: Path, source: str) -> list[Path]:
    """The source's files in name order, which is the order corrections apply in.

    Every entry whose name ends in a landing suffix counts, whatever it is: a dangling link (an
    unmounted share, a moved file), a link to a folder or an unreadable file is listed here so that
    ``load_raw`` reports it as that file's problem instead of its rows vanishing silently. Hidden
    names (starting with '.', such as macOS '._x.csv' resource forks) are ignored; other suffixes are
    listed by ``other_files`` and refused by ``load_raw``.
    """
    folder = Path(landing_dir) / source
    return sorted(p for p in folder.glob("*") if not p.name.startswith(".") and p.suffix.lower() in FILE_SUFFIXES)


_COMPRESSED = (".gz", ".zip", ".bz2", ".xz", ".7z", ".zst", ".tgz", ".rar")


def other_files(landing_dir: Path, source: str) -> list[tuple[Path, str]]:
    """The entries of a source folder that ``landing_files`` does not read, each with what to do.

    Every non-hidden file or link (a folder that is not a link is ignored) whose name does not end in
    a landing suffix is one: an extract saved as .xls, compressed, renamed .txt or given a trailing
    space would otherwise have its rows vanish without a word.
    """
    folder = Path(landing_dir) / source
    out = []
    for p in sorted(folder.glob("*")):
        if p.name.startswith(".") or p.suffix.lower() in FILE_SUFFIXES:
            continue
        if p.is_dir() and not p.is_symlink():
            continue
        out.append((p, _why_not_read(p.name)))
    return out


def _why_not_read(name: str) -> str:
    kept = ", ".join(FILE_SUFFIXES[:-1]) + " and " + FILE_SUFFIXES[-1]
    stripped = name.rstrip()
    if stripped != name and Path(stripped).suffix.lower() in FILE_SUFFIXES:
        return (
            f"is not read: its name ends in a space after {Path(stripped).suffix}; rename it to "
            f"'{stripped}', or move it out of the folder"
        )
    suffix = Path(stripped).suffix.lower()
    if not suffix:
        return f"is not read: its name has no suffix (only {kept} files are read); rename or convert it, or move it out of the folder"
    if suffix == ".xls":
        return ".xls is not read: save it as .xlsx or .csv, or move it out of the folder"
    if suffix in _COMPRESSED:
        return f"{suffix} is not read: unpack it first, or move it out of the folder"
    return f"{suffix} is not read (only {kept} files are): save it as one of those, or move it out of the folder"


def _os_problem(e: OSError) -> str:
    """A plain description of an OS error met while reading a landing file."""
    if isinstance(e, FileNotFoundError):
        return "disappeared while it was being read (was it moved or deleted during the run?)"
    if isinstance(e, PermissionError):
        return "cannot be read: permission denied (check the file's permissions for the account the pipeline runs as)"
    return f"cannot be read: {e.strerror or e}"


def _not_a_file(path: Path) -> str | None:
    """Why a landing entry is not a readable regular file (following links), or None when it is."""
    try:
        if path.is_symlink():
            target = os.readlink(path)
            shown = target if os.path.isabs(target) else f"{target} ({os.path.normpath(path.parent / target)})"
            try:
                st = os.stat(path)
            except FileNotFoundError:
                return f"is a link to {shown}, which does not exist (an unmounted share or a moved file?)"
            except OSError as e:
                return f"is a link to {shown}, which cannot be followed: {e.strerror or e}"
            if stat.S_ISDIR(st.st_mode):
                return f"is a link to {shown}, which is a folder, not a file"
            return None if stat.S_ISREG(st.st_mode) else f"is a link to {shown}, which is not a regular file"
        st = os.stat(path)
    except OSError as e:
        return _os_problem(e)
    if stat.S_ISDIR(st.st_mode):
        return "is a folder, not a file (a folder of Parquet parts is not read: land the files themselves)"
    return None if stat.S_ISREG(st.st_mode) else "is not a regular file (a pipe, socket or device)"


def q(s: str) -> str:
    """A SQL string literal."""
    return "'" + str(s).replace("'", "''") + "'"


def ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def sniff_encoding(path: Path) -> str:
    """utf-8 (with or without BOM), utf-16 (with BOM) or latin-1, from the first megabyte.

    UTF-8 when the head decodes as UTF-8 or holds any valid UTF-8 multibyte sequence (non-ASCII
    text written as UTF-8); Latin-1 only when its non-ASCII bytes form no UTF-8 at all. Bytes that
    are not valid in the chosen encoding make their lines parse errors (quarantined), not a failed
    file.
    """
    with open(path, "rb") as f:
        head = f.read(_SNIFF_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise _Problem(
            "holds NUL bytes: it is binary or in an encoding other than UTF-8, UTF-16 with a BOM "
            "or Latin-1, and cannot be decoded"
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        # Text that is UTF-8 with a few stray Latin-1 bytes stays UTF-8 (the stray bytes' lines are
        # parse errors); read as Latin-1 its every accented letter would turn to mojibake silently.
        return "utf-8" if _UTF8_MULTIBYTE.search(head) else "latin-1"


class _Problem(Exception):
    pass


def _line_numbers(path: Path, byte_positions: list[int]) -> dict[int, int]:
    """1-based line numbers of byte offsets, counting newlines once through the file."""
    out, line, pos = {}, 1, 0
    targets = sorted(set(byte_positions))
    with open(path, "rb") as f:
        for target in targets:
            while pos < target:
                block = f.read(min(1 << 22, target - pos))
                if not block:
                    break
                line += block.count(b"\n")
                pos += len(block)
            out[target] = line
    return out


def _read_header(
    path: Path, encoding: str, delimiter: str | None, like: list[str] | None = None
) -> tuple[str, list[str]] | None:
    """The delimiter and the header's names as written, parsed by Python's csv module (quote '"').

    Without a delimiter, one of , ; tab | is chosen: with ``like`` (the names DuckDB read), the one
    that splits the header into as many names, agreeing with most of them (None when none does);
    otherwise the one that splits it into the most names.
    """
    with open(path, "rb") as f:
        head = f.read(_SNIFF_BYTES).decode({"utf-8": "utf-8-sig"}.get(encoding, encoding), errors="replace")
    first = lambda d: next(csv.reader(io.StringIO(head, newline=""), delimiter=d), [])
    candidates = [(d, first(d)) for d in ([delimiter] if delimiter else ",;\t|")]
    if like is None:
        return max(candidates, key=lambda dn: len(dn[1]))
    fits = [(d, names) for d, names in candidates if len(names) == len(like)]
    return max(fits, key=lambda dn: sum(a == b for a, b in zip(dn[1], like))) if fits else None


def _unique_names(names: list[str]) -> list[str]:
    """Names made unique the way DuckDB does (case-insensitively, adding _1, _2, ...); blanks become columnN."""
    out, taken = [], set()
    for i, n in enumerate(names, 1):
        n = n or f"column{i}"
        base, k = n, 0
        while n.lower() in taken:
            k += 1
            n = f"{base}_{k}"
        taken.add(n.lower())
        out.append(n)
    return out


def _blank_lines(path: Path) -> list[int]:
    """The line numbers of the empty lines outside quoted fields, which DuckDB's reader skips.

    An empty line starts the file or follows a newline, and holds only '\n' or '\r\n'. Found with
    ``find`` (the loop is over empty lines, not rows); one inside a quoted field (an odd number of
    quote marks before it) is part of a value, not skipped. Meant for encodings where '"' and '\n'
    are single bytes (UTF-8, Latin-1), not UTF-16.
    """
    starts = []
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        if mm[:1] == b"\n" or mm[:2] == b"\r\n":
            starts.append(0)
        for pattern in (b"\n\n", b"\n\r\n"):
            at = mm.find(pattern)
            while at != -1:
                starts.append(at + 1)
                at = mm.find(pattern, at + 1)
        if not starts:
            return []
        starts.sort()
        out, line, quotes, pos = [], 1, 0, 0
        for start in starts:  # count newlines and quotes between consecutive empty lines, in blocks
            while pos < start:
                block = mm[pos : min(start, pos + (1 << 22))]
                line, quotes, pos = line + block.count(b"\n"), quotes + block.count(b'"'), pos + len(block)
            if quotes % 2 == 0:
                out.append(line)
    return out


def _first_bad_quote(path: Path, encoding: str, delimiter: str | None) -> int | None:
    """The first line where Python's csv module, reading strictly, finds a quote mark out of place
    (such as "Sean O"Brien"), or None. Read only when a file ends inside a quoted field, to tell a
    stray quote mark early in the file from a transfer cut short."""
    delim = delimiter or _read_header(path, encoding, None)[0]
    with open(path, encoding={"utf-8": "utf-8-sig"}.get(encoding, encoding), errors="replace", newline="") as f:
        reader = csv.reader(f, delimiter=delim, strict=True)
        try:
            for _ in reader:
                pass
        except csv.Error:
            return reader.line_num
    return None


def _unclosed_quote(path: Path) -> int | None:
    """The byte offset of the quote that opens a quoted field the file never closes, or None.

    In a CSV file quoted by the standard rules every quoted field has an even number of quote
    characters (an opening and a closing one, and doubled quotes inside), so an odd total means
    the file ends inside a quoted field, which the last quote opened. Counted in blocks; meant for
    encodings where '"' is the byte 0x22 (UTF-8, Latin-1), not UTF-16.
    """
    count, last = 0, None
    with open(path, "rb") as f:
        pos = 0
        for block in iter(lambda: f.read(1 << 22), b""):
            n = block.count(b'"')
            if n:
                count, last = count + n, pos + block.rindex(b'"')
            pos += len(block)
    return last if count % 2 else None


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, sm: SourceMapping, table: str) -> list[str] | None:
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
    con.execute("drop table if exists _csv_rejects; drop table if exists _csv_reject_scans")
    # DuckDB preserves insertion order, so row_number() over () is the record's position in the file.
    con.execute(
        f"create or replace temp table _records as select row_number() over () as _record, * "
        f"from read_csv({q(str(path))}, {read})"
    )
    cols = [c for c in _columns(con, "_records") if c != "_record"]
    if not cols:
        raise _Problem("has no header row")
    # A file cut inside a quoted field: when the cut falls within the sniffer's sample, it gives up
    # on quoting and the header keeps its quote marks; then the file is read again with the quote
    # stated, so every complete record parses and the cut one is a parse error. Later in a big
    # file, the sniffer quotes right and only the cut record is rejected as an unterminated quote.
    quoted_header = any(len(c) > 1 and c[0] == c[-1] == '"' for c in cols)
    unterminated = con.execute("select count(*) from _csv_rejects where error_type = 'UNQUOTED VALUE'").fetchone()[0]
    opener = _unclosed_quote(path) if (quoted_header or unterminated) and encoding != "utf-16" else None
    written = None
    if opener is not None and quoted_header:
        delim, names = _read_header(path, encoding, sm.delimiter)
        columns = "{" + ", ".join(f"{q(n)}: 'VARCHAR'" for n in _unique_names([n.strip() for n in names])) + "}"
        try:
            con.execute("drop table if exists _csv_rejects; drop table if exists _csv_reject_scans")
            con.execute(
                f"create or replace temp table _records as select row_number() over () as _record, * "
                f"from read_csv({q(str(path))}, {', '.join(opts)}, auto_detect = false, delim = {q(delim)}, "
                f"quote = '\"', escape = '\"', columns = {columns})"
            )
            cols, written = [c for c in _columns(con, "_records") if c != "_record"], names
        except duckdb.Error:  # not a cut after all: keep the first reading
            con.execute("drop table if exists _csv_rejects; drop table if exists _csv_reject_scans")
            con.execute(
                f"create or replace temp table _records as select row_number() over () as _record, * "
                f"from read_csv({q(str(path))}, {read})"
            )
            opener = None
    if written is None:
        written = (_read_header(path, encoding, sm.delimiter, like=cols) or (None, None))[1]
    rejects = con.execute(
        "select line_byte_position, string_agg(distinct lower(error_type), '; '), "
        "any_value(error_message) from _csv_rejects group by 1 order by 1"
    ).fetchall()
    if opener is not None and rejects and rejects[-1][0] <= opener and "unquoted value" in rejects[-1][1]:
        opened = _line_numbers(path, [opener])[opener]
        wrong = _first_bad_quote(path, encoding, sm.delimiter)
        where = f"; quoting first goes wrong on line {wrong}" if wrong is not None and wrong < opened else ""
        rejects[-1] = (
            rejects[-1][0],
            "unclosed quote",
            f"a quoted field opened on line {opened} is never closed: the file was cut short or a value "
            f"holds a stray quote mark{where}",
        )
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
    blanks = _blank_lines(path) if encoding != "utf-16" else []
    if rejects or blanks:
        lines = _line_numbers(path, [r[0] for r in rejects])
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
    return written


_NESTED_KINDS = (("STRUCT", "structs"), ("MAP", "maps"), ("UNION", "unions"))


def _nested_kind(column_type: str) -> str | None:
    """'lists', 'arrays', 'structs', 'maps' or 'unions' for a nested DuckDB type, None for a plain one."""
    if column_type.endswith("[]"):
        return "lists"
    if column_type.endswith("]"):
        return "arrays"
    return next((kind for prefix, kind in _NESTED_KINDS if column_type.startswith(prefix)), None)


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, table: str, nested: dict[str, str]) -> list[str]:
    """Stage a Parquet file; return its columns' names as written in its schema. ``nested`` receives
    the columns holding lists, arrays, structs, maps or unions, with their kind and type."""
    con.execute(
        f"create or replace temp view _pq as select * from read_parquet({q(str(path))}, file_row_number = true)"
    )
    types = con.execute("select column_name, column_type from (describe _pq)").fetchall()
    for name, column_type in types:
        if kind := _nested_kind(column_type):
            nested[name] = f"{kind} ({column_type})"
    cols = [c for c in _columns(con, "_pq") if c != "file_row_number"]
    text = ", ".join(f"regexp_replace({ident(c)}::varchar, {q(_MIDNIGHT)}, '\\1') as {ident(c)}" for c in cols)
    con.execute(
        f"create or replace temp table {table} as select file_row_number + 1 as _record, "
        f"file_row_number + 1 as _line, null::varchar as _parse_error, {text} from _pq"
    )
    try:
        return pq.read_schema(path).names
    except (OSError, ValueError):  # DuckDB read it, so its names stand
        return None


def _stage_excel(con: duckdb.DuckDBPyConnection, path: Path, sm: SourceMapping, table: str) -> list[str]:
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
        raise _Problem(f"cannot be read as an Excel workbook: {e}") from e
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


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [r[0] for r in con.execute(f"describe {relation}").fetchall()]


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


def stage_file(
    con: duckdb.DuckDBPyConnection,
    source: str,
    path: Path,
    sm: SourceMapping,
    table: str,
    carried: list[str] | None = None,
) -> int:
    """Stage one file as contract-named text columns in temp table ``table``; return rows read.

    Raises ``_Problem`` with a plain description when the file cannot be used.

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
        raise _Problem("is empty (0 bytes)")
    suffix = path.suffix.lower()
    nested: dict[str, str] = {}  # Parquet columns that hold more than one value per row
    try:
        if suffix == ".csv":
            written = _stage_csv(con, path, sm, "_staged")
        elif suffix == ".parquet":
            written = _stage_parquet(con, path, "_staged", nested)
        else:
            written = _stage_excel(con, path, sm, "_staged")
    except duckdb.Error as e:
        raise _Problem(f"cannot be read: {str(e).splitlines()[0]}") from e
    found = [c for c in _columns(con, "_staged") if c not in ("_record", "_line", "_parse_error")]
    if not written or len(written) != len(found):
        written = found  # the header as written is unknown: DuckDB's names (a renamed repeat is not seen)
    at: dict[str, list[int]] = {}  # name as matched -> its positions in the header
    for i, name in enumerate(written):
        at.setdefault(header_key(name), []).append(i)
    contract = SOURCES[source]
    select, used, missing, absent_mapped, repeated, bad_choice, holds_many = [], set(), [], [], [], [], []
    for col in contract.columns:
        wanted = sm.columns.get(col.name, col.name)
        positions = at.get(header_key(wanted), [])
        actual = found[positions[0]] if positions else None
        if len(positions) > 1:
            used.update(found[i] for i in positions)  # the occurrences not chosen are dropped
            choice = sm.duplicate_columns.get(col.name)
            named = col.name if wanted == col.name else f"'{wanted}' (for {col.name})"
            where = _positions(positions, written)
            if choice is None:
                repeated.append((col.name, f"{len(positions)} columns named {named} ({where})"))
            elif choice != "last" and choice > len(positions):
                bad_choice.append(
                    f"the mapping's sources.{source}.duplicate_columns chooses column {choice} of "
                    f"those named {named}, but the file has {len(positions)} ({where})"
                )
            else:
                actual = found[positions[-1] if choice == "last" else positions[choice - 1]]
        if actual is None:
            if col.name in sm.columns:
                absent_mapped.append(f"'{wanted}' (for {col.name})")
            elif col.required and not (col.name == "construct" and sm.constructs):
                missing.append(col.name)
            select.append(f"null::varchar as {ident(col.name)}")
        else:
            used.add(actual)
            select.append(f"{ident(actual)} as {ident(col.name)}")
            if actual in nested:
                named = col.name if actual == col.name else f"'{actual}' (for {col.name})"
                holds_many.append(f"column {named} holds {nested[actual]} in this Parquet file")
            if carried is not None:
                carried.append(col.name)
    contract_keys = {header_key(c.name) for c in contract.columns}
    for c in found:
        if c not in used:  # extra columns are kept, renamed only if they would shadow a contract column
            select.append(f"{ident(c)} as {ident(c + '_unmapped' if header_key(c) in contract_keys else c)}")
    if absent_mapped or missing:
        expected = {c.name for c in contract.columns} | set(sm.columns.values())
        if _reads_like_data(found, expected):  # never copy a data row into the report
            found_text = (
                f"; its first line reads like data, not column names, so the header seems to be missing "
                f"({len(found)} column(s) read; the values are not shown)"
            )
        else:
            found_text = " (found: " + ", ".join(found[:12]) + (", ..." if len(found) > 12 else "") + ")"
    if absent_mapped:
        raise _Problem(
            f"the mapping names column(s) {', '.join(absent_mapped)} that the file does not have{found_text}"
        )
    if missing:
        hint = ""
        if len(found) == 1 and any(d in found[0] for d in ",;|\t"):
            hint = (
                " The header reads as one column, so the delimiter is probably not what the file uses; "
                f"set sources.{source}.csv.delimiter in the mapping file."
            )
        raise _Problem(f"lacks required column(s) {', '.join(missing)}{found_text}.{hint}")
    if holds_many:
        raise _Problem("; ".join(holds_many) + "; a contract column must hold one value per row")
    if bad_choice:
        raise _Problem("; ".join(bad_choice))
    if repeated:
        example = ", ".join(f"{name}: 2" for name, _ in repeated)
        raise _Problem(
            f"has {' and '.join(text for _, text in repeated)}; say which one to use with "
            f"sources.{source}.duplicate_columns: {{{example}}} in the mapping file (a number counts "
            f"them in the order they appear, 1 for the first; or first, last)"
        )
    n = con.execute("select count(*) from _staged").fetchall()[0][0]
    if n == 0:
        raise _Problem("holds no data rows (header only)")
    con.execute(
        f"create or replace temp table {table} as select _record, _line, _parse_error, {', '.join(select)} from _staged"
    )
    con.execute("drop table _staged")
    return n


def file_month(path: Path | str) -> str | None:
    """The month (YYYY-MM) a file of a monthly source belongs to: the last year-month in its name,
    written 2025-03 or 2025_03. None when the name has none."""
    hits = _MONTH.findall(Path(path).stem)
    return f"{hits[-1][0]}-{hits[-1][1]}" if hits else None


def landing_months(landing_dir: Path) -> list[str]:
    """Every month that a file of a monthly source in the landing folder names, in order."""
    return sorted(
        {m for s in SOURCES.values() if s.monthly for m in map(file_month, landing_files(landing_dir, s.name)) if m}
    )


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
    unplaced = [
        FileProblem(
            p.name,
            f"has no month in its name: {source} arrives in monthly batches and each file "
            f"loads into the month its name carries (YYYY-MM), e.g. {source}_2025-03{p.suffix}; "
            f"rename it",
        )
        for p in files
        if monthly and file_month(p) is None
    ]
    if monthly and month_span:
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
    result, problems, staged, seen = LoadResult(source, months=months), unplaced + not_read, [], {}
    try:
        _stage_all(con, source, files, sm, result, problems, staged, seen, progress, monthly, months)
        _record_checks(con, source, result, problems, months)
        if problems:
            raise FileContractError(source, problems)
        _write_raw(con, source, result, staged, months)
    finally:
        for i, _, _ in staged:
            con.execute(f"drop table if exists _file_{i}")
    return result


def _stage_all(con, source, files, sm, result, problems, staged, seen, progress, monthly, months) -> None:
    """Stage every file; each file's problem, OS errors included, is collected rather than raised.

    A file of a month outside ``months`` is only hashed for duplicate detection; if it cannot be
    read it is skipped here and reported by the run that loads its own month.
    """
    carriers: dict[str, list[str]] = {}  # contract column -> the files loaded so far that carry it
    for i, path in enumerate(files, 1):
        month = file_month(path) if monthly else None
        ours = months is None or month in months
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
        why = _not_a_file(path)
        if why is None:
            try:
                entry.update(sha256=file_sha256(path), bytes=path.stat().st_size)
            except OSError as e:
                why = _os_problem(e)
        if why is not None:
            if ours:
                problems.append(FileProblem(path.name, why))
                entry["status"] = "failed"
                result.files.append(entry)
            continue
        digest = entry["sha256"]
        duplicate = digest in seen
        if not duplicate:
            seen[digest] = path.name
        if not ours:
            continue  # another month's file: hashed for duplicate detection only
        other_month = file_month(seen[digest]) if duplicate and monthly else None
        if duplicate and month and other_month and other_month != month:
            problems.append(
                FileProblem(
                    path.name,
                    f"has the same content as {seen[digest]}, the file of another month ({other_month}): "
                    f"re-sent by mistake? The month {month} would be empty",
                )
            )
            entry.update(status="failed", duplicate_of=seen[digest])
        elif duplicate:
            entry.update(status="duplicate", duplicate_of=seen[digest])
            if progress:
                progress(f"{source}: {path.name} has the same content as {seen[digest]}; not read again")
        elif not (monthly and month is None):
            try:  # every file is staged, so one run reports every broken file at once
                carried: list[str] = []
                entry["rows"] = stage_file(con, source, path, sm, f"_file_{i}", carried)
                staged.append((i, path.name, month))  # dropped in load_raw's finally, refused or not
                _lost_columns(source, path, carried, carriers, monthly)
            except _Problem as p:
                problems.append(FileProblem(path.name, str(p)))
                entry["status"] = "failed"
            except OSError as e:  # unreadable, or gone since it was hashed
                problems.append(FileProblem(path.name, _os_problem(e)))
                entry["status"] = "failed"
            if progress:
                progress(f"{source}: read {path.name} ({entry['rows']:,} rows), file {i} of {len(files)}")
        else:
            entry["status"] = "failed"
        result.files.append(entry)
    empty = sorted(set(months or ()) - {f["month"] for f in result.files})
    if empty and progress:
        progress(
            f"{source}: {len(empty)} of {len(months)} months have no file and hold no rows "
            f"({', '.join(empty[:3])}{', ...' if len(empty) > 3 else ''})"
        )


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
        raise _Problem(
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


def _month_filter(months: list[str] | None) -> tuple[str, list]:
    if months is None:
        return "", []
    return f" and month in ({', '.join('?' * len(months))})" if months else " and false", list(months)


def _record_checks(con, source: str, result: LoadResult, problems: list[FileProblem], months) -> None:
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


def _write_raw(con, source, result, staged, months) -> None:
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
    partial = months is not None
    where, args = _month_filter(months)
    with transaction(con):
        if not partial:
            con.execute(f"create or replace table {table} as select *, current_timestamp as _loaded_at from ({union})")
        else:
            cols = ", ".join(f"{ident(c.name)} varchar" for c in SOURCES[source].columns)
            con.execute(
                f"create table if not exists {table} (_source_file varchar, _month varchar, _record bigint, "
                f"_line bigint, _parse_error varchar, {cols}, _loaded_at timestamp with time zone)"
            )
            con.execute(
                f"delete from {table} where _month in ({', '.join('?' * len(months))})" if months else "select 1", args
            )
            if staged:
                con.execute(
                    f"create or replace temp table _incoming as select *, current_timestamp as _loaded_at "
                    f"from ({union})"
                )
                have = set(_columns(con, table))
                for c in _columns(con, "_incoming"):
                    if c not in have:  # a new extra column in this month's files
                        con.execute(f"alter table {table} add column {ident(c)} varchar")
                con.execute(f"insert into {table} by name select * from _incoming")
                con.execute("drop table _incoming")
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
