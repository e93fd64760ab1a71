"""The checks behind the figures, as metrics rows: the falsification checks (figures whose truth is
zero) and the row counts of the latest validation of each source."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentorship.metrics.rows import effect_units, figure_row


def check_rows(checks: pd.DataFrame, as_of) -> list[dict]:
    out = []
    for r in checks.itertuples(index=False):
        h = None if pd.isna(r.horizon_months) else int(r.horizon_months)
        unit, digits = ("smd", 2) if r.check == "balance" else (effect_units(r.outcome)[1], 2)
        mid = f"check.{r.check}.{r.role}.{r.outcome}.{'na' if h is None else f'{h}m'}"
        measures = [("estimate", r.estimate, r.ci_low, r.ci_high)]
        if r.check != "balance":  # a balance check has no raw figure
            measures.append(("raw", r.naive, np.nan, np.nan))
        for measure, v, lo, hi in measures:
            out.append(
                figure_row(
                    "falsification",
                    f"{mid}.{measure}",
                    f"{r.check.replace('_', ' ')}: {measure}",
                    f"{r.outcome_label}: a figure whose truth is zero ({r.check.replace('_', ' ')})",
                    unit,
                    digits,
                    v,
                    as_of,
                    role=r.role,
                    outcome=r.outcome,
                    measure=measure,
                    lo=lo,
                    hi=hi,
                    horizon=h,
                    estimator="adjusted" if measure == "estimate" else "raw",
                )
            )
    return out


def validation_rows(validation: dict, as_of) -> list[dict]:
    out = []
    for s in validation.get("sources", []):
        run = s.get("run") or {}
        read = run.get("rows_read", 0)
        quarantined = run.get("rows_quarantined", 0)
        for col, label, v in (
            ("rows_read", "Rows read", read),
            ("rows_accepted", "Rows accepted", run.get("rows_accepted", read - quarantined)),
            ("rows_quarantined", "Rows quarantined", quarantined),
            ("files", "Files", len(s.get("files") or [])),
        ):
            out.append(
                figure_row(
                    "quality",
                    f"quality.{s['source']}.{col}",
                    label,
                    f"{label.lower()}: {s['source']} extract, latest validation",
                    "count",
                    0,
                    v,
                    as_of,
                    measure=col,
                    segment_type="source",
                    segment=s["source"],
                )
            )
    return out
