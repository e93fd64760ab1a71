"""Every dashboard page in a real browser: Debian's Chromium driven by Playwright, from file://, with
every network request blocked. Locally the tests skip when no Chromium is installed (and say so);
with CI=true they must run."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from dashboards.packs import CHROMIUM_ARGS, find_chromium
from dashboards.pages.filters import segment_label
from dashboards.theme import PAGES
from mentorship.settings import PROJECT_DIR

pytestmark = pytest.mark.browser  # `pytest -m browser` runs these alone; `-m "not browser"` leaves them out

SCREENSHOTS = PROJECT_DIR / "data" / "screenshots"
CHART_PAGES = [h for h, _ in PAGES if h not in ("index.html", "methodology.html")] + ["outcome_comparison.html"]
TEXT_PAGES = ["index.html", "methodology.html", "validation_report.html"]

#: The data every visible trace plots, so a filter change can be seen to change it.
VISIBLE_DATA = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(div =>
    (div.data || []).filter(t => t.visible !== false).map(t => [t.x, t.y]))"""


@pytest.fixture(scope="module")
def browser():
    if find_chromium() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no Chromium: .ci/run must install Debian's chromium")
        pytest.skip("no Chromium on this machine (apt-get install chromium); the browser tests run in CI")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=find_chromium(), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def site(built):
    root, result = built
    assert result.success
    return root / "dashboards"


def open_page(browser, path: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors, blocked = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        if r.request.url.startswith(("file://", "data:", "blob:", "about:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(path.resolve().as_uri(), wait_until="load")
    return page, errors, blocked


@pytest.mark.parametrize("name", CHART_PAGES)
def test_page_renders_offline_with_charts_and_no_errors(browser, site, name):
    page, errors, blocked = open_page(browser, site / name)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
    assert page.locator(".js-plotly-plot .main-svg").count() >= 1
    assert page.locator(".js-plotly-plot").count() == page.locator(".js-plotly-plot .plot-container").count()
    # One shared copy of plotly.js beside the pages, loaded once, from file://: nothing fetched.
    assert page.content().count('src="plotly.min.js"') == 1 and (site / "plotly.min.js").exists()
    assert not errors, errors
    assert not blocked, blocked  # the page never even tried the network
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name.replace(".html", ".png")), full_page=True)
    page.close()


@pytest.mark.parametrize("name", TEXT_PAGES)
def test_text_pages_open_offline(browser, site, name):
    page, errors, blocked = open_page(browser, site / name)
    assert page.locator("nav a").count() == len(PAGES)
    assert not errors and not blocked
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name.replace(".html", ".png")), full_page=True)
    page.close()


FILTER_PAGES = ["executive.html", "retention.html", "promotion.html", "survey.html", "program.html"]

#: Per chart: whether it sits in a block marked as not following the filter, its visible data, and
#: whether it draws a legend.
CHARTS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(div => ({
    unfiltered: !!div.closest('.unfiltered'),
    data: JSON.stringify((div.data || []).filter(t => t.visible !== false).map(t => [t.x, t.y])),
    legend: div.querySelectorAll('.legend .traces').length}))"""


@pytest.mark.parametrize("name", FILTER_PAGES)
def test_every_filter_value_changes_every_chart_or_labels_it_unfiltered(browser, site, name):
    """For each value the filter offers: every chart that follows the filter shows other data, every
    chart that does not is greyed with its 'not filtered' label, the legends stay, something on the
    page is published, and the value is in the address (so a reload, or a shared link, keeps it)."""
    page, errors, _ = open_page(browser, site / name)
    page.wait_for_selector(".js-plotly-plot .main-svg")
    # Every card and table either belongs to one filter value or is marked as not following the filter.
    loose = page.evaluate("""() => Array.from(document.querySelectorAll('.card, table.data'))
        .filter(e => !e.closest('[data-filter]') && !e.closest('.unfiltered')).length""")
    assert loose == 0, name
    base = page.evaluate(CHARTS)
    keys = page.eval_on_selector_all("#filter option", "els => els.map(e => e.value)")
    assert keys[0] == "all" and len(keys) > 1
    for key in keys[1:]:
        page.select_option("#filter", key)
        charts = page.evaluate(CHARTS)
        for before, after in zip(base, charts):
            if after["unfiltered"]:
                continue
            assert after["data"] != before["data"], (name, key)
            assert after["legend"] >= min(before["legend"], 1), (name, key, "legend lost")
        assert page.evaluate("() => document.body.classList.contains('filtered')")
        badges = page.locator(".unfiltered .badge")
        assert all(badges.nth(i).is_visible() for i in range(badges.count()))
        # Never an all-suppressed view: the filter offers only values with something published.
        shown = page.evaluate("""() => Array.from(document.querySelectorAll('[data-filter] span.m'))
            .filter(e => e.offsetParent !== null).length""")
        plotted = page.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot'))
            .filter(d => !d.closest('.unfiltered')).some(d => (d.data || []).some(t => t.visible !== false
                && (t.customdata || []).some(c => c !== null)))""")
        assert shown or plotted, (name, key)
        assert page.evaluate("() => decodeURIComponent(location.hash)") == f"#filter={key}"
    # The address carries the view: opening it shows that value, its cards and its charts.
    key = keys[-1]
    page.goto((site / name).resolve().as_uri() + "#filter=" + key, wait_until="load")
    page.wait_for_selector(".js-plotly-plot .main-svg")
    assert page.eval_on_selector("#filter", "e => e.value") == key
    page.select_option("#filter", "all")
    assert not page.evaluate("() => document.body.classList.contains('filtered')")
    assert page.evaluate("() => location.hash") == ""
    assert not errors
    page.close()


