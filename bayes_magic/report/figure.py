"""Graphs as outputs: a matplotlib figure rendered once to PNG (and SVG/PDF on export).

A :class:`Figure` is an :class:`~bayes_magic.report.output.Output` like a table: notebooks get
``image/png`` (with a short ``text/plain`` description), consoles and logs the description, and
``graph export`` writes the file. matplotlib is imported only when a graph is drawn, always
with the Agg backend, so no display is needed.
"""

from __future__ import annotations

import base64
import io
import math
import re
from typing import Any

from .output import Output, escape

__all__ = ["Figure", "new_figure", "stata_ticks", "nice_ticks", "log_ticks", "DPI", "SIZE"]

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


def _nice_step(x: float) -> float:
    """``x`` rounded to a "nice" 1, 2, 5 or 10 times a power of ten."""
    e = math.floor(math.log10(x))
    f = x / 10**e
    nice = 1.0 if f < 1.5 else 2.0 if f < 3 else 5.0 if f < 7 else 10.0
    return nice * 10**e


def _smaller_step(step: float) -> float:
    """The next nice step below ``step`` (10 -> 5 -> 2 -> 1 ...)."""
    e = math.floor(math.log10(step) + 1e-9)
    f = round(step / 10**e)
    return {1: 0.5, 2: 1.0, 5: 2.0}.get(f, 5.0) * 10**e


def nice_ticks(lo: float, hi: float, n: int) -> list[float]:
    """About ``n`` "nice" label values for data from ``lo`` to ``hi`` (Stata's ``#n`` in
    ``xlabel()``/``ylabel()``, [G-3] axis_label_options): a step of 1, 2 or 5 times a power of
    ten near (hi - lo) / (n - 1), and the multiples of it nearest to ``lo`` and ``hi`` and
    those between (so ``#3`` over 30 ... 71 gives 40 60 80, as Stata); a smaller step when
    that would give fewer than two labels. ``[]`` for ``n`` 0."""
    if n <= 0 or not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    lo, hi = min(lo, hi), max(lo, hi)
    if hi == lo:
        return [lo]
    step = _nice_step((hi - lo) / max(n - 1, 1))
    for _ in range(8):
        first, last = math.floor(lo / step + 0.5), math.floor(hi / step + 0.5)
        if last - first + 1 >= min(n, 2):
            break
        step = _smaller_step(step)
    return [round(k * step, 12) + 0.0 for k in range(first, last + 1)]


def log_ticks(lo: float, hi: float) -> list[float]:
    """Labels for a log axis from ``lo`` to ``hi`` (both positive): the powers of ten when the
    range spans two decades or more, else Stata's nice values (``#5``) that are positive."""
    if not (0 < lo < float("inf") and 0 < hi < float("inf")):
        return []
    lo, hi = min(lo, hi), max(lo, hi)
    a, b = math.log10(lo), math.log10(hi)
    if b - a >= 2:
        return [10.0**k for k in range(math.ceil(a - 1e-9), math.floor(b + 1e-9) + 1)]
    return [v for v in nice_ticks(lo, hi, 5) if v > 0]


def stata_log_axis(axis) -> None:
    """A log axis labelled as Stata labels it: plain numbers (``10``, ``100``, ``50``), not
    matplotlib's ``10^1`` or ``6x10^1``, and no minor tick labels."""
    from matplotlib.ticker import FuncFormatter, NullFormatter, NullLocator

    axis.set_major_locator(StataLogLocator())
    axis.set_major_formatter(FuncFormatter(_stata_tick))
    axis.set_minor_locator(NullLocator())
    axis.set_minor_formatter(NullFormatter())


def _log_locator_base():
    from matplotlib.ticker import Locator

    return Locator


class StataLogLocator(_log_locator_base()):  # type: ignore[misc]
    """Major ticks of a log axis by :func:`log_ticks` over the view (picklable: a module-level
    class, as graph save needs)."""

    def __call__(self):
        lo, hi = self.axis.get_view_interval()
        return self.tick_values(lo, hi)

    def tick_values(self, vmin, vmax):
        lo, hi = sorted((float(vmin), float(vmax)))
        if hi <= 0:
            return []
        lo = lo if lo > 0 else hi / 1e3
        return [v for v in log_ticks(lo, hi) if lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9)]


