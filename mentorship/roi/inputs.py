"""The ROI case's inputs: the aggregates of ``analytics.roi_inputs`` and the adjusted mentee effects of
``analytics.effect_estimates``, for all programs or for one.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from mentorship.roi.assumptions import RoiConfigError


@dataclass(frozen=True)
class Inputs:
    """Aggregates from the warehouse and the adjusted effects (probability differences)."""

    mentees: int
    pairs: int
    meeting_hours: float
    mean_mentee_salary: float
    program_years: float
    retention_effect: float
    retention_ci: tuple[float, float]
    promotion_effect: float = 0.0
    promotion_ci: tuple[float, float] = (0.0, 0.0)
    # The adjusted effect on pay growth over the horizon (a difference in growth, as a share of pay).
    pay_effect: float = 0.0
    pay_ci: tuple[float, float] = (0.0, 0.0)
    # The share of the administration this case carries: 1 for all programs, a program's share of the
    # pairs for one program (administration is not booked by program).
    admin_share: float = 1.0


ALL_PROGRAMS = "All programs"


def inputs_from_tables(
    roi_inputs: pd.DataFrame, effects: pd.DataFrame, horizon_months: int = 12, program: str = ALL_PROGRAMS
) -> Inputs:
    """Build the inputs from the exported ``roi_inputs`` rows and the mentee effect rows: of all
    programs (the overall effects), or of one program (that program's mentees against the whole
    comparison group, its pairs and hours, and its share of the administration by pairs)."""
    rows = roi_inputs[roi_inputs.program == program] if "program" in roi_inputs else roi_inputs
    if rows.empty:
        raise RoiConfigError(f"no ROI inputs for {program}")
    r = rows.iloc[0]
    if program == ALL_PROGRAMS:
        segment = effects.segment_type == "overall"
        admin_share = 1.0
    else:
        segment = (effects.segment_type == "program") & (effects.segment == program)
        every = roi_inputs[roi_inputs.program == ALL_PROGRAMS]
        admin_share = (
            float(r.pairs) / float(every.pairs.iloc[0])
            if len(every) and pd.notna(every.pairs.iloc[0]) and pd.notna(r.pairs)
            else float("nan")
        )
    if pd.isna(r.mentees) or pd.isna(r.pairs) or pd.isna(r.mean_mentee_salary) or pd.isna(admin_share):
        raise RoiConfigError(f"the ROI inputs of {program} are suppressed (too few people)")

    def effect(outcome):
        e = effects[
            (effects.role == "mentee")
            & segment
            & (effects.outcome == outcome)
            & (effects.horizon_months == horizon_months)
        ]
        if e.empty or bool(e.iloc[0].suppressed) or pd.isna(e.iloc[0].estimate):
            return None
        e = e.iloc[0]
        return float(e.estimate), (float(e.ci_low), float(e.ci_high))

    retention = effect("retained")
    if retention is None:
        raise RoiConfigError(
            f"no adjusted retention effect at {horizon_months} months to base the ROI on"
            + ("" if program == ALL_PROGRAMS else f" for {program}")
        )
    promotion = effect("promoted") or (0.0, (0.0, 0.0))
    pay = effect("salary_growth") or (0.0, (0.0, 0.0))
    months = float(r.program_months) if pd.notna(r.program_months) else 12.0
    return Inputs(
        mentees=int(r.mentees),
        pairs=int(r.pairs),
        meeting_hours=float(r.meeting_hours),
        mean_mentee_salary=float(r.mean_mentee_salary),
        program_years=max(months, 1.0) / 12,
        retention_effect=retention[0],
        retention_ci=retention[1],
        promotion_effect=promotion[0],
        promotion_ci=promotion[1],
        pay_effect=pay[0],
        pay_ci=pay[1],
        admin_share=admin_share,
    )
