"""The methodology note: design, covariates, estimands, trimming and assumptions, generated from the
same constants the estimator uses and from the exported effect table (never the warehouse)."""

from __future__ import annotations

import html
from pathlib import Path

import mistune
import pandas as pd

from dashboards.theme import page
from mentorship.effect_tables import COVARIATES, SEGMENTS, headline_outcomes
from mentorship.effects import SMD_TARGET
from mentorship.metrics import GLOSSARY, and_list

COVARIATE_WORDS = {
    "cohort": "the intake the comparison is drawn for",
    "job_level": "job level",
    "department": "department",
    "location": "location",
    "gender": "gender (a protected attribute, used for adjustment only)",
    "age_at_index": "age",
    "tenure_months": "tenure in months",
    "tenure_band": "tenure band (new joiners often cannot enrol, so tenure enters both as a number and in bands)",
    "is_people_manager": "whether they manage people",
    "salary_position": "salary relative to their level",
    "performance_rating": "latest performance rating",
    "prior_promotions": "promotions before the index date",
    "pre_engagement": "engagement score before the index date",
    "pre_satisfaction": "satisfaction score before the index date",
    "pre_confidence": "confidence score before the index date",
    "pre_growth": "growth score before the index date",
}


def _intervals_text(effects: pd.DataFrame, n_bootstrap: int, bootstrap_below: int | None = None) -> str:
    """What the effect table's ``ci_method`` column says the intervals are, in words."""
    methods = effects["ci_method"].fillna("") if "ci_method" in effects else pd.Series(dtype=str)
    n_influence = int((methods == "influence function").sum())
    n_boot = int(methods.str.startswith("percentile bootstrap").sum())
    influence = (
        "the influence function (the infinitesimal jackknife): each person's pull on the estimate, "
        "through both the propensity and the outcome model, summed by person (a person who is a "
        "comparison in several intakes counts as one), gives the standard error, and the interval is "
        "the estimate plus or minus 1.96 of them. It is what the bootstrap approximates by resampling, "
        "at the cost of one fit instead of hundreds. The interval study "
        "(studies/results/interval_study.md, 150 generated organisations of 300 to 2,000 people) "
        "found the two covering alike wherever an estimate had 30 or more mentored people "
        "(94.3% and 92.9% of the planted effects)"
    )
    bootstrap = (
        f"the percentile bootstrap, {n_bootstrap} replicates with a fixed seed, resampling people (a "
        "person who is a comparison in several intakes is resampled as one) and refitting both models "
        "each time"
    )
    if n_boot and not n_influence:
        return f"- **Confidence intervals** (95%) come from {bootstrap}."
    if n_boot and n_boot > n_influence:
        return (
            f"- **Confidence intervals** (95%) come from {bootstrap}, except for {n_influence} estimate(s) "
            f"covering so many people that they come from {influence}. The `ci_method` column says which."
        )
    small = (
        ""
        if not n_boot
        else (
            f" {n_boot} estimate(s) of few mentored people"
            + (f" (fewer than {bootstrap_below})" if bootstrap_below else "")
            + f" take theirs from {bootstrap} instead: with so few people the study found the influence "
            "function's interval too narrow (87.9% coverage against the bootstrap's 95.3%), and the bootstrap of "
            "so few people is cheap."
        )
    )
    return (
        f"- **Confidence intervals** (95%) come from {influence}.{small} The bootstrap is available for "
        "every estimate (`MENTORSHIP_CI_METHOD=bootstrap`); the `ci_method` column of every estimate says "
        "which was used."
    )


def _falsification_text(checks: pd.DataFrame | None, m=None) -> str:
    """The falsification tests' results (``mentorship.falsification``) in words and a table."""
    from mentorship import falsification

    if checks is None or checks.empty:
        return "Not run for this build."
    lines = [
        "Estimates whose true value is zero, made on this organisation's data by the same code as the "
        "real ones. Each runs as a Dagster asset check on `falsification_checks` (a warning, not a block).",
        "",
    ]
    for check, label in falsification.CHECKS.items():
        passed, line = falsification.summary(checks, check)
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
    return "\n".join(lines)


def _n(v) -> str:
    return "hidden" if pd.isna(v) else f"{int(v):,}"


