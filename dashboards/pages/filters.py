"""Filters: the segments a page offers in its filter bar, their keys, and the metric ids they select."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from dashboards.theme import Page
from mentorship.metrics import Metrics, metric_id

SEGMENT_TITLES = {
    "program": "Program",
    "cohort": "Cohort",
    "department": "Department",
    "job_level": "Level",
    "gender": "Gender",
    "age_band": "Age band",
    "cadence_band": "Meeting cadence",
    "regularity_band": "Meeting regularity",
}
FILTER_TYPES = ("program", "cohort", "department", "job_level")
ALL = "all"

#: A forest chart's rows: (label, metric id of the adjusted effect without its measure).
Rows = list[tuple[str, str]]


def segment_label(segment_type: str, segment: str) -> str:
    if segment_type == "overall":
        return "Everyone"
    value = str(segment).split(": ", 1)[-1]
    return f"{SEGMENT_TITLES.get(segment_type, segment_type)}: {value}"


def natural(v):
    try:
        return (0, float(v))
    except (TypeError, ValueError):
        return (1, str(v))


def _key(segment_type: str, segment: str) -> str:
    return ALL if segment_type == "overall" else f"{segment_type}={segment}"


def _split(key: str) -> tuple[str, str]:
    return ("overall", "all") if key == ALL else tuple(key.split("=", 1))  # type: ignore[return-value]


def base_id(role, outcome, h, key=ALL) -> str:
    """The metric id of an estimate without its measure: ``mentee.promoted.12m.department=Sales``."""
    st, seg = _split(key)
    return metric_id(role, outcome, h, st, seg, "x").removesuffix(".x")


def segment_options(
    m: Metrics, role: str, figures: list[tuple[str, int | None]], types=FILTER_TYPES
) -> tuple[list[tuple[str, str, str]], str]:
    """The filter values this page can show for ``role``: a segment is offered when at least one of the
    page's ``figures`` (outcome, horizon) is published for it. Returns the options and a sentence
    naming the values left out (every figure suppressed or not estimated)."""
    f = m.frame
    rows = f[(f.family == "effect") & (f.role == role) & (f.measure == "adjusted_effect") & f.segment_type.isin(types)]
    wanted = {(o, h) for o, h in figures}
    rows = rows[[(o, None if pd.isna(h) else int(h)) in wanted for o, h in zip(rows.outcome, rows.horizon_months)]]
    opts = [("", ALL, "Everyone")]
    left_out = []
    for st in types:
        part = rows[rows.segment_type == st]
        for seg in sorted(part.segment.unique(), key=natural):
            shown = (part[part.segment == seg].status == "published").any()
            if shown:
                opts.append((SEGMENT_TITLES[st], _key(st, seg), segment_label(st, seg)))
            else:
                left_out.append(segment_label(st, seg))
    note = (
        (
            "Not offered, because every figure on this page is suppressed or not estimated for them: "
            + ", ".join(left_out)
            + "."
        )
        if left_out
        else ""
    )
    return opts, note


@dataclass(frozen=True)
class Filter:
    """The values a page's filter bar offers, as (group, key, label) options; the first shows everyone."""

    options: list[tuple[str, str, str]]

    @property
    def keys(self) -> list[str]:
        return [key for _, key, _ in self.options]

    def sets(self, rows: Callable[[str], Rows]) -> list[tuple[str, Rows]]:
        """One forest trace set per filter value: ``rows(key)`` gives the set's rows."""
        return [(key, rows(key)) for key in self.keys]


def effects_filter(p: Page, m: Metrics, figures: list[tuple[str, int | None]]) -> Filter:
    """The page's filter bar over mentee segments, offering those where one of ``figures`` is published."""
    options, left_out = segment_options(m, "mentee", figures)
    p.filter_bar(options, "Show effects for", left_out)
    return Filter(options)
