"""Extracts from real HR systems (issue 25): links and unreadable files, headerless files, files cut
short inside a quoted field and duplicated columns. Each case starts from the small generated
organisation of the bad-input corpus and asserts the message, the quarantine and that a failing
source leaves its last good tables as they were."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pandas as pd
import pytest

import mentorship.landing as landing
from mentorship.landing import FileContractError
from mentorship.mapping import MappingError, load_mapping
from tests.corpus import Case, assert_quarantined, assert_reconciles, read_rows, write_rows


def _tables(case: Case, source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    return case.table(f"raw.{source}"), case.table(f"validated.{source}")


def _assert_unchanged(case: Case, source: str, before) -> None:
    for got, want in zip(_tables(case, source), before):
        pd.testing.assert_frame_equal(got, want)


def _problems(err) -> dict[str, str]:
    return {p.file: p.problem for p in err.value.problems}


# ---------------------------------------------------------------------------------------------
# 1. Links and unreadable files are file errors, never silently skipped.


def test_dangling_link_and_link_to_a_folder_block_and_keep_the_month(case, tmp_path):
    path = case.path("meetings")
    month_rows = len(read_rows(path)) - 1
    before = _tables(case, "meetings")
    path.unlink()
    path.symlink_to("/mnt/share/" + path.name)  # the share is not mounted
    (tmp_path / "folder").mkdir()
    (case.landing / "meetings" / "meetings_extra_2023-05.csv").symlink_to(tmp_path / "folder")
    with pytest.raises(FileContractError) as err:
        case.run("meetings")
    problems = _problems(err)
    assert problems[path.name] == (
        f"is a link to /mnt/share/{path.name}, which does not exist (an unmounted share or a moved file?)"
    )
    assert (
        problems["meetings_extra_2023-05.csv"] == f"is a link to {tmp_path / 'folder'}, which is a folder, not a file"
    )
    _assert_unchanged(case, "meetings", before)
    month = landing.file_month(path)
    assert case.con.execute("select count(*) from raw.meetings where _month = ?", [month]).fetchone()[0] == month_rows
    checks = dict(
        case.con.execute(
            "select file, status from raw.file_checks where source = 'meetings' and status = 'failed'"
        ).fetchall()
    )
    assert checks == {path.name: "failed", "meetings_extra_2023-05.csv": "failed"}


def test_relative_dangling_link_names_where_it_points(case):
    path = case.path("employees")
    path.unlink()
    path.symlink_to("../moved/employees.csv")
    with pytest.raises(
        FileContractError,
        match=r"employees\.csv: is a link to \.\./moved/employees\.csv \(.*/moved/"
        r"employees\.csv\), which does not exist \(an unmounted share",
    ):
        case.run("employees")


def test_link_to_a_readable_file_is_read_normally(case, tmp_path):
    path = case.path("employees")
    elsewhere = tmp_path / "share" / path.name
    elsewhere.parent.mkdir()
    path.rename(elsewhere)
    path.symlink_to(elsewhere)
    before = case.table("validated.employees")
    results = case.run("employees")
    assert results["employees"].rows_quarantined == 0
    pd.testing.assert_frame_equal(case.table("validated.employees"), before)


def test_hidden_files_and_subfolders_are_ignored(case):
    folder = case.landing / "employees"
    (folder / "._employees.csv").write_bytes(b"\x00\x05\x16\x07 resource fork")
    (folder / ".broken.csv").symlink_to("/mnt/nowhere.csv")
    (folder / ".employees.csv.part").write_text("half a transfer, hidden")
    (folder / "archive").mkdir()
    assert [p.name for p in landing.landing_files(case.landing, "employees")] == ["employees.csv"]
    assert landing.other_files(case.landing, "employees") == []
    assert case.run("employees")["employees"].rows_quarantined == 0


def test_files_with_other_suffixes_are_refused_not_skipped(case):
    import gzip
    import shutil

    folder = case.landing / "job_history"
    before = _tables(case, "job_history")
    shutil.move(folder / "job_history_2023-04.csv", folder / "job_history_2023-04.xls")
    may = folder / "job_history_2023-05.csv"
    (folder / "job_history_2023-05.csv.gz").write_bytes(gzip.compress(may.read_bytes()))
    may.unlink()
    shutil.move(folder / "job_history_2023-06.csv", folder / "job_history_2023-06.txt")
    shutil.move(folder / "job_history_2023-07.csv", folder / "job_history_2023-07.csv ")
    (folder / "job_history_2023-08.csv").rename(folder / "job_history_2023-08")
    with pytest.raises(FileContractError) as err:
        case.run("job_history")
    assert _problems(err) == {
        "job_history_2023-04.xls": ".xls is not read: save it as .xlsx or .csv, or move it out of the folder",
        "job_history_2023-05.csv.gz": ".gz is not read: unpack it first, or move it out of the folder",
        "job_history_2023-06.txt": ".txt is not read (only .csv, .parquet and .xlsx files are): save it as one "
        "of those, or move it out of the folder",
        "job_history_2023-07.csv ": "is not read: its name ends in a space after .csv; rename it to "
        "'job_history_2023-07.csv', or move it out of the folder",
        "job_history_2023-08": "is not read: its name has no suffix (only .csv, .parquet and .xlsx files are "
        "read); rename or convert it, or move it out of the folder",
    }
    _assert_unchanged(case, "job_history", before)
    failed = case.con.execute(
        "select count(*) from raw.file_checks where source = 'job_history' and status = 'failed'"
    ).fetchone()[0]
    assert failed == 5


def test_a_month_limited_run_reports_only_its_months_other_files(case):
    folder = case.landing / "job_history"
    (folder / "job_history_2023-04.csv").rename(folder / "job_history_2023-04.xls")
    result = landing.load_raw(case.con, "job_history", case.landing, months=["2023-05"])
    assert result.months == ["2023-05"] and [f["file"] for f in result.files] == ["job_history_2023-05.csv"]
    with pytest.raises(FileContractError, match=r"job_history_2023-04\.xls: \.xls is not read"):
        landing.load_raw(case.con, "job_history", case.landing, months=["2023-04"])


def test_unreadable_file_is_a_file_problem_and_every_broken_file_is_reported(case, monkeypatch):
    source = "job_history"
    files = sorted((case.landing / source).glob("*.csv"))
    locked, gone = files[3], files[7]
    before = _tables(case, source)
    real_open = open

    def guarded_open(file, *args, **kw):  # tests run as root, so chmod 000 would not stop reading
        if Path(file) == locked:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kw)

    real_listing = landing.landing_files

    def listing_then_delete(landing_dir, src):
        out = real_listing(landing_dir, src)
        if src == source:
            gone.unlink()  # moved away between listing and reading
        return out

    monkeypatch.setattr(landing.files, "open", guarded_open, raising=False)  # file_sha256 reads first
    monkeypatch.setattr(landing.load, "landing_files", listing_then_delete)
    with pytest.raises(FileContractError) as err:
        case.run(source)
    assert _problems(err) == {
        locked.name: "cannot be read: permission denied (check the file's permissions for the account the pipeline "
        "runs as)",
        gone.name: "disappeared while it was being read (was it moved or deleted during the run?)",
    }
    _assert_unchanged(case, source, before)


def test_file_vanishing_after_it_was_hashed_is_its_problem_not_a_crash(case, monkeypatch):
    path = case.path("employees")
    before = _tables(case, "employees")
    real_hash = landing.file_sha256

    def hash_then_vanish(p):
        digest = real_hash(p)
        if p == path:
            os.unlink(p)
        return digest

    monkeypatch.setattr(landing.load, "file_sha256", hash_then_vanish)
    with pytest.raises(FileContractError, match=r"employees\.csv: disappeared while it was being read"):
        case.run("employees")
    _assert_unchanged(case, "employees", before)


# ---------------------------------------------------------------------------------------------
# 2. No data values in file-level messages.


def _headerless(case: Case, source: str) -> list[str]:
    path = case.path(source)
    rows = read_rows(path)
    write_rows(path, rows[1:])
    return [v for v in rows[1] if v]


def test_headerless_file_says_the_header_seems_missing_and_shows_no_values(case):
    values = _headerless(case, "employees")
    before = _tables(case, "employees")
    with pytest.raises(FileContractError) as err:
        case.run("employees")
    message = str(err.value)
    assert "employees.csv: lacks required column(s) employee_id" in message
    assert "its first line reads like data, not column names, so the header seems to be missing" in message
    assert f"({len(read_rows(case.path('employees'))[0])} column(s) read; the values are not shown)" in message
    logged = case.con.execute(
        "select problem from raw.file_checks where source = 'employees' and file = 'employees.csv'"
    ).fetchone()[0]
    for v in values:
        assert v not in message and v not in logged
    _assert_unchanged(case, "employees", before)


def test_mapping_message_shows_no_values_of_a_headerless_file(case, tmp_path):
    values = _headerless(case, "employees")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("sources:\n  employees:\n    columns: {employee_id: Worker ID}\n")
    with pytest.raises(
        FileContractError,
        match=r"the mapping names column\(s\) 'Worker ID' \(for employee_id\) that "
        r"the file does not have; its first line reads like data",
    ) as err:
        case.run("employees", load_mapping(mapping))
    assert not any(v in str(err.value) for v in values)


def test_a_real_header_missing_a_column_is_still_listed(case):
    path = case.path("job_history")
    rows = read_rows(path)
    write_rows(path, [r[:3] + r[4:] for r in rows])  # no department
    with pytest.raises(
        FileContractError,
        match=r"lacks required column\(s\) department \(found: employee_id, "
        r"effective_date, job_level, job_family",
    ):
        case.run("job_history")


# ---------------------------------------------------------------------------------------------
# 3. A file cut short inside a quoted field: the cut record is a parse error saying so.


def _write_quoted(path: Path, rows: list[list[str]], quoting=csv.QUOTE_ALL) -> None:
    buf = io.StringIO(newline="")
    csv.writer(buf, quoting=quoting, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), newline="")


def _cut_inside(path: Path, needle: str, keep: int) -> int:
    """Cut the file ``keep`` characters into the quoted field ``needle`` of its last record; return
    the line that record starts on."""
    text = path.read_text()
    at = text.rindex('"' + needle)
    path.write_text(text[: at + 1 + keep], newline="")
    return text[: text.rindex("\n", 0, at) + 1].count("\n") + 1


def _assert_cut(case: Case, source: str, path: Path, line: int, results) -> None:
    hits = [q for q in case.quarantine(source) if q[3] == "parse"]
    assert [q[:4] for q in hits] == [(path.name, line, "(whole line)", "parse")]
    assert hits[0][4] == (
        f"unclosed quote: a quoted field opened on line {line} is never closed: the file was cut short or a "
        "value holds a stray quote mark"
    )
    r = results[source]
    assert r.rows_quarantined == 1 and r.rows_accepted == r.rows_read - 1
    assert_reconciles(results, case, source)  # rows read = the records Python's csv module counts, the cut one too


def test_file_cut_inside_a_quoted_date_quarantines_the_cut_record(case):
    path = case.path("meetings")
    rows = read_rows(path)
    _write_quoted(path, rows)
    last = rows[-1][rows[0].index("meeting_date")]
    line = _cut_inside(path, last, len(last) - 1)  # "M...","P...","2023-04-1
    assert path.read_text().endswith('"' + last[:-1]) and line == len(rows)
    results = case.run("meetings")
    _assert_cut(case, "meetings", path, line, results)
    ids = case.con.execute("select meeting_id from validated.meetings where _source_file = ?", [path.name]).fetchall()
    assert sorted(i for (i,) in ids) == sorted(r[0] for r in rows[1:-1])


def test_file_cut_inside_a_quoted_text_field_spanning_lines(case):
    path = case.path("mentorship_pairs")
    rows = read_rows(path)
    h = rows[0]
    rows[-1][h.index("program")] = "Career\nMentoring for new managers"
    _write_quoted(path, rows, csv.QUOTE_NONNUMERIC)
    line = _cut_inside(path, "Career\nMentoring", len("Career\nMento"))  # cut after the quoted newline
    results = case.run("mentorship_pairs")
    _assert_cut(case, "mentorship_pairs", path, line, results)


def test_cut_far_into_a_big_file_is_named_too(tmp_path):
    """Past the sniffer's sample the dialect is found and only the cut record fails to parse."""
    import duckdb

    from mentorship.landing import load_raw

    folder = tmp_path / "landing" / "survey_items"
    folder.mkdir(parents=True)
    rows = [["item_id", "construct", "item_text", "scale_min", "scale_max"]]
    rows += [
        [f"Q{i:05d}", "engagement", "Line one\nline two" if i == 7 else "I am proud to work here.", 1, 5]
        for i in range(30_000)
    ]
    path = folder / "survey_items.csv"
    _write_quoted(path, rows, csv.QUOTE_NONNUMERIC)
    line = _cut_inside(path, "I am proud", 4)
    assert line == len(rows) + 1  # one quoted newline above
    con = duckdb.connect()
    assert load_raw(con, "survey_items", tmp_path / "landing").rows_read == len(rows) - 1
    got = con.execute("select _line, _parse_error from raw.survey_items where _parse_error is not null").fetchall()
    assert got == [
        (
            line,
            f"unclosed quote: a quoted field opened on line {line} is never closed: the file was cut short or a "
            "value holds a stray quote mark",
        )
    ]


