"""Graphs: ``twoway`` and its plot commands ([G-2] graph twoway), ``histogram``
([R] histogram), ``kdensity`` ([R] kdensity), ``serrbar`` ([R] serrbar) and the ``graph``
subcommands ``export``, ``display``, ``dir``, ``drop`` and ``close`` ([G-2] graph export,
[G-2] graph display, [G-2] graph dir, [G-2] graph drop).

Every graph is drawn with matplotlib (Agg) into a :class:`~bayes_magic.report.figure.Figure`,
kept in ``s.graphs`` under its name (``Graph`` unless ``name()`` says otherwise; the current
graph is the last one drawn or displayed) for ``graph export``.

Plot options beyond the look of markers, lines and areas: ``mlabel()`` ([G-3]
marker_label_options), ``jitter()``, ``connect()`` ([G-3] connect_options), ``recast()``
([G-3] advanced_options), ``horizontal``; graph options ``text()`` ([G-3]
added_text_options) and, for ``histogram``, ``kdensity`` and ``serrbar``, ``addplot()``
([G-3] addplot_option). ``graph combine`` is in :mod:`~bayes_magic.commands.graph_combine`.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..errors import StataError
from ..report.output import Output, Text
from ..syntax.ast import Command, Plots, Varlist
from ..syntax.grammar import PLOT_COMMANDS
from . import (
    graph_cat,  # noqa: F401  (registers graph box, bar, hbox, hbar)
    graph_combine,  # noqa: F401  (registers graph combine)
)
from . import graph_style as st
from .graph_layout import GraphSpec, make_figure, render
from .graph_manage import keep_graph, target_of
from .graph_plots import NVARS, PLOT_OPTIONS, Key, Plot, build_plot
from .graph_syntax import name_option, split_sub, sub_options
from .registry import command

__all__ = ["twoway", "histogram", "kdensity", "serrbar", "qnorm", "pnorm", "draw"]

#: options Stata has that change what is drawn and that this version cannot draw yet
_REFUSED = (
    "xaxis",
    "estopts",
    "predopts",
)


def _scheme_of(s, cmd: Command) -> str:
    """``scheme()`` given with the command or any of its plots, else ``set scheme``."""
    cmds = [cmd, *(cmd.body.plots if isinstance(cmd.body, Plots) else ())]
    given = [c.option("scheme") for c in cmds if c.option("scheme") not in (None, True)]
    return str(given[-1]).split(",")[0].strip() if given else s.settings.scheme


def with_scheme(f):
    """Run a graph command with its scheme's plot-style colours."""
    from functools import wraps

    @wraps(f)
    def run(s, cmd: Command) -> list[Output]:
        with st.use_scheme(_scheme_of(s, cmd)):
            return f(s, cmd)

    return run


def _refuse(cmd: Command) -> None:
    for o in cmd.options:
        if o.name in _REFUSED:
            raise StataError(
                f"option {o.name}() is not available in bayes_magic yet", 198, span=o.span
            )


def _collect(
    cmds: list[Command], outer: Command | None, trailing: tuple = ()
) -> tuple[list[dict[str, Any]], dict[str, list[Any]]]:
    """Each plot's own options, and the graph's options gathered from every plot and from the
    enclosing command (twoway options may be given with any plot, [G-2] graph twoway); plot
    options given after all the plots apply to each plot."""
    per_plot: list[dict[str, Any]] = []
    graph: dict[str, list[Any]] = {}
    for c in cmds:
        _refuse(c)
        own: dict[str, Any] = {}
        for o in c.options:
            if o.name in PLOT_OPTIONS:
                own[o.name] = o.value
            else:
                graph.setdefault(o.name, []).append(o.value)
        per_plot.append(own)
    if outer is not None:
        _refuse(outer)
        for o in (*outer.options, *trailing):
            if o.name in PLOT_OPTIONS:
                # a plot option after all the plots is every plot's (as Stata's _parse expand
                # hands it to each), and, coming last, wins over the plot's own
                for own in per_plot:
                    own[o.name] = o.value
            else:
                graph.setdefault(o.name, []).append(o.value)
    return per_plot, graph


def _plots(
    s, cmds: list[Command], per_plot: list[dict[str, Any]], outer: np.ndarray, pstyle: int = 0
) -> list[Plot]:
    plots: list[Plot] = []
    for c, own in zip(cmds, per_plot):
        p = build_plot(s, c, outer, pstyle, own)
        pstyle += sum(k.draw != "band" for k in p.keys)
        plots.append(p)
    return plots


