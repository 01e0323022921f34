"""``graph box``, ``graph hbox`` ([G-2] graph box), ``graph bar`` and ``graph hbar``
([G-2] graph bar): one box or bar per variable within each group of up to two ``over()``
variables.

Box plots follow [G-2] graph box, Methods and formulas: the box runs from the 25th to the 75th
percentile (``summarize, detail``'s definition) with a line at the median; the whiskers reach
the adjacent values, the most extreme observations within 1.5 IQR of the box; observations
beyond are marked (``nooutsides`` leaves them out). Bars show a statistic of each variable
(``mean``, the default, ``median``, ``p#``, ``sum``, ``count``, ``percent``, ``min``, ``max``,
``sd``, ...; ``(count)`` and ``(percent)`` alone count the observations of each group);
``asyvars`` colours the first ``over()`` groups instead, ``stack`` stacks the variables,
``percentages`` shows each variable's share of the group's total, ``blabel(bar)`` writes
the heights on the bars. What is drawn is attached to the graph as ``data``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..dataset.dataset import missing_mask
from ..dataset.stats import percentile
from ..errors import StataError
from ..report.format import fmt_g, fmt_number
from ..report.output import Output
from ..syntax.ast import Command, Varlist, Words
from . import graph_style as st
from .graph_manage import keep_graph, target_of
from .graph_syntax import name_option, split_sub, sub_options, text_option
from .registry import command
from .summarize import weights

__all__ = ["box_stats", "bar_stat"]

#: options of these graphs that change what is drawn and are not drawn yet
_NOT_YET = ("by", "yvaroptions", "medtype", "medline", "marker", "bar", "box", "cw")


@dataclass
class _Group:
    """One category: the over() values that define it, its labels and its rows."""

    values: tuple
    labels: tuple[str, ...]
    rows: np.ndarray


@dataclass
class _Layout:
    groups: list[_Group]
    over: list[str]
    yvars: list[str]
    stats: list[str] = field(default_factory=list)


def box_stats(x: np.ndarray, w: np.ndarray | None = None) -> dict[str, Any]:
    """The box of one group: quartiles, median, adjacent values and the outside values."""
    x = x[~np.isnan(x)]
    if x.size == 0:
        return {"n": 0}
    p25, p50, p75 = (percentile(x, w, p) for p in (25, 50, 75))
    iqr = p75 - p25
    lo_lim, hi_lim = p25 - 1.5 * iqr, p75 + 1.5 * iqr
    inside = x[(x >= lo_lim) & (x <= hi_lim)]
    return {
        "n": int(x.size),
        "p25": p25,
        "median": p50,
        "p75": p75,
        "lower_adjacent": float(inside.min()),
        "upper_adjacent": float(inside.max()),
        "outside": np.sort(x[(x < lo_lim) | (x > hi_lim)]),
    }


def bar_stat(stat: str, x: np.ndarray, w: np.ndarray | None, total: float) -> float:
    """The height of one bar: ``stat`` of the group's nonmissing values ([G-2] graph bar)."""
    ok = ~np.isnan(x)
    x = x[ok]
    w = None if w is None else w[ok]
    ww = np.ones(x.size) if w is None else w
    if stat == "count":
        return float(ww.sum())
    if stat == "percent":
        return float(100 * ww.sum() / total) if total > 0 else float("nan")
    if x.size == 0:
        return float("nan")
    if stat == "mean":
        return float(np.average(x, weights=ww))
    if stat == "sum":
        return float(np.sum(ww * x))
    if stat == "min":
        return float(x.min())
    if stat == "max":
        return float(x.max())
    if stat in ("sd", "semean", "sebinomial", "sepoisson"):
        n = ww.sum()
        m = np.average(x, weights=ww)
        sd = float(np.sqrt(np.sum(ww * (x - m) ** 2) / (n - 1))) if n > 1 else float("nan")
        if stat == "sd":
            return sd
        if stat == "semean":
            return sd / np.sqrt(n)
        if stat == "sepoisson":
            return float(np.sqrt(m / n))
        return float(np.sqrt(m * (1 - m) / n))
    if stat == "median":
        return percentile(x, w, 50)
    if stat == "iqr":
        return percentile(x, w, 75) - percentile(x, w, 25)
    m = re.fullmatch(r"p(\d{1,2})", stat)
    if m and 1 <= int(m.group(1)) <= 99:
        return percentile(x, w, float(m.group(1)))
    raise StataError(f"({stat}) invalid statistic", 198)


