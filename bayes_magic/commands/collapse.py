"""``collapse`` ([D] collapse): replace the data by summary statistics, one observation per
group of ``by()``.

``collapse [(stat)] varlist [[(stat)] ...] [if] [in] [weight] [, by(varlist) cw fast]``, where
a target may be renamed (``(sd) sdmath=math``) and ``stat`` is ``mean`` (the default),
``median``, ``p1`` ... ``p99``, ``sd``, ``semean``, ``sebinomial``, ``sepoisson``, ``sum``,
``rawsum``, ``count``, ``percent``, ``max``, ``min``, ``iqr``, ``first``, ``last``,
``firstnm`` or ``lastnm``. Each statistic uses its variable's non-missing observations (all
variables' with ``cw``); means, standard deviations and percentiles follow ``summarize``
(:mod:`bayes_magic.dataset.stats`), with its weights. Groups are sorted by the ``by()``
variables (missing values form groups of their own); the new variables are labelled
``(stat) name``. The data in memory change; ``preserve`` first to keep them.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from ..dataset.dataset import Dataset, VarInfo, default_format
from ..dataset.stats import moments, percentile
from ..dataset.varnames import expand_terms
from ..errors import StataError
from ..report.output import Output
from ..syntax.ast import Command, Words
from ..syntax.stream import TokenStream
from ..syntax.varlist import parse_varlist
from .generate import group_sort_key
from .registry import command
from .summarize import weights

__all__ = ["collapse"]

_STATS = (
    "mean",
    "median",
    "sd",
    "semean",
    "sebinomial",
    "sepoisson",
    "sum",
    "rawsum",
    "count",
    "percent",
    "max",
    "min",
    "iqr",
    "first",
    "last",
    "firstnm",
    "lastnm",
)


#: statistics [D] collapse does not compute with a kind of weight
_NOT_WITH = {
    "pweight": ("sd", "semean", "sebinomial", "sepoisson"),
    "iweight": ("semean", "sebinomial", "sepoisson"),
    "aweight": ("sebinomial", "sepoisson"),
}


def _stat_name(text: str) -> str:
    st = text[1:-1].strip().lower()
    if st in _STATS or re.fullmatch(r"p([1-9]|[1-9]\d)", st):
        return st
    raise StataError(f"({st}) invalid statistic", 198)


def _targets(s, words: list[str]) -> list[tuple[str, str, str]]:
    """(statistic, target, source) triples in order."""
    out: list[tuple[str, str, str]] = []
    stat = "mean"
    i = 0
    while i < len(words):
        w = words[i]
        if w.startswith("("):
            stat = _stat_name(w)
            i += 1
            continue
        if i + 1 < len(words) and words[i + 1] == "=":
            if i + 2 >= len(words):
                raise StataError("invalid syntax: a variable is required after =", 198)
            src = expand_terms(s.data, parse_varlist(TokenStream(words[i + 2]), factor=False))
            if len(src) != 1:
                raise StataError(f"{w}={words[i + 2]}: one variable after =", 198)
            out.append((stat, w, src[0]))
            i += 3
            continue
        for v in expand_terms(s.data, parse_varlist(TokenStream(w), factor=False)):
            out.append((stat, v, v))
        i += 1
    if not out:
        raise StataError("varlist required", 100)
    seen: set[str] = set()
    for _st, tgt, _src in out:
        if tgt in seen:
            raise StataError(f"{tgt} is the target of more than one statistic", 198)
        seen.add(tgt)
    return out


def _statistic(stat: str, x: np.ndarray, w: np.ndarray | None, kind: str | None) -> float:
    """One group's statistic of its non-missing values ``x`` (in data order)."""
    n = len(x)
    if stat in ("count", "rawsum", "sum") and n == 0:
        return 0.0
    if stat == "count":  # the sum of the weights, except aweights (which are rescaled)
        return float(w.sum()) if w is not None and kind != "aweight" else float(n)
    if stat == "rawsum":
        return float(x.sum())
    if n == 0:
        return math.nan
    if stat in ("first", "firstnm"):
        return float(x[0])
    if stat in ("last", "lastnm"):
        return float(x[-1])
    if stat == "median" or (stat.startswith("p") and stat[1:].isdigit()):
        return percentile(x, w, 50.0 if stat == "median" else float(stat[1:]))
    if stat == "iqr":
        return percentile(x, w, 75.0) - percentile(x, w, 25.0)
    m = moments(x, w, kind)
    if stat in ("mean", "sum", "max", "min", "sd"):
        return float(m[stat])
    N = m["N"]
    if stat == "semean":
        return float(m["sd"] / math.sqrt(N))
    if stat == "sebinomial":  # of 0/1 data only
        p = m["mean"]
        return math.sqrt(p * (1 - p) / N) if np.all((x == 0) | (x == 1)) else math.nan
    if stat == "sepoisson":
        return math.sqrt(m["mean"] / N) if m["mean"] >= 0 else math.nan
    raise AssertionError(stat)  # pragma: no cover


