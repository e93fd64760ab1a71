"""What the gate knows about each published table: its dimensions, counts and derived figures, the
totals it holds (margins, partitions, segment breakdowns), where one of its figures also appears in
another table, and the tables derived wholly from another's rows (``SPECS`` and ``CHILDREN``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Margin:
    """Rows that differ only in ``dim`` add up to the row where ``dim`` is ``total`` (for ``columns``)."""

    dim: str
    total: object
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Segments:
    """Breakdowns of an overall row: for each segment type listed for a column, that type's segments add
    up to the row where ``type_col`` is ``overall`` (within the same values of ``within``)."""

    within: tuple[str, ...]
    partitions: dict[str, tuple[str, ...]]
    type_col: str = "segment_type"
    overall: str = "overall"


@dataclass(frozen=True)
class Spec:
    """What the gate knows about one published table."""

    name: str
    dims: tuple[str, ...]
    counts: tuple[str, ...]  # people or pairs: primary suppression, part of the linked system
    gates: tuple[str, ...]  # the counts a row's derived figures are built on
    keep: tuple[str, ...] = ()  # labels, always shown
    additive: tuple[str, ...] = ()  # sums over the gates' people: hidden wherever gates[0] is hidden
    margins: tuple[Margin, ...] = ()
    partitions: tuple[tuple[str, tuple[str, ...]], ...] = ()  # within a row: total = sum of parts
    segments: Segments | None = None
    # Where the same figure may appear elsewhere: (row, column) -> keys shared with other tables.
    identity: Callable[[dict, str], list[tuple]] | None = None
    flag: str | None = None  # row-level "suppressed" column the gate writes
    reason: str | None = None  # and its reason
    counts_hidden: str | None = None  # row-level "some count hidden" column

    def derived(self, frame: pd.DataFrame) -> list[str]:
        fixed = set(self.dims) | set(self.counts) | set(self.keep) | set(self.additive)
        fixed |= {c for c in (self.flag, self.reason, self.counts_hidden) if c}
        return [c for c in frame.columns if c not in fixed]


@dataclass(frozen=True)
class Child:
    """A table derived wholly from one row of another: hidden where that row's figures are."""

    name: str
    parent: str
    on: tuple[str, ...]
    parent_filter: dict = field(default_factory=dict)
    keep: tuple[str, ...] = ()


def _treated(role, segment_type="overall", segment="all"):
    return ("treated", role, segment_type, str(segment))


def _control(role, segment_type="overall", segment="all"):
    return ("control", role, segment_type, str(segment))


def _group_key(role, group, segment_type="overall", segment="all"):
    return (_treated if group == "mentored" else _control)(role, segment_type, segment)


def _health_identity(row: dict, column: str) -> list[tuple]:
    if row["program"] != "All programs":
        return []
    seg = ("overall", "all") if row["cohort"] == "All cohorts" else ("cohort", row["cohort"])
    if column == "pairs":
        return [_treated("mentee", *seg)]
    for band in ("cadence", "regularity"):
        if column.endswith(f"_{band}_pairs") and seg[0] == "overall":
            return [_treated("mentee", f"{band}_band", column.split("_")[0])]
    return []


def _effect_identity(row: dict, column: str) -> list[tuple]:
    seg = (row["segment_type"], row["segment"])
    if column in ("n_treated", "n_treated_used", "people_treated"):
        return [_treated(row["role"], *seg)]
    if column == "people_control":
        return [("control_people", row["role"], *seg)]
    if column in ("n_control", "n_control_used") and seg[0] not in ("cadence_band", "regularity_band", "program"):
        return [_control(row["role"], *seg)]
    return [_control(row["role"])] if column in ("n_control", "n_control_used") else []


HEALTH_STATUS = ("active_pairs", "completed_pairs", "withdrawn_pairs")
HEALTH_CADENCE = ("low_cadence_pairs", "medium_cadence_pairs", "high_cadence_pairs")
HEALTH_REGULARITY = ("low_regularity_pairs", "medium_regularity_pairs", "high_regularity_pairs")
HEALTH_COUNTS = ("pairs", *HEALTH_STATUS, *HEALTH_CADENCE, *HEALTH_REGULARITY)
SEGMENT_TYPES = ("cohort", "department", "job_level", "gender", "age_band")
EFFECT_COUNTS = ("n_treated", "n_control", "n_treated_used", "n_control_used", "people_treated", "people_control")

