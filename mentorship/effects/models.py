"""The fitted models: the L2-penalised logistic regression (``fit_logit``), its cheap refits for
bootstrap replicates (``LogitRefit``), weighted least squares, and ``_Models``, the bundle of one
estimate's fits."""

from __future__ import annotations

import math

import numpy as np

_BLOCK = 65_536  # rows per block where a product would otherwise need a frame-sized temporary


# The models have an intercept; these work with it implicitly (as a first column of ones) rather than
# copy a frame-sized design matrix to prepend one.
def _xt(x: np.ndarray, a: np.ndarray) -> np.ndarray:
    """[1 x]' a."""
    return np.r_[a.sum(), x.T @ a]


def _gram(x: np.ndarray, a: np.ndarray) -> np.ndarray:
    """[1 x]' diag(a) [1 x], the intercept's column of ones implicit, in blocks of rows."""
    p = x.shape[1]
    g = np.empty((p + 1, p + 1))
    g[0, 0] = a.sum()
    g[0, 1:] = g[1:, 0] = x.T @ a
    inner = np.zeros((p, p))
    for i in range(0, len(x), _BLOCK):
        xb = x[i : i + _BLOCK]
        inner += (xb.T * a[i : i + _BLOCK]) @ xb
    g[1:, 1:] = inner
    return g


def fit_logit(
    x: np.ndarray,
    y: np.ndarray,
    s: np.ndarray,
    c: float = 10.0,
    tol: float = 1e-10,
    max_iter: int = 100,
    beta: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's L2-penalised logistic regression (penalty 1/(2c) on the coefficients, intercept
    unpenalised, sample weights ``s``), by damped Newton steps: (beta = (intercept, coefficients), the
    objective's Hessian at the fit).

    Written out because the influence-function intervals need that Hessian anyway, and because from
    the intercept-only start Newton converges in about six steps of a few matrix products each, where
    scikit-learn's L-BFGS took about 40 gradient evaluations to a looser optimum (three times the time,
    measured on the 100,000-employee benchmark's largest fit). Tests check it against scikit-learn
    fitted to a tight tolerance. ``beta``: a start other than the intercept-only fit.
    """
    from scipy.linalg import LinAlgError, cho_factor, cho_solve

    penalty = np.r_[0.0, np.ones(x.shape[1])]
    if beta is None:
        ybar = min(max(np.average(y, weights=s), 1e-6), 1 - 1e-6)
        beta = np.r_[math.log(ybar / (1 - ybar)), np.zeros(x.shape[1])]

    def objective(eta, b):
        return c * (s @ (np.logaddexp(0.0, eta) - y * eta)) + 0.5 * (penalty * b) @ b

    eta = beta[0] + x @ beta[1:]
    f = objective(eta, beta)
    hess = None
    for _ in range(max_iter):
        prob = 1 / (1 + np.exp(-eta))
        grad = c * _xt(x, s * (prob - y)) + penalty * beta
        hess = c * _gram(x, s * prob * (1 - prob))
        hess[np.diag_indices_from(hess)] += penalty
        try:
            step = cho_solve(cho_factor(hess), grad)
        except LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        decrement = grad @ step  # twice the objective's predicted decrease
        # Converged: the step is below the tolerance, or the decrease it promises is below what the
        # objective's rounding can show (past that, a step halving would only chase the rounding).
        if np.abs(step).max() < tol * (1 + np.abs(beta).max()) or decrement < 1e-13 * abs(f):
            return beta - step, hess
        # Damped: a (quasi-)separated group has directions with almost no curvature, where a full step
        # would overshoot by orders of magnitude before the line search pulled it back.
        t = min(1.0, 5.0 / np.abs(step).max())
        while True:
            new = beta - t * step
            eta_new = new[0] + x @ new[1:]
            f_new = objective(eta_new, new)
            if f_new <= f - 1e-4 * t * decrement:
                break
            t /= 4
            if t < 1e-6:  # no descent along the Newton direction left: this is the optimum
                return beta, hess
        beta, eta, f = new, eta_new, f_new
    return beta, hess


class LogitRefit:
    """Refits of one logistic regression (scikit-learn's, L2 penalty 1/(2c), intercept unpenalised)
    under new sample weights: what a bootstrap replicate needs, for a fraction of a fresh fit's cost.

    Each refit takes damped Newton steps (``fit_logit``) from the full-sample fit: about four on a
    role's whole frame, up to ten on a small, nearly separated segment. (Holding the Hessian at the
    full-sample fit's, to save forming it, converged too slowly: a replicate reweights the few hundred
    mentored people enough that 30 such steps fell short in nearly every replicate of the
    1,000-employee benchmark organisation.) Tests check the result against scikit-learn fitted from
    scratch.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, beta: np.ndarray, c: float = 10.0):
        self.x, self.y, self.beta, self.c = x, y, beta, c

    def __call__(self, s: np.ndarray, tol: float = 1e-7) -> np.ndarray:
        # A step below 1e-7 is the last one needed (Newton's error squares with each step); the refit
        # is then exact to far below a bootstrap interval's own noise.
        return fit_logit(self.x, self.y, s, self.c, tol=tol, beta=self.beta)[0]


