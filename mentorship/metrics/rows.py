"""The metrics table's row: its columns, the publication statuses, the stable ``metric_id``, and the
helpers every row builder shares (a figure's row, an estimate's status, its units and words)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentorship.metrics.formatting import is_missing

COLUMNS = [
    "metric_id",
    "family",
    "measure",
    "label",
    "definition",
    "role",
    "outcome",
    "segment_type",
    "segment",
    "horizon_months",
    "group",
    "estimator",
    "unit",
    "digits",
    "value",
    "ci_low",
    "ci_high",
    "people_mentored",
    "people_comparison",
    "intakes_mentored",
    "intakes_comparison",
    "as_of_date",
    "status",
    "reason",
    "note",
]
#: The columns that hold numbers (floats, NaN where there is none).
NUMERIC = (
    "value",
    "ci_low",
    "ci_high",
    "people_mentored",
    "people_comparison",
    "intakes_mentored",
    "intakes_comparison",
)
STATUSES = ("published", "suppressed", "not_estimated")

PROPORTIONS = (
    "promoted",
    "retained",
    "became_people_manager",
    "changed_department",
    "promoted_in_year_before",
)  # the last: the falsification checks' placebo outcome


def metric_id(role, outcome, horizon, segment_type="overall", segment="all", measure="adjusted_effect") -> str:
    h = "na" if horizon is None or pd.isna(horizon) else f"{int(horizon)}m"
    seg = "all" if segment_type == "overall" else f"{segment_type}={segment}"
    return f"{role}.{outcome}.{h}.{seg}.{measure}"


def effect_units(outcome: str) -> tuple[str, str, int, int]:
    """(level unit, difference unit, level digits, difference digits) of an outcome."""
    if outcome in PROPORTIONS:
        return "share", "pts", 1, 1
    if outcome == "salary_growth":
        return "pay_share", "pay_pts", 2, 2
    if outcome.startswith("time_to"):
        return "hazard_ratio", "hazard_ratio", 2, 2
    return "score_points", "score_points", 2, 2


def publication_status(r) -> tuple[str, str | None]:
    """(status, reason) of an effect-table row: suppressed by the publication gate, or not estimated."""
    if not bool(r.suppressed):
        return "published", None
    reason = str(r.suppression_reason or "")
    if reason.startswith("fewer than") or "count hidden" in reason or "worked out" in reason:
        return "suppressed", reason
    return "not_estimated", reason


def people_word(role: str) -> str:
    return {"mentee": "mentees", "mentor": "mentors"}.get(role, role)


def horizon_words(h) -> str:
    return (
        "by the first survey after the index date"
        if h is None or pd.isna(h)
        else f"within {int(h)} months of the index date"
    )


def figure_row(
    family,
    mid,
    label,
    definition,
    unit,
    digits,
    value,
    as_of,
    *,
    status="published",
    reason=None,
    role=None,
    group=None,
    segment_type="overall",
    segment="all",
    measure=None,
    people=None,
    estimator="raw",
    outcome=None,
    lo=np.nan,
    hi=np.nan,
    horizon=None,
) -> dict:
    """One figure's row. A published figure without a value becomes suppressed; a figure that is not
    published keeps no value or interval."""
    hidden = is_missing(value)
    if status == "published" and hidden:
        status, reason = "suppressed", reason or "hidden by the publication gate, or not computed"
    if status != "published":  # a hidden figure keeps no value, not even one its row still holds
        hidden, lo, hi = True, np.nan, np.nan
    return {
        "metric_id": mid,
        "family": family,
        "measure": measure or mid.rsplit(".", 1)[-1],
        "label": label,
        "definition": definition,
        "role": role,
        "outcome": outcome,
        "segment_type": segment_type,
        "segment": segment,
        "horizon_months": horizon,
        "group": group,
        "estimator": estimator,
        "unit": unit,
        "digits": digits,
        "value": np.nan if hidden else float(value),
        "ci_low": lo,
        "ci_high": hi,
        "people_mentored": people if group != "comparison" else np.nan,
        "people_comparison": people if group == "comparison" else np.nan,
        "as_of_date": as_of,
        "status": status,
        "reason": reason,
    }
