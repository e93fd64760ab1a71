"""Every dashboard page, built from the exported aggregate files only (never the warehouse).

``build_all(export_dir, out_dir, ...)`` writes the index and the ten pages. Each page is static HTML
that works from ``file://`` with no network: plotly.js is embedded once per page, and filters switch
between pre-computed slices in the browser.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboards.theme import (ACCENT, COMPARISON, MENTORED, PAGES, RAW, WARN, Page, esc, money, months, pct,
                              pct_points, table)
from mentorship.roi import Assumptions, RoiConfigError, compute_roi, inputs_from_tables

HEADLINE = [("promoted", 12, "Promotion"), ("retained", 12, "Retention"),
            ("satisfaction_change", None, "Satisfaction"), ("engagement_change", None, "Engagement")]
SEGMENT_TITLES = {"cohort": "Cohort", "department": "Department", "job_level": "Level", "gender": "Gender",
                  "age_band": "Age band", "cadence_band": "Meeting cadence",
                  "regularity_band": "Meeting regularity"}
BANDS = ("low", "medium", "high")
#: Pair dose bands: (column, chart title, band labels low to high, caption).
DOSE_BAND_CHARTS = [
    ("cadence_band", "Pairs by meeting cadence in their first 90 days",
     ("low: under 1 a month", "medium: 1 to 2", "high: 2 or more"),
     "how many pairs met less than once a month (low), one to two times (medium) or more often (high) in "
     "their first 90 days (or their whole life, if shorter); pairs younger than 90 days are not counted yet."),
    ("regularity_band", "Pairs by meeting regularity in their first 90 days",
     ("low: a gap over 9 weeks", "medium: 6 to 9 weeks", "high: no gap over 6 weeks"),
     "how steadily pairs met in their first 90 days: the longest stretch without a meeting, from the start, "
     "over 9 weeks (low), 6 to 9 weeks (medium) or 6 weeks at most (high); pairs younger than 90 days are "
     "not counted yet."),
]
ALL = "all"


@dataclass
class Exports:
    effects: pd.DataFrame
    balance: pd.DataFrame
    curves: pd.DataFrame
    comparison: pd.DataFrame
    sizes: pd.DataFrame
    health: pd.DataFrame
    prepost: pd.DataFrame
    roi_inputs: pd.DataFrame
    at_risk: pd.DataFrame | None  # None in a leadership export: the list is held back for the program team
    validation: dict
    as_of: str

    @classmethod
    def load(cls, d: Path) -> "Exports":
        def pq(name):
            return pd.read_parquet(d / f"{name}.parquet")

        sizes = pq("cohort_sizes")
        as_of = str(pd.to_datetime(sizes["as_of_date"]).max().date()) if len(sizes) else "unknown"
        vpath = d / "validation_summary.json"
        return cls(effects=pq("effect_estimates"), balance=pq("effect_balance"), curves=pq("survival_curves"),
                   comparison=pq("outcome_comparison"), sizes=sizes, health=pq("program_health"),
                   prepost=pq("survey_prepost"), roi_inputs=pq("roi_inputs"),
                   at_risk=pq("at_risk_pairs") if (d / "at_risk_pairs.parquet").exists() else None,
                   validation=json.loads(vpath.read_text()) if vpath.exists() else {"sources": []}, as_of=as_of)


# ---------------------------------------------------------------------------------------------
# Wording and numbers


def is_proportion(outcome: str) -> bool:
    return outcome in ("promoted", "retained", "became_people_manager", "changed_department")


def effect_text(outcome: str, v) -> str:
    if v is None or pd.isna(v):
        return ""
    if is_proportion(outcome) or outcome == "salary_growth":
        return pct_points(v, 2 if outcome == "salary_growth" else 1)
    if outcome.startswith("time_to"):
        return f"HR {v:.2f}"
    return f"{v:+.2f} points"


def ci_text(outcome: str, lo, hi) -> str:
    if pd.isna(lo) or pd.isna(hi):
        return "no interval"
    if is_proportion(outcome) or outcome == "salary_growth":
        d = 2 if outcome == "salary_growth" else 1
        return f"{100 * lo:.{d}f} to {100 * hi:.{d}f}"
    return f"{lo:.2f} to {hi:.2f}"


PHRASES = {
    "promoted": ("likely to be promoted within {h} months", "points"),
    "retained": ("likely to still be with the company {h} months later", "points"),
    "became_people_manager": ("likely to move into people management within {h} months", "points"),
    "changed_department": ("likely to change department within {h} months", "points"),
}


def sentence(row: pd.Series, who: str = "Mentored employees") -> str:
    """A plain-language sentence for one estimate, with its interval and what it cannot rule out."""
    if row is None or bool(row.suppressed):
        return "Too few people in this group to say anything (suppressed)."
    o, est = row.outcome, row.estimate
    h = int(row.horizon_months) if pd.notna(row.horizon_months) else None
    ci = ci_text(o, row.ci_low, row.ci_high)
    if o in PHRASES:
        what = PHRASES[o][0].format(h=h)
        s = (f"{who} were {abs(100 * est):.1f} points ({ci}) {'more' if est >= 0 else 'less'} {what} "
             f"than comparable colleagues.")
    elif o == "salary_growth":
        s = (f"{who}' pay grew {abs(100 * est):.2f} points ({ci}) {'more' if est >= 0 else 'less'} over {h} months "
             f"than comparable colleagues'.")
    elif o.endswith("_change"):
        construct = o.removesuffix("_change")
        s = (f"{who}' {construct} score {'rose' if est >= 0 else 'fell'} {abs(est):.2f} points ({ci}, on the "
             f"survey's 1 to 5 scale) more than comparable colleagues' by the first survey after they started.")
    else:
        s = f"{who}: {effect_text(o, est)} ({ci})."
    if pd.notna(row.ci_low) and row.ci_low <= 0 <= row.ci_high:
        s += " The interval includes no effect, so chance cannot be ruled out."
    return s


def count(v) -> str:
    return "suppressed" if v is None or pd.isna(v) else f"{int(v):,}"


def _segment_key(segment_type: str, segment: str) -> str:
    return ALL if segment_type == "overall" else f"{segment_type}={segment}"


def _segment_label(segment_type: str, segment: str) -> str:
    if segment_type == "overall":
        return "Everyone"
    value = str(segment).split(": ", 1)[-1]
    return f"{SEGMENT_TITLES.get(segment_type, segment_type)}: {value}"


def segment_options(effects: pd.DataFrame, types=("cohort", "department", "job_level")) -> list[tuple[str, str, str]]:
    opts = [("", ALL, "Everyone")]
    for st in types:
        segs = sorted(effects.loc[effects.segment_type == st, "segment"].dropna().unique(), key=_natural)
        opts += [(SEGMENT_TITLES[st], _segment_key(st, s), _segment_label(st, s)) for s in segs]
    return opts


def _natural(v):
    try:
        return (0, float(v))
    except (TypeError, ValueError):
        return (1, str(v))


def _rows(effects: pd.DataFrame, role: str, outcome: str, horizon=None, segment_type: str = "overall") -> pd.DataFrame:
    e = effects[(effects.role == role) & (effects.outcome == outcome) & (effects.segment_type == segment_type)]
    if horizon is None:
        return e[e.horizon_months.isna()]
    return e[e.horizon_months == horizon]


def _one(effects, role, outcome, horizon=None, segment_type="overall", segment=None):
    e = _rows(effects, role, outcome, horizon, segment_type)
    if segment is not None:
        e = e[e.segment == segment]
    return e.iloc[0] if len(e) else None


# ---------------------------------------------------------------------------------------------
# Charts


def forest(rows: list[tuple[str, pd.Series | None]], key: str | None, show_legend: bool, scale: float = 100.0,
           unit: str = "points") -> list[go.Scatter]:
    """Adjusted effect with its CI (blue) beside the raw difference (grey), one line per label;
    suppressed lines show as a grey cross labelled 'suppressed'."""
    labels, est, lo, hi, raw, sup = [], [], [], [], [], []
    for label, r in rows:
        labels.append(label)
        if r is None or bool(r.suppressed) or pd.isna(r.estimate):
            est.append(None), lo.append(None), hi.append(None), raw.append(None), sup.append(label)
            continue
        est.append(r.estimate * scale)
        lo.append((r.estimate - r.ci_low) * scale if pd.notna(r.ci_low) else None)
        hi.append((r.ci_high - r.estimate) * scale if pd.notna(r.ci_high) else None)
        raw.append(r.naive * scale)
    traces = [
        go.Scatter(x=est, y=labels, mode="markers", name="Adjusted effect (95% CI)", meta=key,
                   marker=dict(color=MENTORED, size=11), showlegend=show_legend,
                   error_x=dict(type="data", array=hi, arrayminus=lo, color=MENTORED, thickness=2),
                   hovertemplate="%{y}: %{x:.2f} " + unit + "<extra>adjusted</extra>"),
        go.Scatter(x=raw, y=labels, mode="markers", name="Raw difference (not adjusted)", meta=key,
                   marker=dict(color=RAW, size=9, symbol="diamond-open"), showlegend=show_legend,
                   hovertemplate="%{y}: %{x:.2f} " + unit + "<extra>raw</extra>"),
    ]
    if sup:
        traces.append(go.Scatter(x=[0] * len(sup), y=sup, mode="markers+text", text=["suppressed"] * len(sup),
                                 textposition="middle right", name="Suppressed (group too small)", meta=key,
                                 marker=dict(color="#bbb", symbol="x", size=9), showlegend=show_legend,
                                 hoverinfo="skip"))
    return traces


def _forest_figure(trace_sets: list[tuple[str | None, list[tuple[str, pd.Series | None]]]], title: str,
                   xtitle: str, scale: float = 100.0, unit: str = "points", height: int | None = None) -> go.Figure:
    fig = go.Figure()
    for i, (key, rows) in enumerate(trace_sets):
        for tr in forest(rows, key, show_legend=(i == 0), scale=scale, unit=unit):
            tr.visible = key in (None, ALL) or i == 0
            fig.add_trace(tr)
    fig.add_vline(x=0, line=dict(color="#444", width=1))
    n = max((len(r) for _, r in trace_sets), default=1)
    fig.update_layout(title=title, xaxis_title=xtitle, height=height or max(260, 70 + 46 * n))
    fig.update_yaxes(autorange="reversed")
    return fig


def _band_figure(options, total: pd.DataFrame, cohorts: pd.DataFrame, band: str, labels, title: str) -> go.Figure:
    """Pairs per dose band, one bar trace per cohort filter option."""
    prefix = band.removesuffix("_band")
    fig = go.Figure()
    for _, key, label in options:
        row = total if key == ALL else cohorts[cohorts.cohort == label]
        if row.empty:
            continue
        r = row.iloc[0]
        if bool(r.suppressed):
            fig.add_trace(go.Bar(x=list(labels), y=[0, 0, 0], meta=key, visible=key == ALL,
                                 text=["suppressed"] * 3, textposition="outside", marker=dict(color="#ccc"),
                                 name="suppressed"))
            continue
        ys = [getattr(r, f"{b}_{prefix}_pairs") for b in BANDS]
        fig.add_trace(go.Bar(x=list(labels), y=[0 if pd.isna(v) else v for v in ys], text=[count(v) for v in ys],
                             textposition="outside", meta=key, visible=key == ALL,
                             marker=dict(color=[WARN, COMPARISON, MENTORED]), name=label,
                             hovertemplate="%{x}: %{text} pairs<extra></extra>", showlegend=False))
    fig.update_layout(title=title, yaxis_title="Pairs")
    return fig


def _curves_figure(curves: pd.DataFrame, outcome: str, role: str, title: str, cumulative: bool) -> go.Figure:
    fig = go.Figure()
    for group, color, name in (("treated", MENTORED, "Mentored"), ("comparison", COMPARISON, "Comparison (weighted)")):
        c = curves[(curves.role == role) & (curves.outcome == outcome) & (curves.group == group)].sort_values("month")
        if c.empty:
            continue
        y, lo, hi = c.survival, c.ci_low, c.ci_high
        if cumulative:
            y, lo, hi = 1 - y, 1 - c.ci_high, 1 - c.ci_low
        fig.add_trace(go.Scatter(x=list(c.month) + list(c.month[::-1]), y=list(100 * hi) + list(100 * lo[::-1]),
                                 fill="toself", fillcolor=color, opacity=0.18, line=dict(width=0), hoverinfo="skip",
                                 showlegend=False, name=f"{name} 95% band"))
        fig.add_trace(go.Scatter(x=c.month, y=100 * y, mode="lines", name=name, line=dict(color=color, width=3, shape="hv"),
                                 hovertemplate="month %{x}: %{y:.1f}%<extra>" + name + "</extra>"))
    fig.update_layout(title=title, xaxis_title="Months since index date",
                      yaxis_title="% promoted" if cumulative else "% still here (no voluntary exit)")
    fig.update_yaxes(ticksuffix="%")
    return fig


def level_text(outcome: str, v) -> str:
    if v is None or pd.isna(v):
        return ""
    if is_proportion(outcome):
        return pct(v)
    if outcome == "salary_growth":
        return pct(v, 2)
    return "" if outcome.startswith("time_to") else f"{v:+.2f}"


def _effect_table(effects: pd.DataFrame, role: str, outcomes: list[tuple[str, str]], horizons=(6, 12, 24)) -> str:
    """Per outcome and horizon: the mentored level, the weighted comparison level (mentored minus the
    adjusted effect), the adjusted effect and CI, the raw difference, counts and the E-value."""
    rows, classes = [], []
    notes: dict[str, list[str]] = {}  # each warning once, with the estimates it applies to
    for outcome, label in outcomes:
        hs = [None] if outcome.endswith("_change") or outcome.startswith("time_to") else horizons
        for h in hs:
            r = _one(effects, role, outcome, h)
            when = "first survey after" if h is None else months(h)
            if r is None:
                continue
            for w in str(r.get("warnings") or "").split("; "):
                if w and not w.startswith("comparison group: a random"):  # the sampling note is on the methodology page
                    notes.setdefault(w, []).append(f"{label} ({when})")
            if bool(r.suppressed):
                rows.append([label, when, "suppressed", "", "", "", "", "", r.suppression_reason or ""])
                classes.append(["", "", "suppressed", "", "", "", "", "", "suppressed"])
                continue
            n = (f"{count(r.n_treated)} / {count(r.n_control)}".replace("suppressed", "hidden")
                 if pd.notna(r.n_treated) or pd.notna(r.n_control) else "hidden")
            hr = outcome.startswith("time_to")
            rows.append([label, when, level_text(outcome, r.treated_mean),
                         "" if hr else level_text(outcome, r.treated_mean - r.estimate),
                         effect_text(outcome, r.estimate), ci_text(outcome, r.ci_low, r.ci_high),
                         effect_text(outcome, r.naive), n, f"{r.e_value:.2f}" if pd.notna(r.e_value) else ""])
            classes.append([""] * 9)
    out = table(rows, ["Outcome", "Horizon", "Mentored", "Comparable colleagues", "Adjusted effect", "95% CI",
                       "Raw difference", "Mentored / comparison", "E-value"], classes=classes)
    if notes:
        out += ('<div class="note"><b>Notes on these estimates</b><ul>' + "".join(
            f"<li>{esc(w[0].upper() + w[1:])}: {esc(', '.join(where))}.</li>" for w, where in notes.items())
                + "</ul></div>")
    return out


# ---------------------------------------------------------------------------------------------
# Pages


def executive(x: Exports, out: Path) -> Path:
    p = Page("executive.html", "Executive summary: what mentoring does",
             f"Data as of {x.as_of}. Adjusted effects on the mentored, with 95% intervals; raw figures beside them.")
    p.add('<div class="note"><b>Why two numbers?</b> People who volunteer for mentoring were already more likely '
          'to do well. The <b>raw</b> figure mixes that in; the <b>adjusted</b> effect compares mentees with '
          'colleagues who looked the same beforehand, so it is the better guide to what the program does.</div>')
    options = segment_options(x.effects)
    p.filter_bar(options, "Show effects for")
    for _, key, label in options:
        st, seg = ("overall", "all") if key == ALL else key.split("=", 1)
        cards = []
        for outcome, h, title in HEADLINE:
            r = _one(x.effects, "mentee", outcome, h, st, None if st == "overall" else seg)
            if r is None:
                continue
            when = f"at {h} months" if h else "pre to post survey"
            if bool(r.suppressed):
                cards.append(f'<div class="card"><div>{esc(title)} ({when})</div><div class="big suppressed">suppressed'
                             f'</div><div class="sentence suppressed">{esc(r.suppression_reason or "")}</div></div>')
                continue
            cards.append(f'<div class="card"><div>{esc(title)} ({when})</div>'
                         f'<div class="big">{esc(effect_text(outcome, r.estimate))}</div>'
                         f'<div>95% CI {esc(ci_text(outcome, r.ci_low, r.ci_high))}</div>'
                         f'<div class="raw">Raw difference: {esc(effect_text(outcome, r.naive))}</div>'
                         f'<div class="sentence">{esc(sentence(r))}</div></div>')
        p.add(f'<div class="cards" data-filter="{esc(key)}">{"".join(cards)}</div>')
    sets = []
    for _, key, label in options:
        st, seg = ("overall", "all") if key == ALL else key.split("=", 1)
        sets.append((key, [(f"{t} ({'12 mo' if h else 'survey'})",
                            _one(x.effects, "mentee", o, h, st, None if st == "overall" else seg))
                           for o, h, t in HEADLINE if not o.endswith("_change")]))
    p.figure(_forest_figure(sets, "Promotion and retention at 12 months", "Difference, percentage points"),
             "each blue dot is the adjusted effect with its 95% interval; the grey diamond is the raw difference. "
             "Right of the line means more promotion or more people staying.")
    sets = []
    for _, key, label in options:
        st, seg = ("overall", "all") if key == ALL else key.split("=", 1)
        sets.append((key, [(t, _one(x.effects, "mentee", o, h, st, None if st == "overall" else seg))
                           for o, h, t in HEADLINE if o.endswith("_change")]))
    p.figure(_forest_figure(sets, "Satisfaction and engagement (adjusted change)",
                            "Difference in score change, points on a 1-5 scale", scale=1.0),
             "the change in survey score from before to after mentoring, minus the change comparable colleagues "
             "saw; right of the line means mentoring raised the score.")
    p.add("<h2>Trend by cohort</h2>")
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Promotion and retention at 12 months (points)",
                                                        "Survey scores (points on 1-5)"), horizontal_spacing=0.1)
    for (outcome, h, title), color in zip(HEADLINE, (MENTORED, ACCENT, COMPARISON, WARN)):
        e = _rows(x.effects, "mentee", outcome, h, "cohort").sort_values("segment")
        e = e[~e.suppressed.astype(bool)]
        if e.empty:
            continue
        scale, col = (100.0, 1) if is_proportion(outcome) else (1.0, 2)
        fig.add_trace(go.Scatter(
            x=e.segment, y=e.estimate * scale, mode="lines+markers", name=title, line=dict(color=color),
            error_y=dict(type="data", array=(e.ci_high - e.estimate) * scale,
                         arrayminus=(e.estimate - e.ci_low) * scale, color=color)), row=1, col=col)
    for col in (1, 2):
        fig.add_hline(y=0, line=dict(color="#444", width=1), row=1, col=col)
    fig.update_layout(title="Adjusted effect by intake cohort", height=420)
    p.figure(fig, "each point is one intake's adjusted effect with its 95% interval; intakes not yet followed for "
                  "12 months, or too small to estimate, are left out.", legend_below=True)
    return _write(p, out)


def _hazard_card(r, title: str, meaning: str) -> str:
    if r is None or bool(r.suppressed) or pd.isna(r.hazard_ratio):
        return ""
    return (f'<div class="cards"><div class="card"><div>{esc(title)}</div><div class="big">{r.hazard_ratio:.2f}</div>'
            f'<div>95% CI {r.hr_ci_low:.2f} to {r.hr_ci_high:.2f}</div><div class="raw">Raw hazard ratio: '
            f'{r.naive_hazard_ratio:.2f}</div><div class="sentence">{esc(meaning)}</div></div></div>')


def _by_horizon(p: Page, x: Exports, outcome: str, title: str, xtitle: str, howto: str) -> None:
    """A filter bar and the outcome's adjusted effect at 6, 12 and 24 months for each filter value."""
    options = segment_options(x.effects)
    p.filter_bar(options, "Show effects for")
    sets = []
    for _, key, _label in options:
        st, seg = ("overall", "all") if key == ALL else key.split("=", 1)
        sets.append((key, [(months(h), _one(x.effects, "mentee", outcome, h, st, None if st == "overall" else seg))
                           for h in (6, 12, 24)]))
    p.figure(_forest_figure(sets, title, xtitle), howto + " Segment breakdowns exist for 12 months only.")


