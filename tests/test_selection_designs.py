"""The effect tables' designs against planted truth in worlds the generator does not make: comparison
people who join later for a reason that also drives the outcome, and volunteers chosen on a stable
trait versus on their recorded survey score. Each world is simulated here, small and fast, and run
through the same task-building code the pipeline uses (``overall_effect``); tolerances come from the
estimates' own standard errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mentorship.effect_tables import (
    CENSORING_COVARIATES,
    COVARIATES,
    DOSE_BANDS,
    SEGMENTS,
    CensoringModel,
    EffectSettings,
    overall_effect,
)

Z = 3.0
SETTINGS = EffectSettings(ci_method="influence", bootstrap_below=0, n_bootstrap=0)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _members(n: int, rng, **columns) -> pd.DataFrame:
    """Member rows with every covariate and segment column the pipeline's frames have, empty unless given."""
    df = pd.DataFrame(
        {
            "employee_id": [f"E{i:06d}" for i in range(n)],
            "cohort": "2023-H1",
            "pair_id": None,
            "sampling_weight": 1.0,
            **columns,
        }
    )
    for c in [*COVARIATES, *SEGMENTS, *DOSE_BANDS]:
        if c not in df:
            df[c] = np.nan
    return df


def _frames(survival, career=None, survey=None, censoring=None) -> dict:
    career = (
        career
        if career is not None
        else survival.assign(
            horizon_months=np.nan, salary_growth=np.nan, became_people_manager=np.nan, changed_department=np.nan
        ).iloc[:0]
    )
    survey = survey if survey is not None else survival.assign(construct="").iloc[:0]
    return {"career": career, "survey": survey, "survival": survival, "censoring": censoring}


@pytest.mark.parametrize("seed", [1, 2])
def test_salary_growth_weights_for_comparison_people_who_join_later(seed):
    """No effect is planted. After the index date half the people get a good rating, which raises pay
    and makes a comparison person far likelier to join a later cohort (and leave the comparison group
    before the 12-month mark). Dropping the joiners leaves a comparison group that grew less, so the
    program looks as if it raised pay; weighting the stayers by the censoring model removes that."""
    rng = np.random.default_rng(seed)
    n = 20_000
    x = rng.normal(size=n)
    treated = (rng.random(n) < _sigmoid(-2.2 + 0.5 * x)).astype(int)
    good = rng.random(n) < 0.5  # the rating after the index date
    growth = 0.03 + 0.01 * x + 0.02 * good + rng.normal(0, 0.01, n)
    joins = (treated == 0) & (rng.random(n) < _sigmoid(-3 + 2.5 * good))
    survival = _members(n, rng, treated=treated, salary_position=x)
    risk = survival.loc[treated == 0, ["employee_id", "cohort"]].assign(
        later_cohort="2023-H2",
        joined=joins[treated == 0].astype(int),
        months_to_weight_step=6.5,
        performance_rating=np.where(good, 4.0, 3.0)[treated == 0],
        sampling_weight=1.0,
    )
    for c in CENSORING_COVARIATES:
        if c not in risk:
            risk[c] = np.nan
    units = survival.loc[treated == 0, ["employee_id", "cohort"]].reset_index(names="unit")
    career = survival.assign(
        horizon_months=12, salary_growth=growth, became_people_manager=np.nan, changed_department=np.nan
    )[~joins]
    frames = _frames(survival, career=career, censoring=CensoringModel(risk, units))
    weighted = overall_effect(frames, "mentee", "salary_growth", 12, SETTINGS)
    assert abs(weighted["estimate"]) < Z * weighted["se"]
    # The same rows without the censoring weights: what the pipeline did before.
    plain = overall_effect({**frames, "censoring": None}, "mentee", "salary_growth", 12, SETTINGS)
    assert plain["estimate"] > Z * plain["se"]


def _survey_world(selection: str, seed: int, tau: float = 0.25, n: int = 20_000) -> dict:
    """People with a stable trait and wave-to-wave noise, scored at two waves before the index date and
    one after; the mentored gain ``tau`` at the wave after. Volunteers are chosen on the trait
    ("trait") or on the last recorded score itself ("recorded")."""
    rng = np.random.default_rng(seed)
    trait = rng.normal(size=n)
    earlier, last, post = (3.4 + 0.6 * trait + rng.normal(0, 0.5, n) for _ in range(3))
    driver = trait if selection == "trait" else (last - 3.4) / last.std()
    treated = (rng.random(n) < _sigmoid(-2.5 + 1.2 * driver)).astype(int)
    post = post + tau * treated
    survey = _members(
        n,
        rng,
        treated=treated,
        construct="engagement",
        pre_engagement=last,
        change=post - last,
        change_from_earlier=post - earlier,
    )
    frames = _frames(survey.drop(columns=["construct", "change", "change_from_earlier"]), survey=survey)
    return {
        design: overall_effect(frames, "mentee", f"engagement{design}", None, SETTINGS)
        for design in ("_change", "_change_did", "_change_adjusted")
    }


