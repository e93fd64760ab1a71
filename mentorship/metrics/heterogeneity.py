"""Whether an effect differs across a breakdown's groups by more than chance: Cochran's Q test, and
its p-values as metrics rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentorship.metrics.rows import figure_row, metric_id

#: Breakdowns whose groups are tested for a difference in effect.
HETEROGENEITY_TYPES = ("department", "job_level", "gender", "age_band", "cohort", "program")


def cochran_q(estimates: np.ndarray, ses: np.ndarray) -> tuple[float, int, float]:
    """Cochran's Q test that every group has the same effect: (Q, degrees of freedom, p-value).
    Each group's estimate is weighted by 1 / se^2 around the weighted mean; under one common effect
    Q follows a chi-squared law with (groups - 1) degrees of freedom."""
    from scipy.stats import chi2

    w = 1 / ses**2
    pooled = np.sum(w * estimates) / np.sum(w)
    q = float(np.sum(w * (estimates - pooled) ** 2))
    df = len(estimates) - 1
    return q, df, float(chi2.sf(q, df)) if df > 0 else float("nan")


def heterogeneity_rows(effects: pd.DataFrame, as_of) -> list[dict]:
    """For each role, outcome, horizon and breakdown: whether the effect differs across the breakdown's
    groups by more than chance (Cochran's Q over the published groups' estimates and intervals). The
    groups of a breakdown hold different mentored people and, but for people compared in several
    intakes, different comparison people, which the test takes as independent. Programs share one
    comparison group, which correlates their estimates positively: the test is conservative there."""
    out = []
    seg = effects[
        effects.segment_type.isin(HETEROGENEITY_TYPES)
        & ~effects.suppressed.astype(bool)
        & effects.ci_low.notna()
        & ~effects.outcome.str.startswith("time_to")
    ]
    for (role, outcome, h, st), g in seg.groupby(["role", "outcome", "horizon_months", "segment_type"], dropna=False):
        if len(g) < 2:
            continue
        se = ((g.ci_high - g.ci_low) / (2 * 1.959963984540054)).to_numpy(dtype=float)
        if not (se > 0).all():
            continue
        q, df, p = cochran_q(g.estimate.to_numpy(dtype=float), se)
        hz = None if pd.isna(h) else int(h)
        total = effects[
            (effects.role == role)
            & (effects.outcome == outcome)
            & (effects.segment_type == st)
            & ((effects.horizon_months == h) if hz is not None else effects.horizon_months.isna())
        ]
        out.append(
            figure_row(
                "heterogeneity",
                f"{metric_id(role, outcome, hz, 'overall', 'all', f'heterogeneity.{st}')}",
                "Differs across groups (p-value)",
                f"Cochran's Q test that the adjusted effect is the same in every {st.replace('_', ' ')} "
                f"group shown ({len(g)} of {len(total)} groups; Q = {q:.1f} on {df} degrees of freedom)",
                "ratio",
                3,
                p,
                as_of,
                role=role,
                outcome=outcome,
                horizon=hz,
                segment_type=st,
                segment="all",
                measure="heterogeneity",
                estimator="adjusted",
            )
            | {"note": f"{len(g)} of {len(total)}"}
        )
    return out
