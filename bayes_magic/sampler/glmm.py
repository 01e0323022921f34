"""The MCMC kernel of ``bayes: melogit``, ``meprobit``, ``mecloglog`` and ``mepoisson``.

It shares the linear kernel's model and state (:mod:`bayes_magic.sampler.linear`): the
covariance parameters are drawn by the same Gibbs steps (inverse-gamma, inverse-Wishart) and
adaptive MH blocks, the priors are evaluated by the same code, and the same adaptation rule
tunes every block ([BAYES] bayesmh, *Adaptation*). What differs is the likelihood, which has no
conjugate structure, so one iteration is

1. **Coefficients**: one adaptive random-walk Metropolis-Hastings block for β (Stata's default
   block for the coefficients of ``bayes: me*``).
2. **Random effects**: for each level, every group's effects by their own Metropolis-Hastings
   step (Stata samples the random effects of each group as a block), with a proposal shaped by
   that group's posterior covariance at the starting values (the Laplace approximation of the
   ``me*`` fit) and one scale per level, adapted to the target acceptance rate.
3. **Shifts**: for each random effect whose variable is also a fixed effect (the random
   intercept and ``_cons``, a random slope and its coefficient), the coefficient moves by δ and
   every group's effect by −δ. The linear predictor, hence the likelihood, does not change, and
   with normal (or flat) priors δ's full conditional is normal: an exact Gibbs draw along that
   line. It removes the slow mixing of a coefficient against the mean of its random effects
   (the "centred parameterization" problem) at O(groups) per iteration.
4. **Covariance parameters**: the linear kernel's Gibbs steps and MH blocks.

The linear predictor η = offset + Xβ + Σ Z b is kept in the state's ``resid`` vector and
updated as blocks move. Conditional distributions are chosen by an integer code, as everywhere
in the engine: 0 logit, 1 probit, 2 cloglog (binomial with trials), 3 Poisson.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from . import linear as K
from .densities import logpdf_scalar
from .rng import normal, uniform

__all__ = ["GData", "run_chunk", "loglik", "LOGIT", "PROBIT", "CLOGLOG", "POISSON"]

LOGIT, PROBIT, CLOGLOG, POISSON = 0, 1, 2, 3
RE = 5  # block type of a level's random effects (after the linear kernel's types)


class GData(NamedTuple):
    """The data of a GLMM, beside the linear kernel's :class:`~.linear.Model`."""

    fam: int
    y: np.ndarray  # (n,)
    ntr: np.ndarray  # (n,) binomial trials (1 for Bernoulli and Poisson)
    w: np.ndarray  # (n,) frequency weights
    off: np.ndarray  # (n,) offset
    X: np.ndarray  # (n, p)
    Z: np.ndarray  # (n, sum k) each level's random-effects design, level by level
    g: np.ndarray  # (n, nl) each observation's group per level
    order: np.ndarray  # (nl, n) observations sorted by group, per level
    start: np.ndarray  # (sum_l (G_l + 1),) first position in ``order`` of each group
    soff: np.ndarray  # (nl + 1,) offsets of each level's groups in ``start``
    Lprop: np.ndarray  # per group k x k proposal factor, flattened (the linear model's zzoff)
    const: float  # the log likelihood's constant (log binomial coefficients, -log y!)
    re_blk: np.ndarray  # (nl,) the MH block of each level's random effects
    #: (pairs, 3): level, effect and coefficient of each random effect whose variable is also
    #: a fixed effect (``_cons`` and ``U0``, ``x`` and ``U1``), for the shift steps
    shift: np.ndarray


@njit(cache=True)
def _log_ndtr(x: float) -> float:
    """log Φ(x), accurate in both tails: erfc keeps its relative accuracy down to about
    x = -37 (Φ of 1e-300); beyond, the asymptotic series of the Mills ratio (its next term is
    below 1e-10 there)."""
    if x > -37.0:
        if x > 5.0:
            return math.log1p(-0.5 * math.erfc(x / math.sqrt(2.0)))
        return math.log(0.5 * math.erfc(-x / math.sqrt(2.0)))
    x2 = x * x
    s = 1.0 - 1.0 / x2 + 3.0 / (x2 * x2) - 15.0 / (x2 * x2 * x2)
    return -0.5 * x2 - math.log(-x) - 0.5 * math.log(2.0 * math.pi) + math.log(s)


