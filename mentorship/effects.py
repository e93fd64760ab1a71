"""Effects on the mentored, isolated from self-selection: ``estimate_effect`` works on any DataFrame.

Design (docs/methods.md, "Adjusted effects", says the same in plain words):

- **Propensity score.** A logistic regression (scikit-learn's model, fitted by ``fit_logit``: mild
  L2 penalty on standardised covariates) of treatment on the covariates. Numeric covariates are
  standardised, with missing values set to the mean plus a missing-indicator column; categorical
  ones are one-hot encoded with missing as its own level and levels rarer than 0.5% pooled into
  "other".
- **Weights.** ATT (default): treated people weigh 1, comparison people e/(1-e), so the comparison
  group is reweighted to look like the treated. ATE: 1/e and 1/(1-e).
- **Trimming.** For the ATT, people whose propensity is above 1 - ``trim`` (default 0.01) are dropped
  before estimation: nobody comparable was left unmentored. For the ATE, also those below ``trim``.
  The counts before and after are reported. A warning is raised when any covariate's |SMD| stays above 0.1 after weighting.
- **Binary and continuous outcomes.** Doubly robust by default (``method="aipw"``): an outcome
  model fitted on the comparison group predicts each person's untreated outcome, and the weighted
  residuals correct it, so the estimate is right if either model is. ``method="ipw"`` is the plain
  weighted difference in means.
- **Time to event.** A Cox model of the hazard on treatment alone, weighted (lifelines, robust
  sandwich standard errors), gives a marginal hazard ratio; weighted Aalen-Johansen curves per group
  (one minus the cumulative incidence, competing events not counted as the event), the same estimator
  and weights as the probabilities at a horizon, so a curve read at the horizon is that probability.
- **Uncertainty.** Percentile bootstrap CIs (default 200 replicates, seeded) that resample people,
  or the ``cluster`` column when a person has several rows, refitting both models each time (and
  the censoring model, when ``censoring_weights`` is a callable). The Cox hazard ratio uses its
  robust standard error. For large samples, ``uncertainty="influence"`` gives normal intervals from
  the influence function instead: each unit's derivative of the estimate in its weight, through the
  refitted models (the infinitesimal jackknife, which the bootstrap approximates by resampling).
- **Sensitivity.** The E-value (VanderWeele and Ding 2017) of the estimate and of the CI bound
  nearest the null: how strongly an unmeasured confounder would have to be associated with both
  mentoring and the outcome, as a risk ratio, to explain the effect away.
"""

from __future__ import annotations

import math
import warnings
import weakref
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

KINDS = ("binary", "continuous", "time_to_event")
ESTIMANDS = ("ATT", "ATE")
METHODS = ("aipw", "ipw")
UNCERTAINTY = ("bootstrap", "influence")
SMD_TARGET = 0.1
RARE_LEVEL = 0.005


class EffectInputError(ValueError):
    pass


class PoorBalanceWarning(UserWarning):
    pass


@dataclass
class EffectResult:
    outcome: str
    kind: str
    estimand: str
    method: str
    naive: float
    estimate: float
    ci_low: float
    ci_high: float
    se: float
    treated_mean: float
    control_mean_naive: float
    n_treated: int
    n_control: int
    n_treated_used: int
    n_control_used: int
    e_value: float
    e_value_ci: float
    max_abs_smd_before: float
    max_abs_smd_after: float
    balance: pd.DataFrame = field(repr=False)
    overlap: dict = field(repr=False)
    warnings: list[str] = field(default_factory=list)
    n_bootstrap: int = 0
    hazard_ratio: float | None = None
    hr_ci_low: float | None = None
    hr_ci_high: float | None = None
    naive_hazard_ratio: float | None = None
    km: pd.DataFrame | None = field(default=None, repr=False)
    ci_method: str = ""
    # Standard error of ``naive`` (weighted for sampling only, clustered like the estimate); NaN for a
    # hazard ratio.
    naive_se: float = float("nan")

    @property
    def balanced(self) -> bool:
        return self.max_abs_smd_after <= SMD_TARGET

    def to_dict(self) -> dict:
        """Scalars only; the balance table and curves stay frames (``.balance``, ``.km``)."""
        d = asdict(self)
        for k in ("balance", "km", "overlap"):
            d.pop(k)
        d["warnings"] = "; ".join(self.warnings)
        d["balanced"] = self.balanced
        return d

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.to_dict()])


# ---------------------------------------------------------------------------------------------
# Design matrix


@dataclass
class _Design:
    # Standardised columns, for the models and the balance table (a standardised mean difference is
    # the same on any affine rescaling of a column, so the original scale need not be kept).
    x: np.ndarray
    names: list[str]


