"""The cohort and outcome SQL on a hand-built organisation whose answers are worked out here.

Cast (as-of date 2025-12-31):
  A  mentee, cohort 2023-H1, starts 2023-03-01; promoted ON the index date; quits 2024-02-29,
     one day before the 12-month mark.
  B  mentee, cohort 2023-H1, starts 2023-03-10; promoted exactly 6 months later; quits ON the
     12-month date (still employed that day, so retained at 12 months).
  C  comparison for 2023-H1 who joins the program later (2023-H2, 2023-09-15).
  D  never mentored; promoted to level 3 on 2023-06-01.
  F  hired 2023-04-01, after the 2023-H1 start, and at 2023-H2's start newer (167 days) than any
     2023-H2 mentee (C: 1,718 days): outside every comparison group.
  M  the mentor (level 6); E  a level-6 colleague who never mentors.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest

from assets.sql import build_models, build_table

AS_OF = date(2025, 12, 31)

EMPLOYEES = [  # id, hire, termination, type
    ("A", "2020-01-01", "2024-02-29", "voluntary"),
    ("B", "2020-01-01", "2024-03-10", "voluntary"),
    ("C", "2019-01-01", None, None),
    ("D", "2019-01-01", None, None),
    ("F", "2023-04-01", None, None),
    ("M", "2015-01-01", None, None),
    ("E", "2015-01-01", None, None),
]
JOBS = [  # id, effective, level, department, is_manager, salary
    ("A", "2020-01-01", 2, "Sales", False, 50000),
    ("A", "2023-03-01", 3, "Sales", False, 55000),
    ("B", "2020-01-01", 2, "Sales", False, 50000),
    ("B", "2023-09-10", 3, "Sales", False, 56000),
    ("C", "2019-01-01", 2, "Sales", False, 50000),
    ("D", "2019-01-01", 2, "Sales", False, 50000),
    ("D", "2023-06-01", 3, "Ops", True, 60000),
    ("F", "2023-04-01", 2, "Ops", False, 48000),
    ("M", "2015-01-01", 6, "Sales", True, 120000),
    ("E", "2015-01-01", 6, "Ops", True, 118000),
]
PAIRS = [  # pair, cohort, mentor, mentee, start
    ("P1", "2023-H1", "M", "A", "2023-03-01"),
    ("P2", "2023-H1", "M", "B", "2023-03-10"),
    ("P3", "2023-H2", "M", "C", "2023-09-15"),
]
SURVEY = [  # id, wave, date, item, score
    ("A", "2023-02", "2023-02-15", "ENG1", 3),
    ("A", "2023-02", "2023-02-15", "ENG2", 3),
    ("A", "2023-05", "2023-05-15", "ENG1", 4),
    ("A", "2023-05", "2023-05-15", "ENG2", 5),
    ("C", "2023-02", "2023-02-10", "ENG1", 2),
    ("C", "2023-10", "2023-10-01", "ENG1", 4),
]


@pytest.fixture(scope="module")
def con():
    c = warehouse(EMPLOYEES, JOBS, PAIRS, SURVEY)
    yield c
    c.close()


def warehouse(employees, jobs, pairs, survey, as_of=AS_OF):
    """A warehouse of the hand-built rows with every cohort and outcome table built on it."""
    c = duckdb.connect()
    c.execute("create schema validated")
    c.execute(
        "create table validated.employees (employee_id varchar, hire_date date, termination_date date, "
        "termination_type varchar, location varchar, gender varchar, birth_year integer)"
    )
    c.executemany("insert into validated.employees values (?, ?, ?, ?, 'Berlin', 'female', 1990)", employees)
    c.execute(
        "create table validated.job_history (employee_id varchar, effective_date date, job_level integer, "
        "department varchar, job_family varchar, manager_id varchar, is_people_manager boolean, "
        "base_salary double, performance_rating integer, _source_file varchar, _source_line bigint)"
    )
    c.executemany("insert into validated.job_history values (?, ?, ?, ?, 'x', null, ?, ?, 3, 'f.csv', 1)", jobs)
    c.execute(
        "create table validated.mentorship_pairs (pair_id varchar, program varchar, cohort varchar, "
        "mentor_id varchar, mentee_id varchar, start_date date, end_date date, status varchar, "
        "goals_set integer, goals_met integer)"
    )
    c.executemany(
        "insert into validated.mentorship_pairs values (?, 'Career', ?, ?, ?, ?, null, 'active', 2, 1)", pairs
    )
    c.execute(
        "create table validated.meetings (meeting_id varchar, pair_id varchar, meeting_date date, "
        "duration_minutes integer, format varchar, mentee_rating integer)"
    )
    c.execute(
        "insert into validated.meetings values ('m1', 'P1', '2023-03-20', 60, 'video', 4), "
        "('m2', 'P1', '2023-04-20', 60, 'video', null), ('m3', 'P2', '2023-04-01', 30, 'phone', 5)"
    )
    c.execute(
        "create table validated.survey_items (item_id varchar, construct varchar, item_text varchar, "
        "scale_min integer, scale_max integer)"
    )
    c.execute(
        "insert into validated.survey_items values ('ENG1', 'engagement', '', 1, 5), ('ENG2', 'engagement', '', 1, 5)"
    )
    c.execute(
        "create table validated.survey_responses (employee_id varchar, survey_wave varchar, "
        "response_date date, item_id varchar, score double)"
    )
    c.executemany("insert into validated.survey_responses values (?, ?, ?, ?, ?)", survey)
    build_models(
        c,
        {"horizons": [6, 12, 24], "as_of_date": str(as_of)},
        ["job_events", "survey_scores", "cohort_members", "career_outcomes", "survival_times", "censoring_risk"]
        + ["survey_outcomes", "pair_engagement"],
    )
    return c


def members(con, role="mentee"):
    rows = con.execute(
        "select employee_id, cohort, group_name, index_date, censor_date from analytics.cohort_members "
        "where role = ? order by all",
        [role],
    ).fetchall()
    return {(r[0], r[1], r[2]): (r[3], r[4]) for r in rows}


def outcome(con, who, cohort, group, h, col):
    return con.execute(
        f"select {col} from analytics.career_outcomes where employee_id = ? and cohort = ? "
        "and group_name = ? and role = 'mentee' and horizon_months = ?",
        [who, cohort, group, h],
    ).fetchone()[0]


def test_cohort_membership_and_index_dates(con):
    m = members(con)
    assert m == {
        ("A", "2023-H1", "mentored"): (date(2023, 3, 1), None),
        ("B", "2023-H1", "mentored"): (date(2023, 3, 10), None),
        ("C", "2023-H2", "mentored"): (date(2023, 9, 15), None),
        # Cohort 2023-H1 starts on its first pair's start; C is censored when C joins.
        ("C", "2023-H1", "comparison"): (date(2023, 3, 1), date(2023, 9, 15)),
        ("D", "2023-H1", "comparison"): (date(2023, 3, 1), None),
        # 2023-H2: A and B are already mentees, C is in the cohort, F is newer than C, and D (level 3
        # since June) is outside the levels of that cohort's mentees (C, level 2).
    }
    assert members(con, "mentor") == {
        ("M", "2023-H1", "mentored"): (date(2023, 3, 1), None),
        ("E", "2023-H1", "comparison"): (date(2023, 3, 1), None),
    }


def test_censoring_risk_set(con):
    """Comparison people of 2023-H1 still followed up when 2023-H2 starts are at risk of joining it: C
    joins (and is censored), D does not. 2023-H2's comparison people have no later cohort."""
    rows = con.execute(
        "select employee_id, cohort, later_cohort, joined, days_to_window, months_to_window, "
        "months_to_weight_step, job_level, engagement_now from analytics.censoring_risk "
        "where role = 'mentee' order by employee_id"
    ).fetchall()
    # 2023-H2's only start is 2023-09-15: 198 days and 6 months and 14 of September's 30 days after
    # 2023-03-01. D was promoted to level 3 in June; C's latest engagement before the window is the
    # February wave's 2.
    m = 6 + 14 / 30
    assert rows == [
        ("C", "2023-H1", "2023-H2", 1, 198, m, m, 2, 2.0),
        ("D", "2023-H1", "2023-H2", 0, 198, m, m, 3, None),
    ]
    # E (the mentor role's comparison) never mentors, and there is no later mentor cohort after 2023-H1.
    assert con.execute("select count(*) from analytics.censoring_risk where role = 'mentor'").fetchone()[0] == 1