def retention(x: Exports, out: Path) -> Path:
    p = Page("retention.html", "Retention", f"Data as of {x.as_of}. Voluntary exits; involuntary exits compete.")
    p.add(_hazard_card(_one(x.effects, "mentee", "time_to_voluntary_exit"), "Hazard ratio of leaving (adjusted)",
                       "Below 1 means mentored people left less often than comparable colleagues at any given time."))
    p.figure(_curves_figure(x.curves, "time_to_voluntary_exit", "mentee", "Staying with the company, mentored vs "
                            "comparable colleagues", cumulative=False),
             "the lines show the share still with the company (no voluntary exit) each month after the index date; "
             "the comparison group is weighted to look like the mentored; shaded bands are 95% intervals.")
    _by_horizon(p, x, "retained", "Retention at 6, 12 and 24 months", "Difference in % retained, points",
                "percentage points more mentored people still with the company at each horizon (blue: adjusted, "
                "with 95% interval; grey: raw).")
    p.add(_effect_table(x.effects, "mentee", [("retained", "Retained (no voluntary exit)")]))
    return _write(p, out)


def promotion(x: Exports, out: Path) -> Path:
    p = Page("promotion.html", "Promotion and growth", f"Data as of {x.as_of}.")
    p.add(_hazard_card(_one(x.effects, "mentee", "time_to_promotion"), "Hazard ratio of promotion (adjusted)",
                       "Above 1 means mentored people were promoted sooner than comparable colleagues."))
    p.figure(_curves_figure(x.curves, "time_to_promotion", "mentee", "Time to first promotion", cumulative=True),
             "the share promoted at least once by each month after the index date; a steeper blue line means faster "
             "promotion; shaded bands are 95% intervals.")
    _by_horizon(p, x, "promoted", "Promoted by 6, 12 and 24 months", "Difference in % promoted, points",
                "percentage points more mentored people promoted by each horizon (blue: adjusted with 95% interval; "
                "grey: raw).")
    growth = [("salary_growth", "Salary growth"), ("became_people_manager", "Moved into people management"),
              ("changed_department", "Changed department (internal mobility)")]
    sets = [(None, [(f"{label}, {months(h)}", _one(x.effects, "mentee", o, h)) for o, label in growth
                    for h in (6, 12, 24)])]
    p.figure(_forest_figure(sets, "Pay, management and mobility", "Difference, percentage points"),
             "salary growth in percentage points of pay; moves into management and department changes in percentage "
             "points of people. Blue: adjusted with 95% interval; grey: raw.")
    p.add(_effect_table(x.effects, "mentee", [("promoted", "Promoted"), ("time_to_promotion", "Time to promotion")] + growth))
    return _write(p, out)


