"""The ordinal and exact statistics of ``tabulate twoway`` ([R] tabulate twoway, Methods and
formulas): Goodman and Kruskal's gamma and Kendall's tau-b with their asymptotic standard errors
(Agresti 1984), and Fisher's exact test of an r × c table.

With Aᵢⱼ (Dᵢⱼ) the count of observations concordant (discordant) with cell ij, P = Σ nᵢⱼAᵢⱼ and
Q = Σ nᵢⱼDᵢⱼ: γ = (P − Q)/(P + Q), ASE(γ) = 4 √(Σ nᵢⱼ(QAᵢⱼ − PDᵢⱼ)²)/(P + Q)²; τ_b = (P − Q)/w
with w = √(w_r w_c), w_r = n² − Σ nᵢ.², w_c = n² − Σ n.ⱼ², and ASE(τ_b) =
√(Σ nᵢⱼ(2w dᵢⱼ + τ_b vᵢⱼ)² − n³τ_b²(w_r + w_c)²)/w², dᵢⱼ = Aᵢⱼ − Dᵢⱼ, vᵢⱼ = nᵢ.w_c + n.ⱼw_r.

Fisher's exact p-value sums the hypergeometric probabilities of every table with the observed
margins that is no more probable than the observed one. The tables are enumerated a column at a
time over the remaining row totals, the tail of each remaining-totals state computed once.
For 2 × 2 tables the one-sided p-value is the tail in the observed direction.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy.special import gammaln

from ..errors import StataError

__all__ = ["concordance", "gamma_taub", "fisher_exact"]

#: enumerated (table tail, probability) pairs beyond which Fisher's exact test is refused
_MAX_TERMS = 3_000_000
#: node-by-count expansions of a 2 × c table's network beyond which the test is refused
#: (some ten seconds of numpy work), and the nodes expanded at once (their arrays' memory)
_MAX_WORK = 250_000_000
_CHUNK = 4_000


def concordance(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(A, D): for each cell, the counts of observations above-right plus below-left
    (concordant) and above-left plus below-right (discordant)."""
    t = np.asarray(t, dtype=float)

    # cumulative sums from each corner, shifted so the cell itself is excluded
    def corner(x: np.ndarray) -> np.ndarray:
        c = x[::-1, ::-1].cumsum(0).cumsum(1)[::-1, ::-1]  # sum over k >= i, l >= j
        out = np.zeros_like(x)
        out[:-1, :-1] = c[1:, 1:]
        return out

    below_right = corner(t)
    above_left = corner(t[::-1, ::-1])[::-1, ::-1]
    below_left = corner(t[:, ::-1])[:, ::-1]
    above_right = corner(t[::-1, :])[::-1, :]
    return below_right + above_left, below_left + above_right


def gamma_taub(t: np.ndarray) -> tuple[float, float, float, float]:
    """(γ, ASE(γ), τ_b, ASE(τ_b)) of the table ``t``."""
    t = np.asarray(t, dtype=float)
    n = t.sum()
    A, D = concordance(t)
    P, Q = float((t * A).sum()), float((t * D).sum())
    nan = float("nan")
    g = (P - Q) / (P + Q) if P + Q > 0 else nan
    ase_g = 4 * np.sqrt((t * (Q * A - P * D) ** 2).sum()) / (P + Q) ** 2 if P + Q > 0 else nan
    ri, cj = t.sum(1), t.sum(0)
    wr, wc = n * n - float((ri**2).sum()), n * n - float((cj**2).sum())
    w = np.sqrt(wr * wc)
    if w > 0:
        tb = (P - Q) / w
        v = ri[:, None] * wc + cj[None, :] * wr
        inner = float((t * (2 * w * (A - D) + tb * v) ** 2).sum()) - n**3 * tb**2 * (wr + wc) ** 2
        ase_tb = float(np.sqrt(max(inner, 0.0))) / (w * w)
    else:
        tb = ase_tb = nan
    return float(g), float(ase_g), float(tb), ase_tb


def _compositions(total: int, caps: tuple[int, ...]):
    """Every vector x with Σx = total and 0 ≤ xᵢ ≤ capsᵢ."""
    if len(caps) == 1:
        if total <= caps[0]:
            yield (total,)
        return
    rest = sum(caps[1:])
    for x in range(max(0, total - rest), min(caps[0], total) + 1):
        for tail in _compositions(total - x, caps[1:]):
            yield (x, *tail)


