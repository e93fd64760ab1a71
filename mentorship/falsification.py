"""Falsification tests: estimates whose true value is zero, made on the organisation's own data by the
same code as the real ones. A skeptical reader's first question is whether the adjusted effect is the
program or the people who chose it; these are the checks that can say "not only the program".

- **Placebo outcome.** Promotion in the 12 months *before* the index date, estimated like the real
  promotion outcome (same covariates, weights, outcome model and interval), except for the covariates
  that the placebo promotion itself moves: the count of earlier promotions, pay position in the level
  and managing people. The program cannot have caused it, so an adjusted effect away from zero means
  the mentored differ from their weighted comparison group in something the covariates do not hold
  (drive, ability, a manager's favour), which would bias the real estimates the same way. Job level
  stays in (eligibility runs by level), although a recent promotion raised it: the check can
  therefore miss a difference, never invent one.
- **Placebo treatment** (a specification check). Comparison people who never join the program are
  given a fake one: within each cell of cohort, department, job level and rating, as many of them as
  the cell has mentored people (at most half the cell) are drawn at random and treated as if mentored
  from the cohort's index date. The headline outcomes are then estimated exactly as for the real
  mentees. Nobody was mentored and the draw depends on recorded covariates only, so the true effect is
  zero: an effect away from it means the models do not remove selection on those covariates with the
  mix and interactions this organisation's mentees show (the propensity model is additive). It cannot
  see selection on anything unrecorded; the placebo outcome is the check for that.
- **Balance after weighting.** Every covariate's standardised mean difference after weighting, for
  every overall estimate: above 0.1 the weighted groups still differ on something recorded.

With k estimates in a check, about k x 5% of their 95% intervals exclude zero by chance; the check
itself therefore fails only when an estimate's interval at the Bonferroni level (95% over the k
estimates together) excludes zero, while each row still shows its own 95% interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentorship.effect_tables import EffectSettings, _run, _Task, _tasks, _uncertainty
from mentorship.effects import SMD_TARGET
from mentorship.settings import headline_horizon

#: Covariates the placebo promotion itself moves, left out of its adjustment.
PLACEBO_OUTCOME_EXCLUDED = ("prior_promotions", "salary_position", "is_people_manager")
#: The cells within which the placebo treatment is drawn, as many per cell as there are mentored people.
CELLS = ["cohort", "department", "job_level", "performance_rating"]
#: The real outcomes the placebo treatment is estimated on: (outcome, horizon), the career ones at the
#: headline horizon (``placebo_treatment_outcomes``).
PLACEBO_TREATMENT_CAREER = ("promoted", "retained", "salary_growth")
PLACEBO_TREATMENT_SURVEY = ("engagement_change", "satisfaction_change")


def placebo_treatment_outcomes(horizons) -> list[tuple[str, int | None]]:
    h = headline_horizon(horizons)
    return [(o, h) for o in PLACEBO_TREATMENT_CAREER] + [(o, None) for o in PLACEBO_TREATMENT_SURVEY]


CHECKS = {
    "placebo_outcome": "Placebo outcome: promoted in the 12 months before the index date",
    "placebo_treatment": "Placebo treatment (a specification check): never-mentored people given a fake program",
    "balance": "Balance after weighting: every covariate's |SMD| at most 0.1",
}
COLUMNS = {
    "check": "object",
    "role": "object",
    "outcome": "object",
    "outcome_label": "object",
    "horizon_months": "Int64",
    "naive": "float64",
    "estimate": "float64",
    "ci_low": "float64",
    "ci_high": "float64",
    "se": "float64",
    "n_treated": "Float64",
    "n_control": "Float64",
    "covers_zero": "boolean",
    "passed": "boolean",
    "detail": "object",
}


def placebo_outcome(frames: dict, role: str, settings: EffectSettings) -> list[dict]:
    f = frames["survival"]
    if "promoted_in_year_before" not in f:
        return []
    task = _Task(
        role,
        "promoted_in_year_before",
        "Promoted in the 12 months before the index date",
        "binary",
        None,
        "overall",
        "all",
        f,
        outcome_col="promoted_in_year_before",
        exclude=PLACEBO_OUTCOME_EXCLUDED,
        uncertainty=_uncertainty(frames, settings),
    )
    return [_row("placebo_outcome", task, _run(task, settings)[0])]


def fake_program(frames: dict, seed: int) -> dict:
    """``frames`` with the real mentored people removed and a fake program among the never-joining
    comparison people: within each ``CELLS`` cell as many as it has mentored people, drawn at random."""
    survival = frames["survival"]
    real = survival[survival.treated == 1]
    pool = survival[(survival.treated == 0) & ~survival.joins_later.astype(bool)]
    need = real.groupby(CELLS, observed=True, dropna=False).size().rename("quota").reset_index()
    keys = pool[["employee_id", *CELLS]].astype(dict.fromkeys(["employee_id", *CELLS], object))
    need = need.astype(dict.fromkeys(CELLS, object))
    keys = keys.assign(draw=np.random.default_rng(seed).random(len(keys))).sort_values("draw", kind="stable")
    keys["rank"] = keys.groupby(CELLS, dropna=False).cumcount()
    keys = keys.merge(need, on=CELLS, how="left")
    # At most half of a cell's pool: a cell whose every member got the fake program would have nobody
    # to compare them with, a lack of overlap that no adjustment can mend.
    size = keys.groupby(CELLS, dropna=False)["rank"].transform("size")
    keys["fake"] = (keys["rank"] < np.minimum(keys["quota"].fillna(0), size // 2)).astype(int)
    fake = keys[["employee_id", "cohort", "fake"]].astype({"employee_id": str, "cohort": str})

    def relabel(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[(frame.treated == 0) & ~frame.joins_later.astype(bool)]
        rows = pd.DataFrame(
            {"employee_id": frame.employee_id.astype(str).to_numpy(), "cohort": frame.cohort.astype(str).to_numpy()}
        )
        labels = rows.merge(fake, on=["employee_id", "cohort"], how="left").fake.fillna(0).to_numpy()
        return frame.assign(treated=labels.astype(int)).reset_index(drop=True)

    return {
        "career": relabel(frames["career"]),
        "survey": relabel(frames["survey"]),
        "survival": relabel(survival),
        "censoring": None,
    }


def placebo_treatment(frames: dict, role: str, settings: EffectSettings) -> list[dict]:
    fake = fake_program(frames, settings.seed)
    if fake["survival"].treated.sum() < 2:
        return []
    wanted = set(placebo_treatment_outcomes(settings.horizons))
    tasks = [
        t
        for t in _tasks(fake, role, (headline_horizon(settings.horizons),), _uncertainty(fake, settings))
        if t.segment_type == "overall" and (t.outcome, t.horizon) in wanted
    ]
    return [_row("placebo_treatment", t, _run(t, settings)[0]) for t in tasks]


def _row(check: str, task: _Task, r: dict) -> dict:
    ok = not r.get("suppressed") and np.isfinite(r.get("ci_low", np.nan))
    return {
        "check": check,
        "role": task.role,
        "outcome": task.outcome,
        "outcome_label": task.label,
        "horizon_months": task.horizon,
        "naive": r.get("naive"),
        "estimate": r.get("estimate"),
        "ci_low": r.get("ci_low"),
        "ci_high": r.get("ci_high"),
        "se": r.get("se"),
        "n_treated": r.get("n_treated"),
        "n_control": r.get("n_control"),
        "covers_zero": bool(r["ci_low"] <= 0 <= r["ci_high"]) if ok else None,
        "detail": r.get("suppression_reason") if r.get("suppressed") else None,
    }


def balance_rows(balance: pd.DataFrame) -> list[dict]:
    """One row per role: the worst covariate after weighting over its overall estimates."""
    rows = []
    for role, g in balance.dropna(subset=["smd_after"]).groupby("role"):
        worst = g.loc[g.smd_after.abs().idxmax()]
        value = float(abs(worst.smd_after))
        h = "" if pd.isna(worst.horizon_months) else f" at {int(worst.horizon_months)} months"
        rows.append(
            {
                "check": "balance",
                "role": role,
                "outcome": worst.outcome,
                "outcome_label": None,
                "horizon_months": worst.horizon_months,
                "estimate": value,
                "covers_zero": None,
                "passed": value <= SMD_TARGET,
                "detail": f"largest |SMD| after weighting {value:.3f} on {worst.covariate} ({worst.outcome}{h}), "
                f"over {g.covariate.nunique()} covariates",
            }
        )
    return rows


def judge(rows: list[dict]) -> pd.DataFrame:
    """The table, with ``passed`` per estimate at the Bonferroni level over its check's estimates."""
    table = pd.DataFrame(rows)
    if table.empty:
        return table.reindex(columns=list(COLUMNS)).astype(COLUMNS)
    from scipy.stats import norm

    for check in ("placebo_outcome", "placebo_treatment"):
        part = table.check == check
        k = int((part & table.se.notna()).sum()) if "se" in table else 0
        if k:
            z = float(norm.ppf(1 - 0.05 / (2 * k)))
            # An estimate that could not be made has not passed: it is reported as not estimated.
            table.loc[part, "passed"] = (table.loc[part, "estimate"].abs() <= z * table.loc[part, "se"]) & table.loc[
                part, "se"
            ].notna()
    return table.reindex(columns=list(COLUMNS)).astype(COLUMNS)


def summary(table: pd.DataFrame, check: str) -> tuple[bool, str]:
    """(passed, one line) for one check, as the asset check and the methodology page state it."""
    part = table[table.check == check]
    if part.empty or (check != "balance" and part.se.isna().all()):
        return False, "not run: no estimate could be made (too few people)"
    made = part if check == "balance" else part[part.se.notna()]
    failed = made[made.passed.astype("boolean").fillna(True).eq(False)]
    if check == "balance":
        return failed.empty, "; ".join(part.role + ": " + part.detail)
    k = len(made)
    outside = int(made.covers_zero.astype("boolean").fillna(True).eq(False).sum())
    line = (
        f"{k} estimates; {outside} of their 95% intervals exclude zero (about {k * 0.05:.1f} would by chance); "
        f"{len(failed)} beyond the Bonferroni level"
    )
    if len(made) < len(part):
        line += f"; {len(part) - len(made)} could not be estimated (too few people)"
    if not failed.empty:
        worst = failed.loc[(failed.estimate.abs() / failed.se).idxmax()]
        line += (
            f"; largest: {worst.role} {worst.outcome_label} {worst.estimate:+.3f} "
            f"({worst.ci_low:+.3f} to {worst.ci_high:+.3f})"
        )
    return failed.empty, line
