"""Ordinary least squares, as ``regress`` reports it ([R] regress, Methods and formulas).

The coefficients solve the (frequency-weighted) normal equations by a QR decomposition of
sqrt(w)·X; V = s²(X'WX)⁻¹ with s² = RSS / (N - rank). With a constant the model and total sums
of squares are about the weighted mean; without one they are uncentred, and R² and the F test
follow. The log likelihood is the normal one at the ML variance RSS / N.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from ..dataset.weights import rescale_aweights
from ..design.mixed import MixedDesign
from ..errors import StataError

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
        if self.df_m == 0 or self.df_r == 0 or self.rss == 0:
            return float("nan")
        return (self.mss / self.df_m) / (self.rss / self.df_r)

    @property
    def p_F(self) -> float:
        F = self.F
        return float(stats.f.sf(F, self.df_m, self.df_r)) if F == F else float("nan")

    def ll_at(self, ss: float) -> float:
        return -0.5 * self.N * (math.log(2 * math.pi * ss / self.N) + 1) if ss > 0 else math.inf

    @property
    def ll(self) -> float:
        return self.ll_at(self.rss)

    @property
    def ll_0(self) -> float:
        return self.ll_at(self.tss) if self.constant else float("nan")


def fit_ols(d: MixedDesign) -> OLSFit:
    """OLS of the design's outcome on its columns.

    Raises
    ------
    StataError
        r(2000) without observations, r(2001) with fewer observations than coefficients.
    """
    if d.n == 0:
        raise StataError("no observations", 2000)
    w = np.ones(d.n) if d.weights is None else d.weights.astype(float)
    if d.weight_kind == "aweight":  # analytic weights: rescaled to sum to the observations
        w = rescale_aweights(w)
    N = float(w.sum())
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
    V = s2 * (Rinv @ Rinv.T)
    return OLSFit(d, beta, V, N, rss, max(tss - rss, 0.0), df_m, df_r, constant)
