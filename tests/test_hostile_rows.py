"""Hostile extracts, row by row: a month whose every row is bad, ids that differ only in case,
placeholder and impossible dates, an unparseable line. Each case mutates a small generated
organisation and asserts the rule, file, line and column, the reconciliation, and that no table
other than the intended one changed."""

from __future__ import annotations

import pandas as pd
import pytest

from mentorship.contract import EARLIEST_DATE, SOURCES
from mentorship.mapping import load_mapping
from mentorship.validation import MIN_REJECTS_PER_PART, ingest, validate_source
from tests.corpus import assert_quarantined, assert_reconciles, first_line_where, read_rows, set_field, write_rows

VALIDATED = [f"validated.{s}" for s in SOURCES]


def snapshot(case) -> dict[str, pd.DataFrame]:
    return {t: case.table(t) for t in VALIDATED}


def assert_only_changed(case, before: dict[str, pd.DataFrame], changed: set[str]) -> None:
    for t, frame in before.items():
        if t not in changed:
            pd.testing.assert_frame_equal(case.table(t), frame, obj=t)


def run_one(case, source: str, mapping=None, **kw):
    """Validate only ``source`` (not the sources that look it up): for cases about that source alone."""
    return ingest(case.con, case.landing, mapping, sources=[source], **kw)


def mapping(tmp_path, text: str):
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    return load_mapping(path)


# ---------------------------------------------------------------------------------------------
# Reject limits per file and per month


def test_a_month_whose_every_row_is_rejected_blocks_the_source(case):
    """13 unreadable level codes in one monthly file are under 1% of job history, but they are the
    whole month: its promotions would silently leave the effects."""
    before = snapshot(case)
    path = sorted((case.landing / "job_history").glob("*.csv"))[5]
    rows = read_rows(path)
    i = rows[0].index("job_level")
    for r in rows[1:]:
        r[i] = "L" + r[i]
    write_rows(path, rows)
    results = case.run("job_history")
    r = results["job_history"]
    assert r.reject_share < r.max_reject_share  # the source-wide limit alone would pass it
    assert r.blocked and not r.promoted
    assert [
        (b["scope"], b["name"], b["rows_quarantined"], b["rows_read"], b["rule"], b["column"]) for b in r.breaches
    ] == [("file", path.name, len(rows) - 1, len(rows) - 1, "type:integer", "job_level")]
    reason = r.reasons[0]
    assert path.name in reason and "100%" in reason and "type:integer on job_level" in reason
    assert path.name in r.summary() and "BLOCKED" in r.summary()
    assert_quarantined(case, "job_history", path.name, 2, "job_level", "type:integer", rows[1][i])
    assert_reconciles(results, case, "job_history")
    assert_only_changed(case, before, set())  # job history kept its last good table, and so did the rest
    (blocked_by,) = case.con.execute(
        "select blocked_by from validated.validation_runs where source = 'job_history'"
    ).fetchone()
    assert path.name in blocked_by


def test_a_few_bad_rows_in_a_small_file_do_not_block(case):
    """Fewer than MIN_REJECTS_PER_PART bad rows in a file are typos, not a broken file, even when they
    are more than 5% of it."""
    path = sorted((case.landing / "meetings").glob("*.csv"))[3]
    n = len(read_rows(path)) - 1
    assert 0.05 * n < MIN_REJECTS_PER_PART - 1  # over the share, under the count
    for line in range(2, 2 + MIN_REJECTS_PER_PART - 1):
        set_field(path, line, "duration_minutes", "-5")
    results = case.run("meetings")
    assert results["meetings"].breaches == [] and results["meetings"].promoted
    assert_reconciles(results, case, "meetings")


