"""Negative binomial regression by maximum likelihood ([R] nbreg, Methods and formulas): the
model without random effects that ``menbreg`` starts from and tests against ("LR test vs.
nbinomial model").

The Poisson fit comes first (its log likelihood is the comparison of ``nbreg``'s own LR test of
α = 0); the coefficients and ln α (or ln δ) are then maximized jointly from the Poisson
coefficients and a moment estimate of the dispersion, with the analytic gradient of
:class:`~.glmm_family.NegBinFamily`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..design.glmm import GLMMDesign
from ..errors import StataError
from .glmm_family import Family, NegBinFamily
from .optimize import minimize_bounded

__all__ = ["NegBinStart", "fit_negbin", "LNALPHA_BOUNDS"]

#: ln α is kept in this range: α from 2e-9 (the Poisson limit, to the precision of a log
#: likelihood) to 5e8
LNALPHA_BOUNDS = (-20.0, 20.0)

_POISSON = Family("poisson", "log", "Poisson regression", "Poisson model")


@dataclass
class NegBinStart:
    """The fitted model without random effects."""

    beta: np.ndarray
    lnalpha: float
    ll: float
    ll_poisson: float
    iterations: list[tuple[int, float]] = field(default_factory=list)


def _moment_start(family: NegBinFamily, y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> float:
    """ln α from Var(y) = μ + αμ² (or ln δ from μ(1 + δ)) at the Poisson fit, floored."""
    r2 = w * ((y - mu) ** 2 - y)
    if family.dispersion == "mean":
        a = float(np.sum(r2) / np.sum(w * mu * mu))
    else:
        a = float(np.sum(r2) / np.sum(w * mu))
    return float(np.log(max(a, 0.05)))


def fit_negbin(
    gd: GLMMDesign, family: NegBinFamily, *, iterate: int = 300
) -> tuple[NegBinStart, NegBinFamily]:
    """Fit the negative binomial regression without random effects.

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

    d = gd.base
    w, y, n, off, X = glm_arrays(gd)
    beta0, ll_p, _log = fit_fixed_effects(gd, _POISSON)
    mu0 = np.exp(X @ beta0 + off)
    a0 = _moment_start(family, y, mu0, w)
    const = float(np.sum(w * family.constant(y, n)))
    p = d.p

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

    log: list[tuple[int, float]] = []
    x, fval, _conv = minimize_bounded(
        lambda x: fg(x)[0],
        np.concatenate([beta0, [a0]]),
        [(None, None)] * p + [LNALPHA_BOUNDS],
        fg=fg,
        maxiter=iterate,
        callback=lambda i, f: log.append((i, -f)),
    )
    if not fval < 1e299:
        raise StataError("could not calculate the negative binomial likelihood", 430)
    fam = family.with_aux(x[p:])
    return NegBinStart(x[:p], float(x[p]), -fval, ll_p, log), fam
