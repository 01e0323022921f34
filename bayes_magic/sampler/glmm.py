"""The MCMC kernel of ``bayes: melogit``, ``meprobit``, ``mecloglog``, ``mepoisson``,
``menbreg``, ``meologit`` and ``meoprobit`` (and of their single-level versions, ``bayes:
logit`` ...).

It shares the linear kernel's model and state (:mod:`bayes_magic.sampler.linear`): the
covariance parameters are drawn by the same Gibbs steps (inverse-gamma, inverse-Wishart) and
adaptive MH blocks, the priors are evaluated by the same code, and the same adaptation rule
tunes every block ([BAYES] bayesmh, *Adaptation*). What differs is the likelihood, which has no
conjugate structure, so one iteration is

1. **Coefficients**: one Metropolis-Hastings block for β (Stata's default block for the
   coefficients of ``bayes: me*``). With normal or flat priors the proposal is Gamerman's
   (1997, Statistics and Computing 7:57-68): one Newton (IRLS) step of the log full conditional
   from the current β, with that step's curvature as the proposal precision, and the reverse
   proposal in the acceptance ratio; the draws are then nearly independent. Other priors use an
   adaptive random walk. An ordered model's cutpoints κ follow β in the state's ``beta`` and
   move with it in one Newton proposal (the log likelihood is concave in (β, κ); a proposal
   whose cutpoints do not increase has prior zero), then once more by an adaptive random walk
   of their own (Stata's cutpoint block). ``menbreg``'s ln α (or ln δ) also follows β in the
   state; β's Newton proposal holds it, and it moves by an adaptive random walk of its own.
2. **Random effects**: for each level, every group's effects by their own Metropolis-Hastings
   step (Stata samples the random effects of each group as a block), with the same Newton
   proposal: a group's effects have a log-concave full conditional (normal prior, log-concave
   likelihood), so the proposal is close to it and the draws nearly independent.
3. **Shifts**: for each random effect whose variable is also a fixed effect (the random
   intercept and ``_cons``, a random slope and its coefficient), the coefficient moves by δ and
   every group's effect by −δ. The linear predictor, hence the likelihood, does not change, and
   with normal (or flat) priors δ's full conditional is normal: an exact Gibbs draw along that
   line. It removes the slow mixing of a coefficient against the mean of its random effects
   (the "centred parameterization" problem) at O(groups) per iteration. In an ordered model
   every cutpoint and every group's random intercept move up by the same δ (κ − η, hence the
   likelihood, is unchanged), an exact Gibbs draw under flat or normal cutpoint priors.
4. **Covariance parameters**: the linear kernel's Gibbs steps and MH blocks.
5. **Rescaling** (interweaving; Yu & Meng 2011, JCGS 20:531-570): for each level, the
   covariance is multiplied by c² and every group's effects by c, log c from an adaptive random
   walk. The standardized effects do not move, so this is the covariance's update in the
   non-centred parameterization, which mixes well exactly where the Gibbs step (centred) mixes
   badly. Its acceptance ratio is the likelihood ratio times the prior ratio of the covariance
   times c^(2m), m the number of free covariance elements (the Jacobian, net of the effects'
   density, which the move leaves unchanged in the standardized scale).

The linear predictor η = offset + Xβ + Σ Z b is kept in the first half of the state's
``resid`` vector (length 2n) and each observation's log likelihood at η in the second half;
both are updated as blocks move, so that no step evaluates the likelihood of the current state
again. Conditional distributions are chosen by an integer code, as everywhere
in the engine: 0 logit, 1 probit, 2 cloglog (binomial with trials), 3 Poisson, 4 ordered logit,
5 ordered probit (y the outcome's code 0 .. J-1), 6 negative binomial with mean dispersion
(Var = μ + αμ²), 7 with constant dispersion (Var = μ(1 + δ)).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from . import linear as K
from .densities import logpdf_iwishart, logpdf_jeffreys_matrix, logpdf_scalar
from .rng import normal, uniform

__all__ = [
    "GData",
    "run_chunk",
    "loglik",
    "LOGIT",
    "PROBIT",
    "CLOGLOG",
    "POISSON",
    "OLOGIT",
    "OPROBIT",
    "NBMEAN",
    "NBCONST",
]

LOGIT, PROBIT, CLOGLOG, POISSON = 0, 1, 2, 3
OLOGIT, OPROBIT = 4, 5  # ordered outcomes: y is the outcome's code 0 .. J-1
NBMEAN, NBCONST = 6, 7  # negative binomial: ln α (ln δ) follows β in the state
RE = 5  # block type of a level's random effects (after the linear kernel's types)
SCALE = 6  # block type of a level's joint rescaling of effects and covariance (interweaving)
CUT = 7  # block type of an ordered model's cutpoints


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
    const: float  # the log likelihood's constant (log binomial coefficients, -log y!)
    re_blk: np.ndarray  # (nl,) the MH block of each level's random effects
    #: (pairs, 3): level, effect and coefficient of each random effect whose variable is also
    #: a fixed effect (``_cons`` and ``U0``, ``x`` and ``U1``), or of a random intercept and a
    #: covariate constant within that level's groups (``U0`` and school size), for the shift
    #: steps
    shift: np.ndarray
    #: (pairs, max groups): the shift's multiplier of each group's effect (1, or the group's
    #: value of the group-level covariate)
    shift_a: np.ndarray
    #: 1 when every coefficient's prior is normal or flat: β then moves by Gamerman's
    #: Metropolized Newton (IRLS) proposal instead of a random walk
    newton: int
    #: ordered models: (rows, 2) level and effect of each random intercept, which moves with
    #: the cutpoints (all of them up by δ, every group's intercept up by δ: the likelihood,
    #: a function of κ - η, is unchanged); no rows otherwise
    cut_shift: np.ndarray


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
def _log_cdf(logit: bool, z: float) -> float:
    """log F(z), accurate in both tails (log 1 = 0 at +∞, -∞ at -∞)."""
    if z == np.inf:
        return 0.0
    if z == -np.inf:
        return -np.inf
    if logit:  # -log(1 + e^{-z})
        if z >= 0.0:
            return -math.log1p(math.exp(-z))
        return z - math.log1p(math.exp(z))
    return _log_ndtr(z)


@njit(cache=True)
def _log_pdf(logit: bool, z: float) -> float:
    if not math.isfinite(z):
        return -np.inf
    if logit:
        return _log_cdf(True, z) + _log_cdf(True, -z)
    return -0.5 * z * z - 0.5 * math.log(2.0 * math.pi)


@njit(cache=True)
def _ord_parts(logit: bool, zu: float, zl: float) -> tuple[float, float, float, float, float]:
    """log P, a = f(zu)/P, b = f(zl)/P, f'(zu)/P and f'(zl)/P for P = F(zu) - F(zl), zu > zl,
    on the log scale so that neither tail underflows: P = F(zu)(1 - F(zl)/F(zu)) below 0 and
    S(zl)(1 - S(zu)/S(zl)) above it (S(z) = F(-z))."""
    if zl > 0.0:
        l_hi, l_lo = _log_cdf(logit, -zl), _log_cdf(logit, -zu)
    else:
        l_hi, l_lo = _log_cdf(logit, zu), _log_cdf(logit, zl)
    r = math.exp(l_lo - l_hi) if l_lo > -np.inf else 0.0
    if not r < 1.0:
        return -np.inf, 0.0, 0.0, 0.0, 0.0
    logP = l_hi + math.log1p(-r)
    a = math.exp(_log_pdf(logit, zu) - logP)
    b = math.exp(_log_pdf(logit, zl) - logP)
    if logit:  # f' = f (1 - 2F)
        ga = a * (1.0 - 2.0 * math.exp(_log_cdf(True, zu))) if a > 0.0 else 0.0
        gb = b * (1.0 - 2.0 * math.exp(_log_cdf(True, zl))) if b > 0.0 else 0.0
    else:  # f' = -z f
        ga = -zu * a if a > 0.0 else 0.0
        gb = -zl * b if b > 0.0 else 0.0
    return logP, a, b, ga, gb


@njit(cache=True)
def _ordinal(fam: int, y: float, eta: float, cut: np.ndarray) -> tuple[float, float, float]:
    """An ordered outcome's log likelihood and its first two η-derivatives ([ME] meologit):
    Pr(y = j) = F(κ_{j+1} - η) - F(κ_j - η), κ_0 = -∞ and κ_J = +∞."""
    c = int(y)
    J1 = cut.shape[0]
    zu = cut[c] - eta if c < J1 else np.inf
    zl = cut[c - 1] - eta if c >= 1 else -np.inf
    logP, a, b, ga, gb = _ord_parts(fam == OLOGIT, zu, zl)
    if logP == -np.inf:
        return -np.inf, 0.0, 0.0
    d1 = -(a - b)
    return logP, d1, (ga - gb) - d1 * d1


@njit(cache=True)
def _negbin(
    fam: int, y: float, eta: float, la: float, with_ll: bool = True
) -> tuple[float, float, float]:
    """A negative binomial count's log likelihood (without -log y!) and its η-derivatives
    (the formulas of ``fit.glmm_family.NegBinFamily``; [ME] menbreg, Methods and formulas), at
    ln α (or ln δ) ``la``. lnΓ(m + y) - lnΓ(m) is a sum of y logarithms, exact as α → 0;
    beyond 500 counts, differences of lnΓ. ln α below -700 (α = 0 in floating point, which a
    random-walk proposal can reach where the data say little of α) is the Poisson limit. With
    constant dispersion the log likelihood need not be concave in η: the second derivative
    returned is then capped at 0, which only shapes the Newton proposals (their forward and
    reverse densities use the same rule). Without ``with_ll`` the mean dispersion's log
    likelihood (its sum over the count) is skipped and the first value is not it."""
    yi = int(y)
    if la < -700.0:  # α (δ) = 0 in floating point: the Poisson limit
        mu = math.exp(eta)
        return y * eta - mu, y - mu, -mu
    if fam == NBMEAN:
        a = math.exp(la)
        m = 1.0 / a
        mu = math.exp(eta)
        lq = math.log1p(a * mu)
        s = 0.0  # Σ_k log(m + k) - y log m = Σ_k log1p(k α)
        if with_ll and yi <= 500:
            for k in range(yi):
                s += math.log1p(k * a)
        elif with_ll:
            s = math.lgamma(y + m) - math.lgamma(m) + y * la
        r = 1.0 / (1.0 + a * mu)
        return s - (m + y) * lq + y * eta, (y - mu) * r, -mu * (1.0 + a * y) * r * r
    m = math.exp(eta - la)
    lq = math.log1p(math.exp(la))
    s = 0.0
    p1 = 0.0  # ψ(m + y) - ψ(m)
    p2 = 0.0  # ψ'(m) - ψ'(m + y)
    for k in range(yi):
        t = m + k
        s += math.log(t)
        p1 += 1.0 / t
        p2 += 1.0 / (t * t)
    d1 = m * (p1 - lq)
    return s - (m + y) * lq + y * la, d1, min(d1 - m * m * p2, 0.0)


@njit(cache=True)
def ll_obs(fam: int, y: float, n: float, eta: float, cut: np.ndarray) -> float:
    """Log likelihood of one observation given η (without the constant); ``cut`` holds an
    ordered model's cutpoints, or a negative binomial's ln α (empty otherwise)."""
    if fam >= NBMEAN:
        return _negbin(fam, y, eta, cut[0])[0]
    if fam >= OLOGIT:
        return _ordinal(fam, y, eta, cut)[0]
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
def derivs(fam: int, y: float, n: float, eta: float, cut: np.ndarray) -> tuple[float, float]:
    """dℓ/dη and d²ℓ/dη² of one observation (the formulas of ``fit.glmm_family``)."""
    if fam >= NBMEAN:  # without the log likelihood's sum over the count
        _ll, d1, d2 = _negbin(fam, y, eta, cut[0], False)
        return d1, d2
    if fam >= OLOGIT:
        _ll, d1, d2 = _ordinal(fam, y, eta, cut)
        return d1, d2
    if fam == POISSON:
        mu = math.exp(eta)
        return y - mu, -mu
    if fam == LOGIT:
        p = 1.0 / (1.0 + math.exp(-eta)) if eta > -700.0 else 0.0
        return y - n * p, -n * p * (1.0 - p)
    f = n - y
    if fam == PROBIT:
        phi = math.exp(-0.5 * eta * eta) / math.sqrt(2.0 * math.pi)
        lp = math.exp(math.log(phi) - _log_ndtr(eta)) if phi > 0.0 else -eta
        lq = math.exp(math.log(phi) - _log_ndtr(-eta)) if phi > 0.0 else eta
        if phi == 0.0:  # far tails: λ(x) ≈ -x and λ(x)(x + λ(x)) → 1 as x → -∞
            if eta < 0.0:
                return y * -eta, -y
            return -f * eta, -f
        return y * lp - f * lq, -y * lp * (eta + lp) - f * lq * (lq - eta)
    t = math.exp(eta)
    if t > 700.0:
        return -f * t, -f * t
    em = math.expm1(t)
    if t < 1e-8:
        r, d2p = 1.0 - t / 2.0, -t / 2.0
    else:
        r = t / em
        d2p = r * (1.0 - t * (em + 1.0) / em)
    return y * r - f * t, y * d2p - f * t


@njit(cache=True)
def ll_derivs(
    fam: int, y: float, n: float, eta: float, cut: np.ndarray
) -> tuple[float, float, float]:
    """:func:`ll_obs` and :func:`derivs` together, sharing their exponentials."""
    if fam >= NBMEAN:
        return _negbin(fam, y, eta, cut[0])
    if fam >= OLOGIT:
        return _ordinal(fam, y, eta, cut)
    if fam == LOGIT:
        if eta >= 0.0:
            e = math.exp(-eta)
            sp = eta + math.log1p(e)
            p = 1.0 / (1.0 + e)
        else:
            e = math.exp(eta)
            sp = math.log1p(e)
            p = e / (1.0 + e)
        return y * eta - n * sp, y - n * p, -n * p * (1.0 - p)
    if fam == POISSON:
        mu = math.exp(eta)
        return y * eta - mu, y - mu, -mu
    d1, d2 = derivs(fam, y, n, eta, cut)
    return ll_obs(fam, y, n, eta, cut), d1, d2


@njit(cache=True)
def _newton_terms(
    m: K.Model,
    d: GData,
    beta: np.ndarray,
    eta: np.ndarray,
    ll: np.ndarray,
    fill: bool,
    cut: np.ndarray,
):
    """log target, and the Newton proposal's mean and precision factor, at β (η given). The
    observations' log likelihoods are read from ``ll``, or computed into it with ``fill``."""
    p = beta.shape[0]
    H = np.zeros((p, p))
    g = np.zeros(p)
    lt = 0.0
    for i in range(d.y.shape[0]):
        w = d.w[i]
        if fill:
            li, d1, d2 = ll_derivs(d.fam, d.y[i], d.ntr[i], eta[i], cut)
            ll[i] = li
        else:
            d1, d2 = derivs(d.fam, d.y[i], d.ntr[i], eta[i], cut)
            li = ll[i]
        lt += w * li
        for a in range(p):
            xa = d.X[i, a]
            g[a] += w * d1 * xa
            for b in range(a + 1):
                H[a, b] -= w * d2 * xa * d.X[i, b]
    lt = _close_terms(m, beta, H, g, lt)
    mean, L, ok = _ridged_newton(beta, H, g)
    return lt, mean, L, ok


