"""``xtlogit``, ``xtprobit``, ``xtcloglog`` with ``re`` (the default): random-intercept binary
models on panel data ([XT] xtlogit, xtprobit, xtcloglog), laid out as Stata 17 prints them.

The model is ``melogit depvar indepvars || panelvar:``'s, fitted by the same quadrature
(:func:`~bayes_magic.fit.glmm.fit_glmm`), with the xt commands' defaults: 12 integration points
of mean-variance adaptive Gauss-Hermite quadrature (``intmethod(aghermite)`` is the
mode-curvature rule, ``ghermite`` the non-adaptive one). The variance of the panel effect is
reported as ``/lnsig2u`` = ln σ²_u, with ``sigma_u`` and ``rho`` below it computed as Stata's
``_diparm`` does (the function of ln σ²_u, its derivative times the standard error, the
interval's ends transformed), and the LR test of ρ = 0 against the pooled model
(``_lrtest_note_xt``). rho is σ²_u / (σ²_u + σ²_e) with the latent error's variance σ²_e = π²/3
(logit), 1 (probit) or π²/6 (cloglog).

The layout follows Rodríguez's Stata 17 log of ``xtlogit hosp loginc distance dropout college,
i(mother) re`` (grodri.github.io multilevel/hospmle.html), which the tests reproduce.
``fe`` (conditional likelihood) and ``pa`` (GEE) are refused with r(198).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from scipy import stats

from ..design.glmm import build_glmm_design
from ..errors import StataError
from ..fit.estimates import Estimates
from ..fit.glmm import GLMMFit, fit_glmm
from ..fit.glmm_family import FAMILIES
from ..report.coeftable import (
    DISPLAY_OPTIONS,
    CoefRow,
    CoefTable,
    Equation,
    exponentiate,
    ml_columns,
    restyle,
    table_results,
)
from ..report.format import abbrev, fmt_f, fmt_g
from ..report.output import LazyBlock, Output, Text
from ..spec.model import build_mixed, me_option, vce_option
from ..syntax.ast import Command, LevelEq, MultilevelModel
from ..syntax.unparse import cmdline
from . import mixed_display as D
from .estimates import replay_active, replayer
from .me import _robust, glmm_log
from .registry import command
from .xtset import panel_variable

__all__ = ["XT_BINARY", "predict_xtbinary"]

#: each command: the me* family it fits, its title, the latent error's variance, its eform
XT_BINARY = {
    "xtlogit": ("melogit", "Random-effects logistic regression", math.pi**2 / 3, "or"),
    "xtprobit": ("meprobit", "Random-effects probit regression", 1.0, None),
    "xtcloglog": ("mecloglog", "Random-effects complementary log-log model", math.pi**2 / 6, None),
}
_DISPLAY = ("level", "or", "eform", "noheader", "notable", "nolrtest", "re", *DISPLAY_OPTIONS)
_METHODS = {"mvaghermite": "mvaghermite", "aghermite": "mcaghermite", "ghermite": "ghermite"}


def _right(label: str, value: str, *, align: str = "<") -> str:
    """A right-hand header cell of the xt commands: ``Number of obs    =  1,060`` (the ``=`` in
    column 70, the value at least six wide)."""
    if align == ">":
        return f"{label:>16} = {value:>6}"
    return f"{label:<16} = {value:>6}"


def _header(est: Estimates) -> list[str]:
    fit: GLMMFit = est.fit
    sc = est.scalars
    pad = " " * 53
    ivar = abbrev(est.macros["ivar"], 12)
    ll_word = "Log likelihood" if fit.vce == "oim" else "Log pseudolikelihood"
    df = int(sc["df_m"])
    n, ng = f"{int(sc['N']):,}", f"{int(sc['N_g']):,}"
    lines = [
        f"{est.macros['title']:<53}{_right('Number of obs', n)}",
        f"{'Group variable: ' + ivar:<53}{_right('Number of groups', ng)}",
        "",
        f"{'Random effects u_i ~ Gaussian':<53}Obs per group:",
        pad + _right("min", f"{int(sc['g_min']):,}", align=">"),
        pad + _right("avg", fmt_f(sc["g_avg"], 1), align=">"),
        pad + _right("max", f"{int(sc['g_max']):,}", align=">"),
        "",
        f"{'Integration method: ' + est.macros['intmethod']:<53}"
        + _right("Integration pts.", str(int(sc["n_quad"]))),
        "",
        pad + _right(f"Wald chi2({df})", fmt_f(sc["chi2"], 2) if df else "."),
        f"{ll_word + ' = ' + fmt_g(sc['ll'], 10).strip():<53}"
        + _right("Prob > chi2", fmt_f(sc["p"], 4) if df else "."),
    ]
    return [ln.rstrip() for ln in lines]


def _transform(est: Estimates, which: str, lv: float, se: float, z: float) -> list[float]:
    """``_diparm lnsig2u, function() derivative()``: sigma_u or rho at ln σ²_u = ``lv``."""
    s2e = float(est.scalars["s2e"])

    def f(t: float) -> float:
        if which == "sigma_u":
            return math.exp(0.5 * t)
        v = math.exp(min(t, 700.0))
        return v / (s2e + v)

    def deriv(t: float) -> float:
        if which == "sigma_u":
            return 0.5 * math.exp(0.5 * t)
        v = math.exp(min(t, 700.0))
        return s2e * v / (s2e + v) ** 2

    if not math.isfinite(lv):
        return [0.0, math.nan, math.nan, math.nan, math.nan, math.nan]
    lo, hi = lv - z * se, lv + z * se
    return [f(lv), deriv(lv) * se, math.nan, math.nan, f(lo), f(hi)]


def _table(est: Estimates, level: float, eform: str | None) -> CoefTable:
    fit: GLMMFit = est.fit
    d = fit.design
    z = float(stats.norm.ppf(0.5 + level / 200))
    rows = D.fixed_rows(d.columns, d.coef_index, fit.beta, fit.V_beta, level)
    if eform:
        exponentiate(rows)
    gd = fit.gdesign
    if gd is not None and gd.offset_name:
        rows.append(CoefRow(gd.offset_name, kind="offset"))
    k = len(est.b) - 1
    lv = float(est.b[k])
    var = float(est.V[k, k])
    se = math.sqrt(var) if var > 0 else math.nan
    ln_row = [lv, se, math.nan, math.nan, lv - z * se, lv + z * se]
    eqs = [
        Equation("", rows),
        Equation("", [CoefRow("/lnsig2u", ln_row, param="/lnsig2u")]),
        Equation(
            "",
            [CoefRow(nm, _transform(est, nm, lv, se, z)) for nm in ("sigma_u", "rho")],
        ),
    ]
    ci = f"[{int(level) if level == int(level) else level}% conf. interval]"
    vcetype = "Robust" if fit.vce != "oim" else None
    header, fmt_row, titles, cells, pre = ml_columns(eform or "Coefficient", "z", ci, vcetype)
    return CoefTable(
        eqs,
        header,
        fmt_row,
        titles,
        cells,
        stub_title=d.depvar,
        base_text="1" if eform else "0",
        pre_header=pre,
    )


def _lr_line(est: Estimates) -> str:
    """``_lrtest_note_xt, msg("LR test of rho=0")``: the χ̄²(01) statistic and its p-value."""
    chi, p = est.scalars["chi2_c"], est.scalars["p_c"]
    left = f"LR test of rho=0: chibar2(01) = {fmt_f(chi, 2)}"
    return f"{left:<55}Prob >= chibar2 = {fmt_f(p, 3)}"


def _eform(cmdname: str, opts: dict) -> str | None:
    own = XT_BINARY[cmdname][3]
    if opts.get("or"):
        if own != "or":
            raise StataError("option or not allowed", 198)
        return "Odds ratio"
    if opts.get("eform"):
        return "exp(b)"
    return None


def xtbinary_outputs(est: Estimates, opts: dict) -> list[Output]:
    """The display of an ``xtlogit``/``xtprobit``/``xtcloglog`` fit under ``opts``."""
    fit: GLMMFit = est.fit
    eform = _eform(est.cmd, opts)
    level = float(opts.get("level", 95))
    table = None if opts.get("notable") else _table(est, level, eform)
    results = (
        None if table is None else table_results(table, est.bnames, level, eform=eform is not None)
    )

    def render() -> tuple[str, str]:
        parts, html = [], []
        if not opts.get("noheader"):
            head = "\n".join(_header(est))
            parts.append(head)
            html.append(f"<pre style='margin:0'>{head}</pre>")
        if table is not None:
            t = restyle(table, opts)
            note = D.cluster_note(fit)
            if fit.vce == "robust":
                note = f"(Std. err. adjusted for {fit.n_clust:,} clusters in {fit.clustvar})"
            parts.append(f"{note:>78}\n{t.text()}" if note else t.text())
            html.append((f"<pre style='margin:0'>{note:>78}</pre>" if note else "") + t.html())
        tail = []
        if eform and table is not None and "_cons" in fit.design.xnames:
            what = "odds ratios" if eform == "Odds ratio" else "exp(b)"
            tail.append(f"Note: Estimates are transformed only in the first equation to {what}.")
            if eform == "Odds ratio":
                tail.append(
                    "Note: _cons estimates baseline odds (conditional on zero random effects)."
                )
        # DispLR: no LR test after vce(robust) or vce(cluster)
        if not opts.get("nolrtest") and fit.vce == "oim" and "chi2_c" in est.scalars:
            tail.append(_lr_line(est))
        # a blank line between the header and the table, as in Stata 17's xtlogit log
        text = "\n\n".join(parts)
        if tail:
            text += "\n" + "\n".join(tail)
            html.append("<pre style='margin:0'>" + "\n".join(tail) + "</pre>")
        return text, "".join(html)

    outs: list[Output] = [LazyBlock(render, data=est, results=results)]
    if not fit.converged:
        outs.append(
            Text("Warning: convergence not achieved; estimates are the last iterate.", kind="note")
        )
    return outs


def _estimates(fit: GLMMFit, cmd: Command, spec, ivar: str, s2e: float) -> Estimates:
    """``e()`` as the xt commands leave it: ``e(b)`` ends with ``/lnsig2u``; ``e(sigma_u)``,
    ``e(rho)``, ``e(ll_c)`` (the pooled model), ``e(chi2_c)`` ... ([XT] xtlogit, Stored
    results)."""
    d = fit.design
    lns = fit.params[0]
    names = [f"{d.depvar}:{c.name}" for c in d.columns] + ["/:lnsig2u"]
    b_full = np.zeros(len(d.columns))
    b_full[d.coef_index] = fit.beta
    lv = 2.0 * lns.value if not lns.boundary and math.isfinite(lns.value) else -math.inf
    b = np.concatenate([b_full, [lv]])
    p = len(d.coef_index)
    T = np.zeros((len(b), fit.V_full.shape[0]))
    for j, ci in enumerate(d.coef_index):
        T[ci, j] = 1.0
    if not lns.boundary:
        T[-1, p] = 2.0  # ln σ²_u = 2 ln σ_u
    V = T @ np.nan_to_num(fit.V_full) @ T.T
    chi2, df, pw = fit.wald()
    lr, _lrdf, lrp = fit.lr_test()
    sizes = d.levels[0].sizes()
    s2u = math.exp(lv) if math.isfinite(lv) else 0.0
    scalars = {
        "N": float(d.n),
        "N_g": float(len(sizes)),
        "g_min": float(sizes.min()),
        "g_avg": float(sizes.mean()),
        "g_max": float(sizes.max()),
        "k": float(len(b)),
        "df_m": float(df),
        "ll": fit.ll,
        "chi2": chi2,
        "p": pw,
        "n_quad": float(fit.intpoints),
        "sigma_u": math.sqrt(s2u),
        "rho": s2u / (s2u + s2e),
        "converged": float(fit.converged),
        "rank": float(p + (0 if lns.boundary else 1)),
        "s2e": s2e,
    }
    if fit.vce == "oim":
        scalars.update(ll_c=fit.ll0, chi2_c=lr, p_c=lrp)
    else:
        scalars["N_clust"] = float(fit.n_clust)
    macros = {
        "cmd": cmd.name,
        "depvar": d.depvar,
        "ivar": ivar,
        "title": XT_BINARY[cmd.name][1],
        "model": "re",
        "distrib": "Gaussian",
        "intmethod": {"mcaghermite": "aghermite"}.get(fit.method, fit.method),
        "chi2type": "Wald",
        "vce": fit.vce,
        "properties": "b V",
        "predict": f"{cmd.name}_p",
        "offset": fit.gdesign.offset_name or "",
    }
    if fit.vce != "oim":
        macros.update(vcetype="Robust", clustvar=fit.clustvar or "")
    if fit.vce == "oim":
        macros["chi2_ct"] = "LR"
    est = Estimates.of_fit(
        cmd.name, cmdline(cmd), names, b, V, scalars, macros, fit=fit, command=cmd, spec=spec
    )
    return est


def _fit(s, cmd: Command) -> list[Output]:
    name = cmd.name
    body = cmd.body
    assert isinstance(body, MultilevelModel)
    if body.levels:
        raise StataError(f"||: random effects are not allowed with {name}; see me{name[2:]}", 198)
    if cmd.has("fe"):
        what = "conditional fixed-effects" if name == "xtlogit" else "fixed-effects"
        if name == "xtlogit":
            raise StataError(f"{name}, fe ({what} logit) is not available in bayes_magic yet", 198)
        raise StataError(f"option fe not allowed; {name} has no fixed-effects estimator", 198)
    if cmd.has("pa"):
        raise StataError(
            f"{name}, pa (population averaged, GEE) is not available in bayes_magic yet", 198
        )
    if cmd.weight is not None:
        raise StataError(f"weights are not available in bayes_magic's {name} yet", 101)
    if me_option(cmd, "exposure") is not None:
        raise StataError("option exposure() not allowed", 198)
    opts = {o.name: o.value for o in cmd.options}
    _eform(name, opts)  # refuse or where it does not belong, before fitting
    ivar = panel_variable(s, cmd)
    meth = _METHODS[cmd.option("intmethod") or "mvaghermite"]
    q = int(cmd.option("intpoints", 12))
    if q < 2 and meth == "ghermite":
        raise StataError("intpoints() must be at least 2 with intmethod(ghermite)", 198)
    me_name, _title, s2e, _ef = XT_BINARY[name]
    # the me* model of one random intercept at the panels (its checks, vce() included)
    inner = replace(cmd, name=me_name, body=replace(body, levels=(LevelEq(ivar, (), ()),)))
    spec = build_mixed(inner)
    vce = vce_option(cmd, "oim")
    touse = s.touse(cmd) & ~np.isnan(np.asarray(s.data.values(ivar), dtype=float))
    family = FAMILIES[me_name]
    gd = build_glmm_design(
        s.data,
        spec,
        touse,
        offset=me_option(cmd, "offset"),
        family=family.family,
        cluster=vce.cluster,
    )
    fit = fit_glmm(
        gd,
        family,
        method="laplace" if q == 1 else meth,
        intpoints=q,
        iterate=int(cmd.option("iterate", 300)),
    )
    if vce.kind != "oim":  # vce(robust): the panels are the clusters ([XT] vce_options)
        _robust(fit, gd)
    est = _estimates(fit, cmd, spec, ivar, s2e)
    est.ids = s.data.ids[gd.base.sample]
    s.e = est
    outs: list[Output] = [Text(n, kind="note") for n in gd.base.notes]
    if not cmd.has("nolog"):
        outs.append(Text(glmm_log(fit, "Fitting comparison model:"), kind="log"))
    return outs + xtbinary_outputs(est, opts)


def _handler(name: str):
    def handler(s, cmd: Command) -> list[Output]:
        body = cmd.body
        assert isinstance(body, MultilevelModel)
        if body.depvar is None:
            return replay_active(s, cmd, name, _DISPLAY, xtbinary_outputs)
        return _fit(s, cmd)

    return handler


for _name in XT_BINARY:
    command(_name, byable="repeat")(_handler(_name))
    replayer(_name)(lambda est: xtbinary_outputs(est, dict(est.options)))


def predict_xtbinary(s, cmd: Command) -> list[Output]:
    """``predict`` after ``xtlogit``/``xtprobit``/``xtcloglog, re`` ([XT] xtlogit
    postestimation): ``xb`` (the default), ``stdp``, and ``pu0``, the probability of a positive
    outcome with the panel effect at zero."""
    from ..design.newdata import fixed_columns
    from .predict import _newnames, chosen_statistic, new_variables, store_prediction

    est = s.e
    fit: GLMMFit = est.fit
    allowed = ("xb", "stdp", "pu0")
    which, outs = chosen_statistic(cmd, allowed, "linear prediction")
    words, vtype = new_variables(cmd)
    names = _newnames(s, words, 1)
    X = fixed_columns(s.data, fit.design.xnames)
    xb = X @ fit.beta
    off = est.macros.get("offset")
    if off:
        xb = xb + np.asarray(s.data.values(off), dtype=float)
    touse = s.touse(cmd)
    typ = vtype or s.settings.type
    if which == "xb":
        return outs + store_prediction(s, names[0], xb, typ, "Linear prediction", touse)
    if which == "stdp":
        sd = np.sqrt(np.einsum("ij,jk,ik->i", X, fit.V_beta, X))
        return store_prediction(s, names[0], sd, typ, "S.E. of the linear prediction", touse)
    link = fit.family.link
    if link == "logit":
        pr = 1.0 / (1.0 + np.exp(-xb))
    elif link == "probit":
        pr = stats.norm.cdf(xb)
    else:
        pr = -np.expm1(-np.exp(xb))
    return store_prediction(
        s, names[0], pr, typ, "Pr(" + est.macros["depvar"] + "=1 | u_i=0)", touse
    )