_STATS = (
    "mean",
    "median",
    "sum",
    "count",
    "percent",
    "min",
    "max",
    "sd",
    "semean",
    "sebinomial",
    "sepoisson",
    "iqr",
)


def _over_spec(raw: str) -> tuple[str, dict]:
    """``over(varname [, descending relabel(...) label(...) ...])``: the variable and its
    suboptions (look-and-feel ones accepted and not drawn)."""
    main, subs = split_sub(str(raw), "over()")
    words = [t.text for t in main if t.kind == "word"]
    if len(words) != 1 or len(main) != 1:
        raise StataError("over(): one variable required", 198)
    return words[0], sub_options(subs, ("DESCending", "relabel", "label", "sort", "gap"))


def _groups(s, over: list[tuple[str, dict]], rows: np.ndarray, missing: bool) -> list[_Group]:
    """The over() categories (first over() varying fastest within the second's, as Stata lays
    them out), in the sorted order of their values (``descending`` reverses one)."""
    from ..dataset.varnames import resolve

    if not over:
        return [_Group((), (), rows)]
    ds = s.data
    names = [resolve(ds, v) for v, _o in over]
    cols = [np.asarray(ds.values(v)) for v in names]
    keep = rows.copy()
    if not missing:
        for c in cols:
            keep &= ~missing_mask(c)
    idx = np.flatnonzero(keep)
    levels = []
    relabel: list[dict] = []
    for c, (_v, o) in zip(cols, over, strict=True):
        vals = sorted({c[i] for i in idx}, key=lambda v: (isinstance(v, float) and v != v, v))
        if "descending" in o:
            vals = vals[::-1]
        levels.append(vals)
        new = _relabels(o)
        relabel.append({vals[k - 1]: t for k, t in new.items() if 1 <= k <= len(vals)})
    groups: list[_Group] = []
    outer = levels[1] if len(levels) > 1 else [None]
    for ov in outer:
        for iv in levels[0]:
            sel = keep & (cols[0] == iv)
            if ov is not None:
                sel &= cols[1] == ov
            if not sel.any():
                continue
            first = int(np.flatnonzero(sel)[0])
            labels = [relabel[0].get(iv, s.value_text(names[0], first))]
            values = [iv]
            if ov is not None:
                labels.append(relabel[1].get(ov, s.value_text(names[1], first)))
                values.append(ov)
            groups.append(_Group(tuple(values), tuple(labels), sel))
    return groups


def _relabels(opts: dict[str, str]) -> dict[int, str]:
    """``over(x, relabel(1 "a" 2 "b"))``: new labels of the 1st, 2nd ... group (by position,
    [G-2] graph bar, over_subopts)."""
    raw = opts.get("relabel", "")
    raw = raw if isinstance(raw, str) else ""
    return {int(k): t for k, t in re.findall(r'(\d+)\s+"([^"]*)"', raw)}


def _y(s, var: str) -> np.ndarray:
    from ..dataset.varnames import resolve

    v = resolve(s.data, var)
    if s.data.is_string(v):
        raise StataError(f"string variables not allowed in varlist;\n{v} is a string variable", 109)
    return np.asarray(s.data.values(v), dtype=float)


def _var_label(s, var: str) -> str:
    from ..dataset.varnames import resolve

    v = resolve(s.data, var)
    lab = s.data.info[v].label
    return lab or v


