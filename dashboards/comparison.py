"""The raw comparison page: mentored vs comparison group, unadjusted, with people and person-intakes.
Reads the metrics table only: these are the same raw figures the other pages show beside each
adjusted effect (``raw_difference``, ``mentored_rate``, ``comparison_rate_raw``)."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go

from dashboards.pages import base_id, ci, fig, glossary, people, published
from dashboards.theme import COMPARISON, MENTORED, Page, esc, months, table, write_plotlyjs
from mentorship.metrics import Metrics, display_scale

ROLE_TITLES = {"mentee": "Mentees", "mentor": "Mentors"}
CAREER = [
    ("promoted", "Promoted"),
    ("retained", "Retained (no voluntary exit)"),
    ("salary_growth", "Salary growth"),
    ("became_people_manager", "Moved into people management"),
    ("changed_department", "Changed department"),
]
#: The charts' labels, broken so that on a phone they leave the plot room.
SHORT = {
    "promoted": "Promoted",
    "retained": "Retained<br>(no voluntary exit)",
    "became_people_manager": "Moved into<br>people management",
    "changed_department": "Changed<br>department",
}
PROPORTIONS = [o for o, _ in CAREER if o != "salary_growth"]


def _outcomes(m: Metrics, role: str) -> list[tuple[str, str, int | None]]:
    """(outcome, label, horizon) rows the page shows: career outcomes at each horizon, then survey changes."""
    f = m.frame
    constructs = sorted(f[(f.family == "survey_means") & (f.role == role)].outcome.dropna().unique())
    return [(o, label, h) for o, label in CAREER for h in m.horizons] + [
        (f"{c}_change", f"{c.capitalize()} change", None) for c in constructs
    ]


def rates_figure(m: Metrics, role: str, horizon: int | None = None) -> go.Figure:
    """Mentored and comparison-group shares side by side at one horizon (default: the headline one)."""
    horizon = horizon or m.headline
    fig_ = go.Figure()
    for measure, name, color in (
        ("mentored_rate", "Mentored", MENTORED),
        ("comparison_rate_raw", "Comparison group", COMPARISON),
    ):
        ids = [f"{base_id(role, o, horizon)}.{measure}" for o in PROPORTIONS]
        ok = [published(m, i) for i in ids]
        fig_.add_bar(
            y=[SHORT[o] for o, k in zip(PROPORTIONS, ok) if k],
            cliponaxis=False,
            x=[100 * m.value(i) for i, k in zip(ids, ok) if k],
            customdata=[i for i, k in zip(ids, ok) if k],
            orientation="h",
            name=name,
            marker_color=color,
            text=[m.text(i) for i, k in zip(ids, ok) if k],
            textposition="outside",
        )
    fig_.update_layout(barmode="group", height=360, title=f"{ROLE_TITLES[role]}: share within {horizon} months")
    fig_.update_xaxes(ticksuffix="%", range=[0, 125])
    fig_.update_yaxes(autorange="reversed")  # in the table's order, top down
    return fig_


def _error_x(rows: list[dict], scale: float) -> dict:
    """Whiskers from each row's estimate to its interval's ends, on the chart's scale."""
    return {
        "type": "data",
        "array": [(r["ci_high"] - r["value"]) * scale for r in rows],
        "arrayminus": [(r["value"] - r["ci_low"]) * scale for r in rows],
        "thickness": 1.5,
    }


def _zero_line_and_order(figure: go.Figure, **layout) -> go.Figure:
    """The line at no difference, the layout, and the outcomes top down in the table's order."""
    figure.add_vline(x=0, line={"color": "#666", "width": 1})
    figure.update_layout(**layout)
    figure.update_yaxes(autorange="reversed")
    return figure


def shares_figure(m: Metrics, role: str) -> go.Figure:
    """Raw differences in shares of people at each horizon, one colour per horizon."""
    shares = go.Figure()
    # Light to dark with the horizon; the headline horizon in the mentored blue where there are three.
    palette = ["#56B4E9", MENTORED, "#003f63"] if len(m.horizons) == 3 else ["#56B4E9", "#2b7bba", MENTORED, "#003f63"]
    shades = {h: palette[min(i, len(palette) - 1)] for i, h in enumerate(m.horizons)}
    for h in m.horizons:
        ids = [i for i in (f"{base_id(role, o, h)}.raw_difference" for o in PROPORTIONS) if published(m, i)]
        rows = [m.get(i) for i in ids]
        shares.add_trace(
            go.Scatter(
                x=[r["value"] * 100 for r in rows],
                y=[SHORT[r["outcome"]] for r in rows],
                mode="markers",
                customdata=ids,
                marker={"color": shades[h], "size": 10},
                name=months(h),
                error_x=_error_x(rows, 100),
                hovertemplate="%{y}: %{x:+.1f} pts<extra>" + months(h) + "</extra>",
            )
        )
    return _zero_line_and_order(
        shares, height=380, title=f"{ROLE_TITLES[role]}: raw difference in shares of people", xaxis_title="pts"
    )