SPECS: dict[str, Spec] = {
    s.name: s
    for s in (
        Spec(
            "program_health",
            dims=("program", "cohort"),
            counts=HEALTH_COUNTS,
            gates=("pairs",),
            additive=("meetings", "meeting_minutes", "goals_set", "goals_met"),
            margins=(Margin("program", "All programs", HEALTH_COUNTS), Margin("cohort", "All cohorts", HEALTH_COUNTS)),
            partitions=(("pairs", HEALTH_STATUS), ("pairs", HEALTH_CADENCE), ("pairs", HEALTH_REGULARITY)),
            identity=_health_identity,
            flag="suppressed",
        ),
        Spec(
            "cohort_sizes",
            dims=("role", "cohort", "group_name"),
            counts=("people",),
            gates=("people",),
            keep=("index_date", "as_of_date"),
            identity=lambda r, c: [_group_key(r["role"], r["group_name"], "cohort", r["cohort"])],
        ),
        Spec(
            "outcome_comparison",
            dims=("role", "outcome", "horizon_months"),
            counts=("n_mentored", "n_comparison", "n_comparison_people"),
            gates=("n_mentored", "n_comparison"),
            keep=("outcome_label", "scale"),
            identity=lambda r, c: [_treated(r["role"])] if c == "n_mentored" else [_control(r["role"])],
            flag="suppressed",
            reason="suppression_reason",
        ),
        Spec(
            "survey_prepost",
            dims=("role", "construct", "group_name"),
            counts=("people", "person_intakes"),
            gates=("people", "person_intakes"),
            identity=lambda r, c: (
                [_group_key(r["role"], r["group_name"])]
                if c == "person_intakes" or r["group_name"] == "mentored"
                else [("control_people", r["role"], "overall", "all")]
            ),
            flag="suppressed",
        ),
        Spec(
            "effect_estimates",
            dims=("role", "outcome", "horizon_months", "segment_type", "segment"),
            counts=EFFECT_COUNTS,
            gates=EFFECT_COUNTS,
            keep=("outcome_label", "kind"),
            segments=Segments(
                within=("role", "outcome", "horizon_months"),
                partitions={
                    "n_treated": (*SEGMENT_TYPES, "cadence_band", "regularity_band", "program"),
                    "people_treated": (*SEGMENT_TYPES, "cadence_band", "regularity_band", "program"),
                    "n_control": SEGMENT_TYPES,
                },
            ),
            identity=_effect_identity,
            flag="suppressed",
            reason="suppression_reason",
            counts_hidden="counts_hidden",
        ),
        Spec(
            "falsification_checks",
            dims=("check", "role", "outcome", "horizon_months"),
            counts=("n_treated", "n_control"),
            gates=("n_treated", "n_control"),
            keep=("outcome_label",),
            identity=lambda r, c: [_treated(r["role"]) if c == "n_treated" else _control(r["role"])],
        ),
        Spec(
            "program_activity",
            dims=("month", "program"),
            counts=("running_pairs",),
            gates=("running_pairs",),
            additive=("meetings",),
            margins=(Margin("program", "All programs", ("running_pairs",)),),
            flag="suppressed",
        ),
        Spec(
            "roi_inputs",
            dims=("program",),
            counts=("mentees", "pairs"),
            gates=("mentees",),
            keep=("first_pair_start", "last_observed", "program_months"),
            additive=("meeting_hours",),
            margins=(Margin("program", "All programs", ("mentees", "pairs")),),
            identity=lambda r, c: (
                [_treated("mentee")]
                if r.get("program", "All programs") == "All programs"
                else [_treated("mentee", "program", r["program"])]
            ),
        ),
    )
}

CHILDREN = (
    Child(
        "effect_balance",
        "effect_estimates",
        on=("role", "outcome", "horizon_months"),
        parent_filter={"segment_type": "overall"},
        keep=("covariate",),
    ),
    Child(
        "survival_curves",
        "effect_estimates",
        on=("role", "outcome"),
        parent_filter={"segment_type": "overall", "horizon_months": None},
        keep=("group", "month"),
    ),
)