@njit(cache=True)
def _close_terms(m: K.Model, x: np.ndarray, H: np.ndarray, g: np.ndarray, lt: float) -> float:
    """Finish a Newton proposal's terms at ``x`` (the first entries of the kernel's β): H's
    upper triangle from its lower, and each prior's log density added to ``lt`` (returned),
    with a normal prior's curvature and slope added to H and g."""
    for a in range(x.shape[0]):
        for b in range(a):
            H[b, a] = H[a, b]
        ar = m.beta_args[a]
        if m.beta_code[a] == 1:  # normal(mean, var)
            H[a, a] += 1.0 / ar[1]
            g[a] += (ar[0] - x[a]) / ar[1]
        elif m.beta_code[a] == 20:  # a joint normal prior: its precision P0 and mean b0
            for b in range(x.shape[0]):
                if m.beta_code[b] == 20:
                    H[a, b] += m.P0[a, b]
                    g[a] += m.P0[a, b] * (m.b0[b] - x[b])
    return lt + K.beta_logprior(m, x, x.shape[0])


@njit(cache=True)
def _ridged_newton(x: np.ndarray, H: np.ndarray, g: np.ndarray):
    """The Newton proposal's mean x + H⁻¹g and precision factor L (H = LL'), with a ridge
    that is a function of the state alone (so that the reverse proposal uses the same rule)
    for the rare H that is not positive definite (weights underflowing, flat priors):
    (mean, L, ok)."""
    p = x.shape[0]
    ridge = 0.0
    scale = 1.0
    for a in range(p):
        scale = max(scale, abs(H[a, a]))
    L = H.copy()
    for _attempt in range(30):
        L = H.copy()
        for a in range(p):
            L[a, a] += ridge
        if K._chol_inplace(L):
            return x + K._chol_solve(L, g), L, True
        ridge = 1e-10 * scale if ridge == 0.0 else ridge * 10.0
    return x.copy(), L, False


