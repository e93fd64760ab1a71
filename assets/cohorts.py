"""Cohort layer: job events, survey construct scores and the cohort table (``assets/sql/cohorts/``)."""

from assets._sql import layer_assets

cohort_assets = layer_assets("cohorts")