class _Models:
    """The fitted models of one estimate. The point estimate's logistic fits come from ``fit_logit``;
    in bootstrap replicates (``replicate = True``) each is refitted by ``LogitRefit`` from that fit."""

    C = 10.0

    def __init__(self):
        # Per model, the full-sample fit (x, y, beta) and, once a replicate needs it, its LogitRefit.
        self._fits: dict[str, tuple] = {}
        self._refit: dict[str, LogitRefit] = {}
        # Per model, the Hessian of the point estimate's fit, which the influence functions reuse.
        self.hessians: dict[str, np.ndarray] = {}
        self.replicate = False
        self.known: tuple | None = None  # (x, s, propensity) already fitted on exactly that sample

    def _refitter(self, name: str, n: int) -> LogitRefit | None:
        if name not in self._refit and name in self._fits:
            self._refit[name] = LogitRefit(*self._fits.pop(name), self.C)
        refit = self._refit.get(name)
        return refit if refit is not None and len(refit.y) == n else None

    def logit(self, name: str, x: np.ndarray, y: np.ndarray, s: np.ndarray, x_all: np.ndarray) -> np.ndarray:
        if x.shape[1] == 0 or len(np.unique(y[s > 0])) < 2:
            if not self.replicate:
                self.hessians.pop(name, None)
            return np.full(len(x_all), np.average(y, weights=s))
        if self.replicate and (refit := self._refitter(name, len(s))) is not None:
            with np.errstate(all="ignore"):
                beta = refit(s)
            if np.isfinite(beta).all():
                return 1 / (1 + np.exp(-(beta[0] + x_all @ beta[1:])))
        beta, hess = fit_logit(x, y, s, self.C)
        if not self.replicate:
            self._fits[name] = (x, y, beta)
            self.hessians[name] = hess
            self._refit.pop(name, None)
        return 1 / (1 + np.exp(-(beta[0] + x_all @ beta[1:])))

    def linear(self, name: str, x: np.ndarray, y: np.ndarray, s: np.ndarray, x_all: np.ndarray) -> np.ndarray:
        """Weighted least squares, as scikit-learn's LinearRegression fits it, from the normal equations
        (one pass over the rows, where its weighted copy and decomposition of the matrix took eight
        times as long): centred on the weighted means, so that the minimum-norm solution gives a column
        that is constant in this group a zero coefficient rather than part of the intercept."""
        if x.shape[1] == 0:
            if not self.replicate:
                self.hessians.pop(name, None)
            return np.full(len(x_all), np.average(y, weights=s))
        g, b = _gram(x, s), _xt(x, s * y)
        n, m = g[0, 0], g[0, 1:] / g[0, 0]
        coef = np.linalg.lstsq(g[1:, 1:] - n * np.outer(m, m), b[1:] - m * b[0], rcond=None)[0]
        if not self.replicate:
            self.hessians[name] = g
        return (b[0] / n - m @ coef) + x_all @ coef

    def propensity(self, x, t, s) -> np.ndarray:
        if self.known is not None and not self.replicate and x is self.known[0] and s is self.known[1]:
            return self.known[2]
        return np.clip(self.logit("propensity", x, t, s, x), 1e-6, 1 - 1e-6)

    def outcome(self, name, x_fit, y_fit, s_fit, x_all, binary) -> np.ndarray:
        """Fit the outcome on one group and predict it for everyone."""
        if binary:
            return self.logit(name, x_fit, y_fit, s_fit, x_all)
        return self.linear(name, x_fit, y_fit, s_fit, x_all)