def _vlabels(s, plots: list[Plot]) -> dict[str, dict[int, str]]:
    """The value labels of the x and first y variable (for ``xlabel(, valuelabel)``)."""
    ds = s.data
    out: dict[str, dict[int, str]] = {}
    for which, var in (("x", plots[0].x), ("y", plots[0].ys[0] if plots[0].ys else None)):
        inf = ds.info.get(var) if var else None
        if inf is not None and inf.vlabel in ds.value_labels:
            out[which] = ds.value_labels[inf.vlabel]
    return out


def draw(s, cmd: Command, spec: GraphSpec, what: str) -> list[Output]:
    """Render ``spec``, store it under its name, honour ``saving()`` and ``nodraw``.

    Raises
    ------
    StataError
        ``graph NAME already exists`` (r(110)) for ``name(NAME)`` without ``replace``, and
        the errors of :func:`render` and of ``saving()``.
    """
    name, replace = name_option(spec.last("name"))
    if name in s.graphs and not replace:
        raise StataError(f"graph {name} already exists", 110)
    target = target_of(spec.last("saving"))
    for raw in spec.options.pop("addplot", []):
        _addplot(s, spec, "" if raw is True else str(raw))
    spec.defaults.setdefault("_vlabels", _vlabels(s, spec.plots))
    fig, info = render(s, spec)
    out = make_figure(fig, info, name, f"(graph {name}: {what})")
    return keep_graph(s, out, target, bool(spec.last("nodraw")))


_BELOW = re.compile(r",\s*below\s*$")


def _addplot(s, spec: GraphSpec, raw: str) -> None:
    """``addplot(plot [|| plot ...] [, below])`` ([G-3] addplot_option): twoway plots drawn
    over the command's own (under them with ``below``); twoway options among them apply to
    the graph."""
    from ..syntax.parser import parse

    text = raw.strip()
    below = bool(_BELOW.search(text))
    if below:
        text = _BELOW.sub("", text).rstrip().rstrip(",")
    if not text:
        raise StataError("addplot(): plot required", 198)
    cmd = parse("twoway " + text)
    cmds = list(cmd.body.plots) if isinstance(cmd.body, Plots) else []
    if not cmds:
        raise StataError("addplot(): plot required", 198)
    per_plot, options = _collect(cmds, cmd)
    used = sum(k.draw != "band" for p in spec.plots for k in p.keys)
    added = _plots(s, cmds, per_plot, s.touse(cmd), used)
    spec.plots = added + spec.plots if below else spec.plots + added
    for k, v in options.items():
        spec.options.setdefault(k, []).extend(v)
    spec.defaults.pop("legend", None)  # the added plots' keys make a legend, as in Stata


def _what(cmd: Command) -> str:
    """The graph's description: the command, as ``twoway ...`` for a plot typed alone."""
    text = (cmd.text or cmd.name).strip()
    alone = cmd.name in NVARS and cmd.name not in ("histogram", "kdensity")
    return f"twoway {text}" if alone and not text.startswith("tw") else text


@command("twoway")
@with_scheme
def twoway(s, cmd: Command) -> list[Output]:
    """``twoway (plot) (plot) ...`` and ``twoway plot || plot ...``; each plot has its own
    ``if``/``in`` and options; the twoway options (titles, axes, legend, ``by()`` ...) may be
    given with any plot or after them all ([G-2] graph twoway)."""
    body = cmd.body
    cmds = list(body.plots) if isinstance(body, Plots) else []
    if not cmds:
        raise StataError("no plots specified", 198)
    for c in cmds:  # histogram's own options are not twoway histogram's
        for name in ("normal", "kdensity", "normopts", "kdenopts", "addlabels", "addlabopts"):
            if c.has(name):
                raise StataError(f"option {name} not allowed", 198)
    per_plot, options = _collect(cmds, cmd, body.options if isinstance(body, Plots) else ())
    if "addplot" in options:
        raise StataError("option addplot() not allowed with twoway", 198)
    plots = _plots(s, cmds, per_plot, s.touse(cmd))
    return draw(s, cmd, GraphSpec(plots, options), _what(cmd))


@command("graph", "twoway")
@with_scheme
def graph_twoway(s, cmd: Command) -> list[Output]:
    """``graph twoway ...``: the same as ``twoway ...``."""
    return twoway(s, cmd)


