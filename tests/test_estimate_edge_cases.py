"""Organisations at the edges: an outcome nobody has, a propensity model that separates perfectly, an
intake with no comparison group, every mentee in one intake, a tiny intake. Each gives its row a clear
reason or warning, never a crash and never a bare zero."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentorship.effect_tables import ESTIMATE_COLUMNS, overall_effect, segment_effects
from mentorship.effect_tables.schemas import _typed
from mentorship.publication import publish
from tests.test_selection_designs import SETTINGS, _frames, _members


def _org(n=2000, seed=11, **overrides) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    treated = (rng.random(n) < 1 / (1 + np.exp(2 - 0.5 * x))).astype(int)
    promoted = rng.random(n) < 0.2
    cols = {
        "treated": treated,
        "salary_position": x,
        "cohort": "2024-H1",
        "months_to_promotion_or_censor": np.where(promoted, 6.0, 30.0),
        "promotion_code": promoted.astype(int),
        "months_to_exit_or_censor": 30.0,
        "exit_code": 0,
    }
    cols.update(overrides)
    return _members(n, rng, **cols)


def _career(survival: pd.DataFrame, **outcomes) -> pd.DataFrame:
    base = {
        "horizon_months": 12,
        "salary_growth": np.nan,
        "became_people_manager": np.nan,
        "changed_department": np.nan,
    }
    return survival.assign(**{**base, **outcomes})


def test_an_outcome_nobody_has_is_suppressed_with_its_reason_not_shown_as_zero():
    org = _org()
    frames = _frames(org, career=_career(org, changed_department=0.0))
    retained = overall_effect(frames, "mentee", "retained", 12, SETTINGS)  # no exits at all
    assert retained["suppressed"] and "nobody had this event within 12 months" in retained["suppression_reason"]
    moved = overall_effect(frames, "mentee", "changed_department", 12, SETTINGS)
    assert moved["suppressed"] and "same value" in moved["suppression_reason"]
    # The outcome that does vary is estimated as usual.
    assert not overall_effect(frames, "mentee", "promoted", 12, SETTINGS)["suppressed"]


def test_perfect_separation_gives_a_reason_not_a_crash():
    org = _org()
    org["department"] = np.where(org.treated == 1, "Mentoring only", "Nobody mentored")
    r = overall_effect(_frames(org), "mentee", "promoted", 12, SETTINGS)
    assert r["suppressed"] and "could not be estimated" in r["suppression_reason"]
    assert "trimming" in r["suppression_reason"]


def test_an_intake_without_comparison_people_is_trimmed_with_a_warning_and_its_segment_suppressed():
    org = _org()
    lone = (org.treated == 1) & (np.arange(len(org)) % 3 == 0)  # a third of the mentees, alone in their intake
    org.loc[lone, "cohort"] = "2024-H2"
    frames = _frames(org)
    r = overall_effect(frames, "mentee", "promoted", 12, SETTINGS)
    assert not r["suppressed"] and "without overlap" in r["warnings"]
    assert r["n_treated_used"] < r["n_treated"]
    segments = {s["segment"]: s for s in segment_effects(frames, "mentee", "promoted", 12, SETTINGS, "cohort")}
    assert segments["2024-H2"]["suppressed"] and segments["2024-H2"]["n_control"] == 0
    assert segments["2024-H2"]["suppression_reason"] == "too few people to estimate"
    assert not segments["2024-H1"]["suppressed"]


def test_every_mentee_in_one_intake_and_a_tiny_intake():
    org = _org()  # one intake for everyone: the intake covariate is constant and simply drops out
    r = overall_effect(_frames(org), "mentee", "promoted", 12, SETTINGS)
    assert not r["suppressed"] and np.isfinite(r["ci_low"]) and r["ci_low"] < r["ci_high"]
    tiny = org[(org.treated == 0) | (np.cumsum(org.treated) <= 3)]  # three mentees in all
    r = overall_effect(_frames(tiny), "mentee", "promoted", 12, SETTINGS)
    # Estimated (privacy is not the estimator's business), then suppressed on the way out.
    assert r["n_treated"] == 3 and not r["suppressed"]
    out = publish({"effect_estimates": _typed([pd.DataFrame([r]).assign(counts_hidden=False)], ESTIMATE_COLUMNS)}, k=5)[
        "effect_estimates"
    ].iloc[0]
    assert out.suppressed and out.suppression_reason == "fewer than 5 people in a group"
    assert pd.isna(out.estimate) and pd.isna(out.ci_low) and pd.isna(out.n_treated)


def test_a_row_warning_reaches_the_page():
    """The warnings an estimate carries (trimming, poor balance) are listed under the page's table."""
    from dashboards.pages import effect_table
    from mentorship.effect_tables import ESTIMATE_COLUMNS
    from mentorship.effect_tables.schemas import _typed
    from mentorship.metrics import Metrics, effect_rows

    org = _org()
    lone = (org.treated == 1) & (np.arange(len(org)) % 3 == 0)
    org.loc[lone, "cohort"] = "2024-H2"
    r = overall_effect(_frames(org), "mentee", "promoted", 12, SETTINGS)
    effects = _typed([pd.DataFrame([r]).assign(counts_hidden=False)], ESTIMATE_COLUMNS)
    html = effect_table(
        Metrics(pd.DataFrame(effect_rows(effects, "2025-12-31"))), "mentee", [("promoted", "Promoted")], horizons=(12,)
    )
    assert "Notes on these estimates" in html and "without overlap" in html and "Promoted (12 months)" in html