@pytest.mark.parametrize("seed", [3, 4])
def test_survey_headline_is_right_whichever_way_volunteers_were_chosen(seed):
    """The headline (the change from the wave before last, adjusted for the last score) recovers the
    planted effect in both worlds; the difference-in-differences is right only when volunteers differ
    by a stable trait, the score-adjusted change only when they were chosen on the recorded score, and
    the two bracket the truth in both."""
    tau = 0.25
    trait, recorded = _survey_world("trait", seed, tau), _survey_world("recorded", seed, tau)

    def near(r):
        return abs(r["estimate"] - tau) < Z * r["se"]

    assert near(trait["_change"]) and near(recorded["_change"])
    # Stable trait: the difference-in-differences is right, adjusting for the last score overstates.
    assert near(trait["_change_did"])
    assert trait["_change_adjusted"]["estimate"] > tau + Z * trait["_change_adjusted"]["se"]
    # Chosen on the recorded score: it falls back afterwards, and only adjusting for it is right.
    assert near(recorded["_change_adjusted"])
    assert recorded["_change_did"]["estimate"] < tau - Z * recorded["_change_did"]["se"]
    for world in (trait, recorded):
        low, high = world["_change_did"], world["_change_adjusted"]
        assert low["estimate"] - Z * low["se"] <= tau <= high["estimate"] + Z * high["se"]


def _placebo_world(hidden: float, seed: int, n: int = 20_000) -> dict:
    """Promotion in the year before the index date driven by a recorded rating and by a hidden trait;
    volunteers chosen on both. ``hidden`` is how much the trait matters (0: selection on the record
    only)."""
    rng = np.random.default_rng(seed)
    rating = rng.integers(1, 6, n).astype(float)
    trait = rng.normal(size=n)
    treated = (rng.random(n) < _sigmoid(-3 + 0.4 * (rating - 3) + hidden * trait)).astype(int)
    before = (rng.random(n) < _sigmoid(-1.5 + 0.3 * (rating - 3) + hidden * trait)).astype(float)
    survival = _members(
        n, rng, treated=treated, performance_rating=rating, promoted_in_year_before=before, joins_later=False
    )
    return _frames(survival)


def test_the_placebo_outcome_check_fails_when_a_hidden_trait_drives_both_and_passes_when_not():
    from mentorship import falsification

    for hidden, should_pass in ((0.0, True), (1.0, False)):
        rows = falsification.placebo_outcome(_placebo_world(hidden, seed=5), "mentee", SETTINGS)
        passed, line = falsification.summary(falsification.judge(rows), "placebo_outcome")
        assert passed is should_pass, line


def test_the_fake_program_is_drawn_among_never_joiners_within_cells_and_finds_nothing():
    """As many fake mentees per cell of intake, department, level and rating as real ones, at most half
    of the cell's never-joining comparison people, and no real mentee or later joiner among them; with
    no effect anywhere, the placebo treatment check passes."""
    from mentorship import falsification

    rng = np.random.default_rng(6)
    n = 20_000
    dept = rng.choice(["Sales", "Ops", "Eng"], n)
    rating = rng.integers(1, 6, n).astype(float)
    treated = (rng.random(n) < _sigmoid(-3 + 0.6 * (rating - 3) + 0.8 * (dept == "Eng"))).astype(int)
    joins = (treated == 0) & (rng.random(n) < 0.1)
    promoted = (rng.random(n) < _sigmoid(-1.5 + 0.4 * (rating - 3) + 0.5 * (dept == "Sales"))).astype(float)
    left = rng.random(n) < _sigmoid(-2 - 0.3 * (rating - 3))
    survival = _members(
        n,
        rng,
        treated=treated,
        department=dept,
        job_level=2.0,
        performance_rating=rating,
        joins_later=joins,
        months_to_promotion_or_censor=np.where(promoted == 1, 6.0, 30.0),
        promotion_code=promoted.astype(int),
        months_to_exit_or_censor=np.where(left, 8.0, 30.0),
        exit_code=left.astype(int),
    )
    frames = _frames(survival)
    fake = falsification.fake_program(frames, seed=7)["survival"]
    assert len(fake) == int(((treated == 0) & ~joins).sum())  # real mentees and later joiners left out
    cells = ["department", "performance_rating"]
    real = survival[survival.treated == 1].groupby(cells).size()
    drawn = fake.groupby(cells).treated.agg(["sum", "size"])
    assert (drawn["sum"] == np.minimum(real.reindex(drawn.index).fillna(0), drawn["size"] // 2)).all()
    rows = falsification.placebo_treatment(frames, "mentee", SETTINGS)
    assert [r["outcome"] for r in rows if r["estimate"] is not None] == ["promoted", "retained"]
    passed, line = falsification.summary(falsification.judge(rows), "placebo_treatment")
    assert passed, line


def test_a_null_organisation_selected_on_recorded_scores_shows_no_effect():
    """One generated organisation, volunteers chosen on their recorded engagement and satisfaction scores,
    no effect planted: every headline estimate, mentees and mentors, within three of its own standard
    errors of zero (the salary and survey estimates were the ones the later joiners and regression to
    the mean pulled away from zero)."""
    from studies.validation_study import STUDIED, run_seed

    rows = run_seed(
        41,
        2000,
        0,
        outcomes=STUDIED,
        selection="recorded_scores",
        uncertainty="influence",
        null=True,
        roles=("mentee", "mentor"),
    )
    estimated = [r for r in rows if r["estimate"] is not None and r["se"] is not None]
    assert len(estimated) == 2 * len(STUDIED)
    for r in estimated:
        assert r["truth"] == 0.0
        assert abs(r["estimate"]) < Z * r["se"], (r["role"], r["outcome"], r["horizon_months"], r["estimate"], r["se"])
