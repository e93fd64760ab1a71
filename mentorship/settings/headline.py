"""The headline horizon: the one of the computed horizons that the headline figures use."""

from __future__ import annotations


def headline_horizon(horizons) -> int:
    """The horizon the headline figures use: 12 months where it is computed, else the nearest to a
    year (the longer of two equally near), so MENTORSHIP_HORIZONS=3,9 headlines 9 months."""
    hs = sorted({int(h) for h in horizons})
    if not hs:
        return 12
    return min(hs, key=lambda h: (abs(h - 12), -h))
