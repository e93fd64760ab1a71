"""Who volunteers for a cohort: the linear index of the chance of volunteering, the link that turns it
into a probability, and the intercept that makes the expected uptake the configured share."""

from __future__ import annotations

import numpy as np

from mentorship.synthetic.config import Selection
from mentorship.synthetic.constants import DEPARTMENTS, DEPT_LEVEL_DEPARTMENTS, DEPT_LEVEL_LEVELS, SCORE_CENTRE


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _cloglog_inv(x):
    """Inverse complementary log-log link: 1 - exp(-exp(x))."""
    return -np.expm1(-np.exp(np.minimum(x, 50.0)))


def _inverse_link(link: str):
    return _cloglog_inv if link == "cloglog" else _sigmoid


def _calibrate_intercept(lin: np.ndarray, target: float, link: str = "logit") -> float:
    """Intercept that makes mean(P(a + lin)) equal target, P the inverse link (bisection, monotone)."""
    inv = _inverse_link(link)
    lo, hi = -20.0, 20.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if inv(mid + lin).mean() < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _selection_index(sel: Selection, m0, eligible, people, level, recorded=None):
    """The linear index of the chance of volunteering, for the eligible people (no intercept).
    ``people`` is the ``People`` state, ``level`` the job levels in the simulated world."""
    lin = (
        sel.engagement * people.engage[eligible]
        + sel.performance * (people.perf[eligible] - 3)
        + sel.ability * people.ability[eligible]
        + np.asarray(sel.department)[people.dept[eligible]]
    )
    # The optional terms, each added only when on (a zero term would still leave lin as it was, but
    # this keeps the default arithmetic literally unchanged).
    for k, coef in enumerate((sel.recorded_engagement, sel.recorded_satisfaction)):
        if coef:
            score = recorded[eligible, k]
            have = ~np.isnan(score)
            fill = score[have].mean() if have.any() else SCORE_CENTRE  # no score yet: the eligible mean
            lin = lin + coef * (np.where(have, score, fill) - SCORE_CENTRE)
    if sel.rating_threshold:
        lin = lin + sel.rating_threshold * (people.perf[eligible] >= 4)
    if sel.tenure_hump:
        tenure_years = (m0 - people.hire_day[eligible]) / 365.25
        lin = lin + sel.tenure_hump * np.exp(-(((tenure_years - 3) / 1.5) ** 2))
    if sel.dept_level:
        depts = [DEPARTMENTS.index(d) for d in DEPT_LEVEL_DEPARTMENTS]
        in_dept = np.isin(people.dept[eligible], depts)
        lin = lin + sel.dept_level * (in_dept & np.isin(level[eligible], DEPT_LEVEL_LEVELS))
    return lin
