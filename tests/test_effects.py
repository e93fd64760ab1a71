"""estimate_effect on hand-built frames with known answers. Tolerances come from the estimate's own
standard error (or the sampling error of the planted quantity), never from a previous run."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from mentorship.effects import EffectInputError, PoorBalanceWarning, e_value_rr, estimate_effect

Z = 3.0


def confounded(n=6000, effect=0.5, seed=0, binary=False):
    """x raises both the chance of treatment and the outcome; the true effect on the treated is known."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    group = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    t = (rng.random(n) < 1 / (1 + np.exp(-(-1.5 + 1.2 * x + 0.8 * (group == "c"))))).astype(int)
    if binary:
        base = -1 + 0.9 * x + 0.5 * (group == "c")
        p1, p0 = 1 / (1 + np.exp(-(base + effect))), 1 / (1 + np.exp(-base))
        u = rng.random(n)
        y = np.where(t == 1, u < p1, u < p0).astype(float)
        truth = float((p1 - p0)[t == 1].mean())
    else:
        y = 1 + 2 * x + 1.0 * (group == "c") + effect * t + rng.normal(size=n)
        truth = effect
    return pd.DataFrame({"t": t, "x": x, "group": group, "y": y}), truth


def test_randomised_frame_adjusted_equals_naive_within_error():
    rng = np.random.default_rng(1)
    n = 4000
    df = pd.DataFrame({"t": rng.integers(0, 2, n), "x": rng.normal(size=n)})
    df["y"] = 0.3 * df.t + df.x + rng.normal(size=n)
    r = estimate_effect(df, "t", "y", ["x"], kind="continuous", n_bootstrap=100, seed=1)
    naive_se = math.sqrt(df[df.t == 1].y.var() / (df.t == 1).sum() + df[df.t == 0].y.var() / (df.t == 0).sum())
    assert abs(r.estimate - r.naive) < Z * naive_se
    assert r.ci_low < 0.3 < r.ci_high
    assert r.max_abs_smd_before < 0.1  # randomisation balances x already


@pytest.mark.parametrize("method", ["aipw", "ipw"])
def test_confounding_is_removed_for_a_continuous_outcome(method):
    df, truth = confounded(effect=0.5, seed=2)
    r = estimate_effect(df, "t", "y", ["x", "group"], kind="continuous", method=method, n_bootstrap=100, seed=2)
    assert r.naive - truth > 10 * r.se  # the raw gap is mostly selection
    assert abs(r.estimate - truth) < Z * r.se
    assert r.ci_low < truth < r.ci_high
    assert r.max_abs_smd_before > 0.5 and r.max_abs_smd_after < 0.1
    assert r.method == method and r.n_bootstrap == 100


def test_binary_outcome_recovers_the_effect_on_the_treated():
    df, truth = confounded(n=8000, effect=0.8, seed=3, binary=True)
    r = estimate_effect(df, "t", "y", ["x", "group"], kind="binary", n_bootstrap=100, seed=3)
    assert abs(r.estimate - truth) < Z * r.se
    assert r.naive - truth > Z * r.se
    assert r.e_value > 1 and 1 <= r.e_value_ci <= r.e_value


def test_no_effect_gives_intervals_around_zero_in_most_samples():
    covers = []
    for seed in range(5):
        df, _ = confounded(effect=0.0, seed=40 + seed)
        r = estimate_effect(df, "t", "y", ["x", "group"], kind="continuous", n_bootstrap=100, seed=seed)
        covers.append(r.ci_low < 0 < r.ci_high)
        assert (r.e_value_ci == 1.0) == covers[-1]  # an interval holding the null needs no confounder
    assert sum(covers) >= 4


def test_time_to_event_hazard_ratio_in_a_randomised_frame():
    rng = np.random.default_rng(5)
    n = 6000
    t = rng.integers(0, 2, n)
    hr = 0.6
    time = rng.exponential(1 / (0.1 * np.where(t == 1, hr, 1.0)))
    censor = rng.uniform(0, 15, n)
    df = pd.DataFrame(
        {"t": t, "x": rng.normal(size=n), "d": np.minimum(time, censor), "e": (time < censor).astype(int)}
    )
    r = estimate_effect(df, "t", covariates=["x"], kind="time_to_event", duration="d", event="e")
    assert abs(math.log(r.hazard_ratio) - math.log(hr)) < Z * r.se
    assert r.hr_ci_low < hr < r.hr_ci_high
    assert set(r.km.group) == {"treated", "comparison"}
    treated = r.km[r.km.group == "treated"]
    assert treated.survival.is_monotonic_decreasing and (treated.ci_low <= treated.survival).all()


def test_bootstrap_is_seeded_and_resamples_clusters():
    df, _ = confounded(n=1500, seed=6)
    df["person"] = np.arange(len(df)) // 3  # three rows per person
    a = estimate_effect(df, "t", "y", ["x"], kind="continuous", n_bootstrap=50, seed=7, cluster="person")
    b = estimate_effect(df, "t", "y", ["x"], kind="continuous", n_bootstrap=50, seed=7, cluster="person")
    c = estimate_effect(df, "t", "y", ["x"], kind="continuous", n_bootstrap=50, seed=8, cluster="person")
    assert (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high) != (c.ci_low, c.ci_high)


def test_duplicated_rows_widen_the_interval_only_when_resampled_as_rows():
    df, _ = confounded(n=1500, seed=9)
    df["person"] = np.arange(len(df))
    doubled = pd.concat([df, df], ignore_index=True)
    by_person = estimate_effect(doubled, "t", "y", ["x"], kind="continuous", n_bootstrap=150, seed=1, cluster="person")
    by_row = estimate_effect(doubled, "t", "y", ["x"], kind="continuous", n_bootstrap=150, seed=1)
    # Rows of one person are not independent: treating them so understates the error by about sqrt(2).
    assert by_person.se > 1.2 * by_row.se