def _levels(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A categorical column as (code per row, level labels): labels are the values as text, missing
    is its own level "missing", and levels rarer than ``RARE_LEVEL`` are pooled into "other" (unless
    every level is rare). Works on codes, not strings, so a million rows take milliseconds."""
    codes, uniques = pd.factorize(s)  # missing values get -1
    labels = np.array([str(u) for u in uniques] + ["missing"], dtype=object)
    codes = np.where(codes < 0, len(uniques), codes)
    merge, labels = pd.factorize(labels)  # values that read the same as text are one level
    codes = merge[codes]
    counts = np.bincount(codes, minlength=len(labels))
    present = counts > 0
    rare = present & (counts / len(codes) < RARE_LEVEL)
    if rare.any() and rare.sum() < present.sum():
        labels = np.where(rare, "other", labels).astype(object)
    merge, labels = pd.factorize(np.where(present, labels, None).astype(object))
    return merge[codes], np.asarray(labels, dtype=object)


def _design(df: pd.DataFrame, covariates: list[str]) -> _Design:
    cols, names = [], []
    for c in covariates:
        s = df[c]
        if pd.api.types.is_bool_dtype(s):
            s = s.astype(float)
        if pd.api.types.is_numeric_dtype(s):
            v = s.astype(float).to_numpy()
            miss = np.isnan(v)
            if miss.all():
                continue
            if miss.any():
                cols.append(miss.astype(float))
                names.append(f"{c}: missing")
                v = np.where(miss, np.nanmean(v), v)
            if np.nanstd(v) > 0:
                cols.append(v)
                names.append(c)
            continue
        codes, labels = _levels(s)
        for i in np.argsort(labels)[1:]:  # the first level (in sorted order) is the reference
            cols.append((codes == i).astype(float))
            names.append(f"{c} = {labels[i]}")
    if not cols:
        return _Design(np.zeros((len(df), 0)), [])
    # Filled and standardised column by column (contiguous writes), then turned row-major once, the
    # order in which rows are selected (trimming, one group's rows): five times faster than stacking
    # the columns straight into row-major order, measured at 500,000 rows.
    x = np.empty((len(df), len(cols)), order="F")
    for j, c in enumerate(cols):
        sd = c.std()
        x[:, j] = (c - c.mean()) / (sd if sd > 0 else 1)
    del cols
    return _Design(np.ascontiguousarray(x), names)


# ---------------------------------------------------------------------------------------------
# Models

_BLOCK = 65_536  # rows per block where a product would otherwise need a frame-sized temporary


def _gram(x: np.ndarray, a: np.ndarray) -> np.ndarray:
    """[1 x]' diag(a) [1 x], the intercept's column of ones implicit, in blocks of rows."""
    p = x.shape[1]
    g = np.empty((p + 1, p + 1))
    g[0, 0] = a.sum()
    g[0, 1:] = g[1:, 0] = x.T @ a
    inner = np.zeros((p, p))
    for i in range(0, len(x), _BLOCK):
        xb = x[i : i + _BLOCK]
        inner += (xb.T * a[i : i + _BLOCK]) @ xb
    g[1:, 1:] = inner
    return g


def fit_logit(
    x: np.ndarray,
    y: np.ndarray,
    s: np.ndarray,
    c: float = 10.0,
    tol: float = 1e-10,
    max_iter: int = 100,
    beta: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's L2-penalised logistic regression (penalty 1/(2c) on the coefficients, intercept
    unpenalised, sample weights ``s``), by damped Newton steps: (beta = (intercept, coefficients), the
    objective's Hessian at the fit).

    Written out because the influence-function intervals need that Hessian anyway, and because from
    the intercept-only start Newton converges in about six steps of a few matrix products each, where
    scikit-learn's L-BFGS took about 40 gradient evaluations to a looser optimum (three times the time,
    measured on the 100,000-employee benchmark's largest fit). Tests check it against scikit-learn
    fitted to a tight tolerance. ``beta``: a start other than the intercept-only fit.
    """
    from scipy.linalg import LinAlgError, cho_factor, cho_solve

    penalty = np.r_[0.0, np.ones(x.shape[1])]
    if beta is None:
        ybar = min(max(np.average(y, weights=s), 1e-6), 1 - 1e-6)
        beta = np.r_[math.log(ybar / (1 - ybar)), np.zeros(x.shape[1])]

    def objective(eta, b):
        return c * (s @ (np.logaddexp(0.0, eta) - y * eta)) + 0.5 * (penalty * b) @ b

    eta = beta[0] + x @ beta[1:]
    f = objective(eta, beta)
    hess = None
    for _ in range(max_iter):
        prob = 1 / (1 + np.exp(-eta))
        grad = c * _xt(x, s * (prob - y)) + penalty * beta
        hess = c * _gram(x, s * prob * (1 - prob))
        hess[np.diag_indices_from(hess)] += penalty
        try:
            step = cho_solve(cho_factor(hess), grad)
        except LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        decrement = grad @ step  # twice the objective's predicted decrease
        # Converged: the step is below the tolerance, or the decrease it promises is below what the
        # objective's rounding can show (past that, a step halving would only chase the rounding).
        if np.abs(step).max() < tol * (1 + np.abs(beta).max()) or decrement < 1e-13 * abs(f):
            return beta - step, hess
        # Damped: a (quasi-)separated group has directions with almost no curvature, where a full step
        # would overshoot by orders of magnitude before the line search pulled it back.
        t = min(1.0, 5.0 / np.abs(step).max())
        while True:
            new = beta - t * step
            eta_new = new[0] + x @ new[1:]
            f_new = objective(eta_new, new)
            if f_new <= f - 1e-4 * t * decrement:
                break
            t /= 4
            if t < 1e-6:  # no descent along the Newton direction left: this is the optimum
                return beta, hess
        beta, eta, f = new, eta_new, f_new
    return beta, hess


class LogitRefit:
    """Refits of one logistic regression (scikit-learn's, L2 penalty 1/(2c), intercept unpenalised)
    under new sample weights: what a bootstrap replicate needs, for a fraction of a fresh fit's cost.

    Each refit takes damped Newton steps (``fit_logit``) from the full-sample fit: about four on a
    role's whole frame, up to ten on a small, nearly separated segment. (Holding the Hessian at the
    full-sample fit's, to save forming it, converged too slowly: a replicate reweights the few hundred
    mentored people enough that 30 such steps fell short in nearly every replicate of the
    1,000-employee benchmark organisation.) Tests check the result against scikit-learn fitted from
    scratch.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, beta: np.ndarray, c: float = 10.0):
        self.x, self.y, self.beta, self.c = x, y, beta, c

    def __call__(self, s: np.ndarray, tol: float = 1e-7) -> np.ndarray:
        # A step below 1e-7 is the last one needed (Newton's error squares with each step); the refit
        # is then exact to far below a bootstrap interval's own noise.
        return fit_logit(self.x, self.y, s, self.c, tol=tol, beta=self.beta)[0]


class _Models:
    """The fitted models of one estimate. The point estimate's logistic fits come from ``fit_logit``;
    in bootstrap replicates (``replicate = True``) each is refitted by ``LogitRefit`` from that fit."""

    C = 10.0

    def __init__(self):
        # Per model, the full-sample fit (x, y, beta) and, once a replicate needs it, its LogitRefit.
        self._fits: dict[str, tuple] = {}
        self._refit: dict[str, LogitRefit] = {}
        # Per model, the Hessian of the point estimate's fit, which the influence functions reuse.
        self.hessians: dict[str, np.ndarray] = {}
        self.replicate = False
        self.known: tuple | None = None  # (x, s, propensity) already fitted on exactly that sample

    def _refitter(self, name: str, n: int) -> LogitRefit | None:
        if name not in self._refit and name in self._fits:
            self._refit[name] = LogitRefit(*self._fits.pop(name), self.C)
        refit = self._refit.get(name)
        return refit if refit is not None and len(refit.y) == n else None

    def logit(self, name: str, x: np.ndarray, y: np.ndarray, s: np.ndarray, x_all: np.ndarray) -> np.ndarray:
        if x.shape[1] == 0 or len(np.unique(y[s > 0])) < 2:
            if not self.replicate:
                self.hessians.pop(name, None)
            return np.full(len(x_all), np.average(y, weights=s))
        if self.replicate and (refit := self._refitter(name, len(s))) is not None:
            with np.errstate(all="ignore"):
                beta = refit(s)
            if np.isfinite(beta).all():
                return 1 / (1 + np.exp(-(beta[0] + x_all @ beta[1:])))
        beta, hess = fit_logit(x, y, s, self.C)
        if not self.replicate:
            self._fits[name] = (x, y, beta)
            self.hessians[name] = hess
            self._refit.pop(name, None)
        return 1 / (1 + np.exp(-(beta[0] + x_all @ beta[1:])))

    def linear(self, name: str, x: np.ndarray, y: np.ndarray, s: np.ndarray, x_all: np.ndarray) -> np.ndarray:
        """Weighted least squares, as scikit-learn's LinearRegression fits it, from the normal equations
        (one pass over the rows, where its weighted copy and decomposition of the matrix took eight
        times as long): centred on the weighted means, so that the minimum-norm solution gives a column
        that is constant in this group a zero coefficient rather than part of the intercept."""
        if x.shape[1] == 0:
            if not self.replicate:
                self.hessians.pop(name, None)
            return np.full(len(x_all), np.average(y, weights=s))
        g, b = _gram(x, s), _xt(x, s * y)
        n, m = g[0, 0], g[0, 1:] / g[0, 0]
        coef = np.linalg.lstsq(g[1:, 1:] - n * np.outer(m, m), b[1:] - m * b[0], rcond=None)[0]
        if not self.replicate:
            self.hessians[name] = g
        return (b[0] / n - m @ coef) + x_all @ coef

    def propensity(self, x, t, s) -> np.ndarray:
        if self.known is not None and not self.replicate and x is self.known[0] and s is self.known[1]:
            return self.known[2]
        return np.clip(self.logit("propensity", x, t, s, x), 1e-6, 1 - 1e-6)

    def outcome(self, name, x_fit, y_fit, s_fit, x_all, binary) -> np.ndarray:
        """Fit the outcome on one group and predict it for everyone."""
        if binary:
            return self.logit(name, x_fit, y_fit, s_fit, x_all)
        return self.linear(name, x_fit, y_fit, s_fit, x_all)


_SHARED: ContextVar[dict | None] = ContextVar("shared_fits", default=None)


@contextmanager
def shared_fits():
    """Estimates made inside the block share one design matrix and propensity fit wherever they use
    the same DataFrame object, rows, treatment, covariates and weights: several outcomes of one
    cohort, for instance, whose propensity is the same model fitted on the same people. The results
    are identical to separate calls; the fits are kept until the block ends."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def _propensity_fit(
    data: pd.DataFrame,
    rows: np.ndarray,
    df: pd.DataFrame,
    treatment: str,
    covariates: list[str],
    weights: str | None,
    t: np.ndarray,
    s: np.ndarray,
) -> tuple[_Models, _Design, np.ndarray]:
    """(models, design, propensity) for ``df``, the ``rows`` (a mask) of ``data``; inside
    ``shared_fits``, reused from an earlier estimate on the same rows."""
    cache = _SHARED.get()
    key = (id(data), treatment, tuple(covariates), weights, hash(rows.tobytes()) if cache is not None else None)
    if cache is not None and key in cache:
        ref, seen, design, e, fit, hess = cache[key]
        if ref() is data and np.array_equal(seen, rows):
            models = _Models()
            if fit is not None:
                models._fits["propensity"] = fit
                models.hessians["propensity"] = hess
            return models, design, e
    models = _Models()
    design = _design(df, covariates)
    e = models.propensity(design.x, t, s)
    if cache is not None:
        cache[key] = (
            weakref.ref(data),
            rows,
            design,
            e,
            models._fits.get("propensity"),
            models.hessians.get("propensity"),
        )
    return models, design, e


