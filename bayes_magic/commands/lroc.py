"""``lroc`` ([R] lroc): the ROC curve of a binary model over its estimation sample and the area
under it.

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
