"""MENTORSHIP_HORIZONS reaches every page, the run summary and the delivery text: a whole run of the
small organisation at 3 and 9 months, with no chart left empty and no figure at a horizon that was
not computed."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd
import pytest

from mentorship.delivery import headlines
from mentorship.metrics import Metrics
from mentorship.settings import Settings, headline_horizon
from tests.conftest import SMALL_K, build
from tests.test_consistency import _array, _charts

pytestmark = pytest.mark.slow

HORIZONS = [3, 9]


def test_headline_horizon_is_a_year_or_the_nearest_computed():
    assert headline_horizon((6, 12, 24)) == 12
    assert headline_horizon((3, 9)) == 9
    assert headline_horizon((6, 18)) == 18  # equally near: the longer
    assert headline_horizon((24, 36)) == 24


@pytest.fixture(scope="module")
def run(tmp_path_factory, small_org):
    landing, _ = small_org
    root = tmp_path_factory.mktemp("horizons")
    result = build(root, landing, min_group_size=SMALL_K, horizons=HORIZONS)
    assert result.success
    m = Metrics(pd.read_parquet(root / "exports" / "metrics.parquet"))
    pages = {p.name: p.read_text(encoding="utf-8") for p in (root / "dashboards").glob("*.html")}
    return root, m, pages


def test_the_pipeline_estimates_at_the_horizons_set(run):
    _, m, _ = run
    assert m.horizons == tuple(HORIZONS) and m.headline == 9
    for h in HORIZONS:
        for outcome in ("promoted", "retained"):
            assert m.get(f"mentee.{outcome}.{h}m.all.adjusted_effect")["status"] == "published"
    assert m.get("mentee.promoted.12m.all.adjusted_effect") is None


def test_every_chart_on_every_page_has_points(run):
    _, _, pages = run
    charts = 0
    for name, html in pages.items():
        for traces in _charts(html):
            points = sum(len(_array(t.get("x")) or []) for t in traces)
            assert points > 0, f"an empty chart on {name}"
            charts += 1
    assert charts > 20


def test_no_page_speaks_of_a_horizon_that_was_not_computed(run):
    _, _, pages = run
    text = {n: re.sub(r"<[^>]+>", " ", h) for n, h in pages.items()}
    for name, t in text.items():
        # The placebo outcome looks back a fixed 12 months before the index date, whatever the horizons;
        # the ROI follows its own file's horizon (12) and says how to align it.
        t = t.replace("in the 12 months before the index date", "")
        if name == "roi.html":
            assert "set its horizon_months to one of them" in t
            continue
        assert not re.search(r"\b(6, 12 and 24|12 months|24 months)\b", t), name
    assert "Retention at 3 and 9 months" in text["retention.html"]
    assert "Promotion and retention at 9 months" in text["executive.html"]


def test_the_run_summary_and_the_delivery_text_use_the_headline_horizon(run):
    from pipelines.cli import summary

    root, m, _ = run
    s = dataclasses.replace(Settings.from_env(), export_dir=root / "exports", truth_path=root / "no-truth.json")
    text = summary(s)
    assert re.search(r"\n  promoted\s+9 mo\s", text) and re.search(r"\n  retained\s+9 mo\s", text)
    assert "12 mo" not in text
    assert [label for _, label in headlines(m)][:2] == ["Promoted within 9 months", "Retained at 9 months"]
    assert all(Path(root / "dashboards" / p).exists() for p in ("executive.html", "retention.html"))
