"""``predict`` after ``melogit``, ``meprobit``, ``mecloglog``, ``mepoisson`` ([ME] meglm
postestimation): ``mu`` (the default; ``pr`` for binary outcomes; after ``meologit`` and
``meoprobit``, ``pr`` with ``outcome()`` as after ``ologit``), ``eta``, ``xb``, ``stdp``,
``reffects`` with ``reses()``, and ``conditional(ebmeans|ebmodes|fixedonly)``; and after
``logit``, ``logistic``, ``probit``, ``cloglog`` (``pr``, the default, ``xb``, ``stdp``) and
``poisson`` (``n``, the default, ``ir``, ``xb``, ``stdp``) ([R] logit postestimation ...).

Random effects are the empirical Bayes means (the posterior means given the estimates, by the
fit's own quadrature) or, with ``ebmodes`` and after ``laplace``, the posterior modes; their
standard errors are the posterior standard deviations. Predictions cover every observation in
memory whose covariates are known; random effects exist for the groups of the estimation sample
(elsewhere ``mu`` and ``eta`` are missing unless ``conditional(fixedonly)``).
"""

from __future__ import annotations

import math

import numpy as np

from ..design.glmm import trials_offset_now
from ..design.newdata import fixed_columns, group_rows, re_columns
from ..errors import StataError
from ..fit.glmm import GLMMFit
from ..fit.glmm_marginal import marginal_probabilities, marginal_response, observation_scale
from ..fit.glmm_nested import NestedQuadrature
from ..fit.glmm_residuals import residuals
from ..fit.margins import response
from ..report.output import Output, Text
from ..syntax.ast import Command
from .predict import _newnames, _range, new_variables, re_contribution, store_prediction
from .predict_ordinal import store_probabilities

_RESIDUALS = ("pearson", "deviance", "anscombe")
_STATS = (
    "mu",
    "pr",
    "eta",
    "xb",
    "stdp",
    "reffects",
    "scores",
    "fitted",
    "residuals",
    "rstandard",
    *_RESIDUALS,
)


#: the options of predict after me* besides the statistics ([ME] meglm postestimation)
_OTHER = (
    "conditional",
    "marginal",
    "ebmeans",
    "ebmodes",
    "fixedonly",
    "intpoints",
    "nooffset",
    "outcome",
    "reses",
    "relevel",
)


def _level_label(lv) -> str:
    return "_all" if lv.crossed and lv.path == (lv.crossed,) else ">".join(lv.path)