@with_scheme
def _plot_command(s, cmd: Command) -> list[Output]:
    """``scatter``, ``line``, ``connected``, ``lfit`` ... typed without ``twoway``."""
    per_plot, options = _collect([cmd], None)
    plots = _plots(s, [cmd], per_plot, np.ones(s.data.nobs, dtype=bool))
    return draw(s, cmd, GraphSpec(plots, options), _what(cmd))


for _name in PLOT_COMMANDS:
    command(_name.lower())(_plot_command)


# ---------------------------------------------------------------------------------------------
# histogram and kdensity


def _cline(raw: Any) -> dict[str, Any]:
    """The line options inside ``normopts()``/``kdenopts()``/``mvopts()`` as plot options."""
    if not isinstance(raw, str) or not raw.strip():
        return {}
    main, _ = split_sub(raw, "option")
    subs = sub_options(
        main,
        (
            "LColor",
            "LPattern",
            "LWidth",
            "COLor",
            "Msymbol",
            "MColor",
            "MSIZe",
            "FColor",
            "BWidth",
            "Kernel",
        ),
    )
    return {k: v for k, v in subs.items() if isinstance(v, str)}


def _overlay(base: Plot, kind: str, label: str, opts: dict[str, Any], pstyle: int) -> Plot:
    p = Plot(
        kind,
        [],
        base.x,
        base.touse,
        opts,
        [],
        base.xtitle,
        [],
        base.weight,
        base.wkind,
        base.bins,
        base.scale,
    )
    p.keys.append(Key(label, "line", st.key_style(opts, 0, pstyle)))
    return p


@command("histogram")
@with_scheme
def histogram(s, cmd: Command) -> list[Output]:
    """``histogram varname [if] [in] [fw=] [, bin() width() start() discrete density fraction
    frequency percent normal kdensity ...]`` ([R] histogram): the bins and scale as documented,
    ``(bin=#, start=#, width=#)`` shown, ``r(bin)``, ``r(start)``, ``r(width)`` stored."""
    per_plot, options = _collect([cmd], None)
    own = per_plot[0]
    scales = [w for w in ("density", "fraction", "frequency", "percent") if own.get(w)]
    if len(scales) > 1:
        raise StataError(f"options {scales[0]} and {scales[1]} may not be combined", 198)
    (hist,) = _plots(s, [cmd], per_plot, np.ones(s.data.nobs, dtype=bool))
    if hist.bins is None:
        raise StataError("no observations", 2000)
    if options.pop("addlabels", None):
        hist.keys[0].style["addlabels"] = _cline(options.pop("addlabopts", [None])[-1])
    elif options.get("addlabopts"):
        raise StataError("option addlabopts() requires addlabels", 198)
    plots = [hist]
    if own.get("normal"):
        plots.append(_overlay(hist, "normal", "Normal density", _cline(own.get("normopts")), 1))
    if own.get("kdensity"):
        kd = _overlay(hist, "kdensity", "Kernel density estimate", _cline(own.get("kdenopts")), 2)
        kd.kd_points = 300
        plots.append(kd)
    b = hist.bins
    s.r = {"bin": float(b.k), "start": float(b.start), "width": float(b.width)}
    spec = GraphSpec(plots, options, {"legend": False, "ytitle": hist.ytitles[0]})
    from ..report.format import fmt_g

    msg = f"(bin={b.k}, start={fmt_g(b.start, 10)}, width={fmt_g(b.width, 10)})"
    if b.discrete:
        msg = f"(start={fmt_g(b.start, 10)}, width={fmt_g(b.width, 10)})"
    return [Text(msg), *draw(s, cmd, spec, _what(cmd))]


