"""Log prior densities in Stata's parameterizations, chosen by integer code ([BAYES] bayesmh,
*Prior distributions*).

Scalar families take up to three numeric arguments (their meaning per family is in ``SCALAR``);
multivariate normal families take a mean vector and a covariance matrix already expanded by the
caller; matrix families take degrees of freedom and a scale matrix. Densities are normalized
(``flat`` and ``jeffreys`` are improper and return the log of their kernel), so that the log
marginal likelihood is right. The numpy oracles in ``tests/sampler/test_densities.py`` hold these
equal to scipy.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = [
    "SCALAR",
    "code_of",
    "MVN_PART",
    "logpdf_scalar",
    "logpdf_mvn",
    "logpdf_wishart",
    "logpdf_iwishart",
    "logpdf_dirichlet",
    "logpdf_jeffreys_matrix",
]

#: scalar families: name -> (code, number of arguments, support)
SCALAR = {
    "flat": (0, 0, "real"),
    "normal": (1, 2, "real"),  # mean, variance
    "t": (2, 3, "real"),  # location, squared scale, df
    "lognormal": (3, 2, "positive"),  # mean and variance of log x
    "uniform": (4, 2, "interval"),  # a, b
    "gamma": (5, 2, "positive"),  # shape, scale
    "igamma": (6, 2, "positive"),  # shape, scale
    "exponential": (7, 1, "positive"),  # scale (the mean)
    "beta": (8, 2, "unit"),  # a, b
    "laplace": (9, 2, "real"),  # location, scale
    "cauchy": (10, 2, "real"),  # location, scale
    "chi2": (11, 1, "positive"),  # df
    "pareto": (12, 2, "positive"),  # shape, scale (lower bound)
    "jeffreys": (13, 0, "positive"),  # 1/x
    "bernoulli": (14, 1, "discrete"),  # p
    "geometric": (15, 1, "discrete"),  # p: P(x) = p (1-p)^x, x = 0, 1, ...
    "poisson": (17, 1, "discrete"),  # mean
}
#: a coefficient in a joint normal prior (mvnormal()): its scalar part is its share of the
#: block's normalizing constant (argument a); linear.beta_logprior adds the quadratic form
MVN_PART = 20


def code_of(name: str) -> int:
    return SCALAR[name][0]


_LOG2PI = math.log(2.0 * math.pi)


@njit(cache=True)
def logpdf_scalar(code: int, x: float, a: float, b: float, c: float) -> float:
    """Log density of family ``code`` at ``x`` (``-inf`` outside the support)."""
    if code == 0:  # flat
        return 0.0
    if code == 1:  # normal(mean, var)
        if b <= 0.0:
            return -np.inf
        d = x - a
        return -0.5 * (_LOG2PI + np.log(b) + d * d / b)
    if code == 2:  # t(mu, s2, df)
        if b <= 0.0 or c <= 0.0:
            return -np.inf
        z = (x - a) * (x - a) / (b * c)
        return (
            math.lgamma(0.5 * (c + 1.0))
            - math.lgamma(0.5 * c)
            - 0.5 * np.log(c * np.pi * b)
            - 0.5 * (c + 1.0) * np.log1p(z)
        )
    if code == 3:  # lognormal(mu, var)
        if x <= 0.0 or b <= 0.0:
            return -np.inf
        d = np.log(x) - a
        return -0.5 * (_LOG2PI + np.log(b) + d * d / b) - np.log(x)
    if code == 4:  # uniform(a, b)
        if x < a or x > b or b <= a:
            return -np.inf
        return -np.log(b - a)
    if code == 5:  # gamma(shape, scale)
        if x <= 0.0 or a <= 0.0 or b <= 0.0:
            return -np.inf
        return (a - 1.0) * np.log(x) - x / b - math.lgamma(a) - a * np.log(b)
    if code == 6:  # igamma(shape, scale)
        if x <= 0.0:
            return -np.inf
        if a <= 0.0 and b <= 0.0:  # igamma(0, 0) is Jeffreys' 1/x
            return -np.log(x)
        if a <= 0.0 or b <= 0.0:
            return -np.inf
        return a * np.log(b) - math.lgamma(a) - (a + 1.0) * np.log(x) - b / x
    if code == 7:  # exponential(scale)
        if x < 0.0 or a <= 0.0:
            return -np.inf
        return -np.log(a) - x / a
    if code == 8:  # beta(a, b)
        if x <= 0.0 or x >= 1.0 or a <= 0.0 or b <= 0.0:
            return -np.inf
        return (
            (a - 1.0) * np.log(x)
            + (b - 1.0) * np.log1p(-x)
            + math.lgamma(a + b)
            - math.lgamma(a)
            - math.lgamma(b)
        )
    if code == 9:  # laplace(mu, scale)
        if b <= 0.0:
            return -np.inf
        return -np.log(2.0 * b) - abs(x - a) / b
    if code == 10:  # cauchy(loc, scale)
        if b <= 0.0:
            return -np.inf
        z = (x - a) / b
        return -np.log(np.pi * b) - np.log1p(z * z)
    if code == 11:  # chi2(df)
        if x <= 0.0 or a <= 0.0:
            return -np.inf
        h = 0.5 * a
        return (h - 1.0) * np.log(x) - 0.5 * x - math.lgamma(h) - h * np.log(2.0)
    if code == 12:  # pareto(shape, scale)
        if x < b or a <= 0.0 or b <= 0.0:
            return -np.inf
        return np.log(a) + a * np.log(b) - (a + 1.0) * np.log(x)
    if code == 13:  # jeffreys
        if x <= 0.0:
            return -np.inf
        return -np.log(x)
    if code == 14:  # bernoulli(p)
        if x == 1.0:
            return np.log(a) if a > 0.0 else -np.inf
        if x == 0.0:
            return np.log1p(-a) if a < 1.0 else -np.inf
        return -np.inf
    if code == 15:  # geometric(p)
        if x < 0.0 or x != np.floor(x) or a <= 0.0 or a > 1.0:
            return -np.inf
        if x == 0.0:
            return np.log(a)
        return np.log(a) + x * np.log1p(-a)
    if code == 20:  # part of a joint normal prior: the constant's share (see MVN_PART)
        return a
    if code == 17:  # poisson(mu)
        if x < 0.0 or x != np.floor(x) or a < 0.0:
            return -np.inf
        if a == 0.0:
            return 0.0 if x == 0.0 else -np.inf
        return x * np.log(a) - a - math.lgamma(x + 1.0)
    return -np.inf


@njit(cache=True)
def logpdf_index(x: float, probs: np.ndarray) -> float:
    """index(p1, ..., pk): x in 1..k with the given probabilities."""
    k = int(x)
    if k != x or k < 1 or k > probs.shape[0] or probs[k - 1] <= 0.0:
        return -np.inf
    return np.log(probs[k - 1])


@njit(cache=True)
def logpdf_mvn(x: np.ndarray, mean: np.ndarray, cov: np.ndarray) -> float:
    """Multivariate normal; ``-inf`` if the covariance is not positive definite."""
    d = x.shape[0]
    for i in range(d):
        if not cov[i, i] > 0.0:
            return -np.inf
    try:
        L = np.linalg.cholesky(cov)
    except Exception:
        return -np.inf
    r = x - mean
    z = np.linalg.solve(L, r)
    logdet = 0.0
    for i in range(d):
        logdet += np.log(L[i, i])
    return -0.5 * d * _LOG2PI - logdet - 0.5 * np.dot(z, z)


@njit(cache=True)
def _logmvgamma(d: int, a: float) -> float:
    out = 0.25 * d * (d - 1) * np.log(np.pi)
    for j in range(d):
        out += math.lgamma(a - 0.5 * j)
    return out


@njit(cache=True)
def _logdet_chol(A: np.ndarray) -> tuple[float, bool]:
    d = A.shape[0]
    for i in range(d):
        if not A[i, i] > 0.0:
            return 0.0, False
    try:
        L = np.linalg.cholesky(A)
    except Exception:
        return 0.0, False
    s = 0.0
    for i in range(d):
        s += 2.0 * np.log(L[i, i])
    return s, True


@njit(cache=True)
def logpdf_wishart(X: np.ndarray, df: float, V: np.ndarray) -> float:
    """Wishart(df, V) with E[X] = df V."""
    d = X.shape[0]
    ldx, okx = _logdet_chol(X)
    ldv, okv = _logdet_chol(V)
    if not (okx and okv) or df <= d - 1:
        return -np.inf
    tr = np.trace(np.linalg.solve(V, X))
    return (
        0.5 * (df - d - 1) * ldx
        - 0.5 * tr
        - 0.5 * df * d * np.log(2.0)
        - 0.5 * df * ldv
        - _logmvgamma(d, 0.5 * df)
    )


@njit(cache=True)
def logpdf_iwishart(X: np.ndarray, df: float, V: np.ndarray) -> float:
    """Inverse Wishart(df, V) with E[X] = V / (df - d - 1)."""
    d = X.shape[0]
    ldx, okx = _logdet_chol(X)
    ldv, okv = _logdet_chol(V)
    if not (okx and okv) or df <= d - 1:
        return -np.inf
    tr = np.trace(np.linalg.solve(X, V))
    return (
        0.5 * df * ldv
        - 0.5 * (df + d + 1) * ldx
        - 0.5 * tr
        - 0.5 * df * d * np.log(2.0)
        - _logmvgamma(d, 0.5 * df)
    )


@njit(cache=True)
def logpdf_jeffreys_matrix(X: np.ndarray) -> float:
    """Jeffreys' prior for a covariance matrix: |X|^(-(d+1)/2)."""
    ld, ok = _logdet_chol(X)
    if not ok:
        return -np.inf
    return -0.5 * (X.shape[0] + 1) * ld


@njit(cache=True)
def logpdf_dirichlet(x: np.ndarray, alpha: np.ndarray) -> float:
    s = 0.0
    tot = 0.0
    for i in range(x.shape[0]):
        if x[i] <= 0.0 or alpha[i] <= 0.0:
            return -np.inf
        s += (alpha[i] - 1.0) * np.log(x[i]) - math.lgamma(alpha[i])
        tot += x[i]
    if abs(tot - 1.0) > 1e-8:
        return -np.inf
    return s + math.lgamma(alpha.sum())
