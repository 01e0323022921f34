"""Run a Bayesian linear multilevel model: design, initial values, chains, a Posterior.

Initial values (Stata's default, ``mleinitial``): the maximum-likelihood fit of the same model by
``mixed`` (coefficients, covariance matrices, residual variance) and its BLUPs for the random
effects. Chains after the first start from over-dispersed values around them (coefficients two
standard errors away at random, variances scaled by exp(N(0, 1/2²))). ``nomleinitial`` starts
from zero coefficients and effects and unit variances; ``initrandom`` also draws the coefficients
from their normal priors; ``initial()``, ``init#()`` and ``initall()`` set values by name.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from ..design.mixed import MixedDesign, build_mixed_design
from ..diagnostics.mcmc import ess_stata, gelman_rubin
from ..errors import StataError
from ..posterior import Posterior
from ..report.output import Text
from ..spec.bayes import BayesLinearModel, mcmc_iterations
from ..syntax.lexer import tokenize
from ..syntax.params import parse_param

__all__ = [
    "estimate",
    "check_coef_priors",
    "new_posterior",
    "health_warnings",
    "initial_values",
]


def _permute(lev, dl) -> list[int]:
    return [dl.znames.index(e) for e in lev.effects]


class _Init:
    """Initial values of one chain in the kernel's layout."""

    def __init__(self, beta, b, s2, sig, var, rho, df) -> None:
        self.beta, self.b, self.s2 = beta, b, s2
        self.sig, self.var, self.rho, self.df = sig, var, rho, df

    def copy(self) -> _Init:
        return _Init(
            self.beta.copy(),
            self.b.copy(),
            float(self.s2),
            self.sig.copy(),
            self.var.copy(),
            self.rho.copy(),
            self.df.copy(),
        )


def _psd(S: np.ndarray, floor: float) -> np.ndarray:
    w, V = np.linalg.eigh((S + S.T) / 2)
    return (V * np.maximum(w, floor)) @ V.T


def _from_cov(
    bm: BayesLinearModel,
    d: MixedDesign,
    beta: np.ndarray,
    blups: list,
    Sigmas: list[np.ndarray],
    s2: float,
) -> _Init:
    sig, var, rho, df = [], [], [], []
    b = []
    for lev, dl, S, bl in zip(bm.levels, d.levels, Sigmas, blups):
        perm = _permute(lev, dl)
        Sb = _psd(S[np.ix_(perm, perm)], 1e-3 * s2)
        r = 0.0
        b.append(bl[:, perm].reshape(-1))
        k = lev.k
        if lev.structure == "unstructured":
            sig.append(Sb.reshape(-1))
        elif lev.structure == "independent":
            var += list(np.diag(Sb))
            sig.append(np.diag(np.diag(Sb)).reshape(-1))
        elif lev.structure == "identity":
            v = float(np.mean(np.diag(Sb)))
            var.append(v)
            sig.append((v * np.eye(k)).reshape(-1))
        else:
            v = float(np.mean(np.diag(Sb)))
            r = float(np.mean(Sb[~np.eye(k, dtype=bool)]) / v) if k > 1 else 0.0
            r = min(max(r, -1.0 / (k - 1) + 0.02 if k > 1 else -0.9), 0.95)
            var.append(v)
            sig.append((v * ((1 - r) * np.eye(k) + r)).reshape(-1))
        rho.append(r)
        df.append(_df_start(lev))
    cat = lambda xs: np.concatenate(xs) if xs else np.zeros(0)  # noqa: E731
    return _Init(
        beta.copy(),
        cat(b),
        float(s2),
        cat(sig),
        np.array(var, float),
        np.array(rho, float),
        np.array(df, float),
    )


def _df_start(lev) -> float:
    if lev.dist != "t" or lev.df_prior is None:
        return 1.0
    p = lev.df_prior
    if p.family == "uniform":
        a, b = float(p.args[0]), float(p.args[1])
        return min(max(10.0, a + 0.1 * (b - a)), b)
    return 10.0