@njit(cache=True)
def _logq(x: np.ndarray, mean: np.ndarray, L: np.ndarray) -> float:
    """log N(x; mean, (L L')⁻¹) up to the constant."""
    p = x.shape[0]
    v = x - mean
    z = np.zeros(p)  # z = L' v
    for a in range(p):
        acc = 0.0
        for b in range(a, p):
            acc += L[b, a] * v[b]
        z[a] = acc
    out = 0.0
    for a in range(p):
        out += math.log(L[a, a]) - 0.5 * z[a] * z[a]
    return out


@njit(cache=True)
def _accept(st: K.State, blk: int, logr: float) -> bool:
    """One Metropolis-Hastings decision of block ``blk``, counted for its acceptance rate and
    adaptation window."""
    st.tries[blk] += 1.0
    st.mh_win_n[blk] += 1.0
    if logr > -np.inf and math.log(uniform(st.rng)) < logr:
        st.acc[blk] += 1.0
        st.mh_win_acc[blk] += 1.0
        return True
    return False


@njit(cache=True)
def _beta_newton(m: K.Model, d: GData, st: K.State, blk: int, burn: bool) -> bool:
    """Gamerman's Metropolized IRLS step for β, and for an ordered model's cutpoints with it
    (:func:`_ordinal_terms`: a proposal whose cutpoints do not increase has prior zero and is
    rejected). False when it cannot be formed here.

    Far from the posterior (starting values other than the ML estimates) the Newton proposal
    overshoots and its reverse is improbable, so the chain can stay put for thousands of
    iterations. During burn-in (``burn``), when the block has not accepted once in 5 tries,
    β takes a damped Newton step toward the mode instead, until a proposal is accepted; the
    sampling after burn-in is the plain Metropolis-Hastings kernel."""
    p = d.X.shape[1]
    # an ordered model's cutpoints follow the coefficients in β and move with them (a
    # negative binomial's ln α, also there, is held)
    joint = m.p > p and (d.fam == OLOGIT or d.fam == OPROBIT)
    q = m.p if joint else p
    n = d.y.shape[0]
    beta0 = st.beta[:q].copy()
    cut = st.beta[p:].copy()
    ll1 = np.empty(n)
    ll0 = ll1 if joint else st.resid[n:]  # the ordered terms always compute them
    lt0, m0, L0, ok0 = _terms(m, d, beta0, st.resid[:n], ll0, False, cut, joint)
    if not ok0:
        return False
    z = np.empty(q)
    for a in range(q):
        z[a] = normal(st.rng)
    beta1 = m0 + K._solve_upper_t(L0, z)
    eta1 = np.empty(n)
    for i in range(n):
        e = st.resid[i]
        for a in range(p):
            e += d.X[i, a] * (beta1[a] - beta0[a])
        eta1[i] = e
    lt1, m1, L1, ok1 = _terms(m, d, beta1, eta1, ll1, True, cut, joint)
    logr = -np.inf
    if ok1 and lt1 > -np.inf:
        logr = lt1 + _logq(beta0, m1, L1) - lt0 - _logq(beta1, m0, L0)
    if _accept(st, blk, logr):
        for a in range(q):
            st.beta[a] = beta1[a]
        for i in range(n):
            st.resid[i] = eta1[i]
            st.resid[n + i] = ll1[i]
    elif burn and st.acc[blk] == 0.0 and st.tries[blk] >= 5.0:
        # a damped Newton step: the full step overshoots where the likelihood is flat (a logit
        # far in its tails), so halve it until the log posterior rises
        t = 1.0
        cand = np.empty(q)
        for _half in range(40):
            for a in range(q):
                cand[a] = beta0[a] + t * (m0[a] - beta0[a])
            for i in range(n):
                e = st.resid[i]
                for a in range(p):
                    e += d.X[i, a] * (cand[a] - beta0[a])
                eta1[i] = e
            lt2, _m2, _L2, ok2 = _terms(m, d, cand, eta1, ll1, True, cut, joint)
            if ok2 and lt2 > lt0:
                for a in range(q):
                    st.beta[a] = cand[a]
                for i in range(n):
                    st.resid[i] = eta1[i]
                    st.resid[n + i] = ll1[i]
                break
            t *= 0.5
    return True


