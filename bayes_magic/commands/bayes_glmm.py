"""``bayes: melogit`` and friends (``menbreg``, ``meologit``, ``ologit`` ... too): design,
starting values and proposals for the GLMM kernel.

Starting values (Stata's default, ``mleinitial``) come from the maximum-likelihood fit of the
same model by ``melogit`` (:mod:`bayes_magic.fit.glmm`): its coefficients, covariance matrices
and empirical Bayes means of the random effects. The coefficients' covariance from that fit is
the random-walk proposal's starting covariance when the priors make the kernel use one (the
Newton proposals of the coefficients and of the random effects need no tuning).
``nomleinitial`` starts from zeros and unit variances.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..design.glmm import build_glmm_design, ordinal_codes
from ..design.mixed import MixedDesign
from ..errors import StataError
from ..fit.glmm_family import FAMILIES, NEGBIN_FAMILIES, ORDINAL_FAMILIES
from ..spec.bayes import BayesLinearModel

__all__ = ["glmm_setup", "glmm_states", "glmm_loglik", "glmm_simulate"]


def glmm_setup(s, bm: BayesLinearModel, touse: np.ndarray) -> tuple:
    """``(design, GLMM design, (Model, GData), layout, initial values, coefficient SEs,
    V(β))``."""
    from ..sampler.glmm_driver import prepare_glmm
    from .bayes_run import _default_init, _from_cov

    family = family_of(bm)
    gd = glmm_design(s, bm, touse)
    d: MixedDesign = gd.base
    for lev, dl in zip(bm.levels, d.levels):
        if dl.G < 2:
            raise StataError(f"{lev.level}: random effects need at least two groups", 459)
    o = bm.options
    fit = None
    if bm.ordinal and not d.levels:
        return (d, gd, *_ordinal_start(bm, gd, family))
    if bm.negbin and not d.levels:
        return (d, gd, *_negbin_start(bm, gd, family))
    if not d.levels and not (o.nomleinitial or o.initrandom):
        return (d, gd, *_glm_start(bm, gd, family))
    if not (o.nomleinitial or o.initrandom):
        from ..fit.glmm import fit_glmm

        method = "mvaghermite" if len(d.levels) == 1 else "laplace"
        try:
            fit = fit_glmm(gd, family, method=method, intpoints=7 if method != "laplace" else 1)
        except (StataError, np.linalg.LinAlgError, ValueError, FloatingPointError):
            fit = None
    if fit is not None:
        base = _from_cov(bm, d, fit.beta, fit.blups(), fit.Sigmas, 1.0)
        pa = d.p + len(fit.aux)  # coefficients, then cutpoints or ln α
        V = fit.V_full[:pa, :pa]
        V_beta = V if np.all(np.isfinite(V)) else None
        se = np.sqrt(np.maximum(np.diag(V), 0.0)) if V_beta is not None else None
        base.beta = np.concatenate([base.beta, fit.aux])
    else:
        base = _default_init(bm, d)
        V_beta, se = None, None
        if bm.ordinal:
            base.beta = np.concatenate([base.beta, _null_cuts(gd, family)])
        elif bm.negbin:  # α = 1 (δ = 1)
            base.beta = np.concatenate([base.beta, [0.0]])
    model, layout = prepare_glmm(bm, gd, family)
    return d, gd, model, layout, base, se, V_beta


def glmm_design(s, bm: BayesLinearModel, touse: np.ndarray):
    """The model's GLMM design over ``touse`` (an ordered model's outcome recoded and its
    cutpoints named), its coefficient priors checked; also what ``dryrun`` shows."""
    from .bayes_run import check_coef_priors

    opts = bm.glmm_options
    gd = build_glmm_design(
        s.data,
        bm.linear,
        touse,
        family="poisson" if family_of(bm).count else family_of(bm).family,
        binomial=opts.get("binomial"),
        offset=opts.get("offset"),
        exposure=opts.get("exposure"),
    )
    if bm.ordinal:
        ordinal_codes(gd)
        _cut_names(bm, len(gd.values) - 1)
    check_coef_priors(bm, gd.base)
    return gd


def family_of(bm: BayesLinearModel):
    """The model's conditional distribution (:mod:`bayes_magic.fit.glmm_family`)."""
    if bm.ordinal:
        return ORDINAL_FAMILIES[bm.family]
    if bm.negbin:
        disp = "mean" if bm.aux_names == ["lnalpha"] else "constant"
        return replace(NEGBIN_FAMILIES[bm.family], dispersion=disp)
    return FAMILIES[bm.family]


def _cut_names(bm: BayesLinearModel, ncut: int) -> None:
    """``{cut1}`` ... for the outcomes in the data; a ``prior()`` naming another is an error."""
    bm.aux_names = [f"cut{j + 1}" for j in range(ncut)]
    for name in bm.aux_priors:
        if name not in bm.aux_names:
            raise StataError(f"parameter {{{name}}} not found", 111)