BRACKET_NOTE = (
    "Which design is right depends on how people came to the program, which the data cannot tell. The "
    "difference-in-differences is right if volunteers differ by a lasting trait, and too low if they were "
    "picked on the score itself (a score high partly by chance falls back afterwards). Adjusting for the last "
    "score is right in the second case and too high in the first. The headline measures the change from the "
    "survey before the last one, adjusted for the last: right in both cases, as long as a person's "
    "survey-to-survey noise is not carried over. The other two bracket the true effect when selection runs one way; "
    "each estimate has its own chance error, so the headline can fall just outside them. All three use the same "
    "people (those with two surveys before the start and one after).")


def _survey_bracket(effects: pd.DataFrame, role: str, constructs: list[str]) -> str:
    """Per construct: the headline survey estimate and the two designs that bracket it, side by side."""
    rows, classes = [], []
    for c in constructs:
        cells, cls = [c.capitalize()], [""]
        for suffix in ("_change", "_change_did", "_change_adjusted"):
            r = _one(effects, role, f"{c}{suffix}")
            if r is None or bool(r.suppressed):
                cells.append("suppressed" if r is not None else "not estimated")
                cls.append("suppressed")
            else:
                cells.append(f"{r.estimate:+.2f} ({ci_text(c + suffix, r.ci_low, r.ci_high)})")
                cls.append("")
        rows.append(cells)
        classes.append(cls)
    return table(rows, ["Construct", "Headline: from the survey before last, adjusted (95% CI)",
                        "Difference-in-differences (95% CI)", "Adjusted for the last score (95% CI)"],
                 classes=classes)


