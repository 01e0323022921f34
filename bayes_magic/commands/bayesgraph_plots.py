"""The drawings of ``bayesgraph`` ([BAYES] bayesgraph): panels, layouts and their numbers.

Every graph is a matplotlib figure (Agg) wrapped in a :class:`BayesFigure`, which keeps what
was drawn (autocorrelations, densities, histogram counts ...) in ``data`` and the legend texts
of each panel, so that tests and front ends can read a graph without looking at pixels.

Stata's rules ([BAYES] bayesgraph; notes in ``tests/reference/stata-methods.md`` section 9):

* ``diagnostics``: a 2 x 2 combination titled with the parameter: Trace, Histogram,
  Autocorrelation and Density;
* autocorrelations up to ``lags(#)``, by default min(floor(N/2) - 2, 40), N the draws per chain;
* the Density panel overlays the kernel density of all draws ("all"), of the first half
  ("1-half", draws 1..nn) and of the second half ("2-half", draws nn..N), nn = floor(N/2), so
  the middle draw is in both halves; with several chains it overlays the chains instead;
* histograms have min(sqrt(N), 10 log10(N)) bins unless ``bin(#)`` (as [R] histogram);
* kernel densities use the Epanechnikov kernel and the optimal width of [R] kdensity,
  h = 0.9 min(sd, IQR/1.349) N^(-1/5);
* several chains are overlaid, with a legend "Chain 1", "Chain 2", ...
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..diagnostics.mcmc import autocorr
from ..report.figure import SIZE, Figure, new_figure
from .graph_stats import default_bandwidth

__all__ = [
    "BayesFigure",
    "Trace",
    "COLORS",
    "kdensity",
    "default_bins",
    "default_lags",
    "halves",
    "KINDS",
    "draw_panel",
    "finish_legend",
    "finite",
]

#: Stata's s2color palette: navy, maroon, forest green, dark orange, teal, cranberry ...
COLORS = [
    "#1a476f",
    "#90353b",
    "#55752f",
    "#e37e00",
    "#6e8e84",
    "#c10534",
    "#938dd2",
    "#cac27e",
    "#a0522d",
    "#7b92a8",
]

#: subcommand -> (panel title, word of the description, y-axis title)
KINDS: dict[str, tuple[str, str, str]] = {
    "trace": ("Trace", "trace", ""),
    "ac": ("Autocorrelation", "autocorrelation", "Autocorrelation"),
    "histogram": ("Histogram", "histogram", "Density"),
    "kdensity": ("Density", "density", "Density"),
    "cusum": ("Cumulative sum", "cumulative sum", "Cumulative sum"),
}


@dataclass
class Trace:
    """The draws of one graphed quantity.

    Attributes
    ----------
    label
        Its name on the graph (``math:homework``, ``U0[6053]``, ``corr``).
    ref
        How the description names it (``{math:homework}``, or the expression's label).
    values
        Draws ``(chains, draws)`` after ``chains()`` and ``skip()``.
    chains
        The (1-based) chain number of each row of ``values``.
    iters
        The iteration number of each column (1-based; ``skip()`` leaves gaps).
    """

    label: str
    ref: str
    values: np.ndarray
    chains: list[int]
    iters: np.ndarray

    @property
    def flat(self) -> np.ndarray:
        """All draws of all chains, the missing ones (NaN) left out."""
        return finite(self.values)


def finite(x: np.ndarray) -> np.ndarray:
    """The nonmissing values of ``x``, flattened (missing draws are left out of the graphs,
    as Stata's graph commands leave out missing values)."""
    x = np.asarray(x, dtype=float).reshape(-1)
    return x[np.isfinite(x)]


class BayesFigure(Figure):
    """A :class:`~bayes_magic.report.figure.Figure` that remembers what it shows.

    Parameters
    ----------
    fig
        The matplotlib figure (rendered and closed at once).
    name, description, panels
        As for :class:`~bayes_magic.report.figure.Figure`.
    kind
        The ``bayesgraph`` subcommand that drew it.
    data
        The plotted numbers, by parameter (e.g. ``data["math:homework"]["ac"][1]``).
    """

    def __init__(
        self,
        fig: Any,
        *,
        name: str = "Graph",
        description: str = "",
        panels: int = 1,
        kind: str = "",
        data: dict[str, Any] | None = None,
    ) -> None:
        shown = [ax for ax in fig.axes if ax.get_visible() and ax.has_data()]
        #: legend texts of each panel, in the order of ``axes_info``
        self.legends: list[list[str]] = [_legend_texts(ax.get_legend()) for ax in shown]
        #: legend texts of a legend drawn for the whole figure
        self.figure_legend: list[str] = [t for lg in fig.legends for t in _legend_texts(lg)]
        sup = getattr(fig, "_suptitle", None)
        self.suptitle: str = sup.get_text() if sup is not None else ""
        self.kind = kind
        self.data: dict[str, Any] = data or {}
        super().__init__(fig, name=name, description=description, panels=panels)


def _legend_texts(lg: Any) -> list[str]:
    return [t.get_text() for t in lg.get_texts()] if lg is not None else []


# ---------------------------------------------------------------------------------------------
# statistics


def kdensity(x: np.ndarray, grid: np.ndarray | None = None, n: int = 300):
    """Epanechnikov kernel density with [R] kdensity's optimal width.

    Parameters
    ----------
    x
        The observations.
    grid
        Where to evaluate it; by default ``n`` points from min(x) to max(x).
    n
        Number of points of the default grid.

    Returns
    -------
    (grid, density, width)
    """
    x = np.sort(np.asarray(x, dtype=float).reshape(-1))
    x = x[np.isfinite(x)]
    N = len(x)
    if grid is None:
        grid = np.linspace(x[0], x[-1], n) if N else np.zeros(0)
    grid = np.asarray(grid, dtype=float)
    if N < 2 or x[0] == x[-1]:
        return grid, np.full(len(grid), np.nan), float("nan")
    h = default_bandwidth(x)  # [R] kdensity's rule, with summarize's quartiles
    # Stata's Epanechnikov kernel K(z) = 3/4 (1 - z^2/5)/sqrt(5) on |z| < sqrt(5): sum it over
    # each point's window with running sums of 1, x and x^2 (exact, O(N log N))
    c = x.mean()
    xc, g = x - c, grid - c
    s1 = np.concatenate([[0.0], np.cumsum(xc)])
    s2 = np.concatenate([[0.0], np.cumsum(xc * xc)])
    half = math.sqrt(5.0) * h
    lo = np.searchsorted(xc, g - half, side="right")
    hi = np.searchsorted(xc, g + half, side="left")
    cnt = hi - lo
    sx, sxx = s1[hi] - s1[lo], s2[hi] - s2[lo]
    quad = cnt * g * g - 2 * g * sx + sxx  # sum of (g - x_i)^2 over the window
    dens = 0.75 / math.sqrt(5.0) * (cnt - quad / (5 * h * h)) / (N * h)
    return grid, np.maximum(dens, 0.0), h


def default_bins(n: int) -> int:
    """[R] histogram's default number of bins: min(sqrt(N), 10 log10(N))."""
    if n < 2:
        return 1
    return max(1, int(min(math.sqrt(n), 10 * math.log10(n))))


def default_lags(n: int) -> int:
    """[BAYES] bayesgraph's default ``lags()``: min(floor(N/2) - 2, 40)."""
    return max(1, min(n // 2 - 2, 40))


def halves(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first and second half of one chain as bayesgraph splits them: with nn = floor(N/2),
    draws 1..nn and nn..N (the middle draw is in both)."""
    nn = len(x) // 2
    return x[:nn], x[max(nn - 1, 0) :]


def _bartlett(rho: np.ndarray, n: int, level: float) -> np.ndarray:
    """Half-widths of [TS] corrgram's confidence band for rho_1..rho_L (Bartlett's formula
    for an MA(k-1) process): z sqrt((1 + 2 sum_{i<k} rho_i^2)/N)."""
    from scipy import stats

    z = stats.norm.ppf(0.5 + level / 200)
    r2 = np.concatenate([[0.0], np.cumsum(rho[:-1] ** 2)])
    return z * np.sqrt((1 + 2 * r2) / n)


# ---------------------------------------------------------------------------------------------
# panels


def _color(i: int) -> str:
    return COLORS[i % len(COLORS)]


def _chain_labels(t: Trace) -> list[str]:
    return [f"Chain {c}" for c in t.chains]


def draw_panel(ax: Any, kind: str, t: Trace, opts: dict[str, Any], legend: bool = True) -> dict:
    """Draw one panel of ``kind`` for ``t`` on ``ax``; returns the numbers drawn."""
    return _PANELS[kind](ax, t, opts, legend)


def _trace(ax: Any, t: Trace, opts: dict[str, Any], legend: bool) -> dict:
    for i, row in enumerate(t.values):
        (ln,) = ax.plot(t.iters, row, color=_color(i), linewidth=0.5, label=f"Chain {t.chains[i]}")
        ln.set_gid(f"data:{t.chains[i]}")
    ax.set_xlabel("Iteration number")
    ax.margins(x=0)
    _chain_legend(ax, t, legend)
    return {"trace": {c: row for c, row in zip(t.chains, t.values)}, "iters": t.iters}


def _ac(ax: Any, t: Trace, opts: dict[str, Any], legend: bool) -> dict:
    """Autocorrelations at lags 1..L as dropped lines ([TS] corrgram's ``ac``, as bayesgraph
    draws it); the Bartlett band only with ``ci`` (or ``clevel()``), as in Stata, whose
    bayesgraph passes ``ciopts(astyle(none))`` otherwise."""
    T = t.values.shape[1]
    L = opts.get("lags") or default_lags(T)
    k = np.arange(1, L + 1)
    rhos = {}
    for i, row in enumerate(t.values):
        row = finite(row)  # missing draws left out
        T = len(row)
        rho = autocorr(row, L)[1 : L + 1] if T > 1 else np.zeros(0)
        if len(rho) < L:
            rho = np.concatenate([rho, np.full(L - len(rho), np.nan)])
        rhos[t.chains[i]] = rho
        col = _color(i)
        drop = ax.vlines(
            k, 0, rho, color=col, linewidth=1.0, alpha=0.9 if len(t.chains) == 1 else 0.6
        )
        (dots,) = ax.plot(k, rho, "o", color=col, markersize=3, label=f"Chain {t.chains[i]}")
        drop.set_gid(f"data:{t.chains[i]}")
        dots.set_gid(f"data:{t.chains[i]}")
    out: dict[str, Any] = {"ac": rhos, "lags": L}
    if len(t.chains) == 1 and opts.get("ci"):
        band = _bartlett(rhos[t.chains[0]], T, float(opts.get("clevel", 95.0)))
        ax.fill_between(k, -band, band, color="#d9d9d9", linewidth=0, zorder=0)
        out["band"] = band
    ax.axhline(0, color="#8c8c8c", linewidth=0.6)
    ax.set_xlabel("Lag")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))  # lags are whole numbers
    _chain_legend(ax, t, legend)
    return out


def _hist(ax: Any, t: Trace, opts: dict[str, Any], legend: bool) -> dict:
    flat = t.flat
    per_chain = max(len(finite(row)) for row in t.values)
    k = opts.get("bins") or default_bins(len(flat) if len(t.chains) == 1 else per_chain)
    if len(t.chains) == 1:
        dens, edges, bars = ax.hist(
            flat, bins=k, density=True, color="#b7c7d9", edgecolor="#1a476f", linewidth=0.5
        )
        for bar in bars:
            bar.set_gid(f"data:{t.chains[0]}")
        out: dict[str, Any] = {"hist": {t.chains[0]: (dens, edges)}, "bins": k}
    else:
        edges = np.histogram_bin_edges(flat, bins=k)
        hs = {}
        for i, row in enumerate(t.values):
            dens, _, steps = ax.hist(
                finite(row),
                bins=edges,
                density=True,
                histtype="step",
                color=_color(i),
                linewidth=1.0,
                label=f"Chain {t.chains[i]}",
            )
            for step in steps:
                step.set_gid(f"data:{t.chains[i]}")
            hs[t.chains[i]] = (dens, edges)
        out = {"hist": hs, "bins": k}
    _normal(ax, flat, opts)
    _chain_legend(ax, t, legend)
    return out


def _density(ax: Any, t: Trace, opts: dict[str, Any], legend: bool) -> dict:
    """Kernel density of the draws and, by ``show()``, of their first and second halves. As in
    Stata: the diagnostics panel shows both halves ("all", "1-half", "2-half"), ``bayesgraph
    kdensity`` only the overall density unless ``show(first|second|both)`` ("overall",
    "1st-half", "2nd-half"); the legend sits inside at 11 o'clock, or at 1 o'clock when the
    draws are skewed to the right (max + min > 2 mean)."""
    out: dict[str, Any] = {}
    diag = bool(opts.get("_diagnostics"))
    show = opts.get("show") or ("both" if diag else "none")
    if len(t.chains) == 1:
        x = finite(t.values[0])
        first, second = halves(x)
        names = ("all", "1-half", "2-half") if diag else ("overall", "1st-half", "2nd-half")
        parts = [(names[0], x, "-", COLORS[0])]
        if show in ("first", "both"):
            parts.append((names[1], first, "--", COLORS[1]))
        if show in ("second", "both"):
            parts.append((names[2], second, ":", COLORS[2]))
        curves = {}
        for lab, v, style, col in parts:
            g, d, _ = kdensity(v)
            curves[lab] = (g, d)
            (ln,) = ax.plot(g, d, linestyle=style, color=col, linewidth=1.3, label=lab)
            if lab == names[0]:  # the halves keep their look
                ln.set_gid(f"data:{t.chains[0]}")
        out["density"] = curves
        out["halves"] = (len(first), len(second))
        _normal(ax, x, opts)
        if len(parts) > 1 or opts.get("normal"):
            right = float(x.max() + x.min()) > 2 * float(x.mean())
            ax.legend(loc="upper right" if right else "upper left", fontsize="small", frameon=False)
    else:
        curves = {}
        for i, row in enumerate(t.values):
            g, d, _ = kdensity(row)
            curves[t.chains[i]] = (g, d)
            (ln,) = ax.plot(g, d, color=_color(i), linewidth=1.3, label=f"Chain {t.chains[i]}")
            ln.set_gid(f"data:{t.chains[i]}")
        out["density"] = curves
        _normal(ax, t.flat, opts)
        _chain_legend(ax, t, legend)
    return out


def _cusum(ax: Any, t: Trace, opts: dict[str, Any], legend: bool) -> dict:
    sums = {}
    for i, row in enumerate(t.values):
        ok = np.isfinite(row)  # missing draws left out
        cs = np.cumsum(row[ok] - row[ok].mean()) if ok.any() else np.zeros(0)
        sums[t.chains[i]] = cs
        (ln,) = ax.plot(
            t.iters[ok], cs, color=_color(i), linewidth=0.8, label=f"Chain {t.chains[i]}"
        )
        ln.set_gid(f"data:{t.chains[i]}")
    ax.axhline(0, color="#8c8c8c", linewidth=0.6)
    ax.set_xlabel("Iteration number")
    ax.margins(x=0)
    _chain_legend(ax, t, legend)
    return {"cusum": sums, "iters": t.iters}


_PANELS = {
    "trace": _trace,
    "ac": _ac,
    "histogram": _hist,
    "kdensity": _density,
    "cusum": _cusum,
}


def _normal(ax: Any, x: np.ndarray, opts: dict[str, Any]) -> None:
    """Option ``normal``: overlay the normal density with the draws' mean and SD."""
    if not opts.get("normal"):
        return
    from scipy import stats

    x = finite(x)
    if len(x) < 2:
        return
    m, sd = float(np.mean(x)), float(np.std(x, ddof=1))
    lo, hi = ax.get_xlim()
    g = np.linspace(lo, hi, 300)
    ax.plot(g, stats.norm.pdf(g, m, sd), color="#7f7f7f", linewidth=1.0, label="Normal density")


def _chain_legend(ax: Any, t: Trace, legend: bool) -> None:
    if legend and len(t.chains) > 1:
        ax.legend(fontsize="small", frameon=False, loc="best")


def finish_legend(fig: Any, t: Trace) -> None:
    """One legend for the whole figure naming the chains (several chains only)."""
    if len(t.chains) < 2:
        return
    import matplotlib.lines as mlines

    handles = [
        mlines.Line2D([], [], color=_color(i), label=lab) for i, lab in enumerate(_chain_labels(t))
    ]
    fig.legend(
        handles=handles,
        loc="lower center",
        ncol=min(len(handles), 5),
        frameon=False,
        fontsize="small",
    )


# ---------------------------------------------------------------------------------------------
# whole graphs


def grid_size(n: int, cols: int | None = None) -> tuple[int, int, tuple[float, float]]:
    """Rows, columns and size (inches) of a combination of ``n`` panels."""
    cols = cols or (1 if n == 1 else 2 if n <= 4 else 3 if n <= 9 else 4)
    rows = math.ceil(n / cols)
    w = max(SIZE[0], min(3.2 * cols, 13.0))
    h = max(SIZE[1], min(2.4 * rows, 18.0))
    return rows, cols, (w, h)


def new_grid(n: int, *, sharex: bool = False, cols: int | None = None):
    """A figure with ``n`` visible panels in a grid (extra cells hidden)."""
    rows, cols, size = grid_size(n, cols)
    fig, axes = new_figure(rows, cols, size=size)
    flat = list(axes.ravel())
    if sharex and n > 1:
        for ax in flat[1:n]:
            ax.sharex(flat[0])
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


#: the line, marker and fill options bayesgraph passes on to its plots ([BAYES] bayesgraph,
#: graphopts: [G-3] line_options, marker_options, area_options), by Stata's spellings
STYLE_SPECS = ("LColor", "LWidth", "LPattern", "COLor", "FColor", "MColor", "MSymbol", "MSIZe")


def restyle(
    fig: Any, axes: list[Any], style: dict[str, Any], chain: int | None = None, legend: bool = True
) -> None:
    """Apply ``lcolor() lwidth() lpattern() color() fcolor() mcolor() msymbol() msize()`` to
    what ``axes`` show of the draws (of ``chain`` only, for ``chain#opts()``); reference lines,
    bands and the density halves keep their look. The figure's chain legend follows when
    ``legend`` (the style is the whole figure's)."""
    from matplotlib.collections import LineCollection, PathCollection
    from matplotlib.lines import Line2D
    from matplotlib.markers import MarkerStyle
    from matplotlib.patches import Patch

    from . import graph_style as G

    def one(key: str) -> Any:
        words = G.items(style.get(key))
        return words[0] if words else None

    col = one("color")
    lc, fc, mc = one("lcolor") or col, one("fcolor") or col, one("mcolor") or col
    lw, lp, ms, sym = one("lwidth"), one("lpattern"), one("msize"), one("msymbol")
    lc_, fc_, mc_ = (G.color(c) if c else None for c in (lc, fc, mc))
    col_ = G.color(col) if col else None
    lw_ = G.width(lw) if lw else None
    lp_ = G.pattern(lp) if lp else None
    ms_ = G.msize(ms) if ms else None
    sym_ = G.symbol(sym) if sym else None

    def put(art: Any, **props: Any) -> None:  # set_<name>(value) for the values given
        for name, value in props.items():
            if value is not None:
                getattr(art, f"set_{name}")(value)

    line = {"color": lc_, "linewidth": lw_, "linestyle": lp_}
    marker = sym_[0] if sym_ else None

    def apply(art: Any) -> None:
        if isinstance(art, Line2D) and art.get_linestyle() in ("None", ""):  # the ac dots
            put(art, color=mc_ if mc_ is not None else lc_, marker=marker, markersize=ms_)
        elif isinstance(art, (Line2D, LineCollection)):
            put(art, **line)
        elif isinstance(art, PathCollection):  # the scatterplot matrix's dots
            mk = MarkerStyle(marker) if marker else None
            put(
                art,
                color=mc_ if mc_ is not None else col_,
                sizes=None if ms_ is None else [ms_**2 / 4],
                paths=None if mk is None else [mk.get_path().transformed(mk.get_transform())],
            )
        elif isinstance(art, Patch):  # histogram bars (filled) or steps (outlines)
            filled = art.get_fill()
            put(art, facecolor=fc_ if filled else None, edgecolor=lc_, linewidth=lw_)

    for ax in axes:
        for art in [*ax.lines, *ax.collections, *ax.patches]:
            gid = art.get_gid() or ""
            if gid.startswith("data:") and (chain is None or gid == f"data:{chain}"):
                apply(art)
    if not legend:  # one panel of several: the figure's legend speaks for the others too
        return
    for leg in [*fig.legends, *(ax.get_legend() for ax in axes if ax.get_legend())]:
        for handle, text in zip(leg.legend_handles, leg.get_texts()):
            mine = chain is None or text.get_text() == f"Chain {chain}"
            if not (text.get_text().startswith("Chain ") and mine):
                continue
            put(handle, **line)
