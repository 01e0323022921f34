"""The plots of ``graph twoway`` ([G-2] graph twoway): what each plot type draws, its legend keys
and axis titles, and its data within one panel.

A :class:`Plot` is built once per plot from its parsed command (variables resolved, its own
``if``/``in`` and the missing values applied); :meth:`Plot.series` then gives, for one panel of a
``by()`` graph (or the whole graph), the numbers behind each legend key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..dataset.evaluate import evaluate
from ..dataset.varnames import expand_terms
from ..dataset.weights import check_weights
from ..errors import StataError
from ..syntax.ast import Command, Varlist
from . import graph_stats as gs
from . import graph_style as st
from .graph_syntax import number

__all__ = ["Key", "Plot", "build_plot", "PLOT_OPTIONS", "NVARS"]

#: how many variables each plot type takes: (least, most)
NVARS = {
    "scatter": (2, None),
    "line": (2, None),
    "connected": (2, None),
    "lfit": (2, 2),
    "lowess": (2, 2),
    "qfit": (2, 2),
    "lfitci": (2, 2),
    "kdensity": (1, 1),
    "histogram": (1, 1),
    "rcap": (3, 3),
    "rspike": (3, 3),
    "rarea": (3, 3),
    "area": (2, 2),
    "bar": (2, 2),
}
#: how each plot type is drawn
_DRAW = {
    "scatter": "scatter",
    "line": "line",
    "connected": "connected",
    "lfit": "line",
    "lowess": "line",
    "qfit": "line",
    "kdensity": "line",
    "histogram": "hist",
    "rcap": "rcap",
    "rspike": "rspike",
    "rarea": "rarea",
    "area": "area",
    "bar": "bar",
}
#: options that belong to a plot (the others are the graph's: titles, axes, legend, by ...)
PLOT_OPTIONS = frozenset(
    "msymbol mcolor msize mfcolor mlcolor mlwidth lcolor lpattern lwidth lstyle pstyle color "
    "fcolor fintensity sort connect cmissing bwidth kernel n range atobs bin width start discrete "
    "density fraction frequency percent level stdp stdf barwidth horizontal vertical area "
    "boundary estopts predopts gap mlabel mlabposition mlabsize mlabcolor msangle jitter "
    "jitterseed recast yaxis xaxis ciplot clpattern clwidth clcolor aclpattern aclcolor alwidth "
    "alcolor normal normopts kdensity kdenopts mean noweight logit adjust".split()
)


@dataclass
class Key:
    """One legend key: its text, how it is drawn and its resolved look."""

    label: str
    draw: str
    style: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plot:
    """One plot of a twoway graph.

    Attributes
    ----------
    kind
        The plot type (``scatter``, ``lfit``, ``kdensity`` ...), or ``normal``/``kdensity`` for
        the overlays of ``histogram``.
    ys, x
        The y variables and the x variable (for ``kdensity``/``histogram`` ``x`` is the
        variable whose distribution is drawn).
    touse
        The observations the plot uses: its own ``if``/``in`` and no missing values.
    """

    kind: str
    ys: list[str]
    x: str
    touse: np.ndarray
    opts: dict[str, Any]
    keys: list[Key]
    xtitle: str
    ytitles: list[str]
    weight: np.ndarray | None = None
    wkind: str | None = None
    bins: gs.Bins | None = None
    scale: str = "density"
    text: str = ""
    #: kdensity's number of points: twoway kdensity's n(300), or None for kdensity's min(N, 50)
    kd_points: int | None = 300
    #: computed columns standing in for variables (serrbar's bar ends)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    #: the marker labels of every observation (``mlabel()``)
    mlabels: np.ndarray | None = None
    #: each observation's jitter as a fraction of the axis range (``jitter()``), x and y
    jitter: tuple[np.ndarray, np.ndarray] | None = None

    def values(self, s, name: str) -> np.ndarray:
        """A variable's values, or a computed column of :attr:`arrays`."""
        return self.arrays[name] if name in self.arrays else s.data.values(name)

    # ------------------------------------------------------------------------------------------
    def series(self, s, mask: np.ndarray) -> list[dict[str, Any]]:
        """The data of each key within ``mask`` (one panel): arrays and, for fits and densities,
        the numbers they rest on (``slope``, ``bwidth`` ...)."""
        use = self.touse & mask
        return getattr(self, f"_{self.kind}", self._xy)(s, use)

    def _w(self, use: np.ndarray) -> np.ndarray | None:
        return None if self.weight is None else self.weight[use]

    def _xy(self, s, use: np.ndarray) -> list[dict[str, Any]]:
        x = self.values(s, self.x)
        if self.jitter is not None:
            x = x + self.jitter[0] * _span(x[self.touse])
        out = []
        for y in self.ys:
            yv = self.values(s, y)
            m = use & ~np.isnan(yv)
            if self.jitter is not None:
                yv = yv + self.jitter[1] * _span(yv[self.touse & ~np.isnan(yv)])
            xs, ys_ = x[m], yv[m]
            labels = self.mlabels[m] if self.mlabels is not None else None
            if self.kind == "area" or self.opts.get("sort"):
                order = np.argsort(xs, kind="mergesort")
                xs, ys_ = xs[order], ys_[order]
                labels = labels[order] if labels is not None else None
            d: dict[str, Any] = {"x": xs, "y": ys_, "n": int(m.sum())}
            if labels is not None:
                d["labels"] = labels
            out.append(d)
        return out

    def _fit_grid(self, x: np.ndarray, npts: int) -> np.ndarray:
        lo, hi = float(np.min(x)), float(np.max(x))
        rng = self.opts.get("range")
        if isinstance(rng, str) and rng.strip():
            parts = rng.replace(",", " ").split()
            if len(parts) != 2:
                raise StataError("range() requires two numbers", 198)
            lo = lo if parts[0] == "." else number(parts[0], "range()")
            hi = hi if parts[1] == "." else number(parts[1], "range()")
        return np.linspace(lo, hi, npts)

    def _npoints(self, default: int) -> int:
        n = self.opts.get("n")
        if isinstance(n, str) and n.strip():
            k = int(number(n, "n()"))
            if k < 2:
                raise StataError("n() must be at least 2", 198)
            return k
        return default

    def _fit(self, s, use: np.ndarray, degree: int) -> tuple[dict[str, Any], tuple | None]:
        x, y = self.values(s, self.x)[use], self.values(s, self.ys[0])[use]
        if len(x) <= degree:
            return {"x": np.zeros(0), "y": np.zeros(0), "n": len(x)}, None
        fit = gs.polyfit(x, y, degree, self._w(use), self.wkind)
        at = (
            x.copy()
            if self.opts.get("atobs")
            else self._fit_grid(x, self._npoints(3 if degree == 1 and self.kind == "lfit" else 100))
        )
        if self.opts.get("atobs"):
            at.sort()
        b = fit[0]
        d: dict[str, Any] = {
            "x": at,
            "y": np.vander(at, degree + 1, increasing=True) @ b,
            "n": len(x),
        }
        d["coef"] = b
        if degree == 1:
            d["intercept"], d["slope"] = float(b[0]), float(b[1])
        return d, (fit, at)

    def _lowess(self, s, use: np.ndarray) -> list[dict[str, Any]]:
        x, y = self.values(s, self.x)[use], self.values(s, self.ys[0])[use]
        bw = self.opts.get("bwidth")
        width = number(str(bw), "bwidth()") if isinstance(bw, str) and bw.strip() else 0.8
        o = self.opts
        smooth = gs.lowess(
            x,
            y,
            width,
            mean=bool(o.get("mean")),
            weighted=not o.get("noweight"),
            logit=bool(o.get("logit")),
            adjust=bool(o.get("adjust")),
        )
        order = np.argsort(x, kind="mergesort")
        return [{"x": x[order], "y": smooth[order], "n": len(x)}]

    def _lfit(self, s, use: np.ndarray) -> list[dict[str, Any]]:
        return [self._fit(s, use, 1)[0]]

    def _qfit(self, s, use: np.ndarray) -> list[dict[str, Any]]:
        return [self._fit(s, use, 2)[0]]

    def _lfitci(self, s, use: np.ndarray) -> list[dict[str, Any]]:
        line, got = self._fit(s, use, 1)
        if got is None:
            return [{"x": np.zeros(0), "lo": np.zeros(0), "hi": np.zeros(0), "n": 0}, line]
        (b, xtx_inv, s2, df), at = got
        level = float(self.opts.get("level") or 95)
        _, lo, hi = gs.fit_band(b, xtx_inv, s2, df, at, level, bool(self.opts.get("stdf")))
        return [{"x": at, "lo": lo, "hi": hi, "n": line["n"], "level": level}, line]

    def _kdensity(self, s, use: np.ndarray) -> list[dict[str, Any]]:
        x = self.values(s, self.x)[use]
        w = self._w(use)
        if len(x) == 0:
            return [{"x": np.zeros(0), "y": np.zeros(0), "n": 0}]
        bw = self.opts.get("bwidth")
        h = (
            number(str(bw), "bwidth()")
            if isinstance(bw, str) and bw.strip()
            else gs.default_bandwidth(x, w)
        )
        if not h > 0:
            raise StataError("bwidth() must be positive", 198)
        kname = gs.kernel_name(self.opts.get("kernel"))
        default = self.kd_points if self.kd_points is not None else min(len(x), 50)
        npts = self._npoints(default)
        if self.opts.get("_at") is not None:
            at = np.asarray(self.opts["_at"], dtype=float)
        elif isinstance(self.opts.get("range"), str):
            if self.opts.get("boundary"):
                raise StataError("options boundary and range() may not be combined", 198)
            at = self._fit_grid(x, npts)
        elif self.kd_points is not None and not self.opts.get("boundary"):
            # [G-2] graph twoway kdensity: over the data's range; boundary goes one bwidth()
            # beyond it, as the kdensity command always does
            at = np.linspace(float(np.min(x)), float(np.max(x)), npts)
        else:
            at = gs.kdensity_grid(x, h, npts)
        y = gs.density(x, at, h, kname, w) * self._scale_factor(
            len(x) if w is None else float(w.sum())
        )
        return [{"x": at, "y": y, "n": len(x), "bwidth": h, "kernel": kname}]

    def _scale_factor(self, n: float) -> float:
        """An overlay density's factor on a histogram's scale."""
        width = self.bins.width if self.bins is not None else 1.0
        return {"density": 1.0, "fraction": width, "frequency": n * width, "percent": 100 * width}[
            self.scale
        ]

    def _normal(self, s, use: np.ndarray) -> list[dict[str, Any]]:
        x = self.values(s, self.x)[use]
        if len(x) < 2:
            return [{"x": np.zeros(0), "y": np.zeros(0), "n": len(x)}]
        w = self._w(use)
        mean = float(np.average(x, weights=w))
        n = len(x) if w is None else float(w.sum())
        sd = float(np.sqrt(np.average((x - mean) ** 2, weights=w) * n / (n - 1)))
        lo, hi = float(np.min(x)), float(np.max(x))
        if self.bins is not None:
            lo, hi = float(self.bins.edges[0]), float(self.bins.edges[-1])
        at = np.linspace(lo, hi, 200) if self.opts.get("_at") is None else self.opts["_at"]
        dens = (
            np.exp(-0.5 * ((at - mean) / sd) ** 2) / (sd * np.sqrt(2 * np.pi)) if sd > 0 else at * 0
        )
        return [{"x": at, "y": dens * self._scale_factor(n), "n": len(x), "mean": mean, "sd": sd}]

    def _histogram(self, s, use: np.ndarray) -> list[dict[str, Any]]:
        if self.bins is None:
            return [{"edges": np.zeros(0), "y": np.zeros(0), "counts": np.zeros(0), "n": 0}]
        x = self.values(s, self.x)[use]
        w = self._w(use)
        counts = self.bins.counts(x, w)
        n = float(counts.sum())
        factor = {
            "density": 1 / (n * self.bins.width) if n else 0.0,
            "fraction": 1 / n if n else 0.0,
        }
        factor.update({"frequency": 1.0, "percent": 100 / n if n else 0.0})
        return [
            {
                "edges": self.bins.edges,
                "y": counts * factor[self.scale],
                "counts": counts,
                "n": len(x),
            }
        ]

    def _range(self, s, use: np.ndarray) -> list[dict[str, Any]]:
        y1, y2 = self.values(s, self.ys[0])[use], self.values(s, self.ys[1])[use]
        x = self.values(s, self.x)[use]
        order = np.argsort(x, kind="mergesort") if self.kind == "rarea" else np.arange(len(x))
        return [{"x": x[order], "lo": y1[order], "hi": y2[order], "n": len(x)}]

    _rcap = _rspike = _rarea = _range

    def _function(self, s, use: np.ndarray) -> list[dict[str, Any]]:
        x, y = self.arrays["x"], self.arrays["y"]
        return [{"x": x, "y": y, "n": len(x)}]


