"""Figures as markup: a metric's value, interval, people or note, each tagged with its metric id, and a
term linked to the glossary. A figure that is not published says why in words."""

from __future__ import annotations

import pandas as pd

from dashboards.theme import Html, esc
from mentorship.metrics import Metrics

NOT_ESTIMATED = "not estimated for this segment"


def fig(
    m: Metrics, mid: str, signed: bool | None = None, missing: str = NOT_ESTIMATED, unit_words: bool = False
) -> Html:
    """One figure, tagged with its metric id; a hidden or missing one says why in words."""
    r = m.get(mid)
    if r is None:
        return Html(f'<span class="suppressed" data-metric="{esc(mid)}" data-status="absent">{esc(missing)}</span>')
    if r["status"] != "published" or pd.isna(r["value"]):
        word = "suppressed" if r["status"] == "suppressed" else "not estimated"
        return Html(
            f'<span class="suppressed" data-metric="{esc(mid)}" data-status="{esc(r["status"])}" '
            f'title="{esc(r["reason"] or "")}">{word}</span>'
        )
    return Html(f'<span class="m" data-metric="{esc(mid)}">{esc(m.text(mid, signed, unit_words))}</span>')


def ci(m: Metrics, mid: str) -> Html:
    r = m.get(mid)
    if r is None or r["status"] != "published" or pd.isna(r["ci_low"]):
        return Html("")
    return Html(f'<span class="m" data-metric="{esc(mid)}" data-part="ci">{esc(m.interval(mid))}</span>')


def counts(m: Metrics, mid: str) -> Html:
    """'People: 1,445 mentored; 6,419 (26,578 person-intakes) comparison', the term linked to the glossary."""
    return Html(
        f"{glossary('people', 'People')}: {people(m, mid, 'mentored')} mentored; "
        f"{people(m, mid, 'comparison')} comparison"
    )


def people(m: Metrics, mid: str, group: str) -> Html:
    """People and person-intakes behind a figure, both labelled (see the glossary)."""
    r = m.get(mid)
    if r is None or (r["status"] == "not_estimated" and pd.isna(r[f"people_{group}"])):
        return Html("")
    p, n = r[f"people_{group}"], r[f"intakes_{group}"]
    if pd.isna(p) and pd.isna(n):
        return Html('<span class="suppressed">hidden</span>')
    text = "hidden" if pd.isna(p) else f"{int(p):,}"
    if group == "comparison" or (pd.notna(n) and pd.notna(p) and n != p):
        text += f" ({'hidden' if pd.isna(n) else f'{int(n):,}'} person-intakes)"
    return Html(f'<span class="n" data-metric="{esc(mid)}" data-part="people_{group}">{esc(text)}</span>')


def setting(m: Metrics, mid: str) -> Html:
    """The assumption's value behind a sensitivity figure (the metric's note), tagged with its id."""
    r = m.get(mid)
    if r is None or not r["note"]:
        return Html("")
    return Html(f'<span class="m" data-metric="{esc(mid)}" data-part="note">{esc(r["note"])}</span>')


def magnitude(m: Metrics, mid: str) -> Html:
    """A figure without its sign, for a sentence that says "more" or "less" in words."""
    return Html(
        f'<span class="m" data-metric="{esc(mid)}" data-part="abs">{esc(m.text(mid, signed=False).lstrip("−"))}</span>'
    )


def glossary(anchor: str, text: str) -> str:
    """A term, linked to its entry in the methodology page's glossary."""
    return f'<a class="gl" href="methodology.html#glossary-{esc(anchor)}" title="What this means">{esc(text)}</a>'


def reason(m: Metrics, mid: str) -> str:
    r = m.get(mid)
    if r is None:
        return NOT_ESTIMATED
    return str(r["reason"] or "")


def published(m: Metrics, mid: str) -> bool:
    r = m.get(mid)
    return r is not None and r["status"] == "published" and pd.notna(r["value"])
