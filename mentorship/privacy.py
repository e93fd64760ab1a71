"""Pseudonymising identifiers: keyed hashes, so ids are stable within a deployment but not reversible."""

from __future__ import annotations

import hashlib
import hmac


def pseudonymise(value: object, key: str, prefix: str = "id_") -> str | None:
    """HMAC-SHA256 of the value under ``key``, shortened to 16 hex digits."""
    if value is None:
        return None
    return prefix + hmac.new(key.encode(), str(value).encode(), hashlib.sha256).hexdigest()[:16]


def suppress_partition(frame, columns: list[str], k: int):
    """Suppress small counts in rows whose ``columns`` partition a published total.

    A count from 1 to k - 1 is blanked (primary suppression). Where that leaves exactly one blank in a
    row, the smallest other non-zero count is blanked too, so the hidden one cannot be worked out as the
    total minus the rest (complementary suppression). Works on whole columns; rows are aggregates.
    """
    import numpy as np
    import pandas as pd

    out = frame.copy()
    values = out[columns].astype("Float64")
    small = ((values > 0) & (values < k)).fillna(False).astype(bool)
    single = small.sum(axis=1) == 1
    candidates = values.where(~small & (values > 0).fillna(False).astype(bool))
    nearest = candidates.astype(float).fillna(np.inf).to_numpy().argmin(axis=1)
    has_candidate = candidates.notna().any(axis=1).to_numpy()
    second = np.zeros(values.shape, dtype=bool)
    rows = np.flatnonzero(single.to_numpy() & has_candidate)
    second[rows, nearest[rows]] = True
    hide = small.to_numpy() | second
    for j, c in enumerate(columns):
        out[c] = values[c].where(~hide[:, j], pd.NA)
    return out