def test_fully_quoted_file_reads_the_same_as_an_unquoted_one(case):
    tables = []
    for quoting in (csv.QUOTE_MINIMAL, csv.QUOTE_ALL):
        for path in sorted((case.landing / "meetings").glob("*.csv")):
            _write_quoted(path, read_rows(path), quoting)
        results = case.run("meetings")
        assert results["meetings"].rows_quarantined == 0
        tables.append(case.table("validated.meetings"))
    assert read_rows(path)[1][3].isdigit() and path.read_text().splitlines()[1].endswith('"')
    pd.testing.assert_frame_equal(tables[0], tables[1])


# ---------------------------------------------------------------------------------------------
# 4. Duplicated columns block the file unless the mapping says which one to use.


def _second_salary(case: Case, header: str = "base_salary") -> tuple[Path, list[str]]:
    """Append a second salary column (10% higher) to one job history file; return it and the new values."""
    path = case.path("job_history")
    rows = read_rows(path)
    i = rows[0].index("base_salary")
    rows[0].append(header)
    for r in rows[1:]:
        r.append(str(round(float(r[i]) * 1.1)) if r[i] else "")
    write_rows(path, rows)
    return path, [r[-1] for r in rows[1:]]


def _mapping(tmp_path: Path, text: str):
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    return load_mapping(path)


