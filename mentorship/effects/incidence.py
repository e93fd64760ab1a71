"""Weighted survival and cumulative incidence on risk sets (entry, d]: Kaplan-Meier,
Aalen-Johansen at a horizon with each row's influence on it, and the Aalen-Johansen curve with its
pointwise standard errors."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentorship.effects.segments import _at_risk


def kaplan_meier(
    d: np.ndarray, e: np.ndarray, w: np.ndarray, entry: np.ndarray | None = None, alpha: float = 0.05
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weighted Kaplan-Meier survival (event code 1; anything else censors) with its pointwise band:
    (times starting at 0, survival, band low, band high). With ``entry`` each row is at risk on
    (entry, d] only, the same risk sets as ``cumulative_incidence``, so a unit split into rows at its
    weight steps is counted once at every time. The band is Greenwood's on the log(-log) scale, as
    lifelines draws it (whose own estimator counts a row at risk from its entry time inclusive, which
    counted a split unit twice at its steps).
    """
    from scipy.stats import norm

    m = w > 0
    d, ev, w = d[m], e[m] == 1, w[m]
    entry = np.full(len(d), -np.inf) if entry is None else entry[m]
    times = np.unique(d[ev])
    if len(times) == 0:
        return np.zeros(1), np.ones(1), np.ones(1), np.ones(1)
    at_risk = _at_risk(d, entry, w, times)
    events = np.bincount(np.searchsorted(times, d[ev]), weights=w[ev], minlength=len(times))
    surv = np.cumprod(1 - events / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.cumsum(events / (at_risk * (at_risk - events)))
        log_s = np.log(surv)
        c = norm.ppf(1 - alpha / 2) * np.sqrt(greenwood) / np.abs(log_s)
        lo = np.exp(-np.exp(np.log(-log_s) + c))
        hi = np.exp(-np.exp(np.log(-log_s) - c))
    lo, hi = np.where(np.isfinite(lo), lo, surv), np.where(np.isfinite(hi), hi, surv)
    if times[0] <= 0:  # events at time 0: the curve starts below 1
        return times, surv, lo, hi
    return np.r_[0.0, times], np.r_[1.0, surv], np.r_[1.0, lo], np.r_[1.0, hi]


def cumulative_incidence(
    d: np.ndarray, e: np.ndarray, w: np.ndarray, horizon: float, entry: np.ndarray | None = None
) -> float:
    """Probability of the event (code 1) by ``horizon``, weighted: the Aalen-Johansen estimator,
    treating code 2 as a competing event and 0 as censoring (with no code 2 it is one minus the
    Kaplan-Meier survival). With ``entry``, each row is at risk on (entry, d] only, so a unit can be
    split into rows whose weights change over time (counting-process form).

    Written out in numpy because the bootstrap evaluates it hundreds of times per estimate; tests
    check it against lifelines' KaplanMeierFitter and AalenJohansenFitter.
    """
    m = w > 0
    d, e, w = d[m], e[m], w[m]
    entry = np.full(len(d), -np.inf) if entry is None else entry[m]
    ev = (e > 0) & (d <= horizon)
    times = np.unique(d[ev])
    if len(times) == 0:
        return 0.0
    at_risk = _at_risk(d, entry, w, times)
    slot = np.searchsorted(times, d[ev])
    interest = np.bincount(slot, weights=w[ev] * (e[ev] == 1), minlength=len(times))
    any_event = np.bincount(slot, weights=w[ev], minlength=len(times))
    surv_after = np.cumprod(1 - any_event / at_risk)
    surv_before = np.concatenate([[1.0], surv_after[:-1]])
    return float(np.sum(surv_before * interest / at_risk))


def _aj_steps(d, codes, w, entry, horizon):
    """The Aalen-Johansen estimator's pieces at each event time up to ``horizon`` (rows with weight):
    (times, at risk Y, S just before, F1 after, dL1, dL, g = 1 / (1 - dL))."""
    m = w > 0
    ev = m & (codes > 0) & (d <= horizon)
    times = np.unique(d[ev])
    at_risk = _at_risk(d[m], entry[m], w[m], times)
    slot = np.searchsorted(times, d[ev])
    dl1 = np.bincount(slot, weights=w[ev] * (codes[ev] == 1), minlength=len(times)) / at_risk
    dl = np.bincount(slot, weights=w[ev], minlength=len(times)) / at_risk
    surv_before = np.r_[1.0, np.cumprod(1 - dl)[:-1]]
    cif = np.cumsum(surv_before * dl1)
    # Everyone at risk had an event: survival is 0 from there, so nothing accrues after and the 0/0 in
    # (F1(h) - F1(t)) / (1 - dL) is 0. Relative, so weighted sums' rounding does not leave a sliver.
    with np.errstate(divide="ignore"):
        g = np.where(dl < 1 - 1e-12, 1 / (1 - dl), 0.0)
    return times, at_risk, surv_before, cif, dl1, dl, g


def _aj_influence(
    d: np.ndarray, codes: np.ndarray, w: np.ndarray, horizon: float, entry: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    """(``cumulative_incidence`` by ``horizon``, each row's influence on it: ``w_r`` times the
    estimate's derivative in ``w_r``), rows at risk on (entry, d]; sum within clusters for a variance."""
    entry = np.full(len(d), -np.inf) if entry is None else entry
    cif = cumulative_incidence(d, codes, w, horizon, entry)
    times, y, sb, _f, dl1, dl, g = _aj_steps(d, codes, w, entry, horizon)
    if len(times) == 0:
        return cif, np.zeros(len(d))
    # (F1(h) - F1(t_j)) as a sum from the end, exactly 0 at the last time
    later = np.r_[np.cumsum((sb * dl1)[::-1])[::-1][1:], 0.0]
    c = later * g
    cum = np.r_[0.0, np.cumsum((-sb * dl1 + c * dl) / y)]  # the terms of every row at risk at t_j
    grad = cum[np.searchsorted(times, d, side="right")] - cum[np.searchsorted(times, entry, side="right")]
    ev = (w > 0) & (codes > 0) & (d <= horizon)
    j = np.searchsorted(times, d[ev])
    grad[ev] += ((codes[ev] == 1) * sb[j] - c[j]) / y[j]  # the row's own event
    return cif, w * grad


def aalen_johansen_curve(
    d: np.ndarray, codes: np.ndarray, w: np.ndarray, entry: np.ndarray | None = None, clusters: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The weighted Aalen-Johansen cumulative incidence of code 1 at every event time, with the
    standard error ``_influence_se(_aj_influence(...))`` gives at each (``clusters``: rows summed
    within; None, each row its own): (times starting at 0, incidence, standard error).

    One pass instead of one per time: a row's influence at the horizon t_J is
    w (A[J+1] + F1(t_J) B[J+1]) - w (A[lo] + F1(t_J) B[lo]) while at risk (lo: its first event time),
    and a constant plus F1(t_J) times a constant once it has ended. So a cluster's influence is
    k_g(J) . (A[J+1] + F1 B[J+1], 1, F1) with k_g piecewise constant, changing only where one of its
    rows starts or ends, and the variance is z' (sum_g k_g k_g') z, whose sum changes by k_new k_new' -
    k_old k_old' at those points."""
    entry = np.full(len(d), -np.inf) if entry is None else entry
    times, y, sb, f, dl1, dl, g = _aj_steps(d, codes, w, entry, np.inf)
    if len(times) == 0:
        return np.zeros(1), np.zeros(1), np.zeros(1)
    n_t = len(times)
    a = np.r_[0.0, np.cumsum((-sb * dl1 - f * g * dl) / y)]  # at-risk terms: a_j + F1(t_J) b_j
    b = np.r_[0.0, np.cumsum(g * dl / y)]
    m = w > 0
    lo = np.searchsorted(times, entry[m], side="right")
    hi = np.searchsorted(times, d[m], side="right")
    ev = (codes[m] > 0).astype(float)
    e = np.maximum(hi - 1, 0)
    # the row's own event at t_e: (1{code 1} S(t_e-) + F1(t_e) g_e) / Y_e - F1(t_J) g_e / Y_e
    ea = ev * ((codes[m] == 1) * sb[e] + f[e] * g[e]) / y[e]
    eb = -ev * g[e] / y[e]
    wm = w[m]
    cl = pd.factorize(np.arange(len(d)) if clusters is None else clusters)[0]
    n_clusters = cl.max() + 1 if len(cl) else 0
    on = hi > lo  # rows at risk at some event time
    r = np.flatnonzero(on)
    # changes of (W, C, D): (+w, -w A[lo], -w B[lo]) at lo; (-w, w (A[hi] + ea), w (B[hi] + eb)) at hi - 1
    group = np.r_[cl[m][r], cl[m][r]]
    when = np.r_[lo[r], hi[r] - 1]
    delta = np.c_[
        np.r_[wm[r], -wm[r]],
        np.r_[-wm[r] * a[lo[r]], wm[r] * (a[hi[r]] + ea[r])],
        np.r_[-wm[r] * b[lo[r]], wm[r] * (b[hi[r]] + eb[r])],
    ]
    moments = _cluster_moments(group, when, delta, n_t)
    z = (a[1:] + f * b[1:], np.ones(n_t), f)
    var = sum((1 if i == j else 2) * z[i] * z[j] * moments[(i, j)] for i, j in _PAIRS)
    scale = n_clusters / (n_clusters - 1) if n_clusters > 1 else float("nan")
    se = np.sqrt(np.maximum(var, 0) * scale)
    if times[0] <= 0:  # events at time 0: the curve starts above 0
        return times, f, se
    return np.r_[0.0, times], np.r_[0.0, f], np.r_[0.0, se]


# The distinct products of the three running sums (W, C, D) the variance needs.
_PAIRS = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]


def _cluster_moments(group: np.ndarray, when: np.ndarray, delta: np.ndarray, n_t: int) -> dict:
    """For ``aalen_johansen_curve``: each cluster's running sums k_g of the changes ``delta`` (rows of
    (W, C, D)) at event-time index ``when``, and per pair (i, j) of ``_PAIRS`` the sum over clusters
    of k_g[i] k_g[j] at every event time (cumulated from the changes k_new k_new' - k_old k_old')."""
    order = np.lexsort((when, group))
    group, when, delta = group[order], when[order], delta[order]
    state = np.cumsum(delta, axis=0)
    start = np.r_[True, group[1:] != group[:-1]]
    first = np.maximum.accumulate(np.where(start, np.arange(len(group)), 0))
    state = state - (state - delta)[first]  # each cluster's own running sum
    before = np.where(start[:, None], 0.0, np.r_[np.zeros((1, 3)), state[:-1]])
    return {
        p: np.cumsum(
            np.bincount(
                when, weights=state[:, p[0]] * state[:, p[1]] - before[:, p[0]] * before[:, p[1]], minlength=n_t
            )[:n_t]
        )
        for p in _PAIRS
    }