def _finish(s, cmd: Command, fig, ax, data: dict[str, Any], what: str) -> list[Output]:
    from .graph_layout import make_figure

    for opt, setter in (("title", fig.suptitle), ("subtitle", ax.set_title)):
        lines = text_option(cmd.option(opt))
        if lines:
            setter("\n".join(lines))
    notes = text_option(cmd.option("note")) or []
    if notes:
        fig.text(0.02, 0.01, "\n".join(notes), fontsize=8, ha="left", va="bottom")
    data.setdefault("titles", {})["title"] = text_option(cmd.option("title")) or []
    name, replace = name_option(cmd.option("name"))
    if name in s.graphs and not replace:
        raise StataError(f"graph {name} already exists", 110)
    target = target_of(cmd.option("saving"))
    info = {"panels": [data], "keys": data.get("keys", []), "legend": data.get("legend", [])}
    handles, labels = data.pop("_keys", ([], []))
    if len(handles) > 1 and cmd.option("legend") != "off":
        _legend(fig, handles, labels)
    else:
        fig.tight_layout()
    out = make_figure(fig, info, name, f"(graph {name}: {what})")
    out.data = data  # type: ignore[attr-defined]
    return keep_graph(s, out, target, bool(cmd.option("nodraw")))


def _axis_labels(ax, layout: _Layout, pos: np.ndarray, horizontal: bool) -> None:
    """Group labels under (or beside) their boxes; a second over()'s labels one row out."""
    inner = [g.labels[0] if g.labels else "" for g in layout.groups]
    set_ticks = ax.set_yticks if horizontal else ax.set_xticks
    set_ticks(pos, inner)
    if len(layout.over) > 1:
        outer: dict[str, list[float]] = {}
        for g, p in zip(layout.groups, pos, strict=True):
            outer.setdefault(g.labels[1], []).append(p)
        for lab, ps in outer.items():
            mid = float(np.mean(ps))
            if horizontal:
                ax.annotate(
                    lab,
                    (0, mid),
                    xycoords=("axes fraction", "data"),
                    xytext=(-60, 0),
                    textcoords="offset points",
                    ha="right",
                    va="center",
                )
            else:
                ax.annotate(
                    lab,
                    (mid, 0),
                    xycoords=("data", "axes fraction"),
                    xytext=(0, -24),
                    textcoords="offset points",
                    ha="center",
                    va="top",
                )
    (ax.tick_params(axis="y" if horizontal else "x", length=0))


def _positions(layout: _Layout, per: int, gap_outer: float = 0.6) -> np.ndarray:
    """Where each group's centre goes: one unit per group, a gap between outer groups."""
    pos, x, prev = [], 0.0, None
    for g in layout.groups:
        if len(layout.over) > 1 and prev is not None and g.labels[1] != prev:
            x += gap_outer
        pos.append(x)
        prev = g.labels[1] if len(layout.over) > 1 else None
        x += 1.0
    return np.asarray(pos)


