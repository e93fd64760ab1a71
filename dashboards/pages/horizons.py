"""What the retention and promotion pages share: an outcome's adjusted effect at each horizon for each
filter value, and, for all mentees, its hazard ratio and the curves of the share promoted or still here."""

from __future__ import annotations

from dataclasses import dataclass

from dashboards.pages.cards import hazard_card
from dashboards.pages.charts import curves_figure, forest_figure
from dashboards.pages.filters import Filter, base_id, effects_filter
from dashboards.theme import Page, months
from mentorship.metrics import Metrics


def by_horizon(p: Page, m: Metrics, outcome: str, title: str, howto: str) -> Filter:
    """A filter bar and the outcome's adjusted effect at each horizon for each filter value."""
    filt = effects_filter(p, m, [(outcome, h) for h in m.horizons])
    sets = filt.sets(lambda key: [(months(h), base_id("mentee", outcome, h, key)) for h in m.horizons])
    p.figure(forest_figure(m, sets, title, "pts (percentage points)", "pts"), howto)
    return filt


@dataclass(frozen=True)
class Survival:
    """A time-to-event outcome of mentees: its hazard ratio card and its curves, with their words."""

    outcome: str
    card_title: str
    meaning: str  # what the hazard ratio means, under the card
    curve_title: str
    howto: str  # how to read the curves


def survival(p: Page, m: Metrics, s: Survival) -> None:
    """The page's section for all mentees: the hazard ratio card, then the curves."""
    p.add("<h2>For all mentees</h2>")
    p.add(Page.unfiltered(hazard_card(m, "mentee", s.outcome, s.card_title, s.meaning), "all mentees"))
    p.figure(curves_figure(m, "mentee", s.outcome, s.curve_title), s.howto, unfiltered="all mentees")
