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
    assert (
        scalar(
            con,
            """
        select count(*) from job_history j join employees e using (employee_id)
        where e.termination_date is not null and j.effective_date > e.termination_date""",
        )
        == 0
    )
    assert (
        scalar(
            con,
            """
        select count(*) from job_history j join employees e using (employee_id)
        where j.effective_date < e.hire_date""",
        )
        == 0
    )


def test_promotions_happen(con):
    promotions = scalar(
        con,
        """
        select count(*) from (select job_level > lag(job_level) over (partition by employee_id
                              order by effective_date) as up from job_history) where up""",
    )
    assert promotions > 100


def test_meetings_fall_inside_pair_dates_and_employment(con):
    assert (
        scalar(
            con,
            """
        select count(*) from meetings m join mentorship_pairs p using (pair_id)
        where m.meeting_date < p.start_date or m.meeting_date > coalesce(p.end_date, date '9999-12-31')""",
        )
        == 0
    )
    assert (
        scalar(
            con,
            """
        select count(*) from meetings m join mentorship_pairs p using (pair_id)
        join employees a on a.employee_id = p.mentee_id join employees b on b.employee_id = p.mentor_id
        where m.meeting_date > least(coalesce(a.termination_date, date '9999-12-31'),
                                     coalesce(b.termination_date, date '9999-12-31'))""",
        )
        == 0
    )


def test_levels_stay_in_range(con):
    lo, hi = con.execute("select min(job_level), max(job_level) from job_history").fetchone()
    assert lo >= 1 and hi <= N_LEVELS


def test_survey_responses_only_while_employed(con):
    assert (
        scalar(
            con,
            """
        select count(*) from survey_responses r join employees e using (employee_id)
        where r.response_date < e.hire_date or r.response_date > coalesce(e.termination_date, date '9999-12-31')""",
        )
        == 0
    )


def test_mentors_are_senior_and_never_their_own_mentee(con):
    assert scalar(con, "select count(*) from mentorship_pairs where mentor_id = mentee_id") == 0
    assert (
        scalar(
            con,
            """
        select min(j.job_level) from mentorship_pairs p
        asof join job_history j on j.employee_id = p.mentor_id and p.start_date >= j.effective_date""",
        )
        >= 5
    )


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
    generate(
        tmp_path / "pq", SyntheticConfig(n_employees=200, years=3, seed=5, file_format="parquet"), tmp_path / "t2.json"
    )
    c = duckdb.connect()
    a = c.execute(
        f"select count(*), count(distinct employee_id) from read_csv('{tmp_path}/csv/job_history/*.csv')"
    ).fetchone()
    b = c.execute(f"select count(*), count(distinct employee_id) from '{tmp_path}/pq/job_history/*.parquet'").fetchone()
    assert a == b


def test_truth_is_exactly_zero_when_no_effect_is_planted(tmp_path):
    from mentorship.synthetic import PlantedEffects

    truth = generate(
        tmp_path / "l", SyntheticConfig(n_employees=400, seed=3, effects=PlantedEffects.none()), tmp_path / "t.json"
    )
    for role in ("mentees", "mentors"):
        for h in truth[role]["horizons"].values():
            assert h["n_observed"] > 0
            assert h["promotion"] == 0 and h["voluntary_exit"] == 0 and h["salary_growth"] == 0
        assert all(v == 0 for v in truth[role]["survey_change"].values())


# --- optional knobs: selection, department-dependent effects, calendar dates -------------------------


def _landing_con(landing: Path) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    for s in SOURCES:
        c.execute(f"create view {s} as select * from read_csv('{landing}/{s}/*.csv', union_by_name = true)")
    return c


def test_knobs_off_give_the_default_files_and_truth(tmp_path):
    from mentorship.synthetic import PlantedEffects, Selection

    generate(tmp_path / "a", SyntheticConfig(n_employees=300, years=3, seed=5), tmp_path / "ta.json")
    off = SyntheticConfig(
        n_employees=300,
        years=3,
        seed=5,
        promotion_day="random",
        effects=PlantedEffects(department_scale=None),
        selection=Selection(
            recorded_engagement=0.0,
            recorded_satisfaction=0.0,
            rating_threshold=0.0,
            tenure_hump=0.0,
            dept_level=0.0,
            link="logit",
        ),
    )
    generate(tmp_path / "b", off, tmp_path / "tb.json")
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    assert (tmp_path / "ta.json").read_bytes() == (tmp_path / "tb.json").read_bytes()
    # A department scale of 1 everywhere is the planted effect unchanged: the same world.
    neutral = SyntheticConfig(
        n_employees=300, years=3, seed=5, effects=PlantedEffects(department_scale={"Engineering": 1.0, "Sales": 1.0})
    )
    generate(tmp_path / "c", neutral, tmp_path / "tc.json")
    assert _digest(tmp_path / "a") == _digest(tmp_path / "c")


