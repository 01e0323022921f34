"""Linear mixed models by maximum likelihood and REML: the profiled deviance of lme4.

Bates, Mächler, Bolker and Walker (2015), *Fitting linear mixed-effects models using lme4*,
JSS 67(1), sections 3.2-3.6. The random effects are ``b = Λθ u`` with ``u ~ N(0, σ² I)``;
for a given θ the penalized least-squares problem is solved through

    A = Λ' Z'Z Λ + I,    A W = [Λ'Z'y, Λ'Z'X],
    M = X'X - (Λ'Z'X)' W_X,     β̂ = M⁻¹ (X'y - (Λ'Z'X)' w_y),
    r² = y'y - (Λ'Z'y)' w_y - (X'y - (Λ'Z'X)' w_y)' β̂,

and the profiled deviances are ``log|A| + n (1 + log(2π r²/n))`` (ML) and
``log|A| + log|M| + (n-p)(1 + log(2π r²/(n-p)))`` (REML). Only cross-products enter, computed
once, so an evaluation costs nothing per observation; A is block diagonal for one grouping
factor (a Cholesky per group, vectorised) and sparse otherwise (dense Cholesky when small, a
sparse LU with a fill-reducing ordering when large).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from ..design.mixed import MixedDesign, RELevel

__all__ = ["LMMProblem", "Solution"]

_DENSE_MAX = 1500  # largest q handled by a dense Cholesky


def ntheta(level: RELevel) -> int:
    k = level.k
    return {
        "unstructured": k * (k + 1) // 2,
        "independent": k,
        "identity": 1,
        "exchangeable": 2 if k > 1 else 1,
    }[level.covariance]


@dataclass
class Solution:
    """The penalized least-squares solution at one θ."""

    logdet_A: float
    logdet_M: float
    M: np.ndarray
    beta: np.ndarray
    r2: float
    u: np.ndarray  # spherical random effects (q,)
    W_X: np.ndarray  # A⁻¹ Λ'Z'X (q, p)


class LMMProblem:
    """Cross-products of a mixed-model design and the profiled deviance over θ."""

    def __init__(self, d: MixedDesign) -> None:
        self.d = d
        w = d.weights
        self.n = float(d.n if w is None else w.sum())
        self.p = d.p
        X, y = d.X, d.y
        sw = np.ones(d.n) if w is None else w
        self.XtX = X.T @ (X * sw[:, None])
        self.Xty = X.T @ (y * sw)
        self.yty = float(y @ (y * sw))
        self.levels = d.levels
        self.ks = [lv.k for lv in d.levels]
        self.Gs = [lv.G for lv in d.levels]
        self.offsets = np.cumsum([0] + [k * g for k, g in zip(self.ks, self.Gs)])
        self.q = int(self.offsets[-1])
        self.nth = [ntheta(lv) for lv in d.levels]
        self.block = len(d.levels) == 1  # one grouping factor: A is block diagonal
        if self.q == 0:
            return
        Z = self._Z()
        ZW = Z.multiply(sw[:, None]).tocsr() if w is not None else Z
        self.ZtZ = (Z.T @ ZW).tocsc()
        self.ZtX = np.asarray(Z.T @ (X * sw[:, None]))
        self.Zty = np.asarray(Z.T @ (y * sw)).ravel()
        if self.block:
            lv = d.levels[0]
            k, G = lv.k, lv.G
            # per-group blocks of Z'Z, Z'X, Z'y
            self.bZtZ = np.zeros((G, k, k))
            zw = lv.Z * sw[:, None]
            for a in range(k):
                for b in range(k):
                    self.bZtZ[:, a, b] = np.bincount(lv.groups, zw[:, a] * lv.Z[:, b], G)
            self.bZtX = self.ZtX.reshape(G, k, self.p)
            self.bZty = self.Zty.reshape(G, k)

    def _Z(self) -> sp.csr_matrix:
        blocks = []
        n = self.d.n
        for lv, off in zip(self.levels, self.offsets):
            k = lv.k
            rows = np.repeat(np.arange(n), k)
            cols = (lv.groups[:, None] * k + np.arange(k)[None, :]).ravel() + off
            blocks.append((rows, cols, lv.Z.ravel()))
        rows = np.concatenate([b[0] for b in blocks])
        cols = np.concatenate([b[1] for b in blocks])
        vals = np.concatenate([b[2] for b in blocks])
        return sp.csr_matrix((vals, (rows, cols)), shape=(n, self.q))

    # -- θ ------------------------------------------------------------------------------------
    def theta0(self) -> np.ndarray:
        out = []
        for lv in self.levels:
            k = lv.k
            if lv.covariance == "unstructured":
                out += [1.0 if i == j else 0.0 for i in range(k) for j in range(i + 1)]
            elif lv.covariance == "independent":
                out += [1.0] * k
            elif lv.covariance == "identity":
                out += [1.0]
            else:
                out += [1.0, 0.0] if k > 1 else [1.0]
        return np.array(out)

    def bounds(self) -> list[tuple[float | None, float | None]]:
        out: list[tuple[float | None, float | None]] = []
        for lv in self.levels:
            k = lv.k
            if lv.covariance == "unstructured":
                out += [(0.0, None) if i == j else (None, None) for i in range(k)
                        for j in range(i + 1)]
            elif lv.covariance == "independent":
                out += [(0.0, None)] * k
            elif lv.covariance == "identity":
                out += [(0.0, None)]
            else:
                out += [(0.0, None), (-1.0 / (k - 1) + 1e-8, 1 - 1e-8)] if k > 1 else [
                    (0.0, None)]
        return out

    def lambdas(self, theta: np.ndarray) -> list[np.ndarray]:
        """The k-by-k relative covariance factor of each level."""
        out = []
        pos = 0
        for lv, m in zip(self.levels, self.nth):
            t = theta[pos : pos + m]
            pos += m
            out.append(lambda_of(lv.covariance, lv.k, t))
        return out

    # -- the penalized least-squares solve -------------------------------------------------------
    def solve(self, theta: np.ndarray) -> Solution:
        if self.q == 0:
            return self._solve_fixed()
        lams = self.lambdas(theta)
        if self.block:
            return self._solve_block(lams[0])
        return self._solve_sparse(lams)

    def _finish(self, logdet_A: float, by: np.ndarray, BX: np.ndarray, wy: np.ndarray,
                WX: np.ndarray) -> Solution:
        M = self.XtX - BX.T @ WX
        v = self.Xty - BX.T @ wy
        if self.p:
            cM = sla.cho_factor(M, lower=True)
            beta = sla.cho_solve(cM, v)
            logdet_M = 2.0 * float(np.log(np.diag(cM[0])).sum())
        else:
            beta = np.zeros(0)
            logdet_M = 0.0
        r2 = self.yty - float(by @ wy) - float(v @ beta)
        u = wy - WX @ beta
        return Solution(logdet_A, logdet_M, M, beta, max(r2, 1e-300), u, WX)

    def _solve_fixed(self) -> Solution:
        return self._finish(0.0, np.zeros(0), np.zeros((0, self.p)), np.zeros(0),
                            np.zeros((0, self.p)))

    def _solve_block(self, lam: np.ndarray) -> Solution:
        G, k, p = self.bZtZ.shape[0], self.bZtZ.shape[1], self.p
        LtZtZL = np.einsum("ji,gjk,kl->gil", lam, self.bZtZ, lam)
        A = LtZtZL + np.eye(k)[None]
        L = np.linalg.cholesky(A)
        logdet = 2.0 * float(np.log(np.diagonal(L, axis1=1, axis2=2)).sum())
        by = np.einsum("ji,gj->gi", lam, self.bZty)  # Λ'Z'y per group
        BX = np.einsum("ji,gjp->gip", lam, self.bZtX)  # Λ'Z'X per group
        rhs = np.concatenate([by[:, :, None], BX], axis=2)  # (G, k, 1+p)
        sol = np.linalg.solve(A, rhs)
        wy = sol[:, :, 0].reshape(-1)
        WX = sol[:, :, 1:].reshape(G * k, p)
        return self._finish(logdet, by.reshape(-1), BX.reshape(G * k, p), wy, WX)

    def big_lambda(self, lams: list[np.ndarray]) -> sp.csc_matrix:
        blocks = [sp.kron(sp.identity(g, format="csr"), sp.csr_matrix(lam))
                  for lam, g in zip(lams, self.Gs)]
        return sp.block_diag(blocks, format="csc")

    def _solve_sparse(self, lams: list[np.ndarray]) -> Solution:
        Lam = self.big_lambda(lams)
        A = (Lam.T @ self.ZtZ @ Lam + sp.identity(self.q, format="csc")).tocsc()
        by = Lam.T @ self.Zty
        BX = np.asarray(Lam.T @ self.ZtX)
        rhs = np.column_stack([by, BX])
        if self.q <= _DENSE_MAX:
            c = sla.cho_factor(A.toarray(), lower=True)
            logdet = 2.0 * float(np.log(np.diag(c[0])).sum())
            sol = sla.cho_solve(c, rhs)
        else:
            lu = splu(A, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                      options={"SymmetricMode": True})
            logdet = float(np.log(np.abs(lu.U.diagonal())).sum())
            sol = lu.solve(rhs)
        return self._finish(logdet, by, BX, sol[:, 0], sol[:, 1:])

    # -- criteria ---------------------------------------------------------------------------------
    def deviance(self, theta: np.ndarray, reml: bool) -> float:
        """The profiled deviance (-2 log likelihood, σ and β profiled out)."""
        s = self.solve(theta)
        return self.deviance_of(s, reml)

    def deviance_of(self, s: Solution, reml: bool) -> float:
        n, p = self.n, self.p
        if reml:
            df = n - p
            return s.logdet_A + s.logdet_M + df * (1 + np.log(2 * np.pi * s.r2 / df))
        return s.logdet_A + n * (1 + np.log(2 * np.pi * s.r2 / n))

    def sigma2(self, s: Solution, reml: bool) -> float:
        return s.r2 / (self.n - self.p if reml else self.n)

    def loglik_at(self, theta: np.ndarray, sigma2: float, reml: bool) -> float:
        """The (restricted) log likelihood at θ and σ², β profiled out (β at its GLS value)."""
        s = self.solve(theta)
        n, p = self.n, self.p
        if reml:
            return -0.5 * ((n - p) * np.log(2 * np.pi * sigma2) + s.logdet_A + s.logdet_M
                           + s.r2 / sigma2)
        return -0.5 * (n * np.log(2 * np.pi * sigma2) + s.logdet_A + s.r2 / sigma2)

    def conditional_variance(self, theta: np.ndarray, s: Solution, sigma2: float) -> list:
        """Var(b̂ - b) per level and group: σ² Λ (A⁻¹ + W_X M⁻¹ W_X') Λ' (Henderson's mixed
        model equations; the comparative variance, which counts β's estimation)."""
        lams = self.lambdas(theta)
        Minv = np.linalg.inv(s.M) if self.p else np.zeros((0, 0))
        out = []
        if self.block:
            lam = lams[0]
            k = lam.shape[0]
            A = np.einsum("ji,gjk,kl->gil", lam, self.bZtZ, lam) + np.eye(k)[None]
            Ainv = np.linalg.inv(A)
            WX = s.W_X.reshape(-1, k, self.p)
            C = Ainv + np.einsum("gip,pq,gjq->gij", WX, Minv, WX)
            out.append(sigma2 * np.einsum("ij,gjk,lk->gil", lam, C, lam))
            return out
        Lam = self.big_lambda(lams)
        A = (Lam.T @ self.ZtZ @ Lam + sp.identity(self.q, format="csc")).tocsc()
        if self.q <= _DENSE_MAX:
            Ainv = np.linalg.inv(A.toarray())
        else:
            Ainv = splu(A).solve(np.eye(self.q))
        C = Ainv + s.W_X @ Minv @ s.W_X.T
        V = sigma2 * (Lam @ sp.csc_matrix(C) @ Lam.T).toarray()
        for lv, off, k, g in zip(self.levels, self.offsets, self.ks, self.Gs):
            blk = np.zeros((g, k, k))
            for j in range(g):
                a = off + j * k
                blk[j] = V[a : a + k, a : a + k]
            out.append(blk)
        return out

    def blups(self, theta: np.ndarray, s: Solution) -> list[np.ndarray]:
        """The conditional modes b = Λ u per level: arrays (G, k)."""
        lams = self.lambdas(theta)
        out = []
        for lam, off, k, g in zip(lams, self.offsets, self.ks, self.Gs):
            u = s.u[off : off + k * g].reshape(g, k)
            out.append(u @ lam.T)
        return out


def lambda_of(cov: str, k: int, t: np.ndarray) -> np.ndarray:
    """The relative covariance factor Λ (lower triangular) of one level from its θ."""
    if cov == "unstructured":
        lam = np.zeros((k, k))
        lam[np.tril_indices(k)] = t
        return lam
    if cov == "independent":
        return np.diag(t)
    if cov == "identity":
        return t[0] * np.eye(k)
    if k == 1:
        return np.array([[t[0]]])
    rho = t[1]
    R = np.full((k, k), rho)
    np.fill_diagonal(R, 1.0)
    return t[0] * np.linalg.cholesky(R)
