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


def fisher_exact(table: np.ndarray) -> tuple[float, float | None]:
    """Fisher's exact two-sided p-value of an r × c table of counts and, for a 2 × 2 table,
    the one-sided p-value in the observed direction."""
    t = np.rint(np.asarray(table, dtype=float)).astype(np.int64)
    t = t[t.sum(1) > 0][:, t.sum(0) > 0]
    if t.shape[0] > t.shape[1]:
        t = t.T  # fewer rows: smaller states
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
