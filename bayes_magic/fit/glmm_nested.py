"""Adaptive Gauss-Hermite quadrature over nested levels of random effects ([ME] meglm, Methods
and formulas; Pinheiro & Chao 2006, J. Comput. Graph. Stat. 15(1); Rabe-Hesketh, Skrondal &
Pickles 2005, J. Econometrics 128).

The random effects of level d are ``u = L_d v`` with ``v ~ N(0, I)``, levels ordered from the
top (``|| comm: || mom:`` has comm first). Each top-level cluster's likelihood is a nested
integral: the groups of a level are independent given their ancestors, so

    L_c = ∫ φ(v_c) Π_{children g} [ ∫ φ(v_g) Π ... Π_{obs i} f(y_i | η_i) dv_g ] dv_c.

Every level's integral is a product Gauss-Hermite rule of ``q^k`` nodes, put where the
integrand's mass is by an affine map of all of a cluster's effects at once,
``v = m + B z``, with ``B`` lower block-triangular from the top down (a group's nodes move
with its ancestors' nodes):

* ``v_g = m_g + Σ_{ancestors e} K_ge (v_e - m_e) + S_g z_g``, where ``K_ge`` is the slope of
  the group's conditional centre on its ancestors and ``S_g`` the Cholesky factor of its
  conditional spread;
* ``mcaghermite``: ``m`` is the joint posterior mode of all the effects and ``K``, ``S`` come
  from the curvature there (the negative Hessian ``H`` with each group's descendants
  eliminated, ``S_g S_g' = H̃_gg⁻¹``, ``K_ge = -H̃_gg⁻¹ H̃_ge``): the quadrature analogue of
  Pinheiro & Chao's multilevel adaptive rule;
* ``mvaghermite`` (Stata's default): ``m``, ``K`` and ``S`` are the posterior means and
  covariances of the effects (each group's covariance with its ancestors), computed by the
  quadrature itself and iterated to a fixed point from the mode-curvature rule, as the
  one-level rule is (:class:`~.glmm_integrate.SingleLevel`);
* ``ghermite``: ``m = 0``, ``K = 0``, ``S = I`` (the prior's rule).

The rule costs ``n · q^(k_1 + ... + k_D)`` evaluations of the observation likelihood.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.special import logsumexp

from .glmm_family import Family
from .glmm_integrate import JointLaplace, rule

__all__ = ["NestedQuadrature", "nested_parents"]

_LOG2PI = np.log(2 * np.pi)
#: the most observation-by-node cells a rule may hold (about 400 MB per float array)
_MAX_CELLS = 50_000_000


def nested_parents(groups: list[np.ndarray], sizes: list[int]) -> list[np.ndarray] | None:
    """For levels ordered from the top, each group's parent group one level up (None when a
    level's groups are not nested in the level above's, as with crossed effects)."""
    parents = []
    for d in range(1, len(groups)):
        par = np.full(sizes[d], -1, dtype=np.int64)
        par[groups[d]] = groups[d - 1]
        check = par[groups[d]]
        if (par < 0).any() or not np.array_equal(check, groups[d - 1]):
            return None
        parents.append(par)
    return parents


class NestedQuadrature:
    """The marginal log likelihood of nested levels by adaptive quadrature.

    Parameters
    ----------
    family
        The conditional distribution.
    y, trials, wt
        Responses, binomial trials and frequency weights.
    levels
        Per level, from the top: (Z, groups, G), the n-by-k design of the level's effects and
        each observation's group.
    parents
        From :func:`nested_parents`.
    """

    def __init__(self, family: Family, y, trials, wt, levels, parents) -> None:
        self.joint = JointLaplace(family, y, trials, wt, levels)
        self.family = family
        self.levels = levels
        self.D = len(levels)
        self.k = [Z.shape[1] for Z, _g, _G in levels]
        self.G = [G for _Z, _g, G in levels]
        # observations sorted by their bottom-level group (a segment per group)
        self.order = np.argsort(levels[-1][1], kind="stable")
        self.y, self.n, self.wt = y[self.order], trials[self.order], wt[self.order]
        self.obs_groups = [g[self.order] for _Z, g, _G in levels]
        leaf = self.obs_groups[-1]
        self.starts = np.flatnonzero(np.r_[True, leaf[1:] != leaf[:-1]])
        # each group's ancestor at every level above (anc[d][e]: level d's groups -> level e)
        self.anc: list[list[np.ndarray]] = []
        for d in range(self.D):
            chain = [np.arange(self.G[d])]
            for e in range(d - 1, -1, -1):
                chain.insert(0, parents[e][chain[0]])
            self.anc.append(chain)
        # summing a level's per-group values into their parents
        self.up = [
            sparse.csr_matrix(
                (np.ones(self.G[d]), (parents[d - 1], np.arange(self.G[d]))),
                shape=(self.G[d - 1], self.G[d]),
            )
            for d in range(1, self.D)
        ]

    @property
    def family(self) -> Family:
        """The conditional distribution (its cutpoints or ln α change as the fit moves; the
        joint mode finder follows)."""
        return self._family

    @family.setter
    def family(self, fam: Family) -> None:
        self._family = fam
        self.joint.family = fam

    def check_size(self, q: int) -> None:
        """Refuse a rule whose arrays (observations × nodes of every level) would not fit in
        memory: q^(k_1 + ... + k_D) nodes per observation.

        Raises
        ------
        StataError
            r(909) with the count and the ways out.
        """
        from ..errors import StataError

        nodes = q ** sum(self.k)
        if len(self.y) * nodes > _MAX_CELLS:
            raise StataError(
                f"adaptive quadrature over these nested levels needs {nodes:,} points per "
                f"observation ({len(self.y):,} observations): too many; use fewer intpoints() "
                "or intmethod(laplace)",
                909,
            )

    # -- the rule's placement -------------------------------------------------------------------
    def _mode_rule(self, xb: np.ndarray, Ls: list[np.ndarray]):
        """Centres, slopes on the ancestors and conditional Cholesky factors from the joint
        mode and the curvature there (descendants eliminated level by level)."""
        A_sparse = self.joint.design(Ls)
        v, _f, _H = self.joint.find_mode(xb, A_sparse)
        m, off = [], 0
        for d in range(self.D):
            m.append(v[off : off + self.G[d] * self.k[d]].reshape(self.G[d], self.k[d]))
            off += self.G[d] * self.k[d]
        A = [(Z @ L)[self.order] for (Z, _g, _G), L in zip(self.levels, Ls)]
        eta = xb[self.order] + sum(
            np.einsum("ik,ik->i", A[d], m[d][self.obs_groups[d]]) for d in range(self.D)
        )
        d2 = np.minimum(self.family.loglik(self.y, self.n, eta)[2], 0.0)
        wd = self.wt * -d2
        # Hb[d][e]: (G_d, k_d, k_e) block between a level-d group and its level-e ancestor
        Hb: list[list[np.ndarray]] = []
        for d in range(self.D):
            row = []
            for e in range(d + 1):
                blk = np.zeros((self.G[d], self.k[d], self.k[e]))
                np.add.at(
                    blk,
                    self.obs_groups[d],
                    wd[:, None, None] * A[d][:, :, None] * A[e][:, None, :],
                )
                if e == d:
                    blk += np.eye(self.k[d])
                row.append(blk)
            Hb.append(row)
        K: list[list[np.ndarray]] = [[] for _ in range(self.D)]
        S: list[np.ndarray] = [np.empty(0)] * self.D
        for d in range(self.D - 1, -1, -1):
            inv = np.linalg.inv(Hb[d][d])
            S[d] = np.linalg.cholesky((inv + np.swapaxes(inv, 1, 2)) / 2)
            K[d] = [-inv @ Hb[d][e] for e in range(d)]
            for b in range(d):  # eliminate level d into its ancestors' blocks
                for a in range(b + 1):
                    upd = np.swapaxes(Hb[d][b], 1, 2) @ inv @ Hb[d][a]
                    np.subtract.at(Hb[b][a], self.anc[d][b], upd)
        return m, K, S

    def _nodes(self, m, K, S, q: int):
        """Every level's effects at the rule's nodes: ``v[d]`` of shape
        (G_d, J_0, ..., J_d, k_d), and the nodes' log weights per level."""
        v: list[np.ndarray] = []
        lws = []
        for d in range(self.D):
            z, lw = rule(q, self.k[d])
            lws.append(lw)
            vd = np.einsum("gab,jb->gja", S[d], z)  # (G_d, J_d, k_d)
            vd = vd.reshape(self.G[d], *([1] * d), len(lw), self.k[d])
            vd = vd + m[d].reshape(self.G[d], *([1] * (d + 1)), self.k[d])
            for e in range(d):
                ve = v[e][self.anc[d][e]] - m[e][self.anc[d][e]].reshape(
                    self.G[d], *([1] * (e + 1)), self.k[e]
                )
                shift = np.einsum("gab,g...b->g...a", K[d][e], ve)
                vd = vd + shift.reshape(*shift.shape[:-1], *([1] * (d - e)), self.k[d])
            v.append(vd)
        return v, lws

    def _pass(self, xb: np.ndarray, Ls, m, K, S, q: int, keep: bool = False):
        """The log integrals of the top-level clusters, each level's log integrand at the
        nodes (for the posterior weights) and the nodes; with ``keep`` also the linear
        predictor and dll/dη at the nodes (for the gradient)."""
        v, lws = self._nodes(m, K, S, q)
        D = self.D
        A = [(Z @ L)[self.order] for (Z, _g, _G), L in zip(self.levels, Ls)]
        eta = xb[self.order].reshape(-1, *([1] * D))
        for d in range(D):
            vd = v[d][self.obs_groups[d]]  # (n, J_0..J_d, k_d)
            term = np.einsum("ik,i...k->i...", A[d], vd)
            eta = eta + term.reshape(*term.shape, *([1] * (D - 1 - d)))
        ll, d1, _d2 = self.family.loglik(
            self.y.reshape(-1, *([1] * D)), self.n.reshape(-1, *([1] * D)), eta
        )
        inner = np.add.reduceat(self.wt.reshape(-1, *([1] * D)) * ll, self.starts, axis=0)
        logs = []
        for d in range(D - 1, -1, -1):
            s = inner - 0.5 * np.einsum("g...k,g...k->g...", v[d], v[d])
            s = s - 0.5 * self.k[d] * _LOG2PI + lws[d].reshape(*([1] * (d + 1)), -1)
            logdet = np.sum(np.log(np.abs(np.diagonal(S[d], axis1=1, axis2=2))), axis=1)
            logs.insert(0, s)
            out = logsumexp(s, axis=-1) + logdet.reshape(-1, *([1] * d))
            if d:
                flat = self.up[d - 1] @ out.reshape(self.G[d], -1)
                inner = flat.reshape(self.G[d - 1], *out.shape[1:])
        if keep:
            return out, logs, v, eta, d1
        return out, logs, v

    def _weights(self, logs):
        """Posterior probabilities of the node combinations, level by level from the top:
        W[d] of shape (G_d, J_0, ..., J_d)."""
        W = []
        for d, s in enumerate(logs):
            p = np.exp(s - logsumexp(s, axis=-1, keepdims=True))
            if d:
                p = p * W[d - 1][self.anc[d][d - 1]][..., None]
            W.append(p)
        return W

    def _moments_of(self, W, v):
        """Posterior means of each level's effects and covariances of a group's effects with
        its own and each ancestor's: C[d][e] of shape (G_d, k_d, k_e)."""
        D = self.D
        Wf = [W[d].reshape(self.G[d], -1) for d in range(D)]
        means = [
            np.einsum("gj,gjk->gk", Wf[d], v[d].reshape(self.G[d], -1, self.k[d])) for d in range(D)
        ]
        C: list[list[np.ndarray]] = []
        for d in range(D):
            full = v[d].shape[:-1]
            dv = (v[d] - means[d].reshape(self.G[d], *([1] * (d + 1)), self.k[d])).reshape(
                self.G[d], -1, self.k[d]
            )
            row = []
            for e in range(d + 1):
                ea = self.anc[d][e]
                de = v[e][ea] - means[e][ea].reshape(self.G[d], *([1] * (e + 1)), self.k[e])
                de = de.reshape(*de.shape[:-1], *([1] * (d - e)), self.k[e])
                de = np.broadcast_to(de, (*full, self.k[e])).reshape(self.G[d], -1, self.k[e])
                row.append(np.einsum("gj,gja,gjb->gab", Wf[d], dv, de))
            C.append(row)
        return means, C

    def _moment_rule(self, means, C):
        """Centres, slopes and conditional Cholesky factors from posterior moments:
        ``K = C_g,anc C_anc⁻¹`` and ``S S' = C_gg - K C_anc,g`` (the Gaussian conditional)."""
        S, K = [], []
        for d in range(self.D):
            if d == 0:
                S.append(np.linalg.cholesky(C[0][0]))
                K.append([])
                continue
            sizes = self.k[:d]
            ks = np.cumsum([0, *sizes])
            Gd = self.G[d]
            Caa = np.zeros((Gd, ks[-1], ks[-1]))
            for b in range(d):
                for a in range(b + 1):
                    blk = C[b][a][self.anc[d][b]]  # level-b ancestor with its level-a ancestor
                    Caa[:, ks[b] : ks[b + 1], ks[a] : ks[a + 1]] = blk
                    Caa[:, ks[a] : ks[a + 1], ks[b] : ks[b + 1]] = np.swapaxes(blk, 1, 2)
            Cga = np.concatenate(C[d][:d], axis=2)
            Kd = np.linalg.solve(Caa, np.swapaxes(Cga, 1, 2)).swapaxes(1, 2)
            cond = C[d][d] - Kd @ np.swapaxes(Cga, 1, 2)
            S.append(np.linalg.cholesky((cond + np.swapaxes(cond, 1, 2)) / 2))
            K.append([Kd[:, :, ks[e] : ks[e + 1]] for e in range(d)])
        return means, K, S

    def _rule(self, xb, Ls, method: str, q: int):
        """The rule's centres, slopes and factors for ``method``; the mean-variance iteration
        starts from the mode-curvature rule every time, so the likelihood is a function of the
        parameters alone."""
        if method == "ghermite":
            m = [np.zeros((G, k)) for G, k in zip(self.G, self.k)]
            K = [
                [np.zeros((self.G[d], self.k[d], self.k[e])) for e in range(d)]
                for d in range(self.D)
            ]
            S = [np.broadcast_to(np.eye(k), (G, k, k)) for G, k in zip(self.G, self.k)]
            return m, K, S
        rule0 = self._mode_rule(xb, Ls)
        if method == "mcaghermite":
            return rule0
        # mvaghermite: the posterior moments of the rule, to their fixed point
        cur = rule0
        prev = None
        for _ in range(100):
            try:
                out, logs, v = self._pass(xb, Ls, *cur, q)
                new = self._moment_rule(*self._moments_of(self._weights(logs), v))
            except np.linalg.LinAlgError:
                cur, prev = rule0, None
                break
            total = float(np.sum(out))
            change = max(np.max(np.abs(a - b)) for a, b in zip(new[0], cur[0]))
            cur = new
            if prev is not None and abs(total - prev) < 1e-10 * (1 + abs(total)) and change < 1e-8:
                break
            prev = total
        return cur

    # -- the public face ------------------------------------------------------------------------
    def loglik(self, xb: np.ndarray, Ls: list[np.ndarray], method: str, q: int) -> float:
        """The marginal log likelihood (without the family's constant)."""
        out = self._pass(xb, Ls, *self._rule(xb, Ls, method, q), q)[0]
        return float(np.sum(out))

    def gradient(self, xb: np.ndarray, X: np.ndarray, Ls: list[np.ndarray], method: str, q: int):
        """The log likelihood and its gradient in β, in each level's L and in the family's
        parameters, the rule held where the adaptation put it (as
        :meth:`~.glmm_integrate.SingleLevel.gradient`): each observation's terms weighted by
        the posterior probability of its node combination."""
        out, logs, v, eta, d1 = self._pass(xb, Ls, *self._rule(xb, Ls, method, q), q, keep=True)
        D, n = self.D, len(self.y)
        W = self._weights(logs)[-1][self.obs_groups[-1]]  # (n, J_0..J_{D-1})
        Wt = self.wt.reshape(-1, *([1] * D)) * W
        wd = Wt * d1
        g_beta = X[self.order].T @ wd.reshape(n, -1).sum(axis=1)
        g_L = []
        for d, (Z, _g, _G) in enumerate(self.levels):
            part = wd.reshape(n, *wd.shape[1 : d + 2], -1).sum(axis=-1).reshape(n, -1)
            vd = v[d][self.obs_groups[d]].reshape(n, -1, self.k[d])
            g_L.append(np.einsum("ia,ij,ijb->ab", Z[self.order], part, vd))
        sc = self.family.aux_scores(self.y.reshape(-1, *([1] * D)), eta)
        g_aux = np.zeros(sc.shape[-1])
        if sc.shape[-1]:
            g_aux = np.einsum("ij,ijc->c", Wt.reshape(n, -1), sc.reshape(n, -1, sc.shape[-1]))
        return float(np.sum(out)), g_beta, g_L, g_aux

    def posterior(self, xb: np.ndarray, Ls: list[np.ndarray], method: str, q: int):
        """Per level: posterior means of u = L v (G by k) and their covariances (G by k by k)
        by the quadrature (empirical Bayes means, Stata's ``ebmeans``)."""
        m, K, S = self._rule(xb, Ls, method, q)
        _out, logs, v = self._pass(xb, Ls, m, K, S, q)
        means, C = self._moments_of(self._weights(logs), v)
        return [(mu @ L.T, L[None] @ row[-1] @ L.T[None]) for mu, row, L in zip(means, C, Ls)]

    def modes(self, xb: np.ndarray, Ls: list[np.ndarray], covariances: bool = True):
        """Posterior modes and the curvature there (``ebmodes``), as the Laplace fit has them."""
        return self.joint.modes(xb, Ls, covariances)
