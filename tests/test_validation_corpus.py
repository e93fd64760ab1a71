"""The bad-input corpus: each case mutates one file of a small generated organisation and asserts
the exact blocking error or quarantine rule, the file, line and column it names, and that every
row read is either accepted or quarantined. The harness (fixtures ``tiny`` and ``case``) is in
``tests/corpus.py``."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mentorship.landing import FileContractError
from mentorship.mapping import load_mapping
from tests.corpus import (
    Case,
    assert_quarantined,
    assert_reconciles,
    first_line_where,
    read_rows,
    set_field,
    write_rows,
)

# ---------------------------------------------------------------------------------------------
# Row-level problems: quarantined with file, line, column and rule; the rest flows on.

ROW_CASES = {
    # id: (source, column to corrupt, new value, expected column, expected rule)
    "numeric column with text": ("job_history", "base_salary", "n/a", "base_salary", "type:double"),
    "mixed date formats": ("job_history", "effective_date", "01/04/2023", "effective_date", "type:date"),
    "impossible date": ("job_history", "effective_date", "2023-02-30", "effective_date", "type:date"),
    "level out of range": ("job_history", "job_level", "99", "job_level", "range"),
    "fractional level": ("job_history", "job_level", "3.5", "job_level", "type:integer"),
    "boolean with junk": ("job_history", "is_people_manager", "maybe", "is_people_manager", "type:boolean"),
    "job history for an unknown employee": ("job_history", "employee_id", "E9999999", "employee_id", "ref:employees"),
    "negative duration": ("meetings", "duration_minutes", "-30", "duration_minutes", "range"),
    "meeting rating off scale": ("meetings", "mentee_rating", "6", "mentee_rating", "range"),
    "orphan meeting": ("meetings", "pair_id", "P9999999", "pair_id", "ref:mentorship_pairs"),
    "meeting before its pair started": ("meetings", "meeting_date", "2019-01-01", "meeting_date", "within_pair"),
    "date in the future": ("meetings", "meeting_date", "2099-01-01", "meeting_date", "not_in_future"),
    "missing required value": ("meetings", "meeting_date", "", "meeting_date", "required"),
    "unknown meeting format": ("meetings", "format", "carrier pigeon", "format", "allowed_values"),
    "unknown pair status": ("mentorship_pairs", "status", "paused", "status", "allowed_values"),
    "unknown survey item": ("survey_responses", "item_id", "XYZ9", "item_id", "ref:survey_items"),
    "score above the item's scale": ("survey_responses", "score", "7", "score", "scale"),
    "score below the item's scale": ("survey_responses", "score", "0", "score", "scale"),
    "response before hire": ("survey_responses", "response_date", "1990-01-01", "response_date", "within_employment"),
    "birth year implausible": ("employees", "birth_year", "1850", "birth_year", "range"),
    "scale the wrong way round": ("survey_items", "scale_min", "9", "scale_max", "scale_order"),
}


@pytest.mark.parametrize("name", list(ROW_CASES))
def test_row_problem_is_quarantined_at_its_line(case, name):
    source, column, value, expected_column, rule = ROW_CASES[name]
    path = case.path(source)
    line = 5
    set_field(path, line, column, value)
    results = case.run(source)
    assert_quarantined(case, source, path.name, line, expected_column, rule)
    assert_reconciles(results, case, source)
    r = results[source]
    # One bad row blocks only a source so small that it is over the 5% limit (the 10 survey items).
    assert r.promoted == (r.rows_quarantined / r.rows_read <= 0.05)


def test_termination_before_hire(case):
    path = case.path("employees")
    line = first_line_where(path, "termination_date", bool)
    set_field(path, line, "termination_date", "2000-01-01")
    results = case.run("employees")
    assert_quarantined(case, "employees", path.name, line, "termination_date", "date_order")
    assert_reconciles(results, case, "employees")
    # The person is no longer a valid employee, so their job history is quarantined as orphaned, not lost.
    assert any(q[3] == "ref:employees" for q in case.quarantine("job_history"))
    assert_reconciles(results, case, "job_history")


def test_duplicate_ids_in_one_file_quarantine_every_copy(case):
    path = case.path("employees")
    rows = read_rows(path)
    rows.append(rows[4])
    write_rows(path, rows)
    results = case.run("employees")
    assert_quarantined(case, "employees", path.name, 5, "employee_id", "duplicate_key")
    assert_quarantined(case, "employees", path.name, len(rows), "employee_id", "duplicate_key")
    assert_reconciles(results, case, "employees")


def test_self_mentoring_pair(case):
    path = case.path("mentorship_pairs")
    rows = read_rows(path)
    h = rows[0]
    rows[3][h.index("mentor_id")] = rows[3][h.index("mentee_id")]
    write_rows(path, rows)
    results = case.run("mentorship_pairs")
    assert_quarantined(case, "mentorship_pairs", path.name, 4, "mentee_id", "self_mentoring")
    assert_reconciles(results, case, "mentorship_pairs")


def test_goals_met_above_goals_set(case):
    path = case.path("mentorship_pairs")
    line = first_line_where(path, "goals_set", lambda v: v not in ("", "0"))
    goals = int(read_rows(path)[line - 1][read_rows(path)[0].index("goals_set")])
    set_field(path, line, "goals_met", str(goals + 1))
    results = case.run("mentorship_pairs")
    assert_quarantined(case, "mentorship_pairs", path.name, line, "goals_met", "goals")
    assert_reconciles(results, case, "mentorship_pairs")


def test_truncated_last_line_is_a_parse_error_on_that_line(case):
    path = case.path("meetings")
    text = path.read_text().rstrip("\n")
    cut = text[: text.rindex("\n") + 12]  # the last line keeps only its first few characters
    path.write_text(cut + "\n")
    n_lines = cut.count("\n") + 1
    results = case.run("meetings")
    hits = [q for q in case.quarantine("meetings") if q[3] == "parse"]
    assert [(h[0], h[1], h[2]) for h in hits] == [(path.name, n_lines, "(whole line)")]
    assert_reconciles(results, case, "meetings")


def test_quoted_newlines_are_read_and_later_lines_are_counted_right(case):
    path = case.path("mentorship_pairs")
    rows = read_rows(path)
    h = rows[0]
    rows[2][h.index("program")] = "Career\nMentoring"  # record 2 now spans lines 3 and 4
    rows[5][h.index("goals_set")] = "x"  # so record 5 starts on line 7
    write_rows(path, rows)
    results = case.run("mentorship_pairs")
    assert_quarantined(case, "mentorship_pairs", path.name, 7, "goals_set", "type:integer", "x")
    program = case.con.execute(
        "select program from validated.mentorship_pairs where pair_id = ?", [rows[2][h.index("pair_id")]]
    ).fetchone()[0]
    assert program == "Career\nMentoring"
    assert_reconciles(results, case, "mentorship_pairs")


def orphan_one_row_in_ten(case: Case) -> None:
    """One meeting in ten, in every monthly file, names an unknown pair: well over the 5% limit."""
    for path in sorted((case.landing / "meetings").glob("*.csv")):
        rows = read_rows(path)
        i = rows[0].index("pair_id")
        for r in rows[1::10]:
            r[i] = "P9999999"
        write_rows(path, rows)


def test_too_many_rejected_rows_block_and_keep_the_last_good_table(case):
    before = case.table("validated.meetings")
    orphan_one_row_in_ten(case)
    results = case.run("meetings")
    r = results["meetings"]
    assert r.blocked and not r.promoted and r.reject_share > 0.05
    pd.testing.assert_frame_equal(case.table("validated.meetings"), before)
    assert len(case.quarantine("meetings")) == r.rows_quarantined  # the analyst still sees every bad row
    assert_reconciles(results, case, "meetings")


def test_reject_share_limit_is_configurable(case):
    orphan_one_row_in_ten(case)
    assert case.run("meetings", max_reject_share=0.2)["meetings"].promoted


# ---------------------------------------------------------------------------------------------
# Encodings, delimiters and formats that are fine: read correctly.


def test_utf8_bom_is_read_and_the_first_column_keeps_its_name(case):
    path = case.path("employees")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    results = case.run("employees")
    assert results["employees"].rows_quarantined == 0
    pd.testing.assert_frame_equal(case.table("validated.employees"), _clean(case, "validated.employees"))


def test_latin1_file_is_decoded(case):
    path = case.path("employees")
    rows = read_rows(path)
    rows[1][rows[0].index("location")] = "Zürich"
    write_rows(path, rows, encoding="latin-1")
    assert b"Z\xfcrich" in path.read_bytes()
    results = case.run("employees")
    assert results["employees"].rows_quarantined == 0
    assert case.con.execute("select count(*) from validated.employees where location = 'Zürich'").fetchone()[0] == 1


def test_semicolon_delimiter_is_sniffed(case):
    path = case.path("meetings")
    write_rows(path, read_rows(path), delimiter=";")
    results = case.run("meetings")
    assert results["meetings"].rows_quarantined == 0
    pd.testing.assert_frame_equal(case.table("validated.meetings"), _clean(case, "validated.meetings"))


def test_extra_unknown_column_is_kept_not_fatal(case):
    path = case.path("mentorship_pairs")
    rows = read_rows(path)
    rows[0].append("coordinator_notes")
    for r in rows[1:]:
        r.append("note")
    write_rows(path, rows)
    results = case.run("mentorship_pairs")
    assert results["mentorship_pairs"].rows_quarantined == 0
    assert (
        case.con.execute("select count(*) from validated.mentorship_pairs where coordinator_notes = 'note'").fetchone()[
            0
        ]
        == len(rows) - 1
    )


def test_excel_and_parquet_read_the_same_as_csv(case):
    emp = case.path("employees")
    pd.read_csv(emp, dtype=str, keep_default_na=False).to_excel(emp.with_suffix(".xlsx"), index=False)
    emp.unlink()
    meet = case.path("meetings")
    frame = pd.read_csv(meet, parse_dates=["meeting_date"])
    frame["meeting_date"] = frame["meeting_date"].dt.date
    frame.to_parquet(meet.with_suffix(".parquet"))
    meet.unlink()
    results = case.run("employees")
    assert all(r.rows_quarantined == 0 for r in results.values())
    for t in ("validated.employees", "validated.meetings"):
        pd.testing.assert_frame_equal(case.table(t), _clean(case, t))
    lines = case.con.execute(
        "select min(_source_line), max(_source_line), count(*) from validated.employees"
    ).fetchone()
    assert lines == (2, lines[2] + 1, lines[2])  # spreadsheet rows: the header is row 1


def _clean(case: Case, table: str) -> pd.DataFrame:
    con = duckdb.connect(str(case.root / "clean.duckdb"), read_only=True)
    try:
        return con.execute(f"select * exclude (_source_file, _source_line) from {table} order by all").df()
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------
# File-level problems: blocking, naming the file and what is wrong, leaving the last good data.

FILE_CASES = {
    "empty file": ("meetings", "extra_2023-04.csv", b"", r"extra_2023-04\.csv: is empty"),
    "header-only file": (
        "meetings",
        "extra_2023-04.csv",
        b"meeting_id,pair_id,meeting_date,duration_minutes\n",
        r"extra_2023-04\.csv: holds no data rows \(header only\)",
    ),
    "missing required column": (
        "job_history",
        "extra_2024-01.csv",
        b"employee_id,effective_date,job_level,is_people_manager\nE0000001,2024-01-01,3,false\n",
        r"extra_2024-01\.csv: lacks required column\(s\) department",
    ),
    "monthly file without a month": (
        "survey_responses",
        "extra.csv",
        b"employee_id,survey_wave,item_id,score\n",
        r"extra\.csv: has no month in its name: survey_responses arrives in monthly",
    ),
    "undecodable bytes": (
        "employees",
        "extra.csv",
        b"employee_id,hire_date\n\x00\x01\x02\xff\xfe\x00",
        r"extra\.csv: holds NUL bytes",
    ),
    "broken workbook": (
        "employees",
        "extra.xlsx",
        b"this is not a spreadsheet",
        r"extra\.xlsx: cannot be read as an Excel workbook",
    ),
}


@pytest.mark.parametrize("name", list(FILE_CASES))
def test_file_problem_blocks_and_keeps_last_good_tables(case, name):
    source, file, content, message = FILE_CASES[name]
    raw_before, valid_before = case.table(f"raw.{source}"), case.table(f"validated.{source}")
    (case.landing / source / file).write_bytes(content)
    with pytest.raises(FileContractError, match=message) as err:
        case.run(source)
    assert err.value.problems[0].file == file
    pd.testing.assert_frame_equal(case.table(f"raw.{source}"), raw_before)
    pd.testing.assert_frame_equal(case.table(f"validated.{source}"), valid_before)
    status = case.con.execute(
        "select status from raw.file_checks where source = ? and file = ?", [source, file]
    ).fetchone()
    assert status == ("failed",)


def test_wrong_delimiter_is_named_as_the_likely_cause(case, tmp_path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("sources:\n  meetings:\n    csv: {delimiter: ';'}\n")
    with pytest.raises(FileContractError, match=r"meetings_\d{4}-\d\d\.csv: lacks required column.*delimiter"):
        case.run("meetings", load_mapping(mapping))


def test_mapping_naming_an_absent_column_blocks(case, tmp_path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("sources:\n  employees:\n    columns: {employee_id: Worker ID}\n")
    with pytest.raises(FileContractError, match=r"employees\.csv: the mapping names column\(s\) 'Worker ID'"):
        case.run("employees", load_mapping(mapping))


# ---------------------------------------------------------------------------------------------
# Re-drops and corrections.


def test_the_same_file_twice_adds_nothing(case):
    path = case.path("employees")
    shutil.copy(path, path.with_name("employees_copy.csv"))
    results = case.run("employees")
    assert results["employees"].rows_read == len(read_rows(path)) - 1
    pd.testing.assert_frame_equal(case.table("validated.employees"), _clean(case, "validated.employees"))
    status = dict(case.con.execute("select file, status from raw.landing_files where source = 'employees'").fetchall())
    assert status == {"employees.csv": "loaded", "employees_copy.csv": "duplicate"}


def test_corrected_reextract_replaces_rows_for_its_keys_idempotently(case):
    path = case.path("mentorship_pairs")
    rows = read_rows(path)
    h = rows[0]
    corrected = list(rows[3])
    corrected[h.index("status")], corrected[h.index("end_date")] = "withdrawn", corrected[h.index("start_date")]
    write_rows(path.with_name("mentorship_pairs_zz_correction.csv"), [h, corrected])
    first = case.run("mentorship_pairs")["mentorship_pairs"]
    assert (first.rows_read, first.rows_superseded, first.rows_quarantined) == (len(rows), 1, 0)
    pair = corrected[h.index("pair_id")]
    got = case.con.execute(
        "select status, _source_file from validated.mentorship_pairs where pair_id = ?", [pair]
    ).fetchall()
    assert got == [("withdrawn", "mentorship_pairs_zz_correction.csv")]
    assert case.con.execute("select count(*) from validated.mentorship_pairs").fetchone()[0] == len(rows) - 1
    table = case.table("validated.mentorship_pairs")
    case.run("mentorship_pairs")
    pd.testing.assert_frame_equal(case.table("validated.mentorship_pairs"), table)


def test_record_missing_from_a_newer_snapshot_is_kept_as_last_seen(case):
    path = case.path("employees")
    rows = read_rows(path)
    line = first_line_where(path, "termination_date", bool)  # HR exports often drop leavers
    gone = rows[line - 1][0]
    write_rows(path.with_name("employees_zz_newer.csv"), [r for n, r in enumerate(rows, 1) if n != line])
    r = case.run("employees")["employees"]
    assert r.absent_from_latest == 1 and r.rows_quarantined == 0
    assert case.con.execute(
        "select _source_file from validated.employees where employee_id = ?", [gone]
    ).fetchone() == (path.name,)
    assert case.con.execute("select count(*) from validated.employees").fetchone()[0] == len(rows) - 1


def test_chunks_checked_by_a_pool_of_processes_give_the_same_verdicts_and_leave_joblib_usable(case):
    """A source cut into many chunks, checked by two worker processes, quarantines the same rows for
    the same rules and reconciles the same counts as one chunk checked here.

    `make run` validates a source of several chunks in worker processes and then estimates effects
    with joblib in the same process: the validation pool must not leave joblib's executor unusable.
    (One test, because each pool's workers pay the Great Expectations import.)"""
    from joblib import Parallel, delayed

    path = case.path("job_history")
    set_field(path, 5, "job_level", "99")
    set_field(path, 9, "base_salary", "n/a")
    whole = case.run("job_history", workers=1)["job_history"]
    once = case.quarantine("job_history")
    pooled = case.run("job_history", chunk_rows=100, workers=2)["job_history"]
    assert pooled.rows_read > 3 * 100  # several chunks
    assert case.quarantine("job_history") == once and len(once) == 2
    for field in ("rows_read", "rows_accepted", "rows_quarantined", "rows_current"):
        assert getattr(pooled, field) == getattr(whole, field)
    assert [(r["rule"], r["checked"], r["unexpected"]) for r in pooled.rules] == [
        (r["rule"], r["checked"], r["unexpected"]) for r in whole.rules
    ]
    assert Parallel(n_jobs=2)(delayed(abs)(-i) for i in range(4)) == [0, 1, 2, 3]


@pytest.mark.parametrize("source", ["employees", "job_history", "mentorship_pairs", "meetings", "survey_responses"])
def test_text_as_categoricals_gets_the_verdicts_of_plain_text(case, source):
    """Chunks reach GX with text as pandas categoricals, for speed: every rule must judge them exactly
    as it judges plain text columns, the failing rows included."""
    from mentorship.contract import SOURCES
    from mentorship.validation import validate_source
    from mentorship.validation.chunks import checked_columns, chunk_frame
    from mentorship.validation.suites import check_chunk

    path = case.path(source)
    corrupt = [(column, value) for src, column, value, *_ in ROW_CASES.values() if src == source]
    for line, (column, value) in enumerate(corrupt, start=3):
        set_field(path, line, column, value)
    rows = read_rows(path)
    if source == "mentorship_pairs":
        h = rows[0]
        rows[len(corrupt) + 4][h.index("mentor_id")] = rows[len(corrupt) + 4][h.index("mentee_id")]
    rows.append(rows[2])  # a duplicate key
    write_rows(path, rows)
    case.run(source)
    validate_source(case.con, source)  # leaves this source's _prepared behind
    columns = checked_columns(SOURCES[source].rules)
    plain = case.con.execute(f"select {', '.join(columns)} from _prepared where _chunk = 0").df()
    coded = chunk_frame(case.con, columns, 0)
    assert any(isinstance(coded[c].dtype, pd.CategoricalDtype) for c in columns)
    verdicts = [check_chunk(source, f) for f in (plain, coded)]
    assert all(error is None for v in verdicts for *_, error in v)
    failing = [[(i, n, sorted(rids.tolist())) for i, n, rids, _ in v] for v in verdicts]
    assert failing[0] == failing[1]
    assert sum(len(r) for _, _, r in failing[0]) >= len(corrupt) + 2  # the comparison is not vacuous


def test_the_validation_pool_works_from_a_script_without_a_main_guard(tiny, tmp_path):
    """An analyst's plain script calling ``ingest`` must not be re-run by the worker processes (a
    spawned pool re-imports the caller's main module, and fails without ``if __name__ == "__main__"``)."""
    import subprocess
    import sys

    script = tmp_path / "load.py"
    script.write_text(
        "import sys, duckdb\n"
        "from pathlib import Path\n"
        "from mentorship.validation import ingest\n"
        "print('script body ran')\n"
        "r = ingest(duckdb.connect(), Path(sys.argv[1]), sources=['employees', 'job_history'], chunk_rows=100, workers=2)\n"
        "print({k: (v.rows_read, v.rows_accepted) for k, v in r.items()})\n"
    )
    done = subprocess.run(
        [sys.executable, str(script), str(tiny / "landing")],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("script body ran") == 1
    assert "'job_history': (" in done.stdout
