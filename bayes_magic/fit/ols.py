"""Ordinary least squares, as ``regress`` reports it ([R] regress, Methods and formulas).

The coefficients solve the weighted normal equations by a QR decomposition of sqrt(w)·X;
V = s²(X'WX)⁻¹ with s² = RSS / (N - rank). With a constant the model and total sums of squares
are about the weighted mean; without one they are uncentred, and R² and the F test follow. The
log likelihood is the normal one at the ML variance RSS / N. Analytic and sampling weights are
rescaled to sum to the number of observations; frequency weights count observations.

``vce(robust)`` replaces V by the sandwich (X'WX)⁻¹ (Σ u u') (X'WX)⁻¹ · N/(N-k) with scores
u = w·e·x; ``vce(cluster)`` sums the scores within clusters and uses
G/(G-1) · (N-1)/(N-k), tests then having G - 1 residual degrees of freedom; ``vce(hc2)`` and
``vce(hc3)`` divide e² by (1-h) and (1-h)² (MacKinnon and White 1985). The model F test is
then the Wald test of the coefficients other than the constant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from ..dataset.weights import rescale_aweights
from ..design.mixed import MixedDesign
from ..errors import StataError
from .robust import sandwich, wald_all

__all__ = ["OLSFit", "fit_ols"]


@dataclass
class OLSFit:
    """An OLS fit, with the attributes the coefficient table and ``predict`` read."""

    design: MixedDesign
    beta: np.ndarray
    V_beta: np.ndarray
    N: float
    rss: float
    mss: float
    df_m: int
    df_r: int
    constant: bool
    params: list = field(default_factory=list)  # no variance components
    gdesign: None = None
    #: the variance estimator: ``ols``, ``robust``, ``cluster``, ``hc2`` or ``hc3``
    vce: str = "ols"
    #: with a sandwich V: the Wald F of the coefficients other than the constant and its df
    wald: tuple[float, int] | None = None

    @property
    def n_clust(self) -> int:
        """e(N_clust): the clusters of ``vce(cluster)``, 0 with another estimator."""
        return self.design.n_clusters if self.vce == "cluster" else 0

    @property
    def df_test(self) -> int:
        """Residual degrees of freedom of t and F tests: G - 1 with clusters."""
        return self.n_clust - 1 if self.vce == "cluster" else self.df_r

    @property
    def df_F(self) -> int:
        """The model test's numerator degrees of freedom."""
        return self.wald[1] if self.wald is not None else self.df_m

    @property
    def tss(self) -> float:
        return self.rss + self.mss

    @property
    def r2(self) -> float:
        return self.mss / self.tss if self.tss > 0 else float("nan")

    @property
    def r2_a(self) -> float:
        n0 = self.N - 1 if self.constant else self.N
        return 1 - (1 - self.r2) * n0 / self.df_r if self.df_r > 0 else float("nan")

    @property
    def rmse(self) -> float:
        return math.sqrt(self.rss / self.df_r) if self.df_r > 0 else float("nan")

    @property
    def F(self) -> float:
        if self.wald is not None:
            chi2, df = self.wald
            return chi2 / df if df > 0 and self.df_test > 0 else float("nan")
        if self.df_m == 0 or self.df_r == 0 or self.rss == 0:
            return float("nan")
        return (self.mss / self.df_m) / (self.rss / self.df_r)

    @property
    def p_F(self) -> float:
        F = self.F
        return float(stats.f.sf(F, self.df_F, self.df_test)) if F == F else float("nan")

    @property
    def std_beta(self) -> np.ndarray:
        """Standardized coefficients b·sd(x)/sd(y) over the estimation sample (weighted as
        the fit), nan for the constant ([R] regress, ``beta``)."""
        d = self.design
        w = np.ones(d.n) if d.weights is None else d.weights.astype(float)

        def sd(v: np.ndarray) -> float:
            m = np.sum(w * v) / np.sum(w)
            return float(np.sqrt(np.sum(w * (v - m) ** 2)))

        sy = sd(d.y.astype(float))
        out = np.array([self.beta[j] * sd(d.X[:, j]) / sy for j in range(d.p)])
        out[[j for j, nm in enumerate(d.xnames) if nm == "_cons"]] = np.nan
        return out

    def ll_at(self, ss: float) -> float:
        return -0.5 * self.N * (math.log(2 * math.pi * ss / self.N) + 1) if ss > 0 else math.inf

    @property
    def ll(self) -> float:
        return self.ll_at(self.rss)

    @property
    def ll_0(self) -> float:
        return self.ll_at(self.tss) if self.constant else float("nan")


def fit_ols(d: MixedDesign, vce: str = "ols") -> OLSFit:
    """OLS of the design's outcome on its columns, with the variance estimator ``vce``
    (``ols``, ``robust``, ``cluster`` on ``d.cluster``, ``hc2``, ``hc3``).

    Raises
    ------
    StataError
        r(2000) without observations, r(2001) with fewer observations than coefficients.
    """
    if d.n == 0:
        raise StataError("no observations", 2000)
    w = np.ones(d.n) if d.weights is None else d.weights.astype(float)
    if d.weight_kind in ("aweight", "pweight"):  # rescaled to sum to the observations
        w = rescale_aweights(w)
    # rescaled weights sum to the observations up to rounding: N is their count, exactly
    N = float(w.sum()) if d.weights is not None and d.weight_kind == "fweight" else float(d.n)
    if d.p > N:
        raise StataError("insufficient observations", 2001)
    y = d.y.astype(float)
    sw = np.sqrt(w)
    Q, R = np.linalg.qr(d.X * sw[:, None])
    beta = np.linalg.solve(R, Q.T @ (y * sw))
    resid = y - d.X @ beta
    rss = float(np.sum(w * resid**2))
    constant = "_cons" in d.xnames
    ybar = float(np.sum(w * y) / N)
    tss = float(np.sum(w * (y - ybar) ** 2)) if constant else float(np.sum(w * y**2))
    df_m = d.p - int(constant)
    df_r = round(N) - d.p
    s2 = rss / df_r if df_r > 0 else float("nan")
    Rinv = np.linalg.inv(R)
    bread = Rinv @ Rinv.T  # (X'WX)⁻¹
    V = s2 * bread
    fit = OLSFit(d, beta, V, N, rss, max(tss - rss, 0.0), df_m, df_r, constant)
    if vce != "ols":
        fit.vce = vce
        fit.V_beta = _sandwich(d, w, resid, bread, vce, N)
        test = [j for j, nm in enumerate(d.xnames) if nm != "_cons"]
        fit.wald = wald_all(beta, fit.V_beta, test)
    return fit


def _sandwich(
    d: MixedDesign, w: np.ndarray, e: np.ndarray, bread: np.ndarray, vce: str, N: float
) -> np.ndarray:
    k = d.p
    fw = w if d.weight_kind == "fweight" and d.weights is not None else None
    u = e if fw is not None else w * e  # frequency weights repeat, other weights scale
    if vce in ("hc2", "hc3"):
        h = np.einsum("ij,jk,ik->i", d.X, bread, d.X) * (1 if fw is not None else w)
        u = u / (np.sqrt(1 - h) if vce == "hc2" else (1 - h))
        return sandwich(bread, d.X * u[:, None], 1.0, fweights=fw)
    if vce == "cluster":
        G = d.n_clusters
        q = G / (G - 1) * (N - 1) / (N - k) if G > 1 else float("nan")
        return sandwich(bread, d.X * u[:, None], q, fweights=fw, cluster=d.cluster)
    return sandwich(bread, d.X * u[:, None], N / (N - k), fweights=fw)