def _mle_init(bm: BayesLinearModel, d: MixedDesign) -> tuple[_Init, np.ndarray | None]:
    from ..fit.mixed import fit_mixed

    try:
        fit = fit_mixed(d, False)
    except (StataError, np.linalg.LinAlgError, ValueError):
        return _default_init(bm, d), None
    return _from_cov(bm, d, fit.beta, fit.blups(), fit.Sigmas, fit.sigma2), np.sqrt(
        np.maximum(np.diag(fit.V_beta), 0.0)
    )


def _default_init(bm: BayesLinearModel, d: MixedDesign) -> _Init:
    blups = [np.zeros((dl.G, dl.k)) for dl in d.levels]
    Sigmas = [np.eye(dl.k) for dl in d.levels]
    return _from_cov(bm, d, np.zeros(d.p), blups, Sigmas, 1.0)


def _disperse(init: _Init, se: np.ndarray | None, rng: np.random.Generator) -> _Init:
    out = init.copy()
    scale = se if se is not None else np.ones_like(out.beta)
    out.beta = out.beta + 2.0 * scale * rng.standard_normal(len(out.beta))
    out.s2 = float(out.s2 * math.exp(0.5 * rng.standard_normal()))
    f = np.exp(0.5 * rng.standard_normal(max(len(out.var), 1)))
    out.var = out.var * f[: len(out.var)]
    out.sig = out.sig * math.exp(0.5 * rng.standard_normal())
    return out


def _random_coefs(
    bm: BayesLinearModel, d: MixedDesign, init: _Init, rng: np.random.Generator
) -> None:
    """``initrandom``: coefficients drawn from their (proper, normal) priors. Variance
    parameters keep their start: a draw from igamma(.01,.01) is numerically unusable, and the
    Gibbs steps forget the start after one iteration anyway."""
    for j, name in enumerate(d.xnames):
        p = bm.coef_priors.get(name, bm.coef_default)
        if p is not None and p.family == "normal" and p.numeric:
            init.beta[j] = float(p.args[0]) + math.sqrt(float(p.args[1])) * rng.standard_normal()


def _feasible_point(code: int, a: float, b: float) -> float | None:
    """A point inside the support of a prior of bounded or positive support (its centre, mean
    or median), for a default start that falls outside it; None for the other families."""
    return {
        3: lambda: math.exp(a),  # lognormal(mu, var): the median
        4: lambda: (a + b) / 2,  # uniform(a, b)
        5: lambda: a * b,  # gamma(shape, scale)
        6: lambda: b / (a + 1),  # igamma(shape, scale): the mode
        7: lambda: a,  # exponential(scale)
        8: lambda: a / (a + b),  # beta(a, b)
        11: lambda: a,  # chi2(df)
        12: lambda: b * 2 ** (1 / a),  # pareto(shape, scale): the median
        13: lambda: 1.0,  # jeffreys (a variance)
    }.get(int(code), lambda: None)()


def _feasible_start(kmodel, layout, init: _Init, user: bool, chain: str) -> None:
    """Make a chain's start feasible: every coefficient and variance inside its prior's support
    ([BAYES] bayesmh, Specifying initial values). A default start outside it (maximum
    likelihood estimates under a uniform(5,6) prior) moves to a point inside the support; a
    start the user gave is refused with r(498), naming the parameter.
    """
    from ..sampler.densities import logpdf_scalar

    items = [
        (init.beta, j, int(kmodel.beta_code[j]), kmodel.beta_args[j], layout.coef_names, j)
        for j in range(len(init.beta))
    ]
    items += [
        (init.var, j, int(kmodel.var_code[j]), kmodel.var_args[j], None, j)
        for j in range(len(init.var))
    ]
    for arr, j, code, args, names, k in items:
        x = float(arr[j])
        if math.isfinite(x) and math.isfinite(logpdf_scalar(code, x, *map(float, args))):
            continue
        point = None if user else _feasible_point(code, float(args[0]), float(args[1]))
        if point is not None and math.isfinite(logpdf_scalar(code, point, *map(float, args))):
            arr[j] = point
            continue
        what = f"{{{names[k]}}}" if names is not None and k < len(names) else "a variance"
        raise StataError(
            f"initial values not feasible{chain}: {what} = {x:.7g} has zero prior density; "
            "specify initial() inside the prior's support",
            498,
        )
    if not layout.sigma2_name or (  # a GLMM has no residual variance
        math.isfinite(init.s2)
        and init.s2 > 0
        and math.isfinite(logpdf_scalar(int(kmodel.s2_code), init.s2, *map(float, kmodel.s2_args)))
    ):
        return
    point = None if user else _feasible_point(int(kmodel.s2_code), *map(float, kmodel.s2_args[:2]))
    if point is None:
        raise StataError(
            f"initial values not feasible{chain}: {{{layout.sigma2_name or 'sigma2'}}} = "
            f"{init.s2:.7g} has zero prior density; specify initial() inside the prior's support",
            498,
        )
    init.s2 = point


