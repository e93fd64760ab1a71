"""How far the estimates can be trusted, as the note tells it: the falsification tests' results (from
``mentorship.falsification`` and the metrics table), how well the method recovers planted effects, and the
assumptions every estimate rests on."""

from __future__ import annotations

import pandas as pd

from mentorship.metrics import Metrics


def falsification(checks: pd.DataFrame | None, m: Metrics | None = None) -> str:
    """The falsification tests' results (``mentorship.falsification``) in words and a table."""
    return "## Falsification tests\n" + falsification_text(checks, m)


def falsification_text(checks: pd.DataFrame | None, m: Metrics | None = None) -> str:
    """The section's body: each check's verdict, what the checks mean, then the table of their estimates."""
    from mentorship.falsification import CHECKS, summary

    if checks is None or checks.empty:
        return "Not run for this build."
    lines = [
        "Estimates whose true value is zero, made on this organisation's data by the same code as the "
        "real ones. Each runs as a Dagster asset check on `falsification_checks` (a warning, not a block).",
        "",
    ]
    for check, label in CHECKS.items():
        passed, line = summary(checks, check)
        lines.append(f"- **{label}:** {'passed' if passed else '**failed**'}. {line}.")
    lines += [
        "",
        "- *Placebo outcome*: the program cannot have caused promotions before it started; an adjusted "
        "effect away from zero means the mentored differ from their weighted comparison group in something "
        "the covariates do not hold (drive, ability, a manager's favour), which would bias the real estimates "
        "too. The covariates the placebo promotion itself moves (earlier promotions, pay position in the "
        "level, managing people) are left out of its adjustment; job level stays in, so the check can miss a "
        "difference but not invent one.",
        "- *Placebo treatment* (a specification check): within each cell of intake, department, level and "
        "rating, as many never-mentored comparison people as the cell has mentored people (at most half the "
        "cell) get a fake program from the intake's start, and the headline outcomes are estimated exactly "
        "as for the real one. The draw depends on recorded covariates only, so away from zero means the "
        "models do not remove selection on them with the mix this organisation's mentees show; it cannot see "
        "selection on anything unrecorded, which is the placebo outcome's job.",
        "- With k estimates in a check, about k x 5% of their 95% intervals exclude zero by chance, so a check "
        "fails only when an estimate is beyond the Bonferroni level (95% over its k estimates together).",
        "",
        "| check | role | outcome | raw | adjusted (95% CI) | mentored / comparison |",
        "|---|---|---|---|---|---|",
    ]
    return "\n".join(lines + falsification_rows(checks, m))


def falsification_rows(checks: pd.DataFrame, m: Metrics | None) -> list[str]:
    """One table row per estimate of the checks (the balance check has none)."""
    lines = []
    for _, r in checks[checks.check != "balance"].iterrows():
        h = f" ({int(r.horizon_months)} months)" if pd.notna(r.horizon_months) else ""
        # The figures as the metrics table has them (mentorship.metrics), formatted as every page formats them.
        mid = (
            f"check.{r.check}.{r.role}.{r.outcome}.{'na' if pd.isna(r.horizon_months) else f'{int(r.horizon_months)}m'}"
        )
        if m is None or not m.text(f"{mid}.estimate"):
            lines.append(
                f"| {r.check.replace('_', ' ')} | {r.role} | {r.outcome_label}{h} | | {r.detail or 'not estimated'} | |"
            )
            continue
        lines.append(
            f"| {r.check.replace('_', ' ')} | {r.role} | {r.outcome_label}{h} | {m.text(mid + '.raw')} | "
            f"{m.text(mid + '.estimate')} ({m.interval(mid + '.estimate')}) | "
            f"{_n(r.n_treated)} / {_n(r.n_control)} |"
        )
    return lines


def _n(v) -> str:
    return "hidden" if pd.isna(v) else f"{int(v):,}"


RECOVERY = """## How well this recovers known effects
On generated organisations where the answer is known (`studies/results/validation_scenarios.md`:
volunteers chosen five ways from what the data records, on the rating and department, on the last
survey scores, through thresholds, a tenure hump and a department-by-level mix, with effects that
differ by department, and with promotions dated on the 1st of the month; each with and without a
planted effect), the adjusted estimates for mentees came within about 10% of the planted effect for
promotion, retention, salary growth and the survey changes, and with no effect planted about 5% of
the 95% intervals excluded zero, as they should. Read with care:
- **Some intervals are slightly narrow.** In some scenarios the survey-change and retention intervals
  held the planted effect 89% to 94% of the time rather than 95%. For retention, part of the reason
  is that no data shows which mentees stayed because of the program.
- **Mentors' effects are small** (one or two points of promotion), and their estimates vary by more
  than 10% of that from one organisation to the next; the study cannot yet tell a small bias from
  noise there.
- **Selection on what no data records is not removed.** Where volunteers are chosen partly on
  drive or ability that the data shows only through noisy ratings and scores, the adjusted
  promotion and retention effects still overstate the truth, by less than the raw figures. The
  E-value beside every estimate sizes how strong such a trait would have to be, and the placebo
  outcome above is the check for it."""

ASSUMPTIONS = """## What the estimates assume
1. **No unmeasured confounding:** given the covariates above, who joins is as good as random. Traits
   we cannot see (ambition, a manager's push) would bias the estimate; the E-value says how strong
   such a trait would have to be.
2. **Overlap:** comparable non-mentored people exist for the mentored (checked by trimming and the
   propensity distributions).
3. **Stable traits and fresh noise** (survey constructs): without mentoring, a person's score is a
   stable part plus noise that is new each wave, so two groups alike on the last score change alike
   from the wave before it. Where that fails, the bracket above still bounds the effect when
   selection runs one way.
4. **Non-informative censoring given the censoring model:** among comparison people alike on what
   was known at each later intake, who joined is as good as random.
5. **No interference:** one person's mentoring does not change a comparison person's outcome.
6. **Correct timing:** outcomes are counted only after the index date, and covariates only on or
   before it."""