def _recorded_engagement_gap(landing: Path) -> tuple[float, float]:
    """Mentees' last recorded engagement score before their cohort's month minus that of the people
    eligible then who did not join (employed, level 4 or below, six months' tenure, not yet mentored),
    pooled over cohorts, from the written files; and the gap's standard error."""
    c = _landing_con(landing)
    rows = c.execute("""
        with cohorts as (
            select cohort, date_trunc('month', min(start_date))::date as m0 from mentorship_pairs group by cohort),
        first_mentee as (select mentee_id as employee_id, min(start_date) as first_start, arg_min(cohort, start_date)
                         as cohort from mentorship_pairs group by mentee_id),
        scores as (
            select r.employee_id, r.survey_wave, min(r.response_date) as response_date, avg(r.score) as score
            from survey_responses r join survey_items i using (item_id)
            where i.construct = 'engagement' group by all),
        eligible as (
            select c.cohort, c.m0, e.employee_id, coalesce(f.cohort = c.cohort, false) as joined
            from cohorts c cross join employees e
            left join first_mentee f using (employee_id)
            where e.hire_date <= c.m0 - interval 180 day
              and (e.termination_date is null or e.termination_date >= c.m0)
              and (f.first_start is null or f.first_start >= c.m0)),
        levelled as (
            select el.*, (select arg_max(j.job_level, j.effective_date) from job_history j
                          where j.employee_id = el.employee_id and j.effective_date < el.m0) as level
            from eligible el),
        scored as (
            select l.joined, (select arg_max(s.score, s.response_date) from scores s
                              where s.employee_id = l.employee_id and s.response_date < l.m0) as score
            from levelled l where l.level <= 4)
        select joined, avg(score), var_samp(score), count(score) from scored where score is not null group by joined
    """).fetchall()
    c.close()
    g = {bool(j): (mean, var, n) for j, mean, var, n in rows}
    (m1, v1, n1), (m0, v0, n0) = g[True], g[False]
    assert n1 >= 50  # enough mentees for the comparison to mean something
    return m1 - m0, (v1 / n1 + v0 / n0) ** 0.5


def test_selection_on_recorded_scores_picks_people_with_high_recorded_scores(tmp_path):
    from mentorship.synthetic import Selection

    # No selection on hidden engagement or ability: any gap in recorded engagement comes from the knob.
    on = Selection(engagement=0.0, ability=0.0, recorded_engagement=1.5)
    off = Selection(engagement=0.0, ability=0.0)
    generate(tmp_path / "on", SyntheticConfig(n_employees=600, seed=8, selection=on), tmp_path / "t1.json")
    generate(tmp_path / "off", SyntheticConfig(n_employees=600, seed=8, selection=off), tmp_path / "t2.json")
    gap_on, se_on = _recorded_engagement_gap(tmp_path / "on")
    gap_off, se_off = _recorded_engagement_gap(tmp_path / "off")
    # The knob acts on the score written to the files: the gap is many standard errors wide, and
    # a quarter of a point at the least. Without it, nothing links joining to recorded engagement.
    assert gap_on > max(4 * se_on, 0.25)
    assert abs(gap_off) < 4 * se_off
    assert gap_on - gap_off > 4 * (se_on**2 + se_off**2) ** 0.5


def test_recorded_score_at_selection_is_the_score_written_later(tmp_path, monkeypatch):
    """Selection reads each person's last recorded scores during the simulation; the survey files are
    drawn at the end. They must agree exactly, for everyone, mentors and mentees included."""
    import numpy as np
    import pandas as pd

    import mentorship.synthetic.simulation as simulation
    from mentorship.synthetic import Selection

    seen = []
    start_cohort = simulation._start_cohort

    def spy(sim, m, m0, *args):
        seen.append((int(m0), sim.program.recorded.copy()))
        return start_cohort(sim, m, m0, *args)

    monkeypatch.setattr(simulation, "_start_cohort", spy)
    sel = Selection(recorded_engagement=0.8, recorded_satisfaction=0.8)
    generate(tmp_path / "l", SyntheticConfig(n_employees=400, years=3, seed=4, selection=sel), tmp_path / "t.json")
    c = _landing_con(tmp_path / "l")
    scores = c.execute("""
        select r.employee_id, i.construct, min(r.response_date) as day, avg(r.score) as score
        from survey_responses r join survey_items i using (item_id)
        where i.construct in ('engagement', 'satisfaction') group by r.employee_id, r.survey_wave, i.construct
    """).df()
    c.close()
    scores["i"] = scores["employee_id"].str[1:].astype(int) - 1
    scores["day"] = pd.to_datetime(scores["day"]).to_numpy().astype("datetime64[D]").astype(np.int64)
    assert len(seen) >= 5
    for m0, recorded in seen:
        for k, construct in enumerate(("engagement", "satisfaction")):
            s = scores[(scores["construct"] == construct) & (scores["day"] < m0)]
            last = s.sort_values("day").groupby("i")["score"].last()
            have = np.flatnonzero(~np.isnan(recorded[:, k]))
            assert set(have) == set(last.index)
            assert np.array_equal(last.reindex(have).to_numpy(), recorded[have, k])


