"""Uncertainty: percentile bootstrap intervals from replicates that resample units (or clusters),
or normal intervals from the influence function's standard error."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mentorship.effects.influence import _influence_se
from mentorship.effects.propensity import Sample


@dataclass(frozen=True)
class Uncertainty:
    """How an estimate's interval is made: ``how`` is "bootstrap" (``n_bootstrap`` replicates from
    ``seed``) or "influence"; ``alpha`` the level (0.05: 95% intervals)."""

    how: str = "bootstrap"
    n_bootstrap: int = 200
    seed: int = 0
    alpha: float = 0.05

    @property
    def influence(self) -> bool:
        return self.how == "influence"

    @property
    def z(self) -> float:
        return _z(self.alpha)


@dataclass(frozen=True)
class Interval:
    """An estimate's interval (``lo``, ``hi``) and standard error, the replicates behind it (0 when
    none) and how it was made (``EffectResult.ci_method``)."""

    lo: float
    hi: float
    se: float
    n_reps: int
    method: str

    @property
    def has_ci(self) -> bool:
        return bool(np.isfinite(self.lo))


def interval(
    sample: Sample,
    unc: Uncertainty,
    est: float,
    influence: Callable[[], np.ndarray],
    replicate: Callable[[np.ndarray], float],
) -> Interval:
    """The interval of ``est``: normal, from the standard error of ``influence()`` (each unit's
    influence), or percentile, from ``replicate(b)``: the estimate under unit weights ``b``."""
    if unc.influence:
        se = _influence_se(influence(), sample.clusters)
        lo, hi = est - unc.z * se, est + unc.z * se
        return Interval(lo, hi, se, 0, _ci_method(unc.how, 0, bool(np.isfinite(lo))))
    reps = _bootstrap(sample, replicate, unc.n_bootstrap, unc.seed)
    lo, hi = np.quantile(reps, [unc.alpha / 2, 1 - unc.alpha / 2]) if len(reps) else (float("nan"),) * 2
    se = float(np.std(reps, ddof=1)) if len(reps) > 1 else float("nan")
    return Interval(lo, hi, se, len(reps), _ci_method(unc.how, len(reps), bool(np.isfinite(lo))))


def _bootstrap(sample: Sample, replicate: Callable[[np.ndarray], float], n: int, seed: int) -> np.ndarray:
    """Replicate estimates, resampling clusters (or rows) with replacement as frequency weights: each
    replicate's unit weights are the sampling weights times the times its cluster was drawn.
    Replicates with fewer than 2 treated or 2 control units are left out."""
    if n <= 0:
        return np.array([])
    t, s = sample.t, sample.s
    rng = np.random.default_rng(seed)
    sample.models.replicate = True
    if sample.clusters is None:
        codes, n_clusters = np.arange(len(t)), len(t)
    else:
        codes, uniques = pd.factorize(sample.clusters)
        n_clusters = len(uniques)
    out = []
    for _ in range(n):
        counts = rng.multinomial(n_clusters, np.full(n_clusters, 1 / n_clusters))
        b = s * counts[codes]
        if (b[t == 1] > 0).sum() < 2 or (b[t == 0] > 0).sum() < 2:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.append(replicate(b))
    return np.asarray(out)


def _ci_method(uncertainty: str, n_reps: int, has_ci: bool) -> str:
    if not has_ci:
        return "none"
    return "influence function" if uncertainty == "influence" else f"percentile bootstrap ({n_reps} replicates)"


def _z(alpha: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(1 - alpha / 2))
