"""``marginsplot`` ([R] marginsplot): the last ``margins`` drawn as a twoway graph.

As Stata chooses them: the x axis is the first ``at()`` variable that varies, else the first
marginlist variable's levels, else the ``dydx()`` effects; every other distinction (the
marginlist's levels, other ``at()`` values, the effects) is a plot of its own, drawn as
connected markers with capped confidence intervals in its colour (``p1``, ``p2`` ...), and
named in the legend. ``noci``, ``recast()``, ``recastci()``, ``ciopts()``, ``plotopts()`` and
the twoway options (titles, axes, legend, ``name()``, ``saving()`` ...) work as in Stata.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from ..errors import StataError
from ..report.format import fmt_g
from ..report.output import Output, Text
from ..syntax.ast import Command
from . import graph_style as st
from .graph_layout import GraphSpec
from .graph_plots import PLOT_OPTIONS, Key, Plot
from .graphs import draw
from .margins import MarginsResult
from .registry import command

__all__ = ["marginsplot"]

#: marginsplot's own options that are not implemented: refused, not ignored
_NOT_YET = (
    "xdimension",
    "plotdimension",
    "bydimension",
    "graphdimension",
    "by",
    "byopts",
    "horizontal",
    "unique",
    "csort",
    "addplot",
)
_LINE_KINDS = ("connected", "line", "scatter", "bar", "spike", "dropline", "area")
_CI_KINDS = ("rcap", "rarea", "rline", "rspike", "rcapsym", "rconnected", "rscatter")


def _sub_options(raw: Any, what: str) -> dict[str, Any]:
    """``ciopts(lcolor(red) lpattern(dash))``: plot options, parsed as a plot's."""
    if raw is None or raw is True or not str(raw).strip():
        return {}
    from ..syntax.parser import parse

    try:
        cmd = parse(f"twoway scatter y x, {raw}")
    except StataError as err:
        raise StataError(f"{what}(): {err.message}", 198) from None
    out = {}
    body = cmd.body
    given = [*cmd.options, *(o for p in getattr(body, "plots", ()) for o in p.options)]
    for o in given:
        if o.name not in PLOT_OPTIONS:
            raise StataError(f"{what}(): option {o.name}() not allowed", 198)
        out[o.name] = o.value
    return out


def _value_text(x: Any) -> str:
    return fmt_g(float(x), 9).strip() if isinstance(x, int | float) else str(x)


