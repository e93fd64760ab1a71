"""The ROI case as metrics rows: the headline return and its break-even points, the inputs, cost and
benefit lines, assumptions and sensitivity; the exits avoided at the horizons the ROI leaves out; and
each program's case in brief."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mentorship.metrics.rows import figure_row


@dataclass(frozen=True)
class _RoiFigure:
    """One figure of the ROI case, before it becomes a row (``roi.{mid}``)."""

    mid: str
    label: str
    unit: str
    digits: int
    value: float
    definition: str
    lo: float = np.nan
    hi: float = np.nan
    note: str | None = None


def _headline(r, a) -> list[_RoiFigure]:
    """The return, its break-even points, the cost per mentee and per exit, and the totals."""
    cur, h = a.currency, a.horizon_months
    return [
        _RoiFigure(
            "roi",
            "Return on investment",
            "percent",
            0,
            r.roi,
            "net benefit divided by cost; the interval carries the retention effect's uncertainty only",
            r.roi_low,
            r.roi_high,
        ),
        _RoiFigure(
            "roi_all",
            "Return on investment, every uncertainty",
            "percent",
            0,
            r.roi,
            "net benefit divided by cost; the "
            "95% range carries the effect's uncertainty and every assumption's range together (Monte Carlo)",
            r.roi_all_low,
            r.roi_all_high,
        ),
        _RoiFigure(
            "break_even_replacement_share",
            "Break-even replacement cost",
            "percent",
            0,
            r.break_even_replacement_share,
            "the replacement cost, as a share of salary, at which the ROI is zero (other inputs as they are)",
        ),
        _RoiFigure(
            "break_even_retention_effect",
            "Break-even retention effect",
            "pts",
            1,
            r.break_even_retention_effect,
            f"the adjusted {h}-month retention effect at which the ROI is zero (other inputs as they are)",
        ),
        _RoiFigure("cost_per_mentee", "Cost per mentee", cur, 0, r.cost_per_mentee, "total cost divided by mentees"),
        _RoiFigure(
            "cost_per_exit_avoided",
            "Cost per exit avoided",
            cur,
            0,
            r.cost_per_exit_avoided,
            "total cost divided by the exits avoided",
        ),
        _RoiFigure("net_benefit", "Net benefit", cur, 0, r.net, "monetised benefit minus cost", r.net_low, r.net_high),
        _RoiFigure(
            "exits_avoided",
            "Exits avoided",
            "ratio",
            1,
            r.exits_avoided,
            f"mentees times the adjusted {h}-month retention effect",
        ),
        _RoiFigure("total_cost", "Total cost", cur, 0, r.cost, "every cost line"),
    ]


def _inputs(inputs, a) -> list[_RoiFigure]:
    """What the case was computed from: the program's size and the retention effect used."""
    cur = a.currency
    return [
        _RoiFigure("mentees", "Mentees", "count", 0, inputs.mentees, "mentees in the program"),
        _RoiFigure("pairs", "Pairs", "count", 0, inputs.pairs, "pairs in the program"),
        _RoiFigure("meeting_hours", "Meeting hours", "count", 0, inputs.meeting_hours, "hours the pairs met"),
        _RoiFigure("mean_mentee_salary", "Mentees' mean salary", cur, 0, inputs.mean_mentee_salary, "mean base salary"),
        _RoiFigure(
            "program_years",
            "Program length",
            "years",
            1,
            inputs.program_years,
            "years from the first pair to the as-of date",
        ),
        _RoiFigure(
            "retention_effect",
            "Retention effect used",
            "pts",
            1,
            inputs.retention_effect,
            f"the adjusted {a.horizon_months}-month retention effect",
            *inputs.retention_ci,
        ),
    ]


def _lines_and_assumptions(r, a) -> list[_RoiFigure]:
    """Every cost line (negative) and benefit line, then the assumptions from the assumptions file."""
    cur = a.currency
    out = [_RoiFigure(f"cost.{k}", k, cur, 0, -v, f"cost line: {k}") for k, v in r.cost_lines.items()]
    out += [_RoiFigure(f"benefit.{k}", k, cur, 0, v, f"benefit line: {k}") for k, v in r.benefit_lines.items()]
    for key, label, unit, digits, v in (
        ("mentor_hourly", "Loaded hourly cost, mentor", cur, 0, a.mentor_hourly),
        ("mentee_hourly", "Loaded hourly cost, mentee", cur, 0, a.mentee_hourly),
        ("preparation_share", "Preparation per meeting hour", "hours", 2, a.preparation_share),
        ("administration_per_year", "Administration per year", cur, 0, a.administration_per_year),
        ("platform_fee_per_pair_year", "Platform fee per pair and year", cur, 0, a.platform_fee_per_pair_year),
        ("replacement_share", "Replacement cost, share of salary", "percent", 0, a.replacement_share),
        ("replacement_share_low", "Replacement cost, low end", "percent", 0, a.replacement_range[0]),
        ("replacement_share_high", "Replacement cost, high end", "percent", 0, a.replacement_range[1]),
    ):
        out.append(
            _RoiFigure(f"assumption.{key}", label, unit, digits, v, "an assumption from the ROI assumptions file")
        )
    return out


