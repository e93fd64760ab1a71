"""What the effect tables estimate: the pre-index covariates, the censoring model's covariates, every
outcome family (by a horizon, career, survival, survey designs), the headline outcomes, and the
segments and dose bands the headline outcomes are broken down by."""

from __future__ import annotations

from mentorship.settings import headline_horizon

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
