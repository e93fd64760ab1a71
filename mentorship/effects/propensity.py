"""The propensity score: its fit (shared across estimates inside ``shared_fits``), the weights it
gives, and the trimmed ``Sample`` every estimate is made on."""

from __future__ import annotations

import weakref
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mentorship.effects.design import _Design, _design
from mentorship.effects.errors import EffectInputError
from mentorship.effects.models import _Models

_SHARED: ContextVar[dict | None] = ContextVar("shared_fits", default=None)


@contextmanager
def shared_fits():
    """Estimates made inside the block share one design matrix and propensity fit wherever they use
    the same DataFrame object, rows, treatment, covariates and weights: several outcomes of one
    cohort, for instance, whose propensity is the same model fitted on the same people. The results
    are identical to separate calls; the fits are kept until the block ends."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def _propensity_fit(
    data: pd.DataFrame, sel: Selection, df: pd.DataFrame, t: np.ndarray, s: np.ndarray
) -> tuple[_Models, _Design, np.ndarray]:
    """(models, design, propensity) for ``df``, the rows ``sel.rows`` (a mask) of ``data``, with
    treatment ``t`` and sampling weights ``s``; inside ``shared_fits``, reused from an earlier estimate
    on the same rows."""
    rows, covariates = sel.rows, sel.covariates
    cache = _SHARED.get()
    key = (id(data), sel.treatment, tuple(covariates), sel.weights, hash(rows.tobytes()) if cache is not None else None)
    if cache is not None and key in cache:
        ref, seen, design, e, fit, hess = cache[key]
        if ref() is data and np.array_equal(seen, rows):
            models = _Models()
            if fit is not None:
                models._fits["propensity"] = fit
                models.hessians["propensity"] = hess
            return models, design, e
    models = _Models()
    design = _design(df, covariates)
    e = models.propensity(design.x, t, s)
    if cache is not None:
        cache[key] = (
            weakref.ref(data),
            rows,
            design,
            e,
            models._fits.get("propensity"),
            models.hessians.get("propensity"),
        )
    return models, design, e


def _weights(e: np.ndarray, t: np.ndarray, estimand: str) -> np.ndarray:
    if estimand == "ATT":
        return np.where(t == 1, 1.0, e / (1 - e))
    return np.where(t == 1, 1 / e, 1 / (1 - e))


@dataclass(frozen=True)
class Sample:
    """The units an estimate is made on, after trimming: treatment ``t`` (0/1), sampling weights
    ``s``, the design and fitted models, ``clusters`` (None: each unit its own), the notes so far,
    and the counts of treated and control units before trimming."""

    models: _Models
    design: _Design
    t: np.ndarray
    s: np.ndarray
    estimand: str
    notes: list[str]
    n_treated: int
    n_control: int
    clusters: np.ndarray | None = None

    @property
    def n_treated_used(self) -> int:
        return int((self.t == 1).sum())

    @property
    def n_control_used(self) -> int:
        return int((self.t == 0).sum())

    def weighted(self) -> tuple[np.ndarray, np.ndarray]:
        """(propensity, weights: the estimand's times the sampling weights), fitted on this sample."""
        e = self.models.propensity(self.design.x, self.t, self.s)
        return e, _weights(e, self.t, self.estimand) * self.s


@dataclass(frozen=True)
class Selection:
    """How ``estimate_effect`` picks its sample from ``data``: the ``rows`` (a mask) with an outcome
    and a treatment, the columns, and the trimming of propensities outside ``[trim, 1 - trim]``
    (the ATT: above ``1 - trim`` only)."""

    rows: np.ndarray
    treatment: str
    covariates: list[str]
    weights: str | None
    cluster: str | None
    estimand: str
    trim: float


def _sample(data: pd.DataFrame, sel: Selection) -> tuple[pd.DataFrame, Sample]:
    """(the trimmed rows of ``data``, the ``Sample`` made of them), the propensity fitted (or, inside
    ``shared_fits``, reused) on the untrimmed rows."""
    df = data.loc[sel.rows]
    t = df[sel.treatment].to_numpy(dtype=float)
    if not set(np.unique(t)) <= {0.0, 1.0}:
        raise EffectInputError(f"{sel.treatment} must hold 0 and 1 only")
    n_treated, n_control = int((t == 1).sum()), int((t == 0).sum())
    if n_treated < 2 or n_control < 2:
        raise EffectInputError(f"need at least 2 treated and 2 control units, got {n_treated} and {n_control}")
    s = df[sel.weights].to_numpy(dtype=float) if sel.weights else np.ones(len(df))
    models, design, e = _propensity_fit(data, sel, df, t, s)
    notes: list[str] = []
    keep = _kept(e, sel.estimand, sel.trim)
    if keep.all():  # nobody trimmed: the fit on the trimmed sample is the fit already made
        models.known = (design.x, s, e)
    else:
        df, t, s = df.loc[keep], t[keep], s[keep]
        design = _Design(design.x[keep], design.names)
        notes.append(
            f"trimmed {int((~keep).sum()):,} units without overlap (propensity "
            f"{'above ' + str(1 - sel.trim) if sel.estimand == 'ATT' else f'outside [{sel.trim}, {1 - sel.trim}]'})"
        )
    clusters = df[sel.cluster].to_numpy() if sel.cluster else None
    sample = Sample(models, design, t, s, sel.estimand, notes, n_treated, n_control, clusters)
    if sample.n_treated_used < 2 or sample.n_control_used < 2:
        raise EffectInputError("fewer than 2 treated or control units remain after trimming")
    return df, sample


def _kept(e: np.ndarray, estimand: str, trim: float) -> np.ndarray:
    """The units whose propensity survives trimming."""
    # For the ATT only a high propensity lacks comparable comparison people; a comparison person with
    # a low one is merely unlike the treated and already weighs almost nothing.
    if trim <= 0:
        return np.ones(len(e), bool)
    if estimand == "ATT":
        return e <= 1 - trim
    return (e >= trim) & (e <= 1 - trim)