def test_trimming_drops_units_without_overlap_and_reports_counts():
    rng = np.random.default_rng(10)
    n = 3000
    x = rng.normal(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-4 * x))).astype(int)
    df = pd.DataFrame({"t": t, "x": x, "y": x + rng.normal(size=n)})
    r = estimate_effect(df, "t", "y", ["x"], kind="continuous", n_bootstrap=0, trim=0.05)
    # ATT: only a propensity near 1 lacks comparable comparison people, and few of those are controls.
    assert r.n_treated_used < r.n_treated and r.n_control - r.n_control_used < r.n_treated - r.n_treated_used
    assert any("trimmed" in w for w in r.warnings)
    both = estimate_effect(df, "t", "y", ["x"], kind="continuous", n_bootstrap=0, trim=0.05, estimand="ATE")
    assert both.n_control_used < r.n_control_used  # the ATE also drops propensities near 0
    assert np.isnan(r.ci_low)  # no bootstrap, no interval


def test_poor_balance_warns():
    rng = np.random.default_rng(11)
    n = 2000
    x = rng.normal(size=n)
    z = rng.normal(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-(x + 2 * x**2 - 2)))).astype(int)  # x squared is left out
    df = pd.DataFrame({"t": t, "x": x, "x2": x**2, "z": z, "y": x + rng.normal(size=n)})
    with pytest.warns(PoorBalanceWarning):
        r = estimate_effect(df, "t", "y", ["x"], kind="continuous", n_bootstrap=0)
    assert not r.balanced


def test_categorical_covariates_missing_values_and_rare_levels_are_encoded():
    df, _ = confounded(n=3000, seed=12)
    df.loc[df.index[:40], "group"] = None
    df["rare"] = np.where(np.arange(len(df)) < 5, "tiny", "big")
    df["num"] = np.where(np.arange(len(df)) % 10 == 0, np.nan, df.x)
    r = estimate_effect(df, "t", "y", ["num", "group", "rare"], kind="continuous", n_bootstrap=0)
    names = set(r.balance.covariate)
    assert "num: missing" in names and "group = missing" in names
    assert not any("tiny" in c for c in names)


def test_result_converts_to_plain_forms():
    df, _ = confounded(n=1000, seed=13)
    r = estimate_effect(df, "t", "y", ["x"], kind="continuous", n_bootstrap=20)
    d = r.to_dict()
    assert {"naive", "estimate", "ci_low", "ci_high", "n_treated", "e_value", "balanced"} <= set(d)
    assert len(r.to_frame()) == 1 and r.to_frame().estimate.iloc[0] == r.estimate


def test_e_value_known_values():
    assert e_value_rr(2.0) == pytest.approx(2 + math.sqrt(2))
    assert e_value_rr(0.5) == pytest.approx(2 + math.sqrt(2))  # protective effects invert
    assert e_value_rr(1.0) == 1.0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"kind": "ordinal"}, "kind must be one of"),
        ({"outcome": "nope"}, "columns not in the frame: nope"),
        ({"kind": "time_to_event", "outcome": None}, "needs duration and event"),
        ({"estimand": "LATE"}, "estimand must be one of"),
    ],
)
def test_bad_inputs_are_named(kwargs, message):
    df, _ = confounded(n=200, seed=14)
    args = {"outcome": "y", "covariates": ["x"], "kind": "continuous", **kwargs}
    with pytest.raises(EffectInputError, match=message):
        estimate_effect(df, "t", **args)


def test_a_non_binary_treatment_is_refused():
    df, _ = confounded(n=200, seed=15)
    df["t"] = df["t"] * 2
    with pytest.raises(EffectInputError, match="must hold 0 and 1"):
        estimate_effect(df, "t", "y", ["x"], kind="continuous")


def test_cumulative_incidence_matches_lifelines():
    from lifelines import AalenJohansenFitter, KaplanMeierFitter

    from mentorship.effects import cumulative_incidence

    rng = np.random.default_rng(16)
    n = 500
    d = rng.integers(1, 400, n).astype(float)  # integer days: plenty of ties
    e = rng.choice([0, 1, 2], size=n, p=[0.5, 0.3, 0.2])
    w = np.ones(n)
    km = KaplanMeierFitter().fit(d, (e == 1).astype(int))
    no_competing = np.where(e == 2, 0, e)
    assert cumulative_incidence(d, no_competing, w, 200) == pytest.approx(1 - km.predict(200), abs=1e-12)
    # lifelines' Aalen-Johansen breaks ties by jittering, so compare it on untied times.
    dc = rng.uniform(1, 400, n)
    aj = AalenJohansenFitter(calculate_variance=False).fit(dc, e, event_of_interest=1)
    expected = aj.cumulative_density_.loc[:200].iloc[-1, 0]
    assert cumulative_incidence(dc, e, w, 200) == pytest.approx(expected, abs=1e-9)
    # Frequency weights equal repeated rows.
    w2 = rng.integers(1, 4, n).astype(float)
    rep = np.repeat(np.arange(n), w2.astype(int))
    assert cumulative_incidence(d, e, w2, 250) == pytest.approx(
        cumulative_incidence(d[rep], e[rep], np.ones(len(rep)), 250)
    )


def test_horizon_probability_counts_people_censored_early():
    """Dropping people censored before the horizon biases the event probability; the horizon
    estimate keeps them for the time they were observed."""
    rng = np.random.default_rng(17)
    n = 8000
    t = rng.integers(0, 2, n)
    time = rng.exponential(400, n)
    censor = np.where(rng.random(n) < 0.4, rng.uniform(0, 365, n), np.inf)  # 40% leave observation early
    df = pd.DataFrame(
        {"t": t, "x": rng.normal(size=n), "d": np.minimum(time, censor), "e": (time <= censor).astype(int)}
    )
    r = estimate_effect(
        df, "t", covariates=["x"], kind="time_to_event", duration="d", event="e", horizon=365, n_bootstrap=100, seed=1
    )
    true_p = 1 - math.exp(-365 / 400)
    assert abs(r.treated_mean - true_p) < Z * 0.01
    assert r.ci_low < 0 < r.ci_high and r.method == "weighted aalen-johansen"
    assert r.hazard_ratio is not None and r.hr_ci_low < 1 < r.hr_ci_high


