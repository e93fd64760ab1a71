"""The effect table's figures as metrics rows: for each estimate the adjusted effect, the raw difference,
the mentored level, the raw comparison level, the comparable colleagues' (weighted) level, the hazard
ratios and the E-value; and the survival curves, one figure per month and group."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mentorship.metrics.rows import effect_units, horizon_words, metric_id, people_word, publication_status


@dataclass(frozen=True)
class _Measure:
    """One figure of an estimate, before it becomes a row."""

    measure: str
    label: str
    definition: str
    estimator: str
    unit: str
    digits: int
    value: float
    lo: float = np.nan
    hi: float = np.nan
    group: str | None = None


def _hazard_measures(r, what: str) -> list[_Measure]:
    """A time-to-event estimate's figures: the hazard ratios, adjusted and raw."""
    return [
        _Measure(
            "hazard_ratio",
            "Hazard ratio (adjusted)",
            f"{what}: hazard ratio of mentored {people_word(r.role)} against comparable colleagues, weighted Cox model",
            "adjusted",
            "hazard_ratio",
            2,
            r.hazard_ratio,
            r.hr_ci_low,
            r.hr_ci_high,
        ),
        _Measure(
            "hazard_ratio_raw",
            "Hazard ratio (raw)",
            f"{what}: hazard ratio against the comparison group, unweighted",
            "raw",
            "hazard_ratio",
            2,
            r.naive_hazard_ratio,
        ),
    ]


def _difference_measures(r, what: str) -> list[_Measure]:
    """An estimate's figures: the effect, the raw difference, the three levels and the E-value."""
    level_unit, diff_unit, level_digits, diff_digits = effect_units(r.outcome)
    who = people_word(r.role)
    se = getattr(r, "naive_se", np.nan)
    return [
        _Measure(
            "adjusted_effect",
            "Adjusted effect",
            f"{what}: mentored {who} minus comparable colleagues (effect on the treated, weighted and modelled)",
            "adjusted",
            diff_unit,
            diff_digits,
            r.estimate,
            r.ci_low,
            r.ci_high,
        ),
        _Measure(
            "raw_difference",
            "Raw difference",
            f"{what}: mentored {who} minus the comparison group, unadjusted; the interval covers chance only",
            "raw",
            diff_unit,
            diff_digits,
            r.naive,
            r.naive - 1.96 * se,
            r.naive + 1.96 * se,
        ),
        _Measure(
            "mentored_rate",
            "Mentored",
            f"{what}: the mentored {who}' level",
            "raw",
            level_unit,
            level_digits,
            r.treated_mean,
            group="mentored",
        ),
        _Measure(
            "comparison_rate_raw",
            "Comparison group (raw)",
            f"{what}: the comparison group's level, unweighted",
            "raw",
            level_unit,
            level_digits,
            r.control_mean_naive,
            group="comparison",
        ),
        _Measure(
            "comparison_rate_weighted",
            "Comparable colleagues (weighted)",
            f"{what}: the mentored level minus the "
            "adjusted effect: the level the mentored would have had without the program",
            "weighted",
            level_unit,
            level_digits,
            r.treated_mean - r.estimate,
            r.treated_mean - r.ci_high,
            r.treated_mean - r.ci_low,
            group="comparison",
        ),
        _Measure(
            "e_value", "E-value", f"{what}: the E-value of the adjusted effect", "adjusted", "ratio", 2, r.e_value
        ),
    ]


def _estimate_base(r, h: int | None, as_of) -> dict:
    """What every figure of one estimate shares: who, when, how many, and whether it is published."""
    status, reason = publication_status(r)
    return {
        "role": r.role,
        "outcome": r.outcome,
        "segment_type": r.segment_type,
        "segment": str(r.segment),
        "horizon_months": h,
        "people_mentored": r.people_treated,
        "people_comparison": r.people_control,
        "intakes_mentored": r.n_treated,
        "intakes_comparison": r.n_control,
        "as_of_date": as_of,
        "status": status,
        "reason": reason,
        "family": "effect",
    }


def _measure_row(r, base: dict, m: _Measure) -> dict:
    st, why = base["status"], base["reason"]
    if st == "published" and pd.isna(m.value):  # an E-value without an interval, say
        st, why = "not_estimated", "could not be computed for this estimate"
    shown = st == "published"
    return base | {
        "metric_id": metric_id(r.role, r.outcome, base["horizon_months"], r.segment_type, r.segment, m.measure),
        "measure": m.measure,
        "label": m.label,
        "definition": m.definition,
        "estimator": m.estimator,
        "unit": m.unit,
        "digits": m.digits,
        "group": m.group,
        "status": st,
        "reason": why,
        "value": m.value if shown else np.nan,
        "ci_low": m.lo if shown else np.nan,
        "ci_high": m.hi if shown else np.nan,
        "note": (getattr(r, "warnings", None) or None) if m.measure == "adjusted_effect" else None,
    }


def effect_rows(effects: pd.DataFrame, as_of) -> list[dict]:
    """The figures of the effect table: for each estimate the adjusted effect, the raw difference, the
    mentored level, the raw comparison level, the comparable colleagues' (weighted) level, the hazard
    ratios and the E-value."""
    out = []
    for r in effects.itertuples(index=False):
        h = None if pd.isna(r.horizon_months) else int(r.horizon_months)
        base = _estimate_base(r, h, as_of)
        if r.outcome.startswith("time_to"):
            measures = _hazard_measures(r, str(r.outcome_label).lower())
        else:
            measures = _difference_measures(r, f"{str(r.outcome_label).lower()} {horizon_words(h)}")
        out += [_measure_row(r, base, m) for m in measures]
    return out


def curve_rows(curves: pd.DataFrame, effects: pd.DataFrame, as_of) -> list[dict]:
    """The curves, one figure per month and group, as the pages plot them: the share promoted by each
    month, and the share still with the company."""
    out = []
    parents = effects[(effects.segment_type == "overall") & effects.horizon_months.isna()].set_index(
        ["role", "outcome"]
    )
    for r in curves.itertuples(index=False):
        promoted = r.outcome == "time_to_promotion"
        value, lo, hi = (1 - r.survival, 1 - r.ci_high, 1 - r.ci_low) if promoted else (r.survival, r.ci_low, r.ci_high)
        p = parents.loc[(r.role, r.outcome)] if (r.role, r.outcome) in parents.index else None
        status, reason = ("published", None) if p is None else publication_status(p)
        group = "mentored" if r.group == "treated" else "comparison"
        out.append(
            {
                "metric_id": f"{r.role}.{r.outcome}.curve.{group}.m{int(r.month)}",
                "family": "curve",
                "measure": "curve_" + group,
                "label": ("Share promoted" if promoted else "Share still here"),
                "definition": ("share promoted at least once" if promoted else "share with no voluntary exit")
                + f" {int(r.month)} months after the index date, "
                + ("mentored" if group == "mentored" else "comparable colleagues (weighted)"),
                "role": r.role,
                "outcome": r.outcome,
                "segment_type": "overall",
                "segment": "all",
                "horizon_months": int(r.month),
                "group": group,
                "estimator": "raw" if group == "mentored" else "weighted",
                "unit": "share",
                "digits": 1,
                "value": value if status == "published" else np.nan,
                "ci_low": lo if status == "published" else np.nan,
                "ci_high": hi if status == "published" else np.nan,
                "as_of_date": as_of,
                "status": status,
                "reason": reason,
            }
        )
    return out
