"""The ROI case computed: cost and benefit lines, the ROI with its interval over the effect's CI, the
sensitivity table, the break-evens and the ROI's range over everything at once (Monte Carlo).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mentorship.roi.assumptions import Assumptions
from mentorship.roi.inputs import Inputs


@dataclass
class RoiResult:
    cost_lines: dict[str, float]
    benefit_lines: dict[str, float]
    exits_avoided: float
    cost: float
    benefit: float
    net: float
    roi: float
    roi_low: float
    roi_high: float
    net_low: float
    net_high: float
    sensitivity: pd.DataFrame = field(repr=False)
    # Where the ROI is zero, one input at a time (the others at their central values): the replacement
    # cost as a share of salary, and the retention effect (a difference in probability). NaN where no
    # value of that input can make the benefit meet the cost (no retention effect, no retention benefit).
    break_even_replacement_share: float = float("nan")
    break_even_retention_effect: float = float("nan")
    cost_per_mentee: float = float("nan")
    cost_per_exit_avoided: float = float("nan")
    # The ROI's 95% range over the effect's uncertainty and the assumptions' ranges together (Monte Carlo).
    roi_all_low: float = float("nan")
    roi_all_high: float = float("nan")


def _cost_lines(a: Assumptions, x: Inputs, hourly_factor: float = 1.0, admin_factor: float = 1.0) -> dict[str, float]:
    hours = x.meeting_hours * (1 + a.preparation_share)
    return {
        "Mentor time": hours * a.mentor_hourly * hourly_factor,
        "Mentee time": hours * a.mentee_hourly * hourly_factor,
        "Administration": a.administration_per_year * x.program_years * admin_factor * x.admin_share,
        "Platform fees": a.platform_fee_per_pair_year * x.pairs * x.program_years,
    }


def _benefit_lines(
    a: Assumptions,
    x: Inputs,
    retention: float,
    promotion: float,
    replacement_share: float | None = None,
    pay: float | None = None,
) -> dict[str, float]:
    share = a.replacement_share if replacement_share is None else replacement_share
    lines = {}
    if a.retention_benefit:
        lines["Exits avoided x replacement cost"] = retention * x.mentees * share * x.mean_mentee_salary
    if a.promotion_benefit:
        lines["Extra promotions x agreed value"] = promotion * x.mentees * a.value_per_promotion
    if a.pay_benefit:
        growth = x.pay_effect if pay is None else pay
        lines["Extra pay growth x agreed value"] = 100 * growth * x.mentees * a.value_per_pay_point
    return lines


def _roi(cost: dict, benefit: dict) -> tuple[float, float]:
    c, b = sum(cost.values()), sum(benefit.values())
    return (b - c) / c if c > 0 else float("nan"), b - c


#: Draws for the ROI's range over the effect and the assumptions together, and their fixed seed.
MONTE_CARLO_DRAWS = 20_000
MONTE_CARLO_SEED = 20240501


def roi_range(a: Assumptions, x: Inputs, draws: int = MONTE_CARLO_DRAWS, seed: int = MONTE_CARLO_SEED) -> np.ndarray:
    """ROI under joint uncertainty: the retention (and promotion) effect drawn from its normal
    approximation (the 95% CI's half-width / 1.96), and each assumption with a range drawn uniformly
    over it (replacement cost, hourly cost, administration), all independently."""
    rng = np.random.default_rng(seed)
    se = lambda ci: (ci[1] - ci[0]) / (2 * 1.959963984540054)
    retention = rng.normal(x.retention_effect, se(x.retention_ci), draws)
    promotion = rng.normal(x.promotion_effect, se(x.promotion_ci), draws)
    pay = rng.normal(x.pay_effect, se(x.pay_ci), draws)
    share = rng.uniform(*a.replacement_range, draws)
    hourly = rng.uniform(*a.hourly_range, draws)
    admin = rng.uniform(*a.administration_range, draws)
    hours = x.meeting_hours * (1 + a.preparation_share)
    cost = (
        hours * (a.mentor_hourly + a.mentee_hourly) * hourly
        + a.administration_per_year * x.program_years * admin * x.admin_share
        + a.platform_fee_per_pair_year * x.pairs * x.program_years
    )
    benefit = np.zeros(draws)
    if a.retention_benefit:
        benefit += retention * x.mentees * share * x.mean_mentee_salary
    if a.promotion_benefit:
        benefit += promotion * x.mentees * a.value_per_promotion
    if a.pay_benefit:
        benefit += 100 * pay * x.mentees * a.value_per_pay_point
    return (benefit - cost) / cost


def compute_roi(a: Assumptions, x: Inputs) -> RoiResult:
    cost = _cost_lines(a, x)
    benefit = _benefit_lines(a, x, x.retention_effect, x.promotion_effect)
    roi, net = _roi(cost, benefit)
    lo_b = _benefit_lines(a, x, x.retention_ci[0], x.promotion_ci[0], pay=x.pay_ci[0])
    hi_b = _benefit_lines(a, x, x.retention_ci[1], x.promotion_ci[1], pay=x.pay_ci[1])
    roi_low, net_low = _roi(cost, lo_b)
    roi_high, net_high = _roi(cost, hi_b)
    total = sum(cost.values())
    nan = float("nan")
    exits = x.retention_effect * x.mentees
    break_even_share, break_even_effect = _break_evens(a, x, total, benefit)
    draws = roi_range(a, x)
    return RoiResult(
        cost_lines=cost,
        benefit_lines=benefit,
        exits_avoided=exits,
        cost=total,
        benefit=sum(benefit.values()),
        net=net,
        roi=roi,
        roi_low=roi_low,
        roi_high=roi_high,
        net_low=net_low,
        net_high=net_high,
        sensitivity=_sensitivity(a, x, cost, benefit, (roi_low, roi_high)),
        break_even_replacement_share=break_even_share,
        break_even_retention_effect=break_even_effect,
        cost_per_mentee=total / x.mentees if x.mentees else nan,
        cost_per_exit_avoided=total / exits if exits > 0 else nan,
        roi_all_low=float(np.quantile(draws, 0.025)),
        roi_all_high=float(np.quantile(draws, 0.975)),
    )


def _sensitivity(
    a: Assumptions, x: Inputs, cost: dict, benefit: dict, retention_rois: tuple[float, float]
) -> pd.DataFrame:
    """The ROI at each end of one assumption's range, the others at their central values; the widest
    swing first. ``retention_rois`` is the ROI at the retention effect's CI limits."""

    def row(label, low_text, high_text, low, high):
        return {"assumption": label, "low_value": low_text, "high_value": high_text, "roi_low": low, "roi_high": high}

    cur = a.currency
    rep_low, rep_high = (
        _roi(cost, _benefit_lines(a, x, x.retention_effect, x.promotion_effect, share))[0]
        for share in a.replacement_range
    )
    # Dearer time lowers the ROI: the high hourly cost is the low ROI.
    # Each end in the assumption's own units: the hourly costs (mentor / mentee) and the yearly cost.
    hourly = lambda f: f"{cur} {a.mentor_hourly * f:,.0f} / {a.mentee_hourly * f:,.0f} an hour"
    yearly = lambda f: f"{cur} {a.administration_per_year * f:,.0f} a year"
    rows = [
        row(
            "Retention effect (95% CI limits)",
            f"{x.retention_ci[0] * 100:+.1f} pts",
            f"{x.retention_ci[1] * 100:+.1f} pts",
            *retention_rois,
        ),
        row(
            "Replacement cost (share of salary)",
            f"{a.replacement_range[0]:.0%}",
            f"{a.replacement_range[1]:.0%}",
            rep_low,
            rep_high,
        ),
        row(
            "Loaded hourly cost (mentor / mentee)",
            hourly(a.hourly_range[1]),
            hourly(a.hourly_range[0]),
            _roi(_cost_lines(a, x, hourly_factor=a.hourly_range[1]), benefit)[0],
            _roi(_cost_lines(a, x, hourly_factor=a.hourly_range[0]), benefit)[0],
        ),
        row(
            "Administration cost",
            yearly(a.administration_range[1]),
            yearly(a.administration_range[0]),
            _roi(_cost_lines(a, x, admin_factor=a.administration_range[1]), benefit)[0],
            _roi(_cost_lines(a, x, admin_factor=a.administration_range[0]), benefit)[0],
        ),
    ]
    sens = pd.DataFrame(rows)
    sens["swing"] = (sens.roi_high - sens.roi_low).abs()
    return sens.sort_values("swing", ascending=False).reset_index(drop=True)


def _break_evens(a: Assumptions, x: Inputs, total: float, benefit: dict) -> tuple[float, float]:
    """(replacement share, retention effect) at which the ROI is zero, one at a time; NaN where none can."""
    other = sum(benefit.values()) - benefit.get("Exits avoided x replacement cost", 0.0)
    # The benefit is linear in the replacement share and in the retention effect: each break-even is
    # the value at which the retention benefit meets what the other benefits leave of the cost.
    per_share = x.retention_effect * x.mentees * x.mean_mentee_salary
    per_effect = x.mentees * a.replacement_share * x.mean_mentee_salary
    nan = float("nan")
    return (
        (total - other) / per_share if a.retention_benefit and per_share > 0 else nan,
        (total - other) / per_effect if a.retention_benefit and per_effect > 0 else nan,
    )
