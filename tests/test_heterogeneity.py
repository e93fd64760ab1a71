"""Cochran's Q, the equity page's test of whether an effect differs across groups: against a hand
computation, and its error rates on planted truth."""

from __future__ import annotations

import numpy as np
import pytest

from mentorship.metrics import cochran_q


def test_q_by_hand():
    # Weights 1/se^2 = 4, 1 and 1: the pooled mean is (4*1 + 3 + 5) / 6 = 2; Q = 4*1 + 1 + 9 = 14.
    q, df, p = cochran_q(np.array([1.0, 3.0, 5.0]), np.array([0.5, 1.0, 1.0]))
    assert q == pytest.approx(14.0) and df == 2
    assert p == pytest.approx(np.exp(-7.0))  # chi-squared with 2 degrees of freedom: P(Q > q) = exp(-q / 2)


def test_one_common_effect_is_rejected_about_five_times_in_a_hundred():
    rng = np.random.default_rng(11)
    n, k = 4000, 6
    ses = np.linspace(0.5, 2.0, k)
    p = np.array([cochran_q(rng.normal(3.0, ses), ses)[2] for _ in range(n)])
    rate = (p < 0.05).mean()
    assert abs(rate - 0.05) < 3 * np.sqrt(0.05 * 0.95 / n)


def test_groups_that_differ_are_found():
    rng = np.random.default_rng(12)
    ses = np.full(5, 1.0)
    truth = np.array([0.0, 0.0, 0.0, 0.0, 6.0])  # one group 6 standard errors away
    p = np.array([cochran_q(rng.normal(truth, ses), ses)[2] for _ in range(1000)])
    assert (p < 0.05).mean() > 0.9
