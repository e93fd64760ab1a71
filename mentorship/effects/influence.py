"""Influence-function (infinitesimal jackknife) standard errors.

Each unit's influence is the derivative of the estimate with respect to its log-weight, through
everything the estimate depends on: the weighted means, the Aalen-Johansen curves and, by the
implicit function theorem, the refitted propensity and outcome models (the stacked M-estimation
sandwich). Summed within clusters and squared, it is the first-order variance the bootstrap
approximates by resampling, for the cost of one fit instead of hundreds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentorship.effects.incidence import _aj_influence
from mentorship.effects.models import _gram, _xt
from mentorship.effects.propensity import _weights
from mentorship.effects.segments import _Segments


def _model_terms(x: np.ndarray, c: float) -> tuple[float, np.ndarray]:
    """(penalty scale, penalty) of a model as ``_Models`` fits it, on ``x`` with an intercept first:
    no covariates means a weighted mean (unpenalised)."""
    if x.shape[1] == 0:
        return 1.0, np.zeros(1)
    return c, np.r_[0.0, np.ones(x.shape[1])]


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