@njit(cache=True)
def _terms(
    m: K.Model,
    d: GData,
    theta: np.ndarray,
    eta: np.ndarray,
    ll: np.ndarray,
    fill: bool,
    cut: np.ndarray,
    joint: bool,
):
    """The Newton proposal's terms in β (:func:`_newton_terms`) or, for an ordered model, in
    β and the cutpoints jointly (:func:`_ordinal_terms`)."""
    if joint:
        return _ordinal_terms(m, d, theta, eta, ll)
    return _newton_terms(m, d, theta, eta, ll, fill, cut)


@njit(cache=True)
def _ordinal_terms(m: K.Model, d: GData, theta: np.ndarray, eta: np.ndarray, ll: np.ndarray):
    """An ordered model's log target, and the Newton proposal's mean and precision factor, in
    θ = (β, κ) jointly at ``theta`` (η given; each observation's log likelihood computed into
    ``ll``). The log likelihood is concave in (β, κ) (Pratt 1981), so the proposal is close to
    the conditional. For one observation with bounds zu = κ_{y+1} - η and zl = κ_y - η,
    log P has gradient a·∂zu - b·∂zl and Hessian h_uu ∂zu∂zu' + h_ll ∂zl∂zl' + h_ul (∂zu∂zl' +
    ∂zl∂zu'), a = f(zu)/P, b = f(zl)/P, h_uu = f'(zu)/P - a², h_ll = -f'(zl)/P - b², h_ul = ab,
    where ∂zu = (-x, e_{y+1}) and ∂zl = (-x, e_y) in θ."""
    px = d.X.shape[1]
    q = theta.shape[0]
    nc = q - px
    cut = theta[px:]
    H = np.zeros((q, q))
    g = np.zeros(q)
    lt = 0.0
    ordered = True
    for j in range(1, nc):
        if not cut[j] > cut[j - 1]:
            ordered = False
    if not ordered:
        return -np.inf, theta.copy(), H, False
    logit = d.fam == OLOGIT
    du = np.zeros(q)
    dl = np.zeros(q)
    for i in range(d.y.shape[0]):
        w = d.w[i]
        c = int(d.y[i])
        zu = cut[c] - eta[i] if c < nc else np.inf
        zl = cut[c - 1] - eta[i] if c >= 1 else -np.inf
        logP, a, b, ga, gb = _ord_parts(logit, zu, zl)
        if logP == -np.inf:
            return -np.inf, theta.copy(), H, False
        ll[i] = logP
        lt += w * logP
        huu = ga - a * a
        hll = -gb - b * b
        hul = a * b
        for t in range(px):
            du[t] = -d.X[i, t]
            dl[t] = -d.X[i, t]
        for t in range(px, q):
            du[t] = 0.0
            dl[t] = 0.0
        if c < nc:
            du[px + c] = 1.0
        else:
            for t in range(px):
                du[t] = 0.0  # zu = +∞: no dependence
        if c >= 1:
            dl[px + c - 1] = 1.0
        else:
            for t in range(px):
                dl[t] = 0.0
        for r in range(q):
            g[r] += w * (a * du[r] - b * dl[r])
            for s_ in range(r + 1):
                H[r, s_] -= w * (
                    huu * du[r] * du[s_]
                    + hll * dl[r] * dl[s_]
                    + hul * (du[r] * dl[s_] + dl[r] * du[s_])
                )
    lt = _close_terms(m, theta, H, g, lt)
    mean, L, ok = _ridged_newton(theta, H, g)
    return lt, mean, L, ok


