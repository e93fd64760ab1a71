"""The program team's list of pairs gone quiet, at the foot of the program page. It is for the program
team only: leadership packs leave its section out, and a leadership export holds the list back."""

from __future__ import annotations

import pandas as pd

from dashboards.theme import Page, table


def at_risk_section(p: Page, ar: pd.DataFrame | None, at_risk_days: int, min_group_size: int) -> None:
    """The section, marked ``teamonly`` so that the leadership packs leave it out (dashboards/packs.py)."""
    p.add('<div class="teamonly">')
    p.add(f"<h2>Pairs at risk: no meeting in over {at_risk_days} days</h2>")
    p.add(
        "<p>This list is for the program team, to follow up with pairs that have gone quiet. It is not for "
        "leadership: it appears on this page only, never in the leadership pages or packs, and a leadership "
        "export (<code>MENTORSHIP_LEADERSHIP_EXPORT</code>) leaves it out altogether.</p>"
    )
    if ar is None:
        p.add(
            "<p>Held back: this is a leadership export, so the list of pairs at risk is left out. The program "
            "team sees it in its own run of the pipeline.</p>"
        )
    elif ar.empty:  # the publication gate lists them only from min_group_size pairs
        p.add(
            f'<p class="suppressed">Not listed: fewer than {min_group_size} active pairs are at risk (perhaps '
            f"none), too few to list without singling people out.</p>"
        )
    else:
        _listed(p, ar, at_risk_days)
    p.add("</div>")


def _listed(p: Page, ar: pd.DataFrame, at_risk_days: int) -> None:
    # A pair that never met has been quiet since it started: say so rather than show a "last meeting".
    rows = [
        [
            r.pair,
            r.program,
            r.cohort,
            f"{int(r.days_since_last_meeting):,}" + (" (never met: days since the start)" if r.meetings == 0 else ""),
            f"{int(r.meetings):,}",
        ]
        for r in ar.head(50).itertuples()
    ]
    shown = "all are listed" if len(ar) <= 50 else "the 50 longest quiet are listed"
    p.add(
        f"<p>{len(ar):,} active pairs have not met in over {at_risk_days} days; {shown}. "
        "Pair ids are keyed hashes: the program team can look them up in the warehouse, nobody else can.</p>"
    )
    p.add(
        Page.unfiltered(
            table(rows, ["Pair (pseudonymised)", "Program", "Cohort", "Days since last meeting", "Meetings so far"]),
            "every cohort",
        )
    )