def _null_cuts(gd, family) -> np.ndarray:
    """The cutpoints of the model without covariates: F⁻¹ of the cumulative shares."""
    from scipy import special

    d = gd.base
    w = np.ones(d.n) if d.weights is None else d.weights.astype(float)
    counts = np.bincount(d.y.astype(np.int64), weights=w, minlength=len(gd.values))
    cum = np.cumsum(counts)[:-1] / counts.sum()
    inv = special.logit if family.link == "logit" else special.ndtri
    return inv(np.clip(cum, 1e-6, 1 - 1e-6))


def _plain_start(bm: BayesLinearModel, gd, family, fit_ml, null_aux: np.ndarray) -> tuple:
    """A model without random effects whose likelihood has parameters after the coefficients
    (``bayes: ologit``, ``oprobit``, ``nbreg``): the ML fit ``fit_ml()`` → (β, those
    parameters, their joint covariance) starts the chain, its inverse information shapes the
    proposals (β's, and the parameters' given β); without it (``nomleinitial``, or a fit
    that fails), zeros and ``null_aux``."""
    from ..sampler.glmm_driver import prepare_glmm
    from .bayes_run import _default_init, _from_cov

    d: MixedDesign = gd.base
    model, layout = prepare_glmm(bm, gd, family)
    o = bm.options
    fit = None
    if not (o.nomleinitial or o.initrandom):
        try:
            with np.errstate(all="ignore"):
                fit = fit_ml()
        except (StataError, np.linalg.LinAlgError, ValueError, FloatingPointError):
            fit = None
    if fit is None or not np.all(np.isfinite(fit[2])) or np.any(np.diag(fit[2]) <= 0):
        base = _default_init(bm, d)
        base.beta = np.concatenate([base.beta, null_aux])
        return model, layout, base, None, None
    beta, aux, V = fit
    base = _from_cov(bm, d, beta, [], [], 1.0)
    base.beta = np.concatenate([base.beta, aux])
    return model, layout, base, np.sqrt(np.diag(V)), V


def _ordinal_start(bm: BayesLinearModel, gd, family) -> tuple:
    """``bayes: ologit`` / ``oprobit``: started from ``ologit`` / ``oprobit``'s fit."""
    from ..fit.ordinal import fit_ordinal

    def fit_ml():
        off = gd.offset if gd.offset_name else None
        f = fit_ordinal(gd.base, family.link, offset=off)
        return f.beta, f.cuts, f.V

    return _plain_start(bm, gd, family, fit_ml, _null_cuts(gd, family))


def _negbin_start(bm: BayesLinearModel, gd, family) -> tuple:
    """``bayes: nbreg``: started from ``nbreg``'s fit (α = 1 without it)."""
    from ..fit.nbreg import fit_nbreg_model

    def fit_ml():
        f = fit_nbreg_model(gd, family)
        return f.beta, f.aux, f.V_full

    return _plain_start(bm, gd, family, fit_ml, np.zeros(1))


def _glm_start(bm: BayesLinearModel, gd, family) -> tuple:
    """A model without random effects (``bayesmh y x, likelihood(logit)``): the ML fit of
    ``logit`` ... (:func:`~bayes_magic.fit.glm.fit_glm_model`) starts the chain, its inverse
    information shapes the coefficients' proposal."""
    from ..fit.glm import fit_glm_model
    from ..sampler.glmm_driver import prepare_glmm
    from .bayes_run import _default_init, _from_cov

    d: MixedDesign = gd.base
    model, layout = prepare_glmm(bm, gd, family)
    try:
        with np.errstate(all="ignore"):
            fit = fit_glm_model(gd, family)
    except (StataError, np.linalg.LinAlgError, ValueError, FloatingPointError):
        fit = None
    if fit is None or not np.all(np.isfinite(fit.V_beta)) or np.any(np.diag(fit.V_beta) <= 0):
        return model, layout, _default_init(bm, d), None, None  # separation ...: from zeros
    base = _from_cov(bm, d, fit.beta, [], [], 1.0)
    return model, layout, base, np.sqrt(np.diag(fit.V_beta)), fit.V_beta


def glmm_states(model: tuple, states: list, V_beta: np.ndarray | None) -> list:
    """The linear kernel's states made ready for the GLMM kernel: room for η, and the
    coefficients' proposal covariance from the ML fit."""
    from ..sampler.glmm import OLOGIT, OPROBIT

    m, data = model
    n = data.y.shape[0]
    p = data.X.shape[1]
    ncut = m.p - p  # an ordered model's cutpoints (or ln α), block 1, after β's block
    out = []
    for st in states:
        st = st._replace(resid=np.zeros(2 * n))  # η, then each observation's log likelihood
        if data.newton:  # Newton proposals need no adaptation
            st.mh_done[0] = 1.0
        st.mh_done[data.re_blk] = 1.0
        if V_beta is not None:
            for blk, Vb in enumerate(_block_covariances(V_beta, p, ncut)):
                w, V = np.linalg.eigh((Vb + Vb.T) / 2)
                k = Vb.shape[0]
                st.mh_cov[blk, :k, :k] = (V * np.maximum(w, 1e-12)) @ V.T
        if ncut and data.fam in (OLOGIT, OPROBIT):  # dispersed starting cutpoints must increase
            cuts = np.sort(st.beta[p:])
            for j in range(1, ncut):
                cuts[j] = max(cuts[j], cuts[j - 1] + 1e-3)
            st.beta[p:] = cuts
        out.append(st)
    return out


