"""The executive summary: what mentoring does, in one paragraph, four cards, two forests and a trend by
intake cohort."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from dashboards.pages.cards import card
from dashboards.pages.charts import forest_figure
from dashboards.pages.common import Exports, data_period, headline, write
from dashboards.pages.filters import Filter, base_id, effects_filter
from dashboards.pages.markup import ci, fig, glossary, magnitude, published
from dashboards.theme import MENTORED, Page, esc
from mentorship.metrics import Metrics, display_scale

#: The headline outcomes in the verdict's words.
VERDICT_WORDS = {
    "promoted": "the share promoted within {h} months",
    "retained": "the share still with the company after {h} months",
    "satisfaction_change": "satisfaction",
    "engagement_change": "engagement",
}


def verdict(m: Metrics) -> str:
    """One paragraph that states what the program did, with its uncertainty, and what it costs."""
    clear: dict[str, list[str]] = {"raised": [], "lowered": []}
    unclear = []
    for outcome, h, _title in headline(m):
        mid = f"{base_id('mentee', outcome, h)}.adjusted_effect"
        if not published(m, mid):
            continue
        a = m.get(mid)
        words = VERDICT_WORDS[outcome].format(h=h)
        if a["ci_low"] > 0 or a["ci_high"] < 0:
            clear["raised" if a["value"] > 0 else "lowered"].append(
                f"{esc(words)} by {magnitude(m, mid)}{' points on the 1–5 scale' if not h else ''} (95% CI {ci(m, mid)})"
            )
        else:
            unclear.append(f"{esc(words)} ({fig(m, mid)}, 95% CI {ci(m, mid)})")
    parts = []
    moved = [f"{d} {_join(items)}" for d, items in clear.items() if items]
    if moved:
        parts.append("Against comparable colleagues, mentoring " + " and ".join(moved) + ".")
    if unclear:
        parts.append("No clear effect on " + _join(unclear) + ": the interval includes none.")
    parts.append(_pays(m))
    return " ".join(p for p in parts if p)


def _pays(m: Metrics) -> str:
    """Whether the program pays for itself, counting only the exits it avoided ("" without an ROI)."""
    if not published(m, "roi.roi") or pd.isna(m.value("roi.roi")):
        return ""
    pays = (
        "more than pays for itself"
        if m.get("roi.roi")["ci_low"] > 0
        else ("does not pay for itself" if m.get("roi.roi")["ci_high"] < 0 else "may or may not pay for itself")
    )
    return (
        f"Counting only the exits it avoided, the program {pays}: a return of {fig(m, 'roi.roi')} "
        f"(95% CI {ci(m, 'roi.roi')}) on a cost of {fig(m, 'roi.total_cost')}; promotions, pay and "
        f'engagement are not counted in that figure (<a href="roi.html">the ROI case</a>).'
    )


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def executive(x: Exports, out: Path) -> Path:
    m = x.m
    p = Page(
        "executive.html",
        "Executive summary: what mentoring does",
        f"Mentees of {data_period(m)}. Adjusted effects on the mentored, with 95% intervals; raw figures beside them.",
    )
    if text := verdict(m):
        p.add(f'<div class="verdict"><b>In short.</b> {text}</div>')
    p.add(
        '<div class="note"><b>Why two numbers?</b> People who volunteer for mentoring were already more likely '
        "to do well. The <b>raw</b> figure mixes that in; the <b>adjusted</b> effect compares mentees with "
        "colleagues who looked the same beforehand (<b>comparable colleagues</b>), so it is the better guide to "
        f"what the program does. {glossary('adjusted', 'What each figure means')}.</div>"
    )
    filt = effects_filter(p, m, [(o, h) for o, h, _ in headline(m)])
    for key in filt.keys:
        cards = [card(m, "mentee", o, h, t, key) for o, h, t in headline(m)]
        p.add(f'<div class="cards" data-filter="{esc(key)}">{"".join(cards)}</div>')
    _forests(p, m, filt)
    p.add("<h2>Trend by intake cohort</h2>")
    p.grid_start()
    for outcome, h, title in headline(m):
        if (trend := _cohort_trend(m, outcome, h, title)) is not None:
            p.figure(trend, "", grid=True, unfiltered="every intake (the cohorts are the chart's own axis)")
    p.grid_end(
        "one small chart per outcome: each point is one intake's adjusted effect, the band its 95% "
        f"interval, the dotted line the effect over all intakes. Intakes not yet followed for {m.headline} months, or "
        "too small to estimate, are left out. Bands that overlap the dotted line mean the intakes do not "
        "differ by more than chance."
    )
    return write(p, out)


def _forests(p: Page, m: Metrics, filt: Filter) -> None:
    """The headline outcomes' adjusted effects: promotion and retention, then the survey changes."""
    sets = filt.sets(lambda key: [(f"{t} ({h} months)", base_id("mentee", o, h, key)) for o, h, t in headline(m) if h])
    p.figure(
        forest_figure(m, sets, f"Promotion and retention at {m.headline} months", "pts (percentage points)", "pts"),
        "each blue dot is the adjusted effect with its 95% interval; the grey diamond is the raw difference. "
        "Right of the line means more promotion or more people staying.",
    )
    sets = filt.sets(lambda key: [(t, base_id("mentee", o, h, key)) for o, h, t in headline(m) if not h])
    p.figure(
        forest_figure(m, sets, "Satisfaction and engagement (adjusted change)", "on the 1–5 scale", "on the 1–5 scale"),
        "the change in survey score from before to after mentoring, minus the change comparable colleagues "
        "saw; right of the line means mentoring raised the score.",
    )


def _cohort_trend(m: Metrics, outcome: str, h, title: str) -> go.Figure | None:
    """One outcome's adjusted effect per intake cohort, with its band and the effect over all intakes."""
    f = m.frame
    e = f[
        (f.family == "effect")
        & (f.role == "mentee")
        & (f.outcome == outcome)
        & (f.segment_type == "cohort")
        & (f.measure == "adjusted_effect")
        & (f.status == "published")
    ]
    e = e[(e.horizon_months == h) if h else e.horizon_months.isna()].sort_values("segment")
    if e.empty:
        return None
    s = display_scale(e.unit.iloc[0])
    overall = m.get(f"{base_id('mentee', outcome, h)}.adjusted_effect")
    fig_ = go.Figure()
    fig_.add_trace(
        go.Scatter(
            x=list(e.segment) + list(e.segment[::-1]),
            y=list(e.ci_high * s) + list(e.ci_low[::-1] * s),
            fill="toself",
            mode="lines",
            fillcolor=MENTORED,
            opacity=0.15,
            line={"width": 0},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig_.add_trace(
        go.Scatter(
            x=e.segment,
            y=e.value * s,
            mode="lines+markers",
            name=title,
            line={"color": MENTORED},
            customdata=e.metric_id.tolist(),
            showlegend=False,
            hovertemplate="%{x}: %{y:.2f}<extra>adjusted effect</extra>",
        )
    )
    if overall is not None and overall["status"] == "published":
        fig_.add_hline(y=overall["value"] * s, line={"color": "#444", "width": 1, "dash": "dot"})
    fig_.add_hline(y=0, line={"color": "#444", "width": 1})
    unit = "pts" if h else "on the 1–5 scale"
    fig_.update_layout(
        title=f"{title}{f' at {h} months' if h else ''} ({unit})", height=260, margin={"l": 45, "r": 10, "b": 40}
    )
    return fig_
