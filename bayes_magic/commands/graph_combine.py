"""``graph combine`` ([G-2] graph combine): several graphs in memory arranged in one.

The graphs are those kept by name (``name()`` of ``twoway``, ``histogram``, ``kdensity``,
``serrbar``, ``bayesgraph`` ..., or ``Graph``). Each is drawn again from its own matplotlib
figure into one cell of a grid, so it looks exactly as it did alone, scaled to the cell; the
combined graph is a new graph (``Graph`` unless ``name()``) that ``graph export`` writes and
``graph combine`` can combine again.

Options, as in Stata:

- ``rows(#)`` or ``cols(#)``; by default ``cols = ceil(sqrt(n))``. ``colfirst`` fills the grid
  column by column; ``holes(numlist)`` leaves those cells empty (numbered in filling order).
- ``iscale(#)`` sizes the text, markers and lines of the graphs: ``#`` is their size relative
  to the graphs drawn alone; ``iscale(*#)`` multiplies the default scale, which is the cell's
  size over the graph's own. ``altshrink`` keeps them at full size (``iscale(1)``).
- ``imargin(marginstyle)`` (``zero``, ``tiny``, ``small``, ``medium``, ``large`` ... or
  ``# # # #``, left right bottom top in percent of the cell) is the space around each graph.
- ``xcommon`` / ``ycommon`` put every graph's x (y) axis on the same range, the union of the
  graphs' ranges.
- ``title()``, ``subtitle()``, ``note()``, ``caption()``; ``xsize()``, ``ysize()`` (inches);
  ``name(name[, replace])``, ``saving(file[, replace])``, ``nodraw``.
- ``commonscheme``, ``scheme()`` and ``nocopies`` are accepted: each graph keeps the scheme
  it was drawn in (pictures are not redrawn), and the stored graphs are never changed by
  combining them.

The cells are pictures of the graphs (rendered at twice the combined graph's resolution), so
SVG and PDF exports of a combined graph embed images rather than vector drawings.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np

from ..errors import StataError
from ..report.figure import DPI, SIZE, Figure
from ..report.output import Output
from ..syntax.ast import Command
from .graph_layout import MAX_INCHES
from .graph_manage import keep_graph, saved_graph, target_of
from .graph_syntax import name_option, number, text_option
from .registry import command

__all__ = ["graph_combine", "grid_shape", "cells"]

#: marginstyle names -> percent of the cell on each side (approximating Stata's s2 schemes)
_MARGINS = {
    "zero": 0.0,
    "vtiny": 0.5,
    "tiny": 1.0,
    "vsmall": 1.5,
    "small": 2.0,
    "medsmall": 3.0,
    "medium": 3.5,
    "medlarge": 4.5,
    "large": 5.5,
    "vlarge": 7.5,
}
#: the most cells (graphs and holes) and the most rows or columns a combined graph may have
MAX_CELLS = 100
_TEXT_INCHES = {"title": 0.42, "subtitle": 0.3, "note": 0.2, "caption": 0.2}


def grid_shape(n: int, rows: int | None, cols: int | None) -> tuple[int, int]:
    """Rows and columns for ``n`` cells: ``cols = ceil(sqrt(n))`` unless ``rows()``/``cols()``
    say otherwise ([G-2] graph combine)."""
    if rows and cols:
        return max(rows, math.ceil(n / cols)), cols
    if cols:
        return math.ceil(n / cols), cols
    if rows:
        return rows, math.ceil(n / rows)
    c = math.ceil(math.sqrt(n))
    return math.ceil(n / c), c


def cells(
    n: int, rows: int | None, cols: int | None, colfirst: bool, holes: set[int]
) -> tuple[int, int, list[tuple[int, int]]]:
    """The grid and the (row, column) of each of ``n`` graphs, skipping the ``holes``
    (cell numbers from 1 in filling order: along rows, or down columns with ``colfirst``)."""
    total = n + len(holes)
    while True:
        R, C = grid_shape(total, rows, cols)
        order = [(i // C, i % C) if not colfirst else (i % R, i // R) for i in range(R * C)]
        free = [rc for k, rc in enumerate(order, 1) if k not in holes]
        if len(free) >= n:
            return R, C, free[:n]
        total += 1


def _margin(raw: str | None) -> tuple[float, float, float, float]:
    """``imargin()`` as fractions of the cell (left, right, bottom, top)."""
    if raw is None:
        return (0.02,) * 4
    words = raw.replace(",", " ").split()
    if len(words) == 1 and words[0].lower() in _MARGINS:
        v = _MARGINS[words[0].lower()] / 100
        return (v,) * 4
    if len(words) == 4:
        vals = tuple(number(w, "imargin()") / 100 for w in words)
        if all(0 <= v < 0.45 for v in vals):
            return vals  # type: ignore[return-value]
    raise StataError(f"imargin({raw}): invalid marginstyle", 198)


def _iscale(raw: str | None, altshrink: bool) -> tuple[str, float]:
    """``iscale()`` as ("abs", #) or ("rel", #); the default is ("rel", 1)."""
    if raw is None:
        return ("abs", 1.0) if altshrink else ("rel", 1.0)
    text = raw.strip()
    rel = text.startswith("*")
    v = number(text.lstrip("*").strip(), "iscale()")
    if v <= 0:
        raise StataError(f"iscale({raw}): scale must be positive", 198)
    return ("rel" if rel else "abs", v)


def _graphs(s, words: list[str]) -> list[tuple[str, Any]]:
    out = []
    for w in words:
        if w in s.graphs:
            out.append((w, s.graphs[w]))
            continue
        saved = saved_graph(s, w)  # saving() in this session, or a .gph file (graph save)
        if saved is not None:
            out.append((w, saved))
            continue
        path = w if w.lower().endswith(".gph") else w + ".gph"
        raise StataError(f"file {path} not found", 601)
    return out


def _data_axes(fig) -> list:
    """The panels whose ranges ``xcommon``/``ycommon`` align: second y axes (``yaxis(2)``) keep
    their own scale."""
    return [
        ax
        for ax in fig.axes
        if ax.get_visible() and ax.has_data() and not getattr(ax, "_bm_twin", False)
    ]


def _common(graphs: list[Any], which: str) -> tuple[float, float] | None:
    lims = [getattr(ax, f"get_{which}lim")() for g in graphs for ax in _data_axes(g._fig)]
    if not lims:
        return None
    lo = min(min(a, b) for a, b in lims)
    hi = max(max(a, b) for a, b in lims)
    return lo, hi


def _picture(g: Any, size: tuple[float, float] | None, dpi: float, xlim, ylim) -> np.ndarray:
    """The graph's figure as an RGBA array; its size and axis ranges changed for the picture
    only, then put back (the stored graph is not altered)."""
    from PIL import Image

    fig = g._fig
    old_size = tuple(fig.get_size_inches())
    saved = [(ax, ax.get_xlim(), ax.get_ylim()) for ax in _data_axes(fig)]
    try:
        for ax, _, _ in saved:
            if xlim is not None:
                ax.set_xlim(*xlim)
            if ylim is not None:
                ax.set_ylim(*ylim)
        if size is not None:
            fig.set_size_inches(*size)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    finally:
        fig.set_size_inches(*old_size)
        for ax, xl, yl in saved:
            ax.set_xlim(*xl)
            ax.set_ylim(*yl)
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGBA"))


class CombinedFigure(Figure):
    """A combined graph; it remembers its graphs and layout (``data``) and exports SVG/PDF
    with its pictures at 3x resolution."""

    export_dpi = 3 * DPI


def _texts(cmd: Command) -> dict[str, list[str]]:
    return {k: text_option(cmd.option(k)) or [] for k in _TEXT_INCHES}


@command("graph", "combine")
def graph_combine(s, cmd: Command) -> list[Output]:
    """``graph combine name [name ...] [, options]`` ([G-2] graph combine)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    words = list(getattr(cmd.body, "words", ()))
    if cmd.option("scheme") not in (None, True):
        from .graph_style import check_scheme

        check_scheme(str(cmd.option("scheme")).split(",")[0])
    graphs = _graphs(s, words)
    name, replace = name_option(cmd.option("name"))
    if name in s.graphs and not replace:
        raise StataError(f"graph {name} already exists", 110)
    target = target_of(cmd.option("saving"))
    rows, cols = cmd.option("rows"), cmd.option("cols")
    if rows is not None and cols is not None:
        raise StataError("options rows() and cols() may not be combined", 198)
    for v, what in ((rows, "rows"), (cols, "cols")):
        if v is not None and v > MAX_CELLS:
            raise StataError(f"{what}({v}) invalid; {what}() may be at most {MAX_CELLS}", 198)
    holes = {int(h) for h in (cmd.option("holes") or ())}
    if any(h < 1 for h in holes):
        raise StataError("holes(): cell numbers start at 1", 198)
    if len(graphs) + len(holes) > MAX_CELLS:
        raise StataError(f"graph combine: at most {MAX_CELLS} cells (graphs and holes)", 198)
    R, C, where = cells(len(graphs), rows, cols, cmd.has("colfirst"), holes)
    outside = sorted(h for h in holes if h > R * C)
    if outside:
        raise StataError(
            f"holes({outside[0]}) invalid; the graph has {R * C} cells ({R} x {C})", 198
        )
    for v, what in ((cmd.option("xsize"), "xsize"), (cmd.option("ysize"), "ysize")):
        if v is not None and not 0 < v <= MAX_INCHES:
            raise StataError(
                f"{what}({v:g}) invalid; {what}() must be greater than 0 and at most 100 inches",
                198,
            )
    margin = _margin(cmd.option("imargin"))
    mode, scale = _iscale(cmd.option("iscale"), cmd.has("altshrink"))
    texts = _texts(cmd)

    # the figure: cells of 0.75 x a graph's size (wider grids shrink to 12.8 inches), plus room
    # for the titles above and the notes below
    cell_w = min(SIZE[0] * 0.75, 12.8 / C)
    cell_h = cell_w * SIZE[1] / SIZE[0]
    if cell_h * R > 40.0:  # (taller grids shrink to 40 inches)
        cell_w, cell_h = cell_w * 40.0 / (cell_h * R), 40.0 / R
    top = sum(_TEXT_INCHES[k] * len(texts[k]) for k in ("title", "subtitle"))
    bottom = sum(_TEXT_INCHES[k] * len(texts[k]) for k in ("note", "caption"))
    W = cmd.option("xsize") or cell_w * C
    H = cmd.option("ysize") or cell_h * R + top + bottom
    grid_h = max(H - top - bottom, 0.5)
    cw, ch = W / C, grid_h / R

    members = [g for _, g in graphs]
    xlim = _common(members, "x") if cmd.has("xcommon") else None
    ylim = _common(members, "y") if cmd.has("ycommon") else None

    fig = plt.figure(figsize=(W, H), dpi=DPI)
    fig.patch.set_facecolor("white")
    try:
        placed = []
        ml, mr, mb, mt = margin
        for (gname, g), (r, c) in zip(graphs, where):
            gw, gh = (float(v) for v in g.size_inches)
            fit = min(cw * (1 - ml - mr) / gw, ch * (1 - mb - mt) / gh)
            text_scale = scale if mode == "abs" else fit * scale
            size = (
                None
                if math.isclose(text_scale, fit)
                else (gw * fit / text_scale, gh * fit / text_scale)
            )
            src_w = size[0] if size else gw
            dpi = 2 * DPI * cw / src_w
            img = _picture(g, size, dpi, xlim, ylim)
            x0 = (c * cw + ml * cw) / W
            y0 = (bottom + (R - 1 - r) * ch + mb * ch) / H
            ax = fig.add_axes(
                (x0, y0, cw * (1 - ml - mr) / W, ch * (1 - mb - mt) / H), label=f"cell {gname}"
            )
            ax.imshow(img, interpolation="antialiased")
            ax.set_anchor("C")
            ax.set_axis_off()
            placed.append(
                {
                    "graph": gname,
                    "row": r + 1,
                    "col": c + 1,
                    "scale": text_scale,
                    "box": tuple(ax.get_position().bounds),
                }
            )
        y = 1 - 0.05 / H
        for key, size_pt in (("title", 13.5), ("subtitle", 11)):
            for line in texts[key]:
                fig.text(0.5, y, line, ha="center", va="top", fontsize=size_pt)
                y -= _TEXT_INCHES[key] / H
        y = bottom / H - 0.03 / H
        for key in ("note", "caption"):
            for line in texts[key]:
                fig.text(0.01, y, line, ha="left", va="top", fontsize=8)
                y -= _TEXT_INCHES[key] / H
        description = f"(graph {name}: {(cmd.text or 'graph combine').strip()})"
        out = CombinedFigure(fig, name=name, description=description, panels=len(graphs))
    except BaseException:
        plt.close(fig)
        raise
    out.data = {  # type: ignore[attr-defined]
        "graphs": [n for n, _ in graphs],
        "rows": R,
        "cols": C,
        "cells": placed,
        "xcommon": xlim,
        "ycommon": ylim,
        **{k: "\n".join(v) for k, v in texts.items()},
    }
    return keep_graph(s, out, target, cmd.has("nodraw"))
