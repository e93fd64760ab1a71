"""The publication gate: every table that leaves the warehouse passes through ``publish``, and nothing
else applies the minimum group size.

Method (written down in docs/privacy.md): cell suppression over the whole set of
linked tables, the approach of tau-ARGUS and sdcTable, with a greedy search in place of their
optimisation.

1. **Primary suppression.** A count of people or pairs from 1 to k - 1 is hidden. Zeros are shown.
2. **Linked tables.** All published tables form one system (``mentorship.disclosure``): the totals
   each table holds (program -> all programs, cohort -> all cohorts, status, cadence and regularity
   bands -> all pairs, segments of a breakdown -> overall), and one figure shown in several tables
   (mentored people in a cohort appear in the cohort sizes, program health and the effect tables),
   which is one unknown wherever it appears. A shared figure is recognised by its meaning (the same
   role, group and segment) and confirmed by its value.
3. **Complementary suppression.** While any hidden count can be worked out, by elimination over
   those relations or by bounds (counts are not negative; a row marked suppressed is under k; a
   shown estimate means at least k), one more published count is hidden: the cheapest that protects
   it (small counts before large, interior cells before totals).
4. **Derived figures inherit.** A mean, rate, estimate or interval is hidden wherever a count it is
   built on is under k; sums that add up like counts (meetings, minutes, goals) are hidden wherever
   their count is hidden, so they cannot be subtracted either.

Plain pandas and numpy; no Dagster import.

One concern per module: ``specs`` (what the gate knows about each table), ``cells`` (the tables as
one system of cells and relations), ``gate`` (``publish`` and the at-risk list), ``audit`` (the
disclosure auditor); ``python -m mentorship.publication`` audits an export folder.
"""

from mentorship.publication.audit import Finding, audit
from mentorship.publication.gate import REASON, PublicationError, at_risk_list, check_threshold, publish
from mentorship.publication.specs import CHILDREN, SPECS, Child, Margin, Segments, Spec

__all__ = [
    "CHILDREN",
    "REASON",
    "SPECS",
    "Child",
    "Finding",
    "Margin",
    "PublicationError",
    "Segments",
    "Spec",
    "at_risk_list",
    "audit",
    "check_threshold",
    "publish",
]
