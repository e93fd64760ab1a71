"""The metrics table: every figure the product publishes, one row each, built once from the tables the
publication gate has let through (``mentorship.publication``), the ROI and the validation summary.

Pages, packs, the ``make run`` summary and the methodology note read this table and format its values
with ``display``; none of them computes a figure. So a figure with one ``metric_id`` reads the same
everywhere, to the last digit.

A row says what the figure is (``metric_id``, ``label``, ``definition``), of whom (``role``,
``segment_type``, ``segment``, ``horizon_months``, ``group``), how it was estimated (``estimator``:
raw, weighted or adjusted), its ``value`` and 95% interval in its ``unit``, the people and
person-intakes behind it, the as-of date, and whether it is published (``status``: published,
suppressed, or not_estimated, with ``reason``).

Plain pandas; no Dagster import.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mentorship.settings import headline_horizon

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

#: Units and how each is shown. ``scale`` multiplies the stored value for display and charts.
UNITS = {
    "share": ("%", 100.0),  # a share of people: 30.5%
    "pts": (" pts", 100.0),  # a difference of two shares: percentage points, +9.9 pts
    "pay_share": ("%", 100.0),  # growth of pay, as a share of pay: 4.21%
    "pay_pts": (" pts of pay", 100.0),  # a difference in pay growth: +0.25 pts of pay
    "score": ("", 1.0),  # a survey score on the 1-5 scale: 3.58
    # A difference in survey score, on the survey's 1-5 scale: shown bare (+0.12), with the scale named
    # by the card, axis or table note around it ("on the 1–5 scale"); never "pts", which is for shares.
    "score_points": ("", 1.0),
    "hazard_ratio": ("", 1.0),
    "ratio": ("", 1.0),  # an E-value
    "count": ("", 1.0),
    "percent": ("%", 100.0),  # a return on investment
    "days": (" days", 1.0),
    "per_month": ("", 1.0),
    "hours": (" h", 1.0),
    "years": (" years", 1.0),
    "smd": ("", 1.0),
}
SIGNED = {"pts", "pay_pts", "score_points"}
SCALE_WORDS = " on the 1–5 scale"
STATUSES = ("published", "suppressed", "not_estimated")

#: The glossary on the methodology page, linked from every card: (anchor, term, meaning).
GLOSSARY = [
    (
        "adjusted",
        "Adjusted effect",
        "The difference the program made for the people in it: mentored people "
        "against comparison colleagues weighted to look like them before they started (the effect on the "
        "treated). Comes with a 95% interval.",
    ),
    (
        "raw",
        "Raw difference",
        "Mentored minus comparison, with no adjustment for who volunteers. Part of it is "
        "who joins, not what the program does. Its interval covers chance only, never that bias.",
    ),
    (
        "comparable",
        "Comparable colleagues (weighted)",
        "What the mentored would have shown without the program: "
        "the mentored rate minus the adjusted effect. A weighted figure, not a group you can count.",
    ),
    (
        "comparison",
        "Comparison group (raw)",
        "Everyone eligible who was not mentored, unweighted. Differs from "
        "comparable colleagues because volunteers differ.",
    ),
    ("pts", "pts (percentage points)", "The difference between two shares: 30% against 20% is +10 pts."),
    ("scale", "on the 1–5 scale", "A difference in survey score, in points of the survey's 1 to 5 scale."),
    (
        "pay",
        "pts of pay",
        "A difference in pay growth, in percentage points of pay: 4% against 3.5% is +0.5 pts of pay.",
    ),
    (
        "people",
        "People and person-intakes",
        "People are distinct employees. A comparison employee is compared "
        "once in every intake they could have joined, so the comparison group counts person-intakes, more than "
        "its people. Mentored people are counted once per intake they joined.",
    ),
    (
        "followed",
        "By a horizon",
        "Promotion and retention by a horizon (a number of months after the index date) count every person for as "
        "long as they were followed (the Aalen-Johansen estimator): someone who started 8 months ago counts for 8 "
        "months of a 24-month horizon, so the people behind a 24-month figure are everyone, not only those followed "
        "for the whole horizon. A "
        "comparison person who later joins the program counts until they join, and like people who stayed out are "
        "weighted up for them.",
    ),
    (
        "suppressed",
        "Suppressed",
        "Hidden because a group is smaller than the minimum group size, or because it "
        "would let a reader work out a group that is (the publication gate).",
    ),
    (
        "not-estimated",
        "Not estimated",
        "Not computed for this group, with the reason: too few people to fit a "
        "model, nobody had the outcome, or not yet followed up long enough.",
    ),
    (
        "hazard",
        "Hazard ratio",
        "How much more often the event happens to mentored people at any moment than to "
        "comparable colleagues: above 1 sooner, below 1 later.",
    ),
    (
        "e-value",
        "E-value",
        "How strongly a hidden factor would have to be tied to both joining and the outcome "
        "to explain the adjusted effect away.",
    ),
]

PROPORTIONS = (
    "promoted",
    "retained",
    "became_people_manager",
    "changed_department",
    "promoted_in_year_before",
)  # the last: the falsification checks' placebo outcome


CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def _unit(unit: str) -> tuple[str, float]:
    return ("", 1.0) if unit.isupper() else UNITS[unit]  # a currency code: EUR, USD


def display(value, unit: str, digits: int, signed: bool | None = None) -> str:
    """A figure as every output shows it. A unit in capitals is a currency code."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return ""
    suffix, scale = _unit(unit)
    v = round(float(value) * scale, digits) + 0.0
    if unit.isupper():
        sym = CURRENCY_SYMBOLS.get(unit, unit + " ")
        return f"−{sym}{abs(v):,.{digits}f}" if v < 0 else f"{sym}{v:,.{digits}f}"
    if unit == "count":
        return f"{v:,.0f}"
    sign = "+" if (unit in SIGNED if signed is None else signed) else ""
    text = f"{v:{sign},.{digits}f}"
    return text.replace("-", "−") + suffix


