"""The marginal log likelihood of a generalized linear mixed model, by integration over the
random effects ([ME] meglm, Methods and formulas; Pinheiro & Bates 1995; Rabe-Hesketh, Skrondal
& Pickles 2005).

The random effects of a level are written ``u = L v`` with ``v ~ N(0, I)`` and ``L`` a lower
Cholesky factor of the level's covariance, so every integral is against a standard normal and a
variance on the boundary (a zero column of ``L``) needs no special case.

* One level of random effects: each group's integral is separate. ``laplace`` is the Laplace
  approximation at the mode of the integrand; ``mcaghermite`` is Gauss-Hermite quadrature centred
  at that mode and scaled by the curvature there (Pinheiro & Bates; lme4's ``nAGQ``);
  ``mvaghermite``, Stata's default, centres and scales the rule at the posterior mean and
  covariance of the random effects, found as the fixed point of the quadrature's own moments
  (Rabe-Hesketh et al.); ``ghermite`` is the rule of the prior, not adapted. Groups are
  processed together, as arrays.
* Several levels: the Laplace approximation over all random effects jointly (one sparse Newton
  problem), for ``laplace`` and for crossed effects (Stata uses ``laplace`` for those too);
  nested levels are integrated by quadrature in :mod:`bayes_magic.fit.glmm_nested`, which
  finds its joint mode here.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import splu

from .glmm_family import Family

__all__ = ["SingleLevel", "JointLaplace", "rule"]

_LOG2PI = np.log(2 * np.pi)


def rule(q: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``z`` (Q^k by k) and log weights for ∫ g(z) dz = Σ exp(lw) g(z), Gauss-Hermite."""
    x, w = np.polynomial.hermite.hermgauss(q)
    z1 = np.sqrt(2.0) * x
    lw1 = np.log(w) + x * x + 0.5 * np.log(2.0)
    z = np.array(list(itertools.product(z1, repeat=k)), dtype=float).reshape(-1, k)
    lw = np.array([sum(t) for t in itertools.product(lw1, repeat=k)], dtype=float)
    return z, lw


