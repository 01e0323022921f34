"""``xtset`` and ``tsset`` ([XT] xtset, [TS] tsset): declare the panel and time variables that
the time-series operators (``L.x``, ``F.x``, ``D.x``, ``S.x``) and the ``xt`` commands read.

``xtset panelvar [timevar] [, delta(#) clear]`` and ``tsset [panelvar] timevar [, delta(#)
clear]`` check that the time values are not repeated within a panel and are whole multiples of
``delta`` apart, sort the data by panel and time, and report the panel's balance and the time
range (", but with gaps" where a panel skips a step), as Stata 17 lays it out. Typed alone they
show the settings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset.dataset import Dataset
from ..dataset.varnames import resolve
from ..errors import StataError
from ..report.format import fmt_g, fmt_number
from ..report.output import Output, Text
from ..syntax.ast import Command, Words
from .registry import command

__all__ = ["xtset", "tsset"]


def _describe(ds: Dataset, ts: dict) -> tuple[list[str], dict]:
    """The report's lines and ``r()``."""
    panel, time, delta = ts.get("panel"), ts.get("time"), float(ts.get("delta", 1.0))
    r: dict = {"tdelta": delta}
    lines: list[str] = []
    p = np.asarray(ds.values(panel), dtype=float) if panel else np.zeros(ds.nobs)
    balance = ""
    if panel:
        r["panelvar"] = panel
        r["imin"], r["imax"] = float(np.nanmin(p)), float(np.nanmax(p))
    if time:
        t = np.asarray(ds.values(time), dtype=float)
        ok = ~np.isnan(t) & ~np.isnan(p)
        frame = pd.DataFrame({"p": p[ok], "t": t[ok]})
        sets = frame.groupby("p")["t"].apply(lambda x: tuple(sorted(x)))
        if sets.nunique() == 1:
            balance = "strongly balanced"
        elif sets.map(len).nunique() == 1:
            balance = "weakly balanced"
        else:
            balance = "unbalanced"
        steps = frame.sort_values(["p", "t"]).groupby("p")["t"].diff().dropna()
        gaps = int(np.sum(steps > delta * (1 + 1e-9)))
        tmin, tmax = float(np.nanmin(t)), float(np.nanmax(t))
        fmt = ds.info[time].format
        shown = (fmt_number(tmin, fmt).strip(), fmt_number(tmax, fmt).strip())
        r.update(
            timevar=time,
            tmin=tmin,
            tmax=tmax,
            tmins=shown[0],
            tmaxs=shown[1],
            gaps=float(gaps > 0),
            unit="generic",
            tdeltas=f"{fmt_g(delta)} unit" + ("" if delta == 1 else "s"),
        )
        if panel:
            r["balanced"] = balance
        tail = "" if not gaps else (", but with a gap" if gaps == 1 else ", but with gaps")
        width = 14 if panel else 13
        if panel:
            lines.append(f"Panel variable: {panel} ({balance})")
        lines.append(f"{'Time variable':>{width}}: {time}, {shown[0]} to {shown[1]}{tail}")
        lines.append(f"{'Delta':>{width}}: {r['tdeltas']}")
    elif panel:
        lines.append(f"Panel variable: {panel}")
    return lines, r


def _declare(s, cmd: Command, panel_first: bool) -> list[Output]:
    ds: Dataset = s.data
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    name = cmd.name
    if cmd.has("clear"):
        if words:
            raise StataError("option clear may not be combined with a varlist", 198)
        ds.tsset = None
        return []
    if not words:
        if (
            ds.tsset is None
            or (name == "xtset" and not ds.tsset.get("panel"))
            or (name == "tsset" and not ds.tsset.get("time"))
        ):
            if name == "xtset":
                raise StataError("panel variable not set; use xtset varname ...", 459)
            raise StataError("time variable not set, use tsset varname ...", 111)
        lines, r = _describe(ds, ds.tsset)
        s.r = r
        return [Text("\n".join(["", *lines]))]
    if len(words) > 2:
        raise StataError(f"{words[2]} invalid", 198)
    names = [resolve(ds, w) for w in words]
    for v in names:
        if ds.is_string(v):
            raise StataError(
                f"string variables not allowed in varlist;\n{v} is a string variable", 109
            )
    if panel_first:
        panel, time = names[0], (names[1] if len(names) > 1 else None)
    else:
        panel, time = (names[0], names[1]) if len(names) > 1 else (None, names[0])
    text = cmd.option("delta")
    try:
        delta = 1.0 if text is None else float(text)
    except ValueError:
        raise StataError(f"delta({text}) invalid: a positive number expected", 198) from None
    if not delta > 0:
        raise StataError("delta() must be positive", 198)
    if panel:
        pv = np.asarray(ds.values(panel), dtype=float)
        if np.any(pv[~np.isnan(pv)] != np.round(pv[~np.isnan(pv)])):
            raise StataError(f"panel variable {panel} must contain only integer values", 451)
    if time:
        t = np.asarray(ds.values(time), dtype=float)
        p = np.asarray(ds.values(panel), dtype=float) if panel else np.zeros(len(t))
        ok = ~np.isnan(t)
        if np.any(t[ok] != np.round(t[ok])):
            raise StataError(f"time variable {time} must contain only integer values", 451)
        steps = (t[ok] - np.nanmin(t)) / delta
        if np.any(np.abs(steps - np.round(steps)) > 1e-8):
            raise StataError("time values with period less than delta() found", 451)
        keys = pd.DataFrame({"p": p[ok], "t": t[ok]})
        if keys.duplicated().any():
            raise StataError(
                "repeated time values within panel" if panel else "repeated time values in sample",
                451,
            )
    ds.sort([v for v in (panel, time) if v])
    ds.tsset = {"panel": panel, "time": time, "delta": delta}
    lines, r = _describe(ds, ds.tsset)
    s.r = r
    return [Text("\n".join(["", *lines]))]


