"""The MCMC kernel of nonlinear ``bayesmh`` models (``bayesmh y = (expression)``).

The mean of each observation is the user's expression, compiled by the driver into a program
for a small stack machine (:func:`eval_row`): one integer opcode and one argument per step
(push a constant, a data column, a parameter, the observation's group's random effect; apply an
operator or a function). The program is data, so one compiled kernel serves every model
(DESIGN.md: no closures per model).

One iteration ([BAYES] bayesmh, *Adaptive random-walk Metropolis-Hastings*, *Blocking of
parameters*, *Gibbs sampling for some likelihood-prior and prior-hyperprior configurations*):

1. **Parameter blocks**: adaptive random-walk Metropolis-Hastings on each block of scalar
   parameters (the expression's parameters form one block by default), with Stata's
   adaptation of the scale and of the proposal covariance (:func:`linear._adapt`).
2. **Random effects**: each group's effects are their own MH block, with their own adaptive
   proposal; a group's step evaluates only that group's observations.
3. **Gibbs steps** where the full conditional is conjugate: the means of normal random effects
   (normal or flat priors), their covariance matrix (inverse Wishart, or Jeffreys), their
   variances (inverse gamma, Jeffreys), and the normal likelihood's variance (inverse gamma,
   Jeffreys).

Several equations (``bayesmh (y1 = (...)) (y2 = (...))``, the talk's multivariate model) are
several programs, one per outcome; the likelihood is then a product of normals (each with its
variance) or one multivariate normal per observation with a covariance matrix parameter
(``likelihood(mvnormal({Sigma0,m}))``, Gibbs-sampled as an inverse Wishart).

The state caches each observation's means ``mu`` (observations by equations); every step that
moves them writes the new values back, and each chunk starts from a fresh evaluation.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from . import linear as K
from .densities import logpdf_iwishart, logpdf_jeffreys_matrix, logpdf_scalar
from .glmm import _log_ndtr, ll_obs
from .rng import gamma, normal, uniform

# the GLMM families' cutpoints: none here (a compile-time constant); ll_one routes only the
# binary and count codes 0-3 to ll_obs (NORMAL and MVNORMAL, 4 and 5 here, never reach it)
_NO_CUTS = np.zeros(0)

__all__ = [
    "NLModel",
    "NLState",
    "run_chunk",
    "eval_row",
    "predict_means",
    "NORMAL",
    "MVNORMAL",
    "OPS",
    "FUNCS",
]

NORMAL = 4  # after the GLMM kernel's logit 0, probit 1, cloglog 2, Poisson 3
MVNORMAL = 5  # one multivariate normal per observation over the equations

#: opcodes of the stack machine
OPS = {
    "const": 0,
    "col": 1,
    "param": 2,
    "re": 3,
    "+": 10,
    "-": 11,
    "*": 12,
    "/": 13,
    "^": 14,
    "<": 15,
    ">": 16,
    "<=": 17,
    ">=": 18,
    "==": 19,
    "!=": 20,
    "&": 21,
    "|": 22,
    "neg": 30,
    "not": 31,
    "func": 40,
    "min": 41,
    "max": 42,
    "cond": 43,
}
#: one-argument functions, by code (``log`` is Stata's synonym of ``ln``)
FUNCS = {
    "exp": 0,
    "ln": 1,
    "log": 1,
    "log10": 2,
    "sqrt": 3,
    "abs": 4,
    "invlogit": 5,
    "logit": 6,
    "normal": 7,
    "lngamma": 8,
    "sin": 9,
    "cos": 10,
    "tanh": 11,
    "atanh": 12,
    "floor": 13,
    "ceil": 14,
    "int": 15,
    "lnnormal": 16,
    "invcloglog": 17,
    "cloglog": 18,
}

_LOG2PI = math.log(2.0 * math.pi)


class Program(NamedTuple):
    """What :func:`eval_row` reads: the programs, the data columns and where each random effect
    is (a small tuple of its own, since a call that takes the whole model costs more than the
    evaluation)."""

    prog: np.ndarray  # (L, 2) opcode, argument: every equation's program, one after another
    pstart: np.ndarray  # (neq + 1,) where each equation's program starts
    consts: np.ndarray
    cols: np.ndarray  # (n, ncols)
    re_lev: np.ndarray  # (ne,) each random effect's level
    re_pos: np.ndarray  # (ne,) its position within the level
    boff: np.ndarray  # (nl,) offsets in b
    k: np.ndarray  # (nl,)
    g: np.ndarray  # (n, nl) each observation's group


class NLModel(NamedTuple):
    """A nonlinear model's data, program, priors and blocks (all arrays; see the driver)."""

    fam: int
    pr: Program  # the expressions, for eval_row
    y: np.ndarray  # (n, neq)
    cols: np.ndarray  # (n, ncols)
    prog: np.ndarray  # (L, 2) opcode, argument: every equation's program, one after another
    pstart: np.ndarray  # (neq + 1,) where each equation's program starts
    consts: np.ndarray
    depth: int
    re_lev: np.ndarray  # (ne,) each random effect's level
    re_pos: np.ndarray  # (ne,) its position within the level
    s2_idx: np.ndarray  # (neq,) each equation's variance's index in theta, -1 for a number
    s2_val: np.ndarray  # (neq,)
    s2_gibbs: np.ndarray  # (neq,) 0 MH, 1 inverse gamma, 2 Jeffreys
    res_df: float  # MVNORMAL: the residual covariance's inverse-Wishart df (0: Jeffreys)
    res_S: np.ndarray  # (neq * neq,) its scale matrix
    llconst: float  # the log likelihood's constant (-Σ log y! for Poisson)
    # random-effects levels
    nl: int
    k: np.ndarray  # (nl,)
    G: np.ndarray  # (nl,)
    boff: np.ndarray  # (nl,) offsets in b
    zzk: np.ndarray  # (nl,) offsets in Sig (k*k each)
    goff: np.ndarray  # (nl,) offsets of each level's groups among all groups
    g: np.ndarray  # (n, nl) each observation's group
    order: np.ndarray  # (nl, n) observations sorted by group
    start: np.ndarray  # (sum (G+1),) group boundaries in order
    soff: np.ndarray  # (nl,) offsets in start
    has_mat: np.ndarray  # (nl,) 1 when the level's covariance is a matrix parameter
    mean_idx: np.ndarray  # (ne,) theta index of each effect's prior mean, -1 for a number
    mean_val: np.ndarray  # (ne,)
    var_idx: np.ndarray  # (ne,) theta index of each effect's variance, -1 for a number
    var_val: np.ndarray  # (ne,)
    eoff: np.ndarray  # (nl,) first effect of each level
    iw_df: np.ndarray  # (nl,) inverse-Wishart df; 0 for Jeffreys
    iw_S: np.ndarray  # (sum k*k,)
    # scalar parameters
    pcode: np.ndarray  # (np,) prior family codes
    pargs: np.ndarray  # (np, 3)
    gibbs_mean: np.ndarray  # (np,) 1: drawn by the Gibbs step of the effects' means
    gibbs_var: np.ndarray  # (np,) 1: inverse-gamma / Jeffreys Gibbs step of an effect variance
    # MH blocks of scalar parameters (then one block per group of random effects)
    nb: int
    blk_idx: np.ndarray  # (nb, dmax)
    blk_dim: np.ndarray  # (nb + groups,)
    blk_tar: np.ndarray  # (nb + groups,)
    blk_mu: np.ndarray  # (nb,) 1: the block moves the mean (parameters of the expression)
    blk_lik: np.ndarray  # (nb,) 1: the block moves the likelihood (mean or variance)
    blk_re: np.ndarray  # (nb, nl) 1: the block moves level l's random-effects density
    blk_nt: np.ndarray  # (nb,) how many of θ the block moves (its first entries)
    ngroups: int  # blocks nb .. nb + ngroups - 1 are the groups' random effects
    rescale: np.ndarray  # effects whose deviations and variance are rescaled (blocks after)
    cs_p: np.ndarray  # moves along pairs (blocks after the rescales): a parameter,
    cs_e: np.ndarray  # a random effect,
    cs_a: np.ndarray  # (pairs, max groups) and each group's multiplier of δ (b -= δ·a)
    blk_b: np.ndarray  # (nb,) 1: the block also moves every random effect (a joint block)
    # adaptation ([BAYES] bayesmh, option adaptation())
    every: int
    maxiter: int
    miniter: int
    alpha: float
    beta: float
    gamma: float
    tol: float


