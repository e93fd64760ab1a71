"""Effect tables: per outcome and horizon, the mentored and comparison levels, the adjusted effect and its
interval, the raw difference, the people behind them and the E-value, with the estimates' warnings."""

from __future__ import annotations

from dashboards.pages.filters import ALL, Filter, base_id
from dashboards.pages.markup import NOT_ESTIMATED, ci, fig, glossary, people, published, reason
from dashboards.theme import esc, months, table
from mentorship.metrics import Metrics

COLUMNS = [
    "Outcome",
    "Horizon",
    "Mentored",
    "Comparable colleagues (weighted)",
    "Adjusted effect",
    "95% CI",
    "Comparison group (raw)",
    "Raw difference",
    "Mentored people",
    "Comparison people (person-intakes)",
    "E-value",
]

UNITS_NOTE = (
    '<p class="howto">Units: shares of people in %, their differences in '
    f"{glossary('pts', 'pts (percentage points)')}; pay growth in % of pay, its differences in "
    f"{glossary('pay', 'pts of pay')}; survey changes and their differences "
    f"{glossary('scale', 'on the 1–5 scale')}. {glossary('comparable', 'Comparable colleagues')} and "
    f"the {glossary('comparison', 'comparison group')} are different figures; "
    f"{glossary('people', 'people and person-intakes')} are counted apart; a figure "
    f"{glossary('followed', 'by a horizon')} counts everyone for as long as they were followed.</p>"
)


def _when(outcome: str, h) -> str:
    if outcome.startswith("time_to"):
        return "whole follow-up"
    return "first survey after" if h is None else months(h)


def _hazard_row(m: Metrics, b: str, label: str, when: str) -> list | None:
    if m.get(f"{b}.hazard_ratio") is None:
        return None
    return [
        f"{label} (hazard ratio)",
        when,
        "",
        "",
        fig(m, f"{b}.hazard_ratio"),
        ci(m, f"{b}.hazard_ratio"),
        "",
        fig(m, f"{b}.hazard_ratio_raw"),
        people(m, f"{b}.hazard_ratio", "mentored"),
        people(m, f"{b}.hazard_ratio", "comparison"),
        "",
    ]


def _effect_row(m: Metrics, b: str, label: str, when: str) -> list:
    a = f"{b}.adjusted_effect"
    return [
        label,
        when,
        fig(m, f"{b}.mentored_rate"),
        fig(m, f"{b}.comparison_rate_weighted"),
        fig(m, a),
        ci(m, a),
        fig(m, f"{b}.comparison_rate_raw"),
        fig(m, f"{b}.raw_difference"),
        people(m, a, "mentored"),
        people(m, a, "comparison"),
        fig(m, f"{b}.e_value"),
    ]


def _row(m: Metrics, outcome: str, b: str, label: str, when: str) -> tuple[list, list[str]] | None:
    """One line of the table and its cells' classes; ``None`` for a hazard ratio that was not estimated."""
    if outcome.startswith("time_to"):
        row = _hazard_row(m, b, label, when)
        return None if row is None else (row, [""] * 11)
    a = f"{b}.adjusted_effect"
    if not published(m, a):
        return (
            [label, when, fig(m, a), "", "", "", "", "", "", "", reason(m, a)],
            ["", "", "suppressed"] + [""] * 7 + ["suppressed"],
        )
    return _effect_row(m, b, label, when), [""] * 11


def effect_table(m: Metrics, role: str, outcomes: list[tuple[str, str]], key: str = ALL, horizons=None) -> str:
    """Per outcome and horizon: the mentored level, the comparable colleagues' (weighted) level, the
    adjusted effect and CI, the raw comparison level and raw difference, people, and the E-value."""
    rows, classes = [], []
    notes: dict[str, list[str]] = {}  # each warning once, with the estimates it applies to
    for outcome, label in outcomes:
        hs = [None] if outcome.endswith("_change") or outcome.startswith("time_to") else (horizons or m.horizons)
        for h in hs:
            b = base_id(role, outcome, h, key)
            row = m.get(f"{b}.adjusted_effect") or m.get(f"{b}.hazard_ratio")
            for w in str((row or {}).get("note") or "").split("; "):
                if w and not w.startswith("comparison group: a random"):  # the sampling note is on the method page
                    notes.setdefault(w, []).append(f"{label} ({_when(outcome, h)})")
            line = _row(m, outcome, b, label, _when(outcome, h))
            if line is not None:
                rows.append(line[0])
                classes.append(line[1])
    if not rows:
        return ""
    return table(rows, COLUMNS, classes=classes) + UNITS_NOTE + _notes(notes)


def _notes(notes: dict[str, list[str]]) -> str:
    if not notes:
        return ""
    return (
        '<div class="note"><b>Notes on these estimates</b><ul>'
        + "".join(f"<li>{esc(w[0].upper() + w[1:])}: {esc(', '.join(where))}.</li>" for w, where in notes.items())
        + "</ul></div>"
    )


def filtered_tables(m: Metrics, role: str, outcomes, filt: Filter) -> str:
    """One effect table per filter value, each shown only while its value is chosen."""
    out = []
    for key in filt.keys:
        t = effect_table(m, role, outcomes, key)
        out.append(f'<div data-filter="{esc(key)}">{t or "<p>" + esc(NOT_ESTIMATED) + ".</p>"}</div>')
    return "".join(out)