def test_a_tiny_file_whose_every_row_is_bad_blocks(case):
    """A file of fewer rows than MIN_REJECTS_PER_PART is held to the limit when all of them fail."""
    before = snapshot(case)
    src = sorted((case.landing / "meetings").glob("*.csv"))[3]
    rows = read_rows(src)
    extra = src.with_name(src.stem + "_late.csv")
    bad = [list(r) for r in rows[1:4]]
    for r in bad:
        r[0] += "X"  # new meeting ids
        r[rows[0].index("duration_minutes")] = "0"
    write_rows(extra, [rows[0], *bad])
    results = case.run("meetings")
    r = results["meetings"]
    assert r.blocked
    assert [(b["scope"], b["name"], b["rows_quarantined"]) for b in r.breaches] == [("file", extra.name, 3)]
    assert_reconciles(results, case, "meetings")
    assert_only_changed(case, before, set())


def test_a_month_split_over_two_files_is_held_to_the_limit_as_a_whole(case):
    """Two files of one month, each with fewer bad rows than a file is held to, that together are
    more than the limit of the month."""
    before = snapshot(case)
    src = sorted((case.landing / "meetings").glob("*.csv"))[6]
    rows = read_rows(src)
    half = len(rows) // 2
    month_files = [src, src.with_name(src.stem + "_part2.csv")]
    write_rows(month_files[0], rows[:half])
    write_rows(month_files[1], [rows[0], *rows[half:]])
    per_file = MIN_REJECTS_PER_PART - 1
    for path in month_files:
        for line in range(2, 2 + per_file):
            set_field(path, line, "duration_minutes", "0")
    n_month = len(rows) - 1
    assert 2 * per_file > 0.05 * n_month
    results = case.run("meetings")
    r = results["meetings"]
    month = src.stem.rsplit("_", 1)[-1]
    assert [
        (b["scope"], b["name"], b["files"], b["rows_read"], b["rows_quarantined"], b["rule"]) for b in r.breaches
    ] == [("month", month, 2, n_month, 2 * per_file, "range")]
    assert r.blocked and f"month {month} (2 files)" in r.reasons[0]
    assert_reconciles(results, case, "meetings")
    assert_only_changed(case, before, set())


# ---------------------------------------------------------------------------------------------
# Ids that differ only in case


def _lowercase_twin(case):
    """A second employees extract (another system) holding one person with a lower-case id, beside
    ten people it shares with the first (a file whose every row fails would block on its own)."""
    path = case.path("employees")
    rows = read_rows(path)
    twin = list(rows[4])
    twin[0] = twin[0].lower()
    other = path.with_name("employees_zz_system_b.csv")
    write_rows(other, [rows[0], twin, *rows[10:20]])
    return path, other, rows[4][0]


def test_ids_differing_only_in_case_are_flagged_not_counted_twice(case):
    before = snapshot(case)
    path, other, person = _lowercase_twin(case)
    results = case.run("employees")
    assert_quarantined(case, "employees", path.name, 5, "employee_id", "id_case", person)
    assert_quarantined(case, "employees", other.name, 2, "employee_id", "id_case", person.lower())
    n = case.con.execute("select count(*) from validated.employees where upper(employee_id) = ?", [person]).fetchone()
    assert n == (0,)  # neither spelling is taken as a person
    assert_reconciles(results, case, "employees")
    # The person's job history is quarantined as unmatched rather than lost.
    assert (
        case.con.execute(
            "select count(*) from validated.quarantine where source = 'job_history' and rule = 'ref:employees'"
        ).fetchone()[0]
        > 0
    )
    assert_reconciles(results, case, "job_history")
    assert len(case.table("validated.employees")) == len(before["validated.employees"]) - 1


def test_ids_compared_ignoring_case_when_the_mapping_says_so(case, tmp_path):
    before = snapshot(case)
    _path, other, person = _lowercase_twin(case)
    jh = case.path("job_history")
    line = first_line_where(jh, "employee_id", lambda v: v == person)
    set_field(jh, line, "employee_id", person.lower())
    results = case.run("employees", mapping(tmp_path, "identifiers: {case: insensitive}\n"))
    assert all(r.rows_quarantined == 0 for r in results.values())
    got = case.con.execute(
        "select employee_id, _source_file from validated.employees where upper(employee_id) = ?", [person]
    ).fetchall()
    assert got == [(person, other.name)]  # one person, the later extract winning, stored upper-cased
    pd.testing.assert_frame_equal(case.table("validated.job_history"), before["validated.job_history"])


