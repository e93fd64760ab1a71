"""One estimate: a task's counts, why it cannot be estimated (too few people, nothing to compare), its
covariates and interval method, the call to ``estimate_effect``, the raw figures, and the balance and
monthly curves an overall estimate brings; ``_run`` and ``_run_group`` run tasks in a worker."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from mentorship.effect_tables.censoring import _censoring
from mentorship.effect_tables.outcomes import COVARIATES
from mentorship.effect_tables.settings import EffectSettings
from mentorship.effect_tables.tasks import _cut, _Task
from mentorship.effects import EffectInputError, estimate_effect, shared_fits

#: Fewer people than this in either group and no model is fitted (a variance needs two).
MIN_TO_ESTIMATE = 2


def _run(task: _Task, s: EffectSettings) -> tuple[dict, pd.DataFrame | None, pd.DataFrame | None]:
    from threadpoolctl import threadpool_limits

    # Each fit is small: multi-threaded BLAS costs more in start-up than it saves (5x, measured),
    # so each worker process uses one thread and the processes share the cores.
    with threadpool_limits(1):
        return _estimate(task, s)


def _run_group(tasks: list[_Task], s: EffectSettings) -> list[tuple]:
    """Estimates on one frame, sharing its design matrix and propensity fit."""
    with shared_fits():
        return [_run(t, s) for t in _cut(tasks)]


def _counts(task: _Task) -> dict:
    """The estimate's row before any fit: what it is, and the person-intakes and people behind it."""
    f = task.frame
    # Counted among the people whose outcome is measured (salary growth needs a salary at the horizon;
    # moving into management, not being a manager already), as the estimate counts them: the counts
    # after trimming then differ from these by the trimmed people only.
    measured = f[task.outcome_col or task.duration].notna().to_numpy()
    treated = (f.treated == 1).to_numpy()
    n_t, n_c = int((treated & measured).sum()), int((~treated & measured).sum())
    # Rows are person-intakes: a comparison person is compared once in every intake they were eligible
    # for, so the distinct people behind an estimate are counted separately.
    ids = f.employee_id.to_numpy()
    people_t, people_c = len(pd.unique(ids[treated & measured])), len(pd.unique(ids[~treated & measured]))
    return {
        "role": task.role,
        "outcome": task.outcome,
        "outcome_label": task.label,
        "kind": "binary" if task.horizon_time else task.kind,
        "horizon_months": task.horizon,
        "segment_type": task.segment_type,
        "segment": task.segment,
        "n_treated": n_t,
        "n_control": n_c,
        "people_treated": people_t,
        "people_control": people_c,
        "suppressed": False,
        "suppression_reason": None,
    }


def _covariates(task: _Task) -> list[str]:
    """The covariates an estimate adjusts for."""
    f = task.frame
    covs = [c for c in COVARIATES if c != task.segment_type and c not in task.exclude and f[c].notna().any()]
    if not task.adjust_scores:  # the difference-in-differences (SURVEY_DESIGNS)
        covs = [c for c in covs if not c.startswith("pre_")]
    if task.segment_type != "overall":  # a segment is too small to adjust for rare covariates
        covs = [c for c in covs if f[c].nunique() > 1]
    return covs


def _interval_method(task: _Task, s: EffectSettings, n_treated: int) -> str:
    """The task's interval method, except that few mentored people in a small frame take the bootstrap."""
    if (
        task.uncertainty == "influence"
        and n_treated < s.bootstrap_below
        and s.n_bootstrap > 0
        and task.frame.employee_id.nunique() <= s.bootstrap_max_people
    ):
        return "bootstrap"
    return task.uncertainty