def _label(ds, v: str) -> str:
    return ds.info[v].label or v


def _function_plot(s, cmd: Command, pstyle: int, opts: dict[str, Any]) -> Plot:
    """``twoway function [y =] f(x) [, range(# #|varname) n(#)]`` ([G-2] graph twoway
    function): f evaluated at ``n()`` (300) points of x over ``range()`` (0 to 1, or the range
    of a variable), with ``r()``, ``e()`` and scalars in reach; drawn as a line."""
    import pandas as pd

    from ..dataset.dataset import Dataset
    from ..dataset.evaluate import Context

    ds = s.data
    lo, hi = 0.0, 1.0
    rng = opts.get("range")
    if isinstance(rng, str) and rng.strip():
        parts = rng.replace(",", " ").split()
        if len(parts) == 1 and parts[0] in ds.info:
            v = ds.values(parts[0])
            v = v[~np.isnan(v)]
            if not len(v):
                raise StataError(f"range({parts[0]}): no observations", 2000)
            lo, hi = float(v.min()), float(v.max())
        elif len(parts) == 2:
            lo, hi = number(parts[0], "range()"), number(parts[1], "range()")
        else:
            raise StataError("range() requires two numbers or a variable", 198)
    if not lo < hi:
        raise StataError("range(): the first number must be less than the second", 198)
    n = opts.get("n")
    npts = int(number(str(n), "n()")) if isinstance(n, str) and n.strip() else 300
    if not 2 <= npts <= 100_000:
        raise StataError("n() must be between 2 and 100,000", 198)
    grid = np.linspace(lo, hi, npts)
    xs = Dataset.from_dataframe(pd.DataFrame({"x": grid}))
    y = evaluate(cmd.body.expr, Context(xs, None, None, s.lookup, s.rng))
    if np.asarray(y).dtype.kind == "O":
        raise StataError("type mismatch", 109)
    y = np.broadcast_to(np.asarray(y, dtype=float), grid.shape).copy()
    plot = Plot("function", ["y"], "x", np.ones(ds.nobs, dtype=bool), opts, [], "x", [])
    plot.arrays = {"x": grid, "y": y}
    plot.text = cmd.text[cmd.span.start : cmd.span.end] if cmd.text else "function"
    plot.keys.append(Key("y", "line", st.key_style(opts, 0, pstyle)))
    plot.ytitles.append("y")
    if opts.get("horizontal"):
        plot.keys[0].style["horizontal"] = True
        plot.ytitles, plot.xtitle = ["x"], "y"
    return plot


