"""Standard errors of the raw differences, and Aalen-Johansen curves that agree with the horizon
estimates. Planted truths with fixed seeds; tolerances from sampling error, never from a previous run."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from mentorship.effects import aalen_johansen_curve, cumulative_incidence, estimate_effect
from mentorship.effects.incidence import _aj_influence
from mentorship.effects.influence import _influence_se

Z = 3.0


def competing(n, l1, l2, follow_up, rng):
    """Event of interest at rate l1, a competing event at rate l2, uniform censoring: (d, codes)."""
    t1, t2, c = rng.exponential(1 / l1, n), rng.exponential(1 / l2, n), rng.uniform(0, follow_up, n)
    d = np.minimum(np.minimum(t1, t2), c)
    return d, np.select([d == t1, d == t2], [1.0, 2.0], 0.0)


def true_cif(l1, l2, t):
    return l1 / (l1 + l2) * (1 - np.exp(-(l1 + l2) * t))


def greenwood_se(d, e, h):
    """Greenwood's standard error of Kaplan-Meier at h, written out (unweighted, no entry)."""
    times = np.unique(d[(e == 1) & (d <= h)])
    at_risk = np.array([(d >= t).sum() for t in times])
    events = np.array([((d == t) & (e == 1)).sum() for t in times])
    surv = np.prod(1 - events / at_risk)
    return surv * math.sqrt(np.sum(events / (at_risk * (at_risk - events))))