def test_a_reference_matching_only_ignoring_case_is_named_as_such(case):
    jh = case.path("job_history")
    person = read_rows(jh)[4][0]
    set_field(jh, 5, "employee_id", person.lower())
    results = case.run("job_history")
    hits = [q for q in case.quarantine("job_history") if q[1] == 5]
    assert [(q[2], q[3], q[4]) for q in hits] == [("employee_id", "id_case", person.lower())]  # not ref:employees
    assert_reconciles(results, case, "job_history")


# ---------------------------------------------------------------------------------------------
# Placeholder and impossible dates


def test_far_future_placeholder_termination_reads_as_still_employed(case):
    """HR systems that mark active staff with 9999-12-31 would otherwise get them all quarantined
    (a termination date without a type)."""
    before = snapshot(case)
    path = case.path("employees")
    lines = [n for n, r in enumerate(read_rows(path)[1:], 2) if r[read_rows(path)[0].index("termination_date")] == ""]
    rows = read_rows(path)
    h = rows[0]
    for n in lines:
        rows[n - 1][h.index("termination_date")] = "9999-12-31"
    write_rows(path, rows)
    results = run_one(case, "employees")
    r = results["employees"]
    assert r.rows_quarantined == 0 and r.placeholders == {"termination_date": len(lines)}
    assert f"Placeholders read as empty: termination_date {len(lines):,}" in r.summary()
    assert_only_changed(case, before, set())  # the same tables as with empty fields


def test_placeholders_follow_the_mapping(case, tmp_path):
    path = case.path("employees")
    line = first_line_where(path, "termination_date", lambda v: v == "")
    set_field(path, line, "termination_date", "31.12.9999")
    # Not a placeholder by default: an unreadable date.
    run_one(case, "employees")
    assert_quarantined(case, "employees", path.name, line, "termination_date", "type:date", "31.12.9999")
    m = mapping(tmp_path, "sources:\n  employees:\n    no_value: {termination_date: ['31.12.9999']}\n")
    r = run_one(case, "employees", m)["employees"]
    assert r.rows_quarantined == 0 and r.placeholders == {"termination_date": 1}
    # With the defaults switched off, 9999-12-31 is a date no one can have.
    set_field(path, line, "termination_date", "9999-12-31")
    run_one(case, "employees", mapping(tmp_path, "sources:\n  employees:\n    no_value: {termination_date: []}\n"))
    assert_quarantined(case, "employees", path.name, line, "termination_date", "plausible_range", "9999-12-31")


@pytest.mark.parametrize(
    ("source", "column", "value"),
    [
        ("employees", "hire_date", "1900-01-01"),
        ("job_history", "effective_date", "1901-06-01"),
        ("mentorship_pairs", "start_date", "1900-01-01"),
    ],
)
def test_a_date_no_employee_can_have_is_quarantined(case, source, column, value):
    path = case.path(source)
    set_field(path, 5, column, value)
    results = run_one(case, source)
    assert_quarantined(case, source, path.name, 5, column, "plausible_range", value)
    assert value < EARLIEST_DATE
    assert_reconciles(results, case, source)


# ---------------------------------------------------------------------------------------------
# An unparseable line


def test_an_unparseable_line_is_reported_once(case):
    path = case.path("meetings")
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    lines.insert(4, "this line, has, too, many, fields, to, be, a, meeting, row\n")
    path.write_text("".join(lines))
    results = case.run("meetings")
    assert [(q[1], q[2], q[3]) for q in case.quarantine("meetings")] == [(5, "(whole line)", "parse")]
    counts = dict(
        case.con.execute(
            "select rule, sum(unexpected) from validated.validation_results where source = 'meetings' group by rule"
        ).fetchall()
    )
    assert counts["parse"] == 1 and sum(counts.values()) == 1
    assert_reconciles(results, case, "meetings")


