"""The survey page: satisfaction, engagement and the other constructs, adjusted by segment, raw means
before and after, and the three designs that bracket the headline estimate."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go

from dashboards.pages.charts import forest_figure
from dashboards.pages.common import Exports, write
from dashboards.pages.filters import base_id, effects_filter
from dashboards.pages.markup import ci, fig, people, published
from dashboards.pages.tables import filtered_tables
from dashboards.theme import COMPARISON, MENTORED, Html, Page, esc, table
from mentorship.metrics import Metrics

BRACKET_NOTE = (
    "Which design is right depends on how people came to the program, which the data cannot tell. The "
    "difference-in-differences is right if volunteers differ by a lasting trait, and too low if they were "
    "picked on the score itself (a score high partly by chance falls back afterwards). Adjusting for the last "
    "score is right in the second case and too high in the first. The headline measures the change from the "
    "survey before the last one, adjusted for the last: right in both cases, as long as a person's "
    "survey-to-survey noise is not carried over. The other two bracket the true effect when selection runs one way; "
    "each estimate has its own chance error, so the headline can fall just outside them. All three use the same "
    "people (those with two surveys before the start and one after)."
)


def survey_bracket(m: Metrics, role: str, constructs: list[str]) -> str:
    """Per construct: the headline survey estimate and the two designs that bracket it, side by side."""
    rows = []
    for c in constructs:
        cells = [c.capitalize()]
        for suffix in ("_change", "_change_did", "_change_adjusted"):
            a = f"{base_id(role, c + suffix, None)}.adjusted_effect"
            cells.append(Html(f"{fig(m, a)} ({ci(m, a)})") if published(m, a) else fig(m, a))
        rows.append(cells)
    return table(
        rows,
        [
            "Construct",
            "Headline: from the survey before last, adjusted (95% CI)",
            "Difference-in-differences (95% CI)",
            "Adjusted for the last score (95% CI)",
        ],
    )


def constructs(m: Metrics, role: str) -> list[str]:
    """The survey constructs with means for ``role``, in the alphabet's order."""
    f = m.frame
    return sorted(f[(f.family == "survey_means") & (f.role == role)].outcome.dropna().unique())


def survey(x: Exports, out: Path) -> Path:
    m = x.m
    p = Page("survey.html", "Satisfaction and engagement", f"Data as of {x.as_of}. Survey constructs, 1 to 5 scale.")
    names = constructs(m, "mentee")
    filt = effects_filter(p, m, [(f"{c}_change", None) for c in names])
    sets = filt.sets(lambda key: [(c.capitalize(), base_id("mentee", f"{c}_change", None, key)) for c in names])
    p.figure(
        forest_figure(m, sets, "Adjusted effect per construct", "on the 1–5 scale", "on the 1–5 scale"),
        "how much more the score of mentored people rose by the first survey after they started than that of "
        "comparable colleagues, with 95% intervals (blue) and the raw difference (grey).",
    )
    p.add(filtered_tables(m, "mentee", [(f"{c}_change", c.capitalize()) for c in names], filt))
    p.add("<h2>For all mentees</h2>")
    p.figure(
        _means_figure(m, names),
        "pale bars are the survey before the index date, solid bars the first after; blue for the mentored, "
        "orange for the comparison group. These are raw means of everyone with a survey before and after, "
        "more people than the adjusted effects above use (those with two surveys before the start: see "
        "the three designs below).",
        unfiltered="all mentees",
    )
    p.add("<h2>Three designs, side by side</h2>")
    p.add(
        Page.unfiltered(survey_bracket(m, "mentee", names) + f'<p class="howto">{esc(BRACKET_NOTE)}</p>', "all mentees")
    )
    rows = [
        [c.capitalize(), g, people(m, f"mentee.{c}.survey_means.{g}.people", g)]
        + [fig(m, f"mentee.{c}.survey_means.{g}.{col}") for col in ("pre_mean", "post_mean")]
        for c in names
        for g in ("mentored", "comparison")
    ]
    p.add(
        Page.unfiltered(
            table(rows, ["Construct", "Group", "People (person-intakes)", "Before", "After"]), "all mentees"
        )
    )
    return write(p, out)


def _means_figure(m: Metrics, names: list[str]) -> go.Figure:
    """Raw mean scores before and after the index date, per construct and group."""
    fig_ = go.Figure()
    for group, color, name in (("mentored", MENTORED, "Mentored"), ("comparison", COMPARISON, "Comparison group")):
        for when, label in (("pre_mean", "before"), ("post_mean", "after")):
            ids = [f"mentee.{c}.survey_means.{group}.{when}" for c in names]
            fig_.add_trace(
                go.Bar(
                    x=names,
                    y=[m.value(i) for i in ids],
                    customdata=ids,
                    name=f"{name}, {label}",
                    marker={"color": color, "opacity": 0.45 if when == "pre_mean" else 1.0},
                    hovertemplate="%{x}: %{y:.2f}<extra></extra>",
                )
            )
    fig_.update_layout(
        barmode="group", title="Mean score before and after the index date (raw)", yaxis_title="Score (1–5)"
    )
    return fig_
