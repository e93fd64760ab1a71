"""Cohort layer: job events, survey construct scores and the cohort table."""

from assets._sql import sql_asset

job_events = sql_asset(
    "job_events",
    ["validated_job_history"],
    "cohorts",
    "Job history rows flagged with the change each records: promotion (level increase), department move, "
    "move into people management.",
)

survey_scores = sql_asset(
    "survey_scores",
    ["validated_survey_responses", "validated_survey_items"],
    "cohorts",
    "Construct score per respondent and wave: the mean of the answered items the dictionary maps to it.",
)

cohort_members = sql_asset(
    "cohort_members",
    [
        "validated_employees",
        "validated_mentorship_pairs",
        "validated_meetings",
        "validated_job_history",
        "validated_survey_responses",
        "job_events",
        "survey_scores",
    ],
    "cohorts",
    "Mentees and mentors with index dates (first pair start), and per cohort an eligible comparison group "
    "indexed on the cohort start, censored when they later join; with pre-index covariates.",
)
