"""Drawing into one panel: each legend key's marks ([G-2] graph twoway scatter, line, rcap,
rarea, area, bar, histogram), axis labels ([G-3] axis_label_options), axis scales
([G-3] axis_scale_options) and added lines ([G-3] added_line_options).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..report.figure import nice_ticks, stata_log_axis
from ..report.format import fmt_g, fmt_number
from . import graph_style as st
from .graph_syntax import AxisLabels, added_lines, added_texts

__all__ = ["draw_key", "apply_labels", "apply_scale", "added_lines_to"]


def _marker_colors(sty: dict) -> tuple[Any, Any]:
    """A marker's fill and outline: ``mfcolor()``/``mlcolor()`` over ``mcolor()``; hollow
    symbols are not filled unless ``mfcolor()`` asks."""
    face = sty.get("mfcolor") or ("none" if sty.get("hollow") else sty.get("mcolor"))
    return face, sty.get("mlcolor") or sty.get("mcolor")


def draw_key(ax, key, d: dict[str, Any], shrink: float = 1.0):
    """Draw one key's data; return the artist for the legend (None when nothing is drawn).
    ``shrink`` scales the markers (smaller in the panels of a ``by()`` graph)."""
    sty = dict(key.style)
    sty["msize"] *= shrink
    if key.draw == "hist":
        if not len(d["y"]):
            return None
        e = d["edges"]
        if "addlabels" in sty:  # histogram, addlabels: each bar's height above it
            lab = sty["addlabels"]
            col = st.color(lab["mlabcolor"]) if "mlabcolor" in lab else "#333333"
            size = st.textsize(lab["mlabsize"]) if "mlabsize" in lab else 7.0
            for x0, w, h in zip(e[:-1], np.diff(e), d["y"]):
                st.place(ax, x0 + w / 2, h, fmt_g(float(h), 9), 12, size * shrink, col, gap=2)
        return ax.bar(
            e[:-1],
            d["y"],
            width=np.diff(e),
            align="edge",
            color=_alpha(sty["fcolor"], 0.55),
            edgecolor=sty["lcolor"],
            linewidth=0.7,
        )
    if not len(d["x"]):
        return None
    if "labels" in d and "mlab" in sty:
        lab = sty["mlab"]
        for x, y, text in zip(d["x"], d["y"], d["labels"]):
            st.place(
                ax,
                x,
                y,
                str(text),
                lab["clock"],
                lab["size"] * shrink,
                lab["color"],
                gap=sty["msize"] / 2 + 2,
                zorder=4,
            )
    face, edge = _marker_colors(sty)
    if key.draw == "scatter":
        return ax.scatter(
            d["x"],
            d["y"],
            s=sty["msize"] ** 2,
            marker=sty["marker"],
            facecolors=face,
            edgecolors=edge,
            linewidths=sty.get("mlwidth") or 0.8,
            zorder=3,
        )
    if key.draw == "none":
        return None
    if key.draw in ("line", "connected"):
        mk = sty["marker"] if key.draw == "connected" else None
        xs, ys = np.asarray(d["x"], dtype=float), np.asarray(d["y"], dtype=float)
        how = sty.get("connect", "direct")
        if how == "ascending" and len(xs) > 1:  # connect(L): break where x goes back
            cut = np.flatnonzero(np.diff(xs) < 0) + 1
            xs, ys = np.insert(xs, cut, np.nan), np.insert(ys, cut, np.nan)
        (h,) = ax.plot(
            xs,
            ys,
            drawstyle=how if how.startswith("steps") else "default",
            color=sty["lcolor"],
            linestyle=sty["lpattern"],
            linewidth=sty["lwidth"],
            marker=mk,
            markersize=sty["msize"],
            markerfacecolor=face,
            markeredgecolor=edge,
            zorder=2,
        )
        return h
    if key.draw == "band":
        return ax.fill_between(d["x"], d["lo"], d["hi"], color=sty["fcolor"], linewidth=0, zorder=1)
    if key.draw == "rline":  # lfitci, ciplot(rline): the interval's two bounds as lines
        (h,) = ax.plot(d["x"], d["lo"], color=sty["lcolor"], linestyle="--", linewidth=1.0)
        ax.plot(d["x"], d["hi"], color=sty["lcolor"], linestyle="--", linewidth=1.0)
        return h
    if key.draw == "area":
        order = np.argsort(d["x"], kind="mergesort")
        return ax.fill_between(
            np.asarray(d["x"])[order],
            0,
            np.asarray(d["y"])[order],
            color=_alpha(sty["fcolor"], 0.7),
            edgecolor=sty["lcolor"],
            zorder=1,
        )
    flip = bool(sty.get("horizontal"))
    if key.draw == "bar":
        bar = ax.barh if flip else ax.bar
        return bar(
            d["x"],
            d["y"],
            float(d.get("barwidth", 1.0)),
            color=_alpha(sty["fcolor"], 0.7),
            edgecolor=sty["lcolor"],
            zorder=1,
        )
    if key.draw in ("spike", "dropline"):
        h = ax.vlines(d["x"], 0, d["y"], colors=[sty["lcolor"]], linewidth=sty["lwidth"], zorder=2)
        if key.draw == "dropline":
            ax.scatter(
                d["x"],
                d["y"],
                s=sty["msize"] ** 2,
                marker=sty["marker"],
                color=sty["mcolor"],
                zorder=3,
            )
        return h
    if key.draw == "rarea":
        fill = ax.fill_betweenx if flip else ax.fill_between
        return fill(
            d["x"], d["lo"], d["hi"], color=_alpha(sty["fcolor"], 0.6), linewidth=0, zorder=1
        )
    mid, half = (d["lo"] + d["hi"]) / 2, np.abs(d["hi"] - d["lo"]) / 2
    cap = 4 if key.draw == "rcap" else 0
    xy = (mid, d["x"]) if flip else (d["x"], mid)
    return ax.errorbar(
        *xy,
        **({"xerr": half} if flip else {"yerr": half}),
        fmt="none",
        ecolor=sty["lcolor"],
        elinewidth=sty["lwidth"],
        capsize=cap,
        capthick=sty["lwidth"],
        zorder=2,
    )


def _alpha(c, a: float):
    return c if isinstance(c, str) else (c[0], c[1], c[2], c[3] * a)


def apply_labels(
    ax, which: str, lab: AxisLabels, vlabels: dict[int, str] | None, data: np.ndarray
) -> None:
    from matplotlib.ticker import FixedLocator

    axis = ax.xaxis if which == "x" else ax.yaxis
    log = axis.get_scale() == "log"
    ticks = list(lab.ticks)
    if lab.count is not None and not ticks and not lab.minmax:
        # #n: about n nice values over the data (the axis grows to show them all)
        span = data[np.isfinite(data)] if len(data) else np.zeros(0)
        if log:
            span = span[span > 0]
        lo, hi = (
            (float(np.min(span)), float(np.max(span)))
            if len(span)
            else tuple(ax.get_xlim() if which == "x" else ax.get_ylim())
        )
        ticks = nice_ticks(lo, hi, lab.count)
        if log:
            ticks = [v for v in ticks if v > 0]
        if not ticks:
            axis.set_major_locator(FixedLocator([]))
    if lab.minmax and len(data):
        ticks = [float(np.min(data)), float(np.max(data))]
    if lab.valuelabel and vlabels and not ticks and len(data):
        lo, hi = float(np.min(data)), float(np.max(data))
        ticks = [float(v) for v in sorted(vlabels) if lo <= v <= hi]
    if lab.none:
        axis.set_major_locator(FixedLocator([]))
    elif ticks:
        if lab.add:
            ticks = sorted(set(ticks) | set(axis.get_majorticklocs()))
        axis.set_major_locator(FixedLocator(ticks))
        lim = ax.get_xlim() if which == "x" else ax.get_ylim()
        shown = [v for v in ticks if v > 0] if log else ticks
        if shown:
            lo, hi = min(min(shown), *lim), max(max(shown), *lim)
            if lim[0] > lim[1]:  # a reversed axis stays reversed
                lo, hi = hi, lo
            (ax.set_xlim if which == "x" else ax.set_ylim)(lo, hi)
    if lab.texts or lab.valuelabel or lab.fmt:

        def fmt(v: float, _pos: int) -> str:
            if v in lab.texts:
                return lab.texts[v]
            if lab.valuelabel and vlabels and v == int(v) and int(v) in vlabels:
                return vlabels[int(v)]
            return fmt_number(v, lab.fmt).strip() if lab.fmt else f"{v:g}"

        axis.set_major_formatter(fmt)
    if lab.angle is not None:
        ax.tick_params(axis=which, labelrotation=lab.angle)
    if lab.grid is not None:
        axis.grid(lab.grid)


def apply_scale(ax, which: str, raw: Any) -> None:
    """``xscale()``/``yscale()``: ``range(# #)``, ``log``, ``reverse``, ``off``."""
    from .graph_syntax import number, split_sub, sub_options

    main, _ = split_sub("" if raw is True else str(raw), f"{which}scale()")
    subs = sub_options(main, ("Range", "LOG", "REVerse", "off", "ALT", "noline"))
    if subs.get("log"):
        (ax.set_xscale if which == "x" else ax.set_yscale)("log")
        # plain numbers (10, 100, 50), as Stata labels a log axis
        stata_log_axis(ax.xaxis if which == "x" else ax.yaxis)
    if isinstance(subs.get("range"), str):
        vals = [number(v, f"{which}scale(range())") for v in str(subs["range"]).split()]
        if subs.get("log"):
            vals = [v for v in vals if v > 0]  # a log axis cannot reach 0
        if vals:
            lim = ax.get_xlim() if which == "x" else ax.get_ylim()
            (ax.set_xlim if which == "x" else ax.set_ylim)(min(*vals, *lim), max(*vals, *lim))
    if subs.get("reverse"):
        (ax.invert_xaxis if which == "x" else ax.invert_yaxis)()
    if subs.get("off"):
        (ax.xaxis if which == "x" else ax.yaxis).set_visible(False)


def added_texts_to(ax, raws: list[Any]) -> list[str]:
    """Draw every ``text()`` option on ``ax`` ([G-3] added_text_options); return the texts."""
    out = []
    for raw in raws:
        t = added_texts(raw)
        sty = t.style
        size = st.textsize(str(sty["size"])) if isinstance(sty.get("size"), str) else 10.0
        col = st.color(str(sty["color"])) if isinstance(sty.get("color"), str) else "#1a1a1a"
        clock = (
            st.position(str(sty["placement"]), "placement()")
            if isinstance(sty.get("placement"), str)
            else 0
        )
        rot = {"vertical": 90, "rvertical": 270, "rhorizontal": 180}.get(
            str(sty.get("orientation", "")).lower(), 0
        )
        just = str(sty.get("justification", "center")).lower()
        just = {"l": "left", "r": "right", "c": "center"}.get(just[:1], "center")
        box = (
            {"boxstyle": "square,pad=0.3", "fc": "white", "ec": "#555555", "lw": 0.6}
            if sty.get("box") and not sty.get("nobox")
            else None
        )
        for y, x, lines in t.pieces:
            text = "\n".join(lines)
            st.place(
                ax,
                x,
                y,
                text,
                clock,
                size,
                col,
                rotation=rot,
                multialignment=just,
                bbox=box,
                zorder=4,
                annotation_clip=False,  # drawn even just outside the data's range
            )
            out.append(text)
    return out


def added_lines_to(ax, which: str, raws: list[Any]) -> None:
    for raw in raws:
        line = added_lines(raw, f"{which}line()")
        sty = line.style
        kw = {
            "color": st.color(str(sty["lcolor"]))
            if isinstance(sty.get("lcolor"), str)
            else (0.35, 0.35, 0.35, 1.0),
            "linestyle": st.pattern(str(sty["lpattern"]))
            if isinstance(sty.get("lpattern"), str)
            else "-",
            "linewidth": st.width(str(sty["lwidth"]))
            if isinstance(sty.get("lwidth"), str)
            else 0.9,
            "zorder": 1.5,
        }
        for v in line.values:
            (ax.axvline if which == "x" else ax.axhline)(v, **kw)
