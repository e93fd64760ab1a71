"""The pipeline's estimator on generated organisations where who volunteers depends only on what
the data records (performance rating, department): its assumption holds, so it must find planted
effects and, with none planted, mostly report intervals around zero, with the pipeline's default
intervals (the influence function). ``make validate`` runs the same code on 200 seeds, and the
interval study sets it beside the bootstrap; these are the small, fast versions."""

from __future__ import annotations

import math

import pytest

from mentorship.synthetic import PlantedEffects
from studies.validation_study import STUDIED, run_seed

Z = 3.0
# Five generated organisations of 2,500 to 4,000 people: `make test-slow` (CI runs it).
pytestmark = pytest.mark.slow
NULL_OUTCOMES = [s for s in STUDIED if s[0] in ("promoted", "salary_growth", "engagement_change") and s[1] != 24]


def test_null_simulation_intervals_hold_zero_in_most_seeds():
    covers: dict[str, list[bool]] = {}
    for seed in (11, 12, 13):
        for r in run_seed(
            seed, 2500, 0, PlantedEffects.none(), NULL_OUTCOMES, selection="observed", uncertainty="influence"
        ):
            assert r["truth"] == 0.0
            covers.setdefault(r["outcome"], []).append(r["ci_low"] <= 0 <= r["ci_high"])
    assert set(covers) == {"promoted", "salary_growth", "engagement_change"}
    for outcome, c in covers.items():
        assert sum(c) >= 2, outcome


def test_a_strong_planted_effect_is_found_with_the_right_sign():
    strong = PlantedEffects(promotion_hr=2.5, salary_raise_pp=3.0)
    rows = {
        r["outcome"]: r
        for r in run_seed(
            21, 4000, 0, strong, [s for s in STUDIED if s[1] == 12], selection="observed", uncertainty="influence"
        )
    }
    for outcome in ("promoted", "salary_growth"):
        r = rows[outcome]
        assert r["truth"] > 0 and r["ci_low"] > 0, outcome  # detected
        assert abs(r["estimate"] - r["truth"]) < Z * r["se"], outcome  # and close to the truth
        assert abs(r["naive"] - r["truth"]) > abs(r["estimate"] - r["truth"]), outcome


def test_dose_bands_follow_the_planted_dose_and_only_where_one_is_planted():
    """The planted dose scales the promotion effect by the pair's engagement band (hazard ratio 2.5 to
    the power 0 at low, 1 at medium, 2 at high) and leaves the exit effect alone. Promotion must rise from the low to the high band of
    both dose dimensions; retention, undosed, must show no gradient (a band measured over a pair's
    whole life would: a pair closes when the mentee leaves)."""
    from mentorship.effect_tables import EffectSettings, segment_effects
    from studies.validation_study import mentee_frames

    dosed = PlantedEffects(promotion_hr=2.5, dose={"low": 0.0, "medium": 1.0, "high": 2.0})
    frames, _ = mentee_frames(31, 4000, dosed)
    settings = EffectSettings(seed=31, bootstrap_max_people=0)
    for dim in ("cadence_band", "regularity_band"):
        promoted = {r["segment"]: r for r in segment_effects(frames, "mentee", "promoted", 12, settings, dim)}
        retained = {r["segment"]: r for r in segment_effects(frames, "mentee", "retained", 12, settings, dim)}
        assert set(promoted) == set(retained) == {"low", "medium", "high"}, dim
        lo, mid, hi = (promoted[b]["estimate"] for b in ("low", "medium", "high"))
        assert lo < mid < hi, dim
        se = math.hypot(promoted["high"]["se"], promoted["low"]["se"])
        assert hi - lo > 2 * se, dim
        gap = retained["high"]["estimate"] - retained["low"]["estimate"]
        assert abs(gap) < Z * math.hypot(retained["high"]["se"], retained["low"]["se"]), dim