def _reffects(
    fit: GLMMFit, modes: bool, q: int | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    if modes and isinstance(fit.integrator, NestedQuadrature):
        return fit.integrator.modes(fit.linear_predictor(), fit._Ls())
    if modes and fit.method != "laplace" and len(fit.design.levels) == 1:
        from ..fit.glmm import integ_order

        integ = fit.integrator
        xb = fit.linear_predictor()[integ_order(fit)]
        L = fit._Ls()[0]
        A = integ.Z @ L
        v, H = integ.find_mode(xb, A)
        Binv = np.linalg.inv(-H)
        return [(v @ L.T, L[None] @ Binv @ L.T[None])]
    return fit.reffects(q)


def predict_me(s, cmd: Command) -> list[Output]:
    """``predict`` after an ``me*`` fit (``e(cmd)`` is ``meglm``)."""
    fit: GLMMFit = s.e.fit
    fam = fit.family
    assert fam is not None and fit.gdesign is not None
    words, vtype = new_variables(cmd)
    other = [o.name for o in cmd.options if o.name not in (*_STATS, *_OTHER)]
    if other:  # n, ir, stdf, leverage ...: another command's predictions
        raise StataError(f"option {other[0]} not allowed", 198)
    stat = [o.name for o in cmd.options if o.name in _STATS]
    if len(stat) > 1:
        raise StataError("only one statistic may be specified", 198)
    if stat and stat[0] in ("fitted", "residuals", "rstandard"):
        raise StataError(f"option {stat[0]} not allowed", 198)
    if stat and stat[0] == "scores":
        raise StataError("predict, scores is not available in bayes_magic yet", 198)
    ordinal = fam.family == "ordinal"
    if stat and stat[0] == "pr" and fam.count:
        raise StataError("option pr not allowed", 198)
    if stat and (stat[0] == "mu" or stat[0] in _RESIDUALS) and ordinal:
        raise StataError(f"option {stat[0]} not allowed", 198)
    if stat and stat[0] == "deviance" and getattr(fam, "dispersion", "mean") == "constant":
        raise StataError(
            "predict, deviance after dispersion(constant) is not available in bayes_magic: "
            "that likelihood is not largest at mu = y, so the deviance is not defined as usual",
            198,
        )
    if cmd.has("outcome") and not ordinal:
        raise StataError("option outcome() not allowed", 198)
    if cmd.has("outcome") and stat and stat[0] != "pr":
        raise StataError(f"option outcome() not allowed with {stat[0]}", 198)
    marginal = cmd.has("marginal")
    if marginal and stat and stat[0] in (*_RESIDUALS, "reffects", "scores"):
        raise StataError(f"option marginal not allowed with {stat[0]}", 198)
    if marginal and any(cmd.has(o) for o in ("conditional", "ebmeans", "ebmodes", "fixedonly")):
        raise StataError("option marginal may not be combined with conditional()", 198)
    if cmd.has("relevel"):
        raise StataError("option relevel() not allowed", 198)
    outs: list[Output] = []
    if ordinal:  # pr, the default, announced with the outcomes stored
        words = [n for w in words for n in _range(w)]
        stat_given = bool(stat)
        stat = stat or ["pr"]
    elif not stat:
        stat = ["mu"]
        outs.append(Text("(option mu assumed)"))
    which = "mu" if stat[0] == "pr" else stat[0]
    cond = cmd.option("conditional")
    cond = (cond or "ebmeans") if cmd.has("conditional") else "ebmeans"
    if cmd.has("ebmodes"):
        cond = "ebmodes"
    if cmd.has("fixedonly"):
        cond = "fixedonly"
    if cond not in ("ebmeans", "ebmodes", "fixedonly"):
        raise StataError(f"conditional({cond}) not allowed", 198)
    if cmd.has("reses") and which != "reffects":
        raise StataError("reses() requires reffects", 198)
    q = cmd.option("intpoints")
    q = int(q) if q is not None else None
    vtype = vtype or s.settings.type
    touse = s.touse(cmd)
    ds = s.data
    levels = fit.design.levels
    method = (
        "posterior modes" if cond == "ebmodes" or fit.method == "laplace" else "posterior means"
    )
    if which == "reffects":
        count = sum(lv.k for lv in levels)
        names = _newnames(s, words, count)
        se_names = (
            _newnames(s, list(cmd.option("reses")), count, tuple(names)) if cmd.has("reses") else []
        )
        outs.append(Text(f"(calculating {method} of random effects)"))
        if fit.method != "laplace" and cond != "ebmodes":
            outs.append(Text(f"(using {q or fit.intpoints} quadrature points)"))
        re = _reffects(fit, cond == "ebmodes", q)
        what = "modes" if method == "posterior modes" else "means"
        j = 0
        for lv, (m, C) in zip(levels, re):
            g = group_rows(ds, lv)
            ok = (g >= 0) & touse
            for k, zn in enumerate(lv.znames):
                eff = f"R.{lv.crossed}" if lv.crossed else zn
                val = np.full(ds.nobs, np.nan)
                val[ok] = m[g[ok], k]
                ds.set_values(names[j], val, vtype)
                ds.info[names[j]].label = f"empirical Bayes' {what} for {eff}[{_level_label(lv)}]"
                if se_names:
                    sev = np.full(ds.nobs, np.nan)
                    sev[ok] = np.sqrt(np.maximum(C[g[ok], k, k], 0.0))
                    ds.set_values(se_names[j], sev, vtype)
                    ds.info[
                        se_names[j]
                    ].label = f"S.E. of empirical Bayes' {what} for {eff}[{_level_label(lv)}]"
                j += 1
        return outs
    if not (ordinal and which == "mu"):
        names = _newnames(s, words, 1)
    X = fixed_columns(ds, fit.design.xnames)
    trials, off = trials_offset_now(ds, fit.gdesign)
    if cmd.has("nooffset"):
        off = np.zeros(ds.nobs)
    xb = X @ fit.beta
    if which == "xb":
        val, label = xb + off, "Linear prediction, fixed portion"
    elif which == "stdp":
        val = np.sqrt(np.einsum("ij,jk,ik->i", X, fit.V_beta, X))
        label = "S.E. of the prediction of the fixed portion"
    else:
        eta = xb + off
        if marginal and which != "eta":
            outs.append(Text("(predictions marginal with respect to the random effects)"))
            sc = observation_scale(fit, [re_columns(ds, lv) for lv in levels])
            if ordinal:
                P = marginal_probabilities(fam, eta, sc)
                return store_probabilities(
                    s, cmd, words, vtype, fit, fit.design.depvar, P, touse, stat_given, outs
                )
            f, fprime = response("pr", fam.link)
            p = marginal_response(f, fprime, sc)[0](eta)
            if stat[0] == "pr":
                val, label = p, "Marginal predicted probability"
            else:
                val, label = trials * p, "Marginal predicted mean"
            return outs + store_prediction(s, names[0], val, vtype, label, touse)
        if marginal:  # E(η) over the random effects is the fixed portion
            return outs + store_prediction(
                s, names[0], eta, vtype, "Marginal linear predictor", touse
            )
        if cond != "fixedonly":
            outs.append(
                Text(f"(predictions based on fixed effects and {method} of random effects)")
            )
            means = [m for m, _C in _reffects(fit, cond == "ebmodes", q)]
            eta = eta + re_contribution(s, fit, means)
        else:
            outs.append(Text("(predictions based on fixed effects only)"))
        if which == "eta":
            val, label = eta, "Fitted linear predictor"
        elif which in _RESIDUALS:
            y = ds.values(fit.design.depvar).astype(float)
            if fam.family == "bernoulli" and fit.gdesign.binomial is None:
                y = np.where(np.isnan(y), np.nan, (y != 0).astype(float))
            val = residuals(which, fam, y, fam.mean(trials, eta), trials)
            label = {"pearson": "Pearson", "deviance": "deviance", "anscombe": "Anscombe"}[which]
            label += " residuals"
        elif ordinal:
            P = fam.probabilities(eta)
            depvar = fit.design.depvar
            return store_probabilities(
                s, cmd, words, vtype, fit, depvar, P, touse, stat_given, outs
            )
        else:
            if stat[0] == "pr":  # the probability of a positive outcome, whatever the trials
                val, label = fam.mean(np.ones_like(trials), eta), "Predicted probability"
            else:
                val, label = fam.mean(trials, eta), "Predicted mean"
    return outs + store_prediction(s, names[0], val, vtype, label, touse)


def predict_glm(s, cmd: Command) -> list[Output]:
    """``predict`` after ``logit``, ``logistic``, ``probit``, ``cloglog``, ``poisson``,
    ``nbreg``.

    Observations where a covariate omitted as a perfect predictor is nonzero are missing by
    default; ``rules`` predicts the outcome it predicted (probability 0 or 1), ``asif``
    ignores the rule ([R] logit postestimation)."""
    fit = s.e.fit
    fam = fit.family
    poisson = fam.count  # poisson, nbreg
    from .predict_binary import DIAGNOSTICS

    binary = not poisson and s.e.cmd in ("logit", "logistic", "probit")
    diagnostics = tuple(DIAGNOSTICS) if binary else ()
    allowed = ("n", "ir", "xb", "stdp", "pr") if poisson else ("pr", "xb", "stdp", *diagnostics)
    count_range = _count_range(cmd) if poisson else None  # pr(n), pr(a,b)
    stat = [o.name for o in cmd.options if o.name in (*_STATS, "n", "ir", *DIAGNOSTICS)]
    if len(stat) > 1:
        raise StataError("only one statistic may be specified", 198)
    if stat and stat[0] not in allowed:
        raise StataError(f"option {stat[0]} not allowed", 198)
    other = [o.name for o in cmd.options if o.name not in (*allowed, "nooffset", "rules", "asif")]
    if other:
        raise StataError(f"option {other[0]} not allowed", 198)
    words, vtype = new_variables(cmd)
    names = _newnames(s, words, 1)
    if stat and stat[0] in diagnostics:  # by covariate pattern ([R] logistic postestimation)
        from .predict_binary import predict_outputs

        return predict_outputs(s, cmd, stat[0], names, vtype)
    outs: list[Output] = []
    if not stat:
        stat = ["n" if poisson else "pr"]
        what = "predicted number of events" if poisson else f"Pr({fit.design.depvar})"
        outs.append(Text(f"(option {stat[0]} assumed; {what})"))
    ds = s.data
    X = fixed_columns(ds, fit.design.xnames)
    _trials, off = trials_offset_now(ds, fit.gdesign)
    if cmd.has("nooffset") or stat[0] == "ir":
        off = np.zeros(ds.nobs)
    xb = X @ fit.beta + off
    if stat[0] == "xb":
        val, label = xb, "Linear prediction"
    elif stat[0] == "stdp":
        val = np.sqrt(np.einsum("ij,jk,ik->i", X, fit.V_beta, X))
        label = "S.E. of the prediction"
    elif stat[0] == "pr" and count_range is not None:
        val, label = _count_probability(fit, xb, *count_range)
    elif stat[0] == "pr":
        val, label = fam.mean(np.ones(ds.nobs), xb), f"Pr({fit.design.depvar})"
    else:
        val = np.exp(xb)
        label = "Predicted number of events" if stat[0] == "n" else "Predicted incidence rate"
    if cmd.has("rules") and cmd.has("asif"):
        raise StataError("options rules and asif may not be combined", 198)
    if not cmd.has("asif"):
        for name, outcome in fit.gdesign.rules:
            hit = fixed_columns(ds, [name])[:, 0] != 0
            val = np.where(hit, outcome if cmd.has("rules") and stat[0] == "pr" else np.nan, val)
    return outs + store_prediction(s, names[0], val, vtype or s.settings.type, label, s.touse(cmd))


def _count_range(cmd: Command) -> tuple[float, float] | None:
    """``pr(n)`` or ``pr(a,b)`` after ``poisson`` and ``nbreg`` ([R] poisson postestimation):
    the counts a ≤ y ≤ b (b ``.`` for no upper limit); ``pr`` alone is refused there."""
    raw = cmd.option("pr")
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip():
        raise StataError("option pr requires pr(#) or pr(#a,#b) after a count model", 198)
    parts = [p.strip() for p in raw.split(",")]
    try:
        lo = float(parts[0])
        hi = (math.inf if parts[1] == "." else float(parts[1])) if len(parts) == 2 else lo
    except (ValueError, IndexError):
        raise StataError(f"option pr({raw}) invalid", 198) from None
    if len(parts) > 2 or lo < 0 or lo != int(lo) or (hi != math.inf and hi != int(hi)):
        raise StataError(f"option pr({raw}) invalid: nonnegative integers required", 198)
    if hi < lo:
        raise StataError(f"option pr({raw}) invalid: the upper limit is below the lower", 198)
    return lo, hi


def _count_probability(fit, xb: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, str]:
    """Pr(lo ≤ y ≤ hi) at the mean exp(xb): Poisson, or the negative binomial at the fit's
    ln α (ln δ) ([R] nbreg postestimation)."""
    from scipy import stats as st

    mu = np.exp(xb)
    fam = fit.family
    if fam.family == "nbinomial":
        a = float(np.exp(fam.aux[0]))
        size = 1.0 / a if fam.dispersion == "mean" else mu / a
        p = 1.0 / (1.0 + a * mu) if fam.dispersion == "mean" else 1.0 / (1.0 + a)
        dist = st.nbinom(size, p)
    else:
        dist = st.poisson(mu)
    upper = 1.0 if hi == math.inf else dist.cdf(hi)
    val = upper - (dist.cdf(lo - 1) if lo > 0 else 0.0)
    y = fit.design.depvar
    if hi == lo:
        label = f"Pr({y}={int(lo)})"
    elif hi == math.inf:
        label = f"Pr({y}>={int(lo)})"
    else:
        label = f"Pr({int(lo)}<={y}<={int(hi)})"
    return np.asarray(val, dtype=float), label