def survey(x: Exports, out: Path) -> Path:
    p = Page("survey.html", "Satisfaction and engagement", f"Data as of {x.as_of}. Survey constructs, 1 to 5 scale.")
    pp = x.prepost[x.prepost.role == "mentee"]
    constructs = sorted(pp.construct.unique())
    fig = go.Figure()
    for group, color, name in (("mentored", MENTORED, "Mentored"), ("comparison", COMPARISON, "Comparison")):
        g = pp[pp.group_name == group].set_index("construct").reindex(constructs)
        for when, dash in (("pre_mean", "dot"), ("post_mean", "solid")):
            fig.add_trace(go.Bar(x=constructs, y=g[when], name=f"{name}, {'before' if when == 'pre_mean' else 'after'}",
                                 marker=dict(color=color, opacity=0.45 if when == "pre_mean" else 1.0),
                                 hovertemplate="%{x}: %{y:.2f}<extra></extra>"))
    fig.update_layout(barmode="group", title="Mean score before and after the index date (raw)", yaxis_title="Score (1-5)")
    p.figure(fig, "pale bars are the survey before the index date, solid bars the first after; blue for the mentored, "
                  "orange for the comparison group. These are raw means of everyone with a survey before and after; "
                  "the adjusted effects below are of the people with two surveys before the start (see the three "
                  "designs at the bottom).")
    options = segment_options(x.effects)
    p.filter_bar(options, "Show effects for")
    sets = []
    for _, key, _label in options:
        st, seg = ("overall", "all") if key == ALL else key.split("=", 1)
        sets.append((key, [(c.capitalize(), _one(x.effects, "mentee", f"{c}_change", None, st,
                                                 None if st == "overall" else seg)) for c in constructs]))
    p.figure(_forest_figure(sets, "Adjusted effect per construct", "Extra change in score, points",
                            scale=1.0),
             "how much more the score of mentored people rose by the first survey after they started than that of "
             "comparable colleagues, with 95% intervals (blue) and the raw difference (grey). Segments exist for "
             "engagement and satisfaction.")
    p.add(_effect_table(x.effects, "mentee", [(f"{c}_change", c.capitalize()) for c in constructs]))
    p.add("<h2>Three designs, side by side</h2>")
    p.add(_survey_bracket(x.effects, "mentee", constructs))
    p.add(f'<p class="howto">{esc(BRACKET_NOTE)}</p>')
    rows = [[r.construct.capitalize(), r.group_name, "suppressed" if r.suppressed else count(r.people),
             "" if r.suppressed else f"{r.pre_mean:.2f}", "" if r.suppressed else f"{r.post_mean:.2f}"]
            for r in pp.itertuples()]
    p.add(table(rows, ["Construct", "Group", "People", "Before", "After"]))
    return _write(p, out)


