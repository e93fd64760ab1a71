"""Cards: one estimate in large print with its interval, levels, raw difference, people and a sentence in
plain words; and the hazard ratio's card."""

from __future__ import annotations

import pandas as pd

from dashboards.pages.filters import ALL, base_id
from dashboards.pages.markup import ci, counts, fig, glossary, magnitude, published, reason
from dashboards.theme import Html, esc
from mentorship.metrics import Metrics

PHRASES = {
    "promoted": "likely to be promoted within {h} months",
    "retained": "likely to still be with the company {h} months later",
    "became_people_manager": "likely to move into people management within {h} months",
    "changed_department": "likely to change department within {h} months",
}


def card(m: Metrics, role: str, outcome: str, h, title: str, key: str = ALL, who: str = "Mentored employees") -> str:
    b = base_id(role, outcome, h, key)
    a = f"{b}.adjusted_effect"
    when = f"at {h} months" if h else "pre to post survey"
    head = f"<div>{esc(title)} ({esc(when)}): {glossary('adjusted', 'adjusted effect')}</div>"
    if not published(m, a):
        word = "suppressed" if m.get(a) is not None and m.get(a)["status"] == "suppressed" else "not estimated"
        return (
            f'<div class="card">{head}<div class="big suppressed" data-metric="{esc(a)}">{word}</div>'
            f'<div class="sentence suppressed">{esc(reason(m, a))}</div></div>'
        )
    level = "Mentored {} vs {} {}" if h else "Score change: mentored {} vs {} {}"
    unit = '<div class="unit">points on the 1–5 scale</div>' if m.get(a)["unit"] == "score_points" else ""
    return (
        f'<div class="card">{head}<div class="big">{fig(m, a)}</div>{unit}'
        f"<div>95% CI {ci(m, a)}</div>"
        f'<div class="base">{level.format(fig(m, f"{b}.mentored_rate"), glossary("comparable", "comparable colleagues"), fig(m, f"{b}.comparison_rate_weighted"))}</div>'
        f'<div class="raw">{glossary("raw", "Raw difference")} {fig(m, f"{b}.raw_difference")} (comparison group '
        f"{fig(m, f'{b}.comparison_rate_raw')})</div>"
        f'<div class="raw">{counts(m, a)}</div>'
        f'<div class="sentence">{esc(sentence(m, b, outcome, h, who))}</div></div>'
    )


def sentence(m: Metrics, b: str, outcome: str, h, who: str = "Mentored employees") -> Html:
    """A plain-language sentence for one estimate, with its interval and what it cannot rule out."""
    mid = f"{b}.adjusted_effect"
    a = m.get(mid)
    if a is None or not published(m, mid):
        return Html("Too few people in this group to say anything.")
    est = a["value"]
    text, interval = magnitude(m, mid), ci(m, mid)
    if outcome in PHRASES:
        s = (
            f"{who} were {text} ({interval}) {'more' if est >= 0 else 'less'} {esc(PHRASES[outcome].format(h=h))} "
            "than comparable colleagues."
        )
    elif outcome == "salary_growth":
        s = (
            f"{who}' pay grew {text} ({interval}) {'more' if est >= 0 else 'less'} over {h} months than comparable "
            "colleagues'."
        )
    elif outcome.endswith("_change"):
        construct = outcome.removesuffix("_change")
        s = (
            f"{who}' {construct} score {'rose' if est >= 0 else 'fell'} {text} points on the 1–5 scale ({interval}) "
            "more than comparable colleagues' by the first survey after they started."
        )
    else:
        s = f"{who}: {fig(m, mid)} ({interval})."
    if pd.notna(a["ci_low"]) and a["ci_low"] <= 0 <= a["ci_high"]:
        s += " The interval includes no effect, so chance cannot be ruled out."
    return Html(s)


def hazard_card(m: Metrics, role: str, outcome: str, title: str, meaning: str) -> str:
    b = base_id(role, outcome, None)
    if not published(m, f"{b}.hazard_ratio"):
        return ""
    return (
        f'<div class="cards"><div class="card"><div>{glossary("hazard", title)}</div>'
        f'<div class="big">{fig(m, f"{b}.hazard_ratio")}</div><div>95% CI {ci(m, f"{b}.hazard_ratio")}</div>'
        f'<div class="raw">Raw hazard ratio: {fig(m, f"{b}.hazard_ratio_raw")}</div>'
        f'<div class="sentence">{esc(meaning)}</div></div></div>'
    )