def test_cloglog_and_nonlinear_selection_keep_the_uptake(tmp_path):
    from mentorship.synthetic import Selection

    sel = Selection(
        engagement=0.0,
        ability=0.0,
        performance=0.0,
        rating_threshold=2.0,
        tenure_hump=1.5,
        dept_level=1.5,
        link="cloglog",
        uptake=0.05,
    )
    truth = generate(tmp_path / "l", SyntheticConfig(n_employees=600, seed=6, selection=sel), tmp_path / "t.json")
    assert truth["config"]["selection"]["link"] == "cloglog"
    c = _landing_con(tmp_path / "l")
    # Eligible at each cohort (as above) against who joined: about 5% join, and they are the rated ones.
    share, rated_joined, rated_rest = c.execute("""
        with cohorts as (select cohort, date_trunc('month', min(start_date))::date as m0 from mentorship_pairs
                         group by cohort),
        first_mentee as (select mentee_id as employee_id, min(start_date) as first_start,
                         arg_min(cohort, start_date) as cohort from mentorship_pairs group by mentee_id),
        eligible as (
            select c.cohort, c.m0, e.employee_id, coalesce(f.cohort = c.cohort, false) as joined,
                   (select arg_max(j.job_level, j.effective_date) from job_history j
                    where j.employee_id = e.employee_id and j.effective_date < c.m0) as level,
                   (select arg_max(j.performance_rating, j.effective_date) from job_history j
                    where j.employee_id = e.employee_id and j.effective_date < c.m0) as rating
            from cohorts c cross join employees e left join first_mentee f using (employee_id)
            where e.hire_date <= c.m0 - interval 180 day
              and (e.termination_date is null or e.termination_date >= c.m0)
              and (f.first_start is null or f.first_start >= c.m0))
        select avg(joined::int), avg((rating >= 4)::int) filter (where joined),
               avg((rating >= 4)::int) filter (where not joined)
        from eligible where level <= 4""").fetchone()
    c.close()
    # Expected 5%; the realised share over 8 cohorts of ~400 eligible has a standard error near 0.4%.
    assert 0.035 < share < 0.065
    assert rated_joined > rated_rest + 0.2


def test_promotions_and_moves_on_the_first_of_the_month(tmp_path):
    cfg = SyntheticConfig(n_employees=500, seed=9, promotion_day="first")
    generate(tmp_path / "l", cfg, tmp_path / "t.json")
    c = _landing_con(tmp_path / "l")
    changes = c.execute("""
        select count(*) filter (where up), count(*) filter (where up and day(effective_date) != 1),
               count(*) filter (where moved), count(*) filter (where moved and day(effective_date) != 1),
               count(*) filter (where month(effective_date) = 4 and effective_date != hire_date),
               count(*) filter (where effective_date != hire_date and day(effective_date) != 1)
        from (select j.*, e.hire_date,
                     job_level > lag(job_level) over w as up, department != lag(department) over w as moved
              from job_history j join employees e using (employee_id)
              window w as (partition by employee_id order by effective_date))""").fetchone()
    n_up, up_off, n_moved, moved_off, april_rows, any_off = changes
    assert n_up > 50 and n_moved > 5 and april_rows > 300
    assert up_off == 0 and moved_off == 0
    # Every change after hire (promotions, moves, the April raise rows) is on the 1st.
    assert any_off == 0
    # The organisation is otherwise as valid as ever.
    assert (
        scalar(
            c,
            """select count(*) from job_history j join employees e using (employee_id)
                        where j.effective_date > coalesce(e.termination_date, date '9999-12-31')""",
        )
        == 0
    )
    c.close()