def program(x: Exports, out: Path, at_risk_days: int, min_group_size: int) -> Path:
    p = Page("program.html", "Program health", f"Data as of {x.as_of}. For HR and program owners.")
    h = x.health
    total = h[(h.program == "All programs") & (h.cohort == "All cohorts")]
    if len(total) and not bool(total.iloc[0].suppressed):
        t = total.iloc[0]
        goals = t.goals_met / t.goals_set if pd.notna(t.goals_set) and t.goals_set else float("nan")
        p.add('<div class="cards">' + "".join(
            f'<div class="card"><div>{esc(k)}</div><div class="big">{esc(v)}</div></div>' for k, v in (
                ("Pairs active", f"{count(t.active_pairs)} of {count(t.pairs)}"),
                ("Meetings per pair per month", f"{t.meetings_per_pair_month:.2f}"),
                ("Typical gap between meetings", f"{t.median_gap_days:.0f} days"),
                ("Goals met", f"{int(t.goals_met):,} of {int(t.goals_set):,} ({pct(goals, 0)})"
                              if pd.notna(goals) else "suppressed"),
                ("Mean mentee rating", f"{t.mean_mentee_rating:.2f} / 5")) ) + "</div>")
    cohorts = h[(h.program == "All programs") & (h.cohort != "All cohorts")]
    options = [("", ALL, "All cohorts")] + [("Cohort", f"cohort={c}", c) for c in cohorts.cohort]
    p.filter_bar(options, "Cohort")
    for band, title, labels, caption in DOSE_BAND_CHARTS:
        p.figure(_band_figure(options, total, cohorts, band, labels, title),
                 caption + " Cohorts with fewer than the minimum number of pairs are suppressed.")
    rows, classes = [], []
    for r in h.itertuples():
        if r.suppressed:
            rows.append([r.program, r.cohort, "suppressed", "", "", "", "", ""])
            classes.append(["", "", "suppressed"] + [""] * 5)
            continue
        rows.append([r.program, r.cohort, count(r.pairs), count(r.active_pairs),
                     f"{r.meetings_per_pair_month:.2f}", f"{r.median_gap_days:.0f}" if pd.notna(r.median_gap_days) else "",
                     f"{int(r.goals_met):,} / {int(r.goals_set):,}" if pd.notna(r.goals_met) and pd.notna(r.goals_set)
                     else "suppressed",
                     f"{r.mean_mentee_rating:.2f}" if pd.notna(r.mean_mentee_rating) else ""])
        classes.append([""] * 8)
    p.add("<h2>By program and cohort</h2>")
    p.add(table(rows, ["Program", "Cohort", "Pairs", "Active", "Meetings / pair / month", "Median gap (days)",
                       "Goals met / set", "Mean rating"], classes=classes))
    sets = [(None, [(f"{SEGMENT_TITLES[dim]}: {label}", _one(x.effects, "mentee", o, hz, dim, band))
                    for dim, _t, labels, _c in DOSE_BAND_CHARTS for band, label in zip(BANDS, labels)])
            for o, hz, _t in HEADLINE[:1]]
    p.figure(_forest_figure(sets, "Dose-response: promotion at 12 months by meeting cadence and regularity",
                            "Adjusted effect, percentage points"),
             "each band of mentees against the whole comparison group, once by how often the pair met and once by "
             "the longest stretch it went without meeting, both in the pair's first 90 days. If more meetings go with "
             "larger effects, the dots move right from low to high. Bands are measured after the pair started, "
             "so they also reflect how engaged it was: read them as a pattern, not as the effect of adding "
             "meetings.")
    ar = x.at_risk
    p.add(f"<h2>Pairs at risk: no meeting in over {at_risk_days} days</h2>")
    p.add("<p>This list is for the program team, to follow up with pairs that have gone quiet. It is not for "
          "leadership: it appears on this page only, never in the leadership pages or packs, and a leadership "
          "export (<code>MENTORSHIP_LEADERSHIP_EXPORT</code>) leaves it out altogether.</p>")
    if ar is None:
        p.add("<p>Held back: this is a leadership export, so the list of pairs at risk is left out. The program "
              "team sees it in its own run of the pipeline.</p>")
        return _write(p, out)
    if ar.empty:  # the publication gate lists them only from min_group_size pairs
        p.add(f'<p class="suppressed">Not listed: fewer than {min_group_size} active pairs are at risk (perhaps '
              f'none), too few to list without singling people out.</p>')
    else:
        rows = [[r.pair, r.program, r.cohort, f"{int(r.days_since_last_meeting):,}", f"{int(r.meetings):,}"]
                for r in ar.head(50).itertuples()]
        p.add(f"<p>{len(ar):,} active pairs have not met in over {at_risk_days} days; the 50 longest quiet are listed. "
              "Pair ids are keyed hashes: the program team can look them up in the warehouse, nobody else can.</p>")
        p.add(table(rows, ["Pair (pseudonymised)", "Program", "Cohort", "Days since last meeting", "Meetings so far"]))
    return _write(p, out)


