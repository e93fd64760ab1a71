"""Cohort layer: job events, survey construct scores and the cohort table (``assets/sql/cohorts/``)."""

from assets._sql import layer_assets


def cohort_assets(engine: str = "duckdb"):
    return layer_assets("cohorts", engine)
