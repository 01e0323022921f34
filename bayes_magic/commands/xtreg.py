"""``xtreg depvar [indepvars] [if] [in], fe|re [i(panelvar) theta level() display options]``
([XT] xtreg): fixed-effects (within) and random-effects (GLS) regression on panel data, laid
out as Stata 17 prints them (:mod:`bayes_magic.fit.xtreg` has the estimators). The panel
variable is ``xtset``'s or ``i()``. ``be``, ``mle`` and ``pa`` are not available yet; ``mle``
is the model ``mixed depvar indepvars || panelvar:, mle`` fits.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ..design.mixed import build_mixed_design
from ..design.newdata import fixed_columns
from ..errors import StataError
from ..fit.estimates import Estimates, over_columns
from ..fit.xtreg import XtregFit, fit_xtreg
from ..report.coeftable import DISPLAY_OPTIONS, restyle, table_results
from ..report.format import fmt_f, fmt_g
from ..report.output import LazyBlock, Output, Text
from ..spec.model import build_mixed
from ..syntax.ast import Command, MultilevelModel
from ..syntax.unparse import cmdline
from .estimates import replay_active, replayer
from .me import _table
from .mixed_display import _right
from .registry import command
from .xtset import panel_variable

__all__ = ["xtreg"]

_DISPLAY = ("level", "fe", "re", "theta", "noheader", "notable", *DISPLAY_OPTIONS)
_TITLES = {"fe": "Fixed-effects (within) regression", "re": "Random-effects GLS regression"}


def _header(est: Estimates, opts: dict) -> list[str]:
    fit: XtregFit = est.fit
    sizes = fit.sizes
    left = [
        _TITLES[fit.model],
        f"Group variable: {est.macros['ivar'][:12]}",
        "",
        "R-squared:",
        f"     Within  = {fmt_f(fit.r2_w, 4)}",
        f"     Between = {fmt_f(fit.r2_b, 4)}",
        f"     Overall = {fmt_f(fit.r2_o, 4)}",
    ]
    right = [
        _right("Number of obs", f"{fit.design.n:,}"),
        _right("Number of groups", f"{fit.n_groups:,}"),
        "",
        "Obs per group:",
        _right("min", f"{int(sizes.min()):,}", align=">"),
        _right("avg", fmt_f(float(sizes.mean()), 1), align=">"),
        _right("max", f"{int(sizes.max()):,}", align=">"),
    ]
    lines = [f"{a:<48}{b}".rstrip() for a, b in zip(left, right)]
    if fit.model == "fe":
        p = float(stats.f.sf(fit.F, fit.df_m, fit.df_r)) if fit.F == fit.F else math.nan
        test = _right(f"F({fit.df_m},{fit.df_r})", fmt_f(fit.F, 2) if fit.F == fit.F else ".")
        prob = _right("Prob > F", fmt_f(p, 4) if p == p else ".")
        corr = f"corr(u_i, Xb) = {fmt_f(fit.corr, 4)}"
    else:
        p = float(stats.chi2.sf(fit.chi2, fit.df_m)) if fit.df_m else math.nan
        test = _right(f"Wald chi2({fit.df_m})", fmt_f(fit.chi2, 2) if fit.df_m else ".")
        prob = _right("Prob > chi2", fmt_f(p, 4) if p == p else ".")
        corr = "corr(u_i, X) = 0 (assumed)"
    lines += ["", f"{'':<48}{test}", f"{corr:<48}{prob}"]
    if opts.get("theta") and fit.model == "re":
        th = fit.theta
        if np.all(th == th[0]):
            lines.append(f"{'theta':<15}= {fmt_g(float(th[0]), 9).strip()}")
        else:
            q = np.percentile(th, [0, 5, 50, 95, 100], method="inverted_cdf")
            lines += [
                "",
                "-" * 19 + " theta " + "-" * 20,
                "  min      5%       median        95%      max",
                f"{q[0]:6.4f}{q[1]:9.4f}{q[2]:11.4f}{q[3]:11.4f}{q[4]:9.4f}",
            ]
    return lines


def _footer_rows(fit: XtregFit) -> list[str]:
    rows = [
        f"{'sigma_u':>12} | {fmt_g(fit.sigma_u, 10):>10}",
        f"{'sigma_e':>12} | {fmt_g(fit.sigma_e, 10):>10}",
        f"{'rho':>12} | {fmt_g(fit.rho, 10):>10}   (fraction of variance due to u_i)",
    ]
    return rows


def xtreg_outputs(est: Estimates, opts: dict) -> list[Output]:
    """The display of an ``xtreg`` fit under display options ``opts``."""
    fit: XtregFit = est.fit
    level = float(opts.get("level", 95))
    df_r = fit.df_r if fit.model == "fe" else None
    table = None
    results = None
    if not opts.get("notable"):
        table = _table(est, level, None, df_r=df_r)
        results = table_results(table, est.bnames, level, stat="t" if df_r else "z", df=df_r)

    def render() -> tuple[str, str]:
        parts, html = [], []
        if not opts.get("noheader"):
            head = "\n".join(_header(est, opts))
            parts.append(head)
            html.append(f"<pre style='margin:0'>{head}</pre>")
        if table is not None:
            t = restyle(table, opts)
            text = t.text().rstrip("\n").split("\n")
            sep = "-" * 13 + "+" + "-" * 64
            extra = [sep, *_footer_rows(fit), "-" * 78]
            if fit.model == "fe":
                p = float(stats.f.sf(fit.F_f, fit.df_a, fit.df_r))
                ftest = f"F test that all u_i=0: F({fit.df_a}, {fit.df_r}) = {fmt_f(fit.F_f, 2)}"
                extra.append(f"{ftest:<61}Prob > F = {fmt_f(p, 4)}")
            body = "\n".join(text[:-1] + extra)
            parts.append(body)
            html.append(f"<pre style='margin:0'>{body}</pre>")
        return "\n\n".join(parts), "".join(html)

    return [LazyBlock(render, data=est, results=results)]


def _estimates(fit: XtregFit, cmd: Command, spec, ivar: str) -> Estimates:
    d = fit.design
    names, b, V = over_columns(d, fit.beta, fit.V_beta, equation=False)
    sizes = fit.sizes
    scalars = {
        "N": float(d.n),
        "N_g": float(fit.n_groups),
        "g_min": float(sizes.min()),
        "g_avg": float(sizes.mean()),
        "g_max": float(sizes.max()),
        "Tbar": float(fit.n_groups / np.sum(1.0 / sizes)),
        "Tcon": float(sizes.min() == sizes.max()),
        "df_m": float(fit.df_m),
        "sigma_u": fit.sigma_u,
        "sigma_e": fit.sigma_e,
        "sigma": math.sqrt(fit.sigma_u**2 + fit.sigma_e**2),
        "rho": fit.rho,
        "r2_w": fit.r2_w,
        "r2_b": fit.r2_b,
        "r2_o": fit.r2_o,
        "rank": float(len(d.coef_index)),
    }
    if fit.model == "fe":
        scalars.update(
            df_r=float(fit.df_r), F=fit.F, corr=fit.corr, F_f=fit.F_f, df_a=float(fit.df_a)
        )
    else:
        scalars["chi2"] = fit.chi2
        if np.all(fit.theta == fit.theta[0]):
            scalars["theta"] = float(fit.theta[0])
    macros = {
        "cmd": "xtreg",
        "depvar": d.depvar,
        "model": fit.model,
        "ivar": ivar,
        "title": _TITLES[fit.model],
        "vce": "conventional",
        "chi2type": "Wald" if fit.model == "re" else "",
    }
    return Estimates.of_fit(
        "xtreg", cmdline(cmd), names, b, V, scalars, macros, fit=fit, command=cmd, spec=spec
    )


@command("xtreg", byable="repeat")
def xtreg(s, cmd: Command) -> list[Output]:
    body = cmd.body
    assert isinstance(body, MultilevelModel)
    if body.depvar is None:
        return replay_active(s, cmd, "xtreg", _DISPLAY, xtreg_outputs)
    if body.levels:
        raise StataError("||: random effects are not allowed with xtreg; see mixed", 198)
    for o in ("be", "mle", "pa"):
        if cmd.has(o):
            hint = (
                "; mixed depvar indepvars || panelvar:, mle fits the same model"
                if o == "mle"
                else ""
            )
            raise StataError(f"xtreg, {o} is not available in bayes_magic yet{hint}", 198)
    for o in ("vce", "robust", "cluster"):
        if cmd.has(o):
            raise StataError(f"option {o}() is not available in bayes_magic's xtreg yet", 198)
    if cmd.has("fe") and cmd.has("re"):
        raise StataError("fe and re may not be specified together", 198)
    if cmd.has("fe") and cmd.has("theta"):
        raise StataError("option theta not allowed with fe", 198)
    model = "fe" if cmd.has("fe") else "re"
    ivar = panel_variable(s, cmd)
    spec = build_mixed(cmd)
    touse = s.touse(cmd) & ~np.isnan(np.asarray(s.data.values(ivar), dtype=float))
    d = build_mixed_design(s.data, spec, touse)
    panel = np.asarray(s.data.values(ivar), dtype=float)[d.sample]
    fit, notes = fit_xtreg(d, panel, model)
    est = _estimates(fit, cmd, spec, ivar)
    est.ids = s.data.ids[d.sample]
    s.e = est
    opts = {o.name: o.value for o in cmd.options}
    return [Text(n, kind="note") for n in d.notes + notes] + xtreg_outputs(est, opts)


replayer("xtreg")(lambda est: xtreg_outputs(est, dict(est.options)))


def predict_xtreg(s, cmd: Command) -> list[Output]:
    """``predict`` after ``xtreg`` ([XT] xtreg postestimation, ``xtrefe_p``/``xtrere_p``):
    ``xb`` (the default), ``stdp``, ``ue`` (y - xb), ``u`` (the panel effect: the panel's mean
    of y - xb under ``fe``; σ_u²/(Tᵢσ_u² + σ_e²) times its sum under ``re``), ``e`` (ue - u)
    and ``xbu`` (xb + u); all but ``xb``, ``stdp`` and ``ue`` in the estimation sample only."""
    from .predict import _newnames, chosen_statistic, new_variables, store_prediction

    est = s.e
    fit: XtregFit = est.fit
    allowed = ("xb", "stdp", "ue", "u", "e", "xbu")
    which, outs = chosen_statistic(cmd, allowed, "fitted values")
    words, vtype = new_variables(cmd)
    names = _newnames(s, words, 1)
    ds = s.data
    X = fixed_columns(ds, fit.design.xnames)
    xb = X @ fit.beta
    touse = s.touse(cmd)
    ivar = est.macros["ivar"]
    if which == "xb":
        return outs + store_prediction(
            s, names[0], xb, vtype or s.settings.type, "Linear prediction", touse
        )
    if which == "stdp":
        sd = np.sqrt(np.einsum("ij,jk,ik->i", X, fit.V_beta, X))
        return outs + store_prediction(
            s, names[0], sd, vtype or s.settings.type, "S.E. of the prediction", touse
        )
    y = np.asarray(ds.values(fit.design.depvar), dtype=float)
    ue = y - xb
    if which == "ue":
        return store_prediction(
            s, names[0], ue, vtype or s.settings.type, f"u[{ivar}] + e[{ivar},t]", touse
        )
    sample = np.zeros(ds.nobs, dtype=bool)
    sample[np.flatnonzero(fit.design.sample)] = True
    rows = np.flatnonzero(sample)
    g = fit.groups
    total = np.bincount(g, ue[rows], fit.n_groups)
    if fit.model == "fe":
        u_g = total / fit.sizes
    else:
        ratio = fit.sigma_u**2 / (fit.sizes * fit.sigma_u**2 + fit.sigma_e**2)
        u_g = ratio * total
    u = np.full(ds.nobs, np.nan)
    u[rows] = u_g[g]
    touse = touse & sample
    val, label = {
        "u": (u, f"u[{ivar}]"),
        "e": (ue - u, f"e[{ivar},t]"),
        "xbu": (xb + u, f"Xb + u[{ivar}]"),
    }[which]
    return store_prediction(s, names[0], val, vtype or s.settings.type, label, touse)
