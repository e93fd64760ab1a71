"""Risk sets: the weight at risk at given times (``_at_risk``), which every survival estimator sums
over, and the rows they are taken over when censoring weights change with time: the weights checked
and placed by row (``_steps``), and each unit split into rows at the times its weight changes
(``_segments``), the counting-process form the curves and the Cox model use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mentorship.effects.errors import EffectInputError


def _at_risk(d: np.ndarray, entry: np.ndarray, w: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Weight at risk at each of ``times``: rows with entry < t <= d. Every row enters before it ends,
    so that is (entered before t) minus (ended before t), two cumulative sums over sorted rows. ``w``
    may have a column per weighting (the Cox model's two groups), to sort the rows once for all."""
    od, oe = np.argsort(d, kind="stable"), np.argsort(entry, kind="stable")
    zero = np.zeros((1, *w.shape[1:]))
    ended = np.concatenate([zero, np.cumsum(w[od], axis=0)])[np.searchsorted(d[od], times, side="left")]
    entered = np.concatenate([zero, np.cumsum(w[oe], axis=0)])[np.searchsorted(entry[oe], times, side="left")]
    return entered - ended


def _steps(df: pd.DataFrame, censoring_weights: pd.DataFrame | None) -> pd.DataFrame | None:
    """Censoring weights by row position in ``df``, checked."""
    if censoring_weights is None or not len(censoring_weights):
        return None
    if missing := {"unit", "time", "weight"} - set(censoring_weights.columns):
        raise EffectInputError(f"censoring_weights lacks columns: {', '.join(sorted(missing))}")
    if not df.index.is_unique:
        raise EffectInputError("censoring_weights refer to units by index label; the index must be unique")
    pos = df.index.get_indexer(censoring_weights["unit"])
    steps = pd.DataFrame(
        {
            "unit": pos,
            "time": censoring_weights["time"].to_numpy(dtype=float),
            "weight": censoring_weights["weight"].to_numpy(dtype=float),
        }
    )[pos >= 0]
    if (steps.weight <= 0).any() or steps.weight.isna().any():
        raise EffectInputError("censoring_weights must be positive")
    return steps


@dataclass
class _Segments:
    """Units split at the times their censoring weight changes: row ``r`` belongs to unit ``unit[r]``,
    is at risk on (entry, exit], ends in ``event`` (events only on a unit's last row), and counts with
    the unit's weight times ``factor``."""

    unit: np.ndarray
    entry: np.ndarray
    exit: np.ndarray
    event: np.ndarray
    factor: np.ndarray


def _segments(d: np.ndarray, e: np.ndarray, steps: pd.DataFrame | None) -> _Segments:
    n = len(d)
    whole = _Segments(np.arange(n), np.full(n, -np.inf), d, e, np.ones(n))
    if steps is None or steps.empty:
        return whole
    st = steps[steps.time < d[steps.unit.to_numpy()]].sort_values(["unit", "time"])
    if st.empty:
        return whole
    u, t, f = st.unit.to_numpy(), st.time.to_numpy(dtype=float), st.weight.to_numpy(dtype=float)
    first = np.r_[True, u[1:] != u[:-1]]
    last = np.r_[u[1:] != u[:-1], True]
    # Rows that end at a step: from the previous step (or the start) to this one, with the previous weight.
    prev_t = np.where(first, -np.inf, np.r_[-np.inf, t[:-1]])
    prev_f = np.where(first, 1.0, np.r_[1.0, f[:-1]])
    # Each unit's last row: from its last step (or the start) to its own end, with that step's weight.
    tail_entry, tail_f = np.full(n, -np.inf), np.ones(n)
    tail_entry[u[last]], tail_f[u[last]] = t[last], f[last]
    return _Segments(
        unit=np.r_[u, np.arange(n)],
        entry=np.r_[prev_t, tail_entry],
        exit=np.r_[t, d],
        event=np.r_[np.zeros(len(u)), e],
        factor=np.r_[prev_f, tail_f],
    )


@dataclass(frozen=True)
class _Times:
    """A time-to-event outcome of a sample's units: durations ``d``, event ``codes`` (1 the event, 2 a
    competing event, 0 censored), and the units split at their censoring weights' steps (``seg``).
    ``refit``: the censoring weights' refit for a bootstrap replicate (``estimate_effect``'s callable
    ``censoring_weights``), which names units by their ``labels`` in the data; None holds them fixed."""

    d: np.ndarray
    codes: np.ndarray
    seg: _Segments
    labels: pd.Index
    refit: Callable | None = None

    @property
    def split(self) -> bool:
        """Whether any unit is split into several rows (its censoring weight changes)."""
        return len(self.seg.unit) > len(self.d)

    def replicate(self, b: np.ndarray) -> _Segments:
        """The split rows for a replicate with unit weights ``b``: censoring weights refitted to them."""
        if self.refit is None:
            return self.seg
        steps = self.refit(pd.Series(b, index=self.labels))
        return _segments(self.d, self.codes, _steps(pd.DataFrame(index=self.labels), steps))
