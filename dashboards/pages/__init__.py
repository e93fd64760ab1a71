"""Every dashboard page, built from the metrics table only (``mentorship.metrics``), never the warehouse.

``build_all(export_dir, out_dir, ...)`` writes the index and the ten pages. Each page is static HTML
that works from ``file://`` with no network: plotly.js is embedded once per page, and filters switch
between pre-computed slices in the browser.

Every figure on a page is a metric: a number in a card or table is a ``<span data-metric="id">``, a
point in a chart carries its id in ``customdata``, and both show the metric's value formatted by
``mentorship.metrics.display``. So the pages, the packs printed from them and the run summary agree to
the last digit, and ``tests/test_consistency.py`` checks it.

One module per page (``executive``, ``retention``, ``promotion``, ``survey``, ``program`` with
``at_risk``, ``equity``, ``mentors``, ``roi``, ``quality``, ``index``) and per shared concern: ``markup``
(a figure as markup), ``filters`` (filter values and metric ids), ``charts``, ``tables``, ``cards``,
``horizons`` and ``groups`` (what several pages show alike), ``common`` (the exports and writing a page),
and ``build`` (every page of a run).
"""

from __future__ import annotations

from dashboards.pages.build import build_all
from dashboards.pages.filters import base_id
from dashboards.pages.markup import ci, fig, glossary, people, published
from dashboards.pages.tables import effect_table

__all__ = ["base_id", "build_all", "ci", "effect_table", "fig", "glossary", "people", "published"]
