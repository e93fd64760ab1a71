"""One set of numbers: after a whole run, every figure on every page, in the run summary and in the
exports is a row of the metrics table, and shows that row's value.

Pages tag each figure with its metric id (``data-metric`` on a card or table figure, ``customdata``
on a chart's points); the test reads the pages' HTML and their embedded chart data, and the CLI
summary, and compares each figure with the table. A figure-like text (a share, pts, a decimal, a
thousands count, money) in a card or table that carries no metric id fails the test.
"""

from __future__ import annotations

import base64
import json
import re
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mentorship.metrics import Metrics, display_scale
from mentorship.settings import Settings

SPAN = re.compile(
    r'<span class="(m|n|suppressed)" data-metric="([^"]*)"(?: data-part="([^"]*)")?'
    r'(?: data-status="([^"]*)")?[^>]*>(.*?)</span>',
    re.S,
)
NEWPLOT = re.compile(r'Plotly\.newPlot\(\s*"[^"]+",\s*')
#: What a published figure looks like as text: a share, pts, a signed or plain decimal, money, a
#: thousands count.
FIGURE = re.compile(r"\d+(?:\.\d+)?%|\bpts\b|[+−-]\d+\.\d+|\b\d+\.\d+\b|[€$£]\s?[\d,]+|\b\d{1,3}(?:,\d{3})+\b")


@pytest.fixture(scope="module")
def run(built):
    root, result = built
    assert result.success
    metrics = Metrics(pd.read_parquet(root / "exports" / "metrics.parquet"))
    pages = {p.name: p.read_text() for p in sorted((root / "dashboards").glob("*.html"))}
    return root, metrics, pages


def _people(row: dict, group: str) -> str:
    p, n = row[f"people_{group}"], row[f"intakes_{group}"]
    text = "hidden" if pd.isna(p) else f"{int(p):,}"
    if group == "comparison" or (pd.notna(n) and pd.notna(p) and n != p):
        text += f" ({'hidden' if pd.isna(n) else f'{int(n):,}'} person-intakes)"
    return text


def _expected(m: Metrics, mid: str, part: str | None, shown: str) -> str:
    row = m.get(mid)
    if part == "ci":
        return m.interval(mid)
    if part == "note":
        return str(row["note"])
    if part == "abs":
        return m.text(mid, signed=False).lstrip("−")
    if part and part.startswith("people_"):
        return _people(row, part.removeprefix("people_"))
    # The one place a unit is spelled out after the number: a survey difference in a card.
    return m.text(mid, unit_words=shown.endswith(" on the 1–5 scale"))


def test_the_metrics_table_is_whole_and_unique(run):
    _, m, _ = run
    f = m.frame
    assert f.metric_id.is_unique
    assert set(f.status) <= {"published", "suppressed", "not_estimated"}
    published = f[f.status == "published"]
    assert published.value.notna().all(), published[published.value.isna()].metric_id.head().tolist()
    kept = f[(f.status != "published") & f.value.notna()]
    assert kept.empty, kept.metric_id.head().tolist()  # a hidden figure keeps no value
    silent = f[(f.status != "published") & (f.reason.fillna("") == "")]
    assert silent.empty, silent[["metric_id", "status"]].head().to_dict("records")  # and says why
    for col in ("definition", "label", "estimator", "unit", "as_of_date"):
        assert f[col].notna().all(), col
    # Weighted and raw comparison levels are two metrics, and the weighted one is mentored minus adjusted.
    e = published[published.family == "effect"].set_index("metric_id").value
    for mid in [i for i in e.index if i.endswith(".comparison_rate_weighted")]:
        base = mid.removesuffix(".comparison_rate_weighted")
        if f"{base}.adjusted_effect" in e:
            assert e[mid] == pytest.approx(e[f"{base}.mentored_rate"] - e[f"{base}.adjusted_effect"], abs=1e-12)
    # People and person-intakes are counted apart: a comparison person is compared in several intakes.
    overall = f[
        (f.family == "effect")
        & (f.segment_type == "overall")
        & f.intakes_comparison.notna()
        & f.people_comparison.notna()
    ]
    assert (overall.people_comparison <= overall.intakes_comparison).all()
    assert (overall.people_comparison < overall.intakes_comparison).any()


def test_every_figure_on_every_page_is_the_metrics_value(run):
    _, m, pages = run
    checked = 0
    for name, html in pages.items():
        for cls, mid, part, status, text in SPAN.findall(html):
            text = unescape(text)
            row = m.get(mid)
            if cls == "suppressed":
                expected = "absent" if row is None else row["status"]
                assert status == expected, (name, mid, status, expected)
                continue
            assert row is not None, (name, mid)
            assert text == _expected(m, mid, part or None, text), (name, mid, part, text)
            checked += 1
    assert checked > 500


