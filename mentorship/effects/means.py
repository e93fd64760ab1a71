"""Binary and continuous outcomes: the weighted (``ipw``) or doubly robust (``aipw``) difference in
means, with its interval."""

from __future__ import annotations

import numpy as np

from mentorship.effects.bootstrap import Uncertainty, interval
from mentorship.effects.diagnostics import _e_values
from mentorship.effects.errors import EffectInputError
from mentorship.effects.influence import _influence_means, _influence_se
from mentorship.effects.models import _Models
from mentorship.effects.propensity import Sample, _weights
from mentorship.effects.result import EffectResult, Estimate, Raw, _result


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


def _raw(t: np.ndarray, y: np.ndarray, s: np.ndarray, clusters) -> Raw:
    """The unweighted means and their difference, with its standard error."""
    tr, co = t == 1, t == 0
    treated_mean = float(np.average(y[tr], weights=s[tr]))
    control_naive = float(np.average(y[co], weights=s[co]))
    # The influence of each unit on its own group's weighted mean; each unit is in one group.
    naive_phi = np.where(tr, s * (y - treated_mean) / s[tr].sum(), -s * (y - control_naive) / s[co].sum())
    return Raw(treated_mean, control_naive, treated_mean - control_naive, _influence_se(naive_phi, clusters))


def _means(sample: Sample, outcome: str, y: np.ndarray, kind: str, method: str, unc: Uncertainty) -> EffectResult:
    """The effect on a binary or continuous ``outcome`` (values ``y``, one per unit of ``sample``)."""
    binary = kind == "binary"
    if binary and not set(np.unique(y)) <= {0.0, 1.0}:
        raise EffectInputError(f"a binary outcome must hold 0 and 1 only; {outcome} does not")
    models, x, t, s = sample.models, sample.design.x, sample.t, sample.s
    est, e, w, mu0 = _point(models, x, t, y, s, sample.estimand, method, binary)
    raw = _raw(t, y, s, sample.clusters)
    ci = interval(
        sample,
        unc,
        est,
        lambda: _influence_means(x, t, y, s, e, mu0, method, binary, _Models.C, models.hessians),
        lambda b: _point(models, x, t, y, b, sample.estimand, method, binary)[0],
    )
    co = t == 0
    sd_control = float(np.sqrt(np.average((y[co] - raw.control_mean) ** 2, weights=s[co])))
    nan = (float("nan"),) * 2
    e_values = _e_values(kind, est, ci.lo, ci.hi, raw.treated_mean, sd_control) if ci.has_ci else nan
    return _result(sample, e, w, Estimate(outcome, kind, method, est, ci, raw, e_values))
