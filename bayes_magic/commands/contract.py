"""``contract`` and ``fillin`` ([D] contract, [D] fillin).

* ``contract varlist [if] [in] [fw] [, freq() cfreq() percent() cpercent() float format()
  zero nomiss]`` replaces the data by one observation per combination of the variables' values
  with its frequency ``_freq`` (and, when asked, cumulative frequencies and percentages), sorted
  by the variables; missing values are values unless ``nomiss``; ``zero`` adds the combinations
  that do not occur, with frequency 0.
* ``fillin varlist`` adds an observation for each combination of the variables' values that
  does not occur (the other variables missing), marks them ``_fillin`` = 1, and sorts by the
  variables.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from ..dataset.dataset import Dataset, VarInfo, default_format, smallest_numeric_type
from ..dataset.varnames import expand_terms
from ..errors import StataError
from ..report.output import Output
from ..syntax.ast import Command, Varlist
from .generate import MISSING_KEY, group_keys, group_sort_key
from .registry import command
from .summarize import weights

__all__: list[str] = []


def _names(s, cmd: Command) -> list[str]:
    assert isinstance(cmd.body, Varlist)
    return expand_terms(s.data, cmd.body.terms)


def _levels(keys, k: int) -> list[list]:
    """The distinct values of each of the k key variables, in Stata's sort order."""
    return [sorted({key[j] for key in keys}, key=lambda x: group_sort_key((x,))) for j in range(k)]


def _value(x):
    """A key's value back as data: the missing sentinel as missing."""
    return np.nan if isinstance(x, float) and x == MISSING_KEY else x


@command("contract")
def contract(s, cmd: Command) -> list[Output]:
    ds = s.data
    names = _names(s, cmd)
    touse = s.touse(cmd)
    w, touse = weights(s, cmd, touse)
    if cmd.has("nomiss"):
        for v in names:
            touse &= ~ds.missing(v)
    targets = {
        "freq": cmd.option("freq") or "_freq",
        "cfreq": cmd.option("cfreq"),
        "percent": cmd.option("percent"),
        "cpercent": cmd.option("cpercent"),
    }
    new_names = [t for t in targets.values() if t]
    for t in new_names:
        if t in names:
            raise StataError(f"{t} already defined", 110)
    if len(set(new_names)) != len(new_names):
        raise StataError("the new variables' names must differ", 198)
    fmt = str(cmd.option("format") or "%8.2f")
    counts: dict[tuple, float] = {}
    keys = group_keys(ds, names)
    for i in np.flatnonzero(touse):
        k = keys[i]
        counts[k] = counts.get(k, 0.0) + (1.0 if w is None else float(w[i]))
    if cmd.has("zero") and counts:
        levels = _levels(counts, len(names))
        for combo in itertools.product(*levels):
            counts.setdefault(tuple(combo), 0.0)
    if not counts:
        raise StataError("no observations", 2000)
    keys = sorted(counts, key=group_sort_key)
    freq = np.array([counts[k] for k in keys])
    new = Dataset(pd.DataFrame(index=pd.RangeIndex(len(keys))))
    for j, v in enumerate(names):
        info = ds.info[v]
        col = np.array([_value(k[j]) for k in keys], dtype=object if ds.is_string(v) else float)
        new.set_values(v, col, info.type)
        new.info[v] = VarInfo(info.type, info.format, info.label, info.vlabel)
    total = freq.sum()
    cols = {
        "freq": freq,
        "cfreq": np.cumsum(freq),
        "percent": 100 * freq / total if total else freq * np.nan,
        "cpercent": 100 * np.cumsum(freq) / total if total else freq * np.nan,
    }
    for what, name in targets.items():
        if not name:
            continue
        x = cols[what]
        if what in ("freq", "cfreq"):
            t = smallest_numeric_type(x)
            new.set_values(name, x, t)
            new.info[name].format = default_format(t)
        else:
            t = "float" if cmd.has("float") else "double"
            new.set_values(name, x, t)
            new.info[name].format = fmt
    new.value_labels = {k: dict(v) for k, v in ds.value_labels.items()}
    new.label = ds.label
    new.sortedby = tuple(names)
    new.changed = True
    s.data = new
    return []


@command("fillin")
def fillin(s, cmd: Command) -> list[Output]:
    ds = s.data
    names = _names(s, cmd)
    if "_fillin" in ds.info:
        raise StataError("variable _fillin already defined", 110)
    if len(names) < 2:
        raise StataError("too few variables specified", 102)
    have = set(group_keys(ds, names))
    levels = _levels(have, len(names))
    missing = [combo for combo in itertools.product(*levels) if tuple(combo) not in have]
    n0 = ds.nobs
    frame = ds.df.copy()
    add = {}
    for c in frame.columns:
        if c in names:
            j = names.index(c)
            add[c] = [_value(combo[j]) for combo in missing]
        else:
            add[c] = ["" if ds.is_string(c) else np.nan for _ in missing]
    frame = pd.concat([frame, pd.DataFrame(add, columns=frame.columns)], ignore_index=True)
    for c in frame.columns:
        if not ds.is_string(c):
            frame[c] = frame[c].astype(float)
    frame["_fillin"] = np.r_[np.zeros(n0), np.ones(len(missing))]
    keys = [group_sort_key(tuple(frame[v].iloc[i] for v in names)) for i in range(len(frame))]
    order = sorted(range(len(frame)), key=lambda i: (keys[i], i))
    frame = frame.iloc[order].reset_index(drop=True)
    info = {c: VarInfo(i.type, i.format, i.label, i.vlabel) for c, i in ds.info.items()}
    info["_fillin"] = VarInfo("byte", default_format("byte"))
    new = Dataset(frame, info, {k: dict(v) for k, v in ds.value_labels.items()}, label=ds.label)
    new.sortedby = tuple(names)
    new.changed = True
    new.filename = ds.filename
    s.data = new
    return []