def _two_row_p(t: np.ndarray, lf: np.ndarray, thr: float, log_k: float) -> float:
    """The two-sided p-value of a 2 × c table by the network algorithm (Mehta and Patel 1983):
    the tables are paths through the columns, a node being the count still to place in the
    first row; at each node the least and the most Σ log x! of its completions (exact, by
    dynamic programming over the integer allocations) decide whether every completion is in
    the tail (its total probability then follows from Vandermonde's identity), none is, or the
    node must be expanded."""
    cols = t.sum(0)
    c = len(cols)
    S = np.concatenate([np.cumsum(cols[::-1])[::-1], [0]])  # S[j]: Σ of columns j..
    f = [lf[np.arange(cj + 1)] + lf[cj - np.arange(cj + 1)] for cj in cols]
    lo: list[np.ndarray] = [np.empty(0)] * c
    hi: list[np.ndarray] = [np.empty(0)] * c
    lo[c - 1] = hi[c - 1] = f[c - 1]
    for j in range(c - 2, -1, -1):
        x = np.arange(cols[j] + 1)[None, :]
        lo[j], hi[j] = np.empty(S[j] + 1), np.empty(S[j] + 1)
        step = max(1, 2_000_000 // (cols[j] + 1))  # rows of a at a time: bounded memory
        for a0 in range(0, S[j] + 1, step):
            a = np.arange(a0, min(a0 + step, S[j] + 1))[:, None]
            rest = a - x
            ok = (rest >= 0) & (rest <= S[j + 1])
            r = np.clip(rest, 0, S[j + 1])
            lo[j][a[:, 0]] = np.where(ok, f[j][x] + lo[j + 1][r], np.inf).min(1)
            hi[j][a[:, 0]] = np.where(ok, f[j][x] + hi[j + 1][r], -np.inf).max(1)
    sum_lf = np.concatenate([np.cumsum(lf[cols][::-1])[::-1], [0.0]])

    def log_w(j: int, a: np.ndarray) -> np.ndarray:
        """log Σ over the completions of exp(-Σ log x!), by Vandermonde's identity."""
        return lf[S[j]] - lf[a] - lf[S[j] - a] - sum_lf[j]

    p = 0.0
    # depth first over chunks of nodes: a chunk is a column j, the counts still to place in
    # the first row, and the paths' Σ log x! so far
    stack = [(0, np.array([int(t[0].sum())]), np.array([0.0]))]
    work = 0
    while stack:
        j, a, past = stack.pop()
        every = past + lo[j][a] >= thr
        p += float(np.exp(log_k - past[every] + log_w(j, a[every])).sum())
        keep = ~every & (past + hi[j][a] >= thr)
        a, past = a[keep], past[keep]
        if not len(a):
            continue
        x = np.arange(cols[j] + 1)
        work += len(a) * len(x)
        if work > _MAX_WORK:
            raise StataError(
                "Fisher's exact test: the table has too many tables with its margins to "
                "enumerate; use chi2 or lrchi2",
                910,
            )
        left = a[:, None] - x[None, :]
        ok = (left >= 0) & (left <= S[j + 1])
        rows_, xs = np.nonzero(ok)
        child_a, child_past = left[rows_, xs], past[rows_] + f[j][xs]
        if j + 1 == c - 1:  # the last column is forced
            v = child_past + f[c - 1][child_a]
            p += float(np.exp(log_k - v[v >= thr]).sum())
            continue
        # pieces of at most _CHUNK nodes keep the pending nodes to a few per column
        for k in range(0, len(child_a), _CHUNK):
            stack.append((j + 1, child_a[k : k + _CHUNK], child_past[k : k + _CHUNK]))
    return p


def fisher_exact(table: np.ndarray) -> tuple[float, float | None]:
    """Fisher's exact two-sided p-value of an r × c table of counts and, for a 2 × 2 table,
    the one-sided p-value in the observed direction."""
    t = np.rint(np.asarray(table, dtype=float)).astype(np.int64)
    t = t[t.sum(1) > 0][:, t.sum(0) > 0]
    if t.shape[0] > t.shape[1]:
        t = t.T  # fewer rows: smaller states
    if t.shape[0] == 2 and t.shape[1] > 2:
        rows = tuple(int(x) for x in t.sum(1))
        n = sum(rows)
        lf = gammaln(np.arange(n + 2) + 1.0)
        cols_ = t.sum(0)
        log_k = float(lf[list(rows)].sum() + lf[cols_].sum() - lf[n])
        t_obs = float(lf[t].sum())
        return min(_two_row_p(t, lf, t_obs - 1e-7, log_k), 1.0), None
    t = t[:, np.argsort(t.sum(0), kind="stable")]  # the largest column last, where it is forced
    rows = tuple(int(x) for x in t.sum(1))
    cols = tuple(int(x) for x in t.sum(0))
    n = sum(rows)
    lf = gammaln(np.arange(n + 2) + 1.0)  # log k!
    log_k = float(lf[list(rows)].sum() + lf[list(cols)].sum() - lf[n])
    t_obs = float(lf[t].sum())
    terms = [0]

    @cache
    def tail(j: int, rem: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """The distinct Σ log x! of columns j.. over the ways to fill them, with counts."""
        if j == len(cols) - 1:
            return np.array([float(lf[list(rem)].sum())]), np.array([1.0])
        parts_t, parts_c = [], []
        for x in _compositions(cols[j], rem):
            sub_t, sub_c = tail(j + 1, tuple(r - k for r, k in zip(rem, x)))
            parts_t.append(sub_t + float(lf[list(x)].sum()))
            parts_c.append(sub_c)
            terms[0] += len(sub_t)
            if terms[0] > _MAX_TERMS:
                raise StataError(
                    "Fisher's exact test: the table has too many tables with its margins to "
                    "enumerate; use chi2 or lrchi2",
                    910,
                )
        tt = np.round(np.concatenate(parts_t), 9)
        cc = np.concatenate(parts_c)
        uniq, inv = np.unique(tt, return_inverse=True)
        return uniq, np.bincount(inv, weights=cc)

    ts, cs = tail(0, rows)
    # tables no more probable than the observed one, with a relative tolerance of 1e-7
    p = float((cs * np.exp(log_k - ts))[ts >= t_obs - 1e-7].sum())
    one = None
    if t.shape == (2, 2):
        a = int(t[0, 0])
        lo, hi = max(0, rows[0] - cols[1]), min(rows[0], cols[0])
        ks = np.arange(lo, hi + 1)
        probs = np.exp(
            log_k - lf[ks] - lf[rows[0] - ks] - lf[cols[0] - ks] - lf[rows[1] - cols[0] + ks]
        )
        upper, lower = float(probs[ks >= a].sum()), float(probs[ks <= a].sum())
        expected = rows[0] * cols[0] / n
        one = upper if a > expected else lower if a < expected else min(upper, lower)
        one = min(one, 1.0)
    return min(p, 1.0), one
