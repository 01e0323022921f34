"""Arranging and storing variables: ``order`` ([D] order), ``compress`` ([D] compress) and
``recast`` ([D] recast).

* ``order varlist [, first last before(var) after(var) alphabetic sequential]``: moves the
  variables, in the order given (or sorted), to the front, the end, or next to another.
* ``compress [varlist]``: each variable in the smallest storage type that holds its values
  exactly (doubles that are floats, floats that are integers, strings no wider than their
  longest value), reporting each change and the bytes saved.
* ``recast type varlist [, force]``: a new storage type, refused where values would change
  unless ``force``.
"""

from __future__ import annotations

import re

import numpy as np

from ..dataset.dataset import (
    INT_RANGES,
    coerce,
    compressed_type,
    default_format,
    is_string_type,
    string_type,
)
from ..dataset.varnames import expand_terms, resolve
from ..errors import StataError
from ..report.output import Output, Text
from ..syntax.ast import Command, Varlist, Words
from .registry import command

__all__ = ["order", "compress", "recast"]

_SIZES = {"byte": 1, "int": 2, "long": 4, "float": 4, "double": 8}


def _bytes(t: str) -> int:
    return _SIZES.get(t) or (int(t[3:]) if t.startswith("str") and t != "strL" else 8)


def _natural_key(name: str):
    """``sequential``: x1 x2 x10 in numeric order of their digits."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


@command("order")
def order(s, cmd: Command) -> list[Output]:
    ds = s.data
    names = expand_terms(ds, cmd.body.terms if isinstance(cmd.body, Varlist) else ())
    if cmd.has("alphabetic"):
        names = sorted(names, key=str.lower)
    elif cmd.has("sequential"):
        names = sorted(names, key=_natural_key)
    where = [k for k in ("first", "last") if cmd.has(k)]
    before, after = cmd.option("before"), cmd.option("after")
    if len(where) + bool(before) + bool(after) > 1:
        raise StataError("only one of first, last, before(), and after() may be specified", 198)
    rest = [v for v in ds.varnames if v not in names]
    if before or after:
        anchor = resolve(ds, before or after)
        if anchor in names:
            raise StataError(f"{anchor} may not be in the varlist and in before()/after()", 198)
        k = rest.index(anchor) + (1 if after else 0)
        new = rest[:k] + names + rest[k:]
    elif cmd.has("last"):
        new = rest + names
    else:
        new = names + rest
    ds.df = ds.df[new]
    ds._order_info()
    return []


@command("compress")
def compress(s, cmd: Command) -> list[Output]:
    ds = s.data
    terms = cmd.body.terms if isinstance(cmd.body, Varlist) else ()
    names = expand_terms(ds, terms) if terms else list(ds.varnames)
    lines: list[str] = []
    saved = 0
    for v in names:
        info = ds.info[v]
        old = info.type
        if old == "strL":
            continue
        if is_string_type(old):
            vals = np.asarray(ds.values(v), dtype=object)
            new = string_type(vals)
        else:
            x = np.asarray(ds.values(v), dtype=float)
            new = compressed_type(x)
            if _bytes(new) >= _bytes(old):
                new = old
        if new == old or _bytes(new) >= _bytes(old):
            continue
        fmt_default = info.format == default_format(old)
        info.type = new
        if fmt_default:
            info.format = default_format(new)
        saved += (_bytes(old) - _bytes(new)) * ds.nobs
        lines.append(f"  variable {v} was {old} now {new}")
    lines.append(f"  ({saved:,} bytes saved)")
    if saved:
        ds.changed = True
    return [Text("\n".join(lines))]


_TYPES = ("byte", "int", "long", "float", "double")


@command("recast")
def recast(s, cmd: Command) -> list[Output]:
    ds = s.data
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    if len(words) < 2:
        raise StataError("varlist required", 100)
    t = words[0]
    if t not in _TYPES and not re.fullmatch(r"str(\d+|L)", t):
        raise StataError(f"{t} invalid type", 198)
    names = [resolve(ds, w) for w in words[1:]]
    lines = []
    for v in names:
        info = ds.info[v]
        if is_string_type(info.type) != is_string_type(t):
            raise StataError(f"{v}: {info.type} cannot be recast to {t}", 109)
        if is_string_type(t):
            x = np.asarray(ds.values(v), dtype=object)
            width = 2045 if t == "strL" else int(t[3:])
            y = np.array([z[:width] for z in x], dtype=object)
            changed = int(np.sum(y != x))
        else:
            x = np.asarray(ds.values(v), dtype=float)
            y = coerce(x, t)
            if t in INT_RANGES:
                lo, hi = INT_RANGES[t]
                y = np.where((x < lo) | (x > hi), np.nan, y)
            changed = int(np.sum(~((x == y) | (np.isnan(x) & np.isnan(y)))))
        values = f"{changed} value{'s' if changed != 1 else ''}"
        if changed and not cmd.has("force"):
            lines.append(f"{v}:  {values} would be changed; not changed")
            continue
        ds.set_values(v, y, t)
        if changed:
            lines.append(f"{v}:  {values} changed")
    return [Text("\n".join(lines))] if lines else []