def initial_values(text: str) -> list[tuple[object, bool, float | np.ndarray]]:
    """``initial({param} value ...)``: each named item, whether it was written as a matrix
    (``{Sigma,m}``), and its value (a number, or ``I(k)``). Shared by every Bayesian command."""
    toks = tokenize(text)
    out: list[tuple[object, bool, float | np.ndarray]] = []
    i = 0
    while toks[i].kind != "END":
        t = toks[i]
        if t.kind != "PARAM":
            raise StataError(f"initial(): {t.text} found where {{param}} expected", 198)
        ref = parse_param(t.text, t.span, text)
        i += 1
        neg = 1.0
        if toks[i].is_op("-"):
            neg = -1.0
            i += 1
        v = toks[i]
        value: float | np.ndarray
        if v.kind == "NUMBER":
            value = neg * float(v.text)
            i += 1
        elif v.is_name("I") and toks[i + 1].is_op("("):
            value = np.eye(int(toks[i + 2].text))
            i += 4
        else:
            raise StataError(f"initial(): invalid value for {{{t.text}}}", 198)
        out += [(item, ref.matrix, value) for item in ref.items]
    return out


def _apply_initial(bm: BayesLinearModel, d: MixedDesign, layout, init: _Init, text: str) -> None:
    """``initial({param} value ...)``: set named values (numbers, or ``I(k)`` for matrices)."""
    for item, matrix, value in initial_values(text):
        _set_init(bm, d, layout, init, item, matrix, value)


def _set_init(bm, d, layout, init: _Init, item, matrix: bool, value) -> None:
    full = f"{item.eq}:{item.name}" if item.eq else str(item.name)
    if full in layout.coef_names:
        init.beta[layout.coef_names.index(full)] = float(value)
        return
    if item.eq == bm.eq and item.name is None:
        init.beta[:] = float(value)
        return
    if full == bm.sigma2_name:
        init.s2 = float(value)
        return
    off = 0
    voff = 0
    for li, lev in enumerate(bm.levels):
        k = lev.k
        if matrix and lev.matrix == full:
            M = np.asarray(value, float)
            if M.shape != (k, k):
                raise StataError(f"initial(): {{{full},m}} must be {k} x {k}", 503)
            init.sig[off : off + k * k] = M.reshape(-1)
            return
        if full in lev.var_names:
            init.var[voff + lev.var_names.index(full)] = float(value)
            return
        if full == lev.rho_name:
            init.rho[li] = float(value)
            return
        if full == lev.df_name:
            init.df[li] = float(value)
            return
        off += k * k
        voff += len(lev.var_names)
    raise StataError(f"initial(): parameter {{{full}}} not found", 111)


def _fix_sig(bm: BayesLinearModel, init: _Init) -> None:
    """Rebuild covariance matrices from variances and correlations after initial()."""
    off = 0
    voff = 0
    for li, lev in enumerate(bm.levels):
        k = lev.k
        if lev.structure == "independent":
            init.sig[off : off + k * k] = np.diag(init.var[voff : voff + k]).reshape(-1)
        elif lev.structure == "identity":
            init.sig[off : off + k * k] = (init.var[voff] * np.eye(k)).reshape(-1)
        elif lev.structure == "exchangeable":
            r = init.rho[li]
            init.sig[off : off + k * k] = (init.var[voff] * ((1 - r) * np.eye(k) + r)).reshape(-1)
        else:
            S = init.sig[off : off + k * k].reshape(k, k)
            if np.linalg.eigvalsh((S + S.T) / 2).min() <= 0:
                raise StataError(
                    f"initial value of {{{lev.matrix},m}} is not positive definite", 506
                )
        off += k * k
        voff += len(lev.var_names)


