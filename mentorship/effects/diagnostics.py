"""Balance and sensitivity diagnostics: standardised mean differences before and after weighting,
the overlap of the propensity scores, and E-values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mentorship.effects.models import _BLOCK


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


def _max_abs(s: pd.Series) -> float:
    v = s.abs().max()
    return float(v) if pd.notna(v) else 0.0
