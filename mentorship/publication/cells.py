"""The published tables as one system of cells: one cell per count of people, and every relation
tying them (totals, partitions, segment breakdowns, one figure shown in several tables)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mentorship.publication.specs import SPECS, Spec

Relation = list[tuple[int, float]]


@dataclass
class Cells:
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


def collect(frames: dict[str, pd.DataFrame], specs: dict[str, Spec] = SPECS, missing: bool = False) -> Cells:
    """One cell per count of people in every published table (missing counts left out, unless
    ``missing``: the auditor's unknowns)."""
    cells = Cells()
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


def relations(
    frames: dict[str, pd.DataFrame],
    cells: Cells,
    values: np.ndarray,
    specs: dict[str, Spec] = SPECS,
    known: np.ndarray | None = None,
    true_values: np.ndarray | None = None,
) -> list[Relation]:
    """Every declared relation that holds in the data, as lists of (cell, coefficient) summing to zero.

    ``known`` marks the cells whose value counts when checking that a relation holds (all of them for
    the gate; the published ones for the auditor, which keeps a relation when every instance it can
    check holds). ``true_values`` (the auditor, given the truth) drops every instance that does not
    hold in truth, so that no inference rests on a relation that is only apparent.
    """
    auditor = known is not None
    known = np.ones(len(values), bool) if known is None else known
    out: list[Relation] = []
    families: dict[tuple, list[Relation]] = {}
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
        for total, parts, family in _totals(name, spec, frame, cell):
            add(total, parts, family)
    for family, rels in families.items():
        if not (auditor and family in broken):
            out.extend(rels)
    out += _shared_figures(frames, cells, values, specs, known)
    if true_values is not None:
        out = [
            rel
            for rel in out
            if np.isnan([true_values[i] for i, _ in rel]).any() or abs(sum(c * true_values[i] for i, c in rel)) < 0.5
        ]
    return out


Cell = Callable[[int, str], "int | None"]


def _totals(name: str, spec: Spec, frame: pd.DataFrame, cell: Cell) -> Iterator[tuple[int, list[int], tuple]]:
    """Each instance of the table's declared totals: (total cell, part cells, the family it belongs to)."""
    for total, parts in spec.partitions:
        for r in range(len(frame)):
            t, ps = cell(r, total), [cell(r, p) for p in parts]
            if t is not None and all(p is not None for p in ps):
                yield t, ps, (name, "partition", total, parts)
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
                    yield t, ps, (name, "margin", m.dim, c)
    if spec.segments is not None:
        yield from _segment_totals(name, spec, frame, cell)


def _segment_totals(name: str, spec: Spec, frame: pd.DataFrame, cell: Cell) -> Iterator[tuple[int, list[int], tuple]]:
    """Each segment type's segments adding up to the overall row."""
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
                    yield t, ps, (name, "segments", column, t_)


def _shared_figures(
    frames: dict[str, pd.DataFrame], cells: Cells, values: np.ndarray, specs: dict[str, Spec], known: np.ndarray
) -> list[Relation]:
    """One figure in several places: cells sharing a key and a value are one unknown."""
    out: list[Relation] = []
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
    return out