class NLState(NamedTuple):
    """A chain's state (contents updated in place)."""

    theta: np.ndarray
    b: np.ndarray
    Sig: np.ndarray
    Sres: np.ndarray  # (neq * neq,) MVNORMAL: the residual covariance matrix
    mu: np.ndarray  # (n, neq) the expressions at the current state
    stack: np.ndarray  # (depth,) scratch
    rng: np.ndarray
    it: np.ndarray
    mh_scale: np.ndarray
    mh_cov: np.ndarray
    mh_ar: np.ndarray
    mh_win_acc: np.ndarray
    mh_win_n: np.ndarray
    mh_nadapt: np.ndarray
    mh_done: np.ndarray
    mh_sum: np.ndarray
    mh_cross: np.ndarray
    mh_count: np.ndarray
    acc: np.ndarray
    tries: np.ndarray


# ---------------------------------------------------------------------------------------------
# the expression


@njit(cache=True, error_model="numpy")
def _func(code: int, x: float) -> float:
    if code == 0:
        return math.exp(x)
    if code == 1:
        return math.log(x) if x > 0.0 else np.nan
    if code == 2:
        return math.log10(x) if x > 0.0 else np.nan
    if code == 3:
        return math.sqrt(x) if x >= 0.0 else np.nan
    if code == 4:
        return abs(x)
    if code == 5:
        if x != x:
            return np.nan
        return 1.0 / (1.0 + math.exp(-x)) if x > -700.0 else 0.0
    if code == 6:
        return math.log(x / (1.0 - x)) if 0.0 < x < 1.0 else np.nan
    if code == 7:
        return 0.5 * math.erfc(-x / math.sqrt(2.0))
    if code == 8:
        return math.lgamma(x) if x > 0.0 else np.nan
    if code == 9:
        return math.sin(x)
    if code == 10:
        return math.cos(x)
    if code == 11:
        return math.tanh(x)
    if code == 12:
        return math.atanh(x) if -1.0 < x < 1.0 else np.nan
    if code == 13:
        return math.floor(x)
    if code == 14:
        return math.ceil(x)
    if code == 15:
        return float(int(x)) if math.isfinite(x) else np.nan
    if code == 16:
        return _log_ndtr(x) if x == x else np.nan
    if code == 17:
        return 1.0 - math.exp(-math.exp(x))
    if code == 18:
        return math.log(-math.log(1.0 - x)) if 0.0 < x < 1.0 else np.nan
    return np.nan


@njit(cache=True, error_model="numpy")
def _binary(op: int, x: float, y: float) -> float:
    if op == 10:
        return x + y
    if op == 11:
        return x - y
    if op == 12:
        return x * y
    if op == 13:
        return x / y if y != 0.0 else np.nan  # Stata: x/0 is missing
    if op == 14:
        return x**y
    # comparisons: Stata's missing value is larger than any number, and equal to itself
    if x != x:
        x = np.inf
    if y != y:
        y = np.inf
    if op == 15:
        return 1.0 if x < y else 0.0
    if op == 16:
        return 1.0 if x > y else 0.0
    if op == 17:
        return 1.0 if x <= y else 0.0
    if op == 18:
        return 1.0 if x >= y else 0.0
    if op == 19:
        return 1.0 if x == y else 0.0
    if op == 20:
        return 1.0 if x != y else 0.0
    if op == 21:
        return 1.0 if (x != 0.0 and y != 0.0) else 0.0
    return 1.0 if (x != 0.0 or y != 0.0) else 0.0


