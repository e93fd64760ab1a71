"""The index page: every page with a line on what it shows, the metrics table and the leadership packs."""

from __future__ import annotations

from pathlib import Path

from dashboards.pages.common import Exports, horizons_text, write
from dashboards.theme import PAGES, Page, esc


def index(x: Exports, out: Path) -> Path:
    p = Page("index.html", "Mentorship program dashboards", f"Data as of {x.as_of}.")
    blurbs = {
        "executive.html": "the four headline outcomes, adjusted and raw, in plain words",
        "retention.html": f"who stays: curves, hazard ratio, retention at {horizons_text(x.m)}",
        "promotion.html": "promotion, pay growth, moves into management and across departments",
        "survey.html": "satisfaction, engagement and other survey constructs before and after",
        "program.html": "for HR: pairs, meeting cadence, goals, ratings, dose-response, pairs going quiet",
        "equity.html": "whether the program helps every department, level, gender and age group",
        "mentors.html": "what mentoring does for mentors",
        "roi.html": "for HR: cost, benefit and ROI with its interval and assumptions",
        "quality.html": "for analysts: validation status, quarantine counts, freshness",
        "methodology.html": "how the numbers are made, what they assume, and the glossary",
    }
    items = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a>: {esc(blurbs[h])}</li>' for h, t in PAGES if h in blurbs)
    items += (
        '<li><a href="outcome_comparison.html">Raw comparison</a>: every outcome, mentored vs comparison, '
        'unadjusted, with counts</li><li><a href="validation_report.html">Validation report</a>: every rule '
        "per source</li>"
    )
    p.add(f"<ul>{items}</ul>")
    p.add(
        '<p class="howto">Every figure on these pages is a row of one metrics table, '
        "<code>metrics.csv</code> beside the exports, with its definition, population, estimator and status.</p>"
    )
    p.add(
        '<p class="howto">Packs for leadership: <a href="packs/executive.pdf">executive summary (PDF)</a>, '
        '<a href="packs/roi.pdf">ROI (PDF)</a>, <a href="packs/program.pdf">program health (PDF, without the list of '
        "pairs at risk)</a>, with PNG versions beside them, when the pipeline could render them.</p>"
    )
    return write(p, out)
