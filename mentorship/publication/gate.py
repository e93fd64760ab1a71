"""The gate itself: primary suppression of counts under k, complementary suppression until no hidden
count can be worked out, derived figures hidden with their counts, child tables with their parent
rows; and the at-risk list shown only when it is long enough."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentorship.disclosure import System, protect
from mentorship.publication.cells import Cells, collect, relations
from mentorship.publication.specs import CHILDREN, SPECS, Child, Spec

REASON = "fewer than {k} people in a group"


class PublicationError(ValueError):
    pass


def check_threshold(k) -> int:
    """The minimum group size, or an error naming the setting."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2:
        raise PublicationError(
            f"min_group_size (MENTORSHIP_MIN_GROUP_SIZE) must be a whole number of at least 2, got {k!r}"
        )
    return int(k)


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
    lower, upper = _flag_bounds(cells, values, specs, k)
    system = System.of(values, np.zeros(len(values), bool), lower, upper, relations(frames, cells, values, specs))
    hidden = protect(system, primary) if len(values) else np.zeros(0, bool)
    for name, spec in specs.items():
        frame = frames.get(name)
        if frame is not None:
            frames[name] = _hide(frame, name, spec, cells, values, hidden, k)
    for child in children:
        parent, frame = frames.get(child.parent), frames.get(child.name)
        if parent is not None and frame is not None and not frame.empty:
            frames[child.name] = _hide_child(frame, parent, child, specs[child.parent])
    return frames


def _flag_bounds(cells: Cells, values: np.ndarray, specs: dict[str, Spec], k: int) -> tuple[np.ndarray, np.ndarray]:
    """What a reader can tell from the row flags, as bounds on each cell: a suppressed row's first
    count is under k; a row whose figures are shown has every count it is built on at k or more."""
    lower = np.zeros(len(values))
    upper = np.full(len(values), np.inf)
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
    return lower, upper


def _hide(
    frame: pd.DataFrame, name: str, spec: Spec, cells: Cells, values: np.ndarray, hidden: np.ndarray, k: int
) -> pd.DataFrame:
    """One table as published: its hidden counts blanked, derived figures hidden with their counts, flags set."""
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
    return frame


def _hide_child(frame: pd.DataFrame, parent: pd.DataFrame, child: Child, spec: Spec) -> pd.DataFrame:
    """A child table with its rows blanked wherever the parent row it derives from is suppressed."""
    p = parent
    for col, val in child.parent_filter.items():
        p = p[p[col].isna()] if val is None else p[p[col] == val]
    blocked = p[p[spec.flag].astype(bool)][list(child.on)].drop_duplicates() if spec.flag else p.iloc[:0]
    hit = frame[list(child.on)].merge(blocked.assign(_hit=True), how="left", on=list(child.on))["_hit"]
    hit = hit.notna().to_numpy()
    for c in frame.columns:
        if c not in child.on and c not in child.keep:
            frame[c] = _blank(frame[c], hit)
    return frame


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