def test_promotion_on_the_index_date_is_baseline_not_outcome(con):
    level, prior = con.execute(
        "select job_level, prior_promotions from analytics.cohort_members where employee_id = 'A' and role = 'mentee'"
    ).fetchone()
    assert (level, prior) == (3, 1)
    assert [outcome(con, "A", "2023-H1", "mentored", h, "promoted") for h in (6, 12, 24)] == [0, 0, 0]


def test_promotion_exactly_at_the_horizon_counts(con):
    # B: index 2023-03-10, promoted 2023-09-10 = index + 6 months, inside (index, index + 6 months].
    assert outcome(con, "B", "2023-H1", "mentored", 6, "promoted") == 1
    assert outcome(con, "D", "2023-H1", "comparison", 6, "promoted") == 1  # 2023-06-01 < 2023-09-01


def test_exit_one_day_before_the_mark_is_an_exit_and_on_the_mark_is_retained(con):
    # A quits 2024-02-29; the 12-month date is 2024-03-01: gone on that date.
    assert [outcome(con, "A", "2023-H1", "mentored", h, "voluntary_exit") for h in (6, 12, 24)] == [0, 1, 1]
    assert outcome(con, "A", "2023-H1", "mentored", 12, "retained") == 0
    # B's last day is 2024-03-10, the 12-month date itself: still employed then.
    assert outcome(con, "B", "2023-H1", "mentored", 12, "retained") == 1
    assert outcome(con, "B", "2023-H1", "mentored", 24, "retained") == 0
    # Salary growth needs the person employed at the horizon.
    assert outcome(con, "A", "2023-H1", "mentored", 12, "salary_growth") is None
    assert outcome(con, "B", "2023-H1", "mentored", 12, "salary_growth") == pytest.approx(56000 / 50000 - 1)