def test_duplicated_contract_column_blocks_and_keeps_the_last_good_tables(case):
    path, _ = _second_salary(case)
    before = _tables(case, "job_history")
    with pytest.raises(FileContractError) as err:
        case.run("job_history")
    assert _problems(err) == {
        path.name: (
            "has 2 columns named base_salary (columns 8 and 10); say which one to use with "
            "sources.job_history.duplicate_columns: {base_salary: 2} in the mapping file (a number counts them in the "
            "order they appear, 1 for the first; or first, last)"
        )
    }
    _assert_unchanged(case, "job_history", before)


@pytest.mark.parametrize("choice", ["2", "last"])
def test_mapping_chooses_which_duplicated_column_to_use(case, tmp_path, choice):
    path, second = _second_salary(case)
    mapping = _mapping(tmp_path, f"sources:\n  job_history:\n    duplicate_columns: {{base_salary: {choice}}}\n")
    results = case.run("job_history", mapping)
    assert results["job_history"].rows_quarantined == 0
    got = case.con.execute(
        "select base_salary from validated.job_history where _source_file = ? order by _source_line", [path.name]
    ).fetchall()
    assert [f"{v:.0f}" if v is not None else "" for (v,) in got] == second
    assert "base_salary_1" not in case.con.execute("select * from raw.job_history limit 0").df().columns
    assert_reconciles(results, case, "job_history")