@njit(cache=True, error_model="numpy")
def eval_row(
    m: Program, theta: np.ndarray, b: np.ndarray, i: int, eq: int, stack: np.ndarray
) -> float:
    """Equation ``eq``'s expression at observation ``i`` (``m`` is the model's ``pr``)."""
    sp = 0
    for t in range(m.pstart[eq], m.pstart[eq + 1]):
        op = m.prog[t, 0]
        a = m.prog[t, 1]
        if op == 0:
            stack[sp] = m.consts[a]
            sp += 1
        elif op == 1:
            stack[sp] = m.cols[i, a]
            sp += 1
        elif op == 2:
            stack[sp] = theta[a]
            sp += 1
        elif op == 3:
            lev = m.re_lev[a]
            stack[sp] = b[m.boff[lev] + m.g[i, lev] * m.k[lev] + m.re_pos[a]]
            sp += 1
        elif op < 30:
            sp -= 1
            stack[sp - 1] = _binary(op, stack[sp - 1], stack[sp])
        elif op == 30:
            stack[sp - 1] = -stack[sp - 1]
        elif op == 31:
            stack[sp - 1] = 1.0 if stack[sp - 1] == 0.0 else 0.0
        elif op == 40:
            stack[sp - 1] = _func(a, stack[sp - 1])
        elif op == 41 or op == 42:  # min/max of the top a values (Stata: missing ignored)
            out = np.nan
            for j in range(sp - a, sp):
                v = stack[j]
                if v == v and (out != out or (v < out if op == 41 else v > out)):
                    out = v
            sp -= a - 1
            stack[sp - 1] = out
        else:  # cond(c, x, y)
            sp -= 2
            c = stack[sp - 1]
            stack[sp - 1] = stack[sp] if c != 0.0 else stack[sp + 1]
    return stack[0]


@njit(cache=True)
def lik_terms(m: NLModel, st: NLState):
    """What every observation's likelihood needs at the state: each equation's variance, and
    the residual covariance's inverse and log determinant (MVNORMAL); ok is False outside the
    support."""
    neq = m.y.shape[1]
    s2 = np.empty(neq)
    ok = True
    for e in range(neq):
        s2[e] = st.theta[m.s2_idx[e]] if m.s2_idx[e] >= 0 else m.s2_val[e]
        if m.fam == NORMAL and not s2[e] > 0.0:
            ok = False
    P = np.zeros((neq, neq))
    logdet = 0.0
    if m.fam == MVNORMAL:
        S = st.Sres.reshape(neq, neq).copy()
        L = S.copy()
        if not K._chol_inplace(L):
            return s2, P, logdet, False
        for e in range(neq):
            logdet += 2.0 * math.log(L[e, e])
        P = K._inv_spd(S)
    return s2, P, logdet, ok


@njit(cache=True)
def ll_one(fam: int, yi: float, mu: float, s2: float) -> float:
    """Log likelihood of one outcome given its mean (not MVNORMAL); -inf where it is missing."""
    if not math.isfinite(mu):
        return -np.inf
    if fam == NORMAL:
        r = yi - mu
        return -0.5 * (_LOG2PI + math.log(s2) + r * r / s2)
    return ll_obs(fam, yi, 1.0, mu, _NO_CUTS)


@njit(cache=True)
def ll_i(
    fam: int, y: np.ndarray, mu: np.ndarray, s2: np.ndarray, P: np.ndarray, logdet: float
) -> float:
    """Log likelihood of one observation (all its outcomes ``y``) given its means ``mu``. It
    takes arrays, not the model: a call with the model's many fields costs more than the
    work."""
    neq = y.shape[0]
    if fam == MVNORMAL:
        q = 0.0
        for a in range(neq):
            if not math.isfinite(mu[a]):
                return -np.inf
            ra = y[a] - mu[a]
            for c in range(neq):
                q += ra * P[a, c] * (y[c] - mu[c])
        return -0.5 * (neq * _LOG2PI + logdet + q)
    out = 0.0
    for e in range(neq):
        out += ll_one(fam, y[e], mu[e], s2[e])
    return out


@njit(cache=True)
def refresh(m: NLModel, st: NLState) -> None:
    for i in range(m.y.shape[0]):
        for e in range(m.y.shape[1]):
            st.mu[i, e] = eval_row(m.pr, st.theta, st.b, i, e, st.stack)


@njit(cache=True)
def _ll(m: NLModel, st: NLState) -> float:
    """The log likelihood at the cached means, without its constant (what MH ratios need)."""
    s2, P, logdet, ok = lik_terms(m, st)
    if not ok:
        return -np.inf
    out = 0.0
    for i in range(m.y.shape[0]):
        out += ll_i(m.fam, m.y[i], st.mu[i], s2, P, logdet)
    return out


@njit(cache=True)
def loglik(m: NLModel, st: NLState) -> float:
    """The log likelihood at the state, constant included (what is recorded, and DIC's)."""
    return _ll(m, st) + m.llconst


# ---------------------------------------------------------------------------------------------
# random-effects densities


@njit(cache=True)
def _level_cov(m: NLModel, st: NLState, lev: int) -> np.ndarray:
    k = m.k[lev]
    if m.has_mat[lev] == 1:
        o = m.zzk[lev]
        return st.Sig[o : o + k * k].reshape(k, k).copy()
    S = np.zeros((k, k))
    e0 = m.eoff[lev]
    for j in range(k):
        vi = m.var_idx[e0 + j]
        S[j, j] = st.theta[vi] if vi >= 0 else m.var_val[e0 + j]
    return S


