"""The pipeline's estimator on generated organisations where who volunteers depends only on what
the data records (performance rating, department): its assumption holds, so it must find planted
effects and, with none planted, mostly report intervals around zero. ``make validate`` runs the
same code on 200 seeds; these are the small, fast versions."""

from __future__ import annotations

from mentorship.synthetic import PlantedEffects
from studies.validation_study import STUDIED, run_seed

Z = 3.0
NULL_OUTCOMES = [s for s in STUDIED if s[0] in ("promoted", "salary_growth", "engagement_change") and s[1] != 24]


def test_null_simulation_intervals_hold_zero_in_most_seeds():
    covers: dict[str, list[bool]] = {}
    for seed in (11, 12, 13):
        for r in run_seed(seed, 2500, 60, PlantedEffects.none(), NULL_OUTCOMES, selection="observed"):
            assert r["truth"] == 0.0
            covers.setdefault(r["outcome"], []).append(r["ci_low"] <= 0 <= r["ci_high"])
    assert set(covers) == {"promoted", "salary_growth", "engagement_change"}
    for outcome, c in covers.items():
        assert sum(c) >= 2, outcome


def test_a_strong_planted_effect_is_found_with_the_right_sign():
    strong = PlantedEffects(promotion_hr=2.5, salary_raise_pp=3.0)
    rows = {r["outcome"]: r for r in run_seed(21, 4000, 100, strong, [s for s in STUDIED if s[1] == 12],
                                              selection="observed")}
    for outcome in ("promoted", "salary_growth"):
        r = rows[outcome]
        assert r["truth"] > 0 and r["ci_low"] > 0, outcome  # detected
        assert abs(r["estimate"] - r["truth"]) < Z * r["se"], outcome  # and close to the truth
        assert abs(r["naive"] - r["truth"]) > abs(r["estimate"] - r["truth"]), outcome
