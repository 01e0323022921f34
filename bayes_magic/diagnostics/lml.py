"""Log marginal likelihood by the Laplace-Metropolis approximation ([BAYES] bayesmh, Methods and
formulas; Lewis and Raftery 1997, JASA 92:648-655).

    log m(y) ≈ (d/2) log 2π + ½ log|Σ̂| + log p(y | θ*) + log p(θ*)

where d is the number of simulated parameters (random effects included, as ``remargl`` asks),
Σ̂ the sample covariance of their draws, and θ* the draw with the highest log posterior, Lewis
and Raftery's recommended estimate of the posterior mode. With several chains the value is
computed per chain and averaged, as Stata's header reports "Avg log marginal-likelihood".

``marglmethod(hmean)`` asks instead for the harmonic-mean estimator (Newton and Raftery 1994,
JRSS B 56:3-48), log m(y) ≈ −log[(1/T) Σ_t exp(−log p(y | θ_t))], computed stably with
log-sum-exp; it is notoriously unstable (its variance may be infinite) and is offered, as in
Stata, for comparison.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["harmonic_mean", "laplace_metropolis"]


def laplace_metropolis(draws: np.ndarray, logpost: np.ndarray) -> float:
    """LML from ``draws[chain, draw, param]`` and ``logpost[chain, draw]``.

    Returns NaN when the draws' covariance matrix is singular (too few draws for the dimension),
    as Stata reports a missing value.
    """
    vals = []
    for c in range(draws.shape[0]):
        X = draws[c]
        T, d = X.shape
        if d >= T:
            return math.nan
        S = np.atleast_2d(np.cov(X, rowvar=False))
        sign, logdet = np.linalg.slogdet(S)
        if sign <= 0 or not np.isfinite(logdet):
            return math.nan
        i = int(np.argmax(logpost[c]))
        vals.append(0.5 * d * math.log(2 * math.pi) + 0.5 * logdet + float(logpost[c, i]))
    return float(np.mean(vals))


def harmonic_mean(loglik: np.ndarray) -> float:
    """Harmonic-mean LML from ``loglik[chain, draw]``, per chain and averaged over chains."""
    from scipy.special import logsumexp

    vals = [-(float(logsumexp(-ll)) - math.log(ll.size)) for ll in np.atleast_2d(loglik) if ll.size]
    return float(np.mean(vals)) if vals else math.nan