def equity(x: Exports, out: Path) -> Path:
    p = Page("equity.html", "Equity: does the program help every group?",
             f"Data as of {x.as_of}. Adjusted effects by group; groups too small to say anything are suppressed.")
    for outcome, h, title in HEADLINE:
        trace_rows = []
        for st in ("department", "job_level", "gender", "age_band"):
            e = _rows(x.effects, "mentee", outcome, h, st)
            for seg in sorted(e.segment.unique(), key=_natural):
                trace_rows.append((_segment_label(st, seg), e[e.segment == seg].iloc[0]))
        if not trace_rows:
            continue
        scale = 100.0 if is_proportion(outcome) else 1.0
        overall = _one(x.effects, "mentee", outcome, h)
        trace_rows.insert(0, ("Everyone", overall))
        p.figure(_forest_figure([(None, trace_rows)], f"{title}{' at 12 months' if h else ''} by group",
                                "Adjusted effect, " + ("percentage points" if scale == 100 else "score points"),
                                scale=scale),
                 "each row is one group's adjusted effect with its 95% interval (blue) and raw difference (grey); "
                 "'suppressed' means too few mentored or comparison people in that group to estimate.")
    return _write(p, out)


def mentors(x: Exports, out: Path) -> Path:
    p = Page("mentors.html", "Mentors: what mentoring does for the mentor",
             f"Data as of {x.as_of}. Mentors against colleagues at the same levels who did not mentor.")
    outcomes = [("promoted", "Promoted"), ("retained", "Retained"), ("salary_growth", "Salary growth"),
                ("became_people_manager", "Moved into people management")]
    sets = [(None, [(f"{label}, {months(h)}", _one(x.effects, "mentor", o, h)) for o, label in outcomes
                    for h in (6, 12, 24)])]
    p.figure(_forest_figure(sets, "Career outcomes of mentors", "Difference, percentage points"),
             "blue: adjusted effect on mentors with its 95% interval; grey: raw difference; right of the line means more.")
    constructs = sorted({o.removesuffix("_change") for o in x.effects.outcome if o.endswith("_change")})
    sets = [(None, [(c.capitalize(), _one(x.effects, "mentor", f"{c}_change")) for c in constructs])]
    p.figure(_forest_figure(sets, "Survey constructs of mentors (adjusted change)", "Points", scale=1.0),
             "the extra change in each survey score for mentors against comparable colleagues.")
    p.figure(_curves_figure(x.curves, "time_to_voluntary_exit", "mentor", "Mentors staying with the company",
                            cumulative=False),
             "share of mentors and comparable colleagues still with the company by month; bands are 95% intervals.")
    p.add(_effect_table(x.effects, "mentor", outcomes + [(f"{c}_change", c.capitalize()) for c in constructs]))
    p.add("<h2>Survey constructs: three designs, side by side</h2>")
    p.add(_survey_bracket(x.effects, "mentor", constructs))
    p.add(f'<p class="howto">{esc(BRACKET_NOTE)}</p>')
    return _write(p, out)