def check_coef_priors(bm: BayesLinearModel, d: MixedDesign) -> None:
    """Every coefficient named in ``prior()`` must be in the model; a factor-variable term
    (``{y:i.x}``, ``{y:i.a#c.b}``) names every coefficient of its levels ([BAYES] bayesmh,
    Referring to model parameters)."""
    expanded: dict = {}
    for k, prior in bm.coef_priors.items():
        if k in d.xnames:
            expanded[k] = prior
            continue
        cols = factor_columns(k, d.xnames)
        if not cols:
            raise StataError(f"parameter {{{bm.eq}:{k}}} not found", 111)
        for c in cols:
            expanded.setdefault(c, prior)
    bm.coef_priors = expanded
    # block() names coefficients too; they must be there as well
    for blk in getattr(bm.options, "blocks", ()):
        for ref in blk.params:
            for it in ref.items:
                name = it.name
                if it.eq != bm.eq or name is None or name in d.xnames:
                    continue
                if not factor_columns(name, d.xnames):
                    raise StataError(f"parameter {{{bm.eq}:{name}}} not found", 111)


#: factor-variable operators of a term: i., ibn., ib#., b#., bn.
_FACTOR_OP = r"(?:i|ibn|ib\d+|b\d+|bn)"


def factor_columns(term: str, xnames: list[str]) -> list[str]:
    """The design columns a factor-variable term stands for: ``i.x`` (or ``ib2.x``) matches
    ``1.x``, ``3.x`` ...; ``c.x`` and ``x`` match ``x``; ``#`` joins parts that must all
    match."""
    import re

    parts = term.split("#")
    pats = []
    for p in parts:
        m = re.fullmatch(_FACTOR_OP + r"\.(\w+)", p)
        if m is not None:
            pats.append(re.compile(rf"\d+b?\.{m.group(1)}"))
            continue
        m = re.fullmatch(r"(?:c\.)?(\w+)", p)
        if m is None:
            return []
        pats.append(re.compile(rf"(?:c\.)?{m.group(1)}"))
    if not any(re.fullmatch(_FACTOR_OP + r"\.\w+", p) for p in parts):
        return []  # a plain name that is not a column: not a factor term
    out = []
    for c in xnames:
        cp = c.split("#")
        if len(cp) == len(pats) and all(pt.fullmatch(x) for pt, x in zip(pats, cp)):
            out.append(c)
    return out


