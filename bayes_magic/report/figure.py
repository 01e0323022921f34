"""Graphs as outputs: a matplotlib figure rendered once to PNG (and SVG/PDF on export).

A :class:`Figure` is an :class:`~bayes_magic.report.output.Output` like a table: notebooks get
``image/png`` (with a short ``text/plain`` description), consoles and logs the description, and
``graph export`` writes the file. matplotlib is imported only when a graph is drawn, always
with the Agg backend, so no display is needed.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from .output import Output, escape

__all__ = ["Figure", "new_figure", "stata_ticks", "DPI", "SIZE"]

#: default size (inches) and resolution: 640 x 448 pixels at 100 dpi, crisp in a notebook
SIZE = (6.4, 4.48)
DPI = 100


def new_figure(nrows: int = 1, ncols: int = 1, *, size: tuple[float, float] | None = None):
    """A matplotlib figure and its axes (Agg backend, Stata-like light style)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    w, h = size or SIZE
    fig, axes = plt.subplots(nrows, ncols, figsize=(w, h), dpi=DPI, squeeze=False)
    for ax in axes.ravel():
        ax.grid(True, color="#e6e6e6", linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        stata_ticks(ax)
    return fig, axes


def stata_ticks(ax) -> None:
    """Axis labels written as Stata writes them (``%9.0g``): ``0 .01 .02``, ``-5``, ``2500``,
    not matplotlib's ``0.00 0.01``, ``−5`` (float noise such as 0.30000000000000004 rounded
    away)."""
    from matplotlib.ticker import FuncFormatter

    f = FuncFormatter(_stata_tick)  # a module-level function: graph save pickles figures
    ax.xaxis.set_major_formatter(f)
    ax.yaxis.set_major_formatter(f)


def _stata_tick(v: float, _pos: Any = None) -> str:
    from .format import fmt_g

    return fmt_g(round(float(v), 12), 9)


class Figure(Output):
    """A drawn graph.

    Parameters
    ----------
    fig
        The matplotlib figure; it is rendered to PNG at once and closed.
    name
        The graph's name (``name()`` option; ``Graph`` by default).
    description
        The ``text/plain`` stand-in, e.g. ``(graph Graph: trace of {math:homework})``.
    panels
        Number of plot panels, for tests and the front ends.
    """

    kind = "graph"
    #: resolution of SVG/PDF exports (matters only for pictures inside the graph)
    export_dpi = DPI

    def __init__(self, fig: Any, *, name: str = "Graph", description: str = "", panels: int = 1):
        import matplotlib.pyplot as plt

        self.name = name
        self.description = description or f"(graph {name})"
        self.panels = panels
        self._fig = fig
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
        self.png = buf.getvalue()
        self.size_inches = tuple(fig.get_size_inches())
        self.axes_info = [
            {
                "title": ax.get_title(),
                "xlabel": ax.get_xlabel(),
                "ylabel": ax.get_ylabel(),
            }
            for ax in fig.axes
            if ax.get_visible() and ax.has_data()
        ]
        plt.close(fig)

    def text(self) -> str:
        return self.description

    def html(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        return f'<img alt="{escape(self.description)}" src="data:image/png;base64,{data}"/>'

    def _repr_png_(self) -> bytes:
        return self.png

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {
            "text/plain": self.text(),
            "image/png": base64.b64encode(self.png).decode("ascii"),
        }

    def export(self, path: str, fmt: str | None = None) -> None:
        """Write the graph as PNG, SVG or PDF (by ``fmt`` or the file's extension)."""
        fmt = (fmt or path.rsplit(".", 1)[-1]).lower()
        if fmt == "png":
            with open(path, "wb") as f:
                f.write(self.png)
            return
        self._fig.savefig(path, format=fmt, dpi=self.export_dpi, bbox_inches="tight")