@command("xtset")
def xtset(s, cmd: Command) -> list[Output]:
    """``xtset panelvar [timevar] [, delta(#) clear]``."""
    return _declare(s, cmd, panel_first=True)


@command("tsset")
def tsset(s, cmd: Command) -> list[Output]:
    """``tsset [panelvar] timevar [, delta(#) clear]``."""
    return _declare(s, cmd, panel_first=False)


@command("xtsum", readonly=True)
def xtsum(s, cmd: Command) -> list[Output]:
    """``xtsum [varlist] [if] [in] [, i(panelvar)]`` ([XT] xtsum, ``xtsum.ado`` 1.1.2): each
    variable's overall, between (panel means) and within (deviations from them, plus the
    overall mean) mean, SD, minimum and maximum, with N, n and T (or T-bar)."""
    from ..dataset.varnames import expand_terms
    from ..report.format import abbrev
    from ..syntax.ast import Varlist

    ds: Dataset = s.data
    ivar = cmd.option("i") or (ds.tsset or {}).get("panel")
    if not ivar:
        raise StataError("panel variable not set; use xtset varname ...", 459)
    ivar = resolve(ds, ivar)
    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    names = expand_terms(ds, terms) if terms else list(ds.varnames)
    touse = s.touse(cmd)
    panel = np.asarray(ds.values(ivar), dtype=float)

    def g9(x: float) -> str:
        return f"{fmt_g(x, 9):>9}"

    lines = [
        "",
        f"Variable{'':9}|{'':6}Mean   Std. dev.       Min        Max |    Observations",
        "-" * 17 + "+" + "-" * 44 + "+" + "-" * 16,
    ]
    r: dict = {}
    for k, v in enumerate(names):
        if k:
            lines.append(f"{'':17}|{'':44}|")
        nan = float("nan")
        if ds.is_string(v):
            N, n, tbar, mean, sd, lo, hi = 0, 0, nan, nan, nan, nan, nan
            sdb = lob = hib = sdw = low = hiw = nan
            word = "    T"
        else:
            x = np.asarray(ds.values(v), dtype=float)
            use = touse & ~np.isnan(x) & ~np.isnan(panel)
            xs, ps = x[use], panel[use]
            N = len(xs)
            mean = float(xs.mean()) if N else nan
            sd = float(xs.std(ddof=1)) if N > 1 else nan
            lo, hi = (float(xs.min()), float(xs.max())) if N else (nan, nan)
            frame = pd.DataFrame({"p": ps, "x": xs})
            means = frame.groupby("p")["x"].mean()
            sizes = frame.groupby("p")["x"].size()
            n = len(means)
            sdb = float(means.std(ddof=1)) if n > 1 else nan
            lob, hib = (float(means.min()), float(means.max())) if n else (nan, nan)
            w = xs - means.reindex(ps).to_numpy()
            sdw = float(w.std(ddof=1)) if N > 1 else nan
            low, hiw = (float(w.min()) + mean, float(w.max()) + mean) if N else (nan, nan)
            tbar = N / n if n else nan
            word = "    T" if n and sizes.min() == sizes.max() else "T-bar"
        lines += [
            f"{abbrev(v, 8):<9}overall | {g9(mean)}  {g9(sd)}  {g9(lo)}  {g9(hi)} |     N ={N:>8}",
            f"{'':9}between |{'':12}{g9(sdb)}  {g9(lob)}  {g9(hib)} |     n ={n:>8}",
            f"{'':9}within  |{'':12}{g9(sdw)}  {g9(low)}  {g9(hiw)} | {word} ={fmt_g(tbar, 8):>8}",
        ]
        r = {
            "N": float(N),
            "n": float(n),
            "Tbar": tbar,
            "mean": mean,
            "sd": sd,
            "min": lo,
            "max": hi,
            "sd_b": sdb,
            "min_b": lob,
            "max_b": hib,
            "sd_w": sdw,
            "min_w": low,
            "max_w": hiw,
        }
    s.r = r
    return [Text("\n".join(lines))]


def panel_variable(s, cmd: Command) -> str:
    """The panel variable of an xt command: its ``i()`` option, or ``xtset``'s; r(459) with
    neither, r(109) for a string variable (as xtset refuses one)."""
    ivar = cmd.option("i")
    if not ivar:
        ts = s.data.tsset
        if ts is None or not ts.get("panel"):
            raise StataError("panel variable not set; use xtset varname ...", 459)
        ivar = ts["panel"]
    ivar = resolve(s.data, ivar)
    if s.data.is_string(ivar):
        raise StataError(
            f"string variables not allowed in varlist; {ivar} is a string variable", 109
        )
    return ivar