def test_cumulative_incidence_with_entry_splits_units_without_changing_the_answer():
    from mentorship.effects import cumulative_incidence
    from mentorship.effects.segments import _segments

    rng = np.random.default_rng(18)
    n = 400
    d = rng.integers(0, 400, n).astype(float)
    e = rng.choice([0, 1, 2], size=n, p=[0.5, 0.3, 0.2]).astype(float)
    w = rng.uniform(0.5, 2, n)
    # Steps whose cumulative weight is 1 split every unit at up to three times and change nothing.
    steps = pd.DataFrame(
        {"unit": rng.integers(0, n, 600), "time": rng.integers(0, 400, 600).astype(float), "weight": 1.0}
    ).drop_duplicates(["unit", "time"])
    seg = _segments(d, e, steps)
    assert len(seg.unit) > n and seg.event[: len(seg.unit) - n].sum() == 0
    assert (seg.entry < seg.exit).all()
    for h in (50, 200, 399):
        assert cumulative_incidence(seg.exit, seg.event, w[seg.unit] * seg.factor, h, seg.entry) == pytest.approx(
            cumulative_incidence(d, e, w, h), abs=1e-12
        )


def informative_censoring(n=6000, seed=19):
    """No effect at all. On day 100 each person's risk changes: half become low-risk, and comparison
    people who do are likely to join the program then (censored), so the comparison people left
    behind are riskier than the comparison group as a whole. The truth: both groups' event chance."""
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 2, n)
    low = rng.random(n) < 0.5
    early = rng.exponential(600, n)
    late = 100 + rng.exponential(np.where(low, 900, 250))
    time = np.where(early <= 100, early, late)
    p_join = np.where(low, 0.6, 0.1)
    joins = (t == 0) & (time > 100) & (rng.random(n) < p_join)
    d = np.where(joins, 100.0, time)
    df = pd.DataFrame({"t": t, "x": rng.normal(size=n), "d": np.round(d), "e": (~joins).astype(int)})
    # The censoring weights with the true joining chances: from day 100 on, a comparison person who
    # stays counts for the like people who joined.
    stay = np.flatnonzero((t == 0) & (d > 100))
    cw = pd.DataFrame({"unit": stay, "time": 100.0, "weight": 1 / (1 - p_join[stay])})
    return df, cw


def test_censoring_weights_remove_the_bias_of_informative_censoring():
    df, cw = informative_censoring()
    kw = {
        "covariates": ["x"],
        "kind": "time_to_event",
        "duration": "d",
        "event": "e",
        "horizon": 365,
        "n_bootstrap": 100,
        "seed": 2,
    }
    weighted = estimate_effect(df, "t", censoring_weights=cw, **kw)
    plain = estimate_effect(df, "t", **kw)
    assert weighted.method == "weighted aalen-johansen with censoring weights"
    assert abs(weighted.estimate) < Z * weighted.se  # no effect was planted
    assert plain.estimate < -Z * plain.se  # the riskier comparison people left behind make the program look good
    # The hazard ratio is weighted for censoring too (counting-process Cox on the same weights): no
    # effect was planted, so its interval holds 1, where the unweighted one's misses it.
    ratios = {}
    for label, weights in (("weighted", cw), ("plain", None)):
        r = estimate_effect(df, "t", censoring_weights=weights, **{**kw, "horizon": None, "n_bootstrap": 0})
        ratios[label] = (math.log(r.hazard_ratio), (math.log(r.hr_ci_high) - math.log(r.hr_ci_low)) / (2 * 1.96))
    assert abs(ratios["weighted"][0]) < Z * ratios["weighted"][1]
    assert ratios["plain"][0] < -Z * ratios["plain"][1]
    # The weighted comparison curve sits on the treated one at the horizon.
    km = weighted.km.set_index("group")
    at = lambda g: km.loc[g][km.loc[g].time <= 365].survival.iloc[-1]
    assert abs(at("treated") - at("comparison")) < Z * weighted.se


def test_censoring_weights_are_checked():
    df, cw = informative_censoring(n=500)
    with pytest.raises(EffectInputError, match="lacks columns"):
        estimate_effect(
            df,
            "t",
            kind="time_to_event",
            duration="d",
            event="e",
            horizon=365,
            censoring_weights=cw.drop(columns="weight"),
            n_bootstrap=0,
        )
    with pytest.raises(EffectInputError, match="positive"):
        estimate_effect(
            df,
            "t",
            kind="time_to_event",
            duration="d",
            event="e",
            horizon=365,
            censoring_weights=cw.assign(weight=0.0),
            n_bootstrap=0,
        )


def test_censoring_model_recovers_the_chance_of_joining():
    """The fitted weights are 1 / (1 - p) with p planted by rating, compounding over two cohorts."""
    from mentorship.effect_tables import CENSORING_COVARIATES, censoring_weights

    rng = np.random.default_rng(20)
    n = 20000
    rating = rng.integers(1, 6, n)

    def chance(r):  # logistic in the rating: 2% at 1, 23% at 5
        return 1 / (1 + np.exp(4 - 0.7 * (r - 1)))

    p = chance(rating)
    rows = []
    for _k, (cohort, day) in enumerate((("2024-H1", 180), ("2024-H2", 360))):
        rows.append(
            pd.DataFrame(
                {
                    "employee_id": np.arange(n).astype(str),
                    "cohort": "2023-H2",
                    "later_cohort": cohort,
                    "days_to_window": day,
                    "months_to_weight_step": day + 13,
                    "performance_rating": rating,
                    "joined": (rng.random(n) < p).astype(int),
                }
            )
        )
    risk = pd.concat(rows, ignore_index=True)
    first = risk[risk.later_cohort == "2024-H1"]
    risk = risk[~risk.employee_id.isin(first.employee_id[first.joined == 1]) | (risk.later_cohort == "2024-H1")]
    for c in CENSORING_COVARIATES:
        risk[c] = risk.get(c, np.nan)
    w = censoring_weights(risk).merge(pd.DataFrame({"employee_id": np.arange(n).astype(str), "rating": rating}))
    for r in (1, 3, 5):
        pr = chance(r)
        got = w[(w.rating == r) & (w.time == 193)].weight.mean()
        se = math.sqrt(pr * (1 - pr) / (2 * n / 5)) / (1 - pr) ** 2
        assert abs(got - 1 / (1 - pr)) < Z * se, r
        # Weights compound: at the second cohort, the first cohort's factor times the second's.
        both = w[w.rating == r].pivot(index="employee_id", columns="time", values="weight").dropna()
        second = both[373] / both[193]
        assert abs(second.mean() - 1 / (1 - pr)) < Z * se * math.sqrt(2), r