def test_later_joiner_is_observed_only_before_joining(con):
    obs = [outcome(con, "C", "2023-H1", "comparison", h, "observed") for h in (6, 12, 24)]
    assert obs == [True, False, False]  # 2023-09-01 < 2023-09-15 <= 2024-03-01
    # Horizons that have not passed by the as-of date are not observed either.
    assert con.execute(
        "select bool_or(observed) from analytics.career_outcomes where horizon_date > ?", [AS_OF]
    ).fetchone()[0] in (False, None)


def test_joining_an_intake_that_started_by_the_horizon_censors_the_whole_intake():
    """With another 2023-H2 pair starting on 2023-09-01, the intake starts on C's 6-month date itself: C,
    who joined it on 2023-09-15, leaves C's comparison rows from the 6-month horizon on, as the censoring
    weights (which step per intake) assume."""
    c = warehouse(EMPLOYEES, JOBS, PAIRS + [("P4", "2023-H2", "M", "E", "2023-09-01")], SURVEY)
    obs = [outcome(c, "C", "2023-H1", "comparison", h, "observed") for h in (6, 12, 24)]
    c.close()
    assert obs == [False, False, False]


def test_mobility_outcomes(con):
    assert outcome(con, "D", "2023-H1", "comparison", 6, "changed_department") == 1
    assert outcome(con, "D", "2023-H1", "comparison", 6, "became_people_manager") == 1
    # Already a manager at index: moving into management is undefined, not zero.
    assert (
        con.execute(
            "select became_people_manager from analytics.career_outcomes where employee_id = 'M' "
            "and horizon_months = 12"
        ).fetchone()[0]
        is None
    )