@njit(cache=True)
def _level_precision(m: NLModel, st: NLState, lev: int):
    """(ok, Σ⁻¹, log |Σ|) of a level's random effects; ok is False for a Σ that is not
    positive definite."""
    k = m.k[lev]
    S = _level_cov(m, st, lev)
    L = S.copy()
    if not K._chol_inplace(L):
        return False, S, 0.0
    logdet = 0.0
    for j in range(k):
        logdet += 2.0 * math.log(L[j, j])
    return True, K._inv_spd(S), logdet


@njit(cache=True)
def _level_mean(m: NLModel, st: NLState, lev: int) -> np.ndarray:
    k = m.k[lev]
    e0 = m.eoff[lev]
    out = np.empty(k)
    for j in range(k):
        mi = m.mean_idx[e0 + j]
        out[j] = st.theta[mi] if mi >= 0 else m.mean_val[e0 + j]
    return out


@njit(cache=True)
def _quad(P: np.ndarray, x: np.ndarray, mean: np.ndarray) -> float:
    k = x.shape[0]
    out = 0.0
    for a in range(k):
        da = x[a] - mean[a]
        for c in range(k):
            out += da * P[a, c] * (x[c] - mean[c])
    return out


@njit(cache=True)
def re_logdens(m: NLModel, st: NLState, lev: int) -> float:
    """Σ_g log N(b_g; μ, Σ) over the level's groups (-inf for a Σ that is not positive
    definite)."""
    k = m.k[lev]
    ok, P, logdet = _level_precision(m, st, lev)
    if not ok:
        return -np.inf
    mean = _level_mean(m, st, lev)
    bo = m.boff[lev]
    out = 0.0
    for grp in range(m.G[lev]):
        x = st.b[bo + grp * k : bo + (grp + 1) * k]
        out += -0.5 * (k * _LOG2PI + logdet + _quad(P, x, mean))
    return out


@njit(cache=True)
def logprior(m: NLModel, st: NLState) -> float:
    """log p(θ) + log p(b | θ) at the state."""
    lp = 0.0
    for j in range(st.theta.shape[0]):
        a = m.pargs[j]
        lp += logpdf_scalar(m.pcode[j], st.theta[j], a[0], a[1], a[2])
    for lev in range(m.nl):
        if m.has_mat[lev] == 1:
            k = m.k[lev]
            o = m.zzk[lev]
            S = st.Sig[o : o + k * k].reshape(k, k).copy()
            if m.iw_df[lev] > 0.0:
                lp += logpdf_iwishart(S, m.iw_df[lev], m.iw_S[o : o + k * k].reshape(k, k).copy())
            else:
                lp += logpdf_jeffreys_matrix(S)
        lp += re_logdens(m, st, lev)
    if m.fam == MVNORMAL:
        neq = m.y.shape[1]
        S = st.Sres.reshape(neq, neq).copy()
        if m.res_df > 0.0:
            lp += logpdf_iwishart(S, m.res_df, m.res_S.reshape(neq, neq).copy())
        else:
            lp += logpdf_jeffreys_matrix(S)
    return lp


# ---------------------------------------------------------------------------------------------
# Metropolis-Hastings steps


@njit(cache=True)
def _accept(st: NLState, blk: int, logr: float) -> bool:
    st.tries[blk] += 1.0
    st.mh_win_n[blk] += 1.0
    if logr == logr and logr > -np.inf and math.log(uniform(st.rng)) < logr:
        st.acc[blk] += 1.0
        st.mh_win_acc[blk] += 1.0
        return True
    return False


@njit(cache=True)
def _moments(st: NLState, blk: int, x: np.ndarray) -> None:
    d = x.shape[0]
    st.mh_count[blk] += 1.0
    for i in range(d):
        st.mh_sum[blk, i] += x[i]
        for j in range(d):
            st.mh_cross[blk, i, j] += x[i] * x[j]


@njit(cache=True)
def _proposal(st: NLState, blk: int, d: int) -> np.ndarray:
    L = st.mh_cov[blk, :d, :d].copy()
    if not K._chol_inplace(L):
        L = np.eye(d)
    z = np.empty(d)
    for i in range(d):
        z[i] = normal(st.rng)
    return st.mh_scale[blk] * (L @ z)


@njit(cache=True)
def _theta_block(m: NLModel, st: NLState, blk: int, buf: np.ndarray) -> None:
    """One random-walk MH step of a block of θ; a joint block (``blk_b``) also moves every
    random effect, so that parameters and effects that trade off against each other (an
    asymptote's mean and each tree's asymptote) move together."""
    d = m.blk_dim[blk]
    dt = m.blk_nt[blk]
    q = st.b.shape[0] if m.blk_b[blk] == 1 else 0
    idx = m.blk_idx[blk, :dt]
    x0 = np.empty(d)
    for j in range(dt):
        x0[j] = st.theta[idx[j]]
    for j in range(q):
        x0[dt + j] = st.b[j]
    step = _proposal(st, blk, d)
    n = m.y.shape[0]
    lp0 = 0.0
    for j in range(dt):
        a = m.pargs[idx[j]]
        lp0 += logpdf_scalar(m.pcode[idx[j]], x0[j], a[0], a[1], a[2])
    if m.blk_lik[blk] == 1:
        lp0 += _ll(m, st)
    for lev in range(m.nl):
        if m.blk_re[blk, lev] == 1:
            lp0 += re_logdens(m, st, lev)
    for j in range(dt):
        st.theta[idx[j]] = x0[j] + step[j]
    for j in range(q):
        st.b[j] = x0[dt + j] + step[dt + j]
    lp1 = 0.0
    for j in range(dt):
        a = m.pargs[idx[j]]
        lp1 += logpdf_scalar(m.pcode[idx[j]], st.theta[idx[j]], a[0], a[1], a[2])
    if lp1 > -np.inf:
        if m.blk_lik[blk] == 1:
            s2, P, logdet, ok = lik_terms(m, st)
            if not ok:
                lp1 = -np.inf
            else:
                for i in range(n):
                    for e in range(m.y.shape[1]):
                        buf[i, e] = (
                            eval_row(m.pr, st.theta, st.b, i, e, st.stack)
                            if m.blk_mu[blk] == 1
                            else st.mu[i, e]
                        )
                    lp1 += ll_i(m.fam, m.y[i], buf[i], s2, P, logdet)
        for lev in range(m.nl):
            if m.blk_re[blk, lev] == 1 and lp1 > -np.inf:
                lp1 += re_logdens(m, st, lev)
    if _accept(st, blk, lp1 - lp0 if lp1 > -np.inf else -np.inf):
        if m.blk_mu[blk] == 1:
            st.mu[:] = buf
    else:
        for j in range(dt):
            st.theta[idx[j]] = x0[j]
        for j in range(q):
            st.b[j] = x0[dt + j]
    xv = np.empty(d)
    for j in range(dt):
        xv[j] = st.theta[idx[j]]
    for j in range(q):
        xv[dt + j] = st.b[j]
    _moments(st, blk, xv)