def _legend(fig, handles: list, labels: list[str]) -> None:
    """The keys below the plot region (Stata's legend at 6 o'clock), room made for them."""
    if len(handles) > 1:
        ncol = min(len(labels), 4)
        rows = -(-len(labels) // ncol)
        fig.tight_layout(rect=(0, 0.06 + 0.045 * rows, 1, 1))
        # matplotlib fills a legend column by column; Stata reads its keys row by row
        order = [
            i * ncol + j for j in range(ncol) for i in range(rows) if i * ncol + j < len(labels)
        ]
        fig.legend(
            [handles[i] for i in order],
            [labels[i] for i in order],
            loc="lower center",
            ncol=ncol,
            frameon=True,
        )


def _refuse(cmd: Command) -> None:
    for o in _NOT_YET:
        if cmd.has(o):
            raise StataError(f"option {o}() is not available in bayes_magic's graph yet", 198)


def _over(cmd: Command, limit: int) -> list[tuple[str, dict]]:
    over = [_over_spec(v) for v in cmd.options_named("over")]
    if len(over) > limit:
        raise StataError(f"too many over() options; at most {limit} allowed", 198)
    return over


@command("graph", "box")
def graph_box(s, cmd: Command) -> list[Output]:
    return _box(s, cmd, horizontal=False)


@command("graph", "hbox")
def graph_hbox(s, cmd: Command) -> list[Output]:
    return _box(s, cmd, horizontal=True)


def _box(s, cmd: Command, *, horizontal: bool) -> list[Output]:
    from ..report.figure import new_figure

    _refuse(cmd)
    body = cmd.body
    yvars = [t.name for t in body.terms] if isinstance(body, Varlist) else []
    if not yvars:
        raise StataError("varlist required", 100)
    over = _over(cmd, 2)
    w, rows = weights(s, cmd, s.touse(cmd))  # missing weights dropped, negative ones refused
    ys = {v: _y(s, v) for v in yvars}
    groups = _groups(s, over, rows, cmd.has("missing"))
    if not any((g.rows & ~np.isnan(ys[v])).any() for g in groups for v in yvars):
        raise StataError("no observations", 2000)
    layout = _Layout(groups, [v for v, _o in over], yvars)
    k = len(yvars)
    pos = _positions(layout, k)
    width = 0.8 / k
    fig, axes = new_figure()
    ax = axes[0][0]
    boxes = []
    handles = []
    with st.use_scheme(
        s.settings.scheme if not cmd.option("scheme") else str(cmd.option("scheme"))
    ):
        colours = [st.palette(j) for j in range(k)]
    for j, v in enumerate(yvars):
        for g, p in zip(groups, pos, strict=True):
            sel = g.rows & ~np.isnan(ys[v])
            b = box_stats(ys[v][sel], None if w is None else w[sel])
            if not b["n"]:
                continue
            b.update(variable=v, group=g.labels)
            boxes.append(b)
            c = p + (j - (k - 1) / 2) * width
            h = _draw_box(ax, c, b, width * 0.9, colours[j], horizontal, not cmd.has("nooutsides"))
        handles.append(h)
    if over:
        _axis_labels(ax, layout, pos, horizontal)
    else:
        (ax.set_yticks if horizontal else ax.set_xticks)([])
    ytitle = text_option(cmd.option("ytitle"))
    if ytitle is None:
        ytitle = [_var_label(s, yvars[0])] if k == 1 else []
    (ax.set_xlabel if horizontal else ax.set_ylabel)("\n".join(ytitle))
    labels = [_var_label(s, v) for v in yvars]
    data = {"boxes": boxes, "legend": labels if k > 1 else [], "ytitle": ytitle}
    data["_keys"] = (handles, labels)
    return _finish(s, cmd, fig, ax, data, cmd.text.strip() or "graph box")


def _draw_box(ax, c: float, b: dict, width: float, colour, horizontal: bool, outsides: bool):
    from matplotlib.patches import Rectangle

    lo, hi = b["p25"], b["p75"]
    if horizontal:
        rect = Rectangle(
            (lo, c - width / 2),
            hi - lo,
            width,
            facecolor=colour,
            edgecolor="black",
            linewidth=0.6,
            zorder=2,
        )
        ax.add_patch(rect)
        ax.plot([b["median"]] * 2, [c - width / 2, c + width / 2], color="white", lw=1.2, zorder=3)
        for a, z in ((b["lower_adjacent"], lo), (hi, b["upper_adjacent"])):
            ax.plot([a, z], [c, c], color="black", lw=0.6, zorder=1)
        for a in (b["lower_adjacent"], b["upper_adjacent"]):
            ax.plot([a, a], [c - width / 4, c + width / 4], color="black", lw=0.6, zorder=1)
        if outsides and b["outside"].size:
            ax.scatter(
                b["outside"],
                np.full(b["outside"].size, c),
                s=12,
                facecolors="none",
                edgecolors=colour,
                zorder=3,
            )
    else:
        rect = Rectangle(
            (c - width / 2, lo),
            width,
            hi - lo,
            facecolor=colour,
            edgecolor="black",
            linewidth=0.6,
            zorder=2,
        )
        ax.add_patch(rect)
        ax.plot([c - width / 2, c + width / 2], [b["median"]] * 2, color="white", lw=1.2, zorder=3)
        for a, z in ((b["lower_adjacent"], lo), (hi, b["upper_adjacent"])):
            ax.plot([c, c], [a, z], color="black", lw=0.6, zorder=1)
        for a in (b["lower_adjacent"], b["upper_adjacent"]):
            ax.plot([c - width / 4, c + width / 4], [a, a], color="black", lw=0.6, zorder=1)
        if outsides and b["outside"].size:
            ax.scatter(
                np.full(b["outside"].size, c),
                b["outside"],
                s=12,
                facecolors="none",
                edgecolors=colour,
                zorder=3,
            )
    ax.autoscale_view()
    return rect


def _bar_items(body) -> list[tuple[str, str]]:
    """``(stat) y1 y2 (stat) y3``: (statistic, variable) pairs; ``(count)``/``(percent)``
    alone count the group's observations."""
    words = list(body.words) if isinstance(body, Words) else []
    stat, out, pending = "mean", [], False
    for wd in words:
        m = re.fullmatch(r"\(\s*(\w+)\s*\)", wd)
        if m:
            if pending and stat in ("count", "percent"):
                out.append((stat, "_n"))
            stat, pending = m.group(1).lower(), True
            if stat not in _STATS and not re.fullmatch(r"p\d{1,2}", stat):
                raise StataError(f"({stat}) invalid statistic", 198)
            continue
        out.append((stat, wd))
        pending = False
    if pending:
        if stat not in ("count", "percent"):
            raise StataError("varlist required", 100)
        out.append((stat, "_n"))
    if not out:
        raise StataError("varlist required", 100)
    return out


@command("graph", "bar")
def graph_bar(s, cmd: Command) -> list[Output]:
    return _bar(s, cmd, horizontal=False)


@command("graph", "hbar")
def graph_hbar(s, cmd: Command) -> list[Output]:
    return _bar(s, cmd, horizontal=True)


def _bar(s, cmd: Command, *, horizontal: bool) -> list[Output]:
    from ..report.figure import new_figure

    _refuse(cmd)
    items = _bar_items(cmd.body)
    over = _over(cmd, 3 if len(items) == 1 else 2)
    if len(over) > 2:
        raise StataError("a third over() is not available in bayes_magic's graph bar yet", 198)
    w, rows = weights(s, cmd, s.touse(cmd))
    ys = {v: (np.ones(s.data.nobs) if v == "_n" else _y(s, v)) for _st, v in items}
    groups = _groups(s, over, rows, cmd.has("missing"))
    asy = cmd.has("asyvars") and over
    grouped = np.zeros(s.data.nobs, dtype=bool)
    for g in groups:
        grouped |= g.rows
    if not grouped.any():
        raise StataError("no observations", 2000)

    def total(v: str) -> float:
        """The denominator of (percent): the variable's nonmissing observations in the groups."""
        inside = grouped & ~np.isnan(ys[v])
        return float(inside.sum() if w is None else w[inside].sum())

    # the heights: one per (group, variable)
    H = np.array(
        [
            [
                bar_stat(stt, ys[v][g.rows], None if w is None else w[g.rows], total(v))
                for stt, v in items
            ]
            for g in groups
        ]
    )
    if cmd.has("percentages") or cmd.has("percent"):
        H = (
            100 * H / np.nansum(H, axis=1, keepdims=True)
            if len(items) > 1
            else (100 * H / np.nansum(H))
        )
    fig, axes = new_figure()
    ax = axes[0][0]
    scheme = s.settings.scheme if not cmd.option("scheme") else str(cmd.option("scheme"))
    labels_y = [
        ("Frequency" if stt == "count" else "Percent") if v == "_n" else f"{stt} of {v}"
        for stt, v in items
    ]
    bars = []
    handles: list = []
    legend: list[str] = []
    with st.use_scheme(scheme):
        if asy:
            # the first over()'s groups are the coloured series; the second is the axis
            firsts = list(dict.fromkeys(g.labels[0] for g in groups))
            outers = list(dict.fromkeys(g.labels[1] for g in groups)) if len(over) > 1 else [""]
            k = len(firsts) * len(items)
            width = 0.8 / k
            for j, lab in enumerate(firsts):
                for q, (stt, v) in enumerate(items):
                    col = st.palette(j * len(items) + q)
                    xs, hs = [], []
                    for o_i, o in enumerate(outers):
                        hit = [
                            i
                            for i, g in enumerate(groups)
                            if g.labels[0] == lab and (len(over) < 2 or g.labels[1] == o)
                        ]
                        if hit:
                            xs.append(o_i + (j * len(items) + q - (k - 1) / 2) * width)
                            hs.append(H[hit[0], q])
                            bars.append(
                                {
                                    "group": groups[hit[0]].labels,
                                    "variable": v,
                                    "stat": stt,
                                    "height": float(H[hit[0], q]),
                                }
                            )
                    h = _draw_bars(ax, xs, hs, width * 0.95, col, horizontal, None)
                    handles.append(h)
                    legend.append(lab)
            pos = np.arange(len(outers), dtype=float)
            (ax.set_yticks if horizontal else ax.set_xticks)(
                pos, outers if len(over) > 1 else [""] * len(pos)
            )
        else:
            layout = _Layout(groups, [v for v, _o in over], [v for _s, v in items])
            pos = _positions(layout, len(items))
            k = len(items)
            width = 0.8 / k if not cmd.has("stack") else 0.6
            bottom = np.zeros(len(groups))
            for q, (stt, v) in enumerate(items):
                col = st.palette(q)
                if cmd.has("stack"):
                    xs = pos
                else:
                    xs = pos + (q - (k - 1) / 2) * width
                hs = H[:, q]
                h = _draw_bars(
                    ax, xs, hs, width * 0.95, col, horizontal, bottom if cmd.has("stack") else None
                )
                if cmd.has("stack"):
                    bottom = bottom + np.nan_to_num(hs)
                handles.append(h)
                legend.append(labels_y[q])
                for g, hh in zip(groups, hs, strict=True):
                    bars.append(
                        {"group": g.labels, "variable": v, "stat": stt, "height": float(hh)}
                    )
            if over:
                _axis_labels(ax, layout, pos, horizontal)
            else:
                (ax.set_yticks if horizontal else ax.set_xticks)([])
    blabel = cmd.option("blabel")
    written: list[str] = []
    if blabel not in (None, True) and str(blabel).split(",")[0].strip() in ("bar", "total"):
        fmt = re.search(r"format\(\s*(%[^)\s]+)\s*\)", str(blabel))
        for c in ax.containers:
            heights = [r.get_width() if horizontal else r.get_height() for r in c]
            texts = [
                fmt_number(h, fmt.group(1)).strip() if fmt else fmt_g(h, 9).strip() for h in heights
            ]
            ax.bar_label(c, labels=texts, fontsize=8)
            written += texts
    ytitle = text_option(cmd.option("ytitle"))
    if ytitle is None:
        if cmd.has("percentages") or cmd.has("percent"):
            ytitle = ["Percent"] if len(items) == 1 else []
        else:
            ytitle = [labels_y[0]] if len(items) == 1 else []
    (ax.set_xlabel if horizontal else ax.set_ylabel)("\n".join(ytitle))
    data = {
        "bars": bars,
        "legend": legend if len(handles) > 1 else [],
        "ytitle": ytitle,
        "blabels": written,
    }
    data["_keys"] = (handles, legend)
    return _finish(s, cmd, fig, ax, data, cmd.text.strip() or "graph bar")


def _draw_bars(ax, xs, hs, width, colour, horizontal: bool, bottom):
    hs = np.asarray(hs, dtype=float)
    if horizontal:
        return ax.barh(xs, hs, height=width, left=bottom, color=colour, edgecolor="none", zorder=2)
    return ax.bar(xs, hs, width=width, bottom=bottom, color=colour, edgecolor="none", zorder=2)
