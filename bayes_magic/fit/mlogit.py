"""Multinomial logistic regression by maximum likelihood ([R] mlogit, Methods and formulas).

With outcomes 1..J, the base outcome b and one coefficient vector β_k per other outcome
(β_b = 0),

    Pr(y = k | x) = exp(xβ_k) / Σ_j exp(xβ_j).

The log likelihood Σ w_i log Pr(y_i | x_i) is concave; its gradient in β_k is
Σ w_i (1[y_i = k] - p_ik) x_i and its Hessian block (k, l) is -Σ w_i p_ik (δ_kl - p_il) x_i x_i'.
Newton's method with step halving starts from the constant-only model (each constant
log(n_k / n_b), the slopes 0), whose log likelihood Σ n_k log(n_k / N) is ``e(ll_0)`` and the
first line of Stata's iteration log. The covariance is the inverse of the negative Hessian;
``vce(robust)`` / ``vce(cluster)`` use the sandwich with the per-observation scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from ..design.mixed import MixedDesign
from ..errors import StataError
from .optimize import newton_ascent
from .robust import ml_sandwich, wald_all

__all__ = ["MlogitFit", "fit_mlogit", "mlogit_probabilities"]


def mlogit_probabilities(eta: np.ndarray) -> np.ndarray:
    """Pr(y = k) from the linear indices ``eta`` (observations by outcomes, the base's 0)."""
    return special.softmax(eta, axis=1)


@dataclass
class MlogitFit:
    """A multinomial logit fit: ``B`` holds one column per outcome (the base's zero)."""

    design: MixedDesign  # X with the constant (unless noconstant); y the outcome values
    values: np.ndarray  # the outcome values, in order (e(out))
    base: int  # the base outcome's position
    B: np.ndarray  # coefficients: X's columns by outcomes
    V: np.ndarray  # covariance of the non-base outcomes' coefficients, outcome by outcome
    ll: float
    ll0: float
    iterations: list[tuple[int, float]]
    converged: bool
    vce: str = "oim"
    constant: bool = True  # the constant-only model exists: LR test and pseudo R2

    @property
    def others(self) -> list[int]:
        """The non-base outcomes' positions, in order."""
        return [k for k in range(len(self.values)) if k != self.base]

    @property
    def beta(self) -> np.ndarray:
        """The free coefficients, outcome by outcome (the order of ``V``)."""
        return self.B[:, self.others].T.ravel()

    @property
    def V_beta(self) -> np.ndarray:
        return self.V

    @property
    def n_clust(self) -> int:
        return self.design.n_clusters if self.vce == "cluster" else 0

    @property
    def wald_test(self) -> bool:
        return self.vce != "oim"

    def lr_test(self) -> tuple[float, int, float]:
        """The model test against the constant-only model: LR, or Wald with a sandwich
        variance (every coefficient but the constants)."""
        p = self.B.shape[0]
        J1 = len(self.values) - 1
        slopes = [
            k * p + j
            for k in range(J1)
            for j in range(p)
            if not (self.constant and j == self._cons_col)
        ]
        if self.wald_test:
            chi2, df = wald_all(self.beta, self.V, slopes)
        else:
            chi2, df = max(2.0 * (self.ll - self.ll0), 0.0), len(slopes)
        ok = df > 0 and chi2 == chi2
        return chi2, df, float(stats.chi2.sf(chi2, df)) if ok else float("nan")

    @property
    def _cons_col(self) -> int:
        names = self.design.xnames
        return names.index("_cons") if "_cons" in names else -1


def _loglik(X, y, w, base, B_free, need=2):
    """ℓ, its gradient and Hessian in the free coefficients (outcome-major), and the
    per-observation scores."""
    n, p = X.shape
    J = B_free.shape[1] + 1
    others = [k for k in range(J) if k != base]
    eta = np.zeros((n, J))
    eta[:, others] = X @ B_free
    logp = eta - special.logsumexp(eta, axis=1, keepdims=True)
    ll = float(np.sum(w * logp[np.arange(n), y]))
    if need == 0:
        return ll, None, None, None
    P = np.exp(logp[:, others])  # n x (J-1)
    Y = (y[:, None] == np.array(others)[None, :]).astype(float)
    R = Y - P
    S = (R[:, :, None] * X[:, None, :]).reshape(n, -1)  # scores, outcome-major
    g = S.T @ w
    m = len(others)
    H = np.zeros((m * p, m * p))
    Xw = X * w[:, None]
    for a in range(m):
        for b in range(a, m):
            c = P[:, a] * ((a == b) - P[:, b])
            blk = -(Xw * c[:, None]).T @ X
            H[a * p : (a + 1) * p, b * p : (b + 1) * p] = blk
            if a != b:
                H[b * p : (b + 1) * p, a * p : (a + 1) * p] = blk.T
    return ll, g, H, S


def fit_mlogit(
    d: MixedDesign,
    *,
    base: float | None = None,
    base_position: int | None = None,
    vce: str = "oim",
    iterate: int = 300,
    constant: bool = True,
) -> MlogitFit:
    """Fit a multinomial logit of ``d.y`` on ``d.X``; ``base`` is the base outcome's value
    (or ``base_position`` its position), by default the most frequent outcome (the first of
    those tied), as Stata's.

    Raises
    ------
    StataError
        r(2000) when the outcome does not vary; r(149) with more than 50 outcomes (Stata's
        limit); r(111) for a ``baseoutcome()`` that is not an outcome; r(430) when the
        information matrix is singular.
    """
    values, y = np.unique(d.y, return_inverse=True)
    y = y.astype(np.int64).ravel()
    J = len(values)
    if J < 2:
        raise StataError("outcome does not vary", 2000)
    if J > 50:
        raise StataError(f"{J} outcomes detected; 50 is the maximum", 149)
    w = np.ones(d.n) if d.weights is None else np.asarray(d.weights, dtype=float)
    counts = np.bincount(y, weights=w, minlength=J)
    if base_position is not None:
        if not 1 <= base_position <= J:
            raise StataError(f"outcome #{base_position} not found", 111)
        b = base_position - 1
    elif base is not None:
        hits = np.flatnonzero(values == base)
        if not len(hits):
            raise StataError(f"outcome {base:g} not found", 111)
        b = int(hits[0])
    else:
        b = int(np.argmax(counts))
    X = d.X
    p = X.shape[1]
    others = [k for k in range(J) if k != b]
    N = counts.sum()
    ll0 = float(np.sum(counts * np.log(counts / N)))
    B = np.zeros((p, J - 1))
    names = d.xnames
    if constant and "_cons" in names:
        B[names.index("_cons")] = np.log(counts[others] / counts[b])
    elif not constant:  # no constant-only model: e(ll_0) at zero coefficients
        ll0 = _loglik(X, y, w, b, B, need=0)[0]
    theta, ll, log, converged = _newton(X, y, w, b, B, iterate)
    ll, _g, H, S = _loglik(X, y, w, b, theta.reshape(J - 1, p).T)
    try:
        V = np.linalg.inv(-H)
    except np.linalg.LinAlgError:
        raise StataError("Hessian is not negative semidefinite", 430) from None
    V = (V + V.T) / 2
    if vce != "oim":
        V = ml_sandwich(V, S, w, d, vce)
    Bfull = np.zeros((p, J))
    Bfull[:, others] = theta.reshape(J - 1, p).T
    return MlogitFit(d, values, b, Bfull, V, ll, ll0, log, converged, vce=vce, constant=constant)


def _newton(X, y, w, base, B0, iterate):
    """Newton's method with step halving: (θ outcome-major, ℓ, log, converged)."""
    p, m = B0.shape

    def loglik(theta: np.ndarray, derivatives: bool):
        ll, g, H, _ = _loglik(X, y, w, base, theta.reshape(m, p).T, need=2 if derivatives else 0)
        return ll, g, H

    return newton_ascent(loglik, B0.T.ravel().copy(), iterate)