def _type_of(stat: str, src_type: str) -> str:
    if stat in ("count",):
        return "long"
    if stat in ("sum", "rawsum"):
        return "double"
    if stat in ("first", "last", "firstnm", "lastnm", "min", "max"):
        return src_type
    return "double" if src_type == "double" else "float"


@command("collapse")
def collapse(s, cmd: Command) -> list[Output]:
    """Raises
    ------
    StataError
        r(109) for a string variable, r(198) for an unknown statistic or a target named twice,
        r(2000) when no observations remain.
    """
    ds = s.data
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    targets = _targets(s, words)
    by = expand_terms(ds, cmd.option("by") or ())
    for _st, tgt, src in targets:
        if ds.is_string(src):
            raise StataError(f"{src} is a string variable", 109)
        if tgt in by:
            raise StataError(f"{tgt} is a by() variable and a target", 198)
    touse = s.touse(cmd)
    w, touse = weights(s, cmd, touse)
    kind = cmd.weight.kind if cmd.weight is not None else None
    for stat, _t, _src in targets:
        if stat in _NOT_WITH.get(kind or "", ()):
            raise StataError(f"({stat}) may not be combined with {kind}s", 135)
    if cmd.has("cw"):
        for _st, _t, src in targets:
            touse &= ~np.isnan(ds.values(src))
    if not touse.any():
        raise StataError("no observations", 2000)
    rows = np.flatnonzero(touse)
    if by:
        keys = pd.DataFrame({v: ds.values(v)[rows] for v in by})
        groups = keys.groupby(by, sort=True, dropna=False, observed=True).indices
        order = sorted(groups.items(), key=lambda kv: group_sort_key(_key(kv[0], len(by))))
    else:
        order = [((), np.arange(len(rows)))]
    cols: dict[str, np.ndarray] = {}
    for v in by:
        cols[v] = np.array([_key(k, len(by))[by.index(v)] for k, _ in order], dtype=object)
    w_rows = np.ones(len(rows)) if w is None else w[rows]
    totals = {src: float(w_rows[~np.isnan(ds.values(src)[rows])].sum()) for _s, _t, src in targets}
    for stat, tgt, src in targets:
        x_all = ds.values(src)[rows]
        vals = []
        for _k, idx in order:
            x = x_all[idx]
            keep = ~np.isnan(x)
            ww = None if w is None else w_rows[idx][keep]
            if stat in ("first", "last"):  # these include missing values
                vals.append(float(x[0] if stat == "first" else x[-1]))
                continue
            if stat == "percent":  # of the (weighted) nonmissing observations
                share = w_rows[idx][keep].sum()
                vals.append(100.0 * share / totals[src] if totals[src] else math.nan)
                continue
            vals.append(_statistic(stat, x[keep], ww, kind))
        cols[tgt] = np.array(vals, dtype=float)
    new = Dataset(pd.DataFrame(index=pd.RangeIndex(len(order))))
    for v in by:
        info = ds.info[v]
        vals = cols[v]
        new.set_values(v, vals if ds.is_string(v) else vals.astype(float), info.type)
        new.info[v] = VarInfo(info.type, info.format, info.label, info.vlabel)
    for stat, tgt, src in targets:
        info = ds.info[src]
        t = _type_of(stat, info.type)
        new.set_values(tgt, cols[tgt], t)
        keep_fmt = stat not in ("count", "percent") and t == info.type
        new.info[tgt] = VarInfo(
            t, info.format if keep_fmt else default_format(t), f"({stat}) {src}", ""
        )
        if stat in ("first", "last", "firstnm", "lastnm", "min", "max"):
            new.info[tgt].vlabel = info.vlabel
    new.value_labels = {k: dict(v) for k, v in ds.value_labels.items()}
    new.label = ds.label
    new.sortedby = tuple(by)
    new.changed = True
    s.data = new
    return []


def _key(k, nby: int) -> tuple:
    return k if nby > 1 else (k,)
