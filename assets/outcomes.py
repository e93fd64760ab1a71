"""Outcome layer: career and survey outcomes per cohort member, survival times, pair engagement, program
health and activity, and the ROI case's inputs (``assets/sql/outcomes/``)."""

from assets._sql import layer_assets


def outcome_assets(engine: str = "duckdb"):
    return layer_assets("outcomes", engine)