@njit(cache=True)
def _re_level(m: NLModel, st: NLState, lev: int, buf: np.ndarray) -> None:
    """Each group's random effects by their own adaptive random-walk MH step."""
    k = m.k[lev]
    ok, P, _logdet = _level_precision(m, st, lev)
    if not ok:
        return
    mean = _level_mean(m, st, lev)
    bo = m.boff[lev]
    so = m.soff[lev]
    s2, Pr, logdet, ok = lik_terms(m, st)
    if not ok:
        return
    neq = m.y.shape[1]
    for grp in range(m.G[lev]):
        blk = m.nb + m.goff[lev] + grp
        pos = bo + grp * k
        x0 = st.b[pos : pos + k].copy()
        step = _proposal(st, blk, k)
        lp0 = -0.5 * _quad(P, x0, mean)
        r0 = m.start[so + grp]
        r1 = m.start[so + grp + 1]
        for r in range(r0, r1):
            i = m.order[lev, r]
            lp0 += ll_i(m.fam, m.y[i], st.mu[i], s2, Pr, logdet)
        for t in range(k):
            st.b[pos + t] = x0[t] + step[t]
        lp1 = -0.5 * _quad(P, st.b[pos : pos + k], mean)
        for r in range(r0, r1):
            i = m.order[lev, r]
            for e in range(neq):
                buf[r - r0, e] = eval_row(m.pr, st.theta, st.b, i, e, st.stack)
            lp1 += ll_i(m.fam, m.y[i], buf[r - r0], s2, Pr, logdet)
        if _accept(st, blk, lp1 - lp0):
            for r in range(r0, r1):
                st.mu[m.order[lev, r]] = buf[r - r0]
        else:
            for t in range(k):
                st.b[pos + t] = x0[t]
        _moments(st, blk, st.b[pos : pos + k].copy())


# ---------------------------------------------------------------------------------------------
# Gibbs steps


@njit(cache=True)
def _gibbs_means(m: NLModel, st: NLState, lev: int) -> None:
    """The level's prior means with normal or flat priors: a joint normal draw."""
    k = m.k[lev]
    e0 = m.eoff[lev]
    nf = 0
    free = np.empty(k, np.int64)
    for j in range(k):
        mi = m.mean_idx[e0 + j]
        if mi >= 0 and m.gibbs_mean[mi] == 1:
            free[nf] = j
            nf += 1
    if nf == 0:
        return
    ok, Q, _logdet = _level_precision(m, st, lev)
    if not ok:
        return
    mean = _level_mean(m, st, lev)
    G = m.G[lev]
    bo = m.boff[lev]
    tot = np.zeros(k)
    for grp in range(G):
        for j in range(k):
            tot[j] += st.b[bo + grp * k + j]
    P = np.zeros((nf, nf))
    h = np.zeros(nf)
    for a in range(nf):
        ja = free[a]
        acc = 0.0
        for c in range(k):
            acc += Q[ja, c] * tot[c]
        for c in range(k):  # the fixed means' part: -G Q_FC μ_C
            isfree = False
            for f in range(nf):
                if free[f] == c:
                    isfree = True
            if not isfree:
                acc -= G * Q[ja, c] * mean[c]
        h[a] = acc
        for c in range(nf):
            P[a, c] = G * Q[ja, free[c]]
        pi = m.mean_idx[e0 + ja]
        if m.pcode[pi] == 1:  # normal(m0, v0)
            P[a, a] += 1.0 / m.pargs[pi, 1]
            h[a] += m.pargs[pi, 0] / m.pargs[pi, 1]
    Lp = P.copy()
    if not K._chol_inplace(Lp):
        return
    center = K._chol_solve(Lp, h)
    draw = K._mvn_draw(st.rng, Lp, center)
    for a in range(nf):
        st.theta[m.mean_idx[e0 + free[a]]] = draw[a]


@njit(cache=True)
def _gibbs_matrix(m: NLModel, st: NLState, lev: int) -> None:
    k = m.k[lev]
    o = m.zzk[lev]
    mean = _level_mean(m, st, lev)
    bo = m.boff[lev]
    G = m.G[lev]
    Sc = np.zeros((k, k))
    for grp in range(G):
        for a in range(k):
            da = st.b[bo + grp * k + a] - mean[a]
            for c in range(k):
                Sc[a, c] += da * (st.b[bo + grp * k + c] - mean[c])
    if m.iw_df[lev] > 0.0:
        df = m.iw_df[lev] + G
        Psi = m.iw_S[o : o + k * k].reshape(k, k).copy() + Sc
    else:
        df = float(G)
        Psi = Sc
        if k > G:
            return
    L = Psi.copy()
    if not K._chol_inplace(L):
        return
    new = K._wishart_inv_draw(st.rng, df, Psi)
    for t in range(k * k):
        st.Sig[o + t] = new.reshape(-1)[t]