def test_survival_times(con):
    def times(who, cohort, columns):
        return con.execute(
            f"select {columns} from analytics.survival_times where employee_id = ? and cohort = ? and role = 'mentee'",
            [who, cohort],
        ).fetchone()

    event, months = times("A", "2023-H1", "voluntary_exit_event, months_to_exit_or_censor")
    assert event and months == 12.0  # gone on 2024-03-01
    event, months = times("C", "2023-H1", "voluntary_exit_event, months_to_exit_or_censor")
    assert not event and months == 6 + 14 / 30  # censored on joining, 2023-09-15
    event, months = times("B", "2023-H1", "promotion_event, months_to_promotion_or_censor")
    assert event and months == 6.0


def test_survival_times_are_in_calendar_months(con):
    """One horizon definition: on the calendar-month scale a horizon of h months is h exactly, an event
    on index + h months is inside it, and an exit counts from the day after the last working day."""
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            "select employee_id, months_to_exit_or_censor, months_to_promotion_or_censor from analytics.survival_times "
            "where role = 'mentee' and group_name = 'mentored'"
        ).fetchall()
    }
    assert rows["A"][0] == 12.0  # last day 2024-02-29, gone on 2024-03-01 = index + 12 months
    assert rows["B"][1] == 6.0  # promoted 2023-09-10 = index + 6 months
    assert 12.0 < rows["B"][0] < 12.1  # last day 2024-03-10 = index + 12 months: still there then