def _segsum(a: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.add.reduceat(a, starts, axis=0)


class SingleLevel:
    """Per-group integrals for one level of random effects (observations sorted by group).

    Parameters
    ----------
    family
        The conditional distribution.
    y, trials, wt
        Responses, binomial trials (ones for Bernoulli and Poisson) and frequency weights.
    Z
        The n-by-k random-effects design.
    groups
        Group code of each observation, sorted ascending.
    """

    def __init__(
        self,
        family: Family,
        y: np.ndarray,
        trials: np.ndarray,
        wt: np.ndarray,
        Z: np.ndarray,
        groups: np.ndarray,
        G: int,
    ) -> None:
        self.family = family
        self.y, self.n, self.wt = y, trials, wt
        self.Z = Z
        self.groups = groups
        self.G = G
        self.k = Z.shape[1]
        self.starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        self.mode = np.zeros((G, self.k))
        self.center: np.ndarray | None = None
        self.scale: np.ndarray | None = None

    # -- the integrand -----------------------------------------------------------------------
    def _f(self, xb: np.ndarray, A: np.ndarray, v: np.ndarray, safe: bool = False):
        """Per-group log integrand at v (G by k), with gradient and Hessian; ``safe`` drops
        the positive curvature of a family that is not log-concave (a Newton direction that
        ascends)."""
        eta = xb + np.einsum("ik,ik->i", A, v[self.groups])
        ll, d1, d2 = self.family.loglik(self.y, self.n, eta)
        if safe:
            d2 = np.minimum(d2, 0.0)
        w = self.wt
        f = _segsum(w * ll, self.starts) - 0.5 * np.einsum("gk,gk->g", v, v)
        g = _segsum((w * d1)[:, None] * A, self.starts) - v
        H = _segsum((w * d2)[:, None, None] * A[:, :, None] * A[:, None, :], self.starts)
        H = H - np.eye(self.k)[None, :, :]
        return f, g, H

    def find_mode(self, xb: np.ndarray, A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Newton's method per group (with step halving): the mode and the Hessian there."""
        safe = not self.family.concave
        v = self.mode.copy()
        f, g, H = self._f(xb, A, v, safe)
        for _ in range(100):
            step = np.linalg.solve(-H, g[:, :, None])[:, :, 0]
            t = np.ones(self.G)
            for _half in range(40):
                cand = v + t[:, None] * step
                fc, gc, Hc = self._f(xb, A, cand, safe)
                worse = fc < f - 1e-12 * (1 + np.abs(f))
                if not worse.any():
                    break
                t = np.where(worse, t / 2, t)
            done = np.max(np.abs(cand - v)) < 1e-11
            v, f, g, H = cand, fc, gc, Hc
            if done:
                break
        self.mode = v
        if safe:
            H = self._f(xb, A, v)[2]
        return v, H

    def _adapted(self, xb: np.ndarray, A: np.ndarray, method: str, q: int):
        """The quadrature rule of each group: centres, scales, nodes and log weights, adapted
        as ``method`` says (kept for the next call: the mvaghermite fixed point starts there)."""
        k = self.k
        z, lw = rule(q, k)
        if method == "ghermite":
            return np.zeros((self.G, k)), np.broadcast_to(np.eye(k), (self.G, k, k)), z, lw
        mode, H = self.find_mode(xb, A)
        B = np.linalg.cholesky(np.linalg.inv(-H))
        if method == "mcaghermite":
            return mode, B, z, lw
        # mvaghermite: iterate centre and scale to the quadrature's posterior mean and covariance,
        # from the last call's rule where that integrates a group better than the Laplace rule at
        # the new mode does (a rule left far behind by a long step converges too slowly, and a
        # rule stopped short of convergence makes the likelihood and its gradient wrong)
        c, S = mode, B
        if self.center is not None and self.scale is not None:
            old = self._quad(xb, A, self.center, self.scale, z, lw)[0]
            new = self._quad(xb, A, mode, B, z, lw)[0]
            keep = old > new
            c = np.where(keep[:, None], self.center, mode)
            S = np.where(keep[:, None, None], self.scale, B)
        prev = None
        for _ in range(200):
            out, m, C = self._quad(xb, A, c, S, z, lw, moments=True)
            try:
                S_new = np.linalg.cholesky(C)
            except np.linalg.LinAlgError:
                S_new = B
            change = max(np.max(np.abs(m - c)), np.max(np.abs(S_new - S)))
            c, S = m, S_new
            if prev is not None and np.max(np.abs(out - prev)) < 1e-12 and change < 1e-9:
                break
            prev = out
        self.center, self.scale = c, S
        return c, S, z, lw

    def loglik(self, xb: np.ndarray, L: np.ndarray, method: str, q: int) -> np.ndarray:
        """Log integrals per group (without the constant of the family)."""
        A = self.Z @ L  # η gains A_i · v for the observation's group
        if method != "ghermite" and (method == "laplace" or q == 1):
            mode, H = self.find_mode(xb, A)
            f = self._f(xb, A, mode)[0]
            return f - 0.5 * np.linalg.slogdet(-H)[1]
        return self._quad(xb, A, *self._adapted(xb, A, method, q))[0]

    def gradient(
        self, xb: np.ndarray, X: np.ndarray, L: np.ndarray, method: str, q: int
    ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        """The quadrature log likelihood and its gradient in β, in L and in the family's
        parameters (cutpoints, ln α; often none), the rule's centre and scale held where the
        adaptation put them (as Stata's ``ml`` holds them between updates of the adaptive
        parameters); one pass over the nodes gives them all. ``X`` is sorted as the
        observations here."""
        A = self.Z @ L
        c, B, z, lw = self._adapted(xb, A, method, q)
        v = c[:, None, :] + np.einsum("gkl,jl->gjk", B, z)
        vg = v[self.groups]  # n x J x k
        eta = xb[:, None] + np.einsum("ik,ijk->ij", A, vg)
        ll, d1, _ = self.family.loglik(self.y[:, None], self.n[:, None], eta)
        s = _segsum(self.wt[:, None] * ll, self.starts)
        s = s - 0.5 * np.einsum("gjk,gjk->gj", v, v) - 0.5 * self.k * _LOG2PI + lw[None, :]
        top = s.max(axis=1, keepdims=True)
        p = np.exp(s - top)
        tot = p.sum(axis=1, keepdims=True)
        logdet = np.sum(np.log(np.abs(np.diagonal(B, axis1=1, axis2=2))), axis=1)
        total = float(np.sum(top[:, 0] + np.log(tot[:, 0]) + logdet))
        p /= tot
        wd = self.wt[:, None] * d1 * p[self.groups]  # n x J: each node's weight times dll/dη
        g_beta = X.T @ wd.sum(axis=1)
        # dη_ij/dL_ab = Z_ia v_jb
        g_L = np.einsum("ia,ij,ijb->ab", self.Z, wd, vg)
        sc = self.family.aux_scores(self.y[:, None], eta)  # n x J x (family parameters)
        g_aux = np.einsum("ij,ijc->c", self.wt[:, None] * p[self.groups], sc)
        return total, g_beta, g_L, g_aux

    def _quad(self, xb, A, c, B, z, lw, moments: bool = False):
        """Σ_j exp(lw_j) e^{f(c + B z_j)} |B|, per group, by log-sum-exp; optionally moments."""
        v = c[:, None, :] + np.einsum("gkl,jl->gjk", B, z)  # G x J x k
        eta = xb[:, None] + np.einsum("ik,ijk->ij", A, v[self.groups])
        ll = self.family.loglik(self.y[:, None], self.n[:, None], eta)[0]
        s = _segsum(self.wt[:, None] * ll, self.starts)  # G x J
        s = s - 0.5 * np.einsum("gjk,gjk->gj", v, v) - 0.5 * self.k * _LOG2PI + lw[None, :]
        top = s.max(axis=1, keepdims=True)
        e = np.exp(s - top)
        tot = e.sum(axis=1)
        logdet = np.sum(np.log(np.abs(np.diagonal(B, axis1=1, axis2=2))), axis=1)
        out = top[:, 0] + np.log(tot) + logdet
        if not moments:
            return out, None, None
        p = e / tot[:, None]
        m = np.einsum("gj,gjk->gk", p, v)
        d = v - m[:, None, :]
        C = np.einsum("gj,gjk,gjl->gkl", p, d, d)
        return out, m, C

    def posterior(self, xb: np.ndarray, L: np.ndarray, method: str, q: int):
        """Posterior means and covariances of u = L v per group (empirical Bayes)."""
        A = self.Z @ L
        mode, H = self.find_mode(xb, A)
        k = self.k
        B = np.linalg.cholesky(np.linalg.inv(-H))
        if method == "laplace" or q == 1:
            # Stata's ebmeans after laplace use the mode and the curvature (q = 1)
            m, C = mode, B @ np.swapaxes(B, 1, 2)
        else:
            z, lw = rule(max(q, 2), k)
            c, S = (mode, B) if self.center is None else (self.center, self.scale)
            if method in ("mcaghermite", "ghermite"):
                c, S = mode, B
            _, m, C = self._quad(xb, A, c, S, z, lw, moments=True)
        um = m @ L.T
        uC = L[None] @ C @ L.T[None]
        return um, uC


class JointLaplace:
    """The Laplace approximation over all random effects of several levels at once.

    ``levels`` holds, per level, (Z, groups, G): the columns of the joint design are level by
    level, group by group, effect by effect.
    """

    def __init__(self, family: Family, y, trials, wt, levels) -> None:
        self.family = family
        self.y, self.n, self.wt = y, trials, wt
        self.levels = levels
        self.sizes = [G * Z.shape[1] for Z, _g, G in levels]
        self.q = int(sum(self.sizes))
        nobs = len(y)
        rows, cols = [], []
        off = 0
        for Z, groups, _G in levels:
            k = Z.shape[1]
            for d in range(k):
                rows.append(np.arange(nobs))
                cols.append(off + groups * k + d)
            off += _G * k
        self._rows = np.concatenate(rows)
        self._cols = np.concatenate(cols)
        self.mode = np.zeros(self.q)

    def design(self, Ls: list[np.ndarray]) -> sparse.csr_matrix:
        vals = [(Z @ L).T.ravel() for (Z, _g, _G), L in zip(self.levels, Ls)]
        return sparse.csr_matrix(
            (np.concatenate(vals), (self._rows, self._cols)), shape=(len(self.y), self.q)
        )

    def _f(self, xb, A, v, safe: bool = False):
        eta = xb + A @ v
        ll, d1, d2 = self.family.loglik(self.y, self.n, eta)
        if safe:  # as SingleLevel._f
            d2 = np.minimum(d2, 0.0)
        w = self.wt
        f = float(np.sum(w * ll) - 0.5 * v @ v)
        g = A.T @ (w * d1) - v
        H = (A.T @ sparse.diags(-w * d2) @ A + sparse.identity(self.q)).tocsc()
        return f, g, H  # H is the negative Hessian

    def find_mode(self, xb, A):
        safe = not self.family.concave
        v = self.mode.copy()
        f, g, H = self._f(xb, A, v, safe)
        for _ in range(100):
            step = _solve(H, g)
            t = 1.0
            for _half in range(40):
                cand = v + t * step
                fc, gc, Hc = self._f(xb, A, cand, safe)
                if fc >= f - 1e-12 * (1 + abs(f)):
                    break
                t /= 2
            done = np.max(np.abs(cand - v)) < 1e-11 if self.q else True
            v, f, g, H = cand, fc, gc, Hc
            if done:
                break
        self.mode = v
        if safe:
            H = self._f(xb, A, v)[2]
        return v, f, H

    def loglik(self, xb: np.ndarray, Ls: list[np.ndarray]) -> float:
        A = self.design(Ls)
        _v, f, H = self.find_mode(xb, A)
        return f - 0.5 * _logdet(H)

    def modes(self, xb: np.ndarray, Ls: list[np.ndarray], covariances: bool = True):
        """Per level: the modes of u and their conditional covariances (from the joint Hessian;
        zeros without ``covariances``, which spares inverting it)."""
        A = self.design(Ls)
        v, _f, H = self.find_mode(xb, A)
        dense = self.q <= 3000
        Vinv = np.linalg.inv(H.toarray()) if dense and covariances else None
        lu = None if dense or not covariances else splu(H)
        out = []
        off = 0
        for (Z, _g, G), L in zip(self.levels, Ls):
            k = Z.shape[1]
            vv = v[off : off + G * k].reshape(G, k)
            covs = np.zeros((G, k, k))
            for gi in range(G if covariances else 0):
                sl = slice(off + gi * k, off + (gi + 1) * k)
                if Vinv is not None:
                    block = Vinv[sl, sl]
                else:  # the group's k columns of H⁻¹ by sparse solves
                    E = np.zeros((self.q, k))
                    E[np.arange(sl.start, sl.stop), np.arange(k)] = 1.0
                    block = np.column_stack([lu.solve(E[:, j]) for j in range(k)])[sl, :]
                covs[gi] = L @ block @ L.T
            out.append((vv @ L.T, covs))
            off += G * k
        return out


def _solve(H, g):
    if H.shape[0] == 0:
        return g
    if H.shape[0] <= 1500:
        return np.linalg.solve(H.toarray(), g)
    return splu(H).solve(g)


def _logdet(H) -> float:
    if H.shape[0] == 0:
        return 0.0
    if H.shape[0] <= 1500:
        return float(np.linalg.slogdet(H.toarray())[1])
    lu = splu(H)
    return float(np.sum(np.log(np.abs(lu.U.diagonal()))))