def _weights(e: np.ndarray, t: np.ndarray, estimand: str) -> np.ndarray:
    if estimand == "ATT":
        return np.where(t == 1, 1.0, e / (1 - e))
    return np.where(t == 1, 1 / e, 1 / (1 - e))


def _point(models: _Models, x, t, y, s, estimand, method, binary) -> tuple:
    """(estimate, propensity, weights, predicted untreated outcome or None) for one (possibly
    bootstrap-weighted) sample."""
    e = models.propensity(x, t, s)
    w = _weights(e, t, estimand) * s
    tr, co = (t == 1) & (s > 0), (t == 0) & (s > 0)
    if method == "ipw":
        if estimand == "ATT":
            return np.average(y[tr], weights=s[tr]) - np.average(y[co], weights=w[co]), e, w, None
        return np.average(y[tr], weights=w[tr]) - np.average(y[co], weights=w[co]), e, w, None
    mu0 = models.outcome("untreated", x[co], y[co], s[co], x, binary)
    if estimand == "ATT":
        est = np.average(y[tr] - mu0[tr], weights=s[tr]) - np.average(y[co] - mu0[co], weights=w[co])
        return est, e, w, mu0
    mu1 = models.outcome("treated", x[tr], y[tr], s[tr], x, binary)
    est = (
        np.average(mu1 - mu0, weights=s)
        + np.average(y[tr] - mu1[tr], weights=w[tr])
        - np.average(y[co] - mu0[co], weights=w[co])
    )
    return est, e, w, mu0


# ---------------------------------------------------------------------------------------------
# Diagnostics


