"""``Metrics``: the metrics table as the pages read it, a figure looked up by id and formatted with
``display``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mentorship.metrics.formatting import SCALE_WORDS, display, unit_format
from mentorship.settings import headline_horizon


@dataclass
class Metrics:
    """The metrics table as the pages read it: look up by id, format with ``display``."""

    frame: pd.DataFrame

    def __post_init__(self):
        self.by_id = {r["metric_id"]: r for r in self.frame.to_dict("records")}
        effects = self.frame[(self.frame.family == "effect") & self.frame.horizon_months.notna()]
        #: The horizons the pipeline estimated (MENTORSHIP_HORIZONS), in months: pages follow these.
        self.horizons = tuple(sorted({int(h) for h in effects.horizon_months})) or (6, 12, 24)
        self.headline = headline_horizon(self.horizons)

    @property
    def as_of(self) -> str:
        v = self.frame.as_of_date.dropna()
        return str(v.iloc[0]) if len(v) else "unknown"

    def get(self, mid: str) -> dict | None:
        return self.by_id.get(mid)

    def value(self, mid: str) -> float:
        r = self.by_id.get(mid)
        return np.nan if r is None or r["status"] != "published" else r["value"]

    def text(self, mid: str, signed: bool | None = None, unit_words: bool = False) -> str:
        """The figure as shown; ``unit_words`` names the survey scale after a score difference."""
        r = self.by_id.get(mid)
        if r is None or r["status"] != "published" or pd.isna(r["value"]):
            return ""
        text = display(r["value"], r["unit"], r["digits"], signed)
        return text + SCALE_WORDS if unit_words and r["unit"] == "score_points" else text

    def interval(self, mid: str) -> str:
        r = self.by_id.get(mid)
        if r is None or pd.isna(r["ci_low"]) or pd.isna(r["ci_high"]):
            return ""
        lo, hi = (display(r[c], r["unit"], r["digits"], signed=False) for c in ("ci_low", "ci_high"))
        suffix = unit_format(r["unit"])[0]
        return f"{lo.removesuffix(suffix)} to {hi}" if suffix else f"{lo} to {hi}"