@command("kdensity")
@with_scheme
def kdensity(s, cmd: Command) -> list[Output]:
    """``kdensity varname [if] [in] [weight] [, kernel() bwidth() n() at() generate() normal
    nograph ...]`` ([R] kdensity): by default the Epanechnikov kernel, the half-width
    ``0.9 min(sd, IQR/1.349) n^(-1/5)`` and ``min(N, 50)`` points from ``min - h`` to
    ``max + h``; stores ``r(bwidth)``, ``r(kernel)`` and ``r(n)``."""
    if cmd.has("student"):
        raise StataError("option student() is not available in bayes_magic yet", 198)
    if cmd.has("boundary"):  # twoway kdensity's option; kdensity always goes one bwidth beyond
        raise StataError("option boundary not allowed", 198)
    per_plot, options = _collect([cmd], None)
    own = per_plot[0]
    own.pop("normal", None)
    (plot,) = _plots(s, [cmd], per_plot, np.ones(s.data.nobs, dtype=bool))
    if not plot.touse.any():
        raise StataError("no observations", 2000)
    plot.kd_points = None
    plot.xtitle = s.data.info[plot.x].label or plot.x
    plot.keys[0].label = "Kernel density estimate"
    plot.ytitles = ["Density"]
    at_var = cmd.option("at")
    whole = np.ones(s.data.nobs, dtype=bool)
    if at_var:
        d = _kdensity_at(s, plot, str(at_var))
    else:
        (d,) = plot.series(s, whole)
    outs: list[Output] = []
    if cmd.option("generate"):
        _kdensity_generate(s, str(cmd.option("generate")), d, bool(at_var))
    s.r = {"bwidth": float(d["bwidth"]), "kernel": d["kernel"], "n": float(len(d["x"]))}
    if cmd.has("nograph"):
        return outs
    plots = [plot]
    if cmd.has("normal"):
        normal = _overlay(plot, "normal", "Normal density", _cline(cmd.option("normopts")), 1)
        normal.opts["_at"] = d["x"]  # on kdensity's points, as [R] kdensity draws it
        plots.append(normal)
    note = f"kernel = {d['kernel']}, bandwidth = {d['bwidth']:.4f}"
    defaults = {"title": ["Kernel density estimate"], "ytitle": "Density", "note": [note]}
    return outs + draw(s, cmd, GraphSpec(plots, options, defaults), _what(cmd))


def _kdensity_at(s, plot: Plot, at_var: str) -> dict[str, Any]:
    """The estimate at the values of ``at(var_x)`` (its nonmissing values, in data order)."""
    from ..dataset.varnames import resolve

    at = s.data.values(resolve(s.data, at_var))
    plot.opts["_at"] = at[~np.isnan(at)]
    d = plot.series(s, np.ones(s.data.nobs, dtype=bool))[0]
    d["rows"] = np.flatnonzero(~np.isnan(at))
    return d


def _kdensity_generate(s, raw: str, d: dict[str, Any], at: bool) -> None:
    """``generate(newvar_x newvar_d)``, or ``generate(newvar_d)`` with ``at()`` (the density
    beside each value of the ``at()`` variable); more points than observations add
    observations, as kdensity does."""
    from ..dataset.varnames import check_new_name

    names = raw.replace(",", " ").split()
    if len(names) != (1 if at else 2):
        raise StataError(
            "generate() requires " + ("one new variable with at()" if at else "two new variables"),
            198,
        )
    for n in names:
        check_new_name(s.data, n)
    if len(set(names)) < len(names):
        raise StataError(f"generate(): variable {names[0]} named twice", 198)
    ds = s.data
    if len(d["x"]) > ds.nobs:
        ds.extend(len(d["x"]))
    rows = d["rows"] if at else np.arange(len(d["x"]))
    pairs = [(names[-1], d["y"])] if at else list(zip(names, (d["x"], d["y"])))
    for name, vals in pairs:
        col = np.full(ds.nobs, np.nan)
        col[rows] = vals
        ds.set_values(name, col, "float")


# ---------------------------------------------------------------------------------------------
# serrbar


@command("serrbar")
@with_scheme
def serrbar(s, cmd: Command) -> list[Output]:
    """``serrbar mvar svar xvar [if] [in] [, scale(#) mvopts() ...]`` ([R] serrbar): bars
    from ``mvar - scale*svar`` to ``mvar + scale*svar`` at ``xvar`` (``scale(1)`` by default),
    with the means as markers; no legend."""
    from ..dataset.varnames import expand_terms

    ds = s.data
    names = expand_terms(ds, cmd.body.terms if isinstance(cmd.body, Varlist) else ())
    if len(names) < 3:
        raise StataError("too few variables specified", 102)
    if len(names) > 3:
        raise StataError("too many variables specified", 103)
    if any(ds.is_string(v) for v in names):
        raise StataError("type mismatch", 109)
    m, se, x = names
    touse = s.touse(cmd)
    for v in names:
        touse &= ~ds.missing(v)
    if not touse.any():
        raise StataError("no observations", 2000)
    scale = float(cmd.option("scale", 1.0))
    _refuse(cmd)
    bar_opts = {o.name: o.value for o in cmd.options if o.name in PLOT_OPTIONS}
    options: dict[str, list[Any]] = {}
    for o in cmd.options:
        if o.name not in PLOT_OPTIONS and o.name not in ("scale", "mvopts"):
            options.setdefault(o.name, []).append(o.value)
    mean, sd = ds.values(m), ds.values(se)
    arrays = {"_lo": mean - scale * sd, "_hi": mean + scale * sd}
    bars = Plot("rcap", ["_lo", "_hi"], x, touse, bar_opts, [], ds.info[x].label or x, [])
    bars.arrays = arrays  # type: ignore[attr-defined]
    bars.keys.append(Key(f"{m} ± {scale:g}×{se}", "rcap", st.key_style(bar_opts, 0, 0)))
    mv = _cline(cmd.option("mvopts"))
    dots = Plot("scatter", [m], x, touse, mv, [], ds.info[x].label or x, [])
    dots.keys.append(Key(ds.info[m].label or m, "scatter", st.key_style(mv, 0, 0)))
    defaults = {"legend": False, "ytitle": ds.info[m].label or m}
    return draw(s, cmd, GraphSpec([bars, dots], options, defaults), _what(cmd))