def test_mapping_choosing_the_first_keeps_the_original_values(case, tmp_path):
    _second_salary(case)
    before = case.table("validated.job_history")
    case.run(
        "job_history", _mapping(tmp_path, "sources:\n  job_history:\n    duplicate_columns: {base_salary: first}\n")
    )
    pd.testing.assert_frame_equal(case.table("validated.job_history"), before)


def test_duplicates_differing_in_case_and_spaces_are_duplicates_too(case):
    _path, _ = _second_salary(case, " Base_Salary")
    with pytest.raises(
        FileContractError,
        match=r"has 2 columns named base_salary \(columns 8 and 10, written "
        r"'base_salary', ' Base_Salary'\)",
    ):
        case.run("job_history")


def test_mapping_choosing_an_occurrence_the_file_lacks_blocks(case, tmp_path):
    _path, _ = _second_salary(case)
    with pytest.raises(
        FileContractError,
        match=r"the mapping's sources\.job_history\.duplicate_columns chooses column 3 "
        r"of those named base_salary, but the file has 2 \(columns 8 and 10\)",
    ):
        case.run(
            "job_history", _mapping(tmp_path, "sources:\n  job_history:\n    duplicate_columns: {base_salary: 3}\n")
        )


def test_mapped_duplicates_are_named_as_written(case, tmp_path):
    path, _ = _second_salary(case, "base_salary")
    rows = read_rows(path)
    rows[0] = ["Annual Pay" if h == "base_salary" else h for h in rows[0]]
    write_rows(path, rows)
    others = [p for p in (case.landing / "job_history").glob("*.csv") if p != path]
    for p in others:
        p.unlink()
    with pytest.raises(
        FileContractError,
        match=r"has 2 columns named 'Annual Pay' \(for base_salary\) \(columns 8 and "
        r"10\); say which one to use with sources\.job_history\.duplicate_columns: "
        r"\{base_salary: 2\}",
    ):
        case.run(
            "job_history", _mapping(tmp_path, "sources:\n  job_history:\n    columns: {base_salary: Annual Pay}\n")
        )


