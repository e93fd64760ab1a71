"""The mentors page: what mentoring does for the mentor, against colleagues at the same levels who did
not mentor."""

from __future__ import annotations

from pathlib import Path

from dashboards.pages.cards import card
from dashboards.pages.charts import curves_figure, forest_figure
from dashboards.pages.common import Exports, data_period, headline, write
from dashboards.pages.filters import base_id
from dashboards.pages.groups import differs, group_rows
from dashboards.pages.survey import BRACKET_NOTE, constructs, survey_bracket
from dashboards.pages.tables import effect_table
from dashboards.theme import Page, esc, months
from mentorship.metrics import Metrics

MENTOR_OUTCOMES = [
    ("promoted", "Promoted"),
    ("retained", "Retained"),
    ("became_people_manager", "Moved into people management"),
]


def mentors(x: Exports, out: Path) -> Path:
    m = x.m
    p = Page(
        "mentors.html",
        "Mentors: what mentoring does for the mentor",
        f"Mentors of {data_period(m, 'mentor')}. Mentors against colleagues at the same levels who did not mentor.",
    )
    p.add(
        '<div class="cards">' + "".join(card(m, "mentor", o, h, t, who="Mentors") for o, h, t in headline(m)) + "</div>"
    )
    _by_group(p, m)
    names = constructs(m, "mentor")
    _forests(p, m, names)
    p.figure(
        curves_figure(m, "mentor", "time_to_voluntary_exit", "Mentors staying with the company"),
        "share of mentors and comparable colleagues still with the company by month; bands are 95% intervals.",
    )
    p.add(
        effect_table(
            m,
            "mentor",
            MENTOR_OUTCOMES + [("salary_growth", "Salary growth")] + [(f"{c}_change", c.capitalize()) for c in names],
        )
    )
    p.add("<h2>Survey constructs: three designs, side by side</h2>")
    p.add(survey_bracket(m, "mentor", names))
    p.add(f'<p class="howto">{esc(BRACKET_NOTE)}</p>')
    return write(p, out)


def _by_group(p: Page, m: Metrics) -> None:
    """Promotion and retention of mentors by group, each with its test of a difference between groups."""
    for outcome, h, title in headline(m)[:2]:
        rows = group_rows(m, "mentor", outcome, h)
        if len(rows) > 1:
            p.figure(
                forest_figure(
                    m, [(None, rows)], f"Mentors: {title.lower()} at {h} months by group", "adjusted effect, pts", "pts"
                ),
                "each row is one group of mentors (their number in brackets): the adjusted effect with its 95% "
                "interval (blue) and the raw difference (grey).",
            )
            p.add(
                f'<div class="howto"><b>Does the effect differ between groups?</b>'
                f"{differs(m, 'mentor', outcome, h)}</div>"
            )


def _forests(p: Page, m: Metrics, names: list[str]) -> None:
    """Mentors' career outcomes, pay growth and survey constructs, adjusted."""
    sets = [
        (None, [(f"{label}, {months(h)}", base_id("mentor", o, h)) for o, label in MENTOR_OUTCOMES for h in m.horizons])
    ]
    p.figure(
        forest_figure(m, sets, "Career outcomes of mentors", "pts (percentage points)", "pts"),
        "blue: adjusted effect on mentors with its 95% interval; grey: raw difference; right of the line means more.",
    )
    sets = [(None, [(months(h), base_id("mentor", "salary_growth", h)) for h in m.horizons])]
    p.figure(
        forest_figure(m, sets, "Salary growth of mentors", "pts of pay", "pts of pay", height=300),
        "how many percentage points of pay more mentors' pay grew than comparable colleagues'.",
    )
    sets = [(None, [(c.capitalize(), base_id("mentor", f"{c}_change", None)) for c in names])]
    p.figure(
        forest_figure(
            m, sets, "Survey constructs of mentors (adjusted change)", "On the 1–5 scale", "on the 1–5 scale"
        ),
        "the extra change in each survey score for mentors against comparable colleagues.",
    )
