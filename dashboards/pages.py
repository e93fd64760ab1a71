"""Every dashboard page, built from the metrics table only (``mentorship.metrics``), never the warehouse.

``build_all(export_dir, out_dir, ...)`` writes the index and the ten pages. Each page is static HTML
that works from ``file://`` with no network: plotly.js is embedded once per page, and filters switch
between pre-computed slices in the browser.

Every figure on a page is a metric: a number in a card or table is a ``<span data-metric="id">``, a
point in a chart carries its id in ``customdata``, and both show the metric's value formatted by
``mentorship.metrics.display``. So the pages, the packs printed from them and the run summary agree to
the last digit, and ``tests/test_consistency.py`` checks it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from dashboards.theme import (
    ACCENT,
    COMPARISON,
    MENTORED,
    PAGES,
    RAW,
    WARN,
    Html,
    Page,
    esc,
    months,
    table,
    write_plotlyjs,
)
from mentorship.metrics import Metrics, and_list, display_scale, metric_id


def headline(m: Metrics) -> list[tuple[str, int | None, str]]:
    """The four headline outcomes: promotion and retention at the headline horizon (12 months, or the
    computed horizon nearest to it), and the two survey changes."""
    return [
        ("promoted", m.headline, "Promotion"),
        ("retained", m.headline, "Retention"),
        ("satisfaction_change", None, "Satisfaction"),
        ("engagement_change", None, "Engagement"),
    ]


def horizons_text(m: Metrics) -> str:
    """'6, 12 and 24 months', from the horizons the pipeline computed."""
    return f"{and_list(m.horizons)} months"


SEGMENT_TITLES = {
    "program": "Program",
    "cohort": "Cohort",
    "department": "Department",
    "job_level": "Level",
    "gender": "Gender",
    "age_band": "Age band",
    "cadence_band": "Meeting cadence",
    "regularity_band": "Meeting regularity",
}
FILTER_TYPES = ("program", "cohort", "department", "job_level")
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
ALL = "all"
NEUTRAL_LINE = "#999999"
NOT_ESTIMATED = "not estimated for this segment"


@dataclass
class Exports:
    m: Metrics
    at_risk: pd.DataFrame | None  # None in a leadership export: the list is held back for the program team
    validation: dict  # each source's status, in words (its counts are metrics)

    @property
    def as_of(self) -> str:
        return self.m.as_of

    @classmethod
    def load(cls, d: Path) -> Exports:
        vpath = d / "validation_summary.json"
        return cls(
            m=Metrics(pd.read_parquet(d / "metrics.parquet")),
            at_risk=pd.read_parquet(d / "at_risk_pairs.parquet") if (d / "at_risk_pairs.parquet").exists() else None,
            validation=json.loads(vpath.read_text()) if vpath.exists() else {"sources": []},
        )


# ---------------------------------------------------------------------------------------------
# Figures as markup


def fig(
    m: Metrics, mid: str, signed: bool | None = None, missing: str = NOT_ESTIMATED, unit_words: bool = False
) -> Html:
    """One figure, tagged with its metric id; a hidden or missing one says why in words."""
    r = m.get(mid)
    if r is None:
        return Html(f'<span class="suppressed" data-metric="{esc(mid)}" data-status="absent">{esc(missing)}</span>')
    if r["status"] != "published" or pd.isna(r["value"]):
        word = "suppressed" if r["status"] == "suppressed" else "not estimated"
        return Html(
            f'<span class="suppressed" data-metric="{esc(mid)}" data-status="{esc(r["status"])}" '
            f'title="{esc(r["reason"] or "")}">{word}</span>'
        )
    return Html(f'<span class="m" data-metric="{esc(mid)}">{esc(m.text(mid, signed, unit_words))}</span>')


def ci(m: Metrics, mid: str) -> Html:
    r = m.get(mid)
    if r is None or r["status"] != "published" or pd.isna(r["ci_low"]):
        return Html("")
    return Html(f'<span class="m" data-metric="{esc(mid)}" data-part="ci">{esc(m.interval(mid))}</span>')


def counts(m: Metrics, mid: str) -> Html:
    """'People: 1,445 mentored; 6,419 (26,578 person-intakes) comparison', the term linked to the glossary."""
    return Html(
        f"{glossary('people', 'People')}: {people(m, mid, 'mentored')} mentored; "
        f"{people(m, mid, 'comparison')} comparison"
    )


def people(m: Metrics, mid: str, group: str) -> Html:
    """People and person-intakes behind a figure, both labelled (see the glossary)."""
    r = m.get(mid)
    if r is None or (r["status"] == "not_estimated" and pd.isna(r[f"people_{group}"])):
        return Html("")
    p, n = r[f"people_{group}"], r[f"intakes_{group}"]
    if pd.isna(p) and pd.isna(n):
        return Html('<span class="suppressed">hidden</span>')
    text = "hidden" if pd.isna(p) else f"{int(p):,}"
    if group == "comparison" or (pd.notna(n) and pd.notna(p) and n != p):
        text += f" ({'hidden' if pd.isna(n) else f'{int(n):,}'} person-intakes)"
    return Html(f'<span class="n" data-metric="{esc(mid)}" data-part="people_{group}">{esc(text)}</span>')


def setting(m: Metrics, mid: str) -> Html:
    """The assumption's value behind a sensitivity figure (the metric's note), tagged with its id."""
    r = m.get(mid)
    if r is None or not r["note"]:
        return Html("")
    return Html(f'<span class="m" data-metric="{esc(mid)}" data-part="note">{esc(r["note"])}</span>')


def glossary(anchor: str, text: str) -> str:
    """A term, linked to its entry in the methodology page's glossary."""
    return f'<a class="gl" href="methodology.html#glossary-{esc(anchor)}" title="What this means">{esc(text)}</a>'


def reason(m: Metrics, mid: str) -> str:
    r = m.get(mid)
    if r is None:
        return NOT_ESTIMATED
    return str(r["reason"] or "")


def published(m: Metrics, mid: str) -> bool:
    r = m.get(mid)
    return r is not None and r["status"] == "published" and pd.notna(r["value"])


# ---------------------------------------------------------------------------------------------
# Filters


def _segment_label(segment_type: str, segment: str) -> str:
    if segment_type == "overall":
        return "Everyone"
    value = str(segment).split(": ", 1)[-1]
    return f"{SEGMENT_TITLES.get(segment_type, segment_type)}: {value}"


def _natural(v):
    try:
        return (0, float(v))
    except (TypeError, ValueError):
        return (1, str(v))


def _key(segment_type: str, segment: str) -> str:
    return ALL if segment_type == "overall" else f"{segment_type}={segment}"


def _split(key: str) -> tuple[str, str]:
    return ("overall", "all") if key == ALL else tuple(key.split("=", 1))  # type: ignore[return-value]