def display_scale(unit: str) -> float:
    """The factor between a stored value and what a chart plots."""
    return _unit(unit)[1]


def metric_id(role, outcome, horizon, segment_type="overall", segment="all", measure="adjusted_effect") -> str:
    h = "na" if horizon is None or pd.isna(horizon) else f"{int(horizon)}m"
    seg = "all" if segment_type == "overall" else f"{segment_type}={segment}"
    return f"{role}.{outcome}.{h}.{seg}.{measure}"


def _effect_units(outcome: str) -> tuple[str, str, int, int]:
    """(level unit, difference unit, level digits, difference digits) of an outcome."""
    if outcome in PROPORTIONS:
        return "share", "pts", 1, 1
    if outcome == "salary_growth":
        return "pay_share", "pay_pts", 2, 2
    if outcome.startswith("time_to"):
        return "hazard_ratio", "hazard_ratio", 2, 2
    return "score_points", "score_points", 2, 2


def _status(r) -> tuple[str, str | None]:
    if not bool(r.suppressed):
        return "published", None
    reason = str(r.suppression_reason or "")
    if reason.startswith("fewer than") or "count hidden" in reason or "worked out" in reason:
        return "suppressed", reason
    return "not_estimated", reason


def _who(role: str) -> str:
    return {"mentee": "mentees", "mentor": "mentors"}.get(role, role)


def _horizon_words(h) -> str:
    return (
        "by the first survey after the index date"
        if h is None or pd.isna(h)
        else f"within {int(h)} months of the index date"
    )