def methodology_markdown(
    effects: pd.DataFrame,
    n_bootstrap: int,
    trim: float,
    min_group_size: int,
    bootstrap_below: int | None = None,
    checks: pd.DataFrame | None = None,
    metrics=None,
) -> str:
    falsification = _falsification_text(checks, metrics)
    overall = effects[effects.segment_type == "overall"]
    used = overall[~overall.suppressed]
    poorly = used[used.max_abs_smd_after > SMD_TARGET]
    n_all = (used.n_treated + used.n_control).astype(float)
    n_used = (used.n_treated_used + used.n_control_used).astype(float)
    trimmed_share = float(((n_all - n_used) / n_all).max()) if len(used) else 0.0
    covs = "\n".join(f"  - `{c}`: {COVARIATE_WORDS.get(c, c)}" for c in COVARIATES)
    horizons = effects.horizon_months.dropna().unique()
    horizon_words = and_list(sorted(int(h) for h in horizons)) or "6, 12 and 24"
    headline = ", ".join(
        f"{o.replace('_', ' ')}{f' at {h} months' if h else ''}" for o, h in headline_outcomes(horizons)
    )
    intervals = _intervals_text(effects, n_bootstrap, bootstrap_below)
    influence_note = ""
    sampled = effects["warnings"].fillna("").str.extract(r"comparison group: a random ([0-9.]+%) sample")[0].dropna()
    if len(sampled):
        influence_note += (
            f"\n- **A sampled comparison group.** The organisation is so large that {len(sampled)} estimate(s) "
            f"compare the mentored with a random {', '.join(sorted(set(sampled)))} sample of comparison people "
            "(drawn once, the same people in every estimate, each weighted up to stand for those not drawn). "
            "The sample is a smaller comparison group from the same population, so the estimate stays "
            "unbiased and its interval includes the sampling error; the comparison counts shown are of the sample."
        )
    return f"""# How the effects are estimated

## The question
What does mentoring do for the people in it, beyond what they would have done anyway? People who
volunteer for mentoring differ from those who do not: in our data they are more engaged and better
rated before they start. A raw comparison of the two groups mixes those differences with the effect
of the program. Every figure therefore comes in two forms: the **raw difference**, labelled as
such, and the **adjusted effect on the mentored** (the ATT: what mentoring changed for the people
who were mentored), with its 95% confidence interval.

## Design
- **Who is compared.** Each mentee (and, separately, each mentor) from the start of their first
  pair: the index date. For every intake, the comparison group is everyone employed on the intake's
  first start date, at a job level seen among that intake's mentees (or mentors) and with at least
  the shortest tenure among them, who is not yet in the program. Their index date is the intake
  start.
- **No borrowed time.** A comparison person who joins the program later is followed only until
  the day they join (censored), and time before a mentee's start never counts as mentored time.
- **Censoring weights.** Those who join later are not a random few (a new rating or a promotion
  moves people to join, and also keeps them and gets them promoted), so the comparison people who
  stay are weighted up by the inverse of their modelled chance of staying out (a logistic regression
  of joining at each later intake on what was known then: rating, level, department, tenure, pay
  position, latest survey scores). Every career outcome uses the same weights: promotion and retention by
  horizon, the survival curves and the hazard ratios (the comparison person's weight rises at each
  later intake they stay out of), and salary growth, moving into management and changing department
  (each comparison person observed to the horizon counts with their weight at the horizon, for
  themselves and for the like people who joined an intake that started by then). The survey changes
  need none: the first wave after the index date comes before the next intake.
- **Outcomes** are measured {horizon_words} calendar months after the index date, only for people
  observed that long: promotion, retention (no voluntary exit), salary growth, moving into people
  management and changing department; time to voluntary exit and to first promotion; and survey
  constructs as the change to the first wave after the index date. A horizon of h months ends on
  the index date plus h calendar months (the 31st becomes the month's last day), and an event on
  that day is inside it: a promotion dated the horizon date counts, and a person whose last working
  day is the horizon date was still there. The curves, the horizon probabilities and the career
  outcomes all count time this way, so they count the same events.

## Adjustment
- **Covariates**, all measured on or before the index date:
{covs}
- **Propensity score.** A logistic regression of being mentored on these covariates (numeric ones
  standardised, with a missing-value indicator; categorical ones one-hot, missing as its own level,
  levels under 0.5% pooled).
- **Weights.** Mentored people weigh 1; each comparison person weighs e/(1 - e), their odds of being
  mentored, so the weighted comparison group resembles the mentored group on every covariate.
- **Trimming.** People whose propensity is above {1 - trim} are left out, because nobody comparable
  stayed unmentored; at most {trimmed_share:.1%} of the people in any overall estimate were trimmed.
  Counts before and after trimming are in the effect table.
- **Balance.** For every covariate the standardized mean difference (SMD) is reported before and
  after weighting; the target is |SMD| under {SMD_TARGET}. {len(poorly)} of {len(used)} overall
  estimates miss it{": " + ", ".join(sorted(set(poorly.role + " " + poorly.outcome))) if len(poorly) else ""}; those carry a warning.
- **Binary and continuous outcomes** use a doubly robust estimator (augmented inverse probability
  weighting): a model of the outcome without mentoring, fitted on the comparison group, is
  corrected by the weighted residuals, so the estimate holds if either the propensity model or the
  outcome model is right.
- **Survey constructs** are estimated three ways on the same people (those with two answered waves
  before the index date and one after), because the right design depends on how people came to the
  program, which the data cannot tell:
  - *Difference-in-differences*: the change from the last wave before, with earlier scores left out
    of the adjustment. Right when volunteers differ by a stable trait (high scores every wave). Too
    low when they were chosen on the recorded score itself: that score was high partly by chance and
    falls back afterwards (regression to the mean).
  - *Adjusted for the last score*: the same change, weighted and modelled on the last scores. Right
    when volunteers were chosen on the recorded score; too high when they differ by a stable trait.
    Between them, the two bracket the effect.
  - *The headline*: the change from the wave **before** the last one, adjusted for the last score.
    A stable trait cancels in any change, and the chance part of the wave people were chosen on is
    not in this one, so it is right in both worlds, as long as a person's wave-to-wave noise is not
    carried from one wave to the next. `tests/test_selection_designs.py` plants both worlds and
    checks all three. The survey page shows the headline with the bracket beside it.
- **Time to event** uses a Cox model of the hazard on mentoring alone, weighted, with robust
  (sandwich) standard errors: a hazard ratio below 1 for voluntary exit means fewer exits.
  Weighted Kaplan-Meier curves show retention over time.

## Uncertainty and sensitivity
{intervals} Hazard ratios use the robust standard error.{influence_note}
- **E-value.** How strong an unmeasured confounder would have to be, associated with both mentoring
  and the outcome (as a risk ratio), to explain the effect away; and the same for the confidence
  limit nearest to no effect (1 means the interval already includes no effect).

## Segments and dose
Effects by {", ".join(SEGMENTS).replace("_", " ")} for the headline outcomes ({headline}). A
segment with fewer than {min_group_size} mentored or comparison people is suppressed with its reason.
Where a hidden count could be worked out from any published total (the overall row, another table
showing the same people), more counts are hidden until none can: the publication gate, described in
docs/privacy.md in the project, does this over every published table at once.

Dose, among mentees, in two ways, each band of mentees against the whole comparison group with
the same adjustment. Both are measured over the pair's first 90 days (its whole life if it ended
sooner; an active pair younger than that has no band yet):
- **Cadence:** meetings a month: under 1 (low), 1 to 2 (medium), 2 or more (high).
- **Regularity:** the longest stretch without a meeting, counted from the pair's start to the end of
  the window, so a pair that met often and then stopped is not regular: over 9 weeks (low), 6 to 9
  weeks (medium), 6 weeks or less (high).

Why a fixed early window: a pair closes when either person leaves, so over a whole life the bands
would be tangled with the outcome (a mentee who left in month four has a short, tidy record). The
bands are still measured after the pair started and are not assigned at random; they also reflect
how engaged the pair was, which the pre-index covariates only partly capture. Read a gradient
across bands as a pattern consistent with dose-response, not as the effect of adding meetings.

## Falsification tests
{falsification}

## How well this recovers known effects
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
  outcome above is the check for it.

## What the estimates assume
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
   before it.
"""


