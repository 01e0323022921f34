"""The MCMC kernel of normal linear models with random effects (one compiled engine).

One iteration, in this order:

1. **Fixed and random effects jointly.** For each level in turn, (β, b_l) is drawn from its full
   conditional given the other levels: β from its distribution with b_l integrated out (the
   Schur complement of the joint precision, computed group by group), then each b_lg given β.
   This joint block is what removes the slow mixing of intercepts against random intercepts.
   Coefficients with non-normal priors (β_M) are first updated by adaptive
   Metropolis-Hastings (one block) on their collapsed target, the random effects of the first
   level and the other coefficients integrated out of the Gaussian part; the others (β_G)
   are then drawn jointly with the random effects given β_M (precision Q_GG, mean
   Q_GG⁻¹(r_G − Q_GM β_M)). A partially collapsed Gibbs sampler: neither an intercept with a
   uniform prior nor the others random-walk against the random intercepts.
2. **Residual variance**: inverse-gamma conjugate draw (or MH on log σ² for other priors).
3. **Random-effects covariance**: inverse-Wishart draw for an unstructured matrix,
   inverse-gamma draws for identity/independent/exchangeable variances (given ρ), MH for the
   exchangeable correlation; for t-distributed effects, gamma draws of the latent precisions
   and MH on log df.

With one grouping factor every quantity comes from per-group sufficient statistics computed once
(Z_g'Z_g, Z_g'X_g, Z_g'y, X'X, X'y, y'y), so an iteration costs O(groups), whatever n. With several
levels a residual vector is kept and updated.

MH blocks adapt as Stata's do ([BAYES] bayesmh, *Adaptation*): every ``every`` iterations until
``maxiter`` adaptations (or tolerance after ``miniter``), acceptance smoothed with ``alpha``,
scale ``ρ_k = ρ_{k-1} exp(β_k(Φ⁻¹(AR_k/2) − Φ⁻¹(TAR/2)))`` and proposal covariance
``Σ_k = (1−β_k)Σ_{k−1} + β_k Σ̂``, ``β_k = β/k^γ``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from .densities import logpdf_iwishart, logpdf_jeffreys_matrix, logpdf_scalar
from .rng import chi2, gamma, normal, uniform

__all__ = ["Model", "State", "run_chunk", "ndtri"]

# block types of Metropolis-Hastings updates
BETA, LOGS2, LOGVAR, RHO, LOGDF = 0, 1, 2, 3, 4
# covariance structures
UNSTRUCTURED, INDEPENDENT, IDENTITY, EXCHANGEABLE = 0, 1, 2, 3


class Model(NamedTuple):
    """Everything fixed during sampling (arrays, so that one compiled kernel serves all models)."""

    n: float
    p: int
    nl: int
    multi: int  # 1 when a residual vector is kept (several levels)
    yty: float
    Xty: np.ndarray  # (p,)
    XtX: np.ndarray  # (p, p)
    G: np.ndarray  # (nl,) groups per level
    k: np.ndarray  # (nl,) effects per level
    boff: np.ndarray  # (nl+1,) offsets of each level's effects in b
    zzoff: np.ndarray  # (nl+1,) offsets into gZZ
    zxoff: np.ndarray  # (nl+1,) offsets into gZX
    gZZ: np.ndarray  # per group Z_g'Z_g, flattened
    gZX: np.ndarray  # per group Z_g'X_g, flattened
    gZy: np.ndarray  # per group Z_g'y, flattened like b
    y: np.ndarray  # (n,) (several levels only)
    X: np.ndarray  # (n, p) (several levels only)
    w: np.ndarray  # (n,) frequency weights (several levels only)
    obs_g: np.ndarray  # (n, nl) group of each observation per level (several levels only)
    obs_Z: np.ndarray  # (n, sum k) random-effects design (several levels only)
    zcoff: np.ndarray  # (nl+1,) column offsets into obs_Z
    beta_gibbs: int  # 1 when some coefficients are drawn jointly with the random effects
    beta_mh: np.ndarray  # (p,) 1 for a coefficient updated by MH (a non-normal prior)
    b0: np.ndarray  # (p,) prior mean of β (Gibbs)
    P0: np.ndarray  # (p, p) prior precision of β (Gibbs)
    beta_code: np.ndarray  # (p,) prior codes of β (MH)
    beta_args: np.ndarray  # (p, 3)
    s2_gibbs: int
    s2_a: float
    s2_b: float
    s2_code: int
    s2_args: np.ndarray  # (3,)
    struct: np.ndarray  # (nl,)
    iw_df: np.ndarray  # (nl,)
    iw_S: np.ndarray  # flattened k*k per level (offsets zzk)
    zzk: np.ndarray  # (nl+1,) offsets of k*k blocks
    nvar: np.ndarray  # (nl,) variance parameters per level
    voff: np.ndarray  # (nl+1,)
    var_gibbs: np.ndarray  # (sum nvar,)
    var_a: np.ndarray
    var_b: np.ndarray
    var_code: np.ndarray
    var_args: np.ndarray  # (sum nvar, 3)
    rho_code: np.ndarray  # (nl,)
    rho_args: np.ndarray  # (nl, 3)
    tdist: np.ndarray  # (nl,) 1 for split t random effects
    df_code: np.ndarray  # (nl,)
    df_args: np.ndarray  # (nl, 3)
    blk_type: np.ndarray  # (nb,)
    blk_level: np.ndarray  # (nb,)
    blk_j: np.ndarray  # (nb,)
    blk_dim: np.ndarray  # (nb,)
    blk_tar: np.ndarray  # (nb,) target acceptance rates
    every: int
    maxiter: int
    miniter: int
    alpha: float
    beta: float
    gamma: float
    tol: float


class State(NamedTuple):
    """What a chain carries from one iteration to the next (contents updated in place)."""

    beta: np.ndarray
    b: np.ndarray
    s2: np.ndarray  # (1,)
    Sig: np.ndarray  # flattened covariance matrices (offsets zzk)
    var: np.ndarray  # variance parameters
    rho: np.ndarray  # (nl,)
    df: np.ndarray  # (nl,)
    wt: np.ndarray  # (q,) latent precisions of t effects (1 for normal effects)
    resid: np.ndarray  # (n,) y - Xβ - Zb (several levels only)
    rng: np.ndarray  # (4,) uint64
    it: np.ndarray  # (1,) iterations done
    mh_scale: np.ndarray  # (nb,)
    mh_cov: np.ndarray  # (nb, dmax, dmax)
    mh_ar: np.ndarray  # (nb,) smoothed acceptance rate
    mh_win_acc: np.ndarray  # (nb,) accepted in the current window
    mh_win_n: np.ndarray  # (nb,)
    mh_nadapt: np.ndarray  # (nb,)
    mh_done: np.ndarray  # (nb,)
    mh_sum: np.ndarray  # (nb, dmax) running sums of the block's values
    mh_cross: np.ndarray  # (nb, dmax, dmax)
    mh_count: np.ndarray  # (nb,)
    acc: np.ndarray  # (nb,) accepted proposals (whole run)
    tries: np.ndarray  # (nb,)
    # scratch space, so that the hot loops allocate nothing
    wL: np.ndarray  # (max_l G_l k_l k_l,) Cholesky factors of the groups' precisions
    wPi: np.ndarray  # (kmax, kmax) the random effects' prior precision
    wKP: np.ndarray  # (kmax, p)
    wK: np.ndarray  # (kmax,)
    wK2: np.ndarray  # (kmax,)
    wQ: np.ndarray  # (p, p)
    wP: np.ndarray  # (p,)
    wP2: np.ndarray  # (p,)
    wZy: np.ndarray  # (max_l G_l k_l,)
    wLam: np.ndarray  # (p, p) precision of the MH coefficients with the others integrated out
    weta: np.ndarray  # (p,) its linear term
    collapse: np.ndarray  # (1,) 1 while the MH block targets that collapsed Gaussian


# ---------------------------------------------------------------------------------------------
# numerical helpers


@njit(cache=True)
def ndtri(p: float) -> float:
    """The standard normal quantile (Acklam's rational approximation, error below 1.2e-9,
    refined by one Halley step)."""
    a = (
        -3.969683028665376e01,
        2.209460984245205e02,
        -2.759285104469687e02,
        1.383577518672690e02,
        -3.066479806614716e01,
        2.506628277459239e00,
    )
    b = (
        -5.447609879822406e01,
        1.615858368580409e02,
        -1.556989798598866e02,
        6.680131188771972e01,
        -1.328068155288572e01,
    )
    c = (
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e00,
        -2.549732539343734e00,
        4.374664141464968e00,
        2.938163982698783e00,
    )
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
    if p <= 0.0:
        return -np.inf
    if p >= 1.0:
        return np.inf
    if p < 0.02425:
        q = np.sqrt(-2.0 * np.log(p))
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0
        )
    elif p > 1.0 - 0.02425:
        q = np.sqrt(-2.0 * np.log(1.0 - p))
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
            (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0
        )
    else:
        q = p - 0.5
        r = q * q
        x = (
            (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
            * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0)
        )
    e = 0.5 * _erfc(-x / np.sqrt(2.0)) - p
    u = e * np.sqrt(2.0 * np.pi) * np.exp(0.5 * x * x)
    return x - u / (1.0 + 0.5 * x * u)


@njit(cache=True)
def _erfc(x: float) -> float:
    return 1.0 - _erf(x)


@njit(cache=True)
def _erf(x: float) -> float:
    return math.erf(x)


@njit(cache=True)
def _chol_inplace(A: np.ndarray) -> bool:
    """Lower Cholesky factor of a small SPD matrix, in place (False if not PD)."""
    n = A.shape[0]
    for j in range(n):
        s = A[j, j]
        for m in range(j):
            s -= A[j, m] * A[j, m]
        if not s > 0.0:
            return False
        A[j, j] = np.sqrt(s)
        for i in range(j + 1, n):
            t = A[i, j]
            for m in range(j):
                t -= A[i, m] * A[j, m]
            A[i, j] = t / A[j, j]
        for i in range(j):
            A[i, j] = 0.0
    return True


@njit(cache=True)
def _solve_lower(L: np.ndarray, b: np.ndarray) -> np.ndarray:
    n = L.shape[0]
    x = np.empty(n)
    for i in range(n):
        s = b[i]
        for m in range(i):
            s -= L[i, m] * x[m]
        x[i] = s / L[i, i]
    return x


@njit(cache=True)
def _solve_upper_t(L: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve L' x = b for lower-triangular L."""
    n = L.shape[0]
    x = np.empty(n)
    for i in range(n - 1, -1, -1):
        s = b[i]
        for m in range(i + 1, n):
            s -= L[m, i] * x[m]
        x[i] = s / L[i, i]
    return x