def segment_options(
    m: Metrics, role: str, figures: list[tuple[str, int | None]], types=FILTER_TYPES
) -> tuple[list[tuple[str, str, str]], str]:
    """The filter values this page can show for ``role``: a segment is offered when at least one of the
    page's ``figures`` (outcome, horizon) is published for it. Returns the options and a sentence
    naming the values left out (every figure suppressed or not estimated)."""
    f = m.frame
    rows = f[(f.family == "effect") & (f.role == role) & (f.measure == "adjusted_effect") & f.segment_type.isin(types)]
    wanted = {(o, h) for o, h in figures}
    rows = rows[[(o, None if pd.isna(h) else int(h)) in wanted for o, h in zip(rows.outcome, rows.horizon_months)]]
    opts = [("", ALL, "Everyone")]
    left_out = []
    for st in types:
        part = rows[rows.segment_type == st]
        for seg in sorted(part.segment.unique(), key=_natural):
            shown = (part[part.segment == seg].status == "published").any()
            if shown:
                opts.append((SEGMENT_TITLES[st], _key(st, seg), _segment_label(st, seg)))
            else:
                left_out.append(_segment_label(st, seg))
    note = (
        (
            "Not offered, because every figure on this page is suppressed or not estimated for them: "
            + ", ".join(left_out)
            + "."
        )
        if left_out
        else ""
    )
    return opts, note


# ---------------------------------------------------------------------------------------------
# Charts