def weighted_rows(n=3000, seed=0):
    """Tied times, competing events, weights (some zero), late entries and clusters of rows."""
    rng = np.random.default_rng(seed)
    d = np.round(rng.exponential(20, n)) + 1
    codes = rng.choice([0, 1, 2], n, p=[0.4, 0.4, 0.2]).astype(float)
    w = rng.uniform(0.5, 2, n)
    w[:50] = 0
    entry = np.where(rng.random(n) < 0.3, d * rng.random(n) - 0.5, -np.inf)
    return d, codes, w, entry, rng.integers(0, n // 4, n)


def finite_difference(d, codes, w, h, entry, i, eps=1e-6):
    """w_i times the derivative of the incidence in w_i, centrally."""
    up, down = w.copy(), w.copy()
    up[i], down[i] = w[i] * (1 + eps), w[i] * (1 - eps)
    return (cumulative_incidence(d, codes, up, h, entry) - cumulative_incidence(d, codes, down, h, entry)) / (2 * eps)


def test_aj_influence_is_cumulative_incidence_exactly_with_its_derivatives():
    d, codes, w, entry, _ = weighted_rows()
    for h in (5, 17.5, 40, np.inf):
        for e in (entry, None):
            cif, phi = _aj_influence(d, codes, w, h, e)
            assert cif == cumulative_incidence(d, codes, w, h, e)
            assert (phi[w == 0] == 0).all()
            for i in (60, 123, 777, 2999):
                # a central difference's error is O(eps^2) of a quantity of order 1/n
                assert phi[i] == pytest.approx(finite_difference(d, codes, w, h, e, i), abs=1e-9)


def test_everyone_at_risk_having_the_event_is_no_division_by_zero():
    # The last two at risk (weights 0.9 and 1.1) both have the event at time 5: 1 - dL = 0 there.
    d = np.array([1.0, 2, 3, 5, 5, 6])
    codes = np.array([1.0, 0, 2, 1, 1, 0])
    w = np.array([1.0, 0.3, 0.7, 0.9, 1.1, 0.0])
    for h in (4, 5, 10):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            cif, phi = _aj_influence(d, codes, w, h)
        assert np.isfinite(phi).all()
        for i in range(5):
            assert phi[i] == pytest.approx(finite_difference(d, codes, w, h, None, i), abs=1e-8)
    # 1/4 at time 1; then whoever has not had the competing event (2 of 2.7 at time 3) has it at 5
    assert cif == pytest.approx(0.25 + 0.75 * 2 / 2.7, abs=1e-12)


def test_aj_standard_error_without_competing_events_is_greenwood_s():
    """With no competing events and no entry, the incidence is 1 - Kaplan-Meier and its influence-function
    variance is Greenwood's (the infinitesimal jackknife of Kaplan-Meier: Efron 1981), here times
    _influence_se's small-sample factor n / (n - 1)."""
    rng = np.random.default_rng(3)
    n = 3000
    time, censor = rng.exponential(10, n), rng.uniform(0, 20, n)
    d, e = np.round(np.minimum(time, censor), 1), (time <= censor).astype(float)  # rounded: tied times too
    for h in (2.0, 8.0, 15.0):
        _cif, phi = _aj_influence(d, e, np.ones(n), h)
        assert _influence_se(phi, None) == pytest.approx(greenwood_se(d, e, h) * math.sqrt(n / (n - 1)), rel=1e-9)


def test_aj_standard_error_is_calibrated_over_repeated_samples():
    """Exponential event and competing hazards, so F1(h) is known. Over R samples the mean standard error
    should match the estimates' spread, and 95% intervals cover F1(h) 95% of the time."""
    l1, l2, h, n, reps = 0.1, 0.05, 8.0, 400, 1000
    truth = true_cif(l1, l2, h)
    rng = np.random.default_rng(11)
    est, se = np.empty(reps), np.empty(reps)
    for k in range(reps):
        d, codes = competing(n, l1, l2, 20, rng)
        est[k], phi = _aj_influence(d, codes, np.ones(n), h)
        se[k] = _influence_se(phi, None)
    assert abs(est.mean() - truth) < Z * est.std() / math.sqrt(reps)
    # An SD from R samples has relative error 1 / sqrt(2 (R - 1)), 2.2% at R = 1000; 10% leaves room for
    # the sandwich's O(1/n) bias on top.
    assert se.mean() / est.std(ddof=1) == pytest.approx(1, abs=0.10)
    covered = np.mean(np.abs(est - truth) <= 1.959964 * se)
    assert abs(covered - 0.95) < Z * math.sqrt(0.95 * 0.05 / reps)


def test_the_curve_s_standard_error_is_the_pointwise_one_at_every_time():
    d, codes, w, entry, clusters = weighted_rows()
    for e, cl in ((entry, clusters), (None, None), (entry, None)):
        times, cif, se = aalen_johansen_curve(d, codes, w, e, cl)
        assert times[0] == 0 and cif[0] == 0 and np.all(np.diff(times) > 0)
        for k in range(1, len(times)):
            c, phi = _aj_influence(d, codes, w, times[k], e)
            assert cif[k] == pytest.approx(c, abs=1e-12)
            assert se[k] == pytest.approx(_influence_se(phi, cl), rel=1e-8)
    # Every row twice, clustered by row: the same influence per cluster, so the same standard error;
    # unclustered, sqrt(2) smaller (twice the clusters, the same total; to the n/(n-1) factors).
    twice = lambda a: np.r_[a, a]
    times, cif, se = aalen_johansen_curve(d, codes, w, entry)
    _t2, cif2, se2 = aalen_johansen_curve(twice(d), twice(codes), twice(w), twice(entry), twice(np.arange(len(d))))
    assert np.allclose(cif2, cif, atol=1e-12) and np.allclose(se2, se, rtol=1e-9)
    n = len(d)
    se_rows = aalen_johansen_curve(twice(d), twice(codes), twice(w), twice(entry))[2]
    assert np.allclose(se_rows, se / math.sqrt(2) * math.sqrt((2 * n / (2 * n - 1)) / (n / (n - 1))), rtol=1e-9)


def test_binary_raw_difference_has_the_two_proportion_standard_error():
    rng = np.random.default_rng(21)
    n = 4000
    x = rng.normal(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-(0.5 * x)))).astype(int)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1 + x + 0.4 * t)))).astype(int)
    df = pd.DataFrame({"t": t, "x": x, "y": y, "person": np.arange(n)})
    r = estimate_effect(df, "t", "y", ["x"], kind="binary", n_bootstrap=0, trim=0)
    p1, p0, n1, n0 = y[t == 1].mean(), y[t == 0].mean(), (t == 1).sum(), (t == 0).sum()
    expected = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    # the same sum of squares, times _influence_se's n / (n - 1)
    assert r.naive_se == pytest.approx(expected * math.sqrt(n / (n - 1)), rel=1e-9)
    assert r.to_dict()["naive_se"] == r.naive_se
    # Each person twice, clustered by person: the same standard error; as rows, about sqrt(2) smaller.
    doubled = pd.concat([df, df], ignore_index=True)
    kw = {"kind": "binary", "n_bootstrap": 0, "trim": 0}
    assert estimate_effect(doubled, "t", "y", ["x"], cluster="person", **kw).naive_se == pytest.approx(r.naive_se)
    assert estimate_effect(doubled, "t", "y", ["x"], **kw).naive_se == pytest.approx(
        r.naive_se / math.sqrt(2), rel=1e-3
    )


