"""The effect tables' output schemas, and ``_typed``, which gives a list of frames exactly those columns
and types."""

from __future__ import annotations

import pandas as pd

#: Output schemas, fixed so that an all-suppressed run still writes well-typed (empty) tables.
ESTIMATE_COLUMNS = {
    "role": "object",
    "outcome": "object",
    "outcome_label": "object",
    "kind": "object",
    "horizon_months": "Int64",
    "segment_type": "object",
    "segment": "object",
    "n_treated": "Float64",
    "n_control": "Float64",
    "n_treated_used": "Float64",
    "n_control_used": "Float64",
    "people_treated": "Float64",
    "people_control": "Float64",
    "estimand": "object",
    "method": "object",
    "naive": "float64",
    "naive_se": "float64",
    "estimate": "float64",
    "ci_low": "float64",
    "ci_high": "float64",
    "se": "float64",
    "treated_mean": "float64",
    "control_mean_naive": "float64",
    "e_value": "float64",
    "e_value_ci": "float64",
    "max_abs_smd_before": "float64",
    "max_abs_smd_after": "float64",
    "balanced": "boolean",
    "warnings": "object",
    "n_bootstrap": "Int64",
    "ci_method": "object",
    "hazard_ratio": "float64",
    "hr_ci_low": "float64",
    "hr_ci_high": "float64",
    "naive_hazard_ratio": "float64",
    "suppressed": "bool",
    "suppression_reason": "object",
    "counts_hidden": "bool",
}
BALANCE_COLUMNS = {
    "role": "object",
    "outcome": "object",
    "horizon_months": "Int64",
    "covariate": "object",
    "smd_before": "float64",
    "smd_after": "float64",
}
CURVE_COLUMNS = {
    "role": "object",
    "outcome": "object",
    "group": "object",
    "month": "int64",
    "survival": "float64",
    "ci_low": "float64",
    "ci_high": "float64",
}


def _typed(frames: list[pd.DataFrame], columns: dict[str, str]) -> pd.DataFrame:
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return frame.reindex(columns=list(columns)).astype(columns)
