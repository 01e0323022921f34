"""``lowess yvar xvar [if] [in] [, mean noweight bwidth(#) logit adjust generate(newvar)
nograph twoway_options]`` ([R] lowess): the scatter of y on x with its lowess smooth
(:func:`bayes_magic.commands.graph_stats.lowess`), titled "Lowess smoother" with the
bandwidth as a note; ``generate()`` keeps the smoothed values, ``nograph`` draws nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dataset.varnames import check_new_name, expand_terms
from ..errors import StataError
from ..report.format import fmt_g
from ..report.output import Output
from ..syntax.ast import Command, Varlist
from . import graph_style as st
from .graph_layout import GraphSpec
from .graph_plots import PLOT_OPTIONS, Key, Plot
from .graph_stats import lowess as smooth_of
from .graph_syntax import number
from .graphs import draw, with_scheme
from .registry import command

__all__: list[str] = []

_OWN = ("mean", "noweight", "bwidth", "logit", "adjust", "generate", "nograph")


@command("lowess")
@with_scheme
def lowess(s, cmd: Command) -> list[Output]:
    ds = s.data
    assert isinstance(cmd.body, Varlist)
    names = expand_terms(ds, cmd.body.terms, repeats=True)
    if len(names) != 2:
        raise StataError("too few variables specified" if len(names) < 2 else "too many "
                         "variables specified", 102 if len(names) < 2 else 103)  # fmt: skip
    yv, xv = names
    if ds.is_string(yv) or ds.is_string(xv):
        raise StataError("type mismatch", 109)
    gen = cmd.option("generate")
    if gen:
        check_new_name(ds, gen)
    raw = cmd.option("bwidth")
    width = number(str(raw), "bwidth()") if raw not in (None, True) else 0.8
    if not 0 < width <= 1:
        raise StataError("bwidth() must be greater than 0 and at most 1", 198)
    touse = s.touse(cmd) & ~ds.missing(yv) & ~ds.missing(xv)
    if not touse.any():
        raise StataError("no observations", 2000)
    x, y = ds.values(xv)[touse].astype(float), ds.values(yv)[touse].astype(float)
    fitted = smooth_of(
        x,
        y,
        width,
        mean=cmd.has("mean"),
        weighted=not cmd.has("noweight"),
        logit=cmd.has("logit"),
        adjust=cmd.has("adjust"),
    )
    if gen:
        col = np.full(ds.nobs, np.nan)
        col[touse] = fitted
        ds.set_values(gen, col, "float")
        ds.info[gen].label = f"lowess: {ds.info[yv].label or yv}"
    if cmd.has("nograph"):
        return []
    own = {o.name: o.value for o in cmd.options if o.name in PLOT_OPTIONS and o.name not in _OWN}
    dots = Plot("scatter", [yv], xv, touse, own, [], "", [])
    dots.keys.append(Key(yv, "scatter", st.key_style(own, 0, 0)))
    full = np.full(ds.nobs, np.nan)
    full[touse] = fitted
    order_x = ds.values(xv).astype(float)
    line = Plot("line", ["_smooth"], "_x", touse, {"sort": True}, [], "", [])
    line.arrays = {"_x": order_x, "_smooth": full}
    line.keys.append(Key("lowess", "line", st.key_style({}, 0, 1)))
    options: dict[str, list[Any]] = {}
    for o in cmd.options:
        if o.name not in PLOT_OPTIONS and o.name not in _OWN:
            options.setdefault(o.name, []).append(o.value)
    label = ds.info[yv].label or yv
    defaults = {
        "title": ["Lowess smoother"],
        "note": [f"bandwidth = {fmt_g(width, 9)}"],
        "legend": False,
        "ytitle": label,
        "xtitle": ds.info[xv].label or xv,
    }
    return draw(s, cmd, GraphSpec([dots, line], options, defaults), "lowess")
