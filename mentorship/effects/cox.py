"""The weighted Cox model of the hazard on treatment alone: ``cox_binary`` (Breslow ties, robust
sandwich, counting-process form) and ``hazard_ratio``, which picks it or lifelines' fit."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mentorship.effects.propensity import Sample
from mentorship.effects.segments import _at_risk, _Times

NAN = float("nan")


@dataclass(frozen=True)
class HazardRatio:
    """The marginal hazard ratio (weighted Cox) with its robust interval, the unweighted (raw) one,
    and the standard error of the weighted log hazard ratio."""

    ratio: float = NAN
    lo: float = NAN
    hi: float = NAN
    naive: float = NAN
    se: float = NAN


def cox_binary(
    d: np.ndarray,
    event: np.ndarray,
    x: np.ndarray,
    w: np.ndarray,
    clusters: np.ndarray | None = None,
    tol: float = 1e-10,
    entry: np.ndarray | None = None,
) -> tuple[float, float]:
    """Weighted Cox model on one 0/1 covariate (Breslow ties): (log hazard ratio, robust standard
    error). The robust error is the sandwich of Lin and Wei (1989), summed within ``clusters``.
    With ``entry``, each row is at risk on (entry, d] only (the counting-process form), so a unit can be
    split into rows whose weights change over time, as censoring weights do; give the unit as
    ``clusters`` then.

    Every quantity is a sum over the risk set, so it is a cumulative sum over sorted times: a million
    rows take a second. lifelines' robust sandwich, which the smaller estimates use, loops in Python
    and grows faster than the sample. Tests check the two agree where there are no ties, and the split
    form against the unsplit one.
    """
    times, slot = np.unique(d, return_inverse=True)
    ev = event > 0
    n_t = len(times)
    # A row is at risk at the event times from the first after its entry up to its own end (slot).
    first = np.zeros(len(d), dtype=np.int64) if entry is None else np.searchsorted(times, entry, side="right")
    start = np.full(len(d), -np.inf) if entry is None else entry
    w0, w1 = _at_risk(d, start, np.c_[w * (x == 0), w * (x == 1)], times).T
    dn = np.bincount(slot[ev], weights=w[ev], minlength=n_t)
    dn1 = np.bincount(slot[ev], weights=(w * (x == 1))[ev], minlength=n_t)
    beta = 0.0
    for _ in range(50):
        s0 = w0 + math.exp(beta) * w1
        xbar = np.divide(math.exp(beta) * w1, s0, out=np.zeros(n_t), where=s0 > 0)
        score, info = float(np.sum(dn1 - dn * xbar)), float(np.sum(dn * xbar * (1 - xbar)))
        if info <= 0:
            return float("nan"), float("nan")
        step = score / info
        beta += step
        if abs(step) < tol:
            break
    s0 = w0 + math.exp(beta) * w1
    xbar = np.divide(math.exp(beta) * w1, s0, out=np.zeros(n_t), where=s0 > 0)
    hazard = np.divide(dn, s0, out=np.zeros(n_t), where=s0 > 0)
    a, b = np.r_[0.0, np.cumsum(hazard)], np.r_[0.0, np.cumsum(hazard * xbar)]
    # sums over the event times a row is at risk at: (first, slot] in the cumulative sums' terms
    sa, sb = a[slot + 1] - a[first], b[slot + 1] - b[first]
    resid = ev * (x - xbar[slot]) - np.exp(beta * x) * (x * sa - sb)
    u = w * resid
    if clusters is not None:
        u = np.bincount(pd.factorize(clusters)[0], weights=u)
    return beta, float(np.sqrt(np.sum(u**2)) / info)


def _lifelines_cox(units: pd.DataFrame, weight_col: str, robust: bool) -> tuple[float, float]:
    """lifelines' weighted Cox model of ``units`` (columns d, e, t and the weights): (log hazard
    ratio, its standard error)."""
    from lifelines import CoxPHFitter

    f = CoxPHFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f.fit(units[["d", "e", "t", weight_col]], "d", "e", weights_col=weight_col, robust=robust)
    return float(f.params_["t"]), float(f.standard_errors_["t"])


def _split_cox(times: _Times, t: np.ndarray, w: np.ndarray, clusters) -> tuple[float, float]:
    """Censoring weights change over time, so the model is fitted in counting-process form on the
    split rows, clustered by unit: the same weights as the curves."""
    seg = times.seg
    keep = seg.exit >= 0
    unit = seg.unit[keep]
    return cox_binary(
        seg.exit[keep],
        (seg.event == 1).astype(float)[keep],
        t[seg.unit][keep],
        (w[seg.unit] * seg.factor)[keep],
        unit if clusters is None else clusters[unit],
        entry=seg.entry[keep],
    )


def hazard_ratio(sample: Sample, times: _Times, w: np.ndarray, z: float, fast: bool) -> HazardRatio:
    """The Cox model weighted by ``w`` (robust interval, ``z`` standard errors) and the one weighted by
    the sampling weights alone (its point only is reported), on the units with a duration of 0 or
    more. ``fast``: ``cox_binary`` where lifelines would be used (lifelines' sandwich grows faster than
    the sample: see cox_binary)."""
    t, s, clusters, d = sample.t, sample.s, sample.clusters, times.d
    # Code 2 (a competing event) is censoring for the cause-specific hazard and curves.
    units = pd.DataFrame({"d": d, "e": (times.codes == 1).astype(float), "t": t, "w": w, "s": s})[d >= 0]

    def cox(weight_col, robust):
        if times.split and weight_col == "w":
            return _split_cox(times, t, w, clusters)
        if fast:
            keep = d >= 0
            return cox_binary(
                units.d.to_numpy(),
                units.e.to_numpy(),
                units.t.to_numpy(),
                units[weight_col].to_numpy(),
                clusters[keep] if clusters is not None else None,
            )
        return _lifelines_cox(units, weight_col, robust)

    b, se = cox("w", robust=True)
    naive = math.exp(cox("s", robust=False)[0])  # only its point is reported
    return HazardRatio(math.exp(b), math.exp(b - z * se), math.exp(b + z * se), naive, se)
