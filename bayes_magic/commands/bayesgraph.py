"""``bayesgraph``: graphical summaries and convergence diagnostics ([BAYES] bayesgraph).

``bayesgraph diagnostics|trace|ac|histogram|kdensity|cusum|matrix`` graph the MCMC draws of the
current Bayesian results (``bayes:``/``bayesmh``, or ones brought back by ``estimates
restore``): model parameters ``{math:homework}``, matrix elements ``{U:Sigma,m}``, random effects
``{U0[6053]}`` or ``{U0}``, labelled expressions ``(corr: ...)`` and ``_all`` (the model
parameters; random effects too with ``showreffects``). As in Stata, several quantities give one
graph each, shown one after another, unless ``combine`` or ``byparm`` puts them in one graph;
``matrix`` draws them all in one scatterplot matrix. ``bayesgraph reffects`` (not in Stata;
:mod:`~bayes_magic.commands.bayesgraph_reffects`) compares a ``mixed`` fit's BLUPs with the
posterior of the random effects.

Options: ``chains(numlist|_all)`` (default: the first 10 chains), ``sepchains``, ``skip(#)``,
``lags(#)``, ``bin(#)``, ``normal``, ``clevel(#)`` (level of the autocorrelation band),
``title()``, ``name(name[, replace])`` and ``saving(file[, replace])`` (PNG, or SVG/PDF by the
extension). Graphs are kept in the session by name (``Graph`` unless ``name()``); with several
graphs ``name(g)`` and ``saving(f)`` number them ``g1``, ``g2`` ... and ``f1.png``, ``f2.png`` ...

The look of the draws: ``lcolor() lwidth() lpattern() color() fcolor() mcolor() msymbol()
msize()`` given directly or in ``graphopts()``, ``graph#opts()`` (the #th graph, or the #th
panel of a combined one), ``chainopts()``/``chain#opts()``, and in ``diagnostics`` the panels'
``traceopts() histopts() acopts() kdensopts()`` (``trace#opts()`` ... for the #th graph), each
also with ``title() xtitle() ytitle()``. ``bychain`` draws each quantity's chains as ``by()``
panels of one graph.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from ..dataset.io import checked_path
from ..errors import StataError
from ..posterior import Posterior
from ..report.output import Output, Text
from ..syntax.ast import Command, Name, ParamList
from . import bayesgraph_figures as F
from .bayes_params import Series, model_series, resolve_items
from .bayesgraph_plots import BayesFigure, Trace
from .graph_manage import remember_saved, save_gph
from .graph_stats import MAX_BINS
from .graph_syntax import name_option, saving_option
from .registry import command

__all__ = ["GraphOptions", "graph_options", "posterior_of", "select", "plan", "publish"]

#: ``graphopts() graph#opts() chainopts() chain#opts() traceopts() trace#opts() acopts() ...``
_CONTAINER = re.compile(r"^(graph|chain|trace|ac|hist|kdens)(\d*)opts$")
#: the diagnostics panels each container styles (axes in the order trace, histogram, ac, density)
_DIAG_PANEL = {"trace": 0, "hist": 1, "ac": 2, "kdens": 3}
_ONLY_REFFECTS = ("blup", "bayes")


@dataclass
class GraphOptions:
    """The options every ``bayesgraph`` graph shares."""

    name: str | None
    replace: bool
    saving: Path | None
    saving_replace: bool
    title: str | None
    plot: dict[str, Any]  # lags, bins, normal, clevel, title: what the panels use
    #: xtitle(), ytitle() for every panel; subtitle(), note() for the graph
    texts: dict[str, str | None] = field(default_factory=dict)
    #: look options by container: "graph" (graphopts() and the options given directly),
    #: "graph2", "chain", "chain1", "trace", "trace2", "ac", "hist", "kdens" ...
    styles: dict[str, dict[str, Any]] = field(default_factory=dict)


def parse_title(raw: Any) -> str | None:
    """``title("a" "b", size(small))`` -> ``a\\nb``; unquoted text as it is."""
    if raw is None or raw is True:
        return None
    text = str(raw)
    lead = re.match(r'\s*((?:"[^"]*"\s*)+)', text)
    if lead:
        return "\n".join(re.findall(r'"([^"]*)"', lead.group(1)))
    return text.split(",")[0].strip() or None


def graph_options(cmd: Command) -> GraphOptions:
    """Read and check ``name()``, ``saving()``, ``title()`` and the panel options.

    Parameters
    ----------
    cmd
        The parsed ``bayesgraph`` command.

    Returns
    -------
    GraphOptions

    Raises
    ------
    StataError
        r(198) for the diagnostics panel options (``traceopts()`` ...) outside ``diagnostics``, for
        ``blup()``/``bayes()`` outside ``reffects``, and for files that are not PNG, SVG or PDF.
    """
    for o in cmd.options:
        m = _CONTAINER.match(o.name)
        if m and m.group(1) in _DIAG_PANEL and cmd.subcommand != "diagnostics":
            raise StataError(f"option {o.name}() allowed only with bayesgraph diagnostics", 198)
        if o.name in _ONLY_REFFECTS and cmd.subcommand != "reffects":
            raise StataError(f"option {o.name}() not allowed", 198)
    name, replace = None, False
    if cmd.option("name") is not None:
        name, replace = name_option(cmd.option("name"))
    saving, saving_replace = None, False
    if cmd.option("saving") is not None:
        file, saving_replace = saving_option(cmd.option("saving"))
        checked_path(file)  # r(198) for no file name, r(603) for a folder
        saving = Path(file).expanduser()
        if not saving.suffix:
            saving = saving.with_name(saving.name + ".png")
        if saving.suffix.lower() not in (".png", ".svg", ".pdf", ".gph"):
            raise StataError(
                f"saving(): cannot write {saving.suffix} files; use .png, .svg, .pdf or .gph",
                198,
            )
    title = parse_title(cmd.option("title"))
    lags = cmd.option("lags")
    if lags is not None and int(lags) < 1:
        raise StataError("lags() must be a positive integer", 198)
    bins = cmd.option("bin")
    if bins is not None and not 1 <= int(bins) <= MAX_BINS:
        raise StataError(f"bin({bins}) invalid; bin() must be between 1 and {MAX_BINS:,}", 198)
    plot = {
        "lags": None if lags is None else int(lags),
        "bins": None if bins is None else int(bins),
        "normal": cmd.has("normal"),
        "clevel": float(cmd.option("clevel", 95.0)),
        "ci": cmd.has("ci") or cmd.option("clevel") is not None,
        "show": _show(cmd.option("show")),
        "title": title,
    }
    texts = {k: parse_title(cmd.option(k)) for k in ("xtitle", "ytitle", "subtitle", "note")}
    return GraphOptions(name, replace, saving, saving_replace, title, plot, texts, _styles(cmd))


def _styles(cmd: Command) -> dict[str, dict[str, Any]]:
    """The look options of ``cmd`` by container ([BAYES] bayesgraph: graphopts, chainopts,
    diagnosticsopts), each checked now so that a bad colour or width fails before drawing."""
    from . import graph_style as G
    from .bayesgraph_plots import STYLE_SPECS
    from .graph_syntax import sub_options, tokens

    out: dict[str, dict[str, Any]] = {}
    top = {k.lower(): cmd.option(k.lower()) for k in STYLE_SPECS}
    top = {k: v for k, v in top.items() if v is not None}
    for o in cmd.options:
        m = _CONTAINER.match(o.name)
        if m and m.group(2) and int(m.group(2)) < 1:
            raise StataError(f"option {o.name}() invalid: graphs and chains count from 1", 198)
        if m:
            got = sub_options(
                tokens(str(o.value), f"{o.name}()"), (*STYLE_SPECS, "title", "XTItle", "YTItle")
            )
            out[m.group(1) + m.group(2)] = {k: v for k, v in got.items() if v is not True}
    if top:
        out["graph"] = {**top, **out.get("graph", {})}
    check = {
        "color": G.color,
        "lcolor": G.color,
        "fcolor": G.color,
        "mcolor": G.color,
        "lwidth": G.width,
        "lpattern": G.pattern,
        "msize": G.msize,
        "msymbol": G.symbol,
    }
    for style in out.values():
        for k, fn in check.items():
            for word in G.items(style.get(k)):
                fn(word)
    return out


def _apply_styles(d: F.Drawn, go: GraphOptions, index: int) -> None:
    """Restyle graph ``index`` (1-based) of a command by its look options: ``graphopts`` all
    of it, ``graph#opts`` the #th graph (the #th panel of a combined graph), the diagnostics
    containers their panel (``trace#opts`` ... of the #th graph), ``chain#opts`` chain #."""
    from .bayesgraph_plots import restyle

    st = go.styles
    if not st:
        return
    axes = [ax for ax in d.fig.axes if ax.get_visible() and ax.has_data()]
    combined = d.kind != "diagnostics" and d.panels > 1

    def on(targets: list[Any], style: dict[str, Any]) -> None:
        whole = len(targets) == len(axes)
        restyle(d.fig, targets, style, None, legend=whole)
        if whole and len(axes) > 1 and style.get("title"):  # the graph's title, not each panel's
            d.fig.suptitle(parse_title(style["title"]), fontweight="bold")
            style = {k: v for k, v in style.items() if k != "title"}
        for ax in targets:
            if style.get("title"):  # in the look of the panel's own title
                t, box = ax.title, ax.title.get_bbox_patch()
                look = {"fontsize": t.get_fontsize(), "fontweight": t.get_fontweight()}
                if box is not None:  # byparm's header boxes
                    look["backgroundcolor"] = box.get_facecolor()
                ax.set_title(parse_title(style["title"]), **look)
            if style.get("xtitle"):
                ax.set_xlabel(parse_title(style["xtitle"]))
            if style.get("ytitle"):
                ax.set_ylabel(parse_title(style["ytitle"]))

    def order(key: str) -> tuple[int, int]:  # graph, graph#, panels, chain, chain#
        m = re.fullmatch(r"([a-z]+)(\d*)", key)
        rank = {"graph": 0, "chain": 2}.get(m.group(1), 1)
        return (rank, int(m.group(2)) if m.group(2) else 0)

    for key in sorted(st, key=order):
        style = st[key]
        m = re.fullmatch(r"([a-z]+)(\d*)", key)
        kind, num = m.group(1), int(m.group(2)) if m.group(2) else None
        if kind == "graph":
            if num is None:
                on(axes, style)
            elif combined and num <= len(axes):
                on([axes[num - 1]], style)
            elif not combined and num == index:
                on(axes, style)
        elif kind == "chain":
            restyle(d.fig, axes, style, num)
        elif d.kind == "diagnostics" and (num is None or num == index):
            k = _DIAG_PANEL[kind]
            if k < len(axes):
                on([axes[k]], style)


def _apply_texts(fig: Any, go: GraphOptions) -> None:
    """``xtitle()``/``ytitle()`` on every panel, ``subtitle()`` under the title, ``note()`` at
    the bottom left (the twoway options Stata's bayesgraph passes on to its graphs)."""
    t = go.texts
    for ax in fig.axes:
        if not (ax.get_visible() and ax.has_data()):
            continue
        if t.get("xtitle") is not None:
            ax.set_xlabel(t["xtitle"])
        if t.get("ytitle") is not None:
            ax.set_ylabel(t["ytitle"])
    if t.get("subtitle"):
        fig.text(0.5, 0.965, t["subtitle"], ha="center", va="top", fontsize=10)
    if t.get("note"):
        fig.text(0.01, 0.005, t["note"], ha="left", va="bottom", fontsize=8)


def _show(raw: Any) -> str | None:
    """``show(first|second|both|none)``: which halves of the draws ``kdensity`` adds."""
    if raw is None:
        return None
    word = str(raw).strip().lower()
    if word not in ("first", "second", "both", "none"):
        raise StataError("option show() must be first, second, both, or none", 198)
    return word


# ---------------------------------------------------------------------------------------------
# what to graph


def posterior_of(s) -> Posterior:
    """The current Bayesian results, or Stata's error."""
    if not isinstance(s.e, Posterior):
        raise StataError("last estimates not found", 301)
    return s.e


def _numlist(v: Any) -> list[int]:
    """``1 2``, ``1/3`` -> [1, 2], [1, 2, 3] (the numlists of ``chains()``)."""
    out: list[int] = []
    try:
        for part in str(v).replace(",", " ").split():
            if "/" in part:
                a, b = part.split("/")
                out += list(range(int(a), int(b) + 1))
            else:
                out.append(int(float(part)))
    except ValueError:
        raise StataError(f"chains(): invalid numlist {v}", 121) from None
    if not out:
        raise StataError("chains(): invalid numlist", 121)
    return out


def select(post: Posterior, cmd: Command) -> tuple[list[int], np.ndarray, int]:
    """The draws ``chains()`` and ``skip()`` keep ([BAYES] bayesgraph).

    Parameters
    ----------
    post
        The Bayesian results.
    cmd
        The command with its options.

    Returns
    -------
    chains
        0-based chain indices (the first 10 chains unless ``chains()``).
    iters
        1-based iteration numbers of the kept draws.
    step
        ``skip(#) + 1``: keep every step-th draw.
    """
    chosen = cmd.option("chains")
    if chosen is None:
        idx = list(range(min(post.nchains, 10)))  # bayesgraph's default: the first 10 chains
    elif str(chosen).strip() == "_all":
        idx = list(range(post.nchains))
    else:
        idx = [c - 1 for c in _numlist(chosen)]
        bad = [c + 1 for c in idx if not 0 <= c < post.nchains]
        if bad:
            raise StataError(f"chains(): chain {bad[0]} not found", 198)
        idx = list(dict.fromkeys(idx))
    skip = int(cmd.option("skip", 0) or 0)
    if skip < 0:
        raise StataError("skip() must be nonnegative", 198)
    step = skip + 1
    iters = np.arange(1, post.mcmcsize + 1)[::step]
    if len(iters) < 2:
        raise StataError("skip() leaves fewer than two draws", 198)
    return idx, iters, step


def _series(post: Posterior, cmd: Command) -> list[Series]:
    items = cmd.body.items if isinstance(cmd.body, ParamList) else ()
    if not items:
        raise StataError(
            f"bayesgraph {cmd.subcommand}: specify parameters, expressions or _all", 198
        )
    out: list[Series] = []
    for it in items:
        if isinstance(it, Name) and it.name == "_all":
            out += model_series(post)
            shown = cmd.option("showreffects")
            if shown is not None:
                params = getattr(shown, "params", ())
                if params:
                    out += resolve_items(post, params)
                else:
                    out += _all_reffects(post)
        else:
            out += resolve_items(post, [it])
    return out


def _all_reffects(post: Posterior) -> list[Series]:
    from ..syntax.ast import ParamItem, ParamRef

    refs = [
        ParamRef((ParamItem(None, n),))
        for lev in (post.model.levels if post.model else [])
        for n in lev.names
    ]
    return resolve_items(post, refs) if refs else []


def traces(post: Posterior, cmd: Command) -> list[Trace]:
    """The :class:`Trace` of every quantity named on the command line.

    ``_all`` means the model parameters (random effects too with ``showreffects``, or those
    it names), as in [BAYES] bayesgraph; other items resolve as in ``bayesstats``.
    """
    idx, iters, step = select(post, cmd)
    out = []
    for x in _series(post, cmd):
        plain = x.expr is not None or x.full in ("_loglikelihood", "_logposterior")
        ref = x.full if plain else f"{{{x.full}}}"
        vals = np.array(np.asarray(x.draws, dtype=float)[idx][:, ::step])
        vals[~(np.abs(vals) <= _STATA_MAX)] = np.nan  # infinite and NaN draws are missing
        out.append(Trace(x.full, ref, vals, [i + 1 for i in idx], iters))
    return out


#: the largest number that is not missing in Stata ([U] 12.2.1 Missing values): larger
#: results (and infinities, NaN) are missing values, left out of the graphs
_STATA_MAX = 8.9884656743115795e307


def _check_observed(groups: list[list[Trace]], sep: bool) -> None:
    """r(2000) when a graphed quantity is missing in every draw (``(r: 1/0)``, ``sqrt(-1)``):
    there is nothing to draw. Quantities missing in some draws only are drawn without them."""
    for group in groups:
        for t in group:
            if not np.isfinite(t.values).any():
                where = f" of chain {t.chains[0]}" if sep else ""
                raise StataError(f"no observations: {t.ref} is missing in every draw{where}", 2000)


def _by_chain(t: Trace) -> list[Trace]:
    return [
        Trace(t.label, t.ref, t.values[i : i + 1], [c], t.iters) for i, c in enumerate(t.chains)
    ]


# ---------------------------------------------------------------------------------------------
# names, files and the session


def plan(s, count: int, go: GraphOptions) -> list[tuple[str, Path | None]]:
    """Names and ``saving()`` files of ``count`` graphs, checked before anything is drawn.

    One graph takes ``name()`` (``Graph`` by default) and the ``saving()`` file as given;
    several take ``name1``, ``name2`` ... and ``file1.png``, ``file2.png`` ... (without
    ``name()`` each is ``Graph`` and replaces the one before, as in Stata's graph window).

    Raises
    ------
    StataError
        r(110) when a named graph exists without ``replace``; r(602) when a file exists
        without ``saving(..., replace)``; r(603) when its folder does not exist.
    """
    many = count > 1
    names = [
        (f"{go.name}{i}" if many else go.name) if go.name else "Graph" for i in range(1, count + 1)
    ]
    if go.name and not go.replace:
        for n in names:
            if n in s.graphs:
                raise StataError(f"graph {n} already exists", 110)
    paths: list[Path | None] = [None] * count
    if go.saving is not None:
        p = go.saving
        paths = (
            [p.with_name(f"{p.stem}{i}{p.suffix}") for i in range(1, count + 1)] if many else [p]
        )
        for path in paths:
            if path is not None and not path.parent.is_dir():
                raise StataError(f"file {path} could not be opened", 603)
            if path is not None and path.exists() and not go.saving_replace:
                raise StataError(f"file {path} already exists", 602)
    return list(zip(names, paths))


def publish(s, makers: list[Callable[[], F.Drawn]], go: GraphOptions) -> list[Output]:
    """Draw each graph, render it at once, write its ``saving()`` file and keep it in
    ``s.graphs`` (so that only one matplotlib figure is open at a time)."""
    slots = plan(s, len(makers), go)
    outs: list[Output] = []
    for index, (make, (name, path)) in enumerate(zip(makers, slots), start=1):
        d = make()
        try:
            _apply_styles(d, go, index)
            _apply_texts(d.fig, go)
            fig = BayesFigure(
                d.fig,
                name=name,
                description=f"(graph {name}: {d.what})",
                panels=d.panels,
                kind=d.kind,
                data=d.data,
            )
        except BaseException:
            import matplotlib.pyplot as plt

            plt.close(d.fig)
            raise
        s.graphs.pop(name, None)
        s.graphs[name] = fig
        outs.append(fig)
        if path is not None:
            if str(path).lower().endswith(".gph"):
                save_gph(fig, str(path))
            else:
                try:
                    fig.export(str(path))
                except OSError as exc:
                    raise StataError(
                        f"file {path} could not be opened"
                        + (f": {exc.strerror}" if exc.strerror else ""),
                        603,
                    ) from None
            remember_saved(s, str(path), fig)
            outs.append(Text(f"(file {path} saved)"))
    return outs


# ---------------------------------------------------------------------------------------------
# the subcommands


def _check_multi(cmd: Command, sub: str) -> tuple[bool, bool]:
    combine, byparm = cmd.has("combine"), cmd.has("byparm")
    if combine and byparm:
        raise StataError("options combine and byparm may not be combined", 198)
    if byparm and cmd.option("graphopts") is not None:  # [BAYES] bayesgraph: graphopts()
        raise StataError("option graphopts() not allowed with byparm", 198)
    if cmd.has("bychain"):  # [BAYES] bayesgraph: not with diagnostics, matrix, combine, byparm
        other = next(
            (o for o in ("combine", "byparm", "sepchains") if cmd.has(o)),
            sub if sub in ("diagnostics", "matrix") else None,
        )
        if other:
            raise StataError(f"option bychain not allowed with {other}", 198)
    if sub in ("diagnostics", "matrix") and (combine or byparm):
        raise StataError(
            f"option {'combine' if combine else 'byparm'} not allowed with bayesgraph {sub}", 198
        )
    return combine, byparm


def _graphs(s, cmd: Command, sub: str) -> list[Output]:
    post = posterior_of(s)
    go = graph_options(cmd)
    combine, byparm = _check_multi(cmd, sub)
    ts = traces(post, cmd)
    _check_lags(go, ts)
    if sub == "matrix" and len(ts) < 2:
        raise StataError("bayesgraph matrix requires at least two parameters", 198)
    unknown = [
        k for k in go.styles if k.startswith("chain") and k[5:] and int(k[5:]) not in ts[0].chains
    ]
    if unknown:
        raise StataError(f"option {unknown[0]}opts(): chain {unknown[0][5:]} not graphed", 198)
    sep = cmd.has("sepchains") and len(ts[0].chains) > 1
    groups = [[_by_chain(t)[c] for t in ts] for c in range(len(ts[0].chains))] if sep else [ts]
    _check_observed(groups, sep)
    if cmd.has("bychain"):  # one graph per quantity, a by() panel per chain
        makers_by = []
        for t in ts:
            per = [
                Trace(f"Chain {c}", one.ref, one.values, one.chains, one.iters)
                for c, one in zip(t.chains, _by_chain(t))
            ]
            makers_by.append(partial(F.combined, sub, per, go.plot, True, False, "chain"))
        return publish(s, makers_by, go)
    makers: list[Callable[[], F.Drawn]] = []
    for group in groups:
        if sub == "matrix":
            makers.append(partial(F.matrix, group, go.plot, sep))
        elif (combine or byparm) and len(group) > 1 and sub != "diagnostics":
            makers.append(partial(F.combined, sub, group, go.plot, byparm, sep))
        elif sub == "diagnostics":
            makers += [partial(F.diagnostics, t, go.plot, sep) for t in group]
        else:
            makers += [partial(F.single, sub, t, go.plot, sep) for t in group]
    return publish(s, makers, go)


def _check_lags(go: GraphOptions, ts: list[Trace]) -> None:
    lags = go.plot.get("lags")
    if lags is not None and ts and lags >= ts[0].values.shape[1]:
        raise StataError("lags() must be less than the number of draws per chain", 198)


def _handler(sub: str):
    def handler(s, cmd: Command) -> list[Output]:
        return _graphs(s, cmd, sub)

    handler.__name__ = f"bayesgraph_{sub}"
    handler.__doc__ = f"``bayesgraph {sub}`` ([BAYES] bayesgraph)."
    return handler


for _sub in ("diagnostics", "trace", "ac", "histogram", "kdensity", "cusum", "matrix"):
    command("bayesgraph", _sub, readonly=False)(_handler(_sub))

from . import bayesgraph_reffects as _reffects  # noqa: E402,F401  (registers bayesgraph reffects)