def test_time_to_event_raw_difference_standard_error_is_greenwood_s_in_each_group():
    rng = np.random.default_rng(22)
    n = 4000
    t = rng.integers(0, 2, n)
    time, censor = rng.exponential(np.where(t == 1, 30, 20)), rng.uniform(0, 36, n)
    df = pd.DataFrame(
        {"t": t, "x": rng.normal(size=n), "d": np.round(np.minimum(time, censor)), "e": (time <= censor).astype(int)}
    )
    r = estimate_effect(
        df,
        "t",
        covariates=["x"],
        kind="time_to_event",
        duration="d",
        event="e",
        horizon=12,
        n_bootstrap=0,
        curves=False,
    )
    d, e = df.d.to_numpy(float), df.e.to_numpy(float)
    gw = math.hypot(greenwood_se(d[t == 1], e[t == 1], 12), greenwood_se(d[t == 0], e[t == 0], 12))
    assert r.naive_se == pytest.approx(gw * math.sqrt(n / (n - 1)), rel=1e-9)  # Greenwood's, as above


def exits(n=5000, seed=31):
    """Months to an exit (code 1) or a competing event (code 2) at known rates, censored uniformly over
    three years (so nobody is followed to 36); a sampling weight; some comparison people's weights step
    at month 6 (censoring weights); rows in pairs of one cluster. The truth: F1(t) per group."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t = (rng.random(n) < 1 / (1 + np.exp(-(-0.3 + 0.5 * x)))).astype(int)
    l1 = np.where(t == 1, 0.02, 0.04)
    t1, t2, c = rng.exponential(1 / l1), rng.exponential(1 / 0.01, n), rng.uniform(0, 36, n)
    d = np.minimum(np.minimum(t1, t2), c)
    codes = np.select([d == t1, d == t2], [1, 2], 0)
    d = np.round(d, 1)  # tied times too
    df = pd.DataFrame({"t": t, "x": x, "d": d, "e": codes, "sw": rng.uniform(0.5, 1.5, n), "person": np.arange(n) // 2})
    stay = np.flatnonzero((t == 0) & (d > 6))
    cw = pd.DataFrame({"unit": stay[::3], "time": 6.0, "weight": 1.2})
    return df, cw


def test_curves_read_at_a_horizon_are_the_horizon_probabilities():
    from mentorship.effect_tables.estimate import _monthly

    df, cw = exits()
    kw = {
        "covariates": ["x"],
        "kind": "time_to_event",
        "duration": "d",
        "event": "e",
        "weights": "sw",
        "cluster": "person",
        "censoring_weights": cw,
        "n_bootstrap": 0,
    }
    km = estimate_effect(df, "t", **kw).km
    monthly = _monthly(km).set_index(["group", "month"])
    for h in (1, 6, 12, 17.35, 24, 33):
        r = estimate_effect(df, "t", horizon=h, **kw)
        pd.testing.assert_frame_equal(r.km, km)
        for group, incidence in (("treated", r.treated_mean), ("comparison", r.treated_mean - r.estimate)):
            curve = km[km.group == group].sort_values("time")
            at = curve.iloc[np.searchsorted(curve.time.to_numpy(), h, side="right") - 1]
            assert at.survival == pytest.approx(1 - incidence, abs=1e-9)
            if float(h).is_integer():
                assert monthly.loc[(group, int(h)), "survival"] == pytest.approx(1 - incidence, abs=1e-9)
    # The treated band is the horizon probability's own interval (the sampling weights, clustered).
    tr = (df.t == 1).to_numpy()
    curve = km[km.group == "treated"]
    at = curve.iloc[np.searchsorted(curve.time.to_numpy(), 12, side="right") - 1]
    _cif, phi = _aj_influence(df.d.to_numpy(float)[tr], df.e.to_numpy(float)[tr], df.sw.to_numpy()[tr], 12)
    half = 1.959964 * _influence_se(phi, df.person.to_numpy()[tr])
    assert (at.survival - at.ci_low, at.ci_high - at.survival) == pytest.approx((half, half), rel=1e-5)
    assert ((km.ci_low <= km.survival) & (km.survival <= km.ci_high)).all()
    assert ((km.ci_low >= 0) & (km.ci_high <= 1)).all()


def test_curves_are_aalen_johansen_not_kaplan_meier():
    """With a competing event the curve is one minus the incidence of the exit, F1(t) = l1 / (l1 + l2)
    (1 - exp(-(l1 + l2) t)), not Kaplan-Meier's exp(-l1 t), which counts competing events as censoring."""
    df, _ = exits(n=20000, seed=32)
    km = estimate_effect(df, "t", covariates=["x"], kind="time_to_event", duration="d", event="e", n_bootstrap=0).km
    curve = km[km.group == "treated"].sort_values("time")
    for month in (6, 12, 24, 33):
        at = curve.iloc[np.searchsorted(curve.time.to_numpy(), month, side="right") - 1]
        se = (at.ci_high - at.ci_low) / (2 * 1.959964)
        truth = true_cif(0.02, 0.01, month)
        assert abs(1 - at.survival - truth) < Z * se
        if month >= 24:  # where the two differ by more than the curve's error
            assert (1 - math.exp(-0.02 * month)) - (1 - at.survival) > Z * se
