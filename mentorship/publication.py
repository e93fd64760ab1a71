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
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mentorship.disclosure import System, exposed, protect

REASON = "fewer than {k} people in a group"
COMPLEMENT = "count hidden so that a suppressed count cannot be worked out from the totals"


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


class PublicationError(ValueError):
    pass


def check_threshold(k) -> int:
    """The minimum group size, or an error naming the setting."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2:
        raise PublicationError(
            f"min_group_size (MENTORSHIP_MIN_GROUP_SIZE) must be a whole number of at least 2, got {k!r}"
        )
    return int(k)


@dataclass
class _Cells:
    table: list[str] = field(default_factory=list)
    row: list[int] = field(default_factory=list)
    column: list[str] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    index: dict = field(default_factory=dict)

    def add(self, table, row, column, value) -> None:
        self.index[(table, row, column)] = len(self.value)
        self.table.append(table)
        self.row.append(row)
        self.column.append(column)
        self.value.append(value)


def relations(
    frames: dict[str, pd.DataFrame],
    cells: _Cells,
    values: np.ndarray,
    specs: dict[str, Spec] = SPECS,
    known: np.ndarray | None = None,
    true_values: np.ndarray | None = None,
) -> list[list[tuple[int, float]]]:
    """Every declared relation that holds in the data, as lists of (cell, coefficient) summing to zero.

    ``known`` marks the cells whose value counts when checking that a relation holds (all of them for
    the gate; the published ones for the auditor, which keeps a relation when every instance it can
    check holds). ``true_values`` (the auditor, given the truth) drops every instance that does not
    hold in truth, so that no inference rests on a relation that is only apparent.
    """
    auditor = known is not None
    known = np.ones(len(values), bool) if known is None else known
    out: list[list[tuple[int, float]]] = []
    families: dict[tuple, list[list[tuple[int, float]]]] = {}
    broken: set[tuple] = set()

    def add(total, parts, family) -> None:
        rel = [(total, -1.0)] + [(p, 1.0) for p in parts]
        if (
            true_values is not None
            and not np.isnan([true_values[i] for i, _ in rel]).any()
            and abs(sum(c * true_values[i] for i, c in rel)) > 0.5
        ):
            broken.add(family)  # only apparent: the truth breaks it somewhere
        if all(known[i] for i, _ in rel) and abs(sum(c * values[i] for i, c in rel)) > 0.5:
            broken.add(family)  # does not hold here: the gate drops the instance, the auditor the family
            return
        families.setdefault(family, []).append(rel)

    for name, spec in specs.items():
        frame = frames.get(name)
        if frame is None or frame.empty:
            continue
        cell = lambda r, c: cells.index.get((name, r, c))
        for total, parts in spec.partitions:
            for r in range(len(frame)):
                t, ps = cell(r, total), [cell(r, p) for p in parts]
                if t is not None and all(p is not None for p in ps):
                    add(t, ps, (name, "partition", total, parts))
        for m in spec.margins:
            others = [d for d in spec.dims if d != m.dim]
            keyed = frame.reset_index(drop=True)
            for _, g in keyed.groupby(others, dropna=False, sort=False) if others else [(None, keyed)]:
                tot = g.index[g[m.dim] == m.total]
                parts = g.index[g[m.dim] != m.total]
                if len(tot) != 1 or not len(parts):
                    continue
                for c in m.columns:
                    t, ps = cell(int(tot[0]), c), [cell(int(p), c) for p in parts]
                    if t is not None and all(p is not None for p in ps):
                        add(t, ps, (name, "margin", m.dim, c))
        if spec.segments is not None:
            sg = spec.segments
            keyed = frame.reset_index(drop=True)
            for _, g in keyed.groupby(list(sg.within), dropna=False, sort=False):
                tot = g.index[g[sg.type_col] == sg.overall]
                if len(tot) != 1:
                    continue
                for column, types in sg.partitions.items():
                    for t_ in types:
                        parts = g.index[g[sg.type_col] == t_]
                        t, ps = cell(int(tot[0]), column), [cell(int(p), column) for p in parts]
                        if len(ps) and t is not None and all(p is not None for p in ps):
                            add(t, ps, (name, "segments", column, t_))
    for family, rels in families.items():
        if not (auditor and family in broken):
            out.extend(rels)
    # One figure in several places: cells sharing a key and a value are one unknown.
    groups: dict[tuple, list[int]] = {}
    for name, spec in specs.items():
        frame = frames.get(name)
        if frame is None or frame.empty or spec.identity is None:
            continue
        records = frame.to_dict("records")
        for c in spec.counts:
            for r, rec in enumerate(records):
                i = cells.index.get((name, r, c))
                if i is not None:
                    for key in spec.identity(rec, c):
                        groups.setdefault(key, []).append(i)
    for members in groups.values():
        by_value: dict[float, list[int]] = {}
        unknown = [i for i in members if not known[i]]
        for i in members:
            if known[i]:
                by_value.setdefault(values[i], []).append(i)
        if unknown and len(by_value) == 1:  # the auditor: a hidden cell in a series that never varies
            members_same = next(iter(by_value.values())) + unknown
            for a, b in itertools.pairwise(members_same):
                out.append([(a, 1.0), (b, -1.0)])
            continue
        for same in by_value.values():
            for a, b in itertools.pairwise(same):
                out.append([(a, 1.0), (b, -1.0)])
    if true_values is not None:
        out = [
            rel
            for rel in out
            if np.isnan([true_values[i] for i, _ in rel]).any() or abs(sum(c * true_values[i] for i, c in rel)) < 0.5
        ]
    return out


def collect(frames: dict[str, pd.DataFrame], specs: dict[str, Spec] = SPECS, missing: bool = False) -> _Cells:
    """One cell per count of people in every published table (missing counts left out, unless
    ``missing``: the auditor's unknowns)."""
    cells = _Cells()
    for name, spec in specs.items():
        frame = frames.get(name)
        if frame is None or frame.empty:
            continue
        for c in spec.counts:
            if c not in frame:
                continue
            col = pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            for r in range(len(col)) if missing else np.flatnonzero(~np.isnan(col)):
                cells.add(name, int(r), c, float(col[r]))
    return cells


def publish(
    frames: dict[str, pd.DataFrame], k: int, specs: dict[str, Spec] = SPECS, children: tuple[Child, ...] = CHILDREN
) -> dict[str, pd.DataFrame]:
    """The published form of every table: primary and complementary suppression over all of them at
    once, derived figures hidden with their counts. A table without a spec here passes unchanged, so
    every table with counts of people needs one (``SPECS``)."""
    k = check_threshold(k)
    frames = {n: f.reset_index(drop=True).copy() for n, f in frames.items()}
    cells = collect(frames, specs)
    values = np.array(cells.value, dtype=float)
    primary = (values > 0) & (values < k)
    lower = np.zeros(len(values))
    upper = np.full(len(values), np.inf)
    # What a reader can tell from the row flags: a suppressed row's first count is under k; a row
    # whose figures are shown has every count it is built on at k or more.
    row_small = {}
    for i in range(len(values)):
        spec = specs[cells.table[i]]
        if cells.column[i] in spec.gates:
            row_small.setdefault((cells.table[i], cells.row[i]), []).append(i)
    for members in row_small.values():
        small = [i for i in members if values[i] < k]
        if not small:
            for i in members:
                lower[i] = k
        elif len(members) == 1:
            upper[members[0]] = k - 1
    system = System.of(values, np.zeros(len(values), bool), lower, upper, relations(frames, cells, values, specs))
    hidden = protect(system, primary) if len(values) else np.zeros(0, bool)

    for name, spec in specs.items():
        frame = frames.get(name)
        if frame is None:
            continue
        rows = np.array([r for r, t in zip(cells.row, cells.table) if t == name], dtype=int)
        cols = [c for c, t in zip(cells.column, cells.table) if t == name]
        mask = np.array([t == name for t in cells.table], bool)
        hid, small = hidden[mask], (values[mask] < k)
        suppressed_row = np.zeros(len(frame), bool)
        any_hidden = np.zeros(len(frame), bool)
        first_gate_hidden = np.zeros(len(frame), bool)
        for r, c, h, s in zip(rows, cols, hid, small):
            if c in spec.gates and s:
                suppressed_row[r] = True
            if h:
                any_hidden[r] = True
                if spec.gates and c == spec.gates[0]:
                    first_gate_hidden[r] = True
        for c in spec.counts:
            if c in frame:
                h = np.zeros(len(frame), bool)
                h[[r for r, cc, x in zip(rows, cols, hid) if cc == c and x]] = True
                frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("Float64").where(~h)
        for c in spec.additive:
            if c in frame:
                frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("Float64").where(~first_gate_hidden)
        for c in spec.derived(frame):
            frame[c] = _blank(frame[c], suppressed_row)
        if spec.flag:
            was = frame[spec.flag].fillna(False).astype(bool) if spec.flag in frame else False
            frame[spec.flag] = suppressed_row | was
        if spec.reason:
            reason = frame[spec.reason] if spec.reason in frame else pd.Series([None] * len(frame), dtype=object)
            frame[spec.reason] = reason.astype(object).where(~suppressed_row, REASON.format(k=k))
        if spec.counts_hidden:
            frame[spec.counts_hidden] = any_hidden
        frames[name] = frame

    for child in children:
        parent, frame = frames.get(child.parent), frames.get(child.name)
        if parent is None or frame is None or frame.empty:
            continue
        p = parent
        for col, val in child.parent_filter.items():
            p = p[p[col].isna()] if val is None else p[p[col] == val]
        spec = specs[child.parent]
        blocked = p[p[spec.flag].astype(bool)][list(child.on)].drop_duplicates() if spec.flag else p.iloc[:0]
        hit = frame[list(child.on)].merge(blocked.assign(_hit=True), how="left", on=list(child.on))["_hit"]
        hit = hit.notna().to_numpy()
        for c in frame.columns:
            if c not in child.on and c not in child.keep:
                frame[c] = _blank(frame[c], hit)
        frames[child.name] = frame
    return frames


def _blank(series: pd.Series, mask: np.ndarray) -> pd.Series:
    if pd.api.types.is_bool_dtype(series):
        return series.astype("boolean").where(~mask)
    if pd.api.types.is_numeric_dtype(series):
        return series.astype("Float64").where(~mask)
    return series.astype(object).where(~mask, None)


def at_risk_list(frame: pd.DataFrame, k: int) -> pd.DataFrame:
    """The at-risk pair list, shown only when at least k pairs are on it: a list of one or two quiet
    pairs in a small program points at the people in them."""
    k = check_threshold(k)
    return frame if len(frame) >= k else frame.iloc[:0]


@dataclass(frozen=True)
class Finding:
    table: str
    row: dict
    column: str
    value: float
    how: str

    def __str__(self) -> str:
        where = ", ".join(f"{k}={v}" for k, v in self.row.items())
        return f"{self.table} [{where}] {self.column} = {self.value:g}: {self.how}"


def audit(
    frames: dict[str, pd.DataFrame],
    k: int,
    specs: dict[str, Spec] = SPECS,
    discover: bool = True,
    bounds: bool = False,
    truth: dict[str, pd.DataFrame] | None = None,
) -> list[Finding]:
    """Attack the published tables as an analyst with a spreadsheet would, and list every disclosure.

    Fails on (1) a published count from 1 to k - 1 and (2) a hidden count worked out to be under k,
    by elimination over every total relation or by bounds. The relations are those the gate declares,
    kept only where every instance the published figures can check holds, plus those ``discover``
    finds without being told: a row labelled as a total ("All ...", "overall") over any dimension,
    count columns that add up to another in every row where all are shown, and one figure repeated
    under the same meaning in several tables.

    An outsider's inference can be wrong: two figures that agree wherever both are shown need not
    agree where one is hidden. Given ``truth`` (the unsuppressed tables, as the tests and the
    warehouse's owner have them), a hidden count counts as recovered only when the value worked out
    is its true value; without it every value worked out under k is reported.
    """
    k = check_threshold(k)
    frames = {n: f.reset_index(drop=True) for n, f in frames.items() if f is not None}
    specs = _discovered(frames, specs) if discover else specs
    cells = collect(frames, specs, missing=True)
    values = np.array(cells.value, dtype=float)
    known = ~np.isnan(values)
    findings = []

    def row_of(i):
        spec, frame = specs[cells.table[i]], frames[cells.table[i]]
        return {d: frame.at[cells.row[i], d] for d in spec.dims if d in frame}

    for i in np.flatnonzero(known & (values > 0) & (values < k)):
        findings.append(Finding(cells.table[i], row_of(i), cells.column[i], values[i], f"published count under {k}"))
    lower = np.zeros(len(values))
    upper = np.full(len(values), np.inf)
    for i in np.flatnonzero(~known):
        spec, frame = specs[cells.table[i]], frames[cells.table[i]]
        if cells.column[i] not in spec.gates or not spec.flag or spec.flag not in frame:
            continue
        flagged = bool(frame.at[cells.row[i], spec.flag])
        if not flagged:
            lower[i] = k  # the row's figures are shown, so every count they rest on is at least k
        elif len(spec.gates) == 1:
            upper[i] = k - 1
    lookup = _truth_lookup(truth, specs) if truth is not None else None
    true_values = None
    if lookup is not None:
        true_values = np.array(
            [lookup.get((cells.table[i], _key(row_of(i)), cells.column[i]), np.nan) for i in range(len(values))]
        )
    system = System.of(
        np.where(known, values, 0.0),
        ~known,
        lower,
        upper,
        relations(frames, cells, values, specs, known=known, true_values=true_values),
    )
    for i, v in sorted(exposed(system, bounds=bounds).items()):
        if not 0 < round(v) < k:  # zeros are published as they are
            continue
        if lookup is not None:
            real = lookup.get((cells.table[i], _key(row_of(i)), cells.column[i]))
            if real is None or abs(real - v) > 0.5:
                continue  # a wrong guess discloses nothing
        findings.append(
            Finding(
                cells.table[i],
                row_of(i),
                cells.column[i],
                round(v),
                "hidden count worked out from the published figures",
            )
        )
    return findings


def _key(row: dict) -> tuple:
    """A row's dimensions, alike however they were read (12, 12.0 and the nullable Int 12 match)."""

    def norm(v):
        if pd.isna(v):
            return None
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            return repr(float(v))
        return str(v)

    return tuple((k, norm(v)) for k, v in row.items())


def _truth_lookup(truth: dict[str, pd.DataFrame], specs: dict[str, Spec]) -> dict:
    out = {}
    for name, frame in truth.items():
        spec = specs.get(name)
        if spec is None:
            continue
        dims = [d for d in spec.dims if d in frame]
        for rec in frame.to_dict("records"):
            key = _key({d: rec[d] for d in dims})
            for c in spec.counts:
                if c in rec and not pd.isna(rec[c]):
                    out[(name, key, c)] = float(rec[c])
    return out


def _discovered(frames: dict[str, pd.DataFrame], specs: dict[str, Spec]) -> dict[str, Spec]:
    """The specs with the relations an outsider could find in the published figures alone."""
    from dataclasses import replace
    from itertools import combinations

    out = dict(specs)
    for name, spec in specs.items():
        frame = frames.get(name)
        if frame is None or frame.empty:
            continue
        counts = [c for c in spec.counts if c in frame]
        margins = list(spec.margins)
        for d in spec.dims:
            if d not in frame or frame[d].dtype.kind in "fiu":
                continue
            labels = [v for v in frame[d].dropna().unique() if str(v).lower().startswith(("all", "overall", "total"))]
            if len(labels) == 1 and not any(m.dim == d for m in margins):
                margins.append(Margin(d, labels[0], tuple(counts)))
        partitions = list(spec.partitions)
        shown = frame[counts].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        for t, total in enumerate(counts):
            others = [j for j in range(len(counts)) if j != t]
            for size in (2, 3, 4):
                for parts in combinations(others, size):
                    block = shown[:, [t, *parts]]
                    block = block[~np.isnan(block).any(axis=1)]
                    names = tuple(counts[j] for j in parts)
                    if (
                        len(block) >= 3
                        and np.allclose(block[:, 1:].sum(axis=1), block[:, 0])
                        and (total, names) not in partitions
                    ):
                        partitions.append((total, names))
        out[name] = replace(spec, margins=tuple(margins), partitions=tuple(partitions))
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m mentorship.publication EXPORT_DIR [K]``: audit an export folder; exit 1 on any finding."""
    import argparse
    from pathlib import Path

    from mentorship.settings import Settings

    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument("export_dir", type=Path)
    p.add_argument("k", type=int, nargs="?", help="the minimum group size (default: MENTORSHIP_MIN_GROUP_SIZE)")
    a = p.parse_args(argv)
    k = a.k if a.k is not None else Settings.from_env().min_group_size
    frames = {
        f.stem: pd.read_parquet(f)
        for f in sorted(a.export_dir.glob("*.parquet"))
        if f.stem in SPECS or any(c.name == f.stem for c in CHILDREN)
    }
    if not frames:
        print(f"no published tables in {a.export_dir}")
        return 2
    findings = audit(frames, k)
    for f in findings:
        print(f)
    print(f"{len(findings)} disclosure(s) in {len(frames)} tables of {a.export_dir} at minimum group size {k}")
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