@njit(cache=True)
def refresh_eta(m: K.Model, d: GData, st: K.State) -> None:
    """η and each observation's log likelihood, computed afresh from β and the effects."""
    n = d.y.shape[0]
    px = d.X.shape[1]
    cut = st.beta[px:].copy()
    for i in range(n):
        e = d.off[i]
        for j in range(px):
            e += d.X[i, j] * st.beta[j]
        for lev in range(m.nl):
            k = m.k[lev]
            bo = m.boff[lev] + d.g[i, lev] * k
            zc = m.zcoff[lev]
            for t in range(k):
                e += d.Z[i, zc + t] * st.b[bo + t]
        st.resid[i] = e
        st.resid[n + i] = ll_obs(d.fam, d.y[i], d.ntr[i], e, cut)


@njit(cache=True)
def loglik(m: K.Model, d: GData, st: K.State) -> float:
    out = d.const
    n = d.y.shape[0]
    for i in range(n):
        out += d.w[i] * st.resid[n + i]
    return out


@njit(cache=True)
def logpost_at(m: K.Model, d: GData, st: K.State, row: np.ndarray, b: np.ndarray) -> float:
    """log p(y | θ, b) + log p(θ) + log p(b | θ) at the given parameters (laid out as
    recorded) and random effects; the state is overwritten."""
    K.restore(m, st, row, b)
    refresh_eta(m, d, st)
    return loglik(m, d, st) + K.logprior(m, st)


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
def _rw_step(st: K.State, blk: int, k: int) -> np.ndarray:
    """An adaptive random walk's step for block ``blk`` of ``k`` values: the block's scale
    times a normal draw with its proposal covariance (the identity where that is singular)."""
    L = st.mh_cov[blk, :k, :k].copy()
    if not K._chol_inplace(L):
        L = np.eye(k)
    z = np.empty(k)
    for i in range(k):
        z[i] = normal(st.rng)
    return st.mh_scale[blk] * (L @ z)


