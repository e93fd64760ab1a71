"""The data quality page, for analysts: each source's validation status, rows accepted and quarantined,
and the newest file loaded."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go

from dashboards.pages.common import Exports, write
from dashboards.pages.markup import fig
from dashboards.theme import MENTORED, WARN, Page, table
from mentorship.metrics import Metrics


def quality(x: Exports, out: Path) -> Path:
    m = x.m
    p = Page("quality.html", "Data quality", f"Data as of {x.as_of}. For analysts: validation of the latest extracts.")
    f = m.frame
    sources = f[f.family == "quality"].segment.drop_duplicates().tolist()
    p.add(_sources_table(m, sources, x.validation))
    p.figure(
        _rows_figure(m, sources),
        "blue rows passed every rule and are in the warehouse; orange rows were quarantined with the "
        "file, line, column and rule that failed (log scale).",
        height=340,
    )
    p.add(
        '<p>Every rule, its counts and sample rows, and each source\'s status: <a href="validation_report.html">the '
        "validation report</a>. Quarantined rows themselves stay in the warehouse (<code>validated.quarantine</code>).</p>"
    )
    return write(p, out)


def _sources_table(m: Metrics, sources: list[str], validation: dict) -> str:
    """Per source: its status in words, its row and file counts, and when its newest file was checked."""
    status = {s["source"]: s for s in validation.get("sources", [])}
    rows, classes = [], []
    for s in sources:
        v = status.get(s, {})
        latest = max((fl.get("checked_at") or "" for fl in v.get("files") or []), default="")
        state = str(v.get("status", "")).replace("_", " ")
        rows.append(
            [s, state]
            + [fig(m, f"quality.{s}.{c}") for c in ("rows_read", "rows_accepted", "rows_quarantined", "files")]
            + [str(latest)[:19]]
        )
        classes.append(["", "" if v.get("status") in ("passed", "quarantined") else "suppressed"] + [""] * 5)
    return table(
        rows,
        ["Source", "Status", "Rows read", "Accepted", "Quarantined", "Files", "Newest file loaded"],
        classes=classes,
    )


def _rows_figure(m: Metrics, sources: list[str]) -> go.Figure:
    fig_ = go.Figure()
    for col, name, color in (("rows_accepted", "Accepted", MENTORED), ("rows_quarantined", "Quarantined", WARN)):
        ids = [f"quality.{s}.{col}" for s in sources]
        fig_.add_trace(
            go.Bar(
                y=sources,
                x=[m.value(i) for i in ids],
                customdata=ids,
                orientation="h",
                name=name,
                marker={"color": color},
            )
        )
    fig_.update_layout(barmode="stack", title="Rows accepted and quarantined per source", xaxis_title="Rows")
    fig_.update_xaxes(type="log")
    return fig_