def _array(v):
    """Plotly's JSON holds arrays as lists or as base64 typed arrays ({"dtype", "bdata"})."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).astype(float).tolist()
    return v


def _charts(html: str) -> list[list[dict]]:
    out = []
    for match in NEWPLOT.finditer(html):
        traces, _ = json.JSONDecoder().raw_decode(html, match.end())
        out.append(traces)
    return out


def test_every_point_on_every_chart_is_the_metrics_value(run):
    _, m, pages = run
    checked = 0
    for name, html in pages.items():
        for traces in _charts(html):
            for t in traces:
                ids = _array(t.get("customdata"))
                if ids is None:
                    continue
                xs, ys = _array(t.get("x")), _array(t.get("y"))
                base = _array(t.get("base"))
                if base is not None:  # a bar drawn from a base (the tornado): its end is the figure
                    base = base if isinstance(base, list) else [base] * len(xs)
                    xs = [x + b for x, b in zip(xs, base)]
                for i, mid in enumerate(ids):
                    if mid is None:
                        continue
                    row = m.get(mid)
                    assert row is not None and row["status"] == "published", (name, mid)
                    want = row["value"] * display_scale(row["unit"])
                    got = [v for v in (xs[i] if xs else None, ys[i] if ys else None) if isinstance(v, (int, float))]
                    assert any(np.isclose(v, want, rtol=1e-9, atol=1e-12) for v in got), (name, mid, got, want)
                    checked += 1
    assert checked > 300


def _strip_tagged(html: str) -> str:
    return SPAN.sub(" ", html)


def test_no_figure_in_a_card_or_table_lacks_a_metric_id(run):
    _, _, pages = run
    for name, html in pages.items():
        if name in ("validation_report.html", "methodology.html"):
            continue  # rule counts and method text, read from the validation summary and the method itself
        rest = _strip_tagged(html)
        blocks = re.findall(r'<div class="card">.*?</div></div>|<table class="data">.*?</table>', rest, re.S)
        for block in blocks:
            if "Pair (pseudonymised)" in block:
                continue  # the program team's list of pairs, not an aggregate
            text = unescape(re.sub(r"<[^>]+>", " ", block))
            text = re.sub(r"\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}:\d{2})?", " ", text)  # dates and times
            text = re.sub(r"95% (CI|interval)", " ", text)  # the interval's name, not a figure
            found = FIGURE.findall(text)
            assert not found, (name, found[:5], text[:300])


def test_the_run_summary_shows_the_metrics_figures(run):
    root, m, _ = run
    text = _summary_for(root)
    f = m.frame
    overall = f[
        (f.family == "effect")
        & (f.segment_type == "overall")
        & (f.measure == "adjusted_effect")
        & (f.horizon_months == 12)
        & (f.status == "published")
    ]
    assert len(overall)
    for r in overall.itertuples():
        line = next(
            ln
            for ln in text.splitlines()
            if ln.strip().startswith(r.outcome.replace("_", " "))
            and (" 12 mo" in ln)
            and ln in _role_block(text, r.role)
        )
        base = r.metric_id.removesuffix(".adjusted_effect")
        for mid in (r.metric_id, f"{base}.raw_difference", f"{base}.mentored_rate", f"{base}.comparison_rate_raw"):
            assert m.text(mid) in line, (mid, line)
        assert m.interval(r.metric_id) in line


def _role_block(text: str, role: str) -> str:
    head = {"mentee": "\nMentees", "mentor": "\nMentors"}[role]
    start = text.index(head)
    end = text.find("\nMentors", start + 1) if role == "mentee" else len(text)
    return text[start : end if end > 0 else len(text)]


def _summary_for(root: Path) -> str:
    import dataclasses

    from pipelines.cli import summary

    s = dataclasses.replace(Settings.from_env(), export_dir=root / "exports", truth_path=root / "no-truth.json")
    return summary(s)


def test_the_exports_hold_the_same_figures(run):
    root, m, _ = run
    effects = pd.read_parquet(root / "exports" / "effect_estimates.parquet")
    shown = effects[~effects.suppressed.astype(bool) & ~effects.outcome.str.startswith("time_to")]
    assert len(shown)
    for r in shown.itertuples():
        base = (
            f"{r.role}.{r.outcome}.{'na' if pd.isna(r.horizon_months) else f'{int(r.horizon_months)}m'}."
            f"{'all' if r.segment_type == 'overall' else f'{r.segment_type}={r.segment}'}"
        )
        assert m.value(f"{base}.adjusted_effect") == r.estimate
        assert m.value(f"{base}.raw_difference") == r.naive
        assert m.value(f"{base}.mentored_rate") == r.treated_mean


def test_the_methodology_note_and_the_packs_show_the_metrics_figures(run):
    """The falsification table of the methodology note, and the leadership packs printed from the pages."""
    root, m, _ = run
    note = (root / "dashboards" / "methodology.md").read_text()
    checks = m.frame[
        (m.frame.family == "falsification")
        & (m.frame.measure == "estimate")
        & (m.frame.status == "published")
        & ~m.frame.metric_id.str.startswith("check.balance")
    ]
    assert len(checks)
    for mid in checks.metric_id:
        assert f"{m.text(mid)} ({m.interval(mid)})" in note, mid
    packs = root / "dashboards" / "packs"
    if not (packs / "executive.pdf").exists():
        pytest.skip("no Chromium here: the packs were not printed (CI installs one)")
    from pypdf import PdfReader

    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(packs / "executive.pdf").pages)
    headline = [f"mentee.{o}.all.adjusted_effect" for o in ("promoted.12m", "retained.12m")]
    for mid in headline:
        if m.get(mid)["status"] == "published":
            assert m.text(mid, unit_words=True).replace("−", "-") in text.replace("−", "-"), mid
            assert m.interval(mid).replace("−", "-") in text.replace("−", "-"), mid
    roi = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(packs / "roi.pdf").pages)
    if m.get("roi.roi") is not None and m.get("roi.roi")["status"] == "published":
        assert m.text("roi.roi").replace("−", "-") in roi.replace("−", "-")


def test_a_curve_read_at_a_horizon_is_that_horizons_figure(run):
    """The retention and promotion curves are the horizon estimates' own Aalen-Johansen curves: at 6,
    12 and 24 months they are the mentored and comparable-colleague figures of the tables."""
    _, m, _ = run
    compared = 0
    for role in ("mentee", "mentor"):
        for outcome, curve in (("retained", "time_to_voluntary_exit"), ("promoted", "time_to_promotion")):
            for h in (6, 12, 24):
                for measure, group in (("mentored_rate", "mentored"), ("comparison_rate_weighted", "comparison")):
                    a, b = f"{role}.{outcome}.{h}m.all.{measure}", f"{role}.{curve}.curve.{group}.m{h}"
                    if m.get(a)["status"] != "published" or m.get(b)["status"] != "published":
                        continue
                    assert m.value(a) == pytest.approx(m.value(b), abs=1e-9), (a, b)
                    assert m.text(a) == m.text(b)
                    compared += 1
    assert compared >= 12


def test_pages_share_one_plotlyjs_or_carry_their_own(run, tmp_path):
    """By default every page names the one copy beside it; self-contained pages carry it inside."""
    root, _, pages = run
    from dashboards.pages import build_all
    from mentorship.settings import DEFAULT_ROI_FILE

    charts = [html for html in pages.values() if "Plotly.newPlot" in html]
    assert len(charts) >= 10
    assert all('src="plotly.min.js"' in html and "plotly.js v" not in html for html in charts)
    written = build_all(root / "exports", tmp_path, DEFAULT_ROI_FILE, 60, 20, self_contained=True)
    executive = next(p for p in written if p.name == "executive.html")
    assert "plotly.js v" in executive.read_text() and executive.stat().st_size > 3_000_000
    assert not (tmp_path / "plotly.min.js").exists()
    # The default is back for the next build.
    again = build_all(root / "exports", tmp_path / "again", DEFAULT_ROI_FILE, 60, 20)
    assert next(p for p in again if p.name == "executive.html").stat().st_size < 1_000_000


def test_chart_titles_are_html_so_they_wrap_and_never_overlap(run):
    """A chart's title is set above it in the page, where it wraps on a phone; inside the plot a title
    (or a subplot title) cannot wrap and would run into the legend or its neighbour."""
    _, _, pages = run
    seen = 0
    for name, html in pages.items():
        for match in NEWPLOT.finditer(html):
            decoder = json.JSONDecoder()
            _, end = decoder.raw_decode(html, match.end())
            layout, _ = decoder.raw_decode(html, html.index("{", end))
            assert not (layout.get("title") or {}).get("text"), name
            assert not layout.get("annotations"), name  # subplot titles are annotations
            seen += 1
    assert seen >= 20


def test_every_share_is_shown_as_a_share(run):
    """A difference of two shares is in pts wherever it appears, the falsification checks' placebo
    promotion included: a proportion shown as a bare decimal (+0.01) would read as a score."""
    _, m, _ = run
    f = m.frame
    shares = f[
        f.outcome.isin(
            ["promoted", "retained", "became_people_manager", "changed_department", "promoted_in_year_before"]
        )
        & f.measure.isin(["adjusted_effect", "raw_difference", "estimate", "raw"])
        & ~f.metric_id.str.startswith("check.balance")
    ]  # a balance check is a standardised difference
    assert len(shares) and set(shares.unit) == {"pts"}