def effect_rows(effects: pd.DataFrame, as_of) -> list[dict]:
    """The figures of the effect table: for each estimate the adjusted effect, the raw difference, the
    mentored level, the raw comparison level, the comparable colleagues' (weighted) level, the hazard
    ratios and the E-value."""
    out = []
    for r in effects.itertuples(index=False):
        level_unit, diff_unit, level_digits, diff_digits = _effect_units(r.outcome)
        h = None if pd.isna(r.horizon_months) else int(r.horizon_months)
        status, reason = _status(r)
        what = (
            f"{str(r.outcome_label).lower()} {_horizon_words(h)}"
            if not r.outcome.startswith("time_to")
            else str(r.outcome_label).lower()
        )
        base = {
            "role": r.role,
            "outcome": r.outcome,
            "segment_type": r.segment_type,
            "segment": str(r.segment),
            "horizon_months": h,
            "people_mentored": r.people_treated,
            "people_comparison": r.people_control,
            "intakes_mentored": r.n_treated,
            "intakes_comparison": r.n_control,
            "as_of_date": as_of,
            "status": status,
            "reason": reason,
            "family": "effect",
        }

        def add(measure, label, definition, estimator, unit, digits, value, lo=np.nan, hi=np.nan, group=None):
            st, why = status, reason
            if st == "published" and pd.isna(value):  # an E-value without an interval, say
                st, why = "not_estimated", "could not be computed for this estimate"
            shown = st == "published"
            out.append(
                base
                | {
                    "metric_id": metric_id(r.role, r.outcome, h, r.segment_type, r.segment, measure),
                    "measure": measure,
                    "label": label,
                    "definition": definition,
                    "estimator": estimator,
                    "unit": unit,
                    "digits": digits,
                    "group": group,
                    "status": st,
                    "reason": why,
                    "value": value if shown else np.nan,
                    "ci_low": lo if shown else np.nan,
                    "ci_high": hi if shown else np.nan,
                    "note": (getattr(r, "warnings", None) or None) if measure == "adjusted_effect" else None,
                }
            )

        if r.outcome.startswith("time_to"):
            add(
                "hazard_ratio",
                "Hazard ratio (adjusted)",
                f"{what}: hazard ratio of mentored {_who(r.role)} against comparable colleagues, weighted Cox model",
                "adjusted",
                "hazard_ratio",
                2,
                r.hazard_ratio,
                r.hr_ci_low,
                r.hr_ci_high,
            )
            add(
                "hazard_ratio_raw",
                "Hazard ratio (raw)",
                f"{what}: hazard ratio against the comparison group, unweighted",
                "raw",
                "hazard_ratio",
                2,
                r.naive_hazard_ratio,
            )
            continue
        add(
            "adjusted_effect",
            "Adjusted effect",
            f"{what}: mentored {_who(r.role)} minus comparable colleagues "
            "(effect on the treated, weighted and modelled)",
            "adjusted",
            diff_unit,
            diff_digits,
            r.estimate,
            r.ci_low,
            r.ci_high,
        )
        se = getattr(r, "naive_se", np.nan)
        add(
            "raw_difference",
            "Raw difference",
            f"{what}: mentored {_who(r.role)} minus the comparison group, unadjusted; the interval covers chance only",
            "raw",
            diff_unit,
            diff_digits,
            r.naive,
            r.naive - 1.96 * se,
            r.naive + 1.96 * se,
        )
        add(
            "mentored_rate",
            "Mentored",
            f"{what}: the mentored {_who(r.role)}' level",
            "raw",
            level_unit,
            level_digits,
            r.treated_mean,
            group="mentored",
        )
        add(
            "comparison_rate_raw",
            "Comparison group (raw)",
            f"{what}: the comparison group's level, unweighted",
            "raw",
            level_unit,
            level_digits,
            r.control_mean_naive,
            group="comparison",
        )
        add(
            "comparison_rate_weighted",
            "Comparable colleagues (weighted)",
            f"{what}: the mentored level minus the "
            "adjusted effect: the level the mentored would have had without the program",
            "weighted",
            level_unit,
            level_digits,
            r.treated_mean - r.estimate,
            r.treated_mean - r.ci_high,
            r.treated_mean - r.ci_low,
            group="comparison",
        )
        add("e_value", "E-value", f"{what}: the E-value of the adjusted effect", "adjusted", "ratio", 2, r.e_value)
    return out