def test_a_duplicated_extra_column_is_kept_not_fatal(case):
    path = case.path("mentorship_pairs")
    rows = read_rows(path)
    rows[0] += ["notes", "notes"]
    for r in rows[1:]:
        r += ["a", "b"]
    write_rows(path, rows)
    results = case.run("mentorship_pairs")
    assert results["mentorship_pairs"].rows_quarantined == 0
    assert case.con.execute(
        "select distinct notes, notes_1 from raw.mentorship_pairs where _source_file = ?", [path.name]
    ).fetchall() == [("a", "b")]


def test_duplicated_columns_in_excel_and_parquet_block(case):
    emp = case.path("employees")
    frame = pd.read_csv(emp, dtype=str, keep_default_na=False)
    frame.insert(3, "hire_date_again", frame["hire_date"])
    frame.columns = [c if c != "hire_date_again" else "HIRE_DATE" for c in frame.columns]
    frame.to_excel(emp.with_suffix(".xlsx"), index=False)
    emp.unlink()
    with pytest.raises(
        FileContractError,
        match=r"employees\.xlsx: has 2 columns named hire_date \(columns 3 and 4, "
        r"written 'hire_date', 'HIRE_DATE'\)",
    ):
        case.run("employees")

    import pyarrow as pa
    import pyarrow.parquet as pq

    meet = case.path("meetings")
    table = pa.Table.from_pandas(pd.read_csv(meet, dtype=str, keep_default_na=False), preserve_index=False)
    table = table.append_column("format", table.column("format"))
    pq.write_table(table, meet.with_suffix(".parquet"))
    meet.unlink()
    with pytest.raises(
        FileContractError, match=rf"{meet.stem}\.parquet: has 2 columns named format \(columns 5 and 7\)"
    ):
        case.run("meetings")


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "duplicate_columns: {salary: 2}",
            r"sources\.job_history\.duplicate_columns: salary is not a contract column of "
            r"job_history",
        ),
        (
            "duplicate_columns: {base_salary: 0}",
            r"sources\.job_history\.duplicate_columns\.base_salary must say which of "
            r"the columns named base_salary to use: a number counted from 1 .*got 0",
        ),
        ("duplicate_columns: {base_salary: middle}", r"duplicate_columns\.base_salary must say .*got 'middle'"),
        ("duplicate_columns: {base_salary: true}", r"duplicate_columns\.base_salary must say .*got True"),
        ("duplicate_columns: {base_salary: 1.5}", r"duplicate_columns\.base_salary must say .*got 1\.5"),
    ],
)
def test_broken_duplicate_columns_key_is_refused(tmp_path, text, message):
    with pytest.raises(MappingError, match=message):
        _mapping(tmp_path, f"sources:\n  job_history:\n    {text}\n")


def test_duplicate_columns_key_is_read(tmp_path):
    sm = _mapping(
        tmp_path,
        "sources:\n  job_history:\n    duplicate_columns: {base_salary: 2, job_level: First, department: last}\n",
    ).for_source("job_history")
    assert sm.duplicate_columns == {"base_salary": 2, "job_level": 1, "department": "last"}


# ---------------------------------------------------------------------------------------------
# 5. Header names are matched loosely (case, spaces, punctuation, invisible characters), and a later
#    file lacking a column earlier files carry is refused rather than blanking it.


def _rename_headers(path: Path, names: dict[str, str]) -> None:
    rows = read_rows(path)
    rows[0] = [names.get(h, h) for h in rows[0]]
    write_rows(path, rows)


@pytest.mark.parametrize(
    "spelling",
    [
        "Termination Date",
        "termination-date",
        "TerminationDate",
        "TERMINATION.DATE",
        "termination\u200b_date",
        "termination\u00a0date",
        " ｔｅｒｍｉｎａｔｉｏｎ_date ",
    ],
)
def test_header_spellings_match_the_contract_column(case, spelling):
    before = case.table("validated.employees")
    _rename_headers(case.path("employees"), {"termination_date": spelling, "termination_type": "Termination Type"})
    results = case.run("employees")
    assert results["employees"].rows_quarantined == 0
    pd.testing.assert_frame_equal(case.table("validated.employees"), before)
    assert case.con.execute("select count(termination_date) from validated.employees").fetchone()[0] > 0
    assert_reconciles(results, case, "employees")


