"""Program health as metrics rows: pairs, meetings, goals and ratings per program and cohort, and the
activity trend per program and month."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentorship.metrics.rows import figure_row

HEALTH = [  # column, label, unit, digits, definition
    ("pairs", "Pairs", "count", 0, "mentoring pairs formed"),
    ("active_pairs", "Active pairs", "count", 0, "pairs still meeting"),
    ("completed_pairs", "Completed pairs", "count", 0, "pairs that completed the program"),
    ("withdrawn_pairs", "Withdrawn pairs", "count", 0, "pairs that stopped early"),
    (
        "meetings_per_pair_month",
        "Meetings per pair per month",
        "per_month",
        2,
        "meetings per pair and month of its life",
    ),
    ("median_gap_days", "Median gap between meetings", "days", 0, "median days between a pair's meetings"),
    ("goals_set", "Goals set", "count", 0, "goals the pairs set"),
    ("goals_met", "Goals met", "count", 0, "goals the pairs met"),
    ("mean_mentee_rating", "Mean mentee rating", "score", 2, "mentees' mean rating of their pair, 1 to 5"),
    *[
        (f"{b}_{d}_pairs", f"Pairs, {d} {b}", "count", 0, f"pairs in the {b} {d} band of their first 90 days")
        for d in ("cadence", "regularity")
        for b in ("low", "medium", "high")
    ],
]


def health_rows(health: pd.DataFrame, as_of) -> list[dict]:
    """Each program and cohort's health figures (``HEALTH``), and the share of goals met."""
    out = []
    for r in health.itertuples(index=False):
        base = f"program.{r.program}.{r.cohort}"
        sup = bool(r.suppressed)
        share = r.goals_met / r.goals_set if pd.notna(r.goals_set) and pd.notna(r.goals_met) and r.goals_set else np.nan
        goals_share = ("goals_met_share", "Goals met, share", "share", 0, "goals met of goals set", share)
        for col, label, unit, digits, definition, v in [
            *((*spec, getattr(r, spec[0])) for spec in HEALTH),
            goals_share,
        ]:
            out.append(
                figure_row(
                    "program",
                    f"{base}.{col}",
                    label,
                    f"{definition}: {r.program}, {r.cohort}",
                    unit,
                    digits,
                    v,
                    as_of,
                    status="suppressed" if sup else "published",
                    reason="fewer pairs than the minimum group size" if sup else None,
                    segment_type="program_cohort",
                    segment=f"{r.program} / {r.cohort}",
                    measure=col,
                )
            )
    return out


def activity_rows(activity: pd.DataFrame, as_of) -> list[dict]:
    """The program-health trend: pairs running and meetings per running pair, per program and month."""
    out = []
    for r in activity.itertuples(index=False):
        sup = bool(getattr(r, "suppressed", False))
        why = "fewer running pairs than the minimum group size" if sup else None
        for col, label, unit, digits in (
            ("running_pairs", "Pairs running", "count", 0),
            ("meetings_per_pair", "Meetings per running pair", "per_month", 2),
        ):
            out.append(
                figure_row(
                    "activity",
                    f"program.{r.program}.activity.{r.month}.{col}",
                    label,
                    f"{label.lower()} in {r.month}: {r.program}",
                    unit,
                    digits,
                    getattr(r, col),
                    as_of,
                    status="suppressed" if sup else "published",
                    reason=why,
                    segment_type="program_month",
                    segment=f"{r.program} / {r.month}",
                    measure=col,
                    horizon=None,
                )
                | {"note": r.month, "group": r.program}
            )
    return out