def curve_rows(curves: pd.DataFrame, effects: pd.DataFrame, as_of) -> list[dict]:
    """The curves, one figure per month and group, as the pages plot them: the share promoted by each
    month, and the share still with the company."""
    out = []
    parents = effects[(effects.segment_type == "overall") & effects.horizon_months.isna()].set_index(
        ["role", "outcome"]
    )
    for r in curves.itertuples(index=False):
        promoted = r.outcome == "time_to_promotion"
        value, lo, hi = (1 - r.survival, 1 - r.ci_high, 1 - r.ci_low) if promoted else (r.survival, r.ci_low, r.ci_high)
        p = parents.loc[(r.role, r.outcome)] if (r.role, r.outcome) in parents.index else None
        status, reason = ("published", None) if p is None else _status(p)
        group = "mentored" if r.group == "treated" else "comparison"
        out.append(
            {
                "metric_id": f"{r.role}.{r.outcome}.curve.{group}.m{int(r.month)}",
                "family": "curve",
                "measure": "curve_" + group,
                "label": ("Share promoted" if promoted else "Share still here"),
                "definition": ("share promoted at least once" if promoted else "share with no voluntary exit")
                + f" {int(r.month)} months after the index date, "
                + ("mentored" if group == "mentored" else "comparable colleagues (weighted)"),
                "role": r.role,
                "outcome": r.outcome,
                "segment_type": "overall",
                "segment": "all",
                "horizon_months": int(r.month),
                "group": group,
                "estimator": "raw" if group == "mentored" else "weighted",
                "unit": "share",
                "digits": 1,
                "value": value if status == "published" else np.nan,
                "ci_low": lo if status == "published" else np.nan,
                "ci_high": hi if status == "published" else np.nan,
                "as_of_date": as_of,
                "status": status,
                "reason": reason,
            }
        )
    return out


