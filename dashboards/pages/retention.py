"""The retention page: who stays, at each horizon, by segment, and the curves of staying."""

from __future__ import annotations

from pathlib import Path

from dashboards.pages.common import Exports, horizons_text, write
from dashboards.pages.horizons import Survival, by_horizon, survival
from dashboards.pages.tables import filtered_tables
from dashboards.theme import Page


def retention(x: Exports, out: Path) -> Path:
    m = x.m
    p = Page("retention.html", "Retention", f"Data as of {x.as_of}. Voluntary exits; involuntary exits compete.")
    filt = by_horizon(
        p,
        m,
        "retained",
        f"Retention at {horizons_text(m)}",
        "percentage points more mentored people still with the company at each horizon (blue: "
        "adjusted, with 95% interval; grey: raw).",
    )
    p.add(filtered_tables(m, "mentee", [("retained", "Retained (no voluntary exit)")], filt))
    survival(
        p,
        m,
        Survival(
            "time_to_voluntary_exit",
            "Hazard ratio of leaving (adjusted)",
            "Below 1 means mentored people left less often than comparable colleagues at any given time.",
            "Staying with the company, mentored vs comparable colleagues",
            "the lines show the share still with the company (no voluntary exit) each month after the index date; "
            f"the comparison line is weighted to look like the mentored, so at {horizons_text(m)} the two lines are "
            "the table's mentored and comparable-colleague figures; shaded bands are 95% intervals.",
        ),
    )
    return write(p, out)
