"""Outcome layer: career and survey outcomes per cohort member, survival times, pair engagement, program
health and activity, and the ROI case's inputs (``assets/sql/outcomes/``)."""

from assets._sql import layer_assets

outcome_assets = layer_assets("outcomes")
