"""The equity page: does the program help every group? The headline outcomes' adjusted effects by group,
each with a test of whether they differ across a breakdown's groups."""

from __future__ import annotations

from pathlib import Path

from dashboards.pages.charts import forest_figure
from dashboards.pages.common import Exports, headline, write
from dashboards.pages.filters import base_id
from dashboards.pages.groups import BREAKDOWNS, differs, group_rows
from dashboards.pages.markup import published
from dashboards.theme import Page
from mentorship.metrics import Metrics


def equity(x: Exports, out: Path) -> Path:
    m = x.m
    p = Page(
        "equity.html",
        "Equity: does the program help every group?",
        f"Data as of {x.as_of}. Adjusted effects by group, with the group's mentored people in brackets; groups "
        "too small to say anything are suppressed.",
    )
    tests = _tests(m)
    p.add(
        f'<div class="note">Under each chart, a test of whether the effect differs across the groups of each '
        f"breakdown (Cochran's Q over the groups shown). With {tests} such tests on this page, about "
        f'{tests * 0.05:.0f} would show a difference at the 5% level by chance alone: read a single "differs" as a '
        f"lead to look into, not a finding.</div>"
    )
    for outcome, h, title in headline(m):
        rows = group_rows(m, "mentee", outcome, h)
        if len(rows) == 1:
            continue
        unit = ("adjusted effect, pts", "pts") if h else ("adjusted effect, on the 1–5 scale", "on the 1–5 scale")
        p.figure(
            forest_figure(m, [(None, rows)], f"{title}{f' at {h} months' if h else ''} by group", *unit),
            "each row is one group's adjusted effect with its 95% interval (blue) and raw difference (grey); "
            "'suppressed' means too few mentored or comparison people in that group to show.",
        )
        p.add(
            f'<div class="howto"><b>Does the effect differ between groups?</b>{differs(m, "mentee", outcome, h)}</div>'
        )
    return write(p, out)


def _tests(m: Metrics) -> int:
    """How many heterogeneity tests the page shows (one per headline outcome and breakdown published)."""
    return sum(
        1
        for o, h, _ in headline(m)
        for st in BREAKDOWNS
        if published(m, f"{base_id('mentee', o, h)}.heterogeneity.{st}")
    )
