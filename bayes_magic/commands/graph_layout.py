"""Laying out a twoway graph: panels of ``by()``, axes, titles, legend and notes.

The plots are drawn into one panel, or one per group with ``by()`` ([G-3] by_option: shared
axes, each panel titled by its group's value label, the note ``Graphs by ...`` and one legend).
Axis titles default to the variables' labels ([G-3] axis_title_options); the legend appears
when there are two keys or more ([G-3] legend_options), below the plot region, in two
columns; titles go above and notes and captions below ([G-3] title_options).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..dataset.varnames import expand
from ..errors import StataError
from ..report.figure import SIZE, Figure, new_figure, stata_ticks
from . import graph_style as st
from .graph_axes import added_lines_to, added_texts_to, apply_labels, apply_scale, draw_key
from .graph_plots import Plot
from .graph_syntax import axis_labels, by_option, legend, number, split_sub, text_option

__all__ = ["GraphSpec", "render"]


@dataclass
class GraphSpec:
    """What to draw: the plots, the graph options (name -> raw values in order) and the
    defaults of the command (``title``, ``ytitle``, ``note``, ``legend`` ...) that the options
    override."""

    plots: list[Plot]
    options: dict[str, list[Any]] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)

    def last(self, name: str) -> Any:
        vals = self.options.get(name)
        return vals[-1] if vals else None


def _panels(s, spec: GraphSpec) -> tuple[list[tuple[str, np.ndarray]], str | None, Any]:
    """The panels as (title, mask), the ``Graphs by ...`` note, and the parsed ``by()``."""
    sample = np.logical_or.reduce([p.touse for p in spec.plots])
    if not sample.any():
        raise StataError("no observations", 2000)
    raw = spec.last("by")
    if raw is None:
        return [("", np.ones(len(sample), dtype=bool))], None, None
    by = by_option(raw)
    ds = s.data
    names: list[str] = []
    for w in by.varnames:
        names += [v for v in expand(ds, w) if v not in names]
    use = sample.copy()
    if not by.missing:
        for v in names:
            use &= ~ds.missing(v)
    if not use.any():
        raise StataError("no observations", 2000)
    import pandas as pd

    rows = np.flatnonzero(use)
    frame = pd.DataFrame({k: ds.values(v)[rows] for k, v in enumerate(names)})
    groups = frame.groupby(list(frame.columns), sort=True, dropna=False).indices
    panels = []

    def order(key: Any) -> tuple:
        key = key if isinstance(key, tuple) else (key,)
        return tuple((1, 0) if v != v else (0, v) for v in key)  # missing (NaN) last

    for _key, members in sorted(groups.items(), key=lambda kv: order(kv[0])):
        mask = np.zeros(len(sample), dtype=bool)
        mask[rows[members]] = True
        first = int(rows[members[0]])
        panels.append((", ".join(s.value_text(v, first) for v in names), mask))
    if by.total:
        panels.append(("Total", use.copy()))
    labels = [ds.info[v].label or v for v in names]
    note = "Graphs by " + (
        labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    )
    return panels, note, by


def _grid(n: int, by) -> tuple[int, int]:
    if by is not None and by.cols:
        return math.ceil(n / by.cols), by.cols
    if by is not None and by.rows:
        return by.rows, math.ceil(n / by.rows)
    cols = math.ceil(math.sqrt(n))
    return math.ceil(n / cols), cols


def _titles(spec: GraphSpec, by, name: str) -> list[str] | None:
    """A title option's lines: ``by(..., title())`` wins, then the graph's, then the default."""
    if by is not None and name in by.subs:
        return text_option(by.subs[name]) or []
    got = text_option(spec.last(name))
    if got is not None:
        return got
    return spec.defaults.get(name)


def _union(fig, axes_list: list, renderer):
    from matplotlib.transforms import Bbox

    boxes = [a.get_tightbbox(renderer) for a in axes_list]
    return Bbox.union([b for b in boxes if b is not None]).transformed(fig.transFigure.inverted())


#: Stata's limits on a graph's size ([G-3] region_options): more than 0, at most 100 inches
MAX_INCHES = 100.0


def graph_size(xs: Any, ys: Any) -> tuple[float, float]:
    """``xsize()`` and ``ysize()`` in inches (the default size where absent); r(198) unless
    each is more than 0 and at most 100."""
    out = []
    for raw, what, default in ((xs, "xsize", SIZE[0]), (ys, "ysize", SIZE[1])):
        if raw is None:
            out.append(default)
            continue
        text = "" if raw is True else str(raw).strip()
        if not text:
            raise StataError(f"option {what}() incorrectly specified", 198)
        v = number(text, f"{what}()")
        if not 0 < v <= MAX_INCHES:
            raise StataError(
                f"{what}({text}) invalid; {what}() must be greater than 0 and at most 100 inches",
                198,
            )
        out.append(v)
    return out[0], out[1]


def _aspect(raw: Any) -> float | None:
    """``aspectratio(# [, placement()])`` ([G-3] aspect_option): # must be positive."""
    if raw is None:
        return None
    main, _ = split_sub("" if raw is True else str(raw), "aspectratio()")
    if len(main) != 1 or main[0].kind != "word":
        raise StataError("option aspectratio() incorrectly specified", 198)
    v = number(main[0].text, "aspectratio()")
    if not v > 0:
        raise StataError(
            f"aspectratio({main[0].text}) invalid; the aspect ratio must be greater than 0", 198
        )
    return v


def _scale(raw: Any) -> float | None:
    """``scale(#)`` ([G-3] scale_option), a multiplier of text and marker sizes: # must be
    positive (accepted; the sizes are not rescaled in this version)."""
    if raw is None:
        return None
    text = "" if raw is True else str(raw).strip().lstrip("*")
    if not text:
        raise StataError("option scale() incorrectly specified", 198)
    v = number(text, "scale()")
    if not v > 0:
        raise StataError(f"scale({text}) invalid; the scale must be greater than 0", 198)
    return v


def render(s, spec: GraphSpec) -> tuple[Any, dict[str, Any]]:
    """Draw the graph; returns the matplotlib figure and what it shows (for tests and the
    ``Figure`` output): panels with their series, axis titles, legend texts, titles and notes."""
    import matplotlib

    size = graph_size(spec.last("xsize"), spec.last("ysize"))
    _aspect(spec.last("aspectratio"))  # checked before anything is drawn
    _scale(spec.last("scale"))
    panels, by_note, by = _panels(s, spec)
    nrows, ncols = _grid(len(panels), by)
    small = len(panels) > 1
    with matplotlib.rc_context(
        {"font.size": 8.5 if small else 10, "axes.titlesize": 9 if small else 11}
    ):
        fig, grid = new_figure(nrows, ncols, size=size)
        try:
            axes = list(grid.ravel())
            info = _draw_panels(s, spec, panels, axes, ncols, by)
            for ax in axes[len(panels) :]:
                ax.set_visible(False)
            used = axes[: len(panels)]
            _decorate(spec, info, used, nrows, ncols, by)
            _frame(fig, spec, info, used, by, by_note)
        except BaseException:
            import matplotlib.pyplot as plt

            plt.close(fig)  # a failed graph leaves no figure behind (notebooks would show it)
            raise
    return fig, info


def axis_choice(p: Plot) -> str:
    """Which y axes a plot uses ([G-3] axis_choice_options): ``"1"`` (the default), ``"2"``
    (``yaxis(2)``: a second y axis on the right) or ``"12"`` (``yaxis(1 2)``: drawn on the
    first axis, with the same scale shown on both sides)."""
    raw = p.opts.get("yaxis")
    if raw in (None, True):
        return "1"
    words = str(raw).replace(",", " ").split()
    bad = [w for w in words if w not in ("1", "2")]
    if bad or not words:
        raise StataError(f"yaxis({raw}): axes 1 and 2 only", 198)
    return "".join(sorted(set(words)))


def on_second_axis(p: Plot) -> bool:
    """Whether the plot is drawn against the second y axis (``yaxis(2)``)."""
    return axis_choice(p) == "2"


def by_axes(by) -> dict[str, bool]:
    """``by()``'s axis suboptions ([G-3] by_option): ``xrescale``/``yrescale``/``rescale``
    (each panel its own x/y scale) and ``ixaxes``/``iyaxes`` (each panel shows its own axis
    labels; implied by rescaling unless ``noixaxes``/``noiyaxes``)."""
    subs = by.subs if by is not None else {}
    out = {
        "x": "rescale" in subs or "xrescale" in subs,
        "y": "rescale" in subs or "yrescale" in subs,
    }
    for w in ("x", "y"):
        shown = out[w] or f"i{w}axes" in subs or f"i{w}axis" in subs
        out[f"i{w}"] = shown and f"noi{w}axes" not in subs
    return out


def _draw_panels(s, spec: GraphSpec, panels, axes, ncols: int, by=None) -> dict[str, Any]:
    keys = [k for p in spec.plots for k in p.keys]
    handles: list[Any] = [None] * len(keys)
    out: dict[str, Any] = {"panels": [], "keys": [k.label for k in keys], "twins": []}
    second = [on_second_axis(p) for p in spec.plots]
    # every plot on axis 2: Stata draws one y axis, on the right; no twin is needed
    out["right"] = all(second)
    twinned = any(second) and not out["right"]
    both = any(axis_choice(p) == "12" for p in spec.plots)
    own = by_axes(by)
    out["own"] = own
    for i, (title, mask) in enumerate(panels):
        ax = axes[i]
        ax.xaxis.grid(False)
        if i and not own["x"]:
            ax.sharex(axes[0])
        if i and not own["y"]:
            ax.sharey(axes[0])
        twin = None
        if twinned:
            twin = ax.twinx()
            twin._bm_twin = True  # graph combine leaves second axes out of ycommon
            stata_ticks(twin)
            twin.spines["top"].set_visible(False)
            if out["twins"] and not own["y"]:
                twin.sharey(out["twins"][0])
            out["twins"].append(twin)
        elif both:  # yaxis(1 2): a right-hand axis sharing the left one's scale
            mirror = ax.twinx()  # (not secondary_yaxis: its functions cannot be pickled)
            mirror.sharey(ax)
            mirror._bm_twin = True
            mirror.spines["top"].set_visible(False)
            out["twins"].append(mirror)
        series = []
        j = 0
        for p, on2 in zip(spec.plots, second):
            target = twin if on2 and twin is not None else ax
            axis = 2 if on2 else 1
            for key, d in zip(p.keys, p.series(s, mask)):
                h = draw_key(target, key, d, 0.7 if len(panels) > 1 else 1.0)
                if handles[j] is None:
                    handles[j] = h
                series.append({"label": key.label, "plot": p.kind, "axis": axis, **d})
                j += 1
        if title:
            ax.set_title(title, backgroundcolor="#e8eef1")
        out["panels"].append({"title": title, "series": series})
    out["handles"] = handles
    out["mirror"] = both and not twinned
    return out


def _axis_data(
    spec: GraphSpec, s_info: dict[str, Any], which: str, axis: int = 1, panel: int | None = None
) -> np.ndarray:
    """The values drawn along ``which`` ("x" or "y"); for y, those of one y axis only; of one
    panel only when ``panel`` is given (a rescaled ``by()`` axis)."""
    panels = s_info["panels"] if panel is None else [s_info["panels"][panel]]
    vals = [
        np.asarray(d.get(which, []), dtype=float)
        for p in panels
        for d in p["series"]
        if which == "x" or s_info.get("right") or d.get("axis", 1) == axis
    ]
    vals = [v for v in vals if v.size]
    return np.concatenate(vals) if vals else np.zeros(0)


def _decorate(
    spec: GraphSpec, info: dict[str, Any], axes: list, nrows: int, ncols: int, by
) -> None:
    plots = spec.plots
    second = [on_second_axis(p) for p in plots]
    right = bool(info.get("right"))
    if right:  # one y axis, on the right: axis(2) options and plain ones both apply to it
        y1 = {k: list(spec.options.get(k, [])) for k in _Y_OPTIONS}
        y2 = {k: [] for k in _Y_OPTIONS}
        second = [False] * len(plots)
    else:
        y1 = {k: [v for v in spec.options.get(k, []) if not _on_axis2(v)] for k in _Y_OPTIONS}
        y2 = {k: [v for v in spec.options.get(k, []) if _on_axis2(v)] for k in _Y_OPTIONS}
    xt = text_option(spec.last("xtitle"))
    yt = text_option(y1["ytitle"][-1] if y1["ytitle"] else None)
    xtitle = "\n".join(xt) if xt is not None else spec.defaults.get("xtitle", plots[0].xtitle)
    ycands = list(dict.fromkeys(t for p, on2 in zip(plots, second) if not on2 for t in p.ytitles))
    default_y = ycands[0] if len(ycands) == 1 else ""
    ytitle = "\n".join(yt) if yt is not None else spec.defaults.get("ytitle", default_y)
    if any(second):
        _decorate_axis2(spec, info, plots, second, y2, ncols)
    if info.get("mirror"):  # yaxis(1 2): the same scale on the right, last column only
        for i, m in enumerate(info["twins"]):
            stata_ticks(m)
            last = (i % ncols == ncols - 1) or i == len(info["twins"]) - 1
            if not last and not info.get("own", {}).get("iy"):
                m.tick_params(labelright=False)
    n = len(axes)
    ycol = ncols - 1 if right else 0  # the column whose panels show the y axis's labels
    ds_labels = spec.defaults.get("_vlabels", {})
    # three columns or more: one axis title for all panels (they would overlap otherwise)
    shared = n > 1 and ncols >= 3
    info["_shared"] = (xtitle, ytitle) if shared else ("", "")
    xkw = _axis_title_style(spec.last("xtitle"), "xtitle()", "x")
    ykw = _axis_title_style(y1["ytitle"][-1] if y1["ytitle"] else None, "ytitle()", "y")
    info["_shared_style"] = tuple({k: v for k, v in kw.items() if k != "loc"} for kw in (xkw, ykw))
    for i, ax in enumerate(axes):
        col = i % ncols
        below = i + ncols < n
        ax.set_xlabel(xtitle if not below and not shared else "", **xkw)
        ends_row = col == ycol or (right and i == n - 1)
        ax.set_ylabel(ytitle if ends_row and not shared else "", **ykw)
        if right:
            ax.yaxis.tick_right()
            ax.yaxis.set_label_position("right")
            ax.spines["left"].set_visible(False)
            ax.spines["right"].set_visible(True)
        own = info.get("own", {})
        if n > 1:
            ax.tick_params(labelbottom=not below or bool(own.get("ix")))
            side = "labelright" if right else "labelleft"
            ax.tick_params(**{side: ends_row or bool(own.get("iy"))})
        for which in ("x", "y"):
            scale = spec.last("xscale") if which == "x" else (y1["yscale"] or [None])[-1]
            if scale is not None:  # the scale first: a log scale replaces the tick locator
                apply_scale(ax, which, scale)
            raw = spec.last(f"{which}label") if which == "x" else (y1["ylabel"] or [None])[-1]
            if raw is not None:
                apply_labels(
                    ax,
                    which,
                    axis_labels(raw, f"{which}label()"),
                    ds_labels.get(which),
                    _axis_data(spec, info, which, 1, i if own.get(which) else None),
                )
            added_lines_to(
                ax, which, spec.options.get("xline", []) if which == "x" else y1["yline"]
            )
        info["texts"] = added_texts_to(ax, spec.options.get("text", []))
        aspect = _aspect(spec.last("aspectratio"))
        if aspect is not None:
            ax.set_box_aspect(aspect)
    info["xtitle"], info["ytitle"] = xtitle, ytitle


_Y_OPTIONS = ("ytitle", "ylabel", "yscale", "yline")


def _axis_title_style(raw: Any, what: str, which: str) -> dict[str, Any]:
    """matplotlib keywords for an axis title's ``size()``, ``color()``, ``box`` and
    ``justification()`` ([G-3] axis_title_options)."""
    sty = st.textbox_style(raw, what)
    kw: dict[str, Any] = {}
    if "size" in sty:
        kw["fontsize"] = sty["size"]
    if "color" in sty:
        kw["color"] = sty["color"]
    if sty.get("box"):
        kw["bbox"] = st.box_props(True)
    if "just" in sty:
        kw["multialignment"] = sty["just"]
        ends = {"left": "left", "center": "center", "right": "right"}
        if which == "y":
            ends = {"left": "bottom", "center": "center", "right": "top"}
        kw["loc"] = ends[sty["just"]]
    return kw


def _on_axis2(raw: Any) -> bool:
    """Whether a y-axis option carries the suboption ``axis(2)``."""
    if not isinstance(raw, str) or "axis" not in raw:
        return False
    main, sub = split_sub(raw, "option")  # yscale(log axis(2)) has it among the main words
    return any(
        t.kind == "call" and t.text.lower() == "axis" and t.inner.strip() == "2"
        for t in (*main, *sub)
    )


def _decorate_axis2(spec: GraphSpec, info: dict[str, Any], plots, second, y2, ncols: int) -> None:
    """The second y axis: its title (``ytitle(..., axis(2))`` or its plots' variable labels),
    labels, scale and lines, on the right of the last column's panels."""
    cands = list(dict.fromkeys(t for p, on2 in zip(plots, second) if on2 for t in p.ytitles))
    yt = text_option(y2["ytitle"][-1]) if y2["ytitle"] else None
    title = "\n".join(yt) if yt is not None else (cands[0] if len(cands) == 1 else "")
    twins = info.get("twins", [])
    data2 = _axis_data(spec, info, "y", 2)
    for i, tw in enumerate(twins):
        last_col = (i % ncols == ncols - 1) or i == len(twins) - 1
        tw.set_ylabel(
            title if last_col else "",
            **_axis_title_style(y2["ytitle"][-1] if y2["ytitle"] else None, "ytitle()", "y"),
        )
        own = info.get("own", {})
        if not last_col and not own.get("iy"):
            tw.tick_params(labelright=False)
        if y2["yscale"]:  # the scale first: a log scale replaces the tick locator
            apply_scale(tw, "y", y2["yscale"][-1])
        if y2["ylabel"]:
            data = _axis_data(spec, info, "y", 2, i) if own.get("y") else data2
            apply_labels(tw, "y", axis_labels(y2["ylabel"][-1], "ylabel()"), None, data)
        added_lines_to(tw, "y", y2["yline"])
    info["ytitle2"] = title


_INSIDE = {
    12: "upper center",
    1: "upper right",
    2: "upper right",
    3: "center right",
    4: "lower right",
    5: "lower right",
    6: "lower center",
    7: "lower left",
    8: "lower left",
    9: "center left",
    10: "upper left",
    11: "upper left",
    0: "center",
}


def _legend_entries(spec: GraphSpec, info: dict[str, Any], leg) -> tuple[list, list[str]]:
    from matplotlib.patches import Rectangle

    keys, handles = info["keys"], info["handles"]
    blank = Rectangle((0, 0), 1, 1, fill=False, edgecolor="none", visible=False)
    order = leg.order if leg.order is not None else [(k + 1, None) for k in range(len(keys))]
    hs, ts = [], []
    for num, text in order:
        if num is None:
            hs.append(blank)
            ts.append(text or "")
            continue
        if not 1 <= num <= len(keys):
            continue
        label = text if text is not None else leg.labels.get(num, keys[num - 1])
        hs.append(handles[num - 1] if handles[num - 1] is not None else blank)
        ts.append(label)
    return hs, ts


def _frame(fig, spec: GraphSpec, info: dict[str, Any], axes: list, by, by_note: str | None) -> None:
    """Legend, titles, notes and caption around the panels."""
    raws = list(spec.options.get("legend", []))
    if by is not None and "legend" in by.subs:
        raws.append(by.subs["legend"])
    leg = legend(raws)
    nkeys = len(info["keys"])
    default_show = spec.defaults.get("legend", nkeys >= 2)
    show = default_show if leg.show is None else leg.show
    hs, ts = _legend_entries(spec, info, leg) if show else ([], [])
    show = show and bool(hs)
    info["legend"] = ts if show else []
    title, subtitle = _titles(spec, by, "title") or [], _titles(spec, by, "subtitle") or []
    note = _titles(spec, by, "note")
    note = note if note is not None else ([by_note] if by_note else [])
    caption = _titles(spec, by, "caption") or []
    info.update(
        title="\n".join(title),
        subtitle="\n".join(subtitle),
        note="\n".join(note),
        caption="\n".join(caption),
    )
    pos = leg.position if leg.position is not None else 6
    inside = leg.ring == 0
    cols = leg.cols or (
        math.ceil(len(hs) / leg.rows) if leg.rows else (1 if pos in (3, 9, 2, 4, 8, 10) else 2)
    )
    cols = max(1, min(cols, len(hs) or 1))
    lrows = math.ceil(len(hs) / cols) if show and not inside else 0
    below = show and not inside and pos in (4, 5, 6, 7, 8)
    above = show and not inside and pos in (10, 11, 12, 1, 2)
    W, H = fig.get_size_inches()
    boxes = _title_boxes(spec, by, {"title": title, "subtitle": subtitle, "note": note}, caption)
    need = {band: sum(b["reserve"] for b in boxes if b["band"] == band) for band in _BANDS}
    top = (need["top"] + (0.3 * lrows + 0.1 if above else 0)) / H
    sx, sy = info.pop("_shared", ("", ""))
    bottom = (
        (0.3 * lrows + 0.1 if below else 0)
        + need["bottom"]
        + (0.25 * (sx.count("\n") + 1) if sx else 0)
    ) / H
    side = 0.0
    if show and not inside and not (above or below):
        longest = max(len(line) for t in ts for line in (t.split("\n") or [""]))
        side = min(0.45, (0.075 * longest * cols + 0.6) / W)
    left = (side if pos == 9 else 0.0) + (0.3 * (sy.count("\n") + 1) / W if sy else 0.0)
    left += min(0.4, need["left"] / W)
    right_side = side + min(0.4, need["right"] / W)
    rect = (left, bottom, max(0.3, 1 - right_side - left), max(0.3, 1 - top - bottom))
    fig.set_layout_engine("constrained", rect=rect)
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    renderer = fig.canvas.get_renderer()
    twins = [t for t in info.get("twins", []) if t not in axes and t.figure is fig]
    bb = _union(fig, axes + [t for t in twins if t in fig.axes], renderer)
    xc = (bb.x0 + bb.x1) / 2 if len(axes) == 1 else 0.5
    gap = 0.015
    y_top, y_bottom = bb.y1 + gap, bb.y0 - gap
    x_left, x_right = bb.x0 - gap, bb.x1 + gap
    sxs, sys_ = info.pop("_shared_style", ({}, {}))
    if sy:  # one y title for all panels, left of them
        t = fig.text(
            bb.x0 - gap, (bb.y0 + bb.y1) / 2, sy, rotation=90, ha="right", va="center", **sys_
        )
        x_left = t.get_window_extent(renderer).transformed(fig.transFigure.inverted()).x0 - gap
    if sx:  # one x title for all panels, below them
        t = fig.text((bb.x0 + bb.x1) / 2, y_bottom, sx, ha="center", va="top", **sxs)
        y_bottom = t.get_window_extent(renderer).transformed(fig.transFigure.inverted()).y0 - gap
    if show:
        # Stata fills the legend's rows first; matplotlib fills columns: reorder to match
        nrow = math.ceil(len(hs) / cols)
        order = [r * cols + c for c in range(cols) for r in range(nrow) if r * cols + c < len(hs)]
        kw = {
            "handles": [hs[k] for k in order],
            "labels": [ts[k] for k in order],
            "ncol": cols,
            "frameon": leg.box is not False,
            "fontsize": st.textsize(leg.size)
            if leg.size
            else ("small" if len(axes) > 1 else "medium"),
            "title": leg.title,
        }
        if inside:
            legend_obj = axes[-1 if len(axes) > 1 else 0].legend(loc=_INSIDE[pos], **kw)
        elif below or above:
            legend_obj = fig.legend(
                loc="upper center" if below else "lower center",
                bbox_to_anchor=(xc, y_bottom if below else y_top),
                **kw,
            )
        else:
            right = pos in (3,)
            legend_obj = fig.legend(
                loc="center left" if right else "center right",
                bbox_to_anchor=((bb.x1 + gap) if right else (bb.x0 - gap), (bb.y0 + bb.y1) / 2),
                **kw,
            )
        _legend_look(legend_obj, leg)
        lb = legend_obj.get_window_extent(renderer).transformed(fig.transFigure.inverted())
        if below:
            y_bottom = lb.y0 - gap
        if above:
            y_top = lb.y1 + gap
        if not (inside or above or below):
            if pos == 9:
                x_left = lb.x0 - gap
            else:
                x_right = lb.x1 + gap
    edges = {"top": y_top, "bottom": y_bottom, "left": x_left, "right": x_right}
    inner = _union_position(fig, axes)
    for b in sorted(boxes, key=lambda b: b["ring"]):
        _draw_title(fig, renderer, b, bb, inner, xc, edges, gap)


#: where a title goes by its clock position ([G-3] title_options): the band around the plot
_BANDS = ("top", "bottom", "left", "right")
_BAND_OF = {11: "top", 12: "top", 1: "top", 5: "bottom", 6: "bottom", 7: "bottom"}
_BAND_OF.update({2: "right", 3: "right", 4: "right", 8: "left", 9: "left", 10: "left"})
#: each title's default look: clock position, ring (larger is further out), size in points,
#: inches reserved per line at that size
_TITLE_DEFAULTS = {
    "title": (12, 7, 13.5, 0.32),
    "subtitle": (12, 6, 11.0, 0.26),
    "note": (7, 4, 8.0, 0.2),
    "caption": (7, 5, 8.0, 0.2),
}


def _title_raw(spec: GraphSpec, by, name: str) -> Any:
    """The raw option text a title's lines came from (for its suboptions)."""
    if by is not None and name in by.subs:
        return by.subs[name]
    return spec.last(name)


def _title_boxes(spec: GraphSpec, by, got: dict[str, list[str]], caption) -> list[dict]:
    """Title, subtitle, note and caption with their look: the suboptions ``size()``,
    ``color()``, ``position()``, ``ring()``, ``justification()``, ``box`` and ``span`` over
    the defaults (titles centred above, notes and captions at the bottom left)."""
    got = {**got, "caption": caption}
    out = []
    for name, lines in got.items():
        if not lines:
            continue
        clock, ring, size, per_line = _TITLE_DEFAULTS[name]
        sty = st.textbox_style(_title_raw(spec, by, name), f"{name}()")
        clock = sty.get("clock", clock)
        size_ = sty.get("size", size)
        ring = sty.get("ring", ring)
        band = "inside" if ring == 0 or clock == 0 else _BAND_OF[clock]
        if band in ("top", "bottom"):
            reserve = per_line * size_ / size * len(lines)
        elif band in ("left", "right"):
            longest = max(len(line) for line in lines)
            reserve = 0.6 * size_ / 72 * longest + 0.1
        else:
            reserve = 0.0
        out.append(
            {
                "name": name,
                "lines": lines,
                "size": size_,
                "color": sty.get("color"),
                "clock": clock,
                "placed": "clock" in sty,
                "ring": ring,
                "band": band,
                "just": sty.get("just"),
                "box": st.box_props(bool(sty.get("box"))),
                "span": bool(sty.get("span")),
                "reserve": reserve,
            }
        )
    return out


def _union_position(fig, axes: list):
    """The plot region of all panels (without tick labels), in figure coordinates."""
    from matplotlib.transforms import Bbox

    return Bbox.union([ax.get_position() for ax in axes])


def _draw_title(fig, renderer, b: dict, bb, inner, xc: float, edges: dict, gap: float) -> None:
    """Draw one title box in its band, outside what is already there (``edges``)."""
    clock, band, just = b["clock"], b["band"], b["just"]
    kw: dict[str, Any] = {"fontsize": b["size"], "multialignment": just or "center"}
    if b["color"] is not None:
        kw["color"] = b["color"]
    if b["box"] is not None:
        kw["bbox"] = b["box"]
    text = "\n".join(b["lines"])
    lo, hi = (0.01, 0.99) if b["span"] else (max(bb.x0, 0.0), min(bb.x1, 1.0))
    if band == "inside":  # ring(0): inside the plot region
        pad = 0.01
        col = {11: 0, 10: 0, 9: 0, 8: 0, 7: 0, 1: 2, 2: 2, 3: 2, 4: 2, 5: 2}.get(clock, 1)
        x = (inner.x0 + pad, (inner.x0 + inner.x1) / 2, inner.x1 - pad)[col]
        ha = ("left", "center", "right")[col]
        frac = {11: 1.0, 12: 1.0, 1: 1.0, 10: 0.75, 2: 0.75, 8: 0.25, 4: 0.25}
        frac.update({5: 0.0, 6: 0.0, 7: 0.0})
        f = frac.get(clock, 0.5)
        y = inner.y0 + pad + f * (inner.height - 2 * pad)
        va = "top" if f == 1.0 else "bottom" if f == 0.0 else "center"
        fig.text(x, y, text, ha=ha, va=va, **kw)
        return
    if band in ("top", "bottom"):
        col = {11: 0, 7: 0, 1: 2, 5: 2}.get(clock, 1)
        if just is not None and (col == 1 or not b["placed"]):
            # justification() moves a centred title, or one at its default place
            col = {"left": 0, "center": 1, "right": 2}[just]
        if b["name"] in ("note", "caption") and just is None:
            kw["multialignment"] = ("left", "center", "right")[col]
        x = (lo, xc if not b["span"] else 0.5, hi)[col]
        ha = ("left", "center", "right")[col]
        y = edges[band]
        t = fig.text(x, y, text, ha=ha, va="bottom" if band == "top" else "top", **kw)
        ext = t.get_window_extent(renderer).transformed(fig.transFigure.inverted())
        edges[band] = ext.y1 + gap / 2 if band == "top" else ext.y0 - gap / 2
        return
    # the sides: 10 and 2 level with the top of the plots, 9 and 3 centred, 8 and 4 the bottom
    row = {10: 0, 2: 0, 8: 2, 4: 2}.get(clock, 1)
    y = (bb.y1, (bb.y0 + bb.y1) / 2, bb.y0)[row]
    va = ("top", "center", "bottom")[row]
    x = edges[band]
    t = fig.text(x, y, text, ha="right" if band == "left" else "left", va=va, **kw)
    ext = t.get_window_extent(renderer).transformed(fig.transFigure.inverted())
    edges[band] = ext.x0 - gap if band == "left" else ext.x1 + gap


def make_figure(fig, info: dict[str, Any], name: str, description: str) -> Figure:
    """The :class:`~bayes_magic.report.figure.Figure` output, with what the graph shows
    attached for tests and users: ``data`` (panels, series, titles, legend) and ``legend``."""
    import matplotlib

    small = len(info["panels"]) > 1
    with matplotlib.rc_context({"font.size": 8.5 if small else 10}):
        out = Figure(fig, name=name, description=description, panels=len(info["panels"]))
    info.pop("handles", None)
    out.data = info  # type: ignore[attr-defined]
    out.legend = info.get("legend", [])  # type: ignore[attr-defined]
    return out


def _legend_look(obj: Any, leg: Any) -> None:
    """``legend(color() region(lcolor() fcolor() color()))``: the text's colour and the frame's
    outline and fill ([G-3] legend_options); ``none`` leaves the outline out."""
    if leg.color:
        col = st.color(st.items(leg.color)[0])
        for t in obj.get_texts():
            t.set_color(col)
    frame = obj.get_frame()
    reg = leg.region
    both = reg.get("color") if isinstance(reg.get("color"), str) else None
    for key, setter in (("lcolor", frame.set_edgecolor), ("fcolor", frame.set_facecolor)):
        word = reg.get(key) if isinstance(reg.get(key), str) else both
        if word:
            w = st.items(word)[0]
            setter("none" if w.lower() == "none" else st.color(w))