@njit(cache=True)
def _chol_solve(L: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _solve_upper_t(L, _solve_lower(L, b))


@njit(cache=True)
def _cs_into(L: np.ndarray, n: int, b: np.ndarray, out: np.ndarray) -> None:
    """out = (L L')⁻¹ b for the leading n-by-n block of L (no allocation; b may be out)."""
    for i in range(n):
        s = b[i]
        for m in range(i):
            s -= L[i, m] * out[m]
        out[i] = s / L[i, i]
    for i in range(n - 1, -1, -1):
        s = out[i]
        for m in range(i + 1, n):
            s -= L[m, i] * out[m]
        out[i] = s / L[i, i]


@njit(cache=True)
def _bwd_t_into(L: np.ndarray, n: int, z: np.ndarray) -> None:
    """z = L'⁻¹ z in place."""
    for i in range(n - 1, -1, -1):
        s = z[i]
        for m in range(i + 1, n):
            s -= L[m, i] * z[m]
        z[i] = s / L[i, i]


@njit(cache=True)
def _inv_spd(A: np.ndarray) -> np.ndarray:
    n = A.shape[0]
    L = A.copy()
    _chol_inplace(L)
    out = np.empty((n, n))
    e = np.zeros(n)
    for j in range(n):
        e[:] = 0.0
        e[j] = 1.0
        out[:, j] = _chol_solve(L, e)
    return out


@njit(cache=True)
def _mvn_draw(s: np.ndarray, L: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """mean + L'^{-1} z: a draw from N(mean, (L L')^{-1}) given the precision's factor L."""
    n = mean.shape[0]
    z = np.empty(n)
    for i in range(n):
        z[i] = normal(s)
    return mean + _solve_upper_t(L, z)


# ---------------------------------------------------------------------------------------------
# the random-effects prior precision of one group


@njit(cache=True)
def _re_precision(m: Model, st: State, lev: int, g: int) -> np.ndarray:
    k = m.k[lev]
    P = np.zeros((k, k))
    o = m.zzk[lev]
    Sg = st.Sig[o : o + k * k].reshape(k, k)
    bo = m.boff[lev] + g * k
    if m.struct[lev] == UNSTRUCTURED or m.struct[lev] == EXCHANGEABLE:
        Pi = _inv_spd(Sg)
        for i in range(k):
            for j in range(k):
                P[i, j] = Pi[i, j] * st.wt[bo]
        return P
    for j in range(k):
        P[j, j] = st.wt[bo + j] / Sg[j, j]
    return P


# ---------------------------------------------------------------------------------------------
# step 1: (β, b_l) jointly, or b_l given β


@njit(cache=True)
def _level_stats(m: Model, st: State, lev: int) -> tuple[np.ndarray, np.ndarray]:
    """Z_g'ỹ per group and X'ỹ, where ỹ = y - (the other levels' effects)."""
    k = m.k[lev]
    G = m.G[lev]
    bo = m.boff[lev]
    if m.multi == 0:
        return m.gZy[bo : bo + G * k].copy(), m.Xty.copy()
    # ỹ = resid + Xβ + Z_l b_l  (resid = y - Xβ - Σ Z b)
    Zy = np.zeros(G * k)
    Xy = np.zeros(m.p)
    zc = m.zcoff[lev]
    for i in range(m.y.shape[0]):
        g = m.obs_g[i, lev]
        yt = st.resid[i]
        for j in range(m.p):
            yt += m.X[i, j] * st.beta[j]
        for j in range(k):
            yt += m.obs_Z[i, zc + j] * st.b[bo + g * k + j]
        wi = m.w[i]
        for j in range(k):
            Zy[g * k + j] += wi * m.obs_Z[i, zc + j] * yt
        for j in range(m.p):
            Xy[j] += wi * m.X[i, j] * yt
    return Zy, Xy


@njit(cache=True)
def _refresh_resid(m: Model, st: State) -> None:
    if m.multi == 0:
        return
    for i in range(m.y.shape[0]):
        r = m.y[i]
        for j in range(m.p):
            r -= m.X[i, j] * st.beta[j]
        for lev in range(m.nl):
            k = m.k[lev]
            g = m.obs_g[i, lev]
            zc = m.zcoff[lev]
            bo = m.boff[lev] + g * k
            for j in range(k):
                r -= m.obs_Z[i, zc + j] * st.b[bo + j]
        st.resid[i] = r


@njit(cache=True)
def _prior_precision_base(m: Model, st: State, lev: int) -> None:
    """st.wPi = Σ⁻¹ (full structures) or diag(1/Σ_jj) (diagonal ones), once per step."""
    k = m.k[lev]
    o = m.zzk[lev]
    Pi = st.wPi
    if m.struct[lev] == UNSTRUCTURED or m.struct[lev] == EXCHANGEABLE:
        A = np.empty((k, k))
        for i in range(k):
            for j in range(k):
                A[i, j] = st.Sig[o + i * k + j]
        _chol_inplace(A)
        e = st.wK
        for j in range(k):
            for i in range(k):
                e[i] = 1.0 if i == j else 0.0
            _cs_into(A, k, e, e)
            for i in range(k):
                Pi[i, j] = e[i]
    else:
        for i in range(k):
            for j in range(k):
                Pi[i, j] = 1.0 / st.Sig[o + i * k + i] if i == j else 0.0


@njit(cache=True)
def _joint_step(m: Model, st: State, lev: int, draw_beta: bool) -> None:
    """Draw (β, b_lev) jointly (or b_lev given β when ``draw_beta`` is False)."""
    p = m.p
    k = m.k[lev]
    G = m.G[lev]
    bo = m.boff[lev]
    zz0 = m.zzoff[lev]
    zx0 = m.zxoff[lev]
    s2 = st.s2[0]
    if m.multi == 0:
        Zy = m.gZy[bo : bo + G * k]
        Xy = m.Xty
    else:
        Zy, Xy = _level_stats(m, st, lev)
    _prior_precision_base(m, st, lev)
    Pi = st.wPi
    full = m.struct[lev] == UNSTRUCTURED or m.struct[lev] == EXCHANGEABLE
    Q = st.wQ
    r = st.wP
    for i in range(p):
        acc = 0.0
        for j in range(p):
            Q[i, j] = m.XtX[i, j] / s2 + m.P0[i, j]
            acc += m.P0[i, j] * m.b0[j]
        r[i] = Xy[i] / s2 + acc
    W = st.wKP
    u = st.wK
    for g in range(G):
        L = st.wL[g * k * k : (g + 1) * k * k].reshape(k, k)
        for i in range(k):
            for j in range(k):
                wgt = st.wt[bo + g * k] if full else st.wt[bo + g * k + i]
                L[i, j] = m.gZZ[zz0 + g * k * k + i * k + j] / s2 + Pi[i, j] * wgt
        _chol_inplace(L)
        if draw_beta and p > 0:
            # W = A⁻¹ (Z'X/σ²), Q -= (Z'X/σ²)' W, r -= (Z'X/σ²)' A⁻¹ (Z'y/σ²)
            for j in range(p):
                for t in range(k):
                    W[t, j] = m.gZX[zx0 + g * k * p + t * p + j] / s2
                col = W[:, j]
                _cs_into(L, k, col, col)
            for t in range(k):
                u[t] = Zy[g * k + t] / s2
            _cs_into(L, k, u, u)
            for i in range(p):
                acc_r = 0.0
                for t in range(k):
                    zx = m.gZX[zx0 + g * k * p + t * p + i] / s2
                    acc_r += zx * u[t]
                    for j in range(p):
                        Q[i, j] -= zx * W[t, j]
                r[i] -= acc_r
    if draw_beta and p > 0:
        _draw_beta_given_mh(m, st, Q, r, lev == 0)
    rhs = st.wK
    z2 = st.wK2
    for g in range(G):
        L = st.wL[g * k * k : (g + 1) * k * k].reshape(k, k)
        for t in range(k):
            acc = 0.0
            for i in range(p):
                acc += m.gZX[zx0 + g * k * p + t * p + i] * st.beta[i]
            rhs[t] = (Zy[g * k + t] - acc) / s2
        _cs_into(L, k, rhs, rhs)
        for t in range(k):
            z2[t] = normal(st.rng)
        _bwd_t_into(L, k, z2)
        for t in range(k):
            st.b[bo + g * k + t] = rhs[t] + z2[t]
    _refresh_resid(m, st)


@njit(cache=True)
def _collapsed_mh(m: Model, st: State, Q: np.ndarray, r: np.ndarray) -> None:
    """The MH update of the coefficients with non-normal priors, with the random effects (of
    this level) and the other coefficients integrated out of the Gaussian part: its target is
    prior(β_M) × exp(−½ β_M'Λβ_M + η'β_M), Λ = Q_MM − Q_MG Q_GG⁻¹ Q_GM and
    η = r_M − Q_MG Q_GG⁻¹ r_G. The others are then drawn given β_M (a partially collapsed
    Gibbs sampler: the intercept no longer walks against the random intercepts)."""
    p = m.p
    blk = -1
    for k in range(m.blk_type.shape[0]):
        if m.blk_type[k] == BETA:
            blk = k
    if blk < 0:
        return
    q = 0
    for i in range(p):
        if m.beta_mh[i] == 1:
            q += 1
    ng = p - q
    mi = np.empty(q, dtype=np.int64)
    gi = np.empty(ng, dtype=np.int64)
    a = 0
    c = 0
    for i in range(p):
        if m.beta_mh[i] == 1:
            mi[a] = i
            a += 1
        else:
            gi[c] = i
            c += 1
    Lam = st.wLam
    eta = st.weta
    for u in range(q):
        eta[u] = r[mi[u]]
        for v in range(q):
            Lam[u, v] = Q[mi[u], mi[v]]
    if ng > 0:
        Qg = np.empty((ng, ng))
        for u in range(ng):
            for v in range(ng):
                Qg[u, v] = Q[gi[u], gi[v]]
        _chol_inplace(Qg)
        rg = np.empty(ng)
        for u in range(ng):
            rg[u] = r[gi[u]]
        sol_r = np.empty(ng)
        _cs_into(Qg, ng, rg, sol_r)  # Q_GG⁻¹ r_G
        col = np.empty(ng)
        sol = np.empty(ng)
        for v in range(q):
            for u in range(ng):
                col[u] = Q[gi[u], mi[v]]
            _cs_into(Qg, ng, col, sol)  # Q_GG⁻¹ Q_G,v
            for u in range(q):
                acc = 0.0
                for t in range(ng):
                    acc += Q[mi[u], gi[t]] * sol[t]
                Lam[u, v] -= acc
            acc = 0.0
            for t in range(ng):
                acc += Q[mi[v], gi[t]] * sol_r[t]
            eta[v] -= acc
    st.collapse[0] = 1.0
    _mh_step(m, st, blk)
    st.collapse[0] = 0.0


@njit(cache=True)
def _draw_beta_given_mh(m: Model, st: State, Q: np.ndarray, r: np.ndarray, mh: bool) -> None:
    """Draw the Gibbs coefficients from N(Q⁻¹r, Q⁻¹) conditionally on the MH ones: precision
    Q_GG, mean Q_GG⁻¹(r_G − Q_GM β_M); with ``mh`` the MH ones are first updated from their
    collapsed target (:func:`_collapsed_mh`). Overwrites Q (and r when every coefficient is
    Gibbs)."""
    p = m.p
    ng = 0
    for i in range(p):
        if m.beta_mh[i] == 0:
            ng += 1
    if ng < p and mh:
        _collapsed_mh(m, st, Q, r)
    if ng == 0:
        return
    if ng == p:
        _chol_inplace(Q)
        mean = st.wP2
        _cs_into(Q, p, r, mean)
        z = st.wP
        for i in range(p):
            z[i] = normal(st.rng)
        _bwd_t_into(Q, p, z)
        for i in range(p):
            st.beta[i] = mean[i] + z[i]
        return
    gi = np.empty(ng, dtype=np.int64)
    t = 0
    for i in range(p):
        if m.beta_mh[i] == 0:
            gi[t] = i
            t += 1
    Qg = np.empty((ng, ng))
    rg = np.empty(ng)
    for a in range(ng):
        i = gi[a]
        acc = r[i]
        for j in range(p):
            if m.beta_mh[j] == 1:
                acc -= Q[i, j] * st.beta[j]
        rg[a] = acc
        for c in range(ng):
            Qg[a, c] = Q[i, gi[c]]
    _chol_inplace(Qg)
    mean = np.empty(ng)
    _cs_into(Qg, ng, rg, mean)
    z = np.empty(ng)
    for a in range(ng):
        z[a] = normal(st.rng)
    _bwd_t_into(Qg, ng, z)
    for a in range(ng):
        st.beta[gi[a]] = mean[a] + z[a]


# ---------------------------------------------------------------------------------------------
# residual sum of squares and the conditional log likelihood


@njit(cache=True)
def rss(m: Model, st: State) -> float:
    if m.multi == 1:
        s = 0.0
        for i in range(m.y.shape[0]):
            s += m.w[i] * st.resid[i] * st.resid[i]
        return s
    beta = st.beta
    p = m.p
    s = m.yty
    for i in range(p):
        s -= 2.0 * beta[i] * m.Xty[i]
        for j in range(p):
            s += beta[i] * m.XtX[i, j] * beta[j]
    if m.nl == 1:
        k = m.k[0]
        for g in range(m.G[0]):
            for t in range(k):
                bt = st.b[g * k + t]
                zr = m.gZy[g * k + t]
                for i in range(p):
                    zr -= m.gZX[g * k * p + t * p + i] * beta[i]
                s -= 2.0 * bt * zr
                for u in range(k):
                    s += bt * m.gZZ[g * k * k + t * k + u] * st.b[g * k + u]
    return max(s, 0.0)


@njit(cache=True)
def loglik(m: Model, st: State) -> float:
    """log p(y | β, b, σ²): the normal likelihood given the random effects."""
    s2 = st.s2[0]
    return -0.5 * (m.n * np.log(2.0 * np.pi * s2) + rss(m, st) / s2)


# ---------------------------------------------------------------------------------------------
# step 2 and 3: variances


@njit(cache=True)
def _ig_draw(s: np.ndarray, shape: float, scale: float) -> float:
    return scale / gamma(s, shape)


@njit(cache=True)
def _wishart_inv_draw(s: np.ndarray, df: float, Psi: np.ndarray) -> np.ndarray:
    """Σ ~ IW(df, Ψ) by Bartlett's decomposition: with Ψ = C C' (Cholesky) and A lower
    triangular (A_ii² ~ χ²(df − i), A_ij ~ N(0, 1) below the diagonal), Σ⁻¹ = C'⁻¹ A A' C⁻¹, so
    Σ = C A'⁻¹ A⁻¹ C' = (C T)(C T)' with T = A'⁻¹ upper triangular."""
    k = Psi.shape[0]
    C = Psi.copy()
    _chol_inplace(C)
    A = np.zeros((k, k))
    for i in range(k):
        A[i, i] = np.sqrt(chi2(s, df - i))
        for j in range(i):
            A[i, j] = normal(s)
    # T = A'^{-1} (upper triangular): solve A' T = I column by column
    T = np.zeros((k, k))
    for j in range(k):
        for i in range(k - 1, -1, -1):
            v = 1.0 if i == j else 0.0
            for m in range(i + 1, k):
                v -= A[m, i] * T[m, j]
            T[i, j] = v / A[i, i]
    CT = np.zeros((k, k))
    for i in range(k):
        for j in range(k):
            acc = 0.0
            for m in range(k):
                acc += C[i, m] * T[m, j]
            CT[i, j] = acc
    out = np.zeros((k, k))
    for i in range(k):
        for j in range(k):
            acc = 0.0
            for m in range(k):
                acc += CT[i, m] * CT[j, m]
            out[i, j] = acc
    return out


@njit(cache=True)
def _scatter(m: Model, st: State, lev: int) -> np.ndarray:
    k = m.k[lev]
    S = np.zeros((k, k))
    bo = m.boff[lev]
    for g in range(m.G[lev]):
        wg = st.wt[bo + g * k]
        for i in range(k):
            for j in range(k):
                S[i, j] += wg * st.b[bo + g * k + i] * st.b[bo + g * k + j]
    return S


@njit(cache=True)
def _set_sig_from_vars(m: Model, st: State, lev: int) -> None:
    k = m.k[lev]
    o = m.zzk[lev]
    vo = m.voff[lev]
    for i in range(k):
        for j in range(k):
            if m.struct[lev] == INDEPENDENT:
                st.Sig[o + i * k + j] = st.var[vo + i] if i == j else 0.0
            elif m.struct[lev] == IDENTITY:
                st.Sig[o + i * k + j] = st.var[vo] if i == j else 0.0
            else:  # exchangeable
                st.Sig[o + i * k + j] = st.var[vo] * (1.0 if i == j else st.rho[lev])


@njit(cache=True)
def _variance_step(m: Model, st: State) -> None:
    if m.s2_gibbs == 1:
        st.s2[0] = _ig_draw(st.rng, m.s2_a + 0.5 * m.n, m.s2_b + 0.5 * rss(m, st))
    for lev in range(m.nl):
        k = m.k[lev]
        G = m.G[lev]
        bo = m.boff[lev]
        if m.struct[lev] == UNSTRUCTURED:
            o = m.zzk[lev]
            Psi = m.iw_S[o : o + k * k].reshape(k, k) + _scatter(m, st, lev)
            Sn = _wishart_inv_draw(st.rng, m.iw_df[lev] + G, Psi)
            for i in range(k):
                for j in range(k):
                    st.Sig[o + i * k + j] = Sn[i, j]
            continue
        vo = m.voff[lev]
        if m.tdist[lev] == 1:
            # latent precisions of t effects: Gamma((ν+1)/2, rate (ν + b²/v)/2)
            nu = st.df[lev]
            for g in range(G):
                for j in range(k):
                    v = st.var[vo + (j if m.struct[lev] == INDEPENDENT else 0)]
                    bb = st.b[bo + g * k + j]
                    st.wt[bo + g * k + j] = gamma(st.rng, 0.5 * (nu + 1.0)) / (
                        0.5 * (nu + bb * bb / v)
                    )
        for j in range(m.nvar[lev]):
            if m.var_gibbs[vo + j] == 0:
                continue
            shape = m.var_a[vo + j]
            scale = m.var_b[vo + j]
            if m.struct[lev] == INDEPENDENT:
                for g in range(G):
                    bb = st.b[bo + g * k + j]
                    scale += 0.5 * st.wt[bo + g * k + j] * bb * bb
                shape += 0.5 * G
            elif m.struct[lev] == IDENTITY:
                for g in range(G):
                    for t in range(k):
                        bb = st.b[bo + g * k + t]
                        scale += 0.5 * st.wt[bo + g * k + t] * bb * bb
                shape += 0.5 * G * k
            else:  # exchangeable: b_g ~ N(0, v R(ρ)), v | ρ, b is inverse gamma
                R = np.full((k, k), st.rho[lev])
                for t in range(k):
                    R[t, t] = 1.0
                Ri = _inv_spd(R)
                for g in range(G):
                    bg = st.b[bo + g * k : bo + (g + 1) * k]
                    scale += 0.5 * st.wt[bo + g * k] * np.dot(bg, Ri @ bg)
                shape += 0.5 * G * k
            st.var[vo + j] = _ig_draw(st.rng, shape, scale)
        _set_sig_from_vars(m, st, lev)


# ---------------------------------------------------------------------------------------------
# Metropolis-Hastings blocks


@njit(cache=True)
def _block_values(m: Model, st: State, blk: int) -> np.ndarray:
    t = m.blk_type[blk]
    lev = m.blk_level[blk]
    if t == BETA:  # the coefficients with non-normal priors
        vals = np.empty(m.blk_dim[blk])
        q = 0
        for i in range(m.p):
            if m.beta_mh[i] == 1:
                vals[q] = st.beta[i]
                q += 1
        return vals
    out = np.empty(1)
    if t == LOGS2:
        out[0] = np.log(st.s2[0])
    elif t == LOGVAR:
        out[0] = np.log(st.var[m.voff[lev] + m.blk_j[blk]])
    elif t == RHO:
        out[0] = st.rho[lev]
    else:
        out[0] = np.log(st.df[lev])
    return out


@njit(cache=True)
def _set_block(m: Model, st: State, blk: int, x: np.ndarray) -> None:
    t = m.blk_type[blk]
    lev = m.blk_level[blk]
    if t == BETA:
        q = 0
        for i in range(m.p):
            if m.beta_mh[i] == 1:
                st.beta[i] = x[q]
                q += 1
        _refresh_resid(m, st)
    elif t == LOGS2:
        st.s2[0] = np.exp(x[0])
    elif t == LOGVAR:
        st.var[m.voff[lev] + m.blk_j[blk]] = np.exp(x[0])
        _set_sig_from_vars(m, st, lev)
    elif t == RHO:
        st.rho[lev] = x[0]
        _set_sig_from_vars(m, st, lev)
    else:
        st.df[lev] = np.exp(x[0])


@njit(cache=True)
def _re_logdens(m: Model, st: State, lev: int) -> float:
    """Σ_g log N(b_g | 0, Σ/w_g) for a level (its effects' conditional density)."""
    k = m.k[lev]
    o = m.zzk[lev]
    S = st.Sig[o : o + k * k].reshape(k, k).copy()
    L = S.copy()
    if not _chol_inplace(L):
        return -np.inf
    logdet = 0.0
    for i in range(k):
        logdet += 2.0 * np.log(L[i, i])
    bo = m.boff[lev]
    out = 0.0
    for g in range(m.G[lev]):
        bg = st.b[bo + g * k : bo + (g + 1) * k]
        z = _solve_lower(L, bg)
        wg = st.wt[bo + g * k]
        out += -0.5 * (k * np.log(2.0 * np.pi) + logdet - k * np.log(wg) + wg * np.dot(z, z))
    return out


@njit(cache=True)
def _block_logpost(m: Model, st: State, blk: int) -> float:
    """The log full conditional of a block's values (up to a constant), on the block's scale."""
    t = m.blk_type[blk]
    lev = m.blk_level[blk]
    if t == BETA:
        if st.collapse[0] == 1.0:  # the random effects and the Gibbs coefficients integrated
            q = m.blk_dim[blk]
            x = np.empty(q)
            u = 0
            for i in range(m.p):
                if m.beta_mh[i] == 1:
                    x[u] = st.beta[i]
                    u += 1
            quad = 0.0
            for a in range(q):
                quad += st.weta[a] * x[a]
                for c in range(q):
                    quad -= 0.5 * x[a] * st.wLam[a, c] * x[c]
            return beta_logprior(m, st.beta, m.p) + quad
        return beta_logprior(m, st.beta, m.p) + loglik(m, st)
    if t == LOGS2:
        a = m.s2_args
        s2 = st.s2[0]
        return loglik(m, st) + logpdf_scalar(m.s2_code, s2, a[0], a[1], a[2]) + np.log(s2)
    if t == LOGVAR:
        j = m.voff[lev] + m.blk_j[blk]
        a = m.var_args[j]
        v = st.var[j]
        return (
            _re_logdens(m, st, lev) + logpdf_scalar(m.var_code[j], v, a[0], a[1], a[2]) + np.log(v)
        )
    if t == RHO:
        a = m.rho_args[lev]
        r = st.rho[lev]
        k = m.k[lev]
        if r <= -1.0 / (k - 1) or r >= 1.0:
            return -np.inf
        return _re_logdens(m, st, lev) + logpdf_scalar(m.rho_code[lev], r, a[0], a[1], a[2])
    # log df of t effects: Σ log Gamma(w | ν/2, rate ν/2) + log prior + log Jacobian
    nu = st.df[lev]
    a = m.df_args[lev]
    bo = m.boff[lev]
    k = m.k[lev]
    h = 0.5 * nu
    out = 0.0
    for i in range(m.G[lev] * k):
        wv = st.wt[bo + i]
        out += h * np.log(h) - math.lgamma(h) + (h - 1.0) * np.log(wv) - h * wv
    return out + logpdf_scalar(m.df_code[lev], nu, a[0], a[1], a[2]) + np.log(nu)


@njit(cache=True)
def _mh_step(m: Model, st: State, blk: int) -> None:
    d = m.blk_dim[blk]
    x0 = _block_values(m, st, blk)
    lp0 = _block_logpost(m, st, blk)
    L = st.mh_cov[blk, :d, :d].copy()
    if not _chol_inplace(L):
        L = np.eye(d)
    z = np.empty(d)
    for i in range(d):
        z[i] = normal(st.rng)
    x1 = x0 + st.mh_scale[blk] * (L @ z)
    _set_block(m, st, blk, x1)
    lp1 = _block_logpost(m, st, blk)
    st.tries[blk] += 1.0
    st.mh_win_n[blk] += 1.0
    if np.log(uniform(st.rng)) < lp1 - lp0:
        st.acc[blk] += 1.0
        st.mh_win_acc[blk] += 1.0
    else:
        _set_block(m, st, blk, x0)
    # running moments for the empirical proposal covariance
    xv = _block_values(m, st, blk)
    st.mh_count[blk] += 1.0
    for i in range(d):
        st.mh_sum[blk, i] += xv[i]
        for j in range(d):
            st.mh_cross[blk, i, j] += xv[i] * xv[j]


@njit(cache=True)
def _adapt(m: Model, st: State, blk: int) -> None:
    """Stata's adaptation of one block's proposal after a window of ``every`` iterations."""
    if st.mh_done[blk] == 1.0 or st.mh_win_n[blk] == 0.0:
        return
    if st.mh_nadapt[blk] >= m.maxiter:
        st.mh_done[blk] = 1.0
        return
    st.mh_nadapt[blk] += 1.0
    kth = st.mh_nadapt[blk]
    ar_hat = st.mh_win_acc[blk] / st.mh_win_n[blk]
    st.mh_ar[blk] = (1.0 - m.alpha) * st.mh_ar[blk] + m.alpha * ar_hat
    bk = m.beta / kth**m.gamma
    tar = m.blk_tar[blk]
    ar = min(max(st.mh_ar[blk], 1e-3), 0.999)
    st.mh_scale[blk] *= np.exp(bk * (ndtri(ar / 2.0) - ndtri(tar / 2.0)))
    d = m.blk_dim[blk]
    n = st.mh_count[blk]
    if n > d + 1:
        for i in range(d):
            for j in range(d):
                emp = (st.mh_cross[blk, i, j] - st.mh_sum[blk, i] * st.mh_sum[blk, j] / n) / (
                    n - 1.0
                )
                st.mh_cov[blk, i, j] = (1.0 - bk) * st.mh_cov[blk, i, j] + bk * emp
    st.mh_win_acc[blk] = 0.0
    st.mh_win_n[blk] = 0.0
    if kth >= m.miniter and abs(st.mh_ar[blk] - tar) < m.tol:
        st.mh_done[blk] = 1.0


# ---------------------------------------------------------------------------------------------
# one iteration, and a chunk of iterations


@njit(cache=True)
def iterate(m: Model, st: State, adapt: bool) -> None:
    nb = m.blk_type.shape[0]
    # the coefficients (MH ones collapsed, inside the joint step) and the random effects
    for lev in range(m.nl):
        _joint_step(m, st, lev, m.p > 0)
    if m.nl == 0 and m.p > 0:
        _joint_fixed_only(m, st)
    _variance_step(m, st)
    for blk in range(nb):
        if m.blk_type[blk] != BETA:
            _mh_step(m, st, blk)
    st.it[0] += 1.0
    if adapt:
        t = int(st.it[0])
        if t % m.every == 0:
            for blk in range(nb):
                _adapt(m, st, blk)


@njit(cache=True)
def _joint_fixed_only(m: Model, st: State) -> None:
    """β from its normal full conditional when the model has no random effects."""
    s2 = st.s2[0]
    Q = m.XtX / s2 + m.P0
    r = m.Xty / s2 + m.P0 @ m.b0
    _draw_beta_given_mh(m, st, Q, r, True)


@njit(cache=True)
def record(m: Model, st: State, out: np.ndarray) -> None:
    """Write the reported parameters: β, each level's covariance parameters, σ²."""
    pos = 0
    for i in range(m.p):
        out[pos] = st.beta[i]
        pos += 1
    for lev in range(m.nl):
        k = m.k[lev]
        o = m.zzk[lev]
        if m.struct[lev] == UNSTRUCTURED:
            for i in range(k):
                for j in range(i + 1):
                    out[pos] = st.Sig[o + i * k + j]
                    pos += 1
        else:
            vo = m.voff[lev]
            for j in range(m.nvar[lev]):
                out[pos] = st.var[vo + j]
                pos += 1
            if m.struct[lev] == EXCHANGEABLE:
                out[pos] = st.rho[lev]
                pos += 1
            if m.tdist[lev] == 1:
                out[pos] = st.df[lev]
                pos += 1
    out[pos] = st.s2[0]


@njit(cache=True)
def restore(m: Model, st: State, row: np.ndarray, b: np.ndarray) -> None:
    """Set the state to reported parameters laid out as :func:`record` writes them (σ² last,
    absent for a GLMM) and to the random effects ``b``; the covariance matrices and the
    residuals follow."""
    pos = 0
    for i in range(m.p):
        st.beta[i] = row[pos]
        pos += 1
    for lev in range(m.nl):
        k = m.k[lev]
        o = m.zzk[lev]
        if m.struct[lev] == UNSTRUCTURED:
            for i in range(k):
                for j in range(i + 1):
                    st.Sig[o + i * k + j] = row[pos]
                    st.Sig[o + j * k + i] = row[pos]
                    pos += 1
        else:
            vo = m.voff[lev]
            for j in range(m.nvar[lev]):
                st.var[vo + j] = row[pos]
                pos += 1
            if m.struct[lev] == EXCHANGEABLE:
                st.rho[lev] = row[pos]
                pos += 1
            if m.tdist[lev] == 1:
                st.df[lev] = row[pos]
                pos += 1
            _set_sig_from_vars(m, st, lev)
    if pos < row.shape[0]:
        st.s2[0] = row[pos]
    for i in range(st.b.shape[0]):
        st.b[i] = b[i]
    _refresh_resid(m, st)


@njit(cache=True)
def logpost_at(m: Model, st: State, row: np.ndarray, b: np.ndarray) -> float:
    """log p(y | θ, b) + log p(θ) + log p(b | θ) at the given parameters and effects (the
    state is overwritten): the Laplace-Metropolis marginal likelihood's value at the
    posterior mean."""
    restore(m, st, row, b)
    return loglik(m, st) + logprior(m, st)


@njit(cache=True)
def beta_logprior(m: Model, beta: np.ndarray, upto: int) -> float:
    """log p(β[:upto]): the scalar priors, and the quadratic form of a joint normal prior
    (``mvnormal()``, code 20) over its coefficients, whose precision and mean are P0 and b0."""
    lp = 0.0
    joint = False
    for i in range(upto):
        a = m.beta_args[i]
        lp += logpdf_scalar(m.beta_code[i], beta[i], a[0], a[1], a[2])
        if m.beta_code[i] == 20:
            joint = True
    if joint:
        q = 0.0
        for i in range(upto):
            if m.beta_code[i] != 20:
                continue
            di = beta[i] - m.b0[i]
            for j in range(upto):
                if m.beta_code[j] == 20:
                    q += di * m.P0[i, j] * (beta[j] - m.b0[j])
        lp -= 0.5 * q
    return lp


@njit(cache=True)
def logprior(m: Model, st: State) -> float:
    """log p(θ) + log p(b | θ): every prior and the random effects' density at the state.

    t-distributed effects enter through their marginal t density (the latent precisions are a
    device of the sampler, not parameters), so the log posterior ``loglik + logprior`` is that
    of the model as written; it serves the Laplace-Metropolis marginal likelihood.
    """
    lp = beta_logprior(m, st.beta, m.p)
    a = m.s2_args
    lp += logpdf_scalar(m.s2_code, st.s2[0], a[0], a[1], a[2])
    for lev in range(m.nl):
        k = m.k[lev]
        o = m.zzk[lev]
        if m.struct[lev] == UNSTRUCTURED:
            S = st.Sig[o : o + k * k].reshape(k, k).copy()
            if m.iw_df[lev] > 0.0:
                V = m.iw_S[o : o + k * k].reshape(k, k).copy()
                lp += logpdf_iwishart(S, m.iw_df[lev], V)
            else:
                lp += logpdf_jeffreys_matrix(S)
        else:
            vo = m.voff[lev]
            for j in range(m.nvar[lev]):
                a = m.var_args[vo + j]
                lp += logpdf_scalar(m.var_code[vo + j], st.var[vo + j], a[0], a[1], a[2])
            if m.struct[lev] == EXCHANGEABLE:
                a = m.rho_args[lev]
                lp += logpdf_scalar(m.rho_code[lev], st.rho[lev], a[0], a[1], a[2])
        if m.tdist[lev] == 1:
            a = m.df_args[lev]
            nu = st.df[lev]
            lp += logpdf_scalar(m.df_code[lev], nu, a[0], a[1], a[2])
            bo = m.boff[lev]
            vo = m.voff[lev]
            for g in range(m.G[lev]):
                for j in range(k):
                    v = st.var[vo + (j if m.struct[lev] == INDEPENDENT else 0)]
                    lp += logpdf_scalar(2, st.b[bo + g * k + j], 0.0, v, nu)
        else:
            lp += _re_logdens(m, st, lev)
    return lp


@njit(cache=True)
def run_chunk(
    m: Model,
    st: State,
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

    Returns the next free row.
    """
    row = start
    for t in range(n_iter):
        iterate(m, st, adapt)
        if keep and (t + 1) % thin == 0:
            record(m, st, draws[row])
            for i in range(st.b.shape[0]):
                re_draws[row, i] = st.b[i]
            ll[row] = loglik(m, st)
            lpri[row] = logprior(m, st)
            row += 1
    return row