# ---------------------------------------------------------------------------------------------
# qnorm, pnorm


def _normal_plot(s, cmd: Command, kind: str) -> list[Output]:
    """``qnorm``/``pnorm varname [if] [in] [, grid twoway_options]`` ([R] Diagnostic plots):
    the i-th smallest of N values against the normal with the sample's mean and standard
    deviation at p_i = i/(N + 1), quantile against quantile (``qnorm``, x the ``Inverse
    Normal``) or probability against probability (``pnorm``, ``Normal F[(x-m)/s]`` against
    ``Empirical P[i] = i/(N+1)``), with the line y = x."""
    from scipy import stats as sst

    from ..dataset.varnames import expand_terms

    ds = s.data
    names = expand_terms(ds, cmd.body.terms if isinstance(cmd.body, Varlist) else ())
    if len(names) != 1:
        raise StataError("too many variables specified" if names else "varlist required", 103)
    v = names[0]
    if ds.is_string(v):
        raise StataError("type mismatch", 109)
    touse = s.touse(cmd) & ~ds.missing(v)
    n = int(touse.sum())
    if n < 2:
        raise StataError(
            *(("no observations", 2000) if n == 0 else ("insufficient observations", 2001))
        )
    _refuse(cmd)
    x = ds.values(v)
    rows = np.flatnonzero(touse)
    order = rows[np.argsort(x[rows], kind="stable")]
    p = np.full(ds.nobs, np.nan)
    p[order] = np.arange(1, n + 1) / (n + 1)
    m, sd = float(np.mean(x[rows])), float(np.std(x[rows], ddof=1))
    label = ds.info[v].label or v
    if kind == "qnorm":
        arrays = {"_x": m + sd * sst.norm.ppf(p), "_y": x.astype(float)}
        xtitle, ytitle = "Inverse Normal", label
    else:
        arrays = {"_x": p, "_y": sst.norm.cdf((x - m) / sd)}
        xtitle, ytitle = "Empirical P[i] = i/(N+1)", f"Normal F[({v}-m)/s]"
    own = {o.name: o.value for o in cmd.options if o.name in PLOT_OPTIONS}
    options: dict[str, list[Any]] = {}
    for o in cmd.options:
        if o.name not in PLOT_OPTIONS and o.name != "grid":
            options.setdefault(o.name, []).append(o.value)
    if cmd.has("grid"):
        options.setdefault("ylabel", []).append(", grid")
        options.setdefault("xlabel", []).append(", grid")
    dots = Plot("scatter", ["_y"], "_x", touse, own, [], xtitle, [ytitle])
    dots.arrays = arrays
    dots.keys.append(Key(label, "scatter", st.key_style(own, 0, 0)))
    line = Plot("line", ["_x"], "_x", touse, {"sort": True}, [], xtitle, [ytitle])
    line.arrays = arrays
    line.keys.append(Key("", "line", st.key_style({}, 0, 1)))
    defaults = {"legend": False, "ytitle": ytitle, "xtitle": xtitle}
    return draw(s, cmd, GraphSpec([dots, line], options, defaults), _what(cmd))


@command("qnorm")
@with_scheme
def qnorm(s, cmd: Command) -> list[Output]:
    return _normal_plot(s, cmd, "qnorm")


@command("pnorm")
@with_scheme
def pnorm(s, cmd: Command) -> list[Output]:
    return _normal_plot(s, cmd, "pnorm")