def _sensitivity(r) -> list[_RoiFigure]:
    """The ROI with each assumption at the low and at the high end of its range."""
    out = []
    for row in r.sensitivity.itertuples(index=False):
        # ``note`` holds the assumption's value at that end, as the page shows it.
        for end, roi, value in (("low", row.roi_low, row.low_value), ("high", row.roi_high, row.high_value)):
            out.append(
                _RoiFigure(
                    f"sensitivity.{row.assumption}.{end}",
                    f"ROI at the {end} end: {row.assumption}",
                    "percent",
                    0,
                    roi,
                    f"ROI with {row.assumption} at {value}",
                    note=str(value),
                )
            )
    return out


def roi_rows(roi_result, inputs, assumptions, as_of) -> list[dict]:
    """The ROI case's figures: headline, cost and benefit lines, sensitivity, inputs."""
    r, a = roi_result, assumptions
    figures = _headline(r, a) + _inputs(inputs, a) + _lines_and_assumptions(r, a) + _sensitivity(r)
    return [
        figure_row(
            "roi",
            f"roi.{f.mid}",
            f.label,
            f.definition,
            f.unit,
            f.digits,
            f.value,
            as_of,
            lo=f.lo,
            hi=f.hi,
            role="mentee",
            estimator="adjusted",
        )
        | {"note": f.note}
        for f in figures
    ]


def uncounted_rows(effects: pd.DataFrame, inputs, assumptions, as_of) -> list[dict]:
    """What the ROI leaves out, sized: the exits the retention effect at each other horizon would avoid."""
    out = []
    retained = effects[(effects.role == "mentee") & (effects.outcome == "retained")]
    for h in sorted({int(h) for h in retained.horizon_months.dropna()}):
        if h == assumptions.horizon_months:
            continue
        e = effects[
            (effects.role == "mentee")
            & (effects.outcome == "retained")
            & (effects.segment_type == "overall")
            & (effects.horizon_months == h)
        ]
        v = e.estimate.iloc[0] * inputs.mentees if len(e) and not bool(e.suppressed.iloc[0]) else np.nan
        out.append(
            figure_row(
                "roi",
                f"roi.exits_avoided_{h}m",
                f"Exits avoided within {h} months",
                f"mentees times the adjusted {h}-month retention effect (not counted in the ROI)",
                "ratio",
                1,
                v,
                as_of,
                role="mentee",
                estimator="adjusted",
                reason="no published retention effect at this horizon" if pd.isna(v) else None,
            )
        )
    return out


def program_roi_rows(program: str, case, as_of) -> list[dict]:
    """One program's ROI case, in brief: (result, inputs, assumptions), or a reason it has none."""
    out = []
    base = f"roi.program.{program}"
    if isinstance(case, str):
        for key, label in (("roi", "Return on investment"), ("net_benefit", "Net benefit")):
            out.append(
                figure_row(
                    "roi_program",
                    f"{base}.{key}",
                    label,
                    f"{label.lower()}: {program}",
                    "percent",
                    0,
                    np.nan,
                    as_of,
                    status="not_estimated",
                    reason=case,
                    segment_type="program",
                    segment=program,
                    measure=key,
                    role="mentee",
                    estimator="adjusted",
                )
            )
        return out
    r, x, a = case
    for key, label, unit, digits, v, lo, hi in (
        ("roi", "Return on investment", "percent", 0, r.roi, r.roi_low, r.roi_high),
        ("net_benefit", "Net benefit", a.currency, 0, r.net, r.net_low, r.net_high),
        ("total_cost", "Total cost", a.currency, 0, r.cost, np.nan, np.nan),
        ("cost_per_mentee", "Cost per mentee", a.currency, 0, r.cost_per_mentee, np.nan, np.nan),
        ("exits_avoided", "Exits avoided", "ratio", 1, r.exits_avoided, np.nan, np.nan),
        ("retention_effect", "Retention effect used", "pts", 1, x.retention_effect, *x.retention_ci),
        ("mentees", "Mentees", "count", 0, x.mentees, np.nan, np.nan),
    ):
        out.append(
            figure_row(
                "roi_program",
                f"{base}.{key}",
                label,
                f"{label.lower()}: {program}; administration shared by pairs",
                unit,
                digits,
                v,
                as_of,
                lo=lo,
                hi=hi,
                segment_type="program",
                segment=program,
                measure=key,
                role="mentee",
                estimator="adjusted",
            )
        )
    return out


def roi_case(published: dict[str, pd.DataFrame], assumptions, as_of) -> pd.DataFrame:
    """The ROI case as rows of the metrics table, from the published (gated) tables: the case for all
    programs (none when its inputs are suppressed or missing; the ROI page then says why) and one per
    program, or the reason a program has none. The reporting layer stores it as ``roi_case.parquet``."""
    from mentorship import roi

    inputs, effects = published["roi_inputs"], published["effect_estimates"]
    h, rows = assumptions.horizon_months, []
    try:
        x = roi.inputs_from_tables(inputs, effects, h)
        rows += roi_rows(roi.compute_roi(assumptions, x), x, assumptions, as_of)
        rows += uncounted_rows(effects, x, assumptions, as_of)
    except roi.RoiConfigError:
        pass
    for program in [p for p in inputs.get("program", []) if p != roi.ALL_PROGRAMS]:
        try:
            x = roi.inputs_from_tables(inputs, effects, h, program)
            case = (roi.compute_roi(assumptions, x), x, assumptions)
        except roi.RoiConfigError as e:
            case = str(e)
        rows += program_roi_rows(program, case, as_of)
    return pd.DataFrame(rows)