def _smd(x: np.ndarray, t: np.ndarray, w: np.ndarray, names: list[str]) -> pd.DataFrame:
    """Standardised mean differences of the (standardised) design columns, before and after weighting.
    Group means and variances are weighted sums (matrix-vector products), not copies of each group's
    rows."""
    tr, co = (t == 1).astype(float), (t == 0).astype(float)
    share = np.stack([tr, co, w * tr, w * co])
    share /= share.sum(axis=1, keepdims=True)
    means = share @ x  # one pass over the rows for the four groups
    square = np.zeros((2, x.shape[1]))
    for i in range(0, len(x), _BLOCK):
        xb = x[i : i + _BLOCK]
        square += share[:2, i : i + _BLOCK] @ (xb * xb)
    var = [np.maximum(q - m**2, 0) for q, m in zip(square, means[:2])]
    pooled = np.sqrt((var[0] + var[1]) / 2)
    # The columns have unit variance overall, so a pooled sd this small is a constant column's rounding.
    pooled = np.where(pooled > 1e-9, pooled, np.nan)
    return pd.DataFrame(
        {"covariate": names, "smd_before": (means[0] - means[1]) / pooled, "smd_after": (means[2] - means[3]) / pooled}
    )


def _overlap(e: np.ndarray, t: np.ndarray, w: np.ndarray) -> dict:
    q = [0, 0.01, 0.25, 0.5, 0.75, 0.99, 1]
    co = t == 0
    return {
        "propensity_treated": dict(zip(map(str, q), np.quantile(e[t == 1], q).round(4).tolist())),
        "propensity_control": dict(zip(map(str, q), np.quantile(e[co], q).round(4).tolist())),
        "treated_above_max_control": float(np.mean(e[t == 1] > e[co].max())),
        "effective_n_control": float(w[co].sum() ** 2 / (w[co] ** 2).sum()),
    }


def e_value_rr(rr: float) -> float:
    """E-value of a risk ratio (VanderWeele and Ding 2017)."""
    if rr is None or not np.isfinite(rr) or rr <= 0:
        return float("nan")
    rr = 1 / rr if rr < 1 else rr
    return rr + math.sqrt(rr * (rr - 1))


def _e_values(kind, est, lo, hi, treated_mean, sd_control, event_share=None) -> tuple[float, float]:
    """E-values of the estimate and of the CI bound nearest the null (1 when the CI holds the null)."""
    if kind == "time_to_event":

        def rr(hr):  # the hazard ratio approximates a risk ratio only when the event is rare
            if event_share is not None and event_share < 0.15:
                return hr
            return (1 - 0.5 ** math.sqrt(hr)) / (1 - 0.5 ** math.sqrt(1 / hr))

        null = 1.0
    elif kind == "binary":

        def rr(d):
            p0 = treated_mean - d
            return treated_mean / p0 if p0 > 0 and treated_mean > 0 else float("nan")

        null = 0.0
    else:

        def rr(d):
            return math.exp(0.91 * d / sd_control) if sd_control > 0 else float("nan")

        null = 0.0
    point = e_value_rr(rr(est))
    if lo <= null <= hi:
        return point, 1.0
    nearest = lo if est > null else hi
    return point, e_value_rr(rr(nearest))


# ---------------------------------------------------------------------------------------------
# The public API


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
    needed = [treatment, *covariates] + ([duration, event] if kind == "time_to_event" else [outcome])
    needed += [c for c in (weights, cluster) if c]
    if kind == "time_to_event" and not (duration and event):
        raise EffectInputError("time_to_event needs duration and event columns")
    if kind != "time_to_event" and not outcome:
        raise EffectInputError(f"{kind} needs an outcome column")
    if missing := [c for c in needed if c not in data.columns]:
        raise EffectInputError(f"columns not in the frame: {', '.join(missing)}")
    ycol = outcome if kind != "time_to_event" else duration
    rows = (data[ycol].notna() & data[treatment].notna()).to_numpy()
    df = data.loc[rows]
    t = df[treatment].to_numpy(dtype=float)
    if not set(np.unique(t)) <= {0.0, 1.0}:
        raise EffectInputError(f"{treatment} must hold 0 and 1 only")
    n_treated, n_control = int((t == 1).sum()), int((t == 0).sum())
    if n_treated < 2 or n_control < 2:
        raise EffectInputError(f"need at least 2 treated and 2 control units, got {n_treated} and {n_control}")
    s = df[weights].to_numpy(dtype=float) if weights else np.ones(len(df))
    models, design, e = _propensity_fit(data, rows, df, treatment, list(covariates), weights, t, s)
    notes: list[str] = []
    # For the ATT only a high propensity lacks comparable comparison people; a comparison person with
    # a low one is merely unlike the treated and already weighs almost nothing.
    if trim <= 0:
        keep = np.ones(len(df), bool)
    elif estimand == "ATT":
        keep = e <= 1 - trim
    else:
        keep = (e >= trim) & (e <= 1 - trim)
    if keep.all():  # nobody trimmed: the fit on the trimmed sample is the fit already made
        models.known = (design.x, s, e)
    else:
        df, t, s = df.loc[keep], t[keep], s[keep]
        design = _Design(design.x[keep], design.names)
        notes.append(
            f"trimmed {int((~keep).sum()):,} units without overlap (propensity "
            f"{'above ' + str(1 - trim) if estimand == 'ATT' else f'outside [{trim}, {1 - trim}]'})"
        )
    n_tu, n_cu = int((t == 1).sum()), int((t == 0).sum())
    if n_tu < 2 or n_cu < 2:
        raise EffectInputError("fewer than 2 treated or control units remain after trimming")

    if kind == "time_to_event":
        refit = censoring_weights if callable(censoring_weights) else None
        fixed = censoring_weights() if refit else censoring_weights
        steps = _steps(df, fixed)
        return _survival(
            models,
            df,
            t,
            s,
            design,
            duration,
            event,
            estimand,
            n_treated,
            n_control,
            n_tu,
            n_cu,
            alpha,
            notes,
            horizon,
            n_bootstrap,
            seed,
            df[cluster].to_numpy() if cluster else None,
            steps,
            refit,
            curves or horizon is None,
            uncertainty,
        )

    y = df[outcome].to_numpy(dtype=float)
    binary = kind == "binary"
    if binary and not set(np.unique(y)) <= {0.0, 1.0}:
        raise EffectInputError(f"a binary outcome must hold 0 and 1 only; {outcome} does not")
    est, e, w, mu0 = _point(models, design.x, t, y, s, estimand, method, binary)
    tr, co = t == 1, t == 0
    treated_mean = float(np.average(y[tr], weights=s[tr]))
    control_naive = float(np.average(y[co], weights=s[co]))
    naive = treated_mean - control_naive

    clusters = df[cluster].to_numpy() if cluster else None
    # The influence of each unit on its own group's weighted mean; each unit is in one group.
    naive_phi = np.where(tr, s * (y - treated_mean) / s[tr].sum(), -s * (y - control_naive) / s[co].sum())
    naive_se = _influence_se(naive_phi, clusters)
    if uncertainty == "influence":
        reps = np.array([])
        se = _influence_se(
            _influence_means(design.x, t, y, s, e, mu0, method, binary, _Models.C, models.hessians), clusters
        )
        lo, hi = est - _z(alpha) * se, est + _z(alpha) * se
    else:
        reps = _bootstrap(models, design.x, t, y, s, estimand, method, binary, n_bootstrap, seed, clusters)
        if len(reps):
            lo, hi = np.quantile(reps, [alpha / 2, 1 - alpha / 2])
            se = float(np.std(reps, ddof=1))
        else:
            lo = hi = se = float("nan")
    has_ci = bool(np.isfinite(lo))
    balance = _smd(design.x, t, w, design.names)
    sd_control = float(np.sqrt(np.average((y[co] - control_naive) ** 2, weights=s[co])))
    ev, ev_ci = _e_values(kind, est, lo, hi, treated_mean, sd_control) if has_ci else (float("nan"),) * 2
    return _finish(
        EffectResult(
            outcome=outcome,
            kind=kind,
            estimand=estimand,
            method=method,
            naive=float(naive),
            estimate=float(est),
            ci_low=float(lo),
            ci_high=float(hi),
            se=se,
            treated_mean=treated_mean,
            control_mean_naive=control_naive,
            n_treated=n_treated,
            n_control=n_control,
            n_treated_used=n_tu,
            n_control_used=n_cu,
            e_value=ev,
            e_value_ci=ev_ci,
            max_abs_smd_before=_max_abs(balance.smd_before),
            max_abs_smd_after=_max_abs(balance.smd_after),
            balance=balance,
            overlap=_overlap(e, t, w),
            warnings=notes,
            n_bootstrap=len(reps),
            ci_method=_ci_method(uncertainty, len(reps), has_ci),
            naive_se=naive_se,
        )
    )