def _fit(task: _Task, s: EffectSettings, covs: list[str], weights: str | None, uncertainty: str):
    """``estimate_effect`` on the task's frame. A horizon row skips the hazard ratio and curves: the rows
    without a horizon carry them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimate_effect(
            task.frame,
            "treated",
            task.outcome_col,
            covs,
            kind=task.kind,
            duration=task.duration,
            event=task.event,
            trim=s.trim,
            n_bootstrap=s.n_bootstrap,
            seed=s.seed,
            cluster="employee_id",
            horizon=task.horizon_time,
            weights=weights,
            censoring_weights=_censoring(task, s, uncertainty),
            curves=task.horizon_time is None,
            uncertainty=uncertainty,
        )


def _raw_figures(r, f: pd.DataFrame, outcome_col: str, sampled: str | None) -> None:
    """Set ``r``'s raw figures unweighted: weighted for the sampling only, never for censoring or the
    propensity."""
    m = f[outcome_col].notna().to_numpy()
    y, t = f[outcome_col].to_numpy(dtype=float)[m], f.treated.to_numpy()[m]
    sw = f[sampled].to_numpy(dtype=float)[m] if sampled else np.ones(m.sum())
    r.treated_mean = float(np.average(y[t == 1], weights=sw[t == 1]))
    r.control_mean_naive = float(np.average(y[t == 0], weights=sw[t == 0]))
    r.naive = r.treated_mean - r.control_mean_naive
    r.naive_se = _mean_difference_se(y, t, sw, f.employee_id.to_numpy()[m])


def _reported(r, sign: int) -> dict:
    """The fitted figures as the row reports them."""
    d = r.to_dict()
    for k in ("outcome", "kind", "n_treated", "n_control"):
        d.pop(k)
    if sign == -1:  # report the share without the event: retained rather than exited
        d.update(
            naive=-d["naive"],
            estimate=-d["estimate"],
            ci_low=-d["ci_high"],
            ci_high=-d["ci_low"],
            treated_mean=1 - d["treated_mean"],
            control_mean_naive=1 - d["control_mean_naive"],
        )
    return d


def _estimate(task: _Task, s: EffectSettings) -> tuple[dict, pd.DataFrame | None, pd.DataFrame | None]:
    f = task.frame
    row = _counts(task)
    # A statistical floor, not the privacy threshold: the publication gate (mentorship.publication)
    # suppresses small groups on the way out, with every table they share totals with.
    if min(row["n_treated"], row["n_control"]) < MIN_TO_ESTIMATE:
        row.update(suppressed=True, suppression_reason="too few people to estimate")
        return row, None, None
    if (reason := _nothing_to_compare(task)) is not None:
        # An effect of exactly zero with an interval of zero width would read as a finding.
        row.update(suppressed=True, suppression_reason=reason)
        return row, None, None
    covs = _covariates(task)
    uncertainty = _interval_method(task, s, row["n_treated"])
    sampled = "sampling_weight" if "sampling_weight" in f and (f.sampling_weight != 1).any() else None
    weights = task.weights if task.weights is not None and (f[task.weights] != 1).any() else sampled
    try:
        r = _fit(task, s, covs, weights, uncertainty)
    except EffectInputError as e:
        reason = (
            f"not yet followed up for {task.horizon} months"
            if "followed up to the horizon" in str(e)
            else f"could not be estimated: {str(e)[:120]}"
        )
        row.update(suppressed=True, suppression_reason=reason)
        return row, None, None
    except (ValueError, np.linalg.LinAlgError) as e:
        row.update(suppressed=True, suppression_reason=f"could not be estimated: {str(e)[:120]}")
        return row, None, None
    if weights != sampled:
        _raw_figures(r, f, task.outcome_col, sampled)
    if sampled:
        share = 1 / f.sampling_weight.max()
        r.warnings.append(
            f"comparison group: a random {share:.1%} sample of comparison people, each weighted "
            f"{1 / share:.2f}; the counts are of the sample, the interval includes the sampling error"
        )
    row.update(_reported(r, task.sign))
    balance = km = None
    if task.segment_type == "overall":
        balance = r.balance.assign(role=task.role, outcome=task.outcome, horizon_months=task.horizon)
        if r.km is not None and task.horizon_time is None:
            km = _monthly(r.km).assign(role=task.role, outcome=task.outcome)
    return row, balance, km


def _mean_difference_se(y: np.ndarray, t: np.ndarray, w: np.ndarray, clusters: np.ndarray) -> float:
    """Standard error of a difference of two weighted means, from their influence functions, summed
    within person (a comparison person counts once per intake)."""
    from mentorship.effects import _influence_se

    phi = np.zeros(len(y))
    for g, sign in ((1, 1.0), (0, -1.0)):
        m = t == g
        phi[m] = sign * w[m] * (y[m] - np.average(y[m], weights=w[m])) / w[m].sum()
    return _influence_se(phi, clusters)


def _nothing_to_compare(task: _Task) -> str | None:
    """Why an outcome that does not vary (nobody promoted, no exits, the same value for everyone) cannot
    give an effect, or None when it varies."""
    f = task.frame
    if task.kind == "time_to_event":
        d, e = f[task.duration].to_numpy(dtype=float), f[task.event].to_numpy(dtype=float)
        limit = task.horizon_time if task.horizon_time is not None else np.inf
        if not ((e == 1) & (d <= limit)).any():
            return (
                "nobody had this event"
                + (f" within {task.horizon} months" if task.horizon else "")
                + " in either group: nothing to compare"
            )
        return None
    y = f[task.outcome_col].dropna()
    if y.nunique() < 2:
        return (
            "every person has the same value of this outcome"
            + (f" at {task.horizon} months" if task.horizon else "")
            + ": nothing to compare"
        )
    return None


def _monthly(km: pd.DataFrame, months: int = 36) -> pd.DataFrame:
    """Curves on a monthly grid: what the dashboards draw, and no single person's event date."""
    grid = np.arange(0, months + 1, dtype=float)  # durations are in calendar months already
    out = []
    for g, part in km.groupby("group"):
        part = part.sort_values("time")
        idx = np.searchsorted(part.time.to_numpy(), grid, side="right") - 1
        ok = idx >= 0
        sel = part.iloc[np.where(ok, idx, 0)]
        out.append(
            pd.DataFrame(
                {
                    "group": g,
                    "month": np.arange(0, months + 1),
                    "survival": np.where(ok, sel.survival, 1.0),
                    "ci_low": np.where(ok, sel.ci_low, 1.0),
                    "ci_high": np.where(ok, sel.ci_high, 1.0),
                }
            )
        )
    return pd.concat(out, ignore_index=True)