def forest(m: Metrics, rows: list[tuple[str, str]], key: str | None, unit_label: str) -> list[go.Scatter]:
    """Adjusted effect with its CI (blue) beside the raw difference (grey), one line per label. ``rows``
    are (label, metric id of the adjusted effect without its measure). A line that is not published
    shows a grey cross labelled with why."""
    labels, est, lo, hi, ids, raw, raw_ids, gaps, gap_text = [], [], [], [], [], [], [], [], []
    for label, base in rows:
        a, r = m.get(f"{base}.adjusted_effect"), m.get(f"{base}.raw_difference")
        labels.append(label)
        if not published(m, f"{base}.adjusted_effect"):
            est.append(None), lo.append(None), hi.append(None), ids.append(None), raw.append(None)
            raw_ids.append(None)
            gaps.append(label)
            gap_text.append("suppressed" if a is not None and a["status"] == "suppressed" else "not estimated")
            continue
        s = display_scale(a["unit"])
        est.append(a["value"] * s)
        lo.append((a["value"] - a["ci_low"]) * s if pd.notna(a["ci_low"]) else None)
        hi.append((a["ci_high"] - a["value"]) * s if pd.notna(a["ci_high"]) else None)
        ids.append(a["metric_id"])
        ok = r is not None and published(m, r["metric_id"])
        raw.append(r["value"] * s if ok else None)
        raw_ids.append(r["metric_id"] if ok else None)
    traces = [
        go.Scatter(
            x=est,
            y=labels,
            mode="markers",
            name="Adjusted effect (95% CI)",
            meta=key,
            customdata=ids,
            marker={"color": MENTORED, "size": 11},
            legendgroup="adjusted",
            error_x={"type": "data", "array": hi, "arrayminus": lo, "color": MENTORED, "thickness": 2},
            hovertemplate="%{y}: %{x:.2f} " + unit_label + "<extra>adjusted</extra>",
        ),
        go.Scatter(
            x=raw,
            y=labels,
            mode="markers",
            name="Raw difference (not adjusted)",
            meta=key,
            customdata=raw_ids,
            marker={"color": RAW, "size": 9, "symbol": "diamond-open"},
            legendgroup="raw",
            hovertemplate="%{y}: %{x:.2f} " + unit_label + "<extra>raw</extra>",
        ),
    ]
    if gaps:
        traces.append(
            go.Scatter(
                x=[0] * len(gaps),
                y=gaps,
                mode="markers+text",
                text=gap_text,
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
    trace_sets: list[tuple[str | None, list[tuple[str, str]]]],
    title: str,
    xtitle: str,
    unit_label: str,
    height: int | None = None,
) -> go.Figure:
    fig = go.Figure()
    for _i, (key, rows) in enumerate(trace_sets):
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


def base_id(role, outcome, h, key=ALL) -> str:
    """The metric id of an estimate without its measure: ``mentee.promoted.12m.department=Sales``."""
    st, seg = _split(key)
    return metric_id(role, outcome, h, st, seg, "x").removesuffix(".x")


# ---------------------------------------------------------------------------------------------
# Tables and cards


def _when(outcome: str, h) -> str:
    if outcome.startswith("time_to"):
        return "whole follow-up"
    return "first survey after" if h is None else months(h)


def effect_table(m: Metrics, role: str, outcomes: list[tuple[str, str]], key: str = ALL, horizons=None) -> str:
    """Per outcome and horizon: the mentored level, the comparable colleagues' (weighted) level, the
    adjusted effect and CI, the raw comparison level and raw difference, people, and the E-value."""
    rows, classes = [], []
    notes: dict[str, list[str]] = {}  # each warning once, with the estimates it applies to
    for outcome, label in outcomes:
        hs = [None] if outcome.endswith("_change") or outcome.startswith("time_to") else (horizons or m.horizons)
        for h in hs:
            b = base_id(role, outcome, h, key)
            row = m.get(f"{b}.adjusted_effect") or m.get(f"{b}.hazard_ratio")
            for w in str((row or {}).get("note") or "").split("; "):
                if w and not w.startswith("comparison group: a random"):  # the sampling note is on the method page
                    notes.setdefault(w, []).append(f"{label} ({_when(outcome, h)})")
            if outcome.startswith("time_to"):
                b = base_id(role, outcome, None, key)
                if m.get(f"{b}.hazard_ratio") is None:
                    continue
                rows.append(
                    [
                        f"{label} (hazard ratio)",
                        _when(outcome, h),
                        "",
                        "",
                        fig(m, f"{b}.hazard_ratio"),
                        ci(m, f"{b}.hazard_ratio"),
                        "",
                        fig(m, f"{b}.hazard_ratio_raw"),
                        people(m, f"{b}.hazard_ratio", "mentored"),
                        people(m, f"{b}.hazard_ratio", "comparison"),
                        "",
                    ]
                )
                classes.append([""] * 11)
                continue
            a = f"{b}.adjusted_effect"
            if not published(m, a):
                rows.append([label, _when(outcome, h), fig(m, a), "", "", "", "", "", "", "", reason(m, a)])
                classes.append(["", "", "suppressed"] + [""] * 7 + ["suppressed"])
                continue
            rows.append(
                [
                    label,
                    _when(outcome, h),
                    fig(m, f"{b}.mentored_rate"),
                    fig(m, f"{b}.comparison_rate_weighted"),
                    fig(m, a),
                    ci(m, a),
                    fig(m, f"{b}.comparison_rate_raw"),
                    fig(m, f"{b}.raw_difference"),
                    people(m, a, "mentored"),
                    people(m, a, "comparison"),
                    fig(m, f"{b}.e_value"),
                ]
            )
            classes.append([""] * 11)
    if not rows:
        return ""
    return (
        table(
            rows,
            [
                "Outcome",
                "Horizon",
                "Mentored",
                "Comparable colleagues (weighted)",
                "Adjusted effect",
                "95% CI",
                "Comparison group (raw)",
                "Raw difference",
                "Mentored people",
                "Comparison people (person-intakes)",
                "E-value",
            ],
            classes=classes,
        )
        + UNITS_NOTE
        + _notes(notes)
    )


def _notes(notes: dict[str, list[str]]) -> str:
    if not notes:
        return ""
    return (
        '<div class="note"><b>Notes on these estimates</b><ul>'
        + "".join(f"<li>{esc(w[0].upper() + w[1:])}: {esc(', '.join(where))}.</li>" for w, where in notes.items())
        + "</ul></div>"
    )


UNITS_NOTE = (
    '<p class="howto">Units: shares of people in %, their differences in '
    f"{glossary('pts', 'pts (percentage points)')}; pay growth in % of pay, its differences in "
    f"{glossary('pay', 'pts of pay')}; survey changes and their differences "
    f"{glossary('scale', 'on the 1–5 scale')}. {glossary('comparable', 'Comparable colleagues')} and "
    f"the {glossary('comparison', 'comparison group')} are different figures; "
    f"{glossary('people', 'people and person-intakes')} are counted apart; a figure "
    f"{glossary('followed', 'by a horizon')} counts everyone for as long as they were followed.</p>"
)


def filtered_tables(m: Metrics, role: str, outcomes, options) -> str:
    """One effect table per filter value, each shown only while its value is chosen."""
    out = []
    for _, key, _label in options:
        t = effect_table(m, role, outcomes, key)
        out.append(f'<div data-filter="{esc(key)}">{t or "<p>" + esc(NOT_ESTIMATED) + ".</p>"}</div>')
    return "".join(out)


def card(m: Metrics, role: str, outcome: str, h, title: str, key: str = ALL, who: str = "Mentored employees") -> str:
    b = base_id(role, outcome, h, key)
    a = f"{b}.adjusted_effect"
    when = f"at {h} months" if h else "pre to post survey"
    head = f"<div>{esc(title)} ({esc(when)}): {glossary('adjusted', 'adjusted effect')}</div>"
    if not published(m, a):
        word = "suppressed" if m.get(a) is not None and m.get(a)["status"] == "suppressed" else "not estimated"
        return (
            f'<div class="card">{head}<div class="big suppressed" data-metric="{esc(a)}">{word}</div>'
            f'<div class="sentence suppressed">{esc(reason(m, a))}</div></div>'
        )
    level = "Mentored {} vs {} {}" if h else "Score change: mentored {} vs {} {}"
    unit = '<div class="unit">points on the 1–5 scale</div>' if m.get(a)["unit"] == "score_points" else ""
    return (
        f'<div class="card">{head}<div class="big">{fig(m, a)}</div>{unit}'
        f"<div>95% CI {ci(m, a)}</div>"
        f'<div class="base">{level.format(fig(m, f"{b}.mentored_rate"), glossary("comparable", "comparable colleagues"), fig(m, f"{b}.comparison_rate_weighted"))}</div>'
        f'<div class="raw">{glossary("raw", "Raw difference")} {fig(m, f"{b}.raw_difference")} (comparison group '
        f"{fig(m, f'{b}.comparison_rate_raw')})</div>"
        f'<div class="raw">{counts(m, a)}</div>'
        f'<div class="sentence">{esc(sentence(m, b, outcome, h, who))}</div></div>'
    )


PHRASES = {
    "promoted": "likely to be promoted within {h} months",
    "retained": "likely to still be with the company {h} months later",
    "became_people_manager": "likely to move into people management within {h} months",
    "changed_department": "likely to change department within {h} months",
}


def magnitude(m: Metrics, mid: str) -> Html:
    """A figure without its sign, for a sentence that says "more" or "less" in words."""
    return Html(
        f'<span class="m" data-metric="{esc(mid)}" data-part="abs">{esc(m.text(mid, signed=False).lstrip("−"))}</span>'
    )


def sentence(m: Metrics, b: str, outcome: str, h, who: str = "Mentored employees") -> Html:
    """A plain-language sentence for one estimate, with its interval and what it cannot rule out."""
    mid = f"{b}.adjusted_effect"
    a = m.get(mid)
    if a is None or not published(m, mid):
        return Html("Too few people in this group to say anything.")
    est = a["value"]
    text, interval = magnitude(m, mid), ci(m, mid)
    if outcome in PHRASES:
        s = (
            f"{who} were {text} ({interval}) {'more' if est >= 0 else 'less'} {esc(PHRASES[outcome].format(h=h))} "
            "than comparable colleagues."
        )
    elif outcome == "salary_growth":
        s = (
            f"{who}' pay grew {text} ({interval}) {'more' if est >= 0 else 'less'} over {h} months than comparable "
            "colleagues'."
        )
    elif outcome.endswith("_change"):
        construct = outcome.removesuffix("_change")
        s = (
            f"{who}' {construct} score {'rose' if est >= 0 else 'fell'} {text} points on the 1–5 scale ({interval}) "
            "more than comparable colleagues' by the first survey after they started."
        )
    else:
        s = f"{who}: {fig(m, mid)} ({interval})."
    if pd.notna(a["ci_low"]) and a["ci_low"] <= 0 <= a["ci_high"]:
        s += " The interval includes no effect, so chance cannot be ruled out."
    return Html(s)


def hazard_card(m: Metrics, role: str, outcome: str, title: str, meaning: str) -> str:
    b = base_id(role, outcome, None)
    if not published(m, f"{b}.hazard_ratio"):
        return ""
    return (
        f'<div class="cards"><div class="card"><div>{glossary("hazard", title)}</div>'
        f'<div class="big">{fig(m, f"{b}.hazard_ratio")}</div><div>95% CI {ci(m, f"{b}.hazard_ratio")}</div>'
        f'<div class="raw">Raw hazard ratio: {fig(m, f"{b}.hazard_ratio_raw")}</div>'
        f'<div class="sentence">{esc(meaning)}</div></div></div>'
    )


# ---------------------------------------------------------------------------------------------
# Pages


VERDICT_WORDS = {
    "promoted": ("the share promoted within {h} months", "pts"),
    "retained": ("the share still with the company after {h} months", "pts"),
    "satisfaction_change": ("satisfaction", "on the 1–5 scale"),
    "engagement_change": ("engagement", "on the 1–5 scale"),
}


def data_period(m: Metrics, role: str = "mentee") -> str:
    """'intakes 2022-H1 (from 2022-03-01) to 2025-H2, data as of 2025-12-31', from the cohort sizes."""
    f = m.frame
    c = f[(f.family == "cohort_size") & (f.role == role) & (f.group == "mentored")].sort_values("note")
    if c.empty:
        return f"data as of {m.as_of}"
    first, last = c.iloc[0], c.iloc[-1]
    return f"intakes {first.segment} (from {first.note}) to {last.segment}, data as of {m.as_of}"


def verdict(m: Metrics) -> str:
    """One paragraph that states what the program did, with its uncertainty, and what it costs."""
    clear: dict[str, list[str]] = {"raised": [], "lowered": []}
    unclear = []
    for outcome, h, _title in headline(m):
        mid = f"{base_id('mentee', outcome, h)}.adjusted_effect"
        if not published(m, mid):
            continue
        a = m.get(mid)
        words = VERDICT_WORDS[outcome][0].format(h=h)
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
    if published(m, "roi.roi"):
        roi_value = m.value("roi.roi")
        pays = (
            "more than pays for itself"
            if m.get("roi.roi")["ci_low"] > 0
            else ("does not pay for itself" if m.get("roi.roi")["ci_high"] < 0 else "may or may not pay for itself")
        )
        parts.append(
            f"Counting only the exits it avoided, the program {pays}: a return of {fig(m, 'roi.roi')} "
            f"(95% CI {ci(m, 'roi.roi')}) on a cost of {fig(m, 'roi.total_cost')}; promotions, pay and "
            f'engagement are not counted in that figure (<a href="roi.html">the ROI case</a>).'
            if pd.notna(roi_value)
            else ""
        )
    return " ".join(p for p in parts if p)


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
    options, left_out = segment_options(m, "mentee", [(o, h) for o, h, _ in headline(m)])
    p.filter_bar(options, "Show effects for", left_out)
    for _, key, _label in options:
        cards = [card(m, "mentee", o, h, t, key) for o, h, t in headline(m)]
        p.add(f'<div class="cards" data-filter="{esc(key)}">{"".join(cards)}</div>')
    sets = [
        (key, [(f"{t} ({h} months)", base_id("mentee", o, h, key)) for o, h, t in headline(m) if h])
        for _, key, _ in options
    ]
    p.figure(
        forest_figure(m, sets, f"Promotion and retention at {m.headline} months", "pts (percentage points)", "pts"),
        "each blue dot is the adjusted effect with its 95% interval; the grey diamond is the raw difference. "
        "Right of the line means more promotion or more people staying.",
    )
    sets = [(key, [(t, base_id("mentee", o, h, key)) for o, h, t in headline(m) if not h]) for _, key, _ in options]
    p.figure(
        forest_figure(m, sets, "Satisfaction and engagement (adjusted change)", "on the 1–5 scale", "on the 1–5 scale"),
        "the change in survey score from before to after mentoring, minus the change comparable colleagues "
        "saw; right of the line means mentoring raised the score.",
    )
    p.add("<h2>Trend by intake cohort</h2>")
    f = m.frame
    p.grid_start()
    for outcome, h, title in headline(m):
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
            continue
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
        p.figure(fig_, "", grid=True, unfiltered="every intake (the cohorts are the chart's own axis)")
    p.grid_end(
        "one small chart per outcome: each point is one intake's adjusted effect, the band its 95% "
        f"interval, the dotted line the effect over all intakes. Intakes not yet followed for {m.headline} months, or "
        "too small to estimate, are left out. Bands that overlap the dotted line mean the intakes do not "
        "differ by more than chance."
    )
    return _write(p, out)


def _by_horizon(p: Page, m: Metrics, outcome: str, title: str, howto: str) -> list:
    """A filter bar and the outcome's adjusted effect at each horizon for each filter value."""
    options, left_out = segment_options(m, "mentee", [(outcome, h) for h in m.horizons])
    p.filter_bar(options, "Show effects for", left_out)
    sets = [(key, [(months(h), base_id("mentee", outcome, h, key)) for h in m.horizons]) for _, key, _ in options]
    p.figure(forest_figure(m, sets, title, "pts (percentage points)", "pts"), howto)
    return options


def retention(x: Exports, out: Path) -> Path:
    m = x.m
    p = Page("retention.html", "Retention", f"Data as of {x.as_of}. Voluntary exits; involuntary exits compete.")
    options = _by_horizon(
        p,
        m,
        "retained",
        f"Retention at {horizons_text(m)}",
        "percentage points more mentored people still with the company at each horizon (blue: "
        "adjusted, with 95% interval; grey: raw).",
    )
    p.add(filtered_tables(m, "mentee", [("retained", "Retained (no voluntary exit)")], options))
    p.add("<h2>For all mentees</h2>")
    p.add(
        Page.unfiltered(
            hazard_card(
                m,
                "mentee",
                "time_to_voluntary_exit",
                "Hazard ratio of leaving (adjusted)",
                "Below 1 means mentored people left less often than comparable colleagues at any given time.",
            ),
            "all mentees",
        )
    )
    p.figure(
        curves_figure(
            m, "mentee", "time_to_voluntary_exit", "Staying with the company, mentored vs comparable colleagues"
        ),
        "the lines show the share still with the company (no voluntary exit) each month after the index date; "
        f"the comparison line is weighted to look like the mentored, so at {horizons_text(m)} the two lines are "
        "the table's mentored and comparable-colleague figures; shaded bands are 95% intervals.",
        unfiltered="all mentees",
    )
    return _write(p, out)


GROWTH = [
    ("salary_growth", "Salary growth"),
    ("became_people_manager", "Moved into people management"),
    ("changed_department", "Changed department (internal mobility)"),
]


def promotion(x: Exports, out: Path) -> Path:
    m = x.m
    p = Page("promotion.html", "Promotion and growth", f"Data as of {x.as_of}.")
    options = _by_horizon(
        p,
        m,
        "promoted",
        f"Promoted by {horizons_text(m)}",
        "percentage points more mentored people promoted by each horizon (blue: adjusted with 95% "
        "interval; grey: raw).",
    )
    p.add(filtered_tables(m, "mentee", [("promoted", "Promoted")], options))
    p.add("<h2>For all mentees</h2>")
    p.add(
        Page.unfiltered(
            hazard_card(
                m,
                "mentee",
                "time_to_promotion",
                "Hazard ratio of promotion (adjusted)",
                "Above 1 means mentored people were promoted sooner than comparable colleagues.",
            ),
            "all mentees",
        )
    )
    p.figure(
        curves_figure(m, "mentee", "time_to_promotion", "Time to first promotion"),
        "the share promoted at least once by each month after the index date; a steeper blue line means faster "
        "promotion; shaded bands are 95% intervals.",
        unfiltered="all mentees",
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
    return _write(p, out)


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


def _constructs(m: Metrics, role: str) -> list[str]:
    f = m.frame
    return sorted(f[(f.family == "survey_means") & (f.role == role)].outcome.dropna().unique())


def survey(x: Exports, out: Path) -> Path:
    m = x.m
    p = Page("survey.html", "Satisfaction and engagement", f"Data as of {x.as_of}. Survey constructs, 1 to 5 scale.")
    constructs = _constructs(m, "mentee")
    options, left_out = segment_options(m, "mentee", [(f"{c}_change", None) for c in constructs])
    p.filter_bar(options, "Show effects for", left_out)
    sets = [
        (key, [(c.capitalize(), base_id("mentee", f"{c}_change", None, key)) for c in constructs])
        for _, key, _ in options
    ]
    p.figure(
        forest_figure(m, sets, "Adjusted effect per construct", "on the 1–5 scale", "on the 1–5 scale"),
        "how much more the score of mentored people rose by the first survey after they started than that of "
        "comparable colleagues, with 95% intervals (blue) and the raw difference (grey).",
    )
    p.add(filtered_tables(m, "mentee", [(f"{c}_change", c.capitalize()) for c in constructs], options))
    p.add("<h2>For all mentees</h2>")
    fig_ = go.Figure()
    for group, color, name in (("mentored", MENTORED, "Mentored"), ("comparison", COMPARISON, "Comparison group")):
        for when, label in (("pre_mean", "before"), ("post_mean", "after")):
            ids = [f"mentee.{c}.survey_means.{group}.{when}" for c in constructs]
            fig_.add_trace(
                go.Bar(
                    x=constructs,
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
    p.figure(
        fig_,
        "pale bars are the survey before the index date, solid bars the first after; blue for the mentored, "
        "orange for the comparison group. These are raw means of everyone with a survey before and after, "
        "more people than the adjusted effects above use (those with two surveys before the start: see "
        "the three designs below).",
        unfiltered="all mentees",
    )
    p.add("<h2>Three designs, side by side</h2>")
    p.add(
        Page.unfiltered(
            survey_bracket(m, "mentee", constructs) + f'<p class="howto">{esc(BRACKET_NOTE)}</p>', "all mentees"
        )
    )
    rows = [
        [c.capitalize(), g, people(m, f"mentee.{c}.survey_means.{g}.people", g)]
        + [fig(m, f"mentee.{c}.survey_means.{g}.{col}") for col in ("pre_mean", "post_mean")]
        for c in constructs
        for g in ("mentored", "comparison")
    ]
    p.add(
        Page.unfiltered(
            table(rows, ["Construct", "Group", "People (person-intakes)", "Before", "After"]), "all mentees"
        )
    )
    return _write(p, out)


def _health(program: str, cohort: str, col: str) -> str:
    return f"program.{program}.{cohort}.{col}"


def program(x: Exports, out: Path, at_risk_days: int, min_group_size: int) -> Path:
    m = x.m
    p = Page("program.html", "Program health", f"Data as of {x.as_of}. For HR and program owners.")
    f = m.frame
    h = f[f.family == "program"]
    segs = h.segment.drop_duplicates().tolist()
    pairs_ = [tuple(s.split(" / ", 1)) for s in segs]
    if ("All programs", "All cohorts") in pairs_:
        t = lambda col: fig(m, _health("All programs", "All cohorts", col))
        cards = (
            ("Pairs active", Html(f"{t('active_pairs')} of {t('pairs')}")),
            ("Meetings per pair per month", t("meetings_per_pair_month")),
            ("Typical gap between meetings", t("median_gap_days")),
            ("Goals met", Html(f"{t('goals_met')} of {t('goals_set')} ({t('goals_met_share')})")),
            ("Mean mentee rating", Html(f"{t('mean_mentee_rating')} / 5")),
        )
        p.add(
            Page.unfiltered(
                '<div class="cards">'
                + "".join(
                    f'<div class="card"><div>{esc(k)}</div><div class="big">{esc(v)}</div></div>' for k, v in cards
                )
                + "</div>"
                + f'<p class="howto">Counts of pairs; a count under the minimum group size is '
                f"{glossary('suppressed', 'suppressed')}.</p>",
                "all programs and cohorts",
            )
        )
    cohorts = [c for prog, c in pairs_ if prog == "All programs" and c != "All cohorts"]
    options = [("", ALL, "All cohorts")] + [("Cohort", f"cohort={c}", c) for c in cohorts]
    p.filter_bar(options, "Cohort")
    p.grid_start()
    for band, title, labels, _caption in DOSE_BAND_CHARTS:
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
        p.figure(fig_, "", grid=True)
    p.grid_end(
        " ".join(f"{t.split(' in their')[0]}: {c}" for _b, t, _l, c in DOSE_BAND_CHARTS)
        + " Cohorts with fewer than the minimum number of pairs are suppressed."
    )
    act = f[(f.family == "activity") & f.metric_id.str.endswith(".meetings_per_pair") & (f.status == "published")]
    if len(act):
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
        p.figure(
            trend,
            "each line is one program's meetings in the month divided by its pairs running that month "
            "(black: all programs); a falling line means pairs are meeting less. Months with fewer running "
            "pairs than the minimum group size are left out.",
            unfiltered="every program and month (the calendar is the chart's own axis)",
        )
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
    p.figure(
        status,
        "each bar is one intake's pairs: still meeting (blue), completed (green) or stopped early "
        "(orange); an intake with fewer pairs than the minimum group size is left out.",
        unfiltered="every intake (the intakes are the chart's own axis)",
    )
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
    p.add("<h2>By program and cohort</h2>")
    p.add(
        Page.unfiltered(
            table(
                rows,
                [
                    "Program",
                    "Cohort",
                    "Pairs",
                    "Active",
                    "Meetings / pair / month",
                    "Median gap (days)",
                    "Goals met / set",
                    "Mean rating",
                ],
            ),
            "every program and cohort",
        )
    )
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
    p.figure(
        forest_figure(
            m,
            sets,
            f"Dose-response: promotion at {m.headline} months by meeting cadence and regularity",
            "adjusted effect, pts",
            "pts",
        ),
        "each band of mentees against the whole comparison group, once by how often the pair met and once by "
        "the longest stretch it went without meeting, both in the pair's first 90 days. If more meetings go with "
        "larger effects, the dots move right from low to high. Bands are measured after the pair started, "
        "so they also reflect how engaged it was: read them as a pattern, not as the effect of adding "
        "meetings.",
        unfiltered="all cohorts",
    )
    ar = x.at_risk
    p.add('<div class="teamonly">')  # left out of the leadership packs (dashboards/packs.py)
    p.add(f"<h2>Pairs at risk: no meeting in over {at_risk_days} days</h2>")
    p.add(
        "<p>This list is for the program team, to follow up with pairs that have gone quiet. It is not for "
        "leadership: it appears on this page only, never in the leadership pages or packs, and a leadership "
        "export (<code>MENTORSHIP_LEADERSHIP_EXPORT</code>) leaves it out altogether.</p>"
    )
    if ar is None:
        p.add(
            "<p>Held back: this is a leadership export, so the list of pairs at risk is left out. The program "
            "team sees it in its own run of the pipeline.</p>"
        )
        p.add("</div>")
        return _write(p, out)
    if ar.empty:  # the publication gate lists them only from min_group_size pairs
        p.add(
            f'<p class="suppressed">Not listed: fewer than {min_group_size} active pairs are at risk (perhaps '
            f"none), too few to list without singling people out.</p>"
        )
    else:
        # A pair that never met has been quiet since it started: say so rather than show a "last meeting".
        rows = [
            [
                r.pair,
                r.program,
                r.cohort,
                f"{int(r.days_since_last_meeting):,}"
                + (" (never met: days since the start)" if r.meetings == 0 else ""),
                f"{int(r.meetings):,}",
            ]
            for r in ar.head(50).itertuples()
        ]
        shown = "all are listed" if len(ar) <= 50 else "the 50 longest quiet are listed"
        p.add(
            f"<p>{len(ar):,} active pairs have not met in over {at_risk_days} days; {shown}. "
            "Pair ids are keyed hashes: the program team can look them up in the warehouse, nobody else can.</p>"
        )
        p.add(
            Page.unfiltered(
                table(
                    rows, ["Pair (pseudonymised)", "Program", "Cohort", "Days since last meeting", "Meetings so far"]
                ),
                "every cohort",
            )
        )
    p.add("</div>")
    return _write(p, out)


#: Categories in their natural order, not the alphabet's.
ORDER = {"age_band": ["under 30", "30 to 44", "45 and over"]}
BREAKDOWNS = ("program", "department", "job_level", "gender", "age_band")
BREAKDOWN_WORDS = {
    "program": "programs",
    "department": "departments",
    "job_level": "levels",
    "gender": "genders",
    "age_band": "age bands",
    "cohort": "intakes",
}


def _ordered(segment_type: str, segments) -> list[str]:
    order = ORDER.get(segment_type)
    if order:
        return sorted(segments, key=lambda v: order.index(v) if v in order else len(order))
    return sorted(segments, key=_natural)


def group_rows(m: Metrics, role: str, outcome: str, h, types=BREAKDOWNS) -> list[tuple[str, str]]:
    """Forest rows for every group of each breakdown, each labelled with its mentored people."""
    f = m.frame
    e = f[(f.family == "effect") & (f.role == role) & (f.outcome == outcome) & (f.measure == "adjusted_effect")]
    e = e[(e.horizon_months == h) if h else e.horizon_months.isna()]
    rows = [(_with_n(m, "Everyone", base_id(role, outcome, h)), base_id(role, outcome, h))]
    for st in types:
        for seg in _ordered(st, e[e.segment_type == st].segment.unique()):
            b = base_id(role, outcome, h, f"{st}={seg}")
            rows.append((_with_n(m, _segment_label(st, seg), b), b))
    return rows


def _with_n(m: Metrics, label: str, b: str) -> str:
    """'Department:<br>Sales (203)': the breakdown on its own line, so that on a phone the labels leave
    the plot room (and are not cut at the left edge)."""
    r = m.get(f"{b}.adjusted_effect")
    n = None if r is None else r["people_mentored"]
    label = label.replace(": ", ":<br>", 1)
    return f"{label} ({int(n):,})" if n is not None and pd.notna(n) else f"{label} (n hidden)"


def differs(m: Metrics, role: str, outcome: str, h, types=BREAKDOWNS) -> str:
    """In words, per breakdown: does the effect differ across its groups by more than chance?"""
    out = []
    for st in types:
        mid = f"{base_id(role, outcome, h)}.heterogeneity.{st}"
        r = m.get(mid)
        if r is None or not published(m, mid):
            continue
        groups = f" ({esc(r['note'])} groups shown)" if r["note"] else ""
        if r["value"] < 0.05:
            out.append(
                f"<li>across {BREAKDOWN_WORDS[st]}: <b>differs</b> by more than chance alone would explain "
                f"(p = {fig(m, mid)}){groups}</li>"
            )
        else:
            out.append(
                f"<li>across {BREAKDOWN_WORDS[st]}: no difference beyond chance (p = {fig(m, mid)}){groups}</li>"
            )
    return '<ul class="differs">' + "".join(out) + "</ul>" if out else ""


def equity(x: Exports, out: Path) -> Path:
    m = x.m
    p = Page(
        "equity.html",
        "Equity: does the program help every group?",
        f"Data as of {x.as_of}. Adjusted effects by group, with the group's mentored people in brackets; groups "
        "too small to say anything are suppressed.",
    )
    tests = sum(
        1
        for o, h, _ in headline(m)
        for st in BREAKDOWNS
        if published(m, f"{base_id('mentee', o, h)}.heterogeneity.{st}")
    )
    p.add(
        f'<div class="note">Under each chart, a test of whether the effect differs across the groups of each '
        f"breakdown (Cochran's Q over the groups shown). With {tests} such tests on this page, about "
        f'{tests * 0.05:.0f} would show a difference at the 5% level by chance alone: read a single "differs" as a '
        f"lead to look into, not a finding.</div>"
    )
    for outcome, h, title in headline(m):
        rows = group_rows(m, "mentee", outcome, h)
        if len(rows) == 1:
            continue
        unit = ("adjusted effect, pts", "pts") if h else ("adjusted effect, on the 1–5 scale", "on the 1–5 scale")
        p.figure(
            forest_figure(m, [(None, rows)], f"{title}{f' at {h} months' if h else ''} by group", *unit),
            "each row is one group's adjusted effect with its 95% interval (blue) and raw difference (grey); "
            "'suppressed' means too few mentored or comparison people in that group to show.",
        )
        p.add(
            f'<div class="howto"><b>Does the effect differ between groups?</b>{differs(m, "mentee", outcome, h)}</div>'
        )
    return _write(p, out)


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
    constructs = _constructs(m, "mentor")
    sets = [(None, [(c.capitalize(), base_id("mentor", f"{c}_change", None)) for c in constructs])]
    p.figure(
        forest_figure(
            m, sets, "Survey constructs of mentors (adjusted change)", "On the 1–5 scale", "on the 1–5 scale"
        ),
        "the extra change in each survey score for mentors against comparable colleagues.",
    )
    p.figure(
        curves_figure(m, "mentor", "time_to_voluntary_exit", "Mentors staying with the company"),
        "share of mentors and comparable colleagues still with the company by month; bands are 95% intervals.",
    )
    p.add(
        effect_table(
            m,
            "mentor",
            MENTOR_OUTCOMES
            + [("salary_growth", "Salary growth")]
            + [(f"{c}_change", c.capitalize()) for c in constructs],
        )
    )
    p.add("<h2>Survey constructs: three designs, side by side</h2>")
    p.add(survey_bracket(m, "mentor", constructs))
    p.add(f'<p class="howto">{esc(BRACKET_NOTE)}</p>')
    return _write(p, out)


def roi(x: Exports, out: Path, roi_file: Path) -> Path:
    from mentorship.roi import Assumptions

    m = x.m
    a = Assumptions.from_yaml(roi_file)
    p = Page("roi.html", "Return on investment", f"Data as of {x.as_of}. Assumptions from {roi_file.name}.")
    if not published(m, "roi.roi"):
        hint = (
            f" The pipeline estimates effects at {horizons_text(m)} (MENTORSHIP_HORIZONS) and {roi_file.name} asks for "
            f"{a.horizon_months}: set its horizon_months to one of them, or add {a.horizon_months} to the horizons."
            if a.horizon_months not in m.horizons
            else ""
        )
        p.add(
            f'<p class="suppressed">The ROI cannot be computed: no adjusted retention effect at '
            f"{a.horizon_months} months is published to base it on.{hint}</p>"
        )
        return _write(p, out)
    g = lambda k: fig(m, f"roi.{k}")
    c = lambda k: ci(m, f"roi.{k}")
    # Colour follows sign: a loss is never drawn in the colour of good news.
    tone = lambda k: "bad" if m.value(f"roi.{k}") < 0 else "good"
    p.add(
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div>{esc(k)}</div><div class="big {cls}">{esc(v)}</div><div>{esc(sub)}</div></div>'
            for k, v, cls, sub in (
                (
                    "Return on investment",
                    g("roi"),
                    tone("roi"),
                    Html(
                        f"95% CI {c('roi')} from the effect's uncertainty; {c('roi_all')} with the assumptions' ranges too"
                    ),
                ),
                ("Net benefit", g("net_benefit"), tone("net_benefit"), Html(f"95% CI {c('net_benefit')}")),
                (
                    "Exits avoided",
                    g("exits_avoided"),
                    "",
                    Html(f"of {g('mentees')} mentees, from the adjusted {a.horizon_months}-month retention effect"),
                ),
                (
                    "Total cost",
                    g("total_cost"),
                    "",
                    Html(
                        f"{g('cost_per_mentee')} per mentee; {g('cost_per_exit_avoided')} "
                        f"per exit avoided; {g('meeting_hours')} meeting hours, "
                        f"{g('pairs')} pairs"
                    ),
                ),
            )
        )
        + "</div>"
    )
    if published(m, "roi.break_even_replacement_share"):
        p.add(
            f'<div class="verdict"><b>Break-even.</b> The ROI would be zero at a replacement cost of '
            f"{g('break_even_replacement_share')} of salary (assumed: {g('assumption.replacement_share')}), or at a "
            f"{a.horizon_months}-month retention effect of {g('break_even_retention_effect')} (measured: "
            f"{g('retention_effect')}), each with everything else as it is.</div>"
        )
    later = [h for h in m.horizons if h > a.horizon_months and published(m, f"roi.exits_avoided_{h}m")]
    beyond = "".join(
        f"; over {h} months the retention effect avoids {g(f'exits_avoided_{h}m')} exits, against "
        f"{g('exits_avoided')} within {a.horizon_months}"
        for h in later
    )
    p.add(
        '<div class="note"><b>What is counted.</b> Only the exits the program avoided within '
        f"{a.horizon_months} months (the <b>adjusted</b> retention effect, {g('retention_effect')}, 95% CI "
        f"{c('retention_effect')}, times the mentees), each valued at the replacement cost. It never assumes that "
        "every mentee would otherwise have left, and never uses the raw difference.<br><b>What is not counted.</b> "
        f"Promotions ({fig(m, f'mentee.promoted.{m.headline}m.all.adjusted_effect')} within {m.headline} months), "
        "satisfaction and "
        f"engagement, retention beyond {a.horizon_months} months{beyond}, and pay growth (a cost to the company "
        f"unless finance values the work behind it). To count them, "
        f"set <code>horizon_months</code>, <code>benefits.promotion</code> or <code>benefits.pay</code> in <code>{esc(roi_file.name)}</code> "
        "to values finance agrees to.</div>"
    )
    f = m.frame
    lines = f[
        (f.family == "roi") & (f.metric_id.str.startswith("roi.cost.") | f.metric_id.str.startswith("roi.benefit."))
    ]
    fig_ = go.Figure()
    labels = list(lines.label) + ["Net benefit"]
    ids = list(lines.metric_id) + ["roi.net_benefit"]
    values = [m.value(i) for i in ids]
    net_colour = WARN if m.value("roi.net_benefit") < 0 else ACCENT
    fig_.add_trace(
        go.Waterfall(
            x=labels,
            y=values,
            measure=["relative"] * (len(labels) - 1) + ["total"],
            customdata=ids,
            decreasing={"marker": {"color": WARN}},
            increasing={"marker": {"color": MENTORED}},
            totals={"marker": {"color": net_colour}},
            text=[m.text(i) for i in ids],
            textposition="outside",
        )
    )
    fig_.update_layout(title="Cost and benefit", yaxis_title=a.currency, showlegend=False)
    p.figure(
        fig_,
        "costs pull down (orange), the monetised benefit pushes up (blue); the last bar is what is left, "
        "orange when it is a loss.",
    )
    sens = f[(f.family == "roi") & f.metric_id.str.startswith("roi.sensitivity.")]
    names = list(dict.fromkeys(i.removeprefix("roi.sensitivity.").rsplit(".", 1)[0] for i in sens.metric_id))
    central = m.value("roi.roi")
    fig_ = go.Figure()
    for end, color, label in (
        ("low", WARN, "Value giving the lower ROI"),
        ("high", MENTORED, "Value giving the higher ROI"),
    ):
        ids = [f"roi.sensitivity.{n}.{end}" for n in names]
        fig_.add_trace(
            go.Bar(
                y=names,
                x=[100 * (m.value(i) - central) for i in ids],
                base=100 * central,
                orientation="h",
                name=label,
                marker={"color": color},
                text=[m.get(i)["note"] for i in ids],
                textposition="auto",
                hovertemplate="%{text}<extra></extra>",
                customdata=ids,
            )
        )
    fig_.add_vline(x=100 * central, line={"color": "#222", "width": 1})
    fig_.update_layout(barmode="overlay", title="Sensitivity of the ROI (tornado)", xaxis_title="ROI, %")
    fig_.update_xaxes(ticksuffix="%")
    fig_.update_yaxes(autorange="reversed")
    p.figure(
        fig_,
        "each bar moves one assumption to the ends of its range (the value is on the bar, in the "
        "assumption's own units) and shows where the ROI lands; the longest bars are the assumptions worth "
        "checking first. The line is the central ROI.",
        height=360,
    )
    programs = f[(f.family == "roi_program") & (f.measure == "roi")].segment.tolist()
    if programs:
        p.add("<h2>By program</h2>")
        q = lambda prog, k: fig(m, f"roi.program.{prog}.{k}")
        p.add(
            table(
                [
                    [
                        prog,
                        q(prog, "mentees"),
                        q(prog, "retention_effect"),
                        q(prog, "exits_avoided"),
                        q(prog, "total_cost"),
                        q(prog, "cost_per_mentee"),
                        q(prog, "net_benefit"),
                        Html(f"{q(prog, 'roi')} ({ci(m, f'roi.program.{prog}.roi')})"),
                    ]
                    for prog in programs
                ],
                [
                    "Program",
                    "Mentees",
                    "Retention effect",
                    "Exits avoided",
                    "Total cost",
                    "Cost per mentee",
                    "Net benefit",
                    "ROI (95% CI)",
                ],
            )
        )
        p.add(
            '<p class="howto">Each program with its own mentees, pairs, hours and adjusted retention effect (its '
            "mentees against the whole comparison group) and the same assumptions; the administration, which is "
            "not booked by program, is shared in proportion to pairs.</p>"
        )
    rows = [[r.label, fig(m, r.metric_id)] for r in lines.itertuples()] + [
        ["Total cost", g("total_cost")],
        ["Net benefit", g("net_benefit")],
    ]
    p.add(table(rows, ["Line", "Amount"]))
    p.add(
        table(
            [
                [
                    n,
                    setting(m, f"roi.sensitivity.{n}.low"),
                    fig(m, f"roi.sensitivity.{n}.low"),
                    setting(m, f"roi.sensitivity.{n}.high"),
                    fig(m, f"roi.sensitivity.{n}.high"),
                ]
                for n in names
            ],
            ["Assumption", "Value giving the lower ROI", "ROI", "Value giving the higher ROI", "ROI"],
        )
    )
    p.add("<h2>Assumptions</h2>")
    q = lambda k: fig(m, f"roi.assumption.{k}")
    p.add(
        table(
            [
                ["Loaded hourly cost, mentor", q("mentor_hourly")],
                ["Loaded hourly cost, mentee", q("mentee_hourly")],
                ["Preparation per meeting hour", q("preparation_share")],
                ["Administration per year", q("administration_per_year")],
                ["Platform fee per pair and year", q("platform_fee_per_pair_year")],
                [
                    "Replacement cost, share of salary",
                    Html(
                        f"{q('replacement_share')} (range "
                        f"{q('replacement_share_low')} to "
                        f"{q('replacement_share_high')})"
                    ),
                ],
                ["Mentees' mean salary", g("mean_mentee_salary")],
                ["Program length", g("program_years")],
            ],
            ["Assumption", "Value"],
        )
    )
    p.add(
        f'<p class="howto">Every value comes from <code>{esc(roi_file.name)}</code>, where each default is '
        "explained with its source. Change the file and re-run to update this page.</p>"
    )
    return _write(p, out)


def quality(x: Exports, out: Path) -> Path:
    m = x.m
    p = Page("quality.html", "Data quality", f"Data as of {x.as_of}. For analysts: validation of the latest extracts.")
    f = m.frame
    sources = f[f.family == "quality"].segment.drop_duplicates().tolist()
    status = {s["source"]: s for s in x.validation.get("sources", [])}
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
    p.add(
        table(
            rows,
            ["Source", "Status", "Rows read", "Accepted", "Quarantined", "Files", "Newest file loaded"],
            classes=classes,
        )
    )
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
    p.figure(
        fig_,
        "blue rows passed every rule and are in the warehouse; orange rows were quarantined with the "
        "file, line, column and rule that failed (log scale).",
        height=340,
    )
    p.add(
        '<p>Every rule, its counts and sample rows, and each source\'s status: <a href="validation_report.html">the '
        "validation report</a>. Quarantined rows themselves stay in the warehouse (<code>validated.quarantine</code>).</p>"
    )
    return _write(p, out)


def index(x: Exports, out: Path) -> Path:
    p = Page("index.html", "Mentorship program dashboards", f"Data as of {x.as_of}.")
    blurbs = {
        "executive.html": "the four headline outcomes, adjusted and raw, in plain words",
        "retention.html": f"who stays: curves, hazard ratio, retention at {horizons_text(x.m)}",
        "promotion.html": "promotion, pay growth, moves into management and across departments",
        "survey.html": "satisfaction, engagement and other survey constructs before and after",
        "program.html": "for HR: pairs, meeting cadence, goals, ratings, dose-response, pairs going quiet",
        "equity.html": "whether the program helps every department, level, gender and age group",
        "mentors.html": "what mentoring does for mentors",
        "roi.html": "for HR: cost, benefit and ROI with its interval and assumptions",
        "quality.html": "for analysts: validation status, quarantine counts, freshness",
        "methodology.html": "how the numbers are made, what they assume, and the glossary",
    }
    items = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a>: {esc(blurbs[h])}</li>' for h, t in PAGES if h in blurbs)
    items += (
        '<li><a href="outcome_comparison.html">Raw comparison</a>: every outcome, mentored vs comparison, '
        'unadjusted, with counts</li><li><a href="validation_report.html">Validation report</a>: every rule '
        "per source</li>"
    )
    p.add(f"<ul>{items}</ul>")
    p.add(
        '<p class="howto">Every figure on these pages is a row of one metrics table, '
        "<code>metrics.csv</code> beside the exports, with its definition, population, estimator and status.</p>"
    )
    p.add(
        '<p class="howto">Packs for leadership: <a href="packs/executive.pdf">executive summary (PDF)</a>, '
        '<a href="packs/roi.pdf">ROI (PDF)</a>, <a href="packs/program.pdf">program health (PDF, without the list of '
        "pairs at risk)</a>, with PNG versions beside them, when the pipeline could render them.</p>"
    )
    return _write(p, out)


def _write(p: Page, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    if not p.self_contained:
        write_plotlyjs(out)
    path = out / p.filename
    path.write_text(p.html())
    return path


def build_all(
    export_dir: Path, out: Path, roi_file: Path, at_risk_days: int, min_group_size: int, self_contained: bool = False
) -> list[Path]:
    """Every page; ``self_contained`` puts plotly.js inside each one instead of one shared copy beside them."""
    x = Exports.load(Path(export_dir))
    out = Path(out)
    # Every page of this build is made one way; the class default is restored however the build ends.
    Page.self_contained = self_contained
    try:
        return [
            executive(x, out),
            retention(x, out),
            promotion(x, out),
            survey(x, out),
            program(x, out, at_risk_days, min_group_size),
            equity(x, out),
            mentors(x, out),
            roi(x, out, Path(roi_file)),
            quality(x, out),
            index(x, out),
        ]
    finally:
        Page.self_contained = False