def joining_risk(df: pd.DataFrame, low: np.ndarray, joins: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The censoring model's inputs for ``informative_censoring``: one risk row per comparison person
    still followed at day 100, and the map from those people to the frame's rows."""
    from mentorship.effect_tables import CENSORING_COVARIATES

    at_risk = np.flatnonzero((df.t == 0).to_numpy() & (df.d >= 100).to_numpy())
    risk = pd.DataFrame(
        {
            "employee_id": at_risk.astype(str),
            "cohort": "c",
            "joined": joins[at_risk].astype(int),
            "months_to_weight_step": 100.0,
        }
    )
    for c in CENSORING_COVARIATES:
        risk[c] = np.nan
    risk["performance_rating"] = low[at_risk].astype(float)
    units = pd.DataFrame({"unit": at_risk, "employee_id": at_risk.astype(str), "cohort": "c"})
    return risk, units


def informative_censoring_with_model(n, seed):
    """``informative_censoring`` with who was low-risk (drawn second from the same seed) and who joined."""
    df, _ = informative_censoring(n=n, seed=seed)
    rng = np.random.default_rng(seed)
    rng.integers(0, 2, n)
    low = rng.random(n) < 0.5
    return df, low, (df.e == 0).to_numpy()


def test_censoring_model_refit_matches_a_full_refit_of_a_bootstrap_replicate():
    """Three Newton steps from the full-sample fit land on sklearn's own fit of the replicate."""
    from sklearn.linear_model import LogisticRegression

    from mentorship.effect_tables import CensoringModel

    df, low, joins = informative_censoring_with_model(4000, 23)
    risk, units = joining_risk(df, low, joins)
    model = CensoringModel(risk, units)
    counts = np.random.default_rng(1).poisson(1.0, len(df)).astype(float)
    got = model(pd.Series(counts, index=df.index)).set_index("unit").weight
    rows = counts[units.unit.to_numpy()]
    x = risk[["performance_rating"]].to_numpy()
    x = (x - x.mean()) / x.std()
    fit = LogisticRegression(C=10.0, max_iter=1000, tol=1e-10).fit(x, risk.joined, sample_weight=rows)
    stay = (risk.joined == 0).to_numpy()
    expected = pd.Series(1 / (1 - fit.predict_proba(x)[:, 1][stay]), index=units.unit.to_numpy()[stay])
    assert np.allclose(got.loc[expected.index], expected, rtol=1e-6)
    # The replicate's weights differ from the full sample's: the refit is not a no-op.
    assert not np.allclose(got, model().set_index("unit").weight, rtol=1e-4)


def test_a_censoring_model_is_refitted_in_every_bootstrap_replicate():
    from mentorship.effect_tables import CensoringModel

    df, low, joins = informative_censoring_with_model(3000, 29)
    risk, units = joining_risk(df, low, joins)
    model = CensoringModel(risk, units)
    calls = []

    def spy(unit_weights=None):
        calls.append(unit_weights)
        return model(unit_weights)

    kw = {
        "covariates": ["x"],
        "kind": "time_to_event",
        "duration": "d",
        "event": "e",
        "horizon": 365,
        "n_bootstrap": 40,
        "seed": 3,
    }
    refitted = estimate_effect(df, "t", censoring_weights=spy, **kw)
    fixed = estimate_effect(df, "t", censoring_weights=model(), **kw)
    assert refitted.estimate == fixed.estimate  # the point estimate uses the full-sample fit either way
    assert calls[0] is None and len(calls) == 1 + refitted.n_bootstrap
    replicate = calls[1]
    assert replicate.index.equals(df.index) and (replicate % 1 == 0).all() and replicate.sum() == len(df)
    assert refitted.se != fixed.se


def test_the_pipeline_holds_censoring_weights_fixed_unless_asked_to_refit():
    from mentorship.effect_tables import CensoringModel, EffectSettings
    from mentorship.effect_tables.censoring import _censoring
    from mentorship.effect_tables.tasks import _Task

    df, low, joins = informative_censoring_with_model(500, 37)
    model = CensoringModel(*joining_risk(df, low, joins))
    task = _Task(
        "mentee",
        "retained",
        "Retained",
        "time_to_event",
        12,
        "overall",
        "all",
        df,
        duration="d",
        event="e",
        horizon_time=365.0,
        censoring=model,
    )
    fixed = _censoring(task, EffectSettings())
    assert isinstance(fixed, pd.DataFrame) and fixed.equals(model())
    assert _censoring(task, EffectSettings(refit_censoring=True)) is model
    assert (
        _censoring(
            _Task("mentee", "salary_growth", "Salary", "continuous", 12, "overall", "all", df, outcome_col="d"),
            EffectSettings(),
        )
        is None
    )


def test_newton_refit_matches_scikit_learn_on_a_bootstrap_replicate():
    """What every bootstrap replicate's logistic refit rests on."""
    from sklearn.linear_model import LogisticRegression

    from mentorship.effects import LogitRefit, fit_logit

    rng = np.random.default_rng(31)
    x = rng.normal(size=(3000, 6))
    y = (rng.random(3000) < 1 / (1 + np.exp(-(x @ np.array([1.0, -0.5, 0.3, 0.0, 2.0, -1.0]) - 1)))).astype(float)
    full = LogisticRegression(C=10.0, tol=1e-6, max_iter=1000).fit(x, y)
    counts = rng.multinomial(3000, np.full(3000, 1 / 3000)).astype(float)
    exact = LogisticRegression(C=10.0, tol=1e-12, max_iter=10000).fit(x, y, sample_weight=counts)
    start = np.r_[full.intercept_, full.coef_.ravel()]
    truth = np.r_[exact.intercept_, exact.coef_.ravel()]
    assert np.allclose(fit_logit(x, y, counts, c=10.0, beta=start)[0], truth, atol=1e-6)
    refit = LogitRefit(x, y, start, c=10.0)
    assert np.allclose(refit(counts), truth, atol=1e-6)
    assert not np.allclose(refit(counts), start, atol=1e-3)  # the replicate moved it
    # A tiny sample, where a replicate's Hessian is far from the full sample's, still lands on the fit.
    few = rng.multinomial(60, np.full(60, 1 / 60)).astype(float)
    base = LogisticRegression(C=10.0, tol=1e-10).fit(x[:60], y[:60])
    small = LogitRefit(x[:60], y[:60], np.r_[base.intercept_, base.coef_.ravel()])
    expected = LogisticRegression(C=10.0, tol=1e-12, max_iter=10000).fit(x[:60], y[:60], sample_weight=few)
    assert np.allclose(small(few), np.r_[expected.intercept_, expected.coef_.ravel()], atol=1e-5)


def test_a_horizon_estimate_without_curves_is_the_same_estimate():
    df, cw = informative_censoring(n=1500)
    kw = {
        "covariates": ["x"],
        "kind": "time_to_event",
        "duration": "d",
        "event": "e",
        "horizon": 365,
        "n_bootstrap": 30,
        "seed": 4,
        "censoring_weights": cw,
    }
    full, lean = estimate_effect(df, "t", **kw), estimate_effect(df, "t", curves=False, **kw)
    assert (lean.estimate, lean.ci_low, lean.ci_high) == (full.estimate, full.ci_low, full.ci_high)
    assert lean.km is None and math.isnan(lean.hazard_ratio) and not math.isnan(full.hazard_ratio)


def test_a_horizon_beyond_everyone_s_follow_up_is_refused():
    df, _ = informative_censoring(n=400)
    with pytest.raises(EffectInputError, match="followed up to the horizon"):
        estimate_effect(
            df.assign(d=df.d.clip(upper=200)),
            "t",
            kind="time_to_event",
            duration="d",
            event="e",
            horizon=365,
            n_bootstrap=0,
        )


# ---------------------------------------------------------------------------------------------
# Influence-function intervals


def test_incidence_influence_is_the_derivative_in_each_row_weight():
    """Every row's influence equals a central finite difference of the estimate in its weight,
    with a competing event, tied times and rows that enter late."""
    from mentorship.effects import cumulative_incidence, incidence_influence

    rng = np.random.default_rng(41)
    n = 80
    entry = np.where(rng.random(n) < 0.3, rng.integers(0, 10, n), -np.inf).astype(float)
    d = np.maximum(rng.integers(1, 30, n), np.where(np.isfinite(entry), entry + 1, 0)).astype(float)
    e = rng.choice([0, 1, 2], n, p=[0.4, 0.4, 0.2]).astype(float)
    w = rng.uniform(0.5, 2.0, n)
    phi = incidence_influence(entry, d, e, w, 20.0)
    h = 1e-6
    fd = np.array(
        [
            (
                cumulative_incidence(d, e, w * np.where(np.arange(n) == i, 1 + h, 1), 20.0, entry)
                - cumulative_incidence(d, e, w * np.where(np.arange(n) == i, 1 - h, 1), 20.0, entry)
            )
            / (2 * h)
            for i in range(n)
        ]
    )
    assert np.abs(fd).max() > 1e-3
    assert np.allclose(phi, fd, atol=1e-8)


@pytest.mark.parametrize("binary,method", [(False, "aipw"), (True, "aipw"), (False, "ipw")])
def test_influence_is_the_derivative_of_the_whole_estimator(binary, method):
    """Through the refitted propensity and outcome models too: each unit's influence equals the
    finite difference of the estimate, models refitted exactly, in that unit's log-weight."""
    from mentorship.effects.design import _design
    from mentorship.effects.influence import _influence_means
    from mentorship.effects.means import _point
    from mentorship.effects.models import _Models

    df, _ = confounded(n=150, seed=43, binary=binary)
    design = _design(df, ["x", "group"])
    t, y, s = df.t.to_numpy(float), df.y.to_numpy(float), np.ones(len(df))
    models = _Models()
    _point(models, design.x, t, y, s, "ATT", method, binary)
    models.replicate = True  # from here on every fit converges to 1e-10

    def estimate(weights):
        return _point(models, design.x, t, y, weights, "ATT", method, binary)

    _, e, _, mu0 = estimate(s)
    phi = _influence_means(design.x, t, y, s, e, mu0 if mu0 is not None else 0.0, method, binary, _Models.C)
    h = 1e-5
    fd = np.array(
        [
            (
                estimate(s * np.where(np.arange(len(s)) == i, 1 + h, 1))[0]
                - estimate(s * np.where(np.arange(len(s)) == i, 1 - h, 1))[0]
            )
            / (2 * h)
            for i in range(len(s))
        ]
    )
    assert np.allclose(phi, fd, atol=1e-7 * np.abs(fd).max() + 1e-9)


def test_influence_of_the_horizon_estimate_includes_the_propensity_refit():
    from mentorship.effects.design import _design
    from mentorship.effects.influence import _influence_incidence
    from mentorship.effects.models import _Models
    from mentorship.effects.segments import _segments
    from mentorship.effects.survival import _incidence_difference

    df, _ = confounded(n=150, seed=47)
    rng = np.random.default_rng(47)
    d = np.round(rng.exponential(200 / np.exp(0.4 * df.x - 0.3 * df.t)) + 1)
    codes = np.where(d < 300, rng.choice([1, 2], len(d), p=[0.8, 0.2]), 0).astype(float)
    d = np.minimum(d, 300)
    design = _design(df, ["x", "group"])
    t, s = df.t.to_numpy(float), np.ones(len(df))
    stay = np.flatnonzero((t == 0) & (d > 50))[:20]
    seg = _segments(d, codes, pd.DataFrame({"unit": stay, "time": 50.0, "weight": 1.3}))
    models = _Models()
    models.propensity(design.x, t, s)
    models.replicate = True
    e = models.propensity(design.x, t, s)
    phi = _influence_incidence(design.x, t, s, e, seg, d, codes, "ATT", 180.0, _Models.C)
    h = 1e-5
    fd = np.array(
        [
            (
                _incidence_difference(
                    models, design.x, t, seg, s * np.where(np.arange(len(s)) == i, 1 + h, 1), "ATT", 180.0
                )
                - _incidence_difference(
                    models, design.x, t, seg, s * np.where(np.arange(len(s)) == i, 1 - h, 1), "ATT", 180.0
                )
            )
            / (2 * h)
            for i in range(len(s))
        ]
    )
    assert np.allclose(phi, fd, atol=1e-7 * np.abs(fd).max() + 1e-9)


def test_influence_intervals_agree_with_the_bootstrap():
    """Same frame, same clusters: the two standard errors differ by no more than the bootstrap's own
    Monte Carlo error allows (its relative standard error is 1 / sqrt(2 (B - 1)))."""
    df, _ = confounded(n=3000, seed=53)
    df["person"] = np.arange(len(df)) // 2
    b = 300
    tol = 4 / math.sqrt(2 * (b - 1)) + 0.05  # plus the two methods' O(1/n) difference
    boot = estimate_effect(df, "t", "y", ["x", "group"], kind="continuous", n_bootstrap=b, seed=5, cluster="person")
    infl = estimate_effect(df, "t", "y", ["x", "group"], kind="continuous", uncertainty="influence", cluster="person")
    assert infl.estimate == boot.estimate and infl.n_bootstrap == 0
    assert infl.ci_method == "influence function" and boot.ci_method.startswith("percentile bootstrap")
    assert abs(infl.se / boot.se - 1) < tol
    assert infl.ci_low < infl.estimate < infl.ci_high


def test_influence_intervals_cover_the_planted_effect():
    """Coverage over 200 planted samples, for a continuous effect and a difference in the chance of an
    event by a horizon: within three binomial standard errors of 95%."""
    rng = np.random.default_rng(59)
    hits = {"continuous": 0, "horizon": 0}
    # The horizon truth: the treated's event chance with and without treatment, by simulation.
    big = rng.normal(size=2_000_000)
    big_t = rng.random(len(big)) < 1 / (1 + np.exp(-(-1.0 + big)))
    xt = big[big_t]
    horizon_truth = float(np.mean(np.exp(-np.exp(0.5 * xt) / 2) - np.exp(-np.exp(0.5 * xt - 0.5) / 2)))  # F1 - F0
    reps = 200
    for _i in range(reps):
        x = rng.normal(size=800)
        t = (rng.random(800) < 1 / (1 + np.exp(-(-1.0 + x)))).astype(int)
        y = 1 + x + 0.5 * t + rng.normal(size=800)
        # exponential times with rate exp(0.5 x - 0.5 t) / 2 per unit time; censored uniformly on (0, 3)
        time = rng.exponential(2 / np.exp(0.5 * x - 0.5 * t))
        cens = rng.uniform(0, 3, 800)
        df = pd.DataFrame({"t": t, "x": x, "y": y, "d": np.minimum(time, cens), "e": (time <= cens).astype(int)})
        r = estimate_effect(df, "t", "y", ["x"], kind="continuous", uncertainty="influence")
        hits["continuous"] += r.ci_low <= 0.5 <= r.ci_high
        r = estimate_effect(
            df,
            "t",
            None,
            ["x"],
            kind="time_to_event",
            duration="d",
            event="e",
            horizon=1.0,
            uncertainty="influence",
            curves=False,
        )
        hits["horizon"] += r.ci_low <= horizon_truth <= r.ci_high
    band = 3 * math.sqrt(0.95 * 0.05 / reps)
    for name, k in hits.items():
        assert abs(k / reps - 0.95) < band, (name, k)


def test_influence_intervals_are_for_the_att_only():
    df, _ = confounded(n=400, seed=61)
    with pytest.raises(EffectInputError, match="ATT"):
        estimate_effect(df, "t", "y", ["x"], kind="continuous", estimand="ATE", uncertainty="influence")
    with pytest.raises(EffectInputError, match="uncertainty"):
        estimate_effect(df, "t", "y", ["x"], kind="continuous", uncertainty="jackknife")


def test_cox_binary_matches_lifelines_robust_fit_without_ties():
    """The large-sample Cox fit gives lifelines' weighted estimate and robust standard error."""
    from lifelines import CoxPHFitter

    from mentorship.effects import cox_binary

    rng = np.random.default_rng(67)
    n = 3000
    x = rng.integers(0, 2, n).astype(float)
    w = rng.uniform(0.5, 2.0, n)
    time, cens = rng.exponential(1 / np.exp(0.4 * x)), rng.exponential(1.5, n)
    df = pd.DataFrame({"d": np.minimum(time, cens), "e": (time <= cens).astype(float), "t": x, "w": w})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = CoxPHFitter().fit(df, "d", "e", weights_col="w", robust=True)
    beta, se = cox_binary(df.d.to_numpy(), df.e.to_numpy(), x, w)
    assert beta == pytest.approx(ref.params_["t"], abs=1e-6)
    assert se == pytest.approx(ref.standard_errors_["t"], rel=1e-5)
    # Pairs of rows that are one person: the clustered error is larger, since each pair moves together.
    doubled = np.r_[df.d, df.d], np.r_[df.e, df.e], np.r_[x, x], np.r_[w, w]
    b2, se_rows = cox_binary(*doubled)
    _, se_people = cox_binary(*doubled, clusters=np.r_[np.arange(n), np.arange(n)])
    assert b2 == pytest.approx(beta, abs=1e-8)
    assert se_people == pytest.approx(se_rows * math.sqrt(2), rel=1e-6)


@pytest.mark.parametrize("uncertainty", ["bootstrap", "influence"])
def test_estimates_sharing_a_propensity_fit_are_the_estimates_made_apart(uncertainty, monkeypatch):
    """Inside ``shared_fits``, outcomes measured on the same frame fit its design and propensity once,
    and every figure equals the one a separate call gives; a different row set is fitted anew."""
    import mentorship.effects as effects
    import mentorship.effects.propensity as propensity

    df, _ = confounded(n=3000, seed=23)
    df["flag"] = (df.y > df.y.median()).astype(float)
    df["later"] = np.where(df.index % 7 == 0, np.nan, df.y)  # its own rows: some outcomes missing
    df["d"] = np.random.default_rng(23).exponential(2.0, len(df))
    df["e"] = (df.d < 3).astype(int)
    df["d"] = df.d.clip(upper=3)
    calls = [
        ("y", "continuous", {}),
        ("flag", "binary", {}),
        ("later", "continuous", {}),
        (None, "time_to_event", {"duration": "d", "event": "e", "horizon": 2.0}),
    ]

    def run():
        return [
            estimate_effect(
                df, "t", y, ["x", "group"], kind=k, n_bootstrap=30, seed=3, uncertainty=uncertainty, **kw
            ).to_dict()
            for y, k, kw in calls
        ]

    apart = run()
    designs = []
    real = propensity._design
    monkeypatch.setattr(propensity, "_design", lambda *a: designs.append(1) or real(*a))
    with effects.shared_fits():
        together = run()
    assert len(designs) == 2  # the full rows once, the rows with "later" observed once
    for a, b in zip(apart, together):
        for key in ("estimate", "ci_low", "ci_high", "se", "naive", "n_treated_used", "max_abs_smd_after"):
            assert a[key] == pytest.approx(b[key], rel=1e-12, abs=1e-12), key


@pytest.mark.parametrize("n,separated", [(400, False), (120_000, False), (3000, True)])
def test_newton_fit_is_scikit_learns_logistic_regression(n, separated):
    """The fit behind every propensity and binary outcome model: the same optimum as scikit-learn's,
    with the Hessian the influence functions reuse."""
    from sklearn.linear_model import LogisticRegression

    from mentorship.effects import fit_logit
    from mentorship.effects.models import _gram

    rng = np.random.default_rng(53)
    x = np.column_stack([rng.normal(size=(n, 5)), rng.random(n) < 0.1])
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    y = (rng.random(n) < 1 / (1 + np.exp(-(x @ np.array([1.0, -0.5, 0.3, 0.0, 2.0, -1.5]) - 1)))).astype(float)
    if separated:  # a rare level in which everyone is treated: a direction with almost no curvature
        y[x[:, 5] > 0] = 1.0
    s = rng.gamma(2.0, 0.5, n)
    exact = LogisticRegression(C=10.0, tol=1e-12, max_iter=10000).fit(x, y, sample_weight=s)
    beta, hess = fit_logit(x, y, s, c=10.0)
    assert np.allclose(beta, np.r_[exact.intercept_, exact.coef_.ravel()], atol=1e-6)
    p = 1 / (1 + np.exp(-(beta[0] + x @ beta[1:])))
    # at the last step's start, within a step of 1e-6 or less of the optimum
    assert np.allclose(hess, 10.0 * _gram(x, s * p * (1 - p)) + np.diag(np.r_[0.0, np.ones(6)]), rtol=1e-4)


def test_least_squares_outcome_model_is_scikit_learns_linear_regression():
    """Including a column that is constant in the fitted group but not in the people it predicts for:
    scikit-learn gives it no weight, and so must the normal equations."""
    from sklearn.linear_model import LinearRegression

    from mentorship.effects.models import _Models

    rng = np.random.default_rng(59)
    n = 2000
    x = np.column_stack([rng.normal(size=(n, 3)), rng.random(n) < 0.2])
    fit = x[:, 3] == 0  # the fourth column is constant (zero) where the model is fitted
    y = x[:, :3] @ np.array([1.0, 2.0, -1.0]) + rng.normal(size=n)
    s = rng.gamma(2.0, 0.5, n)
    models = _Models()
    ours = models.linear("untreated", x[fit], y[fit], s[fit], x)
    theirs = LinearRegression().fit(x[fit], y[fit], sample_weight=s[fit]).predict(x)
    assert np.allclose(ours, theirs, atol=1e-9)
    assert "untreated" in models.hessians


@pytest.mark.parametrize("binary", [False, True])
def test_influence_with_the_fits_own_hessians_is_the_same(binary):
    from mentorship.effects.design import _design
    from mentorship.effects.influence import _influence_means
    from mentorship.effects.means import _point
    from mentorship.effects.models import _Models

    df, _ = confounded(n=400, seed=61, binary=binary)
    design = _design(df, ["x", "group"])
    t, y, s = df.t.to_numpy(float), df.y.to_numpy(float), np.ones(len(df))
    models = _Models()
    _, e, _, mu0 = _point(models, design.x, t, y, s, "ATT", "aipw", binary)
    assert set(models.hessians) == {"propensity", "untreated"}
    reused = _influence_means(design.x, t, y, s, e, mu0, "aipw", binary, _Models.C, models.hessians)
    computed = _influence_means(design.x, t, y, s, e, mu0, "aipw", binary, _Models.C)
    # the fit's Hessian is taken at its last step's start, within 1e-6 of the optimum
    assert np.allclose(reused, computed, rtol=0, atol=1e-5 * np.abs(computed).max())
    assert np.sqrt(np.sum(reused**2)) == pytest.approx(np.sqrt(np.sum(computed**2)), rel=1e-6)


def test_refits_of_nearly_separated_replicates_are_scikit_learns_fits():
    """A rare outcome, a dozen covariates and a hundred people: many replicates leave the outcome
    (nearly) separated. Each refit is still the penalised fit scikit-learn finds from scratch. (Refits
    once took undamped Newton steps there, which diverged: "Singular matrix", which suppressed the
    estimate, or wild replicates that widened its interval.)"""
    from sklearn.linear_model import LogisticRegression

    from mentorship.effects import LogitRefit

    checked = 0
    for seed in (4, 10):
        rng = np.random.default_rng(seed)
        n, p = 120, 10
        x = rng.normal(size=(n, p))
        x[:, :3] = rng.random((n, 3)) < 0.15
        x = (x - x.mean(0)) / x.std(0)
        y = (rng.random(n) < 0.06).astype(float)
        full = LogisticRegression(C=10.0, tol=1e-8, max_iter=1000).fit(x, y)
        refit = LogitRefit(x, y, np.r_[full.intercept_, full.coef_.ravel()], 10.0)
        for _ in range(20):
            w = rng.multinomial(n, np.full(n, 1 / n)).astype(float)
            if len(np.unique(y[w > 0])) < 2:
                continue
            exact = LogisticRegression(C=10.0, tol=1e-12, max_iter=100000).fit(x, y, sample_weight=w)
            ours = refit(w)
            p_ours = 1 / (1 + np.exp(-(ours[0] + x @ ours[1:])))
            assert np.allclose(p_ours, exact.predict_proba(x)[:, 1], atol=1e-5)
            checked += 1
    assert checked >= 30


def test_bootstrap_refits_are_exact_for_a_rare_outcome(monkeypatch):
    """End to end: with an outcome this rare in the comparison group, the bootstrap interval is the one
    that refitting every replicate's models from scratch gives."""
    from sklearn.linear_model import LogisticRegression

    from mentorship.effects import LogitRefit

    rng = np.random.default_rng(71)
    n = 400
    df = pd.DataFrame(
        {"x": rng.normal(size=n), "z": rng.normal(size=n), "level": rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1])}
    )
    df["t"] = (rng.random(n) < 1 / (1 + np.exp(-(df.x - 1.5)))).astype(int)
    df["y"] = (rng.random(n) < 0.015 + 0.03 * df.t).astype(int)
    kw = {"covariates": ["x", "z", "level"], "kind": "binary", "n_bootstrap": 80, "seed": 5, "trim": 0}
    ours = estimate_effect(df, "t", "y", **kw)

    def from_scratch(self, w, tol=None):
        m = LogisticRegression(C=self.c, tol=1e-10, max_iter=10000).fit(self.x, self.y, sample_weight=w)
        return np.r_[m.intercept_, m.coef_.ravel()]

    monkeypatch.setattr(LogitRefit, "__call__", from_scratch)
    theirs = estimate_effect(df, "t", "y", **kw)
    assert ours.n_bootstrap == theirs.n_bootstrap == 80
    assert ours.se == pytest.approx(theirs.se, rel=1e-4)
    assert (ours.ci_low, ours.ci_high) == pytest.approx((theirs.ci_low, theirs.ci_high), rel=1e-4, abs=1e-6)