def test_suppressed_segments_show_as_suppressed(browser, site):
    effects = pd.read_parquet(site.parent / "exports" / "effect_estimates.parquet")
    small = effects[
        effects.suppressed
        & (effects.role == "mentee")
        & effects.segment_type.isin(["department", "job_level", "gender", "age_band"])
        & effects.suppression_reason.str.startswith("fewer than")
    ]
    assert len(small), "the small organisation has a group under the minimum size"
    page, _errors, _ = open_page(browser, site / "equity.html")
    page.wait_for_selector(".js-plotly-plot .main-svg")
    # A suppressed row is drawn as the word, not a number, in the chart itself.
    texts = page.eval_on_selector_all(".js-plotly-plot text", "els => els.map(e => e.textContent)")
    assert "suppressed" in texts
    label = segment_label(small.iloc[0].segment_type, small.iloc[0].segment).replace(" ", "")
    # With its group size or "(n hidden)", the breakdown on a line of its own.
    assert any(t.replace(" ", "").startswith(label) for t in texts)
    page.close()
    # The latest intake has not been followed for 12 months, and its survey effects are suppressed or
    # not estimated: it is not offered as a filter value, and the page says why.
    late = effects[
        (effects.role == "mentee")
        & (effects.segment_type == "cohort")
        & (effects.outcome == "promoted")
        & (effects.horizon_months == 12)
        & effects.suppressed
    ]
    assert len(late)
    page, _, _ = open_page(browser, site / "retention.html")
    keys = page.eval_on_selector_all("#filter option", "els => els.map(e => e.value)")
    assert f"cohort={late.segment.max()}" not in keys
    assert f"Cohort: {late.segment.max()}" in page.locator(".notoffered").inner_text()
    page.close()
    # A mentor-only level is never offered on a mentee page.
    mentee_levels = set(effects[(effects.role == "mentee") & (effects.segment_type == "job_level")].segment)
    mentor_only = (
        set(effects[(effects.role == "mentor") & (effects.segment_type == "job_level")].segment) - mentee_levels
    )
    page, _, _ = open_page(browser, site / "executive.html")
    keys = page.eval_on_selector_all("#filter option", "els => els.map(e => e.value)")
    assert not {f"job_level={lv}" for lv in mentor_only} & set(keys)
    page.close()


def test_packs_are_written(site):
    if find_chromium() is None and os.environ.get("CI") != "true":
        pytest.skip("no Chromium on this machine: packs are skipped")
    from pypdf import PdfReader

    for name in ("executive", "roi", "program"):
        pdf, png = site / "packs" / f"{name}.pdf", site / "packs" / f"{name}.png"
        assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The program pack is for leadership: the program team's list of pairs at risk is not in it.
    assert "pair_" in (site / "program.html").read_text()
    text = " ".join(page.extract_text() for page in PdfReader(site / "packs" / "program.pdf").pages)
    assert "Program health" in text and "pair_" not in text and "Pairs at risk" not in text


ALL_PAGES = CHART_PAGES + TEXT_PAGES


@pytest.mark.parametrize("name", ALL_PAGES)
def test_every_page_fits_a_phone_and_an_a4_page(browser, site, name):
    """At 390 px nothing scrolls sideways (wide tables scroll inside their own box), and printed on A4
    portrait (about 718 px between the margins) nothing is cut at the right edge."""
    for width, media in ((1280, "screen"), (390, "screen"), (718, "print")):
        page = browser.new_page(viewport={"width": width, "height": 800})
        page.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith(("file://", "data:", "blob:")) else r.abort()
        )
        page.emulate_media(media=media)
        page.goto((site / name).resolve().as_uri(), wait_until="load")
        if name not in TEXT_PAGES:
            page.wait_for_selector(".js-plotly-plot .main-svg")
        page.wait_for_timeout(300)  # the charts resize to their box
        overflow = page.evaluate("() => document.documentElement.scrollWidth")
        assert overflow <= width + 1, (name, media, overflow)
        # No chart is drawn wider than its own box (or the page): a chart drawn while the page was still
        # arriving is fitted to its box once it has loaded.
        wide = page.evaluate(f"""() => Array.from(document.querySelectorAll('.js-plotly-plot'))
            .filter(d => d.getBoundingClientRect().right > {width} + 1
                    || (d._fullLayout && d._fullLayout.width > d.getBoundingClientRect().width + 1)).length""")
        assert wide == 0, (name, media)
        page.close()


def test_a_table_downloads_as_csv_with_the_pages_figures(browser, site):
    """The 'Download CSV' link under a table gives that table as shown: its header, and each figure as
    the metrics table formats it."""
    import csv
    import io

    from mentorship.metrics import Metrics

    m = Metrics(pd.read_parquet(site.parent / "exports" / "metrics.parquet"))
    page, errors, _ = open_page(browser, site / "retention.html")
    page.wait_for_selector(".js-plotly-plot .main-svg")
    link = page.locator('div[data-filter="all"] ~ a.csv, div[data-filter="all"] a.csv').first
    with page.expect_download() as info:
        link.click()
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][:5] == ["Outcome", "Horizon", "Mentored", "Comparable colleagues (weighted)", "Adjusted effect"]
    by_horizon = {r[1]: r for r in rows[1:]}
    for h in (6, 12, 24):
        base = f"mentee.retained.{h}m.all"
        if m.get(f"{base}.adjusted_effect")["status"] == "published":
            row = by_horizon[f"{h} months"]
            assert row[2] == m.text(f"{base}.mentored_rate")
            assert row[4] == m.text(f"{base}.adjusted_effect")
            assert row[5] == m.interval(f"{base}.adjusted_effect")
    assert not errors
    page.close()
