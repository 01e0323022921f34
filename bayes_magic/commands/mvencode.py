"""Missing-value codes: ``mvdecode varlist [if] [in], mv(numlist)`` turns the listed values
into missing, and ``mvencode varlist [if] [in], mv(#) [override]`` turns missing values into
``#`` ([D] mvencode). Extended missing values are not kept (they are ``.`` here), so the
``#=.a`` forms are refused."""

from __future__ import annotations

import numpy as np

from ..dataset.varnames import expand_terms
from ..errors import StataError
from ..report.output import Output, Text
from ..syntax.ast import Command, Varlist
from ..syntax.numlist import numlist
from .generate import promote_type
from .registry import command

__all__ = ["mvdecode", "mvencode"]


def _numbers(text: str, what: str) -> list[float]:
    if "=" in text:
        raise StataError(
            f"{what}(): extended missing values (.a, ...) are not available in bayes_magic", 198
        )
    if not text.strip():
        raise StataError(f"option {what}() required", 198)
    try:
        return list(numlist(text.replace("\\", " ")))
    except StataError:
        raise StataError(f"{what}({text}): invalid numlist", 198) from None


def _vars(s, cmd: Command) -> list[str]:
    ds = s.data
    names = expand_terms(ds, cmd.body.terms if isinstance(cmd.body, Varlist) else ())
    return [v for v in names if not ds.is_string(v)]


@command("mvdecode")
def mvdecode(s, cmd: Command) -> list[Output]:
    codes = _numbers(cmd.option("mv") or "", "mv")
    touse = s.touse(cmd)
    lines = []
    for v in _vars(s, cmd):
        x = np.asarray(s.data.values(v), dtype=float).copy()
        hit = touse & np.isin(x, codes)
        if hit.any():
            x[hit] = np.nan
            s.data.set_values(v, x)
            n = int(hit.sum())
            lines.append(f"{v:>12}: {n} missing value{'s' if n != 1 else ''} generated")
    return [Text("\n".join(lines))] if lines else []


@command("mvencode")
def mvencode(s, cmd: Command) -> list[Output]:
    codes = _numbers(cmd.option("mv") or "", "mv")
    if len(codes) != 1:
        raise StataError("mv(): one number expected", 198)
    code = codes[0]
    touse = s.touse(cmd)
    names = _vars(s, cmd)
    if not cmd.has("override"):
        for v in names:
            x = np.asarray(s.data.values(v), dtype=float)
            if np.any(x[touse] == code):
                raise StataError(
                    f"{v}: already {code:g} in {int(np.sum(x[touse] == code))} observations;"
                    " no changes made (use the override option)",
                    9,
                )
    lines = []
    for v in names:
        x = np.asarray(s.data.values(v), dtype=float).copy()
        hit = touse & np.isnan(x)
        if hit.any():
            x[hit] = code
            s.data.set_values(v, x, promote_type(s.data.info[v].type, x))
            n = int(hit.sum())
            lines.append(f"{v:>12}: {n} missing value{'s' if n != 1 else ''} recoded")
    return [Text("\n".join(lines))] if lines else []
