"""One look for every page: a colour-blind-safe palette (Okabe-Ito), number formats, the page shell
with its navigation, plotly.js once per page (a shared copy beside the pages, or inline), and
server-free filters."""

from __future__ import annotations

import html
import json
import re

import pandas as pd

MENTORED = "#0072B2"
COMPARISON = "#E69F00"
RAW = "#999999"
NEUTRAL = "#999999"
ACCENT = "#009E73"
WARN = "#D55E00"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

LAYOUT = {
    "font": {"family": FONT, "size": 13, "color": "#222"},
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "margin": {"l": 60, "r": 30, "t": 95, "b": 50},
    "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
}

#: Every page, in the order the navigation shows them.
PAGES = [
    ("index.html", "Overview"),
    ("executive.html", "Executive summary"),
    ("retention.html", "Retention"),
    ("promotion.html", "Promotion and growth"),
    ("survey.html", "Satisfaction and engagement"),
    ("program.html", "Program health"),
    ("equity.html", "Equity"),
    ("mentors.html", "Mentors"),
    ("roi.html", "ROI"),
    ("quality.html", "Data quality"),
    ("methodology.html", "Method"),
]

CSS = f"""
body {{ font-family: {FONT}; margin: 0 auto; max-width: 1200px; padding: 12px 24px; color: #222; }}
h1 {{ font-size: 1.6em; margin: 0.3em 0 0.1em 0; }}
h2 {{ font-size: 1.25em; margin-top: 1.4em; }}
.meta {{ color: #555; margin-top: 0; }}
.verdict {{ background: #eef5fb; border-left: 4px solid {MENTORED}; padding: 10px 14px; margin: 12px 0;
            font-size: 1.05em; }}
.note {{ background: #fff6e0; border-left: 4px solid {COMPARISON}; padding: 8px 12px; margin: 12px 0; }}
.howto {{ color: #555; font-size: 0.9em; margin: 4px 0 18px 0; }}
table.data {{ border-collapse: collapse; font-size: 0.9em; width: 100%; margin: 8px 0 16px 0; }}
table.data th, table.data td {{ border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: right; }}
table.data th:first-child, table.data td:first-child {{ text-align: left; }}
.suppressed {{ color: #777; font-style: italic; }}
nav {{ border-bottom: 1px solid #ddd; padding: 6px 0; font-size: 0.92em; display: flex; flex-wrap: wrap;
        gap: 4px 14px; }}
nav a {{ color: {MENTORED}; text-decoration: none; white-space: nowrap; }}
nav a.here {{ font-weight: 600; color: #222; }}
.filters {{ background: #f4f7fa; padding: 8px 12px; margin: 10px 0; border-radius: 4px; }}
.filters label {{ margin-right: 8px; font-weight: 600; }}
.cards {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 12px; margin: 12px 0; }}
.card {{ border: 1px solid #ddd; border-radius: 6px; padding: 10px 14px; }}
.card .big {{ font-size: 1.7em; font-weight: 600; color: {MENTORED}; }}
.card .raw {{ color: #666; font-size: 0.9em; }}
.card .big.bad {{ color: {WARN}; }}
.card .sentence {{ font-size: 0.95em; margin-top: 6px; }}
.card .base {{ font-size: 0.95em; }}
.card .unit {{ color: #555; font-size: 0.9em; margin-top: -4px; }}
a.gl {{ color: inherit; text-decoration: underline dotted; text-underline-offset: 2px; }}
span.m, span.n {{ white-space: nowrap; }}
.tablewrap {{ overflow-x: auto; max-width: 100%; }}
a.csv {{ font-size: 0.85em; color: {MENTORED}; display: inline-block; margin: -8px 0 12px 0; }}
@media print {{ a.csv {{ display: none; }} }}
h3.charttitle {{ font-size: 1.05em; font-weight: 600; margin: 18px 0 0 0; }}
.chartgrid {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 4px 16px; }}
.chartgrid > * {{ min-width: 0; }}
@media print {{ nav, .filters {{ display: none; }} body {{ max-width: none; padding: 0; }}
               .chart, .card, tr {{ break-inside: avoid; }} }}
.badge {{ display: none; background: #eee; color: #444; font-size: 0.85em; padding: 2px 8px; border-radius: 3px; }}
body.filtered .unfiltered {{ opacity: 0.45; }}
body.filtered .unfiltered .badge {{ display: inline-block; }}
.notoffered {{ color: #555; font-size: 0.88em; margin: 4px 0 0 0; }}
"""

