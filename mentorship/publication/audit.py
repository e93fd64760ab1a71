"""The disclosure auditor: the published tables attacked as an analyst with a spreadsheet would,
with the relations the gate declares and those an outsider could find alone, listing every count
under k that is published or can be worked out."""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import combinations

import numpy as np
import pandas as pd

from mentorship.disclosure import System, exposed
from mentorship.publication.cells import Cells, collect, relations
from mentorship.publication.gate import check_threshold
from mentorship.publication.specs import SPECS, Margin, Spec


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
    row_of = lambda i: _row_of(i, cells, frames, specs)
    findings = [
        Finding(cells.table[i], row_of(i), cells.column[i], values[i], f"published count under {k}")
        for i in np.flatnonzero(known & (values > 0) & (values < k))
    ]
    lower, upper = _shown_bounds(cells, frames, specs, known, k)
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


def _row_of(i: int, cells: Cells, frames: dict[str, pd.DataFrame], specs: dict[str, Spec]) -> dict:
    """Cell ``i``'s row, by its dimensions."""
    spec, frame = specs[cells.table[i]], frames[cells.table[i]]
    return {d: frame.at[cells.row[i], d] for d in spec.dims if d in frame}


def _shown_bounds(
    cells: Cells, frames: dict[str, pd.DataFrame], specs: dict[str, Spec], known: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds on the hidden counts that the published row flags give away."""
    lower = np.zeros(len(known))
    upper = np.full(len(known), np.inf)
    for i in np.flatnonzero(~known):
        spec, frame = specs[cells.table[i]], frames[cells.table[i]]
        if cells.column[i] not in spec.gates or not spec.flag or spec.flag not in frame:
            continue
        flagged = bool(frame.at[cells.row[i], spec.flag])
        if not flagged:
            lower[i] = k  # the row's figures are shown, so every count they rest on is at least k
        elif len(spec.gates) == 1:
            upper[i] = k - 1
    return lower, upper


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