def _steps(df: pd.DataFrame, censoring_weights: pd.DataFrame | None) -> pd.DataFrame | None:
    """Censoring weights by row position in ``df``, checked."""
    if censoring_weights is None or not len(censoring_weights):
        return None
    if missing := {"unit", "time", "weight"} - set(censoring_weights.columns):
        raise EffectInputError(f"censoring_weights lacks columns: {', '.join(sorted(missing))}")
    if not df.index.is_unique:
        raise EffectInputError("censoring_weights refer to units by index label; the index must be unique")
    pos = df.index.get_indexer(censoring_weights["unit"])
    steps = pd.DataFrame(
        {
            "unit": pos,
            "time": censoring_weights["time"].to_numpy(dtype=float),
            "weight": censoring_weights["weight"].to_numpy(dtype=float),
        }
    )[pos >= 0]
    if (steps.weight <= 0).any() or steps.weight.isna().any():
        raise EffectInputError("censoring_weights must be positive")
    return steps


def _max_abs(s: pd.Series) -> float:
    v = s.abs().max()
    return float(v) if pd.notna(v) else 0.0


def _finish(r: EffectResult) -> EffectResult:
    if not r.balanced:
        worst = r.balance.loc[r.balance.smd_after.abs().idxmax(), "covariate"]
        msg = (
            f"poor balance after weighting: |SMD| {r.max_abs_smd_after:.2f} on {worst} (target under "
            f"{SMD_TARGET}); the adjusted estimate may still carry selection"
        )
        r.warnings.append(msg)
        warnings.warn(msg, PoorBalanceWarning, stacklevel=3)
    return r


def _bootstrap(models, x, t, y, s, estimand, method, binary, n, seed, clusters) -> np.ndarray:
    """Replicate estimates, resampling clusters (or rows) with replacement as frequency weights."""
    if n <= 0:
        return np.array([])
    rng = np.random.default_rng(seed)
    models.replicate = True
    if clusters is None:
        codes, n_clusters = np.arange(len(t)), len(t)
    else:
        codes, uniques = pd.factorize(clusters)
        n_clusters = len(uniques)
    out = []
    for _ in range(n):
        counts = rng.multinomial(n_clusters, np.full(n_clusters, 1 / n_clusters))
        b = s * counts[codes]
        if (b[t == 1] > 0).sum() < 2 or (b[t == 0] > 0).sum() < 2:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.append(_point(models, x, t, y, b, estimand, method, binary)[0])
    return np.asarray(out)