@njit(cache=True)
def _gibbs_variances(m: NLModel, st: NLState) -> None:
    """Each variance parameter of normal random effects with an inverse-gamma or Jeffreys
    prior, from every effect whose variance it is."""
    for p in range(st.theta.shape[0]):
        if m.gibbs_var[p] != 1:
            continue
        shape = 0.0
        rate = 0.0
        for lev in range(m.nl):
            if m.has_mat[lev] == 1:
                continue
            k = m.k[lev]
            e0 = m.eoff[lev]
            bo = m.boff[lev]
            mean = _level_mean(m, st, lev)
            for j in range(k):
                if m.var_idx[e0 + j] != p:
                    continue
                shape += 0.5 * m.G[lev]
                for grp in range(m.G[lev]):
                    dv = st.b[bo + grp * k + j] - mean[j]
                    rate += 0.5 * dv * dv
        if m.pcode[p] == 6:  # igamma(a, b)
            shape += m.pargs[p, 0]
            rate += m.pargs[p, 1]
        if shape > 0.0 and rate > 0.0:
            st.theta[p] = rate / gamma(st.rng, shape)


@njit(cache=True)
def _gibbs_s2(m: NLModel, st: NLState) -> None:
    """Each equation's normal variance with an inverse-gamma or Jeffreys prior; a variance
    shared by several equations takes all their residuals."""
    n, neq = m.y.shape
    for e in range(neq):
        p = m.s2_idx[e]
        if p < 0 or m.s2_gibbs[e] == 0:
            continue
        first = True
        for f in range(e):
            if m.s2_idx[f] == p:
                first = False
        if not first:
            continue
        ss = 0.0
        cnt = 0.0
        for f in range(e, neq):
            if m.s2_idx[f] != p:
                continue
            cnt += n
            for i in range(n):
                r = m.y[i, f] - st.mu[i, f]
                ss += r * r
        if not math.isfinite(ss):
            continue
        shape = 0.5 * cnt
        rate = 0.5 * ss
        if m.s2_gibbs[e] == 1:
            shape += m.pargs[p, 0]
            rate += m.pargs[p, 1]
        if rate > 0.0:
            st.theta[p] = rate / gamma(st.rng, shape)


@njit(cache=True)
def _gibbs_residual(m: NLModel, st: NLState) -> None:
    """MVNORMAL: the residual covariance, inverse Wishart given the residuals."""
    n, neq = m.y.shape
    Sc = np.zeros((neq, neq))
    for i in range(n):
        for a in range(neq):
            ra = m.y[i, a] - st.mu[i, a]
            for c in range(neq):
                Sc[a, c] += ra * (m.y[i, c] - st.mu[i, c])
    if not np.all(np.isfinite(Sc)):
        return
    if m.res_df > 0.0:
        df = m.res_df + n
        Psi = m.res_S.reshape(neq, neq).copy() + Sc
    else:
        df = float(n)
        Psi = Sc
    L = Psi.copy()
    if not K._chol_inplace(L):
        return
    new = K._wishart_inv_draw(st.rng, df, Psi)
    for t in range(neq * neq):
        st.Sres[t] = new.reshape(-1)[t]


@njit(cache=True)
def curvature(m: NLModel, st: NLState, pidx: np.ndarray, kmax: int):
    """The likelihood's information Σ_i Σ_e w_ie J_ie J_ie' about the parameters ``pidx`` and
    about each group's random effects at the state (J by central differences, w = -d²ℓ/dμ²,
    the diagonal of the residual precision for MVNORMAL): the proposals' starting covariances
    (Laplace's approximation to each block's conditional), so that adaptation starts near the
    right scale."""
    n, neq = m.y.shape
    npp = pidx.shape[0]
    s2, P, _logdet, ok0 = lik_terms(m, st)
    Ith = np.zeros((npp, npp))
    ng = 0
    for lev in range(m.nl):
        ng += m.G[lev]
    Ig = np.zeros((max(ng, 1), kmax, kmax))
    if not ok0:
        return Ith, Ig
    J = np.empty(npp)
    Jb = np.empty(kmax)
    for i in range(n):
        for q in range(neq):
            mu0 = eval_row(m.pr, st.theta, st.b, i, q, st.stack)
            if not math.isfinite(mu0):
                continue
            if m.fam == MVNORMAL:
                w = P[q, q]
            else:
                h0 = 1e-4 * max(abs(mu0), 1.0)
                yi = m.y[i, q]
                w = -(
                    ll_one(m.fam, yi, mu0 + h0, s2[q])
                    - 2.0 * ll_one(m.fam, yi, mu0, s2[q])
                    + ll_one(m.fam, yi, mu0 - h0, s2[q])
                ) / (h0 * h0)
            if not (w > 0.0 and math.isfinite(w)):
                continue
            ok = True
            for a in range(npp):
                p = pidx[a]
                x = st.theta[p]
                h = 1e-5 * max(abs(x), 1e-2)
                st.theta[p] = x + h
                f1 = eval_row(m.pr, st.theta, st.b, i, q, st.stack)
                st.theta[p] = x - h
                f2 = eval_row(m.pr, st.theta, st.b, i, q, st.stack)
                st.theta[p] = x
                J[a] = (f1 - f2) / (2.0 * h)
                ok = ok and math.isfinite(J[a])
            if ok:
                for a in range(npp):
                    for c in range(npp):
                        Ith[a, c] += w * J[a] * J[c]
            for lev in range(m.nl):
                k = m.k[lev]
                pos = m.boff[lev] + m.g[i, lev] * k
                ok = True
                for t in range(k):
                    x = st.b[pos + t]
                    h = 1e-5 * max(abs(x), 1e-2)
                    st.b[pos + t] = x + h
                    f1 = eval_row(m.pr, st.theta, st.b, i, q, st.stack)
                    st.b[pos + t] = x - h
                    f2 = eval_row(m.pr, st.theta, st.b, i, q, st.stack)
                    st.b[pos + t] = x
                    Jb[t] = (f1 - f2) / (2.0 * h)
                    ok = ok and math.isfinite(Jb[t])
                if ok:
                    gi = m.goff[lev] + m.g[i, lev]
                    for a in range(k):
                        for c in range(k):
                            Ig[gi, a, c] += w * Jb[a] * Jb[c]
    return Ith, Ig