@njit(cache=True)
def ll_obs(fam: int, y: float, n: float, eta: float) -> float:
    """Log likelihood of one observation given η (without the constant)."""
    if fam == POISSON:
        return y * eta - math.exp(eta)
    if fam == LOGIT:
        # log(1 + e^η) computed stably
        if eta > 0.0:
            sp = eta + math.log1p(math.exp(-eta))
        else:
            sp = math.log1p(math.exp(eta))
        return y * eta - n * sp
    f = n - y
    if fam == PROBIT:
        out = 0.0
        if y > 0.0:
            out += y * _log_ndtr(eta)
        if f > 0.0:
            out += f * _log_ndtr(-eta)
        return out
    t = math.exp(eta)  # cloglog: log(1 - p) = -e^η
    out = -f * t
    if y > 0.0:
        out += y * math.log(-math.expm1(-t)) if t > 1e-300 else y * eta
    return out


@njit(cache=True)
def refresh_eta(m: K.Model, d: GData, st: K.State) -> None:
    n = d.y.shape[0]
    for i in range(n):
        e = d.off[i]
        for j in range(m.p):
            e += d.X[i, j] * st.beta[j]
        for lev in range(m.nl):
            k = m.k[lev]
            bo = m.boff[lev] + d.g[i, lev] * k
            zc = m.zcoff[lev]
            for t in range(k):
                e += d.Z[i, zc + t] * st.b[bo + t]
        st.resid[i] = e


@njit(cache=True)
def loglik(m: K.Model, d: GData, st: K.State) -> float:
    out = d.const
    for i in range(d.y.shape[0]):
        out += d.w[i] * ll_obs(d.fam, d.y[i], d.ntr[i], st.resid[i])
    return out


@njit(cache=True)
def _moments(st: K.State, blk: int, x: np.ndarray) -> None:
    """Running sums of a block's values, for the empirical proposal covariance."""
    d = x.shape[0]
    st.mh_count[blk] += 1.0
    for i in range(d):
        st.mh_sum[blk, i] += x[i]
        for j in range(d):
            st.mh_cross[blk, i, j] += x[i] * x[j]


@njit(cache=True)
def _beta_step(m: K.Model, d: GData, st: K.State, blk: int) -> None:
    p = m.p
    n = d.y.shape[0]
    L = st.mh_cov[blk, :p, :p].copy()
    if not K._chol_inplace(L):
        L = np.eye(p)
    z = np.empty(p)
    for i in range(p):
        z[i] = normal(st.rng)
    step = st.mh_scale[blk] * (L @ z)
    lp0 = 0.0
    lp1 = 0.0
    for j in range(p):
        a = m.beta_args[j]
        lp0 += logpdf_scalar(m.beta_code[j], st.beta[j], a[0], a[1], a[2])
        lp1 += logpdf_scalar(m.beta_code[j], st.beta[j] + step[j], a[0], a[1], a[2])
    eta1 = np.empty(n)
    if lp1 > -np.inf:
        for i in range(n):
            e = st.resid[i]
            for j in range(p):
                e += d.X[i, j] * step[j]
            eta1[i] = e
            lp0 += d.w[i] * ll_obs(d.fam, d.y[i], d.ntr[i], st.resid[i])
            lp1 += d.w[i] * ll_obs(d.fam, d.y[i], d.ntr[i], e)
    st.tries[blk] += 1.0
    st.mh_win_n[blk] += 1.0
    if lp1 > -np.inf and math.log(uniform(st.rng)) < lp1 - lp0:
        st.acc[blk] += 1.0
        st.mh_win_acc[blk] += 1.0
        for j in range(p):
            st.beta[j] += step[j]
        for i in range(n):
            st.resid[i] = eta1[i]
    _moments(st, blk, st.beta)


