"""Log marginal likelihood by the Laplace-Metropolis approximation ([BAYES] bayesmh, Methods and
formulas; Lewis and Raftery 1997, JASA 92:648-655).

    log m(y) ≈ (d/2) log 2π + ½ log|Σ̂| + log p(y | θ*) + log p(θ*)

where d is the number of simulated parameters (random effects included, as ``remargl`` asks),
Σ̂ the sample covariance of their draws, and θ* the draw with the highest log posterior, Lewis
and Raftery's recommended estimate of the posterior mode. With several chains the value is
computed per chain and averaged, as Stata's header reports "Avg log marginal-likelihood".
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["laplace_metropolis"]


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
