"""Every dashboard page in a real browser: Debian's Chromium driven by Playwright, from file://, with
every network request blocked. Locally the tests skip when no Chromium is installed (and say so);
with CI=true they must run."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from dashboards.packs import CHROMIUM_ARGS, find_chromium
from dashboards.pages import _segment_label
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
    assert page.content().count("plotly.js v") == 1  # embedded once, nothing fetched
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


@pytest.mark.parametrize("name", FILTER_PAGES)
def test_a_filter_change_changes_the_plotted_data(browser, site, name):
    page, errors, _ = open_page(browser, site / name)
    page.wait_for_selector(".js-plotly-plot .main-svg")
    options = page.locator("#filter option")
    assert options.count() > 1
    before = json.dumps(page.evaluate(VISIBLE_DATA))
    changed = False
    for i in range(1, options.count()):
        page.select_option("#filter", index=i)
        if json.dumps(page.evaluate(VISIBLE_DATA)) != before:
            changed = True
            break
    assert changed
    # Cards and tables follow the filter too: exactly one filtered block of each kind is showing.
    shown = page.evaluate("""() => Array.from(document.querySelectorAll('div[data-filter]'))
        .filter(e => e.style.display !== 'none').length""")
    assert shown <= 1
    assert not errors
    page.close()


def test_suppressed_segments_show_as_suppressed(browser, site):
    effects = pd.read_parquet(site.parent / "exports" / "effect_estimates.parquet")
    small = effects[effects.suppressed & (effects.role == "mentee")
                    & effects.segment_type.isin(["department", "job_level", "gender", "age_band"])
                    & effects.suppression_reason.str.startswith("fewer than")]
    assert len(small), "the small organisation has a group under the minimum size"
    page, errors, _ = open_page(browser, site / "equity.html")
    page.wait_for_selector(".js-plotly-plot .main-svg")
    # A suppressed row is drawn as the word, not a number, in the chart itself.
    texts = page.eval_on_selector_all(".js-plotly-plot text", "els => els.map(e => e.textContent)")
    assert "suppressed" in texts
    assert _segment_label(small.iloc[0].segment_type, small.iloc[0].segment) in texts
    page.close()
    # The latest intake has not been followed for 12 months: its cards say so instead of a number.
    late = effects[(effects.role == "mentee") & (effects.segment_type == "cohort") & (effects.outcome == "promoted")
                   & (effects.horizon_months == 12) & effects.suppressed]
    assert len(late)
    key = f"cohort={late.segment.max()}"
    page, _, _ = open_page(browser, site / "executive.html")
    page.select_option("#filter", key)
    card = page.locator(f'div[data-filter="{key}"]')
    assert card.is_visible() and "suppressed" in card.inner_text()
    page.close()


def test_packs_are_written(site):
    if find_chromium() is None and os.environ.get("CI") != "true":
        pytest.skip("no Chromium on this machine: packs are skipped")
    for name in ("executive", "roi"):
        pdf, png = site / "packs" / f"{name}.pdf", site / "packs" / f"{name}.png"
        assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
