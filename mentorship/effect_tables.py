"""Every effect the dashboards show: outcomes x horizons x roles, segments and dose, as tables.

DuckDB builds one compact analytic frame per outcome family (only the needed columns); Python
loops over estimates (a few hundred), never over people, and calls ``estimate_effect``.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pandas as pd

from mentorship.effects import EffectInputError, LogitRefit, estimate_effect, shared_fits
from mentorship.settings import Settings, headline_horizon

#: Pre-index covariates, all measured on or before the index date.
COVARIATES = [
    "cohort",
    "job_level",
    "department",
    "location",
    "gender",
    "age_at_index",
    "tenure_months",
    "tenure_band",
    "is_people_manager",
    "salary_position",
    "performance_rating",
    "prior_promotions",
    "pre_engagement",
    "pre_satisfaction",
    "pre_confidence",
    "pre_growth",
]

#: What the chance of joining later is modelled on, as of each later cohort's first start (the
#: censoring model behind the comparison group's censoring weights).
CENSORING_COVARIATES = [
    "later_cohort",
    "days_to_window",
    "job_level",
    "department",
    "location",
    "gender",
    "age_now",
    "tenure_months_now",
    "is_people_manager",
    "salary_position_now",
    "performance_rating",
    "engagement_now",
    "satisfaction_now",
]

#: Promotion and retention by each horizon come from the survival frame (Aalen-Johansen with
#: competing exits), so a comparison person who joins the program before the horizon counts for the
#: time they were observed instead of being dropped: dropping them would drop people who, by
#: joining, showed they had stayed (informative censoring; the validation study measured the bias).
#: Every duration is in calendar months (``macros.sql``), so a horizon of h months is h on this scale.
BY_HORIZON = {  # outcome: (label, duration, event code column, sign)
    "promoted": ("Promoted", "months_to_promotion_or_censor", "promotion_code", 1),
    "retained": ("Retained (no voluntary exit)", "months_to_exit_or_censor", "exit_code", -1),
}
CAREER = {  # outcome: (label, kind), from the career outcomes of people observed to the horizon
    "salary_growth": ("Salary growth", "continuous"),
    "became_people_manager": ("Moved into people management", "binary"),
    "changed_department": ("Changed department", "binary"),
}
#: The event columns are the competing-risk codes (1 the event, 2 a competing one): the hazard ratio
#: counts only the event, and the curves are Aalen-Johansen, so that a curve read at a horizon is
#: that horizon's probability (``BY_HORIZON``), the same figure to the last digit.
SURVIVAL = {  # outcome: (label, duration, event code column)
    "time_to_voluntary_exit": ("Time to voluntary exit", "months_to_exit_or_censor", "exit_code"),
    "time_to_promotion": ("Time to first promotion", "months_to_promotion_or_censor", "promotion_code"),
}
#: Three estimates of each survey construct's change, on the same people (those with a post wave and
#: two answered waves before the index date). Which of the last two is right depends on how people
#: came to the program, which the data cannot tell:
#:
#: - ``_change_did``: difference-in-differences from the last wave, earlier scores left out of the
#:   weighting. Right when volunteers differ by a stable trait (their scores are high every wave);
#:   when they were chosen on the recorded score itself, that score was high partly by chance, it
#:   falls back afterwards (regression to the mean), and this estimate comes out too low.
#: - ``_change_adjusted``: the same change, weighted and modelled on the last scores. Right when
#:   volunteers were chosen on the recorded score; too high when they differ by a stable trait, since
#:   among people with the same score the volunteers then have the higher trait and do better after.
#:   Between them the two bracket the effect when selection runs one way (Angrist and Pischke 2009,
#:   5.4; Daw and Hatfield 2018).
#: - ``_change`` (the headline): the change from the wave *before* the last one, weighted and
#:   modelled on the last scores. With a stable trait and wave-to-wave noise, the trait cancels in the
#:   change and the noise of the wave people were chosen on is not in it, so it is right in both
#:   worlds; it needs two earlier waves, which is why all three use the same people.
SURVEY_DESIGNS = {  # suffix: (label, outcome column, adjust for the last scores)
    "_change": ("change", "change_from_earlier", True),
    "_change_did": ("change, difference-in-differences", "change", False),
    "_change_adjusted": ("change, adjusted for the last score", "change", True),
}


def headline_outcomes(horizons) -> list[tuple[str, int | None]]:
    """The four headline outcomes of the executive summary: promotion and retention at the headline
    horizon (12 months, or the computed horizon nearest to it), and two survey changes."""
    h = headline_horizon(horizons)
    return [("promoted", h), ("retained", h), ("engagement_change", None), ("satisfaction_change", None)]


#: Outcomes estimated by segment and dose band as well as overall: promotion and retention at every
#: horizon and every survey construct's headline change, so that a page filtered to a segment shows
#: every row it shows for everyone (the other outcomes' pages say they are not broken down).
SEGMENTED_BY_HORIZON = ("promoted", "retained")
SEGMENTED_SURVEY = "_change"
SEGMENTS = ["cohort", "department", "job_level", "gender", "age_band"]
#: Dose dimensions of a mentee's pair (``analytics.pair_engagement``): meetings a month, and the
#: longest stretch without a meeting.
DOSE_BANDS = ["cadence_band", "regularity_band"]
#: The mentee's program, estimated like a dose band: each program's mentees against the whole
#: comparison group (nobody in the comparison group has a program), so programs can be compared.
PROGRAM = "program"


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


#: Fewer people than this in either group and no model is fitted (a variance needs two).
MIN_TO_ESTIMATE = 2


@dataclass(frozen=True)
class EffectSettings:
    n_bootstrap: int = 200
    seed: int = 20240501
    trim: float = 0.01
    horizons: tuple[int, ...] = (6, 12, 24)
    n_jobs: int = -1  # worker processes for the estimates; -1 uses every core
    # Above this many comparison members in a role (a person once per cohort they are compared in),
    # the estimates use a seeded random sample of comparison people of this size, weighted up
    # (``analytic_frames``), so the effect step's memory stays bounded at any workforce size. The
    # default keeps a 100,000-employee organisation (about 530,000 comparison members) whole.
    comparison_max: int = Settings.comparison_max
    # Refit the censoring model in every bootstrap replicate of every estimate. Off by default: it
    # multiplied the effect step's time several-fold, and the validation study found it changed
    # retention's interval width by about 1% (0.84 to 0.85 of the estimates' spread).
    refit_censoring: bool = False
    # Where the intervals come from: "influence" (the influence function: one fit per estimate) or
    # "bootstrap" (``n_bootstrap`` refits per estimate). The interval study
    # (studies/results/interval_study.md) found the two covering alike wherever an estimate had 30
    # or more mentored people, in organisations of 300 to 2,000, at a fraction of the cost.
    ci_method: str = Settings.ci_method
    # Under this many mentored people in an estimate (a small segment, or a small organisation), its
    # interval comes from the bootstrap even where ``ci_method`` is "influence": there the influence
    # function's interval came out too narrow in the interval study, and the bootstrap of so few
    # people is cheap. Only where the estimate's frame holds at most ``bootstrap_max_people`` people.
    bootstrap_below: int = Settings.bootstrap_below
    # With ``ci_method="bootstrap"``, above this many people in a role's frame the role's intervals
    # still come from the influence function: the bootstrap's hundreds of refits per estimate are what
    # kept a 100,000-person organisation from running in minutes.
    bootstrap_max_people: int = Settings.bootstrap_max_people


def _frame(con, sql: str, params=None) -> pd.DataFrame:
    # Text columns arrive as pandas categoricals (through Arrow): a code per row instead of a Python
    # string per cell, several times faster to fetch and a fraction of the memory at 100,000 people.
    return con.sql(sql, params=params).to_arrow_table().to_pandas(strings_to_categorical=True, date_as_object=False)


_DERIVED = {"cohort", "tenure_band"}
_MEMBER_COLS = (
    ", ".join(f"m.{c}" for c in COVARIATES if c not in _DERIVED)
    + ", m.cohort, m.employee_id, m.treated, m.pair_id, m.birth_year, m.promoted_in_year_before, m.joins_later, "
    "case when m.age_at_index < 30 then 'under 30' when m.age_at_index < 45 then '30 to 44' "
    "when m.age_at_index is not null then '45 and over' end as age_band, "
    "case when m.tenure_months < 6 then 'a: under 6 months' when m.tenure_months < 12 then 'b: 6 to 11 months' "
    "when m.tenure_months < 24 then 'c: 1 to 2 years' when m.tenure_months < 60 then 'd: 2 to 5 years' "
    "when m.tenure_months is not null then 'e: 5 years and more' end as tenure_band"
)


def comparison_fraction(con: duckdb.DuckDBPyConnection, role: str, comparison_max: int | None) -> float:
    """The share of ``role``'s comparison members the effect step keeps: 1 up to ``comparison_max``
    members (a person once per cohort they are compared in), above it ``comparison_max`` / the count."""
    if comparison_max is None:
        return 1.0
    n = con.execute("select count(*) from analytics.cohort_members where role = ? and treated = 0", [role]).fetchall()[
        0
    ][0]
    return 1.0 if n <= comparison_max else comparison_max / n


def analytic_frames(
    con: duckdb.DuckDBPyConnection, role: str, comparison_max: int | None = None, seed: int = 0
) -> dict[str, pd.DataFrame]:
    """One compact frame per outcome family for ``role``, joined to the pre-index covariates.

    Rows come in a fixed order: DuckDB's parallel scans return them in any order, and the bootstrap
    draws people by position, so without it the same seed would give different intervals run to run.

    With more than ``comparison_max`` comparison members, the frames keep every mentored member and a
    random sample of comparison people, drawn in DuckDB before anything reaches pandas, so the effect
    step's memory follows the number of mentored people rather than the workforce. The draw is a
    keyed hash of the person (seeded by ``seed``): the same people in every frame and cohort, and the
    same people run to run. Each kept comparison member carries ``sampling_weight`` = 1 / the
    sampling fraction (1 for everyone when nothing is sampled), which the estimates weight by.
    """
    fraction = comparison_fraction(con, role, comparison_max)
    # A person's draw is a number in [0, 1e6) from the hash; a threshold of 1e6 keeps everyone.
    threshold = round(fraction * 1_000_000) if fraction < 1 else 1_000_000
    kept = "(m.treated = 1 or hash(m.employee_id, $seed) % 1000000 < $threshold)"
    weight_sql = f"cast({1 / fraction!r} as double)"
    weight = f"case when m.treated = 1 then 1.0::double else {weight_sql} end as sampling_weight"
    params = {"role": role, "seed": seed, "threshold": threshold}
    join = "join analytics.cohort_members m using (employee_id, role, cohort, group_name)"
    members = f"{_MEMBER_COLS}, {weight}"
    career = _frame(
        con,
        f"""
        select {members}, o.horizon_months, {", ".join("o." + c for c in CAREER)}
        from analytics.career_outcomes o {join} where o.role = $role and o.observed and {kept}
        order by m.employee_id, m.cohort, m.treated, o.horizon_months""",
        params,
    )
    survey = _frame(
        con,
        f"""
        select {members}, o.construct, o.change, o.change_from_earlier
        from analytics.survey_outcomes o {join}
        where o.role = $role and o.change_from_earlier is not null and {kept}
        order by m.employee_id, m.cohort, m.treated, o.construct""",
        params,
    )
    survival = _frame(
        con,
        f"""
        select {members}, {", ".join("o." + d for _, d, _e in SURVIVAL.values())},
               case when o.promotion_event then 1 when o.promotion_competing then 2 else 0 end as promotion_code,
               case when o.voluntary_exit_event then 1 when o.exit_competing then 2 else 0 end as exit_code
        from analytics.survival_times o {join} where o.role = $role and {kept}
        order by m.employee_id, m.cohort, m.treated""",
        params,
    )
    bands = _frame(
        con, f"select pair_id, {', '.join([PROGRAM, *DOSE_BANDS])} from analytics.pair_engagement"
    ).set_index("pair_id")
    for f in (career, survey, survival):
        for band in [PROGRAM, *DOSE_BANDS]:
            f[band] = f["pair_id"].map(bands[band])
    # Every censoring-risk row is a comparison member's (treated = 0 in the hash test's terms).
    risk = _frame(
        con,
        f"""
        select employee_id, cohort, joined, months_to_window, months_to_weight_step, {", ".join(CENSORING_COVARIATES)},
               {weight_sql} as sampling_weight
        from analytics.censoring_risk m
        where role = $role and hash(m.employee_id, $seed) % 1000000 < $threshold
        order by employee_id, cohort, later_cohort""",
        params,
    )
    units = survival.loc[survival.treated == 0, ["employee_id", "cohort"]].reset_index(names="unit")
    return {"career": career, "survey": survey, "survival": survival, "censoring": CensoringModel(risk, units)}


class CensoringModel:
    """Inverse-probability-of-censoring weights for comparison people who may join later.

    ``risk`` has one row per comparison member and later cohort they were still followed up at
    (``analytics.censoring_risk``). A logistic regression of joining on what was known then gives each
    person's chance of joining at each cohort; the people who stay count, from that cohort's last start
    on, for themselves and for the like people who joined: their weight is the running product of
    1 / (1 - p), capped at p = ``cap``.

    ``units`` maps the survival frame's row labels (``unit``) to ``employee_id`` and ``cohort``. Called
    with nothing, the model returns the fitted weights as ``estimate_effect``'s ``censoring_weights``
    (unit, time, weight). Called with a bootstrap replicate's weight per unit, it refits the model on
    that replicate, so the interval carries the censoring model's uncertainty too (``LogitRefit``
    from the full-sample fit). People outside the estimate's frame (another segment) keep weight 1.
    """

    def __init__(self, risk: pd.DataFrame, units: pd.DataFrame | None = None, cap: float = 0.95, c: float = 10.0):
        from mentorship.effects import _design, fit_logit

        if units is not None:
            risk = risk.merge(units, on=["employee_id", "cohort"], how="left")
        self.cap, self.c = cap, c
        self.fitted = not risk.empty and risk.joined.nunique() == 2
        stay = (risk.joined == 0).to_numpy()
        order = np.lexsort(
            (
                risk.months_to_weight_step.to_numpy(),
                risk.cohort.to_numpy(dtype=str),
                risk.employee_id.to_numpy(dtype=str),
            )
        )
        self._stay = order[stay[order]]  # stay rows, by person, cohort and time
        key = risk[["employee_id", "cohort"]].iloc[self._stay]
        k = key.to_numpy()
        self._start = np.r_[True, (k[1:] != k[:-1]).any(axis=1)] if len(k) else np.array([], bool)
        step = risk.months_to_weight_step.to_numpy(dtype=float)
        # When the intake behind each step started (the career outcomes count an intake from its start).
        start = risk.months_to_window.to_numpy(dtype=float) if "months_to_window" in risk else step
        self.frame = key.assign(time=step[self._stay], start=start[self._stay]).reset_index(drop=True)
        unit = risk["unit"].to_numpy(dtype=float) if "unit" in risk else np.full(len(risk), np.nan)
        self._row_unit = np.where(np.isnan(unit), -1, unit).astype(np.int64)
        self.frame["unit"] = self._row_unit[self._stay]
        if not self.fitted:
            self.frame["weight"] = 1.0
            return
        design = _design(risk, [col for col in CENSORING_COVARIATES if risk[col].notna().any()])
        self._x = design.x
        self._y = risk.joined.to_numpy(dtype=float)
        # A sampled comparison group (``analytic_frames``) stands for the people it was drawn from.
        self._s = risk["sampling_weight"].to_numpy(dtype=float) if "sampling_weight" in risk else np.ones(len(risk))
        self._beta = fit_logit(design.x, self._y, self._s, c)[0]
        self._refit = None  # factored on first refit: the pipeline's default holds the weights fixed
        self.frame["weight"] = self._cumulative(self._beta)

    def _cumulative(self, beta: np.ndarray) -> np.ndarray:
        p = np.clip(1 / (1 + np.exp(-(beta[0] + self._x[self._stay] @ beta[1:]))), 0.0, self.cap)
        log_f = np.cumsum(-np.log1p(-p))
        # Running product within each person and cohort: the cumulative sum minus its value before the group.
        before = np.r_[0.0, log_f[:-1]][self._start]
        return np.exp(log_f - np.repeat(before, np.diff(np.r_[np.flatnonzero(self._start), len(log_f)])))

    def __call__(self, unit_weights: pd.Series | None = None) -> pd.DataFrame:
        if unit_weights is None or not self.fitted:
            return self.frame[["unit", "time", "start", "weight"]]
        lookup = pd.Series(unit_weights.to_numpy(dtype=float), index=unit_weights.index)
        rows = lookup.reindex(self._row_unit).fillna(1.0).to_numpy()
        if self._refit is None:
            self._refit = LogitRefit(self._x, self._y, self._beta, self.c)
        beta = self._refit(rows * self._s)
        return self.frame[["unit", "time", "start"]].assign(weight=self._cumulative(beta))


def with_censoring_weight(part: pd.DataFrame, survival: pd.DataFrame, censoring, horizon: float) -> pd.DataFrame:
    """``part`` (career outcomes at one horizon) with ``censoring_weight`` and ``analysis_weight``.

    The career outcomes count only comparison people still outside the program at the horizon; those
    who joined a later intake that started by then are censored. Joining follows what changed since the index
    date (a good rating, a promotion), which also drives pay and moves, so dropping the joiners biases
    the comparison group. Each comparison person who stayed out therefore counts for the like people
    who joined: weighted by the censoring model's cumulative weight at the horizon (the same model and
    the same weights as the promotion and retention curves). ``analysis_weight`` is that weight times
    the sampling weight; mentored people are never censored by joining and weigh 1 (times sampling).
    """
    cw = censoring() if callable(censoring) else censoring
    weight = np.ones(len(part))
    if cw is not None and len(cw):
        # Every intake that started by the horizon: its joiners are censored (career_outcomes.sql), and
        # the people who stayed out of it count for them.
        cw = cw[(cw.unit >= 0) & (cw.get("start", cw.time) <= horizon)]
        last = cw.sort_values(["unit", "time"], kind="stable").groupby("unit").weight.last()
        last = last[last.index.isin(survival.index)]  # units of another cut of the frame have no row here
        units = survival.loc[last.index.to_numpy()]
        keys = pd.DataFrame(
            {
                "employee_id": units.employee_id.astype(str).to_numpy(),
                "cohort": units.cohort.astype(str).to_numpy(),
                "treated": units.treated.to_numpy(),
                "censoring_weight": last.to_numpy(),
            }
        )
        rows = pd.DataFrame(
            {
                "employee_id": part.employee_id.astype(str).to_numpy(),
                "cohort": part.cohort.astype(str).to_numpy(),
                "treated": part.treated.to_numpy(),
            }
        )
        found = rows.merge(keys, how="left", on=["employee_id", "cohort", "treated"], validate="many_to_one")
        weight = found.censoring_weight.fillna(1.0).to_numpy()
    sampling = part.sampling_weight.to_numpy(dtype=float) if "sampling_weight" in part else 1.0
    return part.assign(censoring_weight=weight, analysis_weight=weight * sampling)


def censoring_weights(risk: pd.DataFrame, cap: float = 0.95) -> pd.DataFrame:
    """The fitted censoring weights per comparison member: (employee_id, cohort, time, weight)."""
    return CensoringModel(risk, cap=cap).frame[["employee_id", "cohort", "time", "weight"]]


@dataclass
class _Task:
    role: str
    outcome: str
    label: str
    kind: str
    horizon: int | None
    segment_type: str
    segment: str
    frame: pd.DataFrame
    outcome_col: str | None = None
    duration: str | None = None
    event: str | None = None
    horizon_time: float | None = None
    censoring: CensoringModel | None = None
    sign: int = 1  # -1 reports "no event" (retained) rather than the event (exit)
    uncertainty: str = "bootstrap"
    weights: str | None = None  # a column of analysis weights (sampling times censoring), if any
    adjust_scores: bool = True  # weight and model on the last survey scores before the index date
    exclude: tuple = ()  # covariates left out (a placebo outcome's own history: mentorship.falsification)
    # A segment's or dose band's rows of ``frame``: (column, value, dose). Cut only when the estimate
    # is dispatched (``_cut``), so that the hundred-odd segment copies of a role's frames never sit in
    # memory together; dose keeps the whole comparison group beside the band's mentored people.
    subset: tuple | None = None


def _cut(tasks: list[_Task]) -> list[_Task]:
    """Tasks on one (frame, subset), each given the same cut of the frame, so that their estimates
    share its design matrix and propensity fit (``shared_fits``)."""
    spec = tasks[0].subset
    if spec is None:
        return tasks
    column, value, dose = spec
    f = tasks[0].frame
    part = f[(f.treated == 0) | (f[column] == value)] if dose else f[f[column] == value]
    return [replace(t, frame=part, subset=None) for t in tasks]


def _uncertainty(frames: dict[str, pd.DataFrame], s: EffectSettings) -> str:
    """How every estimate for a role gets its interval: ``s.ci_method``, except that the bootstrap gives
    way to the influence function in an organisation with more than ``s.bootstrap_max_people`` people
    in the role's frame. Decided per organisation rather than per estimate, because a large
    organisation's segments are themselves thousands of people whose bootstrap would cost as much as
    the rest of the run together."""
    if s.ci_method == "influence":
        return "influence"
    people = frames["survival"].employee_id.nunique()
    return "influence" if people > s.bootstrap_max_people else "bootstrap"


def _tasks(frames: dict[str, pd.DataFrame], role: str, horizons, uncertainty: str = "bootstrap") -> list[_Task]:
    tasks = []
    career, survey, survival, censoring = frames["career"], frames["survey"], frames["survival"], frames["censoring"]
    for h in horizons:
        for name, (label, d, e, sign) in BY_HORIZON.items():
            tasks.append(
                _Task(
                    role,
                    name,
                    label,
                    "time_to_event",
                    h,
                    "overall",
                    "all",
                    survival,
                    duration=d,
                    event=e,
                    horizon_time=h,
                    censoring=censoring,
                    sign=sign,
                )
            )
        part = with_censoring_weight(career[career.horizon_months == h], survival, censoring, h)
        for name, (label, kind) in CAREER.items():
            tasks.append(
                _Task(role, name, label, kind, h, "overall", "all", part, outcome_col=name, weights="analysis_weight")
            )
    for construct in sorted(survey.construct.unique()):
        rows = survey[survey.construct == construct]
        for suffix, (label, column, adjust) in SURVEY_DESIGNS.items():
            tasks.append(
                _Task(
                    role,
                    f"{construct}{suffix}",
                    f"{construct.capitalize()} {label}",
                    "continuous",
                    None,
                    "overall",
                    "all",
                    rows,
                    outcome_col=column,
                    adjust_scores=adjust,
                )
            )
    for name, (label, d, e) in SURVIVAL.items():
        tasks.append(
            _Task(
                role,
                name,
                label,
                "time_to_event",
                None,
                "overall",
                "all",
                survival,
                duration=d,
                event=e,
                censoring=censoring,
            )
        )
    segmented = [
        t
        for t in tasks
        if (t.outcome in SEGMENTED_BY_HORIZON and t.horizon is not None)
        or (
            t.outcome.endswith(SEGMENTED_SURVEY)
            and t.outcome.removesuffix(SEGMENTED_SURVEY) in set(survey.construct.unique())
        )
    ]
    for base in segmented:
        outcome, h = base.outcome, base.horizon
        cuts = [(seg, value, False) for seg in SEGMENTS for value in sorted(base.frame[seg].dropna().unique())]
        if role == "mentee":  # dose: each band of mentees against the whole comparison group
            cuts += [
                (dim, band, True)
                for dim in [PROGRAM, *DOSE_BANDS]
                if dim in base.frame
                for band in sorted(base.frame[dim].dropna().unique())
            ]
        for column, value, dose in cuts:
            tasks.append(
                _Task(
                    role,
                    outcome,
                    base.label,
                    base.kind,
                    h,
                    column,
                    str(value),
                    base.frame,
                    outcome_col=base.outcome_col,
                    duration=base.duration,
                    event=base.event,
                    adjust_scores=base.adjust_scores,
                    horizon_time=base.horizon_time,
                    censoring=base.censoring,
                    sign=base.sign,
                    weights=base.weights,
                    subset=(column, value, dose),
                )
            )
    for t in tasks:
        t.uncertainty = uncertainty
    return tasks


def overall_effect(
    frames: dict[str, pd.DataFrame], role: str, outcome: str, horizon: int | None, settings: EffectSettings
) -> dict:
    """One overall estimate (no segment), computed exactly as the effect tables compute it.

    ``frames`` come from ``analytic_frames``; ``horizon`` is in months, or None for the survey
    changes and the time-to-event outcomes without a horizon. Returns the effect-table row as a dict.
    """
    tasks = [
        t
        for t in _tasks(frames, role, (horizon,) if horizon is not None else (), _uncertainty(frames, settings))
        if t.outcome == outcome and t.horizon == horizon and t.segment_type == "overall"
    ]
    if not tasks:
        raise KeyError(f"no {role} outcome {outcome!r} at horizon {horizon}")
    return _run(tasks[0], settings)[0]


def segment_effects(
    frames: dict[str, pd.DataFrame],
    role: str,
    outcome: str,
    horizon: int | None,
    settings: EffectSettings,
    segment_type: str,
) -> list[dict]:
    """Every segment of one breakdown (a ``SEGMENTS`` column, or a ``DOSE_BANDS`` column for mentees)
    of a headline outcome, computed exactly as the effect tables compute it, before suppression."""
    tasks = [
        t
        for t in _tasks(frames, role, (horizon,) if horizon is not None else (), _uncertainty(frames, settings))
        if t.outcome == outcome and t.horizon == horizon and t.segment_type == segment_type
    ]
    if not tasks:
        raise KeyError(f"no {role} {segment_type} segments of {outcome!r} at horizon {horizon}")
    with shared_fits():
        return [_run(t, settings)[0] for t in _cut_all(tasks)]


def _run(task: _Task, s: EffectSettings) -> tuple[dict, pd.DataFrame | None, pd.DataFrame | None]:
    from threadpoolctl import threadpool_limits

    # Each fit is small: multi-threaded BLAS costs more in start-up than it saves (5x, measured),
    # so each worker process uses one thread and the processes share the cores.
    with threadpool_limits(1):
        return _estimate(task, s)


def _run_group(tasks: list[_Task], s: EffectSettings) -> list[tuple]:
    """Estimates on one frame, sharing its design matrix and propensity fit."""
    with shared_fits():
        return [_run(t, s) for t in _cut(tasks)]


def _cut_all(tasks: list[_Task]) -> list[_Task]:
    """``_cut`` over tasks on any mix of (frame, subset), in their order."""
    groups: dict[tuple, list[int]] = {}
    for i, t in enumerate(tasks):
        groups.setdefault((id(t.frame), t.subset), []).append(i)
    out: list = [None] * len(tasks)
    for idx in groups.values():
        for i, t in zip(idx, _cut([tasks[i] for i in idx])):
            out[i] = t
    return out


def _estimate(task: _Task, s: EffectSettings) -> tuple[dict, pd.DataFrame | None, pd.DataFrame | None]:
    f = task.frame
    # Counted among the people whose outcome is measured (salary growth needs a salary at the horizon;
    # moving into management, not being a manager already), as the estimate counts them: the counts
    # after trimming then differ from these by the trimmed people only.
    measured = f[task.outcome_col or task.duration].notna().to_numpy()
    treated = (f.treated == 1).to_numpy()
    n_t, n_c = int((treated & measured).sum()), int((~treated & measured).sum())
    # Rows are person-intakes: a comparison person is compared once in every intake they were eligible
    # for, so the distinct people behind an estimate are counted separately.
    ids = f.employee_id.to_numpy()
    people_t, people_c = len(pd.unique(ids[treated & measured])), len(pd.unique(ids[~treated & measured]))
    row = {
        "role": task.role,
        "outcome": task.outcome,
        "outcome_label": task.label,
        "kind": "binary" if task.horizon_time else task.kind,
        "horizon_months": task.horizon,
        "segment_type": task.segment_type,
        "segment": task.segment,
        "n_treated": n_t,
        "n_control": n_c,
        "people_treated": people_t,
        "people_control": people_c,
        "suppressed": False,
        "suppression_reason": None,
    }
    # A statistical floor, not the privacy threshold: the publication gate (mentorship.publication)
    # suppresses small groups on the way out, with every table they share totals with.
    if min(n_t, n_c) < MIN_TO_ESTIMATE:
        row.update(suppressed=True, suppression_reason="too few people to estimate")
        return row, None, None
    if (reason := _nothing_to_compare(task)) is not None:
        # An effect of exactly zero with an interval of zero width would read as a finding.
        row.update(suppressed=True, suppression_reason=reason)
        return row, None, None
    covs = [c for c in COVARIATES if c != task.segment_type and c not in task.exclude and f[c].notna().any()]
    if not task.adjust_scores:  # the difference-in-differences (SURVEY_DESIGNS)
        covs = [c for c in covs if not c.startswith("pre_")]
    if task.segment_type != "overall":  # a segment is too small to adjust for rare covariates
        covs = [c for c in covs if f[c].nunique() > 1]
    uncertainty = task.uncertainty
    if (
        uncertainty == "influence"
        and n_t < s.bootstrap_below
        and s.n_bootstrap > 0
        and f.employee_id.nunique() <= s.bootstrap_max_people
    ):
        uncertainty = "bootstrap"
    sampled = "sampling_weight" if "sampling_weight" in f and (f.sampling_weight != 1).any() else None
    weights = task.weights if task.weights is not None and (f[task.weights] != 1).any() else sampled
    # A horizon row skips the hazard ratio and curves: the rows without a horizon carry them.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = estimate_effect(
                f,
                "treated",
                task.outcome_col,
                covs,
                kind=task.kind,
                duration=task.duration,
                event=task.event,
                trim=s.trim,
                n_bootstrap=s.n_bootstrap,
                seed=s.seed,
                cluster="employee_id",
                horizon=task.horizon_time,
                weights=weights,
                censoring_weights=_censoring(task, s, uncertainty),
                curves=task.horizon_time is None,
                uncertainty=uncertainty,
            )
    except EffectInputError as e:
        reason = (
            f"not yet followed up for {task.horizon} months"
            if "followed up to the horizon" in str(e)
            else f"could not be estimated: {str(e)[:120]}"
        )
        row.update(suppressed=True, suppression_reason=reason)
        return row, None, None
    except (ValueError, np.linalg.LinAlgError) as e:
        row.update(suppressed=True, suppression_reason=f"could not be estimated: {str(e)[:120]}")
        return row, None, None
    if weights != sampled:
        # The raw figure stays raw: weighted for the sampling only, never for censoring or the propensity.
        m = f[task.outcome_col].notna().to_numpy()
        y, t = f[task.outcome_col].to_numpy(dtype=float)[m], f.treated.to_numpy()[m]
        sw = f[sampled].to_numpy(dtype=float)[m] if sampled else np.ones(m.sum())
        r.treated_mean = float(np.average(y[t == 1], weights=sw[t == 1]))
        r.control_mean_naive = float(np.average(y[t == 0], weights=sw[t == 0]))
        r.naive = r.treated_mean - r.control_mean_naive
        r.naive_se = _mean_difference_se(y, t, sw, f.employee_id.to_numpy()[m])
    if sampled:
        share = 1 / f.sampling_weight.max()
        r.warnings.append(
            f"comparison group: a random {share:.1%} sample of comparison people, each weighted "
            f"{1 / share:.2f}; the counts are of the sample, the interval includes the sampling error"
        )
    d = r.to_dict()
    for k in ("outcome", "kind", "n_treated", "n_control"):
        d.pop(k)
    if task.sign == -1:  # report the share without the event: retained rather than exited
        d.update(
            naive=-d["naive"],
            estimate=-d["estimate"],
            ci_low=-d["ci_high"],
            ci_high=-d["ci_low"],
            treated_mean=1 - d["treated_mean"],
            control_mean_naive=1 - d["control_mean_naive"],
        )
    row.update(d)
    balance = km = None
    if task.segment_type == "overall":
        balance = r.balance.assign(role=task.role, outcome=task.outcome, horizon_months=task.horizon)
        if r.km is not None and task.horizon_time is None:
            km = _monthly(r.km).assign(role=task.role, outcome=task.outcome)
    return row, balance, km


def _mean_difference_se(y: np.ndarray, t: np.ndarray, w: np.ndarray, clusters: np.ndarray) -> float:
    """Standard error of a difference of two weighted means, from their influence functions, summed
    within person (a comparison person counts once per intake)."""
    from mentorship.effects import _influence_se

    phi = np.zeros(len(y))
    for g, sign in ((1, 1.0), (0, -1.0)):
        m = t == g
        phi[m] = sign * w[m] * (y[m] - np.average(y[m], weights=w[m])) / w[m].sum()
    return _influence_se(phi, clusters)


def _nothing_to_compare(task: _Task) -> str | None:
    """Why an outcome that does not vary (nobody promoted, no exits, the same value for everyone) cannot
    give an effect, or None when it varies."""
    f = task.frame
    if task.kind == "time_to_event":
        d, e = f[task.duration].to_numpy(dtype=float), f[task.event].to_numpy(dtype=float)
        limit = task.horizon_time if task.horizon_time is not None else np.inf
        if not ((e == 1) & (d <= limit)).any():
            return (
                "nobody had this event"
                + (f" within {task.horizon} months" if task.horizon else "")
                + " in either group: nothing to compare"
            )
        return None
    y = f[task.outcome_col].dropna()
    if y.nunique() < 2:
        return (
            "every person has the same value of this outcome"
            + (f" at {task.horizon} months" if task.horizon else "")
            + ": nothing to compare"
        )
    return None


def _censoring(task: _Task, s: EffectSettings, uncertainty: str = "bootstrap"):
    if task.kind != "time_to_event" or task.censoring is None:
        return None
    if isinstance(task.censoring, pd.DataFrame):  # already the fixed weights
        return task.censoring
    return task.censoring if s.refit_censoring and uncertainty == "bootstrap" else task.censoring()


def _monthly(km: pd.DataFrame, months: int = 36) -> pd.DataFrame:
    """Curves on a monthly grid: what the dashboards draw, and no single person's event date."""
    grid = np.arange(0, months + 1, dtype=float)  # durations are in calendar months already
    out = []
    for g, part in km.groupby("group"):
        part = part.sort_values("time")
        idx = np.searchsorted(part.time.to_numpy(), grid, side="right") - 1
        ok = idx >= 0
        sel = part.iloc[np.where(ok, idx, 0)]
        out.append(
            pd.DataFrame(
                {
                    "group": g,
                    "month": np.arange(0, months + 1),
                    "survival": np.where(ok, sel.survival, 1.0),
                    "ci_low": np.where(ok, sel.ci_low, 1.0),
                    "ci_high": np.where(ok, sel.ci_high, 1.0),
                }
            )
        )
    return pd.concat(out, ignore_index=True)