# ---------------------------------------------------------------------------------------------
# iterations


@njit(cache=True)
def _ll_fresh(m: NLModel, st: NLState, buf: np.ndarray) -> float:
    """Every observation's means evaluated afresh into ``buf``, and the log likelihood at them."""
    s2, P, logdet, ok = lik_terms(m, st)
    if not ok:
        return -np.inf
    out = 0.0
    for i in range(m.y.shape[0]):
        for e in range(m.y.shape[1]):
            buf[i, e] = eval_row(m.pr, st.theta, st.b, i, e, st.stack)
        out += ll_i(m.fam, m.y[i], buf[i], s2, P, logdet)
    return out


@njit(cache=True)
def _cov_logprior(m: NLModel, st: NLState, lev: int, e: int) -> float:
    """The prior of what a rescale of effect ``e`` moves: its level's covariance matrix, or its
    variance parameter."""
    if m.has_mat[lev] == 1:
        k = m.k[lev]
        o = m.zzk[lev]
        S = st.Sig[o : o + k * k].reshape(k, k).copy()
        if m.iw_df[lev] > 0.0:
            return logpdf_iwishart(S, m.iw_df[lev], m.iw_S[o : o + k * k].reshape(k, k).copy())
        return logpdf_jeffreys_matrix(S)
    p = m.var_idx[e]
    a = m.pargs[p]
    return logpdf_scalar(m.pcode[p], st.theta[p], a[0], a[1], a[2])


@njit(cache=True)
def _rescale(m: NLModel, st: NLState, e: int, blk: int, buf: np.ndarray) -> None:
    """Random effect ``e``'s deviations from their mean times c, and its variance times c²
    (the covariance matrix as D Σ D, D = diag(1, .., c, .., 1)), log c by an adaptive random
    walk: the standardized effects do not move, so this is the non-centred update of the
    variance that the centred Gibbs step mixes badly near zero (Liu and Sabatti 2000, JASA
    95:1125-1134; Yu and Meng 2011). The effects' density cancels the Jacobian of b, leaving
    the likelihood ratio, the ratio of the covariance's prior and c^(k+1) (a matrix) or c²
    (a variance)."""
    lev = m.re_lev[e]
    j = m.re_pos[e]
    k = m.k[lev]
    bo = m.boff[lev]
    mi = m.mean_idx[e]
    mean = st.theta[mi] if mi >= 0 else m.mean_val[e]
    logc = st.mh_scale[blk] * normal(st.rng)
    c = math.exp(logc)
    lp0 = _ll(m, st) + _cov_logprior(m, st, lev, e)
    for grp in range(m.G[lev]):
        t = bo + grp * k + j
        st.b[t] = mean + c * (st.b[t] - mean)
    if m.has_mat[lev] == 1:
        o = m.zzk[lev]
        for a in range(k):
            if a != j:
                st.Sig[o + a * k + j] *= c
                st.Sig[o + j * k + a] *= c
        st.Sig[o + j * k + j] *= c * c
        jac = (k + 1) * logc
    else:
        st.theta[m.var_idx[e]] *= c * c
        jac = 2.0 * logc
    lp1 = _cov_logprior(m, st, lev, e)
    if lp1 > -np.inf:
        lp1 += _ll_fresh(m, st, buf)
    if _accept(st, blk, lp1 - lp0 + jac if lp1 > -np.inf else -np.inf):
        st.mu[:] = buf
    else:
        for grp in range(m.G[lev]):
            t = bo + grp * k + j
            st.b[t] = mean + (st.b[t] - mean) / c
        if m.has_mat[lev] == 1:
            o = m.zzk[lev]
            for a in range(k):
                if a != j:
                    st.Sig[o + a * k + j] /= c
                    st.Sig[o + j * k + a] /= c
            st.Sig[o + j * k + j] /= c * c
        else:
            st.theta[m.var_idx[e]] /= c * c
    _moments(st, blk, np.array([logc]))


@njit(cache=True)
def _countershift(m: NLModel, st: NLState, r: int, blk: int, buf: np.ndarray) -> None:
    """A parameter moved by δ and each group's random effect by -δ·a_g (an adaptive random
    walk in δ); the ratio is exact: likelihood, the parameter's prior and the effects' density,
    all recomputed. Two uses:

    - a random effect's prior mean and every group's effect moved together (a_g = -1): the
      effects' density does not change, so this is the non-centred update of the mean, which
      the centred Gibbs step mixes badly when the effects' variance is small (the pair to
      :func:`_rescale`);
    - a parameter the expression adds to an effect (``{b0} + {U[id]}``, ``{b1}*x + {U[id]}``
      with x constant within groups, a_g its value): the mean hardly changes, so the move
      crosses the ridge along which the parameter and the effects' mean trade off (the GLMM
      kernel's shift step, for an expression)."""
    p = m.cs_p[r]
    e = m.cs_e[r]
    lev = m.re_lev[e]
    j = m.re_pos[e]
    k = m.k[lev]
    bo = m.boff[lev]
    a = m.pargs[p]
    delta = st.mh_scale[blk] * math.sqrt(st.mh_cov[blk, 0, 0]) * normal(st.rng)
    lp0 = (
        _ll(m, st)
        + logpdf_scalar(m.pcode[p], st.theta[p], a[0], a[1], a[2])
        + re_logdens(m, st, lev)
    )
    st.theta[p] += delta
    for grp in range(m.G[lev]):
        st.b[bo + grp * k + j] -= delta * m.cs_a[r, grp]
    lp1 = logpdf_scalar(m.pcode[p], st.theta[p], a[0], a[1], a[2])
    if lp1 > -np.inf:
        lp1 += re_logdens(m, st, lev)
    if lp1 > -np.inf:
        lp1 += _ll_fresh(m, st, buf)
    if _accept(st, blk, lp1 - lp0 if lp1 > -np.inf else -np.inf):
        st.mu[:] = buf
    else:
        st.theta[p] -= delta
        for grp in range(m.G[lev]):
            st.b[bo + grp * k + j] += delta * m.cs_a[r, grp]
    _moments(st, blk, np.array([st.theta[p]]))