def test_split_rows_do_not_count_a_unit_twice_on_the_curves():
    """Censoring weights of 1 split every unit at its step without changing anything: the curves must be
    the unsplit curves (lifelines counts a row at risk from its entry inclusive, so rows that meet at a
    step would count the unit twice there)."""
    df, cw = informative_censoring(n=3000)
    kw = {"covariates": ["x"], "kind": "time_to_event", "duration": "d", "event": "e", "n_bootstrap": 0, "seed": 2}
    split = estimate_effect(df, "t", censoring_weights=cw.assign(weight=1.0), **kw).km
    whole = estimate_effect(df, "t", **kw).km
    for g in ("treated", "comparison"):
        a, b = split[split.group == g].set_index("time").survival, whole[whole.group == g].set_index("time").survival
        grid = np.linspace(0, min(a.index.max(), b.index.max()), 50)
        at = lambda s: s.reindex(s.index.union(grid)).ffill().loc[grid].to_numpy()
        assert np.allclose(at(a), at(b), atol=1e-9), g


def test_kaplan_meier_matches_lifelines_on_whole_units():
    """The numpy Kaplan-Meier (which the curves use, with split rows) against lifelines where there is no
    entry time: the same survival, weighted or not, and without weights the same log(-log) Greenwood
    band (with weights lifelines' band differs slightly; ours plugs the weighted counts into Greenwood)."""
    from lifelines import KaplanMeierFitter

    from mentorship.effects import kaplan_meier

    rng = np.random.default_rng(5)
    d = np.round(rng.exponential(200, 2000)) + 1
    e = (rng.random(2000) < 0.7).astype(float)
    for w in (np.ones(2000), rng.uniform(0.5, 2.0, 2000)):
        time, surv, lo, hi = kaplan_meier(d, e, w)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            km = KaplanMeierFitter().fit(d, e, weights=w)
        ref = km.survival_function_.iloc[:, 0].reindex(time, method="ffill").to_numpy()
        assert np.allclose(surv, ref, atol=1e-10)
        if (w == 1).all():
            band = km.confidence_interval_survival_function_.reindex(time, method="ffill").to_numpy()
            assert np.allclose(lo, band[:, 0], atol=1e-10) and np.allclose(hi, band[:, 1], atol=1e-10)
