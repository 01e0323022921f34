"""The graphs of ``bayesgraph`` ([BAYES] bayesgraph): one parameter, several, diagnostics, matrix.

Each function takes the :class:`~bayes_magic.commands.bayesgraph_plots.Trace` of the graphed
quantities and the options, and returns an undrawn recipe — a matplotlib figure, its number of
panels, its description and the numbers it shows — that the command turns into a named
:class:`~bayes_magic.commands.bayesgraph_plots.BayesFigure`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..report.figure import new_figure
from .bayesgraph_plots import (
    COLORS,
    KINDS,
    Trace,
    default_bins,
    draw_panel,
    finish_legend,
    kdensity,
    new_grid,
)

__all__ = ["Drawn", "single", "combined", "diagnostics", "matrix", "describe_refs"]


@dataclass
class Drawn:
    """A drawn figure before it is named: what :class:`BayesFigure` needs besides the name."""

    fig: Any
    what: str  # "diagnostics of {math:homework}"
    panels: int
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


def describe_refs(traces: list[Trace], most: int = 4) -> str:
    """``{a} {b} {c}`` or ``{a} {b} {c} {d} and 3 more``."""
    refs = [t.ref for t in traces]
    if len(refs) <= most + 1:
        return " ".join(refs)
    return " ".join(refs[:most]) + f" and {len(refs) - most} more"


def _suffix(t: Trace, sepchain: bool) -> str:
    return f", chain {t.chains[0]}" if sepchain else ""


def single(kind: str, t: Trace, opts: dict[str, Any], sepchain: bool = False) -> Drawn:
    """One panel of one quantity (``bayesgraph trace {math:homework}``)."""
    _title, word, ytitle = KINDS[kind]
    fig, axes = new_figure(1, 1)
    ax = axes[0, 0]
    data = draw_panel(ax, kind, t, opts)
    ax.set_title(opts.get("title") or _label(t, sepchain))
    ax.set_ylabel(ytitle)
    return Drawn(fig, f"{word} of {t.ref}{_suffix(t, sepchain)}", 1, kind, {t.label: data})


#: the titles Stata's bayesgraph gives combined graphs (``graph combine``) and ``byparm``
#: graphs (one ``by()`` graph), [BAYES] bayesgraph
COMBINE_TITLES = {
    "trace": "Trace plots",
    "histogram": "Histogram plots",
    "ac": "Autocorrelation plots",
    "kdensity": "Density plots",
    "cusum": "Cusum plots",
}
BYPARM_TITLES = {
    "trace": "Trace plots",
    "histogram": "Histograms",
    "ac": "Autocorrelations",
    "kdensity": "Densities",
    "cusum": "Cusum plots",
}


def combined(
    kind: str,
    traces: list[Trace],
    opts: dict[str, Any],
    byparm: bool,
    sepchain: bool = False,
    by: str = "parameter",
) -> Drawn:
    """All quantities in one graph, one panel each. ``combine`` puts the graphs side by side
    (each titled with its parameter); ``byparm`` makes one ``by()`` graph, as Stata does:
    panel titles in header boxes, traces in one column on a common x axis, and the note
    "Graphs by parameter"."""
    _title, word, ytitle = KINDS[kind]
    # (a long list goes back to the grid: 23 traces in one column would be unreadable)
    one_column = byparm and kind in ("trace", "cusum") and len(traces) <= 8
    fig, axes = new_grid(
        len(traces),
        sharex=byparm and kind in ("trace", "cusum", "ac"),
        cols=1 if one_column else None,
    )
    data = {}
    for i, (ax, t) in enumerate(zip(axes, traces)):
        data[t.label] = draw_panel(ax, kind, t, opts, legend=False)
        if byparm:
            ax.set_title(_label(t, False), fontsize="medium", backgroundcolor="#e8eef1")
        else:
            ax.set_title(_label(t, False), fontsize="medium", fontweight="bold")
        if not byparm or i % _ncols(fig) == 0:
            ax.set_ylabel(ytitle)
    if byparm:  # as by(): axis labels only under the last panel of each column
        ncols = _ncols(fig)
        for i, ax in enumerate(axes):
            if i + ncols < len(axes):
                ax.set_xlabel("")
                if kind in ("trace", "cusum", "ac"):  # a common x axis
                    ax.tick_params(labelbottom=False)
    titles = BYPARM_TITLES if byparm else COMBINE_TITLES
    # bychain: one quantity's chains, titled with the quantity
    head = traces[0].ref.strip("{}") if by == "chain" else titles[kind]
    fig.suptitle(opts.get("title") or head, fontweight="bold")
    if byparm:
        fig.text(0.01, 0.005, f"Graphs by {by}", ha="left", va="bottom", fontsize=8)
    finish_legend(fig, traces[0])
    _tight(fig, traces[0])
    if by == "chain":
        what = f"{word} of {traces[0].ref} by chain"
    else:
        what = f"{word} of {describe_refs(traces)}{_suffix(traces[0], sepchain)}"
    return Drawn(fig, what, len(traces), kind, data)


def diagnostics(t: Trace, opts: dict[str, Any], sepchain: bool = False) -> Drawn:
    """Trace, Histogram, Autocorrelation and Density of one quantity in a 2 x 2 graph."""
    fig, axes = new_figure(2, 2)
    data: dict[str, Any] = {}
    for ax, kind, title in (
        (axes[0, 0], "trace", "Trace"),
        (axes[0, 1], "histogram", "Histogram"),
        (axes[1, 0], "ac", "Autocorrelation"),
        (axes[1, 1], "kdensity", "Density"),
    ):
        data.update(draw_panel(ax, kind, t, {**opts, "_diagnostics": True}, legend=False))
        ax.set_title(title, fontsize="medium")
    fig.suptitle(opts.get("title") or _label(t, sepchain), fontweight="bold")
    finish_legend(fig, t)
    _tight(fig, t)
    return Drawn(
        fig, f"diagnostics of {t.ref}{_suffix(t, sepchain)}", 4, "diagnostics", {t.label: data}
    )


def matrix(traces: list[Trace], opts: dict[str, Any], sepchain: bool = False) -> Drawn:
    """The scatterplot matrix: pairs below the diagonal, histogram and density on it."""
    k = len(traces)
    side = max(6.4, min(2.2 * k, 14.0))
    fig, axes = new_figure(k, k, size=(side, side * 0.9 if k == 2 else side))
    flat = [t.flat for t in traces]  # the nonmissing draws (histogram and density)
    paired = [t.values.reshape(-1) for t in traces]  # all draws, in step (missing: NaN)
    data: dict[str, Any] = {"pairs": [], "diagonal": {}}
    for i in range(k):
        for j in range(k):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                dens, edges, bars = ax.hist(
                    flat[i],
                    bins=default_bins(len(flat[i])),
                    density=True,
                    color="#b7c7d9",
                    edgecolor="#1a476f",
                    linewidth=0.4,
                )
                for bar in bars:
                    bar.set_gid("data:all")  # restyled by fcolor() and lcolor()
                g, d, _ = kdensity(flat[i])
                ax.plot(g, d, color=COLORS[1], linewidth=1.2)
                ax.set_title(traces[i].label, fontsize="small")
                data["diagonal"][traces[i].label] = {"hist": (dens, edges), "density": (g, d)}
            else:
                dots = ax.scatter(
                    paired[j],
                    paired[i],
                    s=2,
                    color=COLORS[0],
                    alpha=0.35,
                    linewidths=0,
                    rasterized=True,
                )
                dots.set_gid("data:all")  # restyled by mcolor(), msymbol(), msize()
                data["pairs"].append((traces[j].label, traces[i].label))
            if i == k - 1:
                ax.set_xlabel(traces[j].label, fontsize="small")
            if j == 0 and i > 0:
                ax.set_ylabel(traces[i].label, fontsize="small")
            ax.tick_params(labelsize="x-small")
    if opts.get("title"):
        fig.suptitle(opts["title"], fontweight="bold")
    fig.tight_layout()
    panels = k * (k + 1) // 2
    what = f"scatterplot matrix of {describe_refs(traces)}{_suffix(traces[0], sepchain)}"
    return Drawn(fig, what, panels, "matrix", data)


def _label(t: Trace, sepchain: bool) -> str:
    return f"{t.label}, chain {t.chains[0]}" if sepchain else t.label


def _ncols(fig: Any) -> int:
    gs = fig.axes[0].get_subplotspec().get_gridspec()
    return int(gs.ncols)


def _tight(fig: Any, t: Trace) -> None:
    import warnings

    bottom = 0.06 if len(t.chains) > 1 else 0.0
    # tight_layout leaves no gap under the overall title (the first panel's title box would
    # touch it): keep 8 pixels free
    sup = getattr(fig, "_suptitle", None)
    top = 1.0 - (8 / (fig.get_figheight() * fig.dpi) if sup is not None else 0.0)
    with warnings.catch_warnings():  # a crowded grid keeps its default spacing
        warnings.simplefilter("ignore", UserWarning)
        fig.tight_layout(rect=(0, bottom, 1, top))