def _block_covariances(V: np.ndarray, p: int, ncut: int) -> list[np.ndarray]:
    """The starting proposal covariances from the ML fit's: β's block, and an ordered model's
    cutpoint block, which moves given β, so its covariance is the conditional one (the Schur
    complement V_κκ - V_κβ V_ββ⁻¹ V_βκ)."""
    out = [V[:p, :p]] if p else [np.zeros((0, 0))]
    if ncut:
        Vcc, Vcb = V[p:, p:], V[p:, :p]
        if p:
            Vcc = Vcc - Vcb @ np.linalg.lstsq(V[:p, :p], Vcb.T, rcond=None)[0]
        out.append(Vcc)
    return out


def glmm_loglik(post, xb: np.ndarray, cuts: np.ndarray | None = None) -> float:
    """log p(y | θ) over the estimation sample for the linear predictor ``xb`` (without the
    offset, which is added here) and the likelihood's parameters ``cuts`` (an ordered model's
    cutpoints, ln α), the constant included as the sampler records it."""
    gd = post.glmm
    d = gd.base
    fam = family_of(post.model)
    if cuts is not None:
        fam = fam.with_aux(cuts)
    w = d.weights if d.weights is not None else 1.0
    y = d.y.astype(float)
    ll = fam.loglik(y, gd.trials, xb + gd.offset)[0] + fam.constant(y, gd.trials)
    return float(np.sum(w * ll))


def ordinal_simulate(
    s, post, rows: np.ndarray, xb: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """An ordered model's replicates ([R] ologit, Methods and formulas: P(y <= v_k) =
    F(cut_k - eta), F logistic or normal) at every draw's coefficients, random effects and
    cutpoints, as outcome values, and ``{_mu}``, the outcome's conditional mean sum_k v_k
    P(y = v_k): both (chains, draws, rows)."""
    from scipy import special, stats

    from ..design.glmm import trials_offset_now

    fam = family_of(post.model)
    F = stats.norm.cdf if fam.link == "probit" else special.expit
    _trials, off = trials_offset_now(s.data, post.glmm)
    eta = xb + off[rows]
    values = np.asarray(post.glmm.values, dtype=float)
    cuts = np.stack([post.chains_of(n) for n in post.model.aux_names], axis=-1)
    mu, ysim = np.empty(eta.shape), np.empty(eta.shape)
    C, T, n = eta.shape
    step = max(1, 2_000_000 // max(1, C * n * len(values)))  # draws at a time: bounded memory
    for t0 in range(0, T, step):
        sl = slice(t0, t0 + step)
        cum = F(cuts[:, sl, None, :] - eta[:, sl, :, None])  # P(y <= v_k), k < J
        edge = np.ones((*cum.shape[:-1], 1))
        probs = np.diff(np.concatenate([0 * edge, cum, edge], axis=-1), axis=-1)
        mu[:, sl] = probs @ values
        u = rng.random(eta[:, sl].shape)
        ysim[:, sl] = values[(u[..., None] > cum).sum(axis=-1)]
    return mu, ysim


def glmm_simulate(
    s, post, rows: np.ndarray, xb: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The conditional mean at every draw (n·p, or the count mean) over the data in memory
    and replicates of the outcome drawn from it: both (chains, draws, rows)."""
    from ..design.glmm import trials_offset_now

    fam = family_of(post.model)
    trials, off = trials_offset_now(s.data, post.glmm)
    n = trials[rows]
    eta = xb + off[rows]
    mu = fam.mean(n, eta)
    if fam.family == "nbinomial":  # a gamma mixture of Poissons, at each draw's ln α
        name = post.model.aux_names[0]
        a = np.exp(post.chains_of(name))[:, :, None]
        shape = 1.0 / a if fam.dispersion == "mean" else mu / a  # size m; mean μ
        with np.errstate(over="ignore", invalid="ignore"):
            ysim = rng.poisson(rng.gamma(shape, mu / shape)).astype(float)
    elif fam.family == "poisson":
        ysim = rng.poisson(mu).astype(float)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(n > 0, mu / np.where(n > 0, n, 1.0), 0.0)
        ysim = rng.binomial(np.broadcast_to(n, p.shape).astype(np.int64), np.clip(p, 0, 1))
        ysim = ysim.astype(float)
    return mu, ysim
