"""Comparison layer: the raw mentored-vs-comparison table."""

from assets._sql import sql_asset

outcome_comparison = sql_asset(
    "outcome_comparison", ["career_outcomes", "survey_outcomes"], "comparisons",
    "Raw mentored vs comparison means per role, outcome and horizon with counts and a naive standard error. "
    "Not adjusted for self-selection. Unsuppressed: published only through the publication gate.")
