"""The ROI page: return on investment with its interval, break-even, what is and is not counted, cost and
benefit, sensitivity to each assumption, each program, and the assumptions themselves."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import plotly.graph_objects as go

from dashboards.pages.common import Exports, horizons_text, write
from dashboards.pages.markup import ci, fig, published, setting
from dashboards.theme import ACCENT, MENTORED, WARN, Html, Page, esc, table
from mentorship.metrics import Metrics

if TYPE_CHECKING:
    import pandas as pd

    from mentorship.roi import Assumptions

PROGRAM_COLUMNS = [
    "Program",
    "Mentees",
    "Retention effect",
    "Exits avoided",
    "Total cost",
    "Cost per mentee",
    "Net benefit",
    "ROI (95% CI)",
]


@dataclass(frozen=True)
class _Case:
    """The ROI case: the metrics, the assumptions and the file they came from."""

    m: Metrics
    a: Assumptions
    roi_file: Path

    def g(self, k: str) -> Html:
        return fig(self.m, f"roi.{k}")

    def c(self, k: str) -> Html:
        return ci(self.m, f"roi.{k}")

    def tone(self, k: str) -> str:
        # Colour follows sign: a loss is never drawn in the colour of good news.
        return "bad" if self.m.value(f"roi.{k}") < 0 else "good"


def roi(x: Exports, out: Path, roi_file: Path) -> Path:
    from mentorship.roi import Assumptions

    m = x.m
    r = _Case(m, Assumptions.from_yaml(roi_file), roi_file)
    p = Page("roi.html", "Return on investment", f"Data as of {x.as_of}. Assumptions from {roi_file.name}.")
    if not published(m, "roi.roi"):
        p.add(_not_computed(r))
        return write(p, out)
    p.add(_cards(r))
    if published(m, "roi.break_even_replacement_share"):
        p.add(_break_even(r))
    p.add(_counted(r))
    f = m.frame
    lines = f[
        (f.family == "roi") & (f.metric_id.str.startswith("roi.cost.") | f.metric_id.str.startswith("roi.benefit."))
    ]
    p.figure(
        _waterfall(r, lines),
        "costs pull down (orange), the monetised benefit pushes up (blue); the last bar is what is left, "
        "orange when it is a loss.",
    )
    sens = f[(f.family == "roi") & f.metric_id.str.startswith("roi.sensitivity.")]
    names = list(dict.fromkeys(i.removeprefix("roi.sensitivity.").rsplit(".", 1)[0] for i in sens.metric_id))
    p.figure(
        _tornado(m, names),
        "each bar moves one assumption to the ends of its range (the value is on the bar, in the "
        "assumption's own units) and shows where the ROI lands; the longest bars are the assumptions worth "
        "checking first. The line is the central ROI.",
        height=360,
    )
    _by_program(p, m)
    _tables(p, r, lines, names)
    return write(p, out)


def _not_computed(r: _Case) -> str:
    """Why there is no ROI, and, when the ROI file asks for a horizon not estimated, how to fix it."""
    m, a, roi_file = r.m, r.a, r.roi_file
    hint = (
        f" The pipeline estimates effects at {horizons_text(m)} (MENTORSHIP_HORIZONS) and {roi_file.name} asks for "
        f"{a.horizon_months}: set its horizon_months to one of them, or add {a.horizon_months} to the horizons."
        if a.horizon_months not in m.horizons
        else ""
    )
    return (
        f'<p class="suppressed">The ROI cannot be computed: no adjusted retention effect at '
        f"{a.horizon_months} months is published to base it on.{hint}</p>"
    )


def _cards(r: _Case) -> str:
    g, c, tone = r.g, r.c, r.tone
    cards = (
        (
            "Return on investment",
            g("roi"),
            tone("roi"),
            Html(f"95% CI {c('roi')} from the effect's uncertainty; {c('roi_all')} with the assumptions' ranges too"),
        ),
        ("Net benefit", g("net_benefit"), tone("net_benefit"), Html(f"95% CI {c('net_benefit')}")),
        (
            "Exits avoided",
            g("exits_avoided"),
            "",
            Html(f"of {g('mentees')} mentees, from the adjusted {r.a.horizon_months}-month retention effect"),
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
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div>{esc(k)}</div><div class="big {cls}">{esc(v)}</div><div>{esc(sub)}</div></div>'
            for k, v, cls, sub in cards
        )
        + "</div>"
    )


def _break_even(r: _Case) -> str:
    g = r.g
    return (
        f'<div class="verdict"><b>Break-even.</b> The ROI would be zero at a replacement cost of '
        f"{g('break_even_replacement_share')} of salary (assumed: {g('assumption.replacement_share')}), or at a "
        f"{r.a.horizon_months}-month retention effect of {g('break_even_retention_effect')} (measured: "
        f"{g('retention_effect')}), each with everything else as it is.</div>"
    )


def _counted(r: _Case) -> str:
    """What the ROI counts and what it leaves out, with how to count more."""
    m, a, g, c = r.m, r.a, r.g, r.c
    later = [h for h in m.horizons if h > a.horizon_months and published(m, f"roi.exits_avoided_{h}m")]
    beyond = "".join(
        f"; over {h} months the retention effect avoids {g(f'exits_avoided_{h}m')} exits, against "
        f"{g('exits_avoided')} within {a.horizon_months}"
        for h in later
    )
    return (
        '<div class="note"><b>What is counted.</b> Only the exits the program avoided within '
        f"{a.horizon_months} months (the <b>adjusted</b> retention effect, {g('retention_effect')}, 95% CI "
        f"{c('retention_effect')}, times the mentees), each valued at the replacement cost. It never assumes that "
        "every mentee would otherwise have left, and never uses the raw difference.<br><b>What is not counted.</b> "
        f"Promotions ({fig(m, f'mentee.promoted.{m.headline}m.all.adjusted_effect')} within {m.headline} months), "
        "satisfaction and "
        f"engagement, retention beyond {a.horizon_months} months{beyond}, and pay growth (a cost to the company "
        f"unless finance values the work behind it). To count them, "
        f"set <code>horizon_months</code>, <code>benefits.promotion</code> or <code>benefits.pay</code> in <code>{esc(r.roi_file.name)}</code> "
        "to values finance agrees to.</div>"
    )


def _waterfall(r: _Case, lines: pd.DataFrame) -> go.Figure:
    """Cost and benefit lines down to the net benefit."""
    m = r.m
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
    fig_.update_layout(title="Cost and benefit", yaxis_title=r.a.currency, showlegend=False)
    return fig_


def _tornado(m: Metrics, names: list[str]) -> go.Figure:
    """Where the ROI lands with each assumption at the ends of its range."""
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
    return fig_


def _by_program(p: Page, m: Metrics) -> None:
    """Each program's own ROI, when there is more than the whole."""
    f = m.frame
    programs = f[(f.family == "roi_program") & (f.measure == "roi")].segment.tolist()
    if not programs:
        return
    p.add("<h2>By program</h2>")
    q = lambda prog, k: fig(m, f"roi.program.{prog}.{k}")
    rows = [
        [prog]
        + [q(prog, k) for k in ("mentees", "retention_effect", "exits_avoided", "total_cost", "cost_per_mentee")]
        + [q(prog, "net_benefit"), Html(f"{q(prog, 'roi')} ({ci(m, f'roi.program.{prog}.roi')})")]
        for prog in programs
    ]
    p.add(table(rows, PROGRAM_COLUMNS))
    p.add(
        '<p class="howto">Each program with its own mentees, pairs, hours and adjusted retention effect (its '
        "mentees against the whole comparison group) and the same assumptions; the administration, which is "
        "not booked by program, is shared in proportion to pairs.</p>"
    )


