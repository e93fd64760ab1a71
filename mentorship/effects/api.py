"""The public API: ``estimate_effect``, which checks its arguments, picks and trims the sample, and
hands it to the estimator of the outcome's kind."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from mentorship.effects.bootstrap import Uncertainty
from mentorship.effects.errors import EffectInputError
from mentorship.effects.means import _means
from mentorship.effects.propensity import Selection, _sample
from mentorship.effects.result import EffectResult, _finish
from mentorship.effects.segments import _segments, _steps, _Times
from mentorship.effects.survival import _survival

KINDS = ("binary", "continuous", "time_to_event")
ESTIMANDS = ("ATT", "ATE")
METHODS = ("aipw", "ipw")
UNCERTAINTY = ("bootstrap", "influence")


def estimate_effect(
    data: pd.DataFrame,
    treatment: str,
    outcome: str | None = None,
    covariates: list[str] | tuple[str, ...] = (),
    kind: str = "binary",
    duration: str | None = None,
    event: str | None = None,
    weights: str | None = None,
    estimand: str = "ATT",
    method: str = "aipw",
    trim: float = 0.01,
    n_bootstrap: int = 200,
    seed: int = 0,
    cluster: str | None = None,
    alpha: float = 0.05,
    horizon: float | None = None,
    censoring_weights=None,
    curves: bool = True,
    uncertainty: str = "bootstrap",
) -> EffectResult:
    """Estimate the effect of ``treatment`` on an outcome, adjusted for ``covariates``.

    Parameters
    ----------
    data : one row per unit (a person, or a person in a cohort); the treatment column holds 0/1.
    outcome : the outcome column (binary 0/1 or continuous); for time to event, leave it out and
        give ``duration`` and ``event`` (1 = event, 0 = censored, 2 = a competing event) instead.
    covariates : pre-treatment columns, numeric or categorical.
    kind : "binary", "continuous" or "time_to_event".
    weights : optional column of sampling weights.
    estimand : "ATT" (effect on the treated, default) or "ATE".
    method : "aipw" (doubly robust, default) or "ipw" (weighting only); time to event always uses
        a weighted Cox model.
    trim : drop units with a propensity above ``1 - trim`` (for the ATE also below ``trim``); 0 disables.
    n_bootstrap, seed : bootstrap replicates and their seed (0 replicates: no CI).
    uncertainty : "bootstrap" (default): percentile intervals from ``n_bootstrap`` replicates.
        "influence": normal intervals from the influence function (the infinitesimal jackknife,
        cluster-robust with ``cluster``), which carries the propensity and outcome models' fitting
        uncertainty as the bootstrap does, at the cost of one fit. For large samples, where the two
        agree and the bootstrap costs hundreds of fits; the ATT only. Censoring weights count as fixed.
    cluster : resample this column's values rather than rows (e.g. a person id when people have
        several rows).
    horizon : time to event only. Without it the estimate is the weighted Cox hazard ratio (robust
        CI). With it, the estimate is the difference in the probability of the event by ``horizon``
        (treated minus comparison, from weighted Aalen-Johansen curves, bootstrap CI), which counts
        people censored before the horizon for the time they were observed instead of dropping them.
    censoring_weights : time to event only. Inverse-probability-of-censoring weights that change over
        time, for censoring that depends on what happens after the index date (in this product,
        comparison people who join the program later): a frame with columns ``unit`` (a label of
        ``data``'s index), ``time`` and ``weight``; from ``time`` on, that unit counts with its weight
        multiplied by ``weight`` (cumulative, not a per-step factor). Curves and horizon
        probabilities use them; the raw figure does not. Give a frame to hold them fixed in the
        bootstrap, or a callable to refit them per replicate so the interval carries their
        uncertainty: called with no argument it returns the frame; called with a Series of one
        replicate's weight per unit (indexed like ``data``) it returns that replicate's frame.
    curves : time to event with a horizon only. False skips the hazard ratio and the Aalen-Johansen
        curves (left empty), which do not depend on the horizon, when another call supplies them.

    Returns an ``EffectResult``; ``.to_dict()`` and ``.to_frame()`` give plain forms.
    """
    _check_options(kind, estimand, method, uncertainty)
    cols = _Columns(treatment, outcome, tuple(covariates), duration, event, weights, cluster)
    cols.check(data, kind)
    ycol = outcome if kind != "time_to_event" else duration
    rows = (data[ycol].notna() & data[treatment].notna()).to_numpy()
    df, sample = _sample(data, Selection(rows, treatment, list(covariates), weights, cluster, estimand, trim))
    unc = Uncertainty(uncertainty, n_bootstrap, seed, alpha)
    if kind == "time_to_event":
        times = _times(df, duration, event, censoring_weights)
        return _finish(_survival(sample, times, event, unc, horizon, curves or horizon is None))
    y = df[outcome].to_numpy(dtype=float)
    return _finish(_means(sample, outcome, y, kind, method, unc))


def _check_options(kind: str, estimand: str, method: str, uncertainty: str) -> None:
    if kind not in KINDS:
        raise EffectInputError(f"kind must be one of {KINDS}, got {kind!r}")
    if estimand not in ESTIMANDS:
        raise EffectInputError(f"estimand must be one of {ESTIMANDS}, got {estimand!r}")
    if method not in METHODS:
        raise EffectInputError(f"method must be one of {METHODS}, got {method!r}")
    if uncertainty not in UNCERTAINTY:
        raise EffectInputError(f"uncertainty must be one of {UNCERTAINTY}, got {uncertainty!r}")
    if uncertainty == "influence" and estimand != "ATT":
        raise EffectInputError("influence-function intervals are implemented for the ATT; use the bootstrap")


@dataclass(frozen=True)
class _Columns:
    """The columns of ``data`` an estimate reads."""

    treatment: str
    outcome: str | None
    covariates: tuple[str, ...]
    duration: str | None
    event: str | None
    weights: str | None
    cluster: str | None

    def check(self, data: pd.DataFrame, kind: str) -> None:
        """Raise ``EffectInputError`` unless the columns ``kind`` needs are named and in ``data``."""
        tte = kind == "time_to_event"
        needed = [self.treatment, *self.covariates] + ([self.duration, self.event] if tte else [self.outcome])
        needed += [c for c in (self.weights, self.cluster) if c]
        if tte and not (self.duration and self.event):
            raise EffectInputError("time_to_event needs duration and event columns")
        if not tte and not self.outcome:
            raise EffectInputError(f"{kind} needs an outcome column")
        if missing := [c for c in needed if c not in data.columns]:
            raise EffectInputError(f"columns not in the frame: {', '.join(missing)}")


def _times(df: pd.DataFrame, duration: str, event: str, censoring_weights) -> _Times:
    """The time-to-event outcome of ``df``'s units, split at the censoring weights' steps (a frame, or
    a callable that gives one: see ``estimate_effect``)."""
    refit = censoring_weights if callable(censoring_weights) else None
    fixed = censoring_weights() if refit else censoring_weights
    steps = _steps(df, fixed)
    d = df[duration].to_numpy(dtype=float)
    codes = df[event].to_numpy(dtype=float)
    return _Times(d, codes, _segments(d, codes, steps), df.index, refit)
