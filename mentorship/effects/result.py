"""``EffectResult``, what ``estimate_effect`` returns, and ``_result``, the one place it is built."""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from mentorship.effects.bootstrap import Interval
from mentorship.effects.cox import HazardRatio
from mentorship.effects.diagnostics import _max_abs, _overlap, _smd
from mentorship.effects.errors import PoorBalanceWarning
from mentorship.effects.propensity import Sample

SMD_TARGET = 0.1


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


@dataclass(frozen=True)
class Raw:
    """What the data shows without adjustment: the treated's mean (for a hazard ratio, their share
    with the event), the comparison group's, the raw figure (their difference, or the unweighted
    hazard ratio) and its standard error (NaN for a hazard ratio)."""

    treated_mean: float
    control_mean: float
    naive: float
    se: float = float("nan")


@dataclass(frozen=True)
class Estimate:
    """An estimate as ``EffectResult`` reports it: the outcome, its kind, the method, the adjusted
    figure with its interval, the raw figure, the E-values (of the estimate and of the interval's
    bound nearest the null), and for time to event the hazard ratio and the curves."""

    outcome: str
    kind: str
    method: str
    estimate: float
    interval: Interval
    raw: Raw
    e_values: tuple[float, float]
    hazard: HazardRatio | None = None
    km: pd.DataFrame | None = None


def _result(sample: Sample, e: np.ndarray, w: np.ndarray, est: Estimate) -> EffectResult:
    """The ``EffectResult`` of ``est`` on ``sample``, whose propensity ``e`` gave the weights ``w``:
    the balance table and overlap summary are taken from those."""
    balance = _smd(sample.design.x, sample.t, w, sample.design.names)
    hz = est.hazard
    return EffectResult(
        outcome=est.outcome,
        kind=est.kind,
        estimand=sample.estimand,
        method=est.method,
        naive=float(est.raw.naive),
        estimate=float(est.estimate),
        ci_low=float(est.interval.lo),
        ci_high=float(est.interval.hi),
        se=est.interval.se,
        treated_mean=est.raw.treated_mean,
        control_mean_naive=est.raw.control_mean,
        n_treated=sample.n_treated,
        n_control=sample.n_control,
        n_treated_used=sample.n_treated_used,
        n_control_used=sample.n_control_used,
        e_value=est.e_values[0],
        e_value_ci=est.e_values[1],
        max_abs_smd_before=_max_abs(balance.smd_before),
        max_abs_smd_after=_max_abs(balance.smd_after),
        balance=balance,
        overlap=_overlap(e, sample.t, w),
        warnings=sample.notes,
        n_bootstrap=est.interval.n_reps,
        hazard_ratio=None if hz is None else hz.ratio,
        hr_ci_low=None if hz is None else hz.lo,
        hr_ci_high=None if hz is None else hz.hi,
        naive_hazard_ratio=None if hz is None else hz.naive,
        km=est.km,
        ci_method=est.interval.method,
        naive_se=est.raw.se,
    )


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
