"""HR's ROI case: the programme's cost against the exits it avoided, with the effect's uncertainty.

Plain Python, no Dagster. Inputs are aggregates (``analytics.roi_inputs``), the adjusted effect rows
(``analytics.effect_estimates``) and the assumptions file (``config/roi_assumptions.yaml``).

- **Cost** = meeting hours x (mentor + mentee loaded hourly cost) x (1 + preparation share)
  + administration per year x programme years + platform fee per pair-year x pairs x programme years.
- **Benefit** = exits avoided x replacement cost, where exits avoided = the adjusted 12-month
  retention effect on the mentored (a difference in probability) x mentees, and replacement cost =
  share of salary x the mentees' mean salary; plus any other monetised outcome switched on.
- **ROI** = (benefit - cost) / cost. It rises with the effect, so the ROI at the effect's CI limits is
  the ROI's interval for the given assumptions. The sensitivity table moves one assumption at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from mentorship.settings import DEFAULT_ROI_FILE as DEFAULT_FILE


class RoiConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Assumptions:
    currency: str = "EUR"
    mentor_hourly: float = 85.0
    mentee_hourly: float = 45.0
    hourly_range: tuple[float, float] = (0.75, 1.25)
    preparation_share: float = 0.25
    administration_per_year: float = 30000.0
    administration_range: tuple[float, float] = (0.5, 1.5)
    platform_fee_per_pair_year: float = 120.0
    replacement_share: float = 0.21
    replacement_range: tuple[float, float] = (0.16, 0.50)
    retention_benefit: bool = True
    promotion_benefit: bool = False
    value_per_promotion: float = 0.0
    # Extra pay growth is a cost to the company unless finance values the work behind it: off by default,
    # and counted only at the value finance agrees per percentage point of extra pay growth per mentee.
    pay_benefit: bool = False
    value_per_pay_point: float = 0.0
    horizon_months: int = 12

    @classmethod
    def from_yaml(cls, path: str | Path = DEFAULT_FILE) -> Assumptions:
        path = Path(path)
        try:
            raw = yaml.safe_load(path.read_text()) or {}
        except FileNotFoundError:
            raise RoiConfigError(f"ROI assumptions file not found: {path}") from None
        except yaml.YAMLError as e:
            raise RoiConfigError(f"{path}: not valid YAML: {e}") from None

        def num(value, name, low=0.0):
            try:
                v = float(value)
            except (TypeError, ValueError):
                raise RoiConfigError(f"{path}: {name} must be a number, got {value!r}") from None
            if v < low:
                raise RoiConfigError(f"{path}: {name} must be at least {low}, got {v}")
            return v

        def pair(value, name):
            if not isinstance(value, (list, tuple)) or len(value) != 2:
                raise RoiConfigError(f"{path}: {name} must be a list of two numbers [low, high], got {value!r}")
            lo, hi = num(value[0], name), num(value[1], name)
            if lo > hi:
                raise RoiConfigError(f"{path}: {name} must be [low, high] with low <= high, got {value!r}")
            return lo, hi

        d = cls()
        hourly = raw.get("hourly_cost", {}) or {}
        benefits = raw.get("benefits", {}) or {}
        promo = benefits.get("promotion", {}) or {}
        pay = benefits.get("pay", {}) or {}
        return cls(
            currency=str(raw.get("currency", d.currency)),
            mentor_hourly=num(hourly.get("mentor", d.mentor_hourly), "hourly_cost.mentor"),
            mentee_hourly=num(hourly.get("mentee", d.mentee_hourly), "hourly_cost.mentee"),
            hourly_range=pair(hourly.get("range", list(d.hourly_range)), "hourly_cost.range"),
            preparation_share=num(
                raw.get("preparation_hours_per_meeting_hour", d.preparation_share), "preparation_hours_per_meeting_hour"
            ),
            administration_per_year=num(
                raw.get("administration_per_year", d.administration_per_year), "administration_per_year"
            ),
            administration_range=pair(
                raw.get("administration_range", list(d.administration_range)), "administration_range"
            ),
            platform_fee_per_pair_year=num(
                raw.get("platform_fee_per_pair_year", d.platform_fee_per_pair_year), "platform_fee_per_pair_year"
            ),
            replacement_share=num(
                raw.get("replacement_cost_share_of_salary", d.replacement_share), "replacement_cost_share_of_salary"
            ),
            replacement_range=pair(
                raw.get("replacement_cost_range", list(d.replacement_range)), "replacement_cost_range"
            ),
            retention_benefit=bool(benefits.get("retention", True)),
            promotion_benefit=bool(promo.get("enabled", False)),
            value_per_promotion=num(
                promo.get("value_per_extra_promotion", 0), "benefits.promotion.value_per_extra_promotion"
            ),
            pay_benefit=bool(pay.get("enabled", False)),
            value_per_pay_point=num(pay.get("value_per_extra_pay_point", 0), "benefits.pay.value_per_extra_pay_point"),
            horizon_months=int(num(raw.get("horizon_months", d.horizon_months), "horizon_months", 1)),
        )


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

    rows = []

    def vary(label, low_text, high_text, low, high):
        rows.append(
            {"assumption": label, "low_value": low_text, "high_value": high_text, "roi_low": low, "roi_high": high}
        )

    cur = a.currency
    vary(
        "Retention effect (95% CI limits)",
        f"{x.retention_ci[0] * 100:+.1f} pts",
        f"{x.retention_ci[1] * 100:+.1f} pts",
        roi_low,
        roi_high,
    )
    rep_low, rep_high = (
        _roi(cost, _benefit_lines(a, x, x.retention_effect, x.promotion_effect, share))[0]
        for share in a.replacement_range
    )
    vary(
        "Replacement cost (share of salary)",
        f"{a.replacement_range[0]:.0%}",
        f"{a.replacement_range[1]:.0%}",
        rep_low,
        rep_high,
    )
    # Dearer time lowers the ROI: the high hourly cost is the low ROI.
    # Each end in the assumption's own units: the hourly costs (mentor / mentee) and the yearly cost.
    hourly = lambda f: f"{cur} {a.mentor_hourly * f:,.0f} / {a.mentee_hourly * f:,.0f} an hour"
    vary(
        "Loaded hourly cost (mentor / mentee)",
        hourly(a.hourly_range[1]),
        hourly(a.hourly_range[0]),
        _roi(_cost_lines(a, x, hourly_factor=a.hourly_range[1]), benefit)[0],
        _roi(_cost_lines(a, x, hourly_factor=a.hourly_range[0]), benefit)[0],
    )
    yearly = lambda f: f"{cur} {a.administration_per_year * f:,.0f} a year"
    vary(
        "Administration cost",
        yearly(a.administration_range[1]),
        yearly(a.administration_range[0]),
        _roi(_cost_lines(a, x, admin_factor=a.administration_range[1]), benefit)[0],
        _roi(_cost_lines(a, x, admin_factor=a.administration_range[0]), benefit)[0],
    )
    sens = pd.DataFrame(rows)
    sens["swing"] = (sens.roi_high - sens.roi_low).abs()
    total = sum(cost.values())
    other = sum(benefit.values()) - benefit.get("Exits avoided x replacement cost", 0.0)
    # The benefit is linear in the replacement share and in the retention effect: each break-even is
    # the value at which the retention benefit meets what the other benefits leave of the cost.
    per_share = x.retention_effect * x.mentees * x.mean_mentee_salary
    per_effect = x.mentees * a.replacement_share * x.mean_mentee_salary
    nan = float("nan")
    exits = x.retention_effect * x.mentees
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
        sensitivity=sens.sort_values("swing", ascending=False).reset_index(drop=True),
        break_even_replacement_share=(total - other) / per_share if a.retention_benefit and per_share > 0 else nan,
        break_even_retention_effect=(total - other) / per_effect if a.retention_benefit and per_effect > 0 else nan,
        cost_per_mentee=total / x.mentees if x.mentees else nan,
        cost_per_exit_avoided=total / exits if exits > 0 else nan,
        roi_all_low=float(np.quantile(draws, 0.025)),
        roi_all_high=float(np.quantile(draws, 0.975)),
    )


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