#: Filters without a server. Every trace and element that belongs to one filter value carries it
#: (a trace's ``meta``, an element's ``data-filter``); choosing a value shows those and hides the rest.
#: Elements that do not follow the filter carry ``unfiltered``: greyed, with their "all people" badge
#: shown, whenever a filter is set. The filter's value is kept in the page's address (``#filter=``), so
#: a filtered view can be shared and survives a reload.
FILTER_JS = """
<script>
function mentorshipFilter(key) {
  document.querySelectorAll('.js-plotly-plot').forEach(function (div) {
    if (!div.data || !div.data.some(function (t) { return t.meta !== undefined && t.meta !== null; })) return;
    var vis = div.data.map(function (t) { return (t.meta === undefined || t.meta === null || t.meta === key); });
    Plotly.restyle(div, {visible: vis});
  });
  document.querySelectorAll('[data-filter]').forEach(function (el) {
    el.style.display = (el.getAttribute('data-filter') === key) ? '' : 'none';
  });
  document.body.classList.toggle('filtered', key !== 'all');
  var f = document.getElementById('filter');
  if (f && f.value !== key) f.value = key;
  var hash = key === 'all' ? '' : '#filter=' + encodeURIComponent(key);
  if (location.hash !== hash) history.replaceState(null, '', location.pathname + location.search + hash);
}
window.addEventListener('load', function () {
  var f = document.getElementById('filter');
  if (!f) return;
  var m = /[#&]filter=([^&]*)/.exec(location.hash);
  var want = m ? decodeURIComponent(m[1]) : f.value;
  var known = Array.prototype.some.call(f.options, function (o) { return o.value === want; });
  mentorshipFilter(known ? want : 'all');
});
</script>
"""


class Html(str):
    """Markup that is already safe: ``table`` puts it in a cell unescaped."""


#: Every table gets a "Download CSV" link: the table as shown (its header and cells, figures as
#: formatted on the page), built in the browser, so it works offline from file:// with no server.
CSV_JS = """
<script>
function mentorshipCsv(table) {
  return Array.from(table.querySelectorAll('tr')).map(function (tr) {
    return Array.from(tr.children).map(function (c) {
      var t = c.innerText.replace(/\\s+/g, ' ').trim();
      return /[",\\n]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t;
    }).join(',');
  }).join('\\r\\n') + '\\r\\n';
}
window.addEventListener('load', function () {
  // A chart drawn while the page was still arriving took the width its box had then (a grid with one
  // cell yet); fit every chart to its box now.
  if (window.Plotly) document.querySelectorAll('.js-plotly-plot').forEach(function (d) { Plotly.Plots.resize(d); });
  var page = (location.pathname.split('/').pop() || 'page').replace(/\\.html$/, '');
  document.querySelectorAll('table.data').forEach(function (table, i) {
    var a = document.createElement('a');
    a.className = 'csv';
    a.textContent = 'Download CSV';
    a.href = '#';
    a.download = page + '-table-' + (i + 1) + '.csv';
    a.addEventListener('click', function () {
      a.href = URL.createObjectURL(new Blob(['\\ufeff' + mentorshipCsv(table)], {type: 'text/csv;charset=utf-8'}));
    });
    table.parentNode.insertAdjacentElement('afterend', a);
  });
});
</script>
"""


def esc(x) -> str:
    return x if isinstance(x, Html) else html.escape(str(x))


def pct_points(v, digits: int = 1, sign: bool = True) -> str:
    if v is None or pd.isna(v):
        return ""
    return f"{100 * v:+.{digits}f} pts" if sign else f"{100 * v:.{digits}f} pts"


def pct(v, digits: int = 1) -> str:
    if v is None or pd.isna(v):
        return ""
    return f"{100 * v:.{digits}f}%"


def money(v, currency: str = "EUR") -> str:
    if v is None or pd.isna(v):
        return ""
    sym = {"EUR": "€", "USD": "$", "GBP": "£"}.get(currency, currency + " ")
    return f"-{sym}{abs(v):,.0f}" if v < 0 else f"{sym}{v:,.0f}"


def months(v) -> str:
    if v is None or pd.isna(v):
        return ""
    return f"{v:.0f} months" if v != 1 else "1 month"


