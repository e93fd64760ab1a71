"""The metrics table: every figure the product publishes, one row each, built once from the tables the
publication gate has let through (``mentorship.publication``), the ROI and the validation summary.

Pages, packs, the ``make run`` summary and the methodology note read this table and format its values
with ``display``; none of them computes a figure. So a figure with one ``metric_id`` reads the same
everywhere, to the last digit.

A row says what the figure is (``metric_id``, ``label``, ``definition``), of whom (``role``,
``segment_type``, ``segment``, ``horizon_months``, ``group``), how it was estimated (``estimator``:
raw, weighted or adjusted), its ``value`` and 95% interval in its ``unit``, the people and
person-intakes behind it, the as-of date, and whether it is published (``status``: published,
suppressed, or not_estimated, with ``reason``).

Plain pandas; no Dagster import.
"""

from __future__ import annotations

from mentorship.metrics.build import as_of_date, build_metrics
from mentorship.metrics.effect_figures import effect_rows
from mentorship.metrics.formatting import and_list, display, display_scale
from mentorship.metrics.glossary import GLOSSARY
from mentorship.metrics.heterogeneity import cochran_q
from mentorship.metrics.reader import Metrics
from mentorship.metrics.roi_figures import roi_case, roi_rows
from mentorship.metrics.rows import COLUMNS, STATUSES, metric_id

__all__ = [
    "COLUMNS",
    "GLOSSARY",
    "STATUSES",
    "Metrics",
    "and_list",
    "as_of_date",
    "build_metrics",
    "cochran_q",
    "display",
    "display_scale",
    "effect_rows",
    "metric_id",
    "roi_case",
    "roi_rows",
]