def glossary_html() -> str:
    """The glossary every card links to (``methodology.html#glossary-<term>``): one vocabulary for every
    page. Every figure is a row of the metrics table (``metrics.csv`` beside the exports), which holds
    its definition in words."""
    items = "".join(
        f'<dt id="glossary-{html.escape(a)}"><b>{html.escape(t)}</b></dt><dd>{html.escape(d)}</dd>'
        for a, t, d in GLOSSARY
    )
    return (
        f'<h2 id="glossary">Glossary</h2><p>The words every page uses, in one place. Every figure on the pages '
        f"is a row of the metrics table (<code>metrics.csv</code> beside the exports), with its definition, "
        f"population, estimator and status.</p><dl>{items}</dl>"
    )


def build_methodology(
    effects: pd.DataFrame,
    out_dir: Path,
    n_bootstrap: int,
    trim: float,
    min_group_size: int,
    bootstrap_below: int | None = None,
    checks: pd.DataFrame | None = None,
    metrics=None,
) -> tuple[Path, Path]:
    md = methodology_markdown(effects, n_bootstrap, trim, min_group_size, bootstrap_below, checks, metrics)
    out_dir.mkdir(parents=True, exist_ok=True)
    md_path = out_dir / "methodology.md"
    md_path.write_text(
        md + "\n## Glossary\n\n" + "\n".join(f"- **{term}**: {meaning}" for _, term, meaning in GLOSSARY) + "\n",
        encoding="utf-8",
    )
    html_path = out_dir / "methodology.html"
    html_path.write_text(
        page(
            "Methodology",
            "How the adjusted effects are estimated",
            mistune.html(md).replace("<table>", '<table class="data">') + glossary_html(),
            filename="methodology.html",
        ),
        encoding="utf-8",
    )
    return md_path, html_path