def _span(v: np.ndarray) -> float:
    v = v[np.isfinite(v)]
    return float(v.max() - v.min()) if len(v) else 0.0


def _marker_labels(s, plot: Plot) -> None:
    """``mlabel(varname)``: every observation's label, as ``list`` shows the value."""
    from ..dataset.varnames import expand
    from .listing import cell_text

    if plot.kind not in ("scatter", "connected"):
        raise StataError(f"option mlabel() not allowed with {plot.kind}", 198)
    names = expand(s.data, str(plot.opts["mlabel"]).strip())
    if len(names) != 1:
        raise StataError("mlabel(): one variable required", 103 if len(names) > 1 else 102)
    var = names[0]
    vals = s.data.values(var)
    plot.mlabels = np.array([cell_text(s.data, var, v) for v in vals], dtype=object)


def _jitter(s, plot: Plot) -> None:
    """``jitter(#)``: noise uniform on ±#/2 percent of each axis's range, drawn once per
    observation (from ``jitterseed(#)``, else the session's random-number state)."""
    if plot.kind != "scatter":
        raise StataError(f"option jitter() not allowed with {plot.kind}", 198)
    amount = number(str(plot.opts["jitter"]), "jitter()")
    if amount < 0:
        raise StataError("jitter() must be nonnegative", 198)
    seed = plot.opts.get("jitterseed")
    rng = (
        np.random.default_rng(int(number(str(seed), "jitterseed()")))
        if isinstance(seed, str) and seed.strip()
        else s.rng
    )
    n = len(plot.touse)
    u = rng.uniform(-0.5, 0.5, size=(2, n)) * amount / 100
    plot.jitter = (u[0], u[1])


