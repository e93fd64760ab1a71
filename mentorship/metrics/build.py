"""``build_metrics``: the metrics table from the published (already gated) tables, the validation
summary and the ROI cases, every row builder in turn, with unique ids and fixed column types."""

from __future__ import annotations

import pandas as pd

from mentorship.metrics.checks import check_rows, validation_rows
from mentorship.metrics.effect_figures import curve_rows, effect_rows
from mentorship.metrics.heterogeneity import heterogeneity_rows
from mentorship.metrics.population import size_rows, survey_rows
from mentorship.metrics.program import activity_rows, health_rows
from mentorship.metrics.rows import COLUMNS, NUMERIC


def as_of_date(published: dict[str, pd.DataFrame]) -> str | None:
    """The data's as-of date (YYYY-MM-DD), from the published cohort sizes."""
    sizes = published["cohort_sizes"]
    return str(pd.to_datetime(sizes["as_of_date"]).max().date()) if len(sizes) else None


def build_metrics(
    published: dict[str, pd.DataFrame], validation: dict | None = None, roi_case: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The metrics table from the published (already gated) tables, the validation summary and the ROI
    case's rows (``roi_figures.roi_case``, stored by the reporting layer)."""
    sizes = published["cohort_sizes"]
    as_of = as_of_date(published)
    rows = effect_rows(published["effect_estimates"], as_of)
    rows += curve_rows(published["survival_curves"], published["effect_estimates"], as_of)
    rows += heterogeneity_rows(published["effect_estimates"], as_of)
    rows += health_rows(published["program_health"], as_of)
    if "program_activity" in published:
        rows += activity_rows(published["program_activity"], as_of)
    rows += survey_rows(published["survey_prepost"], as_of)
    rows += size_rows(sizes, as_of)
    rows += check_rows(published["falsification_checks"], as_of)
    rows += validation_rows(validation or {}, as_of)
    if roi_case is not None:
        rows += roi_case.to_dict("records")
    frame = pd.DataFrame(rows).reindex(columns=COLUMNS)
    dup = frame.metric_id[frame.metric_id.duplicated()]
    if len(dup):
        raise ValueError(f"metric ids are not unique: {sorted(set(dup))[:5]}")
    for c in NUMERIC:
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
    frame["horizon_months"] = frame["horizon_months"].astype("Int64")
    frame["digits"] = frame["digits"].astype("int64")
    return frame