def test_mapping_named_columns_are_matched_loosely_too(case, tmp_path):
    before = case.table("validated.employees")
    _rename_headers(case.path("employees"), {"termination_date": "TERM_DATE"})
    mapping = _mapping(tmp_path, "sources:\n  employees:\n    columns: {termination_date: Term Date}\n")
    results = case.run("employees", mapping)
    assert results["employees"].rows_quarantined == 0
    pd.testing.assert_frame_equal(case.table("validated.employees"), before)


def test_two_spellings_of_one_column_are_duplicates(case):
    path = case.path("employees")
    rows = read_rows(path)
    rows[0].append("Termination-Date")
    for r in rows[1:]:
        r.append("")
    write_rows(path, rows)
    before = _tables(case, "employees")
    with pytest.raises(FileContractError) as err:
        case.run("employees")
    assert _problems(err)[path.name].startswith(
        "has 2 columns named termination_date (columns 4 and 10, written 'termination_date', 'Termination-Date')"
    )
    _assert_unchanged(case, "employees", before)


def _without(rows: list[list[str]], *columns: str) -> list[list[str]]:
    drop = {rows[0].index(c) for c in columns}
    return [[v for i, v in enumerate(r) if i not in drop] for r in rows]


def test_a_later_snapshot_lacking_columns_earlier_files_carry_is_refused(case):
    path = case.path("employees")
    later = path.with_name("employees_2026-11-30.csv")
    write_rows(later, _without(read_rows(path), "termination_date", "termination_type"))
    before = _tables(case, "employees")
    with pytest.raises(FileContractError) as err:
        case.run("employees")
    assert _problems(err) == {
        later.name: "lacks column(s) termination_date, termination_type that earlier files of employees carry "
        "(employees.csv); a snapshot without them would blank them for every row it carries"
    }
    _assert_unchanged(case, "employees", before)


def test_columns_added_only_in_later_files_are_fine(case):
    path = case.path("employees")
    rows = read_rows(path)
    write_rows(path, _without(rows, "gender"))
    write_rows(path.with_name("employees_2026-11-30.csv"), rows)
    results = case.run("employees")
    assert results["employees"].rows_quarantined == 0
    assert_reconciles(results, case, "employees")


# ---------------------------------------------------------------------------------------------
# 6. A file re-sent under another month's name is refused; a same-month copy stays a duplicate.


def test_a_file_resent_as_another_month_is_refused(case):
    import shutil

    folder = case.landing / "job_history"
    may = folder / "job_history_2023-05.csv"
    shutil.copy(folder / "job_history_2023-04.csv", may)
    before = _tables(case, "job_history")
    message = (
        "has the same content as job_history_2023-04.csv, the file of another month (2023-04): re-sent by "
        "mistake? The month 2023-05 would be empty"
    )
    with pytest.raises(FileContractError) as err:
        case.run("job_history")
    assert _problems(err) == {may.name: message}
    _assert_unchanged(case, "job_history", before)
    assert case.con.execute(
        "select status, problem from raw.file_checks where source = 'job_history' and file = ?", [may.name]
    ).fetchall() == [("failed", message)]
    with pytest.raises(FileContractError) as err:  # a run of May alone sees it too
        landing.load_raw(case.con, "job_history", case.landing, months=["2023-05"])
    assert _problems(err) == {may.name: message}
    assert landing.load_raw(case.con, "job_history", case.landing, months=["2023-04"]).months == ["2023-04"]


def test_a_same_month_copy_is_still_a_skipped_duplicate(case):
    import shutil

    folder = case.landing / "job_history"
    before = case.table("validated.job_history")
    shutil.copy(folder / "job_history_2023-04.csv", folder / "job_history_2023-04_resent.csv")
    results = case.run("job_history")
    assert results["job_history"].rows_quarantined == 0
    pd.testing.assert_frame_equal(case.table("validated.job_history"), before)
    assert case.con.execute(
        "select status, duplicate_of from raw.landing_files where file = 'job_history_2023-04_resent.csv'"
    ).fetchall() == [("duplicate", "job_history_2023-04.csv")]


