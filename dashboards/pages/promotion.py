"""The promotion and growth page: promotion at each horizon, by segment, and its curves; pay growth, moves
into management and across departments."""

from __future__ import annotations

from pathlib import Path

from dashboards.pages.charts import forest_figure
from dashboards.pages.common import Exports, horizons_text, write
from dashboards.pages.filters import base_id
from dashboards.pages.horizons import Survival, by_horizon, survival
from dashboards.pages.tables import effect_table, filtered_tables
from dashboards.theme import Page, months

GROWTH = [
    ("salary_growth", "Salary growth"),
    ("became_people_manager", "Moved into people management"),
    ("changed_department", "Changed department (internal mobility)"),
]


def promotion(x: Exports, out: Path) -> Path:
    m = x.m
    p = Page("promotion.html", "Promotion and growth", f"Data as of {x.as_of}.")
    filt = by_horizon(
        p,
        m,
        "promoted",
        f"Promoted by {horizons_text(m)}",
        "percentage points more mentored people promoted by each horizon (blue: adjusted with 95% "
        "interval; grey: raw).",
    )
    p.add(filtered_tables(m, "mentee", [("promoted", "Promoted")], filt))
    survival(
        p,
        m,
        Survival(
            "time_to_promotion",
            "Hazard ratio of promotion (adjusted)",
            "Above 1 means mentored people were promoted sooner than comparable colleagues.",
            "Time to first promotion",
            "the share promoted at least once by each month after the index date; a steeper blue line means faster "
            "promotion; shaded bands are 95% intervals.",
        ),
    )
    sets = [(None, [(months(h), base_id("mentee", "salary_growth", h)) for h in m.horizons])]
    p.figure(
        forest_figure(m, sets, "Salary growth", "pts of pay", "pts of pay", height=300),
        "how many percentage points of pay more the mentored's pay grew than comparable colleagues' (blue: "
        "adjusted with 95% interval; grey: raw).",
        unfiltered="all mentees",
    )
    sets = [(None, [(f"{label}, {months(h)}", base_id("mentee", o, h)) for o, label in GROWTH[1:] for h in m.horizons])]
    p.figure(
        forest_figure(m, sets, "Management and mobility", "pts (percentage points of people)", "pts"),
        "percentage points more mentored people who moved into management or changed department. Blue: "
        "adjusted with 95% interval; grey: raw.",
        unfiltered="all mentees",
    )
    p.add(
        Page.unfiltered(effect_table(m, "mentee", [("time_to_promotion", "Time to promotion")] + GROWTH), "all mentees")
    )
    return write(p, out)
