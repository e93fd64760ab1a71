"""Charts of estimates: the forest of adjusted effects beside raw differences, and the curves of the
share promoted or still here, mentored against comparable colleagues."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from dashboards.pages.filters import ALL, Rows
from dashboards.pages.markup import published
from dashboards.theme import COMPARISON, MENTORED, RAW
from mentorship.metrics import Metrics, display_scale


@dataclass
class _Forest:
    """A forest's columns, one entry per label: the adjusted effect, its CI arms and the raw difference
    on the display scale, with their metric ids; ``None`` where the line is not published."""

    labels: list[str] = field(default_factory=list)
    est: list = field(default_factory=list)
    lo: list = field(default_factory=list)
    hi: list = field(default_factory=list)
    ids: list = field(default_factory=list)
    raw: list = field(default_factory=list)
    raw_ids: list = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    gap_text: list[str] = field(default_factory=list)

    def add(self, m: Metrics, label: str, base: str) -> None:
        a, r = m.get(f"{base}.adjusted_effect"), m.get(f"{base}.raw_difference")
        self.labels.append(label)
        if not published(m, f"{base}.adjusted_effect"):
            for column in (self.est, self.lo, self.hi, self.ids, self.raw, self.raw_ids):
                column.append(None)
            self.gaps.append(label)
            self.gap_text.append("suppressed" if a is not None and a["status"] == "suppressed" else "not estimated")
            return
        s = display_scale(a["unit"])
        self.est.append(a["value"] * s)
        self.lo.append((a["value"] - a["ci_low"]) * s if pd.notna(a["ci_low"]) else None)
        self.hi.append((a["ci_high"] - a["value"]) * s if pd.notna(a["ci_high"]) else None)
        self.ids.append(a["metric_id"])
        ok = r is not None and published(m, r["metric_id"])
        self.raw.append(r["value"] * s if ok else None)
        self.raw_ids.append(r["metric_id"] if ok else None)


def forest(m: Metrics, rows: Rows, key: str | None, unit_label: str) -> list[go.Scatter]:
    """Adjusted effect with its CI (blue) beside the raw difference (grey), one line per label. ``rows``
    are (label, metric id of the adjusted effect without its measure). A line that is not published
    shows a grey cross labelled with why."""
    d = _Forest()
    for label, base in rows:
        d.add(m, label, base)
    traces = [
        go.Scatter(
            x=d.est,
            y=d.labels,
            mode="markers",
            name="Adjusted effect (95% CI)",
            meta=key,
            customdata=d.ids,
            marker={"color": MENTORED, "size": 11},
            legendgroup="adjusted",
            error_x={"type": "data", "array": d.hi, "arrayminus": d.lo, "color": MENTORED, "thickness": 2},
            hovertemplate="%{y}: %{x:.2f} " + unit_label + "<extra>adjusted</extra>",
        ),
        go.Scatter(
            x=d.raw,
            y=d.labels,
            mode="markers",
            name="Raw difference (not adjusted)",
            meta=key,
            customdata=d.raw_ids,
            marker={"color": RAW, "size": 9, "symbol": "diamond-open"},
            legendgroup="raw",
            hovertemplate="%{y}: %{x:.2f} " + unit_label + "<extra>raw</extra>",
        ),
    ]
    if d.gaps:
        traces.append(
            go.Scatter(
                x=[0] * len(d.gaps),
                y=d.gaps,
                mode="markers+text",
                text=d.gap_text,
                cliponaxis=False,
                textposition="middle right",
                name="Suppressed or not estimated",
                meta=key,
                marker={"color": "#bbb", "symbol": "x", "size": 9},
                legendgroup="gap",
                hoverinfo="skip",
            )
        )
    return traces


def forest_figure(
    m: Metrics,
    trace_sets: list[tuple[str | None, Rows]],
    title: str,
    xtitle: str,
    unit_label: str,
    height: int | None = None,
) -> go.Figure:
    fig = go.Figure()
    for key, rows in trace_sets:
        for tr in forest(m, rows, key, unit_label):
            # Every set carries its legend: only the visible set's entries show, so a filter keeps it.
            tr.visible = key in (None, ALL)
            fig.add_trace(tr)
    fig.add_vline(x=0, line={"color": "#444", "width": 1})
    n = max((len(r) for _, r in trace_sets), default=1)
    if n > 12:  # a long chart gets its scale at the top as well, where a reader starts
        first = fig.data[0]
        fig.add_trace(
            go.Scatter(
                x=first.x,
                y=first.y,
                xaxis="x2",
                mode="markers",
                marker={"opacity": 0},
                showlegend=False,
                hoverinfo="skip",
            )
        )
        fig.update_layout(xaxis2={"overlaying": "x", "side": "top", "matches": "x", "showgrid": False})
    fig.update_layout(title=title, xaxis_title=xtitle, height=height or max(260, 70 + 46 * n), showlegend=True)
    fig.update_yaxes(autorange="reversed")
    return fig


def curves_figure(m: Metrics, role: str, outcome: str, title: str) -> go.Figure:
    fig = go.Figure()
    promoted = outcome == "time_to_promotion"
    for group, color, name in (
        ("mentored", MENTORED, "Mentored"),
        ("comparison", COMPARISON, "Comparable colleagues (weighted)"),
    ):
        f = m.frame
        c = f[
            (f.family == "curve")
            & (f.role == role)
            & (f.outcome == outcome)
            & (f.group == group)
            & (f.status == "published")
        ].sort_values("horizon_months")
        if c.empty:
            continue
        x = c.horizon_months.astype(int).tolist()
        fig.add_trace(
            go.Scatter(
                x=x + x[::-1],
                y=list(100 * c.ci_high) + list(100 * c.ci_low[::-1]),
                fill="toself",
                fillcolor=color,
                opacity=0.18,
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                name=f"{name} 95% band",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=100 * c.value,
                mode="lines",
                name=name,
                customdata=c.metric_id.tolist(),
                line={"color": color, "width": 3, "shape": "hv"},
                hovertemplate="month %{x}: %{y:.1f}%<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(
        title=title,
        xaxis_title="Months since index date",
        yaxis_title="% promoted at least once" if promoted else "% still here (no voluntary exit)",
    )
    fig.update_yaxes(ticksuffix="%")
    return fig
