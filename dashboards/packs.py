"""Leadership packs: the executive summary and ROI pages printed to PDF and PNG by a local Chromium.

Playwright drives the system's Chromium (Debian's ``chromium`` package, or ``MENTORSHIP_CHROMIUM``);
nothing is downloaded. Every request other than the page's own ``file://`` files is blocked, so a
pack can never reach the network.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

PACK_PAGES = ("executive.html", "roi.html", "program.html")
#: Packs are for leadership: what is only for the program team (the at-risk pair list, marked
#: ``teamonly`` on the page) is left out of them, whatever export the pages came from.
PACK_STYLE = ".teamonly { display: none !important; } a.csv { display: none; }"
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def find_chromium() -> str | None:
    explicit = os.environ.get("MENTORSHIP_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def offline_only(route) -> None:
    if route.request.url.startswith(("file://", "data:", "blob:", "about:")):
        route.continue_()
    else:
        route.abort()


def launch(playwright):
    exe = find_chromium()
    if exe is None:
        raise FileNotFoundError("no Chromium found (install Debian's chromium or set MENTORSHIP_CHROMIUM)")
    return playwright.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)


def render_packs(dashboard_dir: Path) -> tuple[list[Path], str | None]:
    """Write ``packs/<page>.pdf`` and ``.png``; return the files and, when skipped, why."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return [], "packs skipped: the playwright package is not installed"
    if find_chromium() is None:
        return [], "packs skipped: no Chromium found (install Debian's chromium or set MENTORSHIP_CHROMIUM)"
    out = dashboard_dir / "packs"
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import Error as PlaywrightError

    try:
        return _render(sync_playwright, dashboard_dir, out), None
    except PlaywrightError as e:
        return [], f"packs skipped: the browser failed: {str(e).splitlines()[0][:300]}"


def _render(sync_playwright, dashboard_dir: Path, out: Path) -> list[Path]:
    written = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.route("**/*", offline_only)
            for name in PACK_PAGES:
                src = dashboard_dir / name
                if not src.exists():
                    continue
                page.goto(src.resolve().as_uri(), wait_until="load")
                page.add_style_tag(content=PACK_STYLE)
                if page.locator(".js-plotly-plot").count():  # a page with every figure suppressed has none
                    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
                stem = out / name.removesuffix(".html")
                page.screenshot(path=str(stem.with_suffix(".png")), full_page=True)
                page.pdf(
                    path=str(stem.with_suffix(".pdf")),
                    format="A4",
                    landscape=True,
                    print_background=True,
                    margin={"top": "10mm", "bottom": "10mm", "left": "8mm", "right": "8mm"},
                )
                written += [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
        finally:
            browser.close()
    return written
