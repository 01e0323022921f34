"""``predict`` after ``menl`` ([ME] menl postestimation): ``yhat`` (the default), ``residuals``,
``rstandard``, ``fixedonly``, and ``reffects``.

``yhat`` is the expression at the estimates, with each group's random effects at their
estimates (the PNLS conditional modes, as Stata predicts them); ``fixedonly`` sets the random
effects to zero. Predictions cover every observation in memory where the expression can be
evaluated; random effects exist for the groups of the estimation sample, so ``yhat`` is missing
in other groups unless ``fixedonly``.
"""

from __future__ import annotations

import numpy as np

from ..design.nonlinear import group_index, mean_function
from ..errors import StataError
from ..fit.nonlinear import NonlinearFit
from ..report.output import Output, Text
from ..syntax.ast import Command
from .predict import _newnames, new_variables, store_prediction

_STATS = ("yhat", "residuals", "rstandard", "reffects")
_OTHER = ("fixedonly", "relevel")


def predict_menl(s, cmd: Command) -> list[Output]:
    """``predict`` after a ``menl`` fit."""
    fit: NonlinearFit = s.e.fit
    spec = s.e.spec
    d = fit.design
    words, vtype = new_variables(cmd)
    for o in cmd.options:
        if o.name not in _STATS + _OTHER:
            raise StataError(f"option {o.name} not allowed after menl", 198)
    stat = [o.name for o in cmd.options if o.name in _STATS]
    if len(stat) > 1:
        raise StataError("only one statistic may be specified", 198)
    rel = cmd.option("relevel")
    levels = list(range(len(d.levels)))
    if rel is not None:
        rel = str(rel).replace(" ", "")
        levels = [i for i, lv in enumerate(d.levels) if rel in (lv.name, ">".join(lv.path))]
        if not levels:
            raise StataError(f"relevel({rel}): level not found", 198)
    outs: list[Output] = []
    if not stat:
        stat = ["yhat"]
        outs.append(Text("(option yhat assumed)"))
    which = stat[0]
    vtype = vtype or s.settings.type
    touse = s.touse(cmd)
    ds = s.data
    gs = [group_index(ds, lv) for lv in d.levels]
    if which == "reffects":
        if cmd.has("fixedonly"):
            raise StataError("options reffects and fixedonly may not be combined", 184)
        if not d.q:
            raise StataError("the model has no random effects", 198)
        names = _newnames(s, words, sum(d.levels[i].q for i in levels))
        k = 0
        for i in levels:
            lv, g = d.levels[i], gs[i]
            ok = (g >= 0) & touse
            for j, re in enumerate(lv.reffects):
                val = np.full(ds.nobs, np.nan)
                val[ok] = fit.Bs[i][g[ok], j]
                ds.set_values(names[k], val, vtype)
                ds.info[names[k]].label = f"Random effect {re}[{'>'.join(lv.path)}]"
                k += 1
        return outs
    if rel is not None and cmd.has("fixedonly"):
        raise StataError("options relevel() and fixedonly may not be combined", 184)
    names = _newnames(s, words, 1)
    rows = np.arange(ds.nobs)
    fixedonly = cmd.has("fixedonly") or not d.q
    # relevel(): the random effects of that level and the levels above it; deeper ones are 0
    upto = levels[-1] if rel is not None else len(d.levels) - 1
    parts = [np.zeros((ds.nobs, lv.q)) for lv in d.levels]
    if not fixedonly:
        parts = [
            np.where((g >= 0)[:, None], B[np.maximum(g, 0)], np.nan) if i <= upto else part
            for i, (g, B, part) in enumerate(zip(gs, fit.Bs, parts))
        ]
    Brows = np.hstack(parts) if parts else np.zeros((ds.nobs, 0))
    val = mean_function(ds, spec, rows, d.lincomb_names())(fit.beta, Brows)
    label = "Predicted mean" + (", fixed portion only" if fixedonly and d.q else "")
    if which in ("residuals", "rstandard"):
        val = ds.values(d.depvar) - val
        label = "Residuals" + (", fixed portion only" if fixedonly and d.q else "")
        if which == "rstandard":
            val = val / np.sqrt(fit.lme.sigma2)
            label = "Standardized residuals"
    return outs + store_prediction(s, names[0], val, vtype, label, touse)