def _nvars_check(kind: str, names: list[str]) -> None:
    least, most = NVARS[kind]
    if len(names) < least:
        raise StataError("too few variables specified", 102)
    if most is not None and len(names) > most:
        raise StataError("too many variables specified", 103)


def build_plot(s, cmd: Command, outer: np.ndarray, pstyle: int, opts: dict[str, Any]) -> Plot:
    """The :class:`Plot` of one plot command.

    Parameters
    ----------
    s
        The session.
    cmd
        The plot's command (``scatter math homework if schtype == 1``).
    outer
        The observations the enclosing ``twoway`` command allows (its ``if``/``in``).
    pstyle
        The plot style number of the plot's first key (0 for p1).
    opts
        The plot's own options (name -> raw value).

    Raises
    ------
    StataError
        ``too few variables specified`` (r(102)), ``too many variables specified`` (r(103)),
        ``type mismatch`` (r(109)) for string variables, and the errors of the variable names,
        ``if`` and ``in``.
    """
    ds = s.data
    kind = cmd.name
    if kind == "function":
        return _function_plot(s, cmd, pstyle, opts)
    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    names = expand_terms(ds, terms, repeats=True)
    _nvars_check(kind, names)
    for v in names:
        if ds.is_string(v):
            raise StataError("type mismatch", 109)
    touse = outer & s.touse(cmd)
    x = names[-1] if kind not in ("kdensity", "histogram") else names[0]
    ys = names[:-1] if kind not in ("kdensity", "histogram") else []
    must = [x] + (ys if kind not in ("scatter", "line", "connected") else [])
    for v in must:
        touse &= ~ds.missing(v)
    if kind in ("scatter", "line", "connected"):
        touse &= np.logical_or.reduce([~ds.missing(y) for y in ys])
    weight = None
    if cmd.weight is not None:
        weight = evaluate(cmd.weight.expr, s.context())
        if weight.dtype == object:
            raise StataError("type mismatch", 109)
        touse = check_weights(weight, cmd.weight.kind, touse)
    plot = Plot(
        kind,
        ys,
        x,
        touse,
        opts,
        [],
        _label(ds, x),
        [],
        weight,
        None if cmd.weight is None else cmd.weight.kind,
    )
    plot.text = cmd.text[cmd.span.start : cmd.span.end] if cmd.text else kind
    _keys(plot, ds, pstyle)
    if opts.get("mlabel") not in (None, True, ""):
        _marker_labels(s, plot)
        for key in plot.keys:
            key.style["mlab"] = st.marker_label_style(opts)
    if opts.get("jitter") not in (None, True, ""):
        _jitter(s, plot)
    _connect(plot)
    _recast(plot)
    if opts.get("horizontal"):
        _horizontal(plot)
    return plot