@njit(cache=True)
def _beta_step(m: K.Model, d: GData, st: K.State, blk: int) -> None:
    p = d.X.shape[1]
    n = d.y.shape[0]
    cut = st.beta[p:].copy()
    step = _rw_step(st, blk, p)
    lp0 = K.beta_logprior(m, st.beta, p)
    moved = st.beta.copy()
    moved[:p] += step
    lp1 = K.beta_logprior(m, moved, p)
    eta1 = np.empty(n)
    ll1 = np.empty(n)
    if lp1 > -np.inf:
        for i in range(n):
            e = st.resid[i]
            for j in range(p):
                e += d.X[i, j] * step[j]
            eta1[i] = e
            ll1[i] = ll_obs(d.fam, d.y[i], d.ntr[i], e, cut)
            lp0 += d.w[i] * st.resid[n + i]
            lp1 += d.w[i] * ll1[i]
    if _accept(st, blk, lp1 - lp0 if lp1 > -np.inf else -np.inf):
        for j in range(p):
            st.beta[j] += step[j]
        for i in range(n):
            st.resid[i] = eta1[i]
            st.resid[n + i] = ll1[i]
    _moments(st, blk, st.beta[:p])


@njit(cache=True)
def _level_precision(m: K.Model, st: K.State, lev: int) -> tuple[np.ndarray, bool]:
    """Σ⁻¹ of level ``lev``'s random effects, and whether Σ is positive definite (a variance
    at zero makes it singular; the steps that need Σ⁻¹ then leave the level alone)."""
    k = m.k[lev]
    o = m.zzk[lev]
    S = st.Sig[o : o + k * k].reshape(k, k).copy()
    L = S.copy()
    if not K._chol_inplace(L):
        return S, False
    return K._inv_spd(S), True


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
        P, ok = _level_precision(m, st, lev)
        if not ok:
            continue
        G = m.G[lev]
        bo = m.boff[lev]
        # β_f + δ and b_gj − δ a_g leave η as it is; the effects' normal density (and β_f's
        # prior) make δ's conditional normal: precision A, mean B / A
        A = 0.0
        B = 0.0
        for grp in range(G):
            ag = d.shift_a[r, grp]
            A += ag * ag * P[j, j]
            for t in range(k):
                B += ag * P[j, t] * st.b[bo + grp * k + t]
        if code == 1:
            a = m.beta_args[f]
            A += 1.0 / a[1]
            B += (a[0] - st.beta[f]) / a[1]
        if not A > 0.0:
            continue
        delta = B / A + normal(st.rng) / math.sqrt(A)
        st.beta[f] += delta
        for grp in range(G):
            st.b[bo + grp * k + j] -= delta * d.shift_a[r, grp]


