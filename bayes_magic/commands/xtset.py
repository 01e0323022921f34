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
