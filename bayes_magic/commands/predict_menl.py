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
    if rel is not None and rel != d.level:
        raise StataError(f"relevel({rel}): level not found", 198)
    outs: list[Output] = []
    if not stat:
        stat = ["yhat"]
        outs.append(Text("(option yhat assumed)"))
    which = stat[0]
    vtype = vtype or s.settings.type
    touse = s.touse(cmd)
    ds = s.data
    g = group_index(ds, d.level, d.ids) if d.q else np.zeros(ds.nobs, dtype=np.int64)
    if which == "reffects":
        if cmd.has("fixedonly"):
            raise StataError("options reffects and fixedonly may not be combined", 184)
        if not d.q:
            raise StataError("the model has no random effects", 198)
        names = _newnames(s, words, d.q)
        ok = (g >= 0) & touse
        for j, (nm, re) in enumerate(zip(names, d.reffects)):
            val = np.full(ds.nobs, np.nan)
            val[ok] = fit.B[g[ok], j]
            ds.set_values(nm, val, vtype)
            ds.info[nm].label = f"Random effect {re}[{d.level}]"
        return outs
    names = _newnames(s, words, 1)
    rows = np.arange(ds.nobs)
    fixedonly = cmd.has("fixedonly") or not d.q
    Brows = np.zeros((ds.nobs, d.q))
    if not fixedonly:
        Brows = np.where((g >= 0)[:, None], fit.B[np.maximum(g, 0)], np.nan)
    val = mean_function(ds, spec, rows, d.lincomb_names())(fit.beta, Brows)
    label = "Predicted mean" + (", fixed portion only" if fixedonly and d.q else "")
    if which in ("residuals", "rstandard"):
        val = ds.values(d.depvar) - val
        label = "Residuals" + (", fixed portion only" if fixedonly and d.q else "")
        if which == "rstandard":
            val = val / np.sqrt(fit.lme.sigma2)
            label = "Standardized residuals"
    return outs + store_prediction(s, names[0], val, vtype, label, touse)
