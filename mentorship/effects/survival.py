"""Time to event: the weighted Cox hazard ratio, or with a horizon the difference in the probability
of the event by then (weighted Aalen-Johansen), and both groups' curves, read off the same estimator
and weights as the probability."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mentorship.effects.bootstrap import Interval, Uncertainty, interval
from mentorship.effects.cox import HazardRatio, hazard_ratio
from mentorship.effects.diagnostics import _e_values
from mentorship.effects.errors import EffectInputError
from mentorship.effects.incidence import _aj_influence, aalen_johansen_curve, cumulative_incidence
from mentorship.effects.influence import _influence_incidence, _influence_se
from mentorship.effects.models import _Models
from mentorship.effects.propensity import Sample, _weights
from mentorship.effects.result import EffectResult, Estimate, Raw, _result
from mentorship.effects.segments import _Segments, _Times


@dataclass(frozen=True)
class _Survival:
    """What a time-to-event estimate works on: the sample, its propensity ``e`` and weights ``w``,
    and the outcome (``event``, its name, and its ``times``)."""

    sample: Sample
    e: np.ndarray
    w: np.ndarray
    times: _Times
    event: str


def _survival(
    sample: Sample, times: _Times, event: str, unc: Uncertainty, horizon: float | None, curves: bool
) -> EffectResult:
    """The effect on the time to ``event``: the hazard ratio without a ``horizon``, else the difference
    in the probability of the event by then. ``curves``: fit the hazard ratio and the curves (without
    a horizon they are the estimate, and always fitted)."""
    e, w = sample.weighted()
    if horizon is not None:
        d, t = times.d, sample.t
        for g, name in ((1, "treated"), (0, "comparison")):
            if not (d[t == g] >= horizon).any():
                raise EffectInputError(
                    f"nobody in the {name} group was followed up to the horizon ({horizon:g}); "
                    "the probability by then cannot be estimated"
                )
    sv = _Survival(sample, e, w, times, event)
    hazard = hazard_ratio(sample, times, w, unc.z, unc.influence) if curves else HazardRatio()
    km = _curves(sv, unc.z) if curves else None
    if horizon is not None:
        return _at_horizon(sv, unc, horizon, hazard, km)
    return _cox_result(sv, hazard, km)


def _curves(sv: _Survival, z: float) -> pd.DataFrame:
    """Both groups' curves (one minus the cumulative incidence) with their pointwise bands, ``z``
    standard errors wide."""
    t, seg, clusters, times = sv.sample.t, sv.times.seg, sv.sample.clusters, sv.times
    # The estimators and weights of _at_horizon's two arms, so each curve read at a horizon is that
    # arm's probability: the treated by unit with their sampling weights, the comparison on the split
    # rows with propensity and censoring weights (its band holds those weights fixed, as known).
    tr, co = t == 1, t[seg.unit] == 0
    s = sv.sample.s
    arms = (
        ("treated", times.d[tr], times.codes[tr], s[tr], None, None if clusters is None else clusters[tr]),
        (
            "comparison",
            seg.exit[co],
            seg.event[co],
            (sv.w[seg.unit] * seg.factor)[co],
            seg.entry[co],
            (seg.unit if clusters is None else clusters[seg.unit])[co],
        ),
    )
    km_rows = []
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
    return pd.concat(km_rows, ignore_index=True)


def _cox_result(sv: _Survival, hazard: HazardRatio, km: pd.DataFrame | None) -> EffectResult:
    """The hazard ratio as the estimate, with its robust interval."""
    keep = sv.times.d >= 0
    e, s, tr = (sv.times.codes == 1).astype(float)[keep], sv.sample.s[keep], sv.sample.t[keep] == 1
    event_share = float(np.average(e, weights=s))
    e_values = _e_values("time_to_event", hazard.ratio, hazard.lo, hazard.hi, None, None, event_share)
    raw = Raw(float(np.average(e[tr], weights=s[tr])), float(np.average(e[~tr], weights=s[~tr])), hazard.naive)
    ci = Interval(hazard.lo, hazard.hi, hazard.se, 0, "robust cox")
    est = Estimate(sv.event, "time_to_event", "weighted cox", hazard.ratio, ci, raw, e_values, hazard, km)
    return _result(sv.sample, sv.e, sv.w, est)


def _at_horizon(
    sv: _Survival, unc: Uncertainty, horizon: float, hazard: HazardRatio, km: pd.DataFrame | None
) -> EffectResult:
    """The difference in the probability of the event by ``horizon``, treated minus comparison."""
    sample, times = sv.sample, sv.times
    t, s, seg = sample.t, sample.s, times.seg
    raw = _raw_by_horizon(times, t, s, horizon, sample.clusters)
    sw = sv.w[seg.unit] * seg.factor
    co = t[seg.unit] == 0
    est = raw.treated_mean - cumulative_incidence(seg.exit[co], seg.event[co], sw[co], horizon, seg.entry[co])
    models, x, estimand = sample.models, sample.design.x, sample.estimand
    ci = interval(
        sample,
        unc,
        est,
        lambda: _influence_incidence(
            x, t, s, sv.e, seg, times.d, times.codes, estimand, horizon, _Models.C, models.hessians
        ),
        lambda b: _incidence_difference(models, x, t, times.replicate(b), b, estimand, horizon),
    )
    nan = (float("nan"),) * 2
    e_values = _e_values("binary", est, ci.lo, ci.hi, raw.treated_mean, None) if ci.has_ci else nan
    method = "weighted aalen-johansen" + (" with censoring weights" if times.split else "")
    return _result(sample, sv.e, sv.w, Estimate(sv.event, "time_to_event", method, est, ci, raw, e_values, hazard, km))


def _raw_by_horizon(times: _Times, t: np.ndarray, s: np.ndarray, horizon: float, clusters) -> Raw:
    """Each group's probability of the event by ``horizon``, and their difference with its standard
    error."""
    d, codes, tr = times.d, times.codes, t == 1
    # The raw figure is what the data shows without any weighting: neither for the propensity nor for
    # censoring at joining.
    treated, phi1 = _aj_influence(d[tr], codes[tr], s[tr], horizon)
    control_naive, phi0 = _aj_influence(d[~tr], codes[~tr], s[~tr], horizon)
    naive_phi = np.zeros(len(t))
    naive_phi[tr], naive_phi[~tr] = phi1, -phi0
    return Raw(treated, control_naive, treated - control_naive, _influence_se(naive_phi, clusters))


def _incidence_difference(models, x, t, seg: _Segments, s, estimand, horizon) -> float:
    w = (_weights(models.propensity(x, t, s), t, estimand) * s)[seg.unit] * seg.factor
    tr = t[seg.unit] == 1
    return cumulative_incidence(seg.exit[tr], seg.event[tr], w[tr], horizon, seg.entry[tr]) - cumulative_incidence(
        seg.exit[~tr], seg.event[~tr], w[~tr], horizon, seg.entry[~tr]
    )