@njit(cache=True)
def _cut_step(m: K.Model, d: GData, st: K.State, blk: int) -> None:
    """An ordered model's cutpoints by one adaptive random-walk MH block (Stata's: the
    cutpoints are one block; their prior is zero unless they increase), or a negative
    binomial's ln α (ln δ) by one of its own."""
    px = d.X.shape[1]
    nc = m.p - px
    n = d.y.shape[0]
    cut1 = st.beta[px:].copy() + _rw_step(st, blk, nc)
    lp0 = 0.0
    lp1 = 0.0
    for j in range(nc):
        a = m.beta_args[px + j]
        lp0 += logpdf_scalar(m.beta_code[px + j], st.beta[px + j], a[0], a[1], a[2])
        lp1 += logpdf_scalar(m.beta_code[px + j], cut1[j], a[0], a[1], a[2])
        if j > 0 and not cut1[j] > cut1[j - 1]:
            lp1 = -np.inf
    ll1 = np.empty(n)
    if lp1 > -np.inf:
        for i in range(n):
            ll1[i] = ll_obs(d.fam, d.y[i], d.ntr[i], st.resid[i], cut1)
            lp0 += d.w[i] * st.resid[n + i]
            lp1 += d.w[i] * ll1[i]
    if _accept(st, blk, lp1 - lp0 if lp1 > -np.inf else -np.inf):
        for j in range(nc):
            st.beta[px + j] = cut1[j]
        for i in range(n):
            st.resid[n + i] = ll1[i]
    _moments(st, blk, st.beta[px:])


@njit(cache=True)
def _cut_shift(m: K.Model, d: GData, st: K.State) -> None:
    """Every cutpoint and every group's random intercept up by the same δ: κ - η, hence the
    likelihood, is unchanged, and with flat or normal priors on the cutpoints δ's conditional
    is normal (the intercepts' normal density times the cutpoints' priors): an exact Gibbs
    draw along the direction where the cutpoints and the effects' mean trade off (an ordered
    model's counterpart of shifting ``_cons`` against ``U0``)."""
    px = d.X.shape[1]
    nc = m.p - px
    n = d.y.shape[0]
    for r in range(d.cut_shift.shape[0]):
        lev = d.cut_shift[r, 0]
        j = d.cut_shift[r, 1]
        k = m.k[lev]
        P, ok = _level_precision(m, st, lev)
        if not ok:
            continue
        G = m.G[lev]
        bo = m.boff[lev]
        A = G * P[j, j]
        B = 0.0
        for grp in range(G):
            for t in range(k):
                B -= P[j, t] * st.b[bo + grp * k + t]
        gaussian = True
        for c in range(nc):
            code = m.beta_code[px + c]
            if code == 1:
                a = m.beta_args[px + c]
                A += 1.0 / a[1]
                B += (a[0] - st.beta[px + c]) / a[1]
            elif code != 0:
                gaussian = False
        if not gaussian or not A > 0.0:
            continue
        delta = B / A + normal(st.rng) / math.sqrt(A)
        for c in range(nc):
            st.beta[px + c] += delta
        for grp in range(G):
            st.b[bo + grp * k + j] += delta
        zc = m.zcoff[lev]
        for i in range(n):
            st.resid[i] += delta * d.Z[i, zc + j]


@njit(cache=True)
def _cov_logprior(m: K.Model, st: K.State, lev: int) -> float:
    k = m.k[lev]
    if m.struct[lev] == K.UNSTRUCTURED:
        o = m.zzk[lev]
        S = st.Sig[o : o + k * k].reshape(k, k).copy()
        if m.iw_df[lev] > 0.0:
            V = m.iw_S[o : o + k * k].reshape(k, k).copy()
            return logpdf_iwishart(S, m.iw_df[lev], V)
        return logpdf_jeffreys_matrix(S)
    out = 0.0
    vo = m.voff[lev]
    for j in range(m.nvar[lev]):
        a = m.var_args[vo + j]
        out += logpdf_scalar(m.var_code[vo + j], st.var[vo + j], a[0], a[1], a[2])
    return out


@njit(cache=True)
def _scale_step(m: K.Model, d: GData, st: K.State, blk: int) -> None:
    lev = m.blk_level[blk]
    if m.struct[lev] == K.EXCHANGEABLE:
        return
    k = m.k[lev]
    n = d.y.shape[0]
    bo = m.boff[lev]
    zc = m.zcoff[lev]
    o = m.zzk[lev]
    vo = m.voff[lev]
    cut = st.beta[d.X.shape[1] :].copy()
    logc = st.mh_scale[blk] * normal(st.rng)
    c = math.exp(logc)
    nfree = k * (k + 1) // 2 if m.struct[lev] == K.UNSTRUCTURED else m.nvar[lev]
    lp0 = _cov_logprior(m, st, lev)
    eta1 = np.empty(n)
    lli = np.empty(n)
    ll0 = 0.0
    ll1 = 0.0
    for i in range(n):
        grp = d.g[i, lev]
        zb = 0.0
        for t in range(k):
            zb += d.Z[i, zc + t] * st.b[bo + grp * k + t]
        eta1[i] = st.resid[i] + (c - 1.0) * zb
        lli[i] = ll_obs(d.fam, d.y[i], d.ntr[i], eta1[i], cut)
        ll0 += d.w[i] * st.resid[n + i]
        ll1 += d.w[i] * lli[i]
    c2 = c * c
    sig0 = st.Sig[o : o + k * k].copy()
    var0 = st.var[vo : vo + m.nvar[lev]].copy()
    for t in range(k * k):
        st.Sig[o + t] *= c2
    for j in range(m.nvar[lev]):
        st.var[vo + j] *= c2
    lp1 = _cov_logprior(m, st, lev)
    logr = ll1 - ll0 + lp1 - lp0 + 2.0 * nfree * logc if lp1 > -np.inf else -np.inf
    if _accept(st, blk, logr):
        for t in range(m.G[lev] * k):
            st.b[bo + t] *= c
        for i in range(n):
            st.resid[i] = eta1[i]
            st.resid[n + i] = lli[i]
    else:
        for t in range(k * k):
            st.Sig[o + t] = sig0[t]
        for j in range(m.nvar[lev]):
            st.var[vo + j] = var0[j]