#: connectstyle ([G-4] connectstyle) -> how the points are joined
_CONNECT = {
    "l": "direct",
    "direct": "direct",
    "L": "ascending",
    "ascending": "ascending",
    "J": "steps-post",
    "stairstep": "steps-post",
    "stepstair": "steps-pre",
    "i": "none",
    "none": "none",
}


def _connect(plot: Plot) -> None:
    """``connect(l|L|J|stepstair|i ...)``, one word per y variable ([G-3] connect_options)."""
    words = st.items(plot.opts.get("connect"))
    if not words:
        return
    if plot.kind not in ("scatter", "line", "connected"):
        raise StataError(f"option connect() not allowed with {plot.kind}", 198)
    for k, key in enumerate(plot.keys):
        w = words[k] if k < len(words) else words[-1]
        if w == ".":
            continue
        how = _CONNECT.get(w) or _CONNECT.get(w.lower())
        if how is None:
            raise StataError(f"connectstyle {w} not found", 111)
        key.style["connect"] = how
        marked = plot.kind in ("scatter", "connected")
        if how == "none":
            key.draw = "scatter" if marked else "none"
        else:
            key.draw = "connected" if marked else "line"


_RECAST = {
    "xy": ("scatter", "line", "connected", "area", "bar", "spike", "dropline"),
    "range": ("rcap", "rspike", "rarea"),
}


def _recast(plot: Plot) -> None:
    """``recast(newplottype)``: draw the plot's data as another plot type of the same shape
    ([G-3] advanced_options)."""
    raw = plot.opts.get("recast")
    if raw in (None, True, ""):
        return
    new = str(raw).strip().lower()
    shape = "range" if plot.kind in ("rcap", "rspike", "rarea") else "xy"
    if plot.kind in ("histogram", "lfitci") or new not in _RECAST[shape]:
        raise StataError(f"recast({new}) not allowed with {plot.kind}", 198)
    for key in plot.keys:
        key.draw = {"spike": "spike", "dropline": "dropline"}.get(new, _DRAW.get(new, new))