@njit(cache=True)
def _re_step(m: K.Model, d: GData, st: K.State, lev: int, blk: int) -> None:
    """Each group's effects by a Metropolis-Hastings step; one adapted scale per level."""
    k = m.k[lev]
    o = m.zzk[lev]
    S = st.Sig[o : o + k * k].reshape(k, k).copy()
    Li = S.copy()
    ok = K._chol_inplace(Li)
    bo = m.boff[lev]
    zc = m.zcoff[lev]
    so = d.soff[lev]
    scale = st.mh_scale[blk]
    b0 = np.empty(k)
    b1 = np.empty(k)
    z = np.empty(k)
    for grp in range(m.G[lev]):
        po = m.zzoff[lev] + grp * k * k
        for t in range(k):
            z[t] = normal(st.rng)
        for t in range(k):
            b0[t] = st.b[bo + grp * k + t]
            acc = 0.0
            for u in range(t + 1):
                acc += d.Lprop[po + t * k + u] * z[u]
            b1[t] = b0[t] + scale * acc
        # prior: -½ b'Σ⁻¹b through the Cholesky factor of Σ
        if ok:
            q0 = K._solve_lower(Li, b0)
            q1 = K._solve_lower(Li, b1)
            lp0 = -0.5 * np.dot(q0, q0)
            lp1 = -0.5 * np.dot(q1, q1)
        else:  # a singular Σ (a variance at zero): only b = 0 has density
            lp0 = 0.0
            lp1 = -np.inf
        if lp1 > -np.inf:
            for r in range(d.start[so + grp], d.start[so + grp + 1]):
                i = d.order[lev, r]
                delta = 0.0
                for t in range(k):
                    delta += d.Z[i, zc + t] * (b1[t] - b0[t])
                lp0 += d.w[i] * ll_obs(d.fam, d.y[i], d.ntr[i], st.resid[i])
                lp1 += d.w[i] * ll_obs(d.fam, d.y[i], d.ntr[i], st.resid[i] + delta)
        st.tries[blk] += 1.0
        st.mh_win_n[blk] += 1.0
        if lp1 > -np.inf and math.log(uniform(st.rng)) < lp1 - lp0:
            st.acc[blk] += 1.0
            st.mh_win_acc[blk] += 1.0
            for r in range(d.start[so + grp], d.start[so + grp + 1]):
                i = d.order[lev, r]
                delta = 0.0
                for t in range(k):
                    delta += d.Z[i, zc + t] * (b1[t] - b0[t])
                st.resid[i] += delta
            for t in range(k):
                st.b[bo + grp * k + t] = b1[t]


@njit(cache=True)
def _shift_step(m: K.Model, d: GData, st: K.State) -> None:
    for r in range(d.shift.shape[0]):
        lev = d.shift[r, 0]
        j = d.shift[r, 1]
        f = d.shift[r, 2]
        code = m.beta_code[f]
        if code != 0 and code != 1:  # only flat and normal priors give a normal conditional
            continue
        k = m.k[lev]
        o = m.zzk[lev]
        S = st.Sig[o : o + k * k].reshape(k, k).copy()
        L = S.copy()
        if not K._chol_inplace(L):
            continue
        P = K._inv_spd(S)
        G = m.G[lev]
        bo = m.boff[lev]
        A = G * P[j, j]
        B = 0.0
        for grp in range(G):
            for t in range(k):
                B += P[j, t] * st.b[bo + grp * k + t]
        if code == 1:
            a = m.beta_args[f]
            A += 1.0 / a[1]
            B += (a[0] - st.beta[f]) / a[1]
        if not A > 0.0:
            continue
        delta = B / A + normal(st.rng) / math.sqrt(A)
        st.beta[f] += delta
        for grp in range(G):
            st.b[bo + grp * k + j] -= delta


@njit(cache=True)
def iterate(m: K.Model, d: GData, st: K.State, adapt: bool) -> None:
    nb = m.blk_type.shape[0]
    for blk in range(nb):
        if m.blk_type[blk] == K.BETA:
            _beta_step(m, d, st, blk)
    for lev in range(m.nl):
        _re_step(m, d, st, lev, d.re_blk[lev])
    _shift_step(m, d, st)
    K._variance_step(m, st)
    for blk in range(nb):
        t = m.blk_type[blk]
        if t != K.BETA and t != RE:
            K._mh_step(m, st, blk)
    st.it[0] += 1.0
    if adapt and int(st.it[0]) % m.every == 0:
        for blk in range(nb):
            K._adapt(m, st, blk)


@njit(cache=True)
def run_chunk(
    m: K.Model,
    d: GData,
    st: K.State,
    n_iter: int,
    thin: int,
    adapt: bool,
    keep: bool,
    draws: np.ndarray,
    re_draws: np.ndarray,
    ll: np.ndarray,
    lpri: np.ndarray,
    start: int,
) -> int:
    """Run ``n_iter`` iterations; when ``keep``, store every ``thin``-th from row ``start``.

    Returns the next free row (the linear kernel's ``run_chunk``, with the GLMM's data)."""
    refresh_eta(m, d, st)  # exact η at every chunk's start: no drift from updates
    row = start
    nparam = draws.shape[1]
    buf = np.empty(nparam + 1)  # the linear record ends with σ², which a GLMM has not
    for t in range(n_iter):
        iterate(m, d, st, adapt)
        if keep and (t + 1) % thin == 0:
            K.record(m, st, buf)
            for j in range(nparam):
                draws[row, j] = buf[j]
            for i in range(st.b.shape[0]):
                re_draws[row, i] = st.b[i]
            ll[row] = loglik(m, d, st)
            lpri[row] = K.logprior(m, st)
            row += 1
    return row