def compute_effects(
    source, settings: EffectSettings = EffectSettings(), progress: Callable[[str], None] | None = None, log=None
) -> dict[str, pd.DataFrame]:
    """Effects, balance tables and survival curves for mentees and mentors.

    ``source`` is a DuckDB connection, or a callable that opens one as a context manager (such as
    ``DuckDBResource.get_connection``). Given the callable, the connection is open only while a role's
    frames load and is closed while the estimates run: closing it releases DuckDB's cache of the
    warehouse (up to its memory ceiling), which at a million employees was the largest part of the
    step's memory. One role at a time: its frames are loaded, estimated and released before the next
    role's, so the step's memory is that of the larger role, not of both.

    ``progress`` receives one line per role on what is estimated and how; ``log`` (a logger such as
    Dagster's ``context.log``) receives the estimates done of the total, with the time taken and left
    (``mentorship.progress``)."""
    from joblib import Parallel, delayed

    from mentorship import falsification
    from mentorship.progress import Progress

    results, checks = [], []
    for role in ("mentee", "mentor"):
        with source() if callable(source) else contextlib.nullcontext(source) as con:
            frames = analytic_frames(con, role, settings.comparison_max, settings.seed)
        weights = frames["survival"].sampling_weight
        fraction = 1 / weights.max() if len(weights) else 1.0
        if progress and fraction < 1:
            progress(
                f"{role}s: the comparison group is a random {fraction:.1%} sample of its members "
                f"(about {settings.comparison_max:,}), weighted up"
            )
        if not settings.refit_censoring:
            # The fixed weights, once per role: the model itself (its design matrix has a row per person
            # and later cohort) would otherwise be copied to a worker with every time-to-event task.
            frames["censoring"] = frames["censoring"]()
        tasks = _tasks(frames, role, settings.horizons, _uncertainty(frames, settings))
        if progress:
            progress(f"falsification tests for {role}s: a placebo outcome and a placebo treatment")
        checks += falsification.placebo_outcome(frames, role, settings)
        checks += falsification.placebo_treatment(frames, role, settings)
        del frames
        method = tasks[0].uncertainty if tasks else "influence"
        if progress:
            progress(
                f"estimating {len(tasks)} {role} effects, 95% intervals from "
                + (
                    f"the influence function ({settings.n_bootstrap} bootstrap replicates where fewer than "
                    f"{settings.bootstrap_below} mentored people)"
                    if method == "influence"
                    else f"{settings.n_bootstrap} bootstrap replicates each"
                )
            )
        # Tasks on the same frame object go to one worker together: the frame is copied to it once, and
        # the estimates share its design matrix and propensity fit.
        groups: dict[tuple, list[int]] = {}
        for i, t in enumerate(tasks):
            groups.setdefault((id(t.frame), t.subset), []).append(i)
        # Largest first, so that no worker is left with a big frame while the other sits idle at the end.
        # The overall estimates come first, then the segments. A segment's cut of its frame is made as
        # its group is dispatched (joblib draws from the generator a few groups ahead of the workers),
        # so only those few cuts exist at a time, and a worker is sent the cut, not the whole frame.
        rows = {k: len(tasks[v[0]].frame) * len(v) for k, v in groups.items()}
        groups = dict(sorted(groups.items(), key=lambda kv: (kv[0][1] is not None, -rows[kv[0]])))
        out = [None] * len(tasks)
        with Progress(f"{role} effects", total=len(tasks), unit="estimates", log=log) as bar:
            # In order of dispatch, so each group's estimates count as soon as that group is done.
            done = Parallel(n_jobs=settings.n_jobs, batch_size=1, return_as="generator")(
                delayed(_run_group)(_cut([tasks[i] for i in group]), settings) for group in groups.values()
            )
            for group, part in zip(groups.values(), done):
                for i, r in zip(group, part):
                    out[i] = r
                bar.advance(len(group))
        results += out
        del tasks, done, out
    rows = [r for r, _, _ in results]
    balances = [b for _, b, _ in results if b is not None]
    curves = [k for _, _, k in results if k is not None]
    balance = _typed(balances, BALANCE_COLUMNS)
    return {
        "effect_estimates": _typed([pd.DataFrame(rows).assign(counts_hidden=False)], ESTIMATE_COLUMNS),
        "effect_balance": balance,
        "survival_curves": _typed(curves, CURVE_COLUMNS),
        "falsification_checks": falsification.judge(checks + falsification.balance_rows(balance)),
    }
