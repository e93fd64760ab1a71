"""What every page shares: the exports it reads, the headline outcomes, the data period and horizons in
words, and writing a finished page beside plotly.js."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dashboards.theme import Page, write_plotlyjs
from mentorship.metrics import Metrics, and_list


def headline(m: Metrics) -> list[tuple[str, int | None, str]]:
    """The four headline outcomes: promotion and retention at the headline horizon (12 months, or the
    computed horizon nearest to it), and the two survey changes."""
    return [
        ("promoted", m.headline, "Promotion"),
        ("retained", m.headline, "Retention"),
        ("satisfaction_change", None, "Satisfaction"),
        ("engagement_change", None, "Engagement"),
    ]


def horizons_text(m: Metrics) -> str:
    """'6, 12 and 24 months', from the horizons the pipeline computed."""
    return f"{and_list(m.horizons)} months"


def data_period(m: Metrics, role: str = "mentee") -> str:
    """'intakes 2022-H1 (from 2022-03-01) to 2025-H2, data as of 2025-12-31', from the cohort sizes."""
    f = m.frame
    c = f[(f.family == "cohort_size") & (f.role == role) & (f.group == "mentored")].sort_values("note")
    if c.empty:
        return f"data as of {m.as_of}"
    first, last = c.iloc[0], c.iloc[-1]
    return f"intakes {first.segment} (from {first.note}) to {last.segment}, data as of {m.as_of}"


@dataclass
class Exports:
    m: Metrics
    at_risk: pd.DataFrame | None  # None in a leadership export: the list is held back for the program team
    validation: dict  # each source's status, in words (its counts are metrics)

    @property
    def as_of(self) -> str:
        return self.m.as_of

    @classmethod
    def load(cls, d: Path) -> Exports:
        vpath = d / "validation_summary.json"
        return cls(
            m=Metrics(pd.read_parquet(d / "metrics.parquet")),
            at_risk=pd.read_parquet(d / "at_risk_pairs.parquet") if (d / "at_risk_pairs.parquet").exists() else None,
            validation=json.loads(vpath.read_text()) if vpath.exists() else {"sources": []},
        )


def write(p: Page, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    if not p.self_contained:
        write_plotlyjs(out)
    path = out / p.filename
    path.write_text(p.html())
    return path