def _horizontal(plot: Plot) -> None:
    """``horizontal`` ([G-2] graph twoway bar, rcap, rspike, rarea): the x variable runs up
    the y axis and the values along the x axis, axis titles swapped."""
    if plot.kind not in ("bar", "rcap", "rspike", "rarea"):
        raise StataError(f"option horizontal not allowed with {plot.kind}", 198)
    for key in plot.keys:
        key.style["horizontal"] = True
    ytitle = plot.ytitles[0] if plot.ytitles else ""
    plot.ytitles, plot.xtitle = [plot.xtitle], ytitle


def _keys(plot: Plot, ds, pstyle: int) -> None:
    kind, opts = plot.kind, plot.opts
    if kind in ("scatter", "line", "connected", "area", "bar"):
        for k, y in enumerate(plot.ys):
            plot.keys.append(Key(_label(ds, y), _DRAW[kind], st.key_style(opts, k, pstyle + k)))
            plot.ytitles.append(_label(ds, y))
    elif kind in ("lfit", "qfit"):
        plot.keys.append(Key("Fitted values", "line", st.key_style(opts, 0, pstyle)))
        plot.ytitles.append("Fitted values")
    elif kind == "lowess":
        label = f"lowess {plot.ys[0]} {plot.x}"
        plot.keys.append(Key(label, "line", st.key_style(opts, 0, pstyle)))
        plot.ytitles.append(label)
    elif kind == "lfitci":
        level = opts.get("level") or "95"
        if not 10 <= number(str(level), "level()") <= 99.99:
            raise StataError("level() must be between 10 and 99.99 inclusive", 198)
        band = st.key_style(opts, 0, pstyle)
        band["fcolor"] = (
            st.color(st.items(opts.get("fcolor"))[0])
            if st.items(opts.get("fcolor"))
            else (*st.CI_COLOR, 1.0)
        )
        ci = str(opts.get("ciplot") or "rarea").strip().lower()
        draws = {"rarea": "band", "rline": "rline", "rcap": "rcap", "rspike": "rspike"}
        if ci not in draws:
            raise StataError(f"ciplot({ci}) not allowed; use rarea, rline, rcap or rspike", 198)
        plot.keys.append(Key(f"{level}% CI", draws[ci], band))
        plot.keys.append(Key("Fitted values", "line", st.key_style(opts, 0, pstyle)))
        plot.ytitles.append("Fitted values")
    elif kind == "kdensity":
        plot.keys.append(Key(f"kdensity {plot.x}", "line", st.key_style(opts, 0, pstyle)))
        plot.ytitles.append(f"kdensity {plot.x}")
        plot.xtitle = "x"
    elif kind == "histogram":
        plot.scale = next(
            (w for w in ("fraction", "frequency", "percent") if opts.get(w)), "density"
        )
        plot.bins = _bins(plot, ds)
        title = plot.scale.capitalize()
        plot.keys.append(Key(title, "hist", st.key_style(opts, 0, pstyle)))
        plot.ytitles.append(title)
    elif kind in ("rcap", "rspike", "rarea"):
        text = f"{_label(ds, plot.ys[0])}/{_label(ds, plot.ys[1])}"
        plot.keys.append(Key(text, _DRAW[kind], st.key_style(opts, 0, pstyle)))
        plot.ytitles.append(text)


def _bins(plot: Plot, ds) -> gs.Bins | None:
    """A histogram's bins, over all its observations (the same bins in every panel)."""
    x = ds.values(plot.x)[plot.touse]
    if len(x) == 0:
        return None
    opts = plot.opts

    def num(name: str) -> float | None:
        v = opts.get(name)
        return number(str(v), f"{name}()") if isinstance(v, str) and v.strip() else None

    b = num("bin")
    if b is not None and (b < 1 or b != int(b)):
        raise StataError("bin() must be a positive integer", 198)
    n = None if plot.weight is None else float(plot.weight[plot.touse].sum())
    return gs.histogram_bins(
        x,
        bins=None if b is None else int(b),
        width=num("width"),
        start=num("start"),
        discrete=bool(opts.get("discrete")),
        n=n,
    )
