"""``lroc`` ([R] lroc): the ROC curve of a binary model over its estimation sample and the area
under it; ``lsens`` ([R] lsens): sensitivity and specificity against the probability cutoff.

Each distinct predicted probability, from the largest down, is a cutoff: the curve joins the
points (1 - specificity, sensitivity) from (0, 0) to (1, 1), and the area is the trapezoid
sum over them, which equals the Mann-Whitney statistic U / (n₁ n₀) with ties counted one half
(Methods and formulas). The graph takes the twoway options; ``nograph`` reports the area only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import StataError
from ..report.format import fmt_f
from ..report.output import Output, Text
from ..syntax.ast import Command
from . import graph_style as st
from .estat import _MODEL, _binary_fit
from .graph_layout import GraphSpec
from .graph_plots import Key, Plot
from .graphs import draw
from .registry import command

__all__ = ["lroc", "roc_points"]


def roc_points(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(1 - specificity, sensitivity) at every distinct cutoff, from (0, 0) to (1, 1)."""
    order = np.argsort(-p, kind="stable")
    ps, ys, ws = p[order], y[order], w[order]
    cut = np.r_[np.flatnonzero(np.diff(ps) != 0), len(ps) - 1]  # last row of each tie
    tp = np.cumsum(ws * ys)[cut]
    fp = np.cumsum(ws * (1 - ys))[cut]
    n1, n0 = float((ws * ys).sum()), float((ws * (1 - ys)).sum())
    return np.r_[0.0, fp / n0], np.r_[0.0, tp / n1]


@command("lroc")
def lroc(s, cmd: Command) -> list[Output]:
    """``lroc [if] [in] [, nograph twoway_options]``."""
    for o in ("all", "beta"):
        if cmd.has(o):
            raise StataError(f"lroc, {o}() is not available in bayes_magic yet", 198)
    e, y, p, w = _binary_fit(s, cmd, "lroc")
    if y.min() == y.max():
        raise StataError("outcome does not vary", 2000)
    fpr, tpr = roc_points(y, p, w)
    area = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
    n = float(w.sum())
    s.r = {"N": n, "area": area}
    text = (
        f"\n{_MODEL[e.cmd]} model for {e.macros.get('depvar', '')}\n\n"
        f"Number of observations = {n:>8,.0f}\n"
        f"Area under ROC curve   = {fmt_f(area, 4):>8}"
    )
    outs: list[Output] = [Text(text)]
    if cmd.has("nograph"):
        return outs
    use = np.ones(len(fpr), dtype=bool)
    arrays = {"_fpr": fpr, "_sens": tpr}
    curve = Plot("connected", ["_sens"], "_fpr", use, {"msize": "small"}, [], "", [])
    curve.arrays = arrays
    curve.keys.append(Key("", "connected", st.key_style({"msize": "small"}, 0, 0)))
    diag = Plot("line", ["_fpr"], "_fpr", use, {"lcolor": "black"}, [], "", [])
    diag.arrays = arrays
    diag.keys.append(Key("", "line", st.key_style({"lcolor": "black"}, 0, 1)))
    options: dict[str, list[Any]] = {}
    for o in cmd.options:
        if o.name != "nograph":
            options.setdefault(o.name, []).append(o.value)
    defaults = {
        "xtitle": "1 - specificity",
        "ytitle": "Sensitivity",
        "note": [f"Area under ROC curve = {fmt_f(area, 4)}"],
        "legend": False,
    }
    return outs + draw(s, cmd, GraphSpec([curve, diag], options, defaults), "lroc")


def sens_spec(y: np.ndarray, p: np.ndarray, w: np.ndarray):
    """Cutoffs (0, each distinct predicted probability, 1) with the sensitivity and
    specificity of classifying positive where p >= cutoff."""
    cuts = np.unique(np.r_[0.0, p, 1.0])
    n1, n0 = float((w * y).sum()), float((w * (1 - y)).sum())
    sens = np.array([float((w * y * (p >= c)).sum()) / n1 for c in cuts])
    spec = np.array([float((w * (1 - y) * (p < c)).sum()) / n0 for c in cuts])
    return cuts, sens, spec


@command("lsens")
def lsens(s, cmd: Command) -> list[Output]:
    """``lsens [if] [in] [, genprob() gensens() genspec() replace nograph twoway_options]``."""
    if cmd.has("all"):
        raise StataError("lsens, all is not available in bayes_magic yet", 198)
    _e, y, p, w = _binary_fit(s, cmd, "lsens")
    if y.min() == y.max():
        raise StataError("outcome does not vary", 2000)
    cuts, sens, spec = sens_spec(y, p, w)
    wanted = (("genprob", cuts), ("gensens", sens), ("genspec", spec))
    gens = [(cmd.option(o), v) for o, v in wanted if cmd.option(o)]
    if gens:
        from ..dataset.varnames import check_new_name

        ds = s.data
        if len(cuts) > ds.nobs:
            raise StataError(f"{len(cuts)} cutoffs do not fit in {ds.nobs} observations", 198)
        for name, _v in gens:
            if name in ds.info and cmd.has("replace"):
                continue
            check_new_name(ds, name)
        for name, v in gens:
            col = np.full(ds.nobs, np.nan)
            col[: len(v)] = v
            ds.set_values(name, col, "double")  # the cutoffs are probabilities: kept exact
    if cmd.has("nograph"):
        return []
    use = np.ones(len(cuts), dtype=bool)
    arrays = {"_cut": cuts, "_sens": sens, "_spec": spec}
    plots = []
    for k, (var, label) in enumerate((("_sens", "Sensitivity"), ("_spec", "Specificity"))):
        own = {"msize": "small"}
        pl = Plot("connected", [var], "_cut", use, own, [], "", [])
        pl.arrays = arrays
        pl.keys.append(Key(label, "connected", st.key_style(own, 0, k)))
        plots.append(pl)
    options: dict[str, list[Any]] = {}
    skip = ("nograph", "genprob", "gensens", "genspec", "replace")
    for o in cmd.options:
        if o.name not in skip:
            options.setdefault(o.name, []).append(o.value)
    defaults = {"xtitle": "Probability cutoff", "ytitle": "Sensitivity/Specificity"}
    return draw(s, cmd, GraphSpec(plots, options, defaults), "lsens")
