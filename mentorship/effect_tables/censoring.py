"""The censoring model: inverse-probability-of-censoring weights for comparison people who may join the
program later, fitted once per role (or refitted per bootstrap replicate), and those weights applied
to the career outcomes at a horizon."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mentorship.effect_tables.outcomes import CENSORING_COVARIATES
from mentorship.effects import LogitRefit

if TYPE_CHECKING:
    from mentorship.effect_tables.settings import EffectSettings
    from mentorship.effect_tables.tasks import _Task


class CensoringModel:
    """Inverse-probability-of-censoring weights for comparison people who may join later.

    ``risk`` has one row per comparison member and later cohort they were still followed up at
    (``analytics.censoring_risk``). A logistic regression of joining on what was known then gives each
    person's chance of joining at each cohort; the people who stay count, from that cohort's last start
    on, for themselves and for the like people who joined: their weight is the running product of
    1 / (1 - p), capped at p = ``cap``.

    ``units`` maps the survival frame's row labels (``unit``) to ``employee_id`` and ``cohort``. Called
    with nothing, the model returns the fitted weights as ``estimate_effect``'s ``censoring_weights``
    (unit, time, weight). Called with a bootstrap replicate's weight per unit, it refits the model on
    that replicate, so the interval carries the censoring model's uncertainty too (``LogitRefit``
    from the full-sample fit). People outside the estimate's frame (another segment) keep weight 1.
    """

    def __init__(self, risk: pd.DataFrame, units: pd.DataFrame | None = None, cap: float = 0.95, c: float = 10.0):
        from mentorship.effects import _design, fit_logit

        if units is not None:
            risk = risk.merge(units, on=["employee_id", "cohort"], how="left")
        self.cap, self.c = cap, c
        self.fitted = not risk.empty and risk.joined.nunique() == 2
        stay = (risk.joined == 0).to_numpy()
        order = np.lexsort(
            (
                risk.months_to_weight_step.to_numpy(),
                risk.cohort.to_numpy(dtype=str),
                risk.employee_id.to_numpy(dtype=str),
            )
        )
        self._stay = order[stay[order]]  # stay rows, by person, cohort and time
        key = risk[["employee_id", "cohort"]].iloc[self._stay]
        k = key.to_numpy()
        self._start = np.r_[True, (k[1:] != k[:-1]).any(axis=1)] if len(k) else np.array([], bool)
        step = risk.months_to_weight_step.to_numpy(dtype=float)
        # When the intake behind each step started (the career outcomes count an intake from its start).
        start = risk.months_to_window.to_numpy(dtype=float) if "months_to_window" in risk else step
        self.frame = key.assign(time=step[self._stay], start=start[self._stay]).reset_index(drop=True)
        unit = risk["unit"].to_numpy(dtype=float) if "unit" in risk else np.full(len(risk), np.nan)
        self._row_unit = np.where(np.isnan(unit), -1, unit).astype(np.int64)
        self.frame["unit"] = self._row_unit[self._stay]
        if not self.fitted:
            self.frame["weight"] = 1.0
            return
        design = _design(risk, [col for col in CENSORING_COVARIATES if risk[col].notna().any()])
        self._x = design.x
        self._y = risk.joined.to_numpy(dtype=float)
        # A sampled comparison group (``analytic_frames``) stands for the people it was drawn from.
        self._s = risk["sampling_weight"].to_numpy(dtype=float) if "sampling_weight" in risk else np.ones(len(risk))
        self._beta = fit_logit(design.x, self._y, self._s, c)[0]
        self._refit = None  # factored on first refit: the pipeline's default holds the weights fixed
        self.frame["weight"] = self._cumulative(self._beta)

    def _cumulative(self, beta: np.ndarray) -> np.ndarray:
        p = np.clip(1 / (1 + np.exp(-(beta[0] + self._x[self._stay] @ beta[1:]))), 0.0, self.cap)
        log_f = np.cumsum(-np.log1p(-p))
        # Running product within each person and cohort: the cumulative sum minus its value before the group.
        before = np.r_[0.0, log_f[:-1]][self._start]
        return np.exp(log_f - np.repeat(before, np.diff(np.r_[np.flatnonzero(self._start), len(log_f)])))

    def __call__(self, unit_weights: pd.Series | None = None) -> pd.DataFrame:
        if unit_weights is None or not self.fitted:
            return self.frame[["unit", "time", "start", "weight"]]
        lookup = pd.Series(unit_weights.to_numpy(dtype=float), index=unit_weights.index)
        rows = lookup.reindex(self._row_unit).fillna(1.0).to_numpy()
        if self._refit is None:
            self._refit = LogitRefit(self._x, self._y, self._beta, self.c)
        beta = self._refit(rows * self._s)
        return self.frame[["unit", "time", "start"]].assign(weight=self._cumulative(beta))


def with_censoring_weight(part: pd.DataFrame, survival: pd.DataFrame, censoring, horizon: float) -> pd.DataFrame:
    """``part`` (career outcomes at one horizon) with ``censoring_weight`` and ``analysis_weight``.

    The career outcomes count only comparison people still outside the program at the horizon; those
    who joined a later intake that started by then are censored. Joining follows what changed since the index
    date (a good rating, a promotion), which also drives pay and moves, so dropping the joiners biases
    the comparison group. Each comparison person who stayed out therefore counts for the like people
    who joined: weighted by the censoring model's cumulative weight at the horizon (the same model and
    the same weights as the promotion and retention curves). ``analysis_weight`` is that weight times
    the sampling weight; mentored people are never censored by joining and weigh 1 (times sampling).
    """
    cw = censoring() if callable(censoring) else censoring
    weight = np.ones(len(part))
    if cw is not None and len(cw):
        # Every intake that started by the horizon: its joiners are censored (career_outcomes.sql), and
        # the people who stayed out of it count for them.
        cw = cw[(cw.unit >= 0) & (cw.get("start", cw.time) <= horizon)]
        last = cw.sort_values(["unit", "time"], kind="stable").groupby("unit").weight.last()
        last = last[last.index.isin(survival.index)]  # units of another cut of the frame have no row here
        units = survival.loc[last.index.to_numpy()]
        keys = pd.DataFrame(
            {
                "employee_id": units.employee_id.astype(str).to_numpy(),
                "cohort": units.cohort.astype(str).to_numpy(),
                "treated": units.treated.to_numpy(),
                "censoring_weight": last.to_numpy(),
            }
        )
        rows = pd.DataFrame(
            {
                "employee_id": part.employee_id.astype(str).to_numpy(),
                "cohort": part.cohort.astype(str).to_numpy(),
                "treated": part.treated.to_numpy(),
            }
        )
        found = rows.merge(keys, how="left", on=["employee_id", "cohort", "treated"], validate="many_to_one")
        weight = found.censoring_weight.fillna(1.0).to_numpy()
    sampling = part.sampling_weight.to_numpy(dtype=float) if "sampling_weight" in part else 1.0
    return part.assign(censoring_weight=weight, analysis_weight=weight * sampling)


def censoring_weights(risk: pd.DataFrame, cap: float = 0.95) -> pd.DataFrame:
    """The fitted censoring weights per comparison member: (employee_id, cohort, time, weight)."""
    return CensoringModel(risk, cap=cap).frame[["employee_id", "cohort", "time", "weight"]]


def _censoring(task: _Task, s: EffectSettings, uncertainty: str = "bootstrap"):
    """What a time-to-event task passes as ``censoring_weights``: the fixed weights, or the model
    itself, which the bootstrap then refits in every replicate (``refit_censoring``)."""
    if task.kind != "time_to_event" or task.censoring is None:
        return None
    if isinstance(task.censoring, pd.DataFrame):  # already the fixed weights
        return task.censoring
    return task.censoring if s.refit_censoring and uncertainty == "bootstrap" else task.censoring()