def test_default_promotions_fall_on_any_day(con):
    """The check above could fail: by default promotions fall on random days."""
    assert (
        scalar(
            con,
            """
        select count(*) from (select effective_date, job_level > lag(job_level) over (partition by employee_id
                              order by effective_date) as up from job_history) where up and day(effective_date) != 1
    """,
        )
        > 50
    )


def test_department_scale_zero_plants_nothing_and_a_larger_scale_more(tmp_path):
    from mentorship.synthetic import PlantedEffects

    eff = PlantedEffects(department_scale={"Engineering": 3.0, "Sales": 0.0})
    truth = generate(tmp_path / "l", SyntheticConfig(n_employees=600, seed=2, effects=eff), tmp_path / "t.json")
    sales = truth["mentees"]["by_department"]["Sales"]
    assert sales["n_treated"] >= 10
    # A Sales mentee's actual and counterfactual paths share every draw and, with the scale at 0, every
    # hazard; they part only if the mentee later mentors (mentor effects are not scaled). Each such
    # person moves a mean by at most 1 (a proportion, an item score, a salary growth below 100%) over
    # its count, so the tolerance is their number over the count.
    c = _landing_con(tmp_path / "l")
    later_mentors = scalar(
        c,
        """
        with m as (select mentee_id as employee_id, min(start_date) as index_date from mentorship_pairs
                   group by all)
        select count(*) from m
        where (select arg_max(department, effective_date) from job_history j
               where j.employee_id = m.employee_id and j.effective_date <= m.index_date) = 'Sales'
          and m.employee_id in (select mentor_id from mentorship_pairs)""",
    )
    c.close()
    for h in sales["horizons"].values():
        if h["n_observed"]:
            for key in ("promotion", "voluntary_exit", "salary_growth"):
                assert abs(h[key] or 0.0) <= later_mentors / h["n_observed"], key
    for construct, change in sales["survey_change"].items():
        assert abs(change) <= later_mentors / sales["survey_n"][construct], construct

    # Only the raise bonus planted: each mentee's realised salary effect is its own bonus, so with
    # Engineering's scale at 3 its mean is about 3 times the unscaled departments' (less only by chance
    # in the mix of doses). Twice is far outside that chance at these sizes.
    salary_only = PlantedEffects(
        promotion_hr=1.0,
        voluntary_exit_hr=1.0,
        salary_raise_pp=1.0,
        survey=dict.fromkeys(eff.survey, 0.0),
        mentor_promotion_hr=1.0,
        mentor_survey=dict.fromkeys(eff.survey, 0.0),
        department_scale={"Engineering": 3.0, "Sales": 0.0},
    )
    truth = generate(tmp_path / "s", SyntheticConfig(n_employees=600, seed=2, effects=salary_only), tmp_path / "s.json")
    by = {d: r["horizons"]["12"] for d, r in truth["mentees"]["by_department"].items()}
    unscaled = [h for d, h in by.items() if d not in ("Engineering", "Sales") and h["salary_growth"] is not None]
    weight = sum(h["n_observed"] for h in unscaled)
    pooled = sum(h["salary_growth"] * h["n_observed"] for h in unscaled) / weight
    assert pooled > 0 and by["Sales"]["salary_growth"] == 0
    assert by["Engineering"]["salary_growth"] > 2 * pooled


def test_the_intercept_gives_the_target_uptake_under_either_link():
    import numpy as np

    from mentorship.synthetic.selection import _calibrate_intercept, _inverse_link

    lin = np.random.default_rng(0).normal(0, 1.2, 2000)
    for target in (0.05, 0.3, 0.7):
        a = {link: _calibrate_intercept(lin, target, link) for link in ("logit", "cloglog")}
        for link, intercept in a.items():
            assert abs(_inverse_link(link)(intercept + lin).mean() - target) < 1e-9, (link, target)
        if target > 0.2:  # the links differ (near zero both are about exp): each needs its own intercept
            assert abs(a["logit"] - a["cloglog"]) > 0.1


def test_every_study_scenario_is_a_valid_configuration():
    from mentorship.synthetic import PlantedEffects
    from studies.validation_study import SCENARIOS, scenario_config

    assert set(SCENARIOS) == {
        "observed",
        "recorded_scores",
        "nonlinear",
        "department_effects",
        "calendar_dates",
        "latent",
    }
    for name in SCENARIOS:
        cfg = scenario_config(name, seed=1, n_employees=100)
        cfg.check()
        null = scenario_config(name, seed=1, n_employees=100, null=True)
        assert null.effects == PlantedEffects.none() and null.selection == cfg.selection
    assert scenario_config("department_effects", 1, 100).effects.department_scale["Sales"] == 0.0
    assert scenario_config("calendar_dates", 1, 100).promotion_day == "first"
