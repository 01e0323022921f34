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

import functools
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
    Ainv: np.ndarray | None = None  # per-group inverses (G, k, k) on the block path


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
                out += [
                    (0.0, None) if i == j else (None, None) for i in range(k) for j in range(i + 1)
                ]
            elif lv.covariance == "independent":
                out += [(0.0, None)] * k
            elif lv.covariance == "identity":
                out += [(0.0, None)]
            else:
                out += [(0.0, None), (-1.0 / (k - 1) + 1e-8, 1 - 1e-8)] if k > 1 else [(0.0, None)]
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

    def _finish(
        self, logdet_A: float, by: np.ndarray, BX: np.ndarray, wy: np.ndarray, WX: np.ndarray
    ) -> Solution:
        M = self.XtX - BX.T @ WX
        v = self.Xty - BX.T @ wy
        if self.p:
            cM = np.linalg.cholesky(M)
            beta = np.linalg.solve(M, v)
            logdet_M = 2.0 * float(np.log(np.diag(cM)).sum())
        else:
            beta = np.zeros(0)
            logdet_M = 0.0
        r2 = self.yty - float(by @ wy) - float(v @ beta)
        u = wy - WX @ beta
        return Solution(logdet_A, logdet_M, M, beta, max(r2, 1e-300), u, WX)

    def _solve_fixed(self) -> Solution:
        return self._finish(
            0.0, np.zeros(0), np.zeros((0, self.p)), np.zeros(0), np.zeros((0, self.p))
        )

    def _solve_block(self, lam: np.ndarray) -> Solution:
        G, k, p = self.bZtZ.shape[0], self.bZtZ.shape[1], self.p
        A = lam.T @ self.bZtZ @ lam + np.eye(k)  # (G, k, k): Λ'Z_g'Z_gΛ + I
        _sign, logdets = np.linalg.slogdet(A)
        logdet = float(logdets.sum())
        Ainv = np.linalg.inv(A)
        by = self.bZty @ lam  # (G, k): Λ'Z_g'y
        BX = lam.T @ self.bZtX  # (G, k, p): Λ'Z_g'X
        wy = np.einsum("gij,gj->gi", Ainv, by).reshape(-1)
        WX = (Ainv @ BX).reshape(G * k, p)
        s = self._finish(logdet, by.reshape(-1), BX.reshape(G * k, p), wy, WX)
        s.Ainv = Ainv
        return s

    def big_lambda(self, lams: list[np.ndarray]) -> sp.csc_matrix:
        blocks = [
            sp.kron(sp.identity(g, format="csr"), sp.csr_matrix(lam))
            for lam, g in zip(lams, self.Gs)
        ]
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
            lu = splu(
                A,
                permc_spec="MMD_AT_PLUS_A",
                diag_pivot_thresh=0.0,
                options={"SymmetricMode": True},
            )
            logdet = float(np.log(np.abs(lu.U.diagonal())).sum())
            sol = lu.solve(rhs)
        return self._finish(logdet, by, BX, sol[:, 0], sol[:, 1:])

    # -- the analytic gradient (one grouping factor) ---------------------------------------------
    @property
    def has_gradient(self) -> bool:
        return self.q > 0 and self.block

    def _dlambdas(self, theta: np.ndarray) -> list[np.ndarray]:
        """∂Λ/∂θ_j for each θ_j (one level)."""
        lv = self.levels[0]
        k = lv.k
        out = []
        if lv.covariance == "unstructured":
            for a, b in zip(*tril(k)):
                D = np.zeros((k, k))
                D[a, b] = 1.0
                out.append(D)
        elif lv.covariance == "independent":
            for j in range(k):
                D = np.zeros((k, k))
                D[j, j] = 1.0
                out.append(D)
        elif lv.covariance == "identity":
            out.append(np.eye(k))
        else:
            t = theta
            out.append(lambda_of("exchangeable", k, np.array([1.0, *t[1:]])))
            if k > 1:
                # a difference kept inside (-1/(k-1), 1), one-sided at the bounds
                h = 1e-6
                lo, hi = -1.0 / (k - 1) + 1e-9, 1.0 - 1e-9
                a, b = max(t[1] - h, lo), min(t[1] + h, hi)
                up = lambda_of("exchangeable", k, np.array([t[0], b]))
                dn = lambda_of("exchangeable", k, np.array([t[0], a]))
                out.append((up - dn) / (b - a))
        return out

    def gradient_parts(self, theta: np.ndarray, s: Solution) -> tuple[np.ndarray, ...]:
        """Derivatives in θ of log|A|, r² and log|M| at the solution ``s`` (block path).

        With C = Z'Z, E = Z'y - Z'Xβ̂ - CΛû and Q = Z'X - CΛW_X (Bates et al. 2015, and the
        envelope theorem for r²): ∂log|A| = 2 tr(A⁻¹Λ'C ∂Λ), ∂r² = -2 E'∂Λû,
        ∂log|M| = -2 tr(M⁻¹ Q' ∂Λ W_X).
        """
        lam = self.lambdas(theta)[0]
        G, k, p = self.bZtZ.shape[0], self.bZtZ.shape[1], self.p
        u = s.u.reshape(G, k)
        W = s.W_X.reshape(G, k, p)
        C = self.bZtZ
        K = s.Ainv @ (lam.T @ C)  # (G, k, k): A⁻¹Λ'C per group
        CLu = np.einsum("gij,gj->gi", C @ lam, u)
        E = self.bZty - self.bZtX @ s.beta - CLu
        Q = self.bZtX - (C @ lam) @ W  # (G, k, p)
        Minv = np.linalg.inv(s.M) if p else np.zeros((0, 0))
        # each derivative is a trace against a k-by-k matrix summed over groups once
        Ksum = K.sum(axis=0)  # Σ_g A_g⁻¹Λ'C_g
        Eu = E.T @ u  # Σ_g E_g u_g'
        QMW = (Q @ Minv @ W.transpose(0, 2, 1)).sum(axis=0) if p else None  # Σ_g Q_g M⁻¹ W_g'
        Ds = self._dlambdas(theta)
        dlogA = np.array([2.0 * float((Ksum.T * D).sum()) for D in Ds])
        dr2 = np.array([-2.0 * float((Eu * D).sum()) for D in Ds])
        if p:
            dlogM = np.array([-2.0 * float((QMW * D).sum()) for D in Ds])
        else:
            dlogM = np.zeros(len(Ds))
        return dlogA, dr2, dlogM

    def deviance_and_gradient(self, theta: np.ndarray, reml: bool) -> tuple[float, np.ndarray]:
        s = self.solve(theta)
        f = self.deviance_of(s, reml)
        dA, dr2, dM = self.gradient_parts(theta, s)
        if reml:
            return f, dA + dM + (self.n - self.p) / s.r2 * dr2
        return f, dA + self.n / s.r2 * dr2

    def loglik_and_gradient(
        self, theta: np.ndarray, sigma2: float, reml: bool
    ) -> tuple[float, np.ndarray, float]:
        """ℓ(θ, σ²) with β profiled, its gradient in θ, and its derivative in σ²."""
        s = self.solve(theta)
        n = self.n - self.p if reml else self.n
        ll = -0.5 * (
            n * np.log(2 * np.pi * sigma2)
            + s.logdet_A
            + s.r2 / sigma2
            + (s.logdet_M if reml else 0.0)
        )
        dA, dr2, dM = self.gradient_parts(theta, s)
        g = -0.5 * (dA + dr2 / sigma2 + (dM if reml else 0.0))
        gs = -0.5 * (n / sigma2 - s.r2 / sigma2**2)
        return ll, g, gs

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
            return -0.5 * (
                (n - p) * np.log(2 * np.pi * sigma2) + s.logdet_A + s.logdet_M + s.r2 / sigma2
            )
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
        for _lv, off, k, g in zip(self.levels, self.offsets, self.ks, self.Gs):
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


@functools.lru_cache(maxsize=64)
def tril(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row-major lower-triangle indices of a k-by-k matrix (cached: numpy's are slow)."""
    return np.tril_indices(k)


def lambda_of(cov: str, k: int, t: np.ndarray) -> np.ndarray:
    """The relative covariance factor Λ (lower triangular) of one level from its θ."""
    if cov == "unstructured":
        lam = np.zeros((k, k))
        lam[tril(k)] = t
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