@command("marginsplot")
def marginsplot(s, cmd: Command) -> list[Output]:
    """``marginsplot [, noci recast() recastci() ciopts() plotopts() level() twoway_options]``:
    the last margins (``s.margins_result``) as a twoway graph."""
    res: MarginsResult | None = s.margins_result
    if res is None:
        raise StataError("previous command was not margins", 301)
    for o in _NOT_YET:
        if cmd.has(o):
            raise StataError(f"marginsplot, {o}() is not available in bayes_magic yet", 198)
    recast = str(cmd.option("recast") or "connected").strip()
    recastci = str(cmd.option("recastci") or "rcap").strip()
    if recast not in _LINE_KINDS:
        raise StataError(f"recast({recast}) not allowed", 198)
    if recastci not in _CI_KINDS:
        raise StataError(f"recastci({recastci}) not allowed", 198)
    ci_extra = _sub_options(cmd.option("ciopts"), "ciopts")
    plot_extra = _sub_options(cmd.option("plotopts"), "plotopts")
    level = float(cmd.option("level", res.level))
    if not 10 <= level <= 99.99:
        raise StataError("level() must be between 10 and 99.99", 198)
    if res.t_df is not None:
        q = float(stats.t.ppf(0.5 + level / 200, res.t_df))
    else:
        q = float(stats.norm.ppf(0.5 + level / 200))
    rows = res.rows
    # the x dimension, and the label of each plot (the rest of what tells the rows apart)
    varying = [v for v in res.at_vars if len({str(r.at.get(v)) for r in rows}) > 1]
    xticks: dict[float, str] = {}
    if varying:
        xvar = varying[0]
        xs = np.array([float(r.at[xvar]) for r in rows])
        xtitle = s.data.info[xvar].label if xvar in s.data.info else ""
        xtitle = xtitle or xvar
    elif res.marginlist:
        crossed = all(all(v in r.at for v in res.marginlist) for r in rows)
        if len(res.marginlist) > 1 and not res.over and not crossed:
            # margins a b: separate terms; margins a#b crosses them (x a, a line per b level)
            raise StataError(
                "marginsplot after margins of several marginlist variables is not available "
                "in bayes_magic yet",
                198,
            )
        xvar = res.marginlist[0]
        xs = np.array([float(r.at[xvar]) for r in rows])
        xticks = res.labels[xvar]
        xtitle = (s.data.info[xvar].label if xvar in s.data.info else "") or xvar
    elif res.dydx and any(r.effect for r in rows):
        xvar = ""
        names = list(dict.fromkeys(r.effect for r in rows))
        xs = np.array([float(names.index(r.effect) + 1) for r in rows])
        xticks = {float(i + 1): n for i, n in enumerate(names)}
        xtitle = "Effects with respect to"
    else:
        xvar = ""
        xs = np.ones(len(rows))
        xticks = {1.0: "_cons"}
        xtitle = ""

    def plot_key(r) -> str:
        parts = []
        if r.effect and xvar:
            parts.append(r.effect)
        for v, x in r.at.items():
            if v == xvar:
                continue
            label = res.labels.get(v, {}).get(float(x), _value_text(x))
            # a level's value label, else var=value as Stata's legends
            parts.append(label if label != _value_text(x) else f"{v}={_value_text(x)}")
        return ", ".join(parts)

    keys = [plot_key(r) for r in rows]
    groups = list(dict.fromkeys(keys))
    arrays = {
        "_x": xs,
        "_m": np.array([r.value for r in rows]),
        "_lb": np.array([r.value - q * r.se for r in rows]),
        "_ub": np.array([r.value + q * r.se for r in rows]),
    }
    plots: list[Plot] = []
    shown: list[str] = []
    many = len(groups) > 1
    for g, name in enumerate(groups):
        use = np.array([kk == name for kk in keys])
        colour = st.PALETTE[g % len(st.PALETTE)]
        if not cmd.has("noci"):
            ci_opts = {"color": colour, **ci_extra}
            ci = Plot(recastci, ["_lb", "_ub"], "_x", use, ci_opts, [], xtitle, [])
            ci.arrays = arrays
            ci.keys.append(Key("CI", recastci, st.key_style(ci_opts, 0, g)))
            plots.append(ci)
        opts = {"color": colour, **plot_extra}
        line = Plot(recast, ["_m"], "_x", use, opts, [], xtitle, [])
        line.arrays = arrays
        line.keys.append(Key(name or "", recast, st.key_style(opts, 0, g)))
        plots.append(line)
        shown.append(f'{len(plots)} "{name}"')  # the legend names the plots, not the CIs
    options: dict[str, list[Any]] = {}
    own = ("noci", "recast", "recastci", "ciopts", "plotopts", "level")
    for o in cmd.options:
        if o.name not in own:
            options.setdefault(o.name, []).append(o.value)
    if many:
        options["legend"] = [f"order({' '.join(shown)})", *options.get("legend", [])]
    if xticks:  # the levels' labels at their positions, before any xlabel() typed
        ticks = " ".join(f'{fmt_g(x, 9).strip()} "{t}"' for x, t in sorted(xticks.items()))
        options["xlabel"] = [ticks, *options.get("xlabel", [])]
    if not xvar or xticks:  # room beside the first and last categories
        lo, hi = float(xs.min()), float(xs.max())
        pad = 0.5 if hi == lo else 0.1 * (hi - lo)
        options["xscale"] = [f"range({lo - pad} {hi + pad})", *options.get("xscale", [])]
    effects = list(dict.fromkeys(r.effect for r in rows if r.effect))
    # "Predictive margins of dropout", "Average marginal effects of loginc" ...
    if res.dydx:
        of = f" of {effects[0]}" if len(effects) == 1 else ""
        ytitle = f"Effects on {res.expression}"
    else:
        joined = all(all(v in r.at for v in res.marginlist) for r in rows) and not res.over
        of = f" of {('#' if joined else ' ').join(res.marginlist)}" if res.marginlist else ""
        ytitle = res.expression
    title = res.title + of
    if not cmd.has("noci"):
        title += f" with {fmt_g(level, 9).strip()}% CIs"
    defaults = {"title": [title], "ytitle": ytitle, "xtitle": xtitle, "legend": many}
    ids = [*varying, *res.marginlist]
    shown_vars = [Text(f"Variables that uniquely identify margins: {' '.join(ids)}")] if ids else []
    return shown_vars + draw(s, cmd, GraphSpec(plots, options, defaults), "marginsplot")
