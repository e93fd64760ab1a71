"""The naive comparison on a generated organisation has the sign and size that planted effect plus
self-selection imply, and it visibly misses the truth.

Two organisations share a seed: one with the program's effects planted, one with none. With no
effect the raw gap is pure selection; with the effect it is selection plus (roughly) the truth.
Tolerances are multiples of the raw gaps' own standard errors.
"""

from __future__ import annotations

from types import SimpleNamespace

import duckdb
import pandas as pd
import pytest

from mentorship.effect_tables import EffectSettings, analytic_frames, overall_effect
from mentorship.synthetic import PlantedEffects, SyntheticConfig, generate
from mentorship.validation import ingest
from studies.validation_study import build_outcomes

# Two 4,000-person organisations through the whole estimator: `make test-slow` (CI runs it).
pytestmark = pytest.mark.slow

Z = 3.0


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The pipeline's own contract validation, cohort and outcome SQL and estimator (raw and adjusted),
    for the two outcomes these tests read. 4,000 employees: half the size once used, and still wide of
    every threshold (with seed 2024 the raw gap with no effect planted is 6.6 standard errors, where
    the test asks for 3; the gap beyond the planted effect 4.8)."""
    out = {}
    for label, effects in (("effect", PlantedEffects()), ("null", PlantedEffects.none())):
        root = tmp_path_factory.mktemp(label)
        truth = generate(
            root / "landing", SyntheticConfig(n_employees=4000, seed=2024, effects=effects), root / "truth.json"
        )
        con = duckdb.connect()
        ingest(con, root / "landing")
        build_outcomes(con)
        frames = analytic_frames(con, "mentee")
        if label == "effect":
            out["frames"] = (frames, analytic_frames(con, "mentee"))
        con.close()
        settings = EffectSettings(n_bootstrap=0)
        estimates = {o: overall_effect(frames, "mentee", o, 12, settings) for o in ("promoted", "salary_growth")}
        # The raw figure every page shows: the estimator's own, with its chance-only standard error.
        p = estimates["promoted"]
        row = SimpleNamespace(raw_difference=p["naive"], raw_se=p["naive_se"])
        out[label] = (row, truth, estimates)
    return out


def test_analytic_frames_come_in_a_fixed_order(runs):
    """The bootstrap draws people by position, so a seeded interval is reproducible only if the rows are."""
    first, second = runs["frames"]
    for name in ("career", "survey", "survival"):
        f = first[name]
        keys = list(zip(f.employee_id, f.cohort))
        assert keys == sorted(keys), name
        pd.testing.assert_frame_equal(f, second[name])
    assert first["censoring"]().equals(second["censoring"]())


def test_selection_alone_makes_the_raw_gap_positive(runs):
    row, truth, _ = runs["null"]
    assert truth["mentees"]["horizons"]["12"]["promotion"] == 0.0
    assert row.raw_difference > Z * row.raw_se


def test_raw_gap_overstates_the_planted_effect(runs):
    row, truth, _ = runs["effect"]
    true_att = truth["mentees"]["horizons"]["12"]["promotion"]
    assert true_att > 0
    assert row.raw_difference - true_att > Z * row.raw_se


def test_raw_gap_is_selection_plus_the_planted_effect(runs):
    eff, truth, _ = runs["effect"]
    null, _, _ = runs["null"]
    true_att = truth["mentees"]["horizons"]["12"]["promotion"]
    se = (eff.raw_se**2 + null.raw_se**2) ** 0.5
    assert abs((eff.raw_difference - null.raw_difference) - true_att) < Z * se


def test_adjusted_effect_is_closer_to_the_truth_than_the_raw_gap(runs):
    """Default selection also runs through latent engagement and ability, which the data shows only
    through noisy proxies; adjustment must still remove much of the raw gap's selection bias."""
    for label in ("effect", "null"):
        _row, truth, eff = runs[label]
        for outcome, key in (("promoted", "promotion"), ("salary_growth", "salary_growth")):
            e = eff[outcome]
            true_att = truth["mentees"]["horizons"]["12"][key]
            assert abs(e["estimate"] - true_att) < 0.6 * abs(e["naive"] - true_att), (label, outcome)


def test_influence_function_and_bootstrap_intervals_agree_on_a_whole_organisation(runs):
    """The default interval (the influence function) and the bootstrap's: the same estimate, and a
    standard error within the bootstrap's own Monte Carlo error of the bootstrap's."""
    frames, _ = runs["frames"]
    b = 60
    small = EffectSettings(n_bootstrap=b, ci_method="bootstrap", bootstrap_max_people=10**9)
    large = EffectSettings(n_bootstrap=b, bootstrap_max_people=0)
    for outcome in ("promoted", "retained", "salary_growth"):
        boot = overall_effect(frames, "mentee", outcome, 12, small)
        infl = overall_effect(frames, "mentee", outcome, 12, large)
        assert boot["ci_method"] == f"percentile bootstrap ({b} replicates)"
        assert infl["ci_method"] == "influence function" and infl["n_bootstrap"] == 0
        assert infl["estimate"] == pytest.approx(boot["estimate"], abs=1e-12)
        assert infl["ci_low"] < infl["estimate"] < infl["ci_high"]
        assert abs(infl["se"] / boot["se"] - 1) < 4 / (2 * (b - 1)) ** 0.5, outcome
