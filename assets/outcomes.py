"""Outcome layer: career and survey outcomes per cohort member, survival times, pair engagement."""

from assets._sql import sql_asset

career_outcomes = sql_asset(
    "career_outcomes",
    ["cohort_members", "job_events"],
    "outcomes",
    "Promotion, voluntary exit, retention, salary growth, moves into people management and department "
    "changes at each horizon (6, 12, 24 months), flagged observed only when the horizon has passed "
    "uncensored.",
)

survival_times = sql_asset(
    "survival_times",
    ["cohort_members", "job_events"],
    "outcomes",
    "Days from index to voluntary exit and to first promotion, with event flags and censoring at the "
    "as-of date, at joining the program, and (for promotion) at any exit.",
)

censoring_risk = sql_asset(
    "censoring_risk",
    ["cohort_members", "survey_scores", "validated_job_history", "validated_mentorship_pairs"],
    "outcomes",
    "Per comparison member and later cohort they were still followed up at: what was known about them on "
    "that cohort's start and whether they joined it. The censoring model behind the comparison group's "
    "inverse-probability-of-censoring weights.",
)

survey_outcomes = sql_asset(
    "survey_outcomes",
    ["cohort_members", "survey_scores"],
    "outcomes",
    "Per member and construct: the last wave before the index date, the first after it, and the change.",
)

pair_engagement = sql_asset(
    "pair_engagement",
    ["validated_mentorship_pairs", "validated_meetings", "cohort_members"],
    "outcomes",
    "Per pair: meetings, meetings per month, gaps between meetings, the longest stretch without one, days "
    "since the last meeting, goals met, mean mentee rating, and the dose bands over its first 90 days: "
    "cadence (meetings a month) and regularity (longest stretch without a meeting).",
)

program_health = sql_asset(
    "program_health",
    ["pair_engagement"],
    "outcomes",
    "Per program and cohort (and overall): pairs by status, meetings per pair per month, gaps between "
    "meetings, goals set and met, mentee ratings, and pairs by cadence and by regularity band. Unsuppressed: "
    "published only through the publication gate.",
)

survey_prepost = sql_asset(
    "survey_prepost",
    ["survey_outcomes"],
    "outcomes",
    "Mean construct score before and after the index date per role, construct and group, the means the "
    "difference-in-differences compares. Unsuppressed: published only through the publication gate.",
)

roi_inputs = sql_asset(
    "roi_inputs",
    ["cohort_members", "pair_engagement"],
    "outcomes",
    "The ROI case's inputs as aggregates: mentees, pairs, mentoring hours and the mentees' mean salary.",
)

program_activity = sql_asset(
    "program_activity",
    ["validated_mentorship_pairs", "validated_meetings", "cohort_members"],
    "outcomes",
    "Per calendar month, per program and for all programs: the pairs running and the meetings they held, the "
    "program-health trend over time. Unsuppressed: published only through the publication gate.",
)