def _tables(p: Page, r: _Case, lines: pd.DataFrame, names: list[str]) -> None:
    """The cost and benefit lines, the sensitivity figures and the assumptions, as tables."""
    m, g = r.m, r.g
    rows = [[row.label, fig(m, row.metric_id)] for row in lines.itertuples()] + [
        ["Total cost", g("total_cost")],
        ["Net benefit", g("net_benefit")],
    ]
    p.add(table(rows, ["Line", "Amount"]))
    rows = [
        [n] + [part(m, f"roi.sensitivity.{n}.{end}") for end in ("low", "high") for part in (setting, fig)]
        for n in names
    ]
    p.add(table(rows, ["Assumption", "Value giving the lower ROI", "ROI", "Value giving the higher ROI", "ROI"]))
    p.add("<h2>Assumptions</h2>")
    p.add(_assumptions(r))
    p.add(
        f'<p class="howto">Every value comes from <code>{esc(r.roi_file.name)}</code>, where each default is '
        "explained with its source. Change the file and re-run to update this page.</p>"
    )


def _assumptions(r: _Case) -> str:
    q = lambda k: fig(r.m, f"roi.assumption.{k}")
    return table(
        [
            ["Loaded hourly cost, mentor", q("mentor_hourly")],
            ["Loaded hourly cost, mentee", q("mentee_hourly")],
            ["Preparation per meeting hour", q("preparation_share")],
            ["Administration per year", q("administration_per_year")],
            ["Platform fee per pair and year", q("platform_fee_per_pair_year")],
            [
                "Replacement cost, share of salary",
                Html(f"{q('replacement_share')} (range {q('replacement_share_low')} to {q('replacement_share_high')})"),
            ],
            ["Mentees' mean salary", r.g("mean_mentee_salary")],
            ["Program length", r.g("program_years")],
        ],
        ["Assumption", "Value"],
    )
