"""How an estimate is made, as the note tells it: the question, the design, the adjustment (covariates,
weights, trimming, balance, the estimator for each kind of outcome) and the segments and dose bands."""

from __future__ import annotations

import pandas as pd

from mentorship.effect_tables import COVARIATES, SEGMENTS, headline_outcomes
from mentorship.effects import SMD_TARGET
from mentorship.metrics import and_list

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

QUESTION = """## The question
What does mentoring do for the people in it, beyond what they would have done anyway? People who
volunteer for mentoring differ from those who do not: in our data they are more engaged and better
rated before they start. A raw comparison of the two groups mixes those differences with the effect
of the program. Every figure therefore comes in two forms: the **raw difference**, labelled as
such, and the **adjusted effect on the mentored** (the ATT: what mentoring changed for the people
who were mentored), with its 95% confidence interval."""


def design(horizons) -> str:
    """Who is compared with whom from when, the censoring weights, and the outcomes at ``horizons``."""
    horizon_words = and_list(sorted(int(h) for h in horizons)) or "6, 12 and 24"
    return f"""## Design
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
  outcomes all count time this way, so they count the same events."""


#: The estimator for each kind of outcome: the second half of the adjustment section.
ESTIMATORS = """- **Binary and continuous outcomes** use a doubly robust estimator (augmented inverse probability
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
  Weighted Kaplan-Meier curves show retention over time."""


def adjustment(effects: pd.DataFrame, trim: float) -> str:
    """Covariates, propensity, weights, trimming and balance (with the effect table's figures), then the
    estimators."""
    overall = effects[effects.segment_type == "overall"]
    used = overall[~overall.suppressed]
    poorly = used[used.max_abs_smd_after > SMD_TARGET]
    n_all = (used.n_treated + used.n_control).astype(float)
    n_used = (used.n_treated_used + used.n_control_used).astype(float)
    trimmed_share = float(((n_all - n_used) / n_all).max()) if len(used) else 0.0
    covs = "\n".join(f"  - `{c}`: {COVARIATE_WORDS.get(c, c)}" for c in COVARIATES)
    missing = ": " + ", ".join(sorted(set(poorly.role + " " + poorly.outcome))) if len(poorly) else ""
    return f"""## Adjustment
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
  estimates miss it{missing}; those carry a warning.
{ESTIMATORS}"""


def segments_and_dose(horizons, min_group_size: int) -> str:
    """The segments the headline outcomes are broken down by, the suppression rule, and the dose bands."""
    headline = ", ".join(
        f"{o.replace('_', ' ')}{f' at {h} months' if h else ''}" for o, h in headline_outcomes(horizons)
    )
    return f"""## Segments and dose
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
across bands as a pattern consistent with dose-response, not as the effect of adding meetings."""
