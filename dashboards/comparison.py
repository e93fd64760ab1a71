"""The first page: mentored vs comparison, raw, with counts. Reads exported files only."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboards.theme import COMPARISON, LAYOUT, MENTORED, page

ROLE_TITLES = {"mentee": "Mentees", "mentor": "Mentors"}


def format_value(value, scale: str) -> str:
    if value is None or pd.isna(value):
        return ""
    if scale in ("proportion", "growth"):
        return f"{100 * value:.1f}%"
    return f"{round(value, 2) + 0.0:+.2f}"


def format_difference(value, scale: str) -> str:
    if value is None or pd.isna(value):
        return ""
    if scale == "proportion":
        return f"{100 * value:+.1f} pts"
    if scale == "growth":
        return f"{100 * value:+.2f} pts"
    return f"{value:+.2f}"


def _horizon_label(h) -> str:
    return "first wave after" if pd.isna(h) else f"{int(h)} months"


def difference_figure(df: pd.DataFrame, role: str) -> go.Figure:
    """Raw difference (mentored minus comparison) with a naive 95% interval, per outcome and horizon."""
    d = df[(df["role"] == role) & ~df["suppressed"]].copy()
    career = d[d["horizon_months"].notna()]
    survey = d[d["horizon_months"].isna()]
    fig = make_subplots(rows=1, cols=2, column_widths=[0.55, 0.45], horizontal_spacing=0.3,
                        subplot_titles=("Career outcomes (percentage points)", "Survey change (score points)"))
    shades = {6: "#56B4E9", 12: MENTORED, 24: "#003f63"}
    for h, g in career.groupby("horizon_months"):
        scale = 100.0
        fig.add_trace(go.Scatter(
            x=g["raw_difference"] * scale, y=g["outcome_label"], mode="markers",
            marker=dict(color=shades.get(int(h), MENTORED), size=10),
            error_x=dict(type="data", array=1.96 * g["raw_se"] * scale, thickness=1.5),
            name=f"{int(h)} months",
            hovertemplate="%{y}: %{x:+.1f} pts<extra>" + f"{int(h)} months</extra>"), row=1, col=1)
    if not survey.empty:
        fig.add_trace(go.Scatter(
            x=survey["raw_difference"], y=survey["outcome_label"], mode="markers",
            marker=dict(color=COMPARISON, size=10, symbol="diamond"),
            error_x=dict(type="data", array=1.96 * survey["raw_se"], thickness=1.5),
            name="first wave after index", hovertemplate="%{y}: %{x:+.2f}<extra></extra>"), row=1, col=2)
    for col in (1, 2):
        fig.add_vline(x=0, line=dict(color="#666", width=1), row=1, col=col)
    fig.update_layout(**{**LAYOUT, "margin": dict(l=60, r=30, t=90, b=90)}, height=440,
                      title=dict(text=f"{ROLE_TITLES.get(role, role)}: raw difference, mentored minus comparison", x=0))
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.15, xanchor="left", x=0))
    return fig


def rates_figure(df: pd.DataFrame, role: str, horizon: int = 12) -> go.Figure:
    """Mentored and comparison rates side by side at one horizon."""
    d = df[(df["role"] == role) & (df["horizon_months"] == horizon) & (df["scale"] == "proportion")
           & ~df["suppressed"]]
    fig = go.Figure()
    fig.add_bar(y=d["outcome_label"], x=d["mean_mentored"], orientation="h", name="Mentored",
                marker_color=MENTORED, text=[format_value(v, "proportion") for v in d["mean_mentored"]],
                textposition="outside")
    fig.add_bar(y=d["outcome_label"], x=d["mean_comparison"], orientation="h", name="Comparison",
                marker_color=COMPARISON, text=[format_value(v, "proportion") for v in d["mean_comparison"]],
                textposition="outside")
    fig.update_layout(**LAYOUT, barmode="group", height=360,
                      title=dict(text=f"{ROLE_TITLES.get(role, role)}: share within {horizon} months", x=0))
    fig.update_xaxes(tickformat=".0%", range=[0, 1.1])
    return fig


def _count(v) -> str:
    return "suppressed" if pd.isna(v) else f"{int(v):,}"


def comparison_table(df: pd.DataFrame, role: str) -> str:
    rows = []
    for _, r in df[df["role"] == role].iterrows():
        if r["suppressed"]:
            cells = [f'<td class="suppressed" colspan="4">suppressed: {html.escape(str(r["suppression_reason"]))}</td>']
        else:
            cells = [f"<td>{format_value(r['mean_mentored'], r['scale'])}</td>",
                     f"<td>{format_value(r['mean_comparison'], r['scale'])}</td>",
                     f"<td>{format_difference(r['raw_difference'], r['scale'])}</td>",
                     f"<td>{format_difference(r['raw_difference'] - 1.96 * r['raw_se'], r['scale'])} to "
                     f"{format_difference(r['raw_difference'] + 1.96 * r['raw_se'], r['scale'])}</td>"]
        rows.append(f"<tr><td>{html.escape(r['outcome_label'])}</td><td>{_horizon_label(r['horizon_months'])}</td>"
                    f"<td>{_count(r['n_mentored'])}</td><td>{_count(r['n_comparison'])}</td>{''.join(cells)}</tr>")
    head = ("<tr><th>Outcome</th><th>Horizon</th><th>n mentored</th><th>n comparison</th><th>Mentored</th>"
            "<th>Comparison</th><th>Raw difference</th><th>Naive 95% interval</th></tr>")
    return f'<table class="data">{head}{"".join(rows)}</table>'


def build_comparison_page(comparison: pd.DataFrame, cohort_sizes: pd.DataFrame, as_of: str, out_path: Path) -> Path:
    sections = []
    first = True
    for role in [r for r in ("mentee", "mentor") if r in set(comparison["role"])]:
        sizes = cohort_sizes[cohort_sizes["role"] == role]
        people = sizes.loc[sizes["group_name"] == "mentored", "people"]
        # A total of the cohorts shown would be a new figure to subtract from: none where any is hidden.
        n_treated = f"{int(people.sum()):,} people" if people.notna().all() else "some cohorts suppressed"
        figs = [rates_figure(comparison, role), difference_figure(comparison, role)]
        html_figs = []
        for fig in figs:
            html_figs.append(fig.to_html(full_html=False, include_plotlyjs=first,
                                         config={"displaylogo": False, "responsive": True}))
            first = False
        sections.append(
            f"<h2>{ROLE_TITLES[role]} ({n_treated})</h2>"
            + html_figs[0]
            + '<p class="howto">How to read this: each pair of bars compares the share of mentored people and '
              'of the comparison group who had the outcome within 12 months of their index date.</p>'
            + html_figs[1]
            + '<p class="howto">How to read this: a dot right of the line means the outcome was more common '
              'among the mentored; the whisker is a naive 95% interval that ignores self-selection.</p>'
            + comparison_table(comparison, role))
    note = ('<div class="note"><b>These are raw comparisons.</b> People who volunteer for mentoring differ from '
            'people who do not (they tend to be more engaged and better rated), so part of every gap below is '
            'who joins, not what the program does. Adjusted estimates are reported separately.</div>')
    body = note + "".join(sections)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(page("Mentored vs comparison: raw outcomes", f"Data as of {as_of}", body,
                             filename="outcome_comparison.html"))
    return out_path
