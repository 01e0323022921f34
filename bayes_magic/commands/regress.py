"""``regress`` ([R] regress): ordinary least squares with Stata's ANOVA header and t table.

The header is Stata's: the analysis-of-variance table (Model, Residual, Total sums of squares,
their degrees of freedom and mean squares) beside Number of obs, F, Prob > F, R-squared, Adj
R-squared and Root MSE; then the coefficient table with t statistics and intervals on the
residual degrees of freedom. ``predict`` gives ``xb`` (the default), ``residuals`` and
``stdp``. The fit is :func:`bayes_magic.fit.ols.fit_ols`.
"""

from __future__ import annotations

import numpy as np

from ..design.mixed import build_mixed_design
from ..design.newdata import fixed_columns
from ..errors import StataError
from ..fit.estimates import OLS_COMMANDS, Estimates, over_columns, vce_entries
from ..fit.ols import OLSFit, fit_ols
from ..report.coeftable import DISPLAY_OPTIONS, restyle, table_results
from ..report.format import fmt_f, fmt_g
from ..report.output import LazyBlock, Output, Text
from ..spec.model import build_mixed, vce_option
from ..syntax.ast import Command, MultilevelModel
from ..syntax.unparse import cmdline, weight_text
from . import mixed_display as D
from .estimates import replayer
from .me import _table
from .registry import command

__all__ = ["regress_outputs", "predict_regress"]

_DISPLAY = ("level", "noheader", "notable", "eform", "beta", *DISPLAY_OPTIONS)
_NOT_YET = ("hascons", "tsscons", "mse1", "plus", "depname")
#: e(vcetype) and the column title of each sandwich estimator
VCETYPE = {"robust": "Robust", "cluster": "Robust", "hc2": "Robust HC2", "hc3": "Robust HC3"}


def _g5(x: float) -> str:
    """Root MSE as Stata prints it: five significant digits, no leading zero."""
    if x != x:
        return "."
    s = f"{x:.5g}"
    return s[1:] if s.startswith("0.") else s.replace("-0.", "-.")


def _anova(fit: OLSFit) -> list[str]:
    def row(label: str, ss: float, df: int, right: str) -> str:
        ms = ss / df if df > 0 else float("nan")
        # sums of squares and mean squares with nine significant digits (%11.0g's)
        return f"{label:>12} | {fmt_g(ss, 11):>11}{df:>10}{fmt_g(ms, 11):>12}   {right}"

    def cell(label: str, value: str) -> str:
        return f"{label:<16}={value:>10}"

    nobs = f"{round(fit.N):,}"
    F = fit.F
    fs = fmt_f(F, 2) if F == F else "."
    p = fit.p_F
    rule = "-" * 13 + "+" + "-" * 34
    return [
        f"{'Source':>12} |       SS           df       MS      {cell('Number of obs', nobs)}",
        f"{rule}   {cell(f'F({fit.df_m}, {fit.df_r})', fs)}",
        row("Model", fit.mss, fit.df_m, cell("Prob > F", fmt_f(p, 4) if p == p else ".")),
        row("Residual", fit.rss, fit.df_r, cell("R-squared", fmt_f(fit.r2, 4))),
        f"{rule}   {cell('Adj R-squared', fmt_f(fit.r2_a, 4))}",
        row("Total", fit.tss, fit.df_m + fit.df_r, cell("Root MSE", _g5(fit.rmse))),
    ]


def _robust_header(fit: OLSFit) -> list[str]:
    """The header of a fit with a sandwich variance: no ANOVA table ([R] regress)."""
    R = D._right
    F, p = fit.F, fit.p_F
    lines = [
        f"{'Linear regression':<48}{R('Number of obs', f'{round(fit.N):,}')}",
        " " * 48 + R(f"F({fit.df_F}, {fit.df_test})", fmt_f(F, 2) if F == F else "."),
        " " * 48 + R("Prob > F", fmt_f(p, 4) if p == p else "."),
        " " * 48 + R("R-squared", fmt_f(fit.r2, 4)),
        " " * 48 + R("Root MSE", _g5(fit.rmse)),
    ]
    return lines


