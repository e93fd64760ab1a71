"""Landing files to raw and validated tables: clear file errors, quarantined rows, nothing lost."""

from __future__ import annotations

import duckdb
import pytest

from mentorship.landing import FileContractError, load_raw, validate

GOOD = ("pair_id,program,cohort,mentor_id,mentee_id,start_date,end_date,status,goals_set,goals_met,extra_note\n"
        "P1,Career,2024-H1,E1,E2,2024-03-01,,active,3,1,keep me\n"
        "P2,Career,2024-H1,E1,E3,2024-03-04,2024-09-01,completed,2,2,\n")


def write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


def test_good_file_loads_with_provenance_and_keeps_extra_columns(tmp_path):
    write(tmp_path / "mentorship_pairs", "pairs.csv", GOOD)
    con = duckdb.connect()
    assert load_raw(con, "mentorship_pairs", tmp_path) == {"pairs.csv": 2}
    r = validate(con, "mentorship_pairs")
    assert r == {"rows_read": 2, "rows_accepted": 2, "rows_quarantined": 0, "issues_by_rule": {}}
    rows = con.execute("select pair_id, _source_file, _source_row, extra_note, end_date "
                       "from validated.mentorship_pairs order by pair_id").fetchall()
    assert rows[0] == ("P1", "pairs.csv", 1, "keep me", None)
    assert str(rows[1][4]) == "2024-09-01"


def test_missing_required_column_names_file_and_column_and_keeps_last_good_table(tmp_path):
    write(tmp_path / "mentorship_pairs", "pairs.csv", GOOD)
    con = duckdb.connect()
    load_raw(con, "mentorship_pairs", tmp_path)
    write(tmp_path / "mentorship_pairs", "pairs.csv", GOOD.replace("mentee_id", "mentee"))
    with pytest.raises(FileContractError, match=r"pairs\.csv lacks required column\(s\) mentee_id"):
        load_raw(con, "mentorship_pairs", tmp_path)
    assert con.execute("select count(*) from raw.mentorship_pairs").fetchone()[0] == 2


def test_empty_and_missing_files_are_file_level_errors(tmp_path):
    con = duckdb.connect()
    with pytest.raises(FileContractError, match="no .csv or .parquet files"):
        load_raw(con, "meetings", tmp_path)
    write(tmp_path / "meetings", "m.csv", "meeting_id,pair_id,meeting_date,duration_minutes\n")
    with pytest.raises(FileContractError, match="m.csv holds no data rows"):
        load_raw(con, "meetings", tmp_path)


def test_bad_rows_are_quarantined_with_file_row_column_rule_and_value(tmp_path):
    bad = GOOD + ("P3,Career,2024-H1,E1,E4,2024-13-45,,active,3,1,\n"
                  "P4,Career,2024-H1,E1,,2024-03-01,,paused,3,1,\n")
    write(tmp_path / "mentorship_pairs", "pairs.csv", bad)
    con = duckdb.connect()
    load_raw(con, "mentorship_pairs", tmp_path)
    r = validate(con, "mentorship_pairs")
    assert (r["rows_read"], r["rows_accepted"], r["rows_quarantined"]) == (4, 2, 2)
    q = con.execute('select file, "row", "column", rule, value from validated.quarantine order by "row", "column"'
                    ).fetchall()
    assert q == [
        ("pairs.csv", 3, "start_date", "type:date", "2024-13-45"),
        ("pairs.csv", 4, "mentee_id", "required", None),
        ("pairs.csv", 4, "status", "allowed_values", "paused"),
    ]
    # Re-validating replaces this source's quarantine rows rather than adding to them.
    validate(con, "mentorship_pairs")
    assert con.execute("select count(*) from validated.quarantine").fetchone()[0] == 3