def roi(x: Exports, out: Path, roi_file: Path) -> Path:
    a = Assumptions.from_yaml(roi_file)
    p = Page("roi.html", "Return on investment", f"Data as of {x.as_of}. Assumptions from {roi_file.name}.")
    try:
        inputs = inputs_from_tables(x.roi_inputs, x.effects, a.horizon_months)
    except RoiConfigError as e:
        p.add(f'<p class="suppressed">The ROI cannot be computed: {esc(e)}.</p>')
        return _write(p, out)
    r = compute_roi(a, inputs)
    c = a.currency
    p.add('<div class="cards">' + "".join(
        f'<div class="card"><div>{esc(k)}</div><div class="big">{esc(v)}</div><div>{esc(sub)}</div></div>' for k, v, sub in (
            ("Return on investment", pct(r.roi, 0), f"95% CI {pct(r.roi_low, 0)} to {pct(r.roi_high, 0)}"),
            ("Net benefit", money(r.net, c), f"95% CI {money(r.net_low, c)} to {money(r.net_high, c)}"),
            ("Exits avoided", f"{r.exits_avoided:.1f}", f"of {inputs.mentees:,} mentees, from the adjusted "
                                                        f"{a.horizon_months}-month retention effect"),
            ("Total cost", money(r.cost, c), f"{inputs.meeting_hours:,.0f} meeting hours, {inputs.pairs:,} pairs"))) + "</div>")
    p.add('<div class="note">The benefit uses the <b>adjusted</b> retention effect, '
          f'{esc(effect_text("retained", inputs.retention_effect))} (95% CI '
          f'{esc(ci_text("retained", *inputs.retention_ci))}), times the number of mentees: the exits the program '
          'avoided among people like them. It never assumes that every mentee would otherwise have left, and it '
          'never uses the raw difference.</div>')
    fig = go.Figure()
    labels = list(r.cost_lines) + list(r.benefit_lines) + ["Net benefit"]
    values = [-v for v in r.cost_lines.values()] + list(r.benefit_lines.values()) + [r.net]
    fig.add_trace(go.Waterfall(x=labels, y=values, measure=["relative"] * (len(labels) - 1) + ["total"],
                               decreasing=dict(marker=dict(color=WARN)), increasing=dict(marker=dict(color=MENTORED)),
                               totals=dict(marker=dict(color=ACCENT)), text=[money(v, c) for v in values],
                               textposition="outside"))
    fig.update_layout(title="Cost and benefit", yaxis_title=c, showlegend=False)
    p.figure(fig, "costs pull down (orange), the monetised benefit pushes up (blue); the last bar is what is left.")
    s = r.sensitivity
    fig = go.Figure()
    fig.add_trace(go.Bar(y=s.assumption, x=100 * (s.roi_low - r.roi), base=100 * r.roi, orientation="h",
                         name="Low end", marker=dict(color=WARN), text=s.low_value, textposition="inside"))
    fig.add_trace(go.Bar(y=s.assumption, x=100 * (s.roi_high - r.roi), base=100 * r.roi, orientation="h",
                         name="High end", marker=dict(color=MENTORED), text=s.high_value, textposition="inside"))
    fig.add_vline(x=100 * r.roi, line=dict(color="#222", width=1))
    fig.update_layout(barmode="overlay", title="Sensitivity of the ROI (tornado)", xaxis_title="ROI, %")
    fig.update_xaxes(ticksuffix="%")
    fig.update_yaxes(autorange="reversed")
    p.figure(fig, "each bar moves one assumption to the ends of its range and shows where the ROI lands; the longest "
                  "bars are the assumptions worth checking first. The line is the central ROI.", height=360)
    rows = [[k, money(v, c)] for k, v in r.cost_lines.items()] + [["Total cost", money(r.cost, c)]]
    rows += [[k, money(v, c)] for k, v in r.benefit_lines.items()] + [["Net benefit", money(r.net, c)]]
    p.add(table(rows, ["Line", "Amount"]))
    p.add(table([[row.assumption, row.low_value, pct(row.roi_low, 0), row.high_value, pct(row.roi_high, 0)]
                 for row in s.itertuples()], ["Assumption", "Low", "ROI at low", "High", "ROI at high"]))
    p.add("<h2>Assumptions</h2>")
    p.add(table([["Loaded hourly cost, mentor", money(a.mentor_hourly, c)], ["Loaded hourly cost, mentee", money(a.mentee_hourly, c)],
                 ["Preparation per meeting hour", f"{a.preparation_share:g} h"],
                 ["Administration per year", money(a.administration_per_year, c)],
                 ["Platform fee per pair and year", money(a.platform_fee_per_pair_year, c)],
                 ["Replacement cost, share of salary", f"{a.replacement_share:.0%} (range {a.replacement_range[0]:.0%} "
                                                       f"to {a.replacement_range[1]:.0%})"],
                 ["Mentees' mean salary", money(inputs.mean_mentee_salary, c)],
                 ["Program length", f"{inputs.program_years:.1f} years"]], ["Assumption", "Value"]))
    p.add(f'<p class="howto">Every value comes from <code>{esc(roi_file.name)}</code>, where each default is '
          'explained with its source. Change the file and re-run to update this page.</p>')
    return _write(p, out)