class Page:
    """A page under construction: sections in order, plotly.js embedded with the first figure only."""

    #: Pages embed plotly.js themselves (4.8 MB each) only when asked to; by default they share one
    #: copy beside them, which works from ``file://`` as well.
    self_contained = False

    def __init__(self, filename: str, title: str, subtitle: str):
        self.filename, self.title, self.subtitle = filename, title, subtitle
        self.parts: list[str] = []
        self._plotly_embedded = False
        self._filters = False

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def figure(
        self,
        fig,
        howto: str,
        height: int | None = None,
        legend_below: bool = False,
        unfiltered: str | None = None,
        grid: bool = False,
    ) -> None:
        """A chart and its how-to-read line. ``unfiltered`` names whom a chart that does not follow the
        page's filter shows ("all mentees"): it is labelled and greyed while a filter is set.

        The chart's title is set in HTML above it rather than in the plot, so that it wraps on a phone
        instead of being cut. ``grid`` puts the chart in the current grid of small charts
        (``grid_start``), with its how-to line left to the grid's own."""
        title = fig.layout.title.text
        fig.update_layout(**LAYOUT)
        fig.update_layout(title=None, margin={"t": 12 if grid else 40})
        if legend_below:  # for figures whose subplot titles sit where the legend would
            fig.update_layout(
                legend={"orientation": "h", "yanchor": "top", "y": -0.12, "xanchor": "left", "x": 0},
                margin={"b": 90, "t": 50},
            )
        if height:
            fig.update_layout(height=height)
        chart = fig.to_html(
            full_html=False, include_plotlyjs=self._plotlyjs(), config={"displaylogo": False, "responsive": True}
        )
        self._plotly_embedded = True
        head = f'<h3 class="charttitle">{esc(title)}</h3>' if title else ""
        line = "" if grid else f'<p class="howto">How to read this: {esc(howto)}</p>'
        markup = f'<div class="chart">{head}{chart}{line}</div>'
        self.parts.append(self.unfiltered(markup, unfiltered) if unfiltered else markup)

    def _plotlyjs(self):
        """plotly.js once per page: inline in a self-contained page (one to send by e-mail), else a
        script tag for the one shared copy beside the pages (``write_plotlyjs``)."""
        if self._plotly_embedded:
            return False
        return True if self.self_contained else "directory"

    def grid_start(self) -> None:
        self.parts.append('<div class="chartgrid">')

    def grid_end(self, howto: str, unfiltered: str | None = None) -> None:
        self.parts.append("</div>")
        line = f'<p class="howto">How to read this: {esc(howto)}</p>'
        self.parts.append(self.unfiltered(line, unfiltered) if unfiltered else line)

    @staticmethod
    def unfiltered(markup: str, who: str) -> str:
        return f'<div class="unfiltered"><span class="badge">Not filtered: shows {esc(who)}</span>{markup}</div>'

    def filter_bar(self, options: list[tuple[str, str, str]], label: str = "Show", not_offered: str = "") -> None:
        """options: (group, key, text); the first is the default. ``not_offered`` says which values are
        left out and why."""
        self._filters = True
        groups: dict[str, list[str]] = {}
        for group, key, text in options:
            groups.setdefault(group, []).append(f'<option value="{esc(key)}">{esc(text)}</option>')
        opts = "".join(
            f'<optgroup label="{esc(g)}">{"".join(o)}</optgroup>' if g else "".join(o) for g, o in groups.items()
        )
        self.parts.append(
            f'<div class="filters"><label for="filter">{esc(label)}</label>'
            f'<select id="filter" onchange="mentorshipFilter(this.value)">{opts}</select>'
            + (f'<p class="notoffered">{esc(not_offered)}</p>' if not_offered else "")
            + "</div>"
        )

    def html(self) -> str:
        nav = "".join(
            f'<a href="{esc(href)}"{" class=here" if href == self.filename else ""}>{esc(label)}</a>'
            for href, label in PAGES
        )
        # Every table scrolls inside its own box, so a wide one never widens the page (a phone, a print).
        body = re.sub(r"<table\b", '<div class="tablewrap"><table', "".join(self.parts)).replace(
            "</table>", "</table></div>"
        )
        script = (FILTER_JS if self._filters else "") + CSV_JS
        return (
            f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(self.title)}</title><style>{CSS}</style>{script}</head><body>"
            f'<nav>{nav}</nav><h1>{esc(self.title)}</h1><p class="meta">{esc(self.subtitle)}</p>'
            f"{body}</body></html>\n"
        )


PLOTLY_JS = "plotly.min.js"


def write_plotlyjs(out_dir) -> None:
    """The shared copy of plotly.js the pages load (``<script src="plotly.min.js">``), from the
    installed plotly package: nothing is downloaded."""
    from pathlib import Path

    from plotly.offline import get_plotlyjs

    path = Path(out_dir) / PLOTLY_JS
    text = get_plotlyjs()
    if not path.exists() or path.stat().st_size != len(text.encode()):
        path.write_text(text, encoding="utf-8")


def page(title: str, subtitle: str, body: str, filename: str = "") -> str:
    """A page from ready markup (used by pages without charts: methodology, validation report)."""
    p = Page(filename, title, subtitle)
    p.add(body)
    return p.html()


def table(
    rows: list[list],
    header: list[str],
    row_filters: list[str | None] | None = None,
    classes: list[list[str]] | None = None,
) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = []
    for i, r in enumerate(rows):
        attr = ""
        if row_filters and row_filters[i] is not None:
            attr = f' data-filter="{esc(row_filters[i])}"'
        cells = "".join(
            f'<td class="{esc(classes[i][j])}">{esc(c)}</td>' if classes and classes[i][j] else f"<td>{esc(c)}</td>"
            for j, c in enumerate(r)
        )
        body.append(f"<tr{attr}>{cells}</tr>")
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def data_json(obj) -> str:
    return json.dumps(obj, default=str)