def regress_outputs(est: Estimates, opts: dict) -> list[Output]:
    """The display of a ``regress`` fit under display options ``opts``."""
    fit: OLSFit = est.fit
    level = float(opts.get("level", 95))
    eform = opts.get("eform") or None

    ef = eform if isinstance(eform, str) else None
    vcetype = VCETYPE.get(fit.vce)
    table = results = None
    if not opts.get("notable"):
        table = _table(est, level, ef, df_r=fit.df_test, vcetype=vcetype)
        results = table_results(
            table, est.bnames, level, stat="t", df=fit.df_test, eform=ef is not None
        )
        if opts.get("beta"):  # the Beta column replaces the interval on screen, not in r(table)
            table = _table(est, level, ef, df_r=fit.df_test, vcetype=vcetype, std_beta=fit.std_beta)

    def render() -> tuple[str, str]:
        parts, html = [], []
        if not opts.get("noheader"):
            lines = _anova(fit) if fit.vce == "ols" else _robust_header(fit)
            head = "\n".join(ln.rstrip() for ln in lines)
            parts.append(head)
            html.append(f"<pre style='margin:0'>{head}</pre>")
        if table is not None:
            D.add_table(parts, html, restyle(table, opts), fit)
        return "\n\n".join(parts), "".join(html)

    return [LazyBlock(render, data=est, results=results)]


def _estimates(fit: OLSFit, cmd: Command, spec) -> Estimates:
    d = fit.design
    names, b, V = over_columns(d, fit.beta, fit.V_beta, equation=False)
    scalars = {
        "N": fit.N,
        "df_m": float(fit.df_F),
        "df_r": float(fit.df_test),
        "F": fit.F,
        "r2": fit.r2,
        "rmse": fit.rmse,
        "mss": fit.mss,
        "rss": fit.rss,
        "r2_a": fit.r2_a,
        "ll": fit.ll,
        "ll_0": fit.ll_0,
        "rank": float(len(d.coef_index)),
    }
    macros = {
        "cmd": "regress",
        "depvar": d.depvar,
        "title": "Linear regression",
        "model": "ols",
        "vce": fit.vce,
        "predict": "regres_p",
        "estat_cmd": "regress_estat",  # [R] regress, Stored results
        "properties": "b V",
        "marginsok": "XB default",
    }
    vce_entries(fit, VCETYPE.get(fit.vce), weight_text(cmd), macros, scalars)
    return Estimates.of_fit(
        "regress", cmdline(cmd), names, b, V, scalars, macros, fit=fit, command=cmd, spec=spec
    )


@command("regress", byable="repeat")
def regress(s, cmd: Command) -> list[Output]:
    body = cmd.body
    assert isinstance(body, MultilevelModel)
    if body.depvar is None:  # replay
        # regress replays anova's regression too, as Stata's does
        if s.e is None or getattr(s.e, "cmd", None) not in OLS_COMMANDS:
            raise StataError("last estimates not found", 301)
        bad = [o.name for o in cmd.options if o.name not in _DISPLAY]
        if bad:
            raise StataError(f"option {bad[0]} not allowed", 198)
        return regress_outputs(s.e, {o.name: o.value for o in cmd.options})
    if body.levels:
        raise StataError("||: random effects are not allowed with regress; see mixed", 198)
    for o in _NOT_YET:
        if cmd.has(o):
            raise StataError(f"option {o} is not available in bayes_magic's regress yet", 198)
    vce = vce_option(cmd, "ols", allowed=("hc2", "hc3"))
    if cmd.has("beta") and vce.kind == "cluster":
        raise StataError("option beta not allowed with vce(cluster)", 198)
    spec = build_mixed(cmd)
    d = build_mixed_design(s.data, spec, s.touse(cmd), cluster=vce.cluster)
    if vce.kind in ("hc2", "hc3") and d.weight_kind == "pweight" and d.weights is not None:
        raise StataError(f"vce({vce.kind}) not allowed with pweights", 198)
    if vce.kind == "cluster" and d.n_clusters == 1:
        raise StataError("only one cluster in the estimation sample", 459)
    fit = fit_ols(d, vce.kind)
    est = _estimates(fit, cmd, spec)
    est.ids = s.data.ids[d.sample]
    s.e = est
    outs: list[Output] = [Text(n, kind="note") for n in d.notes]
    if d.weight_kind in ("aweight", "pweight") and d.weights is not None:
        outs.append(Text(f"(sum of wgt is {fmt_g(float(d.weights.sum()), 20, comma=True)})"))
    return outs + regress_outputs(est, {o.name: o.value for o in cmd.options})