def quality(x: Exports, out: Path) -> Path:
    p = Page("quality.html", "Data quality", f"Data as of {x.as_of}. For analysts: validation of the latest extracts.")
    rows, classes = [], []
    for s in x.validation.get("sources", []):
        run = s.get("run") or {}
        files = s.get("files") or []
        latest = max((f.get("checked_at") or "" for f in files), default="")
        rows.append([s["source"], s["status"].replace("_", " "), f"{run.get('rows_read', 0):,}",
                     f"{run.get('rows_accepted', run.get('rows_read', 0) - run.get('rows_quarantined', 0)):,}",
                     f"{run.get('rows_quarantined', 0):,}", f"{len(files):,}", str(latest)[:19]])
        classes.append(["", "suppressed" if s["status"] not in ("passed", "quarantined") else "", "", "", "", "", ""])
    p.add(table(rows, ["Source", "Status", "Rows read", "Accepted", "Quarantined", "Files", "Newest file loaded"],
                classes=classes))
    names = [r[0] for r in rows]
    fig = go.Figure()
    fig.add_trace(go.Bar(y=names, x=[int(r[3].replace(",", "")) for r in rows], orientation="h", name="Accepted",
                         marker=dict(color=MENTORED)))
    fig.add_trace(go.Bar(y=names, x=[int(r[4].replace(",", "")) for r in rows], orientation="h", name="Quarantined",
                         marker=dict(color=WARN)))
    fig.update_layout(barmode="stack", title="Rows accepted and quarantined per source", xaxis_title="Rows")
    fig.update_xaxes(type="log")
    p.figure(fig, "blue rows passed every rule and are in the warehouse; orange rows were quarantined with the "
                  "file, line, column and rule that failed (log scale).", height=340)
    p.add('<p>Every rule, its counts and sample rows: <a href="validation_report.html">the validation report</a>. '
          'Quarantined rows themselves stay in the warehouse (<code>validated.quarantine</code>).</p>')
    return _write(p, out)


def index(x: Exports, out: Path) -> Path:
    p = Page("index.html", "Mentorship program dashboards", f"Data as of {x.as_of}.")
    blurbs = {
        "executive.html": "the four headline outcomes, adjusted and raw, in plain words",
        "retention.html": "who stays: curves, hazard ratio, retention at 6, 12 and 24 months",
        "promotion.html": "promotion, pay growth, moves into management and across departments",
        "survey.html": "satisfaction, engagement and other survey constructs before and after",
        "program.html": "for HR: pairs, meeting cadence, goals, ratings, dose-response, pairs going quiet",
        "equity.html": "whether the program helps every department, level, gender and age group",
        "mentors.html": "what mentoring does for mentors",
        "roi.html": "for HR: cost, benefit and ROI with its interval and assumptions",
        "quality.html": "for analysts: validation status, quarantine counts, freshness",
        "methodology.html": "how the numbers are made and what they assume",
    }
    items = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a>: {esc(blurbs[h])}</li>' for h, t in PAGES if h in blurbs)
    items += ('<li><a href="outcome_comparison.html">Raw comparison</a>: every outcome, mentored vs comparison, '
              'unadjusted, with counts</li><li><a href="validation_report.html">Validation report</a>: every rule '
              'per source</li>')
    p.add(f"<ul>{items}</ul>")
    p.add('<p class="howto">Packs for leadership: <a href="packs/executive.pdf">executive summary (PDF)</a>, '
          '<a href="packs/roi.pdf">ROI (PDF)</a>, with PNG versions beside them, when the pipeline could render them.</p>')
    return _write(p, out)


def _write(p: Page, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / p.filename
    path.write_text(p.html())
    return path


def build_all(export_dir: Path, out: Path, roi_file: Path, at_risk_days: int, min_group_size: int) -> list[Path]:
    x = Exports.load(Path(export_dir))
    out = Path(out)
    return [executive(x, out), retention(x, out), promotion(x, out), survey(x, out),
            program(x, out, at_risk_days, min_group_size), equity(x, out), mentors(x, out), roi(x, out, Path(roi_file)),
            quality(x, out), index(x, out)]

