"""The methodology note: design, covariates, estimands, trimming and assumptions, generated from the
same constants the estimator uses and from the exported effect table (never the warehouse).

This module composes the note from its sections and writes it (``methodology.md`` and ``.html``); the
sections are in ``estimation`` (question, design, adjustment, segments and dose), ``uncertainty``
(intervals, E-value), ``checks`` (falsification tests, recovery of planted effects, assumptions) and
``glossary``."""

from __future__ import annotations

from pathlib import Path

import mistune
import pandas as pd

from dashboards.methodology.checks import ASSUMPTIONS, RECOVERY, falsification
from dashboards.methodology.estimation import QUESTION, adjustment, design, segments_and_dose
from dashboards.methodology.glossary import glossary_html, glossary_markdown
from dashboards.methodology.uncertainty import uncertainty
from dashboards.theme import page
from mentorship.metrics import Metrics

__all__ = ["build_methodology", "methodology_markdown"]


def methodology_markdown(
    effects: pd.DataFrame,
    n_bootstrap: int,
    trim: float,
    min_group_size: int,
    bootstrap_below: int | None = None,
    checks: pd.DataFrame | None = None,
    metrics: Metrics | None = None,
) -> str:
    """The note in Markdown, without the glossary: one section after another, a blank line between."""
    horizons = effects.horizon_months.dropna().unique()
    sections = [
        "# How the effects are estimated",
        QUESTION,
        design(horizons),
        adjustment(effects, trim),
        uncertainty(effects, n_bootstrap, bootstrap_below),
        segments_and_dose(horizons, min_group_size),
        falsification(checks, metrics),
        RECOVERY,
        ASSUMPTIONS,
    ]
    return "\n\n".join(sections) + "\n"


def build_methodology(
    effects: pd.DataFrame,
    out_dir: Path,
    n_bootstrap: int,
    trim: float,
    min_group_size: int,
    bootstrap_below: int | None = None,
    checks: pd.DataFrame | None = None,
    metrics: Metrics | None = None,
) -> tuple[Path, Path]:
    """Write ``methodology.md`` and ``methodology.html`` (each with the glossary) into ``out_dir``."""
    md = methodology_markdown(
        effects,
        n_bootstrap=n_bootstrap,
        trim=trim,
        min_group_size=min_group_size,
        bootstrap_below=bootstrap_below,
        checks=checks,
        metrics=metrics,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    md_path = out_dir / "methodology.md"
    md_path.write_text(md + glossary_markdown(), encoding="utf-8")
    html_path = out_dir / "methodology.html"
    html_path.write_text(
        page(
            "Methodology",
            "How the adjusted effects are estimated",
            mistune.html(md).replace("<table>", '<table class="data">') + glossary_html(),
            filename="methodology.html",
        ),
        encoding="utf-8",
    )
    return md_path, html_path