replayer("regress")(lambda est: regress_outputs(est, dict(est.options)))


#: predict's statistics after regress that need the leverage and an unweighted fit
_NEEDS_LEVERAGE = (
    "leverage",
    "rstandard",
    "rstudent",
    "cooksd",
    "dfits",
    "welsch",
    "covratio",
    "stdr",
)
_PREDICT_STATS = ("xb", "residuals", "stdp", "stdf", "dfbeta", *_NEEDS_LEVERAGE)


def predict_regress(s, cmd: Command) -> list[Output]:
    """``predict`` after ``regress`` ([R] regress postestimation): ``xb`` (the default),
    ``residuals``, ``stdp``, ``stdf``, ``leverage`` (``hat``), ``rstandard``, ``rstudent`` and
    ``cooksd``, ``dfits``, ``welsch``, ``covratio``, ``dfbeta(varname)`` and ``stdr`` (the
    residual's standard error s√(1-h)). With h the
    leverage x(X'X)⁻¹x' and s the Root MSE: rstandard is e / (s√(1-h)), rstudent t uses
    s₍ᵢ₎² = (RSS - e²/(1-h)) / (df_r - 1) instead, and Cook's distance is
    e²h / (k s² (1-h)²); DFITS is t√(h/(1-h)), Welsch's distance DFITS·√((N-1)/(1-h)),
    COVRATIO ((N - df_m - r² - 1)/(N - df_m - 2))^(df_m+1) / (1-h) with r the standardized
    residual, and DFBETA for x is t·u / √((1-h) Σu²), u the residual of x regressed on the
    other covariates (Belsley, Kuh and Welsch 1980; the formulas of Stata's regres_p.ado).
    These and the leverage need unweighted fits; all but the leverage and rstandard are
    computed in the estimation sample only, as Stata's."""
    from .predict import _newnames, new_variables, store_prediction

    fit: OLSFit = s.e.fit
    stat = ["leverage" if o.name == "hat" else o.name for o in cmd.options]
    bad = [o for o in stat if o not in _PREDICT_STATS]
    if bad:
        raise StataError(f"option {bad[0]} not allowed", 198)
    if len(stat) > 1:
        raise StataError("only one statistic may be specified", 198)
    needs_h = _NEEDS_LEVERAGE
    influence = (*needs_h, "stdf", "dfbeta")
    if stat and stat[0] in influence and fit.vce != "ols":
        # [R] regress postestimation: not available with a vce() other than ols
        raise StataError(f"option {stat[0]} not allowed after vce({fit.vce})", 198)
    weighted = fit.design.weights is not None
    if stat and stat[0] == "dfbeta" and weighted:
        raise StataError("not possible after weighted regression", 398)
    if stat and stat[0] in needs_h and weighted:
        raise StataError(
            f"predict, {stat[0]} after a weighted regress is not available in bayes_magic yet",
            198,
        )
    words, vtype = new_variables(cmd)
    names = _newnames(s, words, 1)
    outs: list[Output] = []
    if not stat:
        stat = ["xb"]
        outs.append(Text("(option xb assumed; fitted values)"))
    ds = s.data
    X = fixed_columns(ds, fit.design.xnames)
    xb = X @ fit.beta
    touse = s.touse(cmd)
    y = np.asarray(ds.values(fit.design.depvar), dtype=float)
    s2 = fit.rmse**2
    e = y - xb
    which = stat[0]
    if which in ("stdp", "stdf"):  # from e(V): the sandwich after vce(robust)
        var_p = np.einsum("ij,jk,ik->i", X, fit.V_beta, X)
    elif which == "dfbeta":
        j = _dfbeta_column(fit, str(cmd.option("dfbeta")).strip())
    if which not in ("xb", "residuals", "stdp", "stdf"):  # the leverage, x V x' / s²
        xvx = np.einsum("ij,jk,ik->i", X, fit.V_beta, X)  # ols: V = s²(X'X)⁻¹
        h = xvx / s2 if s2 > 0 else np.full(ds.nobs, np.nan)
    if which == "xb":
        val, label = xb, "Fitted values"
    elif which == "stdp":
        val, label = np.sqrt(var_p), "S.E. of the prediction"
    elif which == "stdf":
        val, label = np.sqrt(var_p + s2), "S.E. of the forecast"
    elif which == "residuals":
        val, label = e, "Residuals"
    elif which == "leverage":
        val, label = h, "Leverage"
    elif which == "rstandard":
        val, label = e / np.sqrt(s2 * (1 - h)), "Standardized residuals"
    elif which == "stdr":
        val, label = np.sqrt(s2 * (1 - h)), "S.E. of the residual"
    else:
        in_sample = np.zeros(ds.nobs, dtype=bool)
        in_sample[np.flatnonzero(fit.design.sample)] = True
        touse = touse & in_sample
        with np.errstate(divide="ignore", invalid="ignore"):
            t = e / np.sqrt((fit.rss - e**2 / (1 - h)) / (fit.df_r - 1) * (1 - h))
            if which == "rstudent":
                val, label = t, "Studentized residuals"
            elif which == "cooksd":
                k = len(fit.design.coef_index)
                val, label = e**2 * h / (k * s2 * (1 - h) ** 2), "Cook's D"
            elif which == "dfits":
                val, label = t * np.sqrt(h / (1 - h)), "DFITS"
            elif which == "welsch":
                val = t * np.sqrt(h / (1 - h)) * np.sqrt((fit.N - 1) / (1 - h))
                label = "Welsch distance"
            elif which == "covratio":
                r = e / np.sqrt(s2 * (1 - h))
                base = (fit.N - fit.df_m - r * r - 1) / (fit.N - fit.df_m - 2)
                val, label = base ** (fit.df_m + 1) / (1 - h), "COVRATIO"
            else:
                use = touse & ~np.isnan(t)
                u = _partial_residual(X, j, use)
                val = t * u / np.sqrt((1 - h) * np.nansum(u[use] ** 2))
                label = f"DFBETA {fit.design.xnames[j]}"
    return outs + store_prediction(s, names[0], val, vtype or s.settings.type, label, touse)


def _dfbeta_column(fit: OLSFit, name: str) -> int:
    """The coefficient ``dfbeta()`` names: a covariate of the fit, not the constant."""
    xnames = list(fit.design.xnames)
    if name in xnames and name != "_cons":
        j = xnames.index(name)
        if fit.V_beta[j, j] > 0:
            return j
    raise StataError(f"invalid dfbeta() option; {name} is not a covariate of the model", 198)


def _partial_residual(X: np.ndarray, j: int, use: np.ndarray) -> np.ndarray:
    """Residuals of column j regressed (with a constant) on the model's other covariates, over
    the rows ``use``; missing elsewhere."""
    others = [k for k in range(X.shape[1]) if k != j and np.ptp(X[use, k]) > 0]
    Z = np.column_stack([np.ones(int(use.sum())), X[np.ix_(use, others)]])
    coef, *_ = np.linalg.lstsq(Z, X[use, j], rcond=None)
    u = np.full(X.shape[0], np.nan)
    u[use] = X[use, j] - Z @ coef
    return u