def test_every_outcome_counts_the_same_events_by_a_horizon():
    """Promotions on the 1st of the month and on the horizon dates themselves, including a leap day and
    month ends that clamp (31 August + 6 months = 29 February): the career outcomes and the survival
    times (what the curves and horizon probabilities use) agree, row by row, on who was promoted and
    who left by each horizon."""
    import calendar

    starts = ["2023-03-01", "2023-08-31", "2023-01-31", "2023-03-01", "2023-05-01"]
    employees, jobs, pairs = [("M", "2010-01-01", None, None)], [("M", "2010-01-01", 6, "Ops", True, 100000)], []
    for i, start in enumerate(starts):
        d0 = date.fromisoformat(start)
        for h in (6, 12, 24):
            month = date(d0.year + (d0.month - 1 + h) // 12, (d0.month - 1 + h) % 12 + 1, 1)
            mark = month.replace(day=min(d0.day, calendar.monthrange(month.year, month.month)[1]))  # index + h months
            for kind in ("promoted on the mark", "last day on the mark", "last day the day before"):
                who = f"E{i}-{h}-{kind[:4]}{len(kind)}"
                leave = {"last day on the mark": mark, "last day the day before": mark - timedelta(days=1)}.get(kind)
                employees.append((who, "2019-01-01", leave, "voluntary" if leave else None))
                jobs.append((who, "2019-01-01", 2, "Ops", False, 50000))
                if leave is None:
                    jobs.append((who, mark.isoformat(), 3, "Ops", False, 56000))
                pairs.append((f"P-{who}", f"C{i}", "M", who, start))
    c = warehouse(employees, jobs, pairs, [("M", "2023-02", "2023-02-15", "ENG1", 3)])
    disagree = c.execute("""
        select o.employee_id, o.horizon_months, o.promoted, o.voluntary_exit, s.months_to_promotion_or_censor,
               s.months_to_exit_or_censor
        from analytics.career_outcomes o join analytics.survival_times s using (employee_id, role, cohort, group_name)
        where o.role = 'mentee' and o.observed
          and (o.promoted <> (s.promotion_event and s.months_to_promotion_or_censor <= o.horizon_months)::double
            or o.voluntary_exit <> (s.voluntary_exit_event and s.months_to_exit_or_censor <= o.horizon_months)::double)
        """).fetchall()
    on_mark = c.execute(
        "select count(*) from analytics.career_outcomes o join analytics.survival_times s "
        "using (employee_id, role, cohort, group_name) where o.role = 'mentee' and o.observed "
        "and s.months_to_promotion_or_censor = o.horizon_months and o.promoted = 1"
    ).fetchone()[0]
    c.close()
    assert disagree == []
    assert on_mark == 15  # the promotions planted on horizon dates were there to disagree about


def test_same_day_pairs_give_the_same_cohort_in_any_order():
    """A mentor with two pairs that start on the same day: the mentor's pair, program and cohort are the
    lowest pair id's, whatever order the rows arrive in, so two runs on the same data agree."""
    pairs = [("P9", "2023-H1", "M", "A", "2023-03-01"), ("P1", "2023-H1b", "M", "B", "2023-03-01")]
    got = []
    for order in (pairs, pairs[::-1]):
        c = warehouse(EMPLOYEES, JOBS, order, SURVEY)
        got.append(
            c.execute(
                "select pair_id, cohort from analytics.cohort_members where role = 'mentor' and group_name = 'mentored'"
            ).fetchall()
        )
        c.close()
    assert got[0] == got[1] == [("P1", "2023-H1b")]


def test_survey_change_uses_last_wave_before_and_first_after(con):
    pre, post, change = con.execute(
        "select pre_score, post_score, change from analytics.survey_outcomes "
        "where employee_id = 'A' and role = 'mentee'"
    ).fetchone()
    assert (pre, post, change) == (3.0, 4.5, 1.5)
    # A has one wave before the index date: no earlier wave, so no change over two gaps.
    earlier, two_gaps = con.execute(
        "select earlier_score, change_from_earlier from analytics.survey_outcomes "
        "where employee_id = 'A' and role = 'mentee'"
    ).fetchone()
    assert earlier is None and two_gaps is None
    # C's only post-index answer comes after C joined the program: no comparison change.
    pre, post = con.execute(
        "select pre_score, post_score from analytics.survey_outcomes where employee_id = 'C' and cohort = '2023-H1'"
    ).fetchone()
    assert pre == 2.0 and post is None


def test_pair_engagement(con):
    n, gap, rating = con.execute(
        "select meetings, mean_gap_days, mean_mentee_rating from analytics.pair_engagement where pair_id = 'P1'"
    ).fetchone()
    assert n == 2 and gap == (date(2023, 4, 20) - date(2023, 3, 20)).days and rating == 4
    assert con.execute("select meetings from analytics.pair_engagement where pair_id = 'P3'").fetchone()[0] == 0


def test_pair_dose_bands_separate_cadence_from_regularity():
    """Dose bands look at a pair's first 90 days. Cadence counts meetings a month; regularity is the
    longest stretch without one, counted from the start to the window's end, so a pair that met often
    and then stopped is irregular. An active pair younger than 90 days has no band yet."""
    c = duckdb.connect()
    c.execute("create schema validated")
    c.execute("create schema analytics")
    c.execute("create table analytics.cohort_members as select date '2024-12-31' as as_of_date")
    c.execute(
        "create table validated.mentorship_pairs (pair_id varchar, program varchar, cohort varchar, "
        "status varchar, start_date date, end_date date, goals_set integer, goals_met integer)"
    )
    c.executemany(
        "insert into validated.mentorship_pairs values (?, 'Career', '2024-H1', ?, ?, ?, 2, 1)",
        [
            ("steady", "completed", "2024-01-01", "2024-06-30"),
            ("burst", "completed", "2024-01-01", "2024-06-30"),
            ("silent", "active", "2024-10-01", None),
            ("short", "withdrawn", "2024-01-01", "2024-03-01"),
            ("young", "active", "2024-11-15", None),
        ],
    )
    c.execute(
        "create table validated.meetings (pair_id varchar, meeting_date date, duration_minutes integer, "
        "mentee_rating integer)"
    )
    steady = [date(2024, 1, 15) + timedelta(days=30 * i) for i in range(6)]  # the last three fall after day 90
    burst = [date(2024, 1, 2) + timedelta(days=2 * i) for i in range(10)]
    c.executemany(
        "insert into validated.meetings values (?, ?, 60, 4)",
        [("steady", d) for d in steady]
        + [("burst", d) for d in burst]
        + [("short", date(2024, 2, 20)), ("young", date(2024, 11, 20))],
    )
    build_table(c, "pair_engagement")
    got = {
        r[0]: r[1:]
        for r in c.execute(
            "select pair_id, longest_gap_days, early_meetings, early_longest_gap_days, cadence_band, regularity_band "
            "from analytics.pair_engagement"
        ).fetchall()
    }
    c.close()
    day90 = date(2024, 1, 1) + timedelta(days=90)
    assert got["steady"] == (30, 3, 30, "medium", "high")
    assert got["burst"] == ((date(2024, 6, 30) - burst[-1]).days, 10, (day90 - burst[-1]).days, "high", "low")
    assert got["silent"] == (91, 0, 90, "low", "low")
    assert got["short"] == (50, 1, 50, "low", "medium")  # ended before day 90: its whole life is the window
    assert got["young"][3:] == (None, None)


def test_program_activity_counts_running_pairs_and_meetings_by_calendar_month():
    """A pair runs in every month from the one it starts in to the one it ends in (or the as-of
    month); its meetings count in the month they were held; all programs is the sum of the programs."""
    c = duckdb.connect()
    c.execute("create schema validated")
    c.execute("create schema analytics")
    c.execute("create table analytics.cohort_members as select date '2024-04-30' as as_of_date")
    c.execute(
        "create table validated.mentorship_pairs (pair_id varchar, program varchar, cohort varchar, "
        "status varchar, start_date date, end_date date, goals_set integer, goals_met integer)"
    )
    c.executemany(
        "insert into validated.mentorship_pairs values (?, ?, '2024-H1', ?, ?, ?, 0, 0)",
        [
            ("a", "Career", "completed", "2024-01-15", "2024-02-10"),  # January and February
            ("b", "Career", "active", "2024-02-01", None),  # February to April (the as-of month)
            ("c", "Leaders", "withdrawn", "2024-03-31", "2024-04-01"),  # March and April
        ],
    )
    c.execute(
        "create table validated.meetings (pair_id varchar, meeting_date date, duration_minutes integer, "
        "mentee_rating integer)"
    )
    c.executemany(
        "insert into validated.meetings values (?, ?, 60, 4)",
        [
            ("a", date(2024, 1, 20)),
            ("a", date(2024, 2, 5)),
            ("b", date(2024, 2, 20)),
            ("b", date(2024, 2, 27)),
            ("b", date(2024, 4, 2)),
            ("c", date(2024, 3, 31)),
        ],
    )
    build_table(c, "program_activity")
    got = {
        (r[0], r[1]): r[2:]
        for r in c.execute(
            "select month, program, running_pairs, meetings, meetings_per_pair from analytics.program_activity"
        ).fetchall()
    }
    c.close()
    assert got[("2024-01", "Career")] == (1, 1, 1.0)
    assert got[("2024-02", "Career")] == (2, 3, 1.5)
    assert got[("2024-03", "Career")] == (1, 0, 0.0)
    assert got[("2024-03", "Leaders")] == (1, 1, 1.0)
    assert got[("2024-04", "All programs")] == (2, 1, 0.5)
    assert ("2024-05", "All programs") not in got  # nothing after the as-of month
    assert ("2024-01", "Leaders") not in got  # a program is listed in the months it has running pairs