def test_validate_source_reports_breaches_on_its_own(case):
    """The per-file limit is part of the validation core, not of the asset: callers outside Dagster get it."""
    path = sorted((case.landing / "meetings").glob("*.csv"))[2]
    rows = read_rows(path)
    i = rows[0].index("format")
    for r in rows[1:]:
        r[i] = "hologram"
    write_rows(path, rows)
    case.run("meetings")
    r = validate_source(case.con, "meetings")
    assert r.blocked and r.breaches[0]["name"] == path.name and r.breaches[0]["rule"] == "allowed_values"


# ---------------------------------------------------------------------------------------------
# Beyond the seven: what else real extracts do


def test_two_extracts_joined_headers_and_all_report_the_second_header_once(case):
    """`cat a.csv b.csv > month.csv` leaves b's header as a data line."""
    path = sorted((case.landing / "meetings").glob("*.csv"))[4]
    rows = read_rows(path)
    write_rows(path, [*rows[:6], rows[0], *rows[6:]])
    results = case.run("meetings")
    assert [(q[1], q[2], q[3]) for q in case.quarantine("meetings") if q[0] == path.name] == [
        (7, "(whole line)", "repeated_header")
    ]
    assert results["meetings"].rows_quarantined == 1 and results["meetings"].promoted
    assert_reconciles(results, case, "meetings")


def test_invisible_characters_around_ids_are_trimmed(case):
    """A no-break space or a zero-width space pasted after an id (spreadsheets, copy-paste from web
    HR tools) must not make an unknown person."""
    before = snapshot(case)
    path = case.path("job_history")
    person = read_rows(path)[3][0]
    set_field(path, 4, "employee_id", person + "\u00a0")
    set_field(path, 6, "employee_id", "\u200b" + read_rows(path)[5][0])
    results = case.run("job_history")
    assert results["job_history"].rows_quarantined == 0
    pd.testing.assert_frame_equal(case.table("validated.job_history"), before["validated.job_history"])


def test_windows_line_endings_read_the_same(case):
    before = snapshot(case)
    path = case.path("mentorship_pairs")
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert b"\r\n" in path.read_bytes() and len(read_rows(path)) > 10
    results = case.run("mentorship_pairs")
    assert results["mentorship_pairs"].rows_quarantined == 0
    assert_only_changed(case, before, set())


def test_a_report_footer_is_quarantined_once_per_line(case):
    """HRIS report exports often end with a footer: a blank line, a total, a generated-by line."""
    path = case.path("mentorship_pairs")
    n = len(read_rows(path))
    path.write_text(path.read_text() + "\nTotal rows: 1234\nGenerated by HRIS Reports on 2025-01-31\n")
    results = case.run("mentorship_pairs")
    assert [(q[1], q[2], q[3]) for q in case.quarantine("mentorship_pairs")] == [
        (n + 2, "(whole line)", "parse"),
        (n + 3, "(whole line)", "parse"),
    ]
    r = results["mentorship_pairs"]
    assert r.promoted  # two bad lines of many
    # Rows read: the records and the two footer lines; a blank line holds nothing and is not a row.
    assert (r.rows_read, r.rows_accepted, r.rows_quarantined) == (n - 1 + 2, n - 1, 2) and r.reconciles


@pytest.mark.parametrize("value", ["72.951", "1.250.000"])
def test_a_salary_with_a_thousands_dot_is_refused_not_read_a_thousand_times_too_small(case, value):
    path = case.path("job_history")
    line = first_line_where(path, "base_salary", bool)
    set_field(path, line, "base_salary", value)
    results = run_one(case, "job_history")
    assert_quarantined(case, "job_history", path.name, line, "base_salary", "type:double", value)
    assert_reconciles(results, case, "job_history")


def test_a_salary_with_decimals_is_read(case):
    path = case.path("job_history")
    line = first_line_where(path, "base_salary", bool)
    set_field(path, line, "base_salary", "72951.50")
    run_one(case, "job_history")
    got = case.con.execute(
        "select base_salary from validated.job_history where _source_file = ? and _source_line = ?", [path.name, line]
    ).fetchone()
    assert got == (72951.5,)
