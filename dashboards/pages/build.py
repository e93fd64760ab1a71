"""Building every page of a run from its exports, in the order of the site."""

from __future__ import annotations

from pathlib import Path

from dashboards.pages.common import Exports
from dashboards.pages.equity import equity
from dashboards.pages.executive import executive
from dashboards.pages.index import index
from dashboards.pages.mentors import mentors
from dashboards.pages.program import program
from dashboards.pages.promotion import promotion
from dashboards.pages.quality import quality
from dashboards.pages.retention import retention
from dashboards.pages.roi import roi
from dashboards.pages.survey import survey
from dashboards.theme import Page


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