# ---------------------------------------------------------------------------------------------
# 7. Encoding: a UTF-8 file with a stray Latin-1 byte stays UTF-8; a Latin-1 file is still Latin-1.


def _munich(case: Case) -> tuple[Path, list[list[str]], int]:
    path = case.path("employees")
    rows = read_rows(path)
    i = rows[0].index("location")
    for r in rows[1:]:
        r[i] = "München" if r[i] == "Berlin" else r[i]
    return path, rows, sum(r[i] == "München" for r in rows[1:])


def test_a_stray_latin1_byte_in_a_utf8_file_quarantines_its_line_not_the_file(case):
    path, rows, munich = _munich(case)
    i = rows[0].index("location")
    line = next(n for n, r in enumerate(rows[1:], 2) if r[i] == "London")
    rows[line - 1][i] = "Zürich"
    write_rows(path, rows)
    data = path.read_bytes().replace("Zürich".encode(), "Zürich".encode("latin-1"))
    path.write_bytes(data)
    assert landing.sniff_encoding(path) == "utf-8"
    results = case.run("employees")
    assert [q[:4] for q in case.quarantine("employees")] == [(path.name, line, "(whole line)", "parse")]
    assert "not utf-8 encoded" in case.quarantine("employees")[0][4]
    got = dict(case.con.execute("select location, count(*) from validated.employees group by 1").fetchall())
    assert got["München"] == munich and not any("Ã" in (k or "") for k in got)
    r = results["employees"]
    assert r.reconciles and r.rows_read == len(rows) - 1 and r.rows_quarantined == 1


def test_a_latin1_file_is_still_read_as_latin1(case):
    path, rows, munich = _munich(case)
    write_rows(path, rows, encoding="latin-1")
    assert landing.sniff_encoding(path) == "latin-1"
    results = case.run("employees")
    assert results["employees"].rows_quarantined == 0
    got = dict(case.con.execute("select location, count(*) from validated.employees group by 1").fetchall())
    assert got["München"] == munich


# ---------------------------------------------------------------------------------------------
# 8. Excel keeps text such as NA (North America), N/A, NULL, None and nan, as CSV does.


def test_excel_keeps_na_like_text_as_csv_does(case):
    import openpyxl

    path = case.path("employees")
    rows = read_rows(path)
    i = rows[0].index("location")
    words = ["NA", "N/A", "NULL", "None", "nan", "null", "n/a"]  # "#N/A" would be written as an error cell
    for k, r in enumerate(rows[1:]):
        r[i] = words[k % len(words)] if k < 3 * len(words) else r[i]
    write_rows(path, rows)
    as_csv = case.run("employees")
    want = case.table("validated.employees")
    assert set(words) <= set(want["location"])
    path.unlink()
    book = openpyxl.Workbook()
    for r in rows:
        book.active.append([v if v != "" else None for v in r])
    book.save(path.with_suffix(".xlsx"))
    as_excel = case.run("employees")
    pd.testing.assert_frame_equal(case.table("validated.employees"), want)
    assert as_excel["employees"].rows_quarantined == as_csv["employees"].rows_quarantined
    assert as_excel["employees"].reconciles


# ---------------------------------------------------------------------------------------------
# 9. A Parquet contract column holding lists, structs or maps is refused; nested extra columns stay.


def _job_history_parquet(case: Case, nest: dict) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = case.path("job_history", "job_history_2023-04.csv")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    path.unlink()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for name, make in nest.items():
        values = make(list(frame[name]) if name in frame else [""] * len(frame))
        if name in frame:
            table = table.set_column(table.schema.get_field_index(name), name, values)
        else:
            table = table.append_column(name, values)
    out = path.with_suffix(".parquet")
    pq.write_table(table, out)
    return out


def test_parquet_contract_columns_holding_lists_or_structs_are_refused(case):
    import pyarrow as pa

    before = _tables(case, "job_history")
    path = _job_history_parquet(
        case,
        {
            "department": lambda v: pa.array([[x] for x in v]),
            "job_family": lambda v: pa.array([{"name": x} for x in v]),
        },
    )
    with pytest.raises(FileContractError) as err:
        case.run("job_history")
    assert _problems(err) == {
        path.name: "column department holds lists (VARCHAR[]) in this Parquet file; column job_family holds "
        'structs (STRUCT("name" VARCHAR)) in this Parquet file; a contract column must hold one value per row'
    }
    _assert_unchanged(case, "job_history", before)


