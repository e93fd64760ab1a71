"""Breakdowns by group (program, department, level, gender, age band): the forest rows of every group
with its mentored people, and, in words, whether the effect differs across a breakdown's groups."""

from __future__ import annotations

import pandas as pd

from dashboards.pages.filters import base_id, natural, segment_label
from dashboards.pages.markup import fig, published
from dashboards.theme import esc
from mentorship.metrics import Metrics

#: Categories in their natural order, not the alphabet's.
ORDER = {"age_band": ["under 30", "30 to 44", "45 and over"]}
BREAKDOWNS = ("program", "department", "job_level", "gender", "age_band")
BREAKDOWN_WORDS = {
    "program": "programs",
    "department": "departments",
    "job_level": "levels",
    "gender": "genders",
    "age_band": "age bands",
    "cohort": "intakes",
}


def _ordered(segment_type: str, segments) -> list[str]:
    order = ORDER.get(segment_type)
    if order:
        return sorted(segments, key=lambda v: order.index(v) if v in order else len(order))
    return sorted(segments, key=natural)


def group_rows(m: Metrics, role: str, outcome: str, h, types=BREAKDOWNS) -> list[tuple[str, str]]:
    """Forest rows for every group of each breakdown, each labelled with its mentored people."""
    f = m.frame
    e = f[(f.family == "effect") & (f.role == role) & (f.outcome == outcome) & (f.measure == "adjusted_effect")]
    e = e[(e.horizon_months == h) if h else e.horizon_months.isna()]
    rows = [(_with_n(m, "Everyone", base_id(role, outcome, h)), base_id(role, outcome, h))]
    for st in types:
        for seg in _ordered(st, e[e.segment_type == st].segment.unique()):
            b = base_id(role, outcome, h, f"{st}={seg}")
            rows.append((_with_n(m, segment_label(st, seg), b), b))
    return rows


def _with_n(m: Metrics, label: str, b: str) -> str:
    """'Department:<br>Sales (203)': the breakdown on its own line, so that on a phone the labels leave
    the plot room (and are not cut at the left edge)."""
    r = m.get(f"{b}.adjusted_effect")
    n = None if r is None else r["people_mentored"]
    label = label.replace(": ", ":<br>", 1)
    return f"{label} ({int(n):,})" if n is not None and pd.notna(n) else f"{label} (n hidden)"


def differs(m: Metrics, role: str, outcome: str, h, types=BREAKDOWNS) -> str:
    """In words, per breakdown: does the effect differ across its groups by more than chance?"""
    out = []
    for st in types:
        mid = f"{base_id(role, outcome, h)}.heterogeneity.{st}"
        r = m.get(mid)
        if r is None or not published(m, mid):
            continue
        groups = f" ({esc(r['note'])} groups shown)" if r["note"] else ""
        if r["value"] < 0.05:
            out.append(
                f"<li>across {BREAKDOWN_WORDS[st]}: <b>differs</b> by more than chance alone would explain "
                f"(p = {fig(m, mid)}){groups}</li>"
            )
        else:
            out.append(
                f"<li>across {BREAKDOWN_WORDS[st]}: no difference beyond chance (p = {fig(m, mid)}){groups}</li>"
            )
    return '<ul class="differs">' + "".join(out) + "</ul>" if out else ""