def _at_risk(d: np.ndarray, entry: np.ndarray, w: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Weight at risk at each of ``times``: rows with entry < t <= d. Every row enters before it ends,
    so that is (entered before t) minus (ended before t), two cumulative sums over sorted rows."""
    od, oe = np.argsort(d, kind="stable"), np.argsort(entry, kind="stable")
    ended = np.r_[0.0, np.cumsum(w[od])][np.searchsorted(d[od], times, side="left")]
    entered = np.r_[0.0, np.cumsum(w[oe])][np.searchsorted(entry[oe], times, side="left")]
    return entered - ended


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
    order = np.lexsort((when, group))
    group, when, delta = group[order], when[order], delta[order]
    state = np.cumsum(delta, axis=0)
    start = np.r_[True, group[1:] != group[:-1]]
    first = np.maximum.accumulate(np.where(start, np.arange(len(group)), 0))
    state = state - (state - delta)[first]  # each cluster's own running sum
    before = np.where(start[:, None], 0.0, np.r_[np.zeros((1, 3)), state[:-1]])
    pairs = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
    moments = {
        p: np.cumsum(
            np.bincount(
                when, weights=state[:, p[0]] * state[:, p[1]] - before[:, p[0]] * before[:, p[1]], minlength=n_t
            )[:n_t]
        )
        for p in pairs
    }
    z = (a[1:] + f * b[1:], np.ones(n_t), f)
    var = sum((1 if i == j else 2) * z[i] * z[j] * moments[(i, j)] for i, j in pairs)
    scale = n_clusters / (n_clusters - 1) if n_clusters > 1 else float("nan")
    se = np.sqrt(np.maximum(var, 0) * scale)
    if times[0] <= 0:  # events at time 0: the curve starts above 0
        return times, f, se
    return np.r_[0.0, times], np.r_[0.0, f], np.r_[0.0, se]


@dataclass
class _Segments:
    """Units split at the times their censoring weight changes: row ``r`` belongs to unit ``unit[r]``,
    is at risk on (entry, exit], ends in ``event`` (events only on a unit's last row), and counts with
    the unit's weight times ``factor``."""

    unit: np.ndarray
    entry: np.ndarray
    exit: np.ndarray
    event: np.ndarray
    factor: np.ndarray


def _segments(d: np.ndarray, e: np.ndarray, steps: pd.DataFrame | None) -> _Segments:
    n = len(d)
    whole = _Segments(np.arange(n), np.full(n, -np.inf), d, e, np.ones(n))
    if steps is None or steps.empty:
        return whole
    st = steps[steps.time < d[steps.unit.to_numpy()]].sort_values(["unit", "time"])
    if st.empty:
        return whole
    u, t, f = st.unit.to_numpy(), st.time.to_numpy(dtype=float), st.weight.to_numpy(dtype=float)
    first = np.r_[True, u[1:] != u[:-1]]
    last = np.r_[u[1:] != u[:-1], True]
    # Rows that end at a step: from the previous step (or the start) to this one, with the previous weight.
    prev_t = np.where(first, -np.inf, np.r_[-np.inf, t[:-1]])
    prev_f = np.where(first, 1.0, np.r_[1.0, f[:-1]])
    # Each unit's last row: from its last step (or the start) to its own end, with that step's weight.
    tail_entry, tail_f = np.full(n, -np.inf), np.ones(n)
    tail_entry[u[last]], tail_f[u[last]] = t[last], f[last]
    return _Segments(
        unit=np.r_[u, np.arange(n)],
        entry=np.r_[prev_t, tail_entry],
        exit=np.r_[t, d],
        event=np.r_[np.zeros(len(u)), e],
        factor=np.r_[prev_f, tail_f],
    )


def _incidence_difference(models, x, t, seg: _Segments, s, estimand, horizon) -> float:
    w = (_weights(models.propensity(x, t, s), t, estimand) * s)[seg.unit] * seg.factor
    tr = t[seg.unit] == 1
    return cumulative_incidence(seg.exit[tr], seg.event[tr], w[tr], horizon, seg.entry[tr]) - cumulative_incidence(
        seg.exit[~tr], seg.event[~tr], w[~tr], horizon, seg.entry[~tr]
    )


def _survival(
    models,
    df,
    t,
    s,
    design,
    duration,
    event,
    estimand,
    n_treated,
    n_control,
    n_tu,
    n_cu,
    alpha,
    notes,
    horizon=None,
    n_bootstrap=0,
    seed=0,
    clusters=None,
    steps=None,
    refit=None,
    curves=True,
    uncertainty="bootstrap",
) -> EffectResult:
    from lifelines import CoxPHFitter

    e = models.propensity(design.x, t, s)
    w = _weights(e, t, estimand) * s
    d = df[duration].to_numpy(dtype=float)
    codes = df[event].to_numpy(dtype=float)
    if horizon is not None:
        for g, name in ((1, "treated"), (0, "comparison")):
            if not (d[t == g] >= horizon).any():
                raise EffectInputError(
                    f"nobody in the {name} group was followed up to the horizon ({horizon:g}); "
                    "the probability by then cannot be estimated"
                )
    seg = _segments(d, codes, steps)
    split = len(seg.unit) > len(d)
    # Code 2 (a competing event) is censoring for the cause-specific hazard and curves.
    frame = pd.DataFrame(
        {
            "entry": seg.entry,
            "d": seg.exit,
            "e": (seg.event == 1).astype(float),
            "t": t[seg.unit],
            "w": w[seg.unit] * seg.factor,
            "s": s[seg.unit] * seg.factor,
        }
    )
    frame = frame[frame.d >= 0]

    units = pd.DataFrame({"d": d, "e": (codes == 1).astype(float), "t": t, "w": w, "s": s})[d >= 0]

    def cox(weight_col, robust):
        if split and weight_col == "w":
            # Censoring weights change over time, so the model is fitted in counting-process form on the
            # split rows, clustered by unit: the same weights as the curves.
            unit = seg.unit[frame.index.to_numpy()]
            return cox_binary(
                frame.d.to_numpy(),
                frame.e.to_numpy(),
                frame.t.to_numpy(),
                frame.w.to_numpy(),
                unit if clusters is None else clusters[unit],
                entry=frame.entry.to_numpy(),
            )
        if uncertainty == "influence":  # lifelines' sandwich grows faster than the sample: see cox_binary
            keep = d >= 0
            return cox_binary(
                units.d.to_numpy(),
                units.e.to_numpy(),
                units.t.to_numpy(),
                units[weight_col].to_numpy(),
                clusters[keep] if clusters is not None else None,
            )
        f = CoxPHFitter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f.fit(units[["d", "e", "t", weight_col]], "d", "e", weights_col=weight_col, robust=robust)
        return float(f.params_["t"]), float(f.standard_errors_["t"])

    nan = float("nan")
    hr = lo = hi = hr_naive = nan
    if curves:
        b, se = cox("w", robust=True)
        hr_naive = math.exp(cox("s", robust=False)[0])  # only its point is reported
        z = _z(alpha)
        hr, lo, hi = math.exp(b), math.exp(b - z * se), math.exp(b + z * se)
    km_rows = []
    if curves:
        # The estimators and weights of _at_horizon's two arms, so each curve read at a horizon is that
        # arm's probability: the treated by unit with their sampling weights, the comparison on the split
        # rows with propensity and censoring weights (its band holds those weights fixed, as known).
        tr, co = t == 1, t[seg.unit] == 0
        arms = (
            ("treated", d[tr], codes[tr], s[tr], None, None if clusters is None else clusters[tr]),
            (
                "comparison",
                seg.exit[co],
                seg.event[co],
                (w[seg.unit] * seg.factor)[co],
                seg.entry[co],
                (seg.unit if clusters is None else clusters[seg.unit])[co],
            ),
        )
        z = _z(alpha)
        for label, dd, cc, ww, entry, cl in arms:
            time, cif, band = aalen_johansen_curve(dd, cc, ww, entry, cl)
            km_rows.append(
                pd.DataFrame(
                    {
                        "group": label,
                        "time": time,
                        "survival": 1 - cif,
                        "ci_low": np.clip(1 - cif - z * band, 0, 1),
                        "ci_high": np.clip(1 - cif + z * band, 0, 1),
                    }
                )
            )
    balance = _smd(design.x, t, w, design.names)
    km = pd.concat(km_rows, ignore_index=True) if km_rows else None
    if horizon is not None:
        return _finish(
            _at_horizon(
                models,
                design,
                t,
                s,
                w,
                e,
                seg,
                codes,
                d,
                estimand,
                horizon,
                n_bootstrap,
                seed,
                clusters,
                alpha,
                balance,
                notes,
                n_treated,
                n_control,
                n_tu,
                n_cu,
                (hr, lo, hi, hr_naive),
                km,
                event,
                df.index,
                refit,
                uncertainty,
            )
        )
    event_share = float(np.average(units.e, weights=units.s))
    ev, ev_ci = _e_values("time_to_event", hr, lo, hi, None, None, event_share)
    tr = units.t == 1
    return _finish(
        EffectResult(
            outcome=event,
            kind="time_to_event",
            estimand=estimand,
            method="weighted cox",
            naive=hr_naive,
            estimate=hr,
            ci_low=lo,
            ci_high=hi,
            se=se,
            treated_mean=float(np.average(units.e[tr], weights=units.s[tr])),
            control_mean_naive=float(np.average(units.e[~tr], weights=units.s[~tr])),
            n_treated=n_treated,
            n_control=n_control,
            n_treated_used=n_tu,
            n_control_used=n_cu,
            e_value=ev,
            e_value_ci=ev_ci,
            max_abs_smd_before=_max_abs(balance.smd_before),
            max_abs_smd_after=_max_abs(balance.smd_after),
            balance=balance,
            overlap=_overlap(e, t, w),
            warnings=notes,
            hazard_ratio=hr,
            hr_ci_low=lo,
            hr_ci_high=hi,
            naive_hazard_ratio=hr_naive,
            km=km,
            ci_method="robust cox",
        )
    )


def _at_horizon(
    models,
    design,
    t,
    s,
    w,
    e,
    seg,
    codes,
    d,
    estimand,
    horizon,
    n_bootstrap,
    seed,
    clusters,
    alpha,
    balance,
    notes,
    n_treated,
    n_control,
    n_tu,
    n_cu,
    cox,
    km,
    event,
    labels=None,
    refit=None,
    uncertainty="bootstrap",
) -> EffectResult:
    tr = t == 1
    # The raw figure is what the data shows without any weighting: neither for the propensity nor for
    # censoring at joining.
    treated, phi1 = _aj_influence(d[tr], codes[tr], s[tr], horizon)
    control_naive, phi0 = _aj_influence(d[~tr], codes[~tr], s[~tr], horizon)
    naive_phi = np.zeros(len(t))
    naive_phi[tr], naive_phi[~tr] = phi1, -phi0
    sw = w[seg.unit] * seg.factor
    co = t[seg.unit] == 0
    est = treated - cumulative_incidence(seg.exit[co], seg.event[co], sw[co], horizon, seg.entry[co])
    reps = []
    if n_bootstrap > 0 and uncertainty == "bootstrap":
        rng = np.random.default_rng(seed)
        models.replicate = True
        groups, uniques = (np.arange(len(t)), np.arange(len(t))) if clusters is None else pd.factorize(clusters)
        by_label = pd.DataFrame(index=labels)
        for _ in range(n_bootstrap):
            counts = rng.multinomial(len(uniques), np.full(len(uniques), 1 / len(uniques)))
            b = s * counts[groups]
            if (b[tr] > 0).sum() < 2 or (b[~tr] > 0).sum() < 2:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                seg_b = (
                    seg if refit is None else _segments(d, codes, _steps(by_label, refit(pd.Series(b, index=labels))))
                )
                reps.append(_incidence_difference(models, design.x, t, seg_b, b, estimand, horizon))
    reps = np.asarray(reps)
    if uncertainty == "influence":
        se = _influence_se(
            _influence_incidence(design.x, t, s, e, seg, d, codes, estimand, horizon, _Models.C, models.hessians),
            clusters,
        )
        lo, hi = est - _z(alpha) * se, est + _z(alpha) * se
    else:
        lo, hi = np.quantile(reps, [alpha / 2, 1 - alpha / 2]) if len(reps) else (float("nan"),) * 2
        se = float(np.std(reps, ddof=1)) if len(reps) > 1 else float("nan")
    has_ci = bool(np.isfinite(lo))
    ev, ev_ci = _e_values("binary", est, lo, hi, treated, None) if has_ci else (float("nan"),) * 2
    hr, hr_lo, hr_hi, hr_naive = cox
    method = "weighted aalen-johansen" + (" with censoring weights" if len(seg.unit) > len(t) else "")
    return EffectResult(
        outcome=event,
        kind="time_to_event",
        estimand=estimand,
        method=method,
        naive=treated - control_naive,
        estimate=float(est),
        ci_low=float(lo),
        ci_high=float(hi),
        se=se,
        treated_mean=treated,
        control_mean_naive=control_naive,
        n_treated=n_treated,
        n_control=n_control,
        n_treated_used=n_tu,
        n_control_used=n_cu,
        e_value=ev,
        e_value_ci=ev_ci,
        max_abs_smd_before=_max_abs(balance.smd_before),
        max_abs_smd_after=_max_abs(balance.smd_after),
        balance=balance,
        overlap=_overlap(e, t, w),
        warnings=notes,
        n_bootstrap=len(reps),
        hazard_ratio=hr,
        hr_ci_low=hr_lo,
        hr_ci_high=hr_hi,
        naive_hazard_ratio=hr_naive,
        km=km,
        ci_method=_ci_method(uncertainty, len(reps), has_ci),
        naive_se=_influence_se(naive_phi, clusters),
    )


# ---------------------------------------------------------------------------------------------
# Influence-function (infinitesimal jackknife) standard errors
#
# Each unit's influence is the derivative of the estimate with respect to its log-weight, through
# everything the estimate depends on: the weighted means, the Aalen-Johansen curves and, by the
# implicit function theorem, the refitted propensity and outcome models (the stacked M-estimation
# sandwich). Summed within clusters and squared, it is the first-order variance the bootstrap
# approximates by resampling, for the cost of one fit instead of hundreds.


def _model_terms(x: np.ndarray, c: float) -> tuple[float, np.ndarray]:
    """(penalty scale, penalty) of a model as ``_Models`` fits it, on ``x`` with an intercept first:
    no covariates means a weighted mean (unpenalised)."""
    if x.shape[1] == 0:
        return 1.0, np.zeros(1)
    return c, np.r_[0.0, np.ones(x.shape[1])]


# The models have an intercept; these work with it implicitly (as a first column of ones) rather than
# copy a frame-sized design matrix to prepend one.
def _xt(x: np.ndarray, a: np.ndarray) -> np.ndarray:
    """[1 x]' a."""
    return np.r_[a.sum(), x.T @ a]


def _through_model(
    x: np.ndarray,
    c: float,
    penalty: np.ndarray,
    s: np.ndarray,
    resid: np.ndarray,
    curvature: np.ndarray,
    grad: np.ndarray,
    hess: np.ndarray | None = None,
) -> np.ndarray:
    """Each unit's effect on the estimate through one fitted model: ``grad`` (the estimate's
    derivative in the model's coefficients) times the coefficients' derivative in the unit's
    log-weight, H^-1 c s_i x_i resid_i, where H is the penalised objective's Hessian: ``hess`` when
    the fit handed it over (``_Models.hessians``), else computed here from ``curvature``."""
    if hess is None:
        hess = c * _gram(x, s * curvature) + np.diag(penalty)
    v = np.linalg.lstsq(hess, grad, rcond=None)[0]
    return c * s * resid * (v[0] + x @ v[1:])


def _influence_means(x, t, y, s, e, mu0, method, binary, c, hessians: dict | None = None) -> np.ndarray:
    """Influence of each unit on the ATT difference in means (``_point``'s estimator). ``hessians``:
    the fits' own (``_Models.hessians``), to save computing them again."""
    hessians = hessians or {}
    tr, co = t == 1, t == 0
    w = np.where(co, s * e / (1 - e), 0.0)
    r = y - mu0 if method == "aipw" else y
    n1, w0 = s[tr].sum(), w[co].sum()
    a, b = np.average(r[tr], weights=s[tr]), np.average(r[co], weights=w[co])
    phi = np.where(tr, s * (r - a) / n1, -w * (r - b) / w0)
    cp, pen = _model_terms(x, c)
    # the control mean's weights are s * exp([1 x] @ beta): d/d beta of it is the weighted covariance
    phi += _through_model(
        x, cp, pen, s, t - e, e * (1 - e), -_xt(x, np.where(co, w * (r - b), 0.0)) / w0, hessians.get("propensity")
    )
    if method == "aipw":
        # the outcome model, fitted on the comparison group (logistic or least squares)
        slope = mu0 * (1 - mu0) if binary else np.ones(len(y))
        oc, opens = (cp, pen) if binary else (1.0, np.zeros(x.shape[1] + 1))
        grad = -_xt(x, np.where(tr, s * slope, 0.0)) / n1 + _xt(x, np.where(co, w * slope, 0.0)) / w0
        phi += _through_model(x, oc, opens, s * co, y - mu0, slope, grad, hessians.get("untreated"))
    return phi


def incidence_influence(entry: np.ndarray, d: np.ndarray, e: np.ndarray, w: np.ndarray, horizon: float) -> np.ndarray:
    """Each row's influence on ``cumulative_incidence``: ``w_r`` times the estimate's derivative in
    ``w_r`` (``_aj_influence``'s; tests check it against finite differences)."""
    return _aj_influence(d, e, w, horizon, entry)[1]


def _influence_incidence(
    x, t, s, e, seg: _Segments, d, codes, estimand, horizon, c, hessians: dict | None = None
) -> np.ndarray:
    """Influence of each unit on the ATT difference in cumulative incidence (``_at_horizon``)."""
    tr = t == 1
    phi1 = np.zeros(len(t))
    phi1[tr] = incidence_influence(None, d[tr], codes[tr], s[tr], horizon)
    w = _weights(e, t, estimand) * s
    co_rows = t[seg.unit] == 0
    rows = incidence_influence(
        seg.entry[co_rows], seg.exit[co_rows], seg.event[co_rows], (w[seg.unit] * seg.factor)[co_rows], horizon
    )
    phi0 = np.bincount(seg.unit[co_rows], weights=rows, minlength=len(t))
    cp, pen = _model_terms(x, c)
    # a control's weight is s * exp([1 x] @ beta), so the estimate moves with beta as -[1 x]' phi0
    return (
        phi1
        - phi0
        + _through_model(x, cp, pen, s, t - e, e * (1 - e), -_xt(x, phi0), (hessians or {}).get("propensity"))
    )


def _influence_se(phi: np.ndarray, clusters) -> float:
    if clusters is not None:
        phi = np.bincount(pd.factorize(clusters)[0], weights=phi)
    g = len(phi)
    return float(np.sqrt(g / (g - 1) * np.sum(phi**2))) if g > 1 else float("nan")


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

    def at_risk(v):
        diff = np.bincount(first, weights=v, minlength=n_t + 1)[: n_t + 1]
        diff -= np.bincount(slot + 1, weights=v, minlength=n_t + 1)[: n_t + 1]
        return np.cumsum(diff)[:n_t]

    w0, w1 = at_risk(w * (x == 0)), at_risk(w * (x == 1))
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


def _ci_method(uncertainty: str, n_reps: int, has_ci: bool) -> str:
    if not has_ci:
        return "none"
    return "influence function" if uncertainty == "influence" else f"percentile bootstrap ({n_reps} replicates)"


def _z(alpha: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(1 - alpha / 2))
