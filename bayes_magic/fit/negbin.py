"""Negative binomial regression by maximum likelihood ([R] nbreg, Methods and formulas): the
model without random effects that ``menbreg`` starts from and tests against ("LR test vs.
nbinomial model"), and the maximization that ``nbreg`` (:mod:`.nbreg`) shares.

The Poisson fit comes first (its log likelihood is the comparison of ``nbreg``'s LR test of
α = 0); the coefficients and ln α (or ln δ) are then maximized jointly from the Poisson
coefficients and a moment estimate of the dispersion, with the analytic gradient of
:class:`~.glmm_family.NegBinFamily`. The covariance is the inverse of the observed information
(central differences of that gradient).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..design.glmm import GLMMDesign
from ..errors import StataError
from .glmm_family import Family, NegBinFamily
from .optimize import minimize_bounded

__all__ = ["NegBinStart", "fit_negbin", "LNALPHA_BOUNDS", "maximize_negbin", "moment_start"]

#: ln α is kept in this range: α from 2e-9 (the Poisson limit, to the precision of a log
#: likelihood) to 5e8
LNALPHA_BOUNDS = (-20.0, 20.0)

POISSON = Family("poisson", "log", "Poisson regression", "Poisson model")


@dataclass
class NegBinStart:
    """The fitted model without random effects."""

    beta: np.ndarray
    lnalpha: float
    ll: float
    ll_poisson: float
    iterations: list[tuple[int, float]] = field(default_factory=list)


def moment_start(family: NegBinFamily, y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> float:
    """ln α from Var(y) = μ + αμ² (or ln δ from μ(1 + δ)) at the Poisson fit, floored."""
    r2 = w * ((y - mu) ** 2 - y)
    if family.dispersion == "mean":
        a = float(np.sum(r2) / np.sum(w * mu * mu))
    else:
        a = float(np.sum(r2) / np.sum(w * mu))
    return float(np.log(max(a, 0.05)))


def _objective(family: NegBinFamily, X, y, n, w, off):
    """The negative log likelihood in x = (β, ln α) and its gradient, for the optimizer."""
    p = X.shape[1]
    const = float(np.sum(w * family.constant(y, n)))

    def fg(x: np.ndarray) -> tuple[float, np.ndarray]:
        fam = family.with_aux(x[p:])
        eta = X @ x[:p] + off
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            ll, d1, _d2 = fam.loglik(y, n, eta)
            val = float(np.sum(w * ll)) + const
            g = np.concatenate([X.T @ (w * d1), [float(np.sum(w * fam.aux_scores(y, eta)[:, 0]))]])
        if not (np.isfinite(val) and np.all(np.isfinite(g))):
            return 1e300, np.zeros(p + 1)
        return -val, -g

    return fg


def maximize_negbin(family: NegBinFamily, X, y, n, w, off, x0: np.ndarray, iterate: int):
    """Maximize over x = (β, ln α) from ``x0``: (x, log likelihood, iteration log, converged,
    the negative log likelihood and its gradient as one function)."""
    fg = _objective(family, X, y, n, w, off)
    log: list[tuple[int, float]] = []
    x, fval, converged = minimize_bounded(
        lambda x: fg(x)[0],
        x0,
        [(None, None)] * X.shape[1] + [LNALPHA_BOUNDS],
        fg=fg,
        maxiter=iterate,
        callback=lambda i, f: log.append((i, -f)),
    )
    if not fval < 1e299:
        raise StataError("could not calculate the negative binomial likelihood", 430)
    return x, -fval, log, converged, fg


def fit_negbin(
    gd: GLMMDesign, family: NegBinFamily, *, iterate: int = 300
) -> tuple[NegBinStart, NegBinFamily]:
    """Fit the negative binomial regression without random effects (``menbreg``'s start).

    Returns
    -------
    (NegBinStart, family)
        The fit and the family at its ln α.

    Raises
    ------
    StataError
        r(2001) with too few observations; r(430) when the likelihood cannot be maximized.
    """
    from .glmm import fit_fixed_effects, glm_arrays  # glmm imports this module

    w, y, n, off, X = glm_arrays(gd)
    beta0, ll_p, _log = fit_fixed_effects(gd, POISSON)
    a0 = moment_start(family, y, np.exp(X @ beta0 + off), w)
    x, ll, log, _conv, _fg = maximize_negbin(family, X, y, n, w, off, np.r_[beta0, a0], iterate)
    return NegBinStart(x[:-1], float(x[-1]), ll, ll_p, log), family.with_aux(x[-1:])