#: Stata's text symbols ([G-4] text: ``{&beta}``, ``{&Sigma}``, ``{&le}`` ...)
_GREEK = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
    "sigma tau upsilon phi chi psi omega"
).split()
_SYMBOLS = {
    **{g: chr(0x3B1 + i + (1 if i > 16 else 0)) for i, g in enumerate(_GREEK)},
    **{g.capitalize(): chr(0x391 + i + (1 if i > 16 else 0)) for i, g in enumerate(_GREEK)},
    "le": "≤",
    "ge": "≥",
    "ne": "≠",
    "pm": "±",
    "infin": "∞",
    "times": "×",
    "divide": "÷",
    "sum": "∑",
    "prod": "∏",
    "radic": "√",
    "int": "∫",
    "part": "∂",
    "asymp": "≈",
    "deg": "°",
    "larr": "←",
    "rarr": "→",
    "harr": "↔",
    "minus": "−",
    "middot": "·",
    "ndash": "–",
    "mdash": "—",
    "lsquo": "‘",
    "rsquo": "’",
    "ldquo": "“",
    "rdquo": "”",
}
_MARKUP = re.compile(r"\{(&\w+|(?:it|bf|sub|sup|stSerif|stSans|stMono|stSymbol):)")


def _mathrm(text: str) -> str:
    """Text inside mathtext, its specials escaped and its blanks kept."""
    out = []
    for ch in text:
        if ch in "\\{}_^%#&$~":
            out.append("\\" + ch if ch not in "\\~" else {"\\": r"\backslash", "~": r"\sim"}[ch])
        elif ch == " ":
            out.append(r"\ ")
        else:
            out.append(ch)
    return "".join(out)


def stata_markup(text: str) -> str:
    """Stata's graph text markup as matplotlib draws it ([G-4] text): ``{&beta}`` a Greek
    letter or symbol, ``{it:...}`` italics, ``{bf:...}`` bold, ``{sub:...}``/``{sup:...}``
    sub- and superscripts (font changes such as ``{stSerif:...}`` keep their text). A ``$``
    is a dollar sign, never matplotlib's math."""
    if "{" not in text or not _MARKUP.search(text):
        return text.replace("$", r"\$")  # a dollar is a dollar in Stata, not math
    out: list[str] = []
    i = 0
    while i < len(text):
        m = _MARKUP.match(text, i)
        if m is None:
            ch = text[i]
            out.append(r"\$" if ch == "$" else ch)
            i += 1
            continue
        tag = m.group(1)
        if tag.startswith("&"):
            end = text.find("}", m.end())
            name = tag[1:]
            out.append(_SYMBOLS.get(name, text[i : end + 1] if end >= 0 else text[i:]))
            i = (end + 1) if end >= 0 else len(text)
            continue
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        inner = text[m.end() : j - 1 if depth == 0 else j]
        inner = stata_markup(inner).replace(r"\$", "$")  # nested symbols, as plain text
        kind = tag[:-1]
        body = _mathrm(inner)
        if kind == "it":
            out.append(f"$\\mathit{{{body}}}$")
        elif kind == "bf":
            out.append(f"$\\mathbf{{{body}}}$")
        elif kind == "sub":
            out.append(f"$_{{\\mathrm{{{body}}}}}$")
        elif kind == "sup":
            out.append(f"$^{{\\mathrm{{{body}}}}}$")
        else:  # a font change: the text itself
            out.append(inner)
        i = j
    return "".join(out)


def apply_markup(fig: Any) -> None:
    """:func:`stata_markup` on every text of a figure (titles, labels, legends, notes)."""
    from matplotlib.text import Text

    for t in fig.findobj(Text):
        txt = t.get_text()
        if txt and ("{" in txt or "$" in txt) and not getattr(t, "_bm_markup", False):
            t.set_text(stata_markup(txt))
            t._bm_markup = True  # once: a figure drawn again (graph display) keeps its text


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
        apply_markup(fig)
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