def estimate(
    s,
    bm: BayesLinearModel,
    touse: np.ndarray,
    progress: Callable[[], Callable[[int, int, int], None] | None] | None = None,
    before: Callable[[list[str], list[str]], None] | None = None,
) -> Posterior:
    """Simulate the posterior of ``bm`` over the observations ``touse``.

    ``progress`` makes the progress display, called only once sampling starts (a model
    refused before leaves none behind); ``before`` is called with the coefficient names once
    the model is checked and before sampling (the model summary is shown then, as Stata's)."""
    from ..sampler.driver import COMPILE_NOTE, needs_compile, new_state, prepare, run_chains
    from ..sampler.rng import seed_states

    o = bm.options
    V_beta = None
    if bm.family is not None:
        from .bayes_glmm import glmm_setup

        d, gd, model, layout, base, se, V_beta = glmm_setup(s, bm, touse)
    else:
        d = build_mixed_design(s.data, bm.linear, touse)
        check_coef_priors(bm, d)
        for lev, dl in zip(bm.levels, d.levels):
            if dl.G < 2:
                raise StataError(f"{lev.level}: random effects need at least two groups", 459)
        model, layout = prepare(bm, d)
        if o.nomleinitial or o.initrandom:
            base, se = _default_init(bm, d), None
        else:
            base, se = _mle_init(bm, d)
    if o.rseed is None:  # the session's stream, which set seed sets ([BAYES] bayesmh, rseed())
        o.rseed = int(s.rng.integers(2**31))
    seed_rng = np.random.default_rng(np.random.SeedSequence(o.rseed).spawn(1)[0])
    inits = []
    for c in range(o.nchains):
        init = base.copy() if c == 0 else _disperse(base, se, seed_rng)
        if o.initrandom:
            _random_coefs(bm, d, init, seed_rng)
        if o.initall:
            _apply_initial(bm, d, layout, init, o.initall)
        text = o.inits.get(c + 1) or (o.initial if c == 0 else None)
        if text:
            _apply_initial(bm, d, layout, init, text)
        if (text or o.initall) and getattr(bm, "ordinal", False):
            cuts = init.beta[d.p :]
            if np.any(np.diff(cuts) <= 0):
                shown = " ".join(f"{{{c}}}" for c in bm.aux_names)
                chain = f" of chain {c + 1}" if o.nchains > 1 else ""
                raise StataError(
                    f"initial values not feasible{chain}: the cutpoints {shown} must increase",
                    498,
                )
        _fix_sig(bm, init)
        if bm.sigma2_fixed is not None:  # likelihood(normal(#)): the known variance
            init.s2 = bm.sigma2_fixed
        inits.append(init)
    kmodel = model[0] if isinstance(model, tuple) and bm.family is not None else model
    for c, init in enumerate(inits):
        user = bool(o.initall or o.inits.get(c + 1) or (o.initial and c == 0))
        _feasible_start(kmodel, layout, init, user, f" of chain {c + 1}" if o.nchains > 1 else "")
    rstates = seed_states(o.rseed, o.nchains)
    states = [
        new_state(kmodel, rstates[c], i.beta, i.b, i.s2, i.sig, i.var, i.rho, i.df, o.scale)
        for c, i in enumerate(inits)
    ]
    if bm.family is not None:
        from .bayes_glmm import glmm_states

        states = glmm_states(model, states, V_beta)
    nparam = len(layout.names)
    if before is not None:  # with the design's notes (a regressor omitted as collinear ...)
        before(list(layout.coef_names), list(getattr(d, "notes", [])))
    if needs_compile(model):
        s.show_now([Text(COMPILE_NOTE)])
    draws, re, ll, lpri, acc, secs, at_mean = run_chains(
        model,
        states,
        o.burnin,
        o.mcmcsize,
        o.thinning,
        nparam,
        nproc=max(1, o.nproc),
        progress=progress() if progress is not None else None,
    )
    post = new_posterior(bm, d, layout, (draws, re, ll, lpri, acc, secs, at_mean))
    post.design = d  # type: ignore[attr-defined]
    if bm.family is not None:
        post.glmm = gd  # type: ignore[attr-defined]
    post.ids = s.data.ids[d.sample]
    return post


def new_posterior(bm, d, layout, run: tuple) -> Posterior:
    """The Posterior of a run (``run_chains``'s draws, random effects, log likelihoods, log
    priors, acceptance rates, time and log posteriors at the chains' means), with the header's
    figures and the health notes."""
    draws, re, ll, lpri, acc, secs, at_mean = run
    post = Posterior(
        cmd="bayes" if bm.command.startswith("bayes:") else "bayesmh",
        cmdline=bm.cmdline,
        names=layout.names,
        draws=draws,
        re_names=layout.re_names,
        re_draws=re,
        loglik=ll,
        logprior=lpri,
        logpost_mean=at_mean,
        sample=d.sample.copy(),
        model=bm,
        layout=layout,
    )
    post.info = _info(bm, d, layout, post, acc, secs)
    post.warnings = health_warnings(post)
    return post