@njit(cache=True)
def logpost_at(m: NLModel, st: NLState, idx: np.ndarray, x: np.ndarray) -> float:
    """The log posterior with θ[idx] and the random effects set from ``x`` (θ[idx] first),
    the state's means refreshed: the objective of the starting values' mode search."""
    p = idx.shape[0]
    for j in range(p):
        st.theta[idx[j]] = x[j]
    for j in range(st.b.shape[0]):
        st.b[j] = x[p + j]
    refresh(m, st)
    return _ll(m, st) + logprior(m, st)


@njit(cache=True)
def logpost_at_draw(m: NLModel, st: NLState, row: np.ndarray, b: np.ndarray) -> float:
    """log p(y | θ, b) + log p(θ) + log p(b | θ) at reported parameters laid out as
    :func:`record` writes them and random effects ``b`` (the state is overwritten): the
    Laplace-Metropolis marginal likelihood's value at the posterior mean."""
    pos = 0
    for j in range(st.theta.shape[0]):
        st.theta[j] = row[pos]
        pos += 1
    for lev in range(m.nl):
        if m.has_mat[lev] == 1:
            k = m.k[lev]
            o = m.zzk[lev]
            for i in range(k):
                for j in range(i + 1):
                    st.Sig[o + i * k + j] = row[pos]
                    st.Sig[o + j * k + i] = row[pos]
                    pos += 1
    if m.fam == MVNORMAL:
        neq = m.y.shape[1]
        for i in range(neq):
            for j in range(i + 1):
                st.Sres[i * neq + j] = row[pos]
                st.Sres[j * neq + i] = row[pos]
                pos += 1
    for j in range(st.b.shape[0]):
        st.b[j] = b[j]
    refresh(m, st)
    return loglik(m, st) + logprior(m, st)


@njit(cache=True)
def predict_means(m: NLModel, thetas: np.ndarray, bs: np.ndarray) -> np.ndarray:
    """The expressions at every observation of ``m`` for each draw: (draws, n, neq)."""
    D = thetas.shape[0]
    n, neq = m.y.shape
    out = np.empty((D, n, neq))
    stack = np.empty(m.depth + 1)
    for t in range(D):
        for i in range(n):
            for e in range(neq):
                out[t, i, e] = eval_row(m.pr, thetas[t], bs[t], i, e, stack)
    return out


@njit(cache=True)
def iterate(m: NLModel, st: NLState, adapt: bool, buf: np.ndarray) -> None:
    for blk in range(m.nb):
        _theta_block(m, st, blk, buf)
    for lev in range(m.nl):
        _re_level(m, st, lev, buf)
    for lev in range(m.nl):
        _gibbs_means(m, st, lev)
        if m.has_mat[lev] == 1:
            _gibbs_matrix(m, st, lev)
    _gibbs_variances(m, st)
    if m.fam == MVNORMAL:
        _gibbs_residual(m, st)
    for r in range(m.rescale.shape[0]):
        _rescale(m, st, m.rescale[r], m.nb + m.ngroups + r, buf)
    first = m.nb + m.ngroups + m.rescale.shape[0]
    for r in range(m.cs_p.shape[0]):
        _countershift(m, st, r, first + r, buf)
    _gibbs_s2(m, st)
    st.it[0] += 1.0
    if adapt and int(st.it[0]) % m.every == 0:
        for blk in range(st.mh_scale.shape[0]):
            K._adapt(m, st, blk)


@njit(cache=True)
def record(m: NLModel, st: NLState, out: np.ndarray) -> None:
    """The reported parameters: θ, then each matrix's lower triangle (the residual covariance
    last)."""
    pos = 0
    for j in range(st.theta.shape[0]):
        out[pos] = st.theta[j]
        pos += 1
    for lev in range(m.nl):
        if m.has_mat[lev] == 1:
            k = m.k[lev]
            o = m.zzk[lev]
            for i in range(k):
                for j in range(i + 1):
                    out[pos] = st.Sig[o + i * k + j]
                    pos += 1
    if m.fam == MVNORMAL:
        neq = m.y.shape[1]
        for i in range(neq):
            for j in range(i + 1):
                out[pos] = st.Sres[i * neq + j]
                pos += 1


@njit(cache=True)
def run_chunk(
    m: NLModel,
    st: NLState,
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
    """Run ``n_iter`` iterations (the linear kernel's ``run_chunk`` contract)."""
    refresh(m, st)
    buf = np.empty(m.y.shape)
    row = start
    for t in range(n_iter):
        iterate(m, st, adapt, buf)
        if keep and (t + 1) % thin == 0:
            record(m, st, draws[row])
            for i in range(st.b.shape[0]):
                re_draws[row, i] = st.b[i]
            ll[row] = loglik(m, st)
            lpri[row] = logprior(m, st)
            row += 1
    return row