def test_parquet_nested_extra_columns_are_kept(case):
    import pyarrow as pa

    before = case.table("validated.job_history")
    _job_history_parquet(case, {"tags": lambda v: pa.array([["a", "b"] for _ in v])})
    results = case.run("job_history")
    assert results["job_history"].rows_quarantined == 0 and results["job_history"].reconciles
    after = case.table("validated.job_history")
    assert "tags" in after.columns
    pd.testing.assert_frame_equal(after[before.columns], before)


# ---------------------------------------------------------------------------------------------
# 10. Empty lines, which the reader skips, still count in the line numbers reported.


def _with_blank_lines(case: Case, at: list[int], bad: int, eol: str = "\n") -> tuple[Path, list[str]]:
    """Insert empty lines before the given 0-based line indexes (in the original), then put a future
    effective date on the record now on physical line ``bad``; return the file and its lines."""
    path = case.path("job_history", "job_history_2023-04.csv")
    lines = path.read_text().rstrip("\n").split("\n")
    for i in sorted(at, reverse=True):
        lines.insert(i, "")
    lines[bad - 1] = lines[bad - 1].replace('"2023-04', '"2099-04', 1)
    assert "2099-04" in lines[bad - 1]
    path.write_bytes((eol.join(lines) + eol).encode())
    return path, lines


def _assert_lines_match(case: Case, path: Path, lines: list[str], records: int, results) -> None:
    got = case.con.execute(
        "select _line, employee_id, effective_date from raw.job_history where _source_file = ?", [path.name]
    ).fetchall()
    assert len(got) == records
    assert all(lines[n - 1].startswith(f'"{e}","{d}"') for n, e, d in got), "a record is not on its line"
    r = results["job_history"]
    assert (r.reconciles and r.rows_quarantined == 0) or r.rows_read == r.rows_accepted + r.rows_quarantined


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_blank_lines_before_and_inside_a_csv_keep_line_numbers_physical(case, eol):
    records = len(read_rows(case.path("job_history", "job_history_2023-04.csv"))) - 1
    path, lines = _with_blank_lines(case, [0, 0, 1, 5, 9, 9], bad=17, eol=eol)
    results = case.run("job_history")
    assert_quarantined(case, "job_history", path.name, 17, "effective_date", "not_in_future")
    _assert_lines_match(case, path, lines, records, results)


def test_a_blank_line_right_after_the_header_and_at_the_end(case):
    records = len(read_rows(case.path("job_history", "job_history_2023-04.csv"))) - 1
    path, lines = _with_blank_lines(case, [1, records + 1], bad=6)
    results = case.run("job_history")
    assert_quarantined(case, "job_history", path.name, 6, "effective_date", "not_in_future")
    _assert_lines_match(case, path, lines, records, results)


def test_an_empty_line_inside_a_quoted_value_is_not_a_skipped_line(case):
    path = case.path("employees")
    rows = read_rows(path)
    i = rows[0].index("full_name")
    rows[3][i] = "Ann\n\nLee"  # record 3 spans lines 4 to 6
    rows[8][rows[0].index("hire_date")] = "not a date"  # record 8, now on line 11
    write_rows(path, rows)
    text = path.read_text().split("\n")
    text.insert(7, "")  # an empty line 8: record 8 moves to line 12
    path.write_text("\n".join(text))
    results = case.run("employees")
    assert [q[:2] for q in case.quarantine("employees")] == [(path.name, 12)]
    assert results["employees"].reconciles


# ---------------------------------------------------------------------------------------------
# 11. A stray quote mark mid-file is not reported as a truncated transfer.


@pytest.mark.parametrize("name", ['"Sean O"Brien"', "\"Sean O'Brien"])
def test_a_stray_quote_mark_names_the_line_where_quoting_goes_wrong(case, name):
    path = case.path("employees")
    _write_quoted(path, read_rows(path))
    lines = path.read_text().split("\n")
    fields = lines[10].split(",")
    fields[1] = name
    lines[10] = ",".join(fields)
    path.write_text("\n".join(lines))
    results = case.run("employees")
    hits = [q for q in case.quarantine("employees") if q[3] == "parse"]
    assert len(hits) == 1 and hits[0][:2] == (path.name, 11)
    opened = hits[0][4].split("opened on line ")[1].split(" ")[0]
    assert hits[0][4] == (
        f"unclosed quote: a quoted field opened on line {opened} is never closed: the file was cut short or a "
        "value holds a stray quote mark; quoting first goes wrong on line 11"
    )
    assert "truncated" not in hits[0][4] and results["employees"].reconciles
