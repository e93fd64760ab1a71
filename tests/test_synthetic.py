"""Invariants of the synthetic organisation, checked on the files it writes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from mentorship.contract import SOURCES
from mentorship.synthetic import N_LEVELS, SyntheticConfig, generate


@pytest.fixture(scope="module")
def con(small_org):
    landing, _ = small_org
    c = duckdb.connect()
    for s in SOURCES:
        c.execute(f"create view {s} as select * from read_csv('{landing}/{s}/*.csv', union_by_name = true)")
    yield c
    c.close()


def scalar(con, sql):
    return con.execute(sql).fetchone()[0]


def test_every_source_is_written_with_the_contract_columns(small_org):
    landing, _ = small_org
    for name, source in SOURCES.items():
        files = list((landing / name).glob("*.csv"))
        assert files, name
        header = files[0].read_text().splitlines()[0].replace('"', "").split(",")
        assert [c.name for c in source.columns if c.name in header] == [c.name for c in source.columns], name


def test_nobody_is_promoted_or_changes_job_after_exit(con):
    assert scalar(con, """
        select count(*) from job_history j join employees e using (employee_id)
        where e.termination_date is not null and j.effective_date > e.termination_date""") == 0
    assert scalar(con, """
        select count(*) from job_history j join employees e using (employee_id)
        where j.effective_date < e.hire_date""") == 0


def test_promotions_happen(con):
    promotions = scalar(con, """
        select count(*) from (select job_level > lag(job_level) over (partition by employee_id
                              order by effective_date) as up from job_history) where up""")
    assert promotions > 100


def test_meetings_fall_inside_pair_dates_and_employment(con):
    assert scalar(con, """
        select count(*) from meetings m join mentorship_pairs p using (pair_id)
        where m.meeting_date < p.start_date or m.meeting_date > coalesce(p.end_date, date '9999-12-31')""") == 0
    assert scalar(con, """
        select count(*) from meetings m join mentorship_pairs p using (pair_id)
        join employees a on a.employee_id = p.mentee_id join employees b on b.employee_id = p.mentor_id
        where m.meeting_date > least(coalesce(a.termination_date, date '9999-12-31'),
                                     coalesce(b.termination_date, date '9999-12-31'))""") == 0


def test_levels_stay_in_range(con):
    lo, hi = con.execute("select min(job_level), max(job_level) from job_history").fetchone()
    assert 1 <= lo and hi <= N_LEVELS


def test_survey_responses_only_while_employed(con):
    assert scalar(con, """
        select count(*) from survey_responses r join employees e using (employee_id)
        where r.response_date < e.hire_date or r.response_date > coalesce(e.termination_date, date '9999-12-31')""") == 0


def test_mentors_are_senior_and_never_their_own_mentee(con):
    assert scalar(con, "select count(*) from mentorship_pairs where mentor_id = mentee_id") == 0
    assert scalar(con, """
        select min(j.job_level) from mentorship_pairs p
        asof join job_history j on j.employee_id = p.mentor_id and p.start_date >= j.effective_date""") >= 5


def test_truth_lives_outside_landing_and_has_the_reported_terms(small_org):
    landing, truth = small_org
    assert not list(landing.rglob("*.json"))
    h12 = truth["mentees"]["horizons"]["12"]
    for key in ("promotion", "retention", "salary_growth"):
        assert h12[key] is not None
    assert set(truth["mentees"]["survey_change"]) == {"engagement", "satisfaction", "confidence", "growth"}
    assert truth["planted"]["voluntary_exit_hazard_ratio"] == SyntheticConfig().effects.voluntary_exit_hr


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def test_same_seed_same_data_and_another_seed_differs(tmp_path):
    cfg = SyntheticConfig(n_employees=300, years=3, seed=11)
    generate(tmp_path / "a", cfg, tmp_path / "ta.json")
    generate(tmp_path / "b", cfg, tmp_path / "tb.json")
    generate(tmp_path / "c", SyntheticConfig(n_employees=300, years=3, seed=12), tmp_path / "tc.json")
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert _digest(tmp_path / "a") != _digest(tmp_path / "c")


def test_parquet_output_matches_csv(tmp_path):
    cfg = SyntheticConfig(n_employees=200, years=3, seed=5)
    generate(tmp_path / "csv", cfg, tmp_path / "t1.json")
    generate(tmp_path / "pq", SyntheticConfig(n_employees=200, years=3, seed=5, file_format="parquet"),
             tmp_path / "t2.json")
    c = duckdb.connect()
    a = c.execute(f"select count(*), count(distinct employee_id) from read_csv('{tmp_path}/csv/job_history/*.csv')").fetchone()
    b = c.execute(f"select count(*), count(distinct employee_id) from '{tmp_path}/pq/job_history/*.parquet'").fetchone()
    assert a == b


def test_truth_is_exactly_zero_when_no_effect_is_planted(tmp_path):
    from mentorship.synthetic import PlantedEffects

    truth = generate(tmp_path / "l", SyntheticConfig(n_employees=400, seed=3, effects=PlantedEffects.none()),
                     tmp_path / "t.json")
    for role in ("mentees", "mentors"):
        for h in truth[role]["horizons"].values():
            assert h["n_observed"] > 0
            assert h["promotion"] == 0 and h["voluntary_exit"] == 0 and h["salary_growth"] == 0
        assert all(v == 0 for v in truth[role]["survey_change"].values())
