"""Generalized linear models without random effects by maximum likelihood: ``logit``,
``probit``, ``cloglog``, ``poisson`` ([R] logit, [R] probit, [R] cloglog, [R] poisson).

Newton's method (:func:`~bayes_magic.fit.glmm.fit_glm`) from the constant-only model's
estimate, as Stata's iteration log starts from that model's log likelihood; the covariance is
the inverse of the observed information at the estimate (Stata's default ``vce(oim)``); the LR
test compares with the constant-only model, and McFadden's pseudo R² is 1 - ll / ll_0; without
a constant there is no such model, and the test is the Wald test of every coefficient.

``vce(robust)`` and ``vce(cluster)`` (and sampling weights) replace the covariance by the
sandwich V (Σ u u') V with the scores u = w · ∂ℓ/∂η · x, times N/(N-1), or G/(G-1) with G
clusters ([U] 20.22; :mod:`bayes_magic.fit.robust`); the model test is then the Wald test of
the coefficients other than the constant, and the log likelihood is a pseudolikelihood.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..design.glmm import GLMMDesign
from ..design.mixed import MixedDesign
from ..errors import StataError
from .glmm import fit_fixed_effects, fit_glm, glm_arrays
from .glmm_family import Family
from .robust import ml_sandwich, wald_all

__all__ = ["GLMFit", "fit_glm_model"]


@dataclass
class GLMFit:
    """A GLM fit, with the attributes the ``me*`` display and ``predict`` read."""

    family: Family
    gdesign: GLMMDesign
    beta: np.ndarray
    V_beta: np.ndarray
    ll: float
    ll0: float
    iterations: list[tuple[int, float]]
    converged: bool
    params: list = field(default_factory=list)  # no variance components
    #: the variance estimator: ``oim``, ``robust`` or ``cluster``
    vce: str = "oim"

    @property
    def n_clust(self) -> int:
        """e(N_clust): the clusters of ``vce(cluster)``, 0 with another estimator."""
        return self.design.n_clusters if self.vce == "cluster" else 0

    @property
    def wald_test(self) -> bool:
        """Whether the model test is a Wald test (no constant, or a sandwich variance)."""
        return self.vce != "oim" or not self.constant

    @property
    def design(self) -> MixedDesign:
        return self.gdesign.base

    @property
    def constant(self) -> bool:
        return "_cons" in self.design.xnames

    def lr_test(self) -> tuple[float, int, float]:
        """The model test: LR chi2 against the constant-only model; without a constant (no
        such model) the Wald chi2 of every coefficient, as Stata reports then. Its df and p."""
        from scipy import stats

        d = self.design
        if not self.wald_test:
            df = len(d.coef_index) - 1
            chi2 = max(2.0 * (self.ll - self.ll0), 0.0)
        else:
            test = [j for j, nm in enumerate(d.xnames) if nm != "_cons" or not self.constant]
            chi2, df = wald_all(self.beta, self.V_beta, test)
            chi2 = 0.0 if df == 0 and not test else chi2
        ok = df > 0 and chi2 == chi2
        return chi2, df, float(stats.chi2.sf(chi2, df)) if ok else float("nan")

    def linear_predictor(self) -> np.ndarray:
        return self.design.X @ self.beta


def fit_glm_model(gd: GLMMDesign, family: Family, vce: str = "oim") -> GLMFit:
    """Fit the model of ``gd`` (no levels) by maximum likelihood, with the variance estimator
    ``vce`` (``oim``, ``robust``, or ``cluster`` on the design's clusters).

    Raises
    ------
    StataError
        r(2001) with too few observations; r(2000) when the covariates predict the outcome
        perfectly (every observation fitted with probability 1); r(430) when the information
        matrix is singular at the estimate.
    """
    d = gd.base
    w, y, n, off, X = glm_arrays(gd)
    with np.errstate(all="ignore"):
        start = np.zeros(d.p)
        if "_cons" in d.xnames:  # Stata's log starts at the constant-only model's estimate
            j = d.xnames.index("_cons")
            b0, ll0, _ = fit_glm(family, X[:, [j]], y, n, w, off)
            start[j] = b0[0]
        else:
            ll0 = float(np.sum(w * family.loglik(y, n, off)[0] + w * family.constant(y, n)))
        beta, ll, log = fit_fixed_effects(gd, family, start, what="the covariates")
        _, d1, d2 = family.loglik(y, n, X @ beta + off)
    info = X.T @ (X * (-w * d2)[:, None])
    try:
        V = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise StataError("Hessian is not negative semidefinite", 430) from None
    V = (V + V.T) / 2
    if vce != "oim":
        V = ml_sandwich(V, X * d1[:, None], w, d, vce)
    converged = len(log) < 200  # fit_glm stops after 199 Newton steps
    return GLMFit(family, gd, beta, V, float(ll), float(ll0), log, converged, vce=vce)
