"""Huber/White sandwich variance estimators ([U] 20.22 Obtaining robust variance estimates;
[R] vce_option; [P] _robust, Methods and formulas).

V = q · B · M · B, where B is the model's variance (the inverse of the negative Hessian, or
(X'WX)⁻¹ for least squares), M the sum of outer products of the observations' scores (summed
within clusters first), and q Stata's finite-sample factor: N/(N-k) for ``regress`` and N/(N-1)
for ML fits without clusters, and G/(G-1) · (N-1)/(N-k) resp. G/(G-1) with G clusters.
Frequency weights count an observation that many times; other weights multiply its score.
"""

from __future__ import annotations

import numpy as np

__all__ = ["meat", "sandwich", "wald_all"]


def meat(
    scores: np.ndarray, *, fweights: np.ndarray | None = None, cluster: np.ndarray | None = None
) -> np.ndarray:
    """Σ u u' over the observations' (or, with ``cluster`` codes 0..G-1, the clusters' summed)
    score rows ``u``; ``fweights`` repeat an observation."""
    if cluster is None:
        if fweights is None:
            return scores.T @ scores
        return scores.T @ (scores * fweights[:, None])
    s = scores if fweights is None else scores * fweights[:, None]
    totals = np.zeros((int(cluster.max()) + 1, scores.shape[1]))
    np.add.at(totals, cluster, s)
    return totals.T @ totals


def sandwich(
    bread: np.ndarray,
    scores: np.ndarray,
    q: float,
    *,
    fweights: np.ndarray | None = None,
    cluster: np.ndarray | None = None,
) -> np.ndarray:
    """q · B M B (symmetrized), with M from :func:`meat`."""
    V = q * bread @ meat(scores, fweights=fweights, cluster=cluster) @ bread
    return (V + V.T) / 2


def ml_sandwich(V: np.ndarray, scores: np.ndarray, w: np.ndarray, d, vce: str) -> np.ndarray:
    """``vce(robust)`` / ``vce(cluster)`` of an ML fit: the sandwich V (Σ u u') V with the
    per-observation scores times their weights (frequency weights count observations), times
    N/(N-1), or G/(G-1) with G clusters ([U] 20.22)."""
    fw = w if d.weights is not None and d.weight_kind == "fweight" else None
    u = scores if fw is not None else scores * w[:, None]
    cluster = d.cluster if vce == "cluster" else None
    if cluster is not None:
        G = d.n_clusters
        q = G / (G - 1) if G > 1 else float("nan")
    else:
        N = float(w.sum()) if fw is not None else float(d.n)
        q = N / (N - 1)
    return sandwich(V, u, q, fweights=fw, cluster=cluster)


def wald_all(beta: np.ndarray, V: np.ndarray, test: list[int]) -> tuple[float, int]:
    """The Wald statistic that the coefficients ``test`` are all zero, and its df. When V
    restricted to them is singular, as with fewer clusters than coefficients, the statistic
    is missing (nan) and the df is V's rank there, as Stata prints ``F(11, 11) = .``."""
    k = len(test)
    if k == 0:
        return float("nan"), 0
    b = beta[test]
    Vs = V[np.ix_(test, test)]
    scale = np.sqrt(np.clip(np.diag(Vs), 1e-300, None))
    rank = int(np.linalg.matrix_rank(Vs / np.outer(scale, scale), tol=1e-10))  # scale-free
    if rank < k:
        return float("nan"), rank
    return float(b @ np.linalg.solve(Vs, b)), k