@njit(cache=True)
def _group_newton(
    m: K.Model,
    d: GData,
    st: K.State,
    lev: int,
    grp: int,
    b: np.ndarray,
    delta0: np.ndarray,
    P: np.ndarray,
    ll: np.ndarray,
    fill: bool,
):
    """The log full conditional of one group's effects at ``b`` (η shifted by Z(b − b_now)
    through ``delta0`` = b − b_now), and its Newton proposal's mean and precision factor.
    Observation log likelihoods are read from the state's cache or, with ``fill``, computed into
    ``ll``."""
    k = m.k[lev]
    zc = m.zcoff[lev]
    so = d.soff[lev]
    n = d.y.shape[0]
    cut = st.beta[d.X.shape[1] :]
    H = P.copy()
    g = -(P @ b)
    lt = -0.5 * np.dot(b, P @ b)
    for r in range(d.start[so + grp], d.start[so + grp + 1]):
        i = d.order[lev, r]
        e = st.resid[i]
        for t in range(k):
            e += d.Z[i, zc + t] * delta0[t]
        if fill:
            li, d1, d2 = ll_derivs(d.fam, d.y[i], d.ntr[i], e, cut)
            ll[i] = li
        else:
            d1, d2 = derivs(d.fam, d.y[i], d.ntr[i], e, cut)
            li = st.resid[n + i]
        w = d.w[i]
        lt += w * li
        for a in range(k):
            za = d.Z[i, zc + a]
            g[a] += w * d1 * za
            for c in range(k):
                H[a, c] -= w * d2 * za * d.Z[i, zc + c]
    L = H.copy()
    if not K._chol_inplace(L):
        return lt, b.copy(), L, False
    return lt, b + K._chol_solve(L, g), L, True


@njit(cache=True)
def _re_newton(m: K.Model, d: GData, st: K.State, lev: int, blk: int) -> None:
    """Each group's effects by Gamerman's Newton proposal (as the coefficients'): the
    conditional of a group's effects is log-concave, so the proposal is close to it."""
    k = m.k[lev]
    P, ok = _level_precision(m, st, lev)
    if not ok:
        return  # a singular Σ (a variance at zero): the effects stay where they are
    bo = m.boff[lev]
    zc = m.zcoff[lev]
    so = d.soff[lev]
    n = d.y.shape[0]
    ll1 = np.empty(n)
    zero = np.zeros(k)
    z = np.empty(k)
    for grp in range(m.G[lev]):
        b0 = st.b[bo + grp * k : bo + (grp + 1) * k].copy()
        lt0, m0, L0, ok0 = _group_newton(m, d, st, lev, grp, b0, zero, P, ll1, False)
        if not ok0:
            continue
        for t in range(k):
            z[t] = normal(st.rng)
        b1 = m0 + K._solve_upper_t(L0, z)
        lt1, m1, L1, ok1 = _group_newton(m, d, st, lev, grp, b1, b1 - b0, P, ll1, True)
        logr = -np.inf
        if ok1:
            logr = lt1 + _logq(b0, m1, L1) - lt0 - _logq(b1, m0, L0)
        if _accept(st, blk, logr):
            for r in range(d.start[so + grp], d.start[so + grp + 1]):
                i = d.order[lev, r]
                delta = 0.0
                for t in range(k):
                    delta += d.Z[i, zc + t] * (b1[t] - b0[t])
                st.resid[i] += delta
                st.resid[n + i] = ll1[i]
            for t in range(k):
                st.b[bo + grp * k + t] = b1[t]


@njit(cache=True)
def iterate(m: K.Model, d: GData, st: K.State, adapt: bool, burn: bool) -> None:
    """One sweep of every block; ``adapt`` tunes the proposals, ``burn`` (burn-in only, never
    while draws are kept) allows the Newton block's damped steps toward the mode."""
    nb = m.blk_type.shape[0]
    for blk in range(nb):
        if m.blk_type[blk] == K.BETA:
            if d.newton == 1:
                _beta_newton(m, d, st, blk, burn)  # no proposal here: no move (none back)
            else:
                _beta_step(m, d, st, blk)
    for lev in range(m.nl):
        _re_newton(m, d, st, lev, d.re_blk[lev])
    _shift_step(m, d, st)
    K._variance_step(m, st)
    for blk in range(nb):
        t = m.blk_type[blk]
        if t == SCALE:
            _scale_step(m, d, st, blk)
        elif t == CUT:
            _cut_step(m, d, st, blk)
        elif t != K.BETA and t != RE:
            K._mh_step(m, st, blk)
    _cut_shift(m, d, st)
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
        iterate(m, d, st, adapt, not keep)
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