def _plain(
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
    hidden = value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value)
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
    out = []
    for r in health.itertuples(index=False):
        base = f"program.{r.program}.{r.cohort}"
        sup = bool(r.suppressed)
        for col, label, unit, digits, definition in HEALTH:
            v = getattr(r, col)
            out.append(
                _plain(
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
        sup_reason = "fewer pairs than the minimum group size" if sup else None
        share = r.goals_met / r.goals_set if pd.notna(r.goals_set) and pd.notna(r.goals_met) and r.goals_set else np.nan
        out.append(
            _plain(
                "program",
                f"{base}.goals_met_share",
                "Goals met, share",
                f"goals met of goals set: {r.program}, {r.cohort}",
                "share",
                0,
                share,
                as_of,
                status="suppressed" if sup else "published",
                reason=sup_reason,
                segment_type="program_cohort",
                segment=f"{r.program} / {r.cohort}",
                measure="goals_met_share",
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
                _plain(
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


def survey_rows(prepost: pd.DataFrame, as_of) -> list[dict]:
    out = []
    for r in prepost.itertuples(index=False):
        sup = bool(r.suppressed)
        intakes = getattr(r, "person_intakes", r.people)
        for col, label in (("pre_mean", "Mean score before"), ("post_mean", "Mean score after"), ("people", "People")):
            unit, digits = ("count", 0) if col == "people" else ("score", 2)
            row = _plain(
                "survey_means",
                f"{r.role}.{r.construct}.survey_means.{r.group_name}.{col}",
                label,
                f"{r.construct}: {label.lower()}, {r.group_name} {_who(r.role)} with a survey before "
                "and after the index date, unweighted",
                unit,
                digits,
                np.nan if sup else getattr(r, col),
                as_of,
                status="suppressed" if sup else "published",
                reason="fewer people than the minimum group size" if sup else None,
                role=r.role,
                group=r.group_name,
                outcome=f"{r.construct}",
                measure=col,
                people=np.nan if sup else r.people,
            )
            row["intakes_mentored" if r.group_name == "mentored" else "intakes_comparison"] = np.nan if sup else intakes
            out.append(row)
    return out


def size_rows(sizes: pd.DataFrame, as_of) -> list[dict]:
    """People per intake; ``note`` holds the intake's index date (the data period the pages state)."""
    return [
        _plain(
            "cohort_size",
            f"{r.role}.cohort={r.cohort}.{r.group_name}.people",
            "People",
            f"distinct {r.group_name} {_who(r.role)} in intake {r.cohort}",
            "count",
            0,
            r.people,
            as_of,
            role=r.role,
            group=r.group_name,
            segment_type="cohort",
            segment=str(r.cohort),
            measure="people",
            people=r.people,
        )
        | {"note": str(pd.to_datetime(r.index_date).date())}
        for r in sizes.itertuples(index=False)
    ]


def check_rows(checks: pd.DataFrame, as_of) -> list[dict]:
    out = []
    for r in checks.itertuples(index=False):
        h = None if pd.isna(r.horizon_months) else int(r.horizon_months)
        unit, digits = ("smd", 2) if r.check == "balance" else (_effect_units(r.outcome)[1], 2)
        mid = f"check.{r.check}.{r.role}.{r.outcome}.{'na' if h is None else f'{h}m'}"
        measures = [("estimate", r.estimate, r.ci_low, r.ci_high)]
        if r.check != "balance":  # a balance check has no raw figure
            measures.append(("raw", r.naive, np.nan, np.nan))
        for measure, v, lo, hi in measures:
            out.append(
                _plain(
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
                _plain(
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


def roi_rows(roi_result, inputs, assumptions, as_of) -> list[dict]:
    """The ROI case's figures: headline, cost and benefit lines, sensitivity, inputs."""
    r, a = roi_result, assumptions
    out = []
    cur = a.currency

    def add(mid, label, unit, digits, v, definition, lo=np.nan, hi=np.nan, note=None):
        out.append(
            _plain(
                "roi",
                f"roi.{mid}",
                label,
                definition,
                unit,
                digits,
                v,
                as_of,
                lo=lo,
                hi=hi,
                role="mentee",
                estimator="adjusted",
            )
            | {"note": note}
        )

    add(
        "roi",
        "Return on investment",
        "percent",
        0,
        r.roi,
        "net benefit divided by cost; the interval carries the retention effect's uncertainty only",
        r.roi_low,
        r.roi_high,
    )
    add(
        "roi_all",
        "Return on investment, every uncertainty",
        "percent",
        0,
        r.roi,
        "net benefit divided by cost; the "
        "95% range carries the effect's uncertainty and every assumption's range together (Monte Carlo)",
        r.roi_all_low,
        r.roi_all_high,
    )
    add(
        "break_even_replacement_share",
        "Break-even replacement cost",
        "percent",
        0,
        r.break_even_replacement_share,
        "the replacement cost, as a share of salary, at which the ROI is zero (other inputs as they are)",
    )
    add(
        "break_even_retention_effect",
        "Break-even retention effect",
        "pts",
        1,
        r.break_even_retention_effect,
        f"the adjusted {a.horizon_months}-month retention effect at which the ROI is zero (other inputs as they are)",
    )
    add("cost_per_mentee", "Cost per mentee", cur, 0, r.cost_per_mentee, "total cost divided by mentees")
    add(
        "cost_per_exit_avoided",
        "Cost per exit avoided",
        cur,
        0,
        r.cost_per_exit_avoided,
        "total cost divided by the exits avoided",
    )
    add("net_benefit", "Net benefit", cur, 0, r.net, "monetised benefit minus cost", r.net_low, r.net_high)
    add(
        "exits_avoided",
        "Exits avoided",
        "ratio",
        1,
        r.exits_avoided,
        f"mentees times the adjusted {a.horizon_months}-month retention effect",
    )
    add("total_cost", "Total cost", cur, 0, r.cost, "every cost line")
    add("mentees", "Mentees", "count", 0, inputs.mentees, "mentees in the program")
    add("pairs", "Pairs", "count", 0, inputs.pairs, "pairs in the program")
    add("meeting_hours", "Meeting hours", "count", 0, inputs.meeting_hours, "hours the pairs met")
    add("mean_mentee_salary", "Mentees' mean salary", cur, 0, inputs.mean_mentee_salary, "mean base salary")
    add(
        "program_years",
        "Program length",
        "years",
        1,
        inputs.program_years,
        "years from the first pair to the as-of date",
    )
    add(
        "retention_effect",
        "Retention effect used",
        "pts",
        1,
        inputs.retention_effect,
        f"the adjusted {a.horizon_months}-month retention effect",
        *inputs.retention_ci,
    )
    for k, v in r.cost_lines.items():
        add(f"cost.{k}", k, cur, 0, -v, f"cost line: {k}")
    for k, v in r.benefit_lines.items():
        add(f"benefit.{k}", k, cur, 0, v, f"benefit line: {k}")
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
        add(f"assumption.{key}", label, unit, digits, v, "an assumption from the ROI assumptions file")
    for row in r.sensitivity.itertuples(index=False):
        # ``note`` holds the assumption's value at that end, as the page shows it.
        add(
            f"sensitivity.{row.assumption}.low",
            f"ROI at the low end: {row.assumption}",
            "percent",
            0,
            row.roi_low,
            f"ROI with {row.assumption} at {row.low_value}",
            note=str(row.low_value),
        )
        add(
            f"sensitivity.{row.assumption}.high",
            f"ROI at the high end: {row.assumption}",
            "percent",
            0,
            row.roi_high,
            f"ROI with {row.assumption} at {row.high_value}",
            note=str(row.high_value),
        )
    return out


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
            _plain(
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
            _plain(
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
                _plain(
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
            _plain(
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


def build_metrics(
    published: dict[str, pd.DataFrame], validation: dict | None = None, roi=None, roi_by_program: dict | None = None
) -> pd.DataFrame:
    """The metrics table from the published (already gated) tables. ``roi`` is (result, inputs,
    assumptions) or None when the ROI cannot be computed; ``roi_by_program`` maps a program to its
    case, or to the reason it has none."""
    sizes = published["cohort_sizes"]
    as_of = str(pd.to_datetime(sizes["as_of_date"]).max().date()) if len(sizes) else None
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
    if roi is not None:
        rows += roi_rows(*roi, as_of)
        rows += uncounted_rows(published["effect_estimates"], roi[1], roi[2], as_of)
    for program, case in (roi_by_program or {}).items():
        rows += program_roi_rows(program, case, as_of)
    frame = pd.DataFrame(rows).reindex(columns=COLUMNS)
    dup = frame.metric_id[frame.metric_id.duplicated()]
    if len(dup):
        raise ValueError(f"metric ids are not unique: {sorted(set(dup))[:5]}")
    for c in (
        "value",
        "ci_low",
        "ci_high",
        "people_mentored",
        "people_comparison",
        "intakes_mentored",
        "intakes_comparison",
    ):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
    frame["horizon_months"] = frame["horizon_months"].astype("Int64")
    frame["digits"] = frame["digits"].astype("int64")
    return frame


def and_list(items) -> str:
    """'6, 12 and 24': a list for running text."""
    items = [str(i) for i in items]
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


@dataclass
class Metrics:
    """The metrics table as the pages read it: look up by id, format with ``display``."""

    frame: pd.DataFrame

    def __post_init__(self):
        self.by_id = {r["metric_id"]: r for r in self.frame.to_dict("records")}
        effects = self.frame[(self.frame.family == "effect") & self.frame.horizon_months.notna()]
        #: The horizons the pipeline estimated (MENTORSHIP_HORIZONS), in months: pages follow these.
        self.horizons = tuple(sorted({int(h) for h in effects.horizon_months})) or (6, 12, 24)
        self.headline = headline_horizon(self.horizons)

    @property
    def as_of(self) -> str:
        v = self.frame.as_of_date.dropna()
        return str(v.iloc[0]) if len(v) else "unknown"

    def get(self, mid: str) -> dict | None:
        return self.by_id.get(mid)

    def value(self, mid: str) -> float:
        r = self.by_id.get(mid)
        return np.nan if r is None or r["status"] != "published" else r["value"]

    def text(self, mid: str, signed: bool | None = None, unit_words: bool = False) -> str:
        """The figure as shown; ``unit_words`` names the survey scale after a score difference."""
        r = self.by_id.get(mid)
        if r is None or r["status"] != "published" or pd.isna(r["value"]):
            return ""
        text = display(r["value"], r["unit"], r["digits"], signed)
        return text + SCALE_WORDS if unit_words and r["unit"] == "score_points" else text

    def interval(self, mid: str) -> str:
        r = self.by_id.get(mid)
        if r is None or pd.isna(r["ci_low"]) or pd.isna(r["ci_high"]):
            return ""
        lo, hi = (display(r[c], r["unit"], r["digits"], signed=False) for c in ("ci_low", "ci_high"))
        suffix = _unit(r["unit"])[0]
        return f"{lo.removesuffix(suffix)} to {hi}" if suffix else f"{lo} to {hi}"