def _info(
    bm: BayesLinearModel, d: MixedDesign, layout, post: Posterior, acc: np.ndarray, secs: float
) -> dict:
    o = bm.options
    n_g = layout.n_gibbs
    n_mh = acc.shape[1]
    arate = [(n_g + float(a.sum())) / (n_g + n_mh) for a in acc]
    eff = []
    # a parameter whose chain diverged (draws that overflow) has no efficiency and no Rc
    diverged = ~np.isfinite(post.draws).all(axis=(0, 1))
    for j in range(len(post.names)):
        e = ess_stata(post.draws[:, :, j], o.corrlag, o.corrtol)[2] if not diverged[j] else np.nan
        eff.append(e)
    eff_arr = np.array(eff)
    groups = []
    for lev, dl in zip(bm.levels, d.levels):
        sizes = dl.sizes()
        groups.append((lev.level, dl.G, int(sizes.min()), float(sizes.mean()), int(sizes.max())))
    rc = (
        [
            gelman_rubin(post.draws[:, :, j]) if not diverged[j] else np.nan
            for j in range(len(post.names))
        ]
        if post.nchains > 1
        else []
    )
    info = {
        "groups": groups,
        "nobs": int(d.n if d.weights is None else d.weights.sum()),
        "arate": float(np.mean(arate)),
        "arate_chains": arate,
        "mh_accept": acc,
        "efficiency": eff_arr,
        "rc": np.array(rc),
        "seconds": secs,
        "rseed": o.rseed,
        "burnin": o.burnin,
        "thinning": o.thinning,
        "timestamp": time.strftime("%d %b %Y %H:%M"),
        "columns": d.columns,
        "coef_index": d.coef_index,
        "depvar": d.depvar,
        "all_gibbs": n_mh == 0,
        "no_gibbs": layout.n_gibbs == 0,
    }
    # the header's summaries are missing when a chain diverged: they would speak for the
    # parameters that did not
    finite = eff_arr[np.isfinite(eff_arr)] if not diverged.any() else np.array([])
    info["diverged"] = [post.names[j] for j in np.flatnonzero(diverged)]
    info["scalars"] = {
        "N": float(info["nobs"]),
        "mcmcsize": float(o.mcmcsize),
        "burnin": float(o.burnin),
        "mcmciter": float(mcmc_iterations(o.burnin, o.mcmcsize, o.thinning)),
        "thinning": float(o.thinning),
        "nchains": float(post.nchains),
        "arate": info["arate"],
        "eff_min": float(finite.min()) if finite.size else float("nan"),
        "eff_avg": float(finite.mean()) if finite.size else float("nan"),
        "eff_max": float(finite.max()) if finite.size else float("nan"),
        "rseed": float(o.rseed or 0),
    }
    if rc:
        info["scalars"]["Rc_max"] = float(np.nanmax(rc)) if not diverged.any() else np.nan
    info["macros"] = {
        # [BAYES] bayes, stored results: e(cmd) is bayesmh, e(cmdname) the command under the
        # prefix, e(prefix) bayes
        "cmd": "bayesmh",
        "prefix": "bayes" if post.cmd == "bayes" else "",
        **({"cmdname": bm.command.split(": ", 1)[1]} if post.cmd == "bayes" else {}),
        "depvar": d.depvar,
        "title": bm.title,
        "cmdline": bm.cmdline,
    }
    if getattr(bm, "negbin", False):  # e(dispersion) after bayes: nbreg and bayes: menbreg
        info["macros"]["dispersion"] = "mean" if bm.aux_names == ["lnalpha"] else "constant"
    return info


def health_warnings(post: Posterior) -> list[str]:
    """Problems worth a note under every summary, each with its remedy."""
    out = []
    info = post.info
    if info.get("diverged"):
        out.append(
            "Warning: draws of {" + "} {".join(info["diverged"]) + "} are not finite (the "
            "chain diverged, as under an improper posterior); their summaries, the "
            "efficiencies and Rc are missing. Check the model, or give an informative prior."
        )
    acc = info["mh_accept"]
    layout = post.layout
    for j, name in enumerate(layout.mh_names):
        rate = float(acc[:, j].mean())
        if rate < 0.05:
            out.append(
                f"Note: acceptance rate of {name} is low ({rate:.3f}); try block() "
                "or scale(), or a longer burnin() for adaptation."
            )
        elif rate > 0.95 and name not in getattr(layout, "not_random_walk", ()):
            out.append(
                f"Note: acceptance rate of {name} is high ({rate:.3f}); the proposal "
                "moves too little: try a longer burnin() for adaptation."
            )
    eff = info["efficiency"]
    low = [post.names[j] for j in range(len(eff)) if np.isfinite(eff[j]) and eff[j] < 0.01]
    if low:
        out.append(
            "Note: efficiency below .01 for {" + "} {".join(low) + "}; increase "
            "mcmcsize() or thinning() for precise estimates."
        )
    rc = info.get("rc", np.array([]))
    if len(rc) and np.nanmax(rc) > 1.1:
        worst = post.names[int(np.nanargmax(rc))]
        out.append(
            f"Note: Gelman-Rubin Rc of {{{worst}}} is {np.nanmax(rc):.3f} > 1.1: the "
            "chains have not converged; increase burnin() and mcmcsize()."
        )
    return out
