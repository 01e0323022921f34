"""Log marginal likelihood by the Laplace-Metropolis approximation ([BAYES] bayesmh, Methods and
formulas; Lewis and Raftery 1997, JASA 92:648-655).

    log m(y) ≈ (d/2) log 2π + ½ log|Σ̂| + log p(y | θ*) + log p(θ*)

where d is the number of simulated parameters (random effects included, as ``remargl`` asks),
Σ̂ the sample covariance of their draws, and θ* the posterior mean, at which the sampler
evaluates the log posterior once per chain. Lewis and Raftery also suggest the draw with the
highest log posterior; in the dimensions of a multilevel model (twenty and more with the random
effects) the best of a few thousand draws falls well below the mode's log posterior
(by about d/2), and that choice was several nats off: −115.14 for ``bayes, remargl: melogit``
of the cbpp data, whose exact log marginal likelihood (random effects by Gauss-Hermite
quadrature, the rest by importance sampling) is −119.46; the posterior mean gives −119.73.
Where the posterior is far from normal neither choice is good: for the talk's nonlinear
orange-tree model (a bimodal random-effects correlation, a near-singular covariance) the
exact value is −155.88 (importance sampling over the random effects integrated by quadrature),
the mean gives −175.1 and the best draw −132.6; Stata's manual warns that ``remargl`` values
of multilevel models may be inaccurate for this reason.
Results saved without the value at the mean (older files) fall back to the best draw. With
several chains the value is computed per chain and averaged, as Stata's header reports
"Avg log marginal-likelihood".

``marglmethod(hmean)`` asks instead for the harmonic-mean estimator (Newton and Raftery 1994,
JRSS B 56:3-48), log m(y) ≈ −log[(1/T) Σ_t exp(−log p(y | θ_t))], computed stably with
log-sum-exp; it is notoriously unstable (its variance may be infinite) and is offered, as in
Stata, for comparison.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["harmonic_mean", "laplace_metropolis"]


def laplace_metropolis(
    draws: np.ndarray, logpost: np.ndarray, at_mean: np.ndarray | None = None
) -> float:
    """LML from ``draws[chain, draw, param]`` and, per chain, the log posterior at the
    posterior mean (``at_mean[chain]``); without it, the highest of ``logpost[chain, draw]``.

    Returns NaN when the draws' covariance matrix is singular (too few draws for the dimension)
    or the log posterior at the mean is not finite, as Stata reports a missing value.
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
        top = float(at_mean[c]) if at_mean is not None else float(np.max(logpost[c]))
        if not math.isfinite(top):
            return math.nan
        vals.append(0.5 * d * math.log(2 * math.pi) + 0.5 * logdet + top)
    return float(np.mean(vals))


def harmonic_mean(loglik: np.ndarray) -> float:
    """Harmonic-mean LML from ``loglik[chain, draw]``, per chain and averaged over chains."""
    from scipy.special import logsumexp

    vals = [-(float(logsumexp(-ll)) - math.log(ll.size)) for ll in np.atleast_2d(loglik) if ll.size]
    return float(np.mean(vals)) if vals else math.nan