def survey_figure(m: Metrics, role: str) -> go.Figure:
    """Raw differences in the change of each survey construct to the first survey after the index date."""
    survey = go.Figure()
    items = [(f"{base_id(role, o, None)}.raw_difference", label) for o, label, h in _outcomes(m, role) if h is None]
    keep = [(i, label) for i, label in items if published(m, i)]
    if keep:
        rows = [m.get(i) for i, _ in keep]
        s = display_scale(rows[0]["unit"])
        survey.add_trace(
            go.Scatter(
                x=[r["value"] * s for r in rows],
                y=[label for _, label in keep],
                mode="markers",
                customdata=[i for i, _ in keep],
                marker={"color": MENTORED, "size": 10, "symbol": "diamond"},
                error_x=_error_x(rows, s),
                name="first survey after",
                hovertemplate="%{y}: %{x:+.2f}<extra></extra>",
            )
        )
    return _zero_line_and_order(
        survey,
        height=320,
        title=f"{ROLE_TITLES[role]}: raw difference in survey change",
        xaxis_title="on the 1–5 scale",
        showlegend=False,
    )


def difference_figures(m: Metrics, role: str) -> tuple[go.Figure, go.Figure]:
    """Raw differences (mentored minus comparison group) with their chance-only 95% intervals: shares of
    people at each horizon, and survey changes, as two charts (one axis, one unit each)."""
    return shares_figure(m, role), survey_figure(m, role)


def comparison_table(m: Metrics, role: str) -> str:
    rows, classes = [], []
    for outcome, label, h in _outcomes(m, role):
        b = base_id(role, outcome, h)
        d = f"{b}.raw_difference"
        when = months(h) if h else "first survey after"
        if not published(m, d):
            rows.append([label, when, fig(m, d), "", "", "", "", ""])
            classes.append(["", "", "suppressed"] + [""] * 5)
            continue
        rows.append(
            [
                label,
                when,
                people(m, d, "mentored"),
                people(m, d, "comparison"),
                fig(m, f"{b}.mentored_rate"),
                fig(m, f"{b}.comparison_rate_raw"),
                fig(m, d),
                ci(m, d),
            ]
        )
        classes.append([""] * 8)
    return table(
        rows,
        [
            "Outcome",
            "Horizon",
            "Mentored people",
            "Comparison people (person-intakes)",
            "Mentored",
            "Comparison group",
            "Raw difference",
            "95% interval (chance only)",
        ],
        classes=classes,
    )


def build_comparison_page(m: Metrics, out_path: Path, self_contained: bool = False) -> Path:
    p = Page("outcome_comparison.html", "Mentored vs comparison group: raw outcomes", f"Data as of {m.as_of}.")
    p.self_contained = self_contained
    p.add(
        '<div class="note"><b>These are raw comparisons.</b> People who volunteer for mentoring differ from '
        "people who do not (they tend to be more engaged and better rated), so part of every gap below is "
        "who joins, not what the program does. The adjusted effects on the other pages compare the mentored "
        f"with comparable colleagues instead. {glossary('raw', 'What raw means')}</div>"
    )
    f = m.frame
    for role in [r for r in ("mentee", "mentor") if ((f.role == r) & (f.family == "effect")).any()]:
        p.add(f"<h2>{ROLE_TITLES[role]}</h2>")
        p.figure(
            rates_figure(m, role),
            "each pair of bars compares the share of mentored people and of the comparison group who had the "
            f"outcome within {m.headline} months of their index date.",
        )
        shares, survey = difference_figures(m, role)
        p.figure(
            shares,
            "a dot right of the line means the outcome was more common among the mentored; the whisker "
            "is a 95% interval for chance only: it ignores self-selection.",
        )
        p.figure(
            survey,
            "the mentored's change in score from before to after the index date minus the comparison "
            "group's, with a chance-only 95% interval.",
        )
        p.add(comparison_table(m, role))
        note = esc(
            "The comparison group counts person-intakes: an employee who could have joined several intakes "
            "is compared once in each."
        )
        p.add(f'<p class="howto">{note} {glossary("people", "People and person-intakes")}.</p>')
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if not p.self_contained:
        write_plotlyjs(out_path.parent)
    out_path.write_text(p.html())
    return out_path
