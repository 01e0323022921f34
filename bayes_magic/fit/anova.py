"""The sums of squares of ``anova`` ([R] anova, Methods and formulas).

A term's partial sum of squares is the rise in the residual sum of squares when its block of
effect-coded columns (:mod:`bayes_magic.design.anova`) leaves the full model; its degrees of
freedom the rank that goes with it. The sequential (type I) sum of squares adds the terms in the
order given, each counted over the terms before it. Weights multiply the squared residuals.
"""

from __future__ import annotations

import numpy as np

__all__ = ["NotEstimableError", "blocks_rank", "term_sums_of_squares"]


class NotEstimableError(Exception):
    """The partial sum of squares of term ``k`` (0-based) is not the type III one."""

    def __init__(self, k: int) -> None:
        super().__init__(k)
        self.k = k


def _rss_rank(X: np.ndarray, y: np.ndarray, sw: np.ndarray) -> tuple[float, int]:
    """Residual sum of squares and rank of the weighted least-squares fit of y on X."""
    if X.shape[1] == 0:
        return float(np.sum((sw * y) ** 2)), 0
    A = X * sw[:, None]
    b = sw * y
    # scale columns so the rank tolerance does not depend on their units
    norms = np.linalg.norm(A, axis=0)
    keep = norms > 0
    A = A[:, keep] / norms[keep]
    U, s, _ = np.linalg.svd(A, full_matrices=False)
    tol = s.max() * max(A.shape) * np.finfo(float).eps if s.size else 0.0
    r = int(np.sum(s > tol))
    fitted = U[:, :r] @ (U[:, :r].T @ b)
    return float(np.sum((b - fitted) ** 2)), r


def blocks_rank(n: int, blocks: list[np.ndarray]) -> int:
    """The rank of the constant and every term's effect-coded columns: the regression's rank
    when each term's lower-order terms are in the model, less when some are left out."""
    return _rss_rank(np.hstack([np.ones((n, 1)), *blocks]), np.zeros(n), np.ones(n))[1]


def term_sums_of_squares(
    y: np.ndarray,
    w: np.ndarray | None,
    blocks: list[np.ndarray],
    *,
    sequential: bool = False,
) -> list[tuple[float, int]]:
    """Each term's sum of squares and degrees of freedom in a model with a constant.

    Parameters
    ----------
    y
        The outcome over the estimation sample.
    w
        Weights (normalized aweights or fweights) or None.
    blocks
        Each term's columns, in the order the terms were given.
    sequential
        Type I (each term over the ones before it) instead of partial sums of squares.

    Returns
    -------
    list of (float, int)
        ``(SS, df)`` per term; a term that adds no rank has ``(0.0, 0)``.

    Raises
    ------
    NotEstimableError
        For partial sums of squares when a term's columns are partly spanned by the other
        terms' (an empty cell of an interaction that contains it).
    """
    n = y.size
    sw = np.ones(n) if w is None else np.sqrt(np.asarray(w, dtype=float))
    one = np.ones((n, 1))
    out: list[tuple[float, int]] = []
    if sequential:
        rss0, r0 = _rss_rank(one, y, sw)
        cols = [one]
        for b in blocks:
            cols.append(b)
            rss1, r1 = _rss_rank(np.hstack(cols), y, sw)
            out.append((max(rss0 - rss1, 0.0) if r1 > r0 else 0.0, r1 - r0))
            rss0, r0 = rss1, r1
        return out
    rss_full, r_full = _rss_rank(np.hstack([one, *blocks]), y, sw)
    for k in range(len(blocks)):
        rest = [one, *blocks[:k], *blocks[k + 1 :]]
        rss_k, r_k = _rss_rank(np.hstack(rest), y, sw)
        df = r_full - r_k
        if df < _rss_rank(np.hstack([one, blocks[k]]), y, sw)[1] - 1:
            # part of the term lies in the others' columns (an empty cell of an interaction
            # containing it, or collinear covariates): its partial hypothesis is not the
            # type III one, and Stata's construction for that case is not documented
            raise NotEstimableError(k)
        out.append((max(rss_k - rss_full, 0.0) if df > 0 else 0.0, df))
    return out
