"""``input [type] varname [[type] varname ...]`` ([D] input): data typed in, one observation a
line, up to a line ``end``.

New variables are made (``float``, the ``set type``, or the type written before the name:
``str10 name``, ``int age``); into existing variables the lines add observations at the end.
New variables alongside data already in memory fill its observations from the first. Values
are separated by blanks; a string with blanks is quoted; ``.`` is missing.
"""

from __future__ import annotations

import re
import shlex

import numpy as np

from ..dataset.dataset import INT_RANGES, coerce, default_format, is_string_type
from ..dataset.evaluate import real_value
from ..dataset.varnames import check_new_name, resolve
from ..errors import StataError
from ..report.output import Output, Text
from ..syntax.ast import Command, Words
from .registry import command

__all__ = ["input_"]

_TYPE = re.compile(r"(byte|int|long|float|double|str\d+|strL)$")


def _columns(s, words: list[str]) -> list[tuple[str, str, bool]]:
    """(name, type, new) for each variable of the list."""
    out: list[tuple[str, str, bool]] = []
    vtype: str | None = None
    for w in words:
        if _TYPE.match(w) and vtype is None:
            vtype = w
            continue
        if w in s.data.info:
            if vtype is not None:
                raise StataError(f"variable {w} already defined", 110)
            out.append((w, s.data.info[w].type, False))
        else:
            if any(w == n for n, _t, _new in out):
                raise StataError(f"{w} already specified", 198)
            check_new_name(s.data, w)
            out.append((w, vtype or s.settings.type, True))
        vtype = None
    if vtype is not None:
        raise StataError("varlist required", 100)
    if not out:
        raise StataError("varlist required", 100)
    return out


@command("input")
def input_(s, cmd: Command) -> list[Output]:
    """Read ``s.input_lines`` (the lines after the command, up to ``end``) into variables."""
    lines = s.input_lines
    if lines is None:
        raise StataError("input: the data lines must follow, ending with a line end", 198)
    words = list(cmd.body.words) if isinstance(cmd.body, Words) else []
    if not words:
        # input alone adds observations to every variable, as Stata does
        words = list(s.data.varnames)
        if not words:
            raise StataError("varlist required", 100)
    words = [w if _TYPE.match(w) else resolve(s.data, w) if w in s.data.info else w for w in words]
    cols = _columns(s, words)
    rows: list[list[str | None]] = []
    for k, line in enumerate(lines, start=1):
        try:
            fields = shlex.split(line, posix=True)
        except ValueError:
            raise StataError(f"unmatched quote in line {k} of input", 198) from None
        if not fields:
            continue
        if len(fields) > len(cols):
            raise StataError(f"too many values in line {k} of input: {line.strip()}", 198)
        rows.append(fields + [None] * (len(cols) - len(fields)))  # None: not typed
    ds = s.data
    any_new = any(new for _n, _t, new in cols)
    all_new = all(new for _n, _t, new in cols)
    start = 0 if all_new else ds.nobs  # existing variables: lines add observations at the end
    if any_new and not all_new:
        raise StataError("input: may not mix new and existing variables", 198)
    nobs = max(ds.nobs, start + len(rows))
    if nobs > ds.nobs:
        ds.extend(nobs)
    for j, (name, vtype, new) in enumerate(cols):
        text = [r[j] for r in rows]
        if is_string_type(vtype):
            width = 2045 if vtype == "strL" else int(vtype[3:])
            vals = ds.values(name).copy() if not new else np.full(nobs, "", dtype=object)
            vals = np.asarray(vals, dtype=object)
            if not new and len(vals) < nobs:
                vals = np.concatenate([vals, np.full(nobs - len(vals), "", dtype=object)])
            for r, t in enumerate(text):  # a "." typed is the string "."; nothing typed is ""
                vals[start + r] = "" if t is None else t[:width]
            ds.set_values(name, vals, vtype)
            continue
        x = np.full(nobs, np.nan) if new else np.asarray(ds.values(name), dtype=float).copy()
        for r, t in enumerate(text):
            v = np.nan if t is None or t == "." else real_value(t)
            if t is not None and t != "." and v != v:
                raise StataError(
                    f"'{t}' cannot be read as a number for {name}[{start + r + 1}]", 198
                )
            x[start + r] = v
        if vtype in INT_RANGES:
            lo, hi = INT_RANGES[vtype]
            bad = ~np.isnan(x) & ((x < lo) | (x > hi) | (x != np.round(x)))
            if bad.any():
                x = np.where(bad, np.nan, x)  # as Stata stores a value its type cannot hold
        ds.set_values(name, coerce(x, vtype), vtype)
        if new:
            ds.info[name].format = default_format(vtype)
    header = "".join(f"{n:>11}" for n, _t, _new in cols)
    echo = [f"   {header}"] + [
        f"{start + k + 1:>3}. {line.strip()}"
        for k, line in enumerate(ln for ln in lines if ln.strip())
    ]
    echo.append(f"{start + len(rows) + 1:>3}. end")
    return [Text("\n".join(["", *echo]))]
