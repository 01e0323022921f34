"""Regression diagnostic plots after ``regress`` ([R] regress postestimation diagnostic plots):
``rvfplot`` (residuals against fitted values), ``rvpplot varname`` (residuals against a
predictor), ``lvr2plot`` (leverage against the normalized squared residual, with lines at
both means) and ``avplot varname`` (the added-variable plot: y and the variable each
residualized on the other regressors, with the fitted line, whose slope is the coefficient;
the note gives it with its standard error and t, as Stata's); ``avplots`` combines the
added-variable plots of every regressor that is a variable (not of factor-variable levels).

All take the twoway options (``yline(0)``, titles, ``mlabel()`` ...) and draw the estimation
sample.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import StataError
from ..report.format import fmt_g
from ..report.output import Output
from ..syntax.ast import Command, Varlist
from . import graph_style as st
from .graph_layout import GraphSpec
from .graph_plots import PLOT_OPTIONS, Key, Plot
from .graphs import _refuse, _what, draw, with_scheme
from .registry import command

__all__: list[str] = []


def _regress(s, what: str):
    from .estat_regress import regress_pieces

    d, fitted, res = regress_pieces(s, what)
    return s.e, d, np.flatnonzero(d.sample), fitted, res, np.full(s.data.nobs, np.nan)


def _options(cmd: Command) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    own = {o.name: o.value for o in cmd.options if o.name in PLOT_OPTIONS}
    options: dict[str, list[Any]] = {}
    for o in cmd.options:
        if o.name not in PLOT_OPTIONS:
            options.setdefault(o.name, []).append(o.value)
    return own, options


def _scatter(s, cmd, arrays, touse, xtitle, ytitle, extra=(), defaults=None) -> list[Output]:
    _refuse(cmd)
    own, options = _options(cmd)
    dots = Plot("scatter", ["_y"], "_x", touse, own, [], xtitle, [ytitle])
    dots.arrays = arrays
    dots.keys.append(Key(ytitle, "scatter", st.key_style(own, 0, 0)))
    plots = [dots, *extra]
    spec = GraphSpec(
        plots, options, {"legend": False, "ytitle": ytitle, "xtitle": xtitle, **(defaults or {})}
    )
    return draw(s, cmd, spec, _what(cmd))


def _one_var(s, cmd: Command, what: str) -> str:
    from ..dataset.varnames import expand_terms

    names = expand_terms(s.data, cmd.body.terms if isinstance(cmd.body, Varlist) else ())
    if len(names) != 1:
        raise StataError("too many variables specified" if names else "varlist required", 103)
    return names[0]


@command("rvfplot")
@with_scheme
def rvfplot(s, cmd: Command) -> list[Output]:
    _e, _d, rows, fitted, res, full = _regress(s, "rvfplot")
    x, y = full.copy(), full.copy()
    x[rows], y[rows] = fitted, res
    touse = ~np.isnan(y) & s.touse(cmd)
    return _scatter(s, cmd, {"_x": x, "_y": y}, touse, "Fitted values", "Residuals")


@command("rvpplot")
@with_scheme
def rvpplot(s, cmd: Command) -> list[Output]:
    _e, _d, rows, _fitted, res, full = _regress(s, "rvpplot")
    v = _one_var(s, cmd, "rvpplot")
    if s.data.is_string(v):
        raise StataError("type mismatch", 109)
    y = full.copy()
    y[rows] = res
    x = np.asarray(s.data.values(v), dtype=float)
    touse = ~np.isnan(y) & ~np.isnan(x) & s.touse(cmd)
    label = s.data.info[v].label or v
    return _scatter(s, cmd, {"_x": x, "_y": y}, touse, label, "Residuals")


@command("lvr2plot")
@with_scheme
def lvr2plot(s, cmd: Command) -> list[Output]:
    _e, d, rows, _fitted, res, full = _regress(s, "lvr2plot")
    if d.weights is not None:
        raise StataError("lvr2plot after weighted regress is not available in bayes_magic yet", 198)
    h = np.einsum("ij,jk,ik->i", d.X, np.linalg.pinv(d.X.T @ d.X), d.X)
    nr2 = res**2 / float(np.sum(res**2))
    x, y = full.copy(), full.copy()
    x[rows], y[rows] = nr2, h
    touse = ~np.isnan(y) & s.touse(cmd)
    # Stata's reference lines at the means of both
    lines = {"xline": [f"{float(nr2.mean()):.17g}"], "yline": [f"{float(h.mean()):.17g}"]}
    return _scatter_with_lines(
        s, cmd, {"_x": x, "_y": y}, touse, "Normalized residual squared", "Leverage", lines
    )


def _scatter_with_lines(s, cmd, arrays, touse, xtitle, ytitle, lines) -> list[Output]:
    _refuse(cmd)
    own, options = _options(cmd)
    for k, v in lines.items():
        options[k] = v + options.get(k, [])
    dots = Plot("scatter", ["_y"], "_x", touse, own, [], xtitle, [ytitle])
    dots.arrays = arrays
    dots.keys.append(Key(ytitle, "scatter", st.key_style(own, 0, 0)))
    spec = GraphSpec([dots], options, {"legend": False, "ytitle": ytitle, "xtitle": xtitle})
    return draw(s, cmd, spec, _what(cmd))


@command("avplot")
@with_scheme
def avplot(s, cmd: Command) -> list[Output]:
    e, d, rows, _fitted, _res, full = _regress(s, "avplot")
    v = _one_var(s, cmd, "avplot")
    names = d.xnames
    if v not in names:
        raise StataError(f"{v} is not in the model; avplot of a new variable is not available", 198)
    j = names.index(v)
    others = [k for k in range(len(names)) if k != j]
    w = np.ones(d.n) if d.weights is None else np.asarray(d.weights, dtype=float)
    sw = np.sqrt(w)
    Xo = d.X[:, others]

    def resid(t: np.ndarray) -> np.ndarray:
        if not others:
            return t
        b = np.linalg.lstsq(Xo * sw[:, None], t * sw, rcond=None)[0]
        return t - Xo @ b

    ey, ex = resid(d.y), resid(d.X[:, j])
    x, y = full.copy(), full.copy()
    x[rows], y[rows] = ex, ey
    touse = ~np.isnan(y) & s.touse(cmd)
    b = float(e.b[e.bnames.index(v)]) if v in e.bnames else float(e.fit.beta[j])
    se = float(np.sqrt(e.V[e.bnames.index(v), e.bnames.index(v)]))
    robust = e.macros.get("vcetype", "") in ("Robust",) or e.macros.get("vce") == "cluster"
    kind = "(robust) " if robust else ""
    note = f"coef = {fmt_g(b, 9)}, {kind}se = {fmt_g(se, 9)}, t = {b / se:.2f}"
    line = Plot("line", ["_fit"], "_x", touse, {"sort": True}, [], "", [""])
    fitv = full.copy()
    fitv[rows] = b * ex
    line.arrays = {"_x": x, "_fit": fitv}
    line.keys.append(Key("Fitted values", "line", st.key_style({}, 0, 1)))
    ylab = f"e( {d.depvar} | X )"
    xlab = f"e( {v} | X )"
    return _scatter(s, cmd, {"_x": x, "_y": y}, touse, xlab, ylab, [line], {"note": [note]})


#: options of avplots that go to the combined graph; the others go to each plot
_COMBINE_OPTIONS = (
    *("title", "subtitle", "note", "caption", "name", "saving", "scheme", "graphregion"),
    *("xsize", "ysize", "cols", "rows", "colfirst", "iscale", "altshrink", "imargin"),
    *("ycommon", "xcommon", "nodraw"),
)


@command("avplots")
def avplots(s, cmd: Command) -> list[Output]:
    """``avplots [, options]``: the added-variable plot of each regressor, combined
    ([R] regress postestimation diagnostic plots)."""
    from ..syntax.unparse import unparse_options

    _e, d, *_ = _regress(s, "avplots")
    names = [n for n in d.xnames if n != "_cons" and n in s.data.info]
    if not names:
        raise StataError("avplots: the model has no regressors that are variables", 198)
    combine = tuple(o for o in cmd.options if o.name in _COMBINE_OPTIONS)
    each = tuple(o for o in cmd.options if o.name not in _COMBINE_OPTIONS)
    each_text = unparse_options(each)
    # temporary graph names nobody uses (a graph the user named _avplots1 stays)
    temp: list[str] = []
    k = 0
    while len(temp) < len(names):
        k += 1
        if f"_avplots{k}" not in s.graphs:
            temp.append(f"_avplots{k}")
    try:
        for v, g in zip(names, temp):
            res = s.execute(f"avplot {v}, nodraw name({g}, replace) {each_text}".rstrip())
            if res.error is not None:
                raise StataError(res.error.message, res.error.rc)
        res = s.execute(f"graph combine {' '.join(temp)}, {unparse_options(combine)}".rstrip(", "))
        if res.error is not None:
            raise StataError(res.error.message, res.error.rc)
        return [o for o in res if not getattr(o, "final", False)]
    finally:
        for g in temp:
            s.graphs.pop(g, None)
