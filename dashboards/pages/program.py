"""The program health page, for HR and program owners: pairs, meeting cadence and regularity, activity by
month, pairs by status, each program and cohort, dose-response, and the pairs at risk."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from dashboards.pages.at_risk import at_risk_section
from dashboards.pages.charts import forest_figure
from dashboards.pages.common import Exports, write
from dashboards.pages.filters import ALL, SEGMENT_TITLES, base_id
from dashboards.pages.markup import fig, glossary, published
from dashboards.theme import ACCENT, COMPARISON, MENTORED, WARN, Html, Page, esc, table
from mentorship.metrics import Metrics

BANDS = ("low", "medium", "high")
#: Pair dose bands: (column, chart title, band labels low to high, caption).
DOSE_BAND_CHARTS = [
    (
        "cadence_band",
        "Pairs by meeting cadence in their first 90 days",
        ("low: under 1 a month", "medium: 1 to 2", "high: 2 or more"),
        "how many pairs met less than once a month (low), one to two times (medium) or more often (high) in "
        "their first 90 days (or their whole life, if shorter); pairs younger than 90 days are not counted yet.",
    ),
    (
        "regularity_band",
        "Pairs by meeting regularity in their first 90 days",
        ("low: a gap over 9 weeks", "medium: 6 to 9 weeks", "high: no gap over 6 weeks"),
        "how steadily pairs met in their first 90 days: the longest stretch without a meeting, from the start, "
        "over 9 weeks (low), 6 to 9 weeks (medium) or 6 weeks at most (high); pairs younger than 90 days are "
        "not counted yet.",
    ),
]
NEUTRAL_LINE = "#999999"
TABLE_COLUMNS = [
    "Program",
    "Cohort",
    "Pairs",
    "Active",
    "Meetings / pair / month",
    "Median gap (days)",
    "Goals met / set",
    "Mean rating",
]


def _health(program: str, cohort: str, col: str) -> str:
    return f"program.{program}.{cohort}.{col}"


def program(x: Exports, out: Path, at_risk_days: int, min_group_size: int) -> Path:
    m = x.m
    p = Page("program.html", "Program health", f"Data as of {x.as_of}. For HR and program owners.")
    f = m.frame
    segs = f[f.family == "program"].segment.drop_duplicates().tolist()
    pairs_ = [tuple(s.split(" / ", 1)) for s in segs]
    if ("All programs", "All cohorts") in pairs_:
        p.add(Page.unfiltered(_overview(m), "all programs and cohorts"))
    cohorts = [c for prog, c in pairs_ if prog == "All programs" and c != "All cohorts"]
    _dose_bands(p, m, cohorts)
    if (trend := _activity_figure(m)) is not None:
        p.figure(
            trend,
            "each line is one program's meetings in the month divided by its pairs running that month "
            "(black: all programs); a falling line means pairs are meeting less. Months with fewer running "
            "pairs than the minimum group size are left out.",
            unfiltered="every program and month (the calendar is the chart's own axis)",
        )
    p.figure(
        _status_figure(m, cohorts),
        "each bar is one intake's pairs: still meeting (blue), completed (green) or stopped early "
        "(orange); an intake with fewer pairs than the minimum group size is left out.",
        unfiltered="every intake (the intakes are the chart's own axis)",
    )
    p.add("<h2>By program and cohort</h2>")
    p.add(Page.unfiltered(_table(m, pairs_), "every program and cohort"))
    p.figure(
        _dose_response(m),
        "each band of mentees against the whole comparison group, once by how often the pair met and once by "
        "the longest stretch it went without meeting, both in the pair's first 90 days. If more meetings go with "
        "larger effects, the dots move right from low to high. Bands are measured after the pair started, "
        "so they also reflect how engaged it was: read them as a pattern, not as the effect of adding "
        "meetings.",
        unfiltered="all cohorts",
    )
    at_risk_section(p, x.at_risk, at_risk_days, min_group_size)
    return write(p, out)


def _overview(m: Metrics) -> str:
    """The cards for all programs and cohorts."""
    t = lambda col: fig(m, _health("All programs", "All cohorts", col))
    cards = (
        ("Pairs active", Html(f"{t('active_pairs')} of {t('pairs')}")),
        ("Meetings per pair per month", t("meetings_per_pair_month")),
        ("Typical gap between meetings", t("median_gap_days")),
        ("Goals met", Html(f"{t('goals_met')} of {t('goals_set')} ({t('goals_met_share')})")),
        ("Mean mentee rating", Html(f"{t('mean_mentee_rating')} / 5")),
    )
    return (
        '<div class="cards">'
        + "".join(f'<div class="card"><div>{esc(k)}</div><div class="big">{esc(v)}</div></div>' for k, v in cards)
        + "</div>"
        + f'<p class="howto">Counts of pairs; a count under the minimum group size is '
        f"{glossary('suppressed', 'suppressed')}.</p>"
    )


def _dose_bands(p: Page, m: Metrics, cohorts: list[str]) -> None:
    """The cohort filter and, in a grid, one chart of pairs per dose band column."""
    options = [("", ALL, "All cohorts")] + [("Cohort", f"cohort={c}", c) for c in cohorts]
    p.filter_bar(options, "Cohort")
    p.grid_start()
    for band, title, labels, _caption in DOSE_BAND_CHARTS:
        p.figure(_band_figure(m, options, band, title, labels), "", grid=True)
    p.grid_end(
        " ".join(f"{t.split(' in their')[0]}: {c}" for _b, t, _l, c in DOSE_BAND_CHARTS)
        + " Cohorts with fewer than the minimum number of pairs are suppressed."
    )


def _band_figure(m: Metrics, options, band: str, title: str, labels) -> go.Figure:
    """Pairs per band, one set of bars per cohort filter value."""
    prefix = band.removesuffix("_band")
    fig_ = go.Figure()
    for _, key, label in options:
        cohort = "All cohorts" if key == ALL else label
        ids = [_health("All programs", cohort, f"{b}_{prefix}_pairs") for b in BANDS]
        ys = [m.value(i) for i in ids]
        shown = [pd.notna(v) for v in ys]
        fig_.add_trace(
            go.Bar(
                x=list(labels),
                y=[v if ok else 0 for v, ok in zip(ys, shown)],
                text=[m.text(i) if ok else "suppressed" for i, ok in zip(ids, shown)],
                customdata=[i if ok else None for i, ok in zip(ids, shown)],
                textposition="outside",
                meta=key,
                visible=key == ALL,
                marker={"color": [WARN, COMPARISON, MENTORED]},
                name=label,
                showlegend=False,
                hovertemplate="%{x}: %{text} pairs<extra></extra>",
            )
        )
    fig_.update_layout(title=title, yaxis_title="Pairs", height=340)
    return fig_


def _activity_figure(m: Metrics) -> go.Figure | None:
    """Meetings per running pair by calendar month, one line per program; ``None`` without any."""
    f = m.frame
    act = f[(f.family == "activity") & f.metric_id.str.endswith(".meetings_per_pair") & (f.status == "published")]
    if not len(act):
        return None
    trend = go.Figure()
    colours = {
        "All programs": "#222",
        **dict(zip(sorted(set(act.group) - {"All programs"}), (MENTORED, COMPARISON, ACCENT, WARN))),
    }
    for prog in ["All programs"] + sorted(set(act.group) - {"All programs"}):
        a_ = act[act.group == prog].sort_values("note")
        trend.add_trace(
            go.Scatter(
                x=a_.note,
                y=a_.value,
                mode="lines",
                name=prog,
                customdata=a_.metric_id.tolist(),
                line={"color": colours.get(prog, NEUTRAL_LINE), "width": 3 if prog == "All programs" else 2},
                hovertemplate="%{x}: %{y:.2f}<extra>" + prog + "</extra>",
            )
        )
    trend.update_layout(
        title="Meetings per running pair, by calendar month", yaxis_title="Meetings a month", height=340
    )
    return trend


def _status_figure(m: Metrics, cohorts: list[str]) -> go.Figure:
    """Pairs by status, stacked per intake; an intake whose count is not published is left out."""
    status = go.Figure()
    for col, name, color in (
        ("active_pairs", "Active", MENTORED),
        ("completed_pairs", "Completed", ACCENT),
        ("withdrawn_pairs", "Withdrawn", WARN),
    ):
        ids = [_health("All programs", c, col) for c in cohorts]
        shown = [published(m, i) for i in ids]
        status.add_trace(
            go.Bar(
                x=[c for c, ok in zip(cohorts, shown) if ok],
                y=[m.value(i) for i, ok in zip(ids, shown) if ok],
                customdata=[i for i, ok in zip(ids, shown) if ok],
                name=name,
                marker={"color": color},
                hovertemplate="%{x}: %{y:,} pairs<extra>" + name + "</extra>",
            )
        )
    status.update_layout(barmode="stack", title="Pairs by status and intake", yaxis_title="Pairs")
    return status


def _table(m: Metrics, pairs_: list[tuple[str, ...]]) -> str:
    """Every program and cohort's pairs, activity, goals and rating."""
    rows = []
    for prog, cohort in pairs_:
        g = lambda col: fig(m, _health(prog, cohort, col))
        rows.append(
            [
                prog,
                cohort,
                g("pairs"),
                g("active_pairs"),
                g("meetings_per_pair_month"),
                g("median_gap_days"),
                Html(f"{g('goals_met')} / {g('goals_set')}"),
                g("mean_mentee_rating"),
            ]
        )
    return table(rows, TABLE_COLUMNS)


def _dose_response(m: Metrics) -> go.Figure:
    """Promotion at the headline horizon for each dose band of mentees."""
    sets = [
        (
            None,
            [
                (f"{SEGMENT_TITLES[dim]}: {label}", base_id("mentee", "promoted", m.headline, f"{dim}={band}"))
                for dim, _t, labels, _c in DOSE_BAND_CHARTS
                for band, label in zip(BANDS, labels)
            ],
        )
    ]
    return forest_figure(
        m,
        sets,
        f"Dose-response: promotion at {m.headline} months by meeting cadence and regularity",
        "adjusted effect, pts",
        "pts",
    )
