"""``nbreg`` by maximum likelihood ([R] nbreg, Methods and formulas).

The model, its constant-only model (``e(ll_0)``, the base of the LR test of the coefficients)
and the Poisson model (the LR test of α = 0) are maximized by :func:`~.negbin.
maximize_negbin`. The covariance is the inverse of the observed information (central
differences of the analytic gradient); ``vce(robust)`` and ``vce(cluster)`` use the sandwich
with the observations' scores in (β, ln α), as for ``poisson``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..design.glmm import GLMMDesign
from ..errors import StataError
from .glm import GLMFit
from .glmm import fit_glm, glm_arrays
from .glmm_family import NegBinFamily
from .negbin import LNALPHA_BOUNDS, POISSON, maximize_negbin, moment_start
from .optimize import jacobian
from .robust import ml_sandwich

__all__ = ["NBRegFit", "fit_nbreg_model"]


@dataclass
class NBRegFit(GLMFit):
    """An ``nbreg`` fit: a GLM fit with ln α (ln δ) after the coefficients."""

    aux: np.ndarray = field(default_factory=lambda: np.zeros(1))
    #: the covariance of (β, ln α)
    V_full: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    #: the Poisson model's log likelihood: the LR test of α = 0
    ll_poisson: float = float("nan")


def fit_nbreg_model(
    gd: GLMMDesign, family: NegBinFamily, vce: str = "oim", iterate: int = 300
) -> NBRegFit:
    """``nbreg``: the model of ``gd`` (no levels), its constant-only model (``e(ll_0)``) and
    the Poisson model (the LR test of α = 0), by maximum likelihood; ``iterate`` limits the
    model's iterations.

    Raises
    ------
    StataError
        r(2001) with too few observations; r(430) when the likelihood cannot be maximized or
        the information matrix is singular at the estimate.
    """
    d = gd.base
    w, y, n, off, X = glm_arrays(gd)
    if d.n <= d.p:
        raise StataError("insufficient observations", 2001)
    with np.errstate(all="ignore"):
        start, _llp, _ = fit_glm(POISSON, X, y, n, w, off)
        ll_p = float(_llp)
        a0 = moment_start(family, y, np.exp(X @ start + off), w)
        ll0 = float("nan")
        if "_cons" in d.xnames:  # the constant-only model: e(ll_0), the LR test's base
            c0 = np.log(max(float(np.sum(w * y) / np.sum(w * np.exp(off))), 1e-300))
            _x0, ll0, _, _, _ = maximize_negbin(
                family, np.ones((d.n, 1)), y, n, w, off, np.r_[c0, a0], 300
            )
        x, ll, log, converged, fg = maximize_negbin(
            family, X, y, n, w, off, np.r_[start, a0], iterate
        )
    p = d.p

    def neg_hessian(z: np.ndarray) -> np.ndarray:
        return jacobian(lambda v: fg(v)[1], z, 1e-5 * np.maximum(np.abs(z), 0.1))

    # Newton steps on the analytic gradient polish the quasi-Newton answer (not one that
    # iterate() stopped: that is reported as it stands, as Stata's)
    for _ in range(4 if converged else 0):
        H = neg_hessian(x)
        f0, g = fg(x)
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            break
        cand = np.clip(x - step, -np.inf, np.r_[np.full(p, np.inf), LNALPHA_BOUNDS[1]])
        cand[p] = max(cand[p], LNALPHA_BOUNDS[0])
        if not fg(cand)[0] <= f0 or np.max(np.abs(cand - x)) < 1e-12:
            break
        x, ll = cand, -fg(cand)[0]
    H = neg_hessian(x)  # the observed information at the estimate
    try:
        V = np.linalg.inv(H)
        if not np.all(np.isfinite(V)) or np.any(np.diag(V) < 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        raise StataError("Hessian is not negative semidefinite", 430) from None
    V = (V + V.T) / 2
    fam = family.with_aux(x[p:])
    if vce != "oim":
        eta = X @ x[:p] + off
        _ll, d1, _d2 = fam.loglik(y, n, eta)
        scores = np.column_stack([X * d1[:, None], fam.aux_scores(y, eta)])
        V = ml_sandwich(V, scores, w, d, vce)
    return NBRegFit(
        fam,
        gd,
        x[:p],
        V[:p, :p],
        float(ll),
        float(ll0),
        log,
        converged,
        vce=vce,
        aux=x[p:],
        V_full=V,
        ll_poisson=ll_p,
    )
